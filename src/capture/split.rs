//! A classic pcap file cut into blocks at record boundaries, so that several threads read
//! and decode one file at once (see `cli::parallel`).
//!
//! Contract:
//! - A worker reads a whole block (plus [`OVERLAP`] bytes, so the header of any record that
//!   starts in the block is in its buffer) with one positioned read into its own reused
//!   buffer: every core copies from the page cache at once, and each block is decoded while
//!   it is still in that core's cache. Nothing is allocated per block or per record once
//!   the buffers have grown.
//! - Record boundaries are found by [`PcapSplit::hop`], a walk along the record headers of
//!   one block (a few nanoseconds per record). It is the only step that must run block after
//!   block in file order: the hop of block `k` gives block `k + 1` its [`Cursor`] (offset of
//!   its first record, frame number, previous timestamp).
//! - Records, lengths and errors are exactly the sequential [`super::FileReader`]'s: a file
//!   that ends inside a record header or record is [`CaptureError::Truncated`] at the same
//!   offset with the same numbers, an impossible captured length is
//!   [`CaptureError::Corrupt`], and every complete record before the damage is delivered.
//! - The file's length is taken when it is opened; bytes appended later are not read.

use std::fs::File;
use std::os::unix::fs::FileExt;

use super::pcap::{self, FileHeader};
use super::{CaptureError, Frame, LinkType, Timestamp};

/// Bytes read past a block's end: the longest record header, so a record that starts in the
/// block can be measured without a second read.
pub const OVERLAP: usize = pcap::MAX_RECORD_HEADER_LEN;
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
    /// Timestamp of the record before it (for `frame.time_delta`).
    pub prev_ts: Option<Timestamp>,
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

/// A classic pcap file opened for block-parallel reading.
#[derive(Debug)]
pub struct PcapSplit {
    file: File,
    name: String,
    header: FileHeader,
    len: u64,
    block_len: usize,
}

impl PcapSplit {
    /// Opens `path` for block reading when it is a regular file in classic pcap format;
    /// `Ok(None)` for anything else (pcapng, stdin, a pipe, a file too short to hold a
    /// header), which the sequential reader handles. `block_len` is clamped to
    /// 1..=[`MAX_BLOCK_LEN`].
    ///
    /// # Errors
    /// The file cannot be opened or read.
    pub fn open(path: &str, block_len: usize) -> Result<Option<PcapSplit>, CaptureError> {
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
        let Some(header) = pcap::parse_file_header(&head) else {
            return Ok(None);
        };
        Ok(Some(PcapSplit {
            file,
            name: path.to_string(),
            header,
            len: meta.len(),
            block_len: block_len.clamp(1, MAX_BLOCK_LEN),
        }))
    }

    /// Number of blocks the records are cut into.
    pub fn block_count(&self) -> u64 {
        let body = self.len.saturating_sub(pcap::FILE_HEADER_LEN as u64);
        body.div_ceil(self.block_len as u64)
    }

    /// The link type of every record.
    pub fn link_type(&self) -> LinkType {
        self.header.link_type
    }

    /// The cursor of block 0.
    pub fn first_cursor(&self) -> Cursor {
        Cursor {
            offset: pcap::FILE_HEADER_LEN as u64,
            records: 0,
            prev_ts: None,
        }
    }

    /// The timestamp of the first record (for `frame.time_relative`), if it has a complete
    /// header.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn first_timestamp(&self) -> Result<Option<Timestamp>, CaptureError> {
        let mut head = [0u8; pcap::RECORD_HEADER_LEN];
        let got = read_full_at(&self.file, &mut head, pcap::FILE_HEADER_LEN as u64)
            .map_err(|e| self.io_error(e))?;
        Ok((got == head.len()).then(|| {
            let record = self.header.parse_record_header(&head);
            self.header.timestamp(&record)
        }))
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
        Ok(())
    }

    /// File offset where block `index` starts.
    fn block_start(&self, index: u64) -> u64 {
        (pcap::FILE_HEADER_LEN as u64).saturating_add(index.saturating_mul(self.block_len as u64))
    }

    /// Walks the records that start in `block` from `cursor`, appending them to `records`,
    /// and stops early once `limit` records have been read in all. Returns where the next
    /// block starts, or how the file ends.
    pub fn hop(
        &self,
        block: &Block,
        cursor: Cursor,
        limit: Option<u64>,
        records: &mut Vec<Record>,
    ) -> HopEnd {
        let block_end = self.block_start(block.index + 1).min(self.len);
        let header_len = self.header.record_header_len();
        let mut offset = cursor.offset;
        let mut count = cursor.records;
        let mut prev_ts = cursor.prev_ts;
        while offset < block_end {
            if limit.is_some_and(|l| count >= l) {
                return HopEnd::End;
            }
            let remaining = self.len - offset;
            let at = usize::try_from(offset - block.start).unwrap_or(usize::MAX);
            let head = block
                .data
                .get(at..)
                .and_then(|rest| rest.first_chunk::<{ pcap::RECORD_HEADER_LEN }>());
            let head = match head {
                Some(head) if remaining >= header_len as u64 => head,
                // The overlap holds every complete header, so only the end of the file (or a
                // file that shrank while it was read) gets here.
                _ => return HopEnd::Damage(self.truncated(offset, header_len as u64, remaining)),
            };
            let record = self.header.parse_record_header(head);
            let caplen = match pcap::check_caplen(record.caplen) {
                Ok(len) => len,
                Err(what) => {
                    return HopEnd::Damage(CaptureError::Corrupt {
                        name: self.name.clone(),
                        offset,
                        what,
                    });
                }
            };
            let total = (header_len + caplen) as u64;
            if remaining < total {
                return HopEnd::Damage(self.truncated(offset, total, remaining));
            }
            let ts = self.header.timestamp(&record);
            records.push(Record {
                data_offset: offset + header_len as u64,
                caplen: record.caplen,
                orig_len: record.orig_len,
                ts,
            });
            count += 1;
            prev_ts = Some(ts);
            offset += total;
        }
        if offset >= self.len {
            return HopEnd::End;
        }
        HopEnd::Next(Cursor {
            offset,
            records: count,
            prev_ts,
        })
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
        Ok(self.frame_of(record, data))
    }

    /// Reads `record`'s bytes into `buf` (exactly its captured length).
    ///
    /// # Errors
    /// The read fails or comes back short (the file shrank).
    pub fn read_record(&self, record: &Record, buf: &mut [u8]) -> Result<(), CaptureError> {
        let got =
            read_full_at(&self.file, buf, record.data_offset).map_err(|e| self.io_error(e))?;
        if got < buf.len() {
            let header_len = self.header.record_header_len() as u64;
            return Err(self.truncated(
                record.data_offset - header_len,
                header_len + buf.len() as u64,
                header_len + got as u64,
            ));
        }
        Ok(())
    }

    /// The frame for `record` when `block` holds all of it (the common case), else `None`
    /// (see [`PcapSplit::frame`]).
    pub fn frame_in<'a>(&self, record: &Record, block: &'a Block) -> Option<Frame<'a>> {
        block_data(record, block).map(|data| self.frame_of(record, data))
    }

    /// The frame of `record` over its bytes `data`.
    pub fn frame_of<'a>(&self, record: &Record, data: &'a [u8]) -> Frame<'a> {
        Frame {
            ts: record.ts,
            orig_len: record.orig_len,
            link_type: self.header.link_type,
            interface_id: None,
            interface_name: None,
            precision: self.header.magic.precision,
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
