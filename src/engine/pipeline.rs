//! The tracked parallel run: one capture file (pcap or pcapng), several threads, trackers
//! and all.
//!
//! Contract:
//! - Used for a regular capture file whenever the stateless run ([`super::parallel`]) cannot
//!   be: the summary, `-V`, `-x`, JSON, fields that need the TCP analysis or TFTP tracking,
//!   `-z` reports, exports ([`eligible`]; not `-w`, `-l` or live capture). The bytes on
//!   standard output, the reports, warnings, damage and exit status are the sequential
//!   loop's (`tests/it/pipeline.rs` compares them capture by capture, block size by block
//!   size).
//! - Each block goes through four steps. (1) In parallel: read, walk the record headers
//!   (handing the next block its cursor), dissect every frame. (2) In block order, one block
//!   at a time: IP reassembly, the trackers, the display filter, the reports,
//!   `frame.time_delta_displayed` — everything that depends on earlier frames, in exactly
//!   the sequential order. (3) In parallel: format the displayed frames into the worker's
//!   text. (4) In block order: write (a finished block's text is parked when its turn has
//!   not come, and its worker goes on).
//! - The one input of dissection that depends on earlier frames is the TFTP tracker's
//!   answer for UDP on ephemeral ports. Step 1 answers "no" and records the questions; step
//!   2 asks the tracker the same questions and dissects the frame again when it says "yes".
//! - Memory: per worker, one block, its dissections (about 2 KiB per frame) and its text;
//!   the trackers' tables are bounded as in the sequential run.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::Mutex;

use bumpalo::Bump;

use super::RunStats;
use super::blocks::{BlockBuf, BlockWrite, Blocks, Claimed, Gate, Walked, frame_number, lock};
use super::config::{Config, OutputKind};
use super::sink::make_sink_to;
use super::step::{FrameStep, TftpQuery, dissect_frame};
use crate::capture::CaptureError;
use crate::capture::block::{BlockReader, Cursor};
use crate::dissect::{Dissection, IpAddr, TftpLookup};
use crate::output::BlockSink;
use crate::output::bytebuf::ByteBuf;
use crate::output::json::{JsonSink, JsonStyle};

/// Bytes per block: about 330 average frames, whose dissections (2 KiB each) stay in the
/// L2/L3 caches between the steps.
pub const BLOCK_LEN: usize = 256 * 1024;
/// Bytes per block for JSON, whose text is about five times the block: at this size a
/// block's text (~640 KiB) fits [`MAX_PARKED_BYTES`](super::blocks::MAX_PARKED_BYTES), so
/// a worker that finishes ahead of its turn parks it and goes on. With 256 KiB blocks the
/// text never fit and workers waited for each other: 3-10% of a 1 M-packet run's CPU time
/// against 1.5% (time spent in `Gate::wait_until`, measured with a temporary counter).
pub const JSON_BLOCK_LEN: usize = 128 * 1024;

/// The block length for `cfg`'s output.
pub fn block_len(cfg: &Config) -> usize {
    match cfg.output {
        OutputKind::Json(_) | OutputKind::Ek(_) => JSON_BLOCK_LEN,
        _ => BLOCK_LEN,
    }
}

/// True when `cfg` can run in the tracked pipeline (see the module contract).
pub fn eligible(cfg: &Config) -> bool {
    !cfg.capture.is_active()
        && !cfg.line_buffered
        && cfg.read_file.as_deref().is_some_and(|p| p != "-")
}

/// The TFTP lookup of the parallel dissection: answers "no" and remembers the questions.
#[derive(Default)]
struct Recorder {
    asked: RefCell<Vec<TftpQuery>>,
}

impl TftpLookup for Recorder {
    fn is_tftp(&self, src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> bool {
        self.asked.borrow_mut().push((src, sport, dst, dport));
        false
    }
}

/// What the pipeline formats the displayed frames of a block into (step 3), and where the
/// blocks go in file order (step 4): text for standard output, or the rows of an export.
pub trait BlockFormat: Sync {
    /// One block's output.
    type Block: BlockBuf;
    /// Where the blocks go.
    type Out: ?Sized + BlockWrite<Self::Block>;
    /// An empty block output, for a new worker.
    fn new_block(&self) -> Self::Block;
    /// The sink that formats a worker's frames into `block`.
    fn block_sink(&self, block: &Rc<RefCell<Self::Block>>) -> Box<dyn BlockSink>;
    /// Where the `-z` reports are printed after the blocks.
    fn reports(out: &mut Self::Out) -> &mut dyn Write;
}

/// The text formats of `-T` (summary, tree, hex dump, fields, JSON), for standard output.
pub struct TextFormat<'c>(pub &'c Config);

impl BlockFormat for TextFormat<'_> {
    type Block = ByteBuf;
    type Out = dyn Write + Send;
    fn new_block(&self) -> ByteBuf {
        // JSON fills its block text in place: give it room to start with.
        match self.0.output {
            OutputKind::Json(_) | OutputKind::Ek(_) => ByteBuf::new(),
            _ => ByteBuf::default(),
        }
    }
    fn block_sink(&self, text: &Rc<RefCell<ByteBuf>>) -> Box<dyn BlockSink> {
        block_sink(self.0, text)
    }
    fn reports(out: &mut Self::Out) -> &mut dyn Write {
        out
    }
}

/// What every worker shares.
struct Shared<'s, 'a, 'w, F: BlockFormat> {
    cfg: &'a Config,
    format: &'s F,
    blocks: &'s Blocks<'a, 'w, F::Block, F::Out>,
    /// The block whose turn it is in step 2.
    track_gate: &'s Gate,
    /// The ordered half of the frame step (step 2).
    step: &'s Mutex<FrameStep>,
}

/// A writer into a worker's block text, shared with the worker's sink.
struct BlockText(Rc<RefCell<ByteBuf>>);

impl Write for BlockText {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The sink that formats a worker's blocks into `text`. JSON writes straight into it (no
/// second copy of the bulkiest output); the other formats write through [`BlockText`].
fn block_sink(cfg: &Config, text: &Rc<RefCell<ByteBuf>>) -> Box<dyn BlockSink> {
    match &cfg.output {
        OutputKind::Json(style) => Box::new(JsonSink::in_place(text.clone(), *style)),
        OutputKind::Ek(fields) => {
            Box::new(JsonSink::in_place(text.clone(), JsonStyle::Ek).ek_fields(fields))
        }
        _ => make_sink_to(cfg, BlockText(text.clone())),
    }
}

/// What a block's dissections borrow: its bytes and records (read-only in steps 1 to 3).
struct Input {
    walked: Walked,
    /// Records that reach past the block, and reassembled datagrams.
    arena: Bump,
    recorder: Recorder,
}

/// What a worker writes while the dissections exist (allocated once, then reused).
struct Scratch<B> {
    /// The dissections' storage, kept empty between blocks.
    storage: Vec<Dissection<'static>>,
    /// Where each frame's questions end in the recorder.
    query_ends: Vec<usize>,
    /// Which frames passed the display filter.
    passed: Vec<bool>,
    text: Rc<RefCell<B>>,
    sink: Box<dyn BlockSink>,
    /// Set when the block went bad mid-way: the records read, and why.
    early_end: Option<(u64, CaptureError)>,
}

/// The tracked run of `file` on `cfg.threads` workers, in the four steps of the module
/// contract.
///
/// # Errors
/// Output errors only: damage to the capture is reported in [`RunStats::damage`].
pub fn run(
    cfg: &Config,
    file: &BlockReader,
    out: &mut (dyn Write + Send + 'static),
) -> io::Result<RunStats> {
    run_format(&TextFormat(cfg), cfg, file, out)
}

/// The tracked run of `file` on `cfg.threads` workers, formatting blocks with `format` into
/// `out`.
///
/// # Errors
/// Output errors only: damage to the capture is reported in [`RunStats::damage`].
pub fn run_format<F: BlockFormat>(
    format: &F,
    cfg: &Config,
    file: &BlockReader,
    out: &mut F::Out,
) -> io::Result<RunStats> {
    let blocks = match Blocks::start(file, &mut *out) {
        Ok(blocks) => blocks,
        Err(e) => return finish(format, out, FrameStep::new(cfg), 0, Some(e)),
    };
    let (track_gate, step) = (Gate::default(), Mutex::new(FrameStep::new(cfg)));
    let (read, damage) = blocks.run(cfg.threads, |blocks| {
        work(&Shared {
            cfg,
            format,
            blocks,
            track_gate: &track_gate,
            step: &step,
        });
    })?;
    let step = step.into_inner().unwrap_or_else(|e| e.into_inner());
    finish(format, out, step, read, damage)
}

/// The end of the run, as the sequential loop ends it: the sink's closing text, then the
/// reports.
fn finish<F: BlockFormat>(
    format: &F,
    out: &mut F::Out,
    step: FrameStep,
    read: u64,
    damage: Option<CaptureError>,
) -> io::Result<RunStats> {
    let closing = Rc::new(RefCell::new(format.new_block()));
    let mut sink = format.block_sink(&closing);
    sink.resume(step.displayed());
    sink.finish()?;
    out.write_block(&mut closing.borrow_mut())?;
    out.flush_blocks()?;
    let stats = step.stats(read, 0, damage);
    let reports = F::reports(out);
    step.finish_reports(reports, &mut io::stderr().lock())?;
    reports.flush()?;
    Ok(stats)
}

/// One worker: claims blocks until the records end.
fn work<F: BlockFormat>(shared: &Shared<'_, '_, '_, F>) {
    let text = Rc::new(RefCell::new(shared.format.new_block()));
    let mut input = Input {
        walked: Walked::default(),
        arena: Bump::new(),
        recorder: Recorder::default(),
    };
    let mut scratch = Scratch {
        storage: Vec::new(),
        query_ends: Vec::new(),
        passed: Vec::new(),
        sink: shared.format.block_sink(&text),
        text,
        early_end: None,
    };
    let chain = &shared.blocks.chain;
    while let Some(Claimed {
        index,
        cursor,
        more,
    }) = chain.next_block(shared.cfg.count, &mut input.walked)
    {
        input.arena.reset();
        input.recorder.asked.borrow_mut().clear();
        if !shared.run_block(index, &input, &mut scratch, cursor) || !more {
            return;
        }
    }
}

/// Reuses an emptied vector's allocation for dissections of another lifetime.
fn recycle<'a, 'b>(mut v: Vec<Dissection<'a>>) -> Vec<Dissection<'b>> {
    v.clear();
    // Collecting an empty `IntoIter` of a same-sized type reuses its buffer in place.
    v.into_iter().map(|_| Dissection::blank()).collect()
}

impl<F: BlockFormat> Shared<'_, '_, '_, F> {
    /// Steps 1 to 4 for one block; false when the run ends with it.
    fn run_block(
        &self,
        index: u64,
        input: &Input,
        s: &mut Scratch<F::Block>,
        cursor: Cursor,
    ) -> bool {
        let mut ds = recycle(std::mem::take(&mut s.storage));
        let late = self.dissect_block(input, s, &mut ds, cursor);
        let printed_before = self.track_block(index, input, s, &mut ds, cursor, late);
        if let Some(printed_before) = printed_before {
            self.format_block(s, &ds, printed_before);
        }
        s.storage = recycle(ds);
        if printed_before.is_none() {
            return false;
        }
        self.deliver(index, s);
        !self.blocks.chain.aborted()
    }

    /// Step 1: dissects every record of the block into `ds`. Returns where the block went
    /// bad when a record could not be read after all (the file shrank).
    fn dissect_block<'b>(
        &self,
        input: &'b Input,
        s: &mut Scratch<F::Block>,
        ds: &mut Vec<Dissection<'b>>,
        cursor: Cursor,
    ) -> Option<(usize, CaptureError)> {
        let (cfg, file) = (self.cfg, self.blocks.file);
        s.query_ends.clear();
        // Sized first, then filled in place: pushing a new `Dissection` copies its 2 KiB.
        ds.resize_with(input.walked.records.len(), Dissection::blank);
        let mut late = None;
        for (i, (record, d)) in input.walked.records.iter().zip(ds.iter_mut()).enumerate() {
            let frame = match file.frame_in(record, &input.walked.block, &input.walked.names) {
                Some(frame) => frame,
                None => {
                    let buf = input
                        .arena
                        .alloc_slice_fill_copy(record.caplen as usize, 0u8);
                    if let Err(e) = file.read_record(record, buf) {
                        late = Some((i, e));
                        break;
                    }
                    file.frame_of(record, buf, &input.walked.names)
                }
            };
            let times = self.blocks.frame_times(&input.walked.records, cursor, i);
            let number = frame_number(cursor, i);
            dissect_frame(cfg, d, number, frame, times, &input.recorder);
            s.query_ends.push(input.recorder.asked.borrow().len());
        }
        if let Some((i, _)) = &late {
            ds.truncate(*i);
        }
        late
    }

    /// Step 2, in block order: reassembly, trackers, filter, reports. Returns how many
    /// frames were printed before this block, or `None` when the run ends here (aborted,
    /// or the block went bad).
    fn track_block<'b>(
        &self,
        index: u64,
        input: &'b Input,
        s: &mut Scratch<F::Block>,
        ds: &mut [Dissection<'b>],
        cursor: Cursor,
        late: Option<(usize, CaptureError)>,
    ) -> Option<u64> {
        let chain = &self.blocks.chain;
        self.track_gate.wait_until(index, &chain.abort);
        if chain.aborted() {
            return None;
        }
        let cfg = self.cfg;
        let mut step = lock(self.step);
        let printed_before = step.displayed();
        s.passed.clear();
        let asked = input.recorder.asked.borrow();
        let mut from = 0;
        for (i, d) in ds.iter_mut().enumerate() {
            let to = s.query_ends.get(i).copied().unwrap_or(from);
            let questions = asked.get(from..to).unwrap_or_default();
            from = to;
            let keep = |whole: &[u8]| -> &'b [u8] { input.arena.alloc_slice_copy(whole) };
            s.passed.push(step.advance(cfg, d, questions, keep));
        }
        drop(asked);
        drop(step);
        match late {
            // The file changed under us: the run ends after the records before `at`, once
            // this block is written; the blocks after it never reach this step.
            Some((at, damage)) => s.early_end = Some((cursor.records + at as u64, damage)),
            None => self.track_gate.open_to(index + 1),
        }
        Some(printed_before)
    }

    /// Step 3: formats the frames that passed into the worker's text.
    fn format_block(&self, s: &mut Scratch<F::Block>, ds: &[Dissection<'_>], printed_before: u64) {
        s.sink.resume(printed_before);
        for (d, passed) in ds.iter().zip(&s.passed) {
            if *passed {
                // Writing into the block's text cannot fail.
                let _ = s.sink.packet(d);
            }
        }
        let _ = s.sink.end_block();
    }

    /// Step 4: hands the block's text to the output.
    fn deliver(&self, index: u64, s: &mut Scratch<F::Block>) {
        let (chain, out) = (&self.blocks.chain, &self.blocks.out);
        let mut text = s.text.borrow_mut();
        let early_end = s.early_end.take();
        if early_end.is_none() && out.park_or_write(index, &mut text, chain) {
            return;
        }
        out.write_in_turn(index, chain, |out| {
            let written = out.write_block(&mut *text);
            if let Some((records, damage)) = early_end {
                chain.end_early(records, damage);
            }
            written
        });
        text.clear_block();
    }
}
