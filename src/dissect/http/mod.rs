//! HTTP/1.x (RFC 9112) over TCP, and SSDP (UPnP Device Architecture §1), which is HTTP-style
//! messages over UDP port 1900.
//!
//! A message is a start line (`GET /x HTTP/1.1` or `HTTP/1.1 200 OK`), header lines, an empty
//! line, then a body framed by `Content-Length`, by chunked transfer coding, or (responses
//! only) by the end of the connection. Lines end in CRLF; a bare LF is accepted, as tshark
//! does.
//!
//! This file is stateless: it reads what one segment holds. A message that starts in this
//! segment but ends in a later one, and the segments that continue it, are recognised by the
//! PDU tracker (`crate::track::pdu`), which keeps a few bytes of state per TCP direction (no
//! payload) and rewrites those frames the way tshark's reassembly shows them.
//!
//! The Info column follows tshark 4.0's `packet-http.c`: each message in the segment adds its
//! start line and a space; a body handed to a media dissector adds ` (type)`.

use super::{Dissection, Layer, Proto, View, Walker};
use crate::fields::{Emit, FieldDef, FieldType, Value};

/// SSDP's UDP port.
pub const SSDP_PORT: u16 = 1900;

/// TCP ports tshark 4.0 gives to HTTP (`tshark -G decodes`). Other ports get HTTP only when a
/// segment starts with a request or status line (tshark's `http_tcp` heuristic).
pub const TCP_PORTS: &[u16] = &[
    80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371,
];

/// TCP port ranges where tshark 4.0 has a port dissector other than HTTP (`tshark -G
/// decodes`): it claims the payload first, so HTTP's heuristic never sees it. wiresift shows
/// those payloads as data unless it has the dissector.
pub const OTHER_TCP_PORTS: &[(u16, u16)] = &[
    (0, 0),
    (7, 7),
    (13, 13),
    (19, 23),
    (25, 25),
    (37, 37),
    (42, 43),
    (49, 49),
    (53, 53),
    (70, 70),
    (79, 79),
    (88, 88),
    (102, 102),
    (104, 104),
    (110, 111),
    (119, 119),
    (123, 123),
    (139, 139),
    (143, 143),
    (161, 162),
    (179, 179),
    (199, 199),
    (210, 210),
    (323, 324),
    (389, 389),
    (427, 427),
    (443, 443),
    (445, 445),
    (464, 465),
    (473, 473),
    (500, 500),
    (502, 502),
    (512, 515),
    (524, 524),
    (547, 548),
    (554, 554),
    (564, 564),
    (587, 587),
    (636, 636),
    (639, 639),
    (646, 647),
    (674, 674),
    (705, 705),
    (802, 802),
    (829, 829),
    (853, 854),
    (862, 862),
    (873, 873),
    (925, 925),
    (988, 988),
    (993, 993),
    (995, 995),
    (1080, 1080),
    (1090, 1090),
    (1099, 1099),
    (1102, 1102),
    (1153, 1153),
    (1194, 1194),
    (1213, 1213),
    (1300, 1300),
    (1344, 1344),
    (1433, 1433),
    (1521, 1521),
    (1533, 1533),
    (1547, 1547),
    (1723, 1723),
    (1755, 1755),
    (1861, 1861),
    (1863, 1863),
    (1883, 1883),
    (1935, 1935),
    (1978, 1979),
    (1998, 1998),
    (2000, 2001),
    (2065, 2065),
    (2099, 2099),
    (2123, 2123),
    (2126, 2126),
    (2152, 2152),
    (2190, 2190),
    (2221, 2221),
    (2234, 2234),
    (2240, 2240),
    (2269, 2269),
    (2321, 2322),
    (2345, 2345),
    (2401, 2401),
    (2404, 2404),
    (2424, 2424),
    (2427, 2427),
    (2433, 2433),
    (2443, 2443),
    (2501, 2502),
    (2571, 2571),
    (2575, 2575),
    (2600, 2600),
    (2727, 2727),
    (2812, 2812),
    (2855, 2855),
    (2944, 2945),
    (3002, 3003),
    (3006, 3006),
    (3014, 3014),
    (3016, 3019),
    (3050, 3050),
    (3205, 3205),
    (3245, 3252),
    (3268, 3268),
    (3288, 3288),
    (3306, 3306),
    (3333, 3334),
    (3357, 3357),
    (3369, 3369),
    (3386, 3386),
    (3389, 3389),
    (3452, 3452),
    (3478, 3478),
    (3496, 3496),
    (3567, 3567),
    (3632, 3632),
    (3671, 3671),
    (3724, 3724),
    (3804, 3804),
    (3860, 3860),
    (3863, 3863),
    (3868, 3868),
    (3918, 3918),
    (4002, 4002),
    (4058, 4058),
    (4155, 4155),
    (4189, 4189),
    (4222, 4224),
    (4249, 4250),
    (4321, 4321),
    (4342, 4342),
    (4369, 4369),
    (4420, 4420),
    (4551, 4551),
    (4555, 4556),
    (4661, 4663),
    (4712, 4712),
    (4730, 4730),
    (4737, 4737),
    (4739, 4739),
    (4788, 4788),
    (4840, 4840),
    (4880, 4880),
    (5000, 5000),
    (5010, 5010),
    (5060, 5061),
    (5066, 5066),
    (5084, 5084),
    (5094, 5094),
    (5190, 5190),
    (5222, 5222),
    (5253, 5253),
    (5353, 5353),
    (5432, 5432),
    (5445, 5445),
    (5500, 5501),
    (5534, 5534),
    (5555, 5555),
    (5671, 5672),
    (5683, 5684),
    (5701, 5701),
    (5721, 5721),
    (5868, 5868),
    (5900, 5901),
    (5997, 5997),
    (6000, 6063),
    (6068, 6068),
    (6075, 6075),
    (6084, 6084),
    (6121, 6121),
    (6160, 6160),
    (6346, 6346),
    (6379, 6379),
    (6417, 6417),
    (6653, 6653),
    (6666, 6668),
    (6881, 6889),
    (7000, 7000),
    (7075, 7075),
    (7171, 7172),
    (7236, 7236),
    (7275, 7276),
    (7871, 7871),
    (7890, 7890),
    (7900, 7900),
    (7911, 7911),
    (7930, 7930),
    (8004, 8004),
    (8009, 8010),
    (8023, 8023),
    (8074, 8074),
    (8085, 8085),
    (8554, 8554),
    (8567, 8567),
    (8883, 8883),
    (9000, 9000),
    (9009, 9009),
    (9042, 9042),
    (9092, 9092),
    (9168, 9168),
    (9300, 9300),
    (9418, 9418),
    (9600, 9600),
    (9955, 9956),
    (9999, 10000),
    (10288, 10288),
    (11207, 11207),
    (11210, 11211),
    (13400, 13400),
    (13819, 13819),
    (14001, 14001),
    (15740, 15740),
    (17500, 17500),
    (17755, 17756),
    (19006, 19006),
    (19042, 19043),
    (19506, 19506),
    (19543, 19543),
    (19999, 20000),
    (20256, 20256),
    (21064, 21064),
    (22222, 22222),
    (24800, 24800),
    (27017, 27017),
    (29418, 29418),
    (30000, 30200),
    (34980, 34980),
    (44321, 44322),
    (44818, 44818),
    (48049, 48049),
    (48898, 48898),
    (57000, 57000),
];

/// True when tshark's HTTP heuristic may look at a segment between these ports: neither has
/// a port dissector of its own.
pub fn heuristic_allowed(a: u16, b: u16) -> bool {
    let claimed = |p: u16| {
        let i = OTHER_TCP_PORTS.partition_point(|&(_, hi)| hi < p);
        OTHER_TCP_PORTS.get(i).is_some_and(|&(lo, _)| lo <= p)
    };
    !claimed(a) && !claimed(b)
}

/// Longest start line or header line looked at. Longer lines are still skipped correctly;
/// only their text is cut in the Info column.
pub const MAX_LINE: usize = 64 * 1024;

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

/// How the body of a message with this start line and these headers is delimited: chunked
/// wins over `Content-Length` (RFC 9112 §6.3); responses 1xx, 204 and 304 have no body; a
/// request without length has none, a response without one lasts until the connection closes.
pub fn framing(start: &StartLine<'_>, headers: &[u8]) -> Framing {
    if let StartLine::Response { code: Some(c), .. } = start {
        if (100..200).contains(c) || *c == 204 || *c == 304 {
            return Framing::None;
        }
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

fn parse_u64(v: &[u8]) -> Option<u64> {
    std::str::from_utf8(trim(v)).ok()?.parse().ok()
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

/// Writes a start line as Info shows it (escaped, cut at [`MAX_LINE`]) and a space.
pub fn write_line(out: &mut String, line: &[u8]) {
    let _ = super::dns::write_text(out, &line[..line.len().min(MAX_LINE)]);
    out.push(' ');
}

/// Writes the Info suffix a body adds. The media type comes from the wire, so it is
/// escaped like every other string shown (a control byte in a Content-Type header must not
/// reach the terminal).
pub fn write_body_suffix(out: &mut String, kind: BodyKind, media: &str) {
    let escaped = |out: &mut String| {
        crate::fields::value::write_escaped_str(out, media.as_bytes());
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

fn view<'l, 'a>(l: &'l Layer<'a>) -> Option<&'l Http<'a>> {
    match &l.view {
        View::Http(h) => Some(h),
        _ => None,
    }
}

/// Calls `f` with the start line and header block of each message a layer shows: those it
/// starts, or, on a frame that completes a message begun in earlier segments, the start line
/// and framing headers the PDU tracker kept.
fn each_message<'a>(l: &Layer<'a>, d: &Dissection<'a>, f: &mut dyn FnMut(&StartLine<'_>, &[u8])) {
    let Some(h) = view(l) else { return };
    for head in h.heads() {
        f(&head.start, head.headers);
    }
    if h.kind() == HttpKind::Continuation {
        if let Some(m) = super::generated::completed_message(d) {
            if let Some(start) = StartLine::parse(m.line()) {
                f(&start, m.headers());
            }
        }
    }
}

/// Declares an extractor over [`each_message`].
macro_rules! message_field {
    ($fname:ident, |$layer:ident, $start:ident, $headers:ident, $emit:ident| $body:block) => {
        fn $fname<'a>($layer: &Layer<'a>, d: &Dissection<'a>, $emit: &mut Emit<'_>) {
            each_message($layer, d, &mut |$start, $headers| {
                let _ = ($start, $headers);
                $body
            });
        }
    };
}

/// GENA methods (UPnP): tshark marks them `http.notification` instead of `http.request`.
fn is_notification(start: &StartLine<'_>) -> bool {
    matches!(start, StartLine::Request { method, .. }
        if [&b"NOTIFY"[..], b"SUBSCRIBE", b"UNSUBSCRIBE"].contains(method))
}

message_field!(request, |l, start, headers, emit| {
    if start.is_request() && !is_notification(start) {
        emit(Value::Bool(true));
    }
});
message_field!(notification, |l, start, headers, emit| {
    if is_notification(start) {
        emit(Value::Bool(true));
    }
});
message_field!(response, |l, start, headers, emit| {
    if !start.is_request() {
        emit(Value::Bool(true));
    }
});
message_field!(method, |l, start, headers, emit| {
    if let StartLine::Request { method, .. } = start {
        emit(Value::Str(method));
    }
});
message_field!(uri, |l, start, headers, emit| {
    if let StartLine::Request { uri, .. } = start {
        emit(Value::Str(uri));
    }
});
message_field!(request_version, |l, start, headers, emit| {
    if let StartLine::Request { version, .. } = start {
        if !version.is_empty() {
            emit(Value::Str(version));
        }
    }
});
message_field!(response_version, |l, start, headers, emit| {
    if let StartLine::Response { version, .. } = start {
        emit(Value::Str(version));
    }
});
message_field!(code, |l, start, headers, emit| {
    if let StartLine::Response { code: Some(c), .. } = start {
        emit(Value::Uint(*c as u64));
    }
});
message_field!(phrase, |l, start, headers, emit| {
    if let StartLine::Response { phrase, .. } = start {
        emit(Value::Str(phrase));
    }
});

/// An extractor for the value of one header.
macro_rules! header_field {
    ($fname:ident, $name:literal) => {
        message_field!($fname, |l, start, headers, emit| {
            if let Some(v) = header_in(headers, $name) {
                emit(Value::Str(v));
            }
        });
    };
}
header_field!(host, "host");
header_field!(user_agent, "user-agent");
header_field!(server, "server");
header_field!(content_type, "content-type");
header_field!(content_length_header, "content-length");

message_field!(content_length, |l, start, headers, emit| {
    if let Some(n) = header_in(headers, "content-length").and_then(parse_u64) {
        emit(Value::Uint(n));
    }
});

/// An HTTP field. Its values depend on which segments complete a message, so it needs the
/// TCP analysis (which runs the PDU tracker).
const fn f(
    name: &'static str,
    label: &'static str,
    ftype: FieldType,
    x: crate::fields::Extract,
) -> FieldDef {
    let mut def = FieldDef::new(name, label, ftype, Proto::Http, x);
    def.needs = crate::fields::Needs::TCP;
    def
}

/// HTTP fields. SSDP layers carry the same fields (tshark dissects SSDP with its HTTP
/// dissector).
pub static FIELDS: &[FieldDef] = &[
    f("http.request", "Request", FieldType::Bool, request).hidden(),
    f("http.response", "Response", FieldType::Bool, response).hidden(),
    f(
        "http.notification",
        "Notification",
        FieldType::Bool,
        notification,
    )
    .hidden(),
    f(
        "http.request.method",
        "Request Method",
        FieldType::Str,
        method,
    ),
    f("http.request.uri", "Request URI", FieldType::Str, uri),
    f(
        "http.request.version",
        "Request Version",
        FieldType::Str,
        request_version,
    ),
    f(
        "http.response.version",
        "Response Version",
        FieldType::Str,
        response_version,
    ),
    f("http.response.code", "Status Code", FieldType::U16, code),
    f(
        "http.response.phrase",
        "Response Phrase",
        FieldType::Str,
        phrase,
    ),
    f("http.host", "Host", FieldType::Str, host),
    f("http.user_agent", "User-Agent", FieldType::Str, user_agent),
    f("http.server", "Server", FieldType::Str, server),
    f(
        "http.content_type",
        "Content-Type",
        FieldType::Str,
        content_type,
    ),
    f(
        "http.content_length_header",
        "Content-Length",
        FieldType::Str,
        content_length_header,
    ),
    f(
        "http.content_length",
        "Content length",
        FieldType::U64,
        content_length,
    ),
];

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
    fn heuristic_only_where_no_port_dissector_claims() {
        assert!(!heuristic_allowed(22, 40000));
        assert!(!heuristic_allowed(40000, 6379));
        assert!(!heuristic_allowed(30100, 40000));
        assert!(heuristic_allowed(12345, 40000));
        assert!(heuristic_allowed(8000, 40000));
        assert!(OTHER_TCP_PORTS.windows(2).all(|w| w[0].1 < w[1].0));
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
