//! The stateless parallel run: one capture file (pcap or pcapng) read, decoded, filtered
//! and printed by several threads at once, output in frame order.
//!
//! Contract:
//! - Used only where no frame's output depends on the frames before it ([`eligible`]): a
//!   regular capture file, `-T fields` or `-q`, no tracker, no `-z`, no `-w`, no `-l`, and
//!   no `frame.time_delta_displayed`. Runs with trackers use [`super::pipeline`]; the rest
//!   runs the sequential loop in [`super::sequential`]. All give the same bytes on standard
//!   output, the same damage and the same exit status (`tests/it/parallel.rs` compares
//!   them block size by block size).
//! - Each worker claims the next block, reads it ([`BlockReader::read_block`]), waits for the
//!   block's [`Cursor`], walks its record headers and hands the next cursor on at once, then
//!   dissects, filters and formats the block into its own buffer, and hands the text to
//!   the [`OrderedOut`](super::blocks::OrderedOut). At most one block per worker is being decoded, so memory is fixed.
//! - IP fragments are the one piece of state such a run keeps: a fragment frame is decoded
//!   again at write time, in frame order, through the one shared [`FrameStep`] (its
//!   [`Defragmenter`](crate::track::defrag::Defragmenter)), exactly as the sequential loop
//!   does.

use std::io::{self, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::RunStats;
use super::blocks::{Blocks, Claimed, Walked, frame_number, lock, text_out};
use super::config::{Config, OutputKind};
use super::step::{FrameStep, dissect_frame, keep_in};
use crate::capture::CaptureError;
use crate::capture::block::{Block, BlockReader, Cursor, Record};
use crate::dissect::{Dissection, NoTftp};
use crate::fields::Needs;
use crate::output::Sink;
use crate::output::fields::{FieldsOptions, FieldsSink, header_line};

/// Bytes per block: about 1 300 average frames, so the hand-over between workers (a few
/// atomics, rarely a sleep) is noise, while a block still fits the core's L2 cache (1 MiB
/// here) until it is decoded. 256 KiB, 512 KiB and 2 MiB measured 2-8% slower on the 5 M
/// capture (`scripts/bench.py`).
pub const BLOCK_LEN: usize = 1024 * 1024;
/// Most worker threads used, whatever the machine has: the copy from the page cache stops
/// scaling long before.
pub const MAX_WORKERS: usize = 8;

/// True when `cfg` can run block-parallel: every frame's output depends only on its own
/// bytes, its number and its time (see the module contract).
pub fn eligible(cfg: &Config) -> bool {
    let stateless_output = match &cfg.output {
        OutputKind::Quiet => true,
        OutputKind::Fields(fields, _) => !fields.iter().any(|(name, _)| reads_displayed(name)),
        OutputKind::Text { .. }
        | OutputKind::Json(_)
        | OutputKind::Ek(_)
        | OutputKind::Parquet(_) => false,
    };
    stateless_output
        && cfg.needs == Needs::NONE
        && cfg.stats.is_empty()
        && !cfg.capture.is_active()
        && !cfg.line_buffered
        && !cfg.filter.reads(reads_displayed)
        && cfg.read_file.as_deref().is_some_and(|p| p != "-")
}

/// `frame.time_delta_displayed` depends on which frames before passed the filter.
fn reads_displayed(name: &str) -> bool {
    name == "frame.time_delta_displayed"
}

/// The number of workers to use: the machine's cores, at most [`MAX_WORKERS`].
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_WORKERS)
}

/// What every worker shares.
struct Shared<'s, 'a, 'w> {
    cfg: &'a Config,
    blocks: &'s Blocks<'a, 'w>,
    /// The ordered half of the frame step, for IP fragments only (inside the output's
    /// turn): with no tracker and no report, every other frame's step is the filter alone.
    step: &'s Mutex<FrameStep>,
    displayed: &'s AtomicU64,
}

/// What one worker keeps from block to block (allocated once).
struct Worker {
    walked: Walked,
    spill: Vec<u8>,
    /// Where a reassembled datagram is kept while its frame is printed.
    reassembled: Vec<u8>,
    sink: Option<FieldsSink<Vec<u8>>>,
    /// Fragments left for the ordered step: (output position, record index).
    deferred: Vec<(usize, usize)>,
}

/// The stateless run of `file` on `cfg.threads` workers: each block is decoded, filtered
/// and formatted by one worker; only IP fragments wait for their turn. A write error is the
/// one error: damage to the capture ends the run and is returned in [`RunStats::damage`].
pub fn run(cfg: &Config, file: &BlockReader, out: &mut (dyn Write + Send)) -> io::Result<RunStats> {
    if let OutputKind::Fields(fields, opts) = &cfg.output
        && opts.header
    {
        writeln!(out, "{}", header_line(fields, opts))?;
    }
    let blocks = match Blocks::start(file, text_out(out)) {
        Ok(blocks) => blocks,
        Err(e) => {
            return Ok(RunStats {
                damage: Some(e),
                ..RunStats::default()
            });
        }
    };
    let step = Mutex::new(FrameStep::new(cfg));
    let displayed = AtomicU64::new(0);
    let (read, damage) = blocks.run(cfg.threads, |blocks| {
        work(&Shared {
            cfg,
            blocks,
            step: &step,
            displayed: &displayed,
        });
    })?;
    let step = step.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(step.stats(read, displayed.into_inner(), damage))
}

/// One worker: claims blocks until the records end.
fn work(shared: &Shared<'_, '_, '_>) {
    let mut w = Worker {
        walked: Walked::default(),
        spill: Vec::new(),
        reassembled: Vec::new(),
        sink: match &shared.cfg.output {
            OutputKind::Fields(fields, opts) => Some(FieldsSink::new(
                Vec::new(),
                fields.clone(),
                FieldsOptions {
                    header: false,
                    ..opts.clone()
                },
            )),
            _ => None,
        },
        deferred: Vec::new(),
    };
    let chain = &shared.blocks.chain;
    while let Some(Claimed {
        index,
        cursor,
        more,
    }) = chain.next_block(shared.cfg.count, &mut w.walked)
    {
        let (displayed, late) = process(shared, &mut w, cursor);
        shared.displayed.fetch_add(displayed, Ordering::Relaxed);
        shared.deliver(index, &mut w, cursor, late);
        if !more {
            return;
        }
    }
}

impl Shared<'_, '_, '_> {
    /// Hands block `index`'s text to the output: parked when it needs nothing decoded in
    /// order, else written in its turn with its deferred fragments decoded in place.
    fn deliver(
        &self,
        index: u64,
        w: &mut Worker,
        cursor: Cursor,
        late: Option<(usize, CaptureError)>,
    ) {
        let (chain, out) = (&self.blocks.chain, &self.blocks.out);
        if w.deferred.is_empty() && late.is_none() {
            let mut none = Vec::new();
            let text = w.sink.as_mut().map_or(&mut none, |s| s.get_mut());
            if out.park_or_write(index, text, chain) {
                return;
            }
        }
        out.write_in_turn(index, chain, |out| {
            let written = self.write_block(out, w, cursor);
            if let Some((at, damage)) = late {
                // The file changed under us: the run ends after the records before `at`.
                chain.end_early(cursor.records + at as u64, damage);
            }
            written
        });
    }

    /// Writes one block's output, with its deferred fragments decoded in place.
    fn write_block(&self, out: &mut dyn Write, w: &mut Worker, cursor: Cursor) -> io::Result<()> {
        let mut step = lock(self.step);
        let mut text = match &mut w.sink {
            Some(sink) => std::mem::take(sink.get_mut()),
            None => Vec::new(),
        };
        let mut from = 0;
        for &(at, i) in &w.deferred {
            out.write_all(text.get(from..at).unwrap_or_default())?;
            from = at;
            let (block, records) = (&w.walked.block, &w.walked.records);
            let buffers = (&mut w.spill, &mut w.reassembled);
            self.defragment(
                &mut step,
                out,
                (block, records, &w.walked.names),
                buffers,
                cursor,
                i,
                w.sink.as_mut(),
            )?;
        }
        out.write_all(text.get(from..).unwrap_or_default())?;
        text.clear();
        if let Some(sink) = &mut w.sink {
            *sink.get_mut() = text;
        }
        Ok(())
    }

    /// Decodes fragment record `i` through the shared frame step, as the sequential driver
    /// does, and prints it when it passes the filter.
    #[allow(clippy::too_many_arguments)]
    fn defragment(
        &self,
        step: &mut FrameStep,
        out: &mut dyn Write,
        (block, records, names): (&Block, &[Record], &[Box<str>]),
        (spill, reassembled): (&mut Vec<u8>, &mut Vec<u8>),
        cursor: Cursor,
        i: usize,
        sink: Option<&mut FieldsSink<Vec<u8>>>,
    ) -> io::Result<()> {
        let cfg = self.cfg;
        let Some(record) = records.get(i) else {
            return Ok(());
        };
        let Ok(frame) = self.blocks.file.frame(record, block, names, spill) else {
            return Ok(());
        };
        let number = frame_number(cursor, i);
        let times = self.blocks.frame_times(records, cursor, i);
        let mut d = Dissection::blank();
        dissect_frame(cfg, &mut d, number, frame, times, &NoTftp);
        if !step.advance(cfg, &mut d, &[], keep_in(reassembled)) {
            return Ok(());
        }
        if let Some(sink) = sink {
            sink.packet(&d)?;
            out.write_all(sink.get_mut())?;
            sink.get_mut().clear();
        }
        Ok(())
    }
}

/// Dissects, filters and formats the records of the worker's block into its buffer;
/// fragments are left for the ordered step. Returns the frames displayed, and where the
/// block went bad when a record could not be read after all (the file shrank).
fn process(
    shared: &Shared<'_, '_, '_>,
    w: &mut Worker,
    cursor: Cursor,
) -> (u64, Option<(usize, CaptureError)>) {
    let cfg = shared.cfg;
    w.deferred.clear();
    let mut displayed = 0;
    // One dissection reused for the block's frames: returning a fresh one per frame would
    // copy its 2 KiB layer table each time.
    let mut slot = Dissection::blank();
    for (i, record) in w.walked.records.iter().enumerate() {
        let times = shared.blocks.frame_times(&w.walked.records, cursor, i);
        let number = frame_number(cursor, i);
        let mut spilled;
        let d = match shared
            .blocks
            .file
            .frame_in(record, &w.walked.block, &w.walked.names)
        {
            Some(frame) => {
                dissect_frame(cfg, &mut slot, number, frame, times, &NoTftp);
                &slot
            }
            None => match shared.blocks.file.frame(
                record,
                &w.walked.block,
                &w.walked.names,
                &mut w.spill,
            ) {
                Ok(frame) => {
                    spilled = Dissection::blank();
                    dissect_frame(cfg, &mut spilled, number, frame, times, &NoTftp);
                    &spilled
                }
                Err(e) => return (displayed, Some((i, e))),
            },
        };
        if FrameStep::needs_order(cfg, d) {
            let at = w.sink.as_mut().map_or(0, |s| s.get_mut().len());
            w.deferred.push((at, i));
            continue;
        }
        if cfg.filter.matches(d) {
            displayed += 1;
            if let Some(sink) = &mut w.sink {
                // Writing into a Vec cannot fail.
                let _ = sink.packet(d);
            }
        }
    }
    (displayed, None)
}
