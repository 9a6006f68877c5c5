//! Measures what a compiled display filter costs per packet: time and heap allocations.
//!
//! Every frame of the captures is read, dissected (all layers) and tracked once, up front;
//! then each filter is evaluated over all of them many times. A counting global allocator
//! checks that evaluation allocates nothing; the program fails if it does.
//!
//! ```text
//! cargo run --release --example filter_cost [CAPTURE...]
//! ```
//! Without arguments it uses the project's `captures/*.pcap` (and the 5898-packet corpus
//! capture when `WIRESIFT_CORPUS` is set).

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::time::Instant;
use wiresift::capture::{FileReader, Frame, LinkType, Timestamp, TsPrecision};
use wiresift::dissect::{self, Depth, Dissection, FrameTimes};
use wiresift::fields::Needs;
use wiresift::filter::Filter;
use wiresift::track::Trackers;

/// Counts heap allocations.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// A frame copied out of the reader's buffer.
struct Owned {
    ts: Timestamp,
    orig_len: u32,
    link_type: LinkType,
    interface_id: Option<u32>,
    precision: TsPrecision,
    data: Vec<u8>,
}

const FILTERS: &[&str] = &[
    "tcp",
    "ip.addr == 192.168.30.128",
    "tcp.port in {80, 443, 8000..8100}",
    "ip.addr != 10.0.0.0/8 && tcp.flags.syn == 1 && tcp.flags.ack == 0",
    "tcp.flags & 0x12 == 0x12",
    "eth.src[0:3] == 00:0c:29",
    r#"frame contains "GET""#,
    r#"tcp.payload matches "^(get|post) ""#,
    "tcp.analysis.retransmission || tcp.analysis.duplicate_ack",
    "udp.dstport >= udp.srcport + 1",
    r#"upper(tftp.source_file) == "TEST.TXT" or tftp.opcode == "Error Code""#,
    "count(ip.src) == 2 or ip.src#2 == 192.168.30.129",
];

fn main() {
    let mut paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/captures");
        let mut found: Vec<String> = std::fs::read_dir(dir)
            .expect("captures/")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
            .map(|p| p.display().to_string())
            .collect();
        found.sort();
        paths = found;
        if let Some(c) = std::env::var_os("WIRESIFT_CORPUS") {
            let big = std::path::Path::new(&c).join("pcapng-wireshark-samples-5898pkts.pcapng");
            if big.exists() {
                paths.push(big.display().to_string());
            }
        }
    }
    let mut owned = Vec::new();
    for p in &paths {
        let mut r = FileReader::open(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        let mut file = Vec::new();
        while let Ok(Some(f)) = r.next_frame() {
            file.push(Owned {
                ts: f.ts,
                orig_len: f.orig_len,
                link_type: f.link_type,
                interface_id: f.interface_id,
                precision: f.precision,
                data: f.data.to_vec(),
            });
        }
        owned.push(file);
    }
    let all = Needs::ALL;
    let mut dissections: Vec<Dissection<'_>> = Vec::new();
    for file in &owned {
        let mut trackers = Trackers::new(all);
        let first = file.first().map(|f| f.ts).unwrap_or_default();
        let mut prev = None;
        for (i, f) in file.iter().enumerate() {
            let frame = Frame {
                ts: f.ts,
                orig_len: f.orig_len,
                link_type: f.link_type,
                interface_id: f.interface_id,
                interface_name: None,
                precision: f.precision,
                data: &f.data,
            };
            let times = FrameTimes {
                relative: f.ts.nanos_since(first),
                delta: prev.map_or(0, |p| f.ts.nanos_since(p)),
                delta_displayed: 0,
            };
            prev = Some(f.ts);
            let mut d = dissect::dissect(
                i as u32 + 1,
                frame,
                times,
                Depth::All,
                trackers.tftp_lookup(),
            );
            trackers.observe(&mut d);
            dissections.push(d);
        }
    }
    let n = dissections.len();
    println!("{n} frames from {} captures", paths.len());
    println!(
        "{:>10} {:>12} {:>8}  filter",
        "ns/packet", "allocs/pkt", "matched"
    );
    let mut total_allocs = 0;
    for text in FILTERS {
        let filter = Filter::compile(text).unwrap_or_else(|e| panic!("{}", e.render(text)));
        // Warm-up: the regex engine builds its lazy caches on first use.
        let matched = dissections.iter().filter(|d| filter.matches(d)).count();
        let rounds = (2_000_000 / n.max(1)).max(10);
        let region = Region::new(GLOBAL);
        let start = Instant::now();
        let mut hits = 0usize;
        for _ in 0..rounds {
            for d in &dissections {
                hits += filter.matches(std::hint::black_box(d)) as usize;
            }
        }
        let elapsed = start.elapsed();
        let allocs = region.change().allocations + region.change().reallocations;
        total_allocs += allocs;
        assert_eq!(hits, matched * rounds);
        let evals = (rounds * n) as f64;
        println!(
            "{:>10.1} {:>12.4} {:>8}  {text}",
            elapsed.as_nanos() as f64 / evals,
            allocs as f64 / evals,
            matched
        );
    }
    assert_eq!(total_allocs, 0, "filter evaluation allocated");
}
