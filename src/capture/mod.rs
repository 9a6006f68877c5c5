//! Capture sources: where frames come from, and where they can be written to.
//!
//! A source hands out one [`Frame`] at a time, borrowed from a buffer the source reuses, so
//! reading allocates nothing per packet. File input (classic pcap and pcapng, from a path or
//! stdin) lives in [`mod@file`]; live capture through libpcap (feature `live`) in `live`. Both
//! implement [`FrameSource`], which is all the run loop needs. [`writer`] writes frames back
//! out as pcap or pcapng, in pure Rust.
//!
//! Nothing here panics on hostile input: every length read from a file is checked against
//! [`MAX_RECORD_LEN`] before it is used to size anything.

pub mod block;
pub mod compress;
pub mod file;
#[cfg(feature = "live")]
pub mod live;
pub mod pcap;
pub mod pcapng;
pub mod readahead;
pub mod writer;

use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes of capture files read so far in this process (the progress bar's measure): added
/// once per read of up to a megabyte, so it costs nothing per packet.
static FILE_BYTES_READ: AtomicU64 = AtomicU64::new(0);

/// Bytes of capture files (compressed bytes for a compressed file) read so far.
pub fn file_bytes_read() -> u64 {
    FILE_BYTES_READ.load(Ordering::Relaxed)
}

fn count_file_bytes(n: usize) {
    FILE_BYTES_READ.fetch_add(n as u64, Ordering::Relaxed);
}

/// A file whose reads add to [`file_bytes_read`].
struct Counted<R>(R);

impl<R: std::io::Read> std::io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        count_file_bytes(n);
        Ok(n)
    }
}

use std::fmt;

pub use file::FileReader;

/// Anything frames can be read from: a capture file or a live interface.
///
/// The run loop reads through this trait only, so it treats file and live input alike.
pub trait FrameSource {
    /// Next frame, borrowed from the source until the next call. `Ok(None)` at the end: end
    /// of file, or a live capture that was stopped (signal, `-a duration`).
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError>;

    /// Name used in messages (the file name, or the interface name).
    fn name(&self) -> &str;

    /// Link type of the first interface, when already known.
    fn link_type(&self) -> Option<LinkType>;

    /// Snapshot length of the first interface (0 when unknown or unlimited).
    fn snaplen(&self) -> u32;

    /// Packet counters kept by the capture mechanism; `None` for files.
    fn stats(&mut self) -> Option<CaptureStats> {
        None
    }
}

impl FrameSource for FileReader {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        FileReader::next_frame(self)
    }

    fn name(&self) -> &str {
        FileReader::name(self)
    }

    fn link_type(&self) -> Option<LinkType> {
        FileReader::link_type(self)
    }

    fn snaplen(&self) -> u32 {
        FileReader::snaplen(self)
    }
}

/// Counters of a live capture, as libpcap's `pcap_stats` reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaptureStats {
    /// Packets the capture mechanism received (its own count, which may differ from ours).
    pub received: u64,
    /// Packets dropped because the kernel buffer was full (`ps_drop`).
    pub dropped_by_kernel: u64,
    /// Packets dropped by the network interface or its driver (`ps_ifdrop`).
    pub dropped_by_interface: u64,
}

/// Largest captured length of one record we accept (bytes).
///
/// libpcap's own ceiling (`MAXIMUM_SNAPLEN`) is 262144; pcapng blocks add a little framing.
/// 16 MiB leaves room for odd writers (USB, D-Bus captures use large snaplens) while making
/// sure a corrupt length field can never make us allocate gigabytes.
pub const MAX_RECORD_LEN: usize = 16 * 1024 * 1024;

/// A link-layer header type (LINKTYPE_* value from the tcpdump registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: a 4-byte host-order address family, then IP.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II / 802.3.
    pub const ETHERNET: LinkType = LinkType(1);
    /// Raw IP (either version), the value OpenBSD uses.
    pub const RAW_OPENBSD: LinkType = LinkType(12);
    /// Raw IP (either version).
    pub const RAW: LinkType = LinkType(101);
    /// Linux cooked capture v1.
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// Raw IPv4.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: LinkType = LinkType(276);
    /// Not a link type at all: a pcapng Custom Block that tshark 4.0 lists as a frame, from
    /// a big-endian section. Value chosen outside the registry's range so it can never clash.
    pub const PCAPNG_CUSTOM: LinkType = LinkType(u32::MAX);
    /// [`LinkType::PCAPNG_CUSTOM`] from a little-endian section: the block's Private
    /// Enterprise Number is in the section's byte order, and the frame's bytes are lent as
    /// they are on disk.
    pub const PCAPNG_CUSTOM_LE: LinkType = LinkType(u32::MAX - 1);

    /// True for the Custom Block pseudo link types.
    pub fn is_custom_block(self) -> bool {
        self == LinkType::PCAPNG_CUSTOM || self == LinkType::PCAPNG_CUSTOM_LE
    }

    /// A Custom Block's Private Enterprise Number, read from the start of its `data` in its
    /// section's byte order; `None` for other frames or data too short.
    pub fn custom_block_pen(self, data: &[u8]) -> Option<u32> {
        let pen = *data.first_chunk::<4>()?;
        match self {
            LinkType::PCAPNG_CUSTOM => Some(u32::from_be_bytes(pen)),
            LinkType::PCAPNG_CUSTOM_LE => Some(u32::from_le_bytes(pen)),
            _ => None,
        }
    }

    /// Wireshark's `frame.encap_type` number for this link type (WTAP_ENCAP_*).
    pub fn wtap_encap(self) -> i32 {
        match self.0 {
            0 => 15,
            1 => 1,
            12 | 101 => 7,
            113 => 25,
            228 => 129,
            229 => 130,
            276 => 210,
            _ => -1,
        }
    }

    /// Human name used in the detail tree.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "NULL/Loopback",
            1 => "Ethernet",
            12 | 101 => "Raw IP",
            113 => "Linux cooked-mode capture v1",
            228 => "Raw IPv4",
            229 => "Raw IPv6",
            276 => "Linux cooked-mode capture v2",
            u32::MAX => "pcapng Custom Block",
            _ => "Unknown",
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.0)
    }
}

/// Precision a capture stores its timestamps with; decides how many decimals the time column
/// shows (6 for microseconds, 9 for nanoseconds), as tshark does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TsPrecision {
    /// Microseconds (pcap magic a1b2c3d4, pcapng default `if_tsresol`).
    Micro,
    /// Nanoseconds (pcap magic a1b23c4d, or an `if_tsresol` finer than 1 µs).
    Nano,
}

impl TsPrecision {
    /// Number of decimals tshark prints for this precision.
    pub fn digits(self) -> usize {
        match self {
            TsPrecision::Micro => 6,
            TsPrecision::Nano => 9,
        }
    }
}

/// A point in time: seconds since the Unix epoch plus nanoseconds (always < 1e9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z (may be negative for odd files).
    pub secs: i64,
    /// Nanoseconds within the second, 0..1_000_000_000.
    pub nanos: u32,
}

impl Timestamp {
    /// "No timestamp" (a pcapng Simple Packet Block has none).
    pub const NONE: Timestamp = Timestamp {
        secs: i64::MIN,
        nanos: 0,
    };

    /// True for [`Timestamp::NONE`].
    pub fn is_none(self) -> bool {
        self == Timestamp::NONE
    }

    /// Builds a timestamp from a count of nanoseconds since the epoch.
    pub fn from_nanos(total: i128) -> Timestamp {
        let secs = total.div_euclid(1_000_000_000);
        let nanos = total.rem_euclid(1_000_000_000) as u32;
        Timestamp {
            secs: secs.clamp(i64::MIN as i128, i64::MAX as i128) as i64,
            nanos,
        }
    }

    /// Nanoseconds since the epoch.
    pub fn as_nanos(self) -> i128 {
        self.secs as i128 * 1_000_000_000 + self.nanos as i128
    }

    /// Signed difference `self - earlier` in nanoseconds.
    pub fn nanos_since(self, earlier: Timestamp) -> i128 {
        self.as_nanos() - earlier.as_nanos()
    }
}

/// One captured frame, borrowed from the source's buffer until the next call.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Arrival time.
    pub ts: Timestamp,
    /// Length of the packet on the wire (`frame.len`); may exceed `data.len()`.
    pub orig_len: u32,
    /// Link-layer type of the interface the frame was captured on.
    pub link_type: LinkType,
    /// pcapng interface index (`frame.interface_id`); `None` for classic pcap and live input.
    pub interface_id: Option<u32>,
    /// The interface's name (pcapng `if_name`, or the live interface), when known.
    pub interface_name: Option<&'a str>,
    /// Precision of this frame's timestamp (per interface in pcapng).
    pub precision: TsPrecision,
    /// Captured bytes (`frame.cap_len` is their length).
    pub data: &'a [u8],
}

/// What a pcapng Interface Description Block (or a pcap file header) told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// Link type of every packet on this interface.
    pub link_type: LinkType,
    /// Snapshot length (0 = unlimited).
    pub snaplen: u32,
    /// `if_name` option, when present.
    pub name: Option<String>,
    /// Timestamp precision derived from `if_tsresol`.
    pub precision: TsPrecision,
}

/// The on-disk format of a capture file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureFormat {
    /// Classic libpcap format.
    Pcap,
    /// pcapng.
    Pcapng,
}

/// Errors from reading a capture. Each one names where it happened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The file does not start with a pcap or pcapng magic number.
    #[error("{name} is not a pcap or pcapng file (starts with 0x{magic})")]
    NotACapture {
        /// File name as the user gave it.
        name: String,
        /// The first bytes, in hex.
        magic: String,
    },
    /// The file is compressed (wiresift reads uncompressed captures).
    #[error("{name} is {kind}-compressed: read it with `{tool} {name} | wiresift -r -`")]
    Compressed {
        /// File name as the user gave it.
        name: String,
        /// `gzip`, `zstd`, `xz`, `bzip2`, `lz4`.
        kind: &'static str,
        /// The tool that decompresses to standard output (`zcat`).
        tool: &'static str,
    },
    /// The file ends in the middle of a record or block.
    #[error(
        "{name} appears to have been cut short in the middle of a packet at byte offset {offset} \
         (wanted {wanted} more bytes, got {got})"
    )]
    Truncated {
        /// File name.
        name: String,
        /// Byte offset of the record or block that is incomplete.
        offset: u64,
        /// Bytes the record needed.
        wanted: u64,
        /// Bytes that were there.
        got: u64,
    },
    /// A structurally invalid record or block (a length that lies, a record too large).
    #[error("{name}: {what} at byte offset {offset}")]
    Corrupt {
        /// File name.
        name: String,
        /// Byte offset of the bad record or block.
        offset: u64,
        /// What is wrong, in words.
        what: String,
    },
    /// A gzip, zstd or lz4 capture whose compressed data is damaged or cut short; the frames
    /// before `offset` were read.
    #[error("{name}: {message} (after byte offset {offset} of the decompressed capture)")]
    Decompress {
        /// File name.
        name: String,
        /// Decompressed bytes delivered before the damage.
        offset: u64,
        /// What the decoder said.
        message: String,
    },
    /// A live capture failed while reading (the interface went away, a driver error).
    #[error("{name}: capture error: {message}")]
    Live {
        /// Interface name.
        name: String,
        /// libpcap's description.
        message: String,
    },
    /// The operating system failed a read.
    #[error("{name}: read error: {source}")]
    Io {
        /// File name.
        name: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl CaptureError {
    /// [`CaptureError::Truncated`] for file `name`.
    pub fn truncated(name: &str, offset: u64, wanted: u64, got: u64) -> CaptureError {
        CaptureError::Truncated {
            name: name.to_string(),
            offset,
            wanted,
            got,
        }
    }

    /// True when the error means the file was incomplete or damaged (exit status 1) rather than
    /// unreadable.
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            CaptureError::Truncated { .. }
                | CaptureError::Corrupt { .. }
                | CaptureError::Decompress { .. }
        )
    }
}

/// Byte order of the integers in a capture file (set by its magic number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

impl ByteOrder {
    /// Decodes a 16-bit integer.
    pub fn u16(self, bytes: [u8; 2]) -> u16 {
        match self {
            ByteOrder::Little => u16::from_le_bytes(bytes),
            ByteOrder::Big => u16::from_be_bytes(bytes),
        }
    }

    /// Decodes a 32-bit integer.
    pub fn u32(self, bytes: [u8; 4]) -> u32 {
        match self {
            ByteOrder::Little => u32::from_le_bytes(bytes),
            ByteOrder::Big => u32::from_be_bytes(bytes),
        }
    }

    /// The 16-bit integer at `at`, or `None` when `bytes` is too short.
    pub fn u16_at(self, bytes: &[u8], at: usize) -> Option<u16> {
        let field = bytes.get(at..)?.first_chunk::<2>()?;
        Some(self.u16(*field))
    }

    /// The 32-bit integer at `at`, or `None` when `bytes` is too short.
    pub fn u32_at(self, bytes: &[u8], at: usize) -> Option<u32> {
        let field = bytes.get(at..)?.first_chunk::<4>()?;
        Some(self.u32(*field))
    }
}
