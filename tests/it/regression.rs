//! One test per crash the fuzzers found, named `rNNN_<what>`, with the minimized input as a
//! byte array. Each runs the fuzz target's own body on it (`fuzz/src/lib.rs`, which checks the
//! outputs as well as "no panic"), then checks the fix directly.

use crate::fuzz_smoke::bodies;
use wiresift::dissect::{self, Depth, FrameTimes, NoTftp};
use wiresift::output::json;

/// `frame` target, first run (120 s): the file name of a TFTP read request held U+009B, the
/// 8-bit CSI that starts a terminal escape sequence, and `-T json` wrote it raw (JSON only
/// escaped C0 controls and DEL). Input: selector (Ethernet), Ethernet, IPv4, UDP to port 69,
/// TFTP RRQ with file name "\u{9b}31m" and an empty mode.
#[test]
fn r001_json_c1_control_in_tftp_string() {
    const INPUT: [u8; 52] = [
        0x00, // link type: Ethernet
        0x00, 0x0c, 0x29, 0xaa, 0xbb, 0x02, 0x00, 0x0c, 0x29, 0xaa, 0xbb, 0x01, 0x08, 0x00, 0x45,
        0x00, 0x00, 0x25, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x1e, 0x81,
        0xc0, 0xa8, 0x1e, 0x80, // IPv4, total length 37
        0xc3, 0x50, 0x00, 0x45, 0x00, 0x11, 0x00, 0x00, // UDP 50000 -> 69, length 17
        0x00, 0x01, 0xc2, 0x9b, b'3', b'1', b'm', 0x00, 0x00, // RRQ "\u{9b}31m", ""
    ];
    bodies::frame(&INPUT);
    let frame = bodies::frame_of(&INPUT).expect("a frame");
    let d = dissect::dissect(1, frame, FrameTimes::default(), Depth::All, &NoTftp);
    let mut buf = wiresift::output::bytebuf::ByteBuf::with_room(1024);
    json::write_packet(&mut buf, &d);
    let doc = std::str::from_utf8(buf.as_slice()).expect("UTF-8");
    assert!(!doc.contains('\u{9b}'), "{doc}");
    assert!(doc.contains(r#""tftp.source_file":"\u009b31m""#), "{doc}");
}

/// `trackers` target, CI smoke: an HTTP response whose Content-Type header held a control
/// byte (`text\x0fhtml`); the summary's Info suffix ` (text/html)` wrote it raw. The input
/// (a sequence of frames of the shipped TCP session, mutated) is kept as a file because the
/// segments must run through the HTTP message tracker to reach the suffix.
#[test]
fn r002_http_content_type_control_in_info() {
    let input = std::fs::read(
        crate::support::root().join("tests/regression/r002-http-content-type-control.bin"),
    )
    .expect("regression input");
    bodies::trackers(&input);
    let mut info = String::new();
    wiresift::dissect::http::write_body_suffix(
        &mut info,
        wiresift::dissect::http::BodyKind::TextLines,
        "text\u{f}html",
    );
    assert_eq!(info, " (text\\x0fhtml)");
}
