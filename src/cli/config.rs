//! Turns the low-level [`Args`] into a checked [`Config`]: the compiled filter, the chosen
//! output, the trackers and dissection depth the run needs. Everything that can be wrong with
//! the command line is found here, before any capture is opened.

use super::args::Args;
use super::capture::CaptureConfig;
use crate::dissect::Depth;
use crate::fields::{FieldId, Needs, registry};
use crate::filter::Filter;
use crate::output::fields::{FieldsOptions, Occurrence, Quote, decode_separator};
use crate::output::json::JsonStyle;
use crate::output::{OutputOptions, Resolve, TimeFormat};

/// A command-line mistake (exit status 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// The display filter does not compile; the text is already rendered with its caret line.
    #[error("{0}")]
    Filter(String),
    /// An unknown field after `-e`.
    #[error("\"{name}\" is not a valid field for -e{}", suggestion.map(|s| format!(". Did you mean \"{s}\"?")).unwrap_or_default())]
    UnknownField {
        /// The name given.
        name: String,
        /// A close registered name.
        suggestion: Option<&'static str>,
    },
    /// A bad option value.
    #[error("{0}")]
    Invalid(String),
}

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

impl TryFrom<Args> for Config {
    type Error = UsageError;

    fn try_from(a: Args) -> Result<Config, UsageError> {
        let filter_text = saved_filter(a.display_filter.as_deref().unwrap_or_default())?;
        let filter = Filter::compile(&filter_text)
            .map_err(|e| UsageError::Filter(e.render(&filter_text)))?;
        let time = TimeFormat::parse(&a.time_format).ok_or_else(|| {
            UsageError::Invalid(format!(
                "invalid -t format \"{}\" (use r, a, ad, e, d, dd, u or ud)",
                a.time_format
            ))
        })?;
        let output = output_kind(&a)?;
        let capture = CaptureConfig::from_args(&a)?;
        // As tshark: with -w, packets are printed only when -P asks for it.
        let output = if capture.write.is_some() && !a.print_summary {
            OutputKind::Quiet
        } else {
            output
        };
        let stats = stats_config(&a)?;
        let (needs, depth) = requirements(&output, &filter);
        let (needs, depth) = stats.requirements(needs, depth);
        Ok(Config {
            read_file: a.read_file,
            filter,
            count: a.count,
            output,
            opts: OutputOptions {
                resolve: Resolve { mac: !a.no_resolve },
                time,
            },
            needs,
            depth,
            line_buffered: a.line_buffered,
            threads: a
                .threads
                .map_or_else(super::parallel::default_workers, usize::from),
            block_size: a.block_size,
            capture,
            stats,
        })
    }
}

/// `-z` and `--export-objects`; reports follow `-T` (text, json or jsonl).
fn stats_config(a: &Args) -> Result<crate::stats::StatsConfig, UsageError> {
    use crate::output::report::Format;
    let specs = a
        .stats
        .iter()
        .map(|s| crate::stats::ReportSpec::parse(s).map_err(UsageError::Invalid))
        .collect::<Result<_, _>>()?;
    let export_tftp = a
        .export_objects
        .as_deref()
        .map(crate::stats::parse_export)
        .transpose()
        .map_err(UsageError::Invalid)?;
    let format = match a.output_format.as_str() {
        "json" => Format::Json,
        "jsonl" | "ndjson" => Format::Jsonl,
        _ => Format::Text,
    };
    Ok(crate::stats::StatsConfig {
        specs,
        export_tftp,
        format,
    })
}

fn output_kind(a: &Args) -> Result<OutputKind, UsageError> {
    if a.quiet {
        return Ok(OutputKind::Quiet);
    }
    match a.output_format.as_str() {
        "text" => Ok(OutputKind::Text {
            summary: a.print_summary || !(a.verbose || a.hex),
            tree: a.verbose,
            hex: a.hex,
        }),
        "fields" => {
            if a.fields.is_empty() {
                return Err(UsageError::Invalid(
                    "-T fields was given, but no fields were specified with -e".into(),
                ));
            }
            let fields = a
                .fields
                .iter()
                .map(|n| resolve_field(n))
                .collect::<Result<_, _>>()?;
            Ok(OutputKind::Fields(
                fields,
                fields_options(&a.field_options)?,
            ))
        }
        "json" => Ok(OutputKind::Json(JsonStyle::Array)),
        "jsonl" | "ndjson" => Ok(OutputKind::Json(JsonStyle::Lines)),
        other => Err(UsageError::Invalid(format!(
            "invalid -T format \"{other}\" (use text, fields, json or jsonl)"
        ))),
    }
}

fn resolve_field(name: &str) -> Result<(String, FieldId), UsageError> {
    let reg = registry();
    reg.lookup(name)
        .map(|id| (name.to_string(), id))
        .ok_or_else(|| UsageError::UnknownField {
            name: name.into(),
            suggestion: reg.suggest(name),
        })
}

fn fields_options(opts: &[String]) -> Result<FieldsOptions, UsageError> {
    let mut o = FieldsOptions::default();
    for kv in opts {
        let (k, v) = kv.split_once('=').ok_or_else(|| {
            UsageError::Invalid(format!("invalid -E option \"{kv}\" (use KEY=VALUE)"))
        })?;
        let bad = || UsageError::Invalid(format!("invalid value \"{v}\" for -E {k}"));
        match k {
            "header" => o.header = matches!(v, "y" | "Y" | "yes"),
            "separator" => o.separator = decode_separator(v),
            "aggregator" => o.aggregator = decode_separator(v),
            "occurrence" => {
                o.occurrence = match v {
                    "f" => Occurrence::First,
                    "l" => Occurrence::Last,
                    "a" => Occurrence::All,
                    _ => return Err(bad()),
                }
            }
            "quote" => {
                o.quote = match v {
                    "d" => Quote::Double,
                    "s" => Quote::Single,
                    "n" => Quote::None,
                    _ => return Err(bad()),
                }
            }
            _ => return Err(UsageError::Invalid(format!("unknown -E option \"{k}\""))),
        }
    }
    Ok(o)
}

/// The trackers and dissection depth an output and a filter need: the hot path does no more.
fn requirements(output: &OutputKind, filter: &Filter) -> (Needs, Depth) {
    let all = Needs::ALL;
    let (needs, depth) = match output {
        OutputKind::Quiet => (Needs::NONE, Depth::Link),
        // The summary line reads every tracker but the UDP stream numbering; the tree and
        // JSON show every field, udp.stream included.
        OutputKind::Text {
            tree: false,
            summary: true,
            ..
        } => (Needs { udp: false, ..all }, Depth::All),
        OutputKind::Text { .. } | OutputKind::Json(_) => (all, Depth::All),
        OutputKind::Fields(fields, _) => {
            let reg = registry();
            fields
                .iter()
                .fold((Needs::NONE, Depth::Link), |(n, d), (_, id)| {
                    let def = reg.def(*id);
                    let n = n.union(def.needs);
                    let n = if def.needs.columns { n.union(all) } else { n };
                    // Which layers a frame lists depends on the TCP analysis and TFTP tracking.
                    let n = if def.name == "frame.protocols" {
                        n.union(Needs::TCP).union(Needs::TFTP)
                    } else {
                        n
                    };
                    (n, d.max(def.depth()))
                })
        }
    };
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
    } else {
        Depth::Link
    };
    (needs, depth.max(filter.depth()).max(tracker_depth))
}

/// The `-Y` text, with `@NAME` replaced by the saved filter `filters/NAME.filter`.
fn saved_filter(arg: &str) -> Result<String, UsageError> {
    crate::filter::library::expand(arg).map_err(UsageError::Invalid)
}
