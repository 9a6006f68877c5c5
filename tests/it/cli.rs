//! Tests that run the binary: exit codes, error messages, options.

use crate::support::{capture, stderr, stdout, wiresift};
use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn summary_of_a_shipped_capture() {
    let out = wiresift(["-r", capture("tcp-session.pcap").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Who has 192.168.30.128? Tell 192.168.30.129"),
        "{text}"
    );
    assert!(
        text.contains("49152 \u{2192} 80 [SYN] Seq=0 Win=64240 Len=0 MSS=1460 SACK_PERM WS=128"),
        "{text}"
    );
    assert!(
        text.contains("VMware_aa:bb:01 \u{2192} Broadcast"),
        "{text}"
    );
}

#[test]
fn reads_standard_input() {
    let bytes = std::fs::read(capture("ping-arp.pcap")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wiresift"))
        .args(["-r", "-", "-n"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Echo (ping) request  id=0x0001, seq=1/256, ttl=64"));
}

#[test]
fn not_a_capture_is_exit_1_with_the_magic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.pcap");
    std::fs::write(&path, b"<html>hello</html>").unwrap();
    let out = wiresift(["-r", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("is not a pcap or pcapng file (starts with 0x3c68746d)"),
        "{err}"
    );
}

#[test]
fn missing_file_is_a_usage_error() {
    let out = wiresift(["-r", "/nonexistent/x.pcap"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("wiresift: "));
}

#[test]
fn truncated_file_prints_complete_packets_then_warns_with_offset() {
    let bytes = std::fs::read(capture("ping-arp.pcap")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.pcap");
    std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let out = wiresift(["-r", path.to_str().unwrap(), "-n"]);
    assert_eq!(out.status.code(), Some(1));
    let lines = stdout(&out).lines().count();
    let full = stdout(&wiresift([
        "-r",
        capture("ping-arp.pcap").to_str().unwrap(),
    ]))
    .lines()
    .count();
    assert_eq!(lines, full - 1, "every complete packet is printed");
    let err = stderr(&out);
    assert!(
        err.contains("cut short") && err.contains("byte offset"),
        "{err}"
    );
}

#[test]
fn count_stops_after_n_packets() {
    let out = wiresift([
        "-r",
        capture("tcp-session.pcap").to_str().unwrap(),
        "-c",
        "3",
    ]);
    assert_eq!(stdout(&out).lines().count(), 3);
}

#[test]
fn fields_output_with_header_and_quotes() {
    let cap = capture("tftp.pcap");
    let out = wiresift([
        "-r",
        cap.to_str().unwrap(),
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "udp.port",
        "-e",
        "tftp.source_file",
        "-E",
        "header=y",
        "-E",
        "separator=,",
        "-E",
        "quote=d",
        "-E",
        "aggregator=/s",
        "-c",
        "1",
    ]);
    assert_eq!(
        stdout(&out),
        "frame.number,udp.port,tftp.source_file\n\"1\",\"50000 69\",\"test.txt\"\n"
    );
}

#[test]
fn unknown_field_suggests_a_name() {
    let out = wiresift([
        "-r",
        capture("tftp.pcap").to_str().unwrap(),
        "-T",
        "fields",
        "-e",
        "ip.dts",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Did you mean \"ip.dst\"?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_lines_are_valid_typed_json() {
    let out = wiresift([
        "-r",
        capture("tcp-session.pcap").to_str().unwrap(),
        "-T",
        "jsonl",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let mut n = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        assert!(v["layers"]["frame"]["frame.number"].is_u64());
        n += 1;
    }
    assert_eq!(n, 28);
    let first: serde_json::Value = serde_json::from_str(text.lines().nth(2).unwrap()).unwrap();
    assert_eq!(
        first["layers"]["tcp"]["tcp.port"],
        serde_json::json!([49152, 80])
    );
    assert_eq!(
        first["layers"]["tcp"]["tcp.flags.syn"],
        serde_json::json!(true)
    );
    assert_eq!(
        first["layers"]["ip"]["ip.src"],
        serde_json::json!("192.168.30.129")
    );
}

#[test]
fn json_array_is_one_document() {
    let out = wiresift([
        "-r",
        capture("ping-arp.pcap").to_str().unwrap(),
        "-T",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(15));
    assert!(
        v[12]["layers"]["ip#2"]["ip.src"].is_string(),
        "the quoted IP header is the second ip layer"
    );
}

#[test]
fn glossary_lists_registry_fields() {
    let out = wiresift(["-G", "fields"]);
    let text = stdout(&out);
    for f in [
        "ip.dst",
        "tcp.flags.syn",
        "tftp.opcode",
        "arp.src.proto_ipv4",
        "frame.protocols",
    ] {
        assert!(
            text.lines().any(|l| l.split('\t').nth(2) == Some(f)),
            "{f} missing"
        );
    }
}

#[test]
fn detail_tree_and_hexdump() {
    let out = wiresift([
        "-r",
        capture("tftp.pcap").to_str().unwrap(),
        "-V",
        "-x",
        "-c",
        "1",
    ]);
    let text = stdout(&out);
    assert!(
        text.contains("Internet Protocol Version 4, Src: 192.168.30.129, Dst: 192.168.30.128"),
        "{text}"
    );
    assert!(
        text.contains("Trivial File Transfer Protocol\n    Opcode: Read Request (1)\n"),
        "{text}"
    );
    assert!(
        text.contains("0000  00 0c 29 aa bb 02 00 0c 29 aa bb 01 08 00 45 00"),
        "{text}"
    );
}

#[test]
fn time_formats() {
    let cap = capture("tcp-session.pcap");
    let e = stdout(&wiresift([
        "-r",
        cap.to_str().unwrap(),
        "-t",
        "e",
        "-c",
        "1",
    ]));
    assert!(
        e.split_whitespace().nth(1).unwrap().starts_with("17"),
        "{e}"
    );
    let ud = stdout(&wiresift([
        "-r",
        cap.to_str().unwrap(),
        "-t",
        "ud",
        "-c",
        "1",
    ]));
    assert!(ud.contains(':'), "{ud}");
    let bad = wiresift(["-r", cap.to_str().unwrap(), "-t", "zz"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn broken_pipe_exits_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wiresift"))
        .args(["-r", capture("tcp-session.pcap").to_str().unwrap(), "-V"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn bare_boolean_field_gets_a_note() {
    let cap = capture("tcp-session.pcap");
    let out = wiresift([
        "-r",
        cap.to_str().unwrap(),
        "-Y",
        "tcp.flags.syn == 1 && !tcp.flags.ack",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).is_empty(),
        "as tshark: the ACK flag field is present on every segment"
    );
    assert!(
        stderr(&out).contains("write \"tcp.flags.ack == 1\""),
        "{}",
        stderr(&out)
    );
    let fixed = wiresift([
        "-r",
        cap.to_str().unwrap(),
        "-Y",
        "tcp.flags.syn == 1 && tcp.flags.ack == 0",
    ]);
    assert_eq!(stdout(&fixed).lines().count(), 5);
    assert!(stderr(&fixed).is_empty());
}

#[test]
fn pcapng_interface_names() {
    let cap = capture("nanosec.pcapng");
    let out = wiresift([
        "-r",
        cap.to_str().unwrap(),
        "-T",
        "fields",
        "-e",
        "frame.interface_name",
        "-e",
        "frame.interface_id",
        "-c",
        "2",
    ]);
    assert_eq!(stdout(&out), "eth0\t0\nany\t1\n");
    let tree = stdout(&wiresift(["-r", cap.to_str().unwrap(), "-V", "-c", "1"]));
    assert!(tree.starts_with("Frame 1: 98 bytes on wire (784 bits), 98 bytes captured (784 bits) on interface eth0, id 0\n"), "{tree}");
    let none = stdout(&wiresift([
        "-r",
        capture("tcp-session.pcap").to_str().unwrap(),
        "-T",
        "fields",
        "-e",
        "frame.interface_name",
        "-c",
        "1",
    ]));
    assert_eq!(none, "\n", "classic pcap has no interface name");
}

/// `-T ek`: two lines per packet, tshark's keys (`layer_field`, `.` as `_`), the values of
/// `-T json`; with `-e`, only those fields, as arrays.
#[test]
fn ek_is_the_json_layers_with_elasticsearch_keys() {
    let cap = capture("tcp-session.pcap");
    let text = |args: &[&str]| {
        let mut all = vec!["-r", cap.to_str().unwrap()];
        all.extend_from_slice(args);
        let o = wiresift(all);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let json: Vec<serde_json::Value> = serde_json::from_str(&text(&["-T", "json"])).unwrap();
    let ek = text(&["-T", "ek"]);
    let lines: Vec<&str> = ek.lines().collect();
    assert_eq!(lines.len(), 2 * json.len());
    for (pair, packet) in lines.chunks(2).zip(&json) {
        assert_eq!(
            pair[0],
            r#"{"index":{"_index":"packets-2023-11-14","_type":"doc"}}"#
        );
        let doc: serde_json::Value = serde_json::from_str(pair[1]).unwrap();
        let epoch = packet["layers"]["frame"]["frame.time_epoch"]
            .as_f64()
            .unwrap();
        // Milliseconds, truncated as tshark does.
        let ms: f64 = doc["timestamp"].as_str().unwrap().parse().unwrap();
        assert!(
            (0.0..1.0).contains(&(epoch * 1000.0 - ms + 1e-6)),
            "{ms} {epoch}"
        );
        let want: serde_json::Map<String, serde_json::Value> = packet["layers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(layer, fields)| {
                let renamed = fields
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (format!("{layer}_{}", k.replace('.', "_")), v.clone()))
                    .collect();
                (layer.replace('#', "_"), serde_json::Value::Object(renamed))
            })
            .collect();
        assert_eq!(doc["layers"], serde_json::Value::Object(want));
    }
    let some = text(&["-T", "ek", "-c", "3", "-e", "ip.src", "-e", "tcp.flags.syn"]);
    let third: serde_json::Value = serde_json::from_str(some.lines().nth(5).unwrap()).unwrap();
    assert_eq!(
        third["layers"],
        serde_json::json!({"ip_src": ["192.168.30.129"], "tcp_flags_syn": [true]})
    );
}

/// An empty file is an empty capture (tshark exits 0 and prints nothing, or an empty JSON
/// array); an xz one says how to read it; a gzip one that is not gzip is damage (exit 1).
#[test]
fn empty_and_compressed_files() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.pcap");
    std::fs::write(&empty, b"").unwrap();
    let o = wiresift(["-r", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    let o = wiresift(["-r", empty.to_str().unwrap(), "-T", "json"]);
    assert_eq!(stdout(&o), "[\n]\n");
    let xz = tmp.path().join("c.pcap.xz");
    std::fs::write(&xz, [0xfd, b'7', b'z', b'X', b'Z', 0, 0, 4, 0xe6]).unwrap();
    let o = wiresift(["-r", xz.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is xz-compressed: read it with `xzcat "),
        "{}",
        stderr(&o)
    );
    let gz = tmp.path().join("c.pcap.gz");
    let mut bytes = vec![0x1f, 0x8b, 8, 0];
    bytes.extend(std::fs::read(capture("tftp.pcap")).unwrap());
    std::fs::write(&gz, bytes).unwrap();
    let o = wiresift(["-r", gz.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("gzip data is damaged"),
        "{}",
        stderr(&o)
    );
}

/// `-O tcp` draws the tree of -V with only the TCP layer expanded (the other layers keep
/// their header line), as tshark does; an unknown protocol is bad usage.
#[test]
fn dash_capital_o_expands_only_the_named_protocols() {
    let path = capture("tcp-session.pcap");
    let path = path.to_str().unwrap();
    let full = stdout(&wiresift(["-r", path, "-V"]));
    let only_tcp = stdout(&wiresift(["-r", path, "-O", "tcp"]));
    let headers = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with(' '))
            .map(String::from)
            .collect()
    };
    assert_eq!(headers(&only_tcp), headers(&full));
    // Every indented line belongs to a TCP layer, and all of TCP's lines are there.
    let mut layer = "";
    let mut tcp_lines = 0;
    for line in only_tcp.lines() {
        if !line.starts_with(' ') {
            layer = line;
        } else {
            assert!(
                layer.starts_with("Transmission Control Protocol"),
                "{layer}: {line}"
            );
            tcp_lines += 1;
        }
    }
    let full_tcp_lines = full
        .lines()
        .scan("", |layer, l| {
            if !l.starts_with(' ') {
                *layer = l;
            }
            Some((layer.starts_with("Transmission Control Protocol"), l))
        })
        .filter(|(tcp, l)| *tcp && l.starts_with(' '))
        .count();
    assert!(tcp_lines > 0 && tcp_lines == full_tcp_lines);
    let bad = wiresift(["-r", path, "-O", "tcp,nosuchproto"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("no protocol named \"nosuchproto\""),
        "{}",
        stderr(&bad)
    );
}

/// `-2` is accepted and changes nothing: wiresift's values are final in one pass.
#[test]
fn dash_two_is_accepted_and_changes_nothing() {
    let path = capture("tcp-session.pcap");
    let path = path.to_str().unwrap();
    for extra in [&[][..], &["-V"], &["-z", "tcp,states", "-q"]] {
        let mut args = vec!["-r", path];
        args.extend_from_slice(extra);
        let one = wiresift(args.clone());
        args.push("-2");
        let two = wiresift(args);
        assert_eq!(two.status.code(), Some(0), "{}", stderr(&two));
        assert_eq!(one.stdout, two.stdout, "{extra:?}");
    }
}

/// Shell completions and the man page are generated from the one flag definition.
#[test]
fn completions_and_man_page_are_generated() {
    for (shell, marker) in [
        ("bash", "_wiresift()"),
        ("zsh", "#compdef wiresift"),
        ("fish", "complete -c wiresift"),
    ] {
        let o = wiresift(["--completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(marker), "{shell}");
        assert!(text.contains("display-filter"), "{shell}: flags missing");
    }
    let man = stdout(&wiresift(["--man"]));
    assert!(
        man.starts_with(".ie") || man.contains(".TH wiresift"),
        "{}",
        &man[..man.len().min(200)]
    );
    assert!(man.contains("display\\-filter"), "man page lacks the flags");
    assert_eq!(wiresift(["--completions", "tcsh"]).status.code(), Some(2));
}
