//! Statistics and reports printed after the packets (`-z ...`), and object export
//! (`--export-objects tftp,DIR`).
//!
//! Reports see every frame after the trackers ran, with whether it passed `-Y`. Unlike TShark
//! (which ignores `-Y` for `-z`), wiresift applies the display filter to every report:
//! `tcp,states`, `tcp,trace` and `tftp,transfers` list the connections or transfers that have
//! at least one frame passing the filter; `conv,*` and `endpoints,*` count only the frames
//! that pass. Without `-Y` the numbers are TShark's. Exports are not filtered.

pub mod conv;
pub mod dns;
pub mod expert;
pub mod follow;
pub mod http;
pub mod iostat;
pub mod phs;
pub mod tables;
pub mod tcp;
pub mod tftp;
pub mod tree;

use crate::dissect::{Depth, Dissection, IpAddr};
use crate::fields::Needs;
use crate::filter::Filter;
use crate::output::report::{Format, Table, secs};
use serde_json::{Value, json};
use std::io::{self, Write};
use std::path::PathBuf;

/// One `-z` report. The reports that carry arguments (follow, io,phs, io,stat) hold an index
/// into their list in [`StatsConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSpec {
    /// `tcp,states`.
    TcpStates,
    /// `tcp,trace`.
    TcpTrace,
    /// `tftp,transfers`.
    TftpTransfers,
    /// `conv,tcp`, `conv,udp`, `conv,ip`, `endpoints,ip`.
    Conv(conv::ConvKind),
    /// `follow,tcp|udp,MODE,STREAM`: [`StatsConfig::follows`]`[i]`.
    Follow(usize),
    /// `io,phs[,FILTER]`: [`StatsConfig::hierarchies`]`[i]`.
    Phs(usize),
    /// `io,stat,INTERVAL[,FILTER...]`: [`StatsConfig::io_stats`]`[i]`.
    IoStat(usize),
    /// `expert[,LEVEL[,FILTER]]`: [`StatsConfig::experts`]`[i]`.
    Expert(usize),
    /// `http,tree`, `http_req,tree`, `http_srv,tree`, `dns,tree` (each `[,FILTER]`):
    /// [`StatsConfig::trees`]`[i]`.
    Tree(usize),
}

/// The `-z` values wiresift knows.
pub const KNOWN_SPECS: &[&str] = &[
    "tcp,states",
    "tcp,trace",
    "tftp,transfers",
    "conv,eth",
    "conv,tcp",
    "conv,udp",
    "conv,ip",
    "endpoints,ip",
    "endpoints,tcp",
    "endpoints,udp",
    "follow,tcp|udp,ascii|hex|raw,STREAM",
    "io,phs[,FILTER]",
    "io,stat,INTERVAL[,FILTER...]",
    "expert[,error|warn|note|chat|comment[,FILTER]]",
    "http,tree[,FILTER]",
    "http_req,tree[,FILTER] (or http,req)",
    "http_srv,tree[,FILTER]",
    "dns,tree[,FILTER]",
];

/// The counter trees by their `-z` names (`http,req` is wiresift's alias of `http_req,tree`).
const TREES: [(&str, TreeKind); 5] = [
    ("http,tree", TreeKind::Http(http::HttpTreeKind::Packets)),
    (
        "http_req,tree",
        TreeKind::Http(http::HttpTreeKind::Requests),
    ),
    ("http,req", TreeKind::Http(http::HttpTreeKind::Requests)),
    ("http_srv,tree", TreeKind::Http(http::HttpTreeKind::Load)),
    ("dns,tree", TreeKind::Dns),
];

/// Which counter tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeKind {
    /// One of the HTTP trees.
    Http(http::HttpTreeKind),
    /// `dns,tree`.
    Dns,
}

/// A `-z` counter tree request: its kind, name as given, and tap filter.
#[derive(Debug, Clone)]
pub struct TreeSpec {
    /// Which tree.
    pub kind: TreeKind,
    /// The `-z` name (the JSON rows' report key).
    pub name: &'static str,
    /// The tap filter and its text.
    pub filter: Option<(Filter, String)>,
}

impl TreeSpec {
    /// Parses `NAME[,FILTER]` for the counter trees; `None` when `arg` names none.
    fn parse(arg: &str) -> Option<Result<TreeSpec, String>> {
        let (name, kind) = TREES.iter().find(|(name, _)| {
            arg == *name || arg.strip_prefix(name).is_some_and(|r| r.starts_with(','))
        })?;
        let text = arg[name.len()..].strip_prefix(',').unwrap_or("");
        let filter = if text.is_empty() {
            None
        } else {
            match compile_tap_filter(text) {
                Ok(f) => Some((f, text.to_string())),
                Err(e) => return Some(Err(e)),
            }
        };
        Some(Ok(TreeSpec {
            kind: *kind,
            name,
            filter,
        }))
    }
}

/// The conversation and endpoint tables by their `-z` names.
const CONV_TABLES: [(&str, conv::ConvKind); 7] = [
    ("conv,eth", conv::ConvKind::Eth),
    ("conv,tcp", conv::ConvKind::Tcp),
    ("conv,udp", conv::ConvKind::Udp),
    ("conv,ip", conv::ConvKind::Ip),
    ("endpoints,ip", conv::ConvKind::EndpointsIp),
    ("endpoints,tcp", conv::ConvKind::EndpointsTcp),
    ("endpoints,udp", conv::ConvKind::EndpointsUdp),
];

impl ReportSpec {
    /// Parses a `-z` value without arguments.
    fn parse_plain(s: &str) -> Option<ReportSpec> {
        Some(match s {
            "tcp,states" => ReportSpec::TcpStates,
            "tcp,trace" => ReportSpec::TcpTrace,
            "tftp,transfers" => ReportSpec::TftpTransfers,
            _ => {
                let (_, kind) = CONV_TABLES.iter().find(|(name, _)| *name == s)?;
                ReportSpec::Conv(*kind)
            }
        })
    }

    /// The name as given on the command line (the report key of JSON rows).
    pub fn name(self, cfg: &StatsConfig) -> String {
        match self {
            ReportSpec::TcpStates => "tcp,states".into(),
            ReportSpec::TcpTrace => "tcp,trace".into(),
            ReportSpec::TftpTransfers => "tftp,transfers".into(),
            ReportSpec::Conv(k) => CONV_TABLES
                .iter()
                .find(|(_, kind)| *kind == k)
                .map_or("conv", |(name, _)| name)
                .into(),
            ReportSpec::Follow(i) => cfg.follows[i].arg.clone(),
            ReportSpec::Phs(_) => "io,phs".into(),
            ReportSpec::IoStat(_) => "io,stat".into(),
            ReportSpec::Expert(_) => "expert".into(),
            ReportSpec::Tree(i) => cfg.trees[i].name.into(),
        }
    }
}

/// Compiles a report's own filter, the error rendered with its caret line.
fn compile_tap_filter(text: &str) -> Result<Filter, String> {
    Filter::compile(text).map_err(|e| e.render(text))
}

/// Parses `--export-objects tftp,DIR`.
///
/// # Errors
/// Only the `tftp` type is supported, and DIR must not be empty.
pub fn parse_export(s: &str) -> Result<PathBuf, String> {
    match s.split_once(',') {
        Some(("tftp", dir)) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        Some((kind, _)) if kind != "tftp" => Err(format!(
            "invalid --export-objects type \"{kind}\" (only tftp is supported)"
        )),
        _ => Err(format!(
            "invalid --export-objects argument \"{s}\" (use tftp,DIRECTORY)"
        )),
    }
}

/// What the reports of a run are.
#[derive(Debug, Clone, Default)]
pub struct StatsConfig {
    /// `-z` reports, in command-line order.
    pub specs: Vec<ReportSpec>,
    /// `--export-objects tftp,DIR`.
    pub export_tftp: Option<PathBuf>,
    /// Output format of the reports (follows `-T`).
    pub format: Format,
    /// `-F parquet`: the connection and transfer tables, written at the end.
    pub tables: Option<crate::output::parquet::Target>,
    /// The `follow,...` requests, indexed by [`ReportSpec::Follow`].
    pub follows: Vec<follow::FollowSpec>,
    /// The `io,phs` requests, indexed by [`ReportSpec::Phs`].
    pub hierarchies: Vec<phs::PhsSpec>,
    /// The `io,stat` requests, indexed by [`ReportSpec::IoStat`].
    pub io_stats: Vec<iostat::IoStatSpec>,
    /// The `expert` requests, indexed by [`ReportSpec::Expert`].
    pub experts: Vec<expert::ExpertSpec>,
    /// The counter trees, indexed by [`ReportSpec::Tree`].
    pub trees: Vec<TreeSpec>,
    /// `-n`: `conv,eth` shows MAC addresses without vendor names.
    pub numeric_macs: bool,
}

impl StatsConfig {
    /// Adds the report a `-z` value asks for.
    ///
    /// # Errors
    /// An unknown report (the message lists the known ones), or bad arguments.
    pub fn add(&mut self, arg: &str) -> Result<(), String> {
        let spec = if let Some(spec) = ReportSpec::parse_plain(arg) {
            spec
        } else if let Some(rest) = arg.strip_prefix("follow,") {
            self.follows.push(follow::FollowSpec::parse(rest)?);
            ReportSpec::Follow(self.follows.len() - 1)
        } else if arg == "io,phs" || arg.starts_with("io,phs,") {
            let text = arg.strip_prefix("io,phs,").unwrap_or("");
            let filter = if text.is_empty() {
                None
            } else {
                Some((compile_tap_filter(text)?, text.to_string()))
            };
            self.hierarchies.push(phs::PhsSpec { filter });
            ReportSpec::Phs(self.hierarchies.len() - 1)
        } else if let Some(rest) = arg.strip_prefix("io,stat,") {
            self.io_stats
                .push(iostat::IoStatSpec::parse(rest, compile_tap_filter)?);
            ReportSpec::IoStat(self.io_stats.len() - 1)
        } else if let Some(tree) = TreeSpec::parse(arg) {
            self.trees.push(tree?);
            ReportSpec::Tree(self.trees.len() - 1)
        } else if arg == "expert" || arg.starts_with("expert,") {
            let rest = arg.strip_prefix("expert").unwrap_or("");
            self.experts
                .push(expert::ExpertSpec::parse(rest, compile_tap_filter)?);
            ReportSpec::Expert(self.experts.len() - 1)
        } else {
            return Err(format!(
                "invalid -z argument \"{arg}\" (known: {})",
                KNOWN_SPECS.join(", ")
            ));
        };
        self.specs.push(spec);
        Ok(())
    }

    /// The display filters the reports evaluate themselves.
    fn tap_filters(&self) -> impl Iterator<Item = &Filter> {
        let phs = self.hierarchies.iter().filter_map(|h| h.filter.as_ref());
        phs.map(|(f, _)| f)
            .chain(self.io_stats.iter().flat_map(|s| s.filters()))
            .chain(
                self.experts
                    .iter()
                    .filter_map(|e| e.filter.as_ref().map(|(f, _)| f)),
            )
            .chain(
                self.trees
                    .iter()
                    .filter_map(|t| t.filter.as_ref().map(|(f, _)| f)),
            )
    }

    /// True when nothing is asked.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty() && self.export_tftp.is_none() && self.tables.is_none()
    }

    /// Raises the trackers and depth so the reports see what they need.
    pub fn requirements(&self, needs: Needs, depth: Depth) -> (Needs, Depth) {
        if self.is_empty() {
            return (needs, depth);
        }
        let tables = self.tables.is_some();
        // The expert summary reads the TCP analysis and the TFTP layers on any port.
        let experts = !self.experts.is_empty();
        let tftp = tables
            || experts
            || self.export_tftp.is_some()
            || self.specs.contains(&ReportSpec::TftpTransfers)
            || self.specs.contains(&ReportSpec::Conv(conv::ConvKind::Udp));
        // TCP reports and conversations are keyed by tcp.stream, UDP ones by udp.stream,
        // and the endpoints count the frames those trackers take; the IP and Ethernet
        // reports need neither tracker.
        let wants = |s: ReportSpec| self.specs.contains(&s);
        let tcp = tables
            || wants(ReportSpec::TcpStates)
            || wants(ReportSpec::TcpTrace)
            || wants(ReportSpec::Conv(conv::ConvKind::Tcp))
            || wants(ReportSpec::Conv(conv::ConvKind::EndpointsTcp));
        let follows = |p: follow::FollowProto| self.follows.iter().any(|f| f.proto == p);
        // The HTTP trees count messages reassembled over segments (the PDU tracker).
        let http_trees = self
            .trees
            .iter()
            .any(|t| matches!(t.kind, TreeKind::Http(_)));
        let tcp = tcp || experts || http_trees || follows(follow::FollowProto::Tcp);
        let udp = tables
            || wants(ReportSpec::Conv(conv::ConvKind::Udp))
            || wants(ReportSpec::Conv(conv::ConvKind::EndpointsUdp))
            || follows(follow::FollowProto::Udp);
        let needs = if tcp { needs.union(Needs::TCP) } else { needs };
        let needs = if udp { needs.union(Needs::UDP) } else { needs };
        let needs = if tftp {
            needs.union(Needs::TFTP)
        } else {
            needs
        };
        let needs = self.tap_filters().fold(needs, |n, f| n.union(f.needs()));
        let depth = self.tap_filters().fold(depth, |d, f| d.max(f.depth()));
        // The hierarchy reads `frame.protocols`; io,stat its calculations' fields.
        let phs = !self.hierarchies.is_empty();
        let protocols = crate::fields::registry().lookup("frame.protocols");
        let fields = self.io_stats.iter().flat_map(|s| s.fields());
        let fields = fields.chain(protocols.filter(|_| phs));
        let (field_needs, field_depth) = crate::fields::requirements_of(fields);
        let (needs, depth) = (needs.union(field_needs), depth.max(field_depth));
        let full = tftp || phs || !self.trees.is_empty();
        (
            needs,
            depth.max(if full { Depth::All } else { Depth::Transport }),
        )
    }
}

/// The running reports of one capture.
pub struct Reports {
    cfg: StatsConfig,
    tcp: Option<tcp::TcpConnections>,
    tftp: Option<tftp::TftpTransfers>,
    conv: Vec<conv::ConvTable>,
    /// `conv,eth`.
    eth: Option<conv::ConvTable<conv::Mac>>,
    /// The first frame's time (the origin of relative times), for the export tables.
    origin: Option<crate::capture::Timestamp>,
    /// `-F parquet`'s `conns` table, written as connections end.
    conns: Option<tables::StreamedTable>,
    /// Frames seen, to sweep finished connections into `conns` now and then.
    frames: u64,
    follows: Vec<follow::Follower>,
    hierarchies: Vec<phs::Hierarchy>,
    io_stats: Vec<iostat::IoStat>,
    experts: Vec<expert::ExpertTable>,
    trees: Vec<CounterTree>,
}

/// A running counter tree.
enum CounterTree {
    Http(http::HttpTree),
    Dns(dns::DnsTree),
}

impl CounterTree {
    fn new(spec: &TreeSpec) -> CounterTree {
        let filter = spec.filter.as_ref().map(|(f, _)| f.clone());
        match spec.kind {
            TreeKind::Http(kind) => CounterTree::Http(http::HttpTree::new(kind, filter)),
            TreeKind::Dns => CounterTree::Dns(dns::DnsTree::new(filter)),
        }
    }

    fn observe(&mut self, d: &Dissection<'_>, passed: bool) {
        match self {
            CounterTree::Http(t) if passed => t.observe(d),
            CounterTree::Http(_) => {}
            CounterTree::Dns(t) => t.observe(d, passed),
        }
    }

    fn section(&self, report: &str) -> Section {
        match self {
            CounterTree::Http(t) => Section::shaped(t.text(), t.json(report)),
            CounterTree::Dns(t) => Section::shaped(t.text(), t.json(report)),
        }
    }
}

/// Frames between two sweeps of finished connections into the `conns` table.
const CONNS_SWEEP_EVERY: u64 = 16_384;

impl Reports {
    /// Reports for a configuration.
    pub fn new(cfg: &StatsConfig) -> Reports {
        let wants = |s: ReportSpec| cfg.specs.contains(&s);
        let tables = cfg.tables.is_some();
        let tcp = (tables || wants(ReportSpec::TcpStates) || wants(ReportSpec::TcpTrace))
            .then(|| tcp::TcpConnections::new(wants(ReportSpec::TcpTrace)));
        let tftp = (tables || wants(ReportSpec::TftpTransfers) || cfg.export_tftp.is_some())
            .then(|| tftp::TftpTransfers::new(cfg.export_tftp.is_some()));
        let mut conv: Vec<conv::ConvTable> = cfg
            .specs
            .iter()
            .filter_map(|s| match s {
                ReportSpec::Conv(conv::ConvKind::Eth) => None,
                ReportSpec::Conv(k) => Some(conv::ConvTable::new(*k)),
                _ => None,
            })
            .collect();
        let eth = wants(ReportSpec::Conv(conv::ConvKind::Eth))
            .then(|| conv::ConvTable::new(conv::ConvKind::Eth));
        let udp = conv::ConvKind::Udp;
        if tables && !conv.iter().any(|c| c.kind == udp) {
            conv.push(conv::ConvTable::new(udp));
        }
        Reports {
            cfg: cfg.clone(),
            tcp,
            tftp,
            conv,
            eth,
            origin: None,
            conns: cfg
                .tables
                .as_ref()
                .map(|t| tables::StreamedTable::new(t, "conns")),
            frames: 0,
            follows: cfg
                .follows
                .iter()
                .cloned()
                .map(follow::Follower::new)
                .collect(),
            hierarchies: cfg
                .hierarchies
                .iter()
                .cloned()
                .map(phs::Hierarchy::new)
                .collect(),
            io_stats: cfg
                .io_stats
                .iter()
                .cloned()
                .map(iostat::IoStat::new)
                .collect(),
            experts: cfg
                .experts
                .iter()
                .cloned()
                .map(expert::ExpertTable::new)
                .collect(),
            trees: cfg.trees.iter().map(CounterTree::new).collect(),
        }
    }

    /// Feeds one frame; `passed` is whether it passed the display filter.
    pub fn observe(&mut self, d: &Dissection<'_>, passed: bool) {
        if self.origin.is_none() && !d.frame.ts.is_none() {
            let first = d.frame.ts.as_nanos() - d.times.relative;
            self.origin = Some(crate::capture::Timestamp::from_nanos(first));
        }
        if let Some(t) = &mut self.tcp {
            t.observe(d, passed);
        }
        if let Some(t) = &mut self.tftp {
            t.observe(d, passed);
        }
        // Follow selects its own frames, as TShark's does (see `follow`).
        for f in &mut self.follows {
            f.observe(d);
        }
        for s in &mut self.io_stats {
            s.observe_time(d);
        }
        // The DNS tree matches requests with responses on every frame.
        for t in &mut self.trees {
            t.observe(d, passed);
        }
        if passed {
            for c in &mut self.conv {
                c.observe(d);
            }
            if let Some(e) = &mut self.eth {
                e.observe(d);
            }
            for h in &mut self.hierarchies {
                h.observe(d);
            }
            for e in &mut self.experts {
                e.observe(d);
            }
            for s in &mut self.io_stats {
                s.observe(d);
            }
        }
        self.frames += 1;
        if self.conns.is_some() && self.frames.is_multiple_of(CONNS_SWEEP_EVERY) {
            self.sweep_conns(d.times.relative);
        }
    }

    /// Writes the connections that ended into the `conns` table, unless a printed report
    /// still needs them: TCP connections finished so far, UDP conversations idle for
    /// [`UDP_IDLE_NS`](crate::track::udp::UDP_IDLE_NS).
    fn sweep_conns(&mut self, now_ns: i128) {
        let (Some(conns), Some(target)) = (&mut self.conns, &self.cfg.tables) else {
            return;
        };
        let origin = self.origin.unwrap_or_default();
        let wants = |s: ReportSpec| self.cfg.specs.contains(&s);
        if let Some(t) = &mut self.tcp
            && !wants(ReportSpec::TcpStates)
            && !wants(ReportSpec::TcpTrace)
        {
            conns.push_tcp(&target.capture, origin, &t.take_finished());
        }
        let udp = conv::ConvKind::Udp;
        if let Some(c) = self.conv.iter_mut().find(|c| c.kind == udp)
            && !wants(ReportSpec::Conv(udp))
        {
            let idle = c.take_idle(now_ns, crate::track::udp::UDP_IDLE_NS);
            conns.push_udp(&target.capture, origin, &idle);
        }
    }

    /// Prints the reports on `out` (after the packets) and writes exports, reporting
    /// them on `log`.
    ///
    /// # Errors
    /// Write errors, and an export directory that cannot be used.
    pub fn finish(self, out: &mut dyn Write, log: &mut dyn Write) -> io::Result<()> {
        let tcp = self.tcp.map(|t| t.into_report());
        let mut objects: Vec<Value> = Vec::new();
        for spec in &self.cfg.specs {
            let section = match *spec {
                ReportSpec::TcpStates => tcp.as_ref().map(tcp_states),
                ReportSpec::TcpTrace => tcp.as_ref().map(tcp_trace),
                ReportSpec::TftpTransfers => self.tftp.as_ref().map(tftp_transfers),
                ReportSpec::Conv(conv::ConvKind::Eth) => self
                    .eth
                    .as_ref()
                    .map(|e| conversations(e, self.cfg.numeric_macs)),
                ReportSpec::Conv(k) => self
                    .conv
                    .iter()
                    .find(|c| c.kind == k)
                    .map(|c| conversations(c, self.cfg.numeric_macs)),
                ReportSpec::Follow(i) => {
                    let f = &self.follows[i];
                    Some(Section::shaped(f.text(), f.json()))
                }
                ReportSpec::Phs(i) => {
                    let h = &self.hierarchies[i];
                    Some(Section::shaped(h.text(), h.json()))
                }
                ReportSpec::IoStat(i) => {
                    let s = &self.io_stats[i];
                    Some(Section::shaped(s.text(), s.json()))
                }
                ReportSpec::Expert(i) => {
                    let e = &self.experts[i];
                    Some(Section::shaped(e.text(), e.json()))
                }
                ReportSpec::Tree(i) => Some(self.trees[i].section(self.cfg.trees[i].name)),
            };
            let Some(section) = section else { continue };
            let name = spec.name(&self.cfg);
            match self.cfg.format {
                Format::Text => section.write_text(out)?,
                Format::Json => objects.extend(section.json(&name)),
                Format::Jsonl => {
                    for o in section.json(&name) {
                        writeln!(out, "{o}")?;
                    }
                }
            }
        }
        if self.cfg.format == Format::Json && !self.cfg.specs.is_empty() {
            let text =
                serde_json::to_string_pretty(&Value::Array(objects)).map_err(io::Error::other)?;
            writeln!(out, "{text}")?;
        }
        out.flush()?;
        if let (Some(target), Some(mut conns)) = (&self.cfg.tables, self.conns) {
            let origin = self.origin.unwrap_or_default();
            let capture = &target.capture;
            if let Some(t) = &tcp {
                conns.push_tcp(capture, origin, &t.rows);
            }
            if let Some(c) = self.conv.iter().find(|c| c.kind == conv::ConvKind::Udp) {
                conns.push_udp(capture, origin, &c.sorted());
            }
            conns.close().map_err(io::Error::other)?;
            let mut transfers = tables::StreamedTable::new(target, "tftp");
            if let Some(t) = &self.tftp {
                transfers.push_tftp(capture, origin, t.transfers());
            }
            transfers.close().map_err(io::Error::other)?;
        }
        if let (Some(dir), Some(t)) = (&self.cfg.export_tftp, &self.tftp) {
            let n = t.export(dir, log)?;
            writeln!(log, "tftp: {n} object(s) written to {}", dir.display())?;
        }
        Ok(())
    }
}

/// A report ready to print: a title, a table, and notes (limits hit, warnings).
pub struct Section {
    title: String,
    table: Table,
    notes: Vec<String>,
    /// Text form when it is not the table (the trace prints one line per change).
    lines: Option<Vec<String>>,
    /// TShark's own text and JSON rows, for the reports printed in TShark's layout.
    shaped: Option<(String, Vec<Value>)>,
}

impl Section {
    /// A report with TShark's text layout and its own JSON rows.
    fn shaped(text: String, rows: Vec<Value>) -> Section {
        Section {
            title: String::new(),
            table: Table::new(&[]),
            notes: Vec::new(),
            lines: None,
            shaped: Some((text, rows)),
        }
    }

    fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        if let Some((text, _)) = &self.shaped {
            return out.write_all(text.as_bytes());
        }
        writeln!(out, "{}", self.title)?;
        match &self.lines {
            Some(lines) => lines.iter().try_for_each(|l| writeln!(out, "{l}"))?,
            None => writeln!(out, "{}", self.table.render())?,
        }
        for n in &self.notes {
            writeln!(out, "{n}")?;
        }
        Ok(())
    }

    fn json(&self, report: &str) -> Vec<Value> {
        if let Some((_, rows)) = &self.shaped {
            return rows.clone();
        }
        let mut v = self.table.json_rows(report);
        for n in &self.notes {
            v.push(json!({"report": report, "note": n}));
        }
        v
    }
}

/// `addr:port`, IPv6 as `[addr]:port`.
pub fn endpoint(e: (IpAddr, u16)) -> String {
    match e.0 {
        IpAddr::V4(_) => format!("{}:{}", e.0, e.1),
        IpAddr::V6(_) => format!("[{}]:{}", e.0, e.1),
    }
}

fn tcp_states(r: &tcp::TcpReport) -> Section {
    let mut t = Table::new(&[
        "stream",
        "client",
        "server",
        "handshake",
        "irtt",
        "closed_first",
        "teardown",
        "client_state",
        "server_state",
        "conn_state",
        "history",
        "completeness",
        "pkts_c2s",
        "bytes_c2s",
        "pkts_s2c",
        "bytes_s2c",
        "duration",
    ]);
    for row in r.rows.iter().filter(|x| x.selected) {
        let inferred = if row.client_inferred {
            " (inferred)"
        } else {
            ""
        };
        t.row(vec![
            Value::from(row.stream),
            Value::from(format!("{}{inferred}", endpoint(row.client))),
            Value::from(endpoint(row.server)),
            Value::from(row.handshake),
            row.irtt_ns.map_or(Value::Null, secs),
            Value::from(row.closed_first),
            Value::from(row.teardown),
            Value::from(row.client_state.clone()),
            Value::from(row.server_state.clone()),
            Value::from(row.conn_state),
            Value::from(row.history.clone()),
            Value::from(row.completeness),
            Value::from(row.c2s.0),
            Value::from(row.c2s.1),
            Value::from(row.s2c.0),
            Value::from(row.s2c.1),
            secs(row.duration_ns),
        ]);
    }
    let mut notes = limit_notes(r);
    for ((addr, port), n) in &r.syn_flood {
        notes.push(format!(
            "possible SYN flood: {} received {n} connection attempts that never completed \
             (threshold SYN_FLOOD_THRESHOLD = {})",
            endpoint((*addr, *port)),
            tcp::SYN_FLOOD_THRESHOLD
        ));
    }
    Section {
        title: "TCP connection states (bytes = TCP payload; times in seconds)".into(),
        table: t,
        notes,
        lines: None,
        shaped: None,
    }
}

fn limit_notes(r: &tcp::TcpReport) -> Vec<String> {
    let mut notes = Vec::new();
    if r.evicted_early > 0 {
        notes.push(format!(
            "limit: {} connection(s) finished early because MAX_ACTIVE_CONNECTIONS ({}) were live",
            r.evicted_early,
            tcp::MAX_ACTIVE_CONNECTIONS
        ));
    }
    if r.rows_dropped > 0 {
        notes.push(format!(
            "limit: {} connection(s) not listed (MAX_REPORT_ROWS = {})",
            r.rows_dropped,
            tcp::MAX_REPORT_ROWS
        ));
    }
    if r.trace_dropped > 0 {
        notes.push(format!(
            "limit: {} state change(s) not traced (MAX_TRACE_EVENTS = {})",
            r.trace_dropped,
            tcp::MAX_TRACE_EVENTS
        ));
    }
    if r.half_open_untracked > 0 {
        notes.push(format!(
            "limit: {} half-open attempt(s) not counted per server (MAX_HALF_OPEN_SERVERS = {})",
            r.half_open_untracked,
            tcp::MAX_HALF_OPEN_SERVERS
        ));
    }
    notes
}

fn tcp_trace(r: &tcp::TcpReport) -> Section {
    let selected: std::collections::HashSet<u32> = r
        .rows
        .iter()
        .filter(|x| x.selected)
        .map(|x| x.stream)
        .collect();
    let mut t = Table::new(&[
        "stream", "frame", "time", "endpoint", "from", "to", "segment", "event", "tags",
    ]);
    let mut lines = Vec::new();
    let mut current = None;
    for e in r.trace.iter().filter(|e| selected.contains(&e.stream)) {
        if current != Some(e.stream) {
            current = Some(e.stream);
            if let Some(row) = r.rows.iter().find(|x| x.stream == e.stream) {
                let inferred = if row.client_inferred {
                    " (roles inferred)"
                } else {
                    ""
                };
                lines.push(format!(
                    "stream {}: client {} -> server {}{inferred}",
                    e.stream,
                    endpoint(row.client),
                    endpoint(row.server)
                ));
            }
        }
        let change = if e.from == e.to {
            format!("{} (no change)", e.from)
        } else {
            format!("{} -> {}", e.from, e.to)
        };
        let tags = if e.tags.is_empty() {
            String::new()
        } else {
            format!("  ({})", e.tags.join(", "))
        };
        lines.push(format!(
            "  #{:<6} {:>12.6}  {:<6} {:<28}  [{}]  {}{tags}",
            e.frame,
            e.time_ns as f64 / 1e9,
            e.endpoint,
            change,
            e.segment,
            e.event
        ));
        t.row(vec![
            Value::from(e.stream),
            Value::from(e.frame),
            secs(e.time_ns),
            Value::from(e.endpoint),
            Value::from(e.from.name()),
            Value::from(e.to.name()),
            Value::from(e.segment.clone()),
            Value::from(e.event),
            Value::from(e.tags.join(", ")),
        ]);
    }
    Section {
        title: "TCP state transitions (time in seconds since the first frame)".into(),
        table: t,
        notes: limit_notes(r),
        lines: Some(lines),
        shaped: None,
    }
}

fn tftp_transfers(t: &tftp::TftpTransfers) -> Section {
    let mut tab = Table::new(&[
        "request_frame",
        "file",
        "mode",
        "direction",
        "client",
        "server",
        "options",
        "blocks",
        "bytes",
        "duration",
        "result",
    ]);
    for x in t.transfers().iter().filter(|x| x.selected) {
        tab.row(vec![
            Value::from(x.request_frame),
            Value::from(x.file.clone()),
            Value::from(x.mode.clone()),
            Value::from(if x.is_read { "read" } else { "write" }),
            Value::from(endpoint(x.client)),
            Value::from(endpoint(x.server)),
            Value::from(x.options.join(" ")),
            Value::from(x.blocks),
            Value::from(x.bytes),
            secs(x.last_ns - x.first_ns),
            Value::from(x.outcome.to_string()),
        ]);
    }
    let mut notes = Vec::new();
    if t.dropped > 0 {
        notes.push(format!(
            "limit: {} transfer(s) not listed (MAX_TRANSFERS = {})",
            t.dropped,
            tftp::MAX_TRANSFERS
        ));
    }
    for x in t.transfers() {
        if let Some(n) = x.export_note {
            notes.push(format!("limit: {:?} not buffered for export: {n}", x.file));
        }
    }
    Section {
        title: "TFTP transfers (duration in seconds)".into(),
        table: tab,
        notes,
        lines: None,
        shaped: None,
    }
}

/// The `conv,*` or `endpoints,*` section of one table, with its limit note; `numeric` is
/// `-n` (no names in addresses).
fn conversations<A: conv::Address>(c: &conv::ConvTable<A>, numeric: bool) -> Section {
    use conv::ConvKind as K;
    let rows = c.sorted();
    let title = match c.kind {
        K::EndpointsIp => "IPv4 Endpoints",
        K::EndpointsTcp => "TCP Endpoints",
        K::EndpointsUdp => "UDP Endpoints",
        K::Eth => "Ethernet Conversations",
        K::Tcp => "TCP Conversations",
        K::Udp => "UDP Conversations",
        K::Ip => "IPv4 Conversations",
    };
    let tab = if c.kind.is_endpoints() {
        endpoints_table(c.kind, &rows, numeric)
    } else {
        conversations_table(c.kind, &rows, numeric)
    };
    let mut notes = Vec::new();
    if c.dropped_frames > 0 {
        notes.push(format!(
            "limit: {} frame(s) not counted (MAX_CONVERSATIONS = {})",
            c.dropped_frames,
            conv::MAX_CONVERSATIONS
        ));
    }
    Section {
        title: format!("{title} (bytes = frame bytes; times in seconds)"),
        table: tab,
        notes,
        lines: None,
        shaped: None,
    }
}

/// True for the tables whose endpoints have ports.
fn has_ports(kind: conv::ConvKind) -> bool {
    use conv::ConvKind as K;
    matches!(kind, K::Tcp | K::Udp | K::EndpointsTcp | K::EndpointsUdp)
}

/// An `endpoints,*` table: one row per address (and port), its traffic both ways and each way.
fn endpoints_table<A: conv::Address>(
    kind: conv::ConvKind,
    rows: &[conv::ConvRow<A>],
    numeric: bool,
) -> Table {
    let ports = has_ports(kind);
    let mut columns = vec!["address"];
    if ports {
        columns.push("port");
    }
    columns.extend([
        "packets",
        "bytes",
        "tx_packets",
        "tx_bytes",
        "rx_packets",
        "rx_bytes",
    ]);
    let mut tab = Table::new(&columns);
    for r in rows {
        let mut row = vec![Value::from(r.a.0.text(numeric))];
        if ports {
            row.push(Value::from(r.a.1));
        }
        row.extend([
            Value::from(r.ab.0 + r.ba.0),
            Value::from(r.ab.1 + r.ba.1),
            Value::from(r.ab.0),
            Value::from(r.ab.1),
            Value::from(r.ba.0),
            Value::from(r.ba.1),
        ]);
        tab.row(row);
    }
    tab
}

/// A `conv,*` table: one row per conversation, endpoints with ports for TCP and UDP.
fn conversations_table<A: conv::Address>(
    kind: conv::ConvKind,
    rows: &[conv::ConvRow<A>],
    numeric: bool,
) -> Table {
    let mut tab = Table::new(&[
        "a",
        "b",
        "frames_b_to_a",
        "bytes_b_to_a",
        "frames_a_to_b",
        "bytes_a_to_b",
        "frames",
        "bytes",
        "rel_start",
        "duration",
    ]);
    let text = |e: (A, u16)| {
        if has_ports(kind) {
            e.0.with_port(e.1, numeric)
        } else {
            e.0.text(numeric)
        }
    };
    for r in rows {
        tab.row(vec![
            Value::from(text(r.a)),
            Value::from(text(r.b)),
            Value::from(r.ba.0),
            Value::from(r.ba.1),
            Value::from(r.ab.0),
            Value::from(r.ab.1),
            Value::from(r.ab.0 + r.ba.0),
            Value::from(r.ab.1 + r.ba.1),
            secs(r.start_ns),
            secs(r.last_ns - r.start_ns),
        ]);
    }
    tab
}
