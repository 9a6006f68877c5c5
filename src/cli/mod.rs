//! The command-line front end: arguments, configuration, the run loop, exit codes.

pub mod args;
pub mod blocks;
pub mod capture;
pub mod config;
pub mod parallel;
pub mod pipeline;
pub mod run;

use crate::capture::{CaptureError, FileReader};
use args::Args;
use clap::Parser;
use config::Config;
use std::io::{self, Write as _};
use std::process::ExitCode;

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: the capture is bad or incomplete.
pub const EXIT_BAD_CAPTURE: u8 = 1;
/// Exit status: bad usage (options, filters, unreadable input path).
pub const EXIT_USAGE: u8 = 2;

/// Parses the process arguments, runs, and returns the exit status.
pub fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(run(args))
}

fn fail(code: u8, msg: impl std::fmt::Display) -> u8 {
    // Not eprintln!: it panics when stderr is a closed pipe.
    let _ = writeln!(io::stderr(), "wiresift: {msg}");
    code
}

/// Prints the limits a run hit, one `wiresift: warning:` line each.
fn warn_limits(warnings: &[String]) {
    for w in warnings {
        let _ = writeln!(io::stderr(), "wiresift: warning: {w}");
    }
}

/// Runs one invocation and returns its exit status. Broken pipes end the run quietly with 0.
pub fn run(args: Args) -> u8 {
    if let Some(report) = args.glossary.as_deref() {
        return match glossary(report) {
            Ok(()) => EXIT_OK,
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
            Err(e) => fail(EXIT_USAGE, e),
        };
    }
    if args.list_interfaces {
        return capture::list_interfaces();
    }
    if args.list_filters {
        return list_filters();
    }
    let cfg = match Config::try_from(args) {
        Ok(c) => c,
        Err(e) => return fail(EXIT_USAGE, e),
    };
    for w in cfg.filter.warnings() {
        eprintln!("wiresift: note: {w}");
    }
    if cfg.capture.is_active() {
        return capture::run(&cfg);
    }
    let Some(path) = cfg.read_file.clone() else {
        return fail(
            EXIT_USAGE,
            "no input: give a capture file with -r FILE (or -r - for standard input)",
        );
    };
    if let Some(code) = run_parallel(&cfg, &path) {
        return code;
    }
    let mut reader = match FileReader::open(&path) {
        Ok(r) => r,
        Err(e) => return open_failed(e),
    };
    let mut sink = run::make_sink(&cfg);
    finish_run(run::run_capture(&cfg, &mut reader, sink.as_mut()))
}

/// Runs `cfg` on several threads when the file and the options allow it (a regular pcap
/// file; see [`parallel::eligible`] and [`pipeline::eligible`]); `None` when the sequential
/// loop must run instead.
fn run_parallel(cfg: &Config, path: &str) -> Option<u8> {
    use crate::capture::split::PcapSplit;
    if cfg.threads < 2 {
        return None;
    }
    let stateless = parallel::eligible(cfg);
    if !stateless && !pipeline::eligible(cfg) {
        return None;
    }
    let default_block = if stateless {
        parallel::BLOCK_LEN
    } else {
        pipeline::block_len(cfg)
    };
    let split = match PcapSplit::open(path, cfg.block_size.unwrap_or(default_block)) {
        Ok(Some(split)) => split,
        Ok(None) => return None,
        Err(e) => return Some(open_failed(e)),
    };
    let mut out = io::BufWriter::with_capacity(run::STDOUT_BUFFER, io::stdout());
    let result = if stateless {
        parallel::run(cfg, &split, cfg.threads, &mut out)
    } else {
        pipeline::run(cfg, &split, cfg.threads, &mut out)
    };
    Some(finish_run(result))
}

/// Reports a capture file that could not be opened: a path that cannot be read is bad
/// usage (2), a file that is not a capture is a bad capture (1).
fn open_failed(e: CaptureError) -> u8 {
    match e {
        CaptureError::Io { name, source } => {
            fail(EXIT_USAGE, format_args!("cannot read \"{name}\": {source}"))
        }
        e => fail(EXIT_BAD_CAPTURE, e),
    }
}

/// The exit status of a finished file run, after its warnings and damage are printed.
fn finish_run(result: io::Result<run::RunStats>) -> u8 {
    match result {
        Ok(stats) => {
            warn_limits(&stats.warnings);
            match stats.damage {
                Some(e) => fail(
                    EXIT_BAD_CAPTURE,
                    format_args!(
                        "warning: {e}; the {} packets before it were read",
                        stats.read
                    ),
                ),
                None => EXIT_OK,
            }
        }
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => fail(EXIT_BAD_CAPTURE, format_args!("write error: {e}")),
    }
}

/// `-G fields` / `-G protocols`: the registry as a table.
fn glossary(report: &str) -> io::Result<()> {
    use crate::fields::registry;
    use io::Write;
    let mut out = io::BufWriter::new(io::stdout().lock());
    match report {
        "fields" => {
            for (_, f) in registry().all() {
                if f.ftype == crate::fields::FieldType::Protocol {
                    writeln!(out, "P\t{}\t{}", f.label, f.name)?;
                } else {
                    writeln!(
                        out,
                        "F\t{}\t{}\t{}\t{}",
                        f.label,
                        f.name,
                        f.ftype.ft_name(),
                        f.proto.name()
                    )?;
                }
            }
        }
        "protocols" => {
            for p in crate::dissect::Proto::ALL {
                writeln!(out, "{}\t{}\t{}", p.long_name(), p.name(), p.name())?;
            }
        }
        other => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unknown -G report \"{other}\" (use fields or protocols)"),
            ));
        }
    }
    out.flush()
}

/// `--list-filters`: the saved filters as a table (name, what it finds, the filter).
fn list_filters() -> u8 {
    use crate::filter::library;
    use io::Write;
    let table = library::table(&library::list());
    // A closed pipe (`| head`) is not an error.
    let _ = writeln!(io::stdout().lock(), "{table}");
    EXIT_OK
}
