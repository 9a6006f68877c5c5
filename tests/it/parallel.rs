//! The block-parallel run against the sequential loop: same bytes out, same frame counts,
//! same damage, for every block size from 1 byte up and several worker counts, on the
//! shipped captures, the corpus, and truncated copies.

use crate::support::{self, captures_in, corpus, root, wiresift};
use clap::Parser as _;
use std::path::{Path, PathBuf};
use wiresift::capture::FileReader;
use wiresift::capture::block::BlockReader;
use wiresift::cli::args::Args;
use wiresift::engine::{Config, OutputKind};
use wiresift::engine::{parallel, sequential as run};
use wiresift::output::fields::FieldsSink;

/// Filter and fields pairs that need no tracker: each runs block-parallel.
const CASES: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "frame.number",
            "frame.time_relative",
            "frame.time_delta",
            "frame.len",
        ],
    ),
    (
        "ip.dst == 10.0.0.5 || ip",
        &["frame.number", "ip.src", "ip.dst", "ip.flags.mf"],
    ),
    (
        "udp.port == 69 || udp",
        &["frame.number", "udp.srcport", "udp.length", "ip.id"],
    ),
    (
        "tcp.flags.syn == 1",
        &["frame.number", "tcp.seq_raw", "tcp.options"],
    ),
    (
        "icmp || icmpv6 || arp",
        &["frame.number", "eth.src", "ip.dst", "ipv6.dst"],
    ),
    (
        "frame.len > 100",
        &["frame.number", "frame.cap_len", "eth.type"],
    ),
];

/// A configuration from command-line words.
fn config(path: &Path, filter: &str, fields: &[&str], extra: &[&str]) -> Config {
    let mut words: Vec<String> = vec!["wiresift".into(), "-r".into(), path.display().to_string()];
    if !filter.is_empty() {
        words.extend(["-Y".into(), filter.into()]);
    }
    words.extend(["-T".into(), "fields".into()]);
    for f in fields {
        words.extend(["-e".into(), (*f).into()]);
    }
    words.extend(extra.iter().map(|s| s.to_string()));
    Config::try_from(Args::try_parse_from(words).expect("arguments parse")).expect("config")
}

/// What a run gave: the text, frames read and shown, and the damage message.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    text: String,
    read: u64,
    displayed: u64,
    damage: Option<String>,
}

fn sequential(cfg: &Config) -> Outcome {
    let OutputKind::Fields(fields, opts) = &cfg.output else {
        panic!("fields output expected");
    };
    let path = cfg.read_file.as_deref().expect("a file");
    let mut reader = FileReader::open(path).expect("opens");
    let mut sink = FieldsSink::new(Vec::new(), fields.clone(), opts.clone());
    let stats = run::run_capture(cfg, &mut reader, &mut sink).expect("runs");
    Outcome {
        text: String::from_utf8_lossy(sink.get_mut()).into_owned(),
        read: stats.read,
        displayed: stats.displayed,
        damage: stats.damage.map(|e| e.to_string()),
    }
}

fn parallel_run(cfg: &Config, block_len: usize, workers: usize) -> Option<Outcome> {
    let path = cfg.read_file.as_deref().expect("a file");
    let split = BlockReader::open(path, block_len).expect("opens")?;
    let mut out = Vec::new();
    let cfg = Config {
        threads: workers,
        ..cfg.clone()
    };
    let stats = parallel::run(&cfg, &split, &mut out).expect("runs");
    Some(Outcome {
        text: String::from_utf8_lossy(&out).into_owned(),
        read: stats.read,
        displayed: stats.displayed,
        damage: stats.damage.map(|e| e.to_string()),
    })
}

/// Compares both runs of `path` for every case, block size and worker count; returns how
/// many comparisons ran (0 for a file that is not classic pcap).
fn compare_file(path: &Path, block_lens: &[usize]) -> usize {
    let mut compared = 0;
    for (filter, fields) in CASES {
        let cfg = config(path, filter, fields, &[]);
        assert!(parallel::eligible(&cfg), "{filter} should run in parallel");
        let want = sequential(&cfg);
        for &block_len in block_lens {
            for workers in [1, 2, 3] {
                let Some(got) = parallel_run(&cfg, block_len, workers) else {
                    return 0;
                };
                assert_eq!(
                    got,
                    want,
                    "{} -Y '{filter}', block {block_len}, {workers} workers",
                    path.display()
                );
                compared += 1;
            }
        }
    }
    compared
}

#[test]
fn shipped_captures_give_the_sequential_output() {
    let mut compared = 0;
    for path in captures_in(&root().join("captures")) {
        compared += compare_file(&path, &[1, 13, 100, 1000, 64 * 1024]);
    }
    assert!(compared > 300, "only {compared} comparisons ran");
}

#[test]
fn corpus_captures_give_the_sequential_output() {
    let Some(dir) = corpus("corpus_captures_give_the_sequential_output") else {
        return;
    };
    let mut compared = 0;
    for path in captures_in(&dir) {
        compared += compare_file(&path, &[97, 4096]);
    }
    assert!(compared > 100, "only {compared} comparisons ran");
}

/// Truncated copies of a capture, cut at several offsets (inside the file header, a record
/// header, record data).
fn truncated_copies(src: &Path, dir: &Path) -> Vec<PathBuf> {
    let bytes = std::fs::read(src).expect("capture reads");
    let cuts = [
        0,
        3,
        24,
        30,
        40,
        41,
        200,
        777,
        bytes.len() / 2,
        bytes.len() - 1,
    ];
    cuts.iter()
        .filter(|&&c| c <= bytes.len())
        .map(|&cut| {
            let stem = src
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("capture");
            let p = dir.join(format!("{stem}-cut-{cut}"));
            std::fs::write(&p, &bytes[..cut]).expect("temp file writes");
            p
        })
        .collect()
}

#[test]
fn truncated_files_give_the_same_frames_and_damage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut damaged = 0;
    let copies = ["tcp-session.pcap", "nanosec.pcapng"]
        .iter()
        .flat_map(|name| truncated_copies(&support::capture(name), dir.path()));
    for path in copies {
        let fields = ["frame.number", "tcp.srcport", "frame.interface_name"];
        let cfg = config(&path, "", &fields, &[]);
        let Ok(want) = FileReader::open(path.to_str().unwrap()).map(|_| sequential(&cfg)) else {
            // Not even a header: the sequential reader refuses it, and so does `open`.
            assert!(
                BlockReader::open(path.to_str().unwrap(), 64)
                    .unwrap()
                    .is_none()
            );
            continue;
        };
        if BlockReader::open(path.to_str().unwrap(), 64)
            .unwrap()
            .is_none()
        {
            // Empty: an empty capture, which the sequential driver reads.
            assert_eq!(want.read, 0);
            continue;
        }
        for block_len in [1, 50, 4096] {
            let got = parallel_run(&cfg, block_len, 2).expect("a capture with a header");
            assert_eq!(got, want, "{} block {block_len}", path.display());
        }
        damaged += usize::from(want.damage.is_some());
    }
    assert!(
        damaged >= 9,
        "the cuts should damage most copies ({damaged})"
    );
}

#[test]
fn count_limit_stops_at_the_same_frame() {
    let path = support::capture("tcp-session.pcap");
    for count in ["1", "5", "9", "1000"] {
        let cfg = config(&path, "tcp", &["frame.number"], &["-c", count]);
        let want = sequential(&cfg);
        for block_len in [1, 64, 4096] {
            assert_eq!(
                parallel_run(&cfg, block_len, 2).unwrap(),
                want,
                "-c {count}"
            );
        }
    }
}

#[test]
fn only_stateless_runs_are_parallel() {
    let path = support::capture("tcp-session.pcap");
    let eligible = |filter: &str, fields: &[&str], extra: &[&str]| {
        parallel::eligible(&config(&path, filter, fields, extra))
    };
    assert!(eligible("ip.dst == 10.0.0.5", &["frame.number"], &[]));
    assert!(eligible("udp.port == 69", &["frame.number", "ip.src"], &[]));
    assert!(
        !eligible("", &["tcp.stream"], &[]),
        "TCP analysis is stateful"
    );
    assert!(!eligible("tcp.analysis.flags", &["frame.number"], &[]));
    assert!(!eligible("tftp", &["frame.number"], &[]), "TFTP tracking");
    assert!(!eligible("", &["frame.time_delta_displayed"], &[]));
    assert!(!eligible(
        "frame.time_delta_displayed > 0",
        &["frame.number"],
        &[]
    ));
    assert!(!eligible("", &["frame.number"], &["-l"]));
    assert!(!eligible("", &["frame.number"], &["-z", "conv,ip"]));
}

#[test]
fn threads_option_gives_identical_output_through_the_binary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cut = truncated_copies(&support::capture("tcp-session.pcap"), dir.path());
    let mut paths = vec![
        support::capture("tcp-session.pcap"),
        support::capture("vlan.pcap"),
    ];
    paths.extend(cut.into_iter().skip(4));
    for path in paths {
        let run = |threads: &str| {
            wiresift([
                "--threads",
                threads,
                "-r",
                path.to_str().unwrap(),
                "-T",
                "fields",
                "-E",
                "header=y",
                "-e",
                "frame.number",
                "-e",
                "ip.dst",
            ])
        };
        let (one, two) = (run("1"), run("2"));
        assert_eq!(one.stdout, two.stdout, "{}", path.display());
        assert_eq!(one.stderr, two.stderr, "{}", path.display());
        assert_eq!(one.status.code(), two.status.code(), "{}", path.display());
    }
    // A block size past the limit is clamped, not an overflow.
    let huge = wiresift([
        "--threads",
        "2",
        "--block-size",
        "18446744073709551615",
        "-r",
        support::capture("tcp-session.pcap").to_str().unwrap(),
        "-T",
        "fields",
        "-e",
        "frame.number",
    ]);
    assert_eq!(huge.status.code(), Some(0), "{}", support::stderr(&huge));
    let bad = wiresift(["--threads", "0", "-r", "x.pcap"]);
    assert_eq!(bad.status.code(), Some(2), "{}", support::stderr(&bad));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any damage to a capture (bytes overwritten anywhere, the file cut anywhere) gives
        /// the same frames, text and damage report in both runs, whatever the block size.
        #[test]
        fn damaged_captures_agree(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
            cut in any::<prop::sample::Index>(),
            block_len in 1usize..3000,
            workers in 1usize..4,
        ) {
            let mut bytes = std::fs::read(support::capture("ipv6.pcap")).expect("reads");
            for (at, value) in edits {
                let i = at.index(bytes.len());
                // Leave the file header alone so the file stays classic pcap.
                if i >= 24 {
                    bytes[i] = value;
                }
            }
            bytes.truncate(24 + cut.index(bytes.len() - 23));
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("damaged.pcap");
            std::fs::write(&path, &bytes).expect("writes");
            let cfg = config(&path, "ip || ipv6", &["frame.number", "ipv6.dst", "udp.length"], &[]);
            let want = sequential(&cfg);
            let got = parallel_run(&cfg, block_len, workers).expect("classic pcap");
            prop_assert_eq!(got, want);
        }
    }
}
