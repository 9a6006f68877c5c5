//! Criterion benchmarks of the hot functions: reading, dissecting, filtering and formatting,
//! on the frames of a shipped capture held in memory. Run with `cargo bench`; the
//! end-to-end comparison with cat, tcpdump and tshark is `scripts/bench.py`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use wiresift::capture::{FileReader, Frame, LinkType, Timestamp, TsPrecision};
use wiresift::dissect::{Depth, FrameTimes, NoTftp, dissect};
use wiresift::filter::Filter;
use wiresift::output::columns::{Columns, Resolve};
use wiresift::output::summary::format_line;
use wiresift::output::{OutputOptions, TimeFormat};

/// One captured frame held in memory: bytes, wire length, time.
type Owned = (Vec<u8>, u32, Timestamp);

/// The frames of `captures/tcp-session.pcap`, copied out of the reader.
fn frames() -> (Vec<u8>, Vec<Owned>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/captures/tcp-session.pcap");
    let file = std::fs::read(path).expect("shipped capture");
    let mut r = FileReader::open(path).expect("readable");
    let mut out = Vec::new();
    while let Ok(Some(f)) = r.next_frame() {
        out.push((f.data.to_vec(), f.orig_len, f.ts));
    }
    (file, out)
}

fn frame(data: &[u8], orig_len: u32, ts: Timestamp) -> Frame<'_> {
    Frame {
        ts,
        orig_len,
        link_type: LinkType::ETHERNET,
        interface_id: None,
        interface_name: None,
        precision: TsPrecision::Micro,
        data,
    }
}

fn bench(c: &mut Criterion) {
    let (file, frames) = frames();
    let n = frames.len() as u64;
    let mut g = c.benchmark_group("per-capture");
    g.throughput(Throughput::Elements(n));

    g.bench_function("read", |b| {
        b.iter(|| {
            let mut r =
                FileReader::from_reader("bench", Box::new(std::io::Cursor::new(file.clone())))
                    .unwrap();
            let mut count = 0;
            while let Ok(Some(f)) = r.next_frame() {
                count += f.data.len();
            }
            black_box(count)
        })
    });

    g.bench_function("dissect", |b| {
        b.iter(|| {
            for (i, (data, len, ts)) in frames.iter().enumerate() {
                let d = dissect(
                    i as u32 + 1,
                    frame(data, *len, *ts),
                    FrameTimes::default(),
                    Depth::All,
                    &NoTftp,
                );
                black_box(d.layers.len());
            }
        })
    });

    let filter = Filter::compile("tcp").expect("filter compiles");
    g.bench_function("filter", |b| {
        let ds: Vec<_> = frames
            .iter()
            .enumerate()
            .map(|(i, (data, len, ts))| {
                dissect(
                    i as u32 + 1,
                    frame(data, *len, *ts),
                    FrameTimes::default(),
                    Depth::All,
                    &NoTftp,
                )
            })
            .collect();
        b.iter(|| ds.iter().filter(|d| filter.matches(d)).count())
    });

    let opts = OutputOptions {
        resolve: Resolve { mac: true },
        time: TimeFormat::Relative,
        expand: wiresift::dissect::proto::ProtoSet::ALL,
    };
    g.bench_function("summary", |b| {
        let (mut line, mut cols, mut time) = (Vec::new(), Columns::default(), Vec::new());
        b.iter(|| {
            for (i, (data, len, ts)) in frames.iter().enumerate() {
                let d = dissect(
                    i as u32 + 1,
                    frame(data, *len, *ts),
                    FrameTimes::default(),
                    Depth::All,
                    &NoTftp,
                );
                format_line(&mut line, &mut cols, &mut time, &d, &opts);
                black_box(line.len());
            }
        })
    });

    g.bench_function("json", |b| {
        let mut out = wiresift::output::bytebuf::ByteBuf::new();
        b.iter(|| {
            for (i, (data, len, ts)) in frames.iter().enumerate() {
                let d = dissect(
                    i as u32 + 1,
                    frame(data, *len, *ts),
                    FrameTimes::default(),
                    Depth::All,
                    &NoTftp,
                );
                out.clear();
                wiresift::output::json::write_packet(&mut out, &d);
                black_box(out.len());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
