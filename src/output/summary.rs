//! The one-line summary (tshark's default output): No., Time, Source → Destination,
//! Protocol, Length, Info, in tshark's column layout. Streams: one line per frame, written
//! through a reused buffer.

use super::{Columns, OutputOptions, Sink, write_time_column};
use crate::dissect::Dissection;
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
    let mut num = itoa::Buffer::new();
    pad_left(line, num.format(d.number), 5);
    line.push(' ');
    pad_left(line, time, 10);
    line.push(' ');
    pad_left(line, &cols.src, 12);
    line.push_str(" \u{2192} ");
    line.push_str(&cols.dst);
    pad_to(line, cols.dst.as_str(), 12);
    line.push(' ');
    line.push_str(cols.protocol);
    line.push(' ');
    line.push_str(num.format(d.frame.orig_len));
    line.push(' ');
    line.push_str(&cols.info);
}

/// Display width of a column value (vendor names may hold non-ASCII letters).
fn width(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Right-aligns `s` in `w` columns (tshark's No., Time and Source columns).
fn pad_left(line: &mut String, s: &str, w: usize) {
    pad_to(line, s, w);
    line.push_str(s);
}

/// Pads `s` (written before or after) to `w` columns (the left-aligned Destination column).
fn pad_to(line: &mut String, s: &str, w: usize) {
    for _ in width(s)..w {
        line.push(' ');
    }
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
