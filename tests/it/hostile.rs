//! Hostile capture files, run through the binary: every readable packet is printed, then a
//! clear message with the byte offset, and the exit status says whether the file was complete
//! (0) or not (1). Hostile packets (deep VLAN stacks, looping IPv6 extension chains, ICMP
//! errors inside ICMP errors, TFTP without NULs, escape sequences in strings) print without
//! harm. A closed pipe ends any output format quietly.

use crate::support::{stderr, stdout};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

// ---------------------------------------------------------------------------------------------
// Builders

const MAC_A: [u8; 6] = [0x00, 0x0c, 0x29, 0xaa, 0xbb, 0x01];
const MAC_B: [u8; 6] = [0x00, 0x0c, 0x29, 0xaa, 0xbb, 0x02];

/// A classic little-endian microsecond pcap file.
fn pcap(link: u32, records: &[(&[u8], u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&[2, 0, 4, 0]);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&link.to_le_bytes());
    for (i, (data, orig_len)) in records.iter().enumerate() {
        // One microsecond apart: no timeout of any tracker passes within a test file.
        let (secs, micros) = (i as u32 / 1_000_000, i as u32 % 1_000_000);
        for w in [1_700_000_000 + secs, micros, data.len() as u32, *orig_len] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(data);
    }
    out
}

/// Ethernet frames as pcap records, each whole.
fn ethernet_pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let records: Vec<(&[u8], u32)> = frames
        .iter()
        .map(|f| (f.as_slice(), f.len() as u32))
        .collect();
    pcap(1, &records)
}

/// A little-endian pcapng block.
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let padded = body.len().next_multiple_of(4);
    let total = (12 + padded) as u32;
    let mut out = kind.to_le_bytes().to_vec();
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(8 + padded, 0);
    out.extend_from_slice(&total.to_le_bytes());
    out
}

fn shb() -> Vec<u8> {
    let mut body = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    body.extend_from_slice(&[1, 0, 0, 0]);
    body.extend_from_slice(&[0xff; 8]);
    block(0x0a0d_0d0a, &body)
}

fn idb(link: u16) -> Vec<u8> {
    let mut body = link.to_le_bytes().to_vec();
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&0u32.to_le_bytes());
    block(1, &body)
}

fn epb(interface: u32, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for w in [
        interface,
        0,
        1_000_000,
        data.len() as u32,
        data.len() as u32,
    ] {
        body.extend_from_slice(&w.to_le_bytes());
    }
    body.extend_from_slice(data);
    block(6, &body)
}

fn ipv4(proto: u8, payload: &[u8]) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&total.to_be_bytes());
    h.extend_from_slice(&[
        0, 1, 0, 0, 64, proto, 0, 0, 192, 168, 30, 129, 192, 168, 30, 128,
    ]);
    h.extend_from_slice(payload);
    h
}

fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = MAC_B.to_vec();
    f.extend_from_slice(&MAC_A);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = sport.to_be_bytes().to_vec();
    u.extend_from_slice(&dport.to_be_bytes());
    u.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    u.extend_from_slice(&[0, 0]);
    u.extend_from_slice(payload);
    u
}

/// An Ethernet/IPv4/UDP frame to port 69 carrying `tftp`.
fn tftp_frame(tftp: &[u8]) -> Vec<u8> {
    ethernet(0x0800, &ipv4(17, &udp(50000, 69, tftp)))
}

fn write_temp(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hostile.pcap");
    std::fs::write(&path, bytes).expect("written");
    (dir, path)
}

/// Runs the binary on `bytes` with `args` after `-r FILE -n`.
fn run(bytes: &[u8], args: &[&str]) -> Output {
    let (_dir, path) = write_temp(bytes);
    let mut all = vec!["-r", path.to_str().expect("utf-8 path"), "-n"];
    all.extend_from_slice(args);
    crate::support::wiresift(all)
}

fn assert_clean_exit(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(out));
    assert!(stderr(out).is_empty(), "stderr: {}", stderr(out));
}

/// A damaged capture: exit status 1 and one `wiresift:` message naming the byte offset.
fn assert_damage_at(out: &Output, offset: u64, what: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(err.starts_with("wiresift: "), "{err}");
    assert!(err.contains(what), "{what:?} not in: {err}");
    assert!(
        err.contains(&format!("byte offset {offset}")),
        "offset {offset} not in: {err}"
    );
}

/// No raw control bytes in the output (`\n` ends lines, `\t` separates fields).
fn assert_no_raw_controls(bytes: &[u8]) {
    let text = String::from_utf8(bytes.to_vec()).expect("output is UTF-8");
    crate::fuzz_smoke::bodies::assert_printable(&text, "\n\t");
}

// ---------------------------------------------------------------------------------------------
// Damaged files

fn three_frames() -> Vec<Vec<u8>> {
    (0..3u8)
        .map(|i| {
            ethernet(
                0x0800,
                &ipv4(17, &udp(40000 + u16::from(i), 9000, &[i; 18])),
            )
        })
        .collect()
}

#[test]
fn pcap_truncated_at_every_byte_offset() {
    let frames = three_frames();
    let file = ethernet_pcap(&frames);
    let record = 16 + frames[0].len();
    let boundaries: Vec<usize> = (0..=3).map(|i| 24 + i * record).collect();
    for cut in 0..=file.len() {
        let out = run(&file[..cut], &[]);
        let lines = stdout(&out).lines().count();
        if cut == 0 {
            assert_clean_exit(&out);
            continue;
        }
        if cut < 4 {
            assert_damage_at_start(&out, "is not a pcap or pcapng file");
            continue;
        }
        if cut < 24 {
            assert_damage_at(&out, 0, "cut short");
            assert_eq!(lines, 0);
            continue;
        }
        let complete = boundaries.iter().filter(|&&b| b <= cut).count() - 1;
        assert_eq!(
            lines, complete,
            "cut at {cut}: every whole packet is printed"
        );
        if boundaries.contains(&cut) {
            assert_clean_exit(&out);
        } else {
            assert_damage_at(&out, boundaries[complete] as u64, "cut short");
            assert!(
                stderr(&out).contains(&format!("the {complete} packets before it were read")),
                "{}",
                stderr(&out)
            );
        }
    }
}

fn assert_damage_at_start(out: &Output, what: &str) {
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    assert!(stderr(out).contains(what), "{}", stderr(out));
}

#[test]
fn pcapng_truncated_at_every_byte_offset() {
    let frames = three_frames();
    let mut file = shb();
    file.extend(idb(1));
    let mut boundaries = vec![file.len()];
    for f in &frames {
        file.extend(epb(0, f));
        boundaries.push(file.len());
    }
    for cut in 0..=file.len() {
        let out = run(&file[..cut], &[]);
        let lines = stdout(&out).lines().count();
        if cut == 0 {
            assert_clean_exit(&out);
            continue;
        }
        if cut < 4 {
            assert_damage_at_start(&out, "is not a pcap or pcapng file");
            continue;
        }
        if cut < 28 + 20 {
            let at = if cut < 28 { 0 } else { 28 };
            if cut == 28 {
                assert_clean_exit(&out);
            } else {
                assert_damage_at(&out, at, "cut short");
            }
            assert_eq!(lines, 0);
            continue;
        }
        let complete = boundaries.iter().filter(|&&b| b <= cut).count() - 1;
        assert_eq!(lines, complete, "cut at {cut}");
        if boundaries.contains(&cut) {
            assert_clean_exit(&out);
        } else {
            assert_damage_at(&out, boundaries[complete] as u64, "cut short");
        }
    }
}

#[test]
fn garbage_files_are_not_captures() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let out = run(&garbage, &[]);
    assert_damage_at_start(
        &out,
        "is not a pcap or pcapng file (starts with 0x008a19a3)",
    );
    assert!(stdout(&out).is_empty());
    // Garbage after a valid header: a record with an absurd length, not an allocation.
    let mut file = pcap(1, &[]);
    file.extend(std::iter::repeat_n(0xffu8, 64));
    let out = run(&file, &[]);
    assert_damage_at(&out, 24, "more than the limit of 16777216");
}

#[test]
fn empty_and_header_only_files_are_empty_complete_captures() {
    // An empty file too, as tshark reads it.
    let out = run(b"", &[]);
    assert_clean_exit(&out);
    assert!(stdout(&out).is_empty());
    let out = run(&pcap(1, &[]), &[]);
    assert_clean_exit(&out);
    assert!(stdout(&out).is_empty());
    let out = run(&shb(), &[]);
    assert_clean_exit(&out);
    assert!(stdout(&out).is_empty());
    let mut with_idb = shb();
    with_idb.extend(idb(1));
    assert_clean_exit(&run(&with_idb, &[]));
}

#[test]
fn record_claiming_4_gib_is_refused_without_allocating_it() {
    let frames = three_frames();
    let mut file = ethernet_pcap(&frames[..1]);
    let bad_at = file.len() as u64;
    for w in [1_700_000_001u32, 0, u32::MAX, u32::MAX] {
        file.extend_from_slice(&w.to_le_bytes());
    }
    file.extend_from_slice(&frames[1]);
    let started = std::time::Instant::now();
    let out = run(&file, &[]);
    assert!(
        started.elapsed().as_secs() < 20,
        "no 4 GiB allocation or read"
    );
    assert_eq!(
        stdout(&out).lines().count(),
        1,
        "the packet before it is printed"
    );
    assert_damage_at(
        &out,
        bad_at,
        "record claims a captured length of 4294967295 bytes, more than the limit of 16777216",
    );
    // A wire length of 4 GiB with a small captured length is just a large packet.
    let file = pcap(1, &[(&frames[0], u32::MAX)]);
    let out = run(&file, &[]);
    assert_clean_exit(&out);
    assert!(stdout(&out).contains(" 4294967295 "), "{}", stdout(&out));
}

#[test]
fn pcapng_blocks_whose_length_lies() {
    let frame = &three_frames()[0];
    let mut good = shb();
    good.extend(idb(1));
    good.extend(epb(0, frame));
    let at = good.len() as u64;
    let lying = |mutate: &dyn Fn(&mut Vec<u8>)| {
        let mut b = epb(0, frame);
        mutate(&mut b);
        let mut file = good.clone();
        file.extend(b);
        file.extend(epb(0, frame));
        file
    };
    type Mutation = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: [(&str, Mutation); 5] = [
        (
            "trailing length",
            Box::new(|b: &mut Vec<u8>| {
                let n = b.len();
                b[n - 4] ^= 4;
            }),
        ),
        (
            "not a multiple of 4",
            Box::new(|b: &mut Vec<u8>| b[4] = b[4].wrapping_add(1)),
        ),
        (
            "larger than the limit",
            Box::new(|b: &mut Vec<u8>| b[4..8].copy_from_slice(&0xffff_fff0u32.to_le_bytes())),
        ),
        (
            "shorter than the minimum",
            Box::new(|b: &mut Vec<u8>| b[4..8].copy_from_slice(&8u32.to_le_bytes())),
        ),
        (
            "captured length of 200",
            Box::new(|b: &mut Vec<u8>| b[20..24].copy_from_slice(&200u32.to_le_bytes())),
        ),
    ];
    for (what, mutate) in cases {
        let out = run(&lying(&*mutate), &[]);
        assert_eq!(
            stdout(&out).lines().count(),
            1,
            "{what}: the good packet is printed"
        );
        assert_damage_at(&out, at, what);
    }
    // A length that lies upward, past the end of the file: truncated, not a hang.
    let file = lying(&|b: &mut Vec<u8>| b[4..8].copy_from_slice(&4096u32.to_le_bytes()));
    let out = run(&file, &[]);
    assert_damage_at(&out, at, "cut short");
}

#[test]
fn pcapng_packets_without_their_interface() {
    let frame = &three_frames()[0];
    let mut file = shb();
    file.extend(epb(0, frame));
    let out = run(&file, &[]);
    assert_damage_at(
        &out,
        28,
        "packet for interface 0, but the section defines only 0 interfaces",
    );
    let mut file = shb();
    file.extend(idb(1));
    file.extend(epb(0, frame));
    let at = file.len() as u64;
    file.extend(epb(3, frame));
    let out = run(&file, &[]);
    assert_eq!(stdout(&out).lines().count(), 1);
    assert_damage_at(
        &out,
        at,
        "packet for interface 3, but the section defines only 1 interfaces",
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile packets in whole files

/// Runs every output format on a file; each must succeed, print valid JSON and no raw control
/// characters.
fn every_format(file: &[u8]) -> String {
    let summary = run(file, &[]);
    assert_clean_exit(&summary);
    assert_no_raw_controls(&summary.stdout);
    for args in [
        &["-V", "-x"][..],
        &[
            "-T",
            "fields",
            "-e",
            "_ws.col.Info",
            "-e",
            "frame.protocols",
        ],
    ] {
        let out = run(file, args);
        assert_clean_exit(&out);
        assert_no_raw_controls(&out.stdout);
    }
    let json = run(file, &["-T", "json"]);
    assert_clean_exit(&json);
    assert_no_raw_controls(&json.stdout);
    serde_json::from_slice::<serde_json::Value>(&json.stdout).expect("valid JSON");
    stdout(&summary) + &stdout(&run(file, &["-V"]))
}

#[test]
fn a_thousand_vlan_tags() {
    let mut payload = Vec::new();
    for i in 0..1000u16 {
        payload.extend_from_slice(&(i & 0x0fff).to_be_bytes());
        payload.extend_from_slice(&0x8100u16.to_be_bytes());
    }
    payload.extend(ipv4(17, &udp(1, 2, b"x")));
    let file = ethernet_pcap(&[ethernet(0x8100, &payload)]);
    let text = every_format(&file);
    assert!(
        text.contains("[Dissection limit reached: more than MAX_VLAN_TAGS (8) VLAN tags]"),
        "{text}"
    );
    assert!(text.contains("Expert Info (Note/Undecoded)"), "{text}");
}

#[test]
fn ipv6_extension_header_chains_that_loop_or_run_long() {
    let ipv6 = |nxt: u8, payload: &[u8]| {
        let mut h = vec![0x60, 0, 0, 0];
        h.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        h.extend_from_slice(&[nxt, 64]);
        h.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        h.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
        h.extend_from_slice(payload);
        ethernet(0x86dd, &h)
    };
    // Hop-by-hop whose next header is hop-by-hop, 200 times: a loop.
    let looping: Vec<u8> = (0..200).flat_map(|_| [0u8, 0, 1, 4, 0, 0, 0, 0]).collect();
    // Destination options and routing headers alternating, each 64 bytes long, 60 of them.
    let mut long = Vec::new();
    for i in 0..60 {
        let next = if i % 2 == 0 { 43 } else { 60 };
        long.extend_from_slice(&[next, 7]);
        long.extend_from_slice(&[1; 62]);
    }
    // A routing header claiming 2048 bytes in a short frame.
    let overlong = [17u8, 255, 0, 0, 0, 0, 0, 0];
    let file = ethernet_pcap(&[ipv6(0, &looping), ipv6(60, &long), ipv6(43, &overlong)]);
    let text = every_format(&file);
    let limit = "[Dissection limit reached: more than MAX_EXT_HEADERS (8) IPv6 extension headers]";
    assert_eq!(
        text.matches(limit).count(),
        2 * 2,
        "two frames, summary and tree: {text}"
    );
    assert!(text.contains("[Malformed Packet]"), "{text}");
}

#[test]
fn icmp_errors_nested_in_icmp_errors() {
    // Port unreachable quoting an IPv4 header whose payload is again a port unreachable, 20
    // levels deep.
    let mut inner = udp(5000, 53, b"q");
    for _ in 0..20 {
        let quoted = ipv4(if inner.len() == 9 { 17 } else { 1 }, &inner);
        let mut icmp = vec![3, 3, 0, 0, 0, 0, 0, 0];
        icmp.extend(quoted);
        inner = icmp;
    }
    let file = ethernet_pcap(&[ethernet(0x0800, &ipv4(1, &inner))]);
    let text = every_format(&file);
    assert!(
        text.contains("Destination unreachable (Port unreachable)"),
        "{text}"
    );
    let json = run(&file, &["-T", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let layers = &v[0]["layers"];
    assert!(
        layers["icmp#2"].is_object(),
        "the quoted error is dissected: {layers}"
    );
    assert!(
        layers.get("icmp#3").is_none(),
        "an error quoted in a quote is not followed"
    );
}

#[test]
fn tftp_without_nuls() {
    let frames = [
        tftp_frame(b"\x00\x01no-terminator-anywhere"),
        tftp_frame(b"\x00\x01file\x00octet"),
        tftp_frame(b"\x00\x05\x00\x01message without end"),
        tftp_frame(b"\x00\x06blksize"),
        tftp_frame(b"\x00\x03"),
        tftp_frame(b"\x00"),
    ];
    let text = every_format(&ethernet_pcap(&frames));
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("TFTP") && l.contains("[Malformed Packet]"))
            .count(),
        6,
        "{text}"
    );
}

#[test]
fn wire_strings_are_escaped_in_every_format() {
    let name: &[u8] = b"\x1b[31mred\r\n\tx\xff\"q\",y\xc2\x9b2J\x07";
    let mut rrq = b"\x00\x01".to_vec();
    rrq.extend_from_slice(name);
    rrq.extend_from_slice(b"\x00octet\x00");
    let file = ethernet_pcap(&[tftp_frame(&rrq)]);
    let escaped = r#"\x1b[31mred\r\n\tx\xff"q",y\x9b2J\x07"#;

    let summary = run(&file, &[]);
    assert_clean_exit(&summary);
    assert_no_raw_controls(&summary.stdout);
    assert!(
        stdout(&summary).contains(&format!("File: {escaped}, ")),
        "{}",
        stdout(&summary)
    );

    let tree = run(&file, &["-V"]);
    assert_no_raw_controls(&tree.stdout);
    assert!(
        stdout(&tree).contains(&format!("Source File: {escaped}\n")),
        "{}",
        stdout(&tree)
    );

    let csv = run(
        &file,
        &[
            "-T",
            "fields",
            "-e",
            "tftp.source_file",
            "-e",
            "tftp.type",
            "-E",
            "quote=d",
            "-E",
            "separator=,",
        ],
    );
    assert_no_raw_controls(&csv.stdout);
    let doubled = escaped.replace('"', "\"\"");
    assert_eq!(stdout(&csv), format!("\"{doubled}\",\"octet\"\n"));

    let plain = run(
        &file,
        &[
            "-T",
            "fields",
            "-e",
            "tftp.source_file",
            "-e",
            "tftp.type",
            "-E",
            "separator=,",
        ],
    );
    let line = stdout(&plain);
    assert_eq!(
        line.trim_end().split(',').count(),
        2,
        "no extra column: {line}"
    );
    assert!(line.contains(r"\x2cy"), "{line}");

    let json = run(&file, &["-T", "json"]);
    assert_no_raw_controls(&json.stdout);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    let got = v[0]["layers"]["tftp"]["tftp.source_file"]
        .as_str()
        .expect("a string");
    assert_eq!(got, "\u{1b}[31mred\r\n\tx\\xff\"q\",y\u{9b}2J\u{7}");
}

// ---------------------------------------------------------------------------------------------
// Closed output pipe

fn big_capture() -> (tempfile::TempDir, PathBuf) {
    let frames: Vec<Vec<u8>> = (0..4000u16)
        .map(|i| {
            ethernet(
                0x0800,
                &ipv4(17, &udp(1024 + i, 69, b"\x00\x01file.bin\x00octet\x00")),
            )
        })
        .collect();
    write_temp(&ethernet_pcap(&frames))
}

#[test]
fn broken_pipe_is_quiet_in_every_format() {
    let (_dir, path) = big_capture();
    let path = path.to_str().expect("utf-8");
    let formats: [&[&str]; 6] = [
        &[],
        &["-V", "-x"],
        &["-T", "json"],
        &["-T", "jsonl"],
        &[
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "tftp.source_file",
            "-E",
            "header=y",
        ],
        &["-T", "fields", "-e", "_ws.col.Info", "-l"],
    ];
    for args in formats {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wiresift"))
            .args(["-r", path])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawned");
        // Read a little, as `head` does, then close the pipe.
        let mut first = [0u8; 100];
        let mut stdout = child.stdout.take().expect("stdout");
        stdout.read_exact(&mut first).expect("some output");
        drop(stdout);
        let out = child.wait_with_output().expect("exited");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{args:?}: {}", stderr(&out));
    }
}

// ---------------------------------------------------------------------------------------------
// Tracker limits end the run with a warning

fn tcp_segment(seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut t = 40000u16.to_be_bytes().to_vec();
    t.extend_from_slice(&80u16.to_be_bytes());
    t.extend_from_slice(&seq.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
    t.extend_from_slice(payload);
    ethernet(0x0800, &ipv4(6, &t))
}

#[test]
fn unacknowledged_segments_past_the_limit_are_reported() {
    // A SYN and 1100 data segments, never acknowledged: 1101 wait, 1000 are remembered.
    let mut frames = vec![tcp_segment(0, 0x02, b"")];
    frames.extend((0..1100u32).map(|i| tcp_segment(1 + i * 10, 0x18, &[b'x'; 10])));
    let out = run(
        &ethernet_pcap(&frames),
        &["-T", "fields", "-e", "tcp.stream"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).lines().count(), 1101);
    let err = stderr(&out);
    assert!(
        err.starts_with("wiresift: warning: 101 TCP segments got no ACK round-trip time: MAX_UNACKED_SEGMENTS (1000)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn forgotten_echo_requests_are_reported() {
    let frames: Vec<Vec<u8>> = (0..=65_536u32)
        .map(|i| {
            let mut icmp = vec![8, 0, 0, 0];
            icmp.extend_from_slice(&((i >> 16) as u16).to_be_bytes());
            icmp.extend_from_slice(&(i as u16).to_be_bytes());
            ethernet(0x0800, &ipv4(1, &icmp))
        })
        .collect();
    let out = run(
        &ethernet_pcap(&frames),
        &["-T", "fields", "-e", "icmp.resp_to"],
    );
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("wiresift: warning: 65536 unanswered ICMP echo requests were forgotten to stay within MAX_PENDING_ECHOES (65536)"),
        "{err}"
    );
}

#[test]
fn fragments_past_the_pending_limit_are_reported() {
    // 4100 first fragments of different datagrams, none ever completed.
    let frames: Vec<Vec<u8>> = (0..4100u16)
        .map(|id| {
            let mut ip = ipv4(17, &[0u8; 16]);
            ip[4..6].copy_from_slice(&id.to_be_bytes());
            ip[6] = 0x20; // more fragments
            ethernet(0x0800, &ip)
        })
        .collect();
    let out = run(&ethernet_pcap(&frames), &[]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("wiresift: warning: 4 fragmented IP datagrams were given up before reassembly to stay within MAX_PENDING_DATAGRAMS (4096)"),
        "{err}"
    );
}
