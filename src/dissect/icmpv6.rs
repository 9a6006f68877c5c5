//! ICMPv6 (RFC 4443) with neighbour discovery (RFC 4861) and MLD (RFC 2710, RFC 3810).
//!
//! Neighbour-discovery options are a type/length chain in 8-byte units; a zero length would
//! loop forever, so it ends the walk. Error messages quote the offending IPv6 packet, which is
//! dissected as a second IPv6 layer.

use super::{Proto, View, Walker, array, be16, be32, byte, icmp, icmp::internet_checksum, ipv6};
use crate::dissect::field::{FieldDef, FieldType, Needs, Value};
use crate::field;

/// Type, code, checksum.
pub const MIN_LEN: usize = 4;
/// Type, code, checksum and the 4-byte message-specific word.
pub const HEADER_LEN: usize = 8;

/// A checked view of an ICMPv6 message (at least type, code and checksum).
#[derive(Debug, Clone, Copy)]
pub struct Icmpv6<'a> {
    buf: &'a [u8],
    /// Checksum verified against the IPv6 pseudo-header: right, wrong, or not checked.
    pub checksum_ok: Option<bool>,
}

impl<'a> Icmpv6<'a> {
    /// Type.
    pub fn kind(&self) -> u8 {
        byte(self.buf, 0)
    }
    /// Code.
    pub fn code(&self) -> u8 {
        byte(self.buf, 1)
    }
    /// Checksum.
    pub fn checksum(&self) -> u16 {
        be16(self.buf, 2)
    }
    fn is_echo(&self) -> bool {
        matches!(self.kind(), 128 | 129) && self.buf.len() >= HEADER_LEN
    }
    /// Echo identifier.
    pub fn echo_id(&self) -> Option<u16> {
        self.is_echo().then(|| be16(self.buf, 4))
    }
    /// Echo sequence number.
    pub fn echo_seq(&self) -> Option<u16> {
        self.is_echo().then(|| be16(self.buf, 6))
    }
    /// Target address of a neighbour solicitation or advertisement.
    pub fn nd_target(&self) -> Option<[u8; 16]> {
        (matches!(self.kind(), 135..=137) && self.buf.len() >= 24).then(|| array(self.buf, 8))
    }
    /// Neighbour advertisement flags (router, solicited, override).
    pub fn na_flags(&self) -> Option<(bool, bool, bool)> {
        (self.kind() == 136 && self.buf.len() >= 8).then(|| {
            let f = byte(self.buf, 4);
            (f & 0x80 != 0, f & 0x40 != 0, f & 0x20 != 0)
        })
    }
    /// MTU of a Packet Too Big message.
    pub fn mtu(&self) -> Option<u32> {
        (self.kind() == 2 && self.buf.len() >= 8).then(|| be32(self.buf, 4))
    }
    /// Where neighbour-discovery options start, for the types that carry them.
    fn options_at(&self) -> Option<usize> {
        match self.kind() {
            133 => Some(8),
            134 => Some(16),
            135 | 136 => Some(24),
            137 => Some(40),
            _ => None,
        }
    }
    /// Neighbour-discovery options as (type, body) pairs; stops at a zero or overlong length.
    pub fn options(&self) -> impl Iterator<Item = (u8, &'a [u8])> + 'a {
        let mut rest = self
            .options_at()
            .and_then(|at| self.buf.get(at..))
            .unwrap_or(&[]);
        std::iter::from_fn(move || {
            let kind = *rest.first()?;
            let len = byte(rest, 1) as usize * 8;
            let body = rest.get(2..len)?;
            rest = rest.get(len..).unwrap_or(&[]);
            Some((kind, body))
        })
    }
    /// Link-layer address carried in option `kind` (1 = source, 2 = target), when 6 bytes.
    pub fn link_addr(&self, kind: u8) -> Option<[u8; 6]> {
        self.options()
            .find(|(k, b)| *k == kind && b.len() >= 6)
            .map(|(_, b)| array(b, 0))
    }
}

/// Dissects an ICMPv6 message; the enclosing IPv6 header supplies the pseudo-header.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    if data.len() < MIN_LEN {
        return w.short(Proto::Icmpv6, offset, data);
    }
    let cut = (w.d.frame.data.len() as u64) < w.d.frame.orig_len as u64;
    let checksum_ok = if cut { None } else { verify(w, data) };
    let msg = Icmpv6 {
        buf: data,
        checksum_ok,
    };
    if !w.push(Proto::Icmpv6, offset, data, View::Icmpv6(msg)) {
        return;
    }
    let Some(rest) = data.get(HEADER_LEN..) else {
        return w.short(Proto::Icmpv6, offset, data);
    };
    let quoted =
        w.d.layers
            .iter()
            .filter(|l| l.proto == Proto::Icmpv6)
            .count()
            > 1;
    match msg.kind() {
        1..=4 if !rest.is_empty() && !quoted => ipv6::dissect(w, offset + HEADER_LEN, rest),
        128 | 129 => w.data(offset + HEADER_LEN, rest),
        _ => {}
    }
}

fn verify(w: &Walker<'_, '_>, data: &[u8]) -> Option<bool> {
    let ip = w.d.layers.iter().rev().find_map(|l| match &l.view {
        View::Ipv6(ip) => Some(*ip),
        _ => None,
    })?;
    let mut sum = 0u32;
    for chunk in ip.src().chunks(2).chain(ip.dst().chunks(2)) {
        sum += u16::from_be_bytes([chunk[0], chunk[1]]) as u32;
    }
    let len = data.len() as u32;
    sum += (len >> 16) + (len & 0xffff) + 58;
    Some(internet_checksum(data, sum) == 0)
}

/// Writes the Info column for an ICMPv6 message.
pub fn info(msg: &Icmpv6<'_>, hlim: Option<u8>, request_in: Option<u32>, out: &mut String) {
    use crate::value::{write_ipv6, write_mac};
    use std::fmt::Write as _;
    out.push_str(type_name(msg.kind()));
    match msg.kind() {
        128 | 129 => {
            if let (Some(id), Some(seq)) = (msg.echo_id(), msg.echo_seq()) {
                let _ = write!(out, " id=0x{id:04x}, seq={seq}");
                if let Some(h) = hlim {
                    let _ = write!(out, ", hop limit={h}");
                }
                if let Some(n) = request_in {
                    let _ = write!(out, " (request in {n})");
                }
            }
        }
        135 => {
            if let Some(t) = msg.nd_target() {
                out.push_str(" for ");
                write_ipv6(out, &t);
            }
            if let Some(mac) = msg.link_addr(1) {
                out.push_str(" from ");
                write_mac(out, &mac);
            }
        }
        136 => {
            if let Some(t) = msg.nd_target() {
                out.push(' ');
                write_ipv6(out, &t);
            }
            if let Some((r, s, o)) = msg.na_flags() {
                let names = [(r, "rtr"), (s, "sol"), (o, "ovr")];
                let set: Vec<&str> = names.iter().filter(|(b, _)| *b).map(|(_, n)| *n).collect();
                if !set.is_empty() {
                    let _ = write!(out, " ({})", set.join(", "));
                }
            }
            if let Some(mac) = msg.link_addr(2) {
                out.push_str(" is at ");
                write_mac(out, &mac);
            }
        }
        133 | 134 => {
            if let Some(mac) = msg.link_addr(1) {
                out.push_str(" from ");
                write_mac(out, &mac);
            }
        }
        1 | 3 | 4 => {
            if let Some(code) = code_name(msg.kind(), msg.code()) {
                let _ = write!(out, " ({code})");
            }
        }
        _ => {}
    }
}

/// ICMPv6 type names as tshark's Info prints them.
pub fn type_name(kind: u8) -> &'static str {
    TYPES
        .iter()
        .find(|(k, _)| *k == kind as u64)
        .map(|(_, n)| *n)
        .unwrap_or("Unknown ICMPv6 type")
}

fn code_name(kind: u8, code: u8) -> Option<&'static str> {
    let table: &[&str] = match kind {
        1 => &[
            "no route to destination",
            "communication with destination administratively prohibited",
            "beyond scope of source address",
            "address unreachable",
            "port unreachable",
            "source address failed ingress/egress policy",
            "reject route to destination",
        ],
        3 => &[
            "hop limit exceeded in transit",
            "fragment reassembly time exceeded",
        ],
        4 => &[
            "erroneous header field encountered",
            "unrecognized Next Header type encountered",
            "unrecognized IPv6 option encountered",
        ],
        _ => return None,
    };
    table.get(code as usize).copied()
}

/// ICMPv6 type names.
pub static TYPES: &[(u64, &str)] = &[
    (1, "Destination Unreachable"),
    (2, "Packet Too Big"),
    (3, "Time Exceeded"),
    (4, "Parameter Problem"),
    (128, "Echo (ping) request"),
    (129, "Echo (ping) reply"),
    (130, "Multicast Listener Query"),
    (131, "Multicast Listener Report"),
    (132, "Multicast Listener Done"),
    (133, "Router Solicitation"),
    (134, "Router Advertisement"),
    (135, "Neighbor Solicitation"),
    (136, "Neighbor Advertisement"),
    (137, "Redirect"),
    (143, "Multicast Listener Report Message v2"),
];

fn checksum_status(m: &Icmpv6<'_>) -> u64 {
    super::icmp::checksum_status_value(m.checksum_ok)
}

/// ICMPv6 fields.
pub static FIELDS: &[FieldDef] = &[
    field!("icmpv6.type", "Type", U8, Icmpv6, Icmpv6, |m, d| Some(
        Value::Uint(m.kind() as u64)
    ))
    .values(TYPES),
    field!("icmpv6.code", "Code", U8, Icmpv6, Icmpv6, |m, d| Some(
        Value::Uint(m.code() as u64)
    )),
    field!(
        "icmpv6.checksum",
        "Checksum",
        U16,
        Icmpv6,
        Icmpv6,
        |m, d| Some(Value::Uint(m.checksum() as u64))
    )
    .hex(),
    field!(
        "icmpv6.checksum.status",
        "Checksum Status",
        U8,
        Icmpv6,
        Icmpv6,
        |m, d| Some(Value::Uint(checksum_status(m)))
    ),
    field!(
        "icmpv6.echo.identifier",
        "Identifier",
        U16,
        Icmpv6,
        Icmpv6,
        |m, d| m.echo_id().map(|v| Value::Uint(v as u64))
    )
    .hex(),
    field!(
        "icmpv6.echo.sequence_number",
        "Sequence",
        U16,
        Icmpv6,
        Icmpv6,
        |m, d| m.echo_seq().map(|v| Value::Uint(v as u64))
    ),
    field!("icmpv6.mtu", "MTU", U32, Icmpv6, Icmpv6, |m, d| m
        .mtu()
        .map(|v| Value::Uint(v as u64))),
    field!(
        "icmpv6.nd.ns.target_address",
        "Target Address",
        Ipv6,
        Icmpv6,
        Icmpv6,
        |m, d| m.nd_target().filter(|_| m.kind() == 135).map(Value::Ipv6)
    ),
    field!(
        "icmpv6.nd.na.target_address",
        "Target Address",
        Ipv6,
        Icmpv6,
        Icmpv6,
        |m, d| m.nd_target().filter(|_| m.kind() == 136).map(Value::Ipv6)
    ),
    field!(
        "icmpv6.nd.na.flag.r",
        "Router",
        Bool,
        Icmpv6,
        Icmpv6,
        |m, d| m.na_flags().map(|f| Value::Bool(f.0))
    ),
    field!(
        "icmpv6.nd.na.flag.s",
        "Solicited",
        Bool,
        Icmpv6,
        Icmpv6,
        |m, d| m.na_flags().map(|f| Value::Bool(f.1))
    ),
    field!(
        "icmpv6.nd.na.flag.o",
        "Override",
        Bool,
        Icmpv6,
        Icmpv6,
        |m, d| m.na_flags().map(|f| Value::Bool(f.2))
    ),
    field!("icmpv6.opt.type", "Type", U8, Icmpv6, Icmpv6, |m, d| m
        .options()
        .map(|(k, _)| Value::Uint(k as u64))),
    field!(
        "icmpv6.opt.linkaddr",
        "Link-layer address",
        Ether,
        Icmpv6,
        Icmpv6,
        |m, d| m
            .options()
            .filter(|(k, b)| matches!(k, 1 | 2) && b.len() >= 6)
            .map(|(_, b)| Value::Ether(array(b, 0)))
    ),
    FieldDef::new(
        "icmpv6.resp_in",
        "Response In",
        FieldType::FrameNum,
        Proto::Icmpv6,
        icmp::response_in,
    )
    .generated(Needs::ECHO),
    FieldDef::new(
        "icmpv6.resp_to",
        "Response To",
        FieldType::FrameNum,
        Proto::Icmpv6,
        icmp::request_in,
    )
    .generated(Needs::ECHO),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_length_option_ends_the_walk() {
        let mut msg = [0u8; 32];
        msg[0] = 135;
        msg[24] = 1;
        msg[25] = 0;
        let m = Icmpv6 {
            buf: &msg,
            checksum_ok: None,
        };
        assert_eq!(m.options().count(), 0);
    }

    #[test]
    fn na_info_lists_flags_and_mac() {
        let mut msg = [0u8; 32];
        msg[0] = 136;
        msg[4] = 0xe0;
        msg[8] = 0x20;
        msg[9] = 0x01;
        msg[24] = 2;
        msg[25] = 1;
        msg[26..32].copy_from_slice(&[0xaa, 0, 4, 0, 0x0a, 4]);
        let m = Icmpv6 {
            buf: &msg,
            checksum_ok: None,
        };
        let mut s = String::new();
        info(&m, None, None, &mut s);
        assert_eq!(
            s,
            "Neighbor Advertisement 2001:: (rtr, sol, ovr) is at aa:00:04:00:0a:04"
        );
    }
}
