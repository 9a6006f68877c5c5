//! IPv4 (RFC 791), with options and fragment fields.
//!
//! The view is checked once: at least 20 bytes and at least the IHL the header states. The
//! payload ends at the total length (the rest of the frame is Ethernet padding) or at the end
//! of the capture, whichever comes first. A fragment other than a complete datagram is shown
//! as data, as tshark shows fragments it has not reassembled.

use super::{Proto, View, Walker, array, be16, byte, dispatch_ip_proto};
use crate::dissect::field::{FieldDef, Value};
use crate::field;

/// Fixed header length.
pub const MIN_HEADER_LEN: usize = 20;

/// A checked view of an IPv4 header (options included).
#[derive(Debug, Clone, Copy)]
pub struct Ipv4<'a> {
    header: &'a [u8],
    /// Bytes the frame reports from this header on: the datagram's length when the header
    /// says 0 (TCP segmentation offload, BIG TCP), as tshark takes it.
    reported: u32,
}

impl<'a> Ipv4<'a> {
    /// Checks the fixed header and the options the IHL announces are present.
    pub fn new_checked(buf: &'a [u8]) -> Result<Ipv4<'a>, &'static str> {
        let fixed = buf.get(..MIN_HEADER_LEN).ok_or("short")?;
        let ihl = (fixed[0] & 0x0f) as usize * 4;
        if ihl < MIN_HEADER_LEN {
            return Err("bogus IPv4 header length (less than 20 bytes)");
        }
        buf.get(..ihl)
            .map(|header| Ipv4 {
                header,
                reported: 0,
            })
            .ok_or("short")
    }
    /// Version nibble.
    pub fn version(&self) -> u8 {
        byte(self.header, 0) >> 4
    }
    /// Header length in bytes.
    pub fn hdr_len(&self) -> usize {
        self.header.len()
    }
    /// DS field byte.
    pub fn dsfield(&self) -> u8 {
        byte(self.header, 1)
    }
    /// Total length, as the header says.
    pub fn total_len(&self) -> u16 {
        be16(self.header, 2)
    }
    /// The datagram's length: the total length, or, when that is 0 (segmentation offload),
    /// what the frame reports from the header on.
    pub fn datagram_len(&self) -> usize {
        match self.total_len() {
            0 if self.reported > 0 => self.reported as usize,
            len => usize::from(len),
        }
    }
    /// Identification.
    pub fn id(&self) -> u16 {
        be16(self.header, 4)
    }
    /// Flags (3 bits).
    pub fn flags(&self) -> u8 {
        byte(self.header, 6) >> 5
    }
    /// Don't fragment.
    pub fn df(&self) -> bool {
        self.flags() & 2 != 0
    }
    /// More fragments.
    pub fn mf(&self) -> bool {
        self.flags() & 1 != 0
    }
    /// Fragment offset in 8-byte units (tshark's `ip.frag_offset` value).
    pub fn frag_offset(&self) -> u16 {
        be16(self.header, 6) & 0x1fff
    }
    /// Time to live.
    pub fn ttl(&self) -> u8 {
        byte(self.header, 8)
    }
    /// Protocol of the payload.
    pub fn proto(&self) -> u8 {
        byte(self.header, 9)
    }
    /// Header checksum.
    pub fn checksum(&self) -> u16 {
        be16(self.header, 10)
    }
    /// Source address.
    pub fn src(&self) -> [u8; 4] {
        array(self.header, 12)
    }
    /// Destination address.
    pub fn dst(&self) -> [u8; 4] {
        array(self.header, 16)
    }
    /// The options bytes.
    pub fn options(&self) -> &'a [u8] {
        &self.header[MIN_HEADER_LEN..]
    }
    /// True when this is one piece of a fragmented datagram.
    pub fn is_fragment(&self) -> bool {
        self.mf() || self.frag_offset() != 0
    }
    /// True when tshark treats the datagram as a fragment, of which `captured` bytes (header
    /// included) are in the frame: it reassembles only a fragment captured whole, and
    /// dissects a first fragment cut short as if it were the whole datagram.
    pub fn dissected_as_fragment(&self, captured: usize) -> bool {
        self.is_fragment() && (self.frag_offset() != 0 || captured >= self.datagram_len())
    }
    /// Option types, in order (EOL ends the list).
    pub fn option_types(&self) -> impl Iterator<Item = u8> + 'a {
        let mut rest = self.options();
        std::iter::from_fn(move || {
            let kind = *rest.first()?;
            let len = match kind {
                0 => rest.len(),
                1 => 1,
                _ => (byte(rest, 1) as usize).max(2),
            };
            rest = rest.get(len..).unwrap_or(&[]);
            Some(kind)
        })
    }
}

/// Dissects an IPv4 header and its payload.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    if data.first().map(|b| b >> 4) == Some(6) {
        // tshark hands an EtherType-0x0800 packet with version 6 to the IPv6 dissector.
        return super::ipv6::dissect(w, offset, data);
    }
    let mut ip = match Ipv4::new_checked(data) {
        Ok(ip) => ip,
        Err("short") => return w.short(Proto::Ip, offset, data),
        Err(_) => {
            // tshark notes "Bogus IP header length" and stops, without calling it malformed.
            let ihl = (data[0] & 0x0f) * 4;
            return w.stub(
                Proto::Ip,
                offset,
                data,
                super::StubNote::BogusIpHeaderLength(ihl),
            );
        }
    };
    if ip.total_len() == 0 {
        ip.reported = (w.d.frame.orig_len as usize).saturating_sub(offset) as u32;
    }
    let end = ip.datagram_len().clamp(ip.hdr_len(), data.len());
    let bytes = &data[..end];
    let as_fragment = ip.dissected_as_fragment(bytes.len());
    w.d.has_fragment |= as_fragment;
    if !w.push(Proto::Ip, offset, bytes, View::Ipv4(ip)) {
        return;
    }
    if ip.version() != 4 {
        return w.malformed(Proto::Ip, offset, data, "IPv4 version is not 4");
    }
    let payload = &bytes[ip.hdr_len()..];
    let next = offset + ip.hdr_len();
    if as_fragment && !w.d.has(Proto::Icmp) {
        w.fragment_payload(ip.proto(), next, payload);
    } else {
        dispatch_ip_proto(w, ip.proto(), next, payload);
    }
}

/// Writes the Info text tshark shows for an unreassembled fragment.
pub fn fragment_info(ip: &Ipv4<'_>, out: &mut String) {
    use std::fmt::Write as _;
    let _ = write!(
        out,
        "Fragmented IP protocol (proto={} {}, off={}, ID={:04x})",
        ip_proto_name(ip.proto()),
        ip.proto(),
        ip.frag_offset() as u32 * 8,
        ip.id()
    );
}

/// Short names of IP protocol numbers, as tshark's Info and tree print them.
pub fn ip_proto_name(p: u8) -> &'static str {
    IP_PROTOS
        .iter()
        .find(|(k, _)| *k == p as u64)
        .map(|(_, n)| *n)
        .unwrap_or("Unknown")
}

/// IP protocol numbers and their names.
pub static IP_PROTOS: &[(u64, &str)] = &[
    (0, "IPv6 Hop-by-Hop Option"),
    (1, "ICMP"),
    (2, "IGMP"),
    (4, "IPIP"),
    (6, "TCP"),
    (17, "UDP"),
    (41, "IPv6"),
    (43, "IPv6 Routing"),
    (44, "IPv6 Fragment"),
    (47, "GRE"),
    (50, "ESP"),
    (51, "AH"),
    (58, "ICMPv6"),
    (59, "IPv6 No Next Header"),
    (60, "IPv6 Destination Options"),
    (89, "OSPF IGP"),
    (103, "PIM"),
    (112, "VRRP"),
    (132, "SCTP"),
];

/// IPv4 option type names.
pub static OPTION_TYPES: &[(u64, &str)] = &[
    (0, "End of Options List (EOL)"),
    (1, "No-Operation (NOP)"),
    (7, "Record Route"),
    (68, "Time Stamp"),
    (130, "Security"),
    (131, "Loose Source Route"),
    (137, "Strict Source Route"),
    (148, "Router Alert"),
];

fn src_host<'a>(
    l: &super::Layer<'a>,
    _: &super::Dissection<'a>,
    emit: &mut crate::dissect::field::Emit<'_>,
) {
    if let View::Ipv4(ip) = &l.view {
        let mut s = [0; 16];
        let n = crate::value::ipv4_text(&mut s, &ip.src());
        emit(Value::Text(&s[..n]));
    }
}

fn dst_host<'a>(
    l: &super::Layer<'a>,
    _: &super::Dissection<'a>,
    emit: &mut crate::dissect::field::Emit<'_>,
) {
    if let View::Ipv4(ip) = &l.view {
        let mut s = [0; 16];
        let n = crate::value::ipv4_text(&mut s, &ip.dst());
        emit(Value::Text(&s[..n]));
    }
}

fn host<'a>(
    l: &super::Layer<'a>,
    d: &super::Dissection<'a>,
    emit: &mut crate::dissect::field::Emit<'_>,
) {
    src_host(l, d, emit);
    dst_host(l, d, emit);
}

/// IPv4 fields.
pub static FIELDS: &[FieldDef] = &[
    field!("ip.version", "Version", U8, Ip, Ipv4, |ip, d| Some(
        Value::Uint(ip.version() as u64)
    )),
    field!("ip.hdr_len", "Header Length", U8, Ip, Ipv4, |ip, d| Some(
        Value::Uint(ip.hdr_len() as u64)
    )),
    field!(
        "ip.dsfield",
        "Differentiated Services Field",
        U8,
        Ip,
        Ipv4,
        |ip, d| Some(Value::Uint(ip.dsfield() as u64))
    )
    .hex(),
    field!(
        "ip.dsfield.dscp",
        "Differentiated Services Codepoint",
        U8,
        Ip,
        Ipv4,
        |ip, d| Some(Value::Uint((ip.dsfield() >> 2) as u64))
    ),
    field!(
        "ip.dsfield.ecn",
        "Explicit Congestion Notification",
        U8,
        Ip,
        Ipv4,
        |ip, d| Some(Value::Uint((ip.dsfield() & 3) as u64))
    ),
    field!("ip.len", "Total Length", U16, Ip, Ipv4, |ip, d| Some(
        Value::Uint(ip.datagram_len() as u64)
    )),
    field!("ip.id", "Identification", U16, Ip, Ipv4, |ip, d| Some(
        Value::Uint(ip.id() as u64)
    ))
    .hex_dec(),
    field!("ip.flags", "Flags", U8, Ip, Ipv4, |ip, d| Some(
        Value::Uint(ip.flags() as u64)
    ))
    .hex(),
    field!("ip.flags.rb", "Reserved bit", Bool, Ip, Ipv4, |ip, d| Some(
        Value::Bool(ip.flags() & 4 != 0)
    )),
    field!("ip.flags.df", "Don't fragment", Bool, Ip, Ipv4, |ip, d| {
        Some(Value::Bool(ip.df()))
    }),
    field!("ip.flags.mf", "More fragments", Bool, Ip, Ipv4, |ip, d| {
        Some(Value::Bool(ip.mf()))
    }),
    field!(
        "ip.frag_offset",
        "Fragment Offset",
        U16,
        Ip,
        Ipv4,
        |ip, d| Some(Value::Uint(ip.frag_offset() as u64))
    ),
    field!("ip.ttl", "Time to Live", U8, Ip, Ipv4, |ip, d| Some(
        Value::Uint(ip.ttl() as u64)
    )),
    field!("ip.proto", "Protocol", U8, Ip, Ipv4, |ip, d| Some(
        Value::Uint(ip.proto() as u64)
    ))
    .values(IP_PROTOS),
    field!("ip.checksum", "Header Checksum", U16, Ip, Ipv4, |ip, d| {
        Some(Value::Uint(ip.checksum() as u64))
    })
    .hex(),
    field!(
        "ip.checksum.status",
        "Header checksum status",
        U8,
        Ip,
        Ipv4,
        |ip, d| Some(Value::Uint(2))
    ),
    field!("ip.src", "Source Address", Ipv4, Ip, Ipv4, |ip, d| Some(
        Value::Ipv4(ip.src())
    )),
    field!("ip.dst", "Destination Address", Ipv4, Ip, Ipv4, |ip, d| {
        Some(Value::Ipv4(ip.dst()))
    }),
    field!(
        "ip.addr",
        "Source or Destination Address",
        Ipv4,
        Ip,
        Ipv4,
        |ip, d| [Value::Ipv4(ip.src()), Value::Ipv4(ip.dst())]
    )
    .hidden(),
    FieldDef::new(
        "ip.src_host",
        "Source Host",
        crate::dissect::field::FieldType::Str,
        Proto::Ip,
        src_host,
    )
    .hidden(),
    FieldDef::new(
        "ip.dst_host",
        "Destination Host",
        crate::dissect::field::FieldType::Str,
        Proto::Ip,
        dst_host,
    )
    .hidden(),
    FieldDef::new(
        "ip.host",
        "Source or Destination Host",
        crate::dissect::field::FieldType::Str,
        Proto::Ip,
        host,
    )
    .hidden(),
    field!("ip.opt.type", "Type", U8, Ip, Ipv4, |ip, d| ip
        .option_types()
        .map(|t| Value::Uint(t as u64)))
    .values(OPTION_TYPES),
];

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: [u8; 20] = [
        0x45, 0, 0, 0x2d, 0x10, 0x0f, 0x40, 0, 0x40, 0x11, 0x6c, 0x5f, 192, 168, 30, 129, 192, 168,
        30, 128,
    ];

    #[test]
    fn every_truncation_is_short() {
        for n in 0..HEADER.len() {
            assert_eq!(
                Ipv4::new_checked(&HEADER[..n]).err(),
                Some("short"),
                "length {n}"
            );
        }
        let ip = Ipv4::new_checked(&HEADER).unwrap();
        assert_eq!(
            (ip.total_len(), ip.id(), ip.df(), ip.ttl(), ip.proto()),
            (45, 0x100f, true, 64, 17)
        );
    }

    #[test]
    fn ihl_below_five_is_malformed() {
        let mut h = HEADER;
        h[0] = 0x44;
        assert!(matches!(Ipv4::new_checked(&h), Err(r) if r != "short"));
    }

    #[test]
    fn options_are_walked_without_looping() {
        let mut h = [0u8; 28];
        h[..20].copy_from_slice(&HEADER);
        h[0] = 0x47;
        h[20..28].copy_from_slice(&[148, 4, 0, 0, 1, 68, 0, 0]);
        let ip = Ipv4::new_checked(&h).unwrap();
        assert_eq!(ip.option_types().collect::<Vec<_>>(), vec![148, 1, 68, 0]);
    }

    #[test]
    fn zero_total_length_takes_the_reported_length() {
        let mut header = [0u8; 20];
        header[0] = 0x45;
        let mut ip = Ipv4::new_checked(&header).unwrap();
        assert_eq!(ip.datagram_len(), 0, "nothing reported: the header's 0");
        ip.reported = 80_102;
        assert_eq!(ip.datagram_len(), 80_102);
        header[3] = 40;
        let mut ip = Ipv4::new_checked(&header).unwrap();
        ip.reported = 80_102;
        assert_eq!(ip.datagram_len(), 40, "a non-zero total length is kept");
    }
}
