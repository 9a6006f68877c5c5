//! The command line, as clap parses it: flags defined once, spelled as tshark spells them.
//! [`super::config`] turns these low-level arguments into the objects the run uses.

use clap::{Parser, ValueEnum};

use crate::capture::CaptureFormat;
use crate::output::TimeFormat;
use crate::output::fields::{Occurrence, Quote, decode_separator};

/// wiresift: a packet inspector and protocol decoder for the terminal.
#[derive(Debug, Parser, Clone)]
#[command(
    name = "wiresift",
    version,
    disable_version_flag = true,
    about = "A packet inspector and protocol decoder: read captures, decode, filter, print.",
    after_help = "Examples:\n  wiresift -r captures/tcp-session.pcap\n  wiresift -r trace.pcap -Y 'ip.dst == 192.168.30.128'\n  wiresift -r trace.pcap -T fields -e frame.number -e ip.src -e tcp.port\n  wiresift -r trace.pcap -T jsonl | jq .\n  wiresift -G fields"
)]
pub struct Args {
    /// Print the version and exit.
    #[arg(short = 'v', long = "version", action = clap::ArgAction::Version)]
    pub version: Option<bool>,

    /// Read packets from FILE (pcap or pcapng; "-" for standard input).
    #[arg(short = 'r', long = "read-file", value_name = "FILE")]
    pub read_file: Option<String>,

    /// Display filter in Wireshark's language (or @NAME for a saved filter in filters/).
    #[arg(
        short = 'Y',
        long = "display-filter",
        value_name = "FILTER",
        allow_hyphen_values = true
    )]
    pub display_filter: Option<String>,

    /// Stop after reading N packets (counted before the display filter, as tshark does).
    #[arg(short = 'c', value_name = "N")]
    pub count: Option<u64>,

    /// Disable all name resolution (MAC vendor names).
    #[arg(short = 'n')]
    pub no_resolve: bool,

    /// Time format of the summary: r (relative), a, ad, e (epoch), d (delta), dd, u, ud.
    #[arg(
        short = 't',
        value_name = "FORMAT",
        value_enum,
        default_value = "r",
        hide_possible_values = true
    )]
    pub time_format: TimeArg,

    /// Print the packet detail tree.
    #[arg(short = 'V')]
    pub verbose: bool,

    /// Print the detail tree with only these protocols expanded (PROTO[,PROTO...]); the other
    /// layers show their header line only. Implies -V.
    #[arg(short = 'O', value_name = "PROTOCOLS")]
    pub only_expand: Option<String>,

    /// Accepted for tshark's two-pass analysis: wiresift needs no second pass (its TCP
    /// analysis, TFTP tracking and reassembly are final when a frame is printed), so -2 changes
    /// nothing.
    #[arg(short = '2')]
    pub two_pass: bool,

    /// Print a hex dump of each packet.
    #[arg(short = 'x')]
    pub hex: bool,

    /// Print the summary line too when -V, -x or -w would suppress it.
    #[arg(short = 'P')]
    pub print_summary: bool,

    /// Output format: text (default), fields, json, jsonl.
    #[arg(
        short = 'T',
        value_name = "FORMAT",
        value_enum,
        default_value = "text",
        hide_possible_values = true
    )]
    pub output_format: OutputFormat,

    /// A field to print with -T fields (repeatable).
    #[arg(short = 'e', value_name = "FIELD")]
    pub fields: Vec<String>,

    /// -T fields option: header=y|n, separator=/t|/s|C, occurrence=f|l|a, aggregator=C, quote=d|s|n.
    #[arg(short = 'E', value_name = "KEY=VALUE", value_parser = FieldOption::parse)]
    pub field_options: Vec<FieldOption>,

    /// List the registry: fields (default) or protocols, and exit.
    #[arg(short = 'G', value_name = "REPORT", value_enum, num_args = 0..=1, default_missing_value = "fields", hide_possible_values = true)]
    pub glossary: Option<Glossary>,

    /// Quiet: print no per-packet output (useful with statistics).
    #[arg(short = 'q')]
    pub quiet: bool,

    /// Flush standard output after each packet.
    #[arg(short = 'l')]
    pub line_buffered: bool,

    /// Threads that read and decode a capture file (pcap or pcapng) at once; the output is
    /// the same whatever N (see README "Performance"). 1 reads sequentially. Default: the
    /// number of cores, at most 8.
    #[arg(long = "threads", value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: Option<u16>,

    /// Bytes per block of the parallel runs (for tests: tiny blocks cross every record
    /// boundary).
    #[arg(long = "block-size", value_name = "BYTES", hide = true)]
    pub block_size: Option<usize>,

    // Live capture and capture writing: see `super::capture` (build with `--features live`
    // for -i and -D).
    /// Capture live from interface IFACE (a name, or a number from -D).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Option<String>,

    /// List the interfaces live capture can use, and exit.
    #[arg(short = 'D', long = "list-interfaces")]
    pub list_interfaces: bool,

    /// Capture filter in libpcap (BPF) syntax, applied by the kernel.
    #[arg(short = 'f', value_name = "FILTER")]
    pub capture_filter: Option<String>,

    /// Snapshot length: capture at most N bytes of each packet (0 = 262144, the default).
    #[arg(short = 's', long = "snapshot-length", value_name = "N")]
    pub snaplen: Option<u32>,

    /// Do not put the interface in promiscuous mode.
    #[arg(short = 'p', long = "no-promiscuous-mode")]
    pub no_promiscuous: bool,

    /// Stop a live capture after a condition: duration:SECONDS.
    #[arg(short = 'a', long = "autostop", value_name = "COND")]
    pub autostop: Vec<String>,

    /// Kernel capture buffer size in MiB.
    #[arg(short = 'B', long = "buffer-size", value_name = "MIB")]
    pub buffer_size: Option<u32>,

    /// Write the packets that pass the display filter to FILE ("-" for standard output), or
    /// with -F parquet the tables into the directory FILE.
    #[arg(short = 'w', value_name = "FILE")]
    pub write_file: Option<String>,

    /// Format -w writes: pcap (default), pcapng, or parquet (a directory of tables).
    #[arg(
        short = 'F',
        value_name = "FORMAT",
        value_enum,
        hide_possible_values = true
    )]
    pub write_format: Option<WriteFormat>,

    /// Compression of -F parquet columns: snappy (default), zstd or none.
    #[arg(long = "compress", value_name = "TYPE", value_enum)]
    pub compress: Option<CompressArg>,

    /// After opening the capture interface, drop root privileges to USER (like tcpdump -Z).
    #[arg(long = "user", value_name = "USER")]
    pub user: Option<String>,

    /// A report printed after the packets (repeatable): tcp,states, tcp,trace,
    /// tftp,transfers, conv,eth, conv,tcp, conv,udp, conv,ip, endpoints,ip|tcp|udp,
    /// follow,tcp|udp,ascii|hex|raw,STREAM, io,phs[,FILTER], io,stat,INTERVAL[,COLUMN...],
    /// expert[,LEVEL[,FILTER]], http,tree, http_req,tree, http_srv,tree, dns,tree.
    #[arg(short = 'z', value_name = "SPEC")]
    pub stats: Vec<String>,

    /// Write the files of complete transfers into DIR (only tftp,DIR is supported).
    #[arg(long = "export-objects", value_name = "TYPE,DIR")]
    pub export_objects: Option<String>,

    /// List the saved display filters (filters/NAME.filter, used as -Y @NAME) and exit.
    #[arg(long = "list-filters")]
    pub list_filters: bool,

    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) and exit.
    #[arg(long = "completions", value_name = "SHELL", value_enum)]
    pub completions: Option<clap_complete::Shell>,

    /// Print the man page (roff, for `man -l -`) and exit.
    #[arg(long = "man")]
    pub man: bool,
}

/// `-T`: what each displayed packet is printed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Summary line, tree (`-V`) and hex dump (`-x`).
    Text,
    /// The `-e` fields, one line per packet.
    Fields,
    /// One JSON array of packets.
    Json,
    /// One JSON object per line.
    #[value(alias = "ndjson")]
    Jsonl,
    /// Elasticsearch bulk lines (an index line, then the packet; with -e, those fields).
    Ek,
}

/// `-t`: tshark's time formats, by tshark's letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimeArg {
    /// Seconds since the first frame.
    #[value(name = "r")]
    Relative,
    /// Time of day.
    #[value(name = "a")]
    Absolute,
    /// Date and time of day.
    #[value(name = "ad")]
    AbsoluteDate,
    /// Seconds since the epoch.
    #[value(name = "e")]
    Epoch,
    /// Since the previous captured frame.
    #[value(name = "d")]
    Delta,
    /// Since the previous displayed frame.
    #[value(name = "dd")]
    DeltaDisplayed,
    /// UTC time of day.
    #[value(name = "u")]
    Utc,
    /// UTC date and time.
    #[value(name = "ud")]
    UtcDate,
}

impl From<TimeArg> for TimeFormat {
    fn from(t: TimeArg) -> TimeFormat {
        match t {
            TimeArg::Relative => TimeFormat::Relative,
            TimeArg::Absolute => TimeFormat::Absolute,
            TimeArg::AbsoluteDate => TimeFormat::AbsoluteDate,
            TimeArg::Epoch => TimeFormat::Epoch,
            TimeArg::Delta => TimeFormat::Delta,
            TimeArg::DeltaDisplayed => TimeFormat::DeltaDisplayed,
            TimeArg::Utc => TimeFormat::Utc,
            TimeArg::UtcDate => TimeFormat::UtcDate,
        }
    }
}

/// `-F`: the format `-w` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WriteFormat {
    /// Classic pcap.
    #[value(alias = "libpcap")]
    Pcap,
    /// pcapng.
    Pcapng,
    /// Apache Parquet tables in a directory (packets, conns, tftp).
    Parquet,
}

impl WriteFormat {
    /// The capture format, `None` for the Parquet export.
    pub fn capture_format(self) -> Option<CaptureFormat> {
        match self {
            WriteFormat::Pcap => Some(CaptureFormat::Pcap),
            WriteFormat::Pcapng => Some(CaptureFormat::Pcapng),
            WriteFormat::Parquet => None,
        }
    }
}

/// `--compress`: how `-F parquet` compresses its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompressArg {
    /// Snappy (default).
    Snappy,
    /// Zstandard.
    Zstd,
    /// No compression.
    None,
}

impl From<CompressArg> for crate::output::parquet::Compression {
    fn from(c: CompressArg) -> Self {
        use crate::output::parquet::Compression;
        match c {
            CompressArg::Snappy => Compression::Snappy,
            CompressArg::Zstd => Compression::Zstd,
            CompressArg::None => Compression::None,
        }
    }
}

/// `-G`: which registry table to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Glossary {
    /// Every field: name, label, type, protocol.
    Fields,
    /// Every protocol.
    Protocols,
}

/// One `-E KEY=VALUE` option of `-T fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldOption {
    /// `header=y|n`.
    Header(bool),
    /// `separator=/t|/s|C`.
    Separator(String),
    /// `aggregator=C`.
    Aggregator(String),
    /// `occurrence=f|l|a`.
    Occurrence(Occurrence),
    /// `quote=d|s|n`.
    Quote(Quote),
}

impl FieldOption {
    /// Parses `KEY=VALUE` (clap's value parser for `-E`).
    ///
    /// # Errors
    /// No `=`, an unknown key, or a value the key does not take.
    pub fn parse(kv: &str) -> Result<FieldOption, String> {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("invalid -E option \"{kv}\" (use KEY=VALUE)"))?;
        let bad = || format!("invalid value \"{v}\" for -E {k}");
        Ok(match k {
            "header" => FieldOption::Header(matches!(v, "y" | "Y" | "yes")),
            "separator" => FieldOption::Separator(decode_separator(v)),
            "aggregator" => FieldOption::Aggregator(decode_separator(v)),
            "occurrence" => FieldOption::Occurrence(match v {
                "f" => Occurrence::First,
                "l" => Occurrence::Last,
                "a" => Occurrence::All,
                _ => return Err(bad()),
            }),
            "quote" => FieldOption::Quote(match v {
                "d" => Quote::Double,
                "s" => Quote::Single,
                "n" => Quote::None,
                _ => return Err(bad()),
            }),
            _ => return Err(format!("unknown -E option \"{k}\"")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Args {
        Args::try_parse_from(std::iter::once("wiresift").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn read_and_filter() {
        let a = parse(&["-r", "x.pcap", "-Y", "tcp"]);
        assert_eq!(a.read_file.as_deref(), Some("x.pcap"));
        assert_eq!(a.display_filter.as_deref(), Some("tcp"));
    }

    #[test]
    fn fields_are_repeatable() {
        let a = parse(&[
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "ip.src",
            "-E",
            "header=y",
        ]);
        assert_eq!(a.fields, vec!["frame.number", "ip.src"]);
        assert_eq!(a.field_options, vec![FieldOption::Header(true)]);
        assert_eq!(a.output_format, OutputFormat::Fields);
    }

    #[test]
    fn glossary_defaults_to_fields() {
        assert_eq!(parse(&["-G"]).glossary, Some(Glossary::Fields));
        assert_eq!(
            parse(&["-G", "protocols"]).glossary,
            Some(Glossary::Protocols)
        );
    }

    #[test]
    fn live_capture_flags() {
        let a = parse(&[
            "-i",
            "lo",
            "-f",
            "udp port 53",
            "-s",
            "128",
            "-p",
            "-a",
            "duration:3",
            "-B",
            "4",
            "-c",
            "10",
            "--user",
            "nobody",
        ]);
        assert_eq!(a.interface.as_deref(), Some("lo"));
        assert_eq!(a.capture_filter.as_deref(), Some("udp port 53"));
        assert_eq!((a.snaplen, a.no_promiscuous), (Some(128), true));
        assert_eq!(a.autostop, vec!["duration:3"]);
        assert_eq!((a.buffer_size, a.count), (Some(4), Some(10)));
        assert_eq!(a.user.as_deref(), Some("nobody"));
        assert!(parse(&["-D"]).list_interfaces);
        assert!(!parse(&["-r", "x"]).list_interfaces);
        assert_eq!(parse(&["--interface", "2"]).interface.as_deref(), Some("2"));
    }

    #[test]
    fn write_flags() {
        let a = parse(&["-r", "in.pcap", "-w", "out.pcapng", "-F", "pcapng", "-P"]);
        assert_eq!(a.write_file.as_deref(), Some("out.pcapng"));
        assert_eq!(a.write_format, Some(WriteFormat::Pcapng));
        assert!(a.print_summary);
        assert_eq!(parse(&["-w", "-"]).write_file.as_deref(), Some("-"));
        assert_eq!(parse(&["-w", "x"]).write_format, None);
    }

    #[test]
    fn stats_are_repeatable() {
        let a = parse(&["-z", "tcp,states", "-z", "conv,tcp", "-q"]);
        assert_eq!(a.stats, vec!["tcp,states", "conv,tcp"]);
        assert!(a.quiet);
    }

    #[test]
    fn export_objects() {
        let a = parse(&["--export-objects", "tftp,out"]);
        assert_eq!(a.export_objects.as_deref(), Some("tftp,out"));
        assert!(parse(&[]).export_objects.is_none());
    }

    #[test]
    fn filters_may_start_with_a_minus_and_can_be_listed() {
        let a = parse(&["-Y", "-udp.srcport == -69", "--list-filters"]);
        assert_eq!(a.display_filter.as_deref(), Some("-udp.srcport == -69"));
        assert!(a.list_filters);
    }

    #[test]
    fn count_and_time() {
        let a = parse(&["-c", "5", "-t", "e", "-n"]);
        assert_eq!(
            (a.count, a.time_format, a.no_resolve),
            (Some(5), TimeArg::Epoch, true)
        );
    }

    #[test]
    fn field_options_are_typed() {
        use crate::output::fields::{Occurrence, Quote};
        assert_eq!(
            FieldOption::parse("header=n"),
            Ok(FieldOption::Header(false))
        );
        assert_eq!(
            FieldOption::parse("separator=/t"),
            Ok(FieldOption::Separator("\t".into()))
        );
        assert_eq!(
            FieldOption::parse("occurrence=l"),
            Ok(FieldOption::Occurrence(Occurrence::Last))
        );
        assert_eq!(
            FieldOption::parse("quote=s"),
            Ok(FieldOption::Quote(Quote::Single))
        );
        assert!(
            FieldOption::parse("quote=x")
                .unwrap_err()
                .contains("invalid value")
        );
        assert!(
            FieldOption::parse("colour=y")
                .unwrap_err()
                .contains("unknown -E option")
        );
        assert!(
            FieldOption::parse("header")
                .unwrap_err()
                .contains("KEY=VALUE")
        );
    }

    #[test]
    fn value_enums_take_tsharks_spellings() {
        assert_eq!(parse(&["-T", "ndjson"]).output_format, OutputFormat::Jsonl);
        assert_eq!(parse(&["-t", "dd"]).time_format, TimeArg::DeltaDisplayed);
        assert_eq!(
            parse(&["-w", "x", "-F", "libpcap"]).write_format,
            Some(WriteFormat::Pcap)
        );
        for bad in [
            &["-T", "xml"][..],
            &["-t", "q"],
            &["-G", "x"],
            &["-F", "erf"],
        ] {
            let words = std::iter::once("wiresift").chain(bad.iter().copied());
            assert!(Args::try_parse_from(words).is_err(), "{bad:?}");
        }
    }
}
