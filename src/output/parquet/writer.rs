//! One table of an export, written as Hive-style partitioned Parquet files:
//! `DIR/TABLE/date=YYYY-MM-DD/hour=HH/RUN-N.parquet`.
//!
//! Contract:
//! - Rows are appended in blocks ([`TableWriter::append`]); each row goes to the partition
//!   of its hour (UTC). Rows wait per partition until a row group's worth
//!   ([`ROW_GROUP_BYTES`]) is there, then a thread of the writer's own encodes and
//!   compresses the row group while the run goes on: the export uses a second core.
//! - A file is written under a hidden temporary name (`.RUN-N.parquet.tmp`, which Spark,
//!   DuckDB and Trino skip) and renamed to its final name once its footer is written. A file
//!   that failed, or a run that stopped, leaves no file an engine would read as complete:
//!   the temporary file is removed.
//! - `RUN` is the capture's name, the time the run started and its process id: two runs that
//!   write into one directory never pick the same name, so their files form one dataset.
//! - Memory is bounded: [`ROW_GROUP_BYTES`] per partition waiting, at most
//!   [`MAX_OPEN_PARTITIONS`] of them, and one row group queued plus one being encoded.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use bytes::Bytes;
use parquet::basic::{LogicalType, Repetition, TimeUnit, Type as Physical, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::types::ColumnPath;
use parquet::schema::types::{Type, TypePtr};

use super::column::{Column, ColumnSpec, Kind, RowBlock, Values};
use super::{Compression, ExportError};
use crate::capture::Timestamp;
use crate::output::time::civil;

/// Bytes of rows a partition gathers before they become a row group: about 2 500 packets
/// (engines skip whole row groups by their statistics, and split work by them). The rows
/// waiting, the ones being encoded and a spare buffer are each up to twice this (vectors
/// grow by doubling); with 4 MiB the 5 M-packet bench export peaked at 88 MiB, with 2 MiB
/// it stays within the 64 MiB budget.
pub const ROW_GROUP_BYTES: usize = 2 << 20;
/// Row groups per file: a file is finished and the next one started after this many. The
/// writer keeps every row group's metadata (column chunks, page indexes; about 20 KiB for a
/// packets row group) until the file's footer is written, so without a bound it grows with
/// the capture. 64 row groups of packets are about 300 000 rows and 40 MiB on disk.
pub const MAX_ROW_GROUPS_PER_FILE: u32 = 64;
/// The write buffer of a file: pages are tens of KiB, so this is a few pages per write call.
const FILE_BUFFER: usize = 256 * 1024;
/// Partitions (hours) whose rows may wait at the same time; a capture's frames are nearly
/// in time order, so more than two at once is rare. The oldest is written out first.
pub const MAX_OPEN_PARTITIONS: usize = 4;

/// A table: its name (the directory under DIR) and columns.
#[derive(Debug, Clone)]
pub struct TableSpec {
    /// The table's directory name (`packets`, `conns`, `tftp`).
    pub name: &'static str,
    /// Its columns.
    pub columns: Vec<ColumnSpec>,
}

/// Where and how a run's tables are written.
#[derive(Debug, Clone)]
pub struct Target {
    /// The dataset directory (`-w DIR`).
    pub dir: PathBuf,
    /// Compression of every column.
    pub compression: Compression,
    /// The capture's file name (the `capture` column of every table).
    pub capture: String,
    /// The run's part of every file name.
    pub run_id: String,
}

impl Target {
    /// The target for a run over the capture at `capture` (its file name starts the run id).
    pub fn new(dir: PathBuf, compression: Compression, capture: &str) -> Target {
        let name = Path::new(capture)
            .file_name()
            .and_then(|s| s.to_str())
            .filter(|s| *s != "-")
            .unwrap_or("stdin");
        let stem = Path::new(capture)
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|s| *s != "-")
            .unwrap_or("stdin");
        let stem: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Target {
            dir,
            compression,
            capture: name.to_string(),
            run_id: format!("{stem}-{started:x}-{}", std::process::id()),
        }
    }
}

/// The partition key of a frame time: hours since the epoch (frames without a time go to
/// hour 0, 1970-01-01).
pub fn hour_of(ts: Timestamp) -> i64 {
    if ts.is_none() {
        0
    } else {
        ts.secs.div_euclid(3600)
    }
}

/// The Hive partition directory of an hour: `date=YYYY-MM-DD/hour=HH`.
pub fn partition_dir(hour: i64) -> PathBuf {
    let c = civil(Timestamp {
        secs: hour.saturating_mul(3600),
        nanos: 0,
    });
    PathBuf::from(format!(
        "date={:04}-{:02}-{:02}/hour={:02}",
        c.year, c.month, c.day, c.hour
    ))
}

/// Writes one table; see the module contract.
pub struct TableWriter {
    waiting: BTreeMap<i64, RowBlock>,
    queue: Option<SyncSender<(i64, RowBlock)>>,
    /// Row groups the encoder wrote, emptied, for reuse (their buffers keep their size).
    spare: Receiver<RowBlock>,
    encoder: Option<JoinHandle<Result<u64, ExportError>>>,
    /// What the encoder returned, once [`TableWriter::finish`] waited for it.
    finished: Option<Result<u64, ExportError>>,
}

impl TableWriter {
    /// Creates the table's directory and starts its encoder.
    ///
    /// # Errors
    /// The directory cannot be created, or a file cannot be created in it.
    pub fn create(target: &Target, spec: TableSpec) -> Result<TableWriter, ExportError> {
        let dir = target.dir.join(spec.name);
        fs::create_dir_all(&dir).map_err(|source| ExportError::Create {
            path: dir.display().to_string(),
            source,
        })?;
        probe_writable(&dir)?;
        let schema = parquet_schema(&spec).map_err(|e| ExportError::Write {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        let files = Files {
            dir,
            run_id: target.run_id.clone(),
            schema,
            props: Arc::new(properties(target.compression, &spec)),
            open: BTreeMap::new(),
            made: 0,
            rows: 0,
        };
        // No queue: the run waits while the encoder is still busy with the row group before,
        // so at most one row group per partition waits and one is being encoded.
        let (queue, rx) = sync_channel(0);
        let (spare_tx, spare) = sync_channel(1);
        let encoder = std::thread::Builder::new()
            .name(format!("parquet-{}", spec.name))
            .spawn(move || files.encode_all(rx, spare_tx))
            .map_err(|source| ExportError::Create {
                path: target.dir.display().to_string(),
                source,
            })?;
        Ok(TableWriter {
            waiting: BTreeMap::new(),
            queue: Some(queue),
            spare,
            encoder: Some(encoder),
            finished: None,
        })
    }

    /// Appends the rows of `block` (a block of this table's columns).
    ///
    /// # Errors
    /// The encoder stopped (its error is what [`TableWriter::close`] returns).
    pub fn append(&mut self, block: &RowBlock) -> io::Result<()> {
        for (hour, rows) in block.partition_runs() {
            let spare = &self.spare;
            let waiting = self
                .waiting
                .entry(hour)
                .or_insert_with(|| spare.try_recv().unwrap_or_default());
            waiting.extend_rows(block, rows);
            if waiting.weight() >= ROW_GROUP_BYTES {
                self.send(hour)?;
            }
        }
        while self.waiting.len() > MAX_OPEN_PARTITIONS {
            let Some(&oldest) = self.waiting.keys().next() else {
                break;
            };
            self.send(oldest)?;
        }
        Ok(())
    }

    /// Hands partition `hour`'s waiting rows to the encoder.
    fn send(&mut self, hour: i64) -> io::Result<()> {
        let Some(rows) = self.waiting.remove(&hour) else {
            return Ok(());
        };
        let stopped = || io::Error::other("the Parquet encoder stopped");
        let queue = self.queue.as_ref().ok_or_else(stopped)?;
        queue.send((hour, rows)).map_err(|_| stopped())
    }

    /// Writes the waiting rows, finishes every file and renames it to its final name, and
    /// frees the writer's buffers; rows appended afterwards are refused. The outcome is what
    /// [`TableWriter::close`] returns.
    ///
    /// # Errors
    /// A file could not be written (the error itself is kept for `close`).
    pub fn finish(&mut self) -> io::Result<()> {
        if self.finished.is_none() {
            let hours: Vec<i64> = self.waiting.keys().copied().collect();
            // A failed send means the encoder stopped: its own error is the one to report.
            let _ = hours.into_iter().try_for_each(|h| self.send(h));
            self.finished = Some(self.finish_encoder());
        }
        match &self.finished {
            Some(Err(e)) => Err(io::Error::other(e.to_string())),
            _ => Ok(()),
        }
    }

    /// [`TableWriter::finish`], and its outcome: the rows written.
    ///
    /// # Errors
    /// A file could not be written (it was removed).
    pub fn close(mut self) -> Result<u64, ExportError> {
        let _ = self.finish();
        self.finished.take().unwrap_or(Ok(0))
    }

    fn finish_encoder(&mut self) -> Result<u64, ExportError> {
        self.queue = None;
        match self.encoder.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(ExportError::Write {
                path: "the Parquet encoder".into(),
                reason: "it panicked".into(),
            }),
            None => Ok(0),
        }
    }
}

impl Drop for TableWriter {
    /// A writer dropped without [`TableWriter::close`] (the run failed) stops its encoder,
    /// which removes its unfinished files.
    fn drop(&mut self) {
        if self.encoder.is_some() {
            self.waiting.clear();
            let _ = self.finish_encoder();
        }
    }
}

/// Fails early, with the path, when nothing can be created in `dir`.
fn probe_writable(dir: &Path) -> Result<(), ExportError> {
    let probe = dir.join(format!(".wiresift-probe-{}", std::process::id()));
    let created = File::create(&probe);
    let _ = fs::remove_file(&probe);
    created.map(drop).map_err(|source| ExportError::Create {
        path: dir.display().to_string(),
        source,
    })
}

/// The writer's settings.
///
/// - Dictionary encoding only for text columns: addresses, protocol stacks and names repeat
///   and shrink to a few bits each, while numbers are mostly distinct or small already.
///   Dictionaries on every column cost a third more CPU time (a hash table per column per
///   row group) for 10% smaller files.
/// - Text columns carry no min/max statistics: the statistics keep their values until the
///   file is closed, and a value is a slice of its row group's whole text buffer, so they
///   kept every row group's text alive.
fn properties(compression: Compression, spec: &TableSpec) -> WriterProperties {
    let codec = match compression {
        Compression::Snappy => parquet::basic::Compression::SNAPPY,
        Compression::Zstd => parquet::basic::Compression::ZSTD(ZstdLevel::default()),
        Compression::None => parquet::basic::Compression::UNCOMPRESSED,
    };
    let builder = WriterProperties::builder()
        .set_compression(codec)
        .set_dictionary_enabled(false)
        .set_created_by(format!("wiresift {}", env!("CARGO_PKG_VERSION")));
    spec.columns
        .iter()
        .filter(|c| c.kind == Kind::Text)
        .fold(builder, |b, c| {
            let path = ColumnPath::from(c.name.as_str());
            b.set_column_statistics_enabled(path.clone(), EnabledStatistics::None)
                .set_column_dictionary_enabled(path, true)
        })
        .build()
}

/// The Parquet schema of a table: every column optional.
fn parquet_schema(spec: &TableSpec) -> parquet::errors::Result<TypePtr> {
    let fields = spec
        .columns
        .iter()
        .map(|c| {
            let (physical, logical) = match c.kind {
                Kind::I16 => (Physical::INT32, Some(LogicalType::integer(16, true))),
                Kind::I32 => (Physical::INT32, None),
                Kind::I64 => (Physical::INT64, None),
                Kind::Bool => (Physical::BOOLEAN, None),
                Kind::F64 => (Physical::DOUBLE, None),
                Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
                Kind::TimestampMicros => (
                    Physical::INT64,
                    Some(LogicalType::timestamp(true, TimeUnit::MICROS)),
                ),
            };
            Type::primitive_type_builder(&c.name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<parquet::errors::Result<Vec<_>>>()?;
    Ok(Arc::new(
        Type::group_type_builder(spec.name)
            .with_fields(fields)
            .build()?,
    ))
}

/// The encoder's side: the open files, one per partition.
struct Files {
    dir: PathBuf,
    run_id: String,
    schema: TypePtr,
    props: WriterPropertiesPtr,
    open: BTreeMap<i64, PartFile>,
    made: u32,
    rows: u64,
}

impl Files {
    /// Encodes row groups until the queue closes, then finishes every file.
    fn encode_all(
        mut self,
        rx: Receiver<(i64, RowBlock)>,
        spare: SyncSender<RowBlock>,
    ) -> Result<u64, ExportError> {
        for (hour, mut rows) in rx {
            self.write_row_group(hour, &rows)?;
            rows.clear();
            // Full (the run has spares enough) or gone (the run ended): dropped.
            let _ = spare.try_send(rows);
        }
        let open = std::mem::take(&mut self.open);
        for (_, file) in open {
            file.commit()?;
        }
        Ok(self.rows)
    }

    fn write_row_group(&mut self, hour: i64, rows: &RowBlock) -> Result<(), ExportError> {
        if !self.open.contains_key(&hour) {
            self.close_oldest_beyond(MAX_OPEN_PARTITIONS - 1)?;
            let file = self.open_file(hour)?;
            self.open.insert(hour, file);
        }
        let Some(file) = self.open.get_mut(&hour) else {
            return Ok(());
        };
        self.rows += rows.rows() as u64;
        let path = file.tmp.clone();
        file.write_row_group(rows)
            .map_err(|e| write_error(&path, e))?;
        file.groups += 1;
        if file.groups >= MAX_ROW_GROUPS_PER_FILE
            && let Some(full) = self.open.remove(&hour)
        {
            full.commit()?;
        }
        Ok(())
    }

    /// Finishes the files of the oldest partitions until at most `keep` stay open.
    fn close_oldest_beyond(&mut self, keep: usize) -> Result<(), ExportError> {
        while self.open.len() > keep {
            let Some((_, file)) = self.open.pop_first() else {
                break;
            };
            file.commit()?;
        }
        Ok(())
    }

    fn open_file(&mut self, hour: i64) -> Result<PartFile, ExportError> {
        let dir = self.dir.join(partition_dir(hour));
        let create = |source| ExportError::Create {
            path: dir.display().to_string(),
            source,
        };
        fs::create_dir_all(&dir).map_err(create)?;
        self.made += 1;
        let name = format!("{}-{:04}.parquet", self.run_id, self.made);
        let tmp = dir.join(format!(".{name}.tmp"));
        let file = File::create(&tmp).map_err(|source| ExportError::Create {
            path: tmp.display().to_string(),
            source,
        })?;
        let mut part = PartFile {
            writer: None,
            groups: 0,
            tmp: tmp.clone(),
            path: dir.join(name),
        };
        let writer = SerializedFileWriter::new(
            BufWriter::with_capacity(FILE_BUFFER, file),
            self.schema.clone(),
            self.props.clone(),
        )
        .map_err(|e| write_error(&tmp, e))?;
        part.writer = Some(writer);
        Ok(part)
    }
}

fn write_error(path: &Path, e: parquet::errors::ParquetError) -> ExportError {
    ExportError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// One file being written under its temporary name.
struct PartFile {
    writer: Option<SerializedFileWriter<BufWriter<File>>>,
    /// Row groups written.
    groups: u32,
    tmp: PathBuf,
    path: PathBuf,
}

impl PartFile {
    fn write_row_group(&mut self, rows: &RowBlock) -> parquet::errors::Result<()> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let mut group = writer.next_row_group()?;
        let mut columns = rows.columns.iter();
        while let Some(mut out) = group.next_column()? {
            // Blocks are built from the table's own columns: one per schema column.
            if let Some(column) = columns.next() {
                write_column(&mut out, column)?;
            }
            out.close()?;
        }
        group.close()?;
        Ok(())
    }

    /// Writes the footer and gives the file its final name.
    fn commit(mut self) -> Result<(), ExportError> {
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        let tmp = self.tmp.clone();
        let inner = writer.into_inner().map_err(|e| write_error(&tmp, e))?;
        let file = inner
            .into_inner()
            .map_err(|e| write_error(&tmp, io::Error::from(e).into()))?;
        file.sync_all().map_err(|e| write_error(&tmp, e.into()))?;
        fs::rename(&self.tmp, &self.path).map_err(|e| write_error(&tmp, e.into()))?;
        // Renamed: nothing left for `drop` to remove.
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl Drop for PartFile {
    /// A file not committed is incomplete: it must not stay where an engine finds it.
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

fn write_column(
    out: &mut SerializedColumnWriter<'_>,
    column: &Column,
) -> parquet::errors::Result<()> {
    let defs = Some(column.defs.as_slice());
    match &column.values {
        Values::I32(v) => out.typed::<Int32Type>().write_batch(v, defs, None)?,
        Values::I64(v) => out.typed::<Int64Type>().write_batch(v, defs, None)?,
        Values::Bool(v) => out.typed::<BoolType>().write_batch(v, defs, None)?,
        Values::F64(v) => out.typed::<DoubleType>().write_batch(v, defs, None)?,
        Values::Text { text, ends } => {
            // One copy of the column's text (the block's own buffer is reused); each value
            // is a slice of it.
            let all = Bytes::copy_from_slice(text.as_bytes());
            let mut start = 0;
            let values: Vec<ByteArray> = ends
                .iter()
                .map(|&end| {
                    let v = ByteArray::from(all.slice(start..end));
                    start = end;
                    v
                })
                .collect();
            out.typed::<ByteArrayType>()
                .write_batch(&values, defs, None)?
        }
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_utc_date_and_hour() {
        // 2023-11-14T22:13:20Z
        let ts = Timestamp {
            secs: 1_700_000_000,
            nanos: 0,
        };
        assert_eq!(
            partition_dir(hour_of(ts)),
            PathBuf::from("date=2023-11-14/hour=22")
        );
        assert_eq!(
            partition_dir(hour_of(Timestamp::NONE)),
            PathBuf::from("date=1970-01-01/hour=00")
        );
    }

    #[test]
    fn run_ids_start_with_a_safe_capture_name() {
        let t = Target::new(PathBuf::from("d"), Compression::Snappy, "/x/my cap.pcapng");
        assert!(t.run_id.starts_with("my_cap-"), "{}", t.run_id);
        let t = Target::new(PathBuf::from("d"), Compression::Snappy, "-");
        assert!(t.run_id.starts_with("stdin-"), "{}", t.run_id);
    }
}
