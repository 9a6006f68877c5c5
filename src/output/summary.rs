//! The one-line summary (tshark's default output): No., Time, Source → Destination,
//! Protocol, Length, Info, in tshark's column layout. Streams: one line per frame, written
//! through a reused buffer.

use super::{Columns, OutputOptions, Sink, write_time_column};
use crate::dissect::Dissection;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Writes one summary line per frame.
pub struct SummarySink<W: Write> {
    out: W,
    opts: OutputOptions,
    cols: Columns,
    line: String,
    time: String,
}

impl<W: Write> SummarySink<W> {
    /// A summary printer writing to `out`.
    pub fn new(out: W, opts: OutputOptions) -> Self {
        SummarySink {
            out,
            opts,
            cols: Columns::default(),
            line: String::new(),
            time: String::new(),
        }
    }
}

/// Formats the summary line of `d` into `line` (no newline), reusing `cols` and `time`.
pub fn format_line(
    line: &mut String,
    cols: &mut Columns,
    time: &mut String,
    d: &Dissection<'_>,
    opts: &OutputOptions,
) {
    cols.fill(d, opts.resolve);
    time.clear();
    write_time_column(time, d, opts.time);
    line.clear();
    let _ = write!(
        line,
        "{:>5} {:>10} {:>12} \u{2192} {:<12} {} {} {}",
        d.number, time, cols.src, cols.dst, cols.protocol, d.frame.orig_len, cols.info
    );
}

impl<W: Write> Sink for SummarySink<W> {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
        format_line(
            &mut self.line,
            &mut self.cols,
            &mut self.time,
            d,
            &self.opts,
        );
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
