//! The command-line front end: arguments, configuration, the run loop, exit codes.

pub mod args;
pub mod capture;
pub mod config;
pub mod progress;

use crate::engine::Config;
use crate::engine::{self, RunError, RunStats};
use args::Args;
use clap::{CommandFactory, Parser};
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
    if let Some(report) = args.glossary {
        return match glossary(report) {
            Ok(()) => EXIT_OK,
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
            Err(e) => fail(EXIT_USAGE, e),
        };
    }
    if args.list_interfaces {
        return capture::list_interfaces();
    }
    if let Some(shell) = args.completions {
        return write_generated(|out| {
            clap_complete::generate(shell, &mut Args::command(), "wiresift", out);
            Ok(())
        });
    }
    if args.man {
        return write_generated(|out| clap_mangen::Man::new(Args::command()).render(out));
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
    let result = if cfg.capture.is_active() {
        engine::capture::run(&cfg)
    } else {
        match cfg.read_file.as_deref() {
            Some(path) => {
                let bar = progress::Progress::start(path);
                let result = engine::run_file(&cfg, path);
                // Cleared before the closing lines and warnings are printed.
                drop(bar);
                result
            }
            None => {
                return fail(
                    EXIT_USAGE,
                    "no input: give a capture file with -r FILE (or -r - for standard input)",
                );
            }
        }
    };
    finish_run(result)
}

/// The exit status of a finished run, after its closing lines, warnings and damage are
/// printed.
fn finish_run(result: Result<RunStats, RunError>) -> u8 {
    let stats = match result {
        Ok(stats) => stats,
        Err(e) => return run_failed(e),
    };
    if let Some(line) = &stats.capture_line {
        let _ = writeln!(io::stderr(), "{line}");
    }
    warn_limits(&stats.warnings);
    match stats.damage {
        // A live capture that failed mid-way says so without the count.
        Some(e @ crate::capture::CaptureError::Live { .. }) => fail(EXIT_BAD_CAPTURE, e),
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

/// The exit status for a run that could not start or finish: a closed pipe ends quietly,
/// a path, a live source or an output that cannot be opened is bad usage (2), a file that is
/// not a capture, a failed write and a failed export are a bad capture run (1).
fn run_failed(e: RunError) -> u8 {
    match e {
        RunError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        e @ (RunError::NotACapture(_) | RunError::Output(_) | RunError::Export(_)) => {
            fail(EXIT_BAD_CAPTURE, e)
        }
        e => fail(EXIT_USAGE, e),
    }
}

/// Writes a generated text (completions, man page) to stdout; a closed pipe is no error.
fn write_generated(write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>) -> u8 {
    let mut out = io::stdout().lock();
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => fail(EXIT_USAGE, e),
    }
}

/// `-G fields` / `-G protocols`: the registry as a table.
fn glossary(report: args::Glossary) -> io::Result<()> {
    use crate::fields::registry;
    use io::Write;
    let mut out = io::BufWriter::new(io::stdout().lock());
    match report {
        args::Glossary::Fields => {
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
        args::Glossary::Protocols => {
            for p in crate::dissect::Proto::ALL {
                writeln!(out, "{}\t{}\t{}", p.long_name(), p.name(), p.name())?;
            }
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
