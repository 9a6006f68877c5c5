//! ARP (RFC 826), with Wireshark's gratuitous / probe / announcement classification
//! (RFC 5227).
//!
//! The fixed part is 8 bytes; the four addresses that follow have the sizes the header states,
//! so they are located from `hw.size` and `proto.size`, never assumed to be 6 and 4.

use super::{Proto, View, Walker, array, be16, byte};
use crate::dissect::field::{FieldDef, Value};
use crate::field;

/// Fixed header: hardware type, protocol type, sizes, opcode.
pub const FIXED_LEN: usize = 8;

/// A checked view of an ARP message: the fixed part and all four addresses are present.
#[derive(Debug, Clone, Copy)]
pub struct Arp<'a> {
    buf: &'a [u8],
    /// All four addresses were captured (else only the fixed part is shown, as tshark does).
    pub complete: bool,
}

impl<'a> Arp<'a> {
    /// Checks that the fixed part and the four addresses it announces are present.
    pub fn new_checked(buf: &'a [u8]) -> Option<Arp<'a>> {
        let fixed = buf.get(..FIXED_LEN)?;
        let need = FIXED_LEN + 2 * (fixed[4] as usize + fixed[5] as usize);
        buf.get(..need).map(|buf| Arp {
            buf,
            complete: true,
        })
    }

    /// The fixed part only, when the addresses it announces run past the frame.
    pub fn fixed_only(buf: &'a [u8]) -> Option<Arp<'a>> {
        buf.get(..FIXED_LEN).map(|buf| Arp {
            buf,
            complete: false,
        })
    }
    /// Hardware type (1 = Ethernet).
    pub fn hw_type(&self) -> u16 {
        be16(self.buf, 0)
    }
    /// Protocol type (0x0800 = IPv4).
    pub fn proto_type(&self) -> u16 {
        be16(self.buf, 2)
    }
    /// Hardware address size.
    pub fn hw_size(&self) -> usize {
        byte(self.buf, 4) as usize
    }
    /// Protocol address size.
    pub fn proto_size(&self) -> usize {
        byte(self.buf, 5) as usize
    }
    /// Opcode (1 request, 2 reply).
    pub fn opcode(&self) -> u16 {
        be16(self.buf, 6)
    }
    fn is_ether_ipv4(&self) -> (bool, bool) {
        let c = self.complete;
        (
            c && self.hw_size() == 6,
            c && self.proto_type() == 0x0800 && self.proto_size() == 4,
        )
    }
    fn sha_at(&self) -> usize {
        FIXED_LEN
    }
    fn spa_at(&self) -> usize {
        FIXED_LEN + self.hw_size()
    }
    fn tha_at(&self) -> usize {
        self.spa_at() + self.proto_size()
    }
    fn tpa_at(&self) -> usize {
        self.tha_at() + self.hw_size()
    }
    /// Sender MAC, when the hardware address is 6 bytes.
    pub fn sender_mac(&self) -> Option<[u8; 6]> {
        self.is_ether_ipv4()
            .0
            .then(|| array(self.buf, self.sha_at()))
    }
    /// Target MAC, when the hardware address is 6 bytes.
    pub fn target_mac(&self) -> Option<[u8; 6]> {
        self.is_ether_ipv4()
            .0
            .then(|| array(self.buf, self.tha_at()))
    }
    /// Sender IPv4 address, when the protocol is IPv4.
    pub fn sender_ip(&self) -> Option<[u8; 4]> {
        self.is_ether_ipv4()
            .1
            .then(|| array(self.buf, self.spa_at()))
    }
    /// Target IPv4 address, when the protocol is IPv4.
    pub fn target_ip(&self) -> Option<[u8; 4]> {
        self.is_ether_ipv4()
            .1
            .then(|| array(self.buf, self.tpa_at()))
    }
    /// Sender and target protocol addresses are equal (RFC 5227 gratuitous ARP).
    pub fn is_gratuitous(&self) -> bool {
        if !self.complete {
            return false;
        }
        let (s, t) = (self.spa_at(), self.tpa_at());
        let n = self.proto_size();
        n > 0 && self.buf.get(s..s + n) == self.buf.get(t..t + n)
    }
    /// A request whose sender IP is 0.0.0.0 (RFC 5227 probe).
    pub fn is_probe(&self) -> bool {
        self.opcode() == 1 && self.sender_ip() == Some([0; 4])
    }
    /// A gratuitous request with an all-zero target MAC (RFC 5227 announcement).
    pub fn is_announcement(&self) -> bool {
        self.opcode() == 1 && self.is_gratuitous() && self.target_mac() == Some([0; 6])
    }
}

/// Dissects an ARP message.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    match Arp::new_checked(data) {
        Some(arp) => {
            w.push(Proto::Arp, offset, data, View::Arp(arp));
        }
        None => {
            if let Some(arp) = Arp::fixed_only(data) {
                w.push(Proto::Arp, offset, data, View::Arp(arp));
            }
            w.short(Proto::Arp, offset, data)
        }
    }
}

/// The Protocol column for an ARP-format message: reverse ARP opcodes are RARP.
pub fn column_name(arp: &Arp<'_>) -> &'static str {
    match arp.opcode() {
        3 | 4 => "RARP",
        _ => "ARP",
    }
}

/// Writes the Info column for an ARP message (nothing when its addresses were not captured).
pub fn info(arp: &Arp<'_>, out: &mut String) {
    if !arp.complete {
        return;
    }
    use crate::value::{write_ipv4, write_mac};
    let ip = |out: &mut String, a: Option<[u8; 4]>| match a {
        Some(a) => write_ipv4(out, &a),
        None => out.push('?'),
    };
    let mac = |out: &mut String, m: Option<[u8; 6]>| match m {
        Some(m) => write_mac(out, &m),
        None => out.push('?'),
    };
    match (arp.opcode(), arp.is_gratuitous()) {
        (1, true) if arp.is_announcement() => {
            out.push_str("ARP Announcement for ");
            ip(out, arp.target_ip());
        }
        (1, true) => {
            out.push_str("Gratuitous ARP for ");
            ip(out, arp.target_ip());
            out.push_str(" (Request)");
        }
        (1, false) if arp.is_probe() => {
            out.push_str("Who has ");
            ip(out, arp.target_ip());
            out.push_str("? (ARP Probe)");
        }
        (1, false) => {
            out.push_str("Who has ");
            ip(out, arp.target_ip());
            out.push_str("? Tell ");
            ip(out, arp.sender_ip());
        }
        (2, true) => {
            out.push_str("Gratuitous ARP for ");
            ip(out, arp.sender_ip());
            out.push_str(" (Reply)");
        }
        (2, false) => {
            ip(out, arp.sender_ip());
            out.push_str(" is at ");
            match arp.sender_mac() {
                Some(m) => write_mac(out, &m),
                None => out.push('?'),
            }
        }
        (3, _) => {
            out.push_str("Who is ");
            mac(out, arp.target_mac());
            out.push_str("? Tell ");
            mac(out, arp.sender_mac());
        }
        (4, _) => {
            mac(out, arp.target_mac());
            out.push_str(" is at ");
            ip(out, arp.target_ip());
        }
        (op, _) => {
            use std::fmt::Write as _;
            let _ = write!(out, "Unknown ARP opcode 0x{op:04x}");
        }
    }
}

/// ARP opcode names (tshark's `arp.opcode == request`).
pub static OPCODES: &[(u64, &str)] = &[
    (1, "request"),
    (2, "reply"),
    (3, "reverse request"),
    (4, "reverse reply"),
    (8, "inverse request"),
    (9, "inverse reply"),
];

/// ARP fields.
pub static FIELDS: &[FieldDef] = &[
    field!("arp.hw.type", "Hardware type", U16, Arp, Arp, |a, d| Some(
        Value::Uint(a.hw_type() as u64)
    )),
    field!("arp.proto.type", "Protocol type", U16, Arp, Arp, |a, d| {
        Some(Value::Uint(a.proto_type() as u64))
    })
    .hex(),
    field!("arp.hw.size", "Hardware size", U8, Arp, Arp, |a, d| Some(
        Value::Uint(a.hw_size() as u64)
    )),
    field!(
        "arp.proto.size",
        "Protocol size",
        U8,
        Arp,
        Arp,
        |a, d| Some(Value::Uint(a.proto_size() as u64))
    ),
    field!("arp.opcode", "Opcode", U16, Arp, Arp, |a, d| Some(
        Value::Uint(a.opcode() as u64)
    ))
    .values(OPCODES),
    field!(
        "arp.isgratuitous",
        "Is gratuitous",
        Bool,
        Arp,
        Arp,
        |a, d| Some(Value::Bool(a.is_gratuitous()))
    ),
    field!("arp.isprobe", "Is probe", Bool, Arp, Arp, |a, d| Some(
        Value::Bool(a.is_probe())
    )),
    field!(
        "arp.isannouncement",
        "Is announcement",
        Bool,
        Arp,
        Arp,
        |a, d| Some(Value::Bool(a.is_announcement()))
    ),
    field!(
        "arp.src.hw_mac",
        "Sender MAC address",
        Ether,
        Arp,
        Arp,
        |a, d| a.sender_mac().map(Value::Ether)
    ),
    field!(
        "arp.src.proto_ipv4",
        "Sender IP address",
        Ipv4,
        Arp,
        Arp,
        |a, d| a.sender_ip().map(Value::Ipv4)
    ),
    field!(
        "arp.dst.hw_mac",
        "Target MAC address",
        Ether,
        Arp,
        Arp,
        |a, d| a.target_mac().map(Value::Ether)
    ),
    field!(
        "arp.dst.proto_ipv4",
        "Target IP address",
        Ipv4,
        Arp,
        Arp,
        |a, d| a.target_ip().map(Value::Ipv4)
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: [u8; 28] = [
        0, 1, 8, 0, 6, 4, 0, 1, 0, 0x0c, 0x29, 0xaa, 0xbb, 1, 192, 168, 30, 129, 0, 0, 0, 0, 0, 0,
        192, 168, 30, 128,
    ];

    #[test]
    fn every_truncation_is_rejected() {
        for n in 0..REQUEST.len() {
            assert!(Arp::new_checked(&REQUEST[..n]).is_none(), "length {n}");
        }
    }

    #[test]
    fn request_info() {
        let arp = Arp::new_checked(&REQUEST).unwrap();
        let mut s = String::new();
        info(&arp, &mut s);
        assert_eq!(s, "Who has 192.168.30.128? Tell 192.168.30.129");
    }
}
