//! `-z follow,tcp|udp,ascii|hex|raw,STREAM`: the payload of one TCP or UDP conversation, in
//! TShark's layout (a header naming the two nodes, then one chunk per segment or datagram,
//! node 1's chunks indented by a tab).
//!
//! TCP follows TShark's rules for what a chunk is: a segment's payload that extends the
//! stream, trimmed where a retransmission repeats bytes already shown; a segment that
//! arrives ahead of a gap waits until the gap is filled, or until the other side ACKs past
//! it (then a `[N bytes missing in capture file]` chunk stands for the gap). Sequence
//! numbers are the relative ones of the TCP tracker. UDP shows every datagram of the
//! conversation, empty ones included.
//!
//! Follow selects its own frames (the stream), as TShark's does: the display filter does
//! not hide segments from it, which would leave holes in the stream.

use crate::dissect::{Dissection, IpAddr, View};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Payload bytes kept for one followed conversation. Follow prints after the packets, so it
/// must hold the stream; past this the rest is counted and reported, not kept.
pub const MAX_FOLLOW_BYTES: usize = 256 << 20;

/// Out-of-order TCP segments held while waiting for a gap to fill, per direction. TShark
/// keeps them all; a capture that loses one segment early and never shows it again would
/// otherwise hold the whole rest of the stream here.
pub const MAX_PENDING_SEGMENTS: usize = 4096;

/// The line around the output, as TShark prints it.
const SEPARATOR: &str = "===================================================================";

/// Which transport is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowProto {
    /// `follow,tcp,...`.
    Tcp,
    /// `follow,udp,...`.
    Udp,
}

/// How chunks are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowMode {
    /// Printable ASCII, CR and LF kept, other bytes as `.`.
    Ascii,
    /// A hex dump per chunk, offsets counting each node's bytes.
    Hex,
    /// Lowercase hex, one line per chunk.
    Raw,
}

/// Which conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowTarget {
    /// `tcp.stream` / `udp.stream` number.
    Stream(u32),
    /// The conversation between two endpoints (`ip:port,ip:port`).
    Endpoints((IpAddr, u16), (IpAddr, u16)),
}

/// One `-z follow,...` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowSpec {
    /// Transport.
    pub proto: FollowProto,
    /// Output mode.
    pub mode: FollowMode,
    /// Conversation.
    pub target: FollowTarget,
    /// The argument as given (the JSON report name).
    pub arg: String,
}

impl FollowSpec {
    /// Parses the part after `follow,`: `tcp|udp,ascii|hex|raw,STREAM` or
    /// `...,IP:PORT,IP:PORT` (IPv6 as `[ADDR]:PORT`).
    ///
    /// # Errors
    /// A message naming the part that is wrong.
    pub fn parse(arg: &str) -> Result<FollowSpec, String> {
        let mut parts = arg.splitn(3, ',');
        let proto = match parts.next() {
            Some("tcp") => FollowProto::Tcp,
            Some("udp") => FollowProto::Udp,
            other => {
                return Err(format!(
                    "invalid -z follow protocol \"{}\" (wiresift follows tcp and udp)",
                    other.unwrap_or("")
                ));
            }
        };
        let mode = match parts.next() {
            Some("ascii") => FollowMode::Ascii,
            Some("hex") => FollowMode::Hex,
            Some("raw") => FollowMode::Raw,
            other => {
                return Err(format!(
                    "invalid -z follow mode \"{}\" (use ascii, hex or raw)",
                    other.unwrap_or("")
                ));
            }
        };
        let rest = parts.next().unwrap_or("");
        let target = parse_target(rest)?;
        Ok(FollowSpec {
            proto,
            mode,
            target,
            arg: format!("follow,{arg}"),
        })
    }

    fn proto_name(&self) -> &'static str {
        match self.proto {
            FollowProto::Tcp => "tcp",
            FollowProto::Udp => "udp",
        }
    }

    fn mode_name(&self) -> &'static str {
        match self.mode {
            FollowMode::Ascii => "ascii",
            FollowMode::Hex => "hex",
            FollowMode::Raw => "raw",
        }
    }

    /// The `Filter:` line: the display filter that selects the same frames.
    fn filter_text(&self) -> String {
        let t = self.proto_name();
        match self.target {
            FollowTarget::Stream(n) => format!("{t}.stream eq {n}"),
            FollowTarget::Endpoints(a, b) => {
                let side = |s: (IpAddr, u16), d: (IpAddr, u16)| {
                    format!(
                        "({ip}.src eq {} and {t}.srcport eq {}) and ({ip}.dst eq {} and {t}.dstport eq {})",
                        s.0,
                        s.1,
                        d.0,
                        d.1,
                        ip = ip_name(s.0)
                    )
                };
                format!("({}) or ({})", side(a, b), side(b, a))
            }
        }
    }
}

fn ip_name(a: IpAddr) -> &'static str {
    match a {
        IpAddr::V4(_) => "ip",
        IpAddr::V6(_) => "ipv6",
    }
}

fn parse_target(s: &str) -> Result<FollowTarget, String> {
    if s.is_empty() {
        return Err("-z follow needs a stream number or IP:PORT,IP:PORT".into());
    }
    if let Ok(n) = s.parse::<u32>() {
        return Ok(FollowTarget::Stream(n));
    }
    let (a, b) = s
        .split_once(',')
        .ok_or_else(|| format!("invalid -z follow stream \"{s}\" (a number or IP:PORT,IP:PORT)"))?;
    Ok(FollowTarget::Endpoints(
        parse_endpoint(a)?,
        parse_endpoint(b)?,
    ))
}

fn parse_endpoint(s: &str) -> Result<(IpAddr, u16), String> {
    let bad = || format!("invalid -z follow address \"{s}\" (use IP:PORT, or [IPv6]:PORT)");
    let sock: std::net::SocketAddr = s.parse().map_err(|_| bad())?;
    let ip = match sock.ip() {
        std::net::IpAddr::V4(v) => IpAddr::V4(v.octets()),
        std::net::IpAddr::V6(v) => IpAddr::V6(v.octets()),
    };
    Ok((ip, sock.port()))
}

/// A chunk ready to print: which node sent it, the frame, the bytes.
#[derive(Debug, Clone)]
struct Chunk {
    from_server: bool,
    frame: u32,
    data: Vec<u8>,
}

/// A TCP segment that arrived ahead of a gap.
#[derive(Debug, Clone)]
struct Pending {
    seq: u32,
    frame: u32,
    data: Vec<u8>,
}

/// `a` before `b` in sequence space.
fn seq_lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// `a` after `b` in sequence space.
fn seq_gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

/// The state of one `-z follow`.
#[derive(Debug)]
pub struct Follower {
    spec: FollowSpec,
    /// Node 0 (the first frame's source) and node 1.
    nodes: Option<((IpAddr, u16), (IpAddr, u16))>,
    chunks: Vec<Chunk>,
    kept: usize,
    /// Bytes not kept past [`MAX_FOLLOW_BYTES`].
    dropped_bytes: u64,
    /// Segments not held past [`MAX_PENDING_SEGMENTS`].
    dropped_segments: u64,
    /// Next expected sequence number and bytes shown, per node (TCP).
    next_seq: [u32; 2],
    written: [u64; 2],
    pending: [Vec<Pending>; 2],
}

/// The endpoints and payload a frame offers to follow.
struct Segment<'a> {
    src: (IpAddr, u16),
    dst: (IpAddr, u16),
    stream: u32,
    payload: &'a [u8],
    /// TCP: relative sequence (after a SYN), segment length, relative ACK.
    tcp: Option<(u32, u32, u32)>,
}

impl Follower {
    /// An empty follower.
    pub fn new(spec: FollowSpec) -> Follower {
        Follower {
            spec,
            nodes: None,
            chunks: Vec::new(),
            kept: 0,
            dropped_bytes: 0,
            dropped_segments: 0,
            next_seq: [0; 2],
            written: [0; 2],
            pending: [Vec::new(), Vec::new()],
        }
    }

    /// The request.
    pub fn spec(&self) -> &FollowSpec {
        &self.spec
    }

    /// Feeds one frame (every frame, whether it passed the display filter or not).
    pub fn observe(&mut self, d: &Dissection<'_>) {
        let Some(seg) = self.segment(d) else { return };
        if !self.selects(&seg) {
            return;
        }
        let (src, dst) = (seg.src, seg.dst);
        let (node0, _) = *self.nodes.get_or_insert((src, dst));
        let from_server = src != node0;
        match seg.tcp {
            Some((seq, len, ack)) => {
                self.tcp_segment(d.number, from_server, seq, len, ack, seg.payload)
            }
            None => self.push(from_server, d.number, seg.payload.to_vec()),
        }
    }

    fn segment<'a>(&self, d: &Dissection<'a>) -> Option<Segment<'a>> {
        match self.spec.proto {
            FollowProto::Tcp => {
                let (i, tcp) = d
                    .layers
                    .iter()
                    .enumerate()
                    .find_map(|(i, l)| match &l.view {
                        View::Tcp(t) => Some((i, t)),
                        _ => None,
                    })?;
                let g = d.generated.tcp.as_ref()?;
                if !tcp.header_read_whole() || g.layer_offset != d.layers[i].offset {
                    return None;
                }
                let (s, t) = ip_before(d, i)?;
                let seq = g.rel_seq.wrapping_add(u32::from(tcp.syn()));
                Some(Segment {
                    src: (s, tcp.src_port()),
                    dst: (t, tcp.dst_port()),
                    stream: g.stream,
                    payload: tcp.payload(),
                    tcp: Some((seq, tcp.reported_len, g.rel_ack)),
                })
            }
            FollowProto::Udp => {
                let (i, udp) = d
                    .layers
                    .iter()
                    .enumerate()
                    .find_map(|(i, l)| match &l.view {
                        View::Udp(u) => Some((i, u)),
                        _ => None,
                    })?;
                if d.layers[..i]
                    .iter()
                    .any(|l| matches!(l.view, View::Icmp(_) | View::Icmpv6(_)))
                {
                    return None;
                }
                let (s, t) = ip_before(d, i)?;
                Some(Segment {
                    src: (s, udp.src_port()),
                    dst: (t, udp.dst_port()),
                    stream: d.generated.udp_stream?,
                    payload: udp.payload(),
                    tcp: None,
                })
            }
        }
    }

    fn selects(&self, seg: &Segment<'_>) -> bool {
        match self.spec.target {
            FollowTarget::Stream(n) => seg.stream == n,
            FollowTarget::Endpoints(a, b) => {
                (seg.src == a && seg.dst == b) || (seg.src == b && seg.dst == a)
            }
        }
    }

    /// TShark's `follow_tcp_tap_listener`: trims what was shown already, holds segments
    /// that come ahead of a gap.
    fn tcp_segment(
        &mut self,
        frame: u32,
        server: bool,
        seq: u32,
        len: u32,
        ack: u32,
        payload: &[u8],
    ) {
        let side = usize::from(server);
        // This frame's ACK may show the other side received segments the capture lost.
        while self.flush_pending(!server, Some(ack), frame) {}
        if self.written[side] == 0 && self.next_seq[side] == 0 {
            self.next_seq[side] = seq;
        }
        let (mut seq, mut len, mut data) = (seq, len, payload);
        let expected = self.next_seq[side];
        if seq_lt(seq, expected) {
            let end = seq.wrapping_add(len);
            if seq_gt(end, expected) {
                let skip = expected.wrapping_sub(seq) as usize;
                data = data.get(skip..).unwrap_or(&[]);
                seq = expected;
                len = end.wrapping_sub(expected);
            }
        }
        if data.is_empty() || seq_lt(seq, expected) {
            return;
        }
        if seq == expected {
            self.next_seq[side] = expected.wrapping_add(len);
            self.written[side] += data.len() as u64;
            self.push(server, frame, data.to_vec());
            while self.flush_pending(server, None, frame) {}
        } else if self.pending[side].len() < MAX_PENDING_SEGMENTS {
            self.pending[side].push(Pending {
                seq,
                frame,
                data: data.to_vec(),
            });
        } else {
            self.dropped_segments += 1;
        }
    }

    /// TShark's `check_follow_fragments`: moves one held segment of `server`'s side into the
    /// stream when it fits (or is now old), or, when `acked` passes the lowest held one,
    /// marks the gap as missing. True when something changed.
    fn flush_pending(&mut self, server: bool, acked: Option<u32>, frame: u32) -> bool {
        let side = usize::from(server);
        let Some(first) = self.pending[side].first() else {
            return false;
        };
        let mut lowest = first.seq;
        let expected = self.next_seq[side];
        for i in 0..self.pending[side].len() {
            let p = &self.pending[side][i];
            if seq_gt(lowest, p.seq) {
                lowest = p.seq;
            }
            if seq_lt(p.seq, expected) {
                let p = self.pending[side].remove(i);
                let end = p.seq.wrapping_add(p.data.len() as u32);
                if seq_gt(end, expected) {
                    let skip = expected.wrapping_sub(p.seq) as usize;
                    let rest = p.data[skip.min(p.data.len())..].to_vec();
                    self.next_seq[side] = expected.wrapping_add(rest.len() as u32);
                    if !rest.is_empty() {
                        self.push(server, p.frame, rest);
                    }
                }
                return true;
            }
            if p.seq == expected {
                let p = self.pending[side].remove(i);
                self.next_seq[side] = expected.wrapping_add(p.data.len() as u32);
                if !p.data.is_empty() {
                    self.push(server, p.frame, p.data);
                }
                return true;
            }
        }
        match acked {
            Some(ack) if seq_gt(ack, lowest) => {
                // TShark's placeholder chunk counts its terminating NUL.
                let mut text = format!(
                    "[{} bytes missing in capture file]",
                    lowest.wrapping_sub(expected) as i32
                )
                .into_bytes();
                text.push(0);
                self.next_seq[side] = lowest;
                self.push(server, frame, text);
                true
            }
            _ => false,
        }
    }

    fn push(&mut self, from_server: bool, frame: u32, data: Vec<u8>) {
        if self.kept + data.len() > MAX_FOLLOW_BYTES {
            self.dropped_bytes += data.len() as u64;
            return;
        }
        self.kept += data.len();
        self.chunks.push(Chunk {
            from_server,
            frame,
            data,
        });
    }

    /// The text TShark prints.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\n{SEPARATOR}");
        let _ = writeln!(
            out,
            "Follow: {},{}",
            self.spec.proto_name(),
            self.spec.mode_name()
        );
        let _ = writeln!(out, "Filter: {}", self.spec.filter_text());
        for (i, node) in self.node_names().iter().enumerate() {
            let _ = writeln!(out, "Node {i}: {node}");
        }
        let mut offsets = [0usize; 2];
        for c in &self.chunks {
            let tab = if c.from_server { "\t" } else { "" };
            let offset = &mut offsets[usize::from(c.from_server)];
            match self.spec.mode {
                FollowMode::Ascii => {
                    let _ = writeln!(out, "{tab}{}", c.data.len());
                    out.extend(c.data.iter().map(|&b| ascii_char(b)));
                    out.push('\n');
                }
                FollowMode::Hex => write_hex(&mut out, tab, *offset, &c.data),
                FollowMode::Raw => {
                    out.push_str(tab);
                    push_hex(&mut out, &c.data);
                    out.push('\n');
                }
            }
            *offset += c.data.len();
        }
        let _ = writeln!(out, "{SEPARATOR}");
        out
    }

    /// `ip:port` of both nodes (`:0` before any frame, as TShark prints).
    fn node_names(&self) -> [String; 2] {
        match self.nodes {
            Some((a, b)) => [super::endpoint(a), super::endpoint(b)],
            None => [":0".into(), ":0".into()],
        }
    }

    /// One JSON object per chunk, with the payload as lowercase hex, and the limits hit.
    pub fn json(&self) -> Vec<Value> {
        let report = self.spec.arg.as_str();
        let [node0, node1] = self.node_names();
        let mut offsets = [0usize; 2];
        let mut v: Vec<Value> = self
            .chunks
            .iter()
            .map(|c| {
                let side = usize::from(c.from_server);
                let o = offsets[side];
                offsets[side] += c.data.len();
                let mut hex = String::with_capacity(2 * c.data.len());
                push_hex(&mut hex, &c.data);
                json!({
                    "report": report,
                    "frame": c.frame,
                    "node": side,
                    "src": if side == 0 { &node0 } else { &node1 },
                    "offset": o,
                    "len": c.data.len(),
                    "data": hex,
                })
            })
            .collect();
        v.extend(
            self.notes()
                .into_iter()
                .map(|n| json!({"report": report, "note": n})),
        );
        v
    }

    /// The limits this follow hit, one sentence each.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.dropped_bytes > 0 {
            notes.push(format!(
                "limit: {} byte(s) of {} not kept (MAX_FOLLOW_BYTES = {MAX_FOLLOW_BYTES})",
                self.dropped_bytes, self.spec.arg
            ));
        }
        if self.dropped_segments > 0 {
            notes.push(format!(
                "limit: {} out-of-order segment(s) of {} not held \
                 (MAX_PENDING_SEGMENTS = {MAX_PENDING_SEGMENTS})",
                self.dropped_segments, self.spec.arg
            ));
        }
        notes
    }
}

/// The IP source and destination of the innermost IP layer before layer `i`.
fn ip_before(d: &Dissection<'_>, i: usize) -> Option<(IpAddr, IpAddr)> {
    d.layers[..i].iter().rev().find_map(|l| match &l.view {
        View::Ipv4(ip) => Some((IpAddr::V4(ip.src()), IpAddr::V4(ip.dst()))),
        View::Ipv6(ip) => Some((IpAddr::V6(ip.src()), IpAddr::V6(ip.dst()))),
        _ => None,
    })
}

/// Appends `data` as lowercase hex.
fn push_hex(out: &mut String, data: &[u8]) {
    for b in data {
        let _ = write!(out, "{b:02x}");
    }
}

/// ASCII mode: printable characters, CR and LF as they are, the rest as `.`.
fn ascii_char(b: u8) -> char {
    match b {
        b'\r' | b'\n' | 0x20..=0x7e => char::from(b),
        _ => '.',
    }
}

/// Hex mode: TShark's dump, 16 bytes a line, the offset counting this node's bytes.
fn write_hex(out: &mut String, prefix: &str, offset: usize, data: &[u8]) {
    for (n, line) in data.chunks(16).enumerate() {
        let mut hex = String::with_capacity(49);
        let mut text = String::with_capacity(17);
        for (i, &b) in line.iter().enumerate() {
            let _ = write!(hex, "{b:02x} ");
            text.push(if (0x20..0x7f).contains(&b) {
                char::from(b)
            } else {
                '.'
            });
            if i == 7 {
                hex.push(' ');
                text.push(' ');
            }
        }
        // TShark drops one trailing space of the text column (its own or a real one).
        if text.ends_with(' ') {
            text.pop();
        }
        let _ = writeln!(out, "{prefix}{:08X}  {hex:<50}{text}", offset + n * 16);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stream_and_endpoint_forms() {
        let s = FollowSpec::parse("tcp,ascii,3").unwrap();
        assert_eq!(s.target, FollowTarget::Stream(3));
        let s = FollowSpec::parse("udp,raw,10.0.0.1:53,[2001:db8::1]:4000").unwrap();
        assert_eq!(s.proto, FollowProto::Udp);
        assert!(matches!(s.target, FollowTarget::Endpoints(_, (_, 4000))));
        assert!(
            FollowSpec::parse("tls,ascii,0")
                .unwrap_err()
                .contains("tls")
        );
        assert!(
            FollowSpec::parse("tcp,yaml,0")
                .unwrap_err()
                .contains("yaml")
        );
        assert!(
            FollowSpec::parse("tcp,ascii,x")
                .unwrap_err()
                .contains("\"x\"")
        );
        assert!(FollowSpec::parse("tcp,ascii").is_err());
    }

    #[test]
    fn sequence_comparisons_wrap() {
        assert!(seq_lt(u32::MAX, 1));
        assert!(seq_gt(1, u32::MAX));
        assert!(!seq_lt(5, 5));
    }

    #[test]
    fn hex_lines_match_tshark_layout() {
        let mut out = String::new();
        write_hex(&mut out, "\t", 0x1388, b"Siwek)\n");
        assert_eq!(
            out,
            "\t00001388  53 69 77 65 6b 29 0a                              Siwek).\n"
        );
        let mut out = String::new();
        write_hex(&mut out, "", 0, b"ed: Wed, 29 Aug  ");
        let second = format!("00000010  {:<50}\n", "20 ");
        assert_eq!(
            out,
            "00000010".replace("10", "00")
                + "  65 64 3a 20 57 65 64 2c  20 32 39 20 41 75 67 20  ed: Wed,  29 Aug\n"
                + &second
        );
    }

    #[test]
    fn retransmitted_bytes_are_trimmed_and_gaps_wait() {
        let spec = FollowSpec::parse("tcp,raw,0").unwrap();
        let mut f = Follower::new(spec);
        f.tcp_segment(1, false, 1, 3, 0, b"abc");
        // A retransmission with one new byte.
        f.tcp_segment(2, false, 1, 4, 0, b"abcd");
        // Ahead of a gap: held until "e" arrives.
        f.tcp_segment(3, false, 6, 1, 0, b"f");
        assert_eq!(f.chunks.len(), 2);
        f.tcp_segment(4, false, 5, 1, 0, b"e");
        let all: Vec<&[u8]> = f.chunks.iter().map(|c| c.data.as_slice()).collect();
        assert_eq!(all, [b"abc".as_slice(), b"d", b"e", b"f"]);
    }

    #[test]
    fn an_ack_past_a_gap_marks_the_bytes_missing() {
        let spec = FollowSpec::parse("tcp,ascii,0").unwrap();
        let mut f = Follower::new(spec);
        f.tcp_segment(1, false, 1, 2, 0, b"ab");
        f.tcp_segment(2, false, 10, 2, 0, b"jk");
        f.tcp_segment(3, true, 1, 0, 12, b"");
        let all: Vec<&[u8]> = f.chunks.iter().map(|c| c.data.as_slice()).collect();
        assert_eq!(
            all,
            [
                b"ab".as_slice(),
                b"[7 bytes missing in capture file]\0",
                b"jk"
            ]
        );
    }
}
