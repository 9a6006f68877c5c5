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
//!
//! Layout: `name` reads and expands names, `record` walks the questions and records, `info`
//! writes the Info column, `fields` holds the registry fields; this file holds the message
//! view, the dissector entry points and the header constants.

mod fields;
mod info;
mod name;
mod record;

pub use fields::FIELDS;
pub use info::{OPCODES, RCODES, TYPES, info, type_name, value_name};
pub use name::{
    MAX_NAME_SHOWN, MAX_NAME_STEPS, MAX_NAME_TEXT, MAX_POINTER_JUMPS, Name, NameKind, read_name,
    skip_name, write_text,
};
pub use record::{Question, Record, Records, Rr, Section, rtype};

use super::{Proto, View, Walker, be16};
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

/// Why reading a message stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// A read ran past the end of the message (cut by the snaplen, or malformed).
    Short,
    /// The bytes contradict the format.
    Malformed(&'static str),
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
        read_name(self.msg, at).map_or(Name::root(), |(name, _)| name)
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
        Records::new(self.msg, counts)
    }

    /// True when every question and record the counts promise can be read: tshark's
    /// dissection of the message then ends normally (its taps see only such messages).
    pub fn is_whole(&self) -> bool {
        self.walk(&mut Discard).is_ok()
    }

    /// `n` bytes at `at`, or [`Stop::Short`].
    fn bytes(&self, at: usize, n: usize) -> Result<&'a [u8], Stop> {
        self.msg.get(at..at + n).ok_or(Stop::Short)
    }
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

#[cfg(test)]
mod tests {
    use super::record::{NSEC, nsec_types, txt_strings};
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
}
