//! What the trackers add to a frame: the generated values (`[brackets]` in the tree) of the
//! TCP analysis, TFTP transfers, echo matching, UDP streams, messages spanning TCP segments
//! and SSH state. The engine's trackers (`crate::track`) fill a frame's [`Generated`] in
//! frame order; the dissectors, the registry and the columns only read it. Keeping the types
//! here lets the dissectors depend on nothing above them.

use std::sync::Arc;

use super::Dissection;
use super::http::{self, BodyKind};

/// Per-frame values the trackers compute (generated fields, `[brackets]` in the tree).
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// TCP analysis of the outermost TCP layer, when TCP tracking runs.
    pub tcp: Option<TcpFrameInfo>,
    /// TFTP conversation facts for this frame, when TFTP tracking runs.
    pub tftp: Option<TftpFrameInfo>,
    /// The frame that answers or is answered by this ICMP/ICMPv6 echo.
    pub echo: Option<EchoLink>,
    /// UDP conversation index of the outermost UDP layer (`udp.stream`).
    pub udp_stream: Option<u32>,
    /// The segment is part of, or completes, a message spanning TCP segments.
    pub pdu: Option<PduFrameInfo>,
    /// The SSH conversation state the frame starts in.
    pub ssh: Option<super::ssh::State>,
    /// IP addresses this ARP message claims for a MAC other than the one that claimed them
    /// before (`arp.duplicate-address-frame`).
    pub arp: Option<ArpDuplicates>,
}

/// An IPv4 address an ARP message binds to a MAC other than the one an earlier frame bound
/// it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArpDuplicate {
    /// The address.
    pub ip: [u8; 4],
    /// The MAC the earlier frame bound it to.
    pub earlier_mac: [u8; 6],
    /// The earlier frame (the last one that bound the address to that MAC).
    pub earlier_frame: u32,
    /// Whole seconds since that frame.
    pub seconds_since: u32,
}

/// What ARP duplicate-address detection found in one message: the sender's binding, then
/// the target's (a reply's), each checked against the bindings seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ArpDuplicates {
    /// Found for the sender's address, then for the target's.
    pub found: [Option<ArpDuplicate>; 2],
    /// The address the Info column names (`(duplicate use of X detected!)`): tshark's flag is
    /// set by the last check made, so a target check that finds nothing clears it.
    pub info: Option<[u8; 4]>,
}

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
    /// Byte offset of the TCP layer analysed (the frame's first): the generated fields
    /// belong to that layer alone, and checking its offset is cheaper than finding it.
    pub layer_offset: usize,
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
    /// Completeness including this segment (what `tshark -2` shows at the stream's end).
    pub completeness_after: u8,
    /// Time since the stream's first segment, ns (`tcp.time_relative`); None where TShark
    /// stops before printing it (a header length under 20).
    pub time_relative_ns: Option<i128>,
    /// Time since the stream's previous segment, ns (`tcp.time_delta`).
    pub time_delta_ns: Option<i128>,
    /// Wireshark would show a SEQ/ACK analysis subtree with content (flags, an ACKed frame or
    /// bytes in flight); the iRTT is printed only then.
    pub has_analysis: bool,
}

impl TcpFrameInfo {
    /// Writes tshark's Info prefixes (`[TCP Retransmission] `, `[TCP Dup ACK 7#1] `, ...).
    pub fn write_info_prefix(&self, out: &mut String) {
        use analysis as a;
        use std::fmt::Write as _;
        // tshark prepends each label in its check order (retransmission first, port reuse
        // last), so they read in the reverse of that order; writing them reversed gives the
        // same text without building a list. `None` stands for the Dup ACK label, which
        // carries numbers.
        const REVERSED_CHECK_ORDER: [(u32, Option<&str>); 15] = [
            (a::REUSED_PORTS, Some("[TCP Port numbers reused] ")),
            (a::OUT_OF_ORDER, Some("[TCP Out-Of-Order] ")),
            (
                a::SPURIOUS_RETRANSMISSION,
                Some("[TCP Spurious Retransmission] "),
            ),
            (a::FAST_RETRANSMISSION, Some("[TCP Fast Retransmission] ")),
            (a::ZERO_WINDOW_PROBE_ACK, Some("[TCP ZeroWindowProbeAck] ")),
            (a::ZERO_WINDOW, Some("[TCP ZeroWindow] ")),
            (a::ZERO_WINDOW_PROBE, Some("[TCP ZeroWindowProbe] ")),
            (a::DUPLICATE_ACK, None),
            (a::KEEP_ALIVE_ACK, Some("[TCP Keep-Alive ACK] ")),
            (a::WINDOW_FULL, Some("[TCP Window Full] ")),
            (a::WINDOW_UPDATE, Some("[TCP Window Update] ")),
            (a::KEEP_ALIVE, Some("[TCP Keep-Alive] ")),
            (a::ACK_LOST_SEGMENT, Some("[TCP ACKed unseen segment] ")),
            (
                a::LOST_SEGMENT,
                Some("[TCP Previous segment not captured] "),
            ),
            (a::RETRANSMISSION, Some("[TCP Retransmission] ")),
        ];
        for (bit, label) in REVERSED_CHECK_ORDER {
            if self.analysis & bit == 0 {
                continue;
            }
            match label {
                Some(text) => out.push_str(text),
                None => {
                    let _ = write!(
                        out,
                        "[TCP Dup ACK {}#{}] ",
                        self.dup_ack_frame, self.dup_ack_num
                    );
                }
            }
        }
    }
}

/// What a TFTP frame inherits from the request that opened its transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TftpFrameInfo {
    /// Frame of the RRQ/WRQ.
    pub request_frame: u32,
    /// File named in the request.
    pub file: Arc<[u8]>,
    /// True for a read (RRQ), false for a write.
    pub is_read: bool,
    /// Block size negotiated (512 unless an OACK said otherwise).
    pub blksize: u16,
}

/// The link between an echo request and its reply.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EchoLink {
    /// On a reply: the request's frame.
    pub request_in: Option<u32>,
    /// On a request: the reply's frame (only known in a second pass; single pass leaves it).
    pub response_in: Option<u32>,
    /// On a reply: time since the request, in nanoseconds.
    pub response_time_ns: Option<i128>,
}

/// The Info text tshark appends to a segment whose PDU ends in a later segment.
pub const SEGMENT_SUFFIX: &str = " [TCP segment of a reassembled PDU]";

/// A message completed by a segment after the one it started in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    line: Box<[u8]>,
    headers: Box<[u8]>,
    /// Body bytes were seen.
    body: bool,
}

impl Message {
    /// A message with its start line, framing headers, and whether body bytes were seen.
    pub fn new(line: Box<[u8]>, headers: Box<[u8]>, body: bool) -> Message {
        Message {
            line,
            headers,
            body,
        }
    }
    /// The start line (cut at the PDU tracker's `MAX_KEPT_LINE`).
    pub fn line(&self) -> &[u8] {
        &self.line
    }
    /// The framing headers, as header lines.
    pub fn headers(&self) -> &[u8] {
        &self.headers
    }
    /// The body dissector, when there is a body.
    pub fn body_kind(&self) -> Option<BodyKind> {
        let media = http::header_in(&self.headers, "content-type").and_then(http::media_type);
        self.body.then(|| http::body_kind(media.as_deref()))
    }
    /// The Protocol column.
    pub fn protocol(&self) -> &'static str {
        match self.body_kind() {
            Some(BodyKind::Json) => "HTTP/JSON",
            Some(BodyKind::Xml) => "HTTP/XML",
            _ => "HTTP",
        }
    }
    /// Writes the Info column: the start line, and the body's note.
    pub fn write_info(&self, out: &mut String) {
        http::write_line(out, &self.line);
        if let Some(kind) = self.body_kind() {
            let media = http::header_in(&self.headers, "content-type").and_then(http::media_type);
            http::write_body_suffix(out, kind, media.as_deref().unwrap_or(""));
        }
    }
}

/// What the tracker says about one segment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PduFrameInfo {
    /// The segment carries part of a message that ends in a later segment.
    pub segment: bool,
    /// The start line HTTP had read when it asked for more data; it replaces the TCP Info.
    pub line: Option<Box<[u8]>>,
    /// The message this segment completes.
    pub completed: Option<Box<Message>>,
    /// Bytes in a conversation that carried HTTP, not part of any message: tshark's HTTP
    /// shows them as `Continuation`.
    pub continuation: bool,
    /// Bytes on an HTTP port or conversation that neither start a message nor belong to
    /// one: tshark's HTTP counts them as "Other HTTP Packets" in `-z http,tree`, shown or not.
    pub other: bool,
}

/// The message a frame completes, for the HTTP fields and columns.
pub fn completed_message<'d>(d: &'d Dissection<'_>) -> Option<&'d Message> {
    d.generated.pdu.as_ref()?.completed.as_deref()
}

/// Rewrites the TCP Info of a segment that is part of a longer message: after the start line
/// HTTP had read, or after TCP's own text.
pub fn write_tcp_info(d: &Dissection<'_>, out: &mut String) {
    let Some(p) = d.generated.pdu.as_ref().filter(|p| p.segment) else {
        return;
    };
    if let Some(line) = &p.line {
        out.clear();
        http::write_line(out, line);
    }
    out.push_str(SEGMENT_SUFFIX);
}
