//! Ethernet II / IEEE 802.3 (with 802.2 LLC and SNAP), 802.1Q VLAN tags and 802.1ad QinQ.
//!
//! IEEE 802.3-2018 §3.2; IEEE 802.1Q-2018 §9.6. An EtherType field of 1500 or less is an
//! 802.3 length and an LLC header follows; 0x8100 / 0x9100 are 802.1Q tags and 0x88a8 an
//! 802.1ad service tag, each 4 bytes, stacked at most [`MAX_VLAN_TAGS`] deep.

use super::{Problem, Proto, View, Walker, array, be16, byte, dispatch_ethertype};
use crate::dissect::field::{FieldDef, Value};
use crate::field;

/// Ethernet header length: destination, source, type.
pub const HEADER_LEN: usize = 14;
/// One VLAN tag: TCI and the inner EtherType.
pub const VLAN_TAG_LEN: usize = 4;
/// Most stacked tags we follow. Real networks use two (QinQ); eight leaves room for odd lab
/// setups while keeping a hostile frame of nothing but tags from eating the layer table.
pub const MAX_VLAN_TAGS: usize = 8;
/// [`super::Expert::limit_hit`] when a frame has more than [`MAX_VLAN_TAGS`] tags.
pub const LIMIT_VLAN_TAGS: &str = "more than MAX_VLAN_TAGS (8) VLAN tags";

mod field {
    pub const DST: usize = 0;
    pub const SRC: usize = 6;
    pub const TYPE: usize = 12;
}

/// A checked view of an Ethernet header.
#[derive(Debug, Clone, Copy)]
pub struct Ethernet<'a> {
    header: &'a [u8],
}

impl<'a> Ethernet<'a> {
    /// Checks that a whole header is present.
    pub fn new_checked(buf: &'a [u8]) -> Option<Ethernet<'a>> {
        buf.get(..HEADER_LEN).map(|header| Ethernet { header })
    }
    /// Destination MAC.
    pub fn dst(&self) -> [u8; 6] {
        array(self.header, field::DST)
    }
    /// Source MAC.
    pub fn src(&self) -> [u8; 6] {
        array(self.header, field::SRC)
    }
    /// The type/length field.
    pub fn ethertype(&self) -> u16 {
        be16(self.header, field::TYPE)
    }
    /// True for an 802.3 frame (the field is a length).
    pub fn is_length(&self) -> bool {
        self.ethertype() <= 1500
    }
}

/// A checked view of one 802.1Q / 802.1ad tag.
#[derive(Debug, Clone, Copy)]
pub struct VlanTag<'a> {
    tag: &'a [u8],
    /// The TPID that introduced this tag (0x8100, 0x88a8, 0x9100).
    pub tpid: u16,
}

impl VlanTag<'_> {
    /// Priority code point (3 bits).
    pub fn priority(&self) -> u16 {
        be16(self.tag, 0) >> 13
    }
    /// Drop eligible indicator.
    pub fn dei(&self) -> bool {
        be16(self.tag, 0) & 0x1000 != 0
    }
    /// VLAN identifier (12 bits).
    pub fn id(&self) -> u16 {
        be16(self.tag, 0) & 0x0fff
    }
    /// Inner EtherType (or 802.3 length).
    pub fn etype(&self) -> u16 {
        be16(self.tag, 2)
    }
}

/// A checked view of an 802.2 LLC header (and SNAP extension when DSAP/SSAP are 0xAA).
#[derive(Debug, Clone, Copy)]
pub struct Llc<'a> {
    header: &'a [u8],
}

impl Llc<'_> {
    /// DSAP.
    pub fn dsap(&self) -> u8 {
        byte(self.header, 0)
    }
    /// SSAP.
    pub fn ssap(&self) -> u8 {
        byte(self.header, 1)
    }
    /// Control field (first byte; U-frames are one byte).
    pub fn control(&self) -> u8 {
        byte(self.header, 2)
    }
    /// SNAP organization code and protocol id, when this is a SNAP header.
    pub fn snap(&self) -> Option<(u32, u16)> {
        if self.header.len() >= 8 {
            let oui = u32::from_be_bytes([
                0,
                byte(self.header, 3),
                byte(self.header, 4),
                byte(self.header, 5),
            ]);
            Some((oui, be16(self.header, 6)))
        } else {
            None
        }
    }
}

/// Dissects an Ethernet frame starting at `offset` (always 0 for link type 1).
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    let Some(eth) = Ethernet::new_checked(data) else {
        w.short(Proto::Eth, offset, data);
        return;
    };
    w.push(Proto::Eth, offset, data, View::Eth(eth));
    let payload = &data[HEADER_LEN..];
    let next = offset + HEADER_LEN;
    if eth.is_length() {
        let len = (eth.ethertype() as usize).min(payload.len());
        dissect_llc(w, next, &payload[..len]);
    } else {
        dispatch_ethertype(w, eth.ethertype(), next, payload);
        note_cut_trailer(w, offset);
    }
}

/// A frame cut by the snaplen whose IP datagram ends inside the captured bytes has a
/// trailer tshark cannot read whole: its Ethernet trailer check runs past the captured
/// bytes, and the frame gets `[Packet size limited during capture]`.
fn note_cut_trailer(w: &mut Walker<'_, '_>, eth_offset: usize) {
    let d = &*w.d;
    let captured = d.frame.data.len();
    // Nearly every frame is captured whole: that test first.
    if captured as u64 >= u64::from(d.frame.orig_len) || d.expert.problem.is_some() {
        return;
    }
    let ip_end = d
        .layers
        .iter()
        .filter(|l| l.offset > eth_offset)
        .find_map(super::Layer::ip_datagram_end);
    if ip_end.is_some_and(|end| end < captured) {
        w.d.expert
            .problem
            .get_or_insert(Problem::CutBySnaplen { proto: Proto::Eth });
    }
}

/// Dissects an 802.2 LLC header (an 802.3 length frame's payload).
pub fn dissect_llc<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    if data.len() < 3 {
        w.short(Proto::Llc, offset, data);
        return;
    }
    let snap = byte(data, 0) == 0xaa && byte(data, 1) == 0xaa && data.len() >= 8;
    let hlen = if snap { 8 } else { 3 };
    let llc = Llc {
        header: &data[..hlen],
    };
    w.push(Proto::Llc, offset, data, View::Llc(llc));
    match llc.snap() {
        Some((0, etype)) => dispatch_ethertype(w, etype, offset + hlen, &data[hlen..]),
        _ => w.data(offset + hlen, &data[hlen..]),
    }
}

/// Dissects one VLAN tag introduced by `tpid`, then what it carries.
pub fn dissect_vlan<'a>(w: &mut Walker<'a, '_>, tpid: u16, offset: usize, data: &'a [u8]) {
    let tags =
        w.d.layers
            .iter()
            .filter(|l| matches!(l.proto, Proto::Vlan | Proto::Ieee8021ad))
            .count();
    if tags >= MAX_VLAN_TAGS {
        w.d.expert.limit_hit.get_or_insert(LIMIT_VLAN_TAGS);
        w.malformed(Proto::Vlan, offset, data, "too many VLAN tags");
        return;
    }
    let Some(tag) = data.get(..VLAN_TAG_LEN) else {
        w.short(Proto::Vlan, offset, data);
        return;
    };
    let proto = if tpid == 0x88a8 {
        Proto::Ieee8021ad
    } else {
        Proto::Vlan
    };
    let view = VlanTag { tag, tpid };
    if !w.push(proto, offset, data, View::Vlan(view)) {
        return;
    }
    let payload = &data[VLAN_TAG_LEN..];
    if view.etype() <= 1500 {
        let len = (view.etype() as usize).min(payload.len());
        dissect_llc(w, offset + VLAN_TAG_LEN, &payload[..len]);
    } else {
        dispatch_ethertype(w, view.etype(), offset + VLAN_TAG_LEN, payload);
    }
}

/// Well-known EtherType names, for the tree and filters (`eth.type == ipv4` is not tshark
/// syntax, but the tree shows `Type: IPv4 (0x0800)`).
pub static ETHERTYPES: &[(u64, &str)] = &[
    (0x0800, "IPv4"),
    (0x0806, "ARP"),
    (0x8100, "802.1Q Virtual LAN"),
    (0x88a8, "802.1ad Provider Bridge (Q-in-Q)"),
    (0x9100, "VLAN-tagged frame (Q-in-Q)"),
    (0x86dd, "IPv6"),
    (0x8035, "RARP"),
    (0x88cc, "802.1 Link Layer Discovery Protocol (LLDP)"),
    (0x8863, "PPPoE Discovery"),
    (0x8864, "PPPoE Session"),
    (0x8847, "MPLS label switched packet"),
];

/// Ethernet, VLAN and LLC fields.
pub static FIELDS: &[FieldDef] = &[
    field!("eth.dst", "Destination", Ether, Eth, Eth, |e, d| Some(
        Value::Ether(e.dst())
    )),
    field!("eth.src", "Source", Ether, Eth, Eth, |e, d| Some(
        Value::Ether(e.src())
    )),
    field!("eth.addr", "Address", Ether, Eth, Eth, |e, d| [
        Value::Ether(e.dst()),
        Value::Ether(e.src())
    ])
    .hidden(),
    field!("eth.type", "Type", U16, Eth, Eth, |e, d| (!e.is_length())
        .then(|| Value::Uint(e.ethertype() as u64)))
    .hex()
    .values(ETHERTYPES),
    field!("eth.len", "Length", U16, Eth, Eth, |e, d| e
        .is_length()
        .then(|| Value::Uint(e.ethertype() as u64))),
    field!("eth.dst.ig", "IG bit", Bool, Eth, Eth, |e, d| Some(
        Value::Bool(e.dst()[0] & 1 != 0)
    )),
    field!("eth.dst.lg", "LG bit", Bool, Eth, Eth, |e, d| Some(
        Value::Bool(e.dst()[0] & 2 != 0)
    )),
    field!("eth.src.ig", "IG bit", Bool, Eth, Eth, |e, d| Some(
        Value::Bool(e.src()[0] & 1 != 0)
    )),
    field!("eth.src.lg", "LG bit", Bool, Eth, Eth, |e, d| Some(
        Value::Bool(e.src()[0] & 2 != 0)
    )),
    field!("vlan.priority", "Priority", U16, Vlan, Vlan, |v, d| (v
        .tpid
        != 0x88a8)
        .then(|| Value::Uint(v.priority() as u64))),
    field!("vlan.dei", "DEI", Bool, Vlan, Vlan, |v, d| (v.tpid
        != 0x88a8)
        .then(|| Value::Bool(v.dei()))),
    field!("vlan.id", "ID", U16, Vlan, Vlan, |v, d| (v.tpid != 0x88a8)
        .then(|| Value::Uint(v.id() as u64))),
    field!("vlan.etype", "Type", U16, Vlan, Vlan, |v, d| (v.tpid
        != 0x88a8
        && v.etype() > 1500)
        .then(|| Value::Uint(v.etype() as u64)))
    .hex()
    .values(ETHERTYPES),
    field!("vlan.len", "Length", U16, Vlan, Vlan, |v, d| (v.tpid
        != 0x88a8
        && v.etype() <= 1500)
        .then(|| Value::Uint(v.etype() as u64))),
    field!(
        "ieee8021ad.priority",
        "Priority",
        U16,
        Ieee8021ad,
        Vlan,
        |v, d| Some(Value::Uint(v.priority() as u64))
    ),
    field!(
        "ieee8021ad.dei",
        "DEI",
        Bool,
        Ieee8021ad,
        Vlan,
        |v, d| Some(Value::Bool(v.dei()))
    ),
    field!("ieee8021ad.id", "ID", U16, Ieee8021ad, Vlan, |v, d| Some(
        Value::Uint(v.id() as u64)
    )),
    field!("llc.dsap", "DSAP", U8, Llc, Llc, |l, d| Some(Value::Uint(
        l.dsap() as u64
    )))
    .hex(),
    field!("llc.ssap", "SSAP", U8, Llc, Llc, |l, d| Some(Value::Uint(
        l.ssap() as u64
    )))
    .hex(),
    field!("llc.control", "Control field", U8, Llc, Llc, |l, d| Some(
        Value::Uint(l.control() as u64)
    ))
    .hex(),
    field!("llc.type", "Type", U16, Llc, Llc, |l, d| l
        .snap()
        .map(|(_, t)| Value::Uint(t as u64)))
    .hex()
    .values(ETHERTYPES),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_needs_fourteen_bytes() {
        let frame = [0u8; 14];
        for n in 0..14 {
            assert!(Ethernet::new_checked(&frame[..n]).is_none());
        }
        assert!(Ethernet::new_checked(&frame).is_some());
    }

    #[test]
    fn vlan_tci_fields() {
        let tag = VlanTag {
            tag: &[0x70, 0x64, 0x08, 0x00],
            tpid: 0x8100,
        };
        assert_eq!(
            (tag.priority(), tag.dei(), tag.id(), tag.etype()),
            (3, true, 100, 0x0800)
        );
    }
}
