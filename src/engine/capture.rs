//! The run that captures live and/or writes a capture file (`-i`, `-w`): it opens the
//! source, installs the signal handlers, tees the displayed frames into the writer, and
//! reports the capture statistics. The frames go through the sequential driver.
//!
//! Contract:
//! - `-w` never overwrites the input: the same file (same device and inode) is refused
//!   before the output is created.
//! - With `-w` or `-i`, SIGINT and SIGTERM set a stop flag: the loop ends after the current
//!   frame, the output is flushed and a written file is complete. A second signal ends the
//!   process at once (exit 130 / 143).
//! - A live capture's closing line (`N packets captured, K dropped by kernel, I dropped by
//!   interface`) is returned in [`RunStats::capture_line`] for the front end to print.

use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::config::{Config, LiveConfig, STDOUT_PATH, WriteConfig};
use super::sequential::run_capture;
use super::sink::make_sink;
use super::{RunError, RunStats};
use crate::capture::writer::{CaptureWriter, WriteError, WriteHint};
use crate::capture::{CaptureError, CaptureStats, FileReader, Frame, FrameSource, LinkType};
use crate::dissect::Dissection;
use crate::output::{Sink, Tee};

/// How to build wiresift with live capture; the error when `-i` or `-D` is used without it.
pub const BUILD_HINT: &str = "live capture is not built into this wiresift: rebuild it with \
     `cargo build --release --features live` (needs libpcap's headers: \
     `apt-get install libpcap-dev` on Debian and Ubuntu)";

/// Runs a live capture and/or a run that writes a capture file.
///
/// # Errors
/// The source or the `-w` output cannot be opened, a frame cannot be written, or the
/// output fails. Damage to the capture is in [`RunStats::damage`].
pub fn run(cfg: &Config) -> Result<RunStats, RunError> {
    let capture = &cfg.capture;
    let stop = Arc::new(AtomicBool::new(false));
    if let Err(e) = install_stop_handlers(&stop) {
        let _ = writeln!(
            io::stderr(),
            "wiresift: warning: cannot catch SIGINT/SIGTERM: {e}"
        );
    }
    let mut source = open_source(cfg, &stop)?;
    let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
    if let Some(write) = &capture.write {
        let hint = WriteHint {
            link_type: source.link_type(),
            snaplen: source.snaplen(),
        };
        let sink = open_writer(write, cfg.read_file.as_deref(), hint).map_err(RunError::Setup)?;
        sinks.push(Box::new(sink));
    }
    let mut print_cfg;
    let print_cfg = if capture.live.is_some() && !cfg.line_buffered {
        // Packets of a live capture show up as they arrive.
        print_cfg = cfg.clone();
        print_cfg.line_buffered = true;
        &print_cfg
    } else {
        cfg
    };
    sinks.push(make_sink(print_cfg));
    let mut sink = Tee(sinks);
    let result = run_capture(cfg, source.as_mut(), &mut sink);
    // Dropping the sinks flushes whatever an error left buffered.
    drop(sink);
    let capture_line = capture.live.as_ref().map(|_| {
        let read = result.as_ref().map_or(0, |s| s.read);
        stats_line(read, source.stats())
    });
    match result {
        Ok(stats) => Ok(RunStats {
            capture_line,
            ..stats
        }),
        Err(e) => {
            if let Some(line) = capture_line {
                let _ = writeln!(io::stderr(), "{line}");
            }
            Err(output_error(e, capture.write.as_ref()))
        }
    }
}

/// The live source, or the input file that ends early once `stop` is set.
fn open_source(cfg: &Config, stop: &Arc<AtomicBool>) -> Result<Box<dyn FrameSource>, RunError> {
    if let Some(live) = &cfg.capture.live {
        return open_live(live, stop.clone());
    }
    let Some(path) = cfg.read_file.as_deref() else {
        return Err(RunError::NoInput);
    };
    let reader = FileReader::open(path).map_err(RunError::from_open)?;
    Ok(Box::new(Interruptible {
        inner: reader,
        stop: stop.clone(),
    }))
}

/// An output error of the run: a frame the writer refused names the frame and the file.
fn output_error(e: io::Error, write: Option<&WriteConfig>) -> RunError {
    let path = write.map_or("", |w| w.path.as_str());
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Refused>())
    {
        Some(refused) => RunError::Refused {
            number: refused.number,
            path: path.to_string(),
            reason: refused.reason.to_string(),
        },
        None => RunError::Output(e),
    }
}

/// The line a live capture ends with.
pub fn stats_line(captured: u64, stats: Option<CaptureStats>) -> String {
    let noun = if captured == 1 { "packet" } else { "packets" };
    match stats {
        Some(s) => format!(
            "{captured} {noun} captured, {} dropped by kernel, {} dropped by interface",
            s.dropped_by_kernel, s.dropped_by_interface
        ),
        None => format!("{captured} {noun} captured"),
    }
}

/// SIGINT and SIGTERM set `stop`; when it is already set, they end the process.
fn install_stop_handlers(stop: &Arc<AtomicBool>) -> io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag;
    for (signal, status) in [(SIGINT, 130), (SIGTERM, 143)] {
        // Registered first, so it sees the flag as the previous signal left it.
        flag::register_conditional_shutdown(signal, status, Arc::clone(stop))?;
        flag::register(signal, Arc::clone(stop))?;
    }
    Ok(())
}

#[cfg(feature = "live")]
fn open_live(live: &LiveConfig, stop: Arc<AtomicBool>) -> Result<Box<dyn FrameSource>, RunError> {
    use crate::capture::live::{LiveOptions, LiveSource};
    let opts = LiveOptions {
        interface: live.interface.clone(),
        filter: live.filter.clone(),
        snaplen: live.snaplen,
        promiscuous: live.promiscuous,
        buffer_bytes: live.buffer_bytes,
        duration: live.duration,
        user: live.user.clone(),
    };
    match LiveSource::open(&opts, stop) {
        Ok(source) => {
            eprintln!("Capturing on '{}'", source.name());
            Ok(Box::new(source))
        }
        Err(e) => Err(RunError::Setup(e.to_string())),
    }
}

#[cfg(not(feature = "live"))]
fn open_live(_live: &LiveConfig, _stop: Arc<AtomicBool>) -> Result<Box<dyn FrameSource>, RunError> {
    Err(RunError::Setup(BUILD_HINT.into()))
}

/// Opens the `-w` output, after making sure it is not the input.
fn open_writer(
    write: &WriteConfig,
    input: Option<&str>,
    hint: WriteHint,
) -> Result<WriteSink, String> {
    let out: Box<dyn Write> = if write.path == STDOUT_PATH {
        Box::new(io::stdout())
    } else {
        if let Some(input) = input.filter(|p| *p != "-")
            && same_file(input, &write.path)
        {
            return Err(format!(
                "-w \"{}\" is the input file: writing would destroy it; choose another name",
                write.path
            ));
        }
        let file = File::create(&write.path)
            .map_err(|e| format!("cannot create \"{}\": {e}", write.path))?;
        Box::new(file)
    };
    Ok(WriteSink {
        writer: Some(CaptureWriter::new(out, write.format, hint)),
    })
}

/// True when both paths name the same existing file (same device and inode on Unix, same
/// canonical path elsewhere).
fn same_file(a: &str, b: &str) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(ma), Ok(mb)) => ma.dev() == mb.dev() && ma.ino() == mb.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(ca), Ok(cb)) => ca == cb,
            _ => false,
        }
    }
}

/// A frame the writer refused, carried through the sink's `io::Error`.
#[derive(Debug, thiserror::Error)]
#[error("frame {number}: {reason}")]
pub struct Refused {
    /// The frame's number.
    pub number: u32,
    /// Why the writer refused it.
    pub reason: WriteError,
}

/// The `-w` output as a sink: every displayed frame is written.
struct WriteSink {
    writer: Option<CaptureWriter<Box<dyn Write>>>,
}

impl Sink for WriteSink {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let frame = original_frame(d);
        match writer.write(&frame) {
            Ok(_) => Ok(()),
            Err(WriteError::Io(e)) => Err(e),
            Err(reason) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                Refused {
                    number: d.number,
                    reason,
                },
            )),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.writer.take().map(CaptureWriter::finish) {
            Some(Err(WriteError::Io(e))) => Err(e),
            Some(Err(e)) => Err(io::Error::other(e)),
            Some(Ok(mut out)) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for WriteSink {
    fn drop(&mut self) {
        // After an error the run stops without `finish`: still leave a complete file.
        if let Some(writer) = self.writer.as_mut() {
            let _ = writer.flush();
        }
    }
}

/// The frame as the source gave it: the run loop shortens a pcapng Custom Block's length for
/// display, which the writer must not see.
fn original_frame<'a>(d: &Dissection<'a>) -> Frame<'a> {
    let mut frame = d.frame;
    if frame.link_type.is_custom_block() {
        frame.orig_len = u32::try_from(frame.data.len()).unwrap_or(u32::MAX);
    }
    frame
}

/// A file source that ends early once the stop flag is set.
struct Interruptible {
    inner: FileReader,
    stop: Arc<AtomicBool>,
}

impl FrameSource for Interruptible {
    fn next_frame(&mut self) -> Result<Option<Frame<'_>>, CaptureError> {
        if self.stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        self.inner.next_frame()
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn link_type(&self) -> Option<LinkType> {
        self.inner.link_type()
    }

    fn snaplen(&self) -> u32 {
        self.inner.snaplen()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_line_wording() {
        let s = CaptureStats {
            received: 9,
            dropped_by_kernel: 2,
            dropped_by_interface: 1,
        };
        assert_eq!(
            stats_line(7, Some(s)),
            "7 packets captured, 2 dropped by kernel, 1 dropped by interface"
        );
        assert_eq!(stats_line(1, None), "1 packet captured");
    }

    #[test]
    fn same_file_sees_through_other_names() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.pcap");
        std::fs::write(&a, b"x").unwrap();
        let a = a.to_str().unwrap();
        let dotted = format!("{}/./a.pcap", dir.path().display());
        assert!(same_file(a, &dotted));
        assert!(!same_file(a, &format!("{}/b.pcap", dir.path().display())));
    }
}
