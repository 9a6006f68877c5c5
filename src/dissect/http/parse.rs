//! Parsing of a message head: lines, the request or status line, the header block and
//! header values (including the media type of `Content-Type`).

use super::framing::{Framing, framing};

/// Request methods tshark recognises (`is_http_request_or_reply`), WebDAV and UPnP included.
const METHODS: &[&[u8]] = &[
    b"GET",
    b"PUT",
    b"POST",
    b"HEAD",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"POLL",
    b"ACL",
    b"MKCOL",
    b"TRACE",
    b"PATCH",
    b"BMOVE",
    b"BCOPY",
    b"LABEL",
    b"MERGE",
    b"DELETE",
    b"SEARCH",
    b"UNLOCK",
    b"REPORT",
    b"UPDATE",
    b"NOTIFY",
    b"BDELETE",
    b"CONNECT",
    b"OPTIONS",
    b"CHECKIN",
    b"PROPFIND",
    b"CHECKOUT",
    b"M-SEARCH",
    b"BPROPFIND",
    b"PROPPATCH",
    b"SUBSCRIBE",
    b"BPROPPATCH",
    b"UNCHECKOUT",
    b"MKACTIVITY",
    b"MKCALENDAR",
    b"MKWORKSPACE",
    b"UNSUBSCRIBE",
    b"RPC_CONNECT",
    b"RPC_IN_DATA",
    b"RPC_OUT_DATA",
    b"VERSION-CONTROL",
    b"BASELINE-CONTROL",
    b"SSTP_DUPLEX_POST",
];

/// One line from `at`: its text (without CR LF) and where the next line starts.
pub fn line(buf: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(at..)?;
    let n = memchr::memchr(b'\n', rest)?;
    let text = &rest[..n];
    let text = text.strip_suffix(b"\r").unwrap_or(text);
    Some((text, at + n + 1))
}

/// A start line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartLine<'a> {
    /// `METHOD URI VERSION`.
    Request {
        /// Method.
        method: &'a [u8],
        /// Request target.
        uri: &'a [u8],
        /// Version (may be empty: HTTP/0.9 style).
        version: &'a [u8],
    },
    /// `VERSION CODE PHRASE`.
    Response {
        /// Version.
        version: &'a [u8],
        /// Status code, when three digits follow the version.
        code: Option<u16>,
        /// Reason phrase.
        phrase: &'a [u8],
    },
}

impl<'a> StartLine<'a> {
    /// Parses a start line; `None` when it is neither a request nor a response.
    pub fn parse(text: &'a [u8]) -> Option<StartLine<'a>> {
        if text.starts_with(b"HTTP/") {
            let mut it = text.splitn(3, |&b| b == b' ');
            let version = it.next().unwrap_or(&[]);
            let code_text = it.next().unwrap_or(&[]);
            let phrase = it.next().unwrap_or(&[]);
            let code =
                (code_text.len() == 3 && code_text.iter().all(u8::is_ascii_digit)).then(|| {
                    code_text
                        .iter()
                        .fold(0u16, |a, d| a * 10 + (d - b'0') as u16)
                });
            return Some(StartLine::Response {
                version,
                code,
                phrase,
            });
        }
        let sp = memchr::memchr(b' ', text)?;
        let method = &text[..sp];
        if !METHODS.contains(&method) {
            return None;
        }
        let rest = &text[sp + 1..];
        let (uri, version) = match memchr::memrchr(b' ', rest) {
            Some(i) if rest[i + 1..].starts_with(b"HTTP/") => (&rest[..i], &rest[i + 1..]),
            _ => (rest, &[][..]),
        };
        Some(StartLine::Request {
            method,
            uri,
            version,
        })
    }

    /// True for a request.
    pub fn is_request(&self) -> bool {
        matches!(self, StartLine::Request { .. })
    }
}

/// True when `payload` begins with a complete request or status line.
pub fn starts_message(payload: &[u8]) -> bool {
    line(payload, 0).is_some_and(|(l, _)| StartLine::parse(l).is_some())
}

/// The start line and header block of a message whose headers are complete.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    /// Start line text (without CR LF).
    pub line: &'a [u8],
    /// Parsed start line.
    pub start: StartLine<'a>,
    /// Header lines, between the start line and the empty line.
    pub headers: &'a [u8],
    /// Offset of the body.
    pub body_at: usize,
}

/// What the start of `buf` holds.
#[derive(Debug, Clone, Copy)]
pub enum Parsed<'a> {
    /// Not a request or status line (or no complete line yet: `line_complete` false).
    NotHttp {
        /// A line feed was found.
        line_complete: bool,
    },
    /// A start line whose headers do not end in `buf`.
    PartialHead {
        /// Start line text.
        line: &'a [u8],
        /// Parsed start line.
        start: StartLine<'a>,
    },
    /// Complete headers.
    Head(Head<'a>),
}

/// Parses the start line and headers at the start of `buf`.
pub fn parse(buf: &[u8]) -> Parsed<'_> {
    let Some((first, mut at)) = line(buf, 0) else {
        return Parsed::NotHttp {
            line_complete: false,
        };
    };
    let Some(start) = StartLine::parse(first) else {
        return Parsed::NotHttp {
            line_complete: true,
        };
    };
    let headers_at = at;
    loop {
        match line(buf, at) {
            Some(([], next)) => {
                return Parsed::Head(Head {
                    line: first,
                    start,
                    headers: &buf[headers_at..at],
                    body_at: next,
                });
            }
            Some((_, next)) => at = next,
            None => return Parsed::PartialHead { line: first, start },
        }
    }
}

impl<'a> Head<'a> {
    /// The value of header `name` (case-insensitive), trimmed; the first occurrence.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        header_in(self.headers, name)
    }

    /// How the body is delimited (see [`framing`]).
    pub fn framing(&self) -> Framing {
        framing(&self.start, self.headers)
    }

    /// The media type without parameters, lowercased (`text/html`).
    pub fn media_type(&self) -> Option<arrayvec::ArrayString<MAX_MEDIA_TYPE>> {
        media_type(self.header("content-type")?)
    }
}

/// Longest media type kept (RFC 6838 §4.2 limits each half to 127 characters).
pub const MAX_MEDIA_TYPE: usize = 255;

/// The media type of a `Content-Type` value: before any `;`, trimmed, lowercased.
pub fn media_type(value: &[u8]) -> Option<arrayvec::ArrayString<MAX_MEDIA_TYPE>> {
    let t = trim(value.split(|&b| b == b';').next().unwrap_or(&[]));
    let t = std::str::from_utf8(t).ok()?;
    let mut s = arrayvec::ArrayString::new();
    for c in t.chars().take(MAX_MEDIA_TYPE) {
        if s.try_push(c.to_ascii_lowercase()).is_err() {
            break;
        }
    }
    (!s.is_empty()).then_some(s)
}

/// The value of header `name` (case-insensitive, trimmed) in a header block; the first one.
pub fn header_in<'a>(headers: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let mut at = 0;
    while let Some((l, next)) = line(headers, at) {
        at = next;
        let Some(colon) = memchr::memchr(b':', l) else {
            continue;
        };
        if trim(&l[..colon]).eq_ignore_ascii_case(name.as_bytes()) {
            return Some(trim(&l[colon + 1..]));
        }
    }
    None
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}

pub(super) fn parse_u64(v: &[u8]) -> Option<u64> {
    std::str::from_utf8(trim(v)).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_lines() {
        assert_eq!(
            StartLine::parse(b"GET /x?y HTTP/1.1"),
            Some(StartLine::Request {
                method: b"GET",
                uri: b"/x?y",
                version: b"HTTP/1.1"
            })
        );
        assert_eq!(
            StartLine::parse(b"GET /bad.html"),
            Some(StartLine::Request {
                method: b"GET",
                uri: b"/bad.html",
                version: b""
            })
        );
        assert_eq!(
            StartLine::parse(b"HTTP/1.0 500 Internal Server Error"),
            Some(StartLine::Response {
                version: b"HTTP/1.0",
                code: Some(500),
                phrase: b"Internal Server Error"
            })
        );
        assert_eq!(StartLine::parse(b"FOO / HTTP/1.1"), None);
        assert_eq!(StartLine::parse(b"GET"), None);
        assert_eq!(StartLine::parse(b""), None);
        assert!(StartLine::parse(b"M-SEARCH * HTTP/1.1").is_some());
    }
}
