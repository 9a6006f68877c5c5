//! HTTP/1.x (RFC 9112) over TCP, and SSDP (UPnP Device Architecture §1), which is HTTP-style
//! messages over UDP port 1900.
//!
//! A message is a start line (`GET /x HTTP/1.1` or `HTTP/1.1 200 OK`), header lines, an empty
//! line, then a body framed by `Content-Length`, by chunked transfer coding, or (responses
//! only) by the end of the connection. Lines end in CRLF; a bare LF is accepted, as tshark
//! does.
//!
//! This module is stateless: it reads what one segment holds. A message that starts in this
//! segment but ends in a later one, and the segments that continue it, are recognised by the
//! PDU tracker (`crate::track::pdu`), which keeps a few bytes of state per TCP direction (no
//! payload) and rewrites those frames the way tshark's reassembly shows them.
//!
//! The Info column follows tshark 4.0's `packet-http.c`: each message in the segment adds its
//! start line and a space; a body handed to a media dissector adds ` (type)`.
//!
//! Layout: `parse` reads the start line and headers, `framing` finds where a message ends
//! (the glue the PDU tracker uses), `ports` says which ports get HTTP, `info` writes the Info
//! and Protocol columns, `fields` holds the registry fields; this file holds the layer view
//! and the dissector entry points.

mod fields;
mod framing;
mod info;
mod parse;
mod ports;

pub use fields::FIELDS;
pub use framing::{Chunks, Extent, Framing, Missing, extent, framing, messages};
pub use info::{MAX_LINE, info, protocol, write_body_suffix, write_line};
pub use parse::{
    Head, MAX_MEDIA_TYPE, Parsed, StartLine, header_in, line, media_type, parse, starts_message,
};
pub use ports::{OTHER_TCP_PORTS, SSDP_PORT, TCP_PORTS, heuristic_allowed};

use super::{Proto, View, Walker};

/// The dissector a body goes to, by media type (tshark's `media_type` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// `data-text-lines`: text shown line by line; Info gets ` (type)`.
    TextLines,
    /// `media`: any other declared type; Info gets ` (type)`.
    Media,
    /// `urlencoded-form`; Info gets ` (type)`.
    Form,
    /// `json`; Protocol `HTTP/JSON`.
    Json,
    /// `xml`; Protocol `HTTP/XML`, nothing added to Info.
    Xml,
    /// No `Content-Type`, or `application/octet-stream`: `data`.
    Data,
}

/// Types shown as text lines by tshark 4.0 (`packet-text-media.c`).
const TEXT_TYPES: &[&str] = &[
    "text/plain",
    "text/html",
    "text/css",
    "text/javascript",
    "text/richtext",
    "text/enriched",
    "text/parameters",
    "application/x-javascript",
    "application/x-ns-proxy-autoconfig",
];

/// The body dissector for a media type.
pub fn body_kind(media: Option<&str>) -> BodyKind {
    match media {
        None | Some("application/octet-stream") => BodyKind::Data,
        Some(t) if TEXT_TYPES.contains(&t) => BodyKind::TextLines,
        Some("application/x-www-form-urlencoded") => BodyKind::Form,
        Some("application/json") => BodyKind::Json,
        Some("text/xml" | "application/xml") => BodyKind::Xml,
        Some(_) => BodyKind::Media,
    }
}

/// What an HTTP or SSDP layer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpKind {
    /// Messages starting at the first byte (the last one possibly incomplete).
    Messages,
    /// Bytes that do not start a message: part of one started earlier, or not HTTP at all
    /// (the PDU tracker decides which).
    Continuation,
}

/// A checked view of an HTTP or SSDP payload.
#[derive(Debug, Clone, Copy)]
pub struct Http<'a> {
    buf: &'a [u8],
    kind: HttpKind,
    /// The segment closes the connection (FIN), which ends a body without length.
    fin: bool,
    /// One message per datagram (SSDP): its headers end with the datagram if not before.
    datagram: bool,
}

/// One message of a layer as far as the layer holds it.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// Start line text.
    pub line: &'a [u8],
    /// Its headers, when they are complete.
    pub head: Option<Head<'a>>,
    /// Its body, when the message is complete (else empty).
    pub body: &'a [u8],
    /// Where the body starts in the layer.
    pub body_at: usize,
    /// The layer holds the whole message (a datagram's always counts as whole).
    pub complete: bool,
}

impl<'a> Http<'a> {
    /// A view of a TCP payload.
    pub fn new(buf: &'a [u8], kind: HttpKind, fin: bool) -> Self {
        Http {
            buf,
            kind,
            fin,
            datagram: false,
        }
    }
    /// A view of an SSDP datagram.
    pub fn datagram(buf: &'a [u8]) -> Self {
        Http {
            buf,
            kind: HttpKind::Messages,
            fin: true,
            datagram: true,
        }
    }
    /// The payload bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.buf
    }
    /// What the layer holds.
    pub fn kind(&self) -> HttpKind {
        self.kind
    }

    /// The messages the layer starts, in order; the last may be incomplete.
    pub fn messages(&self) -> impl Iterator<Item = Message<'a>> + 'a {
        let (buf, fin, datagram) = (self.buf, self.fin, self.datagram);
        let mut at = 0;
        let mut done = self.kind != HttpKind::Messages;
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            let rest = buf.get(at..).filter(|r| !r.is_empty())?;
            if datagram {
                done = true;
                return match parse(rest) {
                    Parsed::NotHttp { .. } => None,
                    Parsed::Head(head) => Some(Message {
                        line: head.line,
                        head: Some(head),
                        body: &rest[head.body_at..],
                        body_at: head.body_at,
                        complete: true,
                    }),
                    Parsed::PartialHead { line, start } => {
                        let headers_at = self::line(rest, 0).map_or(rest.len(), |(_, n)| n);
                        let head = Head {
                            line,
                            start,
                            headers: &rest[headers_at..],
                            body_at: rest.len(),
                        };
                        Some(Message {
                            line,
                            head: Some(head),
                            body: &[],
                            body_at: rest.len(),
                            complete: true,
                        })
                    }
                };
            }
            match extent(rest, fin)? {
                Extent::Complete { head, len } => {
                    let m = Message {
                        line: head.line,
                        head: Some(head),
                        body: &rest[head.body_at..len],
                        body_at: at + head.body_at,
                        complete: true,
                    };
                    at += len.max(1);
                    Some(m)
                }
                Extent::Incomplete { line, missing } => {
                    done = true;
                    let head = match missing {
                        Missing::Headers => None,
                        Missing::Length(_, h) | Missing::Chunked(_, h) | Missing::UntilClose(h) => {
                            Some(h)
                        }
                    };
                    Some(Message {
                        line,
                        head,
                        body: &[],
                        body_at: at,
                        complete: false,
                    })
                }
            }
        })
    }

    /// The messages with complete headers.
    pub fn heads(&self) -> impl Iterator<Item = Head<'a>> + 'a {
        self.messages().filter_map(|m| m.head)
    }
}

impl Message<'_> {
    /// The body dissector, when there is a body.
    pub fn body_kind(&self) -> Option<(BodyKind, Option<arrayvec::ArrayString<MAX_MEDIA_TYPE>>)> {
        if self.body.is_empty() {
            return None;
        }
        let media = self.head.and_then(|h| h.media_type());
        Some((body_kind(media.as_deref()), media))
    }
}

/// Dissects an SSDP datagram; one that does not start with a request or status line is left
/// to UDP (tshark's SSDP rejects it).
pub fn dissect_ssdp<'a>(w: &mut Walker<'a, '_>, offset: usize, payload: &'a [u8]) {
    if !starts_message(payload) {
        return;
    }
    let h = Http::datagram(payload);
    if w.push(Proto::Ssdp, offset, payload, View::Http(h)) {
        push_first_body(w, offset, &h);
    }
}

/// Pushes the body layers of the first message with a body (tshark lists each once).
fn push_first_body<'a>(w: &mut Walker<'a, '_>, offset: usize, h: &Http<'a>) {
    for m in h.messages() {
        if let Some((kind, _)) = m.body_kind() {
            push_body(w, offset + m.body_at, m.body, kind);
            return;
        }
    }
}

/// Dissects a TCP payload that starts an HTTP message, or any payload on an HTTP port
/// (`registered`): those that do not start a message become a continuation layer for the PDU
/// tracker to judge. Complete messages get their body layers. `fin`: the segment ends the
/// connection.
pub fn dissect_tcp<'a>(
    w: &mut Walker<'a, '_>,
    offset: usize,
    payload: &'a [u8],
    registered: bool,
    fin: bool,
) {
    if !starts_message(payload) {
        if registered {
            let h = Http::new(payload, HttpKind::Continuation, fin);
            w.push(Proto::Http, offset, payload, View::Http(h));
        } else {
            w.data(offset, payload);
        }
        return;
    }
    let h = Http::new(payload, HttpKind::Messages, fin);
    if w.push(Proto::Http, offset, payload, View::Http(h)) {
        push_first_body(w, offset, &h);
    }
}

/// Pushes the layers a body shows as (`data-text-lines`, `media`, ...).
pub fn push_body<'a>(w: &mut Walker<'a, '_>, offset: usize, body: &'a [u8], kind: BodyKind) {
    let view = View::Data(body);
    match kind {
        BodyKind::TextLines => {
            w.push(Proto::DataTextLines, offset, body, view);
        }
        BodyKind::Media => {
            w.push(Proto::Media, offset, body, view);
        }
        BodyKind::Form => {
            w.push(Proto::UrlencodedForm, offset, body, view);
        }
        BodyKind::Json => {
            w.push(Proto::Json, offset, body, view);
        }
        BodyKind::Xml => {
            w.push(Proto::Xml, offset, body, view);
        }
        BodyKind::Data => w.data(offset, body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESPONSE: &[u8] =
        b"HTTP/1.1 200 OK\r\nServer: x\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello";

    fn info_of(buf: &[u8], fin: bool) -> String {
        let mut s = String::new();
        info(&Http::new(buf, HttpKind::Messages, fin), &mut s);
        s
    }

    #[test]
    fn every_truncation_of_a_response() {
        let head_end = RESPONSE.len() - 5;
        let first_line = b"HTTP/1.1 200 OK\r\n".len();
        for n in 0..=RESPONSE.len() {
            let e = extent(&RESPONSE[..n], false);
            match e {
                None => assert!(n < first_line, "length {n}"),
                Some(Extent::Incomplete {
                    missing: Missing::Headers,
                    line,
                }) => {
                    assert!((first_line..head_end).contains(&n), "length {n}");
                    assert_eq!(line, b"HTTP/1.1 200 OK");
                }
                Some(Extent::Incomplete {
                    missing: Missing::Length(left, _),
                    ..
                }) => assert_eq!(left as usize, RESPONSE.len() - n, "length {n}"),
                Some(Extent::Complete { len, .. }) => {
                    assert_eq!((n, len), (RESPONSE.len(), RESPONSE.len()))
                }
                other => panic!("length {n}: {other:?}"),
            }
        }
    }

    #[test]
    fn info_like_tshark() {
        assert_eq!(info_of(RESPONSE, false), "HTTP/1.1 200 OK  (text/html)");
        assert_eq!(
            info_of(b"GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n", false),
            "GET /index.html HTTP/1.1 "
        );
        assert_eq!(
            info_of(b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", false),
            "GET /a HTTP/1.1 GET /b HTTP/1.1 "
        );
        // Incomplete: the line only.
        assert_eq!(info_of(&RESPONSE[..30], false), "HTTP/1.1 200 OK ");
        // No type: data, nothing added; JSON and XML bodies.
        assert_eq!(
            info_of(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab", false),
            "HTTP/1.1 200 OK "
        );
        let json =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(
            info_of(json, false),
            "HTTP/1.1 200 OK , JavaScript Object Notation (application/json)"
        );
        assert_eq!(
            protocol(&Http::new(json, HttpKind::Messages, false), Proto::Http),
            "HTTP/JSON"
        );
    }

    #[test]
    fn body_until_close_ends_with_fin() {
        let r = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nabc";
        assert!(matches!(
            extent(r, false),
            Some(Extent::Incomplete {
                missing: Missing::UntilClose(_),
                ..
            })
        ));
        assert!(matches!(
            extent(r, true),
            Some(Extent::Complete { len: 48, .. })
        ));
        assert_eq!(info_of(r, true), "HTTP/1.0 200 OK  (text/plain)");
    }

    #[test]
    fn media_types() {
        assert_eq!(
            media_type(b" Text/HTML ; charset=x").as_deref(),
            Some("text/html")
        );
        assert_eq!(media_type(b";"), None);
        assert_eq!(body_kind(Some("text/plain")), BodyKind::TextLines);
        assert_eq!(body_kind(Some("image/png")), BodyKind::Media);
        assert_eq!(body_kind(Some("application/octet-stream")), BodyKind::Data);
        assert_eq!(body_kind(None), BodyKind::Data);
    }

    #[test]
    fn datagram_without_final_empty_line() {
        let m = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n";
        let h = Http::datagram(m);
        let head = h.heads().next().expect("a head");
        assert_eq!(head.header("host"), Some(&b"239.255.255.250:1900"[..]));
        let mut s = String::new();
        info(&h, &mut s);
        assert_eq!(s, "M-SEARCH * HTTP/1.1 ");
        assert_eq!(Http::datagram(b"garbage").messages().count(), 0);
    }

    proptest::proptest! {
        /// Arbitrary payloads behind a start line never panic, and Info stays bounded.
        #[test]
        fn arbitrary_payloads_never_panic(
            tail in proptest::collection::vec(
                proptest::sample::select(vec![b'\r', b'\n', b':', b' ', b'0', b'5', b'a', b'f',
                    b';', b'C', b'x']),
                0..300,
            ),
            fin in proptest::prelude::any::<bool>(),
            chunked in proptest::prelude::any::<bool>(),
        ) {
            let mut buf = b"HTTP/1.1 200 OK\r\n".to_vec();
            if chunked {
                buf.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            }
            buf.extend(tail);
            let mut s = String::new();
            let h = Http::new(&buf, HttpKind::Messages, fin);
            info(&h, &mut s);
            proptest::prop_assert!(s.len() <= 4 * buf.len() + 64);
            let _ = h.heads().count();
            let _ = Http::datagram(&buf).messages().count();
        }
    }
}
