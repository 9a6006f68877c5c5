//! `-z conv,*` and `-z endpoints,ip` against numbers TShark 4.0.17 printed
//! (`tshark -r F -q -z conv,tcp` etc.), hard-coded here.

use crate::pcapw::jsonl;
use crate::support;
use std::path::Path;

fn rows(capture: &str, spec: &str) -> Vec<serde_json::Value> {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join(capture);
    jsonl(&["-r", f.to_str().unwrap(), "-q", "-T", "jsonl", "-z", spec])
}

/// (a, b, frames b→a, bytes b→a, frames a→b, bytes a→b, rel start, duration) as TShark printed.
type Golden = (&'static str, &'static str, u64, u64, u64, u64, f64, f64);

fn check(capture: &str, spec: &str, want: &[Golden]) {
    let got = rows(capture, spec);
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g["a"], w.0);
        assert_eq!(g["b"], w.1);
        assert_eq!(
            [
                &g["frames_b_to_a"],
                &g["bytes_b_to_a"],
                &g["frames_a_to_b"],
                &g["bytes_a_to_b"]
            ]
            .map(|v| v.as_u64().unwrap()),
            [w.2, w.3, w.4, w.5],
            "{}",
            w.0
        );
        assert!(
            (g["rel_start"].as_f64().unwrap() - w.6).abs() < 1e-9,
            "{}",
            w.0
        );
        // TShark prints the duration with 4 decimals.
        assert!(
            (g["duration"].as_f64().unwrap() - w.7).abs() < 0.00005,
            "{}",
            w.0
        );
    }
}

#[test]
fn conv_tcp_tcp_session() {
    check(
        "captures/tcp-session.pcap",
        "conv,tcp",
        &[
            (
                "192.168.30.129:49152",
                "192.168.30.128:80",
                5,
                598,
                6,
                453,
                0.000275,
                0.0053,
            ),
            (
                "192.168.30.129:49153",
                "192.168.30.128:8080",
                4,
                284,
                7,
                624,
                0.2556,
                1.7309,
            ),
            (
                "192.168.30.129:49154",
                "192.168.30.128:23",
                1,
                60,
                1,
                66,
                2.386545,
                0.0002,
            ),
            (
                "192.168.30.129:49155",
                "192.168.30.128:22",
                0,
                0,
                2,
                132,
                2.886725,
                1.0,
            ),
        ],
    );
}

#[test]
fn conv_udp_tftp() {
    check(
        "captures/tftp.pcap",
        "conv,udp",
        &[
            (
                "192.168.30.128:40003",
                "192.168.30.129:50002",
                3,
                180,
                3,
                2160,
                1.50391,
                0.0009,
            ),
            (
                "192.168.30.128:40001",
                "192.168.30.129:50000",
                2,
                120,
                2,
                699,
                0.00135,
                0.0006,
            ),
            (
                "192.168.30.129:50000",
                "192.168.30.128:69",
                0,
                0,
                1,
                60,
                0.0,
                0.0,
            ),
            (
                "192.168.30.129:50001",
                "192.168.30.128:69",
                0,
                0,
                1,
                61,
                0.80191,
                0.0,
            ),
            (
                "192.168.30.128:40002",
                "192.168.30.129:50001",
                0,
                0,
                1,
                63,
                0.80281,
                0.0,
            ),
            (
                "192.168.30.129:50002",
                "192.168.30.128:69",
                0,
                0,
                1,
                79,
                1.50281,
                0.0,
            ),
        ],
    );
}

#[test]
fn conv_ip_and_endpoints() {
    check(
        "captures/tcp-session.pcap",
        "conv,ip",
        &[(
            "192.168.30.129",
            "192.168.30.128",
            10,
            942,
            16,
            1275,
            0.000275,
            3.8865,
        )],
    );
    let e = rows("captures/tcp-session.pcap", "endpoints,ip");
    assert_eq!(e.len(), 2);
    assert_eq!(e[0]["address"], "192.168.30.129");
    assert_eq!(
        [
            "packets",
            "bytes",
            "tx_packets",
            "tx_bytes",
            "rx_packets",
            "rx_bytes"
        ]
        .map(|k| e[0][k].as_u64().unwrap()),
        [26, 2217, 16, 1275, 10, 942]
    );
}

#[test]
fn json_array_holds_every_report() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/tcp-session.pcap");
    let out = crate::pcapw::wiresift(&[
        "-r",
        f.to_str().unwrap(),
        "-q",
        "-T",
        "json",
        "-z",
        "conv,tcp",
        "-z",
        "tcp,states",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a.iter().filter(|o| o["report"] == "conv,tcp").count(), 4);
    assert_eq!(a.iter().filter(|o| o["report"] == "tcp,states").count(), 4);
}

/// `-z follow`, `io,phs` and `io,stat` print TShark's text byte for byte on every shipped
/// capture (tests/golden/reports, made by scripts/golden-reports.sh with tshark 4.0).
#[test]
fn tshark_shaped_reports_match_tshark_on_project_captures() {
    let dir = support::root().join("tests/golden/reports");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("golden reports") {
        let path = entry.unwrap().path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(capture) = name.strip_suffix(".args") else {
            continue;
        };
        let args_text = std::fs::read_to_string(&path).unwrap();
        let mut args = vec![
            "-r".to_string(),
            support::capture(capture).display().to_string(),
            "-q".into(),
        ];
        for z in args_text.lines() {
            args.push("-z".into());
            args.push(z.to_string());
        }
        let out = support::wiresift(&args);
        let expected = std::fs::read(dir.join(format!("{capture}.txt"))).unwrap();
        assert!(
            out.stdout == expected,
            "{capture}: the reports differ from tshark's (scripts/compare-reports.py shows where)"
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} golden report sets");
}

/// Bad `-z` arguments are usage errors that say what is wrong.
#[test]
fn bad_report_arguments_are_usage_errors() {
    for (z, says) in [
        ("follow,tls,ascii,0", "tls"),
        ("follow,tcp,ascii,x", "\"x\""),
        ("io,stat,-1", "interval"),
        ("io,stat,1,SUM(ip.src)", "integral"),
        ("io,stat,1,tcp.port ==", "end of filter"),
        ("io,phs,nope", "nope"),
        ("expert,loud", "\"loud\""),
        ("expert,warn,tcp.port ==", "end of filter"),
        ("dns,tree,dns.qry ==", "end of filter"),
        ("http,treee", "http,tree"),
    ] {
        let out = support::wiresift([
            "-r",
            &support::capture("tcp-session.pcap").display().to_string(),
            "-q",
            "-z",
            z,
        ]);
        assert_eq!(out.status.code(), Some(2), "{z}");
        assert!(
            support::stderr(&out).contains(says),
            "{z}: {}",
            support::stderr(&out)
        );
    }
}

/// `-z expert,LEVEL,FILTER` keeps the entries at least that severe, of the frames the filter
/// takes; JSON rows carry the same entries.
#[test]
fn expert_level_and_filter_select_entries() {
    let f = support::capture("tcp-session.pcap").display().to_string();
    let text = |z: &str| support::stdout(&support::wiresift(["-r", f.as_str(), "-q", "-z", z]));
    let warn = text("expert,warn");
    assert!(warn.contains("Warns (2)") && !warn.contains("Notes") && !warn.contains("Chats"));
    let port_80 = text("expert,chat,tcp.port == 80");
    assert!(port_80.contains("server port 80") && !port_80.contains("server port 8080"));
    let rows = rows("captures/tcp-session.pcap", "expert");
    let rst = rows
        .iter()
        .find(|r| r["summary"] == "Connection reset (RST)")
        .expect("RST row");
    assert_eq!(
        (rst["severity"].as_str(), rst["frequency"].as_u64()),
        (Some("warn"), Some(2))
    );
}

/// (address, port, packets, bytes, tx packets, tx bytes, rx packets, rx bytes), in the order
/// TShark 4.0 printed them.
type EndpointGolden = (&'static str, u64, [u64; 6]);

fn check_endpoints(capture: &str, spec: &str, want: &[EndpointGolden]) {
    let got = rows(capture, spec);
    let keys = [
        "packets",
        "bytes",
        "tx_packets",
        "tx_bytes",
        "rx_packets",
        "rx_bytes",
    ];
    let got: Vec<(String, u64, [u64; 6])> = got
        .iter()
        .map(|g| {
            (
                g["address"].as_str().unwrap().to_string(),
                g["port"].as_u64().unwrap(),
                keys.map(|k| g[k].as_u64().unwrap()),
            )
        })
        .collect();
    let want: Vec<(String, u64, [u64; 6])> =
        want.iter().map(|w| (w.0.to_string(), w.1, w.2)).collect();
    assert_eq!(got, want, "{capture} {spec}");
}

#[test]
fn endpoints_tcp_and_udp_match_tshark() {
    check_endpoints(
        "captures/tcp-session.pcap",
        "endpoints,tcp",
        &[
            ("192.168.30.129", 49152, [11, 1051, 6, 453, 5, 598]),
            ("192.168.30.128", 80, [11, 1051, 5, 598, 6, 453]),
            ("192.168.30.129", 49153, [11, 908, 7, 624, 4, 284]),
            ("192.168.30.128", 8080, [11, 908, 4, 284, 7, 624]),
            ("192.168.30.129", 49154, [2, 126, 1, 66, 1, 60]),
            ("192.168.30.128", 23, [2, 126, 1, 60, 1, 66]),
            ("192.168.30.129", 49155, [2, 132, 2, 132, 0, 0]),
            ("192.168.30.128", 22, [2, 132, 0, 0, 2, 132]),
        ],
    );
    check_endpoints(
        "captures/null-loopback.pcap",
        "endpoints,udp",
        &[
            ("::1", 5300, [3, 239, 0, 0, 3, 239]),
            ("127.0.0.1", 53000, [2, 100, 1, 50, 1, 50]),
            ("127.0.0.1", 5300, [2, 100, 1, 50, 1, 50]),
            ("::1", 53001, [1, 76, 1, 76, 0, 0]),
            ("::1", 53002, [1, 85, 1, 85, 0, 0]),
            ("::1", 53003, [1, 78, 1, 78, 0, 0]),
        ],
    );
    // TShark's TCP taps no segment whose header is bogus or cut: no endpoints, no conversations.
    assert!(rows("captures/malformed.pcap", "endpoints,tcp").is_empty());
    assert!(rows("captures/malformed.pcap", "conv,tcp").is_empty());
}

#[test]
fn conv_eth_matches_tshark() {
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/tcp-session.pcap");
    let numeric = jsonl(&[
        "-n",
        "-r",
        f.to_str().unwrap(),
        "-q",
        "-T",
        "jsonl",
        "-z",
        "conv,eth",
    ]);
    let got: Vec<(&str, &str, [u64; 4])> = numeric
        .iter()
        .map(|g| {
            (
                g["a"].as_str().unwrap(),
                g["b"].as_str().unwrap(),
                [
                    "frames_b_to_a",
                    "bytes_b_to_a",
                    "frames_a_to_b",
                    "bytes_a_to_b",
                ]
                .map(|k| g[k].as_u64().unwrap()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "00:0c:29:aa:bb:02",
                "00:0c:29:aa:bb:01",
                [16, 1275, 11, 1002]
            ),
            ("00:0c:29:aa:bb:01", "ff:ff:ff:ff:ff:ff", [0, 0, 1, 60]),
        ]
    );
    assert!((numeric[0]["rel_start"].as_f64().unwrap() - 0.000180).abs() < 1e-9);
    assert!((numeric[0]["duration"].as_f64().unwrap() - 3.8865).abs() < 0.00005);
    // Without -n, as TShark prints them: vendor names.
    let named = rows("captures/tcp-session.pcap", "conv,eth");
    assert_eq!(named[0]["a"], "VMware_aa:bb:02");
    assert_eq!(named[1]["b"], "Broadcast");
}

/// The DNS tree's JSON rows carry TShark's numbers: on dns-loopback.pcap 14 messages were
/// tapped (the two queries quoted in ICMP errors are not), 6 responses matched with their
/// query, and each solicited response's section counts were counted twice (TShark 4.0).
#[test]
fn dns_tree_rows_count_what_tshark_counts() {
    let rows = rows("captures/dns-loopback.pcap", "dns,tree");
    let count = |path: &str| {
        rows.iter()
            .find(|r| r["path"] == path)
            .unwrap_or_else(|| panic!("no row {path}"))["count"]
            .as_u64()
    };
    assert_eq!(count("Total Packets"), Some(14));
    assert_eq!(count("Total Packets/Query/Response/Query"), Some(8));
    assert_eq!(count("Total Packets/rcode/No such name"), Some(1));
    assert_eq!(count("Response Stats/no. of answers"), Some(12));
    assert_eq!(count("Service Stats/request-response time (msec)"), Some(6));
    assert_eq!(count("Service Stats/no. of unsolicited responses"), Some(0));
    let rrt = rows
        .iter()
        .find(|r| r["topic"] == "request-response time (msec)")
        .expect("rrt row");
    assert!(
        rrt["min"].as_f64().is_some_and(|m| m > 0.0 && m < 1.0),
        "{rrt}"
    );
}

/// `http,req` is an alias of TShark's `http_req,tree`; a tap filter narrows a tree.
#[test]
fn http_trees_take_the_alias_and_a_tap_filter() {
    let f = support::capture("tcp-session.pcap").display().to_string();
    let text = |z: &str| support::stdout(&support::wiresift(["-r", f.as_str(), "-q", "-z", z]));
    assert_eq!(text("http,req"), text("http_req,tree"));
    assert!(text("http_req,tree").contains("/index.html"));
    let none = text("http,tree,tcp.port == 9");
    assert!(none.contains("Total HTTP Packets      0"), "{none}");
}
