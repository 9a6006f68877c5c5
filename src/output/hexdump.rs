//! `-x`: the frame's bytes as a hex dump, 16 per row, with printable ASCII beside them.

use super::{BlockSink, Sink};
use crate::dissect::Dissection;
use crate::fields::value::push_hex_byte;
use std::io::{self, Write};

/// Writes a hex dump of each frame followed by a blank line.
pub struct HexSink<W: Write> {
    out: W,
    buf: String,
}

impl<W: Write> HexSink<W> {
    /// A hex dumper writing to `out`.
    pub fn new(out: W) -> Self {
        HexSink {
            out,
            buf: String::new(),
        }
    }
}

/// Appends the dump of `bytes` (tshark's layout) to `out`.
pub fn write_hexdump(out: &mut String, bytes: &[u8]) {
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let off = row * 16;
        for shift in [12, 8, 4, 0] {
            out.push(char::from_digit(((off >> shift) & 0xf) as u32, 16).unwrap_or('0'));
        }
        out.push_str("  ");
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => push_hex_byte(out, *b),
                None => out.push_str("  "),
            }
            if i < 15 {
                out.push(' ');
            }
        }
        out.push_str("   ");
        for b in chunk {
            out.push(if b.is_ascii_graphic() || *b == b' ' {
                *b as char
            } else {
                '.'
            });
        }
        out.push('\n');
    }
}

impl<W: Write> Sink for HexSink<W> {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
        self.buf.clear();
        write_hexdump(&mut self.buf, d.frame.data);
        self.buf.push('\n');
        self.out.write_all(self.buf.as_bytes())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> BlockSink for HexSink<W> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_layout() {
        let mut s = String::new();
        write_hexdump(&mut s, b"\x00\x01test");
        assert_eq!(
            s,
            "0000  00 01 74 65 73 74                                 ..test\n"
        );
    }
}
