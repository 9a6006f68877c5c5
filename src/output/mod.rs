//! Output formats. Every format is a [`Sink`] that receives dissected frames in order and
//! writes to a buffered writer; all of them read values through the field registry.

pub mod fields;
pub mod hexdump;
pub mod json;
pub mod parquet;
pub mod report;
pub mod summary;
pub mod time;
pub mod tree;

/// The summary columns (Protocol, Info), read by the registry's `_ws.col.*` fields too.
pub use crate::fields::columns;
/// The byte buffer the formats write into (a leaf module, shared with the value writers).
pub use crate::value::bytebuf;

use crate::dissect::Dissection;
use crate::fields::value::TextOut;
use std::io;

pub use columns::{Columns, Resolve};

/// tshark's `-t` time formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeFormat {
    /// Seconds since the first frame (`r`, the default).
    #[default]
    Relative,
    /// Time of day (`a`; printed in UTC).
    Absolute,
    /// Date and time of day (`ad`; printed in UTC).
    AbsoluteDate,
    /// Seconds since the epoch (`e`).
    Epoch,
    /// Since the previous captured frame (`d`).
    Delta,
    /// Since the previous displayed frame (`dd`).
    DeltaDisplayed,
    /// UTC time of day (`u`).
    Utc,
    /// UTC date and time (`ud`).
    UtcDate,
}

/// Settings every format shares.
#[derive(Debug, Clone, Copy)]
pub struct OutputOptions {
    /// Name resolution.
    pub resolve: Resolve,
    /// Time column format.
    pub time: TimeFormat,
    /// The layers the detail tree expands (`-O`; every one by default).
    pub expand: crate::dissect::proto::ProtoSet,
}

/// Receives frames that passed the display filter: what a printer needs.
pub trait Sink {
    /// Called once per displayed frame, in order.
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()>;
    /// Called once at the end (closing brackets, flushing).
    fn finish(&mut self) -> io::Result<()>;
}

/// A printer that can format one block of a parallel run into its own text, each block
/// with its own sink (`crate::engine::pipeline`).
pub trait BlockSink: Sink {
    /// `printed_before` frames were printed by other sinks before the next one this sink
    /// gets (JSON needs to know whether its next packet is the first of the array; the
    /// fields header goes before the first line only).
    fn resume(&mut self, printed_before: u64) {
        let _ = printed_before;
    }
    /// Writes out whatever the sink holds back for a larger write, without finishing (the
    /// end of a block).
    fn end_block(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Several sinks fed with the same frames (`-V -x`, `-P -x`, the `-w` writer and a printer).
pub struct Tee<S: ?Sized = dyn Sink>(pub Vec<Box<S>>);

impl<S: Sink + ?Sized> Sink for Tee<S> {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.packet(d))
    }
    fn finish(&mut self) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.finish())
    }
}

impl BlockSink for Tee<dyn BlockSink> {
    fn resume(&mut self, printed_before: u64) {
        self.0.iter_mut().for_each(|s| s.resume(printed_before));
    }
    fn end_block(&mut self) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.end_block())
    }
}

/// Writes the time column of a frame into `out`.
pub fn write_time_column<O: TextOut + ?Sized>(out: &mut O, d: &Dissection<'_>, format: TimeFormat) {
    use crate::fields::value::write_rel_time;
    let digits = d.frame.precision.digits();
    if d.frame.ts.is_none() {
        return;
    }
    match format {
        TimeFormat::Relative => write_rel_time(out, d.times.relative, digits),
        TimeFormat::Delta => write_rel_time(out, d.times.delta, digits),
        TimeFormat::DeltaDisplayed => write_rel_time(out, d.times.delta_displayed, digits),
        TimeFormat::Epoch => write_rel_time(out, d.frame.ts.as_nanos(), digits),
        TimeFormat::Absolute | TimeFormat::Utc => time::write_time_of_day(out, d.frame.ts, digits),
        TimeFormat::AbsoluteDate | TimeFormat::UtcDate => {
            time::write_date_time(out, d.frame.ts, digits)
        }
    }
}
