//! `-w` / `-F`: every capture read, written by the binary, read again gives the same frames.
//!
//! The project's captures always; the shared corpus when `WIRESIFT_CORPUS` names it. Both
//! output formats. Where classic pcap cannot hold the input (two link types, or a nanosecond
//! frame after microsecond ones) the test checks instead that the refusal is clear, exits 2,
//! and leaves a complete file holding the frames before it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use wiresift::capture::{
    CaptureError, CaptureFormat, FileReader, LinkType, Timestamp, TsPrecision,
};

fn wiresift() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wiresift"))
}

/// What must survive a round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rec {
    ts: Timestamp,
    orig_len: u32,
    link_type: LinkType,
    precision: TsPrecision,
    data: Vec<u8>,
}

/// Every readable frame, and the error that ended the file early, if any.
fn read_all(path: &Path) -> (CaptureFormat, Vec<Rec>, Option<CaptureError>) {
    let mut r = FileReader::open(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{e}"));
    let mut frames = Vec::new();
    loop {
        match r.next_frame() {
            Ok(Some(f)) => frames.push(Rec {
                ts: f.ts,
                orig_len: f.orig_len,
                link_type: if f.link_type.is_custom_block() {
                    LinkType::PCAPNG_CUSTOM
                } else {
                    f.link_type
                },
                precision: f.precision,
                data: custom_block_as_big_endian(&f),
            }),
            Ok(None) => return (r.format(), frames, None),
            Err(e) => return (r.format(), frames, Some(e)),
        }
    }
}

/// A frame's bytes; for a Custom Block, with its Private Enterprise Number big-endian and
/// the link type of a big-endian section, whatever its section's byte order (the writer
/// writes little-endian sections, so a block from a big-endian one comes back turned).
fn custom_block_as_big_endian(f: &wiresift::capture::Frame<'_>) -> Vec<u8> {
    match f.link_type.custom_block_pen(f.data) {
        Some(pen) => [&pen.to_be_bytes()[..], &f.data[4..]].concat(),
        None => f.data.to_vec(),
    }
}

fn captures_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no captures in {}", dir.display());
    found
}

fn project_captures() -> Vec<PathBuf> {
    captures_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("captures"))
}

/// How many leading frames classic pcap can take before it must refuse one, by the writer's
/// documented rule; `None` when it takes them all.
fn pcap_limit(frames: &[Rec]) -> Option<usize> {
    let needs = |r: &Rec| {
        if r.precision == TsPrecision::Nano || !r.ts.nanos.is_multiple_of(1000) {
            TsPrecision::Nano
        } else {
            TsPrecision::Micro
        }
    };
    let mut header = None;
    for (i, r) in frames.iter().enumerate() {
        if r.link_type.is_custom_block() {
            continue;
        }
        let (lt, prec) = *header.get_or_insert((r.link_type, needs(r)));
        if r.link_type != lt || needs(r) > prec {
            return Some(i);
        }
    }
    None
}

/// Writes `input` with `-F format` and checks what comes back. Returns a description of the
/// first difference.
fn round_trip(input: &Path, format: &str, dir: &Path) -> Result<&'static str, String> {
    let (_, frames, damage) = read_all(input);
    let out = dir.join(format!(
        "{}.{format}",
        input.file_name().unwrap().to_string_lossy()
    ));
    let run = wiresift()
        .args([
            "-r",
            input.to_str().unwrap(),
            "-w",
            out.to_str().unwrap(),
            "-F",
            format,
        ])
        .output()
        .unwrap();
    let code = run.status.code();
    let stderr = String::from_utf8_lossy(&run.stderr);
    if !run.stdout.is_empty() {
        return Err("-w without -P printed to stdout".into());
    }
    let limit = if format == "pcap" {
        pcap_limit(&frames)
    } else {
        None
    };
    let (expected, outcome): (Vec<Rec>, _) = match limit {
        Some(n) => {
            if code != Some(2) || !stderr.contains("-F pcapng") {
                return Err(format!("expected a clear refusal, got {code:?}: {stderr}"));
            }
            (frames[..n].to_vec(), "refused")
        }
        None => {
            let want = if damage.is_some() { 1 } else { 0 };
            if code != Some(want) {
                return Err(format!("exit {code:?}, wanted {want}: {stderr}"));
            }
            (frames.clone(), "identical")
        }
    };
    let expected: Vec<Rec> = expected
        .into_iter()
        .filter(|r| format == "pcapng" || !r.link_type.is_custom_block())
        .collect();
    let (written_format, back, err) = read_all(&out);
    if let Some(e) = err {
        return Err(format!("written file is damaged: {e}"));
    }
    let want_format = if format == "pcap" {
        CaptureFormat::Pcap
    } else {
        CaptureFormat::Pcapng
    };
    if written_format != want_format {
        return Err(format!("wrote {written_format:?}"));
    }
    if back.len() != expected.len() {
        return Err(format!(
            "{} frames back, {} expected",
            back.len(),
            expected.len()
        ));
    }
    // Classic pcap has one precision: frames of a coarser one read back with the file's.
    let uniform = frames.windows(2).all(|w| w[0].precision == w[1].precision);
    for (i, (got, want)) in back.iter().zip(&expected).enumerate() {
        // A frame without a timestamp (pcapng SPB) is written at the epoch.
        let want_ts = if want.ts.is_none() {
            wiresift::capture::Timestamp::default()
        } else {
            want.ts
        };
        let same = got.ts == want_ts
            && got.orig_len == want.orig_len
            && got.data == want.data
            && got.link_type == want.link_type
            && (got.precision == want.precision || (format == "pcap" && !uniform));
        if !same {
            return Err(format!("frame {}: got {got:?}, want {want:?}", i + 1));
        }
        if want.precision == TsPrecision::Nano && got.precision != TsPrecision::Nano {
            return Err(format!("frame {} lost its nanosecond precision", i + 1));
        }
    }
    Ok(outcome)
}

fn check_all(captures: &[PathBuf]) {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut refused = 0;
    for input in captures {
        for format in ["pcap", "pcapng"] {
            match round_trip(input, format, dir.path()) {
                Ok("refused") => refused += 1,
                Ok(_) => {}
                Err(problem) => {
                    failures.push(format!("{} -F {format}: {problem}", input.display()))
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} round trips failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!(
        "{} captures round-tripped in pcap and pcapng ({refused} refused by pcap, as they must be)",
        captures.len()
    );
}

#[test]
fn project_captures_round_trip() {
    check_all(&project_captures());
}

#[test]
fn corpus_round_trips() {
    let Some(dir) = std::env::var_os("WIRESIFT_CORPUS") else {
        println!("skipped: WIRESIFT_CORPUS not set (set it to the shared capture corpus)");
        return;
    };
    check_all(&captures_in(Path::new(&dir)));
}

#[test]
fn nanosecond_input_stays_nanosecond() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/nanosec.pcapng");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nano.pcap");
    // Its Ethernet interface is nanosecond (the other one, Linux cooked, is left out: a pcap
    // file holds one link type).
    wiresift()
        .args([
            "-r",
            input.to_str().unwrap(),
            "-Y",
            "eth",
            "-w",
            out.to_str().unwrap(),
        ])
        .assert()
        .success();
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(
        bytes[..4],
        0xa1b2_3c4du32.to_le_bytes(),
        "nanosecond pcap magic"
    );
    let (_, frames, _) = read_all(&out);
    assert_eq!(frames.len(), 3);
    assert!(frames.iter().all(|f| f.precision == TsPrecision::Nano));
    assert!(
        frames.iter().any(|f| f.ts.nanos % 1000 != 0),
        "sub-µs digits kept"
    );
}

#[test]
fn only_displayed_frames_are_written() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/tcp-session.pcap");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("arp.pcap");
    wiresift()
        .args([
            "-r",
            input.to_str().unwrap(),
            "-Y",
            "arp",
            "-w",
            out.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout("");
    let (_, all, _) = read_all(&input);
    let (_, arp, _) = read_all(&out);
    assert_eq!(
        arp.len(),
        2,
        "tcp-session.pcap starts with one ARP exchange"
    );
    assert_eq!(arp[..], all[..2]);
    // The written file reads like any other, with its original times.
    wiresift()
        .args(["-r", out.to_str().unwrap(), "-t", "e"])
        .assert()
        .success()
        .stdout(predicates::str::contains("ARP"));
}

#[test]
fn print_summary_with_write() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/ping-arp.pcap");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.pcap");
    let plain = wiresift()
        .args(["-r", input.to_str().unwrap(), "-Y", "icmp"])
        .output()
        .unwrap();
    wiresift()
        .args(["-r", input.to_str().unwrap(), "-Y", "icmp", "-P"])
        .args(["-w", out.to_str().unwrap()])
        .assert()
        .success()
        .stdout(String::from_utf8(plain.stdout).unwrap());
}

#[test]
fn write_to_stdout() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/tftp.pcap");
    let run = wiresift()
        .args(["-r", input.to_str().unwrap(), "-w", "-", "-F", "pcapng"])
        .output()
        .unwrap();
    assert!(run.status.success());
    let back = FileReader::from_reader("stdout", Box::new(std::io::Cursor::new(run.stdout)));
    let mut back = back.unwrap();
    assert_eq!(back.format(), CaptureFormat::Pcapng);
    let mut n = 0;
    while back.next_frame().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, read_all(&input).1.len());
    // And from standard input to standard output.
    let bytes = std::fs::read(&input).unwrap();
    let piped = wiresift()
        .args(["-r", "-", "-w", "-"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert_eq!(
        piped.stdout, bytes,
        "a little-endian µs pcap is written back byte for byte"
    );
}

#[test]
fn never_overwrites_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pcap");
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/tftp.pcap");
    std::fs::copy(&original, &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let other_name = format!("{}/./in.pcap", dir.path().display());
    wiresift()
        .args(["-r", input.to_str().unwrap(), "-w", &other_name])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("is the input file"));
    assert_eq!(std::fs::read(&input).unwrap(), before, "input untouched");
    #[cfg(unix)]
    {
        let link = dir.path().join("hard.pcap");
        std::fs::hard_link(&input, &link).unwrap();
        wiresift()
            .args(["-r", input.to_str().unwrap(), "-w", link.to_str().unwrap()])
            .assert()
            .code(2);
        assert_eq!(std::fs::read(&input).unwrap(), before);
    }
}

#[test]
fn usage_mistakes_exit_2() {
    for args in [
        &["-r", "x.pcap", "-F", "pcapng"][..],
        &["-r", "x.pcap", "-w", "y", "-F", "erf"],
        &["-r", "x.pcap", "-w", "-", "-P"],
        &["-r", "x.pcap", "-f", "tcp"],
        &["-r", "x.pcap", "-i", "lo"],
    ] {
        wiresift().args(args).assert().code(2);
    }
}
