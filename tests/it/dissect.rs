//! Property tests of the dissectors: arbitrary bytes never panic (each dissector entry and
//! whole frames of each link type), every truncation of a valid header is reported against the
//! right layer, and frames built with etherparse's `PacketBuilder` give their fields back
//! through the registry.

use crate::fuzz_smoke::bodies;
use etherparse::{PacketBuilder, TcpHeader, TcpOptionElement, VlanId};
use proptest::prelude::*;
use wiresift::capture::{Frame, LinkType, Timestamp, TsPrecision};
use wiresift::dissect::{
    self, Depth, Dissection, FrameTimes, NoTftp, Problem, Proto, Walker, arp, ethernet, icmp,
    icmpv6, ipv4, ipv6, link, tcp, tftp, udp,
};
use wiresift::fields::{LayerSel, registry};
use wiresift::output::fields::write_field_value;

fn frame(link: LinkType, data: &[u8], orig_len: u32) -> Frame<'_> {
    Frame {
        ts: Timestamp {
            secs: 1_700_000_000,
            nanos: 0,
        },
        orig_len,
        link_type: link,
        interface_id: None,
        interface_name: None,
        precision: TsPrecision::Micro,
        data,
    }
}

fn dissect_all(f: Frame<'_>) -> Dissection<'_> {
    dissect::dissect(1, f, FrameTimes::default(), Depth::All, &NoTftp)
}

/// Every value of a field, as `-T fields` prints it.
fn values(d: &Dissection<'_>, name: &str) -> Vec<String> {
    let reg = registry();
    let id = reg
        .lookup(name)
        .unwrap_or_else(|| panic!("{name} registered"));
    let def = reg.def(id);
    let mut out = Vec::new();
    reg.each_value(id, d, LayerSel::All, &mut |v| {
        let mut s = String::new();
        write_field_value(&mut s, def, &v);
        out.push(s);
    });
    out
}

fn one(d: &Dissection<'_>, name: &str) -> String {
    let v = values(d, name);
    assert_eq!(v.len(), 1, "{name}: {v:?}");
    v.into_iter().next().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Arbitrary bytes

/// A dissector entry point.
type Entry = for<'a, 'w, 't> fn(&'w mut Walker<'a, 't>, usize, &'a [u8]);

fn vlan_8100<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    ethernet::dissect_vlan(w, 0x8100, offset, data)
}
fn vlan_88a8<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    ethernet::dissect_vlan(w, 0x88a8, offset, data)
}
fn hop_by_hop<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    ipv6::dissect_ext(w, 0, offset, data)
}
fn routing<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    ipv6::dissect_ext(w, 43, offset, data)
}
fn fragment<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    ipv6::dissect_ext(w, 44, offset, data)
}

const ENTRIES: &[(&str, Entry)] = &[
    ("ethernet", ethernet::dissect),
    ("llc", ethernet::dissect_llc),
    ("vlan", vlan_8100),
    ("ieee8021ad", vlan_88a8),
    ("sll", link::dissect_sll),
    ("sll2", link::dissect_sll2),
    ("null", link::dissect_null),
    ("raw", link::dissect_raw),
    ("arp", arp::dissect),
    ("ipv4", ipv4::dissect),
    ("ipv6", ipv6::dissect),
    ("ipv6.hopopts", hop_by_hop),
    ("ipv6.routing", routing),
    ("ipv6.fraghdr", fragment),
    ("icmp", icmp::dissect),
    ("icmpv6", icmpv6::dissect),
    ("tcp", tcp::dissect),
    ("udp", udp::dissect),
    ("tftp", tftp::dissect),
];

/// Runs one dissector entry on `data` as the whole frame, then checks the dissection and every
/// output.
fn run_entry(entry: Entry, data: &[u8], cut: bool) {
    let orig_len = data.len() as u32 + if cut { 100 } else { 0 };
    // A dissection holding only the frame layer (an unknown link type with no bytes), then
    // pointed at the frame under test.
    let mut d = dissect_all(frame(LinkType(147), &[], 0));
    d.frame = frame(LinkType(147), data, orig_len);
    let mut w = Walker {
        d: &mut d,
        depth: Depth::All,
        tftp_ports: &NoTftp,
        reassembled: None,
        reassembled_end: None,
    };
    entry(&mut w, 0, data);
    bodies::check_dissection(&d, true);
    bodies::check_outputs(&d, false);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every dissector entry point takes arbitrary bytes without panicking.
    #[test]
    fn each_dissector_takes_arbitrary_bytes(
        entry in 0..ENTRIES.len(),
        data in prop::collection::vec(any::<u8>(), 0..200),
        cut in any::<bool>(),
    ) {
        run_entry(ENTRIES[entry].1, &data, cut);
    }

    /// A whole frame of every link type (and an unknown one) takes arbitrary bytes, at every
    /// depth, through the trackers and every output.
    #[test]
    fn whole_frames_of_every_link_type_take_arbitrary_bytes(
        selector in any::<u8>(),
        data in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut input = vec![selector];
        input.extend(data);
        bodies::frame(&input);
    }
}

#[test]
fn every_entry_takes_every_short_input() {
    // Exhaustive for the shortest inputs, where off-by-one slicing hides.
    for (name, entry) in ENTRIES {
        for len in 0..=64usize {
            for fill in [0x00u8, 0x45, 0x60, 0xff] {
                let data = vec![fill; len];
                for cut in [false, true] {
                    let result = std::panic::catch_unwind(|| run_entry(*entry, &data, cut));
                    assert!(result.is_ok(), "{name}: {len} bytes of {fill:#04x}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Truncation of valid headers

/// A valid frame and the byte range of each header in it, outermost first.
struct Built {
    bytes: Vec<u8>,
    headers: Vec<(Proto, usize, usize)>,
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Ipv4Tcp,
    Ipv4TcpOptions,
    Ipv4Udp,
    VlanIpv4Udp,
    Ipv6Tcp,
    Ipv6Udp,
    Ipv4Icmp,
    Ipv6Icmpv6,
}

const SHAPES: [Shape; 8] = [
    Shape::Ipv4Tcp,
    Shape::Ipv4TcpOptions,
    Shape::Ipv4Udp,
    Shape::VlanIpv4Udp,
    Shape::Ipv6Tcp,
    Shape::Ipv6Udp,
    Shape::Ipv4Icmp,
    Shape::Ipv6Icmpv6,
];

const MAC_A: [u8; 6] = [0x00, 0x0c, 0x29, 0xaa, 0xbb, 0x01];
const MAC_B: [u8; 6] = [0x00, 0x0c, 0x29, 0xaa, 0xbb, 0x02];
const V4_A: [u8; 4] = [192, 168, 30, 129];
const V4_B: [u8; 4] = [192, 168, 30, 128];
const V6_A: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6_B: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

fn build(shape: Shape, payload: &[u8]) -> Built {
    let eth = PacketBuilder::ethernet2(MAC_A, MAC_B);
    let mut bytes = Vec::new();
    let tcp_options = {
        let mut h = TcpHeader::new(49152, 80, 1000, 64240);
        h.syn = true;
        h.set_options(&[
            TcpOptionElement::MaximumSegmentSize(1460),
            TcpOptionElement::SelectiveAcknowledgementPermitted,
            TcpOptionElement::Noop,
            TcpOptionElement::WindowScale(7),
        ])
        .expect("options fit");
        h
    };
    let (headers, result) = match shape {
        Shape::Ipv4Tcp => (
            vec![(Proto::Eth, 14), (Proto::Ip, 20), (Proto::Tcp, 20)],
            eth.ipv4(V4_A, V4_B, 64)
                .tcp(49152, 80, 1000, 64240)
                .write(&mut bytes, payload),
        ),
        Shape::Ipv4TcpOptions => (
            vec![(Proto::Eth, 14), (Proto::Ip, 20), (Proto::Tcp, 32)],
            eth.ipv4(V4_A, V4_B, 64)
                .tcp_header(tcp_options)
                .write(&mut bytes, payload),
        ),
        Shape::Ipv4Udp => (
            vec![(Proto::Eth, 14), (Proto::Ip, 20), (Proto::Udp, 8)],
            eth.ipv4(V4_A, V4_B, 64)
                .udp(50000, 9000)
                .write(&mut bytes, payload),
        ),
        Shape::VlanIpv4Udp => (
            vec![
                (Proto::Eth, 14),
                (Proto::Vlan, 4),
                (Proto::Ip, 20),
                (Proto::Udp, 8),
            ],
            eth.single_vlan(VlanId::try_new(100).expect("vlan id"))
                .ipv4(V4_A, V4_B, 64)
                .udp(50000, 9000)
                .write(&mut bytes, payload),
        ),
        Shape::Ipv6Tcp => (
            vec![(Proto::Eth, 14), (Proto::Ipv6, 40), (Proto::Tcp, 20)],
            eth.ipv6(V6_A, V6_B, 64)
                .tcp(49152, 80, 1000, 64240)
                .write(&mut bytes, payload),
        ),
        Shape::Ipv6Udp => (
            vec![(Proto::Eth, 14), (Proto::Ipv6, 40), (Proto::Udp, 8)],
            eth.ipv6(V6_A, V6_B, 64)
                .udp(50000, 9000)
                .write(&mut bytes, payload),
        ),
        Shape::Ipv4Icmp => (
            vec![(Proto::Eth, 14), (Proto::Ip, 20), (Proto::Icmp, 8)],
            eth.ipv4(V4_A, V4_B, 64)
                .icmpv4_echo_request(0x1234, 7)
                .write(&mut bytes, payload),
        ),
        Shape::Ipv6Icmpv6 => (
            vec![(Proto::Eth, 14), (Proto::Ipv6, 40), (Proto::Icmpv6, 8)],
            eth.ipv6(V6_A, V6_B, 64)
                .icmpv6_echo_request(0x1234, 7)
                .write(&mut bytes, payload),
        ),
    };
    result.expect("etherparse writes the frame");
    let mut at = 0;
    let headers = headers
        .into_iter()
        .map(|(p, len)| {
            let h = (p, at, at + len);
            at += len;
            h
        })
        .collect();
    Built { bytes, headers }
}

/// The problem a frame cut to `n` bytes must report: against the first header that does not
/// fit, as cut by the snaplen when the frame says it was longer on the wire.
fn expected_problem(built: &Built, n: usize, cut_by_snaplen: bool) -> Option<Problem> {
    let (proto, _, _) = built.headers.iter().find(|(_, _, end)| n < *end)?;
    Some(if cut_by_snaplen {
        Problem::CutBySnaplen { proto: *proto }
    } else {
        Problem::Malformed {
            proto: *proto,
            reason: "header runs past the end of the frame",
        }
    })
}

fn check_truncations(shape: Shape, payload: &[u8]) {
    let built = build(shape, payload);
    let full = built.bytes.len();
    let whole = dissect_all(frame(LinkType::ETHERNET, &built.bytes, full as u32));
    assert_eq!(
        whole.expert.problem, None,
        "{shape:?} whole: {:?}",
        whole.layers
    );
    for n in 0..full {
        for cut_by_snaplen in [true, false] {
            let orig_len = if cut_by_snaplen { full } else { n } as u32;
            let bytes = &built.bytes[..n];
            let d = dissect_all(frame(LinkType::ETHERNET, bytes, orig_len));
            let expected = expected_problem(&built, n, cut_by_snaplen);
            assert_eq!(
                d.expert.problem, expected,
                "{shape:?} cut to {n} of {full} bytes (snaplen: {cut_by_snaplen})"
            );
            if let Some(Problem::CutBySnaplen { proto } | Problem::Malformed { proto, .. }) =
                expected
            {
                assert!(d.has(proto), "{shape:?} cut to {n}: {proto:?} still listed");
            }
            bodies::check_outputs(&d, false);
        }
    }
}

#[test]
fn every_truncation_of_every_header_is_reported_against_its_layer() {
    for shape in SHAPES {
        check_truncations(shape, b"");
        check_truncations(shape, b"payload!");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The same with any payload.
    #[test]
    fn truncation_with_any_payload(
        shape in 0..SHAPES.len(),
        payload in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        check_truncations(SHAPES[shape], &payload);
    }
}

// ---------------------------------------------------------------------------------------------
// Encode, then decode through the registry

fn mac(m: [u8; 6]) -> String {
    hex_colon(&m)
}

fn hex_colon(b: &[u8]) -> String {
    b.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A UDP port with no application dissector: random payloads on 53, 123, 5353... are not
/// well-formed messages of those protocols, and the round trip is about UDP.
fn plain_udp_port(p: u16) -> bool {
    ![53, 67, 68, 69, 123, 1900, 3544, 5353].contains(&p)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn ipv4_tcp_fields_round_trip(
        src_mac in any::<[u8; 6]>(),
        dst_mac in any::<[u8; 6]>(),
        src in any::<[u8; 4]>(),
        dst in any::<[u8; 4]>(),
        ttl in any::<u8>(),
        sport in any::<u16>(),
        dport in any::<u16>(),
        seq in any::<u32>(),
        window in any::<u16>(),
        payload in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        prop_assume!(![22, 53].contains(&sport) && ![22, 53].contains(&dport));
        let mut bytes = Vec::new();
        PacketBuilder::ethernet2(src_mac, dst_mac)
            .ipv4(src, dst, ttl)
            .tcp(sport, dport, seq, window)
            .write(&mut bytes, &payload)
            .expect("written");
        let d = dissect_all(frame(LinkType::ETHERNET, &bytes, bytes.len() as u32));
        prop_assert_eq!(d.expert.problem, None);
        prop_assert_eq!(one(&d, "eth.src"), mac(src_mac));
        prop_assert_eq!(one(&d, "eth.dst"), mac(dst_mac));
        prop_assert_eq!(one(&d, "eth.type"), "0x0800");
        prop_assert_eq!(one(&d, "ip.src"), std::net::Ipv4Addr::from(src).to_string());
        prop_assert_eq!(one(&d, "ip.dst"), std::net::Ipv4Addr::from(dst).to_string());
        prop_assert_eq!(one(&d, "ip.ttl"), ttl.to_string());
        prop_assert_eq!(one(&d, "ip.proto"), "6");
        prop_assert_eq!(one(&d, "ip.len"), (40 + payload.len()).to_string());
        prop_assert_eq!(one(&d, "tcp.srcport"), sport.to_string());
        prop_assert_eq!(one(&d, "tcp.dstport"), dport.to_string());
        prop_assert_eq!(one(&d, "tcp.seq_raw"), seq.to_string());
        prop_assert_eq!(one(&d, "tcp.window_size_value"), window.to_string());
        prop_assert_eq!(one(&d, "tcp.len"), payload.len().to_string());
        prop_assert_eq!(values(&d, "tcp.port"), vec![sport.to_string(), dport.to_string()]);
        if payload.is_empty() {
            prop_assert!(values(&d, "tcp.payload").is_empty());
        } else {
            prop_assert_eq!(one(&d, "tcp.payload"), hex_colon(&payload));
        }
        prop_assert_eq!(one(&d, "frame.len"), bytes.len().to_string());
    }

    #[test]
    fn vlan_ipv4_udp_fields_round_trip(
        vlan in 0u16..4096,
        src in any::<[u8; 4]>(),
        dst in any::<[u8; 4]>(),
        sport in any::<u16>(),
        dport in any::<u16>(),
        payload in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        // Port 69 would make the payload TFTP; any other port leaves it UDP data.
        prop_assume!(plain_udp_port(sport) && plain_udp_port(dport));
        let mut bytes = Vec::new();
        PacketBuilder::ethernet2(MAC_A, MAC_B)
            .single_vlan(VlanId::try_new(vlan).expect("12 bits"))
            .ipv4(src, dst, 64)
            .udp(sport, dport)
            .write(&mut bytes, &payload)
            .expect("written");
        let d = dissect_all(frame(LinkType::ETHERNET, &bytes, bytes.len() as u32));
        prop_assert_eq!(d.expert.problem, None);
        prop_assert_eq!(one(&d, "vlan.id"), vlan.to_string());
        prop_assert_eq!(one(&d, "vlan.etype"), "0x0800");
        prop_assert_eq!(one(&d, "ip.src"), std::net::Ipv4Addr::from(src).to_string());
        prop_assert_eq!(one(&d, "ip.dst"), std::net::Ipv4Addr::from(dst).to_string());
        prop_assert_eq!(one(&d, "udp.srcport"), sport.to_string());
        prop_assert_eq!(one(&d, "udp.dstport"), dport.to_string());
        prop_assert_eq!(one(&d, "udp.length"), (8 + payload.len()).to_string());
        if !payload.is_empty() {
            prop_assert_eq!(one(&d, "udp.payload"), hex_colon(&payload));
        }
    }

    #[test]
    fn ipv6_udp_fields_round_trip(
        src in any::<[u8; 16]>(),
        dst in any::<[u8; 16]>(),
        hlim in any::<u8>(),
        sport in any::<u16>(),
        dport in any::<u16>(),
        payload in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        prop_assume!(plain_udp_port(sport) && plain_udp_port(dport));
        let mut bytes = Vec::new();
        PacketBuilder::ethernet2(MAC_A, MAC_B)
            .ipv6(src, dst, hlim)
            .udp(sport, dport)
            .write(&mut bytes, &payload)
            .expect("written");
        let d = dissect_all(frame(LinkType::ETHERNET, &bytes, bytes.len() as u32));
        prop_assert_eq!(d.expert.problem, None);
        prop_assert_eq!(one(&d, "ipv6.src"), std::net::Ipv6Addr::from(src).to_string());
        prop_assert_eq!(one(&d, "ipv6.dst"), std::net::Ipv6Addr::from(dst).to_string());
        prop_assert_eq!(one(&d, "ipv6.hlim"), hlim.to_string());
        prop_assert_eq!(one(&d, "ipv6.plen"), (8 + payload.len()).to_string());
        prop_assert_eq!(one(&d, "ipv6.nxt"), "17");
        prop_assert_eq!(one(&d, "udp.srcport"), sport.to_string());
        prop_assert_eq!(one(&d, "udp.dstport"), dport.to_string());
    }

    #[test]
    fn icmp_echo_fields_round_trip(
        id in any::<u16>(),
        seq in any::<u16>(),
        payload in prop::collection::vec(any::<u8>(), 0..64),
        v6 in any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        let eth = PacketBuilder::ethernet2(MAC_A, MAC_B);
        if v6 {
            eth.ipv6(V6_A, V6_B, 64)
                .icmpv6_echo_request(id, seq)
                .write(&mut bytes, &payload)
                .expect("written");
        } else {
            eth.ipv4(V4_A, V4_B, 64)
                .icmpv4_echo_request(id, seq)
                .write(&mut bytes, &payload)
                .expect("written");
        }
        let d = dissect_all(frame(LinkType::ETHERNET, &bytes, bytes.len() as u32));
        prop_assert_eq!(d.expert.problem, None);
        if v6 {
            prop_assert_eq!(one(&d, "icmpv6.type"), "128");
            prop_assert_eq!(one(&d, "icmpv6.echo.identifier"), format!("0x{id:04x}"));
            prop_assert_eq!(one(&d, "icmpv6.echo.sequence_number"), seq.to_string());
            prop_assert_eq!(one(&d, "icmpv6.checksum.status"), "1", "etherparse's checksum verifies");
        } else {
            prop_assert_eq!(one(&d, "icmp.type"), "8");
            prop_assert_eq!(one(&d, "icmp.code"), "0");
            prop_assert_eq!(one(&d, "icmp.ident"), id.to_string());
            prop_assert_eq!(one(&d, "icmp.seq"), seq.to_string());
            prop_assert_eq!(one(&d, "icmp.checksum.status"), "1", "etherparse's checksum verifies");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Named per-frame limits

#[test]
fn limit_messages_name_their_constant_and_its_value() {
    for (message, name, value) in [
        (dissect::LIMIT_LAYERS, "MAX_LAYERS", dissect::MAX_LAYERS),
        (
            ethernet::LIMIT_VLAN_TAGS,
            "MAX_VLAN_TAGS",
            ethernet::MAX_VLAN_TAGS,
        ),
        (
            ipv6::LIMIT_EXT_HEADERS,
            "MAX_EXT_HEADERS",
            ipv6::MAX_EXT_HEADERS,
        ),
    ] {
        assert!(
            message.contains(&format!("{name} ({value})")),
            "{message:?} should name {name} ({value})"
        );
    }
}

#[test]
fn frame_protocols_always_fits_its_buffer() {
    let longest = Proto::ALL
        .iter()
        .map(|p| p.protocols_entry().len())
        .max()
        .unwrap_or(0);
    assert!(
        dissect::MAX_LAYERS * (longest + 1) <= wiresift::fields::frame::MAX_PROTOCOLS_LEN,
        "{longest}"
    );
}

#[test]
fn layer_limit_is_reported_not_silent() {
    // IPv4 in IPv4 in IPv4 ...: every header is valid, the chain is just too long.
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&MAC_B);
    bytes.extend_from_slice(&MAC_A);
    bytes.extend_from_slice(&[0x08, 0x00]);
    let depth = 40u16;
    for i in 0..depth {
        let total = (depth - i) * 20;
        bytes.extend_from_slice(&[0x45, 0, (total >> 8) as u8, total as u8, 0, 0, 0, 0, 64, 4]);
        bytes.extend_from_slice(&[0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    }
    let d = dissect_all(frame(LinkType::ETHERNET, &bytes, bytes.len() as u32));
    assert_eq!(d.layers.len(), dissect::MAX_LAYERS);
    assert_eq!(d.expert.limit_hit, Some(dissect::LIMIT_LAYERS));
    let mut tree = String::new();
    let opts = wiresift::output::OutputOptions {
        resolve: wiresift::output::Resolve { mac: false },
        time: wiresift::output::TimeFormat::Relative,
        expand: wiresift::dissect::proto::ProtoSet::ALL,
    };
    wiresift::output::tree::write_tree(&mut tree, &d, &opts);
    assert!(
        tree.contains("[Dissection limit reached: more than MAX_LAYERS (24) protocol layers]"),
        "{tree}"
    );
    assert_eq!(
        values(&d, "_ws.expert.message"),
        vec!["Dissection limit reached: more than MAX_LAYERS (24) protocol layers"]
    );
}
