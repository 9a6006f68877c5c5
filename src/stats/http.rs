//! `-z http,tree`, `-z http_req,tree` and `-z http_srv,tree`: TShark's HTTP counter trees
//! (`packet-http.c`), "Packet Counter", "Requests" and "Load Distribution".
//!
//! TShark's HTTP taps once per message it dissects: each request or response whose headers
//! (and body, when its length is known) are whole, on the frame that completes it, and once
//! for bytes on an HTTP port that neither start a message nor belong to one ("Other HTTP
//! Packets", even when the frame then shows as plain TCP). SSDP (UDP 1900) is HTTP's too.
//! Messages whose headers never complete are not counted, as in TShark.

use super::tree::{NodeId, ROOT, StatsTree, ascii_lossy};
use crate::dissect::http::{HttpKind, StartLine, header_in};
use crate::dissect::{Dissection, View};
use crate::filter::Filter;

/// Which of TShark's HTTP trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpTreeKind {
    /// `http,tree`: "HTTP/Packet Counter".
    Packets,
    /// `http_req,tree`: "HTTP/Requests" (by host, then URI).
    Requests,
    /// `http_srv,tree`: "HTTP/Load Distribution" (by server address and host).
    Load,
}

/// What one tap saw: a request's method, URI and Host header, or a response's status code
/// (0 when the status line has none), or neither ("other").
#[derive(Debug, Clone, Copy, Default)]
pub struct HttpTap<'a> {
    method: Option<&'a [u8]>,
    uri: Option<&'a [u8]>,
    host: Option<&'a [u8]>,
    code: u16,
}

impl<'a> HttpTap<'a> {
    fn of(start_line: &'a [u8], headers: &'a [u8]) -> HttpTap<'a> {
        match StartLine::parse(start_line) {
            Some(StartLine::Request { method, uri, .. }) => HttpTap {
                method: Some(method),
                uri: Some(uri),
                host: header_in(headers, "host"),
                code: 0,
            },
            Some(StartLine::Response { code, .. }) => HttpTap {
                code: code.unwrap_or(0),
                ..HttpTap::default()
            },
            None => HttpTap::default(),
        }
    }
}

/// Calls `f` for each HTTP tap of a frame, in TShark's order: the message this segment
/// completes, the whole messages it starts, or the "other" bytes.
pub fn for_each_tap<'d>(d: &'d Dissection<'_>, mut f: impl FnMut(HttpTap<'d>)) {
    let pdu = d.generated.pdu.as_ref();
    if let Some(m) = pdu.and_then(|p| p.completed.as_deref()) {
        f(HttpTap::of(m.line(), m.headers()));
    }
    for layer in &d.layers {
        let View::Http(h) = &layer.view else {
            continue;
        };
        if h.kind() != HttpKind::Messages {
            continue;
        }
        for m in h.messages().filter(|m| m.complete) {
            let headers = m.head.map_or(&[][..], |h| h.headers);
            f(HttpTap::of(m.line, headers));
        }
    }
    if pdu.is_some_and(|p| p.other) {
        f(HttpTap::default());
    }
}

/// Node names of the Packet Counter tree.
mod names {
    pub const PACKETS: &str = "Total HTTP Packets";
    pub const REQUESTS: &str = "HTTP Request Packets";
    pub const RESPONSES: &str = "HTTP Response Packets";
    pub const BROKEN: &str = "???: broken";
    pub const CLASSES: [&str; 5] = [
        "1xx: Informational",
        "2xx: Success",
        "3xx: Redirection",
        "4xx: Client Error",
        "5xx: Server Error",
    ];
    pub const OTHER: &str = "Other HTTP Packets";
    pub const BY_HOST: &str = "HTTP Requests by HTTP Host";
    pub const BY_SERVER: &str = "HTTP Requests by Server";
    pub const BY_SERVER_ADDR: &str = "HTTP Requests by Server Address";
    pub const RESPONSES_BY_ADDR: &str = "HTTP Responses by Server Address";
}

/// The nodes a tree's packet function ticks by id.
#[derive(Debug, Clone, Copy, Default)]
struct Ids {
    packets: NodeId,
    requests: NodeId,
    responses: NodeId,
    broken: NodeId,
    classes: [NodeId; 5],
    by_host: NodeId,
    by_server: NodeId,
    by_server_addr: NodeId,
    responses_by_addr: NodeId,
}

/// One running HTTP tree.
#[derive(Debug, Clone)]
pub struct HttpTree {
    kind: HttpTreeKind,
    filter: Option<Filter>,
    tree: StatsTree,
    ids: Ids,
}

impl HttpTree {
    /// An empty tree (TShark's init function), with its tap filter.
    pub fn new(kind: HttpTreeKind, filter: Option<Filter>) -> HttpTree {
        use names::*;
        let mut ids = Ids::default();
        let tree = match kind {
            HttpTreeKind::Packets => {
                let mut t = StatsTree::new("HTTP/Packet Counter");
                ids.packets = t.create_node(PACKETS, ROOT, false, true);
                ids.requests = t.create_pivot(REQUESTS, ids.packets);
                ids.responses = t.create_node(RESPONSES, ids.packets, false, true);
                ids.broken = t.create_node(BROKEN, ids.responses, false, true);
                for (i, name) in CLASSES.iter().enumerate() {
                    ids.classes[i] = t.create_node(name, ids.responses, false, true);
                }
                t.create_node(OTHER, ids.packets, false, false);
                t
            }
            HttpTreeKind::Requests => {
                let mut t = StatsTree::new("HTTP/Requests");
                ids.by_host = t.create_node(BY_HOST, ROOT, false, true);
                t
            }
            HttpTreeKind::Load => {
                let mut t = StatsTree::new("HTTP/Load Distribution");
                ids.by_server = t.create_node(BY_SERVER, ROOT, false, true);
                ids.by_server_addr = t.create_node(BY_SERVER_ADDR, ids.by_server, false, true);
                ids.by_host = t.create_node(BY_HOST, ids.by_server, false, true);
                ids.responses_by_addr = t.create_node(RESPONSES_BY_ADDR, ROOT, false, true);
                t
            }
        };
        HttpTree {
            kind,
            filter,
            tree,
            ids,
        }
    }

    /// Counts the HTTP taps of one frame.
    pub fn observe(&mut self, d: &Dissection<'_>) {
        if self.filter.as_ref().is_some_and(|f| !f.matches(d)) {
            return;
        }
        let now_ms = d.times.relative as f64 / 1e6;
        let endpoints = d.ip_endpoints();
        for_each_tap(d, |tap| {
            self.tree.begin(now_ms);
            match self.kind {
                HttpTreeKind::Packets => self.packets(&tap),
                HttpTreeKind::Requests => self.requests(&tap),
                HttpTreeKind::Load => {
                    if let Some((src, dst)) = endpoints {
                        self.load(&tap, &src.to_string(), &dst.to_string());
                    }
                }
            }
        });
    }

    /// `http_stats_tree_packet`.
    fn packets(&mut self, tap: &HttpTap<'_>) {
        use names::*;
        let (t, ids) = (&mut self.tree, &self.ids);
        t.tick(PACKETS, ROOT, false);
        if tap.code != 0 {
            t.tick(RESPONSES, ids.packets, false);
            let class = usize::from(tap.code / 100);
            let (group, group_name) = match class {
                1..=5 => (ids.classes[class - 1], CLASSES[class - 1]),
                _ => (ids.broken, BROKEN),
            };
            t.tick(group_name, ids.responses, false);
            let phrase = status_phrase(tap.code)
                .map_or_else(|| format!("Unknown ({})", tap.code), str::to_string);
            t.tick(&format!("{} {phrase}", tap.code), group, false);
        } else if let Some(method) = tap.method {
            // TShark 4.0's tap names SSDP's M-SEARCH "SEARCH" (its field says M-SEARCH).
            let method = if method == b"M-SEARCH" {
                &b"SEARCH"[..]
            } else {
                method
            };
            t.tick_pivot(ids.requests, &ascii_lossy(method));
        } else {
            t.tick(OTHER, ids.packets, false);
        }
    }

    /// `http_req_stats_tree_packet`.
    fn requests(&mut self, tap: &HttpTap<'_>) {
        if tap.method.is_none() {
            return;
        }
        let t = &mut self.tree;
        t.tick(names::BY_HOST, ROOT, false);
        if let Some(host) = tap.host
            && let Some(by_this_host) = t.tick(&ascii_lossy(host), self.ids.by_host, true)
            && let Some(uri) = tap.uri
        {
            t.tick(&ascii_lossy(uri), by_this_host, true);
        }
    }

    /// `http_reqs_stats_tree_packet`: requests by server address (the destination) and
    /// host, responses by server address (the source), OK for 101-399, KO otherwise.
    fn load(&mut self, tap: &HttpTap<'_>, src: &str, dst: &str) {
        use names::*;
        let (t, ids) = (&mut self.tree, &self.ids);
        if tap.method.is_some() {
            t.tick(BY_SERVER, ROOT, false);
            t.tick(BY_SERVER_ADDR, ids.by_server, true);
            t.tick(BY_HOST, ids.by_server, true);
            let by_addr = t.tick(dst, ids.by_server_addr, true);
            if let Some(host) = tap.host.map(ascii_lossy) {
                if let Some(by_host) = t.tick(&host, ids.by_host, true) {
                    t.tick(dst, by_host, false);
                }
                if let Some(by_addr) = by_addr {
                    t.tick(&host, by_addr, false);
                }
            }
        } else if tap.code != 0 {
            t.tick(RESPONSES_BY_ADDR, ROOT, false);
            if let Some(by_addr) = t.tick(src, ids.responses_by_addr, true) {
                let ok = (101..400).contains(&tap.code);
                t.tick(if ok { "OK" } else { "KO" }, by_addr, false);
            }
        }
    }

    /// TShark's text.
    pub fn text(&self) -> String {
        self.tree.text()
    }

    /// JSON rows.
    pub fn json(&self, report: &str) -> Vec<serde_json::Value> {
        self.tree.json(report)
    }
}

/// TShark 4.0's status phrases (`vals_http_status_code`).
pub fn status_phrase(code: u16) -> Option<&'static str> {
    Some(match code {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        199 => "Informational - Others",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        208 => "Already Reported",
        226 => "IM Used",
        299 => "Success - Others",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        399 => "Redirection - Others",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Requested Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Entity",
        423 => "Locked",
        424 => "Failed Dependency",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        499 => "Client Error - Others",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version not supported",
        506 => "Variant Also Negotiates",
        507 => "Insufficient Storage",
        508 => "Loop Detected",
        510 => "Not Extended",
        511 => "Network Authentication Required",
        599 => "Server Error - Others",
        _ => return None,
    })
}

/// The start line of the bytes, for tests.
#[cfg(test)]
fn first_line(b: &[u8]) -> &[u8] {
    crate::dissect::http::line(b, 0).map_or(b, |(l, _)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tap_reads_requests_and_responses() {
        let req = b"GET /x HTTP/1.1\r\nHost: a.test\r\n\r\n";
        let t = HttpTap::of(first_line(req), b"Host: a.test\r\n");
        assert_eq!(t.method, Some(&b"GET"[..]));
        assert_eq!(t.uri, Some(&b"/x"[..]));
        assert_eq!(t.host, Some(&b"a.test"[..]));
        let t = HttpTap::of(b"HTTP/1.1 404 Not Found", b"");
        assert_eq!((t.code, t.method), (404, None));
        let t = HttpTap::of(b"<html>", b"");
        assert_eq!((t.code, t.method), (0, None));
    }

    #[test]
    fn the_packet_counter_groups_status_codes() {
        let mut tree = HttpTree::new(HttpTreeKind::Packets, None);
        tree.tree.begin(0.0);
        tree.packets(&HttpTap {
            code: 299,
            ..HttpTap::default()
        });
        tree.tree.begin(1.0);
        tree.packets(&HttpTap {
            code: 99,
            ..HttpTap::default()
        });
        let text = tree.text();
        assert!(text.contains("   299 Success - Others  1 "), "{text}");
        assert!(text.contains("   99 Unknown (99)"), "{text}");
    }
}
