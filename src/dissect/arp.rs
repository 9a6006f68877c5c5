//! ARP (RFC 826), with Wireshark's gratuitous / probe / announcement classification
//! (RFC 5227).
//!
//! The fixed part is 8 bytes; the four addresses that follow have the sizes the header states,
//! so they are located from `hw.size` and `proto.size`, never assumed to be 6 and 4.

use super::{Dissection, Layer};
use super::{Proto, View, Walker, array, be16, byte};
use crate::dissect::field::{Emit, FieldDef, FieldType, Needs, Value};
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
    /// A request or reply whose sender and target protocol addresses are equal (RFC 5227
    /// gratuitous ARP). As in tshark, empty addresses are equal.
    pub fn is_gratuitous(&self) -> bool {
        if !self.complete || !matches!(self.opcode(), 1 | 2) {
            return false;
        }
        let (s, t) = (self.spa_at(), self.tpa_at());
        let n = self.proto_size();
        self.buf.get(s..s + n) == self.buf.get(t..t + n)
    }
    /// A request that is not gratuitous, with an all-zero target MAC and sender IP (RFC 5227
    /// probe). tshark reads 6 and 4 bytes at those places whatever the sizes say.
    pub fn is_probe(&self) -> bool {
        self.opcode() == 1
            && !self.is_gratuitous()
            && self.zeros_at(self.tha_at(), 6)
            && self.zeros_at(self.spa_at(), 4)
    }
    /// A gratuitous request with an all-zero target MAC (RFC 5227 announcement).
    pub fn is_announcement(&self) -> bool {
        self.opcode() == 1 && self.is_gratuitous() && self.zeros_at(self.tha_at(), 6)
    }
}

/// Dissects an ARP message.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    w.d.has_arp = true;
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

/// The Protocol column for an ARP-format message, by opcode (tshark's `dissect_arp`).
pub fn column_name(arp: &Arp<'_>) -> &'static str {
    match arp.opcode() {
        3 | 4 => "RARP",
        5..=7 => "DRARP",
        8 | 9 => "Inverse ARP",
        11..=22 => "MARS",
        23 => "MAPOS",
        _ => "ARP",
    }
}

/// Bytes of an address tshark writes as hex before it gives up with an ellipsis
/// (`MAX_BYTE_STR_LEN` / 2).
const MAX_HEX_ADDRESS: usize = 36;

/// Which address of the message an Info text names.
#[derive(Clone, Copy)]
enum Addr {
    SenderHw,
    SenderProto,
    TargetHw,
    TargetProto,
}

impl Arp<'_> {
    /// The bytes of one of the four addresses (empty when the message was not captured).
    fn address(&self, which: Addr) -> &[u8] {
        let (at, len) = match which {
            Addr::SenderHw => (self.sha_at(), self.hw_size()),
            Addr::SenderProto => (self.spa_at(), self.proto_size()),
            Addr::TargetHw => (self.tha_at(), self.hw_size()),
            Addr::TargetProto => (self.tpa_at(), self.proto_size()),
        };
        self.buf.get(at..at + len).unwrap_or_default()
    }

    /// True when `len` bytes at `at` are all zero (false when they were not captured).
    fn zeros_at(&self, at: usize, len: usize) -> bool {
        self.buf
            .get(at..at + len)
            .is_some_and(|b| b.iter().all(|&x| x == 0))
    }
}

/// Writes an address as tshark's `arphrdaddr_to_str` / `arpproaddr_to_str` do: a MAC for
/// Ethernet hardware, dotted or colon notation for IPv4 and IPv6, hex for anything else.
fn write_address(out: &mut String, arp: &Arp<'_>, which: Addr) {
    use crate::value::{write_ipv4, write_ipv6, write_mac};
    let bytes = arp.address(which);
    if bytes.is_empty() {
        out.push_str("<No address>");
        return;
    }
    let hardware = matches!(which, Addr::SenderHw | Addr::TargetHw);
    if hardware
        && matches!(arp.hw_type(), 1 | 6)
        && let Ok(mac) = <[u8; 6]>::try_from(bytes)
    {
        return write_mac(out, &mac);
    }
    if !hardware {
        if let (0x0800 | 0xcc, Ok(ip)) = (arp.proto_type(), <[u8; 4]>::try_from(bytes)) {
            return write_ipv4(out, &ip);
        }
        if let (0x86dd, Ok(ip)) = (arp.proto_type(), <[u8; 16]>::try_from(bytes)) {
            return write_ipv6(out, &ip);
        }
    }
    write_plain_hex(out, bytes);
}

/// Hex digits without separators, cut with an ellipsis past [`MAX_HEX_ADDRESS`] bytes.
fn write_plain_hex(out: &mut String, bytes: &[u8]) {
    for &b in bytes.iter().take(MAX_HEX_ADDRESS) {
        crate::value::push_hex_byte(out, b);
    }
    if bytes.len() > MAX_HEX_ADDRESS {
        out.push('\u{2026}');
    }
}

/// Writes `before`, address `x`, `between`, address `y`.
fn write_pair(out: &mut String, arp: &Arp<'_>, before: &str, x: Addr, between: &str, y: Addr) {
    out.push_str(before);
    write_address(out, arp, x);
    out.push_str(between);
    write_address(out, arp, y);
}

/// The start of the Info text of the MARS and MAPOS opcodes (`... from HW at PROTO`).
fn mars_text(op: u16) -> Option<&'static str> {
    Some(match op {
        11 => "MARS request from ",
        12 => "MARS MULTI request from ",
        13 => "MARS MSERV request from ",
        14 => "MARS JOIN request from ",
        15 => "MARS LEAVE from ",
        16 => "MARS NAK from ",
        17 => "MARS UNSERV request from ",
        18 => "MARS SJOIN request from ",
        19 => "MARS SLEAVE from ",
        20 => "MARS grouplist request from ",
        21 => "MARS grouplist reply from ",
        22 => "MARS redirect map from ",
        23 => "MAPOS UNARP request from ",
        _ => return None,
    })
}

/// Writes the Info column for an ARP message (nothing when its addresses were not captured),
/// opcode by opcode as tshark's `dissect_arp` does.
pub fn info(arp: &Arp<'_>, out: &mut String) {
    use Addr::{SenderHw as Sha, SenderProto as Spa, TargetHw as Tha, TargetProto as Tpa};
    use std::fmt::Write as _;
    if !arp.complete {
        return;
    }
    let op = arp.opcode();
    match op {
        1 => request_info(arp, out),
        2 if arp.is_gratuitous() => {
            out.push_str("Gratuitous ARP for ");
            write_address(out, arp, Spa);
            out.push_str(" (Reply)");
        }
        2 => write_pair(out, arp, "", Spa, " is at ", Sha),
        3 | 5 | 8 => {
            write_pair(out, arp, "Who is ", Tha, "? Tell ", Sha);
        }
        4 | 6 => write_pair(out, arp, "", Tha, " is at ", Tpa),
        7 => out.push_str("DRARP Error"),
        9 => write_pair(out, arp, "", Sha, " is at ", Spa),
        10 => out.push_str("ARP NAK"),
        24 | 25 => {
            let _ = write!(out, "Experimental {} ( opcode {op} )", op - 23);
        }
        0 | 65535 => {
            let _ = write!(out, "Reserved opcode {op}");
        }
        _ => match mars_text(op) {
            Some(text) => write_pair(out, arp, text, Sha, " at ", Spa),
            None => {
                let _ = write!(out, "Unknown ARP opcode 0x{op:04x}");
            }
        },
    }
}

/// The Info text of a request: announcement, gratuitous, probe or plain.
fn request_info(arp: &Arp<'_>, out: &mut String) {
    use Addr::{SenderProto as Spa, TargetProto as Tpa};
    if arp.is_announcement() {
        out.push_str("ARP Announcement for ");
        write_address(out, arp, Tpa);
    } else if arp.is_gratuitous() {
        out.push_str("Gratuitous ARP for ");
        write_address(out, arp, Tpa);
        out.push_str(" (Request)");
    } else if arp.is_probe() {
        out.push_str("Who has ");
        write_address(out, arp, Tpa);
        out.push_str("? (ARP Probe)");
    } else {
        write_pair(out, arp, "Who has ", Tpa, "? Tell ", Spa);
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
    FieldDef::new(
        "arp.duplicate-address-frame",
        "Frame showing earlier use of IP address",
        FieldType::FrameNum,
        Proto::Arp,
        duplicate_frame,
    )
    .generated(Needs::ARP),
    FieldDef::new(
        "arp.seconds-since-duplicate-address-frame",
        "Seconds since earlier frame seen",
        FieldType::U32,
        Proto::Arp,
        duplicate_seconds,
    )
    .generated(Needs::ARP),
    FieldDef::new(
        "arp.duplicate-address-detected",
        "Duplicate IP address configured",
        FieldType::None,
        Proto::Arp,
        duplicate_detected,
    )
    .generated(Needs::ARP),
];

/// The duplicates the ARP tracker found in this message, sender's first.
fn duplicates<'d>(
    d: &'d Dissection<'_>,
) -> impl Iterator<Item = super::generated::ArpDuplicate> + 'd {
    d.generated
        .arp
        .iter()
        .flat_map(|dups| dups.found.iter().flatten().copied())
}

/// The earlier frame that bound each duplicated address (`arp.duplicate-address-frame`).
fn duplicate_frame<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    for dup in duplicates(d) {
        emit(Value::Uint(u64::from(dup.earlier_frame)));
    }
}

/// Whole seconds since that frame.
fn duplicate_seconds<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    for dup in duplicates(d) {
        emit(Value::Uint(u64::from(dup.seconds_since)));
    }
}

/// The expert note of each duplicate (tshark's `arp.duplicate-address-detected`).
fn duplicate_detected<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    for _ in duplicates(d) {
        emit(Value::Present);
    }
}

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

    fn info_of(bytes: &[u8]) -> (String, &'static str) {
        let arp = Arp::new_checked(bytes).unwrap();
        let mut s = String::new();
        info(&arp, &mut s);
        (s, column_name(&arp))
    }

    fn with_opcode(op: u8) -> [u8; 28] {
        let mut b = REQUEST;
        b[7] = op;
        b
    }

    #[test]
    fn reverse_dynamic_and_inverse_opcodes() {
        let who = "Who is 00:00:00:00:00:00? Tell 00:0c:29:aa:bb:01";
        assert_eq!(info_of(&with_opcode(5)), (who.into(), "DRARP"));
        assert_eq!(info_of(&with_opcode(3)), (who.into(), "RARP"));
        assert_eq!(info_of(&with_opcode(7)), ("DRARP Error".into(), "DRARP"));
        let at = "00:0c:29:aa:bb:01 is at 192.168.30.129";
        assert_eq!(info_of(&with_opcode(9)), (at.into(), "Inverse ARP"));
        let mars = "MARS JOIN request from 00:0c:29:aa:bb:01 at 192.168.30.129";
        assert_eq!(info_of(&with_opcode(14)), (mars.into(), "MARS"));
        assert_eq!(info_of(&with_opcode(25)).0, "Experimental 2 ( opcode 25 )");
        assert_eq!(info_of(&with_opcode(0)).0, "Reserved opcode 0");
        assert_eq!(info_of(&with_opcode(0x30)).0, "Unknown ARP opcode 0x0030");
    }

    #[test]
    fn addresses_of_other_types_are_hex() {
        // Protocol type 0x0801: not IPv4, so both protocol addresses are written as hex.
        let mut b = REQUEST;
        b[3] = 0x01;
        assert_eq!(info_of(&b).0, "Who has c0a81e80? Tell c0a81e81");
        // No protocol addresses at all.
        let none = [
            0, 1, 8, 0, 6, 0, 0, 1, 0, 0x0c, 0x29, 0xaa, 0xbb, 1, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(info_of(&none).0, "ARP Announcement for <No address>");
    }
}
