//! The one-line summary (tshark's default output): No., Time, Source → Destination,
//! Protocol, Length, Info, in tshark's column layout. Streams: one line per frame, written
//! through a reused buffer.

use super::{BlockSink, Columns, OutputOptions, Sink, write_time_column};
use crate::dissect::Dissection;
use std::io::{self, Write};

/// Writes one summary line per frame.
pub struct SummarySink<W: Write> {
    out: W,
    opts: OutputOptions,
    cols: Columns,
    line: Vec<u8>,
    time: Vec<u8>,
}

impl<W: Write> SummarySink<W> {
    /// A summary printer writing to `out`.
    pub fn new(out: W, opts: OutputOptions) -> Self {
        SummarySink {
            out,
            opts,
            cols: Columns::default(),
            line: Vec::new(),
            time: Vec::new(),
        }
    }
}

/// Formats the summary line of `d` into `line` (no newline), reusing `cols` and `time`.
///
/// The line is UTF-8 built as bytes: its pieces are ASCII from the value writers or text
/// that is already UTF-8, so nothing is checked again on the way.
pub fn format_line(
    line: &mut Vec<u8>,
    cols: &mut Columns,
    time: &mut Vec<u8>,
    d: &Dissection<'_>,
    opts: &OutputOptions,
) {
    cols.fill(d, opts.resolve);
    time.clear();
    write_time_column(time, d, opts.time);
    line.clear();
    let mut num = itoa::Buffer::new();
    pad_left(line, num.format(d.number).as_bytes(), 5);
    line.push(b' ');
    pad_left(line, time, 10);
    line.push(b' ');
    pad_left(line, &cols.src, 12);
    line.extend_from_slice(" \u{2192} ".as_bytes());
    line.extend_from_slice(&cols.dst);
    pad_to(line, &cols.dst, 12);
    line.push(b' ');
    line.extend_from_slice(cols.protocol_text().as_bytes());
    line.push(b' ');
    line.extend_from_slice(num.format(d.frame.orig_len).as_bytes());
    line.push(b' ');
    line.extend_from_slice(cols.info.as_bytes());
}

/// Display width of a UTF-8 column value (vendor names may hold non-ASCII letters): its
/// characters, that is its bytes that do not continue a character.
fn width(s: &[u8]) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.iter().filter(|&&b| b & 0xc0 != 0x80).count()
    }
}

/// Right-aligns `s` in `w` columns (tshark's No., Time and Source columns).
fn pad_left(line: &mut Vec<u8>, s: &[u8], w: usize) {
    pad_to(line, s, w);
    line.extend_from_slice(s);
}

/// Pads `s` (written before or after) to `w` columns (the left-aligned Destination column).
fn pad_to(line: &mut Vec<u8>, s: &[u8], w: usize) {
    for _ in width(s)..w {
        line.push(b' ');
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
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> BlockSink for SummarySink<W> {}
