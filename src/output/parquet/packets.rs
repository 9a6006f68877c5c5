//! The packets table: one row per displayed frame, one column per registry field.
//!
//! Contract:
//! - The columns are the frame's place and time (`capture`, `ts`, `ts_ns`), the
//!   [`CORE_FIELDS`], then each `-e FIELD` not already there, in the order given. A column is
//!   named after its field with `.` as `_` (`ip.src` is `ip_src`); an IPv4 field also gets
//!   `NAME_int`, the address as a number.
//! - A column holds the field's first occurrence in the frame (the outer IP header of an
//!   ICMP error, the first DNS query): what `-T fields -E occurrence=f` prints, typed. Null
//!   when the frame has no such field.
//! - Types follow the field's ([`column_kind`]): integers widened to the next signed type,
//!   booleans, times as TIMESTAMP (absolute) or DOUBLE seconds (relative), everything else
//!   as the text `-T fields` prints. Presence-only fields (`tcp.analysis.retransmission`)
//!   are `true` or null.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::sync::Arc;

use super::column::{Column, ColumnSpec, Kind, RowBlock};
use super::writer::{TableSpec, hour_of};
use crate::dissect::Dissection;
use crate::fields::{FieldId, FieldType, LayerSel, Value, registry};
use crate::output::{BlockSink, Sink};
use crate::value::write_value;

/// The fields every packets table has, after `capture`, `ts` and `ts_ns`.
pub const CORE_FIELDS: &[&str] = &[
    "frame.number",
    "frame.len",
    "frame.cap_len",
    "frame.protocols",
    "eth.src",
    "eth.dst",
    "eth.type",
    "vlan.id",
    "arp.opcode",
    "arp.src.hw_mac",
    "arp.src.proto_ipv4",
    "arp.dst.proto_ipv4",
    "ip.src",
    "ip.dst",
    "ip.proto",
    "ip.ttl",
    "ip.id",
    "ip.len",
    "ip.flags.mf",
    "ip.frag_offset",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.nxt",
    "ipv6.hlim",
    "icmp.type",
    "icmp.code",
    "icmpv6.type",
    "icmpv6.code",
    "tcp.stream",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq",
    "tcp.ack",
    "tcp.len",
    "tcp.flags",
    "tcp.flags.syn",
    "tcp.flags.ack",
    "tcp.flags.fin",
    "tcp.flags.reset",
    "tcp.window_size",
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.duplicate_ack",
    "tcp.analysis.lost_segment",
    "tcp.analysis.zero_window",
    "tcp.analysis.ack_rtt",
    "udp.stream",
    "udp.srcport",
    "udp.dstport",
    "udp.length",
    "tftp.opcode",
    "tftp.source_file",
    "tftp.destination_file",
    "tftp.block",
    "tftp.error.code",
    "dns.qry.name",
    "dns.qry.type",
    "dns.flags.rcode",
    "http.request.method",
    "http.host",
    "http.request.uri",
    "http.response.code",
    "_ws.col.Protocol",
    "_ws.col.Info",
];

/// The column type of a field type (see the module contract).
pub fn column_kind(ftype: FieldType) -> Kind {
    match ftype {
        FieldType::U8 => Kind::I16,
        FieldType::U16 | FieldType::U24 | FieldType::I32 => Kind::I32,
        FieldType::U32 | FieldType::U64 | FieldType::FrameNum => Kind::I64,
        FieldType::Bool | FieldType::None | FieldType::Protocol => Kind::Bool,
        FieldType::RelTime | FieldType::Double => Kind::F64,
        FieldType::AbsTime => Kind::TimestampMicros,
        FieldType::Ipv4
        | FieldType::Ipv6
        | FieldType::Ether
        | FieldType::Bytes
        | FieldType::Str => Kind::Text,
    }
}

/// A table column's name for a field name: `.` and anything else engines would need quoted
/// become `_`.
pub fn column_name(field: &str) -> String {
    field
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Where a column's value comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// The capture's file name (one value per run).
    Capture,
    /// The frame's time.
    Ts,
    /// The frame's time in nanoseconds since the epoch.
    TsNs,
    /// A registry field's first value.
    Field(FieldId),
    /// An IPv4 field's first value as a number.
    Ipv4Int(FieldId),
}

/// The packets table of a run: its columns and how each is filled.
#[derive(Debug)]
pub struct PacketsTable {
    spec: TableSpec,
    sources: Vec<Source>,
    capture: String,
}

impl PacketsTable {
    /// The table for a run over the capture named `capture`, with the `extra` fields.
    pub fn new(extra: &[(String, FieldId)], capture: &str) -> PacketsTable {
        let reg = registry();
        let mut columns = vec![
            ColumnSpec::new("capture", Kind::Text),
            ColumnSpec::new("ts", Kind::TimestampMicros),
            ColumnSpec::new("ts_ns", Kind::I64),
        ];
        let mut sources = vec![Source::Capture, Source::Ts, Source::TsNs];
        let core = CORE_FIELDS.iter().filter_map(|n| reg.lookup(n));
        for id in core.chain(extra.iter().map(|(_, id)| *id)) {
            let def = reg.def(id);
            let name = column_name(def.name);
            if columns.iter().any(|c| c.name == name) {
                continue;
            }
            columns.push(ColumnSpec::new(&name, column_kind(def.ftype)));
            sources.push(Source::Field(id));
            if def.ftype == FieldType::Ipv4 {
                columns.push(ColumnSpec::new(format!("{name}_int"), Kind::I64));
                sources.push(Source::Ipv4Int(id));
            }
        }
        PacketsTable {
            spec: TableSpec {
                name: "packets",
                columns,
            },
            sources,
            capture: capture.to_string(),
        }
    }

    /// The table's name and columns.
    pub fn spec(&self) -> &TableSpec {
        &self.spec
    }

    /// Appends frame `d` as a row of `block`.
    pub fn append_row(&self, block: &mut RowBlock, d: &Dissection<'_>) {
        if block.columns.len() != self.sources.len() {
            *block = RowBlock::new(&self.spec.columns);
        }
        let ts = d.frame.ts;
        block.hours.push(hour_of(ts));
        for (source, column) in self.sources.iter().zip(block.columns.iter_mut()) {
            match *source {
                Source::Capture => column.push_text(|t| t.push_str(&self.capture)),
                Source::Ts if ts.is_none() => column.push_null(),
                Source::Ts => {
                    column.push_int(ts.secs.saturating_mul(1_000_000) + i64::from(ts.nanos / 1000))
                }
                Source::TsNs if ts.is_none() => column.push_null(),
                Source::TsNs => match i64::try_from(ts.as_nanos()) {
                    Ok(ns) => column.push_int(ns),
                    Err(_) => column.push_null(),
                },
                Source::Field(id) => push_first_value(column, id, d, false),
                Source::Ipv4Int(id) => push_first_value(column, id, d, true),
            }
        }
    }
}

/// Appends field `id`'s first value in `d` to `column` (the address as a number when
/// `as_int`), or null.
fn push_first_value(column: &mut Column, id: FieldId, d: &Dissection<'_>, as_int: bool) {
    let def = registry().def(id);
    let mut pushed = false;
    registry().each_value(id, d, LayerSel::All, &mut |v| {
        if pushed {
            return;
        }
        pushed = true;
        match v {
            Value::Ipv4(a) if as_int => column.push_int(i64::from(u32::from_be_bytes(a))),
            Value::Uint(n) => match i64::try_from(n) {
                Ok(n) => column.push_int(n),
                Err(_) => column.push_null(),
            },
            Value::Int(n) => column.push_int(n),
            Value::Bool(b) => column.push_bool(b),
            Value::Present => column.push_bool(true),
            Value::RelTime(ns) => column.push_f64(ns as f64 / 1e9),
            Value::AbsTime(t) => {
                column.push_int(t.secs.saturating_mul(1_000_000) + i64::from(t.nanos / 1000))
            }
            Value::Double(x) => column.push_f64(x),
            // A protocol's value is its bytes: the column says it is there.
            _ if def.ftype == FieldType::Protocol => column.push_bool(true),
            v => column.push_text(|t| write_value(t, &v, def.ftype, def.base)),
        }
    });
    if !pushed {
        column.push_null();
    }
}

/// The sink that turns displayed frames into rows of a block (a worker's, in the parallel
/// run, or the whole run's between hand-overs in the sequential one).
pub struct PacketRows {
    table: Arc<PacketsTable>,
    block: Rc<RefCell<RowBlock>>,
}

impl PacketRows {
    /// Rows of `table` into `block`.
    pub fn new(table: Arc<PacketsTable>, block: Rc<RefCell<RowBlock>>) -> PacketRows {
        PacketRows { table, block }
    }
}

impl Sink for PacketRows {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
        self.table.append_row(&mut self.block.borrow_mut(), d);
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl BlockSink for PacketRows {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_field_is_in_the_registry() {
        for name in CORE_FIELDS {
            assert!(registry().lookup(name).is_some(), "{name}");
        }
    }

    #[test]
    fn extra_fields_add_columns_once() {
        let reg = registry();
        let extra = ["ip.src", "udp.checksum"]
            .iter()
            .map(|n| (n.to_string(), reg.lookup(n).expect("field")))
            .collect::<Vec<_>>();
        let t = PacketsTable::new(&extra, "x.pcap");
        let names: Vec<&str> = t.spec().columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.iter().filter(|n| **n == "ip_src").count(), 1);
        assert_eq!(names.last(), Some(&"udp_checksum"));
        assert!(names.contains(&"ip_src_int"));
        assert!(names.contains(&"_ws_col_Info"));
    }
}
