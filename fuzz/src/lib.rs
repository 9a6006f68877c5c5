//! Bodies of wiresift's fuzz targets.
//!
//! Each `fuzz_targets/*.rs` is a one-line wrapper around a function here, and the `cargo test`
//! smoke (`tests/it/fuzz_smoke.rs` in the main crate) includes this very file with `#[path]`,
//! so the seeds and a few thousand pseudo-random inputs run through the same checks on every
//! `cargo test`, without cargo-fuzz. Keep it a plain module: no crate attributes, and only
//! `wiresift` and `serde_json` as dependencies.
//!
//! Every body checks more than "does not panic": frames stay within the limits the reader
//! promises, output is free of control characters (so no terminal escape reaches a screen),
//! and JSON parses.

use std::io::Cursor;

use wiresift::capture::{
    CaptureError, FileReader, Frame, LinkType, MAX_RECORD_LEN, Timestamp, TsPrecision,
};
use wiresift::dissect::{self, Depth, Dissection, FrameTimes, NoTftp, Problem};
use wiresift::engine::{Config, OutputKind};
use wiresift::fields::value::is_unsafe_char;
use wiresift::fields::{FieldId, LayerSel, Needs, registry};
use wiresift::filter::Filter;
use wiresift::output::bytebuf::ByteBuf;
use wiresift::output::fields::{FieldsOptions, FieldsSink, Quote, write_field_value};
use wiresift::output::{Columns, OutputOptions, Resolve, Sink, TimeFormat};
use wiresift::output::{hexdump, json, summary, tree};
use wiresift::track::Trackers;

/// Link types the `frame` and `trackers` targets pick from with their first byte (low 4
/// bits, wrapping): every link type wiresift dissects, the custom-block pseudo link type, and
/// one it does not know.
pub const LINK_TYPES: [LinkType; 10] = [
    LinkType::ETHERNET,
    LinkType::LINUX_SLL,
    LinkType::LINUX_SLL2,
    LinkType::NULL,
    LinkType::RAW,
    LinkType::RAW_OPENBSD,
    LinkType::IPV4,
    LinkType::IPV6,
    LinkType::PCAPNG_CUSTOM,
    LinkType(147),
];

/// The link type a selector byte picks.
pub fn link_type_of(selector: u8) -> LinkType {
    LINK_TYPES[usize::from(selector & 0x0f) % LINK_TYPES.len()]
}

/// Every tracker on.
pub const ALL_NEEDS: Needs = Needs::ALL;

const TIME_FORMATS: [TimeFormat; 8] = [
    TimeFormat::Relative,
    TimeFormat::Absolute,
    TimeFormat::AbsoluteDate,
    TimeFormat::Epoch,
    TimeFormat::Delta,
    TimeFormat::DeltaDisplayed,
    TimeFormat::Utc,
    TimeFormat::UtcDate,
];

// ---------------------------------------------------------------------------------------------
// pcap_reader

/// A frame as both readers must deliver it: time, wire length, bytes.
/// What both readers must agree on for each frame: time, length, interface and bytes.
type ReadFrame = (
    wiresift::capture::Timestamp,
    u32,
    (wiresift::capture::LinkType, Option<u32>, Option<String>),
    Vec<u8>,
);

/// Bytes → `FileReader` over a `Cursor`; reads every frame. The same bytes, written to a
/// file, then go through the block reader of the parallel runs, which must find the same
/// frames and the same damage.
pub fn pcap_reader(data: &[u8]) {
    let len = data.len() as u64;
    let mut reader = match FileReader::from_reader("fuzz", Box::new(Cursor::new(data.to_vec()))) {
        Ok(r) => r,
        Err(e) => return check_capture_error(&e, len),
    };
    let mut frames = Vec::new();
    let mut damage = None;
    loop {
        match reader.next_frame() {
            Ok(Some(f)) => {
                assert!(f.data.len() <= MAX_RECORD_LEN, "frame over MAX_RECORD_LEN");
                assert!(f.ts.nanos < 1_000_000_000, "denormal timestamp {:?}", f.ts);
                let interface = (
                    f.link_type,
                    f.interface_id,
                    f.interface_name.map(String::from),
                );
                frames.push((f.ts, f.orig_len, interface, f.data.to_vec()));
                // Every frame consumes at least a 12-byte pcapng block or a 16-byte record.
                let n = frames.len() as u64;
                assert!(n * 12 <= len, "{n} frames out of {len} bytes");
            }
            Ok(None) => break,
            Err(e) => {
                check_capture_error(&e, len);
                damage = Some(e.to_string());
                break;
            }
        }
        assert!(reader.offset() <= len, "offset past the end of the input");
    }
    assert!(
        matches!(reader.next_frame(), Ok(None)),
        "finished stays finished"
    );
    split_reader_agrees(data, &frames, damage.as_deref());
}

/// Reads `data` (from a temporary file) with `BlockReader`, block after block, with a block
/// size taken from the input, and compares with what the sequential reader found.
fn split_reader_agrees(data: &[u8], want: &[ReadFrame], want_damage: Option<&str>) {
    let path = std::env::temp_dir().join(format!(
        "wiresift-fuzz-{}-{:?}.pcap",
        std::process::id(),
        std::thread::current().id()
    ));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let name = path.to_string_lossy().into_owned();
    compare_split(&name, data.len(), want, want_damage);
    let _ = std::fs::remove_file(&path);
}

fn compare_split(name: &str, len: usize, want: &[ReadFrame], want_damage: Option<&str>) {
    use wiresift::capture::block::{Block, BlockReader, HopEnd};
    let block_len = 1 + len % 97;
    let Ok(Some(split)) = BlockReader::open(name, block_len) else {
        return; // too short for a header, or a damaged start: the sequential reader's
    };
    let (mut got, mut damage) = (Vec::new(), None);
    let (mut block, mut records, mut spill) = (Block::default(), Vec::new(), Vec::new());
    let mut names = Vec::new();
    let mut cursor = split.first_cursor();
    for index in 0..split.block_count() {
        split.read_block(index, &mut block).expect("the file reads");
        records.clear();
        let end = split.hop(&block, cursor, None, &mut records, &mut names);
        for r in &records {
            let f = split
                .frame(r, &block, &names, &mut spill)
                .expect("a hopped record reads");
            let interface = (
                f.link_type,
                f.interface_id,
                f.interface_name.map(String::from),
            );
            got.push((f.ts, f.orig_len, interface, f.data.to_vec()));
        }
        match end {
            HopEnd::Next(next) => cursor = next,
            HopEnd::End => break,
            HopEnd::Damage(e) => {
                damage = Some(e.to_string().replace(name, "fuzz"));
                break;
            }
        }
    }
    assert!(got == want, "the block reader found other frames");
    assert_eq!(
        damage.as_deref(),
        want_damage,
        "the block reader's damage differs"
    );
}

fn check_capture_error(e: &CaptureError, len: u64) {
    let text = e.to_string();
    match e {
        CaptureError::Truncated { offset, got, .. } => {
            assert!(offset + got <= len, "{text}");
            assert!(text.contains("byte offset"), "{text}");
        }
        CaptureError::Corrupt { offset, .. } => {
            assert!(*offset < len, "{text}");
            assert!(text.contains("byte offset"), "{text}");
        }
        CaptureError::NotACapture { .. } => {}
        other => panic!("unexpected error from an in-memory reader: {other}"),
    }
    assert_printable(&text, "");
}

// ---------------------------------------------------------------------------------------------
// frame

/// The frame a `frame` input describes: byte 0 picks the link type (low 4 bits), whether the
/// frame says it was cut by the snaplen (bit 7) and whether it has no timestamp (bit 6); the
/// rest is the captured bytes.
pub fn frame_of(data: &[u8]) -> Option<Frame<'_>> {
    let (&selector, bytes) = data.split_first()?;
    let cap_len = bytes.len() as u32;
    Some(Frame {
        ts: if selector & 0x40 != 0 {
            Timestamp::NONE
        } else {
            Timestamp {
                secs: 1_700_000_000,
                nanos: 123_456_789,
            }
        },
        orig_len: if selector & 0x80 != 0 {
            cap_len.saturating_add(64)
        } else {
            cap_len
        },
        link_type: link_type_of(selector),
        interface_id: Some(0),
        interface_name: None,
        precision: TsPrecision::Nano,
        data: bytes,
    })
}

/// One frame of each link type → dissect at every depth → every output format and every
/// registered field.
pub fn frame(data: &[u8]) {
    let Some(frame) = frame_of(data) else { return };
    for depth in [Depth::Link, Depth::Network, Depth::Transport] {
        let d = dissect::dissect(1, frame, FrameTimes::default(), depth, &NoTftp);
        check_dissection(&d, true);
    }
    let times = FrameTimes {
        relative: 1,
        delta: -1,
        delta_displayed: i128::from(i64::MAX),
    };
    let mut d = dissect::dissect(1, frame, times, Depth::All, &NoTftp);
    check_dissection(&d, true);
    // The trackers fill the generated fields the outputs show.
    Trackers::new(ALL_NEEDS).observe(&mut d);
    check_dissection(&d, true);
    check_outputs(&d, true);
}

/// Invariants of any dissection. `own_bytes`: the frame was dissected from its own bytes
/// only (no reassembled datagram, whose layers lie past the frame's end).
pub fn check_dissection(d: &Dissection<'_>, own_bytes: bool) {
    assert!(!d.layers.is_empty(), "the frame layer is always there");
    assert_eq!(d.layers[0].proto, dissect::Proto::Frame);
    let len = d.frame.data.len();
    for l in d.layers.iter().filter(|_| own_bytes) {
        assert!(l.offset <= len, "layer {:?} starts past the frame", l.proto);
        assert!(
            l.bytes.len() <= len,
            "layer {:?} longer than the frame",
            l.proto
        );
    }
    if let Some(Problem::CutBySnaplen { .. }) = d.expert.problem {
        assert!(
            (len as u64) < u64::from(d.frame.orig_len),
            "cut by the snaplen, but the frame is whole"
        );
    }
}

/// Runs the summary line (two time formats), the tree and the JSON object on `d` and checks
/// what they wrote: what the `trackers` target checks on every frame of a sequence.
pub fn check_main_outputs(d: &Dissection<'_>) {
    let (mut line, mut cols, mut time) = (Vec::new(), Columns::default(), Vec::new());
    for format in [TimeFormat::Relative, TimeFormat::Delta] {
        let opts = OutputOptions {
            resolve: Resolve { mac: true },
            time: format,
            expand: wiresift::dissect::proto::ProtoSet::ALL,
        };
        summary::format_line(&mut line, &mut cols, &mut time, d, &opts);
        let line = std::str::from_utf8(&line).expect("the summary line is UTF-8");
        assert_printable(line, "");
    }
    check_tree_and_json(d, false);
}

/// Writes the tree (with or without vendor names) and the JSON of `d`: both printable, the
/// JSON valid. Returns the tree's text.
fn check_tree_and_json(d: &Dissection<'_>, resolve_mac: bool) -> String {
    let opts = OutputOptions {
        resolve: Resolve { mac: resolve_mac },
        time: TimeFormat::Relative,
        expand: wiresift::dissect::proto::ProtoSet::ALL,
    };
    let mut text = String::new();
    tree::write_tree(&mut text, d, &opts);
    assert_printable(&text, "\n");
    let mut buf = ByteBuf::with_room(4096);
    json::write_packet(&mut buf, d);
    let doc = std::str::from_utf8(buf.as_slice()).expect("JSON output is UTF-8");
    assert_printable(doc, "");
    if let Err(e) = serde_json::from_str::<serde_json::Value>(doc) {
        panic!("invalid JSON ({e}): {doc}");
    }
    text
}

/// Runs every output on `d` and checks what it wrote: the summary in every time format, the
/// tree, JSON, the hex dump, every registered field's values as `-T fields`, the tree and JSON
/// show them; `thorough` adds a `-T fields` line with every field.
pub fn check_outputs(d: &Dissection<'_>, thorough: bool) {
    let (mut line, mut cols, mut time) = (Vec::new(), Columns::default(), Vec::new());
    for (i, format) in TIME_FORMATS.into_iter().enumerate() {
        let opts = OutputOptions {
            resolve: Resolve { mac: i % 2 == 0 },
            time: format,
            expand: wiresift::dissect::proto::ProtoSet::ALL,
        };
        summary::format_line(&mut line, &mut cols, &mut time, d, &opts);
        let line = std::str::from_utf8(&line).expect("the summary line is UTF-8");
        assert_printable(line, "");
    }
    let mut text = check_tree_and_json(d, true);
    text.clear();
    hexdump::write_hexdump(&mut text, d.frame.data);
    assert_printable(&text, "\n");

    let reg = registry();
    let mut cell = String::new();
    let mut json_cell = ByteBuf::with_room(256);
    for (id, def) in reg.all() {
        reg.each_value(id, d, LayerSel::All, &mut |v| {
            cell.clear();
            write_field_value(&mut cell, def, &v);
            assert_printable(&cell, "");
            cell.clear();
            tree::write_tree_value(&mut cell, def, &v);
            assert_printable(&cell, "");
            json_cell.clear();
            json::write_json_value(&mut json_cell, &v, def.ftype);
            let value = std::str::from_utf8(json_cell.as_slice()).expect("JSON value is UTF-8");
            if let Err(e) = serde_json::from_str::<serde_json::Value>(value) {
                panic!("{}: invalid JSON value ({e}): {value}", def.name);
            }
        });
        reg.each_value(id, d, LayerSel::Range(2, 2), &mut |_| {});
    }
    if thorough {
        let csv = FieldsOptions {
            header: true,
            separator: ",".into(),
            quote: Quote::Double,
            ..FieldsOptions::default()
        };
        fields_sink(d, all_fields(), csv);
    }
}

fn all_fields() -> Vec<(String, FieldId)> {
    static ALL: std::sync::OnceLock<Vec<(String, FieldId)>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        registry()
            .all()
            .map(|(id, def)| (def.name.to_string(), id))
            .collect()
    })
    .clone()
}

fn fields_sink(d: &Dissection<'_>, fields: Vec<(String, FieldId)>, opts: FieldsOptions) {
    let mut out = Vec::new();
    let mut sink = FieldsSink::new(&mut out, fields, opts);
    sink.packet(d).expect("writing to memory");
    sink.finish().expect("writing to memory");
    drop(sink);
    let text = String::from_utf8(out).expect("-T fields output is UTF-8");
    assert_printable(&text, "\t\n");
}

/// Panics when `text` holds a control character other than those in `allowed` (any of them
/// could be part of a terminal escape sequence) or a bidirectional override.
pub fn assert_printable(text: &str, allowed: &str) {
    if let Some(c) = text
        .chars()
        .find(|c| is_unsafe_char(*c) && !allowed.contains(*c))
    {
        panic!("control character {c:?} in output: {text:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// filter_parse

/// A few fixed frames to evaluate compiled filters on: a TCP SYN with options, an ICMP error
/// quoting a UDP datagram, a TFTP read request, and an IPv6 fragment.
pub const FILTER_FRAMES: &[&[u8]] = &[
    // Ethernet / IPv4 / TCP SYN, MSS and window scale options.
    b"\x00\x0c\x29\xaa\xbb\x02\x00\x0c\x29\xaa\xbb\x01\x08\x00\x45\x00\x00\x30\x00\x01\x40\x00\
      \x40\x06\x00\x00\xc0\xa8\x1e\x81\xc0\xa8\x1e\x80\xc0\x00\x00\x50\x00\x00\x00\x00\x00\x00\
      \x00\x00\x70\x02\xfa\xf0\x00\x00\x00\x00\x02\x04\x05\xb4\x03\x03\x07\x00",
    // Ethernet / IPv4 / ICMP port unreachable quoting IPv4 / UDP.
    b"\x00\x0c\x29\xaa\xbb\x02\x00\x0c\x29\xaa\xbb\x01\x08\x00\x45\x00\x00\x38\x00\x02\x00\x00\
      \x40\x01\x00\x00\xc0\xa8\x1e\x80\xc0\xa8\x1e\x81\x03\x03\x00\x00\x00\x00\x00\x00\x45\x00\
      \x00\x1c\x00\x03\x00\x00\x40\x11\x00\x00\xc0\xa8\x1e\x81\xc0\xa8\x1e\x80\x13\x88\x00\x35\
      \x00\x08\x00\x00",
    // Ethernet / IPv4 / UDP / TFTP read request.
    b"\x00\x0c\x29\xaa\xbb\x02\x00\x0c\x29\xaa\xbb\x01\x08\x00\x45\x00\x00\x2d\x21\x01\x00\x00\
      \x40\x11\x00\x00\xc0\xa8\x1e\x81\xc0\xa8\x1e\x80\xc3\x50\x00\x45\x00\x19\x00\x00\x00\x01\
      test.txt\x00octet\x00",
    // Ethernet / IPv6 / fragment header / data.
    b"\x00\x0c\x29\xaa\xbb\x02\x00\x0c\x29\xaa\xbb\x01\x86\xdd\x60\x00\x00\x00\x00\x10\x2c\x40\
      \xfe\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\xfe\x80\x00\x00\x00\x00\
      \x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x11\x00\x00\x01\x00\x00\x00\x07abcdefgh",
];

/// Bytes as UTF-8 → `Filter::compile`; a filter that compiles is evaluated on
/// [`FILTER_FRAMES`], an error is rendered with its caret line.
pub fn filter_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Filter::compile(text) {
        Ok(filter) => {
            let _ = (filter.needs(), filter.depth());
            for (i, bytes) in FILTER_FRAMES.iter().enumerate() {
                let frame = Frame {
                    ts: Timestamp {
                        secs: 1_700_000_000 + i as i64,
                        nanos: 0,
                    },
                    orig_len: bytes.len() as u32,
                    link_type: LinkType::ETHERNET,
                    interface_id: None,
                    interface_name: None,
                    precision: TsPrecision::Micro,
                    data: bytes,
                };
                let mut d = dissect::dissect(1, frame, FrameTimes::default(), Depth::All, &NoTftp);
                Trackers::new(ALL_NEEDS).observe(&mut d);
                let _ = filter.matches(&d);
            }
        }
        Err(e) => {
            let _ = e.render(text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// trackers

/// One frame of a `trackers` sequence: milliseconds since the epoch and the bytes.
pub type TimedFrame<'a> = (i64, &'a [u8]);

/// Splits a `trackers` input into frames: byte 0 picks the link type (as in [`frame_of`]),
/// then each frame is a 1-byte time step, a 2-byte big-endian length and that many bytes
/// (the last frame takes what is left). A time step `t` advances the clock by `t³` ms, so a
/// sequence can cross the reassembly and idle timeouts.
pub fn split_frames(data: &[u8]) -> Option<(LinkType, Vec<TimedFrame<'_>>)> {
    let (&selector, mut rest) = data.split_first()?;
    let mut frames = Vec::new();
    let mut ms: i64 = 1_700_000_000_000;
    while let [step, hi, lo, tail @ ..] = rest {
        ms += i64::from(*step).pow(3);
        let n = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        frames.push((ms, &tail[..n]));
        rest = &tail[n..];
    }
    Some((link_type_of(selector), frames))
}

/// Frames in the [`split_frames`] format → a classic pcap file.
pub fn pcap_of(link: LinkType, frames: &[TimedFrame<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&link.0.to_le_bytes());
    for (ms, bytes) in frames {
        let secs = (ms / 1000) as u32;
        let micros = (ms % 1000 * 1000) as u32;
        for word in [secs, micros, bytes.len() as u32, bytes.len() as u32] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(bytes);
    }
    out
}

/// A sink that checks every output of every displayed frame.
pub struct CheckingSink {
    /// Frames seen.
    pub frames: u64,
}

impl Sink for CheckingSink {
    fn packet(&mut self, d: &Dissection<'_>) -> std::io::Result<()> {
        self.frames += 1;
        check_dissection(d, false);
        check_main_outputs(d);
        Ok(())
    }
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The run configuration the `trackers` target uses: every tracker, full depth.
pub fn tracking_config(filter: &str) -> Config {
    Config {
        read_file: None,
        filter: Filter::compile(filter).expect("the fixed filter compiles"),
        count: None,
        output: OutputKind::Quiet,
        opts: OutputOptions {
            resolve: Resolve { mac: true },
            time: TimeFormat::Relative,
            expand: wiresift::dissect::proto::ProtoSet::ALL,
        },
        needs: ALL_NEEDS,
        depth: Depth::All,
        line_buffered: false,
        threads: 1,
        block_size: None,
        capture: Default::default(),
        stats: Default::default(),
    }
}

/// A sequence of frames → the real run loop (dissect, defragment, TCP/TFTP/echo trackers)
/// → every output of every frame.
pub fn trackers(data: &[u8]) {
    let Some((link, frames)) = split_frames(data) else {
        return;
    };
    let file = pcap_of(link, &frames);
    let mut reader =
        FileReader::from_reader("fuzz", Box::new(Cursor::new(file))).expect("a valid header");
    let mut sink = CheckingSink { frames: 0 };
    let cfg = tracking_config("");
    let stats = wiresift::engine::sequential::run_capture(&cfg, &mut reader, &mut sink)
        .expect("the checking sink never fails");
    assert!(stats.damage.is_none(), "the pcap built here is whole");
    assert_eq!(stats.read, frames.len() as u64);
    assert_eq!(sink.frames, frames.len() as u64);
}
