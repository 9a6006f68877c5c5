//! What the parallel runs share: blocks claimed in file order, the cursor handed from block
//! to block, gates that let blocks pass a serial step in order, and the ordered output.
//!
//! Every wait spins briefly, then sleeps; every wait also ends when the run is aborted (a
//! write failed), so no worker is left blocked.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::capture::block::{Block, BlockReader, Cursor, HopEnd, Record};
use crate::capture::{CaptureError, Timestamp};
use crate::dissect::FrameTimes;
use crate::output::bytebuf::ByteBuf;

/// Spins on a gate before sleeping (about 50 µs): a block takes tens of microseconds or more,
/// about what a sleep and wake-up cost, so a short spin usually wins; a longer one only burns
/// a core that another process could use.
const SPINS_BEFORE_SLEEP: u32 = 2_000;
/// How often a sleeping waiter looks at the abort flag.
const ABORT_POLL: std::time::Duration = std::time::Duration::from_millis(10);
/// Blocks whose text may wait for their turn while their worker goes on: enough to ride out
/// a few slow blocks (the summary of a 1 M capture ran 10% faster with 8 than with 2).
pub const MAX_PARKED: usize = 8;
/// Emptied text buffers kept for reuse (each keeps its capacity).
const MAX_SPARE: usize = 2;
/// Most bytes of parked text: a block of JSON is about 1 MiB, so the count alone would let
/// the streaming modes pass their 32 MiB budget (JSON of the 5 M capture: 32.4 MiB with
/// 4 MiB here, 27 MiB with 1 MiB, at the same speed). Summary blocks are a few KiB.
pub const MAX_PARKED_BYTES: usize = 1024 * 1024;

/// A lock that survives a panicked holder (the data stays consistent for our use).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The times of record `i` of a block that starts at `cursor` (`frame.time_delta_displayed`
/// is left 0: the runs that need it fill it in order). As in the sequential loop, a record
/// without a time (a pcapng Simple Packet Block) gets zeros, and the delta of the next is
/// from the last record that has one.
fn frame_times(
    first_ts: Option<Timestamp>,
    records: &[Record],
    cursor: Cursor,
    i: usize,
) -> FrameTimes {
    let Some(record) = records.get(i).filter(|r| !r.ts.is_none()) else {
        return FrameTimes::default();
    };
    let before = records.get(..i).unwrap_or_default();
    let prev = match before.iter().rev().find(|r| !r.ts.is_none()) {
        Some(r) => Some(r.ts),
        None => cursor.prev_ts,
    };
    FrameTimes {
        relative: first_ts.map_or(0, |f| record.ts.nanos_since(f)),
        delta: prev.map_or(0, |p| record.ts.nanos_since(p)),
        delta_displayed: 0,
    }
}

/// The frame number of record `i` of the block that starts at `cursor`.
pub fn frame_number(cursor: Cursor, i: usize) -> u32 {
    (cursor.records + i as u64 + 1) as u32
}

/// Runs `work` on `workers` scoped threads (on this one if none can be started).
fn spawn_workers(workers: usize, work: impl Fn() + Sync) {
    std::thread::scope(|s| {
        let work = &work;
        let mut started = 0;
        for i in 0..workers.max(1) {
            let spawned = std::thread::Builder::new()
                .name(format!("wiresift-worker-{i}"))
                .spawn_scoped(s, work);
            started += usize::from(spawned.is_ok());
        }
        if started == 0 {
            work();
        }
    });
}

/// A counter that only grows, and that threads wait on until it reaches their block.
#[derive(Default)]
pub struct Gate {
    at: AtomicU64,
    /// The number of threads asleep on `moved`.
    sleepers: Mutex<u32>,
    moved: Condvar,
}

impl Gate {
    /// The gate's position.
    pub fn current(&self) -> u64 {
        self.at.load(Ordering::Acquire)
    }

    /// Waits until the gate reaches `index`, or `abort` is set.
    pub fn wait_until(&self, index: u64, abort: &AtomicBool) {
        let ready = || self.current() >= index || abort.load(Ordering::Relaxed);
        for _ in 0..SPINS_BEFORE_SLEEP {
            if ready() {
                return;
            }
            std::hint::spin_loop();
        }
        let mut sleepers = lock(&self.sleepers);
        *sleepers += 1;
        while !ready() {
            // A timeout too, so an abort raised elsewhere is seen without a wake-up.
            sleepers = self
                .moved
                .wait_timeout(sleepers, ABORT_POLL)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        *sleepers -= 1;
    }

    /// Moves the gate to `index` and wakes the waiters, if any sleep (a wake-up is a system
    /// call even when nobody waits, and the gates open a few times per block).
    pub fn open_to(&self, index: u64) {
        // Stored under the lock, so a waiter between its check and its sleep cannot miss it.
        let sleepers = lock(&self.sleepers);
        self.at.store(index, Ordering::Release);
        let any = *sleepers > 0;
        drop(sleepers);
        if any {
            self.moved.notify_all();
        }
    }

    /// Wakes the waiters (after an abort).
    pub fn wake(&self) {
        drop(lock(&self.sleepers));
        self.moved.notify_all();
    }
}

/// One block and its walked records: what a worker holds while it decodes the block
/// (allocated once, then reused).
#[derive(Default)]
pub struct Walked {
    /// The block's bytes.
    pub block: Block,
    /// Its records.
    pub records: Vec<Record>,
    /// Interface names of the records (pcapng).
    pub names: Vec<Box<str>>,
}

/// A block a worker claimed: its index, the cursor it started at, and whether records go on
/// after it.
#[derive(Debug, Clone, Copy)]
pub struct Claimed {
    /// Block index in the file.
    pub index: u64,
    /// Where its first record stands.
    pub cursor: Cursor,
    /// False when the records ended in this block.
    pub more: bool,
}

/// The serial part of reading: the cursor handed from block to block.
pub struct Chain<'a> {
    file: &'a BlockReader,
    claim: AtomicU64,
    gate: Gate,
    state: Mutex<ChainState>,
    /// Set when the run must stop (a write failed, or the file went bad mid-block).
    pub abort: AtomicBool,
}

/// Where the records stand.
struct ChainState {
    /// `None` once the records have ended (cleanly, at the limit, or at damage).
    cursor: Option<Cursor>,
    /// Records read.
    read: u64,
    /// Where the capture went bad.
    damage: Option<CaptureError>,
}

impl<'a> Chain<'a> {
    /// The chain of `file`, starting at its first record.
    pub fn new(file: &'a BlockReader) -> Chain<'a> {
        Chain {
            file,
            claim: AtomicU64::new(0),
            gate: Gate::default(),
            state: Mutex::new(ChainState {
                cursor: Some(file.first_cursor()),
                read: 0,
                damage: None,
            }),
            abort: AtomicBool::new(false),
        }
    }

    /// Claims the next block and reads it into `block`; `None` past the last block or
    /// after an abort.
    pub fn claim_and_read(&self, block: &mut Block) -> Option<(u64, Result<(), CaptureError>)> {
        let index = self.claim.fetch_add(1, Ordering::Relaxed);
        if index >= self.file.block_count() || self.aborted() {
            return None;
        }
        Some((index, self.file.read_block(index, block)))
    }

    /// Claims the next block, reads it into `walked`, waits for its cursor, walks its
    /// records (stopping at `count` records in all) and hands the next block its cursor at
    /// once. `None` when there is no block left for this worker.
    pub fn next_block(&self, count: Option<u64>, walked: &mut Walked) -> Option<Claimed> {
        let (index, read) = self.claim_and_read(&mut walked.block)?;
        let cursor = self.wait_cursor(index)?;
        walked.records.clear();
        let end = match read {
            Ok(()) => self.file.hop(
                &walked.block,
                cursor,
                count,
                &mut walked.records,
                &mut walked.names,
            ),
            Err(e) => HopEnd::Damage(e),
        };
        let more = self.hand_on(index, end, walked.records.len() as u64);
        Some(Claimed {
            index,
            cursor,
            more,
        })
    }

    /// True once the run must stop.
    pub fn aborted(&self) -> bool {
        self.abort.load(Ordering::Relaxed)
    }

    /// Waits until block `index` has its cursor; `None` when the records ended before it
    /// or the run was aborted.
    pub fn wait_cursor(&self, index: u64) -> Option<Cursor> {
        self.gate.wait_until(index, &self.abort);
        if self.aborted() {
            return None;
        }
        let state = lock(&self.state);
        if self.gate.current() == index {
            state.cursor
        } else {
            None
        }
    }

    /// Publishes what the hop over block `index` found (`records` records); false when
    /// the records ended there.
    pub fn hand_on(&self, index: u64, end: HopEnd, records: u64) -> bool {
        let mut state = lock(&self.state);
        state.read += records;
        state.cursor = match end {
            HopEnd::Next(next) => Some(next),
            HopEnd::End => None,
            HopEnd::Damage(e) => {
                state.damage = Some(e);
                None
            }
        };
        let more = state.cursor.is_some();
        drop(state);
        // Past every block when the records ended, so later claims stop at once.
        self.gate.open_to(if more { index + 1 } else { u64::MAX });
        more
    }

    /// Ends the run early: the records read are those before `records`, and `damage`
    /// says why (a record that could not be read after all).
    pub fn end_early(&self, records: u64, damage: CaptureError) {
        let mut state = lock(&self.state);
        state.read = records;
        state.damage = Some(damage);
        drop(state);
        self.abort();
    }

    /// Stops every worker at its next wait.
    pub fn abort(&self) {
        self.abort.store(true, Ordering::Relaxed);
        self.gate.wake();
    }

    /// Records read, and the damage met, once the workers are done.
    pub fn finish(&self) -> (u64, Option<CaptureError>) {
        let mut state = lock(&self.state);
        (state.read, state.damage.take())
    }
}

/// A block's output, made by a worker and written in file order: text (a `Vec<u8>`, or the
/// [`ByteBuf`] JSON writes into in place), or the rows of a columnar export.
pub trait BlockBuf: Default + Send {
    /// About how many bytes it holds (what parking counts against [`MAX_PARKED_BYTES`]).
    fn weight(&self) -> usize;
    /// Empties it (keeping its room).
    fn clear_block(&mut self);
}

/// A block output that is text.
pub trait TextBlock: BlockBuf {
    /// The text.
    fn text(&self) -> &[u8];
}

impl BlockBuf for Vec<u8> {
    fn weight(&self) -> usize {
        self.len()
    }
    fn clear_block(&mut self) {
        self.clear();
    }
}

impl TextBlock for Vec<u8> {
    fn text(&self) -> &[u8] {
        self
    }
}

impl BlockBuf for ByteBuf {
    fn weight(&self) -> usize {
        self.len()
    }
    fn clear_block(&mut self) {
        self.clear();
    }
}

impl TextBlock for ByteBuf {
    fn text(&self) -> &[u8] {
        self.as_slice()
    }
}

/// Where blocks of type `T` go, one after the other in file order.
pub trait BlockWrite<T>: Send {
    /// Writes one block's output (it is cleared afterwards).
    ///
    /// # Errors
    /// The output failed: the run is aborted.
    fn write_block(&mut self, block: &mut T) -> io::Result<()>;
    /// Flushes what was written.
    ///
    /// # Errors
    /// The output failed.
    fn flush_blocks(&mut self) -> io::Result<()>;
}

impl<T: TextBlock> BlockWrite<T> for dyn Write + Send + '_ {
    fn write_block(&mut self, block: &mut T) -> io::Result<()> {
        self.write_all(block.text())
    }
    fn flush_blocks(&mut self) -> io::Result<()> {
        self.flush()
    }
}

/// `out` as a text destination for no longer than this borrow, so that the caller writes to
/// `out` again after the blocks (behind `&mut`, a trait object's lifetime is otherwise fixed).
pub fn text_out<'r>(out: &'r mut (dyn Write + Send + '_)) -> &'r mut (dyn Write + Send + 'r) {
    out
}

/// The output, written block after block in file order.
pub struct OrderedOut<'w, T: BlockBuf = Vec<u8>, O: ?Sized + BlockWrite<T> = dyn Write + Send + 'w>
{
    gate: Gate,
    state: Mutex<OutState<'w, T, O>>,
}

struct OutState<'w, T, O: ?Sized> {
    out: &'w mut O,
    /// Outputs of blocks finished before their turn.
    parked: BTreeMap<u64, T>,
    /// Their total weight.
    parked_bytes: usize,
    /// Emptied buffers, for reuse.
    spare: Vec<T>,
    error: Option<io::Error>,
}

impl<'w, T: BlockBuf, O: ?Sized + BlockWrite<T>> OrderedOut<'w, T, O> {
    /// Output to `out`, starting with block 0.
    pub fn new(out: &'w mut O) -> OrderedOut<'w, T, O> {
        OrderedOut {
            gate: Gate::default(),
            state: Mutex::new(OutState {
                out,
                parked: BTreeMap::new(),
                parked_bytes: 0,
                spare: Vec::new(),
                error: None,
            }),
        }
    }

    /// Hands block `index`'s output on: written now if it is the block's turn, else parked
    /// for the writer of the block before (`block` is swapped for an empty buffer). False
    /// when there is no room to park it: the caller must [`OrderedOut::write_in_turn`].
    pub fn park_or_write(&self, index: u64, block: &mut T, chain: &Chain<'_>) -> bool {
        let mut state = lock(&self.state);
        if self.gate.current() == index {
            drop(state);
            self.write_in_turn(index, chain, |out| out.write_block(block));
            block.clear_block();
            return true;
        }
        let weight = block.weight();
        if state.parked.len() >= MAX_PARKED || state.parked_bytes + weight > MAX_PARKED_BYTES {
            return false;
        }
        state.parked_bytes += weight;
        let spare = state.spare.pop().unwrap_or_default();
        state.parked.insert(index, std::mem::replace(block, spare));
        true
    }

    /// Waits for block `index`'s turn, writes with `write`, then writes the parked blocks
    /// whose turn has come. A write error aborts the run.
    pub fn write_in_turn(
        &self,
        index: u64,
        chain: &Chain<'_>,
        write: impl FnOnce(&mut O) -> io::Result<()>,
    ) {
        self.gate.wait_until(index, &chain.abort);
        if chain.aborted() {
            return;
        }
        let mut state = lock(&self.state);
        let state = &mut *state;
        let mut next = index + 1;
        let mut written = write(&mut *state.out);
        // Not past an early end: the blocks parked after it hold frames beyond the damage.
        while written.is_ok() && !chain.aborted() {
            let Some(mut block) = state.parked.remove(&next) else {
                break;
            };
            state.parked_bytes -= block.weight();
            written = state.out.write_block(&mut block);
            block.clear_block();
            if state.spare.len() < MAX_SPARE {
                state.spare.push(block);
            }
            next += 1;
        }
        if let Err(e) = written {
            state.error = Some(e);
            chain.abort();
            self.gate.wake();
            return;
        }
        self.gate.open_to(next);
    }

    /// Flushes the output; the first write error of the run, if any.
    pub fn finish(self) -> io::Result<()> {
        let mut state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = state.error.take() {
            return Err(e);
        }
        state.out.flush_blocks()
    }
}

/// What both block-parallel drivers keep, whatever else they track: the reader, the first
/// frame's time (every frame's `frame.time_relative` needs it), the chain of blocks and the
/// output in block order.
pub struct Blocks<'a, 'w, T: BlockBuf = Vec<u8>, O: ?Sized + BlockWrite<T> = dyn Write + Send + 'w>
{
    /// The capture file, read block by block.
    pub file: &'a BlockReader,
    /// The first frame's time, read before any block is claimed.
    pub first_ts: Option<Timestamp>,
    /// The blocks claimed in file order, and their cursors.
    pub chain: Chain<'a>,
    /// Where the blocks' texts go, in file order.
    pub out: OrderedOut<'w, T, O>,
}

impl<'a, 'w, T: BlockBuf, O: ?Sized + BlockWrite<T>> Blocks<'a, 'w, T, O> {
    /// Starts a run over `file` writing to `out`.
    ///
    /// # Errors
    /// The damage that hides the first frame's time: the run ends before it starts.
    pub fn start(
        file: &'a BlockReader,
        out: &'w mut O,
    ) -> Result<Blocks<'a, 'w, T, O>, CaptureError> {
        Ok(Blocks {
            file,
            first_ts: file.first_timestamp()?,
            chain: Chain::new(file),
            out: OrderedOut::new(out),
        })
    }

    /// The times of record `i` of the block that starts at `cursor`.
    pub fn frame_times(&self, records: &[Record], cursor: Cursor, i: usize) -> FrameTimes {
        frame_times(self.first_ts, records, cursor, i)
    }

    /// Runs `work` on `threads` workers (each claims blocks until the records end), then
    /// flushes the output and returns the records read and the damage met.
    ///
    /// # Errors
    /// The first write error of the run.
    pub fn run(
        self,
        threads: usize,
        work: impl Fn(&Self) + Sync,
    ) -> io::Result<(u64, Option<CaptureError>)>
    where
        Self: Sync,
    {
        spawn_workers(threads, || work(&self));
        let (read, damage) = self.chain.finish();
        self.out.finish()?;
        Ok((read, damage))
    }
}
