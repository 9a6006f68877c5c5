//! The records of a message: the question and resource-record layouts, the [`Records`]
//! walk over the four sections, the record type numbers, and readers of rdata that both the
//! Info column and the fields use (TXT strings, the NSEC type bitmap).

use super::{HEADER_LEN, Stop, read_name, skip_name};
use crate::dissect::{be16, be32};

/// The section a resource record is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Answers (prerequisites in an update).
    Answer,
    /// Authority records (updates in an update).
    Authority,
    /// Additional records.
    Additional,
}

/// A question.
#[derive(Debug, Clone)]
pub struct Question {
    /// Offset of the name asked for (read with [`Dns::name`](super::Dns::name)).
    pub name_at: usize,
    /// Type asked for.
    pub qtype: u16,
    /// Class, with the mDNS unicast-response bit.
    pub qclass: u16,
}

/// A resource record's fixed part; its data is read on demand.
#[derive(Debug, Clone)]
pub struct Rr {
    /// Section.
    pub section: Section,
    /// Offset of the owner name (read with [`Dns::name`](super::Dns::name)).
    pub name_at: usize,
    /// Type.
    pub rtype: u16,
    /// Class, with the mDNS cache-flush bit (for OPT: the UDP payload size).
    pub class: u16,
    /// TTL (for OPT: extended rcode, version and flags).
    pub ttl: u32,
    /// Offset of the rdata in the message.
    pub rdata_at: usize,
    /// Rdata length as the record claims it.
    pub rdlen: u16,
}

/// A question or a resource record.
#[derive(Debug, Clone)]
pub enum Record {
    /// Question section entry.
    Question(Question),
    /// Answer, authority or additional record.
    Rr(Rr),
}

/// The records of a message in order; yields an error and ends at the first that cannot be
/// read whole.
pub struct Records<'a> {
    msg: &'a [u8],
    pos: usize,
    counts: [u16; 4],
    section: usize,
    left: u16,
    done: bool,
}

impl<'a> Records<'a> {
    /// The walk over `msg`, whose header claims `counts` records per section.
    pub(super) fn new(msg: &'a [u8], counts: [u16; 4]) -> Self {
        Records {
            msg,
            pos: HEADER_LEN,
            counts,
            section: 0,
            left: counts[0],
            done: false,
        }
    }

    fn read(&mut self) -> Result<Record, Stop> {
        let name_at = self.pos;
        let at = name_at + skip_name(self.msg, name_at)?;
        if self.section == 0 {
            let fixed = self.msg.get(at..at + 4).ok_or(Stop::Short)?;
            self.pos = at + 4;
            return Ok(Record::Question(Question {
                name_at,
                qtype: be16(fixed, 0),
                qclass: be16(fixed, 2),
            }));
        }
        let fixed = self.msg.get(at..at + 10).ok_or(Stop::Short)?;
        let rdlen = be16(fixed, 8);
        let rdata_at = at + 10;
        self.pos = rdata_at + rdlen as usize;
        let section = match self.section {
            1 => Section::Answer,
            2 => Section::Authority,
            _ => Section::Additional,
        };
        Ok(Record::Rr(Rr {
            section,
            name_at,
            rtype: be16(fixed, 0),
            class: be16(fixed, 2),
            ttl: be32(fixed, 4),
            rdata_at,
            rdlen,
        }))
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Record, Stop>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.msg.len() < HEADER_LEN {
            self.done = true;
            return Some(Err(Stop::Short));
        }
        while self.left == 0 {
            self.section += 1;
            if self.section >= 4 {
                self.done = true;
                return None;
            }
            self.left = self.counts[self.section];
        }
        self.left -= 1;
        let r = self.read();
        self.done = r.is_err();
        Some(r)
    }
}

/// Record type numbers used by name.
pub mod rtype {
    /// IPv4 address.
    pub const A: u16 = 1;
    /// Name server.
    pub const NS: u16 = 2;
    /// Canonical name.
    pub const CNAME: u16 = 5;
    /// Start of authority.
    pub const SOA: u16 = 6;
    /// Domain name pointer.
    pub const PTR: u16 = 12;
    /// Mail exchange.
    pub const MX: u16 = 15;
    /// Text strings.
    pub const TXT: u16 = 16;
    /// IPv6 address.
    pub const AAAA: u16 = 28;
    /// Service location.
    pub const SRV: u16 = 33;
    /// EDNS(0) pseudo-record.
    pub const OPT: u16 = 41;
}

/// The character strings of TXT data: each a length byte and that many bytes. A string that
/// runs past the data, or past the message, ends the walk with an error.
pub(super) fn txt_strings(
    msg: &[u8],
    at: usize,
    rdlen: u16,
) -> impl Iterator<Item = Result<&[u8], Stop>> {
    let end = at + rdlen as usize;
    let mut cur = at;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || cur >= end {
            return None;
        }
        let s = msg
            .get(cur)
            .and_then(|&len| msg.get(cur + 1..cur + 1 + len as usize));
        cur += 1 + msg.get(cur).map_or(0, |&len| len as usize);
        match s {
            Some(s) if cur <= end => Some(Ok(s)),
            _ => {
                failed = true;
                Some(Err(Stop::Short))
            }
        }
    })
}

/// The types listed in an NSEC record's type bitmap (RFC 4034 §4.1.2): windows of a block
/// number, a length and up to 32 bytes of bits, most significant bit first.
pub(super) fn nsec_types<'m>(msg: &'m [u8], rr: &Rr) -> impl Iterator<Item = u16> + 'm {
    let end = rr.rdata_at + rr.rdlen as usize;
    let mut cur = match read_name(msg, rr.rdata_at) {
        Ok((_, n)) if rr.rtype == NSEC && rr.rdlen > 0 => rr.rdata_at + n,
        _ => end,
    };
    let mut bits: &[u8] = &[];
    let mut base = 0u16;
    let mut i = 0usize;
    std::iter::from_fn(move || {
        loop {
            while i < bits.len() * 8 {
                let (byte, bit) = (i / 8, i % 8);
                i += 1;
                if bits[byte] & (0x80 >> bit) != 0 {
                    return Some(base.wrapping_add((byte * 8 + bit) as u16));
                }
            }
            let window = msg.get(cur..cur + 2).filter(|_| cur + 2 <= end)?;
            let size = window[1] as usize;
            bits = msg.get(cur + 2..(cur + 2 + size).min(end))?;
            base = (window[0] as u16) << 8;
            cur += 2 + size;
            i = 0;
        }
    })
}

/// The NSEC record type.
pub(super) const NSEC: u16 = 47;
