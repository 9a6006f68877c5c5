//! The Info and Protocol columns of an HTTP or SSDP layer: each message's start line, and
//! what its body's dissector adds.

use super::{BodyKind, Http};
use crate::dissect::Proto;

/// Longest start line or header line looked at. Longer lines are still skipped correctly;
/// only their text is cut in the Info column.
pub const MAX_LINE: usize = 64 * 1024;

/// Writes a start line as Info shows it (escaped, cut at [`MAX_LINE`]) and a space.
pub fn write_line(out: &mut String, line: &[u8]) {
    let _ = crate::dissect::dns::write_text(out, &line[..line.len().min(MAX_LINE)]);
    out.push(' ');
}

/// Writes the Info suffix a body adds. The media type comes from the wire, so it is
/// escaped like every other string shown (a control byte in a Content-Type header must not
/// reach the terminal).
pub fn write_body_suffix(out: &mut String, kind: BodyKind, media: &str) {
    let escaped = |out: &mut String| {
        crate::value::write_escaped_str(out, media.as_bytes());
    };
    match kind {
        BodyKind::TextLines | BodyKind::Media | BodyKind::Form => {
            out.push_str(" (");
            escaped(out);
            out.push(')');
        }
        BodyKind::Json => {
            out.push_str(", JavaScript Object Notation (");
            escaped(out);
            out.push(')');
        }
        BodyKind::Xml | BodyKind::Data => {}
    }
}

/// Writes the Info column of a layer: each message's start line and a space, and what its
/// body's dissector adds.
pub fn info(h: &Http<'_>, out: &mut String) {
    for m in h.messages() {
        write_line(out, m.line);
        if let Some((kind, media)) = m.body_kind() {
            write_body_suffix(out, kind, media.as_deref().unwrap_or(""));
        }
    }
}

/// The Protocol column for a layer: `HTTP` (`SSDP`), with `/JSON` or `/XML` when a body of
/// that type was dissected.
pub fn protocol(h: &Http<'_>, proto: Proto) -> &'static str {
    let ssdp = proto == Proto::Ssdp;
    let mut p = if ssdp { "SSDP" } else { "HTTP" };
    for m in h.messages() {
        p = match (m.body_kind().map(|k| k.0), ssdp) {
            (Some(BodyKind::Json), false) => "HTTP/JSON",
            (Some(BodyKind::Xml), false) => "HTTP/XML",
            (Some(BodyKind::Json), true) => "SSDP/JSON",
            (Some(BodyKind::Xml), true) => "SSDP/XML",
            _ => p,
        };
    }
    p
}
