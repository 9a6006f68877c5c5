//! Reading capture files (classic pcap and pcapng) from a path, stdin or any byte stream.
//!
//! Contract:
//! - The format is sniffed from the first 4 bytes; anything else (including an empty or
//!   shorter-than-4-bytes input) is [`CaptureError::NotACapture`].
//! - Input is read with large `read()` calls into one buffer that is reused for the whole
//!   file: it starts at [`READ_CHUNK`] and grows only to what one record needs, never past
//!   [`MAX_BUFFER_LEN`]. Short reads (pipes) are fine and nothing needs to seek, so stdin
//!   works. Every length read from the file is validated (see [`super::pcap::check_caplen`]
//!   and [`super::pcapng::check_block_len`]) before the buffer is sized from it.
//! - Frames are borrowed from the buffer: nothing is copied or allocated per packet. After
//!   the buffer, memory is allocated only per pcapng interface (its entry and `if_name`) and
//!   for an error's message.
//! - A file that ends inside a header, record or block yields every complete frame first,
//!   then [`CaptureError::Truncated`] naming the start of the incomplete piece; a record or
//!   block with impossible lengths is [`CaptureError::Corrupt`]. After any error the reader
//!   is finished and returns `Ok(None)`.
//! - Nothing here panics on input data: all slicing of file data is checked.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;

use super::compress::{self, Compression};
use super::pcap::{self, FileHeader, RecordAt};
use super::pcapng::{self, Section};
use super::{
    ByteOrder, CaptureError, CaptureFormat, Frame, InterfaceInfo, LinkType, MAX_RECORD_LEN,
    Timestamp, TsPrecision,
};

/// Size of the buffer and of each `read()` request: 1 MiB makes system calls rare (one per
/// ~700 full-size Ethernet frames) while staying small next to the data it holds.
pub const READ_CHUNK: usize = 1024 * 1024;

/// Largest the buffer ever grows: one maximal pcapng block, or one maximal pcap record with
/// its header, whichever is larger.
pub const MAX_BUFFER_LEN: usize = max(
    pcapng::MAX_BLOCK_LEN,
    pcap::MAX_RECORD_HEADER_LEN + MAX_RECORD_LEN,
);

/// Magic bytes needed to recognise a format.
const MAGIC_LEN: usize = 4;
/// Name `open` gives standard input.
const STDIN_PATH: &str = "-";

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// Format-specific state.
enum Format {
    Pcap {
        header: FileHeader,
        interface: InterfaceInfo,
    },
    Pcapng(Section),
}

/// A frame found in the buffer, before it is lent out.
struct FrameMeta {
    ts: Timestamp,
    orig_len: u32,
    link_type: LinkType,
    interface_id: Option<u32>,
    precision: TsPrecision,
    /// Absolute range in the buffer.
    data: Range<usize>,
}

/// Outcome of parsing one record or block.
enum Step {
    Frame(FrameMeta),
    /// A block that holds no frame (section header, interface, statistics, unknown).
    NoFrame,
    /// Clean end of input.
    End,
}

/// Streams frames out of a pcap or pcapng file. See the module docs for the contract.
pub struct FileReader {
    name: String,
    source: Box<dyn Read + Send>,
    /// Reused storage; `buf[start..end]` is data read but not yet consumed.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Stream offset of `buf[start]`.
    consumed: u64,
    /// The source returned 0 from `read()`.
    eof: bool,
    /// End reached or an error returned: every later call yields `Ok(None)`.
    finished: bool,
    format: Format,
    /// Timestamp of the previous frame, given to pcapng Custom Blocks.
    last_ts: Timestamp,
    /// The compression the file was stored with (offsets are then in the decompressed data).
    compression: Option<Compression>,
}

impl FileReader {
    /// Opens a path; "-" means stdin. Sniffs the format from the first bytes.
    pub fn open(path: &str) -> Result<FileReader, CaptureError> {
        let io_error = |source| CaptureError::Io {
            name: path.to_string(),
            source,
        };
        // Files and pipes are read (and decompressed) ahead on a second thread (see
        // `readahead`), so inflating a `.gz` costs the dissecting core nothing.
        let (source, compression) = if path == STDIN_PATH {
            compress::sniff(io::stdin()).map_err(io_error)?
        } else {
            let file = super::Counted(File::open(path).map_err(io_error)?);
            compress::sniff(file).map_err(io_error)?
        };
        let source = super::readahead::ReadAhead::spawn(source).map_err(io_error)?;
        FileReader::from_decoded(path, Box::new(source), compression)
    }

    /// Reads from any byte stream (used for tests and fuzzing), decompressing it when its
    /// first bytes announce gzip, zstd or lz4. `name` is used in messages.
    pub fn from_reader(
        name: &str,
        source: Box<dyn Read + Send>,
    ) -> Result<FileReader, CaptureError> {
        let (source, compression) = compress::sniff(source).map_err(|source| CaptureError::Io {
            name: name.to_string(),
            source,
        })?;
        FileReader::from_decoded(name, source, compression)
    }

    /// Reads from a stream that is already decompressed (`compression` says from what).
    fn from_decoded(
        name: &str,
        source: Box<dyn Read + Send>,
        compression: Option<Compression>,
    ) -> Result<FileReader, CaptureError> {
        let mut reader = FileReader {
            name: name.to_string(),
            source,
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
            consumed: 0,
            eof: false,
            finished: false,
            // Placeholder until the magic is read; the first pcapng block is always an SHB,
            // which sets the real byte order.
            format: Format::Pcapng(Section::new(ByteOrder::Little)),
            last_ts: Timestamp::default(),
            compression,
        };
        reader.read_file_header()?;
        Ok(reader)
    }

    /// Next frame, borrowed from an internal reused buffer. `Ok(None)` at a clean end of
    /// file. `Err(CaptureError::Truncated{..})` when the file ends inside a record/block,
    /// only after every complete frame before it was returned.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.finished {
            return Ok(None);
        }
        let meta = loop {
            match self.step() {
                Ok(Step::Frame(meta)) => break meta,
                Ok(Step::NoFrame) => continue,
                Ok(Step::End) => {
                    self.finished = true;
                    return Ok(None);
                }
                Err(err) => {
                    self.finished = true;
                    return Err(err);
                }
            }
        };
        self.last_ts = meta.ts;
        let interface_name = match (&self.format, meta.interface_id) {
            (Format::Pcapng(section), Some(id)) => section
                .interfaces()
                .get(id as usize)
                .and_then(|i| i.name.as_deref()),
            _ => None,
        };
        Ok(Some(Frame {
            ts: meta.ts,
            orig_len: meta.orig_len,
            link_type: meta.link_type,
            interface_id: meta.interface_id,
            interface_name,
            precision: meta.precision,
            data: self.buf.get(meta.data).unwrap_or_default(),
        }))
    }

    /// The compression the file was stored with, if any.
    pub fn compression(&self) -> Option<Compression> {
        self.compression
    }

    /// The capture format found in the file header.
    pub fn format(&self) -> CaptureFormat {
        match self.format {
            Format::Pcap { .. } => CaptureFormat::Pcap,
            Format::Pcapng(_) => CaptureFormat::Pcapng,
        }
    }

    /// Interfaces seen so far (pcap: exactly one, from the file header; pcapng: those of the
    /// current section, as a new section header resets the list).
    pub fn interfaces(&self) -> &[InterfaceInfo] {
        match &self.format {
            Format::Pcap { interface, .. } => std::slice::from_ref(interface),
            Format::Pcapng(section) => section.interfaces(),
        }
    }

    /// Byte offset of the next unread byte in the stream: the start of the next record or
    /// block (bytes already buffered but not parsed do not count).
    pub fn offset(&self) -> u64 {
        self.consumed
    }

    /// The name given to `open` or `from_reader`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Link type of the first interface (pcap: from the header; pcapng: first IDB of the
    /// current section, or `None` before one is seen).
    pub fn link_type(&self) -> Option<LinkType> {
        self.interfaces().first().map(|i| i.link_type)
    }

    /// Snaplen of the first interface, 0 if unknown.
    pub fn snaplen(&self) -> u32 {
        self.interfaces().first().map_or(0, |i| i.snaplen)
    }

    /// Sniffs the magic and reads the pcap file header or the first pcapng section header.
    fn read_file_header(&mut self) -> Result<(), CaptureError> {
        let got = self.fill(MAGIC_LEN)?;
        if got == 0 {
            // An empty file is an empty capture, as tshark reads it (exit 0, no frames).
            self.finished = true;
            return Ok(());
        }
        let magic = self.window().first_chunk::<MAGIC_LEN>().copied();
        let magic = match magic {
            Some(magic) if got >= MAGIC_LEN => magic,
            _ => return Err(self.not_a_capture()),
        };
        if magic == pcapng::MAGIC {
            // The section header yields no frame; this validates it and sets the byte order.
            self.format = Format::Pcapng(Section::new(ByteOrder::Little));
            self.pcapng_step()?;
            return Ok(());
        }
        if pcap::sniff(magic).is_none() {
            return Err(self.not_a_capture());
        }
        let got = self.fill(pcap::FILE_HEADER_LEN)?;
        let header = self.window().first_chunk::<{ pcap::FILE_HEADER_LEN }>();
        let header = header.and_then(pcap::parse_file_header);
        let header =
            header.ok_or_else(|| self.truncated(0, pcap::FILE_HEADER_LEN as u64, got as u64))?;
        self.consume(pcap::FILE_HEADER_LEN);
        self.format = Format::Pcap {
            header,
            interface: header.interface(),
        };
        Ok(())
    }

    fn step(&mut self) -> Result<Step, CaptureError> {
        match self.format {
            Format::Pcap { header, .. } => self.pcap_step(header),
            Format::Pcapng(_) => self.pcapng_step(),
        }
    }

    fn pcap_step(&mut self, header: FileHeader) -> Result<Step, CaptureError> {
        let offset = self.consumed;
        let got = self.fill(header.record_header_len())?;
        if got == 0 {
            return Ok(Step::End);
        }
        let at = RecordAt {
            name: &self.name,
            offset,
        };
        let span = header.read_record(at, self.window(), got as u64)?;
        let total = span.total();
        let got = self.fill(total)?;
        let at = RecordAt {
            name: &self.name,
            offset,
        };
        span.check_whole(at, got as u64)?;
        let data_start = self.start + span.header_len;
        self.consume(total);
        Ok(Step::Frame(FrameMeta {
            ts: header.timestamp(&span.header),
            orig_len: span.header.orig_len,
            link_type: header.link_type,
            interface_id: None,
            precision: header.magic.precision,
            data: data_start..data_start + span.caplen,
        }))
    }

    fn pcapng_step(&mut self) -> Result<Step, CaptureError> {
        let offset = self.consumed;
        let got = self.fill(pcapng::MIN_BLOCK_LEN)?;
        if got == 0 {
            return Ok(Step::End);
        }
        let current_order = match &self.format {
            Format::Pcapng(section) => section.order,
            Format::Pcap { .. } => return Ok(Step::End),
        };
        if got < pcapng::MIN_BLOCK_LEN {
            let wanted = self
                .declared_block_len(current_order)
                .unwrap_or(pcapng::MIN_BLOCK_LEN);
            return Err(self.truncated(offset, wanted as u64, got as u64));
        }
        let order = pcapng::block_byte_order(self.window(), current_order)
            .map_err(|what| self.corrupt(offset, what))?;
        let declared = order.u32_at(self.window(), 4).unwrap_or_default();
        let total = pcapng::check_block_len(declared).map_err(|what| self.corrupt(offset, what))?;
        let got = self.fill(total)?;
        if got < total {
            return Err(self.truncated(offset, total as u64, got as u64));
        }
        let block_start = self.start;
        let block = self
            .buf
            .get(block_start..block_start + total)
            .unwrap_or_default();
        let found = match &mut self.format {
            Format::Pcapng(section) => pcapng::check_trailer(block, order)
                .and_then(|()| pcapng::interpret(block, section, self.last_ts)),
            Format::Pcap { .. } => Ok(None),
        };
        let found = found.map_err(|what| self.corrupt(offset, what))?;
        self.consume(total);
        Ok(found.map_or(Step::NoFrame, |meta| {
            Step::Frame(FrameMeta {
                ts: meta.ts,
                orig_len: meta.orig_len,
                link_type: meta.link_type,
                interface_id: meta.interface_id,
                precision: meta.precision,
                data: block_start + meta.data.start..block_start + meta.data.end,
            })
        }))
    }

    /// The total length of a partially read block, when its header says and is plausible.
    fn declared_block_len(&self, order: ByteOrder) -> Option<usize> {
        let head = self.window();
        if head.first_chunk::<MAGIC_LEN>() == Some(&pcapng::MAGIC) {
            return None; // its byte order is not known yet
        }
        pcapng::check_block_len(order.u32_at(head, 4)?).ok()
    }

    /// Unconsumed bytes in the buffer.
    fn window(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    fn available(&self) -> usize {
        self.end - self.start
    }

    fn consume(&mut self, len: usize) {
        let len = len.min(self.available());
        self.start += len;
        self.consumed += len as u64;
    }

    /// Reads until at least `wanted` bytes are buffered or the input ends; returns how many
    /// are buffered. `wanted` must already be validated (at most [`MAX_BUFFER_LEN`]).
    fn fill(&mut self, wanted: usize) -> Result<usize, CaptureError> {
        while self.available() < wanted && !self.eof {
            self.make_room(wanted);
            self.read_more()?;
        }
        Ok(self.available())
    }

    /// Makes sure `buf[start..]` can hold `wanted` bytes: moves the unconsumed bytes to the
    /// front, then grows the buffer if one record needs more than it has.
    fn make_room(&mut self, wanted: usize) {
        if self.buf.len() - self.start >= wanted {
            return;
        }
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
        if self.buf.len() < wanted {
            let grown = self
                .buf
                .len()
                .saturating_mul(2)
                .clamp(wanted, MAX_BUFFER_LEN.max(wanted));
            self.buf.resize(grown, 0);
        }
    }

    /// One `read()` into the free end of the buffer (retrying on `Interrupted`).
    fn read_more(&mut self) -> Result<(), CaptureError> {
        let free = self.buf.get_mut(self.end..).unwrap_or_default();
        let room = free.len();
        loop {
            match self.source.read(free) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n.min(room);
                    return Ok(());
                }
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) if compress::decode_error(&err).is_some() => {
                    let offset = self.consumed + (self.end - self.start) as u64;
                    return Err(CaptureError::Decompress {
                        name: self.name.clone(),
                        offset,
                        message: err.to_string(),
                    });
                }
                Err(source) => {
                    return Err(CaptureError::Io {
                        name: self.name.clone(),
                        source,
                    });
                }
            }
        }
    }

    fn not_a_capture(&self) -> CaptureError {
        let head = self.window();
        if let Some((kind, tool)) = compression_of(head) {
            return CaptureError::Compressed {
                name: self.name.clone(),
                kind,
                tool,
            };
        }
        let magic = head.get(..MAGIC_LEN).unwrap_or(head);
        CaptureError::NotACapture {
            name: self.name.clone(),
            magic: magic.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    fn truncated(&self, offset: u64, wanted: u64, got: u64) -> CaptureError {
        CaptureError::truncated(&self.name, offset, wanted, got)
    }

    fn corrupt(&self, offset: u64, what: String) -> CaptureError {
        CaptureError::Corrupt {
            name: self.name.clone(),
            offset,
            what,
        }
    }
}

impl std::fmt::Debug for FileReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileReader")
            .field("name", &self.name)
            .field("format", &self.format())
            .field("compression", &self.compression)
            .field("offset", &self.consumed)
            .finish_non_exhaustive()
    }
}

/// The compression a file's first bytes announce, and the tool that undoes it.
fn compression_of(head: &[u8]) -> Option<(&'static str, &'static str)> {
    const KINDS: [(&[u8], &str, &str); 5] = [
        (&[0x1f, 0x8b], "gzip", "zcat"),
        (&[0x28, 0xb5, 0x2f, 0xfd], "zstd", "zstdcat"),
        // The first 4 of xz's 6 magic bytes: all the reader holds when the format check fails.
        (&[0xfd, b'7', b'z', b'X'], "xz", "xzcat"),
        (b"BZh", "bzip2", "bzcat"),
        (&[0x04, 0x22, 0x4d, 0x18], "lz4", "lz4cat"),
    ];
    KINDS
        .iter()
        .find(|(magic, _, _)| head.starts_with(magic))
        .map(|&(_, kind, tool)| (kind, tool))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const MICRO: u32 = 0xa1b2_c3d4;
    const NANO: u32 = 0xa1b2_3c4d;
    const MODIFIED: u32 = 0xa1b2_cd34;

    /// Builds a classic pcap file.
    struct PcapBuilder {
        order: ByteOrder,
        modified: bool,
        out: Vec<u8>,
    }

    impl PcapBuilder {
        fn new(magic: u32, order: ByteOrder, network: u32, snaplen: u32) -> PcapBuilder {
            let mut b = PcapBuilder {
                order,
                modified: magic == MODIFIED,
                out: Vec::new(),
            };
            b.u32(magic);
            b.u16(2);
            b.u16(4);
            b.u32(0);
            b.u32(0);
            b.u32(snaplen);
            b.u32(network);
            b
        }
        fn u16(&mut self, v: u16) {
            let bytes = match self.order {
                ByteOrder::Little => v.to_le_bytes(),
                ByteOrder::Big => v.to_be_bytes(),
            };
            self.out.extend_from_slice(&bytes);
        }
        fn u32(&mut self, v: u32) {
            let bytes = match self.order {
                ByteOrder::Little => v.to_le_bytes(),
                ByteOrder::Big => v.to_be_bytes(),
            };
            self.out.extend_from_slice(&bytes);
        }
        fn record(&mut self, sec: u32, frac: u32, data: &[u8], orig_len: u32) -> &mut Self {
            self.raw_record(sec, frac, data.len() as u32, orig_len);
            self.out.extend_from_slice(data);
            self
        }
        fn raw_record(&mut self, sec: u32, frac: u32, caplen: u32, orig_len: u32) -> &mut Self {
            self.u32(sec);
            self.u32(frac);
            self.u32(caplen);
            self.u32(orig_len);
            if self.modified {
                self.u32(3); // ifindex
                self.u16(0x0800); // protocol
                self.out.extend_from_slice(&[4, 0]); // pkt_type, pad
            }
            self
        }
    }

    /// A reader that hands out at most one byte per `read()`, like a slow pipe.
    struct OneByteAtATime(Cursor<Vec<u8>>);

    impl Read for OneByteAtATime {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let len = buf.len().min(1);
            self.0.read(&mut buf[..len])
        }
    }

    fn reader(bytes: Vec<u8>) -> Result<FileReader, CaptureError> {
        FileReader::from_reader("test.pcap", Box::new(Cursor::new(bytes)))
    }

    type Summary = (Timestamp, TsPrecision, LinkType, Option<u32>, u32, Vec<u8>);

    fn drain(r: &mut FileReader) -> (Vec<Summary>, Option<CaptureError>) {
        let mut frames = Vec::new();
        loop {
            match r.next_frame() {
                Ok(Some(f)) => frames.push((
                    f.ts,
                    f.precision,
                    f.link_type,
                    f.interface_id,
                    f.orig_len,
                    f.data.to_vec(),
                )),
                Ok(None) => return (frames, None),
                Err(err) => {
                    assert!(
                        matches!(r.next_frame(), Ok(None)),
                        "finished after an error"
                    );
                    return (frames, Some(err));
                }
            }
        }
    }

    fn two_packets(magic: u32, order: ByteOrder) -> Vec<u8> {
        let mut b = PcapBuilder::new(magic, order, 1, 65535);
        b.record(1_700_000_000, 123_456, b"first packet", 60)
            .record(1_700_000_001, 7, b"2nd", 3);
        b.out
    }

    #[test]
    fn pcap_both_byte_orders_and_precisions() {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            for (magic, precision, nanos) in [
                (MICRO, TsPrecision::Micro, 123_456_000),
                (NANO, TsPrecision::Nano, 123_456),
            ] {
                let mut r = reader(two_packets(magic, order)).unwrap();
                assert_eq!(r.format(), CaptureFormat::Pcap);
                assert_eq!(r.link_type(), Some(LinkType::ETHERNET));
                assert_eq!(r.snaplen(), 65535);
                assert_eq!(r.interfaces().len(), 1);
                assert_eq!(r.interfaces()[0].precision, precision);
                assert_eq!(r.offset(), 24);
                let (frames, err) = drain(&mut r);
                assert!(err.is_none());
                let ts = Timestamp {
                    secs: 1_700_000_000,
                    nanos,
                };
                let eth = LinkType::ETHERNET;
                assert_eq!(
                    frames[0],
                    (ts, precision, eth, None, 60, b"first packet".to_vec())
                );
                let small = if precision == TsPrecision::Micro {
                    7_000
                } else {
                    7
                };
                assert_eq!(
                    frames[1].0,
                    Timestamp {
                        secs: 1_700_000_001,
                        nanos: small
                    }
                );
                assert_eq!((frames[1].4, frames[1].5.as_slice()), (3, &b"2nd"[..]));
                assert_eq!(frames.len(), 2);
                assert_eq!(r.offset(), two_packets(magic, order).len() as u64);
            }
        }
    }

    #[test]
    fn pcap_modified_format_skips_extra_bytes() {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let mut b = PcapBuilder::new(MODIFIED, order, 1, 96);
            b.record(5, 2_000_001, b"abc", 3).record(6, 0, b"de", 100);
            let (frames, err) = drain(&mut reader(b.out).unwrap());
            assert!(err.is_none());
            assert_eq!(
                frames[0].0,
                Timestamp {
                    secs: 7,
                    nanos: 1_000
                },
                "µs, normalised"
            );
            assert_eq!(frames[0].5, b"abc");
            assert_eq!((frames[1].4, frames[1].5.as_slice()), (100, &b"de"[..]));
        }
    }

    #[test]
    fn pcap_link_type_ignores_fcs_bits_and_version() {
        let mut b = PcapBuilder::new(MICRO, ByteOrder::Little, 0x1000_0000 | 228, 0);
        b.out[4] = 7; // version 7.4: accepted
        b.record(0, 0, b"x", 1);
        let mut r = reader(b.out).unwrap();
        assert_eq!(r.link_type(), Some(LinkType::IPV4));
        assert_eq!(r.next_frame().unwrap().unwrap().link_type, LinkType::IPV4);
    }

    #[test]
    fn pcap_caplen_over_snaplen_is_fine_but_over_cap_is_corrupt() {
        let mut b = PcapBuilder::new(MICRO, ByteOrder::Big, 1, 4);
        b.record(0, 0, b"longer than snaplen", 19);
        let bad_at = b.out.len() as u64;
        b.raw_record(0, 0, MAX_RECORD_LEN as u32 + 1, 10);
        b.out.extend_from_slice(&[0; 32]);
        let (frames, err) = drain(&mut reader(b.out).unwrap());
        assert_eq!(frames.len(), 1);
        match err {
            Some(CaptureError::Corrupt { offset, what, .. }) => {
                assert_eq!(offset, bad_at);
                assert!(what.contains("captured length of 16777217"), "{what}");
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn pcap_truncated_at_every_offset() {
        for magic in [MICRO, MODIFIED] {
            let full = {
                let mut b = PcapBuilder::new(magic, ByteOrder::Little, 1, 0);
                b.record(1, 2, b"first packet", 12)
                    .record(3, 4, b"second", 6);
                b.out
            };
            let record_len = if magic == MODIFIED { 24 } else { 16 };
            let second_at = 24 + record_len + 12;
            for cut in 0..full.len() {
                let bytes = full[..cut].to_vec();
                let result = reader(bytes);
                if cut == 0 {
                    assert!(result.is_ok(), "an empty file is an empty capture");
                    continue;
                }
                if cut < 4 {
                    assert!(
                        matches!(result, Err(CaptureError::NotACapture { .. })),
                        "cut {cut}"
                    );
                    continue;
                }
                if cut < 24 {
                    match result {
                        Err(CaptureError::Truncated {
                            offset: 0,
                            wanted: 24,
                            got,
                            ..
                        }) => {
                            assert_eq!(got, cut as u64)
                        }
                        other => panic!("cut {cut}: {other:?}"),
                    }
                    continue;
                }
                let (frames, err) = drain(&mut result.unwrap());
                let (expect_frames, record_at, record_total) = if cut < second_at {
                    (0, 24, record_len + 12)
                } else {
                    (1, second_at, record_len + 6)
                };
                assert_eq!(frames.len(), expect_frames, "cut {cut}");
                if cut == 24 || cut == second_at {
                    assert!(err.is_none(), "clean end at {cut}");
                    continue;
                }
                match err {
                    Some(CaptureError::Truncated {
                        offset,
                        wanted,
                        got,
                        ..
                    }) => {
                        assert_eq!(offset, record_at as u64, "cut {cut}");
                        assert_eq!(got, (cut - record_at) as u64, "cut {cut}");
                        let header_only = cut - record_at < record_len;
                        let expect = if header_only {
                            record_len
                        } else {
                            record_total
                        };
                        assert_eq!(wanted, expect as u64, "cut {cut}");
                    }
                    other => panic!("cut {cut}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn garbage_is_not_a_capture() {
        for (bytes, magic) in [(&b"<html><body>"[..], "3c68746d"), (b"\x01\x02", "0102")] {
            match reader(bytes.to_vec()) {
                Err(CaptureError::NotACapture { name, magic: m }) => {
                    assert_eq!((name.as_str(), m.as_str()), ("test.pcap", magic));
                }
                other => panic!("{bytes:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_empty_file_is_an_empty_capture() {
        let mut r = reader(Vec::new()).expect("opens");
        assert!(r.next_frame().expect("no error").is_none());
    }

    #[test]
    fn xz_and_bzip2_files_say_how_to_read_them() {
        let err = reader(vec![0xfd, b'7', b'z', b'X', b'Z', 0, 0, 4]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "test.pcap is xz-compressed: read it with `xzcat test.pcap | wiresift -r -`"
        );
        let err = reader(b"BZh91AY&SY".to_vec()).unwrap_err();
        assert!(err.to_string().contains("bzcat"), "{err}");
    }

    #[test]
    fn gzip_files_are_read_and_damage_is_reported_after_the_frames() {
        use std::io::Write;
        let bytes = two_packets(NANO, ByteOrder::Little);
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&bytes).unwrap();
        let gz = enc.finish().unwrap();
        let (frames, err) = drain(&mut reader(gz.clone()).unwrap());
        assert_eq!((frames.len(), err.is_none()), (2, true));
        // Cut inside the deflate data: a damage error, never a panic.
        let cut = gz[..gz.len() - 9].to_vec();
        match reader(cut) {
            Ok(mut r) => {
                let (_, err) = drain(&mut r);
                assert!(
                    matches!(err, Some(CaptureError::Decompress { .. })),
                    "{err:?}"
                );
            }
            Err(e) => assert!(matches!(e, CaptureError::Decompress { .. }), "{e:?}"),
        }
        let err = reader(vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).unwrap_err();
        assert!(err.is_damage(), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("test.pcap: gzip data is damaged"),
            "{err}"
        );
    }

    #[test]
    fn one_byte_reads_give_the_same_frames() {
        let bytes = two_packets(NANO, ByteOrder::Big);
        let expected = drain(&mut reader(bytes.clone()).unwrap()).0;
        let slow = OneByteAtATime(Cursor::new(bytes));
        let mut r = FileReader::from_reader("pipe", Box::new(slow)).unwrap();
        let (frames, err) = drain(&mut r);
        assert!(err.is_none());
        assert_eq!(frames, expected);

        // Truncated through a pipe as well.
        let mut cut = two_packets(MICRO, ByteOrder::Little);
        cut.truncate(cut.len() - 1);
        let slow = OneByteAtATime(Cursor::new(cut));
        let (frames, err) = drain(&mut FileReader::from_reader("pipe", Box::new(slow)).unwrap());
        assert_eq!(frames.len(), 1);
        assert!(matches!(err, Some(CaptureError::Truncated { .. })));
    }

    #[test]
    fn records_larger_than_the_initial_buffer() {
        let big = vec![0xab; READ_CHUNK + 1000];
        let mut b = PcapBuilder::new(MICRO, ByteOrder::Little, 1, 0);
        b.record(0, 0, b"small", 5)
            .record(0, 0, &big, big.len() as u32)
            .record(0, 0, b"z", 1);
        let (frames, err) = drain(&mut reader(b.out).unwrap());
        assert!(err.is_none());
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[1].5, big);
        assert_eq!(frames[2].5, b"z");
    }

    #[test]
    fn open_reports_missing_file() {
        let err = FileReader::open("/nonexistent/wiresift.pcap").unwrap_err();
        assert!(matches!(err, CaptureError::Io { .. }), "{err:?}");
    }

    /// Compares frame counts and lengths with tshark's output for the shared capture corpus.
    #[test]
    fn corpus_matches_tshark() {
        let Some(dir) = std::env::var_os("WIRESIFT_CORPUS") else {
            println!("skipped: WIRESIFT_CORPUS not set");
            return;
        };
        let dir = std::path::PathBuf::from(dir);
        let mut captures: Vec<_> = std::fs::read_dir(&dir)
            .expect("corpus folder")
            .map(|entry| entry.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
            .collect();
        captures.sort();
        assert!(!captures.is_empty(), "no captures in {}", dir.display());
        let mut failures = Vec::new();
        for path in &captures {
            if let Err(problem) = check_against_tshark(&dir, path) {
                failures.push(format!("{}: {problem}", path.display()));
            }
        }
        assert!(
            failures.is_empty(),
            "{} captures differ:\n{}",
            failures.len(),
            failures.join("\n")
        );
        println!("{} captures match tshark", captures.len());
    }

    fn check_against_tshark(dir: &std::path::Path, path: &std::path::Path) -> Result<(), String> {
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("bad name")?;
        let expected = |suffix: &str| {
            let p = dir.join("expected").join(format!("{file_name}.{suffix}"));
            std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))
        };
        let summary_lines = expected("summary.txt")?.lines().count();
        let fields = expected("fields.tsv")?;
        let lengths: Vec<(u64, u64)> = fields
            .lines()
            .skip(1)
            .map(|line| {
                let mut cols = line
                    .split('\t')
                    .skip(1)
                    .map(|c| c.parse::<u64>().unwrap_or(u64::MAX));
                (
                    cols.next().unwrap_or(u64::MAX),
                    cols.next().unwrap_or(u64::MAX),
                )
            })
            .collect();
        let mut reader =
            FileReader::open(path.to_str().ok_or("bad path")?).map_err(|e| e.to_string())?;
        let mut ours = Vec::new();
        while let Some(frame) = reader
            .next_frame()
            .map_err(|e| format!("after {} frames: {e}", ours.len()))?
        {
            // tshark's lengths for a Custom Block leave out the Private Enterprise Number.
            let pen = if frame.link_type.is_custom_block() {
                pcapng::CUSTOM_BLOCK_PEN_LEN as u64
            } else {
                0
            };
            ours.push((
                u64::from(frame.orig_len) - pen,
                frame.data.len() as u64 - pen,
            ));
        }
        if ours.len() != summary_lines {
            return Err(format!(
                "{} frames, tshark lists {summary_lines}",
                ours.len()
            ));
        }
        if let Some(i) = (0..ours.len()).find(|&i| lengths.get(i) != ours.get(i)) {
            return Err(format!(
                "frame {}: len/cap_len {:?}, tshark {:?}",
                i + 1,
                ours.get(i),
                lengths.get(i)
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use proptest::prelude::*;
    use std::io::Cursor;

    fn drain_all(bytes: Vec<u8>) {
        let Ok(mut r) = FileReader::from_reader("fuzz", Box::new(Cursor::new(bytes))) else {
            return;
        };
        let mut frames = 0;
        while let Ok(Some(frame)) = r.next_frame() {
            assert!(frame.data.len() <= MAX_RECORD_LEN);
            assert!(frame.ts.nanos < 1_000_000_000);
            frames += 1;
        }
        assert!(frames <= 1 << 20);
        assert!(matches!(r.next_frame(), Ok(None)));
    }

    proptest! {
        /// Arbitrary bytes after each magic never panic and never hand out bad frames.
        #[test]
        fn arbitrary_input_never_panics(
            magic in prop::sample::select(vec![
                [0xd4, 0xc3, 0xb2, 0xa1], [0xa1, 0xb2, 0x3c, 0x4d], [0x34, 0xcd, 0xb2, 0xa1],
                [0x0a, 0x0d, 0x0d, 0x0a],
            ]),
            tail in prop::collection::vec(any::<u8>(), 0..600),
        ) {
            let mut bytes = magic.to_vec();
            bytes.extend(tail);
            drain_all(bytes);
        }

        /// A valid pcapng section header followed by arbitrary blocks never panics.
        #[test]
        fn arbitrary_pcapng_blocks_never_panic(
            words in prop::collection::vec(
                prop::sample::select(vec![0u32, 1, 2, 3, 6, 12, 16, 20, 28, 32, 0xbad, 0xffff_ffff]),
                0..120,
            ),
        ) {
            let mut bytes = vec![
                0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
            ];
            bytes.extend(words.iter().flat_map(|w| w.to_le_bytes()));
            drain_all(bytes);
        }
    }
}
