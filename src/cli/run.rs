//! The read–dissect–track–filter–print loop.

use super::config::{Config, OutputKind};
use crate::capture::{CaptureError, FrameSource};
use crate::dissect::{self, Dissection, FrameTimes};
use crate::output::fields::FieldsSink;
use crate::output::hexdump::HexSink;
use crate::output::json::JsonSink;
use crate::output::summary::SummarySink;
use crate::output::tree::TreeSink;
use crate::output::{Sink, Tee};
use crate::track::Trackers;
use crate::track::defrag::Defragmenter;
use std::io::{self, Write};

/// Size of the stdout buffer: large writes, few system calls.
pub const STDOUT_BUFFER: usize = 256 * 1024;

/// How a run ended.
#[derive(Debug, Default)]
pub struct RunStats {
    /// Frames read.
    pub read: u64,
    /// Frames that passed the filter.
    pub displayed: u64,
    /// The capture ended badly (truncated or corrupt), after every readable frame.
    pub damage: Option<CaptureError>,
    /// Tracker and reassembly limits hit during the run, one sentence each (printed as
    /// `wiresift: warning: ...` at the end).
    pub warnings: Vec<String>,
}

/// A writer that flushes after every packet when `-l` is given.
struct Out {
    inner: io::BufWriter<io::Stdout>,
    flush_each: bool,
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if self.flush_each {
            self.inner.flush()?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn stdout(flush_each: bool) -> Out {
    Out {
        inner: io::BufWriter::with_capacity(STDOUT_BUFFER, io::stdout()),
        flush_each,
    }
}

/// Builds the sink the configuration asks for, writing to standard output.
pub fn make_sink(cfg: &Config) -> Box<dyn Sink> {
    make_sink_to(cfg, stdout(cfg.line_buffered))
}

/// Builds the sink the configuration asks for, writing to `out`.
pub fn make_sink_to<W: Write + 'static>(cfg: &Config, out: W) -> Box<dyn Sink> {
    match &cfg.output {
        OutputKind::Quiet => Box::new(Tee(Vec::new())),
        OutputKind::Text { summary, tree, hex } => {
            let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
            // One shared writer keeps the three parts of a packet together and in order.
            let shared = std::rc::Rc::new(std::cell::RefCell::new(out));
            if *summary {
                sinks.push(Box::new(SummarySink::new(Shared(shared.clone()), cfg.opts)));
            }
            if *tree {
                sinks.push(Box::new(TreeSink::new(Shared(shared.clone()), cfg.opts)));
            }
            if *hex {
                sinks.push(Box::new(HexSink::new(Shared(shared))));
            }
            Box::new(Tee(sinks))
        }
        OutputKind::Fields(fields, opts) => {
            Box::new(FieldsSink::new(out, fields.clone(), opts.clone()))
        }
        OutputKind::Json(style) => {
            Box::new(JsonSink::new(out, *style).flush_each(cfg.line_buffered))
        }
    }
}

/// A writer shared by several sinks.
struct Shared<W>(std::rc::Rc<std::cell::RefCell<W>>);

impl<W: Write> Write for Shared<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// Reads every frame of `reader` (a file or a live capture), and prints those that pass the
/// filter into `sink`.
///
/// # Errors
/// Only output errors (a closed pipe, a full disk). A damaged capture is reported in
/// [`RunStats::damage`] after every readable frame was processed.
pub fn run_capture(
    cfg: &Config,
    reader: &mut dyn FrameSource,
    sink: &mut dyn Sink,
) -> io::Result<RunStats> {
    let mut stats = RunStats::default();
    let mut trackers = Trackers::for_depth(cfg.needs, cfg.depth);
    let mut defrag = Defragmenter::default();
    let mut reports = (!cfg.stats.is_empty()).then(|| crate::stats::Reports::new(&cfg.stats));
    let mut first_ts = None;
    let mut prev_ts = None;
    let mut prev_displayed = None;
    loop {
        if cfg.count.is_some_and(|c| stats.read >= c) {
            break;
        }
        let frame = match reader.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                stats.damage = Some(e);
                break;
            }
        };
        stats.read += 1;
        let now = frame.ts;
        let times = if now.is_none() {
            FrameTimes::default()
        } else {
            let first = *first_ts.get_or_insert(now);
            let times = FrameTimes {
                relative: now.nanos_since(first),
                delta: prev_ts.map_or(0, |p| now.nanos_since(p)),
                delta_displayed: prev_displayed.map_or(0, |p| now.nanos_since(p)),
            };
            prev_ts = Some(now);
            times
        };
        let number = stats.read as u32;
        // Dissected in place: a returned `Dissection` would be copied (2 KiB) on every frame.
        let mut d = Dissection::blank();
        let lookup = trackers.tftp_lookup();
        dissect::dissect_into(&mut d, number, frame, times, cfg.depth, lookup, None);
        if cfg.depth.reassembles()
            && let Some(whole) = defrag.complete(&d, now.as_nanos())
        {
            let lookup = trackers.tftp_lookup();
            let whole = Some(whole);
            dissect::dissect_into(&mut d, number, frame, times, cfg.depth, lookup, whole);
        }
        trackers.observe(&mut d);
        let passed = cfg.filter.matches(&d);
        if let Some(r) = &mut reports {
            r.observe(&d, passed);
        }
        if passed {
            stats.displayed += 1;
            if !now.is_none() {
                prev_displayed = Some(now);
            }
            sink.packet(&d)?;
        }
    }
    stats.warnings = trackers.limit_warnings();
    stats.warnings.extend(defrag.limit_warnings());
    sink.finish()?;
    if let Some(r) = reports {
        r.finish(&mut io::stdout().lock(), &mut io::stderr().lock())?;
    }
    Ok(stats)
}

/// A sink that only records the numbers of the frames that passed.
struct FrameNumbers(Vec<u32>);

impl Sink for FrameNumbers {
    fn packet(&mut self, d: &crate::dissect::Dissection<'_>) -> io::Result<()> {
        self.0.push(d.number);
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The numbers of the frames of the capture at `path` that pass the display filter `filter`
/// (`@NAME` for a saved one), read, dissected and tracked exactly as `wiresift -q -r PATH -Y
/// FILTER` does. Frames before a damaged part of the capture are returned; the damage is not
/// an error here. For tests and tools.
///
/// # Errors
/// The filter does not compile (the rendered message), or the file cannot be opened.
pub fn matching_frames(path: &str, filter: &str) -> Result<Vec<u32>, String> {
    use clap::Parser as _;
    let args = super::args::Args::try_parse_from(["wiresift", "-q", "-r", path, "-Y", filter])
        .map_err(|e| e.to_string())?;
    let cfg = Config::try_from(args).map_err(|e| e.to_string())?;
    let mut reader = crate::capture::FileReader::open(path).map_err(|e| e.to_string())?;
    let mut sink = FrameNumbers(Vec::new());
    run_capture(&cfg, &mut reader, &mut sink).map_err(|e| e.to_string())?;
    Ok(sink.0)
}
