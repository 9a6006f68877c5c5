//! Classic libpcap format: the 24-byte file header and the per-record headers.
//!
//! Contract:
//! - Recognised magics: `a1b2c3d4` (microseconds), `a1b23c4d` (nanoseconds) and the
//!   Kuznetsov "modified" `a1b2cd34` (microseconds, 8 extra bytes per record), each in both
//!   byte orders. Any version number is accepted, as tshark does.
//! - The link type is the low 16 bits of the header's network field; the high bits (FCS
//!   information) are kept apart in [`FileHeader::fcs_bits`].
//! - Record timestamps are normalised: a sub-second field of a full second or more is carried
//!   into the seconds, so a [`Timestamp`] always has `nanos < 1e9`.
//! - Nothing here panics or allocates: the parsers take fixed-size arrays, and
//!   [`check_caplen`] must be called before a record's captured length is used to size
//!   anything. Packet bytes are never copied here; the reader slices them out of its buffer.

use super::{
    ByteOrder, CaptureError, InterfaceInfo, LinkType, MAX_RECORD_LEN, Timestamp, TsPrecision,
};

/// Length of the file header (magic, version, zone, sigfigs, snaplen, network).
pub const FILE_HEADER_LEN: usize = 24;
/// Length of a standard record header (seconds, sub-seconds, caplen, orig_len).
pub const RECORD_HEADER_LEN: usize = 16;
/// Extra bytes after each record header in the modified format (ifindex u32, protocol u16,
/// pkt_type u8, pad u8).
pub const MODIFIED_EXTRA_LEN: usize = 8;
/// Largest record header of any variant, for callers sizing a read.
pub const MAX_RECORD_HEADER_LEN: usize = RECORD_HEADER_LEN + MODIFIED_EXTRA_LEN;

const MAGIC_MICRO: u32 = 0xa1b2_c3d4;
const MAGIC_NANO: u32 = 0xa1b2_3c4d;
const MAGIC_MODIFIED: u32 = 0xa1b2_cd34;

/// Sub-second units per second for each precision.
const MICROS_PER_SEC: u32 = 1_000_000;
const NANOS_PER_SEC: u32 = 1_000_000_000;

/// What the 4 magic bytes of a classic pcap file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Magic {
    /// Byte order of every integer in the file.
    pub order: ByteOrder,
    /// Unit of the record sub-second field.
    pub precision: TsPrecision,
    /// Kuznetsov's modified format (records carry 8 extra bytes).
    pub modified: bool,
}

/// Recognises a classic pcap magic number, or returns `None`.
pub fn sniff(magic: [u8; 4]) -> Option<Magic> {
    for order in [ByteOrder::Little, ByteOrder::Big] {
        let (precision, modified) = match order.u32(magic) {
            MAGIC_MICRO => (TsPrecision::Micro, false),
            MAGIC_NANO => (TsPrecision::Nano, false),
            MAGIC_MODIFIED => (TsPrecision::Micro, true),
            _ => continue,
        };
        return Some(Magic {
            order,
            precision,
            modified,
        });
    }
    None
}

/// The parsed file header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    /// Byte order, precision and variant.
    pub magic: Magic,
    /// Major and minor version (informational only).
    pub version: (u16, u16),
    /// Snapshot length from the header.
    pub snaplen: u32,
    /// Link type (low 16 bits of the network field).
    pub link_type: LinkType,
    /// High 16 bits of the network field (FCS length information).
    pub fcs_bits: u16,
}

/// One record header, fields still raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Seconds since the epoch.
    pub ts_sec: u32,
    /// Microseconds or nanoseconds, per the file's magic (may be out of range).
    pub ts_frac: u32,
    /// Bytes of packet data that follow.
    pub caplen: u32,
    /// Length of the packet on the wire.
    pub orig_len: u32,
}

/// One record whose header was read and checked: where its data lies. Both readers (the
/// sequential [`FileReader`](super::file::FileReader) and the
/// [`BlockReader`](super::block::BlockReader)) walk records through it, so they report the
/// same damage at the same offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSpan {
    /// The record header.
    pub header: RecordHeader,
    /// Bytes of the record header: 16, or 24 in the modified format.
    pub header_len: usize,
    /// Captured bytes after the header (checked by [`check_caplen`]).
    pub caplen: usize,
}

/// Where a record lies in its file, for the errors about it.
#[derive(Debug, Clone, Copy)]
pub struct RecordAt<'a> {
    /// The file's name.
    pub name: &'a str,
    /// The byte offset of the record's first byte.
    pub offset: u64,
}

impl RecordSpan {
    /// The record's length, header and data.
    pub fn total(&self) -> usize {
        self.header_len + self.caplen
    }

    /// Checks that the file holds the whole record: `available` bytes from its start.
    ///
    /// # Errors
    /// [`CaptureError::Truncated`] when the file ends inside the record.
    #[inline]
    pub fn check_whole(&self, at: RecordAt<'_>, available: u64) -> Result<(), CaptureError> {
        let total = self.total() as u64;
        if available < total {
            return Err(at.truncated(total, available));
        }
        Ok(())
    }
}

impl RecordAt<'_> {
    /// The file ends `got` bytes into the record, which needs `wanted`.
    #[cold]
    fn truncated(self, wanted: u64, got: u64) -> CaptureError {
        CaptureError::truncated(self.name, self.offset, wanted, got)
    }

    /// The record is impossible: `what` says why.
    #[cold]
    fn corrupt(self, what: String) -> CaptureError {
        CaptureError::Corrupt {
            name: self.name.to_string(),
            offset: self.offset,
            what,
        }
    }
}

/// Parses the file header, or `None` when the magic is not a classic pcap one.
pub fn parse_file_header(bytes: &[u8; FILE_HEADER_LEN]) -> Option<FileHeader> {
    let magic = sniff([bytes[0], bytes[1], bytes[2], bytes[3]])?;
    let order = magic.order;
    let network = order.u32([bytes[20], bytes[21], bytes[22], bytes[23]]);
    Some(FileHeader {
        magic,
        version: (
            order.u16([bytes[4], bytes[5]]),
            order.u16([bytes[6], bytes[7]]),
        ),
        snaplen: order.u32([bytes[16], bytes[17], bytes[18], bytes[19]]),
        link_type: LinkType(network & 0xffff),
        fcs_bits: (network >> 16) as u16,
    })
}

impl FileHeader {
    /// Bytes before each record's data: 16, or 24 in the modified format.
    pub fn record_header_len(&self) -> usize {
        if self.magic.modified {
            RECORD_HEADER_LEN + MODIFIED_EXTRA_LEN
        } else {
            RECORD_HEADER_LEN
        }
    }

    /// Parses the standard 16 bytes of a record header (the modified format's extra bytes,
    /// which follow them, are ignored).
    pub fn parse_record_header(&self, bytes: &[u8; RECORD_HEADER_LEN]) -> RecordHeader {
        let order = self.magic.order;
        let field = |i: usize| -> u32 {
            let word = bytes.get(i..).and_then(|rest| rest.first_chunk::<4>());
            word.map_or(0, |w| order.u32(*w))
        };
        RecordHeader {
            ts_sec: field(0),
            ts_frac: field(4),
            caplen: field(8),
            orig_len: field(12),
        }
    }

    /// Reads the header of the record that starts at `at`: `head` is the buffered bytes from
    /// its first byte on, of which the file holds `available`.
    ///
    /// # Errors
    /// [`CaptureError::Truncated`] when the file ends inside the header,
    /// [`CaptureError::Corrupt`] when its captured length is over [`MAX_RECORD_LEN`].
    // Inlined: it runs once per record, and its errors are built out of line.
    #[inline]
    pub fn read_record(
        &self,
        at: RecordAt<'_>,
        head: &[u8],
        available: u64,
    ) -> Result<RecordSpan, CaptureError> {
        let header_len = self.record_header_len();
        let header = match head.first_chunk::<RECORD_HEADER_LEN>() {
            Some(bytes) if available >= header_len as u64 => self.parse_record_header(bytes),
            _ => return Err(at.truncated(header_len as u64, available)),
        };
        match check_caplen(header.caplen) {
            Ok(caplen) => Ok(RecordSpan {
                header,
                header_len,
                caplen,
            }),
            Err(what) => Err(at.corrupt(what)),
        }
    }

    /// The record's timestamp, with an out-of-range sub-second field carried into seconds.
    pub fn timestamp(&self, record: &RecordHeader) -> Timestamp {
        let (per_sec, nanos_per_unit) = match self.magic.precision {
            TsPrecision::Micro => (MICROS_PER_SEC, 1_000),
            TsPrecision::Nano => (NANOS_PER_SEC, 1),
        };
        // In range (nearly always): no division.
        if record.ts_frac < per_sec {
            return Timestamp {
                secs: i64::from(record.ts_sec),
                nanos: record.ts_frac * nanos_per_unit,
            };
        }
        let carry = i64::from(record.ts_frac / per_sec);
        let nanos = (record.ts_frac % per_sec) * nanos_per_unit;
        Timestamp {
            secs: i64::from(record.ts_sec) + carry,
            nanos,
        }
    }

    /// The single interface a classic pcap file describes.
    pub fn interface(&self) -> InterfaceInfo {
        InterfaceInfo {
            link_type: self.link_type,
            snaplen: self.snaplen,
            name: None,
            precision: self.magic.precision,
        }
    }
}

/// Checks a record's captured length against [`MAX_RECORD_LEN`]; returns it as a `usize`
/// or a description of the problem. A caplen above the header's snaplen is accepted.
#[inline]
pub fn check_caplen(caplen: u32) -> Result<usize, String> {
    match usize::try_from(caplen) {
        Ok(len) if len <= MAX_RECORD_LEN => Ok(len),
        _ => Err(caplen_over_limit(caplen)),
    }
}

/// The message for a captured length over [`MAX_RECORD_LEN`] (out of line: never on the
/// path of a good record).
#[cold]
fn caplen_over_limit(caplen: u32) -> String {
    format!(
        "record claims a captured length of {caplen} bytes, more than the limit of \
         {MAX_RECORD_LEN}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_bytes(magic: u32, order: ByteOrder, network: u32) -> [u8; FILE_HEADER_LEN] {
        let words: [u32; 5] = [magic, 0, 0, 65535, network];
        let mut out = [0u8; FILE_HEADER_LEN];
        let mut put = |at: usize, b: &[u8]| out[at..at + b.len()].copy_from_slice(b);
        for (i, w) in words.iter().enumerate() {
            let at = if i == 0 { 0 } else { 8 + 4 * (i - 1) };
            match order {
                ByteOrder::Little => put(at, &w.to_le_bytes()),
                ByteOrder::Big => put(at, &w.to_be_bytes()),
            }
        }
        match order {
            ByteOrder::Little => put(4, &[2, 0, 4, 0]),
            ByteOrder::Big => put(4, &[0, 2, 0, 4]),
        }
        out
    }

    #[test]
    fn sniffs_every_magic_in_both_orders() {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            for (magic, precision, modified) in [
                (MAGIC_MICRO, TsPrecision::Micro, false),
                (MAGIC_NANO, TsPrecision::Nano, false),
                (MAGIC_MODIFIED, TsPrecision::Micro, true),
            ] {
                let bytes = match order {
                    ByteOrder::Little => magic.to_le_bytes(),
                    ByteOrder::Big => magic.to_be_bytes(),
                };
                assert_eq!(
                    sniff(bytes),
                    Some(Magic {
                        order,
                        precision,
                        modified
                    })
                );
            }
        }
        assert_eq!(sniff(*b"<htm"), None);
        assert_eq!(sniff([0x0a, 0x0d, 0x0d, 0x0a]), None);
    }

    #[test]
    fn header_fields_and_fcs_bits() {
        let h = parse_file_header(&header_bytes(MAGIC_NANO, ByteOrder::Big, 0x1234_0001)).unwrap();
        assert_eq!(h.link_type, LinkType::ETHERNET);
        assert_eq!(h.fcs_bits, 0x1234);
        assert_eq!(h.snaplen, 65535);
        assert_eq!(h.version, (2, 4));
        assert_eq!(h.magic.precision, TsPrecision::Nano);
        assert_eq!(h.record_header_len(), RECORD_HEADER_LEN);
    }

    /// A little-endian record header: 1 s, 2 us, caplen, orig_len 60.
    fn record_bytes(caplen: u32) -> Vec<u8> {
        [1u32, 2, caplen, 60]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect()
    }

    #[test]
    fn read_record_checks_header_caplen_and_whole_record() {
        let at = RecordAt {
            name: "t.pcap",
            offset: 24,
        };
        let h = parse_file_header(&header_bytes(MAGIC_MICRO, ByteOrder::Little, 1)).unwrap();
        let span = h.read_record(at, &record_bytes(4), 20).unwrap();
        assert_eq!((span.header_len, span.caplen, span.total()), (16, 4, 20));
        assert_eq!(span.header.orig_len, 60);
        assert!(span.check_whole(at, 20).is_ok());
        let cut = span.check_whole(at, 19).unwrap_err().to_string();
        assert!(
            cut.contains("24") && cut.contains("20") && cut.contains("19"),
            "{cut}"
        );
        // A header cut short, whatever the buffer holds.
        let short = h.read_record(at, &record_bytes(4)[..10], 10).unwrap_err();
        assert!(matches!(
            short,
            CaptureError::Truncated {
                wanted: 16,
                got: 10,
                ..
            }
        ));
        let beyond = h.read_record(at, &record_bytes(4), 12).unwrap_err();
        assert!(matches!(
            beyond,
            CaptureError::Truncated {
                wanted: 16,
                got: 12,
                ..
            }
        ));
        let huge = h.read_record(at, &record_bytes(u32::MAX), 16).unwrap_err();
        assert!(matches!(huge, CaptureError::Corrupt { offset: 24, .. }));
        // The modified format's header is 24 bytes: 16 are not enough.
        let m = parse_file_header(&header_bytes(MAGIC_MODIFIED, ByteOrder::Little, 1)).unwrap();
        let short = m.read_record(at, &record_bytes(4), 16).unwrap_err();
        assert!(matches!(short, CaptureError::Truncated { wanted: 24, .. }));
    }

    #[test]
    fn timestamps_are_normalised() {
        let micro = parse_file_header(&header_bytes(MAGIC_MICRO, ByteOrder::Little, 1)).unwrap();
        let rec = |ts_frac| RecordHeader {
            ts_sec: 10,
            ts_frac,
            caplen: 0,
            orig_len: 0,
        };
        assert_eq!(
            micro.timestamp(&rec(5)),
            Timestamp {
                secs: 10,
                nanos: 5_000
            }
        );
        assert_eq!(
            micro.timestamp(&rec(2_500_000)),
            Timestamp {
                secs: 12,
                nanos: 500_000_000
            }
        );
        let nano = parse_file_header(&header_bytes(MAGIC_NANO, ByteOrder::Little, 1)).unwrap();
        assert_eq!(
            nano.timestamp(&rec(u32::MAX)),
            Timestamp {
                secs: 14,
                nanos: 294_967_295
            }
        );
        let max = RecordHeader {
            ts_sec: u32::MAX,
            ts_frac: u32::MAX,
            caplen: 0,
            orig_len: 0,
        };
        assert_eq!(micro.timestamp(&max).secs, i64::from(u32::MAX) + 4294);
    }

    #[test]
    fn caplen_cap() {
        assert_eq!(check_caplen(0), Ok(0));
        assert_eq!(check_caplen(MAX_RECORD_LEN as u32), Ok(MAX_RECORD_LEN));
        assert!(check_caplen(MAX_RECORD_LEN as u32 + 1).is_err());
        assert!(check_caplen(u32::MAX).is_err());
    }
}
