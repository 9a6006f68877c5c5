//! pcapng: block framing, section and interface state, packet blocks.
//!
//! Contract:
//! - [`check_block_len`] rejects a total length below 12, not a multiple of 4, or above
//!   [`MAX_BLOCK_LEN`]; [`check_trailer`] rejects a block whose trailing length copy differs.
//!   Both must pass before [`interpret`] sees the block, and before the reader sizes a
//!   buffer from the length.
//! - A Section Header Block fixes the byte order (either order, several sections per file)
//!   and resets the interface list. Interface Description Blocks give the link type, snaplen,
//!   `if_name` and `if_tsresol`. Enhanced, Simple and obsolete Packet Blocks yield packets;
//!   Custom Blocks yield a pseudo-frame (see [`CUSTOM_BLOCK_PEN_LEN`]); other blocks are skipped.
//! - A packet naming an interface the section does not define, a captured length that does
//!   not fit its block, or an option running past its block is reported as an error string
//!   (the reader turns it into `CaptureError::Corrupt` at the block's offset).
//! - Timestamps are converted exactly with 128-bit integer arithmetic, no floating point.
//! - Nothing here panics: every field is read through a checked slice. Nothing is copied
//!   except an interface's `if_name` (once per IDB); packet data is returned as a range into
//!   the block.

use std::ops::Range;

use super::{ByteOrder, InterfaceInfo, LinkType, MAX_RECORD_LEN, Timestamp, TsPrecision};

/// Block type of a Section Header Block; also the file's magic. It reads the same in both
/// byte orders.
pub const SECTION_HEADER_BLOCK: u32 = 0x0a0d_0d0a;
/// Interface Description Block.
pub const INTERFACE_DESCRIPTION_BLOCK: u32 = 0x0000_0001;
/// Obsolete Packet Block.
pub const PACKET_BLOCK: u32 = 0x0000_0002;
/// Simple Packet Block.
pub const SIMPLE_PACKET_BLOCK: u32 = 0x0000_0003;
/// Enhanced Packet Block.
pub const ENHANCED_PACKET_BLOCK: u32 = 0x0000_0006;
/// Custom Block that may be copied to new files.
pub const CUSTOM_BLOCK_COPY: u32 = 0x0000_0bad;
/// Custom Block that must not be copied to new files.
pub const CUSTOM_BLOCK_NO_COPY: u32 = 0x4000_0bad;

/// The file magic as bytes.
pub const MAGIC: [u8; 4] = SECTION_HEADER_BLOCK.to_be_bytes();
/// Byte-order magic inside a Section Header Block.
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

/// Block type + total length.
pub const BLOCK_HEADER_LEN: usize = 8;
/// Trailing copy of the total length.
pub const BLOCK_TRAILER_LEN: usize = 4;
/// Smallest legal block: header and trailer with an empty body.
pub const MIN_BLOCK_LEN: usize = BLOCK_HEADER_LEN + BLOCK_TRAILER_LEN;
/// Largest block we accept: one maximal record plus 64 KiB for the packet block's fixed
/// fields and its options (comments, hashes), which real writers keep far smaller.
pub const MAX_BLOCK_LEN: usize = MAX_RECORD_LEN + 64 * 1024;
/// Smallest Section Header Block: header, byte-order magic, version, section length, trailer.
const MIN_SECTION_HEADER_LEN: usize = BLOCK_HEADER_LEN + 16 + BLOCK_TRAILER_LEN;
/// Fixed fields before the data of an Enhanced or obsolete Packet Block
/// (interface, timestamp high/low, captured length, original length).
const PACKET_FIXED_LEN: usize = 20;
/// Fixed field before the data of a Simple Packet Block (original length).
const SIMPLE_PACKET_FIXED_LEN: usize = 4;
/// Fixed fields of an Interface Description Block before its options.
const INTERFACE_FIXED_LEN: usize = 8;
/// Option header: code u16 and length u16.
const OPTION_HEADER_LEN: usize = 4;
/// Most interfaces one section may define. Interface Description Blocks are tiny, so without
/// a cap a file of nothing but IDBs would grow memory with its size; real captures have a few
/// (a router capturing on every port, some hundreds). An IDB past the limit is reported as a
/// corrupt block, like a packet for an interface that does not exist.
pub const MAX_INTERFACES: usize = 65_536;
/// Longest `if_name` kept. Names are only informational (nothing prints them today) and real
/// ones are short (Linux: 15 bytes); the cap keeps 64 KiB names times [`MAX_INTERFACES`]
/// interfaces from adding up to gigabytes.
pub const MAX_IF_NAME_LEN: usize = 256;

/// Length of the Private Enterprise Number at the start of a Custom Block's data.
///
/// A custom-block frame's `data` starts with it, but tshark's `frame.len` and
/// `frame.cap_len` for such a block exclude it: they are `data.len() - CUSTOM_BLOCK_PEN_LEN`.
pub const CUSTOM_BLOCK_PEN_LEN: usize = 4;

const OPT_END_OF_OPT: u16 = 0;
const OPT_IF_NAME: u16 = 2;
const OPT_IF_TSRESOL: u16 = 9;
/// `if_tsresol` default: 10^-6 s.
const DEFAULT_TSRESOL_EXPONENT: u8 = 6;
/// Coarsest power-of-two resolution still shown with microsecond precision (2^19 < 10^6).
const MICRO_MAX_POW2_EXPONENT: u8 = 19;
/// Coarsest power-of-ten resolution still shown with microsecond precision.
const MICRO_MAX_POW10_EXPONENT: u8 = 6;
const NANOS_PER_SEC: u128 = 1_000_000_000;
const NANO_EXPONENT: u8 = 9;

/// An interface's timestamp unit, from `if_tsresol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TsResolution {
    /// Units of 10^-n seconds.
    Pow10(u8),
    /// Units of 2^-n seconds.
    Pow2(u8),
}

impl Default for TsResolution {
    fn default() -> Self {
        TsResolution::Pow10(DEFAULT_TSRESOL_EXPONENT)
    }
}

impl TsResolution {
    /// Decodes the `if_tsresol` byte: bit 7 clear = 10^-n, set = 2^-n.
    pub fn from_option(byte: u8) -> TsResolution {
        let exponent = byte & 0x7f;
        if byte & 0x80 == 0 {
            TsResolution::Pow10(exponent)
        } else {
            TsResolution::Pow2(exponent)
        }
    }

    /// `Micro` for 10^-6 s or coarser, `Nano` for anything finer.
    pub fn precision(self) -> TsPrecision {
        let micro = match self {
            TsResolution::Pow10(e) => e <= MICRO_MAX_POW10_EXPONENT,
            TsResolution::Pow2(e) => e <= MICRO_MAX_POW2_EXPONENT,
        };
        if micro {
            TsPrecision::Micro
        } else {
            TsPrecision::Nano
        }
    }

    /// Converts a count of units since the epoch to a timestamp, exactly (rounding down
    /// below a nanosecond).
    pub fn to_timestamp(self, units: u64) -> Timestamp {
        let units = u128::from(units);
        // units < 2^64 and every multiplier <= 10^9 < 2^30, so no product overflows u128.
        let nanos = match self {
            TsResolution::Pow10(e) if e <= NANO_EXPONENT => {
                units * 10u128.pow(u32::from(NANO_EXPONENT - e))
            }
            TsResolution::Pow10(e) => 10u128
                .checked_pow(u32::from(e - NANO_EXPONENT))
                .map_or(0, |div| units / div),
            TsResolution::Pow2(e) => (units * NANOS_PER_SEC) >> e,
        };
        Timestamp::from_nanos(i128::try_from(nanos).unwrap_or(i128::MAX))
    }
}

/// State of the current section: byte order and the interfaces defined so far.
#[derive(Debug, Clone)]
pub struct Section {
    /// Byte order of the section's blocks.
    pub order: ByteOrder,
    interfaces: Vec<InterfaceInfo>,
    resolutions: Vec<TsResolution>,
}

impl Section {
    /// A section with no interfaces yet.
    pub fn new(order: ByteOrder) -> Section {
        Section {
            order,
            interfaces: Vec::new(),
            resolutions: Vec::new(),
        }
    }

    /// Interfaces of this section, in IDB order.
    pub fn interfaces(&self) -> &[InterfaceInfo] {
        &self.interfaces
    }

    fn reset(&mut self, order: ByteOrder) {
        self.order = order;
        self.interfaces.clear();
        self.resolutions.clear();
    }

    fn interface(&self, id: u32) -> Result<(&InterfaceInfo, TsResolution), String> {
        let index = usize::try_from(id).ok();
        let info = index.and_then(|i| Some((self.interfaces.get(i)?, *self.resolutions.get(i)?)));
        info.ok_or_else(|| {
            format!(
                "packet for interface {id}, but the section defines only {} interfaces",
                self.interfaces.len()
            )
        })
    }
}

/// A frame found in a block; `data` is a range of the block's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PacketMeta {
    /// Arrival time.
    pub ts: Timestamp,
    /// Length on the wire.
    pub orig_len: u32,
    /// Link type of the interface (or [`LinkType::PCAPNG_CUSTOM`]).
    pub link_type: LinkType,
    /// Interface index within the section; `None` for Custom Blocks.
    pub interface_id: Option<u32>,
    /// Timestamp precision of the interface.
    pub precision: TsPrecision,
    /// Captured bytes, as offsets into the block.
    pub data: Range<usize>,
}

/// The byte order a block at the start of `head` (at least 12 bytes) is written in: from the
/// byte-order magic for a Section Header Block, otherwise the current section's.
pub fn block_byte_order(head: &[u8], current: ByteOrder) -> Result<ByteOrder, String> {
    let starts_section = head.first_chunk::<4>() == Some(&MAGIC);
    if !starts_section {
        return Ok(current);
    }
    let magic = head
        .get(BLOCK_HEADER_LEN..)
        .and_then(|rest| rest.first_chunk::<4>());
    let magic = magic.ok_or_else(|| "section header block too short".to_string())?;
    [ByteOrder::Little, ByteOrder::Big]
        .into_iter()
        .find(|order| order.u32(*magic) == BYTE_ORDER_MAGIC)
        .ok_or_else(|| {
            format!(
                "section header block has an unknown byte-order magic 0x{:02x}{:02x}{:02x}{:02x}",
                magic[0], magic[1], magic[2], magic[3]
            )
        })
}

/// Validates a block's declared total length before anything is sized from it.
pub fn check_block_len(total: u32) -> Result<usize, String> {
    let len = usize::try_from(total).unwrap_or(usize::MAX);
    if len < MIN_BLOCK_LEN {
        Err(format!(
            "block length {total} is shorter than the minimum of {MIN_BLOCK_LEN}"
        ))
    } else if len % 4 != 0 {
        Err(format!("block length {total} is not a multiple of 4"))
    } else if len > MAX_BLOCK_LEN {
        Err(format!(
            "block length {total} is larger than the limit of {MAX_BLOCK_LEN}"
        ))
    } else {
        Ok(len)
    }
}

/// Checks that the trailing length copy of a complete `block` equals its leading length.
pub fn check_trailer(block: &[u8], order: ByteOrder) -> Result<(), String> {
    let lead = order.u32_at(block, 4);
    let trail = block
        .len()
        .checked_sub(BLOCK_TRAILER_LEN)
        .and_then(|at| order.u32_at(block, at));
    match (lead, trail) {
        (Some(lead), Some(trail)) if lead == trail => Ok(()),
        (Some(lead), Some(trail)) => Err(format!(
            "block's trailing length {trail} differs from its leading length {lead}"
        )),
        _ => Err("block too short".to_string()),
    }
}

/// Interprets one complete, framing-checked block, updating `section`. Returns the frame the
/// block holds, if any. `last_ts` is the timestamp given to a Custom Block.
pub fn interpret(
    block: &[u8],
    section: &mut Section,
    last_ts: Timestamp,
) -> Result<Option<PacketMeta>, String> {
    let order = section.order;
    let block_type = order.u32_at(block, 0).ok_or("block too short")?;
    let body_end = block
        .len()
        .saturating_sub(BLOCK_TRAILER_LEN)
        .max(BLOCK_HEADER_LEN);
    let body = block.get(BLOCK_HEADER_LEN..body_end).unwrap_or_default();
    match block_type {
        SECTION_HEADER_BLOCK => section_header(block, section).map(|()| None),
        INTERFACE_DESCRIPTION_BLOCK => interface_description(body, section).map(|()| None),
        ENHANCED_PACKET_BLOCK => packet(body, section, PacketLayout::Enhanced).map(Some),
        PACKET_BLOCK => packet(body, section, PacketLayout::Obsolete).map(Some),
        SIMPLE_PACKET_BLOCK => simple_packet(body, section).map(Some),
        CUSTOM_BLOCK_COPY | CUSTOM_BLOCK_NO_COPY => Ok(Some(custom(body, last_ts, section.order))),
        _ => Ok(None),
    }
}

fn section_header(block: &[u8], section: &mut Section) -> Result<(), String> {
    if block.len() < MIN_SECTION_HEADER_LEN {
        return Err(format!(
            "section header block of {} bytes is shorter than the minimum of \
             {MIN_SECTION_HEADER_LEN}",
            block.len()
        ));
    }
    let order = block_byte_order(block, section.order)?;
    section.reset(order);
    Ok(())
}

fn interface_description(body: &[u8], section: &mut Section) -> Result<(), String> {
    if section.interfaces.len() >= MAX_INTERFACES {
        return Err(format!(
            "interface description block past MAX_INTERFACES ({MAX_INTERFACES}) interfaces in \
             one section"
        ));
    }
    let order = section.order;
    let too_short = || "interface description block too short".to_string();
    let link_type = order.u16_at(body, 0).ok_or_else(too_short)?;
    let snaplen = order.u32_at(body, 4).ok_or_else(too_short)?;
    let mut name = None;
    let mut resolution = TsResolution::default();
    let options = body.get(INTERFACE_FIXED_LEN..).unwrap_or_default();
    for_each_option(options, order, |code, value| match code {
        OPT_IF_NAME => name = Some(option_string(value)),
        OPT_IF_TSRESOL => {
            if let Some(&byte) = value.first() {
                resolution = TsResolution::from_option(byte);
            }
        }
        _ => {}
    })?;
    section.interfaces.push(InterfaceInfo {
        link_type: LinkType(u32::from(link_type)),
        snaplen,
        name,
        precision: resolution.precision(),
    });
    section.resolutions.push(resolution);
    Ok(())
}

/// Walks an options list, calling `visit(code, value)` for each until `opt_endofopt` or the
/// end of the list. Fewer than 4 trailing bytes are ignored.
fn for_each_option(
    mut options: &[u8],
    order: ByteOrder,
    mut visit: impl FnMut(u16, &[u8]),
) -> Result<(), String> {
    while let (Some(code), Some(len)) = (order.u16_at(options, 0), order.u16_at(options, 2)) {
        if code == OPT_END_OF_OPT {
            break;
        }
        let len = usize::from(len);
        let value = options
            .get(OPTION_HEADER_LEN..OPTION_HEADER_LEN + len)
            .ok_or_else(|| {
                format!("option {code} of length {len} runs past the end of its block")
            })?;
        visit(code, value);
        let padded = OPTION_HEADER_LEN + len.next_multiple_of(4);
        options = options.get(padded..).unwrap_or_default();
    }
    Ok(())
}

/// A UTF-8 option value (lossy), without trailing NULs some writers add.
fn option_string(value: &[u8]) -> String {
    let value = value.get(..MAX_IF_NAME_LEN).unwrap_or(value);
    let end = value.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    String::from_utf8_lossy(value.get(..end).unwrap_or_default()).into_owned()
}

/// Field layout of the two packet blocks with a captured-length field.
#[derive(Clone, Copy)]
enum PacketLayout {
    /// EPB: 32-bit interface id.
    Enhanced,
    /// Obsolete PB: 16-bit interface id, 16-bit drops count.
    Obsolete,
}

fn packet(body: &[u8], section: &Section, layout: PacketLayout) -> Result<PacketMeta, String> {
    let order = section.order;
    let name = match layout {
        PacketLayout::Enhanced => "enhanced packet block",
        PacketLayout::Obsolete => "packet block",
    };
    let field = |at: usize| {
        order
            .u32_at(body, at)
            .ok_or_else(|| format!("{name} too short"))
    };
    let interface_id = match layout {
        PacketLayout::Enhanced => field(0)?,
        PacketLayout::Obsolete => u32::from(order.u16_at(body, 0).ok_or("packet block too short")?),
    };
    let units = (u64::from(field(4)?) << 32) | u64::from(field(8)?);
    let caplen = field(12)?;
    let orig_len = field(16)?;
    let space = body.len().saturating_sub(PACKET_FIXED_LEN);
    let caplen = usize::try_from(caplen).unwrap_or(usize::MAX);
    if caplen > MAX_RECORD_LEN || caplen > space {
        return Err(format!(
            "{name} claims a captured length of {caplen} bytes but holds only {space}"
        ));
    }
    let (info, resolution) = section.interface(interface_id)?;
    let start = BLOCK_HEADER_LEN + PACKET_FIXED_LEN;
    Ok(PacketMeta {
        ts: resolution.to_timestamp(units),
        orig_len,
        link_type: info.link_type,
        interface_id: Some(interface_id),
        precision: info.precision,
        data: start..start + caplen,
    })
}

fn simple_packet(body: &[u8], section: &Section) -> Result<PacketMeta, String> {
    let orig_len = section
        .order
        .u32_at(body, 0)
        .ok_or("simple packet block too short")?;
    let (info, resolution) = section.interface(0)?;
    let space = body.len().saturating_sub(SIMPLE_PACKET_FIXED_LEN);
    let caplen = simple_packet_caplen(orig_len, info.snaplen, space);
    let start = BLOCK_HEADER_LEN + SIMPLE_PACKET_FIXED_LEN;
    let _ = resolution;
    Ok(PacketMeta {
        // An SPB carries no timestamp; tshark leaves the time column blank.
        ts: crate::capture::Timestamp::NONE,
        orig_len,
        link_type: info.link_type,
        interface_id: Some(0),
        precision: info.precision,
        data: start..start + caplen,
    })
}

/// An SPB has no captured-length field: it is the original length, limited by the interface's
/// snaplen (0 = unlimited) and by the room in the block.
fn simple_packet_caplen(orig_len: u32, snaplen: u32, space: usize) -> usize {
    let limit = if snaplen == 0 {
        orig_len
    } else {
        orig_len.min(snaplen)
    };
    usize::try_from(limit).unwrap_or(usize::MAX).min(space)
}

/// The `frame.len` of a frame: tshark counts a Custom Block's length without its 4-byte
/// Private Enterprise Number.
pub fn shown_orig_len(link_type: LinkType, orig_len: u32) -> u32 {
    if link_type.is_custom_block() {
        orig_len.saturating_sub(CUSTOM_BLOCK_PEN_LEN as u32)
    } else {
        orig_len
    }
}

fn custom(body: &[u8], last_ts: Timestamp, order: ByteOrder) -> PacketMeta {
    PacketMeta {
        ts: last_ts,
        orig_len: u32::try_from(body.len()).unwrap_or(u32::MAX),
        link_type: match order {
            ByteOrder::Big => LinkType::PCAPNG_CUSTOM,
            ByteOrder::Little => LinkType::PCAPNG_CUSTOM_LE,
        },
        interface_id: None,
        precision: TsPrecision::Micro,
        data: BLOCK_HEADER_LEN..BLOCK_HEADER_LEN + body.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{CaptureError, CaptureFormat, FileReader};
    use std::io::Cursor;

    /// Builds pcapng files block by block in either byte order.
    struct Builder {
        order: ByteOrder,
        out: Vec<u8>,
    }

    impl Builder {
        fn new(order: ByteOrder) -> Builder {
            let mut b = Builder {
                order,
                out: Vec::new(),
            };
            b.section(order);
            b
        }
        fn u16(&self, v: u16) -> [u8; 2] {
            match self.order {
                ByteOrder::Little => v.to_le_bytes(),
                ByteOrder::Big => v.to_be_bytes(),
            }
        }
        fn u32(&self, v: u32) -> [u8; 4] {
            match self.order {
                ByteOrder::Little => v.to_le_bytes(),
                ByteOrder::Big => v.to_be_bytes(),
            }
        }
        /// Appends a block with a padded body and correct lengths.
        fn block(&mut self, block_type: u32, body: &[u8]) -> &mut Self {
            let mut body = body.to_vec();
            body.resize(body.len().next_multiple_of(4), 0);
            let total = (body.len() + MIN_BLOCK_LEN) as u32;
            self.raw_block(block_type, total, &body, total)
        }
        fn raw_block(&mut self, block_type: u32, lead: u32, body: &[u8], trail: u32) -> &mut Self {
            let (t, l, tr) = (self.u32(block_type), self.u32(lead), self.u32(trail));
            self.out.extend_from_slice(&t);
            self.out.extend_from_slice(&l);
            self.out.extend_from_slice(body);
            self.out.extend_from_slice(&tr);
            self
        }
        fn section(&mut self, order: ByteOrder) -> &mut Self {
            self.order = order;
            let mut body = self.u32(BYTE_ORDER_MAGIC).to_vec();
            body.extend_from_slice(&self.u16(1));
            body.extend_from_slice(&self.u16(0));
            body.extend_from_slice(&[0xff; 8]);
            self.block(SECTION_HEADER_BLOCK, &body)
        }
        fn option(&self, body: &mut Vec<u8>, code: u16, value: &[u8]) {
            body.extend_from_slice(&self.u16(code));
            body.extend_from_slice(&self.u16(value.len() as u16));
            body.extend_from_slice(value);
            body.resize(body.len().next_multiple_of(4), 0);
        }
        fn interface(
            &mut self,
            link: u16,
            snaplen: u32,
            name: &str,
            tsresol: Option<u8>,
        ) -> &mut Self {
            let mut body = self.u16(link).to_vec();
            body.extend_from_slice(&[0, 0]);
            body.extend_from_slice(&self.u32(snaplen));
            if !name.is_empty() {
                self.option(&mut body, OPT_IF_NAME, name.as_bytes());
            }
            if let Some(r) = tsresol {
                self.option(&mut body, OPT_IF_TSRESOL, &[r]);
            }
            self.option(&mut body, OPT_END_OF_OPT, &[]);
            self.block(INTERFACE_DESCRIPTION_BLOCK, &body)
        }
        fn packet_fields(&self, units: u64, data: &[u8], orig_len: u32) -> Vec<u8> {
            let mut body = self.u32((units >> 32) as u32).to_vec();
            body.extend_from_slice(&self.u32(units as u32));
            body.extend_from_slice(&self.u32(data.len() as u32));
            body.extend_from_slice(&self.u32(orig_len));
            body.extend_from_slice(data);
            body
        }
        fn epb(&mut self, iface: u32, units: u64, data: &[u8], orig_len: u32) -> &mut Self {
            let mut body = self.u32(iface).to_vec();
            body.extend(self.packet_fields(units, data, orig_len));
            self.block(ENHANCED_PACKET_BLOCK, &body)
        }
        fn pb(&mut self, iface: u16, units: u64, data: &[u8], orig_len: u32) -> &mut Self {
            let mut body = self.u16(iface).to_vec();
            body.extend_from_slice(&self.u16(7));
            body.extend(self.packet_fields(units, data, orig_len));
            self.block(PACKET_BLOCK, &body)
        }
        fn spb(&mut self, data: &[u8], orig_len: u32) -> &mut Self {
            let mut body = self.u32(orig_len).to_vec();
            body.extend_from_slice(data);
            self.block(SIMPLE_PACKET_BLOCK, &body)
        }
        fn bytes(&self) -> Vec<u8> {
            self.out.clone()
        }
    }

    fn reader(bytes: Vec<u8>) -> Result<FileReader, CaptureError> {
        FileReader::from_reader("test.pcapng", Box::new(Cursor::new(bytes)))
    }

    /// (interface, link type, timestamp, orig_len, data) of every frame, then the final error.
    type Summary = (Option<u32>, LinkType, Timestamp, TsPrecision, u32, Vec<u8>);
    fn read_all(bytes: Vec<u8>) -> (Vec<Summary>, Option<CaptureError>) {
        let mut r = reader(bytes).expect("open");
        let mut frames = Vec::new();
        loop {
            match r.next_frame() {
                Ok(Some(f)) => frames.push((
                    f.interface_id,
                    f.link_type,
                    f.ts,
                    f.precision,
                    f.orig_len,
                    f.data.to_vec(),
                )),
                Ok(None) => return (frames, None),
                Err(e) => {
                    assert!(r.next_frame().unwrap().is_none(), "Ok(None) after an error");
                    return (frames, Some(e));
                }
            }
        }
    }

    fn corrupt_what(err: Option<CaptureError>) -> (u64, String) {
        match err {
            Some(CaptureError::Corrupt { offset, what, .. }) => (offset, what),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn resolution_conversion_is_exact() {
        let micro = TsResolution::default();
        assert_eq!(
            micro.to_timestamp(1_500_000_123),
            Timestamp {
                secs: 1500,
                nanos: 123_000
            }
        );
        let nano = TsResolution::from_option(9);
        assert_eq!(nano, TsResolution::Pow10(9));
        assert_eq!(
            nano.to_timestamp(1_000_000_001),
            Timestamp { secs: 1, nanos: 1 }
        );
        let pow2 = TsResolution::from_option(0x80 | 10);
        assert_eq!(pow2, TsResolution::Pow2(10));
        // 1536 units of 1/1024 s = 1.5 s; 1 unit = 976562.5 ns, rounded down.
        assert_eq!(
            pow2.to_timestamp(1536),
            Timestamp {
                secs: 1,
                nanos: 500_000_000
            }
        );
        assert_eq!(
            pow2.to_timestamp(1),
            Timestamp {
                secs: 0,
                nanos: 976_562
            }
        );
        // u64::MAX whole seconds do not fit an i64: clamped, not wrapped or panicking.
        assert_eq!(TsResolution::Pow10(0).to_timestamp(u64::MAX).secs, i64::MAX);
        assert_eq!(
            TsResolution::Pow10(127).to_timestamp(u64::MAX),
            Timestamp::default()
        );
        assert_eq!(
            TsResolution::Pow2(127).to_timestamp(u64::MAX),
            Timestamp::default()
        );
        assert_eq!(
            TsResolution::Pow10(12).to_timestamp(2_000_000_000_000),
            Timestamp { secs: 2, nanos: 0 }
        );
    }

    #[test]
    fn precision_from_resolution() {
        assert_eq!(TsResolution::Pow10(6).precision(), TsPrecision::Micro);
        assert_eq!(TsResolution::Pow10(3).precision(), TsPrecision::Micro);
        assert_eq!(TsResolution::Pow10(7).precision(), TsPrecision::Nano);
        assert_eq!(TsResolution::Pow2(10).precision(), TsPrecision::Micro);
        assert_eq!(TsResolution::Pow2(19).precision(), TsPrecision::Micro);
        assert_eq!(TsResolution::Pow2(20).precision(), TsPrecision::Nano);
    }

    #[test]
    fn block_length_checks() {
        assert!(check_block_len(8).unwrap_err().contains("minimum"));
        assert!(check_block_len(30).unwrap_err().contains("multiple of 4"));
        assert!(check_block_len(u32::MAX - 3).unwrap_err().contains("limit"));
        assert_eq!(check_block_len(12), Ok(12));
        assert_eq!(check_block_len(MAX_BLOCK_LEN as u32), Ok(MAX_BLOCK_LEN));
    }

    fn both_orders_file(order: ByteOrder) -> Vec<u8> {
        let mut b = Builder::new(order);
        b.interface(1, 0, "eth0", None)
            .epb(0, 1_700_000_000_123_456, b"\x01\x02\x03", 60)
            .spb(b"abcdefgh", 8)
            .pb(0, 2_000_000, b"xyz", 3);
        b.bytes()
    }

    #[test]
    fn little_and_big_endian() {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let r = reader(both_orders_file(order)).unwrap();
            assert_eq!(r.format(), CaptureFormat::Pcapng);
            assert_eq!(r.link_type(), None, "no IDB read yet");
            let (frames, err) = read_all(both_orders_file(order));
            assert!(err.is_none(), "{err:?}");
            let micro = TsPrecision::Micro;
            let eth = LinkType::ETHERNET;
            let ts = Timestamp {
                secs: 1_700_000_000,
                nanos: 123_456_000,
            };
            assert_eq!(
                frames[0],
                (Some(0), eth, ts, micro, 60, b"\x01\x02\x03".to_vec())
            );
            assert_eq!(
                frames[1],
                (
                    Some(0),
                    eth,
                    Timestamp::NONE,
                    micro,
                    8,
                    b"abcdefgh".to_vec()
                )
            );
            assert_eq!(
                frames[2],
                (
                    Some(0),
                    eth,
                    Timestamp { secs: 2, nanos: 0 },
                    micro,
                    3,
                    b"xyz".to_vec()
                )
            );
            assert_eq!(frames.len(), 3);
        }
    }

    #[test]
    fn interfaces_with_names_link_types_and_resolutions() {
        let mut b = Builder::new(ByteOrder::Little);
        b.interface(1, 96, "eth0", None)
            .interface(113, 0, "any", Some(9))
            .interface(228, 1500, "", Some(0x80 | 10))
            .epb(2, 1024 * 5 + 512, b"v4", 2)
            .epb(1, 3_000_000_007, b"sll", 3)
            .epb(0, 1, b"e", 1);
        let mut r = reader(b.bytes()).unwrap();
        let (ts, link, prec, id) = {
            let f = r.next_frame().unwrap().unwrap();
            (f.ts, f.link_type, f.precision, f.interface_id)
        };
        assert_eq!(
            (ts, link, prec, id),
            (
                Timestamp {
                    secs: 5,
                    nanos: 500_000_000
                },
                LinkType::IPV4,
                TsPrecision::Micro,
                Some(2)
            )
        );
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!(
            (f.ts, f.link_type, f.precision),
            (
                Timestamp { secs: 3, nanos: 7 },
                LinkType::LINUX_SLL,
                TsPrecision::Nano
            )
        );
        let f = r.next_frame().unwrap().unwrap();
        assert_eq!((f.ts.nanos, f.link_type), (1_000, LinkType::ETHERNET));
        assert!(r.next_frame().unwrap().is_none());
        let names: Vec<_> = r.interfaces().iter().map(|i| i.name.clone()).collect();
        assert_eq!(
            names,
            [Some("eth0".to_string()), Some("any".to_string()), None]
        );
        assert_eq!(r.link_type(), Some(LinkType::ETHERNET));
        assert_eq!(r.snaplen(), 96);
        assert_eq!(r.interfaces()[2].snaplen, 1500);
    }

    #[test]
    fn two_sections_with_different_byte_orders() {
        let mut b = Builder::new(ByteOrder::Little);
        b.interface(1, 0, "le", None)
            .interface(228, 0, "le2", None)
            .epb(1, 0, b"one", 3);
        b.section(ByteOrder::Big)
            .interface(113, 0, "be", Some(9))
            .epb(0, 5, b"two", 3);
        let bytes = b.bytes();
        let (frames, err) = read_all(bytes.clone());
        assert!(err.is_none(), "{err:?}");
        assert_eq!(frames.len(), 2);
        assert_eq!(
            (frames[0].1, frames[0].5.as_slice()),
            (LinkType::IPV4, &b"one"[..])
        );
        assert_eq!(
            (frames[1].1, frames[1].2.nanos, frames[1].3),
            (LinkType::LINUX_SLL, 5, TsPrecision::Nano)
        );

        let mut r = reader(bytes.clone()).unwrap();
        while r.next_frame().unwrap().is_some() {}
        assert_eq!(r.interfaces().len(), 1, "the second section reset the list");
        assert_eq!(r.link_type(), Some(LinkType::LINUX_SLL));
        assert_eq!(r.offset(), bytes.len() as u64);

        // Interface 1 existed in the first section only.
        b.epb(1, 0, b"bad", 3);
        let bad_offset = bytes.len() as u64;
        let (frames, err) = read_all(b.bytes());
        assert_eq!(frames.len(), 2);
        let (offset, what) = corrupt_what(err);
        assert_eq!(offset, bad_offset);
        assert_eq!(
            what,
            "packet for interface 1, but the section defines only 1 interfaces"
        );
    }

    #[test]
    fn unknown_blocks_are_skipped_and_custom_blocks_are_frames() {
        let mut b = Builder::new(ByteOrder::Big);
        b.interface(1, 0, "", None)
            .block(0x0000_0005, &[0; 20]) // interface statistics
            .block(0x1234_5678, b"whatever")
            .epb(0, 7_000_001, b"pkt", 3);
        let mut custom = 32473u32.to_be_bytes().to_vec();
        custom.extend_from_slice(b"custom!\0");
        b.block(CUSTOM_BLOCK_COPY, &custom)
            .block(CUSTOM_BLOCK_NO_COPY, &custom);
        let (frames, err) = read_all(b.bytes());
        assert!(err.is_none(), "{err:?}");
        assert_eq!(frames.len(), 3);
        let ts = Timestamp {
            secs: 7,
            nanos: 1_000,
        };
        for f in &frames[1..] {
            assert_eq!(
                f,
                &(
                    None,
                    LinkType::PCAPNG_CUSTOM,
                    ts,
                    TsPrecision::Micro,
                    12,
                    custom.clone()
                )
            );
            assert_eq!(f.5.len() - CUSTOM_BLOCK_PEN_LEN, 8, "tshark's frame.len");
        }
        // Before any packet the custom block's timestamp is zero.
        let mut b = Builder::new(ByteOrder::Little);
        b.block(CUSTOM_BLOCK_COPY, &[1, 2, 3, 4]);
        let (frames, _) = read_all(b.bytes());
        assert_eq!(frames[0].2, Timestamp::default());
    }

    #[test]
    fn lying_block_lengths_are_corrupt() {
        let base = {
            let mut b = Builder::new(ByteOrder::Little);
            b.interface(1, 0, "", None);
            b
        };
        let at = base.out.len() as u64;
        let cases: [(u32, u32, &str); 4] = [
            (30, 30, "not a multiple of 4"),
            (8, 8, "shorter than the minimum"),
            (0xffff_fffc, 0, "larger than the limit"),
            (
                20,
                24,
                "trailing length 24 differs from its leading length 20",
            ),
        ];
        for (lead, trail, expected) in cases {
            let mut b = Builder {
                order: base.order,
                out: base.out.clone(),
            };
            b.raw_block(ENHANCED_PACKET_BLOCK, lead, &[0; 8], trail);
            b.out.extend_from_slice(&[0; 64]);
            let (frames, err) = read_all(b.bytes());
            assert!(frames.is_empty());
            let (offset, what) = corrupt_what(err);
            assert_eq!(offset, at);
            assert!(what.contains(expected), "{what}");
        }
    }

    #[test]
    fn packet_data_longer_than_block_is_corrupt() {
        let mut b = Builder::new(ByteOrder::Little);
        b.interface(1, 0, "", None);
        let at = b.out.len() as u64;
        let mut body = b.u32(0).to_vec();
        body.extend(b.packet_fields(0, b"abcd", 4));
        let caplen_at = 4 + 8; // after interface id and timestamp
        body[caplen_at..caplen_at + 4].copy_from_slice(&b.u32(100));
        b.block(ENHANCED_PACKET_BLOCK, &body);
        let (_, err) = read_all(b.bytes());
        let (offset, what) = corrupt_what(err);
        assert_eq!(offset, at);
        assert!(what.contains("captured length of 100"), "{what}");
    }

    #[test]
    fn interfaces_per_section_are_capped() {
        let mut b = Builder::new(ByteOrder::Little);
        for _ in 0..MAX_INTERFACES {
            b.interface(1, 0, "", None);
        }
        let at = b.out.len() as u64;
        b.interface(1, 0, "one too many", None);
        let (frames, err) = read_all(b.bytes());
        assert!(frames.is_empty());
        let (offset, what) = corrupt_what(err);
        assert_eq!(offset, at);
        assert!(what.contains("MAX_INTERFACES (65536)"), "{what}");
        // A new section starts a new count.
        let mut b = Builder::new(ByteOrder::Little);
        b.interface(1, 0, &"n".repeat(1000), None);
        let mut r = reader(b.bytes()).unwrap();
        assert!(r.next_frame().unwrap().is_none());
        assert_eq!(
            r.interfaces()[0].name.as_ref().map(String::len),
            Some(MAX_IF_NAME_LEN)
        );
    }

    #[test]
    fn packet_for_missing_interface() {
        let mut b = Builder::new(ByteOrder::Little);
        let at = b.out.len() as u64;
        b.spb(b"data", 4);
        let (_, err) = read_all(b.bytes());
        let (offset, what) = corrupt_what(err);
        assert_eq!(
            (offset, what.as_str()),
            (
                at,
                "packet for interface 0, but the section defines only 0 interfaces"
            )
        );
    }

    #[test]
    fn simple_packet_caplen_rules() {
        assert_eq!(simple_packet_caplen(100, 0, 100), 100);
        assert_eq!(simple_packet_caplen(100, 64, 100), 64);
        assert_eq!(simple_packet_caplen(3, 64, 4), 3);
        assert_eq!(simple_packet_caplen(100, 0, 40), 40);
    }

    #[test]
    fn section_header_only_is_an_empty_capture() {
        let b = Builder::new(ByteOrder::Big);
        let (frames, err) = read_all(b.bytes());
        assert!(frames.is_empty() && err.is_none());
    }

    #[test]
    fn bad_byte_order_magic_and_bad_option() {
        let mut bytes = Builder::new(ByteOrder::Little).bytes();
        bytes[8] = 0x11;
        let err = reader(bytes).expect_err("corrupt SHB");
        assert!(err.to_string().contains("byte-order magic"), "{err}");

        let mut b = Builder::new(ByteOrder::Little);
        let mut body = vec![1, 0, 0, 0, 0, 0, 0, 0];
        body.extend_from_slice(&[2, 0, 200, 0, b'x', 0, 0, 0]);
        b.block(INTERFACE_DESCRIPTION_BLOCK, &body);
        let (_, err) = read_all(b.bytes());
        assert!(corrupt_what(err).1.contains("option 2 of length 200"));
    }

    #[test]
    fn truncated_block_after_complete_frames() {
        let mut b = Builder::new(ByteOrder::Little);
        b.interface(1, 0, "", None).epb(0, 0, b"first", 5);
        let at = b.out.len();
        b.epb(0, 0, b"second", 6);
        let full = b.bytes();
        for cut in at + 1..full.len() {
            let (frames, err) = read_all(full[..cut].to_vec());
            assert_eq!(frames.len(), 1, "cut at {cut}");
            match err {
                Some(CaptureError::Truncated {
                    offset,
                    wanted,
                    got,
                    ..
                }) => {
                    assert_eq!(offset, at as u64);
                    assert_eq!(got, (cut - at) as u64);
                    let whole = (full.len() - at) as u64;
                    assert!(
                        wanted == whole || (got < 8 && wanted == MIN_BLOCK_LEN as u64),
                        "{wanted}"
                    );
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }
}
