//! TCP stream tracking: `tcp.stream` numbering, relative sequence numbers, window scaling,
//! conversation completeness and tshark's sequence analysis (`tcp.analysis.*`).
//!
//! The analysis follows Wireshark 4.0's `tcp_analyze_sequence_number` (epan/dissectors/
//! packet-tcp.c), condition for condition, so the flags and Info prefixes agree with tshark's
//! single pass. State is per stream and per direction; the stream table is bounded by
//! [`MAX_TCP_STREAMS`] with idle eviction.

use crate::dissect::{Dissection, Proto, View};
use crate::track::FlowKey;
use std::collections::{HashMap, VecDeque};

/// Most streams tracked at once. A busy 10 GbE link sees about 100 k concurrent
/// connections; 1 M entries of a few hundred bytes stay well under 512 MiB. When full, streams
/// idle for [`IDLE_EVICTION_NS`] are dropped first, then the least recently seen half.
pub const MAX_TCP_STREAMS: usize = 1_000_000;
/// Idle time after which a stream may be evicted when the table is full: Zeek's
/// `tcp_inactivity_timeout` (5 minutes).
pub const IDLE_EVICTION_NS: i128 = 300 * 1_000_000_000;
/// Most unacknowledged segments remembered per direction for ACK RTT, as Wireshark's
/// `TCP_MAX_UNACKED_SEGMENTS`.
pub const MAX_UNACKED_SEGMENTS: usize = 1000;
/// Most unacknowledged segments remembered over all streams. Each takes 32 bytes, so this is
/// 128 MiB; without it [`MAX_UNACKED_SEGMENTS`] times two directions times
/// [`MAX_TCP_STREAMS`] would allow 64 GB. Honest traffic has a window's worth per direction
/// (tens of segments) on the streams active at one time.
pub const MAX_UNACKED_TOTAL: usize = 4_000_000;
/// Out-of-order threshold when the initial RTT is unknown (Wireshark: 3 ms).
const DEFAULT_OOO_THRESHOLD_NS: i128 = 3_000_000;
/// A fast retransmission follows the dup ACKs within 20 ms (Wireshark's rule).
const FAST_RETRANSMISSION_WINDOW_NS: i128 = 20_000_000;

/// `tcp.analysis.*` flag bits (Wireshark 4.0's TCP_A_* values).
pub mod analysis {
    /// Retransmission.
    pub const RETRANSMISSION: u32 = 0x1;
    /// Previous segment not captured.
    pub const LOST_SEGMENT: u32 = 0x2;
    /// ACKed unseen segment.
    pub const ACK_LOST_SEGMENT: u32 = 0x4;
    /// Keep-alive.
    pub const KEEP_ALIVE: u32 = 0x8;
    /// Duplicate ACK.
    pub const DUPLICATE_ACK: u32 = 0x10;
    /// Zero window.
    pub const ZERO_WINDOW: u32 = 0x20;
    /// Zero-window probe.
    pub const ZERO_WINDOW_PROBE: u32 = 0x40;
    /// Zero-window probe ACK.
    pub const ZERO_WINDOW_PROBE_ACK: u32 = 0x80;
    /// Keep-alive ACK.
    pub const KEEP_ALIVE_ACK: u32 = 0x100;
    /// Out of order.
    pub const OUT_OF_ORDER: u32 = 0x200;
    /// Fast retransmission.
    pub const FAST_RETRANSMISSION: u32 = 0x400;
    /// Window update.
    pub const WINDOW_UPDATE: u32 = 0x800;
    /// Window full.
    pub const WINDOW_FULL: u32 = 0x1000;
    /// Port numbers reused.
    pub const REUSED_PORTS: u32 = 0x2000;
    /// Spurious retransmission.
    pub const SPURIOUS_RETRANSMISSION: u32 = 0x4000;
    /// Any of the above (`tcp.analysis.flags`).
    pub const ANY_FLAG: u32 = 0x7fff;
}

/// Completeness bits (`tcp.completeness`).
pub mod completeness {
    /// SYN seen.
    pub const SYN: u8 = 1;
    /// SYN-ACK seen.
    pub const SYN_ACK: u8 = 2;
    /// ACK seen.
    pub const ACK: u8 = 4;
    /// Data seen.
    pub const DATA: u8 = 8;
    /// FIN seen.
    pub const FIN: u8 = 16;
    /// RST seen.
    pub const RST: u8 = 32;
}

/// What the tracker says about one segment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TcpFrameInfo {
    /// Stream index (`tcp.stream`).
    pub stream: u32,
    /// Relative sequence number.
    pub rel_seq: u32,
    /// Relative acknowledgment number.
    pub rel_ack: u32,
    /// The segment has the ACK flag.
    pub has_ack: bool,
    /// The reverse direction's base sequence (relative SACK edges subtract it).
    pub rel_ack_base: u32,
    /// Relative next sequence number, for segments that occupy sequence space.
    pub nxtseq: Option<u32>,
    /// Scaled window, when the scale is known (else the raw window for Info).
    pub window: Option<u32>,
    /// Window scale factor: -1 unknown, -2 no scaling, else the multiplier.
    pub scale_factor: i32,
    /// `analysis::*` bits.
    pub analysis: u32,
    /// Duplicate-ACK count.
    pub dup_ack_num: u32,
    /// Frame of the original ACK this one duplicates.
    pub dup_ack_frame: u32,
    /// Frame whose segment this ACKs.
    pub acks_frame: Option<u32>,
    /// RTT to the ACKed segment, ns.
    pub ack_rtt_ns: Option<i128>,
    /// Initial RTT of the stream, ns, once known.
    pub irtt_ns: Option<i128>,
    /// Completeness accumulated before this segment.
    pub completeness: u8,
}

impl TcpFrameInfo {
    /// Writes tshark's Info prefixes (`[TCP Retransmission] `, `[TCP Dup ACK 7#1] `, ...).
    pub fn write_info_prefix(&self, out: &mut String) {
        use analysis as a;
        use std::fmt::Write as _;
        // tshark prepends each label in this order, so the last one ends up first.
        let mut labels: arrayvec::ArrayVec<String, 16> = arrayvec::ArrayVec::new();
        let f = self.analysis;
        let simple = [
            (a::RETRANSMISSION, "[TCP Retransmission] "),
            (a::LOST_SEGMENT, "[TCP Previous segment not captured] "),
            (a::ACK_LOST_SEGMENT, "[TCP ACKed unseen segment] "),
            (a::KEEP_ALIVE, "[TCP Keep-Alive] "),
            (a::WINDOW_UPDATE, "[TCP Window Update] "),
            (a::WINDOW_FULL, "[TCP Window Full] "),
            (a::KEEP_ALIVE_ACK, "[TCP Keep-Alive ACK] "),
        ];
        for (bit, label) in simple {
            if f & bit != 0 {
                labels.push(label.to_string());
            }
        }
        if f & a::DUPLICATE_ACK != 0 {
            let mut s = String::new();
            let _ = write!(
                s,
                "[TCP Dup ACK {}#{}] ",
                self.dup_ack_frame, self.dup_ack_num
            );
            labels.push(s);
        }
        let tail = [
            (a::ZERO_WINDOW_PROBE, "[TCP ZeroWindowProbe] "),
            (a::ZERO_WINDOW, "[TCP ZeroWindow] "),
            (a::ZERO_WINDOW_PROBE_ACK, "[TCP ZeroWindowProbeAck] "),
            (a::FAST_RETRANSMISSION, "[TCP Fast Retransmission] "),
            (a::SPURIOUS_RETRANSMISSION, "[TCP Spurious Retransmission] "),
            (a::OUT_OF_ORDER, "[TCP Out-Of-Order] "),
            (a::REUSED_PORTS, "[TCP Port numbers reused] "),
        ];
        for (bit, label) in tail {
            if f & bit != 0 {
                labels.push(label.to_string());
            }
        }
        for l in labels.iter().rev() {
            out.push_str(l);
        }
    }
}

/// Per-direction state (Wireshark's `tcp_flow_t`).
#[derive(Debug, Clone, Default)]
struct Flow {
    base_seq: Option<u32>,
    /// Window-scale shift from this side's SYN: None = no SYN seen, Some(None) = SYN without WS.
    syn_ws: Option<Option<u8>>,
    window: Option<u32>,
    nextseq: u32,
    nextseq_time: i128,
    maxseqtobeacked: u32,
    lastack: u32,
    lastack_time: i128,
    lastnondupack: u32,
    dupacknum: u32,
    lastsegmentflags: u32,
    unacked: VecDeque<(u32, u32, i128)>,
}

/// Per-stream state.
#[derive(Debug, Clone)]
struct Stream {
    index: u32,
    flows: [Flow; 2],
    completeness: u8,
    syn_time: Option<i128>,
    synack_seen: bool,
    irtt_ns: Option<i128>,
    last_seen: i128,
}

/// Tracks every TCP stream of a capture.
#[derive(Default)]
pub struct TcpTracker {
    streams: HashMap<FlowKey, Stream>,
    next_index: u32,
    /// Streams dropped because the table was full.
    pub evicted: u64,
    /// Segments left out of the ACK round-trip bookkeeping because
    /// [`MAX_UNACKED_SEGMENTS`] were already waiting for an ACK in their direction, or
    /// [`MAX_UNACKED_TOTAL`] in all streams.
    pub unacked_overflow: u64,
    /// Unacknowledged segments remembered over all streams.
    unacked_total: usize,
}

impl Stream {
    fn unacked_len(&self) -> usize {
        self.flows[0].unacked.len() + self.flows[1].unacked.len()
    }
}

fn gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}
fn lt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}
fn le(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) <= 0
}

/// The facts of one segment the analysis needs.
struct Segment {
    seq: u32,
    ack: u32,
    seglen: u32,
    flags: u16,
    window: u32,
    frame: u32,
    now: i128,
}

const FIN: u16 = 0x001;
const SYN: u16 = 0x002;
const RST: u16 = 0x004;
const ACK: u16 = 0x010;

impl TcpTracker {
    /// Number of streams seen so far.
    pub fn streams_seen(&self) -> u32 {
        self.next_index
    }

    /// What the limits cost this run, as end-of-run warnings (empty when nothing was lost).
    pub fn limit_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.evicted > 0 {
            out.push(format!(
                "{} TCP streams were forgotten to stay within MAX_TCP_STREAMS ({MAX_TCP_STREAMS}); \
                 later segments of them were analysed as new streams",
                self.evicted
            ));
        }
        if self.unacked_overflow > 0 {
            out.push(format!(
                "{} TCP segments got no ACK round-trip time: MAX_UNACKED_SEGMENTS \
                 ({MAX_UNACKED_SEGMENTS}) were waiting for an ACK in their direction, or \
                 MAX_UNACKED_TOTAL ({MAX_UNACKED_TOTAL}) in all streams",
                self.unacked_overflow
            ));
        }
        out
    }

    /// Analyses the outermost TCP segment of a frame and records the result in
    /// `d.generated.tcp`.
    pub fn observe(&mut self, d: &mut Dissection<'_>) {
        let Some(info) = self.analyse(d) else { return };
        if info.analysis & analysis::RETRANSMISSION != 0
            && d.layers.last().is_some_and(|l| l.proto == Proto::Data)
        {
            // tshark does not hand a retransmitted segment's payload to the next dissector.
            d.layers.pop();
        }
        d.generated.tcp = Some(info);
    }

    fn analyse(&mut self, d: &Dissection<'_>) -> Option<TcpFrameInfo> {
        let layer = d.first(Proto::Tcp)?;
        let View::Tcp(tcp) = &layer.view else {
            return None;
        };
        if !tcp.has_fixed_header() || d.has(Proto::Icmp) || d.has(Proto::Icmpv6) {
            return None;
        }
        let (src, dst) = d.ip_endpoints()?;
        let (key, forward) = FlowKey::new(src, tcp.src_port(), dst, tcp.dst_port());
        let seg = Segment {
            seq: tcp.seq(),
            ack: tcp.ack(),
            seglen: tcp.reported_len,
            flags: tcp.flags(),
            window: tcp.window() as u32,
            frame: d.number,
            now: d.frame.ts.as_nanos(),
        };
        let ws = tcp.window_scale();
        let (dir, rev) = if forward { (0, 1) } else { (1, 0) };
        let mut reused = false;
        if let Some(s) = self.streams.get(&key) {
            let f = &s.flows[dir];
            if seg.flags & (SYN | ACK) == SYN && f.base_seq.is_some_and(|b| b != seg.seq) {
                reused = true;
            }
        }
        if reused || !self.streams.contains_key(&key) {
            self.make_room(seg.now);
            let stream = Stream {
                index: self.next_index,
                flows: [Flow::default(), Flow::default()],
                completeness: 0,
                syn_time: None,
                synack_seen: false,
                irtt_ns: None,
                last_seen: seg.now,
            };
            self.next_index = self.next_index.wrapping_add(1);
            if let Some(old) = self.streams.insert(key, stream) {
                self.unacked_total -= old.unacked_len();
            }
        }
        let s = self.streams.get_mut(&key)?;
        s.last_seen = seg.now;
        let mut info = TcpFrameInfo {
            stream: s.index,
            completeness: s.completeness,
            ..Default::default()
        };
        if reused {
            info.analysis |= analysis::REUSED_PORTS;
        }
        set_bases(s, dir, rev, &seg, ws);
        update_completeness(s, &seg);
        update_irtt(s, &seg);
        let before = s.unacked_len();
        let room = self.unacked_total < MAX_UNACKED_TOTAL;
        if analyse_sequence(s, dir, rev, &seg, &mut info, room) {
            self.unacked_overflow += 1;
        }
        self.unacked_total = (self.unacked_total + s.unacked_len()).saturating_sub(before);
        fill_relative(s, dir, rev, &seg, &mut info);
        Some(info)
    }

    fn make_room(&mut self, now: i128) {
        if self.streams.len() < MAX_TCP_STREAMS {
            return;
        }
        let before = self.streams.len();
        let mut freed = 0;
        self.streams.retain(|_, s| {
            let keep = now - s.last_seen < IDLE_EVICTION_NS;
            if !keep {
                freed += s.unacked_len();
            }
            keep
        });
        if self.streams.len() >= MAX_TCP_STREAMS {
            let mut seen: Vec<i128> = self.streams.values().map(|s| s.last_seen).collect();
            seen.sort_unstable();
            let cutoff = seen[seen.len() / 2];
            self.streams.retain(|_, s| {
                let keep = s.last_seen > cutoff;
                if !keep {
                    freed += s.unacked_len();
                }
                keep
            });
        }
        self.unacked_total -= freed;
        self.evicted += (before - self.streams.len()) as u64;
    }
}

fn set_bases(s: &mut Stream, dir: usize, rev: usize, seg: &Segment, ws: Option<u8>) {
    let f = &mut s.flows[dir];
    if f.base_seq.is_none() {
        f.base_seq = Some(if seg.flags & SYN != 0 {
            seg.seq
        } else {
            seg.seq.wrapping_sub(1)
        });
    }
    if seg.flags & SYN != 0 && f.syn_ws.is_none() {
        f.syn_ws = Some(ws);
    }
    let r = &mut s.flows[rev];
    if seg.flags & ACK != 0 && r.base_seq.is_none() {
        r.base_seq = Some(seg.ack.wrapping_sub(1));
    }
}

fn update_completeness(s: &mut Stream, seg: &Segment) {
    use completeness as c;
    if seg.flags & SYN != 0 {
        s.completeness |= if seg.flags & ACK != 0 {
            c::SYN_ACK
        } else {
            c::SYN
        };
    }
    if seg.flags & ACK != 0 && seg.flags & SYN == 0 {
        s.completeness |= c::ACK;
    }
    if seg.seglen > 0 {
        s.completeness |= c::DATA;
    }
    if seg.flags & FIN != 0 {
        s.completeness |= c::FIN;
    }
    if seg.flags & RST != 0 {
        s.completeness |= c::RST;
    }
}

fn update_irtt(s: &mut Stream, seg: &Segment) {
    if seg.flags & (SYN | ACK) == SYN {
        s.syn_time.get_or_insert(seg.now);
    } else if seg.flags & (SYN | ACK) == SYN | ACK {
        s.synack_seen = true;
    } else if seg.flags & ACK != 0 && s.synack_seen && s.irtt_ns.is_none() {
        if let Some(t) = s.syn_time {
            s.irtt_ns = Some(seg.now - t);
        }
    }
}

/// Window scale for direction `dir`: the shift when both SYNs carried WS, -2 when a SYN
/// lacked it, -1 when the handshake was not seen.
fn scale_shift(s: &Stream, dir: usize, rev: usize) -> i32 {
    match (s.flows[dir].syn_ws, s.flows[rev].syn_ws) {
        (Some(Some(a)), Some(Some(_))) => a.min(14) as i32,
        (Some(None), _) | (_, Some(None)) => -2,
        _ => -1,
    }
}

fn fill_relative(s: &Stream, dir: usize, rev: usize, seg: &Segment, info: &mut TcpFrameInfo) {
    let base = s.flows[dir].base_seq.unwrap_or(seg.seq);
    let rbase = s.flows[rev].base_seq.unwrap_or(0);
    info.rel_seq = seg.seq.wrapping_sub(base);
    info.has_ack = seg.flags & ACK != 0;
    info.rel_ack = if info.has_ack {
        seg.ack.wrapping_sub(rbase)
    } else {
        0
    };
    info.rel_ack_base = rbase;
    if seg.seglen > 0 || seg.flags & (SYN | FIN) != 0 {
        let extra = u32::from(seg.flags & (SYN | FIN) != 0);
        info.nxtseq = Some(info.rel_seq.wrapping_add(seg.seglen).wrapping_add(extra));
    }
    let shift = scale_shift(s, dir, rev);
    info.irtt_ns = s.irtt_ns;
    if seg.flags & SYN != 0 {
        info.window = Some(seg.window);
        info.scale_factor = if shift >= 0 { 1 << shift } else { shift };
    } else if shift >= 0 {
        info.window = Some(seg.window << shift);
        info.scale_factor = 1 << shift;
    } else {
        info.window = Some(seg.window);
        info.scale_factor = shift;
    }
}

/// Wireshark 4.0's `tcp_analyze_sequence_number`, on raw sequence numbers. True when the
/// segment could not be remembered for ACK round-trip times ([`MAX_UNACKED_SEGMENTS`]).
fn analyse_sequence(
    s: &mut Stream,
    dir: usize,
    rev: usize,
    seg: &Segment,
    info: &mut TcpFrameInfo,
    room: bool,
) -> bool {
    use analysis as a;
    let shift = scale_shift(s, dir, rev);
    let window = if seg.flags & SYN == 0 && shift >= 0 {
        seg.window << shift
    } else {
        seg.window
    };
    let irtt = s.irtt_ns;
    let (fwd, rvs) = if dir == 0 {
        let (x, y) = s.flows.split_at_mut(1);
        (&mut x[0], &mut y[0])
    } else {
        let (x, y) = s.flows.split_at_mut(1);
        (&mut y[0], &mut x[0])
    };
    let no_sfr = seg.flags & (SYN | FIN | RST) == 0;
    let mut flags = info.analysis;

    'fwd: {
        if seg.seglen == 1 && seg.seq == fwd.nextseq && rvs.window == Some(0) {
            flags |= a::ZERO_WINDOW_PROBE;
            break 'fwd;
        }
        if window == 0 && no_sfr {
            flags |= a::ZERO_WINDOW;
        }
        if fwd.nextseq != 0 && gt(seg.seq, fwd.nextseq) && seg.flags & RST == 0 {
            flags |= a::LOST_SEGMENT;
        }
        if seg.seglen <= 1 && seg.seq == fwd.nextseq.wrapping_sub(1) && no_sfr {
            flags |= a::KEEP_ALIVE;
        }
        if seg.seglen == 0
            && window != 0
            && Some(window) != fwd.window
            && seg.seq == fwd.nextseq
            && seg.ack == fwd.lastack
            && no_sfr
        {
            flags |= a::WINDOW_UPDATE;
        }
        if seg.seglen > 0 && shift != -1 && no_sfr {
            let rshift = if shift == -2 { 0 } else { shift };
            if let Some(rw) = rvs.window {
                let edge = rvs.lastack.wrapping_add(rw << rshift.min(14) as u32);
                if seg.seq.wrapping_add(seg.seglen) == edge {
                    flags |= a::WINDOW_FULL;
                }
            }
        }
        if seg.seglen == 0
            && Some(window) == fwd.window
            && seg.seq == fwd.nextseq
            && seg.ack == fwd.lastack
            && rvs.lastsegmentflags & a::KEEP_ALIVE != 0
            && no_sfr
        {
            flags |= a::KEEP_ALIVE_ACK;
            break 'fwd;
        }
        if seg.seglen == 0
            && window == 0
            && Some(window) == fwd.window
            && seg.seq == fwd.nextseq
            && seg.ack == fwd.lastack
            && rvs.lastsegmentflags & a::ZERO_WINDOW_PROBE != 0
            && no_sfr
        {
            flags |= a::ZERO_WINDOW_PROBE_ACK;
            break 'fwd;
        }
        if seg.seglen == 0
            && window != 0
            && Some(window) == fwd.window
            && seg.seq == fwd.nextseq
            && seg.ack == fwd.lastack
            && fwd.nextseq != 0
            && fwd.lastack != 0
            && no_sfr
        {
            fwd.dupacknum = fwd.dupacknum.saturating_add(1);
            flags |= a::DUPLICATE_ACK;
            info.dup_ack_num = fwd.dupacknum;
            info.dup_ack_frame = fwd.lastnondupack;
        }
    }
    if flags & a::DUPLICATE_ACK == 0 {
        fwd.lastnondupack = seg.frame;
        fwd.dupacknum = 0;
    }
    if rvs.maxseqtobeacked != 0 && gt(seg.ack, rvs.maxseqtobeacked) && seg.flags & ACK != 0 {
        flags |= a::ACK_LOST_SEGMENT;
        rvs.maxseqtobeacked = rvs.nextseq;
    }
    if (seg.seglen > 0 || seg.flags & (SYN | FIN) != 0) && flags & a::KEEP_ALIVE == 0 {
        flags |= retransmission_kind(fwd, rvs, seg, irtt);
    }
    let overflow = advance(fwd, seg, flags, room);
    fwd.window = Some(window);
    fwd.lastack = seg.ack;
    fwd.lastack_time = seg.now;
    fwd.lastsegmentflags = flags;
    if seg.flags & ACK != 0 {
        ack_rtt(rvs, seg, info);
    }
    info.analysis = flags;
    overflow
}

fn retransmission_kind(fwd: &Flow, rvs: &Flow, seg: &Segment, irtt: Option<i128>) -> u32 {
    use analysis as a;
    let not_advanced = fwd.nextseq != 0 && lt(seg.seq, fwd.nextseq);
    if not_advanced
        && rvs.dupacknum >= 2
        && rvs.lastack == seg.seq
        && seg.now - rvs.lastack_time < FAST_RETRANSMISSION_WINDOW_NS
    {
        return a::FAST_RETRANSMISSION;
    }
    let threshold = irtt.filter(|t| *t != 0).unwrap_or(DEFAULT_OOO_THRESHOLD_NS);
    if not_advanced
        && seg.now - fwd.nextseq_time < threshold
        && fwd.nextseq != seg.seq.wrapping_add(seg.seglen)
    {
        return a::OUT_OF_ORDER;
    }
    if seg.seglen > 0 && rvs.lastack != 0 && le(seg.seq.wrapping_add(seg.seglen), rvs.lastack) {
        return a::SPURIOUS_RETRANSMISSION;
    }
    if not_advanced { a::RETRANSMISSION } else { 0 }
}

/// Moves the direction's next expected sequence number; true when the segment did not fit
/// the unacknowledged list (`room` false: the all-streams total is full).
fn advance(fwd: &mut Flow, seg: &Segment, flags: u32, room: bool) -> bool {
    use analysis as a;
    if seg.seglen == 0 && seg.flags & (SYN | FIN) == 0 {
        return false;
    }
    let mut nextseq = seg.seq.wrapping_add(seg.seglen);
    if seg.flags & (SYN | FIN) != 0 {
        nextseq = nextseq.wrapping_add(1);
    }
    let overflow = !room || fwd.unacked.len() >= MAX_UNACKED_SEGMENTS;
    if !overflow {
        fwd.unacked.push_back((nextseq, seg.frame, seg.now));
    }
    let probe = flags & a::ZERO_WINDOW_PROBE != 0;
    if (gt(nextseq, fwd.nextseq) || fwd.nextseq == 0) && !probe {
        fwd.nextseq = nextseq;
        fwd.nextseq_time = seg.now;
    }
    if (gt(nextseq, fwd.maxseqtobeacked) || fwd.maxseqtobeacked == 0) && !probe {
        fwd.maxseqtobeacked = fwd.nextseq;
    }
    overflow
}

fn ack_rtt(rvs: &mut Flow, seg: &Segment, info: &mut TcpFrameInfo) {
    while let Some(&(nextseq, frame, t)) = rvs.unacked.front() {
        if gt(nextseq, seg.ack) {
            break;
        }
        rvs.unacked.pop_front();
        if nextseq == seg.ack {
            info.acks_frame = Some(frame);
            info.ack_rtt_ns = Some(seg.now - t);
        }
    }
}
