//! The summary columns (Source, Destination, Protocol, Info) of a frame, computed from its
//! layers the way tshark fills them: lower layers first, each higher layer overwriting what it
//! knows better. The columns are also fields (`_ws.col.Info`, ...), so `-T fields` and the
//! filter can use them.

use crate::dissect::{
    Dissection, Layer, Problem, Proto, StubNote, View, arp, dhcp, dns, http, icmp, icmpv6, igmp,
    ipv4, ntp, ssh, tcp, tftp, udp,
};
use crate::fields::value::{write_ipv4, write_ipv6, write_mac};
use crate::fields::{Emit, FieldDef, FieldType, Needs, Value};

/// Reusable buffers for one frame's columns (cleared, not reallocated, per frame).
#[derive(Debug, Default, Clone)]
pub struct Columns {
    /// Protocol column (read it through [`Columns::protocol_text`]: an undecoded EtherType
    /// is written into `ethertype_hex` instead).
    pub protocol: &'static str,
    /// tshark's `0x3030` Protocol column of an Ethernet II payload no dissector decodes.
    ethertype_hex: Option<[u8; 6]>,
    /// Source column (UTF-8: written as bytes, since the address writers make ASCII).
    pub src: Vec<u8>,
    /// Destination column (UTF-8, as `src`).
    pub dst: Vec<u8>,
    /// Info column.
    pub info: String,
    /// Link-layer addresses waiting to be written into `src`/`dst`: most frames carry IP,
    /// whose addresses replace them, so they are resolved and written only at the end.
    macs: Option<MacPair>,
    /// Where a vendor-resolved MAC address is written before it is copied to its column.
    resolved: String,
}

/// Source and destination link-layer addresses (either may be missing: SLL has no
/// destination).
type MacPair = (Option<[u8; 6]>, Option<[u8; 6]>);

/// How addresses are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolve {
    /// MAC addresses with vendor names (`VMware_aa:bb:01`).
    pub mac: bool,
}

impl Columns {
    /// Fills the columns for `d`.
    pub fn fill(&mut self, d: &Dissection<'_>, resolve: Resolve) {
        self.protocol = "";
        self.ethertype_hex = None;
        self.src.clear();
        self.dst.clear();
        self.info.clear();
        let mut addresses_fixed = false;
        self.macs = None;
        for layer in d.layers.iter() {
            if !self.apply(layer, d, resolve, &mut addresses_fixed) {
                break;
            }
        }
        self.undecoded_ethertype(d);
        if let Some((src, dst)) = self.macs.take() {
            self.write_macs(src, dst, resolve);
        }
        if let Some(what) = d.expert.limit_hit {
            if !self.info.is_empty() && !self.info.ends_with(' ') {
                self.info.push(' ');
            }
            self.info.push_str("[Dissection limit reached: ");
            self.info.push_str(what);
            self.info.push(']');
        }
        match d.expert.problem {
            Some(Problem::CutBySnaplen { .. }) => {
                self.info.push_str("[Packet size limited during capture]")
            }
            Some(Problem::Malformed { .. }) => self.info.push_str("[Malformed Packet]"),
            None => {}
        }
    }

    /// The Protocol column as text.
    pub fn protocol_text(&self) -> &str {
        match &self.ethertype_hex {
            Some(hex) => std::str::from_utf8(hex).unwrap_or(self.protocol),
            None => self.protocol,
        }
    }

    /// An Ethernet II frame whose payload no dissector took: tshark's EtherType dissector
    /// names the type in hex (`0x3030`) and the Info column keeps Ethernet's `Ethernet II`.
    fn undecoded_ethertype(&mut self, d: &Dissection<'_>) {
        let [.., before, last] = d.layers.as_slice() else {
            return;
        };
        let View::Eth(e) = &before.view else {
            return;
        };
        if last.proto != Proto::Data || e.ethertype() < 0x0600 || !self.info.is_empty() {
            return;
        }
        let mut hex = *b"0x0000";
        for (i, shift) in [12, 8, 4, 0].into_iter().enumerate() {
            hex[2 + i] = crate::value::HEX_DIGITS[usize::from(e.ethertype() >> shift & 0xf)];
        }
        self.ethertype_hex = Some(hex);
        self.info.push_str("Ethernet II");
    }

    /// Applies one layer; false when the layers after it must not touch the columns (the
    /// packet quoted inside an ICMP error).
    fn apply(
        &mut self,
        layer: &Layer<'_>,
        d: &Dissection<'_>,
        resolve: Resolve,
        fixed: &mut bool,
    ) -> bool {
        match &layer.view {
            View::Frame | View::Eth(_) | View::Link(_) | View::Vlan(_) | View::Llc(_) => {
                self.link_layer(layer, d);
            }
            View::Stub(note) => {
                let name = layer.proto.column_name();
                if !name.is_empty() && layer.proto != Proto::Raw {
                    self.protocol = name;
                }
                write_stub_note(*note, &mut self.info);
            }
            View::Arp(a) => self.arp_layer(a, d),
            View::Ipv4(_) | View::Ipv6(_) | View::Ipv6Ext(_) => {
                self.network_layer(layer, fixed);
            }
            View::Icmp(m) => {
                let ttl = d.layers.iter().find_map(|l| match &l.view {
                    View::Ipv4(ip) => Some(ip.ttl()),
                    _ => None,
                });
                let req = d.generated.echo.and_then(|e| e.request_in);
                self.replace_info("ICMP", |info| icmp::info(m, ttl, req, info));
                return !m.is_error();
            }
            View::Icmpv6(m) => {
                let hlim = d.layers.iter().find_map(|l| match &l.view {
                    View::Ipv6(ip) => Some(ip.hlim()),
                    _ => None,
                });
                let req = d.generated.echo.and_then(|e| e.request_in);
                self.replace_info("ICMPv6", |info| icmpv6::info(m, hlim, req, info));
                return !matches!(m.kind(), 1..=4);
            }
            View::Http(h) => self.http_layer(h, layer, d),
            _ => self.upper_layer(layer, d, resolve),
        }
        true
    }

    /// Sets the Protocol column and replaces the Info column with what `write` writes.
    #[inline]
    fn replace_info(&mut self, protocol: &'static str, write: impl FnOnce(&mut String)) {
        self.protocol = protocol;
        self.info.clear();
        write(&mut self.info);
    }

    /// The frame and link layers: their names, and the MAC addresses until IP replaces them.
    fn link_layer(&mut self, layer: &Layer<'_>, d: &Dissection<'_>) {
        match &layer.view {
            View::Frame if d.frame.link_type.is_custom_block() => {
                self.protocol = "PCAPNG";
                let pen = d.frame.link_type.custom_block_pen(d.frame.data);
                custom_block_info(pen.unwrap_or(0), &mut self.info);
            }
            View::Eth(e) => {
                self.protocol = "Ethernet";
                self.set_macs(Some(e.src()), Some(e.dst()));
            }
            View::Link(l) => {
                self.protocol = if layer.proto == Proto::Null {
                    "NULL"
                } else {
                    "SLL"
                };
                self.set_macs(l.src_mac(), None);
            }
            View::Vlan(_) => self.protocol = "802.1Q",
            View::Llc(_) => self.protocol = "LLC",
            _ => {}
        }
    }

    /// ARP: its Info, and the duplicate-address note of the ARP tracker.
    fn arp_layer(&mut self, a: &arp::Arp<'_>, d: &Dissection<'_>) {
        self.replace_info(arp::column_name(a), |info| {
            arp::info(a, info);
            if let Some(ip) = d.generated.arp.and_then(|dups| dups.info) {
                info.push_str(" (duplicate use of ");
                write_ipv4(info, &ip);
                info.push_str(" detected!)");
            }
        });
    }

    /// The IP layers: the first IP header fixes Source and Destination (`fixed`).
    fn network_layer(&mut self, layer: &Layer<'_>, fixed: &mut bool) {
        match &layer.view {
            View::Ipv4(ip) if !*fixed => {
                *fixed = true;
                self.protocol = "IPv4";
                self.macs = None;
                self.src.clear();
                self.dst.clear();
                write_ipv4(&mut self.src, &ip.src());
                write_ipv4(&mut self.dst, &ip.dst());
                if ip.dissected_as_fragment(layer.bytes.len()) {
                    self.info.clear();
                    ipv4::fragment_info(ip, &mut self.info);
                }
            }
            View::Ipv6(ip) if !*fixed => {
                *fixed = true;
                self.protocol = "IPv6";
                self.macs = None;
                self.src.clear();
                self.dst.clear();
                write_ipv6(&mut self.src, &ip.src());
                write_ipv6(&mut self.dst, &ip.dst());
            }
            View::Ipv6Ext(e)
                if layer.proto == Proto::Ipv6Frag && (e.frag_offset() != 0 || e.more()) =>
            {
                use std::fmt::Write as _;
                self.info.clear();
                let _ = write!(
                    self.info,
                    "IPv6 fragment (off={} more={} ident=0x{:08x} nxt={})",
                    e.frag_offset() as u32 * 8,
                    if e.more() { 'y' } else { 'n' },
                    e.ident(),
                    e.nxt()
                );
            }
            _ => {}
        }
    }

    /// TCP, UDP and the application layers other than HTTP.
    fn upper_layer(&mut self, layer: &Layer<'_>, d: &Dissection<'_>, resolve: Resolve) {
        match &layer.view {
            View::Tcp(t) => self.replace_info("TCP", |info| {
                if let Some(g) = &d.generated.tcp {
                    g.write_info_prefix(info);
                }
                tcp::info(t, d, info);
                crate::dissect::generated::write_tcp_info(d, info);
            }),
            View::Udp(u) => self.replace_info("UDP", |info| udp::info(u, info)),
            View::Tftp(t) => {
                let blksize = d
                    .generated
                    .tftp
                    .as_ref()
                    .map_or(tftp::DEFAULT_BLKSIZE, |g| g.blksize);
                self.replace_info("TFTP", |info| tftp::info(t, blksize, info));
            }
            View::Ssh(m) => {
                self.protocol =
                    ssh::columns(m, d.generated.ssh.unwrap_or_default(), &mut self.info);
            }
            View::Ntp(m) => self.replace_info("NTP", |info| ntp::info(m, info)),
            View::Dhcp(m) => {
                self.replace_info(dhcp::protocol(m), |info| dhcp::info(m, resolve.mac, info));
            }
            View::Igmp(m) => self.replace_info(igmp::protocol(m), |info| igmp::info(m, info)),
            View::Dns(m) => {
                let protocol = if m.is_mdns() { "MDNS" } else { "DNS" };
                self.replace_info(protocol, |info| dns::info(m, info));
            }
            _ => {}
        }
    }

    /// HTTP: the messages of this segment, or the message it completes, or a continuation.
    fn http_layer(&mut self, h: &http::Http<'_>, layer: &Layer<'_>, d: &Dissection<'_>) {
        if h.kind() == http::HttpKind::Messages {
            self.protocol = http::protocol(h, layer.proto);
            // A segment that completes one message and starts the next shows both.
            let first = d.layers.iter().find(|l| matches!(l.view, View::Http(_)));
            if first.is_some_and(|l| l.offset == layer.offset) {
                self.info.clear();
            }
            http::info(h, &mut self.info);
        } else if let Some(m) = crate::dissect::generated::completed_message(d) {
            self.replace_info(m.protocol(), |info| m.write_info(info));
        } else if d.generated.pdu.as_ref().is_some_and(|p| p.continuation) {
            self.replace_info("HTTP", |info| info.push_str("Continuation"));
        }
    }

    fn set_macs(&mut self, src: Option<[u8; 6]>, dst: Option<[u8; 6]>) {
        self.src.clear();
        self.dst.clear();
        self.macs = Some((src, dst));
    }

    fn write_macs(&mut self, src: Option<[u8; 6]>, dst: Option<[u8; 6]>, resolve: Resolve) {
        self.src.clear();
        self.dst.clear();
        let resolved = &mut self.resolved;
        let mut write = |out: &mut Vec<u8>, mac: [u8; 6]| {
            if resolve.mac {
                resolved.clear();
                crate::resolve::write_resolved_mac(resolved, mac);
                out.extend_from_slice(resolved.as_bytes());
            } else {
                write_mac(out, &mac);
            }
        };
        if let Some(m) = src {
            write(&mut self.src, m);
        }
        if let Some(m) = dst {
            write(&mut self.dst, m);
        }
    }
}

fn write_stub_note(note: StubNote, out: &mut String) {
    use std::fmt::Write as _;
    match note {
        StubNote::None => {}
        StubNote::BogusIpHeaderLength(n) => {
            out.clear();
            let _ = write!(out, "Bogus IP header length ({n}, must be at least 20)");
        }
        StubNote::ShortIpv6Header(n) => {
            out.clear();
            let _ = write!(out, "Invalid IPv6 header ({n} bytes, need exactly 40)");
        }
    }
}

fn custom_block_info(pen: u32, out: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(out, "Custom Block: PEN = {pen}");
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Columns> = std::cell::RefCell::new(Columns::default());
}

fn with_columns<'a>(d: &Dissection<'a>, emit: &mut Emit<'_>, pick: fn(&Columns) -> &[u8]) {
    SCRATCH.with(|c| {
        let mut c = c.borrow_mut();
        c.fill(d, Resolve { mac: true });
        emit(Value::Str(pick(&c)));
    });
}

fn col_protocol<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    with_columns(d, emit, |c| c.protocol_text().as_bytes());
}
fn col_info<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    with_columns(d, emit, |c| c.info.as_bytes());
}
fn col_src<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    with_columns(d, emit, |c| &c.src);
}
fn col_dst<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    with_columns(d, emit, |c| &c.dst);
}

const COLUMNS: Needs = Needs::ALL;

/// The `_ws.col.*` fields.
pub static FIELDS: &[FieldDef] = &[
    FieldDef::new(
        "_ws.col.Protocol",
        "Protocol",
        FieldType::Str,
        Proto::Frame,
        col_protocol,
    )
    .generated(COLUMNS),
    FieldDef::new(
        "_ws.col.Info",
        "Info",
        FieldType::Str,
        Proto::Frame,
        col_info,
    )
    .generated(COLUMNS),
    FieldDef::new(
        "_ws.col.Source",
        "Source",
        FieldType::Str,
        Proto::Frame,
        col_src,
    )
    .generated(COLUMNS),
    FieldDef::new(
        "_ws.col.Destination",
        "Destination",
        FieldType::Str,
        Proto::Frame,
        col_dst,
    )
    .generated(COLUMNS),
];
