//! Live capture (`-i`, `-D`, `-f`, `-s`, `-p`, `-a`, `-B`, `--user`) and capture writing
//! (`-w`, `-F`) on the command line: their checked configuration, and the run that opens the
//! source, installs the signal handlers, tees the displayed frames into the writer and
//! reports the capture statistics.
//!
//! Contract:
//! - Every option mistake is a [`UsageError`] found before anything is opened: `-r` with
//!   `-i`, capture-only options without `-i`, `-F` without `-w`, `-w -` with `-P` (both
//!   would go to standard output), an unknown `-F` or `-a`.
//! - `-w` never overwrites the input: the same file (same device and inode) is a usage
//!   error, checked before the output is created.
//! - With `-w` or `-i`, SIGINT and SIGTERM set a stop flag: the loop ends after the current
//!   frame, the output is flushed and a written file is complete. A second signal ends the
//!   process at once (exit 130 / 143).
//! - A live capture ends with one line on standard error:
//!   `N packets captured, K dropped by kernel, I dropped by interface`.

use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::args::Args;
use super::config::{Config, UsageError};
use super::run::{RunStats, make_sink, run_capture};
use super::{EXIT_BAD_CAPTURE, EXIT_OK, EXIT_USAGE, fail};
use crate::capture::writer::{CaptureWriter, WriteError, WriteHint};
use crate::capture::{
    CaptureError, CaptureFormat, CaptureStats, FileReader, Frame, FrameSource, LinkType,
};
use crate::dissect::Dissection;
use crate::output::{Sink, Tee};

/// Largest `-B` in MiB: libpcap takes the size in bytes as a C `int`.
pub const MAX_BUFFER_MIB: u32 = 2047;
/// The name `-w` takes for standard output.
pub const STDOUT_PATH: &str = "-";

/// How to build wiresift with live capture; printed when `-i` or `-D` is used without it.
pub const BUILD_HINT: &str = "live capture is not built into this wiresift: rebuild it with \
     `cargo build --release --features live` (needs libpcap's headers: \
     `apt-get install libpcap-dev` on Debian and Ubuntu)";

/// Live capture settings (`-i` and the options that go with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveConfig {
    /// Interface name or number.
    pub interface: String,
    /// `-f`.
    pub filter: Option<String>,
    /// `-s` (0 = the maximum).
    pub snaplen: u32,
    /// Not `-p`.
    pub promiscuous: bool,
    /// `-a duration:N`.
    pub duration: Option<Duration>,
    /// `-B`, converted to bytes.
    pub buffer_bytes: Option<u32>,
    /// `--user`.
    pub user: Option<String>,
}

/// Where and how `-w` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteConfig {
    /// Output path, or [`STDOUT_PATH`].
    pub path: String,
    /// `-F`.
    pub format: CaptureFormat,
}

/// The live-capture and writing part of the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureConfig {
    /// Capture live instead of reading a file.
    pub live: Option<LiveConfig>,
    /// Write the displayed frames to a file.
    pub write: Option<WriteConfig>,
}

impl CaptureConfig {
    /// Checks the live-capture and writing options of `a`.
    pub fn from_args(a: &Args) -> Result<CaptureConfig, UsageError> {
        let invalid = |m: String| Err(UsageError::Invalid(m));
        if a.read_file.is_some() && a.interface.is_some() {
            return invalid("give either -r FILE or -i IFACE, not both".into());
        }
        let live = match &a.interface {
            Some(interface) => Some(LiveConfig {
                interface: interface.clone(),
                filter: a.capture_filter.clone(),
                snaplen: a.snaplen.unwrap_or(0),
                promiscuous: !a.no_promiscuous,
                duration: autostop_duration(&a.autostop)?,
                buffer_bytes: a.buffer_size.map(buffer_bytes).transpose()?,
                user: a.user.clone(),
            }),
            None => {
                let live_only = [
                    (
                        a.capture_filter.is_some(),
                        "-f (a capture filter; use -Y to filter a file)",
                    ),
                    (a.snaplen.is_some(), "-s"),
                    (a.no_promiscuous, "-p"),
                    (!a.autostop.is_empty(), "-a"),
                    (a.buffer_size.is_some(), "-B"),
                    (a.user.is_some(), "--user"),
                ];
                if let Some((_, flag)) = live_only.iter().find(|(given, _)| *given) {
                    return invalid(format!("{flag} applies to live capture only (-i IFACE)"));
                }
                None
            }
        };
        let write = match &a.write_file {
            Some(path) => {
                if path == STDOUT_PATH && a.print_summary {
                    return invalid(
                        "-P and -w - would both write to standard output: write the capture \
                         to a file, or leave out -P"
                            .into(),
                    );
                }
                Some(WriteConfig {
                    path: path.clone(),
                    format: write_format(a.write_format.as_deref())?,
                })
            }
            None if a.write_format.is_some() => {
                return invalid("-F chooses the format of -w FILE; give -w too".into());
            }
            None => None,
        };
        Ok(CaptureConfig { live, write })
    }

    /// True when the run needs [`run`] rather than the plain file loop.
    pub fn is_active(&self) -> bool {
        self.live.is_some() || self.write.is_some()
    }
}

fn write_format(name: Option<&str>) -> Result<CaptureFormat, UsageError> {
    match name.unwrap_or("pcap") {
        "pcap" | "libpcap" => Ok(CaptureFormat::Pcap),
        "pcapng" => Ok(CaptureFormat::Pcapng),
        other => Err(UsageError::Invalid(format!(
            "invalid -F format \"{other}\" (use pcap or pcapng)"
        ))),
    }
}

/// The `-a duration:N` condition, if any; `N` is in seconds (decimals allowed).
fn autostop_duration(conditions: &[String]) -> Result<Option<Duration>, UsageError> {
    let mut duration = None;
    for cond in conditions {
        let bad = || {
            UsageError::Invalid(format!(
                "invalid -a condition \"{cond}\" (use duration:SECONDS, with SECONDS > 0)"
            ))
        };
        let (key, value) = cond.split_once(':').ok_or_else(bad)?;
        if key != "duration" {
            return Err(bad());
        }
        let secs: f64 = value.parse().map_err(|_| bad())?;
        if !(secs > 0.0 && secs.is_finite()) {
            return Err(bad());
        }
        duration = Some(Duration::try_from_secs_f64(secs).map_err(|_| bad())?);
    }
    Ok(duration)
}

fn buffer_bytes(mib: u32) -> Result<u32, UsageError> {
    if mib == 0 || mib > MAX_BUFFER_MIB {
        return Err(UsageError::Invalid(format!(
            "invalid -B size {mib} (use 1 to {MAX_BUFFER_MIB} MiB)"
        )));
    }
    Ok(mib * 1024 * 1024)
}

/// `-D`: prints the interfaces, numbered, and returns the exit status.
pub fn list_interfaces() -> u8 {
    #[cfg(feature = "live")]
    {
        match crate::capture::live::list_interfaces() {
            Ok(list) => {
                let mut out = io::stdout().lock();
                for entry in list {
                    if writeln!(out, "{entry}").is_err() {
                        break;
                    }
                }
                EXIT_OK
            }
            Err(e) => fail(EXIT_USAGE, e),
        }
    }
    #[cfg(not(feature = "live"))]
    {
        fail(EXIT_USAGE, BUILD_HINT)
    }
}

/// Runs a live capture and/or a run that writes a capture file; returns the exit status.
pub fn run(cfg: &Config) -> u8 {
    let capture = &cfg.capture;
    let stop = Arc::new(AtomicBool::new(false));
    if let Err(e) = install_stop_handlers(&stop) {
        eprintln!("wiresift: warning: cannot catch SIGINT/SIGTERM: {e}");
    }
    let mut source: Box<dyn FrameSource> = match &capture.live {
        Some(live) => match open_live(live, stop.clone()) {
            Ok(s) => s,
            Err(code) => return code,
        },
        None => {
            let Some(path) = cfg.read_file.as_deref() else {
                return fail(
                    EXIT_USAGE,
                    "no input: give a capture file with -r FILE (or -r - for standard input), \
                     or an interface with -i IFACE",
                );
            };
            match FileReader::open(path) {
                Ok(reader) => Box::new(Interruptible {
                    inner: reader,
                    stop: stop.clone(),
                }),
                Err(CaptureError::Io { name, source }) => {
                    return fail(EXIT_USAGE, format_args!("cannot read \"{name}\": {source}"));
                }
                Err(e) => return fail(EXIT_BAD_CAPTURE, e),
            }
        }
    };
    let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
    if let Some(write) = &capture.write {
        let hint = WriteHint {
            link_type: source.link_type(),
            snaplen: source.snaplen(),
        };
        match open_writer(write, cfg.read_file.as_deref(), hint) {
            Ok(sink) => sinks.push(Box::new(sink)),
            Err(e) => return fail(EXIT_USAGE, e),
        }
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
    if capture.live.is_some() {
        let read = result.as_ref().map_or(0, |s| s.read);
        eprintln!("{}", stats_line(read, source.stats()));
    }
    finish(result, capture.write.as_ref())
}

/// The exit status and message for how the run ended.
fn finish(result: io::Result<RunStats>, write: Option<&WriteConfig>) -> u8 {
    match result {
        Ok(RunStats {
            damage: Some(e @ CaptureError::Live { .. }),
            ..
        }) => fail(EXIT_BAD_CAPTURE, e),
        Ok(RunStats {
            damage: Some(e),
            read,
            ..
        }) => fail(
            EXIT_BAD_CAPTURE,
            format_args!("warning: {e}; the {read} packets before it were read"),
        ),
        Ok(_) => EXIT_OK,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            let path = write.map_or("", |w| w.path.as_str());
            match e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<Refused>())
            {
                Some(refused) => fail(
                    EXIT_USAGE,
                    format_args!(
                        "cannot write frame {} to \"{path}\": {}; the frames before it were \
                         written",
                        refused.number, refused.reason
                    ),
                ),
                None => fail(EXIT_BAD_CAPTURE, format_args!("write error: {e}")),
            }
        }
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
fn open_live(live: &LiveConfig, stop: Arc<AtomicBool>) -> Result<Box<dyn FrameSource>, u8> {
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
        Err(e) => Err(fail(EXIT_USAGE, e)),
    }
}

#[cfg(not(feature = "live"))]
fn open_live(_live: &LiveConfig, _stop: Arc<AtomicBool>) -> Result<Box<dyn FrameSource>, u8> {
    Err(fail(EXIT_USAGE, BUILD_HINT))
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
        if let Some(input) = input.filter(|p| *p != "-") {
            if same_file(input, &write.path) {
                return Err(format!(
                    "-w \"{}\" is the input file: writing would destroy it; choose another name",
                    write.path
                ));
            }
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
struct Refused {
    number: u32,
    reason: WriteError,
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
    if frame.link_type == LinkType::PCAPNG_CUSTOM {
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
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<CaptureConfig, UsageError> {
        let a =
            Args::try_parse_from(std::iter::once("wiresift").chain(args.iter().copied())).unwrap();
        CaptureConfig::from_args(&a)
    }

    fn err(args: &[&str]) -> String {
        parse(args).unwrap_err().to_string()
    }

    #[test]
    fn live_options() {
        let c = parse(&[
            "-i",
            "lo",
            "-f",
            "udp",
            "-s",
            "96",
            "-p",
            "-a",
            "duration:1.5",
            "-B",
            "2",
        ])
        .unwrap();
        let live = c.live.unwrap();
        assert_eq!(live.interface, "lo");
        assert_eq!(live.filter.as_deref(), Some("udp"));
        assert_eq!((live.snaplen, live.promiscuous), (96, false));
        assert_eq!(live.duration, Some(Duration::from_millis(1500)));
        assert_eq!(live.buffer_bytes, Some(2 * 1024 * 1024));
        assert!(c.write.is_none());
        let live = parse(&["-i", "lo"]).unwrap().live.unwrap();
        assert_eq!((live.snaplen, live.promiscuous), (0, true));
    }

    #[test]
    fn write_options() {
        let c = parse(&["-r", "a.pcap", "-w", "b.pcapng", "-F", "pcapng"]).unwrap();
        assert_eq!(
            c.write,
            Some(WriteConfig {
                path: "b.pcapng".into(),
                format: CaptureFormat::Pcapng
            })
        );
        let c = parse(&["-r", "a.pcap", "-w", "-"]).unwrap();
        assert_eq!(c.write.unwrap().format, CaptureFormat::Pcap);
        assert!(c.live.is_none());
    }

    #[test]
    fn mistakes_are_usage_errors() {
        assert!(err(&["-r", "a", "-i", "lo"]).contains("not both"));
        assert!(err(&["-r", "a", "-f", "udp"]).contains("live capture only"));
        assert!(err(&["-r", "a", "--user", "nobody"]).contains("--user"));
        assert!(err(&["-r", "a", "-F", "pcapng"]).contains("give -w too"));
        assert!(err(&["-r", "a", "-w", "x", "-F", "erf"]).contains("pcap or pcapng"));
        assert!(err(&["-r", "a", "-w", "-", "-P"]).contains("standard output"));
        for bad in [
            "duration",
            "duration:0",
            "duration:-1",
            "filesize:10",
            "duration:x",
        ] {
            assert!(
                err(&["-i", "lo", "-a", bad]).contains("invalid -a"),
                "{bad}"
            );
        }
        assert!(err(&["-i", "lo", "-B", "0"]).contains("-B"));
        assert!(err(&["-i", "lo", "-B", "4096"]).contains("-B"));
    }

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
