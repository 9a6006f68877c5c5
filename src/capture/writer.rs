//! Writing frames to a capture file: classic pcap or pcapng, in pure Rust (no libpcap).
//!
//! Contract:
//! - Every frame keeps its captured bytes, its original length, its link type and its exact
//!   timestamp: reading the written file back gives the same frames.
//! - Classic pcap holds one link type and one timestamp precision, fixed by the first frame
//!   written (nanosecond magic `a1b23c4d` when that frame is nanosecond, or has a timestamp
//!   that is not a whole microsecond). A later frame of another link type, or one whose
//!   timestamp a microsecond file cannot hold exactly, is refused with
//!   [`WriteError::MixedLinkTypes`] / [`WriteError::FinerPrecision`]: nothing is ever silently
//!   rounded. A microsecond frame in a nanosecond file is exact and accepted (it reads back
//!   with nanosecond precision).
//! - pcapng gets one Section Header Block, then an Interface Description Block for each
//!   distinct (input interface, link type, precision) the first time one of its frames is
//!   written; packets become Enhanced Packet Blocks. Nanosecond interfaces carry
//!   `if_tsresol` = 9, microsecond ones the default (10^-6).
//! - pcapng Custom Block pseudo-frames ([`LinkType::PCAPNG_CUSTOM`]) are skipped in classic
//!   pcap and written back as (copyable) Custom Blocks in pcapng, body unchanged.
//! - Output goes through a large buffer; [`CaptureWriter::finish`] writes the file header if
//!   no frame was written (an empty capture is still a valid file) and flushes. After
//!   `finish`, or after any flush, the bytes on disk form a complete capture file, because
//!   whole records are the only unit ever written.
//! - Integers are written little-endian, as most writers on common hardware do.

use std::io::{self, BufWriter, Write};

use super::pcapng::{
    CUSTOM_BLOCK_COPY, ENHANCED_PACKET_BLOCK, INTERFACE_DESCRIPTION_BLOCK, SECTION_HEADER_BLOCK,
};
use super::{CaptureFormat, Frame, LinkType, Timestamp, TsPrecision};

/// Size of the output buffer: few system calls, and small next to what it holds.
pub const WRITE_BUFFER: usize = 256 * 1024;
/// Snapshot length written in a classic pcap header when the source gives none (libpcap's
/// `MAXIMUM_SNAPLEN`).
pub const DEFAULT_SNAPLEN: u32 = 262_144;

const PCAP_MAGIC_MICRO: u32 = 0xa1b2_c3d4;
const PCAP_MAGIC_NANO: u32 = 0xa1b2_3c4d;
const PCAP_VERSION: (u16, u16) = (2, 4);
const PCAPNG_BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const PCAPNG_VERSION: (u16, u16) = (1, 0);
const OPT_END_OF_OPT: u16 = 0;
const OPT_SHB_USERAPPL: u16 = 4;
const OPT_IF_TSRESOL: u16 = 9;
const TSRESOL_NANO: u8 = 9;
const NANOS_PER_MICRO: u32 = 1_000;
const MICROS_PER_SEC: u64 = 1_000_000;
const NANOS_PER_SEC: u64 = 1_000_000_000;

/// What the writer is told about the source before the first frame: used for the file
/// header when no frame is written at all, and for the snapshot length of every header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteHint {
    /// Link type for the header of an empty classic pcap file (Ethernet when `None`).
    pub link_type: Option<LinkType>,
    /// Snapshot length to record (0 = unknown: [`DEFAULT_SNAPLEN`] in pcap, 0 in pcapng).
    pub snaplen: u32,
}

/// Why a frame could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The output failed (disk full, closed pipe).
    #[error("{0}")]
    Io(#[from] io::Error),
    /// Classic pcap holds one link type.
    #[error(
        "link type {this} differs from {first} of the frames before it, and a pcap file holds \
         one link type: write pcapng instead (-F pcapng)"
    )]
    MixedLinkTypes {
        /// Link type of the file.
        first: LinkType,
        /// Link type of the refused frame.
        this: LinkType,
    },
    /// A nanosecond timestamp after the file was started with microsecond precision.
    #[error(
        "its timestamp has nanosecond precision, but the pcap file was started with \
         microsecond precision by the frames before it: write pcapng instead (-F pcapng)"
    )]
    FinerPrecision,
    /// A link type the format cannot record.
    #[error("link type {0} cannot be written to a capture file")]
    UnwritableLinkType(LinkType),
    /// A timestamp before 1970 or too far in the future for the format.
    #[error("timestamp {}.{:09} cannot be stored in a {} file", .ts.secs, .ts.nanos, .format)]
    TimestampOutOfRange {
        /// The timestamp.
        ts: Timestamp,
        /// "pcap" or "pcapng".
        format: &'static str,
    },
    /// A frame larger than a record can describe.
    #[error("a frame of {0} bytes is too large to write")]
    TooLarge(usize),
}

/// What [`CaptureWriter::write`] did with a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The frame is in the file.
    Frame,
    /// The format has no place for it (a pcapng Custom Block in classic pcap).
    Skipped,
}

/// An interface written to a pcapng file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InterfaceKey {
    input_id: Option<u32>,
    link_type: LinkType,
    precision: TsPrecision,
}

#[derive(Debug)]
enum State {
    /// Classic pcap; the header's link type and precision once written.
    Pcap(Option<(LinkType, TsPrecision)>),
    /// pcapng; whether the section header is out, and the interfaces written, in id order.
    Pcapng {
        started: bool,
        interfaces: Vec<InterfaceKey>,
        last: usize,
    },
}

/// Writes frames as a classic pcap or pcapng file. See the module docs for the contract.
pub struct CaptureWriter<W: Write> {
    out: BufWriter<W>,
    hint: WriteHint,
    state: State,
    written: u64,
    /// Scratch space for one record, reused.
    record: Vec<u8>,
    /// Bytes at the start of `record` that are headers the state already counts as written.
    committed: usize,
}

impl<W: Write> CaptureWriter<W> {
    /// A writer of `format` into `out` (buffered here; give it the raw file or stdout).
    pub fn new(out: W, format: CaptureFormat, hint: WriteHint) -> CaptureWriter<W> {
        let state = match format {
            CaptureFormat::Pcap => State::Pcap(None),
            CaptureFormat::Pcapng => State::Pcapng {
                started: false,
                interfaces: Vec::new(),
                last: 0,
            },
        };
        CaptureWriter {
            out: BufWriter::with_capacity(WRITE_BUFFER, out),
            hint,
            state,
            written: 0,
            record: Vec::with_capacity(2048),
            committed: 0,
        }
    }

    /// The format being written.
    pub fn format(&self) -> CaptureFormat {
        match self.state {
            State::Pcap(_) => CaptureFormat::Pcap,
            State::Pcapng { .. } => CaptureFormat::Pcapng,
        }
    }

    /// Frames written so far (skipped ones not counted).
    pub fn frames_written(&self) -> u64 {
        self.written
    }

    /// Appends one frame. A refused frame leaves the file as it was.
    pub fn write(&mut self, frame: &Frame<'_>) -> Result<Written, WriteError> {
        self.record.clear();
        self.committed = 0;
        let result = match self.state {
            State::Pcap(_) => self.pcap_frame(frame),
            State::Pcapng { .. } => self.pcapng_frame(frame),
        };
        if result.is_err() {
            // Headers the state already counts as written go out; the frame does not.
            self.record.truncate(self.committed);
        }
        self.out.write_all(&self.record)?;
        if let Ok(Written::Frame) = result {
            self.written += 1;
        }
        result
    }

    /// Pushes buffered records to the output (whole records only, so the file is complete).
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Writes the file header if nothing was written yet, flushes, and returns the output.
    pub fn finish(mut self) -> Result<W, WriteError> {
        self.record.clear();
        match self.state {
            State::Pcap(None) => {
                let link_type = self.hint.link_type.unwrap_or(LinkType::ETHERNET);
                self.pcap_header(link_type, TsPrecision::Micro)?;
            }
            State::Pcapng { started: false, .. } => self.pcapng_section_header(),
            _ => {}
        }
        self.out.write_all(&self.record)?;
        self.out.flush()?;
        self.out
            .into_inner()
            .map_err(|e| WriteError::Io(e.into_error()))
    }

    fn pcap_frame(&mut self, frame: &Frame<'_>) -> Result<Written, WriteError> {
        if frame.link_type.is_custom_block() {
            return Ok(Written::Skipped);
        }
        let needs = needed_precision(frame);
        let (link_type, precision) = match self.state {
            State::Pcap(Some(header)) => header,
            _ => {
                self.pcap_header(frame.link_type, needs)?;
                (frame.link_type, needs)
            }
        };
        if frame.link_type != link_type {
            return Err(WriteError::MixedLinkTypes {
                first: link_type,
                this: frame.link_type,
            });
        }
        if precision < needs {
            return Err(WriteError::FinerPrecision);
        }
        let ts = stored(frame.ts);
        let secs = u32::try_from(ts.secs)
            .map_err(|_| WriteError::TimestampOutOfRange { ts, format: "pcap" })?;
        let frac = match precision {
            TsPrecision::Micro => ts.nanos / NANOS_PER_MICRO,
            TsPrecision::Nano => ts.nanos,
        };
        let caplen = caplen(frame)?;
        for word in [secs, frac, caplen, frame.orig_len] {
            self.record.extend_from_slice(&word.to_le_bytes());
        }
        self.record.extend_from_slice(frame.data);
        self.state = State::Pcap(Some((link_type, precision)));
        Ok(Written::Frame)
    }

    /// Puts the 24-byte file header in the record buffer.
    fn pcap_header(
        &mut self,
        link_type: LinkType,
        precision: TsPrecision,
    ) -> Result<(), WriteError> {
        if link_type.0 > u32::from(u16::MAX) {
            return Err(WriteError::UnwritableLinkType(link_type));
        }
        let magic = match precision {
            TsPrecision::Micro => PCAP_MAGIC_MICRO,
            TsPrecision::Nano => PCAP_MAGIC_NANO,
        };
        let snaplen = if self.hint.snaplen == 0 {
            DEFAULT_SNAPLEN
        } else {
            self.hint.snaplen
        };
        let r = &mut self.record;
        r.extend_from_slice(&magic.to_le_bytes());
        r.extend_from_slice(&PCAP_VERSION.0.to_le_bytes());
        r.extend_from_slice(&PCAP_VERSION.1.to_le_bytes());
        r.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        r.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        r.extend_from_slice(&snaplen.to_le_bytes());
        r.extend_from_slice(&link_type.0.to_le_bytes());
        self.committed = self.record.len();
        self.state = State::Pcap(Some((link_type, precision)));
        Ok(())
    }

    fn pcapng_frame(&mut self, frame: &Frame<'_>) -> Result<Written, WriteError> {
        if let State::Pcapng { started: false, .. } = self.state {
            self.pcapng_section_header();
        }
        if frame.link_type.is_custom_block() {
            // The written section is little-endian: the Private Enterprise Number of a block
            // from a big-endian section is turned around, the rest is copied as it is.
            let pen = frame.link_type.custom_block_pen(frame.data);
            block(
                &mut self.record,
                CUSTOM_BLOCK_COPY,
                frame.data.len(),
                |r| match pen {
                    Some(pen) => {
                        r.extend_from_slice(&pen.to_le_bytes());
                        r.extend_from_slice(frame.data.get(4..).unwrap_or_default());
                    }
                    None => r.extend_from_slice(frame.data),
                },
            );
            return Ok(Written::Frame);
        }
        self.enhanced_packet(frame)
    }

    fn enhanced_packet(&mut self, frame: &Frame<'_>) -> Result<Written, WriteError> {
        let key = InterfaceKey {
            input_id: frame.interface_id,
            link_type: frame.link_type,
            precision: needed_precision(frame),
        };
        let units = pcapng_units(frame.ts, key.precision)?;
        let caplen = caplen(frame)?;
        let id = self.interface_id(key)?;
        let data = frame.data;
        block(
            &mut self.record,
            ENHANCED_PACKET_BLOCK,
            20 + data.len(),
            |r| {
                r.extend_from_slice(&id.to_le_bytes());
                r.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
                r.extend_from_slice(&(units as u32).to_le_bytes());
                r.extend_from_slice(&caplen.to_le_bytes());
                r.extend_from_slice(&frame.orig_len.to_le_bytes());
                r.extend_from_slice(data);
            },
        );
        Ok(Written::Frame)
    }

    /// The output interface id for `key`, writing its Interface Description Block first
    /// when it is new.
    fn interface_id(&mut self, key: InterfaceKey) -> Result<u32, WriteError> {
        let State::Pcapng {
            interfaces, last, ..
        } = &mut self.state
        else {
            return Ok(0);
        };
        if interfaces.get(*last) == Some(&key) {
            return Ok(*last as u32);
        }
        if let Some(i) = interfaces.iter().position(|k| *k == key) {
            *last = i;
            return Ok(i as u32);
        }
        let link_type = u16::try_from(key.link_type.0)
            .map_err(|_| WriteError::UnwritableLinkType(key.link_type))?;
        let id = u32::try_from(interfaces.len())
            .map_err(|_| WriteError::UnwritableLinkType(key.link_type))?;
        interfaces.push(key);
        *last = interfaces.len() - 1;
        let snaplen = self.hint.snaplen;
        let nano = key.precision == TsPrecision::Nano;
        let options_len = if nano { 8 + 4 } else { 0 };
        block(
            &mut self.record,
            INTERFACE_DESCRIPTION_BLOCK,
            8 + options_len,
            |r| {
                r.extend_from_slice(&link_type.to_le_bytes());
                r.extend_from_slice(&0u16.to_le_bytes()); // reserved
                r.extend_from_slice(&snaplen.to_le_bytes());
                if nano {
                    option(r, OPT_IF_TSRESOL, &[TSRESOL_NANO]);
                    option(r, OPT_END_OF_OPT, &[]);
                }
            },
        );
        self.committed = self.record.len();
        Ok(id)
    }

    /// Puts the Section Header Block in the record buffer.
    fn pcapng_section_header(&mut self) {
        let app = userappl();
        let body_len = 16 + 4 + app.len().next_multiple_of(4) + 4;
        block(&mut self.record, SECTION_HEADER_BLOCK, body_len, |r| {
            r.extend_from_slice(&PCAPNG_BYTE_ORDER_MAGIC.to_le_bytes());
            r.extend_from_slice(&PCAPNG_VERSION.0.to_le_bytes());
            r.extend_from_slice(&PCAPNG_VERSION.1.to_le_bytes());
            r.extend_from_slice(&(-1i64).to_le_bytes()); // section length: not given
            option(r, OPT_SHB_USERAPPL, app.as_bytes());
            option(r, OPT_END_OF_OPT, &[]);
        });
        if let State::Pcapng { started, .. } = &mut self.state {
            *started = true;
        }
        self.committed = self.record.len();
    }
}

impl<W: Write> std::fmt::Debug for CaptureWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureWriter")
            .field("format", &self.format())
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

/// `shb_userappl`: who wrote the file.
fn userappl() -> String {
    format!("wiresift {}", env!("CARGO_PKG_VERSION"))
}

/// The precision a frame's timestamp needs to be stored exactly.
fn needed_precision(frame: &Frame<'_>) -> TsPrecision {
    if frame.precision == TsPrecision::Nano || !frame.ts.nanos.is_multiple_of(NANOS_PER_MICRO) {
        TsPrecision::Nano
    } else {
        TsPrecision::Micro
    }
}

fn caplen(frame: &Frame<'_>) -> Result<u32, WriteError> {
    u32::try_from(frame.data.len()).map_err(|_| WriteError::TooLarge(frame.data.len()))
}

/// The timestamp written for a frame: a frame without one (a pcapng Simple Packet Block) is
/// written at the epoch, as tshark writes it.
fn stored(ts: Timestamp) -> Timestamp {
    if ts.is_none() {
        Timestamp::default()
    } else {
        ts
    }
}

/// A timestamp in pcapng units of 10^-6 or 10^-9 s since the epoch.
fn pcapng_units(ts: Timestamp, precision: TsPrecision) -> Result<u64, WriteError> {
    let ts = stored(ts);
    let out_of_range = || WriteError::TimestampOutOfRange {
        ts,
        format: "pcapng",
    };
    let secs = u64::try_from(ts.secs).map_err(|_| out_of_range())?;
    let (per_sec, frac) = match precision {
        TsPrecision::Micro => (MICROS_PER_SEC, u64::from(ts.nanos / NANOS_PER_MICRO)),
        TsPrecision::Nano => (NANOS_PER_SEC, u64::from(ts.nanos)),
    };
    secs.checked_mul(per_sec)
        .and_then(|units| units.checked_add(frac))
        .ok_or_else(out_of_range)
}

/// Appends a pcapng block: type, total length, the body `fill` writes (`body_len` bytes,
/// padded here to 4), total length again.
fn block(out: &mut Vec<u8>, block_type: u32, body_len: usize, fill: impl FnOnce(&mut Vec<u8>)) {
    let padded = body_len.next_multiple_of(4);
    let total = (12 + padded) as u32;
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    let start = out.len();
    fill(out);
    debug_assert_eq!(out.len() - start, body_len, "block body length");
    out.resize(start + padded, 0);
    out.extend_from_slice(&total.to_le_bytes());
}

/// Appends one pcapng option, padded to 4 bytes.
fn option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len().next_multiple_of(4), 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{CaptureError, FileReader};
    use std::io::Cursor;

    type Summary = (Timestamp, TsPrecision, LinkType, u32, Vec<u8>);

    fn frame(link_type: LinkType, precision: TsPrecision, nanos: u32, data: &[u8]) -> Frame<'_> {
        Frame {
            ts: Timestamp {
                secs: 1_700_000_000,
                nanos,
            },
            orig_len: data.len() as u32 + 10,
            link_type,
            interface_id: None,
            interface_name: None,
            precision,
            data,
        }
    }

    fn write_all(format: CaptureFormat, frames: &[Frame<'_>]) -> Result<Vec<u8>, WriteError> {
        let hint = WriteHint {
            link_type: Some(LinkType::ETHERNET),
            snaplen: 0,
        };
        let mut w = CaptureWriter::new(Vec::new(), format, hint);
        for f in frames {
            w.write(f)?;
        }
        w.finish()
    }

    fn read_back(bytes: Vec<u8>) -> (CaptureFormat, Vec<Summary>) {
        let mut r = FileReader::from_reader("written", Box::new(Cursor::new(bytes))).unwrap();
        let mut out = Vec::new();
        while let Some(f) = r.next_frame().unwrap() {
            out.push((f.ts, f.precision, f.link_type, f.orig_len, f.data.to_vec()));
        }
        (r.format(), out)
    }

    fn summary(f: &Frame<'_>) -> Summary {
        (f.ts, f.precision, f.link_type, f.orig_len, f.data.to_vec())
    }

    #[test]
    fn pcap_micro_and_nano_round_trip() {
        for precision in [TsPrecision::Micro, TsPrecision::Nano] {
            let nanos = if precision == TsPrecision::Micro {
                123_456_000
            } else {
                123_456_789
            };
            let frames = [
                frame(LinkType::ETHERNET, precision, nanos, b"first"),
                frame(LinkType::ETHERNET, precision, 0, b"second frame"),
            ];
            let bytes = write_all(CaptureFormat::Pcap, &frames).unwrap();
            let magic = if precision == TsPrecision::Micro {
                PCAP_MAGIC_MICRO
            } else {
                PCAP_MAGIC_NANO
            };
            assert_eq!(bytes[..4], magic.to_le_bytes());
            let (format, back) = read_back(bytes);
            assert_eq!(format, CaptureFormat::Pcap);
            assert_eq!(back, frames.iter().map(summary).collect::<Vec<_>>());
        }
    }

    #[test]
    fn pcapng_round_trip_with_two_interfaces() {
        let frames = [
            frame(LinkType::ETHERNET, TsPrecision::Nano, 1, b"eth nano"),
            frame(LinkType::LINUX_SLL, TsPrecision::Micro, 5_000, b"sll micro"),
            frame(LinkType::ETHERNET, TsPrecision::Nano, 2, b"eth again"),
        ];
        let bytes = write_all(CaptureFormat::Pcapng, &frames).unwrap();
        let mut r = FileReader::from_reader("w", Box::new(Cursor::new(bytes.clone()))).unwrap();
        while r.next_frame().unwrap().is_some() {}
        assert_eq!(r.interfaces().len(), 2, "one IDB per interface");
        let (format, back) = read_back(bytes);
        assert_eq!(format, CaptureFormat::Pcapng);
        assert_eq!(back, frames.iter().map(summary).collect::<Vec<_>>());
    }

    #[test]
    fn pcap_refuses_a_second_link_type_and_keeps_the_file_complete() {
        let hint = WriteHint {
            link_type: None,
            snaplen: 65535,
        };
        let mut w = CaptureWriter::new(Vec::new(), CaptureFormat::Pcap, hint);
        let eth = frame(LinkType::ETHERNET, TsPrecision::Micro, 0, b"eth");
        let sll = frame(LinkType::LINUX_SLL, TsPrecision::Micro, 0, b"sll");
        assert_eq!(w.write(&eth).unwrap(), Written::Frame);
        let err = w.write(&sll).unwrap_err();
        assert!(matches!(err, WriteError::MixedLinkTypes { .. }));
        assert!(err.to_string().contains("-F pcapng"), "{err}");
        assert_eq!(w.frames_written(), 1);
        let (_, back) = read_back(w.finish().unwrap());
        assert_eq!(back, vec![summary(&eth)]);
    }

    #[test]
    fn pcap_never_rounds_a_timestamp() {
        let micro = frame(LinkType::ETHERNET, TsPrecision::Micro, 1_000, b"a");
        let nano = frame(LinkType::ETHERNET, TsPrecision::Nano, 7, b"b");
        // Nanosecond after microsecond: refused.
        let err = write_all(CaptureFormat::Pcap, &[micro, nano]).unwrap_err();
        assert!(matches!(err, WriteError::FinerPrecision), "{err}");
        // Microsecond after nanosecond: exact, accepted.
        let (_, back) = read_back(write_all(CaptureFormat::Pcap, &[nano, micro]).unwrap());
        assert_eq!(back[1].0, micro.ts);
        // A "microsecond" frame whose time is not a whole microsecond starts a nano file.
        let odd = frame(LinkType::ETHERNET, TsPrecision::Micro, 1_500, b"c");
        let bytes = write_all(CaptureFormat::Pcap, &[odd]).unwrap();
        assert_eq!(bytes[..4], PCAP_MAGIC_NANO.to_le_bytes());
        assert_eq!(read_back(bytes).1[0].0, odd.ts);
    }

    #[test]
    fn custom_blocks_skipped_in_pcap_kept_in_pcapng() {
        let body = b"\x00\x00\x7f\xfeCUSTOMDATA..";
        let eth = frame(LinkType::ETHERNET, TsPrecision::Micro, 0, b"eth");
        let mut custom = frame(LinkType::PCAPNG_CUSTOM, TsPrecision::Micro, 0, body);
        custom.orig_len = body.len() as u32;
        let (_, back) = read_back(write_all(CaptureFormat::Pcap, &[eth, custom]).unwrap());
        assert_eq!(back, vec![summary(&eth)]);
        let (_, back) = read_back(write_all(CaptureFormat::Pcapng, &[eth, custom]).unwrap());
        assert_eq!(back[0], summary(&eth));
        // From a big-endian section into the little-endian one written: the same PEN.
        let (ts, precision, link, len, data) = &back[1];
        assert_eq!(
            (*ts, *precision, *len),
            (custom.ts, custom.precision, custom.orig_len)
        );
        assert_eq!(*link, LinkType::PCAPNG_CUSTOM_LE);
        assert_eq!(link.custom_block_pen(data), Some(0x7ffe));
        assert_eq!(data[4..], body[4..]);
    }

    #[test]
    fn empty_outputs_are_valid_files() {
        for format in [CaptureFormat::Pcap, CaptureFormat::Pcapng] {
            let bytes = write_all(format, &[]).unwrap();
            let r = FileReader::from_reader("e", Box::new(Cursor::new(bytes))).unwrap();
            assert_eq!(r.format(), format);
        }
        let bytes = write_all(CaptureFormat::Pcap, &[]).unwrap();
        assert_eq!(bytes.len(), 24);
        assert_eq!(bytes[16..20], DEFAULT_SNAPLEN.to_le_bytes());
    }

    #[test]
    fn out_of_range_timestamps_are_errors() {
        let mut f = frame(LinkType::ETHERNET, TsPrecision::Micro, 0, b"x");
        f.ts.secs = -1;
        for format in [CaptureFormat::Pcap, CaptureFormat::Pcapng] {
            let err = write_all(format, &[f]).unwrap_err();
            assert!(
                matches!(err, WriteError::TimestampOutOfRange { .. }),
                "{err}"
            );
        }
        f.ts.secs = i64::from(u32::MAX) + 1;
        assert!(write_all(CaptureFormat::Pcap, &[f]).is_err());
        assert!(write_all(CaptureFormat::Pcapng, &[f]).is_ok());
    }

    #[test]
    fn refused_pcapng_frame_leaves_a_readable_file() {
        let hint = WriteHint {
            link_type: None,
            snaplen: 0,
        };
        let mut w = CaptureWriter::new(Vec::new(), CaptureFormat::Pcapng, hint);
        let mut bad = frame(LinkType::ETHERNET, TsPrecision::Micro, 0, b"x");
        bad.ts.secs = -5;
        assert!(w.write(&bad).is_err());
        let good = frame(LinkType::RAW, TsPrecision::Micro, 0, b"\x45");
        w.write(&good).unwrap();
        let (_, back) = read_back(w.finish().unwrap());
        assert_eq!(back, vec![summary(&good)]);
        // And a truncated file is reported as such by the reader, as a sanity check.
        let bytes = write_all(CaptureFormat::Pcapng, &[good]).unwrap();
        let cut = bytes[..bytes.len() - 2].to_vec();
        let mut r = FileReader::from_reader("cut", Box::new(Cursor::new(cut))).unwrap();
        assert!(matches!(
            r.next_frame(),
            Err(CaptureError::Truncated { .. })
        ));
    }
}
