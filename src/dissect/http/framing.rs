//! Where a message ends: how its body is delimited (`Content-Length`, chunked, until the
//! connection closes), the streaming chunked-body parser, and the extent of a message within
//! a buffer, which the PDU tracker (`crate::track::pdu`) uses to follow messages across
//! segments.

use super::parse::{Head, Parsed, StartLine, header_in, parse, parse_u64};

/// How a message's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    None,
    /// `Content-Length` bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
    /// A response body without length: it ends with the connection.
    UntilClose,
}

/// How the body of a message with this start line and these headers is delimited: chunked
/// wins over `Content-Length` (RFC 9112 §6.3); responses 1xx, 204 and 304 have no body; a
/// request without length has none, a response without one lasts until the connection closes.
pub fn framing(start: &StartLine<'_>, headers: &[u8]) -> Framing {
    if let StartLine::Response { code: Some(c), .. } = start
        && ((100..200).contains(c) || *c == 204 || *c == 304)
    {
        return Framing::None;
    }
    let chunked =
        header_in(headers, "transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case(b"chunked"));
    if chunked {
        return Framing::Chunked;
    }
    if let Some(n) = header_in(headers, "content-length").and_then(parse_u64) {
        return Framing::Length(n);
    }
    if start.is_request() {
        Framing::None
    } else {
        Framing::UntilClose
    }
}

/// A streaming parser of a chunked body (RFC 9112 §7.1): fed the body bytes in pieces, it
/// says where the body ends. Its state is a few integers, whatever the body's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Chunks {
    state: ChunkState,
    /// Bytes left in the current chunk (or the size being read).
    left: u64,
    /// Characters on the current trailer line.
    line_len: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum ChunkState {
    /// Reading the hex size.
    #[default]
    Size,
    /// Skipping a chunk extension to the end of the size line.
    SizeRest,
    /// Inside chunk data.
    Data,
    /// After chunk data, expecting CR LF.
    DataEnd,
    /// Trailer lines after the last chunk, until an empty line.
    Trailer,
    /// The body ended.
    Done,
}

impl Chunks {
    /// Feeds the next body bytes; `Some(n)` when the body ends after the first `n` of them.
    /// A size that is not hex ends the body where it stands, as a malformed body would.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match self.state {
                ChunkState::Size => match b {
                    b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                        let d = (b as char).to_digit(16).unwrap_or(0) as u64;
                        self.left = self.left.saturating_mul(16).saturating_add(d);
                    }
                    b'\n' => self.end_size_line(),
                    b';' | b' ' | b'\t' | b'\r' => self.state = ChunkState::SizeRest,
                    _ => {
                        self.state = ChunkState::Done;
                        return Some(i);
                    }
                },
                ChunkState::SizeRest => {
                    if b == b'\n' {
                        self.end_size_line();
                    }
                }
                ChunkState::Data => {
                    let n = (self.left.min((bytes.len() - i) as u64)) as usize;
                    self.left -= n as u64;
                    i += n;
                    if self.left == 0 {
                        self.state = ChunkState::DataEnd;
                    }
                    continue;
                }
                ChunkState::DataEnd => {
                    if b == b'\n' {
                        self.state = ChunkState::Size;
                    } else if b != b'\r' {
                        self.state = ChunkState::Size;
                        continue;
                    }
                }
                ChunkState::Trailer => match b {
                    b'\n' if self.line_len == 0 => {
                        self.state = ChunkState::Done;
                        return Some(i + 1);
                    }
                    b'\n' => self.line_len = 0,
                    b'\r' => {}
                    _ => self.line_len = self.line_len.saturating_add(1),
                },
                ChunkState::Done => return Some(i),
            }
            i += 1;
        }
        (self.state == ChunkState::Done).then_some(bytes.len())
    }

    fn end_size_line(&mut self) {
        self.state = if self.left == 0 {
            self.line_len = 0;
            ChunkState::Trailer
        } else {
            ChunkState::Data
        };
    }
}

/// Where one message starting at `buf[0]` stands within `buf`.
#[derive(Debug, Clone, Copy)]
pub enum Extent<'a> {
    /// The message ends at this offset.
    Complete {
        /// Its headers.
        head: Head<'a>,
        /// Its length.
        len: usize,
    },
    /// The message goes on past `buf`.
    Incomplete {
        /// Start line text.
        line: &'a [u8],
        /// What is missing.
        missing: Missing<'a>,
    },
}

/// What a message started in one segment still needs.
#[derive(Debug, Clone, Copy)]
pub enum Missing<'a> {
    /// The rest of the headers.
    Headers,
    /// This many body bytes.
    Length(u64, Head<'a>),
    /// The rest of a chunked body, with the parser's state.
    Chunked(Chunks, Head<'a>),
    /// Everything until the connection closes.
    UntilClose(Head<'a>),
}

/// Finds where the message at the start of `buf` ends; `fin` says the connection closes
/// after `buf`, which ends a body without length. `None` when `buf` does not start with a
/// request or status line.
pub fn extent(buf: &[u8], fin: bool) -> Option<Extent<'_>> {
    let head = match parse(buf) {
        Parsed::NotHttp { .. } => return None,
        Parsed::PartialHead { line, .. } => {
            return Some(Extent::Incomplete {
                line,
                missing: Missing::Headers,
            });
        }
        Parsed::Head(h) => h,
    };
    let body = &buf[head.body_at..];
    let line = head.line;
    let missing = match head.framing() {
        Framing::None => None,
        Framing::Length(n) if n <= body.len() as u64 => {
            return Some(Extent::Complete {
                head,
                len: head.body_at + n as usize,
            });
        }
        Framing::Length(n) => Some(Missing::Length(n - body.len() as u64, head)),
        Framing::Chunked => {
            let mut c = Chunks::default();
            match c.feed(body) {
                Some(n) => {
                    return Some(Extent::Complete {
                        head,
                        len: head.body_at + n,
                    });
                }
                None => Some(Missing::Chunked(c, head)),
            }
        }
        Framing::UntilClose if fin => {
            return Some(Extent::Complete {
                head,
                len: buf.len(),
            });
        }
        Framing::UntilClose => Some(Missing::UntilClose(head)),
    };
    Some(match missing {
        None => Extent::Complete {
            head,
            len: head.body_at,
        },
        Some(missing) => Extent::Incomplete { line, missing },
    })
}

/// The complete messages at the start of `buf`, in order, each with its body.
pub fn messages(buf: &[u8], fin: bool) -> impl Iterator<Item = (Head<'_>, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = buf.get(at..).filter(|r| !r.is_empty())?;
        match extent(rest, fin)? {
            Extent::Complete { head, len } => {
                at += len.max(1);
                Some((head, &rest[head.body_at..len]))
            }
            Extent::Incomplete { .. } => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_body_for_304_and_requests() {
        let r = b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n";
        assert!(matches!(extent(r, false), Some(Extent::Complete { .. })));
        let q = b"GET / HTTP/1.1\r\n\r\n";
        assert!(matches!(
            extent(q, false),
            Some(Extent::Complete { len: 18, .. })
        ));
    }

    #[test]
    fn chunked_bodies_in_one_piece_and_byte_by_byte() {
        let body = b"5\r\nhello\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        let mut c = Chunks::default();
        assert_eq!(c.feed(body), Some(body.len() - 4));
        let mut c = Chunks::default();
        let mut end = None;
        for (i, b) in body.iter().enumerate() {
            if let Some(n) = c.feed(std::slice::from_ref(b)) {
                end = Some(i + n);
                break;
            }
        }
        assert_eq!(end, Some(body.len() - 4));
        let mut c = Chunks::default();
        assert_eq!(c.feed(b"5\r\nhel"), None);
        assert_eq!(c.feed(b"lo\r\n0\r\n\r\n"), Some(9));
        // A size that is not hex ends the body where it stands.
        let mut c = Chunks::default();
        assert_eq!(c.feed(b"zz"), Some(0));
        // A huge size saturates instead of overflowing.
        let mut c = Chunks::default();
        assert_eq!(c.feed(b"ffffffffffffffffffffffff\r\nab"), None);
    }

    #[test]
    fn huge_content_length_is_just_missing() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nab";
        assert!(matches!(
            extent(r, false),
            Some(Extent::Incomplete {
                missing: Missing::Length(n, _),
                ..
            }) if n == u64::MAX - 2
        ));
    }

    proptest::proptest! {
        /// Feeding a chunked body in two pieces finds the same end as in one.
        #[test]
        fn chunks_split_anywhere(split in 0usize..60) {
            let body = b"a\r\n0123456789\r\n2\r\nab\r\n0\r\n\r\n";
            let mut whole = Chunks::default();
            let end = whole.feed(body);
            let (x, y) = body.split_at(split.min(body.len()));
            let mut c = Chunks::default();
            let got = match c.feed(x) {
                Some(n) => Some(n),
                None => c.feed(y).map(|n| x.len() + n),
            };
            proptest::prop_assert_eq!(got, end);
        }
    }
}
