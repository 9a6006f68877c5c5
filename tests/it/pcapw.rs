//! A small classic-pcap writer for synthetic test captures (Ethernet, IPv4, TCP/UDP built
//! with etherparse's `PacketBuilder`).

use etherparse::PacketBuilder;
use std::path::{Path, PathBuf};

/// Client and server of the synthetic TCP connections.
pub const CLIENT: ([u8; 4], u16) = ([10, 0, 0, 1], 40000);
/// Server side.
pub const SERVER: ([u8; 4], u16) = ([10, 0, 0, 2], 80);

/// A capture being written: little-endian, microseconds, link type 1.
pub struct Pcap {
    buf: Vec<u8>,
    t_us: u64,
}

impl Pcap {
    pub fn new() -> Pcap {
        let mut buf = Vec::new();
        buf.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        buf.extend_from_slice(&2u16.to_le_bytes());
        buf.extend_from_slice(&4u16.to_le_bytes());
        buf.extend_from_slice(&0i32.to_le_bytes());
        buf.extend_from_slice(&0u32.to_le_bytes());
        buf.extend_from_slice(&65535u32.to_le_bytes());
        buf.extend_from_slice(&1u32.to_le_bytes());
        Pcap {
            buf,
            t_us: 1_700_000_000_000_000,
        }
    }

    /// Appends a frame 1 ms after the previous one.
    pub fn frame(&mut self, data: &[u8]) {
        self.t_us += 1000;
        let (s, us) = (self.t_us / 1_000_000, self.t_us % 1_000_000);
        self.buf.extend_from_slice(&(s as u32).to_le_bytes());
        self.buf.extend_from_slice(&(us as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.buf
            .extend_from_slice(&(data.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(data);
    }

    /// A TCP segment; `flags` letters: S A F R P. `c2s` is client → server.
    pub fn tcp(&mut self, c2s: bool, flags: &str, seq: u32, ack: u32, payload: &[u8]) {
        let (src, dst) = if c2s {
            (CLIENT, SERVER)
        } else {
            (SERVER, CLIENT)
        };
        self.tcp_between(src, dst, flags, seq, ack, payload);
    }

    /// A TCP segment between any two endpoints.
    pub fn tcp_between(
        &mut self,
        src: ([u8; 4], u16),
        dst: ([u8; 4], u16),
        flags: &str,
        seq: u32,
        ack: u32,
        payload: &[u8],
    ) {
        let mut b = PacketBuilder::ethernet2([0, 0x0c, 0x29, 0, 0, 1], [0, 0x0c, 0x29, 0, 0, 2])
            .ipv4(src.0, dst.0, 64)
            .tcp(src.1, dst.1, seq, 64240);
        for c in flags.chars() {
            b = match c {
                'S' => b.syn(),
                'A' => b.ack(ack),
                'F' => b.fin(),
                'R' => b.rst(),
                'P' => b.psh(),
                _ => panic!("flag {c}"),
            };
        }
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        self.frame(&out);
    }

    /// A UDP datagram.
    pub fn udp(&mut self, src: ([u8; 4], u16), dst: ([u8; 4], u16), payload: &[u8]) {
        let b = PacketBuilder::ethernet2([0, 0x0c, 0x29, 0, 0, 1], [0, 0x0c, 0x29, 0, 0, 2])
            .ipv4(src.0, dst.0, 64)
            .udp(src.1, dst.1);
        let mut out = Vec::new();
        b.write(&mut out, payload).unwrap();
        self.frame(&out);
    }

    /// Writes the capture as `dir/name`.
    pub fn save(&self, dir: &Path, name: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, &self.buf).unwrap();
        p
    }
}

/// Runs wiresift and returns stdout; panics on a non-zero exit.
pub fn wiresift(args: &[&str]) -> String {
    let out = assert_cmd::Command::cargo_bin("wiresift")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wiresift {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// JSON lines of a report run.
pub fn jsonl(args: &[&str]) -> Vec<serde_json::Value> {
    wiresift(args)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The corpus directory, or None (and a message) when `WIRESIFT_CORPUS` is unset.
pub fn corpus() -> Option<PathBuf> {
    match std::env::var_os("WIRESIFT_CORPUS") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            eprintln!("skipped: WIRESIFT_CORPUS is not set");
            None
        }
    }
}
