//! Application messages that span TCP segments, shown the way tshark's reassembly shows them,
//! without keeping any payload.
//!
//! tshark reassembles an HTTP message split over segments and shows it on the segment that
//! completes it (`HTTP/1.1 200 OK  (text/plain)`); each segment before shows as TCP with
//! ` [TCP segment of a reassembled PDU]` after its Info, or after the message's start line
//! when HTTP had read that line before asking for more data. Its `frame.protocols` then ends
//! at `tcp`. This tracker reproduces that from the framing alone: per TCP direction it keeps
//! what the current message still needs (the rest of its headers, a number of body bytes,
//! the state of a chunked-body parser, or the end of the connection) and, for the Info column
//! of the completing segment, the start line and the framing headers. Nothing else of the
//! payload is kept.
//!
//! It also applies the TCP rule that decides whether a payload reaches a dissector at all: a
//! retransmitted segment's payload does not (tshark shows such frames as TCP only).
//!
//! Bounds: [`MAX_PENDING`] directions with a message in progress, [`MAX_HTTP_CONVERSATIONS`]
//! conversations known to be HTTP from a heuristic match, [`MAX_KEPT_LINE`] and
//! [`MAX_KEPT_HEADERS`] bytes kept per message.

pub use crate::dissect::generated::{
    Message, PduFrameInfo, SEGMENT_SUFFIX, completed_message, write_tcp_info,
};
use crate::dissect::http::{self, BodyKind, Chunks, Framing, HttpKind, StartLine};
use crate::dissect::{Dissection, Layer, Proto, View};
use crate::track::FlowKey;
use crate::track::HashMap;
use crate::track::tcp::analysis;

/// Most TCP directions with a message in progress. An entry is a few dozen bytes plus the kept
/// start line and headers; 65 536 of them stay under 64 MiB. When full, entries idle for
/// [`IDLE_EVICTION_NS`] go first; if none is, the new message is not followed (its segments
/// show as they would without reassembly).
pub const MAX_PENDING: usize = 65_536;
/// Most TCP conversations remembered as HTTP because a segment on a port that is not HTTP's
/// started with a request or status line (tshark's heuristic then claims the conversation).
pub const MAX_HTTP_CONVERSATIONS: usize = 65_536;
/// Idle time after which a table entry may be evicted when its table is full (5 minutes, as
/// the TCP tracker).
pub const IDLE_EVICTION_NS: i128 = 300 * 1_000_000_000;
/// Longest start line kept for the completing segment's Info column.
pub const MAX_KEPT_LINE: usize = 1024;
/// Most bytes of framing headers (`Content-Type`, `Content-Length`, `Transfer-Encoding`)
/// kept per message.
pub const MAX_KEPT_HEADERS: usize = 512;

/// What a message in progress still needs.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// The rest of the headers.
    Headers,
    /// This many body bytes.
    Length(u64),
    /// The rest of a chunked body.
    Chunked(Chunks),
    /// Everything until the connection closes.
    UntilClose,
    /// A line feed: bytes on an HTTP port that hold no complete line yet.
    Line,
}

/// Longest header line begun at the end of one segment and kept to be completed by the
/// next; only the framing headers matter, and their lines are short.
pub const MAX_PARTIAL_LINE: usize = 256;

#[derive(Debug, Clone)]
struct Pending {
    need: Need,
    line: Vec<u8>,
    headers: Vec<u8>,
    body: bool,
    /// The start of a header line cut by the end of the last segment (while reading
    /// headers); `None` when that segment ended at a line boundary, or the line was too long.
    partial: Option<Vec<u8>>,
    /// The last segment ended inside a header line.
    mid_line: bool,
    last_seen: i128,
}

impl Pending {
    fn new(need: Need, line: &[u8], headers: &[u8], body: bool, now: i128) -> Pending {
        let mut p = Pending {
            need,
            line: line[..line.len().min(MAX_KEPT_LINE)].to_vec(),
            headers: Vec::new(),
            body,
            partial: None,
            mid_line: false,
            last_seen: now,
        };
        let mut at = 0;
        while let Some((l, next)) = http::line(headers, at) {
            p.keep_header(l);
            at = next;
        }
        p
    }

    /// Reads the header lines in `bytes` (the continuation of a header block). Returns the
    /// offset just after the empty line that ends the headers, if it is in `bytes`.
    fn read_headers(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut at = 0;
        if self.mid_line {
            let n = memchr::memchr(b'\n', bytes);
            let piece = &bytes[..n.unwrap_or(bytes.len())];
            if let Some(part) = &mut self.partial {
                if part.len() + piece.len() <= MAX_PARTIAL_LINE {
                    part.extend_from_slice(piece);
                } else {
                    self.partial = None;
                }
            }
            let n = n?;
            self.mid_line = false;
            if let Some(mut l) = self.partial.take() {
                if l.last() == Some(&b'\r') {
                    l.pop();
                }
                if l.is_empty() {
                    return Some(n + 1);
                }
                self.keep_header(&l);
            }
            at = n + 1;
        }
        loop {
            match http::line(bytes, at) {
                Some(([], next)) => return Some(next),
                Some((l, next)) => {
                    self.keep_header(l);
                    at = next;
                }
                None => {
                    let rest = &bytes[at..];
                    if !rest.is_empty() {
                        self.mid_line = true;
                        self.partial = (rest.len() <= MAX_PARTIAL_LINE).then(|| rest.to_vec());
                    }
                    return None;
                }
            }
        }
    }

    /// Keeps a header line if it is one of the framing headers and fits.
    fn keep_header(&mut self, l: &[u8]) {
        // Host too, for `-z http_req,tree` on a request completed in a later segment.
        const KEPT: [&[u8]; 4] = [
            b"content-type",
            b"content-length",
            b"transfer-encoding",
            b"host",
        ];
        let name = l.split(|&b| b == b':').next().unwrap_or(&[]);
        let name = name.trim_ascii();
        if KEPT.iter().any(|k| name.eq_ignore_ascii_case(k))
            && self.headers.len() + l.len() + 2 <= MAX_KEPT_HEADERS
        {
            self.headers.extend_from_slice(l);
            self.headers.extend_from_slice(b"\r\n");
        }
    }

    fn message(&self) -> Box<Message> {
        Box::new(Message::new(
            self.line.clone().into_boxed_slice(),
            self.headers.clone().into_boxed_slice(),
            self.body,
        ))
    }
}

/// What a segment that does not start a message turned out to be.
enum Outcome {
    /// Part of the message, which goes on; `line`: Info shows the start line.
    Segment { line: bool },
    /// The segment completes the message with its first `used` bytes.
    Final { used: usize },
    /// A complete line that does not start a message.
    NotAStart,
}

/// What the body still needs after `body` bytes: `Err(used)` when the message is complete
/// after the first `used` body bytes.
fn body_need(framing: Framing, body: &[u8], fin: bool) -> Result<Need, usize> {
    match framing {
        Framing::None => Err(0),
        Framing::Length(n) if n > body.len() as u64 => Ok(Need::Length(n - body.len() as u64)),
        Framing::Length(n) => Err(n as usize),
        Framing::Chunked => {
            let mut c = Chunks::default();
            match c.feed(body) {
                Some(used) => Err(used),
                None => Ok(Need::Chunked(c)),
            }
        }
        Framing::UntilClose if fin => Err(body.len()),
        Framing::UntilClose => Ok(Need::UntilClose),
    }
}

/// Tracks messages in progress on every TCP direction.
#[derive(Default)]
pub struct PduTracker {
    /// Keyed by conversation and direction (true: from the key's lower endpoint).
    pending: HashMap<(FlowKey, bool), Pending>,
    /// Conversations that carried the start of an HTTP message: when they were last seen,
    /// and whether a whole message was seen.
    http_conversations: HashMap<FlowKey, (i128, bool)>,
}

impl PduTracker {
    /// Looks at one frame (after the TCP tracker), rewriting its layers and filling
    /// `d.generated.pdu` when the segment is part of a longer message.
    pub fn observe<'a>(&mut self, d: &mut Dissection<'a>) {
        if d.has(Proto::Icmp) || d.has(Proto::Icmpv6) {
            return;
        }
        let Some(ti) = d.layers.iter().position(|l| l.proto == Proto::Tcp) else {
            return;
        };
        let View::Tcp(tcp) = d.layers[ti].view else {
            return;
        };
        let Some((src, dst)) = d.ip_endpoints() else {
            return;
        };
        if !tcp.has_fixed_header() {
            return;
        }
        let now = d.frame.ts.as_nanos();
        let key = FlowKey::new(src, tcp.src_port(), dst, tcp.dst_port());
        let payload = tcp.payload();
        let flags = d.generated.tcp.as_ref().map_or(0, |g| g.analysis);
        let resent = analysis::RETRANSMISSION
            | analysis::FAST_RETRANSMISSION
            | analysis::SPURIOUS_RETRANSMISSION;
        if flags & resent != 0 {
            // tshark does not hand a retransmitted payload to any dissector.
            d.layers.truncate(ti + 1);
            return;
        }
        let at = Site {
            ti,
            key,
            now,
            fin: tcp.fin(),
        };
        if payload.is_empty() {
            let closing = self
                .pending
                .get(&key)
                .is_some_and(|p| matches!(p.need, Need::UntilClose));
            if tcp.fin() && closing {
                self.apply(d, &at, Outcome::Final { used: 0 }, payload);
            }
            return;
        }
        if let Some(p) = self.pending.get_mut(&key) {
            p.last_seen = now;
            let outcome = continue_message(p, payload, tcp.fin());
            self.apply(d, &at, outcome, payload);
            return;
        }
        let app = d.layers.get(ti + 1).map(|l| (l.proto, l.view));
        match app {
            Some((Proto::Http, View::Http(h))) if h.kind() == HttpKind::Messages => {
                self.start(d, &at, payload, true);
            }
            Some((Proto::Http, View::Http(_))) => self.not_a_start(d, &at, payload),
            Some((Proto::Data, _)) if self.http_conversations.contains_key(&key.0) => {
                self.not_a_start(d, &at, payload);
            }
            _ => {}
        }
    }

    fn remember_http(&mut self, conv: FlowKey, now: i128, complete: bool) {
        if self.http_conversations.len() >= MAX_HTTP_CONVERSATIONS
            && !self.http_conversations.contains_key(&conv)
        {
            self.http_conversations
                .retain(|_, (seen, _)| now - *seen < IDLE_EVICTION_NS);
            if self.http_conversations.len() >= MAX_HTTP_CONVERSATIONS {
                return;
            }
        }
        let e = self.http_conversations.entry(conv).or_insert((now, false));
        *e = (now, e.1 || complete);
    }

    fn insert(&mut self, key: (FlowKey, bool), p: Pending) -> bool {
        if self.pending.len() >= MAX_PENDING && !self.pending.contains_key(&key) {
            let now = p.last_seen;
            self.pending
                .retain(|_, q| now - q.last_seen < IDLE_EVICTION_NS);
            if self.pending.len() >= MAX_PENDING {
                return false;
            }
        }
        self.pending.insert(key, p);
        true
    }

    /// Bytes that start with a request or status line (the whole payload when `whole`, else
    /// what follows a message completed in this segment). Messages complete in them are
    /// already shown; the first incomplete one is followed.
    fn start(&mut self, d: &mut Dissection<'_>, at: &Site, bytes: &[u8], whole: bool) {
        self.remember_http(at.key.0, at.now, false);
        let mut off = 0;
        let mut first = whole;
        while let Some(rest) = bytes.get(off..).filter(|r| !r.is_empty()) {
            match http::extent(rest, at.fin) {
                Some(http::Extent::Complete { len, .. }) => {
                    self.remember_http(at.key.0, at.now, true);
                    off += len.max(1);
                }
                Some(http::Extent::Incomplete { line, missing }) => {
                    let p = match missing {
                        http::Missing::Headers => {
                            let mut p = Pending::new(Need::Headers, line, &[], false, at.now);
                            let headers_at = http::line(rest, 0).map_or(rest.len(), |(_, n)| n);
                            p.read_headers(&rest[headers_at..]);
                            p
                        }
                        http::Missing::Length(n, h) => {
                            let body = h.body_at < rest.len();
                            Pending::new(Need::Length(n), line, h.headers, body, at.now)
                        }
                        http::Missing::Chunked(c, h) => {
                            let body = h.body_at < rest.len();
                            Pending::new(Need::Chunked(c), line, h.headers, body, at.now)
                        }
                        http::Missing::UntilClose(h) => {
                            let body = h.body_at < rest.len();
                            Pending::new(Need::UntilClose, line, h.headers, body, at.now)
                        }
                    };
                    if self.insert(at.key, p) && first {
                        // tshark asks for more data after reading the line: TCP shows it.
                        d.layers.truncate(at.ti + 1);
                        d.generated.pdu = Some(PduFrameInfo {
                            segment: true,
                            line: Some(line[..line.len().min(MAX_KEPT_LINE)].into()),
                            ..PduFrameInfo::default()
                        });
                    }
                    return;
                }
                None => return,
            }
            first = false;
        }
    }

    /// A segment on an HTTP port or conversation that does not start a message, with nothing
    /// in progress.
    fn not_a_start<'a>(&mut self, d: &mut Dissection<'a>, at: &Site, payload: &'a [u8]) {
        if memchr::memchr(b'\n', payload).is_some() {
            self.apply(d, at, Outcome::NotAStart, payload);
            return;
        }
        d.layers.truncate(at.ti + 1);
        let p = Pending::new(Need::Line, &[], &[], false, at.now);
        if self.insert(at.key, p) {
            d.generated.pdu = Some(PduFrameInfo {
                segment: true,
                ..PduFrameInfo::default()
            });
        }
    }

    fn apply<'a>(
        &mut self,
        d: &mut Dissection<'a>,
        at: &Site,
        outcome: Outcome,
        payload: &'a [u8],
    ) {
        d.layers.truncate(at.ti + 1);
        let offset = d.layers[at.ti].offset + d.layers[at.ti].bytes.len() - payload.len();
        match outcome {
            Outcome::Segment { line } => {
                let kept = line
                    .then(|| {
                        self.pending
                            .get(&at.key)
                            .map(|p| p.line.clone().into_boxed_slice())
                    })
                    .flatten();
                d.generated.pdu = Some(PduFrameInfo {
                    segment: true,
                    line: kept,
                    ..PduFrameInfo::default()
                });
            }
            Outcome::Final { used } => {
                let Some(p) = self.pending.remove(&at.key) else {
                    return;
                };
                let msg = p.message();
                self.remember_http(at.key.0, at.now, true);
                let (part, rest) = payload.split_at(used.min(payload.len()));
                let h = http::Http::new(part, HttpKind::Continuation, false);
                push(d, Proto::Http, offset, part, View::Http(h));
                if let Some(kind) = msg.body_kind() {
                    for &proto in body_protos(kind) {
                        push(d, proto, offset, part, View::Data(part));
                    }
                }
                d.generated.pdu = Some(PduFrameInfo {
                    completed: Some(msg),
                    ..PduFrameInfo::default()
                });
                if http::starts_message(rest) {
                    // The segment also starts the next message: shown after this one.
                    let next = offset + used;
                    let h = http::Http::new(rest, HttpKind::Messages, at.fin);
                    push(d, Proto::Http, next, rest, View::Http(h));
                    if let Some((head, body)) = http::messages(rest, at.fin).next()
                        && !body.is_empty()
                    {
                        let media = head.media_type();
                        let kind = http::body_kind(media.as_deref());
                        let body_off = next + head.body_at;
                        for &proto in body_protos(kind) {
                            push(d, proto, body_off, body, View::Data(body));
                        }
                    }
                    self.start(d, at, rest, false);
                }
            }
            Outcome::NotAStart => {
                self.pending.remove(&at.key);
                d.generated.pdu = Some(PduFrameInfo {
                    other: true,
                    ..PduFrameInfo::default()
                });
                if self.http_conversations.get(&at.key.0).is_some_and(|c| c.1) {
                    // A conversation that carried a whole HTTP message: tshark shows these
                    // bytes as a "Continuation" of it.
                    let h = http::Http::new(payload, HttpKind::Continuation, false);
                    push(d, Proto::Http, offset, payload, View::Http(h));
                    push(d, Proto::Data, offset, payload, View::Data(payload));
                    d.generated.pdu = Some(PduFrameInfo {
                        continuation: true,
                        other: true,
                        ..PduFrameInfo::default()
                    });
                }
            }
        }
    }
}

/// Where a segment is: its TCP layer, direction, time, and whether it closes the connection.
struct Site {
    ti: usize,
    key: (FlowKey, bool),
    now: i128,
    fin: bool,
}

/// The layers a body of this kind shows as.
fn body_protos(kind: BodyKind) -> &'static [Proto] {
    match kind {
        BodyKind::TextLines => &[Proto::DataTextLines],
        BodyKind::Media => &[Proto::Media],
        BodyKind::Form => &[Proto::UrlencodedForm],
        BodyKind::Json => &[Proto::Json],
        BodyKind::Xml => &[Proto::Xml],
        BodyKind::Data => &[Proto::Data],
    }
}

fn push<'a>(d: &mut Dissection<'a>, proto: Proto, offset: usize, bytes: &'a [u8], view: View<'a>) {
    let _ = d.layers.try_push(Layer {
        proto,
        offset,
        bytes,
        view,
    });
}

/// Feeds a segment to the message in progress.
fn continue_message(p: &mut Pending, payload: &[u8], fin: bool) -> Outcome {
    match p.need {
        Need::Line => {
            if memchr::memchr(b'\n', payload).is_some() {
                // The line is complete and was not a start line.
                Outcome::NotAStart
            } else {
                Outcome::Segment { line: false }
            }
        }
        Need::Headers => match p.read_headers(payload) {
            None => Outcome::Segment { line: true },
            Some(body_at) => {
                let Some(start) = StartLine::parse(&p.line) else {
                    return Outcome::NotAStart;
                };
                let body = &payload[body_at..];
                p.body = !body.is_empty();
                match body_need(http::framing(&start, &p.headers), body, fin) {
                    Err(used) => Outcome::Final {
                        used: body_at + used,
                    },
                    Ok(need) => {
                        p.need = need;
                        Outcome::Segment { line: true }
                    }
                }
            }
        },
        // tshark knows how many bytes it waits for and does not call HTTP until then.
        Need::Length(n) => {
            p.body = true;
            if (payload.len() as u64) < n {
                p.need = Need::Length(n - payload.len() as u64);
                Outcome::Segment { line: false }
            } else {
                Outcome::Final { used: n as usize }
            }
        }
        // Chunked bodies are re-read with each segment, so HTTP shows its line again.
        Need::Chunked(mut c) => {
            p.body = true;
            match c.feed(payload) {
                Some(used) => Outcome::Final { used },
                None => {
                    p.need = Need::Chunked(c);
                    Outcome::Segment { line: true }
                }
            }
        }
        // Waiting for the end of the connection: TCP alone holds the bytes until then.
        Need::UntilClose => {
            p.body = true;
            if fin {
                Outcome::Final {
                    used: payload.len(),
                }
            } else {
                Outcome::Segment { line: false }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(need: Need, line: &[u8], headers: &[u8]) -> Pending {
        Pending::new(need, line, headers, false, 0)
    }

    #[test]
    fn content_length_counts_down_then_completes() {
        let mut p = pending(
            Need::Length(10),
            b"HTTP/1.1 200 OK",
            b"Content-Type: text/plain\r\n",
        );
        assert!(matches!(
            continue_message(&mut p, b"0123", false),
            Outcome::Segment { line: false }
        ));
        assert!(matches!(p.need, Need::Length(6)));
        assert!(matches!(
            continue_message(&mut p, b"456789NEXT", false),
            Outcome::Final { used: 6 }
        ));
        let m = p.message();
        assert_eq!(m.body_kind(), Some(BodyKind::TextLines));
        let mut s = String::new();
        m.write_info(&mut s);
        assert_eq!(s, "HTTP/1.1 200 OK  (text/plain)");
    }

    #[test]
    fn headers_split_inside_a_line() {
        let mut p = pending(Need::Headers, b"HTTP/1.1 200 OK", b"");
        p.read_headers(b"Server: a\r\nContent-Type: text/plain\r\nContent-Le");
        assert!(p.mid_line);
        match continue_message(&mut p, b"ngth: 10\r\n\r\n01234", false) {
            Outcome::Segment { line: true } => {}
            _ => panic!("headers complete, body not"),
        }
        assert!(matches!(p.need, Need::Length(5)));
        assert_eq!(
            p.headers,
            b"Content-Type: text/plain\r\nContent-Length: 10\r\n".to_vec()
        );
    }

    #[test]
    fn empty_line_split_across_segments() {
        let mut p = pending(Need::Headers, b"HTTP/1.1 200 OK", b"");
        assert_eq!(p.read_headers(b"Content-Length: 2\r"), None);
        assert!(matches!(
            continue_message(&mut p, b"\n\r\nok", false),
            Outcome::Final { used: 5 }
        ));
    }

    #[test]
    fn long_header_lines_are_dropped_not_kept() {
        let mut p = pending(Need::Headers, b"HTTP/1.1 200 OK", b"");
        let long = vec![b'x'; 4 * MAX_PARTIAL_LINE];
        assert_eq!(p.read_headers(&long), None);
        assert!(p.partial.is_none());
        assert_eq!(p.read_headers(&long), None);
        assert_eq!(p.read_headers(b"\r\n\r\n"), Some(4));
        assert!(p.headers.is_empty());
    }

    #[test]
    fn kept_headers_are_bounded() {
        let mut p = pending(Need::Headers, b"HTTP/1.1 200 OK", b"");
        for _ in 0..100 {
            p.keep_header(b"Content-Type: text/plain; a=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
        }
        assert!(p.headers.len() <= MAX_KEPT_HEADERS);
        let line = vec![b'a'; 10 * MAX_KEPT_LINE];
        assert_eq!(pending(Need::Line, &line, b"").line.len(), MAX_KEPT_LINE);
    }

    #[test]
    fn chunked_shows_the_line_until_the_last_chunk() {
        let mut p = pending(Need::Chunked(Chunks::default()), b"HTTP/1.1 200 OK", b"");
        assert!(matches!(
            continue_message(&mut p, b"5\r\nab", false),
            Outcome::Segment { line: true }
        ));
        assert!(matches!(
            continue_message(&mut p, b"cde\r\n0\r\n\r\n", false),
            Outcome::Final { used: 10 }
        ));
    }

    #[test]
    fn until_close_waits_for_fin() {
        let mut p = pending(Need::UntilClose, b"HTTP/1.0 200 OK", b"");
        assert!(matches!(
            continue_message(&mut p, b"abc", false),
            Outcome::Segment { line: false }
        ));
        assert!(matches!(
            continue_message(&mut p, b"def", true),
            Outcome::Final { used: 3 }
        ));
    }

    #[test]
    fn bytes_without_a_line_feed_wait_for_one() {
        let mut p = pending(Need::Line, b"", b"");
        assert!(matches!(
            continue_message(&mut p, b"abc", false),
            Outcome::Segment { line: false }
        ));
        assert!(matches!(
            continue_message(&mut p, b"def\n", false),
            Outcome::NotAStart
        ));
    }
}
