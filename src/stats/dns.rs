//! `-z dns,tree`: TShark's DNS counter tree (`packet-dns.c`, 4.0).
//!
//! TShark taps every DNS message on port 53 (not mDNS or LLMNR, not one quoted inside an
//! ICMP error) whose dissection ends normally: a message cut short or malformed is not
//! counted. Each tap counts the header's kind, the first question's type and class, the
//! reply code and opcode, and averages the payload size; queries add the name's length and
//! label count, responses the section counts and the service time.
//!
//! Requests and responses are matched as TShark does: per conversation (the address and port
//! pair) and transaction id, a response answers the latest request with its id; a second
//! response to it is a retransmission (unless the question is a zone transfer, which has
//! many), a request repeated within [`RETRANSMISSION_TIMER_NS`] with no answer yet is one
//! too, and a response with no request is unsolicited. TShark 4.0 counts a solicited
//! response's section counts twice; so does this report, to print the same table.

use super::tree::{NodeId, ROOT, StatsTree};
use crate::dissect::dns::{Dns, Name, NameKind, OPCODES, RCODES, Record, TYPES, value_name};
use crate::dissect::{Dissection, Proto, View};
use crate::filter::Filter;
use crate::track::{FlowKey, HashMap};

/// A request repeated sooner than this is a retransmission (TShark's
/// `dns.retransmission_timer` default, 5 s).
pub const RETRANSMISSION_TIMER_NS: i128 = 5_000_000_000;
/// Most transactions remembered (conversation and id). An entry is about 80 bytes: 262 144
/// stay under 24 MiB. When full, transactions whose request is over a minute old are
/// forgotten; if none is, the new request is not followed (its response then counts as
/// unsolicited) and the report says how many were not.
pub const MAX_DNS_TRANSACTIONS: usize = 262_144;
/// Age after which a transaction may be forgotten when the table is full.
const FORGET_AFTER_NS: i128 = 60_000_000_000;
/// Question types that have many responses (AXFR, IXFR).
const ZONE_TRANSFERS: [u16; 2] = [252, 251];

/// A request waiting for, or matched with, its response.
#[derive(Debug, Clone, Copy)]
struct Transaction {
    req_time_ns: i128,
    answered: bool,
    multiple_responses: bool,
}

/// What a response was to its request.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Answer {
    /// No request seen.
    Unsolicited,
    /// A repeated response.
    Retransmission,
    /// The answer, after this many milliseconds.
    Time(f32),
}

/// Node names.
mod names {
    pub const PACKETS: &str = "Total Packets";
    pub const QR: &str = "Query/Response";
    pub const QTYPES: &str = "Query Type";
    pub const QCLASSES: &str = "Class";
    pub const RCODE: &str = "rcode";
    pub const OPCODE: &str = "opcodes";
    pub const PAYLOAD: &str = "Payload size";
    pub const QUERY_STATS: &str = "Query Stats";
    pub const QNAME_LEN: &str = "Qname Len";
    pub const LABELS: &str = "Label Stats";
    pub const LEVELS: [&str; 4] = ["1st Level", "2nd Level", "3rd Level", "4th Level or more"];
    pub const RESPONSE_STATS: &str = "Response Stats";
    pub const COUNTS: [&str; 4] = [
        "no. of questions",
        "no. of answers",
        "no. of authorities",
        "no. of additionals",
    ];
    pub const SERVICE_STATS: &str = "Service Stats";
    pub const UNSOLICITED: &str = "no. of unsolicited responses";
    pub const RETRANSMISSIONS: &str = "no. of retransmissions";
    pub const RRT: &str = "request-response time (msec)";
}

/// The running DNS tree.
#[derive(Debug, Clone)]
pub struct DnsTree {
    filter: Option<Filter>,
    tree: StatsTree,
    pivots: [NodeId; 5],
    transactions: HashMap<(FlowKey, bool, u16), Transaction>,
    /// Requests not followed because [`MAX_DNS_TRANSACTIONS`] were live.
    pub untracked: u64,
}

/// What one tapped message holds (TShark's `struct DnsTap`).
struct Tap {
    response: bool,
    opcode: u16,
    rcode: u16,
    qtype: u16,
    qclass: u16,
    payload_size: usize,
    counts: [u16; 4],
    qname_len: usize,
    labels: usize,
}

impl DnsTree {
    /// An empty tree (TShark's `dns_stats_tree_init`), with its tap filter.
    pub fn new(filter: Option<Filter>) -> DnsTree {
        use names::*;
        let mut t = StatsTree::new("DNS");
        let packets = t.create_node(PACKETS, ROOT, false, true);
        let pivots = [QR, QTYPES, QCLASSES, RCODE, OPCODE].map(|n| t.create_pivot(n, packets));
        t.create_node(PAYLOAD, ROOT, false, false);
        let query = t.create_node(QUERY_STATS, ROOT, false, true);
        t.create_node(QNAME_LEN, query, false, false);
        let labels = t.create_node(LABELS, query, false, true);
        for l in LEVELS {
            t.create_node(l, labels, false, false);
        }
        let response = t.create_node(RESPONSE_STATS, ROOT, false, true);
        for c in COUNTS {
            t.create_node(c, response, false, false);
        }
        let service = t.create_node(SERVICE_STATS, ROOT, false, true);
        t.create_node(UNSOLICITED, service, false, false);
        t.create_node(RETRANSMISSIONS, service, false, false);
        t.create_node(RRT, service, true, false);
        DnsTree {
            filter,
            tree: t,
            pivots,
            transactions: HashMap::default(),
            untracked: 0,
        }
    }

    /// Counts the DNS messages of one frame if `passed` (the display filter) and the tap
    /// filter let it; requests and responses are matched on every frame, as TShark's
    /// dissector does whatever the filters.
    pub fn observe(&mut self, d: &Dissection<'_>, passed: bool) {
        let counted = passed && self.filter.as_ref().is_none_or(|f| f.matches(d));
        let mut ports = None;
        for layer in &d.layers {
            match &layer.view {
                // Messages quoted in ICMP errors are not tapped.
                View::Icmp(_) | View::Icmpv6(_) => return,
                View::Udp(u) => ports = Some((false, u.src_port(), u.dst_port())),
                View::Tcp(t) => ports = Some((true, t.src_port(), t.dst_port())),
                View::Dns(dns) if layer.proto == Proto::Dns && dns.is_whole() => {
                    self.message(d, dns, layer.bytes.len(), ports, counted);
                }
                _ => {}
            }
        }
    }

    fn message(
        &mut self,
        d: &Dissection<'_>,
        dns: &Dns<'_>,
        payload_size: usize,
        ports: Option<(bool, u16, u16)>,
        counted: bool,
    ) {
        let (Some(id), Some(flags)) = (dns.id(), dns.flags()) else {
            return;
        };
        let counts = [0, 1, 2, 3].map(|i| dns.count(i).unwrap_or(0));
        let question = dns.records().find_map(|r| match r {
            Ok(Record::Question(q)) => Some(q),
            _ => None,
        });
        let (qtype, qclass, qname_len, labels) = match &question {
            Some(q) if counts[0] > 0 => {
                let (len, labels) = name_stats(&dns.name(q.name_at));
                (q.qtype, q.qclass, len, labels)
            }
            _ => (0, 0, 0, 0),
        };
        let zone_transfer = counts[0] > 0 && ZONE_TRANSFERS.contains(&qtype);
        let tap = Tap {
            response: flags & crate::dissect::dns::flag::RESPONSE != 0,
            opcode: (flags >> crate::dissect::dns::flag::OPCODE_SHIFT) & 0xf,
            rcode: flags & crate::dissect::dns::flag::RCODE,
            qtype,
            qclass,
            payload_size,
            counts,
            qname_len,
            labels,
        };
        let conversation = match (d.ip_endpoints(), ports) {
            (Some((src, dst)), Some((tcp, sport, dport))) => Some((src, sport, dst, dport, tcp)),
            _ => None,
        };
        let answer = conversation.map_or(Answer::Unsolicited, |(src, sport, dst, dport, tcp)| {
            let key = (FlowKey::new(src, sport, dst, dport).0, tcp, id);
            self.transact(key, &tap, zone_transfer, d.frame.ts.as_nanos())
        });
        if counted {
            self.tree.begin(d.times.relative as f64 / 1e6);
            self.tick(&tap, answer);
        }
    }

    /// Matches a message with its transaction (TShark's first pass).
    fn transact(
        &mut self,
        key: (FlowKey, bool, u16),
        tap: &Tap,
        zone_transfer: bool,
        now_ns: i128,
    ) -> Answer {
        if !tap.response {
            let new = match self.transactions.get(&key) {
                None => true,
                Some(t) if t.answered => true,
                Some(t) => now_ns - t.req_time_ns >= RETRANSMISSION_TIMER_NS,
            };
            if new {
                let t = Transaction {
                    req_time_ns: now_ns,
                    answered: false,
                    multiple_responses: zone_transfer,
                };
                self.remember(key, t, now_ns);
            } else if let Some(t) = self.transactions.get_mut(&key)
                && tap.counts[0] > 0
            {
                t.multiple_responses = zone_transfer;
            }
            // Queries feed no service statistics.
            return Answer::Unsolicited;
        }
        let Some(t) = self.transactions.get_mut(&key) else {
            return Answer::Unsolicited;
        };
        let retransmission = t.answered && !t.multiple_responses;
        t.answered = true;
        if tap.counts[0] > 0 {
            t.multiple_responses = zone_transfer;
        }
        if retransmission {
            Answer::Retransmission
        } else {
            Answer::Time(((now_ns - t.req_time_ns) as f64 / 1e6) as f32)
        }
    }

    fn remember(&mut self, key: (FlowKey, bool, u16), t: Transaction, now_ns: i128) {
        if self.transactions.len() >= MAX_DNS_TRANSACTIONS && !self.transactions.contains_key(&key)
        {
            self.transactions
                .retain(|_, old| now_ns - old.req_time_ns < FORGET_AFTER_NS);
            if self.transactions.len() >= MAX_DNS_TRANSACTIONS {
                self.untracked += 1;
                return;
            }
        }
        self.transactions.insert(key, t);
    }

    /// `dns_stats_tree_packet`, its double count of solicited responses included.
    fn tick(&mut self, tap: &Tap, answer: Answer) {
        use names::*;
        let t = &mut self.tree;
        let [qr, qtypes, qclasses, rcodes, opcodes] = self.pivots;
        t.tick(PACKETS, ROOT, false);
        t.tick_pivot(qr, if tap.response { "Response" } else { "Query" });
        let qtype = value_name(TYPES, tap.qtype).map_or_else(
            || format!("Unknown packet type ({})", tap.qtype),
            String::from,
        );
        t.tick_pivot(qtypes, &qtype);
        let qclass = class_name(tap.qclass)
            .map_or_else(|| format!("Unknown class ({})", tap.qclass), String::from);
        t.tick_pivot(qclasses, &qclass);
        let rcode = value_name(RCODES, tap.rcode)
            .map_or_else(|| format!("Unknown rcode ({})", tap.rcode), String::from);
        t.tick_pivot(rcodes, &rcode);
        let opcode = value_name(OPCODES, tap.opcode)
            .map_or_else(|| format!("Unknown opcode ({})", tap.opcode), String::from);
        t.tick_pivot(opcodes, &opcode);
        t.average_int(PAYLOAD, ROOT, clamp(tap.payload_size));
        if !tap.response {
            t.average_int(QNAME_LEN, ROOT, clamp(tap.qname_len));
            let level = tap.labels.clamp(1, 4) - 1;
            // A zero-length name has no labels: TShark's switch sends 0 to "4th Level or more".
            let level = if tap.labels == 0 { 3 } else { level };
            t.tick(LEVELS[level], ROOT, false);
            return;
        }
        let counts = |t: &mut StatsTree| {
            for (name, n) in COUNTS.iter().zip(tap.counts) {
                t.average_int(name, ROOT, i32::from(n));
            }
        };
        counts(t);
        match answer {
            Answer::Unsolicited => {
                t.tick(UNSOLICITED, ROOT, false);
            }
            Answer::Retransmission => {
                counts(t);
                t.tick(RETRANSMISSIONS, ROOT, false);
            }
            Answer::Time(ms) => {
                counts(t);
                t.average_float(RRT, ROOT, ms);
            }
        }
    }

    /// TShark's text, and a note when transactions were not followed.
    pub fn text(&self) -> String {
        let mut text = self.tree.text();
        if let Some(note) = self.note() {
            text.push_str(&note);
            text.push('\n');
        }
        text
    }

    fn note(&self) -> Option<String> {
        (self.untracked > 0).then(|| {
            format!(
                "limit: {} request(s) not matched with their response (MAX_DNS_TRANSACTIONS = {MAX_DNS_TRANSACTIONS})",
                self.untracked
            )
        })
    }

    /// JSON rows.
    pub fn json(&self, report: &str) -> Vec<serde_json::Value> {
        let mut rows = self.tree.json(report);
        if let Some(note) = self.note() {
            rows.push(serde_json::json!({"report": report, "note": note}));
        }
        rows
    }
}

/// The name's length and label count as TShark's tap has them: the raw text (or the
/// placeholder TShark puts in its place, `<Root>` for the root), and one more label than it
/// has dots unless it is one character or less.
fn name_stats(name: &Name) -> (usize, usize) {
    let text: &[u8] = match name.kind() {
        NameKind::Text => name.raw(),
        NameKind::Root => b"<Root>",
        NameKind::TooLong => b"<Name too long>",
        NameKind::Loops => b"<Name contains a pointer that loops>",
    };
    let labels = if text.len() > 1 {
        text.iter().filter(|&&b| b == b'.').count() + 1
    } else {
        0
    };
    (text.len(), labels)
}

/// TShark's `dns_classes`.
fn class_name(class: u16) -> Option<&'static str> {
    Some(match class {
        1 => "IN",
        2 => "CS",
        3 => "CH",
        4 => "HS",
        254 => "NONE",
        255 => "ANY",
        _ => return None,
    })
}

fn clamp(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::dissect::IpAddr;
    use crate::dissect::dns::read_name;

    fn stats_of(wire: &[u8]) -> (usize, usize) {
        let (name, _) = read_name(wire, 0).expect("a readable name");
        name_stats(&name)
    }

    #[test]
    fn names_count_length_and_labels_as_tshark() {
        assert_eq!(stats_of(b"\x03www\x07example\x03com\x00"), (15, 3));
        assert_eq!(stats_of(b"\x01a\x00"), (1, 0));
        // The root is TShark's "<Root>": six characters, one label.
        assert_eq!(stats_of(b"\x00"), (6, 1));
    }

    #[test]
    fn a_repeated_request_is_a_retransmission_only_within_the_timer() {
        let mut t = DnsTree::new(None);
        let (client, server) = (IpAddr::V4([10, 0, 0, 1]), IpAddr::V4([10, 0, 0, 2]));
        let key = (FlowKey::new(client, 1000, server, 53).0, false, 7);
        let query = |response| Tap {
            response,
            opcode: 0,
            rcode: 0,
            qtype: 1,
            qclass: 1,
            payload_size: 30,
            counts: [1, 0, 0, 0],
            qname_len: 1,
            labels: 1,
        };
        assert_eq!(
            t.transact(key, &query(false), false, 0),
            Answer::Unsolicited
        );
        assert_eq!(
            t.transact(key, &query(true), false, 2_000_000),
            Answer::Time(2.0)
        );
        assert_eq!(
            t.transact(key, &query(true), false, 3_000_000),
            Answer::Retransmission
        );
        let other = (key.0, false, 8);
        assert_eq!(
            t.transact(other, &query(true), false, 0),
            Answer::Unsolicited
        );
    }
}
