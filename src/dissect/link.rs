//! Link layers other than Ethernet: Linux cooked capture v1 (`LINKTYPE_LINUX_SLL`, 113) and
//! v2 (276), BSD loopback (`LINKTYPE_NULL`, 0), and raw IP (101, 228, 229).
//!
//! Header layouts: <https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html>,
//! `LINKTYPE_LINUX_SLL2.html`, `LINKTYPE_NULL.html`.

use super::{Proto, View, Walker, be16, be32, byte, dispatch_ethertype, ipv4, ipv6};
use crate::dissect::field::{FieldDef, Value};
use crate::field;

/// Linux cooked v1 header length.
pub const SLL_LEN: usize = 16;
/// Linux cooked v2 header length.
pub const SLL2_LEN: usize = 20;
/// BSD loopback header length.
pub const NULL_LEN: usize = 4;

/// Which cooked header a [`LinkHeader`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    /// Linux cooked v1.
    Sll,
    /// Linux cooked v2.
    Sll2,
    /// BSD loopback.
    Null,
}

/// A checked view of a cooked or null link header.
#[derive(Debug, Clone, Copy)]
pub struct LinkHeader<'a> {
    header: &'a [u8],
    /// Which header.
    pub kind: LinkKind,
}

impl LinkHeader<'_> {
    /// Packet type (0 = to us, 1 = broadcast, 2 = multicast, 3 = other host, 4 = outgoing).
    pub fn pkttype(&self) -> u16 {
        match self.kind {
            LinkKind::Sll => be16(self.header, 0),
            LinkKind::Sll2 => byte(self.header, 10) as u16,
            LinkKind::Null => 0,
        }
    }
    /// ARPHRD_ link-layer address type.
    pub fn hatype(&self) -> u16 {
        match self.kind {
            LinkKind::Sll => be16(self.header, 2),
            LinkKind::Sll2 => be16(self.header, 8),
            LinkKind::Null => 0,
        }
    }
    /// Link-layer address length.
    pub fn halen(&self) -> u16 {
        match self.kind {
            LinkKind::Sll => be16(self.header, 4),
            LinkKind::Sll2 => byte(self.header, 11) as u16,
            LinkKind::Null => 0,
        }
    }
    /// The link-layer address bytes (at most 8).
    pub fn addr(&self) -> &[u8] {
        let at = if self.kind == LinkKind::Sll { 6 } else { 12 };
        let n = (self.halen() as usize).min(8);
        self.header.get(at..at + n).unwrap_or(&[])
    }
    /// The source MAC, when the address is a 6-byte Ethernet address.
    pub fn src_mac(&self) -> Option<[u8; 6]> {
        let a = self.addr();
        (a.len() == 6).then(|| super::array(a, 0))
    }
    /// The protocol type (an EtherType for most hatype values).
    pub fn protocol(&self) -> u16 {
        match self.kind {
            LinkKind::Sll => be16(self.header, 14),
            LinkKind::Sll2 => be16(self.header, 0),
            LinkKind::Null => 0,
        }
    }
    /// Interface index (v2 only).
    pub fn ifindex(&self) -> Option<u32> {
        (self.kind == LinkKind::Sll2).then(|| be32(self.header, 4))
    }
    /// BSD address family, in whichever byte order makes it small.
    pub fn family(&self) -> u32 {
        let le = u32::from_le_bytes(super::array(self.header, 0));
        if le <= 0xffff { le } else { le.swap_bytes() }
    }
}

/// Dissects a Linux cooked v1 header.
pub fn dissect_sll<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    dissect_cooked(w, offset, data, LinkKind::Sll, SLL_LEN)
}

/// Dissects a Linux cooked v2 header.
pub fn dissect_sll2<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    dissect_cooked(w, offset, data, LinkKind::Sll2, SLL2_LEN)
}

fn dissect_cooked<'a>(
    w: &mut Walker<'a, '_>,
    offset: usize,
    data: &'a [u8],
    kind: LinkKind,
    len: usize,
) {
    let proto = Proto::Sll;
    let Some(header) = data.get(..len) else {
        w.short(proto, offset, data);
        return;
    };
    let view = LinkHeader { header, kind };
    w.push(proto, offset, data, View::Link(view));
    let payload = &data[len..];
    match view.protocol() {
        // ARPHRD_NETLINK and the "protocol is not an EtherType" values (802.3 / 802.2 frames).
        0x0001..=0x0005 => w.data(offset + len, payload),
        etype => dispatch_ethertype(w, etype, offset + len, payload),
    }
}

/// Dissects a BSD loopback header: a 4-byte address family in the writer's byte order.
pub fn dissect_null<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    let Some(header) = data.get(..NULL_LEN) else {
        w.short(Proto::Null, offset, data);
        return;
    };
    let view = LinkHeader {
        header,
        kind: LinkKind::Null,
    };
    w.push(Proto::Null, offset, data, View::Link(view));
    let payload = &data[NULL_LEN..];
    match view.family() {
        2 => ipv4::dissect(w, offset + NULL_LEN, payload),
        // AF_INET6 is 24 on NetBSD/OpenBSD, 28 on FreeBSD, 30 on macOS, 10 on Linux.
        10 | 24 | 28 | 30 => ipv6::dissect(w, offset + NULL_LEN, payload),
        _ => w.data(offset + NULL_LEN, payload),
    }
}

/// Dissects raw IP: the version nibble picks IPv4 or IPv6.
pub fn dissect_raw<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    w.push(Proto::Raw, offset, data, View::Stub(super::StubNote::None));
    match data.first().map(|b| b >> 4) {
        Some(4) => ipv4::dissect(w, offset, data),
        Some(6) => ipv6::dissect(w, offset, data),
        _ => w.data(offset, data),
    }
}

/// Names of the packet types in a cooked header.
pub static PKTTYPES: &[(u64, &str)] = &[
    (0, "Unicast to us"),
    (1, "Broadcast"),
    (2, "Multicast"),
    (3, "Unicast to another host"),
    (4, "Sent by us"),
];

/// Cooked-capture and loopback fields.
pub static FIELDS: &[FieldDef] = &[
    field!("sll.pkttype", "Packet type", U16, Sll, Link, |l, d| Some(
        Value::Uint(l.pkttype() as u64)
    ))
    .values(PKTTYPES),
    field!(
        "sll.hatype",
        "Link-layer address type",
        U16,
        Sll,
        Link,
        |l, d| Some(Value::Uint(l.hatype() as u64))
    ),
    field!(
        "sll.halen",
        "Link-layer address length",
        U16,
        Sll,
        Link,
        |l, d| Some(Value::Uint(l.halen() as u64))
    ),
    field!("sll.src.eth", "Source", Ether, Sll, Link, |l, d| l
        .src_mac()
        .map(Value::Ether)),
    field!("sll.etype", "Protocol", U16, Sll, Link, |l, d| Some(
        Value::Uint(l.protocol() as u64)
    ))
    .hex(),
    field!("sll.ifindex", "Interface index", U32, Sll, Link, |l, d| l
        .ifindex()
        .map(|i| Value::Uint(i as u64))),
    field!("null.family", "Family", U32, Null, Link, |l, d| Some(
        Value::Uint(l.family() as u64)
    )),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_family_either_byte_order() {
        let le = LinkHeader {
            header: &[2, 0, 0, 0],
            kind: LinkKind::Null,
        };
        let be = LinkHeader {
            header: &[0, 0, 0, 30],
            kind: LinkKind::Null,
        };
        assert_eq!((le.family(), be.family()), (2, 30));
    }
}
