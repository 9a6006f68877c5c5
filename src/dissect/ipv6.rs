//! IPv6 (RFC 8200) and its extension headers: hop-by-hop options, routing, fragment and
//! destination options.
//!
//! The payload ends at 40 + payload length or at the end of the capture. Extension headers
//! form a chain that a hostile packet can make long; at most [`MAX_EXT_HEADERS`] are followed.

use super::{Proto, View, Walker, array, be16, be32, byte, dispatch_ip_proto};
use crate::dissect::field::{FieldDef, Value};
use crate::field;

/// Fixed header length.
pub const HEADER_LEN: usize = 40;
/// Most extension headers followed in one packet. RFC 8200 §4.1 recommends each appear at
/// most once (destination options twice), so 8 covers every legitimate chain; more is an
/// attack on parsers and is reported.
pub const MAX_EXT_HEADERS: usize = 8;
/// [`super::Expert::limit_hit`] when a chain has more than [`MAX_EXT_HEADERS`] headers.
pub const LIMIT_EXT_HEADERS: &str = "more than MAX_EXT_HEADERS (8) IPv6 extension headers";

/// A checked view of the IPv6 fixed header.
#[derive(Debug, Clone, Copy)]
pub struct Ipv6<'a> {
    header: &'a [u8],
}

impl<'a> Ipv6<'a> {
    /// Checks that the 40-byte header is present.
    pub fn new_checked(buf: &'a [u8]) -> Option<Ipv6<'a>> {
        buf.get(..HEADER_LEN).map(|header| Ipv6 { header })
    }
    /// Version nibble.
    pub fn version(&self) -> u8 {
        byte(self.header, 0) >> 4
    }
    /// Traffic class.
    pub fn tclass(&self) -> u8 {
        ((be16(self.header, 0) >> 4) & 0xff) as u8
    }
    /// Flow label.
    pub fn flow(&self) -> u32 {
        be32(self.header, 0) & 0x000f_ffff
    }
    /// Payload length.
    pub fn plen(&self) -> u16 {
        be16(self.header, 4)
    }
    /// Next header.
    pub fn nxt(&self) -> u8 {
        byte(self.header, 6)
    }
    /// Hop limit.
    pub fn hlim(&self) -> u8 {
        byte(self.header, 7)
    }
    /// Source address.
    pub fn src(&self) -> [u8; 16] {
        array(self.header, 8)
    }
    /// Destination address.
    pub fn dst(&self) -> [u8; 16] {
        array(self.header, 24)
    }
}

/// A checked view of one extension header.
#[derive(Debug, Clone, Copy)]
pub struct ExtHeader<'a> {
    header: &'a [u8],
    /// The protocol number that introduced it (0, 43, 44, 60).
    pub kind: u8,
}

impl ExtHeader<'_> {
    /// Next header.
    pub fn nxt(&self) -> u8 {
        byte(self.header, 0)
    }
    /// Length field (8-octet units, not counting the first 8).
    pub fn len_field(&self) -> u8 {
        byte(self.header, 1)
    }
    /// Routing type (routing header only).
    pub fn routing_type(&self) -> u8 {
        byte(self.header, 2)
    }
    /// Segments left (routing header only).
    pub fn segments_left(&self) -> u8 {
        byte(self.header, 3)
    }
    /// Fragment offset in 8-byte units (fragment header only).
    pub fn frag_offset(&self) -> u16 {
        be16(self.header, 2) >> 3
    }
    /// More fragments (fragment header only).
    pub fn more(&self) -> bool {
        be16(self.header, 2) & 1 != 0
    }
    /// Identification (fragment header only).
    pub fn ident(&self) -> u32 {
        be32(self.header, 4)
    }
    fn proto(&self) -> Proto {
        match self.kind {
            0 => Proto::Ipv6HopOpts,
            43 => Proto::Ipv6Routing,
            44 => Proto::Ipv6Frag,
            _ => Proto::Ipv6DstOpts,
        }
    }
}

/// Dissects an IPv6 header and its payload.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    let Some(ip) = Ipv6::new_checked(data) else {
        w.stub(
            Proto::Ipv6,
            offset,
            data,
            super::StubNote::ShortIpv6Header(data.len()),
        );
        return w.short(Proto::Ipv6, offset, data);
    };
    let end = (HEADER_LEN + ip.plen() as usize).min(data.len());
    let end = if ip.plen() == 0 { data.len() } else { end };
    let bytes = &data[..end];
    if !w.push(Proto::Ipv6, offset, bytes, View::Ipv6(ip)) {
        return;
    }
    if ip.version() != 6 {
        return w.malformed(Proto::Ipv6, offset, data, "IPv6 version is not 6");
    }
    dispatch_ip_proto(w, ip.nxt(), offset + HEADER_LEN, &bytes[HEADER_LEN..]);
}

/// Dissects one extension header introduced by protocol number `kind`.
pub fn dissect_ext<'a>(w: &mut Walker<'a, '_>, kind: u8, offset: usize, data: &'a [u8]) {
    let chain =
        w.d.layers
            .iter()
            .rev()
            .take_while(|l| is_ext(l.proto))
            .count();
    if chain >= MAX_EXT_HEADERS {
        w.d.expert.limit_hit.get_or_insert(LIMIT_EXT_HEADERS);
        return w.malformed(Proto::Ipv6, offset, data, "too many extension headers");
    }
    let len = if kind == 44 {
        8
    } else {
        (byte(data, 1) as usize + 1) * 8
    };
    let proto = ExtHeader { header: &[], kind }.proto();
    let Some(header) = data.get(..len.max(2)).filter(|h| h.len() == len) else {
        return w.short(proto, offset, data);
    };
    let ext = ExtHeader { header, kind };
    w.d.has_fragment |= proto == Proto::Ipv6Frag && (ext.frag_offset() != 0 || ext.more());
    if !w.push(proto, offset, data, View::Ipv6Ext(ext)) {
        return;
    }
    let payload = &data[len..];
    if kind == 44 && (ext.frag_offset() != 0 || ext.more()) {
        return w.fragment_payload(ext.nxt(), offset + len, payload);
    }
    dispatch_ip_proto(w, ext.nxt(), offset + len, payload);
}

fn is_ext(p: Proto) -> bool {
    matches!(
        p,
        Proto::Ipv6HopOpts | Proto::Ipv6Routing | Proto::Ipv6Frag | Proto::Ipv6DstOpts
    )
}

fn host<'a>(
    l: &super::Layer<'a>,
    _: &super::Dissection<'a>,
    emit: &mut crate::dissect::field::Emit<'_>,
    which: u8,
) {
    if let View::Ipv6(ip) = &l.view {
        for (i, a) in [ip.src(), ip.dst()].into_iter().enumerate() {
            if which & (1 << i) != 0 {
                let mut s = arrayvec::ArrayVec::<u8, 48>::new();
                crate::value::write_ipv6(&mut s, &a);
                emit(Value::Text(&s));
            }
        }
    }
}

fn src_host<'a>(
    l: &super::Layer<'a>,
    d: &super::Dissection<'a>,
    e: &mut crate::dissect::field::Emit<'_>,
) {
    host(l, d, e, 1)
}
fn dst_host<'a>(
    l: &super::Layer<'a>,
    d: &super::Dissection<'a>,
    e: &mut crate::dissect::field::Emit<'_>,
) {
    host(l, d, e, 2)
}
fn any_host<'a>(
    l: &super::Layer<'a>,
    d: &super::Dissection<'a>,
    e: &mut crate::dissect::field::Emit<'_>,
) {
    host(l, d, e, 3)
}

/// IPv6 fields.
pub static FIELDS: &[FieldDef] = &[
    field!("ipv6.version", "Version", U8, Ipv6, Ipv6, |ip, d| Some(
        Value::Uint(ip.version() as u64)
    )),
    field!("ipv6.tclass", "Traffic Class", U32, Ipv6, Ipv6, |ip, d| {
        Some(Value::Uint(ip.tclass() as u64))
    })
    .hex(),
    field!("ipv6.flow", "Flow Label", U24, Ipv6, Ipv6, |ip, d| Some(
        Value::Uint(ip.flow() as u64)
    ))
    .hex(),
    field!(
        "ipv6.plen",
        "Payload Length",
        U16,
        Ipv6,
        Ipv6,
        |ip, d| Some(Value::Uint(ip.plen() as u64))
    ),
    field!("ipv6.nxt", "Next Header", U8, Ipv6, Ipv6, |ip, d| Some(
        Value::Uint(ip.nxt() as u64)
    ))
    .values(super::ipv4::IP_PROTOS),
    field!("ipv6.hlim", "Hop Limit", U8, Ipv6, Ipv6, |ip, d| Some(
        Value::Uint(ip.hlim() as u64)
    )),
    field!(
        "ipv6.src",
        "Source Address",
        Ipv6,
        Ipv6,
        Ipv6,
        |ip, d| Some(Value::Ipv6(ip.src()))
    ),
    field!(
        "ipv6.dst",
        "Destination Address",
        Ipv6,
        Ipv6,
        Ipv6,
        |ip, d| Some(Value::Ipv6(ip.dst()))
    ),
    field!(
        "ipv6.addr",
        "Source or Destination Address",
        Ipv6,
        Ipv6,
        Ipv6,
        |ip, d| [Value::Ipv6(ip.src()), Value::Ipv6(ip.dst())]
    )
    .hidden(),
    FieldDef::new(
        "ipv6.src_host",
        "Source Host",
        crate::dissect::field::FieldType::Str,
        Proto::Ipv6,
        src_host,
    )
    .hidden(),
    FieldDef::new(
        "ipv6.dst_host",
        "Destination Host",
        crate::dissect::field::FieldType::Str,
        Proto::Ipv6,
        dst_host,
    )
    .hidden(),
    FieldDef::new(
        "ipv6.host",
        "Source or Destination Host",
        crate::dissect::field::FieldType::Str,
        Proto::Ipv6,
        any_host,
    )
    .hidden(),
    field!(
        "ipv6.hopopts.nxt",
        "Next Header",
        U8,
        Ipv6HopOpts,
        Ipv6Ext,
        |e, d| Some(Value::Uint(e.nxt() as u64))
    ),
    field!(
        "ipv6.hopopts.len",
        "Length",
        U8,
        Ipv6HopOpts,
        Ipv6Ext,
        |e, d| Some(Value::Uint(e.len_field() as u64))
    ),
    field!(
        "ipv6.routing.nxt",
        "Next Header",
        U8,
        Ipv6Routing,
        Ipv6Ext,
        |e, d| Some(Value::Uint(e.nxt() as u64))
    ),
    field!(
        "ipv6.routing.type",
        "Type",
        U8,
        Ipv6Routing,
        Ipv6Ext,
        |e, d| Some(Value::Uint(e.routing_type() as u64))
    ),
    field!(
        "ipv6.routing.segleft",
        "Segments Left",
        U8,
        Ipv6Routing,
        Ipv6Ext,
        |e, d| Some(Value::Uint(e.segments_left() as u64))
    ),
    field!(
        "ipv6.fraghdr.nxt",
        "Next header",
        U8,
        Ipv6Frag,
        Ipv6Ext,
        |e, d| Some(Value::Uint(e.nxt() as u64))
    ),
    field!(
        "ipv6.fraghdr.offset",
        "Offset",
        U16,
        Ipv6Frag,
        Ipv6Ext,
        |e, d| Some(Value::Uint(e.frag_offset() as u64))
    ),
    field!(
        "ipv6.fraghdr.more",
        "More Fragments",
        Bool,
        Ipv6Frag,
        Ipv6Ext,
        |e, d| Some(Value::Bool(e.more()))
    ),
    field!(
        "ipv6.fraghdr.ident",
        "Identification",
        U32,
        Ipv6Frag,
        Ipv6Ext,
        |e, d| Some(Value::Uint(e.ident() as u64))
    )
    .hex(),
    field!(
        "ipv6.dstopts.nxt",
        "Next Header",
        U8,
        Ipv6DstOpts,
        Ipv6Ext,
        |e, d| Some(Value::Uint(e.nxt() as u64))
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_needs_forty_bytes() {
        let h = [0x60u8; 40];
        for n in 0..40 {
            assert!(Ipv6::new_checked(&h[..n]).is_none());
        }
        assert!(Ipv6::new_checked(&h).is_some());
    }

    #[test]
    fn fragment_header_fields() {
        let e = ExtHeader {
            header: &[17, 0, 0x05, 0xc9, 0, 0, 0, 7],
            kind: 44,
        };
        assert_eq!(
            (e.nxt(), e.frag_offset(), e.more(), e.ident()),
            (17, 185, true, 7)
        );
    }
}
