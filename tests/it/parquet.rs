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
