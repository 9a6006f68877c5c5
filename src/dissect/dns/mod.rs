//! DNS (RFC 1035) over UDP and TCP, and multicast DNS (RFC 6762), which has the same format.
//!
//! A message is a 12-byte header (id, flags, four section counts) followed by the questions
//! (name, type, class) and the answer, authority and additional resource records (name,
//! type, class, TTL, rdlength, rdata). Names are label sequences that may end in a
//! compression pointer (RFC 1035 §4.1.4) to a name elsewhere in the message. Over TCP every
//! message is preceded by its 2-byte length (RFC 1035 §4.2.2).
//!
//! All of it is hostile input: counts may promise records the message does not hold, an
//! rdlength may run past the end, pointers may loop. Name expansion is bounded
//! ([`MAX_NAME_TEXT`], [`MAX_POINTER_JUMPS`], [`MAX_NAME_STEPS`]) and writes into a fixed
//! stack buffer: nothing is allocated per packet.
//!
//! The Info column follows tshark 4.0's `packet-dns.c`: `Standard query 0x5934 A x.org OPT`
//! is the opcode, the id, then one entry per question and record, in message order, each
//! written as soon as it was read. A record that cannot be read ends the walk there, and the
//! frame gets tshark's expert note ([`Dns::walk`] reports which).

use super::{Dissection, Layer, Proto, View, Walker, be16, be32, byte};
use crate::fields::{Emit, FieldDef, FieldType, Value};
use arrayvec::{ArrayString, ArrayVec};
use std::fmt;

/// The DNS port, UDP and TCP.
pub const PORT: u16 = 53;
/// The multicast DNS port (RFC 6762 §3).
pub const MDNS_PORT: u16 = 5353;
/// Header length: id, flags and the four section counts.
pub const HEADER_LEN: usize = 12;
/// Over TCP each message is preceded by its length (RFC 1035 §4.2.2).
pub const TCP_LEN_PREFIX: usize = 2;

/// Header field offsets.
mod off {
    /// Transaction id.
    pub const ID: usize = 0;
    /// Flags.
    pub const FLAGS: usize = 2;
    /// The four section counts (questions, answers, authority, additional), 2 bytes each.
    pub const COUNTS: usize = 4;
}

/// Flag bits.
pub mod flag {
    /// QR: the message is a response.
    pub const RESPONSE: u16 = 0x8000;
    /// Opcode, 4 bits from bit 11.
    pub const OPCODE_SHIFT: u16 = 11;
    /// Reply code, the low 4 bits.
    pub const RCODE: u16 = 0x000f;
}

/// Opcode of a dynamic update (RFC 2136), whose sections are zones, prerequisites, updates.
pub const OPCODE_UPDATE: u16 = 5;
/// mDNS: the top bit of a question's class asks for a unicast answer (RFC 6762 §5.4), the top
/// bit of a record's class tells caches to flush (§10.2).
pub const MDNS_CLASS_BIT: u16 = 0x8000;

/// Longest name text. RFC 1035 §3.1 limits a name to 255 octets on the wire: 253 characters
/// of text once the first length byte and the final zero are dropped. tshark shows a longer
/// name as `<Name too long>` and goes on with the message, and so do we.
pub const MAX_NAME_TEXT: usize = 253;
/// Most compression pointers followed in one name. A well-formed name needs few (RFC 1035
/// pointers point backwards); tshark stops after 255 (its `MAX_DNAME_LEN`) and shows
/// `<Name contains a pointer that loops>`, which is how every pointer cycle ends.
pub const MAX_POINTER_JUMPS: u32 = 255;
/// Most labels plus pointers read for one name. A name within the two limits above needs at
/// most 127 labels and 255 pointers, and a pointer cycle through up to three labels is seen
/// as a loop before this. Past it decoding ends and the message is reported malformed: the
/// bound on the work one hostile name can cause (tshark's own walk has none).
pub const MAX_NAME_STEPS: u32 = 1024;

/// Raw text buffer: one byte more than [`MAX_NAME_TEXT`], so a full buffer means too long.
const NAME_BUF: usize = MAX_NAME_TEXT + 1;
/// Longest shown (escaped) name: a raw byte becomes at most 4 characters (`\001`).
pub const MAX_NAME_SHOWN: usize = 4 * NAME_BUF;

/// Why reading a message stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A read ran past the end of the message (cut by the snaplen, or malformed).
    Short,
    /// The bytes contradict the format.
    Malformed(&'static str),
}

/// What a decoded name holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// Labels, joined by dots.
    Text,
    /// The empty name (`<Root>`).
    Root,
    /// More than [`MAX_NAME_TEXT`] characters (`<Name too long>`).
    TooLong,
    /// More than [`MAX_POINTER_JUMPS`] pointers (`<Name contains a pointer that loops>`).
    Loops,
}

/// A decoded name: its raw text as on the wire (labels joined by dots), or the placeholder
/// tshark shows instead.
#[derive(Debug, Clone)]
pub struct Name {
    raw: ArrayVec<u8, NAME_BUF>,
    kind: NameKind,
}

impl Name {
    /// What the name holds.
    pub fn kind(&self) -> NameKind {
        self.kind
    }
    /// The raw label bytes joined by dots (empty unless [`NameKind::Text`]).
    pub fn raw(&self) -> &[u8] {
        if self.kind == NameKind::Text {
            &self.raw
        } else {
            &[]
        }
    }
    /// Writes the name as tshark shows it: the text with unprintable bytes escaped, or the
    /// placeholder.
    pub fn write(&self, out: &mut impl fmt::Write) -> fmt::Result {
        match self.kind {
            NameKind::Text => write_text(out, &self.raw),
            NameKind::Root => out.write_str("<Root>"),
            NameKind::TooLong => out.write_str("<Name too long>"),
            NameKind::Loops => out.write_str("<Name contains a pointer that loops>"),
        }
    }
    /// The shown form in a stack buffer.
    pub fn shown(&self) -> ArrayString<MAX_NAME_SHOWN> {
        let mut s = ArrayString::new();
        // Cannot fail: MAX_NAME_SHOWN covers the worst escape of a full buffer.
        let _ = self.write(&mut s);
        s
    }
}

/// Writes wire text the way tshark's `format_text` shows it: printable text as is, C escapes
/// for the usual control characters, octal for the other ASCII ones, `\uXXXX` for other
/// control characters, and U+FFFD for bytes that are not UTF-8.
pub fn write_text(out: &mut impl fmt::Write, raw: &[u8]) -> fmt::Result {
    for chunk in raw.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\x07' => out.write_str("\\a")?,
                '\x08' => out.write_str("\\b")?,
                '\x0c' => out.write_str("\\f")?,
                '\n' => out.write_str("\\n")?,
                '\r' => out.write_str("\\r")?,
                '\t' => out.write_str("\\t")?,
                '\x0b' => out.write_str("\\v")?,
                c if (c as u32) < 0x20 || c == '\x7f' => write!(out, "\\{:03o}", c as u32)?,
                c if c.is_control() => write!(out, "\\u{:04x}", c as u32)?,
                c => out.write_char(c)?,
            }
        }
        if !chunk.invalid().is_empty() {
            out.write_char('\u{fffd}')?;
        }
    }
    Ok(())
}

/// Reads the name at `start`: the name and how many bytes it takes in place (up to and
/// including its first pointer).
///
/// Follows tshark's `expand_dns_name`: text past [`MAX_NAME_TEXT`] is dropped and the name
/// shown as too long, more than [`MAX_POINTER_JUMPS`] pointers make it a loop. Label types
/// other than plain labels and pointers (RFC 6891 §5 deprecates the extended ones) are
/// malformed, as is a walk longer than [`MAX_NAME_STEPS`].
pub fn read_name(msg: &[u8], start: usize) -> Result<(Name, usize), Stop> {
    let mut raw: ArrayVec<u8, NAME_BUF> = ArrayVec::new();
    let (used, loops) = walk_name(msg, start, Some(&mut raw))?;
    let kind = if loops {
        raw.clear();
        NameKind::Loops
    } else if raw.is_full() {
        NameKind::TooLong
    } else if raw.is_empty() {
        NameKind::Root
    } else {
        NameKind::Text
    };
    Ok((Name { raw, kind }, used))
}

/// How many bytes the name at `start` takes in place, with the errors [`read_name`] gives,
/// without copying its text (the record walk does this for every record of every field).
pub fn skip_name(msg: &[u8], start: usize) -> Result<usize, Stop> {
    walk_name(msg, start, None).map(|(used, _)| used)
}

/// Follows the name at `start`, appending its labels to `raw` when given. Returns the bytes
/// it takes in place and whether it ended as a pointer loop.
fn walk_name(
    msg: &[u8],
    start: usize,
    mut raw: Option<&mut ArrayVec<u8, NAME_BUF>>,
) -> Result<(usize, bool), Stop> {
    let mut pos = start;
    let mut in_place: Option<usize> = None;
    let mut jumps = 0u32;
    let mut steps = 0u32;
    loop {
        let len = *msg.get(pos).ok_or(Stop::Short)?;
        pos += 1;
        if len == 0 {
            break;
        }
        steps += 1;
        if steps > MAX_NAME_STEPS {
            return Err(Stop::Malformed("DNS name needs too many steps to expand"));
        }
        match len & 0xc0 {
            0x00 => {
                let label = msg.get(pos..pos + len as usize).ok_or(Stop::Short)?;
                pos += len as usize;
                if let Some(raw) = raw.as_deref_mut() {
                    if !raw.is_empty() {
                        let _ = raw.try_push(b'.');
                    }
                    let room = raw.remaining_capacity().min(label.len());
                    let _ = raw.try_extend_from_slice(&label[..room]);
                }
            }
            0xc0 => {
                let low = *msg.get(pos).ok_or(Stop::Short)?;
                pos += 1;
                let here = *in_place.get_or_insert_with(|| pos - start);
                jumps += 1;
                if jumps > MAX_POINTER_JUMPS {
                    return Ok((here, true));
                }
                pos = (((len & 0x3f) as usize) << 8) | low as usize;
            }
            _ => return Err(Stop::Malformed("unsupported DNS label type")),
        }
    }
    Ok((in_place.unwrap_or_else(|| pos - start), false))
}

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
    /// Offset of the name asked for (read with [`Dns::name`]).
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
    /// Offset of the owner name (read with [`Dns::name`]).
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

impl Records<'_> {
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

/// A DNS or mDNS message (any length: every accessor checks).
#[derive(Debug, Clone, Copy)]
pub struct Dns<'a> {
    msg: &'a [u8],
    mdns: bool,
}

impl<'a> Dns<'a> {
    /// The name at `at`, read again for the record walk that found it there; a name that
    /// cannot be read (never, after that walk) shows as the root.
    pub fn name(&self, at: usize) -> Name {
        read_name(self.msg, at).map_or(
            Name {
                raw: ArrayVec::new(),
                kind: NameKind::Root,
            },
            |(name, _)| name,
        )
    }

    /// A view of `msg` (without the TCP length prefix).
    pub fn new(msg: &'a [u8], mdns: bool) -> Self {
        Dns { msg, mdns }
    }
    /// The message bytes.
    pub fn message(&self) -> &'a [u8] {
        self.msg
    }
    /// True for multicast DNS.
    pub fn is_mdns(&self) -> bool {
        self.mdns
    }
    /// Transaction id.
    pub fn id(&self) -> Option<u16> {
        (self.msg.len() >= off::ID + 2).then(|| be16(self.msg, off::ID))
    }
    /// Flags.
    pub fn flags(&self) -> Option<u16> {
        (self.msg.len() >= off::FLAGS + 2).then(|| be16(self.msg, off::FLAGS))
    }
    /// True for a response.
    pub fn is_response(&self) -> bool {
        self.flags().is_some_and(|f| f & flag::RESPONSE != 0)
    }
    /// Opcode.
    pub fn opcode(&self) -> Option<u16> {
        self.flags().map(|f| (f >> flag::OPCODE_SHIFT) & 0xf)
    }
    /// Section count `i` (0 questions, 1 answers, 2 authority, 3 additional).
    pub fn count(&self, i: usize) -> Option<u16> {
        let at = off::COUNTS + 2 * i;
        (i < 4 && self.msg.len() >= at + 2).then(|| be16(self.msg, at))
    }
    /// The records in order.
    pub fn records(&self) -> Records<'a> {
        let counts = [0, 1, 2, 3].map(|i| self.count(i).unwrap_or(0));
        Records {
            msg: self.msg,
            pos: HEADER_LEN,
            counts,
            section: 0,
            left: counts[0],
            done: false,
        }
    }

    /// Writes the Info text into `out`, as far as the message can be read, and says why it
    /// stopped early. Dissection runs it once (into a sink that keeps nothing) to find the
    /// expert note; the Info column runs it again.
    pub fn walk(&self, out: &mut impl fmt::Write) -> Result<(), Stop> {
        let (Some(id), Some(flags)) = (self.id(), self.flags()) else {
            return Err(Stop::Short);
        };
        let opcode = (flags >> flag::OPCODE_SHIFT) & 0xf;
        let response = flags & flag::RESPONSE != 0;
        let _ = match value_name(OPCODES, opcode) {
            Some(n) => out.write_str(n),
            None => write!(out, "Unknown operation ({opcode})"),
        };
        if response {
            let _ = out.write_str(" response");
        }
        let _ = out.write_str(" 0x");
        let _ = write_hex4(out, id);
        let rcode = flags & flag::RCODE;
        if response && rcode != 0 {
            let _ = match value_name(RCODES, rcode) {
                Some(n) => write!(out, " {n}"),
                None => write!(out, " Unknown error ({rcode})"),
            };
        }
        for rec in self.records() {
            match rec? {
                Record::Question(q) => {
                    let _ = out.write_char(' ');
                    let _ = write_type(out, q.qtype);
                    let _ = out.write_char(' ');
                    let _ = self.name(q.name_at).write(out);
                    if self.mdns {
                        let qu = q.qclass & MDNS_CLASS_BIT != 0;
                        let _ = write!(out, ", \"{}\" question", if qu { "QU" } else { "QM" });
                    }
                }
                Record::Rr(rr) => {
                    let _ = out.write_char(' ');
                    let _ = write_type(out, rr.rtype);
                    if self.mdns && rr.class & MDNS_CLASS_BIT != 0 {
                        let _ = out.write_str(", cache flush");
                    }
                    if rr.rdlen > 0 {
                        self.write_rdata(&rr, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// `n` bytes at `at`, or [`Stop::Short`].
    fn bytes(&self, at: usize, n: usize) -> Result<&'a [u8], Stop> {
        self.msg.get(at..at + n).ok_or(Stop::Short)
    }

    /// Writes what tshark's Info shows of a record's data, reading what tshark reads (so a
    /// record it cannot read stops the walk at the same place).
    fn write_rdata(&self, rr: &Rr, out: &mut impl fmt::Write) -> Result<(), Stop> {
        let at = rr.rdata_at;
        let name_at = |at: usize| read_name(self.msg, at);
        match rr.rtype {
            rtype::A => {
                let a = self.bytes(at, 4)?;
                let _ = out.write_char(' ');
                let _ = write_dotted(out, a);
            }
            rtype::AAAA => {
                let a: [u8; 16] = super::array(self.bytes(at, 16)?, 0);
                let _ = write!(out, " {}", std::net::Ipv6Addr::from(a));
            }
            // NS, CNAME, PTR, NXT, DNAME, NSEC: the name in the data.
            2 | 5 | 12 | 30 | 39 | 47 => {
                let (n, _) = name_at(at)?;
                let _ = out.write_char(' ');
                let _ = n.write(out);
            }
            // MD, MF, MB, MG, MR, NSAP-PTR: tshark shows the owner, then reads one name.
            3 | 4 | 7 | 8 | 9 | 23 => {
                write_owner(self, rr, out);
                name_at(at)?;
            }
            // MINFO, RP: owner, then two names.
            14 | 17 => {
                write_owner(self, rr, out);
                let (_, n) = name_at(at)?;
                name_at(at + n)?;
            }
            // AFSDB, RT: owner, then a 16-bit value and a name.
            18 | 21 => {
                write_owner(self, rr, out);
                name_at(at + 2)?;
            }
            // PX: owner, then a preference and two names.
            26 => {
                write_owner(self, rr, out);
                let (_, n) = name_at(at + 2)?;
                name_at(at + 2 + n)?;
            }
            // NULL, NSAP: the owner only.
            10 | 22 => write_owner(self, rr, out),
            // X25, ISDN: owner, then a length byte.
            19 | 20 => {
                write_owner(self, rr, out);
                self.bytes(at, 1)?;
            }
            rtype::SOA => {
                let (mname, n) = name_at(at)?;
                let _ = out.write_char(' ');
                let _ = mname.write(out);
                let (_, r) = name_at(at + n)?;
                // Serial, refresh, retry, expire, minimum.
                self.bytes(at + n + r, 20)?;
            }
            // WKS: address, protocol, then a bitmap filling the rest of the data.
            11 => {
                let a = self.bytes(at, 4)?;
                let _ = write!(out, " {}.{}.{}.{}", a[0], a[1], a[2], a[3]);
                if rr.rdlen < 5 {
                    return Err(Stop::Short);
                }
                self.bytes(at, rr.rdlen as usize)?;
            }
            // HINFO: CPU and OS character strings.
            13 => {
                let cpu_len = byte(self.bytes(at, 1)?, 0) as usize;
                let cpu = self.bytes(at + 1, cpu_len)?;
                let os_at = at + 1 + cpu_len;
                let os_len = byte(self.bytes(os_at, 1)?, 0) as usize;
                let os = self.bytes(os_at + 1, os_len)?;
                let _ = out.write_char(' ');
                let _ = write_text(out, cpu);
                let _ = out.write_char(' ');
                let _ = write_text(out, os);
            }
            rtype::MX => {
                let pref = be16(self.bytes(at, 2)?, 0);
                let (n, _) = name_at(at + 2)?;
                let _ = write!(out, " {pref} ");
                let _ = n.write(out);
            }
            rtype::TXT => {
                txt_strings(self.msg, at, rr.rdlen).try_for_each(|s| s.map(|_| ()))?;
            }
            rtype::SRV => {
                let f = self.bytes(at, 6)?;
                let (target, _) = name_at(at + 6)?;
                let _ = write!(out, " {} {} {} ", be16(f, 0), be16(f, 2), be16(f, 4));
                let _ = target.write(out);
            }
            // NAPTR: order, preference, flags, then service, regexp and replacement.
            35 => {
                let f = self.bytes(at, 5)?;
                let flags_len = byte(f, 4) as usize;
                let flags = self.bytes(at + 5, flags_len)?;
                let service_at = at + 5 + flags_len;
                let service_len = byte(self.bytes(service_at, 1)?, 0) as usize;
                let regex_at = service_at + 1 + service_len;
                let regex_len = byte(self.bytes(regex_at, 1)?, 0) as usize;
                name_at(regex_at + 1 + regex_len)?;
                let _ = write!(out, " {} {} ", be16(f, 0), be16(f, 2));
                let _ = write_text(out, flags);
            }
            rtype::OPT => {
                // Options: code, length, data; each header must be there.
                let mut left = rr.rdlen as isize;
                let mut cur = at;
                while left > 0 {
                    let h = self.bytes(cur, 4)?;
                    let len = be16(h, 2) as usize;
                    cur += 4 + len;
                    left -= 4 + len as isize;
                }
            }
            _ => {}
        }
        Ok(())
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

fn write_owner(dns: &Dns<'_>, rr: &Rr, out: &mut impl fmt::Write) {
    let _ = out.write_char(' ');
    let _ = dns.name(rr.name_at).write(out);
}

fn write_type(out: &mut impl fmt::Write, t: u16) -> fmt::Result {
    match type_name(t) {
        Some(n) => out.write_str(n),
        None => write!(out, "Unknown ({t})"),
    }
}

/// The character strings of TXT data: each a length byte and that many bytes. A string that
/// runs past the data, or past the message, ends the walk with an error.
fn txt_strings(msg: &[u8], at: usize, rdlen: u16) -> impl Iterator<Item = Result<&[u8], Stop>> {
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

/// A sink for [`Dns::walk`] when only the outcome matters.
struct Discard;

impl fmt::Write for Discard {
    fn write_str(&mut self, _: &str) -> fmt::Result {
        Ok(())
    }
}

/// Dissects a DNS message (`mdns` for multicast DNS), without the TCP length prefix.
/// `layer_bytes` is what the layer covers (the prefix included over TCP).
pub fn dissect<'a>(
    w: &mut Walker<'a, '_>,
    offset: usize,
    layer_bytes: &'a [u8],
    msg: &'a [u8],
    mdns: bool,
) {
    let proto = if mdns { Proto::Mdns } else { Proto::Dns };
    let dns = Dns::new(msg, mdns);
    if !w.push(proto, offset, layer_bytes, View::Dns(dns)) {
        return;
    }
    // Inside an ICMP error the quoted message is cut short by design.
    if w.d.has(Proto::Icmp) || w.d.has(Proto::Icmpv6) {
        return;
    }
    match dns.walk(&mut Discard) {
        Ok(()) => {}
        Err(Stop::Short) => w.short(proto, offset, layer_bytes),
        Err(Stop::Malformed(reason)) => w.malformed(proto, offset, layer_bytes, reason),
    }
}

/// Splits a TCP payload on the DNS port into its first message: `Some((layer bytes,
/// message))` when the length prefix and the whole message are there, `None` when the
/// message continues in later segments.
pub fn tcp_message(payload: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = be16(payload.get(..TCP_LEN_PREFIX)?, 0) as usize;
    let whole = payload.get(..TCP_LEN_PREFIX + len)?;
    Some((whole, &whole[TCP_LEN_PREFIX..]))
}

/// Writes the Info column.
pub fn info(dns: &Dns<'_>, out: &mut String) {
    let _ = dns.walk(out);
}

/// Four lowercase hex digits (the Info column's transaction id), without `core::fmt`.
fn write_hex4(out: &mut impl fmt::Write, v: u16) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in [12, 8, 4, 0] {
        out.write_char(char::from(HEX[usize::from((v >> shift) & 0xf)]))?;
    }
    Ok(())
}

/// Dotted decimal of the first four bytes of `a`, without `core::fmt`.
fn write_dotted(out: &mut impl fmt::Write, a: &[u8]) -> fmt::Result {
    let mut digits = itoa::Buffer::new();
    for (i, b) in a.iter().take(4).enumerate() {
        if i > 0 {
            out.write_char('.')?;
        }
        out.write_str(digits.format(*b))?;
    }
    Ok(())
}

/// The short type name tshark's Info column uses (`A`, `AAAA`, ...); note that Wireshark's
/// table names 253 `MAILA` and 254 `MAILB`.
pub fn type_name(t: u16) -> Option<&'static str> {
    Some(match t {
        0 => "Unused",
        1 => "A",
        2 => "NS",
        3 => "MD",
        4 => "MF",
        5 => "CNAME",
        6 => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        14 => "MINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAP-PTR",
        24 => "SIG",
        25 => "KEY",
        26 => "PX",
        27 => "GPOS",
        28 => "AAAA",
        29 => "LOC",
        30 => "NXT",
        31 => "EID",
        32 => "NIMLOC",
        33 => "SRV",
        34 => "ATMA",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        38 => "A6",
        39 => "DNAME",
        40 => "SINK",
        41 => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        52 => "TLSA",
        55 => "HIP",
        57 => "RKEY",
        58 => "TALINK",
        59 => "CDS",
        60 => "CDNSKEY",
        61 => "OPENPGPKEY",
        62 => "CSYNC",
        63 => "ZONEMD",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        100 => "UINFO",
        101 => "UID",
        102 => "GID",
        103 => "UNSPEC",
        104 => "NID",
        105 => "L32",
        106 => "L64",
        107 => "LP",
        108 => "EUI48",
        109 => "EUI64",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILA",
        254 => "MAILB",
        255 => "ANY",
        256 => "URI",
        257 => "CAA",
        32768 => "TA",
        32769 => "DLV",
        65281 => "WINS",
        65282 => "WINS-R",
        65422 => "XPF",
        _ => return None,
    })
}

fn value_name(table: &[(u64, &'static str)], v: u16) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == v as u64).map(|(_, n)| *n)
}

/// Opcode names.
pub static OPCODES: &[(u64, &str)] = &[
    (0, "Standard query"),
    (1, "Inverse query"),
    (2, "Server status request"),
    (4, "Zone change notification"),
    (5, "Dynamic update"),
    (6, "DNS Stateful operations (DSO)"),
];

/// Reply code names.
pub static RCODES: &[(u64, &str)] = &[
    (0, "No error"),
    (1, "Format error"),
    (2, "Server failure"),
    (3, "No such name"),
    (4, "Not implemented"),
    (5, "Refused"),
    (6, "Name exists"),
    (7, "RRset exists"),
    (8, "RRset does not exist"),
    (9, "Not authoritative"),
    (10, "Name out of zone"),
    (11, "DSO-Type not implemented"),
    (16, "Bad OPT Version or TSIG Signature Failure"),
    (17, "Key not recognized"),
    (18, "Signature out of time window"),
    (19, "Bad TKEY Mode"),
    (20, "Duplicate key name"),
    (21, "Algorithm not supported"),
    (22, "Bad Truncation"),
    (23, "Bad/missing Server Cookie"),
];

/// Type descriptions (the value names of `dns.qry.type` and `dns.resp.type`).
pub static TYPES: &[(u64, &str)] = &[
    (0, "Unused"),
    (1, "A (Host Address)"),
    (2, "NS (authoritative Name Server)"),
    (3, "MD (Mail Destination)"),
    (4, "MF (Mail Forwarder)"),
    (5, "CNAME (Canonical NAME for an alias)"),
    (6, "SOA (Start Of a zone of Authority)"),
    (7, "MB (MailBox domain name)"),
    (8, "MG (Mail Group member)"),
    (9, "MR (Mail Rename domain)"),
    (10, "NULL RR"),
    (11, "WKS (Well Known Service)"),
    (12, "PTR (domain name PoinTeR)"),
    (13, "HINFO (host information)"),
    (14, "MINFO (Mailbox or mail list information)"),
    (15, "MX (Mail eXchange)"),
    (16, "TXT (Text strings)"),
    (17, "RP (Responsible Person)"),
    (18, "AFSDB (AFS Data Base location)"),
    (19, "X25 (XX.25 PSDN address)"),
    (20, "ISDN (ISDN address)"),
    (21, "RT (Route Through)"),
    (22, "NSAP (NSAP address)"),
    (23, "NSAP-PTR (NSAP domain name pointer)"),
    (24, "SIG (security signature)"),
    (25, "KEY (security key)"),
    (26, "PX (X.400 mail mapping information)"),
    (27, "GPOS (Geographical Position)"),
    (28, "AAAA (IPv6 Address)"),
    (29, "LOC (Location Information)"),
    (30, "NXT (Next Domain)"),
    (31, "EID (Endpoint Identifier)"),
    (32, "NIMLOC (Nimrod Locator)"),
    (33, "SRV (Server Selection)"),
    (34, "ATMA (ATM Address)"),
    (35, "NAPTR (Naming Authority Pointer)"),
    (36, "KX (Key Exchanger)"),
    (37, "CERT"),
    (38, "A6 (OBSOLETE - use AAAA)"),
    (39, "DNAME"),
    (40, "SINK"),
    (41, "OPT"),
    (42, "APL"),
    (43, "DS (Delegation Signer)"),
    (44, "SSHFP (SSH Key Fingerprint)"),
    (45, "IPSECKEY"),
    (46, "RRSIG (Resource Record Signature)"),
    (47, "NSEC (Next Secure)"),
    (48, "DNSKEY (DNS Public Key)"),
    (49, "DHCID"),
    (50, "NSEC3"),
    (51, "NSEC3PARAM"),
    (52, "TLSA"),
    (55, "HIP (Host Identity Protocol)"),
    (57, "RKEY"),
    (58, "TALINK (Trust Anchor LINK)"),
    (59, "CDS (Child DS)"),
    (60, "CDNSKEY (DNSKEY(s) the Child wants reflected in DS)"),
    (61, "OPENPGPKEY (OpenPGP Key)"),
    (62, "CSYNC (Child-to-Parent Synchronization)"),
    (63, "ZONEMD"),
    (64, "SVCB (General Purpose Service Endpoints)"),
    (65, "HTTPS (HTTPS Specific Service Endpoints)"),
    (99, "SPF"),
    (100, "UINFO"),
    (101, "UID"),
    (102, "GID"),
    (103, "UNSPEC"),
    (104, "NID (NodeID)"),
    (105, "L32 (Locator32)"),
    (106, "L64 (Locator64)"),
    (107, "LP (Locator FQDN)"),
    (108, "EUI48"),
    (109, "EUI64"),
    (249, "TKEY (Transaction Key)"),
    (250, "TSIG (Transaction Signature)"),
    (251, "IXFR (incremental transfer)"),
    (252, "AXFR (transfer of an entire zone)"),
    (253, "MAILB (mailbox-related RRs)"),
    (254, "MAILA (mail agent RRs)"),
    (
        255,
        "* (A request for all records the server/cache has available)",
    ),
    (256, "URI"),
    (257, "CAA (Certification Authority Restriction)"),
    (32768, "TA (DNSSEC Trust Authorities)"),
    (32769, "DLV (DNSSEC Lookaside Validation)"),
    (65281, "WINS"),
    (65282, "WINS-R"),
    (65422, "XPF"),
];

fn view<'l, 'a>(l: &'l Layer<'a>) -> Option<&'l Dns<'a>> {
    match &l.view {
        View::Dns(d) => Some(d),
        _ => None,
    }
}

fn questions(d: &Dns<'_>) -> impl Iterator<Item = Question> {
    d.records().map_while(Result::ok).filter_map(|r| match r {
        Record::Question(q) => Some(q),
        Record::Rr(_) => None,
    })
}

/// The records whose fields tshark shows. With a detail tree, tshark gives each record a
/// subtree as long as its claimed data, so a record whose data runs past the message ends
/// the tree there (the Info column, built without a tree, still shows it).
fn rrs(d: &Dns<'_>) -> impl Iterator<Item = Rr> {
    let len = d.msg.len();
    d.records()
        .map_while(Result::ok)
        .filter_map(|r| match r {
            Record::Rr(rr) => Some(rr),
            Record::Question(_) => None,
        })
        .take_while(move |rr| rr.rdata_at + rr.rdlen as usize <= len)
}

/// The types listed in an NSEC record's type bitmap (RFC 4034 §4.1.2): windows of a block
/// number, a length and up to 32 bytes of bits, most significant bit first.
fn nsec_types<'m>(msg: &'m [u8], rr: &Rr) -> impl Iterator<Item = u16> + 'm {
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
const NSEC: u16 = 47;

fn emit_name(n: &Name, emit: &mut Emit<'_>) {
    let shown = n.shown();
    emit(Value::Str(shown.as_bytes()));
}

/// Declares an extractor that sees each question (`q`) or record (`rr`) of a DNS layer.
macro_rules! each {
    ($fname:ident, questions, |$dns:ident, $rec:ident, $emit:ident| $body:block) => {
        fn $fname<'a>(l: &Layer<'a>, _: &Dissection<'a>, $emit: &mut Emit<'_>) {
            if let Some($dns) = view(l) {
                for $rec in questions($dns) {
                    $body
                }
            }
        }
    };
    ($fname:ident, rrs, |$dns:ident, $rec:ident, $emit:ident| $body:block) => {
        fn $fname<'a>(l: &Layer<'a>, _: &Dissection<'a>, $emit: &mut Emit<'_>) {
            if let Some($dns) = view(l) {
                for $rec in rrs($dns) {
                    $body
                }
            }
        }
    };
}

/// The class without the mDNS top bit.
fn class_of(dns: &Dns<'_>, class: u16) -> u16 {
    if dns.is_mdns() {
        class & !MDNS_CLASS_BIT
    } else {
        class
    }
}

each!(qry_name, questions, |dns, q, emit| {
    emit_name(&dns.name(q.name_at), emit)
});
each!(qry_type, questions, |dns, q, emit| {
    emit(Value::Uint(q.qtype as u64))
});
each!(qry_class, questions, |dns, q, emit| {
    emit(Value::Uint(class_of(dns, q.qclass) as u64))
});
each!(qry_qu, questions, |dns, q, emit| {
    if dns.is_mdns() {
        emit(Value::Bool(q.qclass & MDNS_CLASS_BIT != 0));
    }
});
each!(resp_name, rrs, |dns, rr, emit| {
    // tshark splits an SRV owner into service, protocol and name instead.
    if rr.rtype != rtype::SRV {
        emit_name(&dns.name(rr.name_at), emit);
    }
});
each!(resp_type, rrs, |dns, rr, emit| {
    emit(Value::Uint(rr.rtype as u64));
    // tshark lists an NSEC bitmap's types under the same field.
    for t in nsec_types(dns.msg, &rr) {
        emit(Value::Uint(t as u64));
    }
});
each!(resp_class, rrs, |dns, rr, emit| {
    // OPT's class is the UDP payload size, a field of its own.
    if rr.rtype != rtype::OPT {
        emit(Value::Uint(class_of(dns, rr.class) as u64));
    }
});
each!(resp_cache_flush, rrs, |dns, rr, emit| {
    if dns.is_mdns() {
        emit(Value::Bool(rr.class & MDNS_CLASS_BIT != 0));
    }
});
each!(resp_ttl, rrs, |dns, rr, emit| {
    if rr.rtype != rtype::OPT {
        emit(Value::Uint(rr.ttl as u64));
    }
});
each!(resp_len, rrs, |dns, rr, emit| {
    emit(Value::Uint(rr.rdlen as u64))
});
each!(a, rrs, |dns, rr, emit| {
    if rr.rtype == rtype::A && rr.rdlen > 0 {
        if let Ok(b) = dns.bytes(rr.rdata_at, 4) {
            emit(Value::Ipv4(super::array(b, 0)));
        }
    }
});
each!(aaaa, rrs, |dns, rr, emit| {
    if rr.rtype == rtype::AAAA && rr.rdlen > 0 {
        if let Ok(b) = dns.bytes(rr.rdata_at, 16) {
            emit(Value::Ipv6(super::array(b, 0)));
        }
    }
});

/// The name at the start of the data of records of type `t` (after `skip` bytes).
fn rdata_name(dns: &Dns<'_>, rr: &Rr, t: u16, skip: usize, emit: &mut Emit<'_>) {
    if rr.rtype == t && rr.rdlen > 0 {
        if let Ok((n, _)) = read_name(dns.msg, rr.rdata_at + skip) {
            emit_name(&n, emit);
        }
    }
}

each!(cname, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::CNAME, 0, emit)
});
each!(ns, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::NS, 0, emit)
});
each!(ptr, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::PTR, 0, emit)
});
each!(soa_mname, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::SOA, 0, emit)
});
each!(mx_exchange, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::MX, 2, emit)
});
each!(srv_target, rrs, |dns, rr, emit| {
    rdata_name(dns, &rr, rtype::SRV, 6, emit)
});
each!(mx_preference, rrs, |dns, rr, emit| {
    if rr.rtype == rtype::MX && rr.rdlen > 0 {
        if let Ok(b) = dns.bytes(rr.rdata_at, 2) {
            emit(Value::Uint(be16(b, 0) as u64));
        }
    }
});
each!(srv_port, rrs, |dns, rr, emit| {
    if rr.rtype == rtype::SRV && rr.rdlen > 0 {
        if let Ok(b) = dns.bytes(rr.rdata_at, 6) {
            emit(Value::Uint(be16(b, 4) as u64));
        }
    }
});
each!(txt, rrs, |dns, rr, emit| {
    if rr.rtype == rtype::TXT {
        for s in txt_strings(dns.msg, rr.rdata_at, rr.rdlen).map_while(Result::ok) {
            emit(Value::Str(s));
        }
    }
});

fn header_u16<'a>(l: &Layer<'a>, emit: &mut Emit<'_>, get: fn(&Dns<'_>) -> Option<u16>) {
    if let Some(v) = view(l).and_then(get) {
        emit(Value::Uint(v as u64));
    }
}

fn id<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    // tshark reads the id and the flags before it shows either.
    header_u16(l, emit, |d| d.flags().and(d.id()));
}
fn flags<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    header_u16(l, emit, |d| d.flags());
}
fn opcode<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    header_u16(l, emit, |d| d.opcode());
}
fn response<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(d) = view(l).filter(|d| d.flags().is_some()) {
        emit(Value::Bool(d.is_response()));
    }
}
fn rcode<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    // tshark shows the reply code of responses only.
    header_u16(l, emit, |d| {
        d.flags()
            .filter(|f| f & flag::RESPONSE != 0)
            .map(|f| f & flag::RCODE)
    });
}

/// A section count under its name for ordinary messages (`update` false) or updates.
macro_rules! count {
    ($fname:ident, $i:expr, $update:expr) => {
        fn $fname<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
            header_u16(l, emit, |d| {
                let is_update = d.opcode() == Some(OPCODE_UPDATE);
                d.count($i).filter(|_| is_update == $update || $i == 3)
            });
        }
    };
}
count!(count_queries, 0, false);
count!(count_zones, 0, true);
count!(count_answers, 1, false);
count!(count_prerequisites, 1, true);
count!(count_auth, 2, false);
count!(count_updates, 2, true);
count!(count_add, 3, false);

const fn f(
    name: &'static str,
    label: &'static str,
    ftype: FieldType,
    x: crate::fields::Extract,
) -> FieldDef {
    FieldDef::new(name, label, ftype, Proto::Dns, x)
}

/// DNS fields. mDNS layers carry the same fields (tshark registers them under `dns`).
pub static FIELDS: &[FieldDef] = &[
    f("dns.id", "Transaction ID", FieldType::U16, id).hex(),
    f("dns.flags", "Flags", FieldType::U16, flags).hex(),
    f("dns.flags.response", "Response", FieldType::Bool, response),
    f("dns.flags.opcode", "Opcode", FieldType::U16, opcode).values(OPCODES),
    f("dns.flags.rcode", "Reply code", FieldType::U16, rcode).values(RCODES),
    f(
        "dns.count.queries",
        "Questions",
        FieldType::U16,
        count_queries,
    ),
    f("dns.count.zones", "Zones", FieldType::U16, count_zones),
    f(
        "dns.count.answers",
        "Answer RRs",
        FieldType::U16,
        count_answers,
    ),
    f(
        "dns.count.prerequisites",
        "Prerequisites",
        FieldType::U16,
        count_prerequisites,
    ),
    f(
        "dns.count.auth_rr",
        "Authority RRs",
        FieldType::U16,
        count_auth,
    ),
    f(
        "dns.count.updates",
        "Updates",
        FieldType::U16,
        count_updates,
    ),
    f(
        "dns.count.add_rr",
        "Additional RRs",
        FieldType::U16,
        count_add,
    ),
    f("dns.qry.name", "Name", FieldType::Str, qry_name),
    f("dns.qry.type", "Type", FieldType::U16, qry_type).values(TYPES),
    f("dns.qry.class", "Class", FieldType::U16, qry_class).hex(),
    f("dns.qry.qu", "\"QU\" question", FieldType::Bool, qry_qu),
    f("dns.resp.name", "Name", FieldType::Str, resp_name),
    f("dns.resp.type", "Type", FieldType::U16, resp_type).values(TYPES),
    f("dns.resp.class", "Class", FieldType::U16, resp_class).hex(),
    f(
        "dns.resp.cache_flush",
        "Cache flush",
        FieldType::Bool,
        resp_cache_flush,
    ),
    f("dns.resp.ttl", "Time to live", FieldType::U32, resp_ttl),
    f("dns.resp.len", "Data length", FieldType::U16, resp_len),
    f("dns.a", "Address", FieldType::Ipv4, a),
    f("dns.aaaa", "AAAA Address", FieldType::Ipv6, aaaa),
    f("dns.cname", "CNAME", FieldType::Str, cname),
    f("dns.ns", "Name Server", FieldType::Str, ns),
    f("dns.ptr.domain_name", "Domain Name", FieldType::Str, ptr),
    f(
        "dns.soa.mname",
        "Primary name server",
        FieldType::Str,
        soa_mname,
    ),
    f(
        "dns.mx.preference",
        "Preference",
        FieldType::U16,
        mx_preference,
    ),
    f(
        "dns.mx.mail_exchange",
        "Mail Exchange",
        FieldType::Str,
        mx_exchange,
    ),
    f("dns.txt", "TXT", FieldType::Str, txt),
    f("dns.srv.port", "Port", FieldType::U16, srv_port),
    f("dns.srv.target", "Target", FieldType::Str, srv_target),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Vec<u8> {
        let mut v = Vec::new();
        for l in s.split('.').filter(|l| !l.is_empty()) {
            v.push(l.len() as u8);
            v.extend_from_slice(l.as_bytes());
        }
        v.push(0);
        v
    }

    fn header(id: u16, flags: u16, counts: [u16; 4]) -> Vec<u8> {
        let mut v = vec![];
        for x in [id, flags, counts[0], counts[1], counts[2], counts[3]] {
            v.extend_from_slice(&x.to_be_bytes());
        }
        v
    }

    fn question(n: &[u8], t: u16, c: u16) -> Vec<u8> {
        let mut v = n.to_vec();
        v.extend_from_slice(&t.to_be_bytes());
        v.extend_from_slice(&c.to_be_bytes());
        v
    }

    fn rr(n: &[u8], t: u16, c: u16, data: &[u8]) -> Vec<u8> {
        let mut v = question(n, t, c);
        v.extend_from_slice(&60u32.to_be_bytes());
        v.extend_from_slice(&(data.len() as u16).to_be_bytes());
        v.extend_from_slice(data);
        v
    }

    fn info_of(msg: &[u8], mdns: bool) -> (String, Result<(), Stop>) {
        let mut s = String::new();
        let r = Dns::new(msg, mdns).walk(&mut s);
        (s, r)
    }

    fn query_opt() -> Vec<u8> {
        let mut m = header(0x5934, 0x0100, [1, 0, 0, 1]);
        m.extend(question(&name("www.tcpdump.org"), 1, 1));
        m.extend(rr(&[0], 41, 4096, &[]));
        m
    }

    #[test]
    fn query_with_opt() {
        let (s, r) = info_of(&query_opt(), false);
        assert_eq!(s, "Standard query 0x5934 A www.tcpdump.org OPT");
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn every_header_truncation() {
        let full = query_opt();
        for n in 0..HEADER_LEN {
            let (s, r) = info_of(&full[..n], false);
            assert_eq!(r, Err(Stop::Short), "length {n}");
            let want = if n < 4 { "" } else { "Standard query 0x5934" };
            assert_eq!(s, want, "length {n}");
        }
        let (s, r) = info_of(&header(7, 0x8180, [0; 4]), false);
        assert_eq!((s.as_str(), r), ("Standard query response 0x0007", Ok(())));
    }

    #[test]
    fn every_truncation_of_the_records_stops_where_tshark_does() {
        let full = query_opt();
        for n in HEADER_LEN..full.len() {
            let (s, r) = info_of(&full[..n], false);
            assert_eq!(r, Err(Stop::Short), "length {n}");
            assert!(s.starts_with("Standard query 0x5934"), "length {n}: {s}");
            assert!(!s.ends_with("OPT"), "length {n}: {s}");
        }
    }

    #[test]
    fn response_with_pointers_and_types() {
        let mut m = header(0x1fe3, 0x8180, [1, 4, 1, 0]);
        m.extend(question(&name("a.example"), 1, 1));
        let ptr = [0xc0, 12];
        m.extend(rr(&ptr, 1, 1, &[192, 0, 2, 1]));
        m.extend(rr(&ptr, 5, 1, &name("c.example")));
        let mut mx = 10u16.to_be_bytes().to_vec();
        mx.extend([0xc0, 12]);
        m.extend(rr(&ptr, 15, 1, &mx));
        m.extend(rr(
            &ptr,
            28,
            1,
            &[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        ));
        let mut soa = name("ns.example");
        soa.extend(name("h.example"));
        soa.extend([0u8; 20]);
        m.extend(rr(&ptr, 6, 1, &soa));
        let (s, r) = info_of(&m, false);
        assert_eq!(
            s,
            "Standard query response 0x1fe3 A a.example A 192.0.2.1 CNAME c.example \
             MX 10 a.example AAAA 2001:db8::1 SOA ns.example"
        );
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn no_such_name_and_unknown_codes() {
        let mut m = header(0xe57c, 0x8183, [1, 0, 0, 0]);
        m.extend(question(&name("1.2.3.4.in-addr.arpa"), 12, 1));
        assert_eq!(
            info_of(&m, false).0,
            "Standard query response 0xe57c No such name PTR 1.2.3.4.in-addr.arpa"
        );
        let mut m = header(1, 0x398c, [1, 0, 0, 0]);
        m.extend(question(&[0], 65534, 1));
        assert_eq!(
            info_of(&m, false).0,
            "Unknown operation (7) 0x0001 Unknown (65534) <Root>"
        );
        m[2] = 0xb8;
        assert_eq!(
            info_of(&m, false).0,
            "Unknown operation (7) response 0x0001 Unknown error (12) Unknown (65534) <Root>"
        );
    }

    #[test]
    fn pointer_to_itself_is_a_loop_and_the_walk_goes_on() {
        let mut m = header(3, 0x0100, [2, 0, 0, 0]);
        m.extend(question(&[0xc0, 12], 1, 1));
        m.extend(question(&name("next"), 28, 1));
        let (s, r) = info_of(&m, false);
        assert_eq!(
            s,
            "Standard query 0x0003 A <Name contains a pointer that loops> AAAA next"
        );
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn label_then_pointer_back_is_a_loop() {
        let mut m = header(2, 0x0100, [1, 0, 0, 0]);
        m.extend(question(&[1, b'a', 0xc0, 12], 1, 1));
        let (n, used) = read_name(&m, 12).unwrap();
        assert_eq!((n.kind(), used), (NameKind::Loops, 4));
        assert_eq!(info_of(&m, false).1, Ok(()));
    }

    #[test]
    fn long_pointer_cycles_hit_the_step_budget() {
        // Five labels per pointer: 256 turns would take 1536 steps.
        let mut m = header(2, 0x0100, [1, 0, 0, 0]);
        m.extend(question(
            &[1, b'a', 1, b'b', 1, b'c', 1, b'd', 1, b'e', 0xc0, 12],
            1,
            1,
        ));
        assert!(matches!(read_name(&m, 12), Err(Stop::Malformed(_))));
        assert!(matches!(info_of(&m, false).1, Err(Stop::Malformed(_))));
    }

    #[test]
    fn a_chain_of_pointers_within_the_limit_resolves() {
        // name "a" at 12, then 200 pointers each to the previous one.
        let mut m = header(1, 0x0100, [0; 4]);
        m.extend(name("a"));
        let first = m.len();
        m.extend([0xc0, 12]);
        for i in 1..200 {
            let prev = first + 2 * (i - 1);
            m.extend([0xc0 | (prev >> 8) as u8, prev as u8]);
        }
        let (n, used) = read_name(&m, first + 2 * 199).unwrap();
        assert_eq!((n.raw(), used), (&b"a"[..], 2));
    }

    #[test]
    fn three_hundred_labels_are_too_long_and_the_walk_goes_on() {
        let mut m = header(5, 0x0100, [2, 0, 0, 0]);
        let mut long = b"\x01a".repeat(300);
        long.push(0);
        m.extend(question(&long, 1, 1));
        m.extend(question(&name("ok"), 1, 1));
        let (s, r) = info_of(&m, false);
        assert_eq!(s, "Standard query 0x0005 A <Name too long> A ok");
        assert_eq!(r, Ok(()));
    }

    #[test]
    fn name_length_limit_is_253_characters() {
        for (len, kind) in [(253, NameKind::Text), (254, NameKind::TooLong)] {
            // Labels of 63, joined by dots, then a last label to reach `len`.
            let mut text = String::new();
            while text.len() + 64 <= len {
                text.push_str(&"b".repeat(63));
                text.push('.');
            }
            let rest = len - text.len();
            text.push_str(&"c".repeat(rest));
            assert_eq!(text.len(), len);
            let wire = name(&text);
            let (n, used) = read_name(&wire, 0).unwrap();
            assert_eq!((n.kind(), used), (kind, wire.len()), "length {len}");
        }
    }

    #[test]
    fn counts_that_lie_end_the_walk_short() {
        let mut m = header(7, 0x8180, [1, 5, 0, 0]);
        m.extend(question(&name("a.ex"), 1, 1));
        m.extend(rr(&[0xc0, 12], 1, 1, &[1, 2, 3, 4]));
        let (s, r) = info_of(&m, false);
        assert_eq!(s, "Standard query response 0x0007 A a.ex A 1.2.3.4");
        assert_eq!(r, Err(Stop::Short));
        let mut m = header(8, 0x0100, [0xffff, 0xffff, 0xffff, 0xffff]);
        m.extend(question(&name("x"), 1, 1));
        assert_eq!(info_of(&m, false).1, Err(Stop::Short));
    }

    #[test]
    fn rdata_shorter_than_an_address_is_short() {
        let mut m = header(11, 0x8180, [0, 1, 0, 0]);
        m.extend(rr(&name("a"), 1, 1, &[1, 2]));
        let (s, r) = info_of(&m, false);
        assert_eq!(
            (s.as_str(), r),
            ("Standard query response 0x000b A", Err(Stop::Short))
        );
    }

    #[test]
    fn pointer_past_the_end_and_extended_labels() {
        let mut m = header(4, 0x0100, [1, 0, 0, 0]);
        m.extend(question(&[0xc0, 0xff], 1, 1));
        assert_eq!(
            info_of(&m, false),
            ("Standard query 0x0004".into(), Err(Stop::Short))
        );
        for bad in [0x41u8, 0x42, 0x81] {
            let mut m = header(12, 0x0100, [1, 0, 0, 0]);
            m.extend(question(&[bad, b'a', 0], 1, 1));
            assert!(matches!(info_of(&m, false).1, Err(Stop::Malformed(_))));
        }
    }

    #[test]
    fn mdns_questions_and_cache_flush() {
        let mut m = header(0, 0, [2, 0, 0, 0]);
        m.extend(question(&name("_x._tcp.local"), 12, 0x8001));
        m.extend(question(&name("h.local"), 1, 1));
        assert_eq!(
            info_of(&m, true).0,
            "Standard query 0x0000 PTR _x._tcp.local, \"QU\" question A h.local, \"QM\" question"
        );
        let mut m = header(0, 0x8400, [0, 2, 0, 0]);
        m.extend(rr(&name("h.local"), 1, 0x8001, &[10, 0, 0, 1]));
        let mut srv = vec![0, 0, 0, 0, 0, 80];
        srv.extend(name("h.local"));
        m.extend(rr(&name("i._x._tcp.local"), 33, 0x8001, &srv));
        assert_eq!(
            info_of(&m, true).0,
            "Standard query response 0x0000 A, cache flush 10.0.0.1 SRV, cache flush 0 0 80 h.local"
        );
    }

    #[test]
    fn txt_strings_must_fit() {
        let mut m = header(9, 0x8180, [0, 1, 0, 0]);
        m.extend(rr(&name("t"), 16, 1, b"\x03abc\x00\x02de"));
        let strings: Vec<_> = txt_strings(&m, m.len() - 8, 8).collect();
        assert_eq!(strings, vec![Ok(&b"abc"[..]), Ok(&b""[..]), Ok(&b"de"[..])]);
        assert_eq!(info_of(&m, false).0, "Standard query response 0x0009 TXT");
        let n = m.len();
        m[n - 8] = 9; // first string claims more than the data holds
        assert_eq!(info_of(&m, false).1, Err(Stop::Short));
    }

    #[test]
    fn nsec_bitmap_types() {
        let mut data = name("n.ex");
        data.extend([0, 1, 0x40, 1, 1, 0x80]);
        let mut m = header(1, 0x8400, [0, 1, 0, 0]);
        m.extend(rr(&name("h"), NSEC, 1, &data));
        let Some(Ok(Record::Rr(r))) = Dns::new(&m, true).records().next() else {
            panic!("no record")
        };
        assert_eq!(nsec_types(&m, &r).collect::<Vec<_>>(), vec![1, 256]);
    }

    #[test]
    fn tcp_length_prefix() {
        let msg = query_opt();
        let mut p = (msg.len() as u16).to_be_bytes().to_vec();
        p.extend(&msg);
        assert_eq!(tcp_message(&p), Some((&p[..], &msg[..])));
        assert_eq!(tcp_message(&p[..p.len() - 1]), None);
        assert_eq!(tcp_message(&p[..1]), None);
    }

    /// Runs everything that reads a message: the walk, the records, every name reader.
    fn exercise(msg: &[u8], mdns: bool) {
        let d = Dns::new(msg, mdns);
        let mut s = String::new();
        let _ = d.walk(&mut s);
        assert!(
            s.len() < 64 + msg.len() * 1100,
            "Info grows with the message only"
        );
        for r in d.records().map_while(Result::ok) {
            if let Record::Rr(rr) = r {
                let _ = txt_strings(msg, rr.rdata_at, rr.rdlen).count();
                assert!(nsec_types(msg, &rr).count() <= 256 * 256);
                assert!(d.name(rr.name_at).shown().len() <= MAX_NAME_SHOWN);
            }
        }
        for at in 0..msg.len() {
            if let Ok((n, used)) = read_name(msg, at) {
                assert!(used >= 1 && at + used <= msg.len());
                assert!(n.raw().len() <= MAX_NAME_TEXT);
            }
        }
    }

    proptest::proptest! {
        /// Arbitrary bytes behind a header with small counts never panic.
        #[test]
        fn arbitrary_records_never_panic(
            counts in proptest::array::uniform4(0u16..6),
            flags in proptest::prelude::any::<u16>(),
            body in proptest::collection::vec(
                proptest::sample::select(vec![0u8, 1, 2, 3, 4, 12, 16, 33, 41, 47, 63, 64, 0x41,
                    0x80, 0xc0, 0xc0, 0xc0, 0xff, b'a']),
                0..400,
            ),
            mdns in proptest::prelude::any::<bool>(),
        ) {
            let mut m = header(1, flags, counts);
            m.extend(body);
            exercise(&m, mdns);
        }

        /// A real response with a few bytes changed never panics.
        #[test]
        fn mutated_messages_never_panic(
            edits in proptest::collection::vec((0usize..200, proptest::prelude::any::<u8>()), 1..8),
            cut in 0usize..200,
        ) {
            let mut m = header(0x1fe3, 0x8180, [1, 3, 0, 1]);
            m.extend(question(&name("a.example"), 1, 1));
            m.extend(rr(&[0xc0, 12], 5, 1, &name("c.example")));
            m.extend(rr(&[0xc0, 12], 16, 1, b"\x03abc\x01d"));
            let mut srv = vec![0, 1, 0, 2, 0, 80];
            srv.extend([0xc0, 12]);
            m.extend(rr(&[0xc0, 12], 33, 1, &srv));
            m.extend(rr(&[0], 41, 4096, &[0, 8, 0, 4, 1, 2, 3, 4]));
            for (at, b) in edits {
                let n = m.len();
                m[at % n] = b;
            }
            m.truncate(cut.max(HEADER_LEN).min(m.len()));
            exercise(&m, false);
            exercise(&m, true);
        }
    }

    #[test]
    fn text_is_escaped_like_tshark() {
        let mut s = String::new();
        write_text(&mut s, b"a\tb\nc\x01\x7f\xc2\x80\xe9.\\").unwrap();
        assert_eq!(s, "a\\tb\\nc\\001\\177\\u0080\u{fffd}.\\");
    }
}
