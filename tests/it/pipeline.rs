//! The tracked parallel run against the sequential loop, through the binary: the same
//! standard output, standard error and exit status for every output format, tracker and
//! report, on the shipped captures, the corpus and damaged copies, with blocks from 1 byte
//! (every record crosses a block boundary) to a few KiB.

use crate::support::{self, captures_in, corpus, root, wiresift};
use std::path::Path;

/// Option sets that run in the tracked pipeline (each needs the trackers or prints text or
/// JSON).
const RUNS: &[&[&str]] = &[
    &[],
    &["-V", "-x"],
    &["-T", "json"],
    &["-T", "jsonl", "-Y", "tcp || udp"],
    &["-T", "ek"],
    &["-T", "ek", "-e", "tcp.stream", "-e", "ip.src"],
    &[
        "-T",
        "fields",
        "-E",
        "header=y",
        "-e",
        "frame.number",
        "-e",
        "tcp.stream",
        "-e",
        "tcp.analysis.flags",
        "-e",
        "frame.time_delta_displayed",
        "-e",
        "_ws.col.info",
        "-e",
        "tftp.opcode",
        "-e",
        "udp.stream",
    ],
    &[
        "-q",
        "-z",
        "conv,tcp",
        "-z",
        "tcp,states",
        "-z",
        "conv,udp",
        "-z",
        "conv,ip",
        "-z",
        "endpoints,ip",
        "-z",
        "tftp,transfers",
    ],
    &[
        "-Y",
        "tcp.analysis.retransmission || tftp || dns || icmp",
        "-t",
        "dd",
    ],
    &["-c", "7", "-Y", "ip", "-T", "json"],
    &["-n", "-t", "ad", "-Y", "frame.time_delta_displayed > 0"],
];

/// Runs `args` on `path` sequentially and in the pipeline with each block size; returns the
/// number of comparisons.
fn compare(path: &Path, block_sizes: &[&str]) -> usize {
    let mut compared = 0;
    for args in RUNS {
        let run = |threads: &[&str]| {
            let mut all: Vec<&str> = threads.to_vec();
            all.extend(["-r", path.to_str().expect("utf-8 path")]);
            all.extend(args.iter());
            wiresift(all)
        };
        let want = run(&["--threads", "1"]);
        for block in block_sizes {
            let got = run(&["--threads", "2", "--block-size", block]);
            let what = format!("{} {args:?} block {block}", path.display());
            assert_eq!(support::stdout(&got), support::stdout(&want), "{what}");
            assert_eq!(support::stderr(&got), support::stderr(&want), "{what}");
            assert_eq!(got.status.code(), want.status.code(), "{what}");
            compared += 1;
        }
    }
    compared
}

#[test]
fn shipped_captures_give_the_sequential_output() {
    let mut compared = 0;
    for path in captures_in(&root().join("captures")) {
        compared += compare(&path, &["1", "97", "5000"]);
    }
    assert!(compared > 300, "only {compared} comparisons ran");
}

#[test]
fn corpus_captures_give_the_sequential_output() {
    let Some(dir) = corpus("corpus_captures_give_the_sequential_output (pipeline)") else {
        return;
    };
    let mut compared = 0;
    for path in captures_in(&dir) {
        // pcapng files are cut into blocks too (at pcapng block boundaries).
        compared += compare(&path, &["1", "3000"]);
    }
    assert!(compared > 1000, "only {compared} comparisons ran");
}

#[test]
fn damaged_copies_give_the_same_frames_reports_and_exit_status() {
    let bytes = std::fs::read(support::capture("tftp-loopback.pcap")).expect("reads");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut compared = 0;
    for cut in [30, 41, 500, bytes.len() / 3, bytes.len() - 5] {
        let path = dir.path().join(format!("cut-{cut}.pcap"));
        std::fs::write(&path, &bytes[..cut]).expect("writes");
        compared += compare(&path, &["1", "200"]);
    }
    let mut garbled = bytes.clone();
    // A record length that lies, in the middle of the file.
    let at = garbled.len() / 2;
    garbled[at..at + 8].copy_from_slice(&[0xff; 8]);
    let path = dir.path().join("garbled.pcap");
    std::fs::write(&path, &garbled).expect("writes");
    compared += compare(&path, &["1", "200"]);
    assert!(compared >= 60);
}

#[test]
fn tftp_on_ephemeral_ports_is_found_in_every_block() {
    // The transfer's data flows on ports only the TFTP tracker knows: with one-byte blocks
    // every data packet is dissected in another block than its request.
    let path = support::capture("tftp-loopback.pcap");
    let out = wiresift([
        "--threads",
        "2",
        "--block-size",
        "1",
        "-r",
        path.to_str().unwrap(),
        "-Y",
        "tftp.opcode == 3",
        "-T",
        "fields",
        "-e",
        "frame.number",
    ]);
    assert!(
        support::stdout(&out).lines().count() >= 3,
        "{}",
        support::stdout(&out)
    );
}
