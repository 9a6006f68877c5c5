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

/// Rows a table gathers before it hands them to its writer.
const ROWS_PER_HANDOVER: usize = 1024;

/// A table written row by row as the run goes: connections are written when they end, so
/// memory follows the connections alive at one time, not every connection of the capture.
pub struct StreamedTable {
    name: &'static str,
    target: Target,
    /// Created with the first row, whose cells give the columns.
    writer: Option<TableWriter>,
    block: RowBlock,
    /// UDP conversations written so far (their `uid` numbers).
    udp_rows: usize,
    /// Why the table could not be created; its rows are dropped.
    create_error: Option<ExportError>,
    /// The encoder stopped (`close` returns its error); the rest of the rows are dropped.
    failed: bool,
}

impl StreamedTable {
    /// An empty table `name` of `target`; no file until the first row.
    pub fn new(target: &Target, name: &'static str) -> StreamedTable {
        StreamedTable {
            name,
            target: target.clone(),
            writer: None,
            block: RowBlock::default(),
            udp_rows: 0,
            create_error: None,
            failed: false,
        }
    }

    /// Adds the TCP connections among `rows` that had a displayed frame.
    pub fn push_tcp(&mut self, capture: &str, origin: Timestamp, rows: &[ConnRow]) {
        for r in rows.iter().filter(|r| r.selected) {
            self.push(tcp_row(capture, origin, r));
        }
    }

    /// Adds UDP conversations.
    pub fn push_udp(&mut self, capture: &str, origin: Timestamp, rows: &[ConvRow]) {
        for r in rows {
            let n = self.udp_rows;
            self.udp_rows += 1;
            self.push(udp_row(capture, origin, n, r));
        }
    }

    /// Adds the TFTP transfers among `transfers` that had a displayed frame.
    pub fn push_tftp(&mut self, capture: &str, origin: Timestamp, transfers: &[Transfer]) {
        for t in transfers.iter().filter(|t| t.selected) {
            self.push(tftp_row(capture, origin, t));
        }
    }

    fn push(&mut self, row: Row) {
        if self.failed {
            return;
        }
        if self.writer.is_none() {
            let columns: Vec<ColumnSpec> = row
                .iter()
                .map(|(n, k, _)| ColumnSpec::new(*n, *k))
                .collect();
            self.block = RowBlock::new(&columns);
            let spec = TableSpec {
                name: self.name,
                columns,
            };
            match TableWriter::create(&self.target, spec) {
                Ok(w) => self.writer = Some(w),
                Err(e) => {
                    self.create_error = Some(e);
                    self.failed = true;
                    return;
                }
            }
        }
        push_row(&mut self.block, &row);
        if self.block.rows() >= ROWS_PER_HANDOVER {
            self.hand_over();
        }
    }

    fn hand_over(&mut self) {
        if let Some(w) = &mut self.writer
            && w.append(&self.block).is_err()
        {
            // The encoder stopped: `close` returns its error.
            self.failed = true;
        }
        self.block.clear();
    }

    /// Writes the last rows and finishes the table's files.
    ///
    /// # Errors
    /// A file could not be written (it was removed), or the table could not be created.
    pub fn close(mut self) -> Result<(), ExportError> {
        self.hand_over();
        if let Some(e) = self.create_error.take() {
            return Err(e);
        }
        self.writer.take().map_or(Ok(()), |w| w.close().map(drop))
    }
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
