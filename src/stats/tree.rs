//! TShark's counter trees (`stats_tree.c`), the engine under `-z http,tree`, `-z http_req,tree`,
//! `-z http_srv,tree` and `-z dns,tree`: named nodes that count ticks, optionally average
//! values, and track their densest burst, printed in TShark's plain-text layout byte for byte.
//!
//! The rules are TShark 4.0's, quirks included, because people diff these tables:
//! - A node is found by name among its parent's children when the parent indexes them
//!   ("with hash"), otherwise in one tree-wide namespace of the nodes created as parents.
//! - The top-level nodes print in creation order; every other level is sorted by count,
//!   descending, ties broken by name (byte order), also descending.
//! - Rate is count per millisecond of the time between the first and the latest tapped
//!   packet; Percent is of the parent's count (`100%` under the root, empty under a parent
//!   that counted nothing); averages use C's `float` arithmetic.
//! - Bursts: counts are bucketed by [`BURST_RESOLUTION_MS`]; the burst is the most ticks in a
//!   sliding [`BURST_WINDOW_MS`] window, and its start is the start of the window's oldest
//!   bucket. Every node begins with an empty bucket at time 0 (TShark's list head), which
//!   stays in the window until a tick falls [`BURST_WINDOW_MS`] past it.

use crate::track::HashMap;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::fmt::Write as _;

/// Burst bucket width (TShark's `statistics.st_burst_resolution` default, ms).
pub const BURST_RESOLUTION_MS: f64 = 5.0;
/// Burst window (TShark's `statistics.st_burst_windowlen` default, ms).
pub const BURST_WINDOW_MS: f64 = 100.0;
/// Most nodes in one tree. A node is about 200 bytes plus its name and up to 21 burst
/// buckets; 100 000 distinct hosts and URIs stay under 40 MiB. Further names are not counted
/// and the report says how many ticks were lost.
pub const MAX_TREE_NODES: usize = 100_000;
/// Deepest indentation TShark prints (`INDENT_MAX`).
const INDENT_MAX: usize = 32;
/// Width of each numeric column (`stats_tree_get_column_size`).
const COLUMN_WIDTH: usize = 12;
/// The column titles after the first.
const COLUMNS: [&str; 8] = [
    "Count",
    "Average",
    "Min Val",
    "Max Val",
    "Rate (ms)",
    "Percent",
    "Burst Rate",
    "Burst Start",
];

/// A node's index in its tree.
pub type NodeId = usize;
/// The root (never printed; its children are the top level).
pub const ROOT: NodeId = 0;

/// One burst bucket: its number (time / resolution), ticks, and earliest time.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    no: f64,
    count: i64,
    start: f64,
}

/// What a node averages, if anything.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Values {
    /// Integers (`STAT_DT_INT`): total, min, max.
    Int { total: i64, min: i32, max: i32 },
    /// Floats (`STAT_DT_FLOAT`).
    Float { total: f64, min: f32, max: f32 },
}

#[derive(Debug, Clone)]
struct Node {
    name: Box<str>,
    parent: NodeId,
    children: Vec<NodeId>,
    /// The children by name, for nodes created "with hash".
    index: Option<HashMap<Box<str>, NodeId>>,
    counter: i64,
    values: Values,
    /// A value was averaged into this node (the Average/Min/Max columns show).
    averaged: bool,
    buckets: VecDeque<Bucket>,
    burst_count: i64,
    max_burst: i64,
    burst_time: f64,
}

impl Node {
    fn new(name: &str, parent: NodeId, float: bool, with_hash: bool) -> Node {
        let values = if float {
            Values::Float {
                total: 0.0,
                min: f32::MAX,
                max: f32::MIN_POSITIVE,
            }
        } else {
            Values::Int {
                total: 0,
                min: i32::MAX,
                max: i32::MIN,
            }
        };
        Node {
            name: name.into(),
            parent,
            children: Vec::new(),
            index: with_hash.then(HashMap::default),
            counter: 0,
            values,
            averaged: false,
            buckets: VecDeque::from([Bucket {
                no: 0.0,
                count: 0,
                start: 0.0,
            }]),
            burst_count: 0,
            max_burst: 0,
            burst_time: -1.0,
        }
    }

    /// `update_burst_calc`: adds `value` ticks at `now` (ms).
    fn burst(&mut self, value: i64, now: f64) {
        let current = (now / BURST_RESOLUTION_MS).floor();
        let window = BURST_WINDOW_MS / BURST_RESOLUTION_MS;
        let (Some(head), Some(tail)) = (self.buckets.front(), self.buckets.back()) else {
            return;
        };
        let (head_no, tail_no) = (head.no, tail.no);
        let fresh = Bucket {
            no: current,
            count: value,
            start: now,
        };
        if current > tail_no {
            self.buckets.push_back(fresh);
            self.burst_count += value;
            while self
                .buckets
                .front()
                .is_some_and(|h| current >= h.no + window)
            {
                if let Some(old) = self.buckets.pop_front() {
                    self.burst_count -= old.count;
                }
            }
        } else if current < head_no {
            // Earlier than the list: counted only while still inside the window.
            if current + window > tail_no {
                self.buckets.push_front(fresh);
                self.burst_count += value;
            }
        } else {
            let at = self
                .buckets
                .iter()
                .rposition(|b| b.no <= current)
                .unwrap_or(0);
            match self.buckets.get_mut(at) {
                Some(b) if b.no == current => {
                    b.count += value;
                    b.start = b.start.min(now);
                }
                _ => self.buckets.insert(at + 1, fresh),
            }
            self.burst_count += value;
        }
        if self.burst_count > self.max_burst {
            self.max_burst = self.burst_count;
            self.burst_time = self.buckets.front().map_or(0.0, |b| b.start);
        }
    }
}

/// One counter tree.
#[derive(Debug, Clone)]
pub struct StatsTree {
    /// The registered name (`HTTP/Packet Counter`), the report's heading.
    title: &'static str,
    nodes: Vec<Node>,
    /// The tree-wide namespace: nodes created as parents, by name.
    names: HashMap<Box<str>, NodeId>,
    start: f64,
    now: f64,
    elapsed: f64,
    /// Ticks lost to [`MAX_TREE_NODES`].
    pub dropped: u64,
}

impl StatsTree {
    /// An empty tree with TShark's registered name.
    pub fn new(title: &'static str) -> StatsTree {
        StatsTree {
            title,
            nodes: vec![Node::new(&display_name(title), ROOT, false, false)],
            names: HashMap::default(),
            start: -1.0,
            now: 0.0,
            elapsed: 0.0,
            dropped: 0,
        }
    }

    /// Starts one tapped packet at `now_ms` (time since the first frame): every tap moves
    /// the tree's clock, whether or not it ticks anything.
    pub fn begin(&mut self, now_ms: f64) {
        self.now = now_ms;
        if self.start < 0.0 {
            self.start = now_ms;
        }
        self.elapsed = now_ms - self.start;
    }

    /// `stats_tree_create_node`: a node registered as a parent.
    pub fn create_node(&mut self, name: &str, parent: NodeId, float: bool, hash: bool) -> NodeId {
        self.new_node(name, parent, float, hash, true)
            .unwrap_or(ROOT)
    }

    /// `stats_tree_create_pivot`: a parent whose children are the values it is ticked with.
    pub fn create_pivot(&mut self, name: &str, parent: NodeId) -> NodeId {
        self.create_node(name, parent, false, true)
    }

    /// `tick_stat_node`: adds one to the node `name` (found as described in the module
    /// notes, created under `parent` if missing).
    pub fn tick(&mut self, name: &str, parent: NodeId, hash: bool) -> Option<NodeId> {
        let id = self.find_or_create(name, parent, false, hash)?;
        self.nodes[id].counter += 1;
        let now = self.now;
        self.nodes[id].burst(1, now);
        Some(id)
    }

    /// `stats_tree_tick_pivot`: ticks the pivot and its child `value`.
    pub fn tick_pivot(&mut self, pivot: NodeId, value: &str) {
        let now = self.now;
        if let Some(p) = self.nodes.get_mut(pivot) {
            p.counter += 1;
            p.burst(1, now);
        }
        self.tick(value, pivot, false);
    }

    /// `avg_stat_node_add_value_int`: ticks `name` and averages `value` into it.
    pub fn average_int(&mut self, name: &str, parent: NodeId, value: i32) {
        if let Some(Values::Int { total, min, max }) = self.tick_averaged(name, parent, false) {
            *total += i64::from(value);
            *min = (*min).min(value);
            *max = (*max).max(value);
        }
    }

    /// `avg_stat_node_add_value_float`.
    pub fn average_float(&mut self, name: &str, parent: NodeId, value: f32) {
        if let Some(Values::Float { total, min, max }) = self.tick_averaged(name, parent, true) {
            *total += f64::from(value);
            if *min > value {
                *min = value;
            }
            if *max < value {
                *max = value;
            }
        }
    }

    /// Ticks the averaged node `name` (created as `float` if missing); its values to update.
    fn tick_averaged(&mut self, name: &str, parent: NodeId, float: bool) -> Option<&mut Values> {
        let id = self.find_or_create(name, parent, float, false)?;
        let now = self.now;
        let n = &mut self.nodes[id];
        n.counter += 1;
        n.burst(1, now);
        n.averaged = true;
        Some(&mut n.values)
    }

    fn find_or_create(
        &mut self,
        name: &str,
        parent: NodeId,
        float: bool,
        hash: bool,
    ) -> Option<NodeId> {
        let found = match &self.nodes.get(parent)?.index {
            Some(index) => index.get(name).copied(),
            None => self.names.get(name).copied(),
        };
        found.or_else(|| self.new_node(name, parent, float, hash, hash))
    }

    fn new_node(
        &mut self,
        name: &str,
        parent: NodeId,
        float: bool,
        hash: bool,
        as_parent: bool,
    ) -> Option<NodeId> {
        if self.nodes.len() >= MAX_TREE_NODES || parent >= self.nodes.len() {
            self.dropped += 1;
            return None;
        }
        let id = self.nodes.len();
        self.nodes.push(Node::new(name, parent, float, hash));
        if as_parent {
            self.names.insert(name.into(), id);
        }
        let p = &mut self.nodes[parent];
        p.children.push(id);
        if let Some(index) = &mut p.index {
            index.insert(name.into(), id);
        }
        Some(id)
    }

    /// The name a node prints: top-level names lose their `parent/` path.
    fn shown_name(&self, id: NodeId) -> std::borrow::Cow<'_, str> {
        let n = &self.nodes[id];
        if n.parent == ROOT && id != ROOT {
            display_name(&n.name).into()
        } else {
            std::borrow::Cow::Borrowed(&n.name)
        }
    }

    fn max_name_len(&self, id: NodeId, indent: usize) -> usize {
        let indent = indent.min(INDENT_MAX);
        let own = self.shown_name(id).len() + indent;
        self.nodes[id]
            .children
            .iter()
            .map(|&c| self.max_name_len(c, indent + 1))
            .fold(own, usize::max)
    }

    /// A node's children in print order.
    fn sorted_children(&self, id: NodeId) -> Vec<NodeId> {
        let mut kids = self.nodes[id].children.clone();
        if id != ROOT {
            kids.sort_by(|&a, &b| {
                let (x, y) = (&self.nodes[a], &self.nodes[b]);
                let by_name = x.name.as_bytes().cmp(y.name.as_bytes());
                x.counter.cmp(&y.counter).then(by_name).reverse()
            });
        }
        kids
    }

    /// The eight column values of a node, as TShark prints them.
    fn cells(&self, id: NodeId) -> [String; 8] {
        let n = &self.nodes[id];
        let (average, min, max) = match (n.averaged, n.counter, n.values) {
            (false, ..) => (String::new(), String::new(), String::new()),
            (true, 0, _) => ("-".into(), "-".into(), "-".into()),
            (true, c, Values::Int { total, min, max }) => (
                format!("{:.2}", f64::from(total as f32 / c as f32)),
                min.to_string(),
                max.to_string(),
            ),
            (true, c, Values::Float { total, min, max }) => (
                format!("{:.2}", total / c as f64),
                format!("{:.6}", f64::from(min)),
                format!("{:.6}", f64::from(max)),
            ),
        };
        let rate = if self.elapsed != 0.0 {
            format!("{:.4}", f64::from(n.counter as f32) / self.elapsed)
        } else {
            String::new()
        };
        let parent = &self.nodes[n.parent];
        let percent = if parent.counter != 0 {
            format!("{:.2}%", (n.counter as f64 * 100.0) / parent.counter as f64)
        } else if n.parent == ROOT {
            "100%".into()
        } else {
            String::new()
        };
        let (burst_rate, burst_start) = if n.max_burst != 0 {
            (
                format!("{:.4}", n.max_burst as f64 / BURST_WINDOW_MS),
                format!("{:.3}", n.burst_time / 1000.0),
            )
        } else {
            ("-".into(), "-".into())
        };
        [
            n.counter.to_string(),
            average,
            min,
            max,
            rate,
            percent,
            burst_rate,
            burst_start,
        ]
    }

    /// The report in TShark's plain-text layout (`stats_tree_format_as_str`), with a note
    /// when [`MAX_TREE_NODES`] cost ticks.
    pub fn text(&self) -> String {
        let name_width = self.max_name_len(ROOT, 0);
        let rule_len = name_width + COLUMNS.len() * (COLUMN_WIDTH + 2);
        let mut out = format!("\n{}\n{}:\n", "=".repeat(rule_len), self.title);
        pad(&mut out, "Topic / Item", name_width);
        for c in COLUMNS {
            out.push(' ');
            pad(&mut out, c, COLUMN_WIDTH + 1);
        }
        let _ = write!(out, "\n{}\n", "-".repeat(rule_len));
        for &child in &self.nodes[ROOT].children {
            self.node_text(child, 0, name_width, &mut out);
        }
        let _ = writeln!(out, "\n{}", "-".repeat(rule_len));
        if let Some(note) = self.note() {
            let _ = writeln!(out, "{note}");
        }
        out
    }

    fn node_text(&self, id: NodeId, indent: usize, name_width: usize, out: &mut String) {
        out.extend(std::iter::repeat_n(' ', indent));
        pad(out, &self.shown_name(id), name_width - indent);
        for cell in self.cells(id) {
            out.push(' ');
            pad(out, &cell, COLUMN_WIDTH + 1);
        }
        out.push('\n');
        let deeper = (indent + 1).min(INDENT_MAX);
        for child in self.sorted_children(id) {
            self.node_text(child, deeper, name_width, out);
        }
    }

    fn note(&self) -> Option<String> {
        (self.dropped > 0).then(|| {
            format!(
                "limit: {} tick(s) not counted (MAX_TREE_NODES = {MAX_TREE_NODES})",
                self.dropped
            )
        })
    }

    /// The nodes as JSON rows (`-T json/jsonl`), in print order: the topic, its level and
    /// path, and the columns as numbers (`null` where TShark prints nothing or `-`).
    pub fn json(&self, report: &str) -> Vec<Value> {
        let mut rows = Vec::new();
        for &child in &self.nodes[ROOT].children {
            self.node_json(child, 0, "", report, &mut rows);
        }
        if let Some(note) = self.note() {
            rows.push(json!({"report": report, "note": note}));
        }
        rows
    }

    fn node_json(&self, id: NodeId, level: usize, path: &str, report: &str, rows: &mut Vec<Value>) {
        let name = self.shown_name(id);
        let path = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}/{name}")
        };
        let cells = self.cells(id);
        let number = |s: &str| {
            s.trim_end_matches('%')
                .parse::<f64>()
                .ok()
                .map_or(Value::Null, Value::from)
        };
        rows.push(json!({
            "report": report,
            "topic": name,
            "level": level,
            "path": path,
            "count": self.nodes[id].counter,
            "average": number(&cells[1]),
            "min": number(&cells[2]),
            "max": number(&cells[3]),
            "rate_per_ms": number(&cells[4]),
            "percent": number(&cells[5]),
            "burst_rate": number(&cells[6]),
            "burst_start": number(&cells[7]),
        }));
        for child in self.sorted_children(id) {
            self.node_json(child, level + 1, &path, report, rows);
        }
    }
}

/// Pads `s` with spaces to `width` bytes, as C's `%-Ns` does (bytes, not characters).
fn pad(out: &mut String, s: &str, width: usize) {
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(s.len())));
}

/// `stats_tree_get_displayname`: the part after the last `/` (a doubled `//` is a literal
/// slash).
fn display_name(full: &str) -> String {
    let mut out = String::new();
    let mut chars = full.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '/' {
            out.push(c);
        } else if chars.peek() == Some(&'/') {
            chars.next();
            out.push('/');
        } else {
            out.clear();
        }
    }
    out
}

/// Bytes as TShark's ASCII strings hold them: each byte above 0x7f becomes U+FFFD.
pub fn ascii_lossy(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| if b.is_ascii() { b as char } else { '\u{fffd}' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_keep_the_last_path_part() {
        assert_eq!(display_name("HTTP/Packet Counter"), "Packet Counter");
        assert_eq!(display_name("DNS"), "DNS");
        assert_eq!(display_name("a//b/c"), "c");
        assert_eq!(display_name("a/b//c"), "b/c");
    }

    #[test]
    fn the_first_burst_window_keeps_the_empty_head_bucket() {
        // TShark's HTTP tree on tcp-http-get-handshake-fin.pcap: a request at 70.183 ms and
        // a response at 140.431 ms.
        let mut t = StatsTree::new("HTTP/Packet Counter");
        let total = t.create_node("Total HTTP Packets", ROOT, false, true);
        t.begin(70.183);
        t.tick("Total HTTP Packets", ROOT, false);
        t.tick("HTTP Request Packets", total, false);
        t.begin(140.431);
        t.tick("Total HTTP Packets", ROOT, false);
        let cells = t.cells(total);
        assert_eq!(cells[6], "0.0200");
        assert_eq!(cells[7], "0.070");
        let req = t.nodes[total].children[0];
        assert_eq!(t.cells(req)[7], "0.000");
        assert_eq!(cells[4], "0.0285");
    }

    #[test]
    fn children_sort_by_count_then_name_descending() {
        let mut t = StatsTree::new("T");
        let p = t.create_node("parent", ROOT, false, true);
        for name in ["b", "a", "c", "a"] {
            t.begin(1.0);
            t.tick(name, p, false);
        }
        let names: Vec<_> = t
            .sorted_children(p)
            .iter()
            .map(|&c| t.nodes[c].name.to_string())
            .collect();
        assert_eq!(names, ["a", "c", "b"]);
    }

    #[test]
    fn the_node_limit_counts_what_it_drops() {
        let mut t = StatsTree::new("T");
        let p = t.create_node("p", ROOT, false, true);
        for i in 0..MAX_TREE_NODES + 10 {
            t.tick(&i.to_string(), p, false);
        }
        assert_eq!(t.nodes.len(), MAX_TREE_NODES);
        assert_eq!(t.dropped, 12);
        assert!(t.text().contains("limit: 12 tick(s) not counted"));
    }

    #[test]
    fn float_averages_print_c_float_precision() {
        let mut t = StatsTree::new("DNS");
        let s = t.create_node("Service Stats", ROOT, false, true);
        let rrt = t.create_node("request-response time (msec)", s, true, false);
        t.begin(0.0);
        t.average_float("request-response time (msec)", ROOT, 130.282);
        let cells = t.cells(rrt);
        assert_eq!(cells[1], "130.28");
        assert_eq!(cells[2], "130.281998");
    }
}
