//! Application-layer dissectors (DNS, mDNS, SSDP, HTTP, IGMP) against tshark 4.0.17's
//! summary lines.
//!
//! The public corpus is not part of the repository: set `WIRESIFT_CORPUS` to its directory
//! (`/work/shared/captures`, with `expected/NAME.summary.txt`) to run those checks; without it
//! they print "skipped". The project's own `captures/tcp-session.pcap` is checked always.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("WIRESIFT_CORPUS") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            eprintln!("skipped: set WIRESIFT_CORPUS to the capture corpus to compare with tshark");
            None
        }
    }
}

/// Our summary lines for a capture.
fn summary(capture: &Path) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_wiresift"))
        .arg("-r")
        .arg(capture)
        .output()
        .expect("run wiresift");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn expected(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The Protocol and Info columns of a summary line (`No. Time Src → Dst Proto Len Info`),
/// with runs of spaces folded.
fn protocol_and_info(line: &str) -> (String, String) {
    let after = line.split_once(" \u{2192} ").map_or(line, |(_, b)| b);
    let mut words = after.split_whitespace();
    let _dst = words.next();
    let proto = words.next().unwrap_or("").to_owned();
    let _len = words.next();
    let info = words.collect::<Vec<_>>().join(" ");
    (proto, info)
}

/// Which expected lines to compare, by their Protocol and Info columns.
type Select<'a> = &'a dyn Fn(&str, &str) -> bool;

/// Compares the lines of `capture` whose expected Protocol and Info `wanted` accepts (all
/// lines when `None`); returns how many were compared.
fn compare(dir: &Path, capture: &str, wanted: Option<Select<'_>>) -> usize {
    let want = expected(&dir.join("expected").join(format!("{capture}.summary.txt")));
    let got = summary(&dir.join(capture));
    assert_eq!(got.len(), want.len(), "{capture}: line count");
    let mut compared = 0;
    let mut bad = Vec::new();
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        let w = protocol_and_info(w);
        if wanted.is_some_and(|f| !f(&w.0, &w.1)) {
            continue;
        }
        compared += 1;
        let g = protocol_and_info(g);
        if w != g {
            bad.push(format!(
                "#{}\n  want {} {}\n  got  {} {}",
                i + 1,
                w.0,
                w.1,
                g.0,
                g.1
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{capture}: {} of {compared} lines differ:\n{}",
        bad.len(),
        bad.iter().take(10).cloned().collect::<Vec<_>>().join("\n")
    );
    compared
}

#[test]
fn dns_over_udp_and_tcp() {
    let Some(dir) = corpus() else { return };
    assert_eq!(compare(&dir, "dns-udp.pcap", None), 2);
    compare(&dir, "tcp-dns-handshake-fin.pcap", None);
    compare(&dir, "pcapng-multi-interface-dns.pcapng", None);
}

#[test]
fn ssdp_mdns_dns_and_igmp_frames_of_the_big_sample() {
    let Some(dir) = corpus() else { return };
    let apps = |p: &str, _: &str| matches!(p, "SSDP" | "MDNS" | "DNS") || p.starts_with("IGMP");
    let n = compare(
        &dir,
        "pcapng-wireshark-samples-5898pkts.pcapng",
        Some(&apps),
    );
    // 1021 SSDP, 206 MDNS, the DNS and IGMP lines.
    assert!(n > 1300, "only {n} lines compared");
}

#[test]
fn igmp_with_router_alert() {
    let Some(dir) = corpus() else { return };
    assert_eq!(
        compare(&dir, "ipv4-options-router-alert-igmp.pcap", None),
        18
    );
}

#[test]
fn http_and_segments_of_reassembled_messages() {
    let Some(dir) = corpus() else { return };
    for capture in [
        "tcp-http-get-handshake-fin.pcap",
        "vlan-id0-http.pcap",
        "tcp-http-handshake-fin-loopback.pcap",
    ] {
        compare(&dir, capture, None);
    }
    // Only the HTTP frames and segments here: these captures' TCP analysis labels are the
    // TCP tracker's business.
    let http = |p: &str, info: &str| p == "HTTP" || info.contains("reassembled PDU");
    assert_eq!(compare(&dir, "tcp-http-arp-pcapng.pcapng", Some(&http)), 12);
    assert_eq!(compare(&dir, "ipv6-http-atomic-frag.pcap", Some(&http)), 3);
}

#[test]
fn ssh_ntp_and_bootp() {
    let Some(dir) = corpus() else { return };
    let ssh = |p: &str, _: &str| p.starts_with("SSH");
    assert_eq!(
        compare(&dir, "tcp-ssh-session-retransmission.pcap", Some(&ssh)),
        25
    );
    assert_eq!(compare(&dir, "tcp-ssh-rst-nanosec.pcap", Some(&ssh)), 2);
    let ntp = |p: &str, _: &str| p == "NTP";
    assert_eq!(
        compare(&dir, "pcapng-wireshark-samples-5898pkts.pcapng", Some(&ntp)),
        2
    );
    let bootp = |p: &str, _: &str| p == "BOOTP" || p == "DHCP";
    for capture in [
        "pcapng-bigendian-multi-interface-testsuite.pcapng",
        "pcapng-littleendian-multi-interface-testsuite.pcapng",
    ] {
        assert!(compare(&dir, capture, Some(&bootp)) >= 4);
    }
}

/// Port 8080 is HTTP's for tshark: the project's own capture sends non-HTTP bytes there,
/// which show as segments of a reassembled PDU (but not the retransmitted one).
#[test]
fn non_http_bytes_on_an_http_port() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let want = expected(&root.join("tests/golden/tcp-session.pcap.summary.txt"));
    let got = summary(&root.join("captures/tcp-session.pcap"));
    for n in [17, 19, 20, 22] {
        assert_eq!(
            protocol_and_info(&got[n - 1]),
            protocol_and_info(&want[n - 1]),
            "frame {n}"
        );
    }
}
