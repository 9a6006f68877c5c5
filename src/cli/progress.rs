//! A progress bar on stderr for long runs over a capture file (indicatif).
//!
//! Shown only when it helps a person and cannot disturb a program: stderr is a terminal,
//! stdout is not (the packets go to a file or a pipe, so the bar never mixes with them),
//! `CI` is unset, the input is a regular file of known size, and the run has lasted
//! [`SHOW_AFTER`]. It measures bytes of the file read (compressed bytes for a `.gz`), so it
//! works for every driver, and is cleared before the closing lines and warnings.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs shorter than this show no bar: a flash of a bar on a quick run is noise.
pub const SHOW_AFTER: Duration = Duration::from_secs(2);
/// How often the bar is updated (indicatif redraws at most this often anyway).
const TICK: Duration = Duration::from_millis(100);

/// The bar's thread; dropping it stops and clears the bar.
pub struct Progress {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts watching the read of `path`, when the rules in the module docs allow a bar.
    pub fn start(path: &str) -> Option<Progress> {
        let allowed = std::io::stderr().is_terminal()
            && !std::io::stdout().is_terminal()
            && std::env::var_os("CI").is_none();
        if !allowed || path == "-" {
            return None;
        }
        let meta = std::fs::metadata(path).ok()?;
        if !meta.is_file() || meta.len() == 0 {
            return None;
        }
        let done = Arc::new(AtomicBool::new(false));
        let total = meta.len();
        let flag = Arc::clone(&done);
        let base = crate::capture::file_bytes_read();
        let thread = std::thread::Builder::new()
            .name("wiresift-progress".into())
            .spawn(move || watch(total, base, &flag))
            .ok()?;
        Some(Progress {
            done,
            thread: Some(thread),
        })
    }

    fn stop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sleeps until [`SHOW_AFTER`], then draws the bar until `done`.
fn watch(total: u64, base: u64, done: &AtomicBool) {
    let started = Instant::now();
    while started.elapsed() < SHOW_AFTER {
        if done.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(TICK);
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    while !done.load(Ordering::Relaxed) {
        let read = crate::capture::file_bytes_read().saturating_sub(base);
        bar.set_position(read.min(total));
        std::thread::sleep(TICK);
    }
    bar.finish_and_clear();
}
