//! `-z io,phs[,FILTER]`: TShark's protocol hierarchy, frames and frame bytes per protocol
//! path.
//!
//! TShark walks the top-level items of each frame's tree: the protocols, plus the items it
//! adds beside them (`_ws.short`, `_ws.malformed`, `tcp.segments`). The path here is
//! `frame.protocols` without the entries that are not tree items of their own (`ethertype`,
//! IPv6 extension headers, IGMP's version dissector), with those items added.

use crate::dissect::{Dissection, Problem, Proto, View};
use crate::fields::frame::protocols_entry;
use crate::filter::Filter;
use arrayvec::ArrayVec;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Distinct protocol nodes kept. Paths come from a fixed set of protocols at most
/// `MAX_LAYERS` deep, so real captures stay far below this; it bounds a crafted one.
pub const MAX_PHS_NODES: usize = 10_000;

/// One `-z io,phs` request.
#[derive(Debug, Clone)]
pub struct PhsSpec {
    /// The tap's own filter and its text.
    pub filter: Option<(Filter, String)>,
}

/// A node of the hierarchy.
#[derive(Debug)]
struct Node {
    name: String,
    frames: u64,
    bytes: u64,
    children: Vec<usize>,
}

/// The running hierarchy.
#[derive(Debug)]
pub struct Hierarchy {
    spec: PhsSpec,
    /// Node 0 is the root (the frame); its children are the first level.
    nodes: Vec<Node>,
    /// Frames not counted because [`MAX_PHS_NODES`] was reached.
    dropped: u64,
}

impl Hierarchy {
    /// An empty hierarchy.
    pub fn new(spec: PhsSpec) -> Hierarchy {
        let root = Node {
            name: String::new(),
            frames: 0,
            bytes: 0,
            children: Vec::new(),
        };
        Hierarchy {
            spec,
            nodes: vec![root],
            dropped: 0,
        }
    }

    /// The tap filter, if any.
    pub fn filter(&self) -> Option<&Filter> {
        self.spec.filter.as_ref().map(|(f, _)| f)
    }

    /// Counts one frame (that passed the display filter).
    pub fn observe(&mut self, d: &Dissection<'_>) {
        if self.filter().is_some_and(|f| !f.matches(d)) {
            return;
        }
        let bytes = u64::from(d.frame.orig_len);
        let mut at = 0;
        for name in tree_items(d).into_iter().chain(extra_items(d)) {
            let Some(c) = self.child(at, name) else {
                self.dropped += 1;
                return;
            };
            at = c;
            self.count(at, bytes);
        }
    }

    fn count(&mut self, at: usize, bytes: u64) {
        let n = &mut self.nodes[at];
        n.frames += 1;
        n.bytes += bytes;
    }

    /// The child of `at` named `name`, added (last among its siblings) when new; `None`
    /// when the table is full.
    fn child(&mut self, at: usize, name: &str) -> Option<usize> {
        if let Some(&c) = self.nodes[at]
            .children
            .iter()
            .find(|&&c| self.nodes[c].name == name)
        {
            return Some(c);
        }
        if self.nodes.len() >= MAX_PHS_NODES {
            return None;
        }
        let c = self.nodes.len();
        self.nodes.push(Node {
            name: name.to_string(),
            frames: 0,
            bytes: 0,
            children: Vec::new(),
        });
        self.nodes[at].children.push(c);
        Some(c)
    }

    /// The text TShark prints.
    pub fn text(&self) -> String {
        let rule = "===================================================================";
        let filter = self.spec.filter.as_ref().map_or("", |(_, t)| t.as_str());
        let mut out = format!("\n{rule}\nProtocol Hierarchy Statistics\nFilter: {filter}\n\n");
        self.walk(0, 0, &mut |depth, n| {
            let mut label = String::new();
            for i in 0..depth {
                // TShark stops indenting past 16 levels.
                if i > 15 {
                    label.push_str("...");
                    break;
                }
                label.push_str("  ");
            }
            label.push_str(&n.name);
            let _ = writeln!(out, "{label:<40} frames:{} bytes:{}", n.frames, n.bytes);
        });
        let _ = writeln!(out, "{rule}");
        if self.dropped > 0 {
            let _ = writeln!(out, "{}", self.note());
        }
        out
    }

    fn note(&self) -> String {
        format!(
            "limit: {} frame(s) not counted (MAX_PHS_NODES = {MAX_PHS_NODES})",
            self.dropped
        )
    }

    /// Visits the nodes below `at` depth first, in first-seen order.
    fn walk(&self, at: usize, depth: usize, f: &mut dyn FnMut(usize, &Node)) {
        for &c in &self.nodes[at].children {
            f(depth, &self.nodes[c]);
            self.walk(c, depth + 1, f);
        }
    }

    /// One JSON object per node: its path (`eth:ip:tcp`), depth, frames and bytes.
    pub fn json(&self) -> Vec<Value> {
        let mut v = Vec::new();
        let mut path: Vec<String> = Vec::new();
        self.walk(0, 0, &mut |depth, n| {
            path.truncate(depth);
            path.push(n.name.clone());
            v.push(json!({
                "report": "io,phs",
                "protocol": n.name,
                "path": path.join(":"),
                "depth": depth,
                "frames": n.frames,
                "bytes": n.bytes,
            }));
        });
        if self.dropped > 0 {
            v.push(json!({"report": "io,phs", "note": self.note()}));
        }
        v
    }
}

/// Most top-level items a frame's layers give: two entries per layer at most
/// (`eth:ethertype`).
const MAX_TREE_ITEMS: usize = 2 * crate::dissect::MAX_LAYERS;

/// The top-level protocol items of TShark's tree for frame `d`, outermost first.
fn tree_items(d: &Dissection<'_>) -> ArrayVec<&'static str, MAX_TREE_ITEMS> {
    let mut items = ArrayVec::new();
    let mut prev = "";
    let mut in_icmp = false;
    for layer in d.layers.iter().skip(1) {
        let Some(entry) = protocols_entry(layer) else {
            continue;
        };
        // A layer with no captured byte raised TShark's exception before its item, and
        // so did an ICMP header cut short (TShark's ICMP reads it before adding its item).
        let icmp_stub = matches!(layer.view, View::Stub(_))
            && matches!(layer.proto, Proto::Icmp | Proto::Icmpv6);
        let shown = !layer.bytes.is_empty() && !icmp_stub;
        for name in entry.split(':') {
            // The headers an ICMP error quotes sit inside the ICMP item; what they carry
            // is listed at the top level.
            let quoted = in_icmp && matches!(name, "ip" | "ipv6" | "tcp" | "udp");
            if shown && !quoted && is_tree_item(name, prev) {
                let _ = items.try_push(name);
            }
            in_icmp |= matches!(name, "icmp" | "icmpv6");
            prev = name;
        }
    }
    items
}

/// A `frame.protocols` entry (after `prev`) that is also a top-level item of TShark's tree:
/// not the EtherType dispatcher, not an IPv6 extension header (they sit inside the IPv6
/// item), not the data ICMP carries (inside the ICMP item), not IGMP's version dissector.
fn is_tree_item(name: &str, prev: &str) -> bool {
    match name {
        "ethertype" => false,
        "data" => !matches!(prev, "icmp" | "icmpv6"),
        "igmp" => prev != "igmp",
        _ => !name.starts_with("ipv6."),
    }
}

/// Items TShark adds at the top level after the protocols: the reassembled TCP segments of
/// a message this frame completes, and the cut-short or malformed marker.
fn extra_items(d: &Dissection<'_>) -> impl Iterator<Item = &'static str> {
    let segments = crate::dissect::generated::completed_message(d)
        .is_some()
        .then_some("tcp.segments");
    let problem = match d.expert.problem {
        Some(Problem::CutBySnaplen { .. }) => Some("_ws.short"),
        Some(Problem::Malformed { .. }) => Some("_ws.malformed"),
        None => None,
    };
    segments.into_iter().chain(problem)
}
