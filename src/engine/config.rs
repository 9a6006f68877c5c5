//! The checked configuration of a run: what to read, the compiled filter, the output, and
//! the trackers and dissection depth that follow from them. The command line builds it
//! (`crate::cli::config`); tests, fuzz targets and later front ends build it directly.

use std::time::Duration;

use crate::capture::CaptureFormat;
use crate::dissect::Depth;
use crate::fields::{FieldId, Needs};
use crate::filter::Filter;
use crate::output::OutputOptions;
use crate::output::fields::FieldsOptions;
use crate::output::json::JsonStyle;

/// The name `-w` takes for standard output.
pub const STDOUT_PATH: &str = "-";

/// What each displayed packet is printed as.
#[derive(Debug, Clone)]
pub enum OutputKind {
    /// Nothing per packet (`-q`).
    Quiet,
    /// The text formats: summary line, tree, hex dump, in that order when several are on.
    Text {
        /// Summary line.
        summary: bool,
        /// Detail tree.
        tree: bool,
        /// Hex dump.
        hex: bool,
    },
    /// `-T fields`.
    Fields(Vec<(String, FieldId)>, FieldsOptions),
    /// `-T json` / `-T jsonl`.
    Json(JsonStyle),
    /// `-T ek`: every field, or only the `-e` fields.
    Ek(Vec<(String, FieldId)>),
    /// `-w DIR -F parquet`: the packets table (the reports write the others).
    Parquet(crate::output::parquet::ExportConfig),
}

/// Everything a run needs, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The capture to read.
    pub read_file: Option<String>,
    /// The display filter (always present; the empty filter passes everything).
    pub filter: Filter,
    /// `-c`.
    pub count: Option<u64>,
    /// Output choice.
    pub output: OutputKind,
    /// Shared output settings.
    pub opts: OutputOptions,
    /// Trackers to run.
    pub needs: Needs,
    /// How deep to dissect.
    pub depth: Depth,
    /// Flush after each packet.
    pub line_buffered: bool,
    /// Worker threads for the block-parallel run (1 = sequential).
    pub threads: usize,
    /// Block size of the parallel runs, when not their default.
    pub block_size: Option<usize>,
    /// Live capture and `-w` settings.
    pub capture: CaptureConfig,
    /// Reports after the packets (`-z`) and exports.
    pub stats: crate::stats::StatsConfig,
}

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
    /// True when the run needs [`crate::engine::capture::run`] rather than the plain file
    /// drivers.
    pub fn is_active(&self) -> bool {
        self.live.is_some() || self.write.is_some()
    }
}

/// The trackers and dissection depth an output and a filter need: the hot path does no more.
pub fn requirements(output: &OutputKind, filter: &Filter) -> (Needs, Depth) {
    let (needs, depth) = output_requirements(output);
    let needs = needs.union(filter.needs());
    // TFTP on ephemeral ports is recognised through the TFTP tracker: any full-depth dissection
    // (a `tftp` filter, `-e tftp.opcode`) needs it, or only port-69 datagrams decode as TFTP.
    let needs = if depth.max(filter.depth()) >= Depth::All {
        needs.union(Needs::TFTP)
    } else {
        needs
    };
    let tracker_depth = if needs.tftp {
        Depth::All
    } else if needs.tcp || needs.echo {
        Depth::Transport
    } else if needs.arp {
        Depth::Network
    } else {
        Depth::Link
    };
    (needs, depth.max(filter.depth()).max(tracker_depth))
}

/// What the output alone needs.
fn output_requirements(output: &OutputKind) -> (Needs, Depth) {
    let all = Needs::ALL;
    match output {
        OutputKind::Quiet => (Needs::NONE, Depth::Link),
        // The summary line reads every tracker but the UDP stream numbering; the tree and
        // JSON show every field, udp.stream included.
        OutputKind::Text {
            tree: false,
            summary: true,
            ..
        } => (Needs { udp: false, ..all }, Depth::All),
        OutputKind::Fields(fields, _) => fields_requirements(fields),
        OutputKind::Ek(fields) if !fields.is_empty() => fields_requirements(fields),
        OutputKind::Text { .. }
        | OutputKind::Json(_)
        | OutputKind::Ek(_)
        | OutputKind::Parquet(_) => (all, Depth::All),
    }
}

/// What printing `fields` needs.
fn fields_requirements(fields: &[(String, FieldId)]) -> (Needs, Depth) {
    crate::fields::requirements_of(fields.iter().map(|(_, id)| *id))
}

impl Config {
    /// A run that only filters and prints nothing (what `-q -Y FILTER` configures), in
    /// frame order on one thread; the front end fills in the input.
    pub fn for_filter(filter: Filter) -> Config {
        let output = OutputKind::Quiet;
        let (needs, depth) = requirements(&output, &filter);
        Config {
            read_file: None,
            filter,
            count: None,
            output,
            opts: OutputOptions {
                resolve: crate::output::Resolve { mac: true },
                time: crate::output::TimeFormat::Relative,
                expand: crate::dissect::proto::ProtoSet::ALL,
            },
            needs,
            depth,
            line_buffered: false,
            threads: 1,
            block_size: None,
            capture: CaptureConfig::default(),
            stats: crate::stats::StatsConfig::default(),
        }
    }
}
