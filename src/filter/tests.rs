//! Unit tests of the whole engine on the project's sample captures.

use super::*;

fn frames(capture: &str, filter: &str) -> Vec<u32> {
    let path = format!("{}/captures/{capture}", env!("CARGO_MANIFEST_DIR"));
    crate::engine::matching_frames(&path, filter).unwrap_or_else(|e| panic!("{filter}: {e}"))
}

fn error(filter: &str) -> FilterError {
    Filter::compile(filter).expect_err(filter)
}

#[test]
fn empty_filter_passes_everything() {
    assert_eq!(frames("ping-arp.pcap", "").len(), 15);
    assert_eq!(frames("ping-arp.pcap", "  ").len(), 15);
}

#[test]
fn presence_and_negation() {
    assert_eq!(frames("ping-arp.pcap", "arp"), [1, 2, 11]);
    assert_eq!(frames("ping-arp.pcap", "not icmp and not arp"), [12, 14]);
}

#[test]
fn quoted_headers_and_layers() {
    assert_eq!(
        frames("ping-arp.pcap", "ip.src == 192.168.30.129 && icmp"),
        [3, 5, 7, 9, 13, 15]
    );
    assert_eq!(
        frames("ping-arp.pcap", "ip.src#1 == 192.168.30.129 && icmp"),
        [3, 5, 7, 9]
    );
    assert_eq!(frames("ping-arp.pcap", "count(ip.src) == 2"), [13, 15]);
}

#[test]
fn unknown_name_suggests() {
    let e = error("ip.dts == 1.2.3.4");
    assert_eq!(
        e.render("ip.dts == 1.2.3.4"),
        "\"ip.dts\" is neither a field nor a protocol name. Did you mean \"ip.dst\"?\n    ip.dts == 1.2.3.4\n    ^~~~~~"
    );
}

#[test]
fn needs_and_depth() {
    let f = Filter::compile("tcp.analysis.retransmission").unwrap();
    assert!(f.needs().tcp);
    assert_eq!(f.depth(), Depth::Transport);
    let f = Filter::compile("frame.len > 100").unwrap();
    assert_eq!((f.needs(), f.depth()), (Needs::NONE, Depth::Link));
    let f = Filter::compile("arp").unwrap();
    assert_eq!(f.depth(), Depth::Network);
    let f = Filter::compile("tftp").unwrap();
    assert!(f.needs().tftp);
    assert_eq!(f.depth(), Depth::All);
    assert_eq!(
        Filter::compile("frame.protocols contains \"ip\"")
            .unwrap()
            .depth(),
        Depth::All
    );
    assert_eq!(Filter::compile("").unwrap().depth(), Depth::Link);
}
