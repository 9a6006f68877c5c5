//! The one frame step every driver runs: the first dissection ([`dissect_frame`]) and then,
//! in frame order, everything that depends on the frames before ([`FrameStep::advance`]):
//! the TFTP tracker's claim on a datagram, IP reassembly, the trackers, the time since the
//! previous displayed frame, the display filter and the reports.
//!
//! Contract:
//! - The drivers differ only in how they schedule this: the sequential driver runs both
//!   halves frame after frame; the pipeline dissects blocks in parallel and advances them in
//!   block order; the stateless parallel driver, used only when no tracker and no report is
//!   on, filters frames in its workers and advances only IP fragments, in order
//!   ([`FrameStep::needs_order`]).
//! - A first dissection that asked a *recording* TFTP lookup passes the questions to
//!   [`FrameStep::advance`], which asks the tracker the same questions and dissects the frame
//!   again when it claims the datagram: the result is what the sequential run gives.
//! - A reassembled datagram is handed to the caller's `keep`, which copies it where the
//!   dissection may borrow it for as long as the frame lives.

use std::io::{self, Write};

use super::RunStats;
use super::config::Config;
use crate::capture::{CaptureError, Frame, Timestamp};
use crate::dissect::{self, Dissection, FrameTimes, IpAddr, TftpLookup};
use crate::stats::Reports;
use crate::track::Trackers;
use crate::track::defrag::{Defragmenter, fragment_of};

/// One question the UDP dissector asked the TFTP lookup: source and destination endpoints.
pub type TftpQuery = (IpAddr, u16, IpAddr, u16);

/// Dissects `frame` into `d` (in place: a returned `Dissection` would be copied, 2 KiB, on
/// every frame) to the depth `cfg` needs.
pub fn dissect_frame<'a>(
    cfg: &Config,
    d: &mut Dissection<'a>,
    number: u32,
    frame: Frame<'a>,
    times: FrameTimes,
    lookup: &dyn TftpLookup,
) {
    dissect::dissect_into(d, number, frame, times, cfg.depth, lookup, None);
}

/// A `keep` for [`FrameStep::advance`] that copies the datagram into `buf`.
pub fn keep_in<'b>(buf: &'b mut Vec<u8>) -> impl FnOnce(&[u8]) -> &'b [u8] + 'b {
    move |whole| {
        buf.clear();
        buf.extend_from_slice(whole);
        buf.as_slice()
    }
}

/// The state a run carries from frame to frame.
pub struct FrameStep {
    trackers: Trackers,
    defrag: Defragmenter,
    reports: Option<Reports>,
    prev_displayed: Option<Timestamp>,
    displayed: u64,
}

impl FrameStep {
    /// The trackers, reassembly tables and reports `cfg` needs, empty.
    pub fn new(cfg: &Config) -> FrameStep {
        FrameStep {
            trackers: Trackers::for_depth(cfg.needs, cfg.depth),
            defrag: Defragmenter::default(),
            reports: (!cfg.stats.is_empty()).then(|| Reports::new(&cfg.stats)),
            prev_displayed: None,
            displayed: 0,
        }
    }

    /// The TFTP lookup a first dissection asks when it runs in frame order.
    pub fn tftp_lookup(&self) -> &dyn TftpLookup {
        self.trackers.tftp_lookup()
    }

    /// Frames that passed the filter so far.
    pub fn displayed(&self) -> u64 {
        self.displayed
    }

    /// True when frame `d`'s result depends on the frames before it even without trackers:
    /// an IP fragment, when the run reassembles.
    pub fn needs_order(cfg: &Config, d: &Dissection<'_>) -> bool {
        cfg.depth.reassembles() && fragment_of(d).is_some()
    }

    /// Everything after the first dissection of `d`, in frame order; true when the frame
    /// passes the display filter. `asked` holds the questions a recording TFTP lookup was
    /// asked (empty when the dissection asked [`Self::tftp_lookup`]); `keep` stores a
    /// reassembled datagram for as long as `d` lives.
    pub fn advance<'b>(
        &mut self,
        cfg: &Config,
        d: &mut Dissection<'b>,
        asked: &[TftpQuery],
        keep: impl FnOnce(&[u8]) -> &'b [u8],
    ) -> bool {
        let now = d.frame.ts;
        let lookup = self.trackers.tftp_lookup();
        if asked.iter().any(|&(a, p, b, q)| lookup.is_tftp(a, p, b, q)) {
            // The tracker claims this datagram: dissect it as the sequential run would.
            let (number, frame, times) = (d.number, d.frame, d.times);
            dissect::dissect_into(d, number, frame, times, cfg.depth, lookup, None);
        }
        if cfg.depth.reassembles()
            && let Some(whole) = self.defrag.complete(d, now.as_nanos())
        {
            let whole = keep(whole);
            let (number, frame, times) = (d.number, d.frame, d.times);
            let lookup = self.trackers.tftp_lookup();
            dissect::dissect_into(d, number, frame, times, cfg.depth, lookup, Some(whole));
        }
        self.trackers.observe(d);
        // A frame without a time (a pcapng Simple Packet Block) has no deltas, and is not
        // the previous displayed frame of the next one.
        if !now.is_none() {
            d.times.delta_displayed = self.prev_displayed.map_or(0, |p| now.nanos_since(p));
        }
        let passed = cfg.filter.matches(d);
        if let Some(r) = &mut self.reports {
            r.observe(d, passed);
        }
        if passed {
            self.displayed += 1;
            if !now.is_none() {
                self.prev_displayed = Some(now);
            }
        }
        passed
    }

    /// What the trackers' and reassembly's limits cost this run, one sentence each.
    pub fn limit_warnings(&self) -> Vec<String> {
        let mut warnings = self.trackers.limit_warnings();
        warnings.extend(self.defrag.limit_warnings());
        warnings
    }

    /// The run's numbers: `read` frames, of which `displayed_elsewhere` passed the filter
    /// outside this step (the stateless run's blocks) and the rest here, and the `damage`
    /// that ended the capture.
    pub fn stats(
        &self,
        read: u64,
        displayed_elsewhere: u64,
        damage: Option<CaptureError>,
    ) -> RunStats {
        RunStats {
            read,
            displayed: displayed_elsewhere + self.displayed,
            damage,
            warnings: self.limit_warnings(),
            capture_line: None,
        }
    }

    /// Writes the `-z` reports and exports (reports to `out`, their notes to `log`).
    ///
    /// # Errors
    /// Output errors.
    pub fn finish_reports(self, out: &mut dyn Write, log: &mut dyn Write) -> io::Result<()> {
        match self.reports {
            Some(r) => r.finish(out, log),
            None => Ok(()),
        }
    }
}
