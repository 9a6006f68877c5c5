//! The sequential driver: one frame after the other from any [`FrameSource`] (a file, standard
//! input, a live capture), through the [`FrameStep`], into a sink.

use std::io;

use super::RunStats;
use super::config::Config;
use super::step::{FrameStep, dissect_frame, keep_in};
use crate::capture::{FrameSource, Timestamp};
use crate::dissect::{Dissection, FrameTimes};
use crate::output::Sink;

/// Reads every frame of `reader` (a file or a live capture), and prints those that pass the
/// filter into `sink`.
///
/// # Errors
/// Only output errors (a closed pipe, a full disk). A damaged capture is reported in
/// [`RunStats::damage`] after every readable frame was processed.
pub fn run_capture(
    cfg: &Config,
    reader: &mut dyn FrameSource,
    sink: &mut dyn Sink,
) -> io::Result<RunStats> {
    let (mut read, mut damage) = (0, None);
    let mut step = FrameStep::new(cfg);
    let mut clock = Clock::default();
    // Where a reassembled datagram is kept while its frame is dissected and printed.
    let mut reassembled = Vec::new();
    loop {
        if cfg.count.is_some_and(|c| read >= c) {
            break;
        }
        let frame = match reader.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                damage = Some(e);
                break;
            }
        };
        read += 1;
        let times = clock.times(frame.ts);
        let mut d = Dissection::blank();
        dissect_frame(cfg, &mut d, read as u32, frame, times, step.tftp_lookup());
        let keep = keep_in(&mut reassembled);
        if step.advance(cfg, &mut d, &[], keep) {
            sink.packet(&d)?;
        }
    }
    let stats = step.stats(read, 0, damage);
    sink.finish()?;
    step.finish_reports(&mut io::stdout().lock(), &mut io::stderr().lock())?;
    Ok(stats)
}

/// The frame times of a run read in order: since the first frame and since the previous.
#[derive(Default)]
struct Clock {
    first: Option<Timestamp>,
    prev: Option<Timestamp>,
}

impl Clock {
    /// The times of the next frame, stamped `now` (`frame.time_delta_displayed` is left for
    /// the step). A frame without a time gets zeros and is no one's previous frame.
    fn times(&mut self, now: Timestamp) -> FrameTimes {
        if now.is_none() {
            return FrameTimes::default();
        }
        let first = *self.first.get_or_insert(now);
        let times = FrameTimes {
            relative: now.nanos_since(first),
            delta: self.prev.map_or(0, |p| now.nanos_since(p)),
            delta_displayed: 0,
        };
        self.prev = Some(now);
        times
    }
}
