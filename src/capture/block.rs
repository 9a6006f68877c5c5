//! A capture file (classic pcap or pcapng) cut into blocks at record boundaries, so that
//! several threads read and decode one file at once (see `crate::engine::parallel`).
//!
//! Contract:
//! - A worker reads a whole block (plus [`OVERLAP`] bytes, so the header of any record that
//!   starts in the block is in its buffer) with one positioned read into its own reused
//!   buffer: every core copies from the page cache at once, and each block is decoded while
//!   it is still in that core's cache. Nothing is allocated per block or per record once
//!   the buffers have grown.
//! - Record boundaries are found by [`BlockReader::hop`], a walk along the record headers of
//!   one block (a few nanoseconds per record). It is the only step that must run block after
//!   block in file order: the hop of block `k` gives block `k + 1` its [`Cursor`] (offset of
//!   its first record, frame number, previous timestamp).
//! - Records, lengths and errors are exactly the sequential [`super::FileReader`]'s: a file
//!   that ends inside a record header or record is [`CaptureError::Truncated`] at the same
//!   offset with the same numbers, an impossible captured length is
//!   [`CaptureError::Corrupt`], and every complete record before the damage is delivered.
//! - pcapng: the hop walks blocks (a pcapng block is one "record"), interprets each with the
//!   sequential reader's own functions ([`pcapng::interpret`]) and keeps the section (byte
//!   order, interfaces) from block to block: hops run one after the other, in file order.
//!   Each record carries its interface's link type, precision and name.
//! - The file's length is taken when it is opened; bytes appended later are not read.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Mutex;

use super::pcap::{self, FileHeader, RecordAt};
use super::pcapng::{self, Section};
use super::{ByteOrder, CaptureError, Frame, LinkType, Timestamp, TsPrecision};

/// Bytes read past a block's end: the longest record header (pcap) or block header
/// (pcapng), so a record that starts in the block can be measured without a second read.
pub const OVERLAP: usize = if pcap::MAX_RECORD_HEADER_LEN > pcapng::MIN_BLOCK_LEN {
    pcap::MAX_RECORD_HEADER_LEN
} else {
    pcapng::MIN_BLOCK_LEN
};
/// Largest block: each worker holds one block in memory (the default is 1 MiB or less; a
/// larger value only comes from the hidden `--block-size`).
pub const MAX_BLOCK_LEN: usize = 64 * 1024 * 1024;

/// Where a block's first record starts, and what the records before it left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// File offset of the first record that starts at or after the block's start.
    pub offset: u64,
    /// Records before that one (so its frame number is `records + 1`).
    pub records: u64,
    /// Timestamp of the last record before it that has one (for `frame.time_delta`).
    pub prev_ts: Option<Timestamp>,
    /// Timestamp of the record just before it, even none: a pcapng Custom Block takes it.
    pub last_ts: Timestamp,
}

/// One record found by the hop: where it is and what its header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// File offset of the record's data (after its header).
    pub data_offset: u64,
    /// Captured length (validated against [`super::MAX_RECORD_LEN`]).
    pub caplen: u32,
    /// Length on the wire.
    pub orig_len: u32,
    /// Normalised timestamp.
    pub ts: Timestamp,
    /// Link type of the record's interface.
    pub link_type: LinkType,
    /// Timestamp precision of the record's interface.
    pub precision: TsPrecision,
    /// pcapng interface index within its section (`None` for pcap and Custom Blocks).
    pub interface_id: Option<u32>,
    /// The interface's name, as an index into the names the hop collected for the block.
    pub name: Option<u32>,
}

/// What the hop over one block found after its records.
#[derive(Debug)]
pub enum HopEnd {
    /// The next block starts here.
    Next(Cursor),
    /// The file ends cleanly after these records (or the record limit was reached).
    End,
    /// The file is damaged after these records.
    Damage(CaptureError),
}

/// A block's bytes: `data` holds the file from `start` on.
#[derive(Debug, Default)]
pub struct Block {
    /// Index of the block.
    pub index: u64,
    /// File offset of `data[0]`.
    pub start: u64,
    /// The bytes read (block plus overlap, less at the end of the file).
    pub data: Vec<u8>,
}

/// A capture file opened for block-parallel reading.
#[derive(Debug)]
pub struct BlockReader {
    file: File,
    name: String,
    layout: Layout,
    len: u64,
    block_len: usize,
}

/// The file's format, and for pcapng the section the hops have reached.
#[derive(Debug)]
enum Layout {
    Pcap(FileHeader),
    /// The section is carried from hop to hop (hops run in file order, one at a time).
    Pcapng(Mutex<Section>),
}

impl BlockReader {
    /// Opens `path` for block reading when it is a regular file in classic pcap format, or
    /// in pcapng starting with a valid section header; `Ok(None)` for anything else (stdin,
    /// a pipe, a file too short to hold a header, a damaged start), which the sequential
    /// reader handles and reports. `block_len` is clamped to 1..=[`MAX_BLOCK_LEN`].
    ///
    /// # Errors
    /// The file cannot be opened or read.
    pub fn open(path: &str, block_len: usize) -> Result<Option<BlockReader>, CaptureError> {
        let io_error = |source| CaptureError::Io {
            name: path.to_string(),
            source,
        };
        let file = File::open(path).map_err(io_error)?;
        let meta = file.metadata().map_err(io_error)?;
        if !meta.is_file() {
            return Ok(None);
        }
        let mut head = [0u8; pcap::FILE_HEADER_LEN];
        if read_full_at(&file, &mut head, 0).map_err(io_error)? < head.len() {
            return Ok(None);
        }
        let layout = if head.first_chunk::<4>() == Some(&pcapng::MAGIC) {
            match first_section(&file, meta.len()).map_err(io_error)? {
                Some(section) => Layout::Pcapng(Mutex::new(section)),
                None => return Ok(None),
            }
        } else {
            match pcap::parse_file_header(&head) {
                Some(header) => Layout::Pcap(header),
                None => return Ok(None),
            }
        };
        Ok(Some(BlockReader {
            file,
            name: path.to_string(),
            layout,
            len: meta.len(),
            block_len: block_len.clamp(1, MAX_BLOCK_LEN),
        }))
    }

    /// File offset of the first record (pcap) or block (pcapng).
    fn body_start(&self) -> u64 {
        match self.layout {
            Layout::Pcap(_) => pcap::FILE_HEADER_LEN as u64,
            Layout::Pcapng(_) => 0,
        }
    }

    /// Number of blocks the records are cut into.
    pub fn block_count(&self) -> u64 {
        let body = self.len.saturating_sub(self.body_start());
        body.div_ceil(self.block_len as u64)
    }

    /// The cursor of block 0.
    pub fn first_cursor(&self) -> Cursor {
        Cursor {
            offset: self.body_start(),
            records: 0,
            prev_ts: None,
            last_ts: Timestamp::default(),
        }
    }

    /// The timestamp of the first record (for `frame.time_relative`), if it has a complete
    /// header.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn first_timestamp(&self) -> Result<Option<Timestamp>, CaptureError> {
        let header = match &self.layout {
            Layout::Pcap(header) => header,
            Layout::Pcapng(_) => return self.first_pcapng_timestamp(),
        };
        let mut head = [0u8; pcap::RECORD_HEADER_LEN];
        let got = read_full_at(&self.file, &mut head, pcap::FILE_HEADER_LEN as u64)
            .map_err(|e| self.io_error(e))?;
        Ok((got == head.len()).then(|| {
            let record = header.parse_record_header(&head);
            header.timestamp(&record)
        }))
    }

    /// The first frame's timestamp in a pcapng file: its blocks are walked from the start
    /// (a section and interface headers come first) until one holds a frame; `None` when
    /// the file is damaged before that (the hop reports the damage).
    fn first_pcapng_timestamp(&self) -> Result<Option<Timestamp>, CaptureError> {
        let mut section = Section::new(ByteOrder::Little);
        let mut offset = 0;
        let mut bytes = Vec::new();
        loop {
            match read_pcapng_block(&self.file, offset, self.len, section.order, &mut bytes) {
                Ok(Ok((total, order))) => {
                    // Custom Blocks take the previous frame's time: none before the first.
                    let found = interpret_block(&bytes, order, &mut section, Timestamp::default());
                    match found {
                        Ok(Some(meta)) if !meta.ts.is_none() => return Ok(Some(meta.ts)),
                        Ok(Some(_)) => offset += total as u64,
                        Ok(None) => offset += total as u64,
                        Err(_) => return Ok(None),
                    }
                }
                Ok(Err(_)) => return Ok(None),
                Err(e) => return Err(self.io_error(e)),
            }
        }
    }

    /// Reads block `index` (and its overlap) into `block`, reusing its buffer.
    ///
    /// # Errors
    /// The read fails.
    pub fn read_block(&self, index: u64, block: &mut Block) -> Result<(), CaptureError> {
        let start = self.block_start(index);
        let end = start
            .saturating_add((self.block_len + OVERLAP) as u64)
            .min(self.len);
        let want = usize::try_from(end.saturating_sub(start)).unwrap_or(0);
        block.index = index;
        block.start = start;
        block.data.resize(want, 0);
        let got = read_full_at(&self.file, &mut block.data, start).map_err(|e| self.io_error(e))?;
        block.data.truncate(got);
        // The overlap is read twice; only the block's own bytes count as progress.
        super::count_file_bytes(got.min(self.block_len));
        Ok(())
    }

    /// File offset where block `index` starts.
    fn block_start(&self, index: u64) -> u64 {
        self.body_start()
            .saturating_add(index.saturating_mul(self.block_len as u64))
    }

    /// Walks the records that start in `block` from `cursor`, appending them to `records`
    /// (and the names of their interfaces to `names`, which [`BlockReader::frame_of`] reads
    /// back), and stops early once `limit` records have been read in all. Returns where the
    /// next block starts, or how the file ends.
    pub fn hop(
        &self,
        block: &Block,
        cursor: Cursor,
        limit: Option<u64>,
        records: &mut Vec<Record>,
        names: &mut Vec<Box<str>>,
    ) -> HopEnd {
        names.clear();
        match &self.layout {
            Layout::Pcap(header) => self.hop_pcap(header, block, cursor, limit, records),
            Layout::Pcapng(section) => {
                let mut section = section.lock().unwrap_or_else(|e| e.into_inner());
                let walk = PcapngWalk {
                    section: &mut section,
                    records,
                    names,
                };
                self.hop_pcapng(walk, block, cursor, limit)
            }
        }
    }

    fn hop_pcap(
        &self,
        header: &FileHeader,
        block: &Block,
        cursor: Cursor,
        limit: Option<u64>,
        records: &mut Vec<Record>,
    ) -> HopEnd {
        let block_end = self.block_start(block.index + 1).min(self.len);
        let mut offset = cursor.offset;
        let mut count = cursor.records;
        let (mut prev_ts, mut last_ts) = (cursor.prev_ts, cursor.last_ts);
        while offset < block_end {
            if limit.is_some_and(|l| count >= l) {
                return HopEnd::End;
            }
            let remaining = self.len - offset;
            let at = usize::try_from(offset - block.start).unwrap_or(usize::MAX);
            // The overlap holds every complete header, so a header cut short here is the
            // end of the file (or of a file that shrank while it was read).
            let head = block.data.get(at..).unwrap_or_default();
            let at = RecordAt {
                name: &self.name,
                offset,
            };
            let span = match header
                .read_record(at, head, remaining)
                .and_then(|span| span.check_whole(at, remaining).map(|()| span))
            {
                Ok(span) => span,
                Err(damage) => return HopEnd::Damage(damage),
            };
            let ts = header.timestamp(&span.header);
            records.push(Record {
                data_offset: offset + span.header_len as u64,
                caplen: span.header.caplen,
                orig_len: span.header.orig_len,
                ts,
                link_type: header.link_type,
                precision: header.magic.precision,
                interface_id: None,
                name: None,
            });
            count += 1;
            (prev_ts, last_ts) = (Some(ts), ts);
            offset += span.total() as u64;
        }
        self.hop_end(Cursor {
            offset,
            records: count,
            prev_ts,
            last_ts,
        })
    }

    /// How a hop that walked up to `next` ends: the file's end, or the next block's cursor.
    fn hop_end(&self, next: Cursor) -> HopEnd {
        if next.offset >= self.len {
            HopEnd::End
        } else {
            HopEnd::Next(next)
        }
    }

    /// [`BlockReader::hop`] over pcapng blocks: each is checked and interpreted exactly as
    /// the sequential reader's `pcapng_step` does, with the same errors.
    fn hop_pcapng(
        &self,
        walk: PcapngWalk<'_>,
        block: &Block,
        cursor: Cursor,
        limit: Option<u64>,
    ) -> HopEnd {
        let PcapngWalk {
            section,
            records,
            names,
        } = walk;
        let block_end = self.block_start(block.index + 1).min(self.len);
        let mut offset = cursor.offset;
        let mut count = cursor.records;
        let (mut prev_ts, mut last_ts) = (cursor.prev_ts, cursor.last_ts);
        // A block that reaches past this one's buffer is read into here (one per block).
        let mut spill = Vec::new();
        while offset < block_end {
            if limit.is_some_and(|l| count >= l) {
                return HopEnd::End;
            }
            let at = usize::try_from(offset - block.start).unwrap_or(usize::MAX);
            let buffered = block.data.get(at..).unwrap_or_default();
            let framed = match pcapng_block_in(buffered, offset, self.len, section.order) {
                Ok(Some((total, order))) => buffered.get(..total).map(|bytes| (bytes, order)),
                Ok(None) => None,
                Err(e) => return HopEnd::Damage(self.block_error(e)),
            };
            let (bytes, order) = match framed {
                Some(framed) => framed,
                None => {
                    let read =
                        read_pcapng_block(&self.file, offset, self.len, section.order, &mut spill);
                    match read {
                        Ok(Ok((_, order))) => (spill.as_slice(), order),
                        Ok(Err(e)) => return HopEnd::Damage(self.block_error(e)),
                        Err(e) => return HopEnd::Damage(self.io_error(e)),
                    }
                }
            };
            let meta = match interpret_block(bytes, order, section, last_ts) {
                Ok(meta) => meta,
                Err(what) => return HopEnd::Damage(self.corrupt(offset, what)),
            };
            if let Some(meta) = meta {
                let name = meta
                    .interface_id
                    .and_then(|id| section.interfaces().get(id as usize))
                    .and_then(|i| i.name.as_deref());
                records.push(Record {
                    data_offset: offset + meta.data.start as u64,
                    caplen: meta.data.len() as u32,
                    orig_len: meta.orig_len,
                    ts: meta.ts,
                    link_type: meta.link_type,
                    precision: meta.precision,
                    interface_id: meta.interface_id,
                    name: name.map(|n| name_index(names, n)),
                });
                count += 1;
                last_ts = meta.ts;
                if !meta.ts.is_none() {
                    prev_ts = Some(meta.ts);
                }
            }
            offset += bytes.len() as u64;
        }
        self.hop_end(Cursor {
            offset,
            records: count,
            prev_ts,
            last_ts,
        })
    }

    /// A pcapng framing error at a block, as the sequential reader reports it.
    fn block_error(&self, e: BlockError) -> CaptureError {
        match e {
            BlockError::Truncated {
                offset,
                wanted,
                got,
            } => self.truncated(offset, wanted, got),
            BlockError::Corrupt { offset, what } => self.corrupt(offset, what),
        }
    }

    fn corrupt(&self, offset: u64, what: String) -> CaptureError {
        CaptureError::Corrupt {
            name: self.name.clone(),
            offset,
            what,
        }
    }

    /// The frame for `record`, borrowed from `block` when it holds the whole record, else
    /// read into `spill` (a record longer than what is left of the block).
    ///
    /// # Errors
    /// The spill read fails or comes back short (the file shrank).
    pub fn frame<'a>(
        &self,
        record: &Record,
        block: &'a Block,
        names: &'a [Box<str>],
        spill: &'a mut Vec<u8>,
    ) -> Result<Frame<'a>, CaptureError> {
        let data = match block_data(record, block) {
            Some(data) => data,
            None => {
                spill.resize(record.caplen as usize, 0);
                self.read_record(record, spill)?;
                spill.as_slice()
            }
        };
        Ok(self.frame_of(record, data, names))
    }

    /// Reads `record`'s bytes into `buf` (exactly its captured length).
    ///
    /// # Errors
    /// The read fails or comes back short (the file shrank).
    pub fn read_record(&self, record: &Record, buf: &mut [u8]) -> Result<(), CaptureError> {
        let got =
            read_full_at(&self.file, buf, record.data_offset).map_err(|e| self.io_error(e))?;
        if got < buf.len() {
            // The file shrank after the hop measured the record.
            let header_len = match &self.layout {
                Layout::Pcap(header) => header.record_header_len() as u64,
                Layout::Pcapng(_) => 0,
            };
            return Err(self.truncated(
                record.data_offset - header_len,
                header_len + buf.len() as u64,
                header_len + got as u64,
            ));
        }
        Ok(())
    }

    /// The frame for `record` when `block` holds all of it (the common case), else `None`
    /// (see [`BlockReader::frame`]).
    pub fn frame_in<'a>(
        &self,
        record: &Record,
        block: &'a Block,
        names: &'a [Box<str>],
    ) -> Option<Frame<'a>> {
        block_data(record, block).map(|data| self.frame_of(record, data, names))
    }

    /// The frame of `record` over its bytes `data`; `names` are those the hop of its block
    /// collected.
    pub fn frame_of<'a>(
        &self,
        record: &Record,
        data: &'a [u8],
        names: &'a [Box<str>],
    ) -> Frame<'a> {
        Frame {
            ts: record.ts,
            orig_len: record.orig_len,
            link_type: record.link_type,
            interface_id: record.interface_id,
            interface_name: record
                .name
                .and_then(|i| names.get(i as usize))
                .map(|n| &**n),
            precision: record.precision,
            data,
        }
    }

    fn truncated(&self, offset: u64, wanted: u64, got: u64) -> CaptureError {
        CaptureError::truncated(&self.name, offset, wanted, got)
    }

    fn io_error(&self, source: std::io::Error) -> CaptureError {
        CaptureError::Io {
            name: self.name.clone(),
            source,
        }
    }
}

/// What the pcapng hop works on: the section it carries on, and where it puts records and
/// interface names.
struct PcapngWalk<'w> {
    section: &'w mut Section,
    records: &'w mut Vec<Record>,
    names: &'w mut Vec<Box<str>>,
}

/// The index of interface name `name` in `names`, added when it is not the last one there
/// (a block's records nearly always come from one or two interfaces).
fn name_index(names: &mut Vec<Box<str>>, name: &str) -> u32 {
    match names.iter().rposition(|n| **n == *name) {
        Some(i) => i as u32,
        None => {
            names.push(name.into());
            (names.len() - 1) as u32
        }
    }
}

/// A pcapng block that cannot be framed, in the sequential reader's terms.
#[derive(Debug)]
enum BlockError {
    Truncated { offset: u64, wanted: u64, got: u64 },
    Corrupt { offset: u64, what: String },
}

/// Frames the pcapng block at file offset `offset` from `head` (the bytes from there on
/// that are at hand): its total length once validated and its byte order, `None` when
/// `head` is too short to tell, or the error the sequential reader's `pcapng_step` gives
/// (`len` is the file's).
fn pcapng_block_in(
    head: &[u8],
    offset: u64,
    len: u64,
    current: ByteOrder,
) -> Result<Option<(usize, ByteOrder)>, BlockError> {
    let remaining = len.saturating_sub(offset);
    if remaining < pcapng::MIN_BLOCK_LEN as u64 {
        // The file ends inside the block header: the wanted length is the declared one
        // when it can be read and is plausible (not for a section header, whose byte order
        // is not known yet).
        let is_section = head.first_chunk::<4>() == Some(&pcapng::MAGIC);
        let declared = current.u32_at(head, 4).filter(|_| !is_section);
        let wanted = declared
            .and_then(|d| pcapng::check_block_len(d).ok())
            .unwrap_or(pcapng::MIN_BLOCK_LEN);
        return Err(BlockError::Truncated {
            offset,
            wanted: wanted as u64,
            got: remaining,
        });
    }
    let Some(head) = head.get(..pcapng::MIN_BLOCK_LEN) else {
        return Ok(None);
    };
    let corrupt = |what| BlockError::Corrupt { offset, what };
    let order = pcapng::block_byte_order(head, current).map_err(corrupt)?;
    let declared = order.u32_at(head, 4).unwrap_or_default();
    let total = pcapng::check_block_len(declared).map_err(corrupt)?;
    if remaining < total as u64 {
        return Err(BlockError::Truncated {
            offset,
            wanted: total as u64,
            got: remaining,
        });
    }
    Ok(Some((total, order)))
}

/// Reads the whole pcapng block at `offset` into `bytes` (framed as by [`pcapng_block_in`]);
/// returns its length and byte order.
fn read_pcapng_block(
    file: &File,
    offset: u64,
    len: u64,
    current: ByteOrder,
    bytes: &mut Vec<u8>,
) -> std::io::Result<Result<(usize, ByteOrder), BlockError>> {
    let mut head = [0u8; pcapng::MIN_BLOCK_LEN];
    let got = read_full_at(file, &mut head, offset)?;
    let (total, order) = match pcapng_block_in(&head[..got], offset, len, current) {
        Ok(Some(framed)) => framed,
        // The file shrank since it was opened.
        Ok(None) => {
            return Ok(Err(BlockError::Truncated {
                offset,
                wanted: pcapng::MIN_BLOCK_LEN as u64,
                got: got as u64,
            }));
        }
        Err(e) => return Ok(Err(e)),
    };
    bytes.resize(total, 0);
    let got = read_full_at(file, bytes, offset)?;
    if got < total {
        return Ok(Err(BlockError::Truncated {
            offset,
            wanted: total as u64,
            got: got as u64,
        }));
    }
    Ok(Ok((total, order)))
}

/// Checks a framed pcapng block's trailer and interprets it, as the sequential reader does.
fn interpret_block(
    bytes: &[u8],
    order: ByteOrder,
    section: &mut Section,
    last_ts: Timestamp,
) -> Result<Option<pcapng::PacketMeta>, String> {
    pcapng::check_trailer(bytes, order).and_then(|()| pcapng::interpret(bytes, section, last_ts))
}

/// The section a pcapng file starts with, when its first block is a valid section header
/// (else the sequential reader reports what is wrong).
fn first_section(file: &File, len: u64) -> std::io::Result<Option<Section>> {
    let mut bytes = Vec::new();
    let mut section = Section::new(ByteOrder::Little);
    let Ok((_, order)) = read_pcapng_block(file, 0, len, section.order, &mut bytes)? else {
        return Ok(None);
    };
    let valid = interpret_block(&bytes, order, &mut section, Timestamp::default());
    Ok(valid.is_ok().then_some(section))
}

/// The record's bytes when `block` holds all of them.
fn block_data<'a>(record: &Record, block: &'a Block) -> Option<&'a [u8]> {
    let at = usize::try_from(record.data_offset.checked_sub(block.start)?).ok()?;
    block.data.get(at..at.checked_add(record.caplen as usize)?)
}

/// Reads from `offset` until `buf` is full or the file ends; returns the bytes read.
fn read_full_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        let at = offset.saturating_add(filled as u64);
        match file.read_at(&mut buf[filled..], at) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
