//! UDP conversation numbering: `udp.stream`, as TShark numbers UDP conversations (0-based,
//! in order of first appearance, both directions of an address/port pair sharing one index).
//!
//! A UDP header quoted inside an ICMP error belongs to the conversation of its own addresses
//! (TShark shows `udp.stream` there too). The table is bounded by [`MAX_UDP_STREAMS`].

use crate::dissect::{Dissection, IpAddr, Proto, View};
use crate::track::FlowKey;
use crate::track::HashMap;

/// Most UDP conversations remembered. A key and index take about 50 bytes, so 1 M entries
/// stay under 100 MiB; a DNS-heavy capture has tens of thousands. When full, the least
/// recently seen half is forgotten (a forgotten pair gets a new index when it comes back) and
/// the count of forgotten conversations is kept in [`UdpTracker::evicted`].
pub const MAX_UDP_STREAMS: usize = 1_000_000;

/// A conversation quiet this long is forgotten (Zeek's `udp_inactivity_timeout`): memory
/// then follows the conversations alive at one time, not every DNS query ever seen. A pair
/// that speaks again after that gets a new index where tshark, which forgets nothing, would
/// reuse the old one.
pub const UDP_IDLE_NS: i128 = 60 * 1_000_000_000;
/// Datagrams between two sweeps of idle conversations.
pub const UDP_SWEEP_EVERY: u32 = 16_384;

/// Numbers UDP conversations.
#[derive(Default)]
pub struct UdpTracker {
    /// Index, last frame, last time (ns).
    streams: HashMap<FlowKey, (u32, u32, i128)>,
    next_index: u32,
    datagrams: u32,
    /// Conversations forgotten because the table was full.
    pub evicted: u64,
    /// Conversations forgotten after [`UDP_IDLE_NS`] of silence.
    pub expired: u64,
}

impl UdpTracker {
    /// Records the frame's outermost UDP layer and sets `d.generated.udp_stream`.
    pub fn observe(&mut self, d: &mut Dissection<'_>) {
        let Some((key, _)) = udp_key(d) else { return };
        // TShark stops before the conversation lookup when the 8-byte header was not captured
        // whole or its length field is under 8.
        if d.udp().and_then(|u| u.length()).is_none_or(|l| l < 8) {
            return;
        }
        let frame = d.number;
        let now = d.frame.ts.as_nanos();
        self.datagrams = self.datagrams.wrapping_add(1);
        if self.datagrams.is_multiple_of(UDP_SWEEP_EVERY) && !d.frame.ts.is_none() {
            let before = self.streams.len();
            self.streams.retain(|_, v| now - v.2 < UDP_IDLE_NS);
            self.expired += (before - self.streams.len()) as u64;
        }
        if !self.streams.contains_key(&key) && self.streams.len() >= MAX_UDP_STREAMS {
            let mut seen: Vec<u32> = self.streams.values().map(|v| v.1).collect();
            seen.sort_unstable();
            let cutoff = seen[seen.len() / 2];
            let before = self.streams.len();
            self.streams.retain(|_, v| v.1 > cutoff);
            self.evicted += (before - self.streams.len()) as u64;
        }
        let next = &mut self.next_index;
        let entry = self.streams.entry(key).or_insert_with(|| {
            let i = *next;
            *next = next.wrapping_add(1);
            (i, frame, now)
        });
        entry.1 = frame;
        entry.2 = now;
        d.generated.udp_stream = Some(entry.0);
    }

    /// Number of UDP conversations seen so far.
    pub fn streams_seen(&self) -> u32 {
        self.next_index
    }
}

/// The conversation key of the frame's outermost UDP layer (with the IP header right before
/// it), and whether the datagram goes from the key's `a` side to its `b` side.
pub fn udp_key(d: &Dissection<'_>) -> Option<(FlowKey, bool)> {
    let (i, udp) = d
        .layers
        .iter()
        .enumerate()
        .find_map(|(i, l)| match &l.view {
            View::Udp(u) if l.proto == Proto::Udp => Some((i, *u)),
            _ => None,
        })?;
    let (src, dst) = ip_before(d, i)?;
    Some(FlowKey::new(src, udp.src_port(), dst, udp.dst_port()))
}

/// Source and destination of the innermost IP header before layer `i`.
pub fn ip_before(d: &Dissection<'_>, i: usize) -> Option<(IpAddr, IpAddr)> {
    d.layers[..i].iter().rev().find_map(|l| match &l.view {
        View::Ipv4(ip) => Some((IpAddr::V4(ip.src()), IpAddr::V4(ip.dst()))),
        View::Ipv6(ip) => Some((IpAddr::V6(ip.src()), IpAddr::V6(ip.dst()))),
        _ => None,
    })
}
