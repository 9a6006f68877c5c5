//! `-w DIR -F parquet`: the files, their rows, their names, and what a failed export leaves.
//! The engines' reading of them (DuckDB, Spark) is in `engines.rs`.

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::support::{capture, stderr, wiresift};

/// Every file under `dir`, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The rows of every Parquet file of `table` under `dir`, as text, in file order.
fn rows(dir: &Path, table: &str) -> Vec<String> {
    let mut rows = Vec::new();
    for path in files_under(&dir.join(table)) {
        let reader = SerializedFileReader::new(File::open(&path).expect("open")).expect("parquet");
        for row in reader.get_row_iter(None).expect("rows") {
            rows.push(row.expect("row").to_string());
        }
    }
    rows
}

fn export(cap: &Path, dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "-r".into(),
        cap.display().to_string(),
        "-w".into(),
        dir.display().to_string(),
        "-F".into(),
        "parquet".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    wiresift(args)
}

#[test]
fn rows_are_the_displayed_frames_whatever_the_driver() {
    let tmp = tempfile::tempdir().expect("tmp");
    for name in ["tcp-session.pcap", "tftp.pcap", "ipv6.pcap", "vlan.pcap"] {
        let cap = capture(name);
        let frames = String::from_utf8_lossy(
            &wiresift([
                "-r",
                cap.to_str().unwrap(),
                "-T",
                "fields",
                "-e",
                "frame.number",
            ])
            .stdout,
        )
        .lines()
        .count();
        // Tracked pipeline with small blocks, and the sequential run (one thread).
        let piped = tmp.path().join(format!("{name}-piped"));
        let o = export(&cap, &piped, &["--threads", "2", "--block-size", "2048"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let single = tmp.path().join(format!("{name}-single"));
        let o = export(&cap, &single, &["--threads", "1"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let (a, b) = (rows(&piped, "packets"), rows(&single, "packets"));
        assert_eq!(a.len(), frames, "{name}: one row per frame");
        assert_eq!(a, b, "{name}: the same rows from both drivers");
    }
}

#[test]
fn files_are_hive_partitions_with_names_that_never_collide() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cap = capture("tcp-session.pcap");
    for _ in 0..2 {
        let o = export(&cap, tmp.path(), &[]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let packets = files_under(&tmp.path().join("packets"));
    assert_eq!(packets.len(), 2, "{packets:?}");
    for p in &packets {
        let rel = p
            .strip_prefix(tmp.path())
            .unwrap()
            .to_string_lossy()
            .to_string();
        assert!(
            rel.starts_with("packets/date=2023-11-14/hour=22/tcp-session-")
                && rel.ends_with(".parquet"),
            "{rel}"
        );
    }
    assert_eq!(files_under(&tmp.path().join("conns")).len(), 2);
    assert!(!tmp.path().join("tftp").exists(), "no TFTP, no tftp table");
}

#[test]
fn extra_fields_and_compression() {
    let tmp = tempfile::tempdir().expect("tmp");
    let o = export(
        &capture("tftp.pcap"),
        tmp.path(),
        &["-e", "udp.checksum", "--compress", "zstd"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let files = files_under(&tmp.path().join("packets"));
    let reader = SerializedFileReader::new(File::open(&files[0]).unwrap()).unwrap();
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let names: Vec<&str> = schema.columns().iter().map(|c| c.name()).collect();
    assert_eq!(names.last(), Some(&"udp_checksum"));
    assert!(names.contains(&"ip_src_int"), "{names:?}");
    let codec = meta.row_group(0).column(0).compression();
    assert!(format!("{codec:?}").starts_with("ZSTD"), "{codec:?}");
    let tftp = rows(tmp.path(), "tftp");
    assert!(!tftp.is_empty() && tftp[0].contains("test.txt"), "{tftp:?}");
}

#[test]
fn bad_options_and_directories_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("tmp");
    let cap = capture("tcp-session.pcap");
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let cases: [(&[&str], &str); 3] = [
        (&["-e", "ip.srcx"], "Did you mean \"ip.src\""),
        (&["--compress", "lz77"], "lz77"),
        (&[], "cannot create"),
    ];
    for (extra, message) in cases {
        let dir = if extra.is_empty() {
            file.join("sub")
        } else {
            tmp.path().join("d")
        };
        let o = export(&cap, &dir, extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{extra:?}: {}", stderr(&o));
    }
    let o = wiresift(["-r", cap.to_str().unwrap(), "-w", "-", "-F", "parquet"]);
    assert_eq!(o.status.code(), Some(2));
    let o = wiresift(["-r", cap.to_str().unwrap(), "-F", "parquet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(files_under(&tmp.path().join("d")).is_empty());
}

#[test]
fn a_write_that_fails_leaves_no_file_behind() {
    // A file size limit makes the writes fail mid-run, as a full disk does (SIGXFSZ is
    // ignored, so the write returns EFBIG instead of killing the process).
    let tmp = tempfile::tempdir().expect("tmp");
    let script = format!(
        "ulimit -f 8; trap '' XFSZ; exec \"{}\" -r \"{}\" -w \"{}\" -F parquet --compress none",
        env!("CARGO_BIN_EXE_wiresift"),
        capture("tftp-loopback.pcap").display(),
        tmp.path().display()
    );
    let o = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .expect("sh");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    let left = files_under(tmp.path());
    assert!(left.is_empty(), "nothing half-written is left: {left:?}");
}

/// The rows of `table` as column name → value text (strings unquoted).
fn row_maps(dir: &Path, table: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut out = Vec::new();
    for path in files_under(&dir.join(table)) {
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        for row in reader.get_row_iter(None).unwrap() {
            let row = row.unwrap();
            let map = row
                .get_column_iter()
                .map(|(name, field)| {
                    (
                        name.clone(),
                        field.to_string().trim_matches('"').to_string(),
                    )
                })
                .collect();
            out.push(map);
        }
    }
    out
}

#[test]
fn connections_written_as_they_end_are_the_reports_rows() {
    use crate::pcapw::Pcap;
    // Long enough that finished connections are swept into the table mid-run (every 16 384
    // frames) and UDP pairs go idle (60 s at 1 ms per frame): 3 000 TCP connections, 2 000
    // UDP pairs that speak once, then 70 000 datagrams of one pair that stays alive.
    let mut p = Pcap::new();
    for i in 0..3000u32 {
        let client = ([10, 0, (i >> 8) as u8, i as u8], 40000 + (i % 20000) as u16);
        let server = ([10, 1, 0, 1], 80);
        p.tcp_between(client, server, "S", 100, 0, b"");
        p.tcp_between(server, client, "SA", 500, 101, b"");
        p.tcp_between(client, server, "A", 101, 501, b"");
        p.tcp_between(client, server, "PA", 101, 501, b"GET");
        p.tcp_between(client, server, "FA", 104, 501, b"");
        if i % 3 == 0 {
            p.tcp_between(server, client, "R", 501, 0, b"");
        } else {
            p.tcp_between(server, client, "FA", 501, 105, b"");
            p.tcp_between(client, server, "A", 105, 502, b"");
        }
    }
    for i in 0..2000u32 {
        let a = ([10, 2, (i >> 8) as u8, i as u8], 5353);
        p.udp(a, ([10, 3, 0, 1], 53), b"q");
        if i % 2 == 0 {
            p.udp(([10, 3, 0, 1], 53), a, b"answer");
        }
    }
    for _ in 0..70_000 {
        p.udp(([10, 4, 0, 1], 9000), ([10, 4, 0, 2], 9001), b"tick");
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let cap = p.save(tmp.path(), "many.pcap");
    let cap_s = cap.to_str().unwrap();
    let out = tmp.path().join("out");
    let o = export(&cap, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let conns = row_maps(&out, "conns");

    let report = |spec: &str| -> Vec<serde_json::Value> {
        let o = wiresift(["-r", cap_s, "-q", "-z", spec, "-T", "json"]);
        serde_json::from_slice(&o.stdout).expect("json")
    };
    // One line per connection from the named keys, sorted.
    let json_lines = |rows: Vec<serde_json::Value>, first: &str, keys: &[&str]| {
        let mut v: Vec<String> = rows
            .iter()
            .filter(|r| r.get(first).is_some())
            .map(|r| {
                keys.iter()
                    .map(|k| r[*k].to_string().replace('"', ""))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        v.sort();
        v
    };
    let table_lines = |proto: &str, keys: &[&str]| {
        let mut v: Vec<String> = conns
            .iter()
            .filter(|r| r["proto"] == proto)
            .map(|r| {
                keys.iter()
                    .map(|k| r[*k].as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        v.sort();
        v
    };
    let want_tcp = json_lines(
        report("tcp,states"),
        "stream",
        &[
            "stream",
            "conn_state",
            "history",
            "pkts_c2s",
            "bytes_c2s",
            "pkts_s2c",
            "bytes_s2c",
        ],
    );
    let got_tcp = table_lines(
        "tcp",
        &[
            "stream",
            "conn_state",
            "history",
            "orig_pkts",
            "orig_bytes",
            "resp_pkts",
            "resp_bytes",
        ],
    );
    assert_eq!(got_tcp.len(), 3000);
    assert_eq!(got_tcp, want_tcp);
    // conv,udp prints endpoints as ADDR:PORT.
    let mut want_udp: Vec<String> = json_lines(
        report("conv,udp"),
        "a",
        &["a", "b", "frames_a_to_b", "frames_b_to_a"],
    )
    .iter()
    .map(|l| l.replace(':', " "))
    .collect();
    want_udp.sort();
    let got_udp = table_lines(
        "udp",
        &[
            "orig_h",
            "orig_p",
            "resp_h",
            "resp_p",
            "orig_pkts",
            "resp_pkts",
        ],
    );
    assert_eq!(got_udp.len(), 2001);
    assert_eq!(got_udp, want_udp);
    let uids: std::collections::HashSet<&String> = conns.iter().map(|r| &r["uid"]).collect();
    assert_eq!(uids.len(), conns.len(), "every uid is unique");
}

#[test]
fn a_full_disk_leaves_no_file_behind() {
    // A 1 MiB tmpfs, when this machine lets the test mount one (root with CAP_SYS_ADMIN);
    // the file-size limit test above covers the same path everywhere else.
    let tmp = tempfile::tempdir().expect("tmp");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(tmp.path())
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!("skipped: a_full_disk_leaves_no_file_behind: cannot mount a tmpfs here");
        return;
    }
    let dir = tmp.path().join("ds");
    // Enough rows to pass 1 MiB uncompressed.
    let mut p = crate::pcapw::Pcap::new();
    for i in 0..20_000u32 {
        p.udp(
            ([10, 0, 0, 1], 1000 + (i % 5000) as u16),
            ([10, 0, 0, 2], 53),
            &[0u8; 64],
        );
    }
    let big = p.save(
        std::env::temp_dir().as_path(),
        &format!("full-disk-{}.pcap", std::process::id()),
    );
    let o = export(&big, &dir, &["--compress", "none"]);
    let _ = std::fs::remove_file(&big);
    let left = files_under(&dir);
    let _ = std::process::Command::new("umount")
        .arg(tmp.path())
        .status();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("No space left on device"),
        "{}",
        stderr(&o)
    );
    assert!(left.is_empty(), "nothing half-written is left: {left:?}");
}
