//! The sinks a configuration asks for: the printers of [`crate::output`] wired to standard
//! output (or any writer), one shared writer for the text formats.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

use super::config::{Config, OutputKind};
use crate::output::fields::FieldsSink;
use crate::output::hexdump::HexSink;
use crate::output::json::{JsonSink, JsonStyle};
use crate::output::summary::SummarySink;
use crate::output::tree::TreeSink;
use crate::output::{BlockSink, Sink, Tee};

/// Size of the stdout buffer: large writes, few system calls.
pub const STDOUT_BUFFER: usize = 256 * 1024;

/// A writer that flushes after every packet when `-l` is given.
struct Out {
    inner: io::BufWriter<io::Stdout>,
    flush_each: bool,
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        if self.flush_each {
            self.inner.flush()?;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn stdout(flush_each: bool) -> Out {
    Out {
        inner: io::BufWriter::with_capacity(STDOUT_BUFFER, io::stdout()),
        flush_each,
    }
}

/// Builds the sink the configuration asks for, writing to standard output.
pub fn make_sink(cfg: &Config) -> Box<dyn Sink> {
    make_sink_to(cfg, stdout(cfg.line_buffered))
}

/// Builds the sink the configuration asks for, writing to `out` (a block sink, so the
/// pipeline can format its blocks with it too).
pub fn make_sink_to<W: Write + 'static>(cfg: &Config, out: W) -> Box<dyn BlockSink> {
    match &cfg.output {
        // The export has its own run (`super::export`): nothing for standard output.
        OutputKind::Quiet | OutputKind::Parquet(_) => Box::new(Tee::<dyn BlockSink>(Vec::new())),
        OutputKind::Text { summary, tree, hex } => {
            let mut sinks: Vec<Box<dyn BlockSink>> = Vec::new();
            // One shared writer keeps the three parts of a packet together and in order.
            let shared = Rc::new(RefCell::new(out));
            if *summary {
                sinks.push(Box::new(SummarySink::new(Shared(shared.clone()), cfg.opts)));
            }
            if *tree {
                sinks.push(Box::new(TreeSink::new(Shared(shared.clone()), cfg.opts)));
            }
            if *hex {
                sinks.push(Box::new(HexSink::new(Shared(shared))));
            }
            Box::new(Tee(sinks))
        }
        OutputKind::Fields(fields, opts) => {
            Box::new(FieldsSink::new(out, fields.clone(), opts.clone()))
        }
        OutputKind::Json(style) => {
            Box::new(JsonSink::new(out, *style).flush_each(cfg.line_buffered))
        }
        OutputKind::Ek(fields) => Box::new(
            JsonSink::new(out, JsonStyle::Ek)
                .ek_fields(fields)
                .flush_each(cfg.line_buffered),
        ),
    }
}

/// A writer shared by several sinks.
struct Shared<W>(Rc<RefCell<W>>);

impl<W: Write> Write for Shared<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}
