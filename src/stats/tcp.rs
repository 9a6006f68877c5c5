//! `-z tcp,states` and `-z tcp,trace`: every TCP connection followed through the RFC 793
//! states of both endpoints ([`crate::track::tcp_state`]), with a Zeek-style `conn_state` and
//! `history`, handshake and teardown kinds, counts and times.
//!
//! Connections are the streams the TCP tracker numbers (`tcp.stream`), so a SYN with a new ISN
//! on a known 4-tuple starts a new connection. Memory is bounded: live connections are kept
//! up to [`MAX_ACTIVE_CONNECTIONS`] and finished into report rows after Zeek-like idle timers;
//! rows, trace lines and half-open counters have their own limits. Whatever a limit drops is
//! counted and printed under the report, never silently lost.

use crate::dissect::{Dissection, IpAddr, Proto};
use crate::track::HashMap;
use crate::track::tcp::analysis;
use crate::track::tcp_state::{Endpoint, Event, State};

/// Live connections kept at once. A few hundred bytes each: 262 144 stay under 100 MiB.
/// When full, the least recently seen connection is finished early (its row says so).
pub const MAX_ACTIVE_CONNECTIONS: usize = 262_144;
/// Report rows kept. Each is about 200 bytes; 200 000 rows is 40 MiB and more than a terminal
/// table can usefully show. Further connections are counted, not listed.
pub const MAX_REPORT_ROWS: usize = 200_000;
/// Trace lines kept (about 100 bytes each: 50 MiB). A connection makes 4 to 12 of them.
pub const MAX_TRACE_EVENTS: usize = 500_000;
/// Servers for which half-open attempts are counted; a scan of a whole /16 fits.
pub const MAX_HALF_OPEN_SERVERS: usize = 65_536;
/// Half-open attempts to one server address and port at or above which the report prints a
/// SYN-flood warning. Legitimate clients retry a few times; a hundred abandoned handshakes to
/// one service is the usual threshold of IDS rules (e.g. Snort's sfportscan "high" level).
pub const SYN_FLOOD_THRESHOLD: u32 = 100;
/// Zeek's `tcp_inactivity_timeout`: a connection idle this long is finished.
pub const IDLE_TIMEOUT_NS: i128 = 300 * 1_000_000_000;
/// Zeek's `tcp_close_delay` / `tcp_reset_delay`: a closed or reset connection idle this long
/// is finished.
pub const CLOSED_LINGER_NS: i128 = 5 * 1_000_000_000;
/// Frames between two sweeps of the idle timers (a sweep walks the live table).
const SWEEP_EVERY_FRAMES: u64 = 8192;

const FIN: u16 = 0x001;
const SYN: u16 = 0x002;
const RST: u16 = 0x004;
const PSH: u16 = 0x008;
const ACK: u16 = 0x010;
const URG: u16 = 0x020;

/// Zeek's endpoint states (for `conn_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Zeek {
    #[default]
    Inactive,
    SynSent,
    SynAckSent,
    Partial,
    Established,
    Closed,
    Reset,
}

/// What the observer knows of one side.
#[derive(Debug, Clone, Default)]
struct Side {
    addr: Option<(IpAddr, u16)>,
    isn: Option<u32>,
    syn_acked: bool,
    fin_seq: Option<u32>,
    fin_acked: bool,
    /// This side's SYN / FIN not yet proven received by the peer.
    syn_pending: bool,
    fin_pending: bool,
    /// This side proved it received the peer's SYN / FIN.
    got_syn: bool,
    got_fin: bool,
    /// Already sent a SYN / a SYN+ACK (a second one is a retransmission).
    sent_syn: bool,
    sent_synack: bool,
    pkts: u64,
    bytes: u64,
    zeek: Zeek,
    /// History letters already recorded once, and the last seq of f/h/r/s.
    hist_once: u8,
    last_flag_seq: [Option<u32>; 4],
    retrans: u64,
    gaps: u64,
    zero_windows: u64,
}

/// One live connection.
#[derive(Debug, Clone)]
struct Conn {
    stream: u32,
    sides: [Side; 2],
    ends: [Endpoint; 2],
    client_inferred: bool,
    /// Zeek's originator (first sender) is the server side: history starts with `^`.
    flipped: bool,
    history: String,
    syn_time: Option<i128>,
    irtt: Option<i128>,
    saw_syn: bool,
    saw_synack: bool,
    handshake_done: bool,
    refused: bool,
    first_close: Option<usize>,
    first_rst: Option<usize>,
    three_way_close: bool,
    first: i128,
    last: i128,
    selected: bool,
    reused: bool,
    completeness: u8,
}

/// One finished connection: a row of `-z tcp,states`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnRow {
    /// `tcp.stream`.
    pub stream: u32,
    /// Client address and port.
    pub client: (IpAddr, u16),
    /// Server address and port.
    pub server: (IpAddr, u16),
    /// The client was not seen sending the first SYN: roles guessed.
    pub client_inferred: bool,
    /// `complete`, `refused`, `half-open` or `not seen`.
    pub handshake: &'static str,
    /// Initial RTT (first SYN to first ACK), ns.
    pub irtt_ns: Option<i128>,
    /// `client`, `server` or `-`: who sent the first FIN or RST.
    pub closed_first: &'static str,
    /// `FIN 4-way`, `FIN 3-way`, `RST by client`, `RST by server`, `FIN by client only`,
    /// `FIN by server only` or `none`.
    pub teardown: &'static str,
    /// Client state at the end (`TIME_WAIT`, `ESTABLISHED (assumed)`, ...).
    pub client_state: String,
    /// Server state at the end.
    pub server_state: String,
    /// Zeek `conn_state`.
    pub conn_state: &'static str,
    /// Zeek `history`.
    pub history: String,
    /// Wireshark's `tcp.completeness` after the last segment.
    pub completeness: u8,
    /// Segments and TCP payload bytes client → server.
    pub c2s: (u64, u64),
    /// Segments and TCP payload bytes server → client.
    pub s2c: (u64, u64),
    /// Relative time of the first segment (since the capture's first frame), ns.
    pub start_ns: i128,
    /// Last segment minus first segment, ns.
    pub duration_ns: i128,
    /// A frame of it passed the display filter.
    pub selected: bool,
    /// Finished early because the live table was full.
    pub evicted: bool,
}

/// One state change (or a tagged retransmitted SYN / FIN): a line of `-z tcp,trace`.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEvent {
    /// `tcp.stream`.
    pub stream: u32,
    /// Frame number.
    pub frame: u32,
    /// Time since the capture's first frame, ns.
    pub time_ns: i128,
    /// `client` or `server`.
    pub endpoint: &'static str,
    /// State before.
    pub from: State,
    /// State after (equal to `from` for a tagged non-transition).
    pub to: State,
    /// The segment's flags (`SYN+ACK`, `FIN+ACK`).
    pub segment: String,
    /// What the observer applied (`rcv ACK of FIN`).
    pub event: &'static str,
    /// Tags: `retransmission`, `port numbers reused`, `assumed start`.
    pub tags: Vec<&'static str>,
}

/// Follows every TCP connection of a capture.
#[derive(Default)]
pub struct TcpConnections {
    active: HashMap<u32, Conn>,
    rows: Vec<ConnRow>,
    trace: Vec<TraceEvent>,
    half_open: HashMap<(IpAddr, u16), u32>,
    frames: u64,
    /// Rows not kept because [`MAX_REPORT_ROWS`] was reached.
    pub rows_dropped: u64,
    /// Trace lines not kept because [`MAX_TRACE_EVENTS`] was reached.
    pub trace_dropped: u64,
    /// Connections finished early because [`MAX_ACTIVE_CONNECTIONS`] was reached.
    pub evicted_early: u64,
    /// Servers not counted for half-open attempts ([`MAX_HALF_OPEN_SERVERS`]).
    pub half_open_untracked: u64,
    /// Keep the state changes (`-z tcp,trace`); without it they cost no memory.
    keep_trace: bool,
}

impl TcpConnections {
    /// Connection tracking for the reports; `keep_trace` when `-z tcp,trace` was asked for.
    pub fn new(keep_trace: bool) -> TcpConnections {
        TcpConnections {
            keep_trace,
            ..TcpConnections::default()
        }
    }
}

/// The facts of one segment.
struct Seg {
    flags: u16,
    seq: u32,
    ack: u32,
    len: u32,
    analysis: u32,
}

fn seq_ge(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) >= 0
}

/// `SYN+ACK`, `FIN+PSH+ACK`, `RST`: the flags of a segment.
pub fn segment_label(flags: u16) -> String {
    let names = [
        (SYN, "SYN"),
        (FIN, "FIN"),
        (RST, "RST"),
        (PSH, "PSH"),
        (ACK, "ACK"),
        (URG, "URG"),
    ];
    let v: Vec<&str> = names
        .iter()
        .filter(|(b, _)| flags & b != 0)
        .map(|(_, n)| *n)
        .collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join("+")
    }
}

impl TcpConnections {
    /// Feeds one frame (after the trackers ran); `selected` is whether it passed `-Y`.
    pub fn observe(&mut self, d: &Dissection<'_>, selected: bool) {
        self.frames += 1;
        let now = d.times.relative;
        if self.frames.is_multiple_of(SWEEP_EVERY_FRAMES) {
            self.sweep(now);
        }
        let (Some(g), Some(tcp)) = (&d.generated.tcp, d.tcp()) else {
            return;
        };
        if !tcp.has_fixed_header() || d.has(Proto::Icmp) || d.has(Proto::Icmpv6) {
            return;
        }
        let Some((src, dst)) = d.ip_endpoints() else {
            return;
        };
        let seg = Seg {
            flags: tcp.flags(),
            seq: tcp.seq(),
            ack: tcp.ack(),
            len: tcp.reported_len,
            analysis: g.analysis,
        };
        let from = (src, tcp.src_port());
        let to = (dst, tcp.dst_port());
        if !self.active.contains_key(&g.stream) {
            if self.active.len() >= MAX_ACTIVE_CONNECTIONS {
                self.evict_oldest();
            }
            let c = Conn::new(g.stream, from, to, &seg, now);
            self.active.insert(g.stream, c);
        }
        let Some(c) = self.active.get_mut(&g.stream) else {
            return;
        };
        c.selected |= selected;
        c.completeness = g.completeness_after;
        let x = usize::from(c.sides[1].addr == Some(from) && c.sides[0].addr != Some(from));
        let mut out = Vec::new();
        c.segment(x, &seg, d.number, now, &mut out);
        for e in out {
            if !self.keep_trace {
                break;
            }
            if self.trace.len() < MAX_TRACE_EVENTS {
                self.trace.push(e);
            } else {
                self.trace_dropped += 1;
            }
        }
    }

    fn finish(&mut self, c: Conn, evicted: bool) {
        let row = c.row(evicted);
        if row.handshake == "half-open" {
            let n = self.half_open.len();
            match self.half_open.get_mut(&row.server) {
                Some(v) => *v += 1,
                None if n < MAX_HALF_OPEN_SERVERS => {
                    self.half_open.insert(row.server, 1);
                }
                None => self.half_open_untracked += 1,
            }
        }
        if self.rows.len() < MAX_REPORT_ROWS {
            self.rows.push(row);
        } else {
            self.rows_dropped += 1;
        }
    }

    fn sweep(&mut self, now: i128) {
        let done: Vec<u32> = self
            .active
            .values()
            .filter(|c| {
                let idle = now - c.last;
                idle > IDLE_TIMEOUT_NS || (c.closed() && idle > CLOSED_LINGER_NS)
            })
            .map(|c| c.stream)
            .collect();
        for s in done {
            if let Some(c) = self.active.remove(&s) {
                self.finish(c, false);
            }
        }
    }

    fn evict_oldest(&mut self) {
        let oldest = self
            .active
            .values()
            .min_by_key(|c| (c.last, c.stream))
            .map(|c| c.stream);
        if let Some(c) = oldest.and_then(|s| self.active.remove(&s)) {
            self.evicted_early += 1;
            self.finish(c, true);
        }
    }

    /// Takes the rows of the connections finished so far (a streaming consumer's: the
    /// report then holds only the connections finished afterwards).
    pub fn take_finished(&mut self) -> Vec<ConnRow> {
        std::mem::take(&mut self.rows)
    }

    /// Finishes every live connection (end of capture) and returns the rows in stream order.
    pub fn into_report(mut self) -> TcpReport {
        let live: Vec<u32> = self.active.keys().copied().collect();
        for s in live {
            if let Some(c) = self.active.remove(&s) {
                self.finish(c, false);
            }
        }
        self.rows.sort_by_key(|r| r.stream);
        let mut flood: Vec<((IpAddr, u16), u32)> = self
            .half_open
            .iter()
            .filter(|(_, n)| **n >= SYN_FLOOD_THRESHOLD)
            .map(|(k, v)| (*k, *v))
            .collect();
        flood.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        TcpReport {
            rows: self.rows,
            trace: self.trace,
            syn_flood: flood,
            rows_dropped: self.rows_dropped,
            trace_dropped: self.trace_dropped,
            evicted_early: self.evicted_early,
            half_open_untracked: self.half_open_untracked,
        }
    }
}

/// Everything `-z tcp,states` and `-z tcp,trace` print.
#[derive(Debug, Clone)]
pub struct TcpReport {
    /// One row per connection, by stream index.
    pub rows: Vec<ConnRow>,
    /// State changes in frame order.
    pub trace: Vec<TraceEvent>,
    /// Servers with at least [`SYN_FLOOD_THRESHOLD`] half-open connections, and the count.
    pub syn_flood: Vec<((IpAddr, u16), u32)>,
    /// See [`TcpConnections::rows_dropped`].
    pub rows_dropped: u64,
    /// See [`TcpConnections::trace_dropped`].
    pub trace_dropped: u64,
    /// See [`TcpConnections::evicted_early`].
    pub evicted_early: u64,
    /// See [`TcpConnections::half_open_untracked`].
    pub half_open_untracked: u64,
}

impl Conn {
    fn new(stream: u32, from: (IpAddr, u16), to: (IpAddr, u16), seg: &Seg, now: i128) -> Conn {
        // Roles: the sender of a SYN without ACK is the client; the receiver of a SYN+ACK is;
        // otherwise the side with the higher port (servers listen on low, well-known ports).
        let (client, server, inferred, start) = if seg.flags & (SYN | ACK) == SYN {
            (from, to, false, (State::Closed, State::Listen))
        } else if seg.flags & (SYN | ACK) == SYN | ACK {
            (to, from, true, (State::SynSent, State::Listen))
        } else if from.1 >= to.1 {
            (from, to, true, (State::Established, State::Established))
        } else {
            (to, from, true, (State::Established, State::Established))
        };
        let mut sides = [Side::default(), Side::default()];
        sides[0].addr = Some(client);
        sides[1].addr = Some(server);
        if start.0 == State::SynSent {
            // The SYN was sent before the capture started.
            sides[0].isn = Some(seg.ack.wrapping_sub(1));
            sides[0].zeek = Zeek::SynSent;
        }
        Conn {
            stream,
            sides,
            ends: [Endpoint::assumed(start.0), Endpoint::assumed(start.1)],
            client_inferred: inferred,
            flipped: from != client,
            history: String::new(),
            syn_time: None,
            irtt: None,
            saw_syn: false,
            saw_synack: false,
            handshake_done: false,
            refused: false,
            first_close: None,
            first_rst: None,
            three_way_close: false,
            first: now,
            last: now,
            selected: false,
            reused: seg.analysis & analysis::REUSED_PORTS != 0,
            completeness: 0,
        }
    }

    fn closed(&self) -> bool {
        self.ends
            .iter()
            .all(|e| matches!(e.state, State::Closed | State::TimeWait | State::Listen))
            || self.first_rst.is_some()
    }

    /// Applies `ev` to `side` and records the change.
    fn emit(&mut self, side: usize, ev: Event, cx: &Ctx, out: &mut Vec<TraceEvent>) -> bool {
        let Some((from, to)) = self.ends[side].apply(ev) else {
            return false;
        };
        out.push(cx.event(self.stream, side, from, to, ev, &cx.tags));
        true
    }

    /// Processes one segment sent by side `x`.
    fn segment(&mut self, x: usize, seg: &Seg, frame: u32, now: i128, out: &mut Vec<TraceEvent>) {
        self.last = now;
        self.sides[x].pkts += 1;
        self.sides[x].bytes += u64::from(seg.len);
        self.history_letters(x, seg);
        self.zeek_states(x, seg);
        self.handshake_facts(x, seg, now);
        let mut cx = Ctx {
            frame,
            now,
            flags: seg.flags,
            tags: Vec::new(),
        };
        if self.reused {
            cx.tags.push("port numbers reused");
            self.reused = false;
        }
        self.deliver_pending(x, seg, &cx, out);
        if seg.flags & ACK != 0 {
            self.ack_proves_receipt(x, seg, &cx, out);
        }
        if seg.flags & SYN != 0 {
            self.send_syn(x, seg, &cx, out);
        }
        if seg.flags & FIN != 0 {
            self.send_fin(x, seg, &cx, out);
        }
        if seg.flags & ACK != 0 {
            self.peer_gets_ack(x, seg, &cx, out);
        }
        if seg.flags & RST != 0 {
            self.reset(x, &cx, out);
        }
    }

    /// Step a of [`Conn::segment`]: earlier SYN / FIN from `x` arrive at the peer first.
    fn deliver_pending(&mut self, x: usize, seg: &Seg, cx: &Ctx, out: &mut Vec<TraceEvent>) {
        let y = 1 - x;
        // a. In-order delivery: earlier SYN / FIN from x reach y before this segment (a
        //    SYN or FIN sent again is that same segment, not a later one).
        if self.sides[x].syn_pending && seg.flags & (SYN | ACK) != SYN {
            self.sides[x].syn_pending = false;
            self.prove_syn(y, cx, out);
        }
        if self.sides[x].fin_pending && seg.flags & FIN == 0 {
            self.sides[x].fin_pending = false;
            self.sides[y].got_fin = true;
            self.emit(y, Event::RcvFin, cx, out);
        }
    }

    /// Step b of [`Conn::segment`], for a segment with ACK: what `x` has received.
    fn ack_proves_receipt(&mut self, x: usize, seg: &Seg, cx: &Ctx, out: &mut Vec<TraceEvent>) {
        let y = 1 - x;
        // b. x's ACK proves it received y's SYN / FIN.
        let covers_syn = self.sides[y]
            .isn
            .is_some_and(|isn| seq_ge(seg.ack, isn.wrapping_add(1)));
        if covers_syn && !self.sides[x].got_syn && seg.flags & SYN == 0 {
            self.sides[y].syn_pending = false;
            self.prove_syn(x, cx, out);
        }
        let covers_fin = self.sides[y]
            .fin_seq
            .is_some_and(|fs| seq_ge(seg.ack, fs.wrapping_add(1)));
        if covers_fin && !self.sides[x].got_fin {
            self.sides[y].fin_pending = false;
            self.sides[x].got_fin = true;
            if seg.flags & FIN != 0 {
                self.three_way_close = true;
            }
            self.emit(x, Event::RcvFin, cx, out);
        }
    }

    /// Step c of [`Conn::segment`], for a segment with SYN: `x` sends a SYN or SYN+ACK.
    fn send_syn(&mut self, x: usize, seg: &Seg, cx: &Ctx, out: &mut Vec<TraceEvent>) {
        let y = 1 - x;
        // c. What x sends. A SYN or FIN sent again changes nothing and is tagged.
        let ev = if seg.flags & ACK != 0 {
            Event::SndSynAck
        } else {
            Event::SndSyn
        };
        let again = if ev == Event::SndSyn {
            std::mem::replace(&mut self.sides[x].sent_syn, true)
        } else {
            std::mem::replace(&mut self.sides[x].sent_synack, true)
        };
        self.sides[x].isn.get_or_insert(seg.seq);
        if ev == Event::SndSynAck {
            // Sending SYN+ACK proves the peer's SYN arrived.
            self.sides[x].got_syn = true;
            self.sides[y].syn_pending = false;
        }
        if !self.emit(x, ev, cx, out) && again {
            self.tagged(x, ev, cx, out);
        }
        self.sides[x].syn_pending = !self.sides[y].got_syn;
    }

    /// Step c of [`Conn::segment`], for a segment with FIN: `x` sends a FIN (tagged when
    /// sent again).
    fn send_fin(&mut self, x: usize, seg: &Seg, cx: &Ctx, out: &mut Vec<TraceEvent>) {
        let y = 1 - x;
        let again = self.sides[x].fin_seq.is_some();
        if !again {
            self.sides[x].fin_seq = Some(seg.seq.wrapping_add(seg.len));
            self.first_close.get_or_insert(x);
        }
        if !self.emit(x, Event::SndFin, cx, out) && again {
            self.tagged(x, Event::SndFin, cx, out);
        }
        self.sides[x].fin_pending = !self.sides[y].got_fin;
    }

    /// Step d of [`Conn::segment`], for a segment with ACK: the peer at once learns its SYN /
    /// FIN was acknowledged.
    fn peer_gets_ack(&mut self, x: usize, seg: &Seg, cx: &Ctx, out: &mut Vec<TraceEvent>) {
        let y = 1 - x;
        // d. What y receives at once: the ACK of its SYN / FIN, and a RST.
        let acks_syn = self.sides[y]
            .isn
            .is_some_and(|isn| seq_ge(seg.ack, isn.wrapping_add(1)));
        if acks_syn && !self.sides[y].syn_acked {
            self.sides[y].syn_acked = true;
            self.emit(y, Event::RcvAckOfSyn, cx, out);
        }
        let acks_fin = self.sides[y]
            .fin_seq
            .is_some_and(|fs| seq_ge(seg.ack, fs.wrapping_add(1)));
        if acks_fin && !self.sides[y].fin_acked {
            self.sides[y].fin_acked = true;
            self.emit(y, Event::RcvAckOfFin, cx, out);
        }
    }

    /// Step d of [`Conn::segment`], for a segment with RST: `x` resets and the peer receives
    /// the reset at once.
    fn reset(&mut self, x: usize, cx: &Ctx, out: &mut Vec<TraceEvent>) {
        self.first_rst.get_or_insert(x);
        self.first_close.get_or_insert(x);
        if !self.saw_synack && self.saw_syn && x == 1 {
            self.refused = true;
        }
        self.emit(x, Event::SndRst, cx, out);
        self.emit(1 - x, Event::RcvRst, cx, out);
    }

    /// Side `s` is proven to have received the peer's SYN.
    fn prove_syn(&mut self, s: usize, cx: &Ctx, out: &mut Vec<TraceEvent>) {
        if self.sides[s].got_syn {
            return;
        }
        self.sides[s].got_syn = true;
        let ev = if self.sides[s].syn_acked {
            Event::RcvSynAfterAck
        } else {
            Event::RcvSyn
        };
        self.emit(s, ev, cx, out);
    }

    /// A retransmitted SYN / SYN+ACK / FIN: a trace line without a state change.
    fn tagged(&self, side: usize, ev: Event, cx: &Ctx, out: &mut Vec<TraceEvent>) {
        let st = self.ends[side].state;
        let mut tags = cx.tags.clone();
        tags.push("retransmission");
        out.push(cx.event(self.stream, side, st, st, ev, &tags));
    }

    fn handshake_facts(&mut self, x: usize, seg: &Seg, now: i128) {
        if seg.flags & (SYN | ACK) == SYN {
            self.saw_syn = true;
            self.syn_time = Some(now);
        } else if seg.flags & (SYN | ACK) == SYN | ACK {
            self.saw_synack = true;
        } else if seg.flags & ACK != 0 && seg.flags & RST == 0 {
            if self.irtt.is_none() {
                self.irtt = self.syn_time.map(|t| now - t);
            }
            if x == 0 && self.saw_syn && self.saw_synack {
                self.handshake_done = true;
            }
        }
    }

    /// Zeek's history letters (upper case: originator).
    fn history_letters(&mut self, x: usize, seg: &Seg) {
        let orig = (x == 0) != self.flipped;
        let push = |h: &mut String, c: char| h.push(if orig { c.to_ascii_uppercase() } else { c });
        let side = &mut self.sides[x];
        let f = seg.flags;
        // Letters recorded at most once per direction: a d i q.
        let mut once = |h: &mut String, bit: u8, c: char| {
            if side.hist_once & bit == 0 {
                side.hist_once |= bit;
                push(h, c);
            }
        };
        let h = &mut self.history;
        if f & SYN != 0 && f & (FIN | RST) != 0 {
            once(h, 8, 'q');
        } else if f & FIN != 0 && f & RST != 0 {
            once(h, 4, 'i');
        }
        // f h r s: again only with a different sequence number.
        let by_seq = |h: &mut String, i: usize, c: char, side: &mut Side| {
            if side.last_flag_seq[i] != Some(seg.seq) {
                side.last_flag_seq[i] = Some(seg.seq);
                push(h, c);
            }
        };
        let side = &mut self.sides[x];
        if f & SYN != 0 {
            if f & ACK != 0 {
                by_seq(h, 1, 'h', side);
            } else {
                by_seq(h, 3, 's', side);
            }
        }
        if seg.len > 0 {
            if side.hist_once & 2 == 0 {
                side.hist_once |= 2;
                push(h, 'd');
            }
        } else if f & ACK != 0 && f & (SYN | FIN | RST) == 0 && side.hist_once & 1 == 0 {
            side.hist_once |= 1;
            push(h, 'a');
        }
        if f & FIN != 0 {
            by_seq(h, 0, 'f', side);
        }
        if f & RST != 0 {
            by_seq(h, 2, 'r', side);
        }
        // c g t w: logarithmic (1st, 10th, 100th, ...).
        let retrans = analysis::RETRANSMISSION
            | analysis::FAST_RETRANSMISSION
            | analysis::SPURIOUS_RETRANSMISSION;
        let log = |h: &mut String, n: &mut u64, c: char| {
            *n += 1;
            let mut t = 1;
            while t < *n {
                t *= 10;
            }
            if t == *n {
                push(h, c);
            }
        };
        if seg.len > 0 && seg.analysis & retrans != 0 {
            log(h, &mut side.retrans, 't');
        }
        if seg.analysis & analysis::LOST_SEGMENT != 0 {
            log(h, &mut side.gaps, 'g');
        }
        if seg.analysis & analysis::ZERO_WINDOW != 0 {
            log(h, &mut side.zero_windows, 'w');
        }
    }

    /// Zeek's endpoint state machine, reduced to what `conn_state` reads.
    fn zeek_states(&mut self, x: usize, seg: &Seg) {
        let y = 1 - x;
        let f = seg.flags;
        let me = self.sides[x].zeek;
        let next = if f & RST != 0 {
            Zeek::Reset
        } else if f & FIN != 0 {
            if me == Zeek::Reset { me } else { Zeek::Closed }
        } else if f & SYN != 0 {
            match (me, f & ACK != 0) {
                (Zeek::Inactive, false) => Zeek::SynSent,
                (Zeek::Inactive, true) => Zeek::SynAckSent,
                (s, _) => s,
            }
        } else {
            match me {
                Zeek::Inactive => Zeek::Partial,
                Zeek::SynSent | Zeek::SynAckSent if f & ACK != 0 => Zeek::Established,
                s => s,
            }
        };
        self.sides[x].zeek = next;
        // The handshake's last ACK establishes the SYN-ACK side as well.
        if next == Zeek::Established && self.sides[y].zeek == Zeek::SynAckSent {
            self.sides[y].zeek = Zeek::Established;
        }
    }

    fn conn_state(&self) -> &'static str {
        let (o, r) = if self.flipped { (1, 0) } else { (0, 1) };
        let os = self.sides[o].zeek;
        let rs = self.sides[r].zeek;
        let inactive = |s: Zeek| matches!(s, Zeek::Inactive | Zeek::Partial);
        let no_bytes = self.sides[o].bytes == 0 && self.sides[r].bytes == 0;
        if rs == Zeek::Reset {
            if matches!(os, Zeek::SynSent | Zeek::SynAckSent) || (os == Zeek::Reset && no_bytes) {
                "REJ"
            } else if inactive(os) {
                "RSTRH"
            } else {
                "RSTR"
            }
        } else if os == Zeek::Reset {
            if inactive(rs) {
                if rsto_s0(&self.history) {
                    "RSTOS0"
                } else {
                    "OTH"
                }
            } else {
                "RSTO"
            }
        } else if rs == Zeek::Closed && os == Zeek::Closed {
            "SF"
        } else if os == Zeek::Closed {
            if inactive(rs) { "SH" } else { "S2" }
        } else if rs == Zeek::Closed {
            if inactive(os) { "SHR" } else { "S3" }
        } else if os == Zeek::SynSent && rs == Zeek::Inactive {
            "S0"
        } else if os == Zeek::Established && rs == Zeek::Established {
            "S1"
        } else {
            "OTH"
        }
    }

    fn row(&self, evicted: bool) -> ConnRow {
        let handshake = if self.handshake_done {
            "complete"
        } else if self.refused {
            "refused"
        } else if self.saw_syn || self.saw_synack {
            "half-open"
        } else {
            "not seen"
        };
        let who = |s: usize| if s == 0 { "client" } else { "server" };
        let teardown = match (self.first_rst, self.sides[0].fin_seq, self.sides[1].fin_seq) {
            (Some(0), _, _) => "RST by client",
            (Some(_), _, _) => "RST by server",
            (None, Some(_), Some(_)) if self.three_way_close => "FIN 3-way",
            (None, Some(_), Some(_)) => "FIN 4-way",
            (None, Some(_), None) => "FIN by client only",
            (None, None, Some(_)) => "FIN by server only",
            (None, None, None) => "none",
        };
        let mut history = String::new();
        if self.flipped {
            history.push('^');
        }
        history.push_str(&self.history);
        ConnRow {
            stream: self.stream,
            client: self.sides[0].addr.unwrap_or((IpAddr::V4([0; 4]), 0)),
            server: self.sides[1].addr.unwrap_or((IpAddr::V4([0; 4]), 0)),
            client_inferred: self.client_inferred,
            handshake,
            irtt_ns: self.irtt,
            closed_first: self.first_close.map_or("-", who),
            teardown,
            client_state: self.ends[0].describe(),
            server_state: self.ends[1].describe(),
            conn_state: self.conn_state(),
            history,
            completeness: self.completeness,
            c2s: (self.sides[0].pkts, self.sides[0].bytes),
            s2c: (self.sides[1].pkts, self.sides[1].bytes),
            start_ns: self.first,
            duration_ns: self.last - self.first,
            selected: self.selected,
            evicted,
        }
    }
}

/// The frame a segment's state changes belong to.
struct Ctx {
    frame: u32,
    now: i128,
    /// The segment's flags; their label is written only when a transition is recorded.
    flags: u16,
    tags: Vec<&'static str>,
}

impl Ctx {
    fn event(
        &self,
        stream: u32,
        side: usize,
        from: State,
        to: State,
        ev: Event,
        tags: &[&'static str],
    ) -> TraceEvent {
        TraceEvent {
            stream,
            frame: self.frame,
            time_ns: self.now,
            endpoint: if side == 0 { "client" } else { "server" },
            from,
            to,
            segment: segment_label(self.flags),
            event: ev.label(),
            tags: tags.to_vec(),
        }
    }
}

/// Zeek's `/^\^?S[^HAFGIQ]*R.*/` on a history string (for RSTOS0).
fn rsto_s0(h: &str) -> bool {
    let h = h.strip_prefix('^').unwrap_or(h);
    let Some(rest) = h.strip_prefix('S') else {
        return false;
    };
    for c in rest.chars() {
        if c == 'R' {
            return true;
        }
        if "HAFGIQ".contains(c) {
            return false;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(segment_label(SYN | ACK), "SYN+ACK");
        assert_eq!(segment_label(FIN | PSH | ACK), "FIN+PSH+ACK");
        assert_eq!(segment_label(0), "none");
    }

    #[test]
    fn rstos0_pattern() {
        assert!(rsto_s0("SR"));
        assert!(rsto_s0("^SdR"));
        assert!(!rsto_s0("SAR"));
        assert!(!rsto_s0("R"));
    }
}
