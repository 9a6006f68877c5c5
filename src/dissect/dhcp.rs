//! BOOTP (RFC 951) and DHCP (RFC 2131, options RFC 2132) on UDP ports 67 and 68.
//!
//! A 236-byte fixed header (op, hardware type and length, hops, transaction id, seconds,
//! flags, four addresses, client hardware address, server name, file), then the magic cookie
//! and options (code, length, value; 0 pads, 255 ends). A message with a DHCP Message Type
//! option (53) is DHCP; without one it is BOOTP, as tshark 4.0 shows it (`Boot Request from
//! 00:0b:82:01:fc:42 (Grandstr_01:fc:42)`, `DHCP Offer    - Transaction ID 0x3d1d`).

use super::{Dissection, Layer, Proto, View, Walker, array, be32, byte};
use crate::dissect::field::{Emit, FieldDef, FieldType, Value};
use std::fmt::Write as _;

/// Server port.
pub const SERVER_PORT: u16 = 67;
/// Client port.
pub const CLIENT_PORT: u16 = 68;
/// The fixed header.
pub const HEADER_LEN: usize = 236;
/// Offset of the client hardware address.
const CHADDR: usize = 28;
/// The DHCP magic cookie (RFC 2131 §3).
pub const MAGIC: [u8; 4] = [99, 130, 83, 99];
/// Option code of the DHCP message type.
pub const OPT_MESSAGE_TYPE: u8 = 53;

/// A checked view of a BOOTP/DHCP message (any length: accessors check).
#[derive(Debug, Clone, Copy)]
pub struct Dhcp<'a> {
    buf: &'a [u8],
}

impl<'a> Dhcp<'a> {
    /// Op: 1 request, 2 reply.
    pub fn op(&self) -> Option<u8> {
        self.buf.first().copied()
    }
    /// Transaction id.
    pub fn xid(&self) -> Option<u32> {
        (self.buf.len() >= 8).then(|| be32(self.buf, 4))
    }
    /// The client's Ethernet address, when the hardware is Ethernet (or IEEE 802) with 6-byte
    /// addresses and the bytes were captured.
    pub fn client_mac(&self) -> Option<[u8; 6]> {
        let ether = matches!(byte(self.buf, 1), 1 | 6) && byte(self.buf, 2) == 6;
        (ether && self.buf.len() >= CHADDR + 6).then(|| array(self.buf, CHADDR))
    }
    /// Address `i` of ciaddr, yiaddr, siaddr, giaddr.
    pub fn addr(&self, i: usize) -> Option<[u8; 4]> {
        let at = 12 + 4 * i;
        (i < 4 && self.buf.len() >= at + 4).then(|| array(self.buf, at))
    }
    /// The options (code, value), after the magic cookie; ends at the end option, at the end
    /// of the message, or at an option that runs past it.
    pub fn options(&self) -> impl Iterator<Item = (u8, &'a [u8])> + 'a {
        let buf = self.buf;
        let cookie = buf.get(HEADER_LEN..HEADER_LEN + 4) == Some(&MAGIC[..]);
        let mut at = if cookie { HEADER_LEN + 4 } else { buf.len() };
        std::iter::from_fn(move || {
            loop {
                let code = *buf.get(at)?;
                match code {
                    0 => at += 1,
                    255 => {
                        at = buf.len();
                        return None;
                    }
                    _ => {
                        let len = *buf.get(at + 1)? as usize;
                        let value = buf.get(at + 2..at + 2 + len)?;
                        at += 2 + len;
                        return Some((code, value));
                    }
                }
            }
        })
    }
    /// True when the options walk reaches an End option (255).
    pub fn ends_with_end_option(&self) -> bool {
        let buf = self.buf;
        if buf.get(HEADER_LEN..HEADER_LEN + 4) != Some(&MAGIC[..]) {
            return false;
        }
        let mut at = HEADER_LEN + 4;
        while let Some(&code) = buf.get(at) {
            match code {
                0 => at += 1,
                255 => return true,
                _ => match buf.get(at + 1) {
                    Some(&len) if at + 2 + len as usize <= buf.len() => at += 2 + len as usize,
                    _ => return false,
                },
            }
        }
        false
    }

    /// The DHCP message type, if the message has one.
    pub fn message_type(&self) -> Option<u8> {
        self.options()
            .find(|(c, v)| *c == OPT_MESSAGE_TYPE && !v.is_empty())
            .map(|(_, v)| v[0])
    }
}

/// Dissects a BOOTP/DHCP message.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    let m = Dhcp { buf: data };
    if w.push(Proto::Dhcp, offset, data, View::Dhcp(m)) && data.len() < HEADER_LEN {
        w.short(Proto::Dhcp, offset, data);
    }
}

/// The Protocol column.
pub fn protocol(m: &Dhcp<'_>) -> &'static str {
    if m.message_type().is_some() {
        "DHCP"
    } else {
        "BOOTP"
    }
}

/// Writes the Info column; `resolve` shows the client's vendor name as tshark does.
pub fn info(m: &Dhcp<'_>, resolve: bool, out: &mut String) {
    if let (Some(t), Some(xid)) = (m.message_type(), m.xid()) {
        let name = MESSAGE_TYPES
            .iter()
            .find(|(k, _)| *k == t as u64)
            .map_or("Unknown", |(_, n)| *n);
        let _ = write!(out, "DHCP {name:<8} - Transaction ID 0x{xid:x}");
        return;
    }
    match m.op() {
        Some(1) => {
            out.push_str("Boot Request");
            if let Some(mac) = m.client_mac() {
                out.push_str(" from ");
                crate::value::write_mac(out, &mac);
                out.push_str(" (");
                if resolve {
                    crate::resolve::write_resolved_mac(out, mac);
                } else {
                    crate::value::write_mac(out, &mac);
                }
                out.push(')');
            }
        }
        Some(2) => out.push_str("Boot Reply"),
        Some(op) => {
            let _ = write!(out, "Unknown BOOTP message type ({op})");
        }
        None => {}
    }
}

/// DHCP message type names (option 53).
pub static MESSAGE_TYPES: &[(u64, &str)] = &[
    (1, "Discover"),
    (2, "Offer"),
    (3, "Request"),
    (4, "Decline"),
    (5, "ACK"),
    (6, "NAK"),
    (7, "Release"),
    (8, "Inform"),
    (9, "Force Renew"),
    (10, "Lease query"),
    (11, "Lease Unassigned"),
    (12, "Lease Unknown"),
    (13, "Lease Active"),
    (14, "Bulk Lease Query"),
    (15, "Lease Query Done"),
    (16, "Active LeaseQuery"),
    (17, "Lease Query Status"),
    (18, "TLS"),
];

fn view<'l, 'a>(l: &'l Layer<'a>) -> Option<&'l Dhcp<'a>> {
    match &l.view {
        View::Dhcp(m) => Some(m),
        _ => None,
    }
}

fn op<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(v) = view(l).and_then(|m| m.op()) {
        emit(Value::Uint(v as u64));
    }
}
fn xid<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(v) = view(l).and_then(|m| m.xid()) {
        emit(Value::Uint(v as u64));
    }
}
fn mac<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    let Some(m) = view(l) else { return };
    if let Some(v) = m.client_mac() {
        emit(Value::Ether(v));
    }
    // A Client Identifier (option 61) of type Ethernet carries the address again.
    for (_, v) in m
        .options()
        .filter(|(c, v)| *c == 61 && v.len() == 7 && v[0] == 1)
    {
        emit(Value::Ether(array(v, 1)));
    }
}
macro_rules! addr_field {
    ($fname:ident, $i:expr) => {
        fn $fname<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
            if let Some(v) = view(l).and_then(|m| m.addr($i)) {
                emit(Value::Ipv4(v));
            }
        }
    };
}
addr_field!(ciaddr, 0);
addr_field!(yiaddr, 1);
addr_field!(siaddr, 2);
addr_field!(giaddr, 3);
fn option_type<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    let Some(m) = view(l) else { return };
    for (c, _) in m.options() {
        emit(Value::Uint(c as u64));
    }
    // tshark lists the End option with the value 0.
    if m.ends_with_end_option() {
        emit(Value::Uint(0));
    }
}
fn message_type<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(t) = view(l).and_then(|m| m.message_type()) {
        emit(Value::Uint(t as u64));
    }
}

const fn f(
    name: &'static str,
    label: &'static str,
    ftype: FieldType,
    x: crate::dissect::field::Extract,
) -> FieldDef {
    FieldDef::new(name, label, ftype, Proto::Dhcp, x)
}

/// BOOTP/DHCP fields.
pub static FIELDS: &[FieldDef] = &[
    f("dhcp.type", "Message type", FieldType::U8, op)
        .values(&[(1, "Boot Request"), (2, "Boot Reply")]),
    f("dhcp.id", "Transaction ID", FieldType::U32, xid).hex(),
    f(
        "dhcp.ip.client",
        "Client IP address",
        FieldType::Ipv4,
        ciaddr,
    ),
    f(
        "dhcp.ip.your",
        "Your (client) IP address",
        FieldType::Ipv4,
        yiaddr,
    ),
    f(
        "dhcp.ip.server",
        "Next server IP address",
        FieldType::Ipv4,
        siaddr,
    ),
    f(
        "dhcp.ip.relay",
        "Relay agent IP address",
        FieldType::Ipv4,
        giaddr,
    ),
    f(
        "dhcp.hw.mac_addr",
        "Client MAC address",
        FieldType::Ether,
        mac,
    ),
    f("dhcp.option.type", "Option", FieldType::U8, option_type),
    f("dhcp.option.dhcp", "DHCP", FieldType::U8, message_type).values(MESSAGE_TYPES),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn request(options: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; HEADER_LEN];
        b[0] = 1;
        b[1] = 1;
        b[2] = 6;
        b[4..8].copy_from_slice(&0x3d1du32.to_be_bytes());
        b[CHADDR..CHADDR + 6].copy_from_slice(&[0, 0x0b, 0x82, 1, 0xfc, 0x42]);
        b.extend(MAGIC);
        b.extend_from_slice(options);
        b
    }

    fn info_of(b: &[u8]) -> String {
        let mut s = String::new();
        info(&Dhcp { buf: b }, false, &mut s);
        s
    }

    #[test]
    fn bootp_and_dhcp() {
        let b = request(&[255]);
        assert_eq!(
            info_of(&b),
            "Boot Request from 00:0b:82:01:fc:42 (00:0b:82:01:fc:42)"
        );
        assert_eq!(protocol(&Dhcp { buf: &b }), "BOOTP");
        let b = request(&[0, 0, 53, 1, 2, 255]);
        assert_eq!(info_of(&b), "DHCP Offer    - Transaction ID 0x3d1d");
        assert_eq!(protocol(&Dhcp { buf: &b }), "DHCP");
        let b = request(&[53, 1, 1, 255]);
        assert_eq!(info_of(&b), "DHCP Discover - Transaction ID 0x3d1d");
        let mut reply = request(&[255]);
        reply[0] = 2;
        assert_eq!(info_of(&reply), "Boot Reply");
    }

    #[test]
    fn options_that_run_past_the_end_stop_the_walk() {
        let b = request(&[12, 200, b'h']);
        let m = Dhcp { buf: &b };
        assert_eq!(m.options().count(), 0);
        assert_eq!(m.message_type(), None);
        // Only padding: the walk ends with the message.
        let b = request(&[0; 300]);
        assert_eq!(Dhcp { buf: &b }.options().count(), 0);
    }

    #[test]
    fn every_truncation_of_the_header() {
        let full = request(&[53, 1, 3, 255]);
        for n in 0..HEADER_LEN {
            let m = Dhcp { buf: &full[..n] };
            assert_eq!(m.message_type(), None, "length {n}");
            let text = info_of(&full[..n]);
            let want = match n {
                0 => "",
                1..CHADDR_END => "Boot Request",
                _ => "Boot Request from 00:0b:82:01:fc:42 (00:0b:82:01:fc:42)",
            };
            assert_eq!(text, want, "length {n}");
        }
    }

    const CHADDR_END: usize = CHADDR + 6;
}
