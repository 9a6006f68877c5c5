//! UDP (RFC 768), and the dispatch of its payload.
//!
//! TFTP is recognised on port 69 and on the ephemeral ports of a transfer that a request on
//! port 69 opened (the TFTP tracker answers [`super::TftpLookup::is_tftp`]). Other payloads are
//! shown as data.

use super::{Depth, Proto, View, Walker, be16, dhcp, dns, http, ntp, teredo, tftp};
use crate::dissect::field::{FieldDef, Value};
use crate::field;

/// Header length.
pub const HEADER_LEN: usize = 8;
/// The well-known TFTP port.
pub const TFTP_PORT: u16 = 69;

/// A checked view of a UDP header (possibly only the ports, inside an ICMP quote or a cut
/// frame) and its payload.
#[derive(Debug, Clone, Copy)]
pub struct Udp<'a> {
    header: &'a [u8],
    payload: &'a [u8],
}

impl<'a> Udp<'a> {
    /// Source port.
    pub fn src_port(&self) -> u16 {
        be16(self.header, 0)
    }
    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        be16(self.header, 2)
    }
    /// Length field (header + payload), when captured.
    pub fn length(&self) -> Option<u16> {
        (self.header.len() >= HEADER_LEN).then(|| be16(self.header, 4))
    }
    /// Checksum, when captured.
    pub fn checksum(&self) -> Option<u16> {
        (self.header.len() >= HEADER_LEN).then(|| be16(self.header, 6))
    }
    /// Captured payload, bounded by the length field.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }
}

/// Dissects a UDP datagram and dispatches its payload.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    if data.len() < 4 {
        return w.short(Proto::Udp, offset, data);
    }
    let Some(header) = data.get(..HEADER_LEN) else {
        let udp = Udp {
            header: data,
            payload: &[],
        };
        w.push(Proto::Udp, offset, data, View::Udp(udp));
        if !(w.d.has(Proto::Icmp) || w.d.has(Proto::Icmpv6)) {
            w.short(Proto::Udp, offset, data);
        }
        return;
    };
    let length = be16(header, 4) as usize;
    if length < HEADER_LEN {
        let udp = Udp {
            header,
            payload: &[],
        };
        // tshark flags "BAD UDP LENGTH" in the Info column without calling it malformed.
        w.push(Proto::Udp, offset, data, View::Udp(udp));
        return;
    }
    let end = length.min(data.len());
    let udp = Udp {
        header,
        payload: &data[HEADER_LEN..end],
    };
    if !w.push(Proto::Udp, offset, &data[..end], View::Udp(udp)) {
        return;
    }
    if w.depth < Depth::All {
        return;
    }
    let payload = udp.payload();
    let next = offset + HEADER_LEN;
    if is_tftp(w, &udp) {
        return tftp::dissect(w, next, payload);
    }
    match app_port(&udp).filter(|_| !payload.is_empty()) {
        Some(dns::PORT) => dns::dissect(w, next, payload, payload, false),
        Some(dns::MDNS_PORT) => dns::dissect(w, next, payload, payload, true),
        Some(http::SSDP_PORT) => http::dissect_ssdp(w, next, payload),
        Some(ntp::PORT) => ntp::dissect(w, next, payload),
        Some(dhcp::SERVER_PORT | dhcp::CLIENT_PORT) => dhcp::dissect(w, next, payload),
        Some(teredo::PORT) => teredo::dissect(w, next, payload),
        _ => w.data(next, payload),
    }
}

/// Ports with an application dissector (besides TFTP's conversations).
const APP_PORTS: &[u16] = &[
    dns::PORT,
    dns::MDNS_PORT,
    http::SSDP_PORT,
    ntp::PORT,
    dhcp::SERVER_PORT,
    dhcp::CLIENT_PORT,
    teredo::PORT,
];

/// The port whose dissector gets the payload: tshark tries the lower port first.
fn app_port(udp: &Udp<'_>) -> Option<u16> {
    let (a, b) = (udp.src_port(), udp.dst_port());
    [a.min(b), a.max(b)]
        .into_iter()
        .find(|p| APP_PORTS.contains(p))
}

fn is_tftp(w: &Walker<'_, '_>, udp: &Udp<'_>) -> bool {
    if udp.src_port() == TFTP_PORT || udp.dst_port() == TFTP_PORT {
        return true;
    }
    match w.d.ip_endpoints() {
        Some((src, dst)) => w
            .tftp_ports
            .is_tftp(src, udp.src_port(), dst, udp.dst_port()),
        None => false,
    }
}

/// Writes the Info column for a UDP datagram with no dissected payload.
pub fn info(udp: &Udp<'_>, out: &mut String) {
    use crate::value::push_num;
    push_num(out, udp.src_port());
    out.push_str(" \u{2192} ");
    push_num(out, udp.dst_port());
    match udp.length() {
        Some(len) if len < HEADER_LEN as u16 => {
            out.push_str(" [BAD UDP LENGTH ");
            push_num(out, len);
            out.push_str(" < ");
            push_num(out, HEADER_LEN);
            out.push(']');
        }
        Some(len) => {
            out.push_str(" Len=");
            push_num(out, len - HEADER_LEN as u16);
        }
        None => {}
    }
}

/// UDP fields.
pub static FIELDS: &[FieldDef] = &[
    field!("udp.srcport", "Source Port", U16, Udp, Udp, |u, d| Some(
        Value::Uint(u.src_port() as u64)
    )),
    field!("udp.dstport", "Destination Port", U16, Udp, Udp, |u, d| {
        Some(Value::Uint(u.dst_port() as u64))
    }),
    field!(
        "udp.port",
        "Source or Destination Port",
        U16,
        Udp,
        Udp,
        |u, d| [
            Value::Uint(u.src_port() as u64),
            Value::Uint(u.dst_port() as u64)
        ]
    )
    .hidden(),
    field!("udp.stream", "Stream index", U32, Udp, Udp, |u, d| d
        .first(Proto::Udp)
        .filter(|l| matches!(&l.view, View::Udp(f) if f.header.as_ptr() == u.header.as_ptr()))
        .and(d.generated.udp_stream)
        .map(|s| Value::Uint(s as u64)))
    .generated(crate::dissect::field::Needs::UDP),
    field!("udp.length", "Length", U16, Udp, Udp, |u, d| u
        .length()
        .map(|v| Value::Uint(v as u64))),
    field!("udp.checksum", "Checksum", U16, Udp, Udp, |u, d| u
        .checksum()
        .map(|v| Value::Uint(v as u64)))
    .hex(),
    field!(
        "udp.checksum.status",
        "Checksum Status",
        U8,
        Udp,
        Udp,
        |u, d| u.checksum().map(|_| Value::Uint(2))
    ),
    field!("udp.payload", "Payload", Bytes, Udp, Udp, |u, d| (!u
        .payload()
        .is_empty())
    .then(|| Value::Bytes(u.payload()))),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_counts_payload_bytes() {
        let udp = Udp {
            header: &[0x09, 0x79, 0x09, 0x79, 0, 39, 0, 0],
            payload: &[],
        };
        let mut s = String::new();
        info(&udp, &mut s);
        assert_eq!(s, "2425 \u{2192} 2425 Len=31");
    }
}
