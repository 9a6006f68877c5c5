//! Compressed captures: gzip, zstd and lz4 copies of every shipped capture give the same
//! output as the file itself, at one and two threads and from standard input; damaged
//! copies give the usual warning and exit status 1.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{self, wiresift};

/// Compresses a whole capture.
type Encoder = fn(&[u8]) -> Vec<u8>;

/// The three compressions wiresift reads, each with a name suffix and an encoder.
const KINDS: [(&str, Encoder); 3] = [("gz", gzip), ("zst", zstd), ("lz4", lz4)];

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip");
    enc.finish().expect("gzip")
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).expect("zstd")
}

fn lz4(data: &[u8]) -> Vec<u8> {
    let mut enc = lz4_flex::frame::FrameEncoder::new(Vec::new());
    enc.write_all(data).expect("lz4");
    enc.finish().expect("lz4")
}

fn shipped_captures() -> Vec<PathBuf> {
    let captures = support::captures_in(&support::root().join("captures"));
    assert!(captures.len() >= 10, "shipped captures missing");
    captures
}

/// Writes the compressed copy of `path` into `dir`.
fn compressed_copy(path: &Path, dir: &Path, suffix: &str, encode: Encoder) -> PathBuf {
    let data = std::fs::read(path).expect("read capture");
    let name = path.file_name().and_then(|n| n.to_str()).expect("name");
    let out = dir.join(format!("{name}.{suffix}"));
    std::fs::write(&out, encode(&data)).expect("write copy");
    out
}

fn run(path: &Path, threads: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "--threads",
        threads,
        "-r",
        path.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    wiresift(args)
}

/// stderr with the file name made neutral, so messages about the copy and the original compare.
fn neutral_stderr(o: &Output, path: &Path) -> String {
    support::stderr(o).replace(path.to_str().unwrap_or_default(), "CAPTURE")
}

#[test]
fn compressed_copies_give_byte_identical_output_at_one_and_two_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let outputs: [&[&str]; 2] = [&[], &["-V"]];
    for capture in shipped_captures() {
        for extra in outputs {
            let plain = run(&capture, "1", extra);
            for (suffix, encode) in KINDS {
                let copy = compressed_copy(&capture, dir.path(), suffix, encode);
                for threads in ["1", "2"] {
                    let got = run(&copy, threads, extra);
                    let what = format!("{} {extra:?} --threads {threads}", copy.display());
                    assert!(got.stdout == plain.stdout, "{what}: stdout differs");
                    assert_eq!(
                        neutral_stderr(&got, &copy),
                        neutral_stderr(&plain, &capture),
                        "{what}"
                    );
                    assert_eq!(got.status.code(), plain.status.code(), "{what}");
                }
            }
        }
    }
}

#[test]
fn compressed_standard_input_is_read_too() {
    let capture = support::capture("tcp-session.pcap");
    let plain = run(&capture, "1", &[]);
    let data = std::fs::read(&capture).expect("read capture");
    for (suffix, encode) in KINDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wiresift"))
            .args(["-r", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let bytes = encode(&data);
        let mut stdin = child.stdin.take().expect("stdin");
        let feeder = std::thread::spawn(move || stdin.write_all(&bytes));
        let got = child.wait_with_output().expect("wait");
        feeder.join().expect("feeder").expect("write stdin");
        assert_eq!(
            got.status.code(),
            Some(0),
            "{suffix}: {}",
            support::stderr(&got)
        );
        assert!(got.stdout == plain.stdout, "{suffix}: stdout differs");
    }
}

#[test]
fn damaged_compressed_copies_warn_and_exit_1_after_the_frames_before_the_damage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = support::capture("tcp-session.pcap");
    let plain = support::stdout(&run(&capture, "1", &[]));
    for (suffix, encode) in KINDS {
        let whole = encode(&std::fs::read(&capture).expect("read"));
        // Not within the last 4 bytes: lz4_flex takes a cut-short lz4 end mark for the end.
        let cut_at = [whole.len() / 2, whole.len() - 6];
        let mut flipped = whole.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x5a;
        // A flipped bit may decode to other bytes without any error (zstd and lz4 frames
        // carry no checksum by default): it must only never crash.
        let path = dir.path().join(format!("flipped.pcap.{suffix}"));
        std::fs::write(&path, &flipped).expect("write");
        let got = run(&path, "2", &[]);
        assert!(
            matches!(got.status.code(), Some(0 | 1)),
            "{}",
            support::stderr(&got)
        );
        let damaged = cut_at.iter().map(|&n| whole[..n].to_vec());
        for (i, bytes) in damaged.enumerate() {
            let path = dir.path().join(format!("damaged{i}.pcap.{suffix}"));
            std::fs::write(&path, &bytes).expect("write");
            for threads in ["1", "2"] {
                let got = run(&path, threads, &[]);
                let what = format!("{} --threads {threads}", path.display());
                let err = support::stderr(&got);
                assert_eq!(got.status.code(), Some(1), "{what}: {err}");
                assert!(!err.contains("panicked"), "{what}: {err}");
                assert!(
                    err.contains("warning:") || err.contains("damaged"),
                    "{what}: {err}"
                );
                // Whatever was printed is the start of the real output (no invented frames).
                let out = support::stdout(&got);
                let whole_lines = out.lines().count().saturating_sub(1);
                let printed: Vec<&str> = out.lines().take(whole_lines).collect();
                let wanted: Vec<&str> = plain.lines().take(whole_lines).collect();
                assert_eq!(printed, wanted, "{what}");
            }
        }
    }
}
