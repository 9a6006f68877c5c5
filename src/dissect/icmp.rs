//! ICMP (RFC 792): echo, destination unreachable, time exceeded and the rest by name.
//!
//! Error messages quote the offending IPv4 header and at least 8 bytes of its payload; that
//! quote is dissected as a second IP layer (tshark's `ip.src` then has two occurrences).
//! Unlike IP, TCP and UDP, ICMP checksums are verified, as tshark does by default.

use super::{Dissection, Layer, Proto, View, Walker, be16, byte, ipv4};
use crate::dissect::field::{Emit, FieldDef, FieldType, Needs, Value};
use crate::field;

/// Type, code and checksum: what makes a message recognisable.
pub const MIN_LEN: usize = 4;
/// The full header: type, code, checksum, and the 4 bytes of rest-of-header.
pub const HEADER_LEN: usize = 8;

/// A checked view of an ICMP message (at least type, code and checksum).
#[derive(Debug, Clone, Copy)]
pub struct Icmp<'a> {
    buf: &'a [u8],
    /// The checksum could be verified and is right (Some(true)), wrong, or was not checked.
    pub checksum_ok: Option<bool>,
}

impl<'a> Icmp<'a> {
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
    /// True for echo request/reply (and the other query types with id/seq).
    pub fn is_echo(&self) -> bool {
        matches!(self.kind(), 0 | 8 | 13 | 14)
    }
    /// True when the whole 8-byte header is present.
    pub fn has_full_header(&self) -> bool {
        self.buf.len() >= HEADER_LEN
    }
    /// Identifier (echo), big-endian.
    pub fn ident(&self) -> Option<u16> {
        (self.is_echo() && self.has_full_header()).then(|| be16(self.buf, 4))
    }
    /// Sequence number (echo), big-endian.
    pub fn seq(&self) -> Option<u16> {
        (self.is_echo() && self.has_full_header()).then(|| be16(self.buf, 6))
    }
    /// True for error messages that quote an IP header.
    pub fn is_error(&self) -> bool {
        matches!(self.kind(), 3 | 4 | 5 | 11 | 12)
    }
    /// Next-hop MTU (destination unreachable, fragmentation needed).
    pub fn mtu(&self) -> Option<u16> {
        (self.kind() == 3 && self.code() == 4 && self.has_full_header()).then(|| be16(self.buf, 6))
    }
}

/// The Internet checksum (RFC 1071) of `data`: 0 when a message with its checksum field in
/// place is intact.
pub fn internet_checksum(data: &[u8], initial: u32) -> u16 {
    // A u64 cannot overflow: even MAX_RECORD_LEN bytes of 0xff add up to 2^39.
    let mut sum = u64::from(initial);
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u64::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Dissects an ICMP message.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    if data.len() < MIN_LEN {
        return w.short(Proto::Icmp, offset, data);
    }
    let cut = (w.d.frame.data.len() as u64) < w.d.frame.orig_len as u64;
    let checksum_ok = (!cut).then(|| internet_checksum(data, 0) == 0);
    let icmp = Icmp {
        buf: data,
        checksum_ok,
    };
    if !w.push(Proto::Icmp, offset, data, View::Icmp(icmp)) {
        return;
    }
    let Some(rest) = data.get(HEADER_LEN..) else {
        return w.short(Proto::Icmp, offset, data);
    };
    if icmp.is_error() && !rest.is_empty() && !quoted_already(w) {
        ipv4::dissect(w, offset + HEADER_LEN, rest);
    } else {
        w.data(offset + HEADER_LEN, rest);
    }
}

/// An error quoted inside an error is not followed further (RFC 1122 forbids sending one).
fn quoted_already(w: &Walker<'_, '_>) -> bool {
    w.d.layers.iter().filter(|l| l.proto == Proto::Icmp).count() > 1
}

/// Writes the Info column for an ICMP message; `ttl` is the carrying IPv4 header's TTL.
pub fn info(icmp: &Icmp<'_>, ttl: Option<u8>, request_in: Option<u32>, out: &mut String) {
    use std::fmt::Write as _;
    let kind = icmp.kind();
    let name = type_name(kind);
    if icmp.is_echo() {
        let _ = write!(out, "{name:<20}");
        if let (Some(id), Some(seq)) = (icmp.ident(), icmp.seq()) {
            let _ = write!(out, " id=0x{id:04x}, seq={seq}/{}", seq.swap_bytes());
            if let Some(ttl) = ttl {
                let _ = write!(out, ", ttl={ttl}");
            }
            if let Some(n) = request_in {
                let _ = write!(out, " (request in {n})");
            }
        }
        return;
    }
    match code_name(kind, icmp.code()) {
        // tshark writes the type padded to 20 characters, then the code.
        Some(code) => {
            let _ = write!(out, "{name:<20} ({code})");
        }
        None => out.push_str(name),
    }
}

/// ICMP type names as tshark's Info prints them.
pub fn type_name(kind: u8) -> &'static str {
    TYPES
        .iter()
        .find(|(k, _)| *k == kind as u64)
        .map(|(_, n)| *n)
        .unwrap_or("Unknown ICMP (obsolete or malformed?)")
}

fn code_name(kind: u8, code: u8) -> Option<&'static str> {
    let table: &[&str] = match kind {
        3 => &UNREACH_CODES,
        5 => &[
            "Redirect for network",
            "Redirect for host",
            "Redirect for TOS and network",
            "Redirect for TOS and host",
        ],
        11 => &[
            "Time to live exceeded in transit",
            "Fragment reassembly time exceeded",
        ],
        EXTENDED_ECHO_REQUEST => &["No error"],
        EXTENDED_ECHO_REPLY => &EXTENDED_ECHO_REPLY_CODES,
        _ => return None,
    };
    table.get(code as usize).copied()
}

/// RFC 8335 PROBE: extended echo request and reply.
const EXTENDED_ECHO_REQUEST: u8 = 42;
const EXTENDED_ECHO_REPLY: u8 = 43;

/// The codes of an extended echo reply (RFC 8335 §3), as tshark names them.
const EXTENDED_ECHO_REPLY_CODES: [&str; 5] = [
    "No error",
    "Malformed Query",
    "No Such Interface",
    "No Such Table Entry",
    "Multiple Interfaces Satisfy Query",
];

const UNREACH_CODES: [&str; 16] = [
    "Network unreachable",
    "Host unreachable",
    "Protocol unreachable",
    "Port unreachable",
    "Fragmentation needed",
    "Source route failed",
    "Destination network unknown",
    "Destination host unknown",
    "Source host isolated",
    "Network administratively prohibited",
    "Host administratively prohibited",
    "Network unreachable for TOS",
    "Host unreachable for TOS",
    "Communication administratively filtered",
    "Host precedence violation",
    "Precedence cutoff in effect",
];

/// ICMP type names.
pub static TYPES: &[(u64, &str)] = &[
    (0, "Echo (ping) reply"),
    (3, "Destination unreachable"),
    (4, "Source quench (flow control)"),
    (5, "Redirect"),
    (8, "Echo (ping) request"),
    (9, "Router advertisement"),
    (10, "Router solicitation"),
    (11, "Time-to-live exceeded"),
    (12, "Parameter problem"),
    (13, "Timestamp request"),
    (14, "Timestamp reply"),
    (17, "Address mask request"),
    (18, "Address mask reply"),
    (42, "Extended Echo request"),
    (43, "Extended Echo reply"),
];

fn checksum_status(icmp: &Icmp<'_>) -> u64 {
    checksum_status_value(icmp.checksum_ok)
}

/// tshark's `*.checksum.status` value for a verified (Some(true)), wrong (Some(false)) or
/// unchecked (None) checksum: 1 Good, 0 Bad, 2 Unverified.
pub(crate) fn checksum_status_value(ok: Option<bool>) -> u64 {
    match ok {
        Some(true) => 1,
        Some(false) => 0,
        None => 2,
    }
}

/// The reply frame of an echo request (ICMP and ICMPv6 alike: the echo tracker's link).
pub(crate) fn response_in<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(n) = d.generated.echo.and_then(|e| e.response_in) {
        emit(Value::Uint(n as u64));
    }
}

/// The request frame of an echo reply.
pub(crate) fn request_in<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(n) = d.generated.echo.and_then(|e| e.request_in) {
        emit(Value::Uint(n as u64));
    }
}

/// Time from the request to this reply, in milliseconds (tshark's unit).
fn response_time<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(ns) = d.generated.echo.and_then(|e| e.response_time_ns) {
        emit(Value::Double(ns as f64 / 1e6));
    }
}

/// ICMP fields.
pub static FIELDS: &[FieldDef] = &[
    field!("icmp.type", "Type", U8, Icmp, Icmp, |i, d| Some(
        Value::Uint(i.kind() as u64)
    ))
    .values(TYPES),
    field!("icmp.code", "Code", U8, Icmp, Icmp, |i, d| Some(
        Value::Uint(i.code() as u64)
    )),
    field!("icmp.checksum", "Checksum", U16, Icmp, Icmp, |i, d| Some(
        Value::Uint(i.checksum() as u64)
    ))
    .hex(),
    field!(
        "icmp.checksum.status",
        "Checksum Status",
        U8,
        Icmp,
        Icmp,
        |i, d| Some(Value::Uint(checksum_status(i)))
    ),
    field!("icmp.ident", "Identifier (BE)", U16, Icmp, Icmp, |i, d| i
        .ident()
        .map(|v| Value::Uint(v as u64))),
    field!(
        "icmp.ident_le",
        "Identifier (LE)",
        U16,
        Icmp,
        Icmp,
        |i, d| i.ident().map(|v| Value::Uint(v.swap_bytes() as u64))
    ),
    field!(
        "icmp.seq",
        "Sequence Number (BE)",
        U16,
        Icmp,
        Icmp,
        |i, d| i.seq().map(|v| Value::Uint(v as u64))
    ),
    field!(
        "icmp.seq_le",
        "Sequence Number (LE)",
        U16,
        Icmp,
        Icmp,
        |i, d| i.seq().map(|v| Value::Uint(v.swap_bytes() as u64))
    ),
    field!("icmp.mtu", "MTU of next hop", U16, Icmp, Icmp, |i, d| i
        .mtu()
        .map(|v| Value::Uint(v as u64))),
    FieldDef::new(
        "icmp.resp_in",
        "Response frame",
        FieldType::FrameNum,
        Proto::Icmp,
        response_in,
    )
    .generated(Needs::ECHO),
    FieldDef::new(
        "icmp.resp_to",
        "Request frame",
        FieldType::FrameNum,
        Proto::Icmp,
        request_in,
    )
    .generated(Needs::ECHO),
    FieldDef::new(
        "icmp.resptime",
        "Response time",
        FieldType::Double,
        Proto::Icmp,
        response_time,
    )
    .generated(Needs::ECHO),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_of_large_messages_does_not_wrap() {
        // 1 MiB of 0xff: the sum is a multiple of 0xffff, so the checksum is 0. A 32-bit
        // running sum wrapped after 128 KiB and lost a carry at each wrap.
        let data = vec![0xffu8; 1 << 20];
        assert_eq!(internet_checksum(&data, 0), 0);
    }

    #[test]
    fn echo_info_pads_like_tshark() {
        let msg = [8u8, 0, 0xf7, 0xfe, 0, 1, 0, 1];
        let icmp = Icmp {
            buf: &msg,
            checksum_ok: None,
        };
        let mut s = String::new();
        info(&icmp, Some(64), None, &mut s);
        assert_eq!(s, "Echo (ping) request  id=0x0001, seq=1/256, ttl=64");
    }

    #[test]
    fn checksum_of_intact_message_is_zero() {
        let mut msg = [8u8, 0, 0, 0, 0, 1, 0, 1];
        let c = internet_checksum(&msg, 0);
        msg[2..4].copy_from_slice(&c.to_be_bytes());
        assert_eq!(internet_checksum(&msg, 0), 0);
    }

    #[test]
    fn extended_echo_pads_its_name_and_names_its_code() {
        // Type 43 (extended echo reply), code 2, checksum, id 1, seq 1, L-bit flags.
        let bytes = [43, 2, 0, 0, 0, 1, 1, 0];
        let icmp = Icmp {
            buf: &bytes,
            checksum_ok: None,
        };
        let mut s = String::new();
        info(&icmp, None, None, &mut s);
        assert_eq!(s, "Extended Echo reply  (No Such Interface)");
    }
}
