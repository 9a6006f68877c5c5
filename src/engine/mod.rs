//! The run engine: the checked run [`Config`], the one [`FrameStep`] every driver applies to
//! each frame, and the drivers that schedule it.
//!
//! Contract:
//! - [`run_file`] picks the driver for a capture file: the stateless block-parallel one
//!   ([`parallel`]) when no frame's output depends on the frames before, else the tracked
//!   pipeline ([`pipeline`]), else (standard input, `-l`, one thread, a file the block
//!   reader cannot split) the sequential one ([`sequential`]). Live capture and `-w` run
//!   through [`capture::run`], which uses the sequential driver.
//! - Every driver gives the same bytes on standard output, the same reports, warnings,
//!   damage and [`RunStats`] as the sequential one, at any thread count and block size.
//! - Damage to the capture is not an error: the frames before it are processed and the
//!   damage is in [`RunStats::damage`]. Errors ([`RunError`]) are what stopped the run from
//!   starting or finishing: an input that cannot be opened, an output that failed.

pub mod blocks;
pub mod capture;
pub mod config;
pub mod export;
pub mod parallel;
pub mod pipeline;
pub mod sequential;
pub mod sink;
pub mod step;

use std::io;

use crate::capture::block::BlockReader;
use crate::capture::{CaptureError, FileReader};
use crate::dissect::Dissection;
use crate::output::Sink;

pub use config::{Config, OutputKind};
pub use step::FrameStep;

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
    /// A live capture's closing line (`N packets captured, ...`).
    pub capture_line: Option<String>,
}

/// Why a run could not start or could not finish (damage to the capture is not one: it is
/// in [`RunStats::damage`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// No capture file and no interface was given.
    #[error(
        "no input: give a capture file with -r FILE (or -r - for standard input), or an \
         interface with -i IFACE"
    )]
    NoInput,
    /// The input path cannot be read.
    #[error("cannot read \"{name}\": {source}")]
    Unreadable {
        /// The path given.
        name: String,
        /// Why.
        source: io::Error,
    },
    /// The input is not a capture wiresift can read.
    #[error("{0}")]
    NotACapture(CaptureError),
    /// The live capture or the `-w` output could not be opened.
    #[error("{0}")]
    Setup(String),
    /// The capture writer refused a frame (a frame too long for the format, ...).
    #[error(
        "cannot write frame {number} to \"{path}\": {reason}; the frames before it were written"
    )]
    Refused {
        /// The frame's number.
        number: u32,
        /// The `-w` path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A columnar export could not be written (its unfinished files were removed).
    #[error("{0}")]
    Export(crate::output::parquet::ExportError),
    /// Writing the output failed (a closed pipe is one: front ends end quietly then).
    #[error("write error: {0}")]
    Output(io::Error),
}

impl RunError {
    /// The error for a capture file that could not be opened.
    pub fn from_open(e: CaptureError) -> RunError {
        match e {
            CaptureError::Io { name, source } => RunError::Unreadable { name, source },
            e => RunError::NotACapture(e),
        }
    }
}

/// Runs `cfg` over the capture file at `path` (`-` for standard input) with the driver that
/// fits (see the module contract), printing to standard output.
///
/// # Errors
/// The file cannot be opened or is not a capture; the output failed.
pub fn run_file(cfg: &Config, path: &str) -> Result<RunStats, RunError> {
    if let OutputKind::Parquet(export) = &cfg.output {
        return export::run(cfg, path, export);
    }
    if let Some(result) = run_parallel(cfg, path) {
        return result;
    }
    let mut reader = FileReader::open(path).map_err(RunError::from_open)?;
    let mut sink = sink::make_sink(cfg);
    sequential::run_capture(cfg, &mut reader, sink.as_mut()).map_err(RunError::Output)
}

/// Runs `cfg` on several threads when the file and the options allow it; `None` when the
/// sequential driver must run instead.
fn run_parallel(cfg: &Config, path: &str) -> Option<Result<RunStats, RunError>> {
    if cfg.threads < 2 {
        return None;
    }
    let stateless = parallel::eligible(cfg);
    if !stateless && !pipeline::eligible(cfg) {
        return None;
    }
    let default_block = if stateless {
        parallel::BLOCK_LEN
    } else {
        pipeline::block_len(cfg)
    };
    let blocks = match BlockReader::open(path, cfg.block_size.unwrap_or(default_block)) {
        Ok(Some(blocks)) => blocks,
        Ok(None) => return None,
        Err(e) => return Some(Err(RunError::from_open(e))),
    };
    let mut out = io::BufWriter::with_capacity(sink::STDOUT_BUFFER, io::stdout());
    let result = if stateless {
        parallel::run(cfg, &blocks, &mut out)
    } else {
        pipeline::run(cfg, &blocks, &mut out)
    };
    Some(result.map_err(RunError::Output))
}

/// A sink that only records the numbers of the frames that passed.
struct FrameNumbers(Vec<u32>);

impl Sink for FrameNumbers {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
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
    let filter_text = crate::filter::library::expand(filter)?;
    let filter =
        crate::filter::Filter::compile(&filter_text).map_err(|e| e.render(&filter_text))?;
    let cfg = Config::for_filter(filter);
    let mut reader = FileReader::open(path).map_err(|e| e.to_string())?;
    let mut sink = FrameNumbers(Vec::new());
    sequential::run_capture(&cfg, &mut reader, &mut sink).map_err(|e| e.to_string())?;
    Ok(sink.0)
}
