//! Live capture (`-i`, `-D`, `-f`, `-s`, `-p`, `-a`, `-B`, `--user`) and capture writing
//! (`-w`, `-F`) on the command line: their checked configuration, and `-D`. The run itself
//! is [`crate::engine::capture`].
//!
//! Contract:
//! - Every option mistake is a [`UsageError`] found before anything is opened: `-r` with
//!   `-i`, capture-only options without `-i`, `-F` without `-w`, `-w -` with `-P` (both
//!   would go to standard output), an unknown `-a` (`-F`, `-T`, `-t` and `-G` are value
//!   enums: clap rejects an unknown one).

use std::time::Duration;

use super::args::Args;
use super::config::UsageError;
use super::{EXIT_USAGE, fail};
use crate::capture::CaptureFormat;
use crate::engine::config::{CaptureConfig, LiveConfig, STDOUT_PATH, WriteConfig};

/// Largest `-B` in MiB: libpcap takes the size in bytes as a C `int`.
pub const MAX_BUFFER_MIB: u32 = 2047;

/// Checks the live-capture and writing options of `a`.
pub fn capture_config(a: &Args) -> Result<CaptureConfig, UsageError> {
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
    let parquet = a.write_format == Some(super::args::WriteFormat::Parquet);
    if a.compress.is_some() && !parquet {
        return invalid("--compress applies to -F parquet only".into());
    }
    if parquet {
        return parquet_config(a).map(|()| CaptureConfig { live, write: None });
    }
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
                format: a
                    .write_format
                    .and_then(super::args::WriteFormat::capture_format)
                    .unwrap_or(CaptureFormat::Pcap),
            })
        }
        None if a.write_format.is_some() => {
            return invalid("-F chooses the format of -w FILE; give -w too".into());
        }
        None => None,
    };
    Ok(CaptureConfig { live, write })
}

/// Checks `-w DIR -F parquet`: a directory for a capture file's tables.
fn parquet_config(a: &Args) -> Result<(), UsageError> {
    let invalid = |m: &str| Err(UsageError::Invalid(m.into()));
    match &a.write_file {
        None => invalid("-F parquet writes tables into a directory: give -w DIR too"),
        Some(dir) if dir == STDOUT_PATH => {
            invalid("-F parquet writes a directory of files, not standard output: give -w DIR")
        }
        Some(_) if a.interface.is_some() => invalid(
            "-F parquet exports a capture file: record with -i IFACE -w FILE, then export \
             with -r FILE -w DIR -F parquet",
        ),
        Some(_) => Ok(()),
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
        use super::EXIT_OK;
        use std::io::{self, Write};
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
        fail(EXIT_USAGE, crate::engine::capture::BUILD_HINT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<CaptureConfig, UsageError> {
        let a =
            Args::try_parse_from(std::iter::once("wiresift").chain(args.iter().copied())).unwrap();
        capture_config(&a)
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
        // An unknown -F is clap's error (a value enum), exit status 2 too.
        let erf = Args::try_parse_from(["wiresift", "-r", "a", "-w", "x", "-F", "erf"]);
        assert!(erf.is_err_and(|e| e.use_stderr()));
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
}
