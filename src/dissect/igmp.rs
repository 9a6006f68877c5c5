//! IGMP versions 1 (RFC 1112), 2 (RFC 2236) and 3 (RFC 9776): membership queries, reports
//! and leaves.
//!
//! Every message starts with type, max response time (v1: unused) and checksum, then a group
//! address: 8 bytes in v1 and v2. A v3 query adds flags, QQIC and a source list; a v3 report
//! replaces the group with a count of group records (record type, aux data length, source
//! count, group, sources, aux data). The version follows the type and, for queries, the
//! length and max response time, as in tshark's `packet-igmp.c`.
//!
//! Counts come from the wire: a record or source list that runs past the message ends the
//! walk there, with the expert note tshark gives, and lists are never longer than the message.
//! Types other than membership messages (DVMRP, PIM v1, mtrace, ...) are shown as tshark shows
//! an unknown type.

use super::{Dissection, Layer, Proto, View, Walker, array, be16, byte, icmp::internet_checksum};
use crate::dissect::field::{Emit, FieldDef, FieldType, Needs, Value};
use std::fmt::Write as _;

/// Type, max response time and checksum.
pub const MIN_LEN: usize = 4;
/// The v1/v2 message (and the start of every v3 one).
pub const V2_LEN: usize = 8;
/// A v3 query's fixed part: a query is v3 when it is at least this long (RFC 9776 §7.1).
pub const V3_QUERY_LEN: usize = 12;
/// A v3 report's fixed part.
pub const V3_REPORT_LEN: usize = 8;
/// A v3 group record's fixed part.
pub const RECORD_LEN: usize = 8;

/// Message types.
pub mod kind {
    /// Membership query (every version).
    pub const QUERY: u8 = 0x11;
    /// Version 1 membership report.
    pub const V1_REPORT: u8 = 0x12;
    /// Version 2 membership report.
    pub const V2_REPORT: u8 = 0x16;
    /// Leave group (version 2).
    pub const LEAVE: u8 = 0x17;
    /// Version 3 membership report.
    pub const V3_REPORT: u8 = 0x22;
}

/// A checked view of an IGMP message (any length: accessors check).
#[derive(Debug, Clone, Copy)]
pub struct Igmp<'a> {
    buf: &'a [u8],
    /// The checksum was verified: right (`Some(true)`), wrong, or not checked (cut short).
    pub checksum_ok: Option<bool>,
}

/// Why a walk over a v3 message stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Short;

impl<'a> Igmp<'a> {
    /// A view of `buf`, checking the checksum when the bytes it covers were captured.
    pub fn new(buf: &'a [u8]) -> Self {
        let mut m = Igmp {
            buf,
            checksum_ok: None,
        };
        let covered = match m.version() {
            Some(3) => Some(buf.len()),
            Some(_) => Some(V2_LEN),
            None => None,
        };
        m.checksum_ok = covered
            .and_then(|n| buf.get(..n))
            .filter(|b| b.len() >= MIN_LEN)
            .map(|b| internet_checksum(b, 0) == 0);
        m
    }
    /// Type.
    pub fn kind(&self) -> u8 {
        byte(self.buf, 0)
    }
    /// Max response time (raw), when the version has one.
    pub fn max_resp(&self) -> Option<u8> {
        match (self.version(), self.kind()) {
            (Some(2), _) | (Some(3), kind::QUERY) => self.buf.get(1).copied(),
            _ => None,
        }
    }
    /// Checksum.
    pub fn checksum(&self) -> Option<u16> {
        (self.buf.len() >= MIN_LEN).then(|| be16(self.buf, 2))
    }
    /// The group address of a v1/v2 message or v3 query.
    pub fn group(&self) -> Option<[u8; 4]> {
        (self.kind() != kind::V3_REPORT && self.buf.len() >= V2_LEN).then(|| array(self.buf, 4))
    }
    /// The version tshark assigns: by type, and for a query by its length (v3 from 12 bytes)
    /// and max response time (v1 has none). `None` for other types.
    pub fn version(&self) -> Option<u8> {
        match self.kind() {
            kind::QUERY if self.buf.len() >= V3_QUERY_LEN => Some(3),
            kind::QUERY if byte(self.buf, 1) == 0 => Some(1),
            kind::QUERY => Some(2),
            kind::V1_REPORT => Some(1),
            kind::V2_REPORT | kind::LEAVE => Some(2),
            kind::V3_REPORT => Some(3),
            _ => None,
        }
    }
    /// The v3 query's sources (as many as the count says and the message holds).
    pub fn query_sources(&self) -> impl Iterator<Item = [u8; 4]> + 'a {
        let v3 = self.version() == Some(3) && self.kind() == kind::QUERY;
        let n = if v3 { be16(self.buf, 10) as usize } else { 0 };
        let buf = self.buf;
        (0..n).map_while(move |i| buf.get(12 + 4 * i..16 + 4 * i).map(|s| array(s, 0)))
    }
    /// The v3 query's source count.
    pub fn query_source_count(&self) -> Option<u16> {
        (self.version() == Some(3) && self.kind() == kind::QUERY && self.buf.len() >= 12)
            .then(|| be16(self.buf, 10))
    }
    /// The v3 report's record count.
    pub fn record_count(&self) -> Option<u16> {
        (self.kind() == kind::V3_REPORT && self.buf.len() >= V3_REPORT_LEN)
            .then(|| be16(self.buf, 6))
    }
    /// The v3 report's group records in order; an `Err` ends the list where a record runs
    /// past the message.
    pub fn records(&self) -> impl Iterator<Item = Result<Record<'a>, Short>> + 'a {
        let buf = self.buf;
        let mut left = self.record_count().unwrap_or(0);
        let mut at = V3_REPORT_LEN;
        let mut failed = false;
        std::iter::from_fn(move || {
            if left == 0 || failed {
                return None;
            }
            left -= 1;
            let Some(fixed) = buf.get(at..at + RECORD_LEN) else {
                failed = true;
                return Some(Err(Short));
            };
            let count = be16(fixed, 2) as usize;
            let aux = byte(fixed, 1) as usize * 4;
            let sources_at = at + RECORD_LEN;
            let end = sources_at + 4 * count + aux;
            let Some(sources) = buf.get(sources_at..sources_at + 4 * count) else {
                failed = true;
                return Some(Err(Short));
            };
            at = end;
            Some(Ok(Record {
                kind: byte(fixed, 0),
                group: array(fixed, 4),
                sources,
            }))
        })
    }
}

/// A v3 group record.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// Record type (1 to 6).
    pub kind: u8,
    /// Multicast address.
    pub group: [u8; 4],
    /// Source addresses, 4 bytes each.
    pub sources: &'a [u8],
}

impl Record<'_> {
    /// The sources.
    pub fn sources(&self) -> impl Iterator<Item = [u8; 4]> + '_ {
        self.sources.chunks_exact(4).map(|s| array(s, 0))
    }
}

/// Dissects an IGMP message (the IP payload).
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    let m = Igmp::new(data);
    if !w.push(Proto::Igmp, offset, data, View::Igmp(m)) {
        return;
    }
    let short = match m.version() {
        Some(3) if m.kind() == kind::QUERY => {
            m.query_sources().count() < m.query_source_count().unwrap_or(0) as usize
        }
        Some(3) => data.len() < V3_REPORT_LEN || m.records().any(|r| r.is_err()),
        Some(_) => data.len() < V2_LEN,
        None => data.len() < MIN_LEN,
    };
    if short {
        w.short(Proto::Igmp, offset, data);
    }
}

/// The Protocol column: `IGMPv2` and so on.
pub fn protocol(m: &Igmp<'_>) -> &'static str {
    match m.version() {
        Some(1) => "IGMPv1",
        Some(2) => "IGMPv2",
        Some(3) => "IGMPv3",
        _ => "IGMP",
    }
}

fn write_addr(out: &mut String, a: [u8; 4]) {
    let _ = write!(out, "{}.{}.{}.{}", a[0], a[1], a[2], a[3]);
}

/// Writes `{a, b}`.
fn write_set(out: &mut String, sources: impl Iterator<Item = [u8; 4]>) {
    out.push('{');
    for (i, s) in sources.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_addr(out, s);
    }
    out.push('}');
}

/// Writes the Info column as tshark does: the type, then what the group address and (v3)
/// records say, as far as they were captured.
pub fn info(m: &Igmp<'_>, out: &mut String) {
    let t = m.kind();
    let Some(version) = m.version() else {
        let _ = write!(out, "Unknown Type:0x{t:02x}");
        return;
    };
    match t {
        kind::QUERY => {
            out.push_str("Membership Query");
            if version == 1 {
                return;
            }
            let Some(group) = m.group() else { return };
            if group == [0; 4] {
                out.push_str(", general");
            } else {
                out.push_str(", specific for group ");
                write_addr(out, group);
            }
            if version == 3 {
                let n = m.query_source_count().unwrap_or(0);
                if n > 0 {
                    out.push_str(if n == 1 { ", source " } else { ", sources " });
                    write_set(out, m.query_sources());
                }
            }
        }
        kind::V1_REPORT => out.push_str("Membership Report"),
        kind::V2_REPORT => {
            out.push_str("Membership Report");
            if let Some(g) = m.group() {
                out.push_str(" group ");
                write_addr(out, g);
            }
        }
        kind::LEAVE => {
            out.push_str("Leave Group");
            if let Some(g) = m.group() {
                out.push(' ');
                write_addr(out, g);
            }
        }
        _ => {
            out.push_str("Membership Report");
            if m.record_count() == Some(0) {
                out.push_str(" - General query");
            }
            for r in m.records().map_while(Result::ok) {
                write_record(out, &r);
            }
        }
    }
}

/// One v3 group record as tshark words it (`dissect_v3_group_record`).
fn write_record(out: &mut String, r: &Record<'_>) {
    let n = r.sources.len() / 4;
    out.push_str(" / ");
    let (prefix, words): (&str, [&str; 3]) = match r.kind {
        // MODE_IS_INCLUDE, CHANGE_TO_INCLUDE_MODE
        1 | 3 => ("Join group ", ["", " for source ", " for sources in "]),
        // MODE_IS_EXCLUDE, CHANGE_TO_EXCLUDE_MODE
        2 | 4 => (
            "Join group ",
            [
                " for any sources",
                ", for source not ",
                ", for sources not in ",
            ],
        ),
        5 => (
            "Group ",
            [
                ", ALLOW_NEW_SOURCES but no source specified (?)",
                ", new source ",
                ", new sources ",
            ],
        ),
        6 => (
            "Group ",
            [
                ", BLOCK_OLD_SOURCES but no source specified (?)",
                ", block source ",
                ", block sources ",
            ],
        ),
        _ => (
            "Group ",
            [
                ", unknown record type (?)",
                ", unknown record type (?), sources ",
                ", unknown record type (?), sources ",
            ],
        ),
    };
    if n == 0 && matches!(r.kind, 1 | 3) {
        out.push_str("Leave group ");
        write_addr(out, r.group);
        return;
    }
    out.push_str(prefix);
    write_addr(out, r.group);
    out.push_str(words[n.min(2)]);
    if n > 0 {
        write_set(out, r.sources());
    }
}

fn view<'l, 'a>(l: &'l Layer<'a>) -> Option<&'l Igmp<'a>> {
    match &l.view {
        View::Igmp(m) => Some(m),
        _ => None,
    }
}

macro_rules! igmp_field {
    ($fname:ident, |$m:ident, $emit:ident| $body:block) => {
        fn $fname<'a>(l: &Layer<'a>, _: &Dissection<'a>, $emit: &mut Emit<'_>) {
            if let Some($m) = view(l) {
                $body
            }
        }
    };
}

igmp_field!(version, |m, emit| {
    if let Some(v) = m.version() {
        emit(Value::Uint(v as u64));
    }
});
igmp_field!(kind_field, |m, emit| {
    if !m.buf.is_empty() {
        emit(Value::Uint(m.kind() as u64));
    }
});
igmp_field!(max_resp, |m, emit| {
    if let Some(v) = m.max_resp() {
        emit(Value::Uint(v as u64));
    }
});
igmp_field!(checksum, |m, emit| {
    if let Some(v) = m.checksum().filter(|_| m.version().is_some()) {
        emit(Value::Uint(v as u64));
    }
});
igmp_field!(checksum_status, |m, emit| {
    if m.version().is_some() && m.checksum().is_some() {
        // Wireshark's checksum status: 0 bad, 1 good, 2 unverified.
        emit(Value::Uint(match m.checksum_ok {
            Some(false) => 0,
            Some(true) => 1,
            None => 2,
        }));
    }
});
igmp_field!(maddr, |m, emit| {
    if let Some(g) = m.group().filter(|_| m.version().is_some()) {
        emit(Value::Ipv4(g));
    }
    for r in m.records().map_while(Result::ok) {
        emit(Value::Ipv4(r.group));
    }
});
igmp_field!(num_src, |m, emit| {
    if let Some(n) = m.query_source_count() {
        emit(Value::Uint(n as u64));
    }
    for r in m.records().map_while(Result::ok) {
        emit(Value::Uint((r.sources.len() / 4) as u64));
    }
});
igmp_field!(saddr, |m, emit| {
    for s in m.query_sources() {
        emit(Value::Ipv4(s));
    }
    for r in m.records().map_while(Result::ok) {
        for s in r.sources() {
            emit(Value::Ipv4(s));
        }
    }
});
igmp_field!(num_grp_recs, |m, emit| {
    if let Some(n) = m.record_count() {
        emit(Value::Uint(n as u64));
    }
});
igmp_field!(record_type, |m, emit| {
    for r in m.records().map_while(Result::ok) {
        emit(Value::Uint(r.kind as u64));
    }
});

/// Type names (`igmp.type`).
pub static TYPES: &[(u64, &str)] = &[
    (0x11, "Membership Query"),
    (0x12, "Membership Report"),
    (0x16, "Membership Report"),
    (0x17, "Leave Group"),
    (0x22, "Membership Report"),
];

const fn f(
    name: &'static str,
    label: &'static str,
    ftype: FieldType,
    x: crate::dissect::field::Extract,
) -> FieldDef {
    FieldDef::new(name, label, ftype, Proto::Igmp, x)
}

/// IGMP fields.
pub static FIELDS: &[FieldDef] = &[
    f("igmp.version", "IGMP Version", FieldType::U8, version).generated(Needs::NONE),
    f("igmp.type", "Type", FieldType::U8, kind_field)
        .hex()
        .values(TYPES),
    f("igmp.max_resp", "Max Resp Time", FieldType::U8, max_resp),
    f("igmp.checksum", "Checksum", FieldType::U16, checksum).hex(),
    f(
        "igmp.checksum.status",
        "Checksum Status",
        FieldType::U8,
        checksum_status,
    ),
    f("igmp.maddr", "Multicast Address", FieldType::Ipv4, maddr),
    f("igmp.num_src", "Num Src", FieldType::U16, num_src),
    f("igmp.saddr", "Source Address", FieldType::Ipv4, saddr),
    f(
        "igmp.num_grp_recs",
        "Num Group Records",
        FieldType::U16,
        num_grp_recs,
    ),
    f(
        "igmp.record_type",
        "Record Type",
        FieldType::U8,
        record_type,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A message with its checksum filled in.
    fn msg(mut b: Vec<u8>) -> Vec<u8> {
        b[2] = 0;
        b[3] = 0;
        let c = internet_checksum(&b, 0);
        b[2..4].copy_from_slice(&c.to_be_bytes());
        b
    }

    fn info_of(b: &[u8]) -> String {
        let mut s = String::new();
        info(&Igmp::new(b), &mut s);
        s
    }

    #[test]
    fn versions_and_info() {
        let cases: [(&[u8], &str, &str); 7] = [
            (&[0x11, 0, 0, 0, 0, 0, 0, 0], "IGMPv1", "Membership Query"),
            (
                &[0x12, 0, 0, 0, 225, 1, 1, 1],
                "IGMPv1",
                "Membership Report",
            ),
            (
                &[0x11, 100, 0, 0, 0, 0, 0, 0],
                "IGMPv2",
                "Membership Query, general",
            ),
            (
                &[0x11, 10, 0, 0, 225, 1, 1, 4],
                "IGMPv2",
                "Membership Query, specific for group 225.1.1.4",
            ),
            (
                &[0x16, 0, 0, 0, 225, 1, 1, 5],
                "IGMPv2",
                "Membership Report group 225.1.1.5",
            ),
            (
                &[0x17, 0, 0, 0, 225, 1, 1, 4],
                "IGMPv2",
                "Leave Group 225.1.1.4",
            ),
            (&[0x99, 0, 0, 0, 0, 0, 0, 0], "IGMP", "Unknown Type:0x99"),
        ];
        for (bytes, proto, text) in cases {
            let m = Igmp::new(bytes);
            assert_eq!(protocol(&m), proto);
            assert_eq!(info_of(bytes), text);
        }
    }

    #[test]
    fn checksum_is_verified_over_eight_bytes_in_v2() {
        let good = msg(vec![0x16, 0, 0, 0, 225, 1, 1, 5]);
        assert_eq!(Igmp::new(&good).checksum_ok, Some(true));
        let mut bad = good.clone();
        bad[3] ^= 1;
        assert_eq!(Igmp::new(&bad).checksum_ok, Some(false));
        let mut padded = good.clone();
        padded.push(0x55);
        assert_eq!(Igmp::new(&padded).checksum_ok, Some(true));
    }

    #[test]
    fn every_truncation_of_a_v2_report() {
        let full = msg(vec![0x16, 0, 0, 0, 225, 1, 1, 5]);
        for n in 0..V2_LEN {
            let m = Igmp::new(&full[..n]);
            assert_eq!(m.group(), None, "length {n}");
            assert_eq!(m.checksum_ok, None, "length {n}");
            let want = if n == 0 {
                "Unknown Type:0x00"
            } else {
                "Membership Report"
            };
            assert_eq!(info_of(&full[..n]), want, "length {n}");
        }
    }

    #[test]
    fn v3_query_with_sources() {
        let mut b = vec![0x11, 100, 0, 0, 225, 1, 1, 4, 2, 125, 0, 2];
        b.extend([10, 0, 0, 1, 10, 0, 0, 2]);
        let b = msg(b);
        assert_eq!(protocol(&Igmp::new(&b)), "IGMPv3");
        assert_eq!(
            info_of(&b),
            "Membership Query, specific for group 225.1.1.4, sources {10.0.0.1, 10.0.0.2}"
        );
        // The count claims three sources; two are there.
        let mut lying = b.clone();
        lying[11] = 3;
        let m = Igmp::new(&lying);
        assert_eq!(m.query_sources().count(), 2);
    }

    /// Record type, group, sources.
    type Rec<'a> = (u8, [u8; 4], &'a [[u8; 4]]);

    fn report(records: &[Rec<'_>]) -> Vec<u8> {
        let mut b = vec![0x22, 0, 0, 0, 0, 0, 0, records.len() as u8];
        for (kind, group, sources) in records {
            b.extend([*kind, 0, 0, sources.len() as u8]);
            b.extend(group);
            for s in *sources {
                b.extend(s);
            }
        }
        msg(b)
    }

    #[test]
    fn v3_report_records_as_tshark_words_them() {
        let g = [239, 1, 1, 1];
        let s1 = [10, 0, 0, 1];
        let s2 = [10, 0, 0, 2];
        let b = report(&[
            (4, [224, 0, 0, 251], &[]),
            (3, g, &[]),
            (1, g, &[s1]),
            (2, g, &[s1, s2]),
            (5, g, &[s1]),
            (6, g, &[s1, s2]),
            (9, g, &[]),
        ]);
        assert_eq!(
            info_of(&b),
            "Membership Report / Join group 224.0.0.251 for any sources / Leave group 239.1.1.1 \
             / Join group 239.1.1.1 for source {10.0.0.1} / Join group 239.1.1.1, for sources \
             not in {10.0.0.1, 10.0.0.2} / Group 239.1.1.1, new source {10.0.0.1} / Group \
             239.1.1.1, block sources {10.0.0.1, 10.0.0.2} / Group 239.1.1.1, unknown record \
             type (?)"
        );
        assert_eq!(info_of(&report(&[])), "Membership Report - General query");
    }

    #[test]
    fn v3_record_counts_that_lie_end_the_walk() {
        let mut b = report(&[(1, [239, 1, 1, 1], &[])]);
        b[7] = 200;
        let m = Igmp::new(&b);
        let recs: Vec<_> = m.records().collect();
        assert_eq!(recs.len(), 2);
        assert!(recs[0].is_ok() && recs[1].is_err());
        assert_eq!(info_of(&b), "Membership Report / Leave group 239.1.1.1");
        // A source count past the end.
        let mut b = report(&[(1, [239, 1, 1, 1], &[[10, 0, 0, 1]])]);
        b[11] = 0xff;
        assert!(Igmp::new(&b).records().next().is_some_and(|r| r.is_err()));
        // Records with huge aux data lengths skip past the end without reading it.
        let mut b = report(&[(1, [239, 1, 1, 1], &[]), (1, [239, 1, 1, 2], &[])]);
        b[9] = 0xff;
        assert_eq!(Igmp::new(&b).records().filter(|r| r.is_ok()).count(), 1);
    }
}
