//! The Parquet export run (`-w DIR -F parquet`): the packets table from the displayed
//! frames, through the tracked pipeline when the file allows it (one block of rows per
//! worker, handed to the table in file order), else frame after frame. The `conns` and
//! `tftp` tables are written by the reports at the end (`crate::stats::tables`).

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::Arc;

use super::blocks::{BlockBuf, BlockWrite};
use super::pipeline::{self, BlockFormat};
use super::{Config, RunError, RunStats, sequential, sink};
use crate::capture::FileReader;
use crate::capture::block::BlockReader;
use crate::dissect::Dissection;
use crate::output::parquet::ExportConfig;
use crate::output::parquet::column::RowBlock;
use crate::output::parquet::packets::{PacketRows, PacketsTable};
use crate::output::parquet::writer::TableWriter;
use crate::output::{BlockSink, Sink};

/// Rows the sequential run gathers before it hands them to the table (the pipeline hands
/// over one block of the capture at a time).
const SEQUENTIAL_ROWS: usize = 4096;

impl BlockBuf for RowBlock {
    fn weight(&self) -> usize {
        RowBlock::weight(self)
    }
    fn clear_block(&mut self) {
        self.clear();
    }
}

/// Where the blocks of rows go: the packets table; the reports go to standard output.
struct PacketsOut {
    table: TableWriter,
    reports: io::BufWriter<io::Stdout>,
}

impl BlockWrite<RowBlock> for PacketsOut {
    fn write_block(&mut self, block: &mut RowBlock) -> io::Result<()> {
        self.table.append(block)
    }
    /// The last block was written: the table is finished before the reports write theirs,
    /// so their buffers are never held at the same time.
    fn flush_blocks(&mut self) -> io::Result<()> {
        self.table.finish()
    }
}

/// The pipeline's format for the packets table.
struct PacketsFormat {
    table: Arc<PacketsTable>,
}

impl BlockFormat for PacketsFormat {
    type Block = RowBlock;
    type Out = PacketsOut;
    fn new_block(&self) -> RowBlock {
        RowBlock::new(&self.table.spec().columns)
    }
    fn block_sink(&self, block: &Rc<RefCell<RowBlock>>) -> Box<dyn BlockSink> {
        Box::new(PacketRows::new(self.table.clone(), block.clone()))
    }
    fn reports(out: &mut PacketsOut) -> &mut dyn Write {
        &mut out.reports
    }
}

/// Runs the export of `cfg` over the capture file at `path` (`-` for standard input).
///
/// # Errors
/// The export directory cannot be used, a table file could not be written, the input
/// cannot be read.
pub fn run(cfg: &Config, path: &str, export: &ExportConfig) -> Result<RunStats, RunError> {
    let table = Arc::new(PacketsTable::new(&export.extra, &export.target.capture));
    let writer = TableWriter::create(&export.target, table.spec().clone())
        .map_err(|e| RunError::Setup(e.to_string()))?;
    let mut out = PacketsOut {
        table: writer,
        reports: io::BufWriter::with_capacity(sink::STDOUT_BUFFER, io::stdout()),
    };
    let result = run_rows(cfg, path, table, &mut out);
    // The table's own error (a full disk) explains a failed run better than the
    // "encoder stopped" the run saw.
    match (out.table.close(), result) {
        (Err(e), _) => Err(RunError::Export(e)),
        (Ok(_), result) => result,
    }
}

fn run_rows(
    cfg: &Config,
    path: &str,
    table: Arc<PacketsTable>,
    out: &mut PacketsOut,
) -> Result<RunStats, RunError> {
    if cfg.threads > 1 && pipeline::eligible(cfg) {
        let block_len = cfg.block_size.unwrap_or(pipeline::BLOCK_LEN);
        match BlockReader::open(path, block_len) {
            Ok(Some(blocks)) => {
                let format = PacketsFormat { table };
                return pipeline::run_format(&format, cfg, &blocks, out).map_err(RunError::Output);
            }
            Ok(None) => {}
            Err(e) => return Err(RunError::from_open(e)),
        }
    }
    let mut reader = FileReader::open(path).map_err(RunError::from_open)?;
    let block = Rc::new(RefCell::new(RowBlock::new(&table.spec().columns)));
    let mut sink = SequentialRows {
        rows: PacketRows::new(table, block.clone()),
        block,
        out,
    };
    sequential::run_capture(cfg, &mut reader, &mut sink).map_err(RunError::Output)
}

/// The sequential run's sink: rows gathered, then handed to the table.
struct SequentialRows<'o> {
    rows: PacketRows,
    block: Rc<RefCell<RowBlock>>,
    out: &'o mut PacketsOut,
}

impl SequentialRows<'_> {
    fn hand_over(&mut self) -> io::Result<()> {
        let mut block = self.block.borrow_mut();
        self.out.write_block(&mut block)?;
        block.clear();
        Ok(())
    }
}

impl Sink for SequentialRows<'_> {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
        self.rows.packet(d)?;
        if self.block.borrow().rows() >= SEQUENTIAL_ROWS {
            self.hand_over()?;
        }
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        self.hand_over()?;
        self.out.flush_blocks()
    }
}
