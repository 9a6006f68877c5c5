//! TCP connection states (`-z tcp,states`, `-z tcp,trace`) on synthetic captures, and
//! `tcp.stream`, analysis labels and completeness against TShark on the corpus.

use crate::pcapw::{Pcap, corpus, jsonl, wiresift};
use serde_json::Value;

struct Run {
    rows: Vec<Value>,
    trace: Vec<Value>,
}

fn run(p: &Pcap, name: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let f = p.save(dir.path(), name);
    let all = jsonl(&[
        "-r",
        f.to_str().unwrap(),
        "-q",
        "-T",
        "jsonl",
        "-z",
        "tcp,states",
        "-z",
        "tcp,trace",
    ]);
    let by = |r: &str| {
        all.iter()
            .filter(|v| v["report"] == r && v.get("note").is_none())
            .cloned()
            .collect()
    };
    Run {
        rows: by("tcp,states"),
        trace: by("tcp,trace"),
    }
}

impl Run {
    /// `FROM->TO` of one endpoint of one stream, in order.
    fn path(&self, stream: u64, endpoint: &str) -> Vec<String> {
        self.trace
            .iter()
            .filter(|e| e["stream"] == stream && e["endpoint"] == endpoint)
            .filter(|e| e["from"] != e["to"])
            .map(|e| {
                format!(
                    "{}->{}",
                    e["from"].as_str().unwrap(),
                    e["to"].as_str().unwrap()
                )
            })
            .collect()
    }
    fn row(&self, stream: u64) -> &Value {
        self.rows.iter().find(|r| r["stream"] == stream).unwrap()
    }
}

fn handshake(p: &mut Pcap) {
    p.tcp(true, "S", 1000, 0, b"");
    p.tcp(false, "SA", 5000, 1001, b"");
    p.tcp(true, "A", 1001, 5001, b"");
}

#[test]
fn clean_session() {
    let mut p = Pcap::new();
    handshake(&mut p);
    p.tcp(true, "PA", 1001, 5001, b"GET / HTTP/1.0\r\n\r\n");
    p.tcp(false, "A", 5001, 1019, b"");
    p.tcp(false, "PA", 5001, 1019, b"HTTP/1.0 200 OK\r\n\r\n");
    p.tcp(true, "A", 1019, 5020, b"");
    p.tcp(true, "FA", 1019, 5020, b"");
    p.tcp(false, "A", 5020, 1020, b"");
    p.tcp(false, "FA", 5020, 1020, b"");
    p.tcp(true, "A", 1020, 5021, b"");
    let r = run(&p, "clean.pcap");
    assert_eq!(
        r.path(0, "client"),
        [
            "CLOSED->SYN_SENT",
            "SYN_SENT->ESTABLISHED",
            "ESTABLISHED->FIN_WAIT_1",
            "FIN_WAIT_1->FIN_WAIT_2",
            "FIN_WAIT_2->TIME_WAIT"
        ]
    );
    assert_eq!(
        r.path(0, "server"),
        [
            "LISTEN->SYN_RECEIVED",
            "SYN_RECEIVED->ESTABLISHED",
            "ESTABLISHED->CLOSE_WAIT",
            "CLOSE_WAIT->LAST_ACK",
            "LAST_ACK->CLOSED"
        ]
    );
    let row = r.row(0);
    assert_eq!(row["conn_state"], "SF");
    assert_eq!(row["history"], "ShADadFf");
    assert_eq!(row["handshake"], "complete");
    assert_eq!(row["teardown"], "FIN 4-way");
    assert_eq!(row["closed_first"], "client");
    assert_eq!(row["client_state"], "TIME_WAIT");
    assert_eq!(row["server_state"], "CLOSED");
    assert_eq!(row["completeness"], 31);
    assert_eq!(row["client"], "10.0.0.1:40000");
    assert_eq!(
        (row["pkts_c2s"].as_u64(), row["bytes_c2s"].as_u64()),
        (Some(6), Some(18))
    );
    // The trace line format of the text report.
    let f = {
        let dir = tempfile::tempdir().unwrap();
        let f = p.save(dir.path(), "c.pcap");
        wiresift(&["-r", f.to_str().unwrap(), "-q", "-z", "tcp,trace"])
    };
    assert!(
        f.contains("stream 0: client 10.0.0.1:40000 -> server 10.0.0.2:80"),
        "{f}"
    );
    assert!(
        f.contains("  #1          0.000000  client CLOSED -> SYN_SENT"),
        "{f}"
    );
}

#[test]
fn three_way_close() {
    let mut p = Pcap::new();
    handshake(&mut p);
    p.tcp(true, "FA", 1001, 5001, b"");
    p.tcp(false, "FA", 5001, 1002, b"");
    p.tcp(true, "A", 1002, 5002, b"");
    let r = run(&p, "fin3.pcap");
    assert_eq!(r.row(0)["teardown"], "FIN 3-way");
    assert_eq!(
        r.path(0, "server")[2..],
        [
            "ESTABLISHED->CLOSE_WAIT",
            "CLOSE_WAIT->LAST_ACK",
            "LAST_ACK->CLOSED"
        ]
    );
    assert_eq!(r.row(0)["client_state"], "TIME_WAIT");
}

#[test]
fn rst_by_client() {
    let mut p = Pcap::new();
    handshake(&mut p);
    p.tcp(true, "PA", 1001, 5001, b"hello");
    p.tcp(true, "RA", 1006, 5001, b"");
    let r = run(&p, "rstc.pcap");
    let row = r.row(0);
    assert_eq!(row["conn_state"], "RSTO");
    assert_eq!(row["history"], "ShADR");
    assert_eq!(row["teardown"], "RST by client");
    assert_eq!(r.path(0, "client").last().unwrap(), "ESTABLISHED->CLOSED");
    assert_eq!(r.path(0, "server").last().unwrap(), "ESTABLISHED->CLOSED");
    assert_eq!(
        (row["client_state"].as_str(), row["server_state"].as_str()),
        (Some("CLOSED"), Some("CLOSED"))
    );
}

#[test]
fn rst_by_server() {
    let mut p = Pcap::new();
    handshake(&mut p);
    p.tcp(true, "PA", 1001, 5001, b"hello");
    p.tcp(false, "R", 5001, 0, b"");
    let r = run(&p, "rsts.pcap");
    let row = r.row(0);
    assert_eq!(row["conn_state"], "RSTR");
    assert_eq!(row["history"], "ShADr");
    assert_eq!(row["teardown"], "RST by server");
    assert_eq!(row["closed_first"], "server");
}

#[test]
fn refused() {
    let mut p = Pcap::new();
    p.tcp(true, "S", 1000, 0, b"");
    p.tcp(false, "RA", 0, 1001, b"");
    let r = run(&p, "refused.pcap");
    let row = r.row(0);
    assert_eq!(row["conn_state"], "REJ");
    assert_eq!(row["history"], "Sr");
    assert_eq!(row["handshake"], "refused");
    assert_eq!(
        r.path(0, "client"),
        ["CLOSED->SYN_SENT", "SYN_SENT->CLOSED"]
    );
    assert_eq!(r.path(0, "server"), ["LISTEN->CLOSED"]);
}

#[test]
fn syn_never_answered() {
    let mut p = Pcap::new();
    p.tcp(true, "S", 1000, 0, b"");
    p.tcp(true, "S", 1000, 0, b"");
    let r = run(&p, "s0.pcap");
    let row = r.row(0);
    assert_eq!(row["conn_state"], "S0");
    assert_eq!(row["history"], "S");
    assert_eq!(row["handshake"], "half-open");
    assert_eq!(row["client_state"], "SYN_SENT");
    assert_eq!(row["server_state"], "LISTEN (assumed)");
    let retrans: Vec<&Value> = r.trace.iter().filter(|e| e["frame"] == 2).collect();
    assert_eq!(retrans.len(), 1);
    assert_eq!(retrans[0]["tags"], "retransmission");
    assert_eq!(retrans[0]["from"], retrans[0]["to"]);
}

#[test]
fn retransmitted_fin_is_tagged() {
    let mut p = Pcap::new();
    handshake(&mut p);
    p.tcp(true, "FA", 1001, 5001, b"");
    p.tcp(true, "FA", 1001, 5001, b"");
    let r = run(&p, "finre.pcap");
    let again: Vec<&Value> = r.trace.iter().filter(|e| e["frame"] == 5).collect();
    assert_eq!(again.len(), 1, "{:?}", r.trace);
    assert_eq!(again[0]["tags"], "retransmission");
    assert_eq!(r.row(0)["teardown"], "FIN by client only");
    assert_eq!(r.row(0)["conn_state"], "S2");
}

#[test]
fn simultaneous_close() {
    let mut p = Pcap::new();
    handshake(&mut p);
    p.tcp(true, "FA", 1001, 5001, b"");
    p.tcp(false, "FA", 5001, 1001, b""); // crossed: does not ACK the client's FIN
    p.tcp(true, "A", 1002, 5002, b"");
    p.tcp(false, "A", 5002, 1002, b"");
    let r = run(&p, "simclose.pcap");
    for side in ["client", "server"] {
        assert_eq!(
            r.path(0, side)[2..],
            [
                "ESTABLISHED->FIN_WAIT_1",
                "FIN_WAIT_1->CLOSING",
                "CLOSING->TIME_WAIT"
            ],
            "{side}"
        );
    }
    assert_eq!(r.row(0)["conn_state"], "SF");
}

#[test]
fn simultaneous_open() {
    let mut p = Pcap::new();
    p.tcp(true, "S", 1000, 0, b"");
    p.tcp(false, "S", 5000, 0, b"");
    p.tcp(true, "SA", 1000, 5001, b"");
    p.tcp(false, "SA", 5000, 1001, b"");
    let r = run(&p, "simopen.pcap");
    assert_eq!(
        r.path(0, "client"),
        [
            "CLOSED->SYN_SENT",
            "SYN_SENT->SYN_RECEIVED",
            "SYN_RECEIVED->ESTABLISHED"
        ]
    );
    assert_eq!(
        r.path(0, "server"),
        [
            "LISTEN->SYN_SENT",
            "SYN_SENT->SYN_RECEIVED",
            "SYN_RECEIVED->ESTABLISHED"
        ]
    );
    assert_eq!(r.rows.len(), 1);
}

#[test]
fn data_before_capture_started() {
    let mut p = Pcap::new();
    p.tcp(true, "PA", 77_000, 99_000, b"mid-stream");
    p.tcp(false, "A", 99_000, 77_010, b"");
    p.tcp(false, "PA", 99_000, 77_010, b"reply");
    let r = run(&p, "mid.pcap");
    let row = r.row(0);
    assert_eq!(row["handshake"], "not seen");
    assert_eq!(row["client_state"], "ESTABLISHED (assumed)");
    assert_eq!(row["server_state"], "ESTABLISHED (assumed)");
    assert_eq!(row["conn_state"], "OTH");
    assert_eq!(row["history"], "Dad");
    assert_eq!(row["client"], "10.0.0.1:40000 (inferred)");
    assert!(r.path(0, "client").is_empty());
}

#[test]
fn four_tuple_reuse_is_a_new_stream() {
    let mut p = Pcap::new();
    handshake(&mut p);
    p.tcp(true, "RA", 1001, 5001, b"");
    p.tcp(true, "S", 9000, 0, b"");
    p.tcp(false, "SA", 7000, 9001, b"");
    p.tcp(true, "A", 9001, 7001, b"");
    let r = run(&p, "reuse.pcap");
    assert_eq!(r.rows.len(), 2);
    assert_eq!(r.row(1)["handshake"], "complete");
    let first = r.trace.iter().find(|e| e["stream"] == 1).unwrap();
    assert_eq!(first["tags"], "port numbers reused");
    assert_eq!(
        r.path(1, "client"),
        ["CLOSED->SYN_SENT", "SYN_SENT->ESTABLISHED"]
    );
}

#[test]
fn trace_with_filter_keeps_matching_connections() {
    let mut p = Pcap::new();
    handshake(&mut p);
    p.tcp_between(([10, 0, 0, 3], 40001), ([10, 0, 0, 2], 22), "S", 1, 0, b"");
    let dir = tempfile::tempdir().unwrap();
    let f = p.save(dir.path(), "two.pcap");
    // The placeholder filter engine knows bare field names; `tcp` keeps both.
    let all = jsonl(&[
        "-r",
        f.to_str().unwrap(),
        "-q",
        "-T",
        "jsonl",
        "-Y",
        "tcp",
        "-z",
        "tcp,trace",
    ]);
    assert!(all.iter().any(|e| e["stream"] == 1));
    let none = jsonl(&[
        "-r",
        f.to_str().unwrap(),
        "-q",
        "-T",
        "jsonl",
        "-Y",
        "udp",
        "-z",
        "tcp,trace",
    ]);
    assert!(none.is_empty(), "{none:?}");
}

#[test]
fn syn_flood_summary() {
    let mut p = Pcap::new();
    for i in 0..(::wiresift::stats::tcp::SYN_FLOOD_THRESHOLD as u16) {
        p.tcp_between(
            ([10, 0, 1, 1], 1024 + i),
            ([10, 0, 0, 2], 80),
            "S",
            1,
            0,
            b"",
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let f = p.save(dir.path(), "flood.pcap");
    let text = wiresift(&["-r", f.to_str().unwrap(), "-q", "-z", "tcp,states"]);
    assert!(
        text.contains("possible SYN flood: 10.0.0.2:80 received 100 connection attempts"),
        "{text}"
    );
}

#[test]
fn bad_spec_is_a_usage_error() {
    assert_cmd::Command::cargo_bin("wiresift")
        .unwrap()
        .args(["-z", "tcp,nonsense", "-r", "x.pcap"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid -z argument"));
}

// ---- Corpus agreement with TShark 4.0.17 -------------------------------------------------

/// Frames where TShark reassembles IP fragments (wiresift does not) and so sees a TCP header
/// the frame itself does not hold.
const NEEDS_IP_REASSEMBLY: &[(&str, u32)] = &[
    ("ipv4-fragments-http-attack.pcap", 5),
    ("ipv4-fragments-syn.pcap", 2),
];

fn corpus_captures(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("expected"))
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().into_string().unwrap();
            n.strip_suffix(".fields.tsv").map(str::to_string)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn tcp_stream_equals_tshark_on_corpus() {
    let Some(dir) = corpus() else { return };
    let (mut agree, mut total) = (0, 0);
    for cap in corpus_captures(&dir) {
        let tsv = std::fs::read_to_string(dir.join(format!("expected/{cap}.fields.tsv"))).unwrap();
        let mut lines = tsv.lines();
        let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
        let col = header.iter().position(|h| *h == "tcp.stream").unwrap();
        let want: Vec<(u32, String)> = lines
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f[0].parse().unwrap(), f.get(col).unwrap_or(&"").to_string())
            })
            .collect();
        if want.iter().all(|(_, s)| s.is_empty()) {
            continue;
        }
        let path = dir.join(&cap);
        let got = wiresift(&[
            "-r",
            path.to_str().unwrap(),
            "-T",
            "fields",
            "-e",
            "tcp.stream",
        ]);
        for ((n, w), g) in want.iter().zip(got.lines()) {
            if NEEDS_IP_REASSEMBLY.contains(&(cap.as_str(), *n)) {
                continue;
            }
            total += 1;
            assert_eq!(w, g, "{cap} frame {n}");
            agree += 1;
        }
    }
    eprintln!("tcp.stream: {agree}/{total} frames agree");
    assert!(total > 8000);
}

/// `[TCP ...]` labels of a summary line (not "segment of a reassembled PDU").
fn labels(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("[TCP ") {
        let tail = &rest[i..];
        let end = tail.find(']').map_or(tail.len(), |e| e + 1);
        if !tail.starts_with("[TCP segment of") {
            out.push(tail[..end].to_string());
        }
        rest = &tail[end..];
    }
    out
}

#[test]
fn analysis_labels_equal_tshark_on_corpus() {
    let Some(dir) = corpus() else { return };
    let (mut agree, mut total) = (0, 0);
    for cap in corpus_captures(&dir) {
        let Ok(summary) = std::fs::read_to_string(dir.join(format!("expected/{cap}.summary.txt")))
        else {
            continue;
        };
        if !summary.contains("TCP") {
            continue;
        }
        let path = dir.join(&cap);
        let got = wiresift(&["-r", path.to_str().unwrap()]);
        let got: std::collections::HashMap<String, String> = got
            .lines()
            .filter_map(|l| Some((l.split_whitespace().next()?.to_string(), l.to_string())))
            .collect();
        for line in summary.lines() {
            let n = line.split_whitespace().next().unwrap_or("").to_string();
            let want = labels(line);
            let have = got.get(&n).map(|l| labels(l)).unwrap_or_default();
            if want.is_empty() && have.is_empty() {
                continue;
            }
            total += 1;
            assert_eq!(want, have, "{cap} frame {n}");
            agree += 1;
        }
    }
    eprintln!("analysis labels: {agree}/{total} labelled frames agree");
    assert!(total >= 40);
}

/// Streams whose final completeness wiresift does not reproduce, and why.
const COMPLETENESS_EXCEPTIONS: &[(&str, u64)] = &[
    // TShark reassembles the fragmented SYN; wiresift does no IP reassembly.
    ("ipv4-fragments-syn.pcap", 0),
    // The capture starts with a SYN-ACK; TShark's second pass (-2) counts it, its first does not.
    ("ipv6-http-atomic-frag.pcap", 0),
    // A single frame whose TCP header was cut by the snaplen: no connection row.
    ("malformed-tcp-print-heapoverflow.pcap", 0),
];

#[test]
fn final_completeness_equals_tshark_on_corpus() {
    let Some(dir) = corpus() else { return };
    let golden = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden/corpus-tcp-completeness.tsv"),
    )
    .unwrap();
    let mut want: std::collections::BTreeMap<String, Vec<(u64, u64)>> = Default::default();
    for l in golden.lines().skip(2) {
        let f: Vec<&str> = l.split('\t').collect();
        want.entry(f[0].into())
            .or_default()
            .push((f[1].parse().unwrap(), f[2].parse().unwrap()));
    }
    let mut n = 0;
    for (cap, streams) in want {
        let path = dir.join(&cap);
        let rows = jsonl(&[
            "-r",
            path.to_str().unwrap(),
            "-q",
            "-T",
            "jsonl",
            "-z",
            "tcp,states",
        ]);
        for (s, c) in streams {
            if COMPLETENESS_EXCEPTIONS.contains(&(cap.as_str(), s)) {
                continue;
            }
            let row = rows.iter().find(|r| r["stream"] == s);
            assert_eq!(
                row.map(|r| r["completeness"].as_u64().unwrap()),
                Some(c),
                "{cap} stream {s}"
            );
            n += 1;
        }
    }
    eprintln!("tcp.completeness: {n} streams agree");
    assert!(n > 2000);
}

/// Every `tcp.analysis.*` field, frame for frame, against tshark 4.0.17 on a capture with
/// losses: the first 100 000 packets the bench generator makes with seed 3 (`python3
/// ../shared/bench/gen_capture.py -n 100000 --seed 3`). The flag and duplicate-ACK columns
/// are committed as tshark printed them (rows with any value); the RTT columns, on most
/// frames, as the SHA-256 of tshark's `frame.number<TAB>value` lines.
#[test]
fn analysis_fields_agree_with_tshark_on_a_lossy_capture() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let generator = root.join("../shared/bench/gen_capture.py");
    if !generator.exists() {
        eprintln!(
            "skipped: lossy-capture analysis: {} is not there",
            generator.display()
        );
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let cap = tmp.path().join("loss3.pcap");
    let made = std::process::Command::new("python3")
        .arg(&generator)
        .args(["-n", "100000", "--seed", "3"])
        .arg(&cap)
        .output()
        .expect("python3 runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let cap = cap.to_str().unwrap();

    let reference =
        std::fs::read_to_string(root.join("tests/golden/bench-seed3-100k.analysis.tsv")).unwrap();
    let header: Vec<&str> = reference.lines().next().unwrap().split('\t').collect();
    let mut args = vec![
        "-r",
        cap,
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "header=y",
    ];
    for f in &header {
        args.extend(["-e", f]);
    }
    let ours: String = wiresift(&args)
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.split('\t').skip(1).any(|c| !c.is_empty()))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let (want, got): (Vec<&str>, Vec<&str>) = (reference.lines().collect(), ours.lines().collect());
    let first_difference = want.iter().zip(&got).position(|(a, b)| a != b);
    assert!(
        want.len() == got.len() && first_difference.is_none(),
        "{} rows against tshark's {}; first difference: {:?}",
        got.len(),
        want.len(),
        first_difference.map(|i| (want[i], got[i]))
    );

    let sums =
        std::fs::read_to_string(root.join("tests/golden/bench-seed3-100k.rtt.sha256")).unwrap();
    for line in sums.lines() {
        let (field, sum) = line.split_once('\t').unwrap();
        let text = wiresift(&["-r", cap, "-T", "fields", "-e", "frame.number", "-e", field]);
        let mut sha = std::process::Command::new("sha256sum")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("sha256sum runs");
        use std::io::Write as _;
        sha.stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        let out = String::from_utf8(sha.wait_with_output().unwrap().stdout).unwrap();
        assert_eq!(out.split_whitespace().next(), Some(sum), "{field}");
    }
}
