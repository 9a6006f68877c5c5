//! `-z expert[,LEVEL[,FILTER]]`: TShark's expert-information summary, for what wiresift
//! detects: malformed layers, the TCP handshake and teardown, TCP sequence analysis, resets,
//! and TFTP errors.
//!
//! Entries are counted per (severity, group, protocol, summary) in first-seen order, and
//! printed by severity, Errors first, in TShark 4.0's layout (`tap-expert.c`: a blank line,
//! `LABEL (TOTAL)`, a rule, the column heading, then `%12u %10s %18s  %s` rows). The
//! summaries are TShark's own strings (`packet-tcp.c` `ei_*`). A malformed layer is
//! summarised as TShark's exception is, "Malformed Packet (Exception occurred)"; the
//! specific length checks TShark reports as Protocol errors (bogus IPv4 header length, UDP
//! bad length, ...) are not collected yet, nor are the pcapng comments.

use crate::dissect::generated::analysis as a;
use crate::dissect::http::HttpKind;
use crate::dissect::{Dissection, Problem, Proto, View};
use crate::filter::Filter;
use crate::track::HashMap;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Distinct entries kept: each is one summary string; TShark's own summaries are few, but
/// "server port N" has one per port, so a port scan could otherwise grow the table without end.
pub const MAX_EXPERT_ENTRIES: usize = 100_000;
/// TCP streams whose closing initiator is remembered (one small entry each).
pub const MAX_CLOSING_STREAMS: usize = 1_000_000;

/// TShark's severities, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Errors.
    Error,
    /// Warnings.
    Warn,
    /// Notes.
    Note,
    /// Chats.
    Chat,
    /// Comments.
    Comment,
}

impl Severity {
    const ALL: [Severity; 5] = [
        Severity::Error,
        Severity::Warn,
        Severity::Note,
        Severity::Chat,
        Severity::Comment,
    ];

    /// The heading TShark prints (`Warns`).
    fn heading(self) -> &'static str {
        match self {
            Severity::Error => "Errors",
            Severity::Warn => "Warns",
            Severity::Note => "Notes",
            Severity::Chat => "Chats",
            Severity::Comment => "Comments",
        }
    }

    /// The name in `-z expert,LEVEL` and in JSON.
    fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warn => "warn",
            Severity::Note => "note",
            Severity::Chat => "chat",
            Severity::Comment => "comment",
        }
    }
}

/// The `-z expert` arguments.
#[derive(Debug, Clone)]
pub struct ExpertSpec {
    /// Entries less severe than this are left out (`-z expert,warn`).
    pub level: Severity,
    /// The tap's own filter and its text.
    pub filter: Option<(Filter, String)>,
}

impl ExpertSpec {
    /// Parses what follows `expert`: empty, `,LEVEL` or `,LEVEL,FILTER`.
    ///
    /// # Errors
    /// An unknown level, or a filter that does not compile.
    pub fn parse(
        rest: &str,
        compile: impl Fn(&str) -> Result<Filter, String>,
    ) -> Result<ExpertSpec, String> {
        let rest = rest.strip_prefix(',').unwrap_or(rest);
        let (level, filter) = rest.split_once(',').unwrap_or((rest, ""));
        let level = match level {
            "" => Severity::Comment,
            l => *Severity::ALL
                .iter()
                .find(|s| s.name() == l)
                .ok_or_else(|| {
                    format!(
                        "invalid -z expert level \"{l}\" (use error, warn, note, chat or comment)"
                    )
                })?,
        };
        let filter = match filter {
            "" => None,
            text => Some((compile(text)?, text.to_string())),
        };
        Ok(ExpertSpec { level, filter })
    }
}

/// One counted entry.
#[derive(Debug)]
struct Entry {
    severity: Severity,
    group: &'static str,
    protocol: &'static str,
    summary: String,
    frequency: u64,
}

/// The running summary.
#[derive(Debug)]
pub struct ExpertTable {
    spec: ExpertSpec,
    entries: Vec<Entry>,
    /// Entries by summary (looked up by `&str`, so counting allocates nothing).
    index: HashMap<String, Vec<usize>>,
    /// Per TCP stream: the (address, port) that sent the first FIN.
    closing: HashMap<u32, (crate::dissect::IpAddr, u16)>,
    /// Items not counted because the table was full.
    dropped: u64,
    /// Scratch for the summary being formatted.
    buf: String,
}

impl ExpertTable {
    /// An empty summary.
    pub fn new(spec: ExpertSpec) -> ExpertTable {
        ExpertTable {
            spec,
            entries: Vec::new(),
            index: HashMap::default(),
            closing: HashMap::default(),
            dropped: 0,
            buf: String::new(),
        }
    }

    /// The tap filter, if any.
    pub fn filter(&self) -> Option<&Filter> {
        self.spec.filter.as_ref().map(|(f, _)| f)
    }

    /// Counts the expert items of one frame (that passed the display filter).
    pub fn observe(&mut self, d: &Dissection<'_>) {
        if self.filter().is_some_and(|f| !f.matches(d)) {
            return;
        }
        let mut quoted = false;
        for layer in &d.layers {
            match &layer.view {
                // The headers an ICMP error quotes are dissected without their checks.
                View::Icmp(_) | View::Icmpv6(_) => quoted = true,
                View::Ipv4(_) if quoted => {}
                View::Tcp(t) => self.tcp(d, t),
                View::Tftp(t) if t.opcode() == crate::dissect::tftp::opcode::ERROR => {
                    self.add(Severity::Warn, "Response", "TFTP", "TFTP ERROR packet");
                }
                View::Ipv4(ip) => self.ipv4_ttl(ip),
                View::Http(h) => {
                    let proto = protocol_name(layer.proto);
                    for m in h.messages() {
                        self.http_line(proto, m.line);
                    }
                    // A message completed by this segment: TShark's HTTP sees its start
                    // line only once the PDU is reassembled.
                    let completed = crate::dissect::generated::completed_message(d);
                    if let Some(m) = completed.filter(|_| h.kind() == HttpKind::Continuation) {
                        self.http_line(proto, m.line());
                    }
                }
                _ => {}
            }
        }
        if let Some(Problem::Malformed { proto, .. }) = d.expert.problem {
            let summary = "Malformed Packet (Exception occurred)";
            self.add(Severity::Error, "Malformed", protocol_name(proto), summary);
        }
    }

    /// HTTP's chat for a start line (`GET / HTTP/1.1\r\n`, escaped as the Info column is).
    fn http_line(&mut self, proto: &'static str, line: &[u8]) {
        self.add_formatted(Severity::Chat, "Sequence", proto, |buf| {
            let _ = crate::dissect::dns::write_text(buf, line);
            buf.push_str("\\r\\n");
        });
    }

    /// TShark's TTL checks (`packet-ip.c`): a TTL under 5 on a unicast packet that is not
    /// PIM or OSPF, or a TTL other than 1 towards the Local Network Control Block.
    fn ipv4_ttl(&mut self, ip: &crate::dissect::ipv4::Ipv4<'_>) {
        const PIM: u8 = 103;
        const OSPF: u8 = 89;
        let (dst, ttl) = (ip.dst(), ip.ttl());
        let multicast = (224..=239).contains(&dst[0]);
        let control_block = dst[..3] == [224, 0, 0];
        if control_block && ttl != 1 {
            let summary = "\"Time To Live\" != 1 for a packet sent to the Local Network Control Block (see RFC 3171)";
            self.add(Severity::Note, "Sequence", "IPv4", summary);
        } else if !multicast && ttl < 5 && ip.proto() != PIM && ip.proto() != OSPF {
            self.add_formatted(Severity::Note, "Sequence", "IPv4", |buf| {
                let _ = write!(buf, "\"Time To Live\" only {ttl}");
            });
        }
    }

    /// The TCP items: handshake and teardown flags, then the sequence analysis.
    fn tcp(&mut self, d: &Dissection<'_>, t: &crate::dissect::tcp::Tcp<'_>) {
        const SEQ: &str = "Sequence";
        let Some(g) = d.generated.tcp.as_ref() else {
            return;
        };
        if t.flags_shown() {
            if !t.has_ack() && t.ack() != 0 {
                let summary =
                    "The acknowledgment number field is nonzero while the ACK flag is not set";
                self.add(Severity::Note, "Protocol", "TCP", summary);
            }
            if t.syn() && t.has_ack() {
                self.add_port(
                    "Connection establish acknowledge (SYN+ACK): server port ",
                    t.src_port(),
                );
            } else if t.syn() {
                self.add_port(
                    "Connection establish request (SYN): server port ",
                    t.dst_port(),
                );
            }
            if t.fin() {
                self.add(Severity::Chat, SEQ, "TCP", "Connection finish (FIN)");
                self.closing_note(d, t, g.stream);
            }
            if t.rst() {
                self.add(Severity::Warn, SEQ, "TCP", "Connection reset (RST)");
            }
        }
        self.analysis(g.analysis, g.dup_ack_num);
    }

    /// "initiates" for a FIN from the side that closed first, "undergoes" for the other's.
    fn closing_note(&mut self, d: &Dissection<'_>, t: &crate::dissect::tcp::Tcp<'_>, stream: u32) {
        let Some((src, _)) = d.ip_endpoints() else {
            return;
        };
        let sender = (src, t.src_port());
        let initiator = match self.closing.get(&stream) {
            Some(first) => *first == sender,
            None if self.closing.len() < MAX_CLOSING_STREAMS => {
                self.closing.insert(stream, sender);
                true
            }
            None => true,
        };
        let summary = if initiator {
            "This frame initiates the connection closing"
        } else {
            "This frame undergoes the connection closing"
        };
        self.add(Severity::Note, "Sequence", "TCP", summary);
    }

    /// The `tcp.analysis.*` items, with TShark's severities.
    fn analysis(&mut self, flags: u32, dup_ack_num: u32) {
        const ITEMS: [(u32, Severity, &str); 14] = [
            (
                a::FAST_RETRANSMISSION,
                Severity::Note,
                "This frame is a (suspected) fast retransmission",
            ),
            (
                a::RETRANSMISSION | a::FAST_RETRANSMISSION,
                Severity::Note,
                "This frame is a (suspected) retransmission",
            ),
            (
                a::SPURIOUS_RETRANSMISSION,
                Severity::Note,
                "This frame is a (suspected) spurious retransmission",
            ),
            (
                a::OUT_OF_ORDER,
                Severity::Warn,
                "This frame is a (suspected) out-of-order segment",
            ),
            (
                a::LOST_SEGMENT,
                Severity::Warn,
                "Previous segment(s) not captured (common at capture start)",
            ),
            (
                a::ACK_LOST_SEGMENT,
                Severity::Warn,
                "ACKed segment that wasn't captured (common at capture start)",
            ),
            (a::WINDOW_UPDATE, Severity::Chat, "TCP window update"),
            (
                a::WINDOW_FULL,
                Severity::Warn,
                "TCP window specified by the receiver is now completely full",
            ),
            (a::KEEP_ALIVE, Severity::Note, "TCP keep-alive segment"),
            (
                a::KEEP_ALIVE_ACK,
                Severity::Note,
                "ACK to a TCP keep-alive segment",
            ),
            (
                a::ZERO_WINDOW_PROBE,
                Severity::Note,
                "TCP Zero Window Probe",
            ),
            (a::ZERO_WINDOW, Severity::Warn, "TCP Zero Window segment"),
            (
                a::ZERO_WINDOW_PROBE_ACK,
                Severity::Note,
                "ACK to a TCP Zero Window Probe",
            ),
            (
                a::REUSED_PORTS,
                Severity::Note,
                "A new tcp session is started with the same ports as an earlier session in this trace",
            ),
        ];
        if flags == 0 {
            return;
        }
        for (bit, severity, summary) in ITEMS {
            if flags & bit != 0 {
                self.add(severity, "Sequence", "TCP", summary);
            }
        }
        if flags & a::DUPLICATE_ACK != 0 {
            self.add_formatted(Severity::Note, "Sequence", "TCP", |buf| {
                let _ = write!(buf, "Duplicate ACK (#{dup_ack_num})");
            });
        }
    }

    fn add_port(&mut self, prefix: &str, port: u16) {
        self.add_formatted(Severity::Chat, "Sequence", "TCP", |buf| {
            let _ = write!(buf, "{prefix}{port}");
        });
    }

    /// [`Self::add`] with a summary written into the reused scratch buffer (no allocation
    /// unless the entry is new).
    fn add_formatted(
        &mut self,
        severity: Severity,
        group: &'static str,
        protocol: &'static str,
        write: impl FnOnce(&mut String),
    ) {
        let mut summary = std::mem::take(&mut self.buf);
        summary.clear();
        write(&mut summary);
        self.add(severity, group, protocol, &summary);
        self.buf = summary;
    }

    fn add(
        &mut self,
        severity: Severity,
        group: &'static str,
        protocol: &'static str,
        summary: &str,
    ) {
        if severity > self.spec.level {
            return;
        }
        let entries = &mut self.entries;
        let same = |&&i: &&usize| {
            let e: &Entry = &entries[i];
            (e.severity, e.group, e.protocol) == (severity, group, protocol)
        };
        if let Some(&i) = self.index.get(summary).and_then(|v| v.iter().find(same)) {
            entries[i].frequency += 1;
            return;
        }
        if entries.len() >= MAX_EXPERT_ENTRIES {
            self.dropped += 1;
            return;
        }
        entries.push(Entry {
            severity,
            group,
            protocol,
            summary: summary.to_string(),
            frequency: 1,
        });
        let at = entries.len() - 1;
        self.index.entry(summary.to_string()).or_default().push(at);
    }

    /// TShark's text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for severity in Severity::ALL {
            let rows: Vec<&Entry> = self
                .entries
                .iter()
                .filter(|e| e.severity == severity)
                .collect();
            if rows.is_empty() {
                continue;
            }
            let total: u64 = rows.iter().map(|e| e.frequency).sum();
            let _ = write!(out, "\n{} ({total})\n=============\n", severity.heading());
            out.push_str("   Frequency      Group           Protocol  Summary\n");
            for e in rows {
                let _ = writeln!(
                    out,
                    "{:>12} {:>10} {:>18}  {}",
                    e.frequency, e.group, e.protocol, e.summary
                );
            }
        }
        if self.dropped > 0 {
            let _ = writeln!(
                out,
                "limit: {} expert item(s) not counted (MAX_EXPERT_ENTRIES = {MAX_EXPERT_ENTRIES})",
                self.dropped
            );
        }
        out
    }

    /// One JSON row per entry.
    pub fn json(&self) -> Vec<Value> {
        let mut rows: Vec<&Entry> = self.entries.iter().collect();
        rows.sort_by_key(|e| e.severity);
        rows.iter()
            .map(|e| {
                json!({
                    "severity": e.severity.name(),
                    "group": e.group,
                    "protocol": e.protocol,
                    "summary": e.summary,
                    "frequency": e.frequency,
                })
            })
            .collect()
    }
}

/// The protocol's short name as TShark's expert summary shows it.
fn protocol_name(p: Proto) -> &'static str {
    match p {
        Proto::Arp => "ARP/RARP",
        Proto::Frame => "Frame",
        p if !p.column_name().is_empty() => p.column_name(),
        p => p.name(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_filter(_: &str) -> Result<Filter, String> {
        Err("no filters in this test".into())
    }

    #[test]
    fn levels_parse_and_bad_ones_are_refused() {
        assert_eq!(
            ExpertSpec::parse("", no_filter).unwrap().level,
            Severity::Comment
        );
        assert_eq!(
            ExpertSpec::parse(",warn", no_filter).unwrap().level,
            Severity::Warn
        );
        let err = ExpertSpec::parse(",loud", no_filter).unwrap_err();
        assert!(err.contains("\"loud\""), "{err}");
        assert!(ExpertSpec::parse(",note,tcp", no_filter).is_err());
    }

    #[test]
    fn rows_are_counted_in_first_seen_order_in_tsharks_layout() {
        let spec = ExpertSpec::parse(",note", no_filter).unwrap();
        let mut t = ExpertTable::new(spec);
        t.add(Severity::Chat, "Sequence", "TCP", "left out by the level");
        t.add(Severity::Warn, "Sequence", "TCP", "Connection reset (RST)");
        t.add(Severity::Note, "Sequence", "TCP", "b");
        t.add(Severity::Warn, "Sequence", "TCP", "Connection reset (RST)");
        t.add(
            Severity::Error,
            "Malformed",
            "ARP/RARP",
            "Malformed Packet (Exception occurred)",
        );
        let heading = "=============\n   Frequency      Group           Protocol  Summary\n";
        let want = [
            format!("\nErrors (1)\n{heading}"),
            "           1  Malformed           ARP/RARP  Malformed Packet (Exception occurred)\n"
                .into(),
            format!("\nWarns (2)\n{heading}"),
            "           2   Sequence                TCP  Connection reset (RST)\n".into(),
            format!("\nNotes (1)\n{heading}"),
            "           1   Sequence                TCP  b\n".into(),
        ]
        .concat();
        assert_eq!(t.text(), want);
    }
}
