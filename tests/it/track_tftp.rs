//! TFTP transfers and `--export-objects tftp,DIR`.

use crate::pcapw::{Pcap, corpus, jsonl, wiresift};
use std::path::{Path, PathBuf};

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn export(capture: &Path, dir: &Path) -> (String, String) {
    let out = assert_cmd::Command::cargo_bin("wiresift")
        .unwrap()
        .args(["-r", capture.to_str().unwrap(), "-q"])
        .arg("--export-objects")
        .arg(format!("tftp,{}", dir.display()))
        .output()
        .unwrap();
    assert!(out.status.success());
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn loopback_export_is_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("objects");
    let (_, log) = export(&repo("captures/tftp-loopback.pcap"), &out);
    for name in ["hello-1500.txt", "block-1024.bin", "upload-700.txt"] {
        let want = std::fs::read(repo("captures/tftp-loopback.files").join(name)).unwrap();
        let got = std::fs::read(out.join(name)).unwrap();
        assert_eq!(want, got, "{name}");
        assert!(log.contains(name), "{log}");
    }
    // missing.txt failed: nothing written for it.
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);
    assert!(log.contains("3 object(s) written"));
}

#[test]
fn transfers_report() {
    let rows = jsonl(&[
        "-r",
        repo("captures/tftp.pcap").to_str().unwrap(),
        "-q",
        "-T",
        "jsonl",
        "-z",
        "tftp,transfers",
    ]);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["file"], "test.txt");
    assert_eq!(rows[0]["direction"], "read");
    assert_eq!(
        (rows[0]["blocks"].as_u64(), rows[0]["bytes"].as_u64()),
        (Some(2), Some(607))
    );
    assert_eq!(rows[0]["result"], "complete");
    assert_eq!(rows[1]["file"], "upload.bin");
    assert_eq!(rows[1]["direction"], "write");
    assert_eq!(rows[1]["result"], "error 2: Access violation");
    assert_eq!(rows[1]["server"], "192.168.30.128:40002");
    assert_eq!(rows[2]["options"], "blksize=1428 tsize=0");
    assert_eq!(rows[2]["bytes"], 2000);
    assert_eq!(rows[2]["result"], "complete");
    let text = wiresift(&[
        "-r",
        repo("captures/tftp-loopback.pcap").to_str().unwrap(),
        "-q",
        "-z",
        "tftp,transfers",
    ]);
    assert!(text.contains("error 1: File not found"), "{text}");
}

#[test]
fn failed_wrq_is_not_exported() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let (_, log) = export(&repo("captures/tftp.pcap"), &out);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["big.txt", "test.txt"], "{log}");
    assert_eq!(std::fs::read(out.join("test.txt")).unwrap().len(), 607);
}

/// A read transfer of `data` named `name` from 10.0.0.2 to 10.0.0.1.
fn transfer(p: &mut Pcap, name: &[u8], client_port: u16, data: &[u8]) {
    let client = ([10, 0, 0, 1], client_port);
    let server69 = ([10, 0, 0, 2], 69);
    let server = ([10, 0, 0, 2], client_port + 1000);
    let mut rrq = vec![0, 1];
    rrq.extend_from_slice(name);
    rrq.extend_from_slice(b"\0octet\0");
    p.udp(client, server69, &rrq);
    let mut chunks: Vec<&[u8]> = data.chunks(512).collect();
    if data.len().is_multiple_of(512) {
        chunks.push(&[]);
    }
    for (block, c) in (1u16..).zip(chunks) {
        let mut d = vec![0, 3];
        d.extend_from_slice(&block.to_be_bytes());
        d.extend_from_slice(c);
        p.udp(server, client, &d);
        p.udp(client, server, &[0, 4, (block >> 8) as u8, block as u8]);
    }
}

#[test]
fn hostile_names_stay_inside_the_directory() {
    let mut p = Pcap::new();
    let long = "n".repeat(5000);
    let names: Vec<Vec<u8>> = vec![
        b"../../etc/passwd".to_vec(),
        b"/etc/hostname".to_vec(),
        b"..\\..\\windows\\win.ini".to_vec(),
        b"a\x01b".to_vec(),
        long.into_bytes(),
        b"con".to_vec(),
        b"..".to_vec(),
        b".".to_vec(),
        b".hidden".to_vec(),
        b"same.txt".to_vec(),
        b"sub/same.txt".to_vec(),
    ];
    for (i, n) in names.iter().enumerate() {
        transfer(&mut p, n, 2000 + i as u16, format!("file {i}").as_bytes());
    }
    let tmp = tempfile::tempdir().unwrap();
    let cap = p.save(tmp.path(), "hostile.pcap");
    let out = tmp.path().join("jail");
    // A file that must not be overwritten, and a symlink planted at a name the capture uses.
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("passwd"), b"keep").unwrap();
    let outside = tmp.path().join("outside.txt");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, out.join("hostname")).unwrap();
    let (_, log) = export(&cap, &out);
    // Nothing outside the directory.
    let mut outside_names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    outside_names.sort();
    assert_eq!(outside_names, ["hostile.pcap", "jail"], "{log}");
    assert!(!outside.exists());
    assert_eq!(std::fs::read(out.join("passwd")).unwrap(), b"keep");
    let mut inside: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    inside.sort();
    assert!(inside.contains(&"passwd(1)".to_string()), "{inside:?}");
    assert!(inside.contains(&"hostname(1)".to_string()), "{inside:?}");
    assert!(inside.contains(&"win.ini".to_string()));
    assert!(inside.contains(&"a_b".to_string()));
    assert!(inside.contains(&"_con".to_string()));
    assert!(inside.contains(&"hidden".to_string()));
    assert!(inside.contains(&"tftp-object".to_string()));
    assert!(inside.contains(&"tftp-object(1)".to_string()));
    assert!(inside.contains(&"same.txt".to_string()));
    assert!(inside.contains(&"same(1).txt".to_string()));
    assert!(inside.iter().all(|n| n.len() <= 255 && !n.starts_with('.')));
    assert!(
        inside
            .iter()
            .any(|n| n.len() == ::wiresift::stats::tftp::MAX_EXPORT_NAME)
    );
    // 11 transfers + the 2 planted entries.
    assert_eq!(inside.len(), 13, "{inside:?}");
}

#[cfg(unix)]
#[test]
fn symlinked_export_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    std::fs::create_dir(&real).unwrap();
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = assert_cmd::Command::cargo_bin("wiresift")
        .unwrap()
        .args(["-r", repo("captures/tftp.pcap").to_str().unwrap(), "-q"])
        .arg("--export-objects")
        .arg(format!("tftp,{}", link.display()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    assert_eq!(std::fs::read_dir(&real).unwrap().count(), 0);
}

#[test]
fn destination_file_matches_corpus() {
    let Some(dir) = corpus() else { return };
    for cap in std::fs::read_dir(dir.join("expected")).unwrap() {
        let name = cap.unwrap().file_name().into_string().unwrap();
        let Some(cap) = name.strip_suffix(".fields.tsv") else {
            continue;
        };
        if !cap.starts_with("tftp") {
            continue;
        }
        let tsv = std::fs::read_to_string(dir.join("expected").join(&name)).unwrap();
        let mut lines = tsv.lines();
        let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
        let col = header
            .iter()
            .position(|h| *h == "tftp.destination_file")
            .unwrap();
        let got = wiresift(&[
            "-r",
            dir.join(cap).to_str().unwrap(),
            "-T",
            "fields",
            "-e",
            "tftp.destination_file",
        ]);
        for (l, g) in lines.zip(got.lines()) {
            let want = l.split('\t').nth(col).unwrap_or("");
            assert_eq!(want, g, "{cap}: {l}");
        }
    }
}
