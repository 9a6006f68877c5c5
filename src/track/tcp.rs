//! TCP stream tracking: `tcp.stream` numbering, relative sequence numbers, window scaling,
//! conversation completeness and tshark's sequence analysis (`tcp.analysis.*`).
//!
//! The analysis follows Wireshark 4.0's `tcp_analyze_sequence_number` (epan/dissectors/
//! packet-tcp.c), condition for condition, so the flags and Info prefixes agree with tshark's
//! single pass. State is per stream and per direction; the stream table is bounded by
//! [`MAX_TCP_STREAMS`] with idle eviction.

pub use crate::dissect::generated::{TcpFrameInfo, analysis, completeness};
use crate::dissect::{Dissection, Proto, View};
use crate::track::FlowKey;
use crate::track::HashMap;
use std::collections::VecDeque;

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

/// A segment sent but not yet acknowledged (Wireshark's `tcp_unacked_t`).
#[derive(Debug, Clone, Copy)]
struct Unacked {
    seq: u32,
    nextseq: u32,
    frame: u32,
    time: i128,
}

/// Per-direction state (Wireshark's `tcp_flow_t`).
#[derive(Debug, Clone)]
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
    /// Wireshark parks this at -1 to report an "ACKed unseen segment" gap once.
    dupacknum: i32,
    lastsegmentflags: u32,
    /// Bytes in flight may be computed (cleared by a gap, set again by a reverse ACK).
    valid_bif: bool,
    /// Oldest first.
    unacked: VecDeque<Unacked>,
}

impl Default for Flow {
    fn default() -> Flow {
        Flow {
            base_seq: None,
            syn_ws: None,
            window: None,
            nextseq: 0,
            nextseq_time: 0,
            maxseqtobeacked: 0,
            lastack: 0,
            lastack_time: 0,
            lastnondupack: 0,
            dupacknum: 0,
            lastsegmentflags: 0,
            valid_bif: true,
            unacked: VecDeque::new(),
        }
    }
}

/// Per-stream state.
#[derive(Debug, Clone)]
struct Stream {
    index: u32,
    flows: [Flow; 2],
    completeness: u8,
    /// Time of the most recent SYN (Wireshark's `ts_mru_syn`).
    mru_syn: Option<i128>,
    /// Initial RTT; zero counts as unknown, as in Wireshark.
    irtt_ns: Option<i128>,
    first_seen: i128,
    last_seen: i128,
    /// Directions that sent a FIN (bit 0: a→b, bit 1: b→a).
    fins: u8,
    /// When the stream ended (a RST, or the second direction's FIN), for eviction.
    closed_at: Option<i128>,
}

/// A closed stream is forgotten once it has been quiet this long: Zeek's
/// `tcp_close_delay` is 5 s; 10 s covers the retransmitted FINs and late ACKs that still
/// belong to a closed connection. Forgetting closed
/// streams makes memory follow the connections alive at one time, not all connections ever
/// seen; a segment of a forgotten stream (rare) starts a new stream index where tshark, which
/// forgets nothing, would reuse the old one.
pub const CLOSED_LINGER_NS: i128 = 10 * 1_000_000_000;
/// How often (in segments) closed and idle streams are swept: often enough that a busy
/// capture's table stays near its live size, rarely enough that the sweep costs nothing.
pub const SWEEP_EVERY: u32 = 16_384;

/// Tracks every TCP stream of a capture.
#[derive(Default)]
pub struct TcpTracker {
    streams: HashMap<FlowKey, Stream>,
    next_index: u32,
    /// Streams dropped because the table was full.
    pub evicted: u64,
    /// Segments left out of the ACK round-trip bookkeeping because [`MAX_UNACKED_SEGMENTS`]
    /// were already waiting in their direction, or [`MAX_UNACKED_TOTAL`] in all streams.
    pub unacked_overflow: u64,
    /// Unacknowledged segments remembered over all streams.
    unacked_total: usize,
    /// Segments seen, for the periodic sweep.
    segments: u32,
    /// Closed or idle streams forgotten by the sweep.
    pub swept: u64,
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

    /// Analyses the outermost TCP segment of a frame and records the result in
    /// `d.generated.tcp`.
    pub fn observe(&mut self, d: &mut Dissection<'_>) {
        self.segments = self.segments.wrapping_add(1);
        if self.segments.is_multiple_of(SWEEP_EVERY) && !d.frame.ts.is_none() {
            self.sweep(d.frame.ts.as_nanos());
        }
        let Some(info) = self.analyse(d) else { return };
        if info.analysis & analysis::RETRANSMISSION != 0
            && d.layers.last().is_some_and(|l| l.proto == Proto::Data)
        {
            // tshark does not hand a retransmitted segment's payload to the next dissector.
            d.layers.pop();
        }
        d.generated.tcp = Some(info);
    }

    /// Finds (or starts) the stream of the frame's outermost TCP segment and analyses the
    /// segment in it; `None` for a frame whose segment belongs to no stream.
    fn analyse(&mut self, d: &Dissection<'_>) -> Option<TcpFrameInfo> {
        let (key, seg, at) = read_segment(d)?;
        // One lookup for a known stream (nearly every segment); a new one is inserted first.
        let reused = match self.streams.get_mut(&key) {
            Some(s) => {
                let f = &s.flows[at.dir];
                let differs = f.base_seq.is_some_and(|b| b != seg.seq);
                // A SYN with a new ISN on a known 4-tuple starts a new stream; a SYN-ACK with
                // a new ISN is flagged but stays in the stream (Wireshark 4.0's dissect_tcp).
                let syn_ack = seg.flags & (SYN | ACK);
                if !(differs && syn_ack == SYN) {
                    let reused = differs && syn_ack == SYN | ACK;
                    let limits = (&mut self.unacked_total, &mut self.unacked_overflow);
                    return Some(on_segment(s, limits, &seg, &at, reused, false));
                }
                true
            }
            None => false,
        };
        self.start_stream(key, seg.now);
        let s = self.streams.get_mut(&key)?;
        let limits = (&mut self.unacked_total, &mut self.unacked_overflow);
        Some(on_segment(s, limits, &seg, &at, reused, true))
    }

    /// Inserts a new stream for `key`, first seen at `now`, making room when the table is
    /// full; a stream it replaces gives back its unacknowledged segments.
    fn start_stream(&mut self, key: FlowKey, now: i128) {
        self.make_room(now);
        let stream = Stream {
            index: self.next_index,
            flows: [Flow::default(), Flow::default()],
            completeness: 0,
            mru_syn: None,
            irtt_ns: None,
            first_seen: now,
            last_seen: now,
            fins: 0,
            closed_at: None,
        };
        self.next_index = self.next_index.wrapping_add(1);
        if let Some(old) = self.streams.insert(key, stream) {
            self.unacked_total = self.unacked_total.saturating_sub(old.unacked_len());
        }
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

    /// Forgets streams closed for [`CLOSED_LINGER_NS`] or idle for [`IDLE_EVICTION_NS`].
    fn sweep(&mut self, now: i128) {
        let before = self.streams.len();
        let mut freed = 0;
        self.streams.retain(|_, s| {
            let closed = s.closed_at.is_some() && now - s.last_seen > CLOSED_LINGER_NS;
            let idle = now - s.last_seen > IDLE_EVICTION_NS;
            if closed || idle {
                freed += s.unacked_len();
            }
            !(closed || idle)
        });
        self.unacked_total = self.unacked_total.saturating_sub(freed);
        self.swept += (before - self.streams.len()) as u64;
        if self.streams.capacity() > 4 * self.streams.len().max(1024) {
            self.streams.shrink_to_fit();
        }
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
        self.unacked_total = self.unacked_total.saturating_sub(freed);
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

/// Conversation completeness as TShark 4.0.17 accumulates it (derived from its output on the
/// corpus, where it differs from a plain OR of the flags): the first segment of a stream counts
/// only if it is a pure SYN; later a lone SYN adds nothing, SYN+ACK adds SYN-ACK, any other
/// ACK adds ACK, payload adds DATA, a FIN counts once an ACK has been seen, RST always counts.
fn update_completeness(s: &mut Stream, seg: &Segment, first: bool) {
    use completeness as c;
    if first {
        if seg.flags & (SYN | ACK) == SYN {
            s.completeness |= c::SYN;
        }
        return;
    }
    if seg.flags & (SYN | ACK) == SYN | ACK {
        s.completeness |= c::SYN_ACK;
    }
    if seg.flags & (SYN | ACK) == ACK {
        s.completeness |= c::ACK;
    }
    if seg.seglen > 0 {
        s.completeness |= c::DATA;
    }
    if seg.flags & FIN != 0 && s.completeness & c::ACK != 0 {
        s.completeness |= c::FIN;
    }
    if seg.flags & RST != 0 {
        s.completeness |= c::RST;
    }
}

/// Wireshark's iRTT: from the most recent SYN to the first segment with ACK and without SYN
/// (RST,ACK and FIN,ACK count), computed after the segment's own analysis.
fn update_irtt(s: &mut Stream, seg: &Segment) {
    if seg.flags & (SYN | ACK) == SYN {
        s.mru_syn = Some(seg.now);
    }
    if seg.flags & (SYN | ACK) == ACK
        && s.irtt_ns.is_none_or(|t| t == 0)
        && let Some(t) = s.mru_syn
    {
        s.irtt_ns = Some(seg.now - t);
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
    // Wireshark prints the iRTT only inside an analysis subtree that has something in it.
    if info.has_analysis {
        info.irtt_ns = s.irtt_ns.filter(|t| *t != 0);
    }
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

/// Reads the frame's outermost TCP segment: its stream key, the facts the analysis needs and
/// where it sits. `None` when it belongs to no stream.
fn read_segment(d: &Dissection<'_>) -> Option<(FlowKey, Segment, Site)> {
    let layer = d.first(Proto::Tcp)?;
    let View::Tcp(tcp) = &layer.view else {
        return None;
    };
    let layer_offset = layer.offset;
    // TShark reads ports, seq, ack, flags and window (16 bytes) before it looks the
    // conversation up; a header cut shorter than that has no stream. Inside an ICMP error
    // the quoted header is not part of any stream.
    if layer.bytes.len() < 16 || d.has(Proto::Icmp) || d.has(Proto::Icmpv6) {
        return None;
    }
    let (src, dst) = d.ip_endpoints()?;
    let (key, forward) = FlowKey::new(src, tcp.src_port(), dst, tcp.dst_port());
    let raw = layer.bytes;
    let hdr_len = u32::from(raw[12] >> 4) * 4;
    // The segment length is known when the IP header says the segment holds the whole
    // TCP header; otherwise (a "short segment") TShark numbers the stream but skips the
    // sequence analysis.
    let seglen = if tcp.has_fixed_header() {
        Some(tcp.reported_len)
    } else {
        (d.ip_payload_end(layer.offset).saturating_sub(layer.offset) as u32).checked_sub(hdr_len)
    };
    let seg = Segment {
        seq: crate::dissect::be32(raw, 4),
        ack: crate::dissect::be32(raw, 8),
        seglen: seglen.unwrap_or(0),
        flags: crate::dissect::be16(raw, 12) & 0x0fff,
        window: u32::from(crate::dissect::be16(raw, 14)),
        frame: d.number,
        now: d.frame.ts.as_nanos(),
    };
    let ws = if tcp.has_fixed_header() {
        tcp.window_scale()
    } else {
        None
    };
    let (dir, rev) = if forward { (0, 1) } else { (1, 0) };
    let at = Site {
        dir,
        rev,
        layer_offset,
        hdr_len,
        seglen,
        ws,
    };
    Some((key, seg, at))
}

/// Where a segment sits in its stream and frame (what [`on_segment`] needs besides it).
struct Site {
    dir: usize,
    rev: usize,
    layer_offset: usize,
    hdr_len: u32,
    seglen: Option<u32>,
    ws: Option<u8>,
}

/// Updates stream `s` with `seg` and returns the segment's analysis. `limits` are the
/// tracker's unacknowledged-segment total and overflow count.
fn on_segment(
    s: &mut Stream,
    limits: (&mut usize, &mut u64),
    seg: &Segment,
    at: &Site,
    reused: bool,
    new_stream: bool,
) -> TcpFrameInfo {
    let (unacked_total, unacked_overflow) = limits;
    let (dir, rev, hdr_len) = (at.dir, at.rev, at.hdr_len);
    let mut info = TcpFrameInfo {
        layer_offset: at.layer_offset,
        stream: s.index,
        completeness: s.completeness,
        time_relative_ns: (hdr_len >= 20).then_some(seg.now - s.first_seen),
        time_delta_ns: (hdr_len >= 20).then_some(seg.now - s.last_seen),
        ..Default::default()
    };
    s.last_seen = seg.now;
    if seg.flags & FIN != 0 {
        s.fins |= 1 << dir;
    }
    if s.closed_at.is_none() && (seg.flags & RST != 0 || s.fins == 3) {
        s.closed_at = Some(seg.now);
    }
    if reused {
        info.analysis |= analysis::REUSED_PORTS;
    }
    if at.seglen.is_none() {
        info.completeness_after = s.completeness;
        info.rel_seq = seg.seq;
        info.rel_ack = seg.ack;
        info.has_ack = seg.flags & ACK != 0;
        return info;
    }
    set_bases(s, dir, rev, seg, at.ws);
    update_completeness(s, seg, new_stream);
    info.completeness_after = s.completeness;
    let before = s.unacked_len();
    let room = *unacked_total < MAX_UNACKED_TOTAL;
    if analyse_sequence(s, dir, rev, seg, &mut info, room) {
        *unacked_overflow += 1;
    }
    *unacked_total = (*unacked_total + s.unacked_len()).saturating_sub(before);
    update_irtt(s, seg);
    fill_relative(s, dir, rev, seg, &mut info);
    info
}

/// Wireshark 4.0's `tcp_analyze_sequence_number`, on raw sequence numbers.
/// True when the segment could not be remembered for ACK round-trip times (a limit).
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
    if seg.flags & ACK != 0 {
        rvs.valid_bif = true;
    }
    let mut flags = info.analysis;
    flags |= forward_flags(fwd, rvs, seg, window, shift, info);
    // The dup-ACK counter restarts on any segment that is not a duplicate ACK; the frame a
    // duplicate refers to is the last one that changed the ACK number. (This pairing is what
    // agrees with TShark 4.0.17 on the corpus: see tests/it/track_tcp.rs.)
    if flags & a::DUPLICATE_ACK == 0 {
        fwd.dupacknum = 0;
    }
    if seg.ack != fwd.lastack {
        fwd.lastnondupack = seg.frame;
    }
    flags |= ack_lost(rvs, seg);
    if (seg.seglen > 0 || seg.flags & (SYN | FIN) != 0) && flags & a::KEEP_ALIVE == 0 {
        flags |= retransmission_kind(fwd, rvs, seg, irtt);
    }
    let overflow = advance(fwd, seg, flags, room);
    fwd.window = Some(window);
    fwd.lastack = seg.ack;
    fwd.lastack_time = seg.now;
    fwd.lastsegmentflags = flags;
    ack_rtt(rvs, seg, info);
    let in_flight = seg.seglen != 0 && fwd.valid_bif && !fwd.unacked.is_empty();
    info.analysis = flags;
    info.has_analysis = flags != 0 || info.acks_frame.is_some() || in_flight;
    overflow
}

/// The checks of the forward direction, up to Wireshark's `finished_fwd` label.
fn forward_flags(
    fwd: &mut Flow,
    rvs: &Flow,
    seg: &Segment,
    window: u32,
    shift: i32,
    info: &mut TcpFrameInfo,
) -> u32 {
    use analysis as a;
    let no_sfr = seg.flags & (SYN | FIN | RST) == 0;
    if seg.seglen == 1 && seg.seq == fwd.nextseq && rvs.window == Some(0) {
        return a::ZERO_WINDOW_PROBE;
    }
    let mut flags = 0;
    if window == 0 && no_sfr {
        flags |= a::ZERO_WINDOW;
    }
    if fwd.nextseq != 0 && gt(seg.seq, fwd.nextseq) && seg.flags & RST == 0 {
        flags |= a::LOST_SEGMENT;
        fwd.valid_bif = false;
    }
    if seg.seglen <= 1 && seg.seq == fwd.nextseq.wrapping_sub(1) && no_sfr {
        flags |= a::KEEP_ALIVE;
    }
    // The "same as before" test shared by window update, keep-alive ACK, ZWP ACK, dup ACK.
    let repeats = seg.seglen == 0 && seg.seq == fwd.nextseq && seg.ack == fwd.lastack && no_sfr;
    if repeats && window != 0 && Some(window) != fwd.window {
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
    let same_window = Some(window) == fwd.window;
    if repeats && window != 0 && same_window && rvs.lastsegmentflags & a::KEEP_ALIVE != 0 {
        return flags | a::KEEP_ALIVE_ACK;
    }
    if repeats && window == 0 && same_window && rvs.lastsegmentflags & a::ZERO_WINDOW_PROBE != 0 {
        return flags | a::ZERO_WINDOW_PROBE_ACK;
    }
    if repeats && window != 0 && same_window {
        fwd.dupacknum = if fwd.dupacknum == -1 {
            1
        } else {
            fwd.dupacknum + 1
        };
        flags |= a::DUPLICATE_ACK;
        info.dup_ack_num = fwd.dupacknum.max(0) as u32;
        info.dup_ack_frame = fwd.lastnondupack;
    }
    flags
}

/// ACKed unseen segment: the ACK goes past what the reverse direction was seen to send.
/// Reported once per gap: either the reverse "max seq to be acked" jumps to its next expected
/// seq, or (when it cannot) the reverse dup-ACK counter is parked at -1 until that direction
/// sends a segment that is not a duplicate ACK.
fn ack_lost(rvs: &mut Flow, seg: &Segment) -> u32 {
    if rvs.maxseqtobeacked == 0 || !gt(seg.ack, rvs.maxseqtobeacked) || seg.flags & ACK == 0 {
        return 0;
    }
    // Wireshark compares these two without sequence-space wrapping.
    if rvs.maxseqtobeacked > rvs.nextseq {
        rvs.maxseqtobeacked = rvs.nextseq;
        return analysis::ACK_LOST_SEGMENT;
    }
    let first = rvs.dupacknum == 0;
    rvs.dupacknum = -1;
    if first { analysis::ACK_LOST_SEGMENT } else { 0 }
}

fn retransmission_kind(fwd: &Flow, rvs: &Flow, seg: &Segment, irtt: Option<i128>) -> u32 {
    use analysis as a;
    let mut not_advanced = fwd.nextseq != 0 && lt(seg.seq, fwd.nextseq);
    if seg.seglen > 1 && fwd.nextseq.wrapping_sub(1) == seg.seq {
        not_advanced = false;
    }
    if seg.seglen > 0 && rvs.lastack != 0 && le(seg.seq.wrapping_add(seg.seglen), rvs.lastack) {
        return a::SPURIOUS_RETRANSMISSION;
    }
    if not_advanced
        && rvs.dupacknum >= 2
        && rvs.lastack == seg.seq
        && seg.now - rvs.lastack_time < FAST_RETRANSMISSION_WINDOW_NS
    {
        return a::FAST_RETRANSMISSION;
    }
    let threshold = irtt.filter(|t| *t != 0).unwrap_or(DEFAULT_OOO_THRESHOLD_NS);
    let syn_fin = u32::from(seg.flags & (SYN | FIN) != 0);
    if not_advanced
        && seg.now - fwd.nextseq_time < threshold
        && fwd.nextseq != seg.seq.wrapping_add(seg.seglen).wrapping_add(syn_fin)
    {
        return a::OUT_OF_ORDER;
    }
    if not_advanced { a::RETRANSMISSION } else { 0 }
}

/// Moves the direction's next expected sequence number; true when the segment could not be
/// remembered for ACK round-trip times because a limit was reached.
fn advance(fwd: &mut Flow, seg: &Segment, flags: u32, room: bool) -> bool {
    let mut nextseq = seg.seq.wrapping_add(seg.seglen);
    if seg.flags & (SYN | FIN) != 0 {
        nextseq = nextseq.wrapping_add(1);
    }
    let mut overflow = false;
    if seg.seglen > 0 || seg.flags & (SYN | FIN) != 0 {
        if fwd.unacked.len() < MAX_UNACKED_SEGMENTS && room {
            fwd.unacked.push_back(Unacked {
                seq: seg.seq,
                nextseq,
                frame: seg.frame,
                time: seg.now,
            });
        } else {
            overflow = true;
        }
    }
    if flags & analysis::ZERO_WINDOW_PROBE != 0 {
        return overflow;
    }
    if gt(nextseq, fwd.nextseq) || fwd.nextseq == 0 {
        fwd.nextseq = nextseq;
        fwd.nextseq_time = seg.now;
    }
    if seg.seq == fwd.maxseqtobeacked || fwd.maxseqtobeacked == 0 {
        fwd.maxseqtobeacked = fwd.nextseq;
    }
    overflow
}

/// Drops the reverse segments this ACK covers; an exact match gives `acks_frame` and the RTT
/// (the oldest of several equal segments, as Wireshark's newest-first walk ends on it).
fn ack_rtt(rvs: &mut Flow, seg: &Segment, info: &mut TcpFrameInfo) {
    let ack = seg.ack;
    rvs.unacked.retain_mut(|u| {
        if ack == u.nextseq {
            if info.acks_frame.is_none() {
                info.acks_frame = Some(u.frame);
                info.ack_rtt_ns = Some(seg.now - u.time);
            }
            false
        } else if gt(ack, u.seq) && le(ack, u.nextseq) {
            u.seq = ack;
            true
        } else {
            gt(u.nextseq, ack)
        }
    });
}
