//! Columnar export (`-w DIR -F parquet`): Apache Parquet files that DuckDB, Spark, Trino and
//! ClickHouse read without options.
//!
//! - [`packets`]: the wide packets table, one row per displayed frame, its columns taken from
//!   the field registry (the core columns and every `-e FIELD`).
//! - [`column`]: rows on their way, column by column.
//! - [`writer`]: one table as Hive-style partitions (`date=YYYY-MM-DD/hour=HH/`), row groups
//!   encoded on a thread of their own, files renamed into place when complete.
//!
//! The connection and transfer tables (`conns`, `tftp`) are filled from the trackers' reports
//! at the end of the run (`crate::stats::tables`).

pub mod column;
pub mod packets;
pub mod writer;

use crate::fields::FieldId;
pub use writer::Target;

/// Compression of the Parquet columns (`--compress`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// Snappy: fast, what Spark writes by default.
    #[default]
    Snappy,
    /// Zstandard at its default level: smaller files, slower to write.
    Zstd,
    /// None.
    None,
}

/// What `-w DIR -F parquet` asks for.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    /// Where the tables go, and how they are compressed.
    pub target: Target,
    /// Registry fields added as columns (`-e`), with the names given.
    pub extra: Vec<(String, FieldId)>,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A directory or file of the export cannot be created.
    #[error("cannot create \"{path}\": {source}")]
    Create {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A file of the export could not be written; it was removed.
    #[error(
        "cannot write \"{path}\": {reason}; the file was removed (files finished before it \
         are complete)"
    )]
    Write {
        /// The (temporary) file.
        path: String,
        /// Why.
        reason: String,
    },
}
