//! The connection and transfer tables of `-F parquet`, from the trackers' reports at the end
//! of the run.
//!
//! - `conns`: one row per connection, shaped like Zeek's conn.log. TCP rows are the rows of
//!   `-z tcp,states` (the same connections, states, counts and times; bytes are TCP payload,
//!   as Zeek counts them); UDP rows are the conversations of `-z conv,udp` (bytes are frame
//!   bytes, as tshark counts them; `conn_state` is `SF` when both sides sent, `S0` when only
//!   the originator did; history `D`/`d` for data each way).
//! - `tftp`: one row per transfer of `-z tftp,transfers`, when TFTP was seen.
//!
//! Rows are partitioned by the hour their connection or transfer started.

use super::conv::ConvRow;
use super::tcp::ConnRow;
use super::tftp::Transfer;
use crate::capture::Timestamp;
use crate::dissect::IpAddr;
use crate::output::parquet::ExportError;
use crate::output::parquet::column::{ColumnSpec, Kind, RowBlock};
use crate::output::parquet::writer::{TableSpec, TableWriter, Target, hour_of};

/// One column of a table row: its name, type and value.
enum Cell {
    Int(i64),
    OptInt(Option<i64>),
    Float(f64),
    OptFloat(Option<f64>),
    Text(String),
    Bool(bool),
    Time(Timestamp),
}

/// A row as (column name, kind, value), in column order.
type Row = Vec<(&'static str, Kind, Cell)>;

fn time_cells(origin: Timestamp, rel_ns: i128) -> [(&'static str, Kind, Cell); 2] {
    let ts = Timestamp::from_nanos(origin.as_nanos() + rel_ns);
    let ns = i64::try_from(ts.as_nanos()).ok();
    [
        ("ts", Kind::TimestampMicros, Cell::Time(ts)),
        ("ts_ns", Kind::I64, Cell::OptInt(ns)),
    ]
}

fn endpoint_cells(
    role: (&'static str, &'static str, &'static str),
    e: (IpAddr, u16),
) -> [(&'static str, Kind, Cell); 3] {
    let int = match e.0 {
        IpAddr::V4(a) => Some(i64::from(u32::from_be_bytes(a))),
        IpAddr::V6(_) => None,
    };
    [
        (role.0, Kind::Text, Cell::Text(e.0.to_string())),
        (role.1, Kind::I32, Cell::Int(i64::from(e.1))),
        (role.2, Kind::I64, Cell::OptInt(int)),
    ]
}

fn secs(ns: i128) -> f64 {
    ns as f64 / 1e9
}

/// A `conns` row for a TCP connection.
fn tcp_row(capture: &str, origin: Timestamp, r: &ConnRow) -> Row {
    let mut row: Row = vec![("capture", Kind::Text, Cell::Text(capture.into()))];
    row.extend(time_cells(origin, r.start_ns));
    row.extend([
        ("uid", Kind::Text, Cell::Text(format!("tcp-{}", r.stream))),
        ("stream", Kind::I64, Cell::OptInt(Some(i64::from(r.stream)))),
        ("proto", Kind::Text, Cell::Text("tcp".into())),
    ]);
    row.extend(endpoint_cells(("orig_h", "orig_p", "orig_h_int"), r.client));
    row.extend(endpoint_cells(("resp_h", "resp_p", "resp_h_int"), r.server));
    row.extend([
        ("duration", Kind::F64, Cell::Float(secs(r.duration_ns))),
        ("orig_pkts", Kind::I64, Cell::Int(r.c2s.0 as i64)),
        ("orig_bytes", Kind::I64, Cell::Int(r.c2s.1 as i64)),
        ("resp_pkts", Kind::I64, Cell::Int(r.s2c.0 as i64)),
        ("resp_bytes", Kind::I64, Cell::Int(r.s2c.1 as i64)),
        ("conn_state", Kind::Text, Cell::Text(r.conn_state.into())),
        ("history", Kind::Text, Cell::Text(r.history.clone())),
        ("handshake", Kind::Text, Cell::Text(r.handshake.into())),
        ("irtt", Kind::F64, Cell::OptFloat(r.irtt_ns.map(secs))),
        (
            "closed_first",
            Kind::Text,
            Cell::Text(r.closed_first.into()),
        ),
        ("teardown", Kind::Text, Cell::Text(r.teardown.into())),
        ("orig_state", Kind::Text, Cell::Text(r.client_state.clone())),
        ("resp_state", Kind::Text, Cell::Text(r.server_state.clone())),
        (
            "completeness",
            Kind::I32,
            Cell::Int(i64::from(r.completeness)),
        ),
        ("orig_inferred", Kind::Bool, Cell::Bool(r.client_inferred)),
    ]);
    row
}

/// A `conns` row for a UDP conversation (see the module doc for its counts and state).
fn udp_row(capture: &str, origin: Timestamp, n: usize, r: &ConvRow) -> Row {
    let mut row: Row = vec![("capture", Kind::Text, Cell::Text(capture.into()))];
    row.extend(time_cells(origin, r.start_ns));
    row.extend([
        ("uid", Kind::Text, Cell::Text(format!("udp-{n}"))),
        ("stream", Kind::I64, Cell::OptInt(None)),
        ("proto", Kind::Text, Cell::Text("udp".into())),
    ]);
    row.extend(endpoint_cells(("orig_h", "orig_p", "orig_h_int"), r.a));
    row.extend(endpoint_cells(("resp_h", "resp_p", "resp_h_int"), r.b));
    let both = r.ab.0 > 0 && r.ba.0 > 0;
    let history = [(r.ab.0 > 0, 'D'), (r.ba.0 > 0, 'd')]
        .iter()
        .filter_map(|&(sent, c)| sent.then_some(c))
        .collect::<String>();
    let text = |s: &str| Cell::Text(s.into());
    row.extend([
        (
            "duration",
            Kind::F64,
            Cell::Float(secs(r.last_ns - r.start_ns)),
        ),
        ("orig_pkts", Kind::I64, Cell::Int(r.ab.0 as i64)),
        ("orig_bytes", Kind::I64, Cell::Int(r.ab.1 as i64)),
        ("resp_pkts", Kind::I64, Cell::Int(r.ba.0 as i64)),
        ("resp_bytes", Kind::I64, Cell::Int(r.ba.1 as i64)),
        (
            "conn_state",
            Kind::Text,
            text(if both { "SF" } else { "S0" }),
        ),
        ("history", Kind::Text, Cell::Text(history)),
        ("handshake", Kind::Text, text("-")),
        ("irtt", Kind::F64, Cell::OptFloat(None)),
        ("closed_first", Kind::Text, text("-")),
        ("teardown", Kind::Text, text("-")),
        ("orig_state", Kind::Text, text("-")),
        ("resp_state", Kind::Text, text("-")),
        ("completeness", Kind::I32, Cell::OptInt(None)),
        ("orig_inferred", Kind::Bool, Cell::Bool(false)),
    ]);
    row
}

/// A `tftp` row.
fn tftp_row(capture: &str, origin: Timestamp, t: &Transfer) -> Row {
    let mut row: Row = vec![("capture", Kind::Text, Cell::Text(capture.into()))];
    row.extend(time_cells(origin, t.first_ns));
    row.extend([
        (
            "request_frame",
            Kind::I64,
            Cell::Int(i64::from(t.request_frame)),
        ),
        ("file", Kind::Text, Cell::Text(t.file.clone())),
        ("mode", Kind::Text, Cell::Text(t.mode.clone())),
        (
            "direction",
            Kind::Text,
            Cell::Text(if t.is_read { "read" } else { "write" }.into()),
        ),
    ]);
    row.extend(endpoint_cells(
        ("client_h", "client_p", "client_h_int"),
        t.client,
    ));
    row.extend(endpoint_cells(
        ("server_h", "server_p", "server_h_int"),
        t.server,
    ));
    row.extend([
        ("options", Kind::Text, Cell::Text(t.options.join(" "))),
        ("blksize", Kind::I32, Cell::Int(i64::from(t.blksize))),
        ("blocks", Kind::I64, Cell::Int(t.blocks as i64)),
        ("bytes", Kind::I64, Cell::Int(t.bytes as i64)),
        (
            "duration",
            Kind::F64,
            Cell::Float(secs(t.last_ns - t.first_ns)),
        ),
        ("outcome", Kind::Text, Cell::Text(t.outcome.to_string())),
    ]);
    row
}

/// Rows a table gathers before it hands them to its writer: the rows are made one at a
/// time, so memory stays flat however many connections the capture has.
const ROWS_PER_HANDOVER: usize = 4096;

/// Writes `rows` as table `name` of `target` (nothing when there are none).
fn write_table(
    target: &Target,
    name: &'static str,
    mut rows: impl Iterator<Item = Row>,
) -> Result<(), ExportError> {
    let Some(first) = rows.next() else {
        return Ok(());
    };
    let columns: Vec<ColumnSpec> = first
        .iter()
        .map(|(n, k, _)| ColumnSpec::new(*n, *k))
        .collect();
    let mut block = RowBlock::new(&columns);
    let mut writer = TableWriter::create(target, TableSpec { name, columns })?;
    for row in std::iter::once(first).chain(rows) {
        push_row(&mut block, &row);
        if block.rows() >= ROWS_PER_HANDOVER {
            // A failed append means the encoder stopped: close reports its error.
            if writer.append(&block).is_err() {
                break;
            }
            block.clear();
        }
    }
    let _ = writer.append(&block);
    writer.close().map(drop)
}

fn push_row(block: &mut RowBlock, row: &Row) {
    let hour = row.iter().find_map(|(_, _, c)| match c {
        Cell::Time(ts) => Some(hour_of(*ts)),
        _ => None,
    });
    block.hours.push(hour.unwrap_or(0));
    for ((_, _, cell), column) in row.iter().zip(block.columns.iter_mut()) {
        match cell {
            Cell::Int(v) => column.push_int(*v),
            Cell::OptInt(Some(v)) => column.push_int(*v),
            Cell::OptInt(None) | Cell::OptFloat(None) => column.push_null(),
            Cell::Float(v) | Cell::OptFloat(Some(v)) => column.push_f64(*v),
            Cell::Text(s) => column.push_text(|t| t.push_str(s)),
            Cell::Bool(b) => column.push_bool(*b),
            Cell::Time(ts) => {
                column.push_int(ts.secs.saturating_mul(1_000_000) + i64::from(ts.nanos / 1000))
            }
        }
    }
}

/// What the tables are made from.
pub struct TableInputs<'r> {
    /// The capture's name (the `capture` column).
    pub capture: &'r str,
    /// The first frame's time: the origin of the reports' relative times.
    pub origin: Timestamp,
    /// TCP connections that had a displayed frame.
    pub tcp: &'r [ConnRow],
    /// UDP conversations of displayed frames.
    pub udp: &'r [ConvRow],
    /// TFTP transfers that had a displayed frame.
    pub tftp: &'r [Transfer],
}

/// Writes the `conns` and `tftp` tables of a run.
///
/// # Errors
/// A table could not be written (its files were removed).
pub fn write_tables(target: &Target, inputs: &TableInputs<'_>) -> Result<(), ExportError> {
    let (capture, origin) = (inputs.capture, inputs.origin);
    let tcp = inputs
        .tcp
        .iter()
        .filter(|r| r.selected)
        .map(|r| tcp_row(capture, origin, r));
    let udp = inputs
        .udp
        .iter()
        .enumerate()
        .map(|(n, r)| udp_row(capture, origin, n, r));
    write_table(target, "conns", tcp.chain(udp))?;
    let tftp = inputs
        .tftp
        .iter()
        .filter(|t| t.selected)
        .map(|t| tftp_row(capture, origin, t));
    write_table(target, "tftp", tftp)
}
