//! Name reading and expansion: labels, compression pointers and the bounds that keep a
//! hostile name cheap ([`MAX_NAME_TEXT`], [`MAX_POINTER_JUMPS`], [`MAX_NAME_STEPS`]), and the
//! escaping tshark applies to wire text.

use super::Stop;
use arrayvec::{ArrayString, ArrayVec};
use std::fmt;

/// Longest name text. RFC 1035 §3.1 limits a name to 255 octets on the wire: 253 characters
/// of text once the first length byte and the final zero are dropped. tshark shows a longer
/// name as `<Name too long>` and goes on with the message, and so do we.
pub const MAX_NAME_TEXT: usize = 253;
/// Most compression pointers followed in one name. A well-formed name needs few (RFC 1035
/// pointers point backwards); tshark stops after 255 (its `MAX_DNAME_LEN`) and shows
/// `<Name contains a pointer that loops>`, which is how every pointer cycle ends.
pub const MAX_POINTER_JUMPS: u32 = 255;
/// Most labels plus pointers read for one name. A name within the two limits above needs at
/// most 127 labels and 255 pointers, and a pointer cycle through up to three labels is seen
/// as a loop before this. Past it decoding ends and the message is reported malformed: the
/// bound on the work one hostile name can cause (tshark's own walk has none).
pub const MAX_NAME_STEPS: u32 = 1024;

/// Raw text buffer: one byte more than [`MAX_NAME_TEXT`], so a full buffer means too long.
const NAME_BUF: usize = MAX_NAME_TEXT + 1;
/// Longest shown (escaped) name: a raw byte becomes at most 4 characters (`\001`).
pub const MAX_NAME_SHOWN: usize = 4 * NAME_BUF;

/// What a decoded name holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// Labels, joined by dots.
    Text,
    /// The empty name (`<Root>`).
    Root,
    /// More than [`MAX_NAME_TEXT`] characters (`<Name too long>`).
    TooLong,
    /// More than [`MAX_POINTER_JUMPS`] pointers (`<Name contains a pointer that loops>`).
    Loops,
}

/// A decoded name: its raw text as on the wire (labels joined by dots), or the placeholder
/// tshark shows instead.
#[derive(Debug, Clone)]
pub struct Name {
    raw: ArrayVec<u8, NAME_BUF>,
    kind: NameKind,
}

impl Name {
    /// The root name, shown for a name that cannot be read.
    pub(super) fn root() -> Name {
        Name {
            raw: ArrayVec::new(),
            kind: NameKind::Root,
        }
    }
    /// What the name holds.
    pub fn kind(&self) -> NameKind {
        self.kind
    }
    /// The raw label bytes joined by dots (empty unless [`NameKind::Text`]).
    pub fn raw(&self) -> &[u8] {
        if self.kind == NameKind::Text {
            &self.raw
        } else {
            &[]
        }
    }
    /// Writes the name as tshark shows it: the text with unprintable bytes escaped, or the
    /// placeholder.
    pub fn write(&self, out: &mut impl fmt::Write) -> fmt::Result {
        match self.kind {
            NameKind::Text => write_text(out, &self.raw),
            NameKind::Root => out.write_str("<Root>"),
            NameKind::TooLong => out.write_str("<Name too long>"),
            NameKind::Loops => out.write_str("<Name contains a pointer that loops>"),
        }
    }
    /// The shown form in a stack buffer.
    pub fn shown(&self) -> ArrayString<MAX_NAME_SHOWN> {
        let mut s = ArrayString::new();
        // Cannot fail: MAX_NAME_SHOWN covers the worst escape of a full buffer.
        let _ = self.write(&mut s);
        s
    }
}

/// Writes wire text the way tshark's `format_text` shows it: printable text as is, C escapes
/// for the usual control characters, octal for the other ASCII ones, `\uXXXX` for other
/// control characters, and U+FFFD for bytes that are not UTF-8.
pub fn write_text(out: &mut impl fmt::Write, raw: &[u8]) -> fmt::Result {
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\x07' => out.write_str("\\a")?,
                '\x08' => out.write_str("\\b")?,
                '\x0c' => out.write_str("\\f")?,
                '\n' => out.write_str("\\n")?,
                '\r' => out.write_str("\\r")?,
                '\t' => out.write_str("\\t")?,
                '\x0b' => out.write_str("\\v")?,
                c if (c as u32) < 0x20 || c == '\x7f' => write!(out, "\\{:03o}", c as u32)?,
                c if c.is_control() => write!(out, "\\u{:04x}", c as u32)?,
                c => out.write_char(c)?,
            }
        }
        if !chunk.invalid().is_empty() {
            out.write_char('\u{fffd}')?;
        }
    }
    Ok(())
}

/// Reads the name at `start`: the name and how many bytes it takes in place (up to and
/// including its first pointer).
///
/// Follows tshark's `expand_dns_name`: text past [`MAX_NAME_TEXT`] is dropped and the name
/// shown as too long, more than [`MAX_POINTER_JUMPS`] pointers make it a loop. Label types
/// other than plain labels and pointers (RFC 6891 §5 deprecates the extended ones) are
/// malformed, as is a walk longer than [`MAX_NAME_STEPS`].
pub fn read_name(msg: &[u8], start: usize) -> Result<(Name, usize), Stop> {
    let mut raw: ArrayVec<u8, NAME_BUF> = ArrayVec::new();
    let (used, loops) = walk_name(msg, start, Some(&mut raw))?;
    let kind = if loops {
        raw.clear();
        NameKind::Loops
    } else if raw.is_full() {
        NameKind::TooLong
    } else if raw.is_empty() {
        NameKind::Root
    } else {
        NameKind::Text
    };
    Ok((Name { raw, kind }, used))
}

/// How many bytes the name at `start` takes in place, with the errors [`read_name`] gives,
/// without copying its text (the record walk does this for every record of every field).
pub fn skip_name(msg: &[u8], start: usize) -> Result<usize, Stop> {
    walk_name(msg, start, None).map(|(used, _)| used)
}

/// Follows the name at `start`, appending its labels to `raw` when given. Returns the bytes
/// it takes in place and whether it ended as a pointer loop.
fn walk_name(
    msg: &[u8],
    start: usize,
    mut raw: Option<&mut ArrayVec<u8, NAME_BUF>>,
) -> Result<(usize, bool), Stop> {
    let mut pos = start;
    let mut in_place: Option<usize> = None;
    let mut jumps = 0u32;
    let mut steps = 0u32;
    loop {
        let len = *msg.get(pos).ok_or(Stop::Short)?;
        pos += 1;
        if len == 0 {
            break;
        }
        steps += 1;
        if steps > MAX_NAME_STEPS {
            return Err(Stop::Malformed("DNS name needs too many steps to expand"));
        }
        match len & 0xc0 {
            0x00 => {
                let label = msg.get(pos..pos + len as usize).ok_or(Stop::Short)?;
                pos += len as usize;
                if let Some(raw) = raw.as_deref_mut() {
                    if !raw.is_empty() {
                        let _ = raw.try_push(b'.');
                    }
                    let room = raw.remaining_capacity().min(label.len());
                    let _ = raw.try_extend_from_slice(&label[..room]);
                }
            }
            0xc0 => {
                let low = *msg.get(pos).ok_or(Stop::Short)?;
                pos += 1;
                let here = *in_place.get_or_insert_with(|| pos - start);
                jumps += 1;
                if jumps > MAX_POINTER_JUMPS {
                    return Ok((here, true));
                }
                pos = (((len & 0x3f) as usize) << 8) | low as usize;
            }
            _ => return Err(Stop::Malformed("unsupported DNS label type")),
        }
    }
    Ok((in_place.unwrap_or_else(|| pos - start), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_like_tshark() {
        let mut s = String::new();
        write_text(&mut s, b"a\tb\nc\x01\x7f\xc2\x80\xe9.\\").unwrap();
        assert_eq!(s, "a\\tb\\nc\\001\\177\\u0080\u{fffd}.\\");
    }
}
