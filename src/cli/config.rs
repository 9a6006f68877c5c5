//! Turns the low-level [`Args`] into the engine's checked [`Config`]: the compiled filter, the
//! chosen output, the trackers and dissection depth the run needs. Everything that can be
//! wrong with the command line is found here, before any capture is opened.

use super::args::Args;
use super::args::{FieldOption, OutputFormat};
use super::capture::capture_config;
use crate::dissect::proto::ProtoSet;
use crate::engine::config::requirements;
use crate::engine::{Config, OutputKind};
use crate::fields::{FieldId, registry};
use crate::filter::Filter;
use crate::output::fields::FieldsOptions;
use crate::output::json::JsonStyle;
use crate::output::parquet::{Compression, ExportConfig, Target};
use crate::output::{OutputOptions, Resolve, TimeFormat};
use std::path::PathBuf;

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

impl TryFrom<Args> for Config {
    type Error = UsageError;

    fn try_from(a: Args) -> Result<Config, UsageError> {
        let filter_text = saved_filter(a.display_filter.as_deref().unwrap_or_default())?;
        let filter = Filter::compile(&filter_text)
            .map_err(|e| UsageError::Filter(e.render(&filter_text)))?;
        let time = TimeFormat::from(a.time_format);
        let capture = capture_config(&a)?;
        let export = export_config(&a)?;
        let output = match &export {
            Some(export) => OutputKind::Parquet(export.clone()),
            None => output_kind(&a)?,
        };
        // As tshark: with -w, packets are printed only when -P asks for it.
        let output = if capture.write.is_some() && !a.print_summary {
            OutputKind::Quiet
        } else {
            output
        };
        let expand = match a.only_expand.as_deref() {
            Some(list) => ProtoSet::parse(list).map_err(UsageError::Invalid)?,
            None => ProtoSet::ALL,
        };
        let mut stats = stats_config(&a)?;
        stats.tables = export.map(|e| e.target);
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
                expand,
            },
            needs,
            depth,
            line_buffered: a.line_buffered,
            threads: a
                .threads
                .map_or_else(crate::engine::parallel::default_workers, usize::from),
            block_size: a.block_size,
            capture,
            stats,
        })
    }
}

/// `-z` and `--export-objects`; reports follow `-T` (text, json or jsonl).
fn stats_config(a: &Args) -> Result<crate::stats::StatsConfig, UsageError> {
    use crate::output::report::Format;
    let mut stats = crate::stats::StatsConfig::default();
    for arg in &a.stats {
        stats.add(arg).map_err(UsageError::Invalid)?;
    }
    let export_tftp = a
        .export_objects
        .as_deref()
        .map(crate::stats::parse_export)
        .transpose()
        .map_err(UsageError::Invalid)?;
    let format = match a.output_format {
        OutputFormat::Json => Format::Json,
        OutputFormat::Jsonl | OutputFormat::Ek => Format::Jsonl,
        OutputFormat::Text | OutputFormat::Fields => Format::Text,
    };
    Ok(crate::stats::StatsConfig {
        export_tftp,
        format,
        numeric_macs: a.no_resolve,
        ..stats
    })
}

/// `-w DIR -F parquet` (already checked by `capture_config`), with `-e` adding columns.
fn export_config(a: &Args) -> Result<Option<ExportConfig>, UsageError> {
    let Some(dir) = a.write_file.as_deref() else {
        return Ok(None);
    };
    if a.write_format != Some(super::args::WriteFormat::Parquet) {
        return Ok(None);
    }
    let extra = a
        .fields
        .iter()
        .map(|n| resolve_field(n))
        .collect::<Result<_, _>>()?;
    let compression = a.compress.map(Compression::from).unwrap_or_default();
    let capture = a.read_file.as_deref().unwrap_or("-");
    Ok(Some(ExportConfig {
        target: Target::new(PathBuf::from(dir), compression, capture),
        extra,
    }))
}

fn output_kind(a: &Args) -> Result<OutputKind, UsageError> {
    if a.quiet {
        return Ok(OutputKind::Quiet);
    }
    match a.output_format {
        OutputFormat::Text => Ok(OutputKind::Text {
            summary: a.print_summary || !(tree(a) || a.hex),
            tree: tree(a),
            hex: a.hex,
        }),
        OutputFormat::Fields => {
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
            Ok(OutputKind::Fields(fields, fields_options(&a.field_options)))
        }
        OutputFormat::Json => Ok(OutputKind::Json(JsonStyle::Array)),
        OutputFormat::Jsonl => Ok(OutputKind::Json(JsonStyle::Lines)),
        OutputFormat::Ek => Ok(OutputKind::Ek(
            a.fields
                .iter()
                .map(|n| resolve_field(n))
                .collect::<Result<_, _>>()?,
        )),
    }
}

/// `-V`, or `-O` (which implies it, as in tshark).
fn tree(a: &Args) -> bool {
    a.verbose || a.only_expand.is_some()
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

/// The `-E` options, applied in command-line order.
fn fields_options(opts: &[FieldOption]) -> FieldsOptions {
    let mut o = FieldsOptions::default();
    for opt in opts {
        match opt.clone() {
            FieldOption::Header(on) => o.header = on,
            FieldOption::Separator(s) => o.separator = s,
            FieldOption::Aggregator(s) => o.aggregator = s,
            FieldOption::Occurrence(occ) => o.occurrence = occ,
            FieldOption::Quote(q) => o.quote = q,
        }
    }
    o
}

/// The `-Y` text, with `@NAME` replaced by the saved filter `filters/NAME.filter`.
fn saved_filter(arg: &str) -> Result<String, UsageError> {
    crate::filter::library::expand(arg).map_err(UsageError::Invalid)
}
