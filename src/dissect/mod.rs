//! Dissectors: walk the layers of one frame into a [`Dissection`].
//!
//! One file per protocol. Each file holds the protocol's wire offsets, a borrowed view with a
//! single length check after which no accessor can panic, its field-registry entries, and its
//! summary (Info column) and tree header text.
//!
//! Dissection never fails: a frame cut short or inconsistent yields every layer that could be
//! read, plus an [`Expert`] note, and the run goes on. Layers borrow from the frame bytes; the
//! layer list lives on the stack ([`MAX_LAYERS`]), so dissecting allocates nothing.

pub mod arp;
pub mod dhcp;
pub mod dns;
pub mod ethernet;
pub mod field;
pub mod generated;
pub mod http;
pub mod icmp;
pub mod icmpv6;
pub mod igmp;
pub mod ipv4;
pub mod ipv6;
pub mod link;
pub mod ntp;
pub mod proto;
pub mod ssh;
pub mod tcp;
pub mod teredo;
pub mod tftp;
pub mod udp;

use crate::capture::{Frame, LinkType};
use arrayvec::ArrayVec;
pub use generated::Generated;
pub use proto::Proto;

/// Most layers one frame may carry. The longest legitimate stack — Ethernet, a QinQ pair of
/// tags, IPv6 with its extension headers, ICMPv6 quoting IPv6 and its transport, data — is
/// about 16; 24 leaves room while keeping the on-stack table small (it is copied at most
/// once per frame). A frame that needs more stops there with a note, never out of bounds.
pub const MAX_LAYERS: usize = 24;

/// The decoded form of one layer: a borrowed view per protocol.
#[derive(Debug, Clone, Copy)]
pub enum View<'a> {
    /// The frame pseudo-layer.
    Frame,
    /// Ethernet header.
    Eth(ethernet::Ethernet<'a>),
    /// 802.1Q or 802.1ad tag.
    Vlan(ethernet::VlanTag<'a>),
    /// 802.2 LLC header of an 802.3 frame.
    Llc(ethernet::Llc<'a>),
    /// Linux cooked capture v1 or v2 header, or BSD null.
    Link(link::LinkHeader<'a>),
    /// ARP.
    Arp(arp::Arp<'a>),
    /// IPv4 header (with options).
    Ipv4(ipv4::Ipv4<'a>),
    /// IPv6 fixed header.
    Ipv6(ipv6::Ipv6<'a>),
    /// IPv6 extension header.
    Ipv6Ext(ipv6::ExtHeader<'a>),
    /// ICMP.
    Icmp(icmp::Icmp<'a>),
    /// ICMPv6.
    Icmpv6(icmpv6::Icmpv6<'a>),
    /// IGMP.
    Igmp(igmp::Igmp<'a>),
    /// TCP header.
    Tcp(tcp::Tcp<'a>),
    /// UDP header.
    Udp(udp::Udp<'a>),
    /// TFTP message.
    Tftp(tftp::Tftp<'a>),
    /// DNS or mDNS message.
    Dns(dns::Dns<'a>),
    /// HTTP or SSDP messages.
    Http(http::Http<'a>),
    /// SSH payload.
    Ssh(ssh::Ssh<'a>),
    /// NTP message.
    Ntp(ntp::Ntp<'a>),
    /// BOOTP / DHCP message.
    Dhcp(dhcp::Dhcp<'a>),
    /// Undissected bytes.
    Data(&'a [u8]),
    /// A layer that was started but could not be read (too short, or nonsense in its header).
    Stub(StubNote),
}

/// Why a layer is only a stub, when the summary has something to say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StubNote {
    /// Nothing beyond the problem already recorded.
    None,
    /// An IPv4 header length below 20 bytes (tshark: "Bogus IP header length").
    BogusIpHeaderLength(u8),
    /// An IPv6 header shorter than 40 bytes.
    ShortIpv6Header(usize),
}

/// One layer of a frame: its protocol, where it starts, and its view.
#[derive(Debug, Clone, Copy)]
pub struct Layer<'a> {
    /// Which protocol.
    pub proto: Proto,
    /// Byte offset of the layer in the frame.
    pub offset: usize,
    /// The bytes of this layer and everything it carries (the protocol's `FT_PROTOCOL` value).
    pub bytes: &'a [u8],
    /// The decoded view.
    pub view: View<'a>,
}

impl Layer<'_> {
    /// Where the datagram of an IPv4 or IPv6 layer ends in the frame, as its header says
    /// (`None` for other layers).
    pub fn ip_datagram_end(&self) -> Option<usize> {
        match &self.view {
            View::Ipv4(ip) => Some(self.offset + ip.datagram_len().max(ip.hdr_len())),
            View::Ipv6(ip) => Some(self.offset + ipv6::HEADER_LEN + ip.plen() as usize),
            _ => None,
        }
    }
}

/// What went wrong with a frame, as tshark's expert notes name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The frame was cut by the snapshot length before a layer ended
    /// (`[Packet size limited during capture]`).
    CutBySnaplen {
        /// Layer that could not be read whole.
        proto: Proto,
    },
    /// The bytes contradict the protocol (`[Malformed Packet]`).
    Malformed {
        /// Layer at fault.
        proto: Proto,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Expert notes on a frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct Expert {
    /// The first problem met; dissection stops at it, as tshark's exception does.
    pub problem: Option<Problem>,
    /// A per-frame limit was hit ([`MAX_LAYERS`], [`ethernet::MAX_VLAN_TAGS`],
    /// [`ipv6::MAX_EXT_HEADERS`]): what, naming the limit and its value. The tree, the Info
    /// column and `_ws.expert.message` show it; the rest of the frame is not dissected.
    pub limit_hit: Option<&'static str>,
}

/// [`Expert::limit_hit`] when a frame needs more than [`MAX_LAYERS`] layers.
pub const LIMIT_LAYERS: &str = "more than MAX_LAYERS (24) protocol layers";

/// Times of a frame relative to others.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameTimes {
    /// Since the first frame (ns).
    pub relative: i128,
    /// Since the previous captured frame (ns).
    pub delta: i128,
    /// Since the previous displayed frame (ns).
    pub delta_displayed: i128,
}

/// A dissected frame: the captured bytes, the layers read from them, notes, and generated
/// values. Borrows the frame's buffer.
#[derive(Debug, Clone)]
pub struct Dissection<'a> {
    /// 1-based frame number in the file.
    pub number: u32,
    /// The frame itself.
    pub frame: Frame<'a>,
    /// Relative times.
    pub times: FrameTimes,
    /// Layers, outermost first; the first is always [`Proto::Frame`].
    pub layers: ArrayVec<Layer<'a>, MAX_LAYERS>,
    /// Problems met.
    pub expert: Expert,
    /// Tracker output.
    pub generated: Generated,
    /// An IP layer is a fragment (IPv4 MF or offset, an IPv6 fragment header that is not
    /// atomic): the cheap test before reassembly looks closer.
    pub has_fragment: bool,
    /// An ARP message was dissected (the ARP tracker's fast test).
    pub has_arp: bool,
}

impl<'a> Dissection<'a> {
    /// An empty dissection (no frame bytes, no layers), to be filled by [`dissect_into`].
    pub fn blank() -> Dissection<'a> {
        Dissection {
            number: 0,
            frame: Frame {
                ts: crate::capture::Timestamp::NONE,
                orig_len: 0,
                link_type: LinkType(0),
                interface_id: None,
                interface_name: None,
                precision: crate::capture::TsPrecision::Micro,
                data: &[],
            },
            times: FrameTimes::default(),
            layers: ArrayVec::new(),
            expert: Expert::default(),
            generated: Generated::default(),
            has_fragment: false,
            has_arp: false,
        }
    }

    /// Layers of one protocol, outermost first.
    pub fn layers_of(&self, proto: Proto) -> impl Iterator<Item = &Layer<'a>> {
        self.layers.iter().filter(move |l| l.proto == proto)
    }

    /// The first layer of a protocol.
    pub fn first(&self, proto: Proto) -> Option<&Layer<'a>> {
        self.layers.iter().find(|l| l.proto == proto)
    }

    /// True when the frame carries this protocol.
    pub fn has(&self, proto: Proto) -> bool {
        self.layers.iter().any(|l| l.proto == proto)
    }

    /// The outermost TCP header, if any.
    pub fn tcp(&self) -> Option<&tcp::Tcp<'a>> {
        self.layers.iter().find_map(|l| match &l.view {
            View::Tcp(t) => Some(t),
            _ => None,
        })
    }

    /// The outermost UDP header, if any.
    pub fn udp(&self) -> Option<&udp::Udp<'a>> {
        self.layers.iter().find_map(|l| match &l.view {
            View::Udp(u) => Some(u),
            _ => None,
        })
    }

    /// Source and destination of the outermost IP layer (v4 or v6), for conversation keys.
    pub fn ip_endpoints(&self) -> Option<(IpAddr, IpAddr)> {
        self.layers.iter().find_map(|l| match &l.view {
            View::Ipv4(ip) => Some((IpAddr::V4(ip.src()), IpAddr::V4(ip.dst()))),
            View::Ipv6(ip) => Some((IpAddr::V6(ip.src()), IpAddr::V6(ip.dst()))),
            _ => None,
        })
    }

    /// Where the innermost IP header that starts before `offset` says its payload ends (an
    /// offset in the frame, possibly past the captured bytes); the frame's wire length when
    /// there is no such header. `tcp.len` and `udp` lengths are measured against it.
    pub fn ip_payload_end(&self, offset: usize) -> usize {
        self.layers
            .iter()
            .rev()
            .filter(|l| l.offset < offset)
            .find_map(Layer::ip_datagram_end)
            .unwrap_or(self.frame.orig_len as usize)
    }

    /// Index of the layer a problem stopped at, for `frame.protocols` and notes.
    pub fn cut_short(&self) -> bool {
        matches!(self.expert.problem, Some(Problem::CutBySnaplen { .. }))
    }
}

/// An IP address of either family, without allocation (kept as bytes so it hashes cheaply).
/// Ordered IPv4 first, then by value (as the bytes compare, without a `memcmp` call: flow
/// keys compare addresses on every frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpAddr {
    /// IPv4.
    V4([u8; 4]),
    /// IPv6.
    V6([u8; 16]),
}

impl IpAddr {
    /// Family, then the address as a number.
    fn order_key(&self) -> (u8, u128) {
        match self {
            IpAddr::V4(a) => (4, u32::from_be_bytes(*a) as u128),
            IpAddr::V6(a) => (6, u128::from_be_bytes(*a)),
        }
    }
}

impl Ord for IpAddr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order_key().cmp(&other.order_key())
    }
}

impl PartialOrd for IpAddr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for IpAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IpAddr::V4(a) => write!(f, "{}", std::net::Ipv4Addr::from(*a)),
            IpAddr::V6(a) => write!(f, "{}", std::net::Ipv6Addr::from(*a)),
        }
    }
}

/// How deep to dissect: the hot path stops as soon as nothing further is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Depth {
    /// Link layer only (Ethernet, VLAN, SLL).
    Link,
    /// Up to IP / ARP.
    Network,
    /// Every IP header, also those past the network layer (quoted in an ICMP error, IP in
    /// IP), but not TCP or UDP: what an `ip.*` or `ipv6.*` filter reads.
    Tunnel,
    /// Up to UDP / ICMP / IGMP, but not TCP: what a `udp.*` or `icmp.*` filter reads.
    Datagram,
    /// Up to TCP / UDP / ICMP.
    Transport,
    /// Everything, including TFTP.
    All,
}

impl Depth {
    /// True when IP fragments are reassembled at this depth: from [`Depth::Tunnel`] on,
    /// a reassembled datagram can hold more IP headers (a quoted or tunnelled one).
    pub fn reassembles(self) -> bool {
        self >= Depth::Tunnel
    }
}

/// Builder used by the dissectors while walking a frame.
pub struct Walker<'a, 't> {
    /// The dissection being filled (borrowed, so the 2 KiB layer table is never moved).
    pub d: &'t mut Dissection<'a>,
    /// How deep to go.
    pub depth: Depth,
    /// Hooks into trackers (which UDP flows are TFTP).
    pub tftp_ports: &'t dyn TftpLookup,
    /// The whole payload of the datagram this frame's fragment completed, if it did.
    pub reassembled: Option<&'a [u8]>,
    /// Where a reassembled payload ends (it replaces the IP header's idea of the end).
    pub reassembled_end: Option<usize>,
}

/// Lets the UDP dissector ask the TFTP tracker whether a datagram belongs to a transfer that a
/// request on port 69 opened.
pub trait TftpLookup {
    /// True when `src:sport -> dst:dport` belongs to a known TFTP conversation.
    fn is_tftp(&self, src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> bool;
}

/// A lookup that knows no conversations (port 69 only).
pub struct NoTftp;

impl TftpLookup for NoTftp {
    fn is_tftp(&self, _: IpAddr, _: u16, _: IpAddr, _: u16) -> bool {
        false
    }
}

impl<'a> Walker<'a, '_> {
    /// Where the innermost IP header says its payload ends (an offset in the frame), which
    /// may lie past the captured bytes; the frame's wire length when there is no IP header.
    pub fn reported_end(&self) -> usize {
        self.reassembled_end
            .unwrap_or_else(|| self.d.ip_payload_end(usize::MAX))
    }

    /// Adds a layer; false (and a note) when the layer table is full.
    pub fn push(&mut self, proto: Proto, offset: usize, bytes: &'a [u8], view: View<'a>) -> bool {
        if self.d.layers.is_full() {
            self.d.expert.limit_hit.get_or_insert(LIMIT_LAYERS);
            return false;
        }
        self.d.layers.push(Layer {
            proto,
            offset,
            bytes,
            view,
        });
        true
    }

    /// Records that `proto` could not be read whole: cut by the snaplen when the frame was
    /// captured short of its wire length, malformed otherwise.
    pub fn short(&mut self, proto: Proto, offset: usize, data: &'a [u8]) {
        self.stub(proto, offset, data, StubNote::None);
        let cut = (self.d.frame.data.len() as u64) < self.d.frame.orig_len as u64;
        let problem = if cut {
            Problem::CutBySnaplen { proto }
        } else {
            Problem::Malformed {
                proto,
                reason: "header runs past the end of the frame",
            }
        };
        self.d.expert.problem.get_or_insert(problem);
    }

    /// Records a malformed layer.
    pub fn malformed(&mut self, proto: Proto, offset: usize, data: &'a [u8], reason: &'static str) {
        self.stub(proto, offset, data, StubNote::None);
        self.d
            .expert
            .problem
            .get_or_insert(Problem::Malformed { proto, reason });
    }

    /// Makes sure a layer of `proto` at `offset` is listed, even though its header could not be
    /// read: tshark lists a protocol it started to dissect (`frame.protocols`, the Protocol
    /// column, the bare protocol filter) whether or not it finished.
    pub fn stub(&mut self, proto: Proto, offset: usize, data: &'a [u8], note: StubNote) {
        let listed = self
            .d
            .layers
            .last()
            .is_some_and(|l| l.proto == proto && l.offset == offset);
        if !listed {
            self.push(proto, offset, data, View::Stub(note));
        }
    }

    /// Continues into the payload of an IP fragment: the reassembled datagram when this frame
    /// completed one, else the fragment's own bytes as data.
    pub fn fragment_payload(&mut self, proto: u8, offset: usize, own: &'a [u8]) {
        match self.reassembled.take() {
            Some(whole) => {
                self.reassembled_end = Some(offset + whole.len());
                dispatch_ip_proto(self, proto, offset, whole);
            }
            None => self.data(offset, own),
        }
    }

    /// Adds the rest of the frame as undissected data (when non-empty).
    pub fn data(&mut self, offset: usize, bytes: &'a [u8]) {
        if !bytes.is_empty() {
            self.push(Proto::Data, offset, bytes, View::Data(bytes));
        }
    }
}

/// Dissects one frame. `number` is its 1-based frame number; `times` its relative times.
pub fn dissect<'a>(
    number: u32,
    frame: Frame<'a>,
    times: FrameTimes,
    depth: Depth,
    tftp_ports: &dyn TftpLookup,
) -> Dissection<'a> {
    let mut d = Dissection::blank();
    dissect_into(&mut d, number, frame, times, depth, tftp_ports, None);
    d
}

/// Dissects one frame into an existing dissection, which is overwritten; `reassembled`, when
/// the frame's IP fragment completed a datagram, is the whole datagram payload, dissected in
/// place of the fragment's own. Hot loops use this rather than [`dissect`]: returning a
/// [`Dissection`] copies its 2 KiB layer table.
pub fn dissect_into<'a>(
    d: &mut Dissection<'a>,
    number: u32,
    frame: Frame<'a>,
    times: FrameTimes,
    depth: Depth,
    tftp_ports: &dyn TftpLookup,
    reassembled: Option<&'a [u8]>,
) {
    d.number = number;
    d.frame = frame;
    // Every run (sequential or parallel) shows a Custom Block's length as tshark does.
    d.frame.orig_len = crate::capture::pcapng::shown_orig_len(frame.link_type, frame.orig_len);
    d.times = times;
    d.layers.clear();
    d.expert = Expert::default();
    d.generated = Generated::default();
    d.has_fragment = false;
    d.has_arp = false;
    d.layers.push(Layer {
        proto: Proto::Frame,
        offset: 0,
        bytes: frame.data,
        view: View::Frame,
    });
    let mut w = Walker {
        d,
        depth,
        tftp_ports,
        reassembled,
        reassembled_end: None,
    };
    let data = frame.data;
    match frame.link_type {
        LinkType::ETHERNET => ethernet::dissect(&mut w, 0, data),
        LinkType::LINUX_SLL => link::dissect_sll(&mut w, 0, data),
        LinkType::LINUX_SLL2 => link::dissect_sll2(&mut w, 0, data),
        LinkType::NULL => link::dissect_null(&mut w, 0, data),
        LinkType::RAW | LinkType::RAW_OPENBSD | LinkType::IPV4 | LinkType::IPV6 => {
            link::dissect_raw(&mut w, 0, data)
        }
        _ => w.data(0, data),
    }
}

/// Dispatches on an EtherType (shared by Ethernet, VLAN, SLL).
pub fn dispatch_ethertype<'a>(
    w: &mut Walker<'a, '_>,
    ethertype: u16,
    offset: usize,
    data: &'a [u8],
) {
    if w.depth < Depth::Network && !matches!(ethertype, 0x8100 | 0x88a8 | 0x9100) {
        return;
    }
    match ethertype {
        0x0800 => ipv4::dissect(w, offset, data),
        0x86dd => ipv6::dissect(w, offset, data),
        // RARP (0x8035) uses the ARP format; tshark dissects it as arp.
        0x0806 | 0x8035 => arp::dissect(w, offset, data),
        0x8100 | 0x88a8 | 0x9100 => ethernet::dissect_vlan(w, ethertype, offset, data),
        _ => w.data(offset, data),
    }
}

/// Dispatches on an IP protocol number (shared by IPv4, IPv6 and its extension headers).
/// `quoted` is true inside an ICMP error, where the transport header may be partial.
pub fn dispatch_ip_proto<'a>(w: &mut Walker<'a, '_>, proto: u8, offset: usize, data: &'a [u8]) {
    // Below `Transport` only what the depth asks for: at `Tunnel` what can lead to another
    // IP header, at `Datagram` everything but TCP.
    let wanted = match w.depth {
        Depth::Link | Depth::Network => false,
        Depth::Tunnel => matches!(proto, 1 | 58 | 4 | 41 | 0 | 43 | 44 | 60),
        Depth::Datagram => proto != 6,
        Depth::Transport | Depth::All => true,
    };
    if !wanted {
        return;
    }
    match proto {
        1 => icmp::dissect(w, offset, data),
        2 => igmp::dissect(w, offset, data),
        6 => tcp::dissect(w, offset, data),
        17 => udp::dissect(w, offset, data),
        58 => icmpv6::dissect(w, offset, data),
        0 | 43 | 44 | 60 => ipv6::dissect_ext(w, proto, offset, data),
        4 => ipv4::dissect(w, offset, data),
        41 => ipv6::dissect(w, offset, data),
        _ => w.data(offset, data),
    }
}

/// Reads a big-endian u16 at `at`; the caller has checked the length.
#[inline]
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(s) => u16::from_be_bytes([s[0], s[1]]),
        None => 0,
    }
}

/// Reads a big-endian u32 at `at`; the caller has checked the length.
#[inline]
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(s) => u32::from_be_bytes([s[0], s[1], s[2], s[3]]),
        None => 0,
    }
}

/// Reads a byte at `at`; 0 when out of range (callers check lengths first).
#[inline]
pub(crate) fn byte(b: &[u8], at: usize) -> u8 {
    b.get(at).copied().unwrap_or(0)
}

/// Copies `N` bytes at `at` into an array (zeros when out of range).
#[inline]
pub(crate) fn array<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(s) = b.get(at..at + N) {
        out.copy_from_slice(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::IpAddr;

    /// Ethernet, IPv4 to 10.0.0.9, an ICMP port-unreachable quoting the IPv4 header and
    /// 8 bytes of the TCP (`proto` 6) or UDP (17) header of a datagram from 10.0.0.9 to
    /// 10.0.0.7, port 12345 to 69.
    fn icmp_error_quoting(proto: u8) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(&[
            0x45, 0, 0, 56, 0, 1, 0, 0, 64, 1, 0, 0, 10, 0, 0, 7, 10, 0, 0, 9,
        ]);
        f.extend_from_slice(&[3, 3, 0, 0, 0, 0, 0, 0]);
        f.extend_from_slice(&[
            0x45, 0, 0, 36, 0, 2, 0, 0, 64, proto, 0, 0, 10, 0, 0, 9, 10, 0, 0, 7,
        ]);
        f.extend_from_slice(&[0x30, 0x39, 0, 69, 0, 16, 0, 1]);
        f
    }

    /// `bytes` (an Ethernet frame) dissected to `depth`.
    fn dissect_eth(bytes: &[u8], depth: super::Depth) -> super::Dissection<'_> {
        use crate::capture::{Frame, LinkType, Timestamp, TsPrecision};
        let frame = Frame {
            ts: Timestamp::NONE,
            orig_len: bytes.len() as u32,
            link_type: LinkType::ETHERNET,
            interface_id: None,
            interface_name: None,
            precision: TsPrecision::Micro,
            data: bytes,
        };
        super::dissect(
            1,
            frame,
            super::FrameTimes::default(),
            depth,
            &super::NoTftp,
        )
    }

    /// The protocols of `bytes` dissected to `depth`, after frame and eth.
    fn protos_at(bytes: &[u8], depth: super::Depth) -> Vec<super::Proto> {
        let d = dissect_eth(bytes, depth);
        d.layers.iter().skip(2).map(|l| l.proto).collect()
    }

    /// Whether `filter` matches `bytes` dissected to the depth the filter asks for.
    fn matches_at_its_depth(filter: &crate::filter::Filter, bytes: &[u8]) -> bool {
        filter.matches(&dissect_eth(bytes, filter.depth()))
    }

    #[test]
    fn shallow_depths_see_quoted_headers_but_not_tcp() {
        use super::{Depth, Proto};
        let (ip, icmp, tcp, udp) = (Proto::Ip, Proto::Icmp, Proto::Tcp, Proto::Udp);
        let (quoting_tcp, quoting_udp) = (icmp_error_quoting(6), icmp_error_quoting(17));
        assert_eq!(protos_at(&quoting_tcp, Depth::Network), [ip]);
        assert_eq!(protos_at(&quoting_tcp, Depth::Tunnel), [ip, icmp, ip]);
        assert_eq!(protos_at(&quoting_udp, Depth::Tunnel), [ip, icmp, ip]);
        // `Datagram` (what a udp or icmp filter asks for) sees the quoted UDP, not TCP.
        assert_eq!(protos_at(&quoting_tcp, Depth::Datagram), [ip, icmp, ip]);
        assert_eq!(
            protos_at(&quoting_udp, Depth::Datagram),
            [ip, icmp, ip, udp]
        );
        assert_eq!(
            protos_at(&quoting_tcp, Depth::Transport),
            [ip, icmp, ip, tcp]
        );
        // The filters of quoted fields ask for those depths, and match.
        let compile = |f| crate::filter::Filter::compile(f).expect("a valid filter");
        let quoted_ip = compile("ip.src == 10.0.0.9 && ip.dst == 10.0.0.9");
        assert_eq!(quoted_ip.depth(), Depth::Tunnel);
        assert!(matches_at_its_depth(&quoted_ip, &quoting_tcp));
        let quoted_udp = compile("udp.port == 69 && icmp");
        assert_eq!(quoted_udp.depth(), Depth::Datagram);
        assert!(matches_at_its_depth(&quoted_udp, &quoting_udp));
        assert!(!matches_at_its_depth(&quoted_udp, &quoting_tcp));
        assert_eq!(compile("tcp.port == 69").depth(), Depth::Transport);
    }

    #[test]
    fn ip_addresses_order_as_their_bytes_ipv4_first() {
        let mut addrs = vec![
            IpAddr::V6([0; 16]),
            IpAddr::V4([10, 0, 0, 2]),
            IpAddr::V4([9, 255, 255, 255]),
            IpAddr::V6([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
            IpAddr::V4([10, 0, 0, 1]),
        ];
        let mut by_bytes = addrs.clone();
        by_bytes.sort_by_key(|a| match a {
            IpAddr::V4(b) => (0, b.to_vec()),
            IpAddr::V6(b) => (1, b.to_vec()),
        });
        addrs.sort();
        assert_eq!(addrs, by_bytes);
        assert_eq!(addrs[0], IpAddr::V4([9, 255, 255, 255]));
    }
}
