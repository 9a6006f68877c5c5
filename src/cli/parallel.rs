//! The block-parallel run: one classic pcap file read and decoded by several threads at
//! once, output in frame order.
//!
//! Contract:
//! - Used only where no frame's output depends on the frames before it ([`eligible`]): a
//!   regular pcap file, `-T fields` or `-q`, no tracker, no `-z`, no `-w`, no `-l`, and
//!   no `frame.time_delta_displayed`. Everything else runs the sequential loop in
//!   [`super::run`]; both give the same bytes on standard output, the same damage and the
//!   same exit status (`tests/it/parallel.rs` compares them block size by block size).
//! - Each worker claims the next block, reads it ([`PcapSplit::read_block`]), waits for the
//!   block's [`Cursor`], walks its record headers and hands the next cursor on at once, then
//!   dissects, filters and formats the block into its own buffer, and finally waits for its
//!   turn to write. At most one block per worker is in flight, so memory is fixed.
//! - IP fragments are the one piece of state such a run keeps: a fragment frame is decoded
//!   again at write time, in frame order, through the one shared [`Defragmenter`], exactly
//!   as the sequential loop does.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use super::config::{Config, OutputKind};
use super::run::RunStats;
use crate::capture::split::{Block, Cursor, HopEnd, PcapSplit, Record};
use crate::capture::{CaptureError, Timestamp};
use crate::dissect::{self, Depth, Dissection, FrameTimes, NoTftp};
use crate::fields::Needs;
use crate::output::Sink;
use crate::output::fields::{FieldsOptions, FieldsSink};
use crate::track::defrag::{Defragmenter, fragment_of};

/// Bytes per block: about 1 300 average frames, so the hand-over between workers (a few
/// atomics, rarely a sleep) is noise, while a block still fits the core's L2 cache (1 MiB
/// here) until it is decoded. 256 KiB, 512 KiB and 2 MiB measured 2-8% slower on the 5 M
/// capture (`scripts/bench.py`).
pub const BLOCK_LEN: usize = 1024 * 1024;
/// Most worker threads used, whatever the machine has: the copy from the page cache stops
/// scaling long before.
pub const MAX_WORKERS: usize = 8;
/// Blocks whose text may wait for their turn while their worker goes on: enough to ride
/// out one slow block, a few MiB at most.
const MAX_PARKED: usize = 8;
/// Spins on a hand-over before sleeping: a block takes tens of microseconds, about what a
/// sleep and wake-up cost, so a short spin usually wins.
const SPINS_BEFORE_SLEEP: u32 = 20_000;

/// True when `cfg` can run block-parallel: every frame's output depends only on its own
/// bytes, its number and its time (see the module contract).
pub fn eligible(cfg: &Config) -> bool {
    let stateless_output = match &cfg.output {
        OutputKind::Quiet => true,
        OutputKind::Fields(fields, _) => !fields.iter().any(|(name, _)| reads_displayed(name)),
        OutputKind::Text { .. } | OutputKind::Json(_) => false,
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
struct Shared<'a> {
    cfg: &'a Config,
    split: &'a PcapSplit,
    first_ts: Option<Timestamp>,
    /// Next block to claim.
    claim: AtomicU64,
    /// The block whose cursor is ready (fast path of [`Shared::wait_cursor`]).
    chain_at: AtomicU64,
    chain: Mutex<Chain>,
    chain_moved: Condvar,
    /// The block whose turn it is to write (fast path of [`Shared::wait_turn`]).
    turn_at: AtomicU64,
    out: Mutex<Output<'a>>,
    turn_moved: Condvar,
    /// Set when the run must stop (a write failed, or the file went bad mid-block).
    abort: AtomicBool,
}

/// The serial part: the cursor handed from block to block.
struct Chain {
    /// `None` once the records have ended (cleanly, at the limit, or at damage).
    cursor: Option<Cursor>,
    /// Records read.
    read: u64,
    /// Where the capture went bad.
    damage: Option<CaptureError>,
}

/// The ordered part: the output and the reassembly tables.
struct Output<'a> {
    out: &'a mut (dyn Write + Send),
    /// The next block to write.
    turn: u64,
    /// Texts of blocks finished before their turn, with their displayed counts.
    parked: BTreeMap<u64, (Vec<u8>, u64)>,
    /// Emptied text buffers, for reuse.
    spare: Vec<Vec<u8>>,
    defrag: Defragmenter,
    displayed: u64,
    error: Option<io::Error>,
}

impl Output<'_> {
    /// Writes the parked blocks whose turn has come.
    fn write_parked(&mut self) -> io::Result<()> {
        while let Some((mut text, displayed)) = self.parked.remove(&self.turn) {
            self.out.write_all(&text)?;
            self.displayed += displayed;
            self.turn += 1;
            text.clear();
            self.spare.push(text);
        }
        Ok(())
    }
}

/// What one worker keeps from block to block (allocated once).
struct Worker {
    block: Block,
    records: Vec<Record>,
    spill: Vec<u8>,
    sink: Option<FieldsSink<Vec<u8>>>,
    /// Fragments left for the ordered step: (output position, record index).
    deferred: Vec<(usize, usize)>,
    /// Frames of the current block that passed the filter (fragments aside).
    displayed: u64,
}

/// Reads `split` with `workers` threads and writes the frames `cfg` displays to `out`.
///
/// # Errors
/// Only output errors; damage to the capture is in [`RunStats::damage`].
pub fn run(
    cfg: &Config,
    split: &PcapSplit,
    workers: usize,
    out: &mut (dyn Write + Send),
) -> io::Result<RunStats> {
    if let OutputKind::Fields(fields, opts) = &cfg.output
        && opts.header
    {
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        writeln!(out, "{}", names.join(&opts.separator))?;
    }
    let first_ts = match split.first_timestamp() {
        Ok(ts) => ts,
        Err(e) => {
            return Ok(RunStats {
                damage: Some(e),
                ..RunStats::default()
            });
        }
    };
    let shared = Shared {
        cfg,
        split,
        first_ts,
        claim: AtomicU64::new(0),
        chain_at: AtomicU64::new(0),
        chain: Mutex::new(Chain {
            cursor: Some(split.first_cursor()),
            read: 0,
            damage: None,
        }),
        chain_moved: Condvar::new(),
        turn_at: AtomicU64::new(0),
        out: Mutex::new(Output {
            out,
            turn: 0,
            parked: BTreeMap::new(),
            spare: Vec::new(),
            defrag: Defragmenter::default(),
            displayed: 0,
            error: None,
        }),
        turn_moved: Condvar::new(),
        abort: AtomicBool::new(false),
    };
    std::thread::scope(|s| {
        for i in 0..workers.max(1) {
            let shared = &shared;
            let spawned = std::thread::Builder::new()
                .name(format!("wiresift-worker-{i}"))
                .spawn_scoped(s, move || work(shared));
            if spawned.is_err() && i == 0 {
                // No thread at all: do the work here.
                work(shared);
            }
        }
    });
    let mut chain = lock(&shared.chain);
    let mut output = lock(&shared.out);
    if let Some(e) = output.error.take() {
        return Err(e);
    }
    output.out.flush()?;
    Ok(RunStats {
        read: chain.read,
        displayed: output.displayed,
        damage: chain.damage.take(),
        warnings: output.defrag.limit_warnings(),
    })
}

/// A lock that survives a panicked holder (the data is still consistent for our use).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One worker: claims blocks until the records end.
fn work(shared: &Shared<'_>) {
    let mut w = Worker {
        block: Block::default(),
        records: Vec::new(),
        spill: Vec::new(),
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
        displayed: 0,
    };
    while let Some((index, read)) = shared.claim_and_read(&mut w.block) {
        let Some(cursor) = shared.wait_cursor(index) else {
            return;
        };
        w.records.clear();
        let end = match read {
            Ok(()) => shared
                .split
                .hop(&w.block, cursor, shared.cfg.count, &mut w.records),
            Err(e) => HopEnd::Damage(e),
        };
        let more = shared.hand_on(index, end, w.records.len() as u64);
        let late = process(shared, &mut w, cursor);
        shared.write_in_turn(index, &mut w, cursor, late);
        if !more {
            return;
        }
    }
}

impl Shared<'_> {
    /// Claims the next block and reads it into `block`; `None` past the last block or
    /// after an abort.
    fn claim_and_read(&self, block: &mut Block) -> Option<(u64, Result<(), CaptureError>)> {
        let index = self.claim.fetch_add(1, Ordering::Relaxed);
        if index >= self.split.block_count() || self.abort.load(Ordering::Relaxed) {
            return None;
        }
        Some((index, self.split.read_block(index, block)))
    }

    /// Waits until block `index` has its cursor; `None` when the records ended before it
    /// or the run was aborted.
    fn wait_cursor(&self, index: u64) -> Option<Cursor> {
        let ready = || self.chain_at.load(Ordering::Acquire) >= index;
        self.wait(ready, &self.chain, &self.chain_moved);
        if self.abort.load(Ordering::Relaxed) {
            return None;
        }
        let chain = lock(&self.chain);
        if self.chain_at.load(Ordering::Acquire) == index {
            chain.cursor
        } else {
            None
        }
    }

    /// Publishes what the hop over block `index` found; false when the records ended.
    fn hand_on(&self, index: u64, end: HopEnd, records: u64) -> bool {
        let mut chain = lock(&self.chain);
        chain.read += records;
        chain.cursor = match end {
            HopEnd::Next(next) => Some(next),
            HopEnd::End => None,
            HopEnd::Damage(e) => {
                chain.damage = Some(e);
                None
            }
        };
        let more = chain.cursor.is_some();
        // Past every block when the records ended, so later claims stop at once.
        let next = if chain.cursor.is_some() {
            index + 1
        } else {
            u64::MAX
        };
        self.chain_at.store(next, Ordering::Release);
        drop(chain);
        self.chain_moved.notify_all();
        more
    }

    /// Hands block `index`'s output on in order. When it is not the block's turn yet and the
    /// block needs nothing decoded in order, its text is parked for the writer of the block
    /// before, and the worker moves on; otherwise the worker waits for its turn, writes
    /// (decoding deferred fragments in order), and writes the parked blocks that follow.
    fn write_in_turn(
        &self,
        index: u64,
        w: &mut Worker,
        cursor: Cursor,
        late: Option<(usize, CaptureError)>,
    ) {
        if w.deferred.is_empty() && late.is_none() {
            let mut out = lock(&self.out);
            if out.turn != index && out.parked.len() < MAX_PARKED {
                let spare = out.spare.pop().unwrap_or_default();
                let text = match &mut w.sink {
                    Some(sink) => std::mem::replace(sink.get_mut(), spare),
                    None => spare,
                };
                out.parked.insert(index, (text, w.displayed));
                return;
            }
        }
        let ready = || self.turn_at.load(Ordering::Acquire) == index;
        self.wait(ready, &self.out, &self.turn_moved);
        if self.abort.load(Ordering::Relaxed) {
            return;
        }
        let mut out = lock(&self.out);
        let written = self.write_block(&mut out, w, cursor, late.as_ref().map(|l| l.0));
        let written = written.and_then(|()| {
            out.turn = index + 1;
            out.write_parked()
        });
        if let Err(e) = written {
            out.error = Some(e);
            self.abort.store(true, Ordering::Relaxed);
        }
        if let Some((at, damage)) = late {
            // The file changed under us: the run ends after the records before `at`.
            let mut chain = lock(&self.chain);
            chain.read = cursor.records + at as u64;
            chain.damage = Some(damage);
            self.abort.store(true, Ordering::Relaxed);
        }
        self.turn_at.store(out.turn, Ordering::Release);
        drop(out);
        self.turn_moved.notify_all();
        self.chain_moved.notify_all();
    }

    /// Writes one block's output, with its deferred fragments decoded in place.
    fn write_block(
        &self,
        out: &mut Output<'_>,
        w: &mut Worker,
        cursor: Cursor,
        stop_at: Option<usize>,
    ) -> io::Result<()> {
        out.displayed += w.displayed;
        let Some(sink) = &mut w.sink else {
            for &(_, i) in &w.deferred {
                if stop_at.is_some_and(|s| i >= s) {
                    break;
                }
                self.defragment(out, &w.block, &w.records, &mut w.spill, cursor, i, None)?;
            }
            return Ok(());
        };
        let text = std::mem::take(sink.get_mut());
        let mut from = 0;
        for &(at, i) in &w.deferred {
            if stop_at.is_some_and(|s| i >= s) {
                break;
            }
            out.out.write_all(text.get(from..at).unwrap_or_default())?;
            from = at;
            self.defragment(
                out,
                &w.block,
                &w.records,
                &mut w.spill,
                cursor,
                i,
                Some(sink),
            )?;
        }
        out.out.write_all(text.get(from..).unwrap_or_default())?;
        let mut text = text;
        text.clear();
        *sink.get_mut() = text;
        Ok(())
    }

    /// Decodes fragment record `i` through the shared reassembly tables, as the sequential
    /// loop does, and prints it when it passes the filter.
    #[allow(clippy::too_many_arguments)]
    fn defragment(
        &self,
        out: &mut Output<'_>,
        block: &Block,
        records: &[Record],
        spill: &mut Vec<u8>,
        cursor: Cursor,
        i: usize,
        sink: Option<&mut FieldsSink<Vec<u8>>>,
    ) -> io::Result<()> {
        let cfg = self.cfg;
        let Some(record) = records.get(i) else {
            return Ok(());
        };
        let Ok(frame) = self.split.frame(record, block, spill) else {
            return Ok(());
        };
        let number = frame_number(cursor, i);
        let times = self.times(records, cursor, i);
        let mut d = dissect::dissect(number, frame, times, cfg.depth, &NoTftp);
        if let Some(frag) = fragment_of(&d)
            && let Some(whole) = out.defrag.offer(&frag, record.ts.as_nanos())
        {
            let whole = Some(whole);
            dissect::dissect_into(&mut d, number, frame, times, cfg.depth, &NoTftp, whole);
        }
        if !cfg.filter.matches(&d) {
            return Ok(());
        }
        out.displayed += 1;
        if let Some(sink) = sink {
            sink.packet(&d)?;
            out.out.write_all(sink.get_mut())?;
            sink.get_mut().clear();
        }
        Ok(())
    }

    /// The times of record `i` of a block.
    fn times(&self, records: &[Record], cursor: Cursor, i: usize) -> FrameTimes {
        let Some(record) = records.get(i) else {
            return FrameTimes::default();
        };
        let prev = match i.checked_sub(1) {
            Some(p) => records.get(p).map(|r| r.ts),
            None => cursor.prev_ts,
        };
        FrameTimes {
            relative: self.first_ts.map_or(0, |f| record.ts.nanos_since(f)),
            delta: prev.map_or(0, |p| record.ts.nanos_since(p)),
            delta_displayed: 0,
        }
    }

    /// Spins, then sleeps on `moved`, until `ready()` or the run is aborted.
    fn wait<T>(&self, ready: impl Fn() -> bool, m: &Mutex<T>, moved: &Condvar) {
        for _ in 0..SPINS_BEFORE_SLEEP {
            if ready() || self.abort.load(Ordering::Relaxed) {
                return;
            }
            std::hint::spin_loop();
        }
        let mut guard = lock(m);
        while !ready() && !self.abort.load(Ordering::Relaxed) {
            guard = moved
                .wait(guard)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

/// Dissects, filters and formats the records of the worker's block into its buffer;
/// fragments are left for the ordered step. Returns where the block went bad when a record
/// could not be read after all (the file shrank).
fn process(shared: &Shared<'_>, w: &mut Worker, cursor: Cursor) -> Option<(usize, CaptureError)> {
    let cfg = shared.cfg;
    w.deferred.clear();
    w.displayed = 0;
    let reassembles = cfg.depth >= Depth::Transport;
    // One dissection reused for the block's frames: returning a fresh one per frame would
    // copy its 2 KiB layer table each time.
    let mut slot = Dissection::blank();
    for (i, record) in w.records.iter().enumerate() {
        let times = shared.times(&w.records, cursor, i);
        let number = frame_number(cursor, i);
        let spilled;
        let d = match shared.split.frame_in(record, &w.block) {
            Some(frame) => {
                dissect::dissect_into(&mut slot, number, frame, times, cfg.depth, &NoTftp, None);
                &slot
            }
            None => match shared.split.frame(record, &w.block, &mut w.spill) {
                Ok(frame) => {
                    spilled = dissect::dissect(number, frame, times, cfg.depth, &NoTftp);
                    &spilled
                }
                Err(e) => return Some((i, e)),
            },
        };
        if reassembles && fragment_of(d).is_some() {
            let at = w.sink.as_mut().map_or(0, |s| s.get_mut().len());
            w.deferred.push((at, i));
            continue;
        }
        if cfg.filter.matches(d) {
            w.displayed += 1;
            if let Some(sink) = &mut w.sink {
                // Writing into a Vec cannot fail.
                let _ = sink.packet(d);
            }
        }
    }
    None
}

/// The frame number of record `i` of the block that starts at `cursor`.
fn frame_number(cursor: Cursor, i: usize) -> u32 {
    (cursor.records + i as u64 + 1) as u32
}
