//! `-z conv,eth|tcp|udp|ip` and `-z endpoints,ip|tcp|udp`: TShark's conversation and endpoint statistics
//! (frames and frame bytes each way, relative start, duration), rows sorted by total frames,
//! descending, ties in first-seen order.
//!
//! Endpoint A of a conversation is the source of its first frame. TCP and UDP conversations
//! are keyed by `tcp.stream` / `udp.stream`, so a reused 4-tuple is a new row, as in TShark.
//! Tables are bounded by [`MAX_CONVERSATIONS`]; frames of conversations past the limit are
//! counted in `dropped_frames` and reported under the table.

use std::hash::Hash;

use crate::dissect::{Dissection, IpAddr, View};
use crate::track::HashMap;

/// An Ethernet address (the endpoint of `conv,eth`).
pub type Mac = [u8; 6];

/// An address a table is keyed by, and how the report writes it.
pub trait Address: Copy + Eq + Hash {
    /// The address alone; `numeric` (`-n`) leaves out names.
    fn text(self, numeric: bool) -> String;
    /// The address with a port (`10.0.0.1:80`, `[::1]:80`).
    fn with_port(self, port: u16, numeric: bool) -> String {
        format!("{}:{port}", self.text(numeric))
    }
}

impl Address for IpAddr {
    fn text(self, _numeric: bool) -> String {
        self.to_string()
    }

    fn with_port(self, port: u16, _numeric: bool) -> String {
        super::endpoint((self, port))
    }
}

impl Address for Mac {
    /// With the vendor name unless `-n`, as tshark's `conv,eth` (`VMware_aa:bb:01`).
    fn text(self, numeric: bool) -> String {
        let mut s = String::new();
        if numeric {
            crate::fields::value::write_mac(&mut s, &self);
        } else {
            crate::resolve::oui::write_resolved_mac(&mut s, self);
        }
        s
    }
}

/// Rows kept per table. A row is about 100 bytes: 1 M rows is 100 MiB, past what a table
/// can usefully show.
pub const MAX_CONVERSATIONS: usize = 1_000_000;

/// Which table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvKind {
    /// `conv,tcp`.
    Tcp,
    /// `conv,udp`.
    Udp,
    /// `conv,ip` (IPv4).
    Ip,
    /// `endpoints,ip` (IPv4).
    EndpointsIp,
    /// `endpoints,tcp`: one row per address and port.
    EndpointsTcp,
    /// `endpoints,udp`.
    EndpointsUdp,
    /// `conv,eth`: Ethernet address pairs (a [`ConvTable<Mac>`]).
    Eth,
}

impl ConvKind {
    /// True for the `endpoints,*` tables (one row per endpoint, tx and rx).
    pub fn is_endpoints(self) -> bool {
        matches!(
            self,
            ConvKind::EndpointsIp | ConvKind::EndpointsTcp | ConvKind::EndpointsUdp
        )
    }
}

/// One conversation (or, for endpoints, one address with `b` unused).
#[derive(Debug, Clone, PartialEq)]
pub struct ConvRow<A = IpAddr> {
    /// Endpoint A (the first frame's source) and its port (0 for IP and Ethernet).
    pub a: (A, u16),
    /// Endpoint B.
    pub b: (A, u16),
    /// Frames and bytes A → B (for endpoints: transmitted).
    pub ab: (u64, u64),
    /// Frames and bytes B → A (for endpoints: received).
    pub ba: (u64, u64),
    /// First frame, ns since the capture's first frame.
    pub start_ns: i128,
    /// Last frame, ns since the capture's first frame.
    pub last_ns: i128,
}

/// Accumulates one table.
#[derive(Debug)]
pub struct ConvTable<A = IpAddr> {
    /// Which table.
    pub kind: ConvKind,
    rows: Vec<ConvRow<A>>,
    index: HashMap<(u8, u64, A, A), usize>,
    /// Frames not counted because the table was full.
    pub dropped_frames: u64,
}

impl<A: Address> ConvTable<A> {
    /// An empty table.
    pub fn new(kind: ConvKind) -> ConvTable<A> {
        ConvTable {
            kind,
            rows: Vec::new(),
            index: HashMap::default(),
            dropped_frames: 0,
        }
    }
}

impl ConvTable<Mac> {
    /// Counts one frame of `conv,eth`: its outermost Ethernet header's addresses.
    pub fn observe(&mut self, d: &Dissection<'_>) {
        let Some((src, dst)) = d.layers.iter().find_map(|l| match &l.view {
            View::Eth(e) => Some((e.src(), e.dst())),
            _ => None,
        }) else {
            return;
        };
        let (lo, hi) = if src <= dst { (src, dst) } else { (dst, src) };
        self.add(d, (0, 0, lo, hi), (src, 0), (dst, 0));
    }
}

impl ConvTable<IpAddr> {
    /// Counts one frame.
    pub fn observe(&mut self, d: &Dissection<'_>) {
        if matches!(self.kind, ConvKind::EndpointsTcp | ConvKind::EndpointsUdp) {
            self.observe_port_endpoints(d);
            return;
        }
        let Some((src, dst)) = ipv4_endpoints(d) else {
            if self.kind == ConvKind::Tcp || self.kind == ConvKind::Udp {
                self.observe_transport(d, None);
            }
            return;
        };
        match self.kind {
            ConvKind::Ip => {
                let (lo, hi) = if src <= dst { (src, dst) } else { (dst, src) };
                self.add(d, (0, 0, lo, hi), (src, 0), (dst, 0));
            }
            ConvKind::EndpointsIp => {
                let len = u64::from(d.frame.orig_len);
                let now = d.times.relative;
                self.add_endpoint(src, len, true, now);
                self.add_endpoint(dst, len, false, now);
            }
            _ => self.observe_transport(d, Some((src, dst))),
        }
    }

    /// `endpoints,tcp|udp`: the source (address, port) transmits, the destination receives.
    fn observe_port_endpoints(&mut self, d: &Dissection<'_>) {
        let Some((src, dst)) = d.ip_endpoints() else {
            return;
        };
        // The frames `conv,tcp|udp` count: those whose header the tracker took.
        let ports = if self.kind == ConvKind::EndpointsTcp {
            d.tcp()
                .filter(|t| d.generated.tcp.is_some() && t.header_read_whole())
                .map(|t| (t.src_port(), t.dst_port()))
        } else {
            d.udp()
                .filter(|_| d.generated.udp_stream.is_some() && !in_icmp(d))
                .map(|u| (u.src_port(), u.dst_port()))
        };
        let Some((sport, dport)) = ports else {
            return;
        };
        let len = u64::from(d.frame.orig_len);
        let now = d.times.relative;
        self.add_endpoint_port(src, sport, len, true, now);
        self.add_endpoint_port(dst, dport, len, false, now);
    }

    fn observe_transport(&mut self, d: &Dissection<'_>, _v4: Option<(IpAddr, IpAddr)>) {
        let Some((src, dst)) = d.ip_endpoints() else {
            return;
        };
        let (ports, stream) = match self.kind {
            ConvKind::Tcp => match (d.tcp(), &d.generated.tcp) {
                // TShark's TCP taps a segment only once its header was read whole.
                (Some(t), Some(g)) if t.header_read_whole() => {
                    ((t.src_port(), t.dst_port()), g.stream)
                }
                _ => return,
            },
            _ => match (d.udp(), d.generated.udp_stream) {
                (Some(u), Some(s)) if !in_icmp(d) => ((u.src_port(), u.dst_port()), s),
                _ => return,
            },
        };
        let (lo, hi) = if (src, ports.0) <= (dst, ports.1) {
            (src, dst)
        } else {
            (dst, src)
        };
        self.add(
            d,
            (1, u64::from(stream), lo, hi),
            (src, ports.0),
            (dst, ports.1),
        );
    }
}

impl<A: Address> ConvTable<A> {
    fn add(&mut self, d: &Dissection<'_>, key: (u8, u64, A, A), s: (A, u16), t: (A, u16)) {
        let len = u64::from(d.frame.orig_len);
        let now = d.times.relative;
        let Some(i) = self.row(key, s, t, now) else {
            return;
        };
        let r = &mut self.rows[i];
        let dir = if r.a == s { &mut r.ab } else { &mut r.ba };
        dir.0 += 1;
        dir.1 += len;
        r.start_ns = r.start_ns.min(now);
        r.last_ns = r.last_ns.max(now);
    }

    /// The row of `key`, added (from `a` to `b`, first seen `now`) when it is new; `None`
    /// when the table is full ([`MAX_CONVERSATIONS`]): the frame is counted as dropped.
    fn row(&mut self, key: (u8, u64, A, A), a: (A, u16), b: (A, u16), now: i128) -> Option<usize> {
        if let Some(i) = self.index.get(&key) {
            return Some(*i);
        }
        if self.rows.len() >= MAX_CONVERSATIONS {
            self.dropped_frames += 1;
            return None;
        }
        self.rows.push(ConvRow {
            a,
            b,
            ab: (0, 0),
            ba: (0, 0),
            start_ns: now,
            last_ns: now,
        });
        self.index.insert(key, self.rows.len() - 1);
        Some(self.rows.len() - 1)
    }

    fn add_endpoint(&mut self, addr: A, len: u64, tx: bool, now: i128) {
        self.add_endpoint_port(addr, 0, len, tx, now);
    }

    fn add_endpoint_port(&mut self, addr: A, port: u16, len: u64, tx: bool, now: i128) {
        let key = (2, u64::from(port), addr, addr);
        let Some(i) = self.row(key, (addr, port), (addr, port), now) else {
            return;
        };
        let r = &mut self.rows[i];
        let dir = if tx { &mut r.ab } else { &mut r.ba };
        dir.0 += 1;
        dir.1 += len;
    }

    /// Takes the rows whose last frame is more than `idle_ns` before `now_ns` (times since
    /// the capture's first frame): conversations a streaming consumer may write out, since a
    /// pair that speaks again after that long is a new conversation (a new `udp.stream`).
    pub fn take_idle(&mut self, now_ns: i128, idle_ns: i128) -> Vec<ConvRow<A>> {
        let idle = |r: &ConvRow<A>| now_ns - r.last_ns > idle_ns;
        if !self.rows.iter().any(idle) {
            return Vec::new();
        }
        // How many rows before each one leave: a row that stays moves down by as many.
        let mut gone_before = Vec::with_capacity(self.rows.len());
        let mut gone = 0u32;
        for r in &self.rows {
            gone_before.push(gone);
            gone += u32::from(idle(r));
        }
        let rows = &self.rows;
        self.index.retain(|_, i| {
            let stays = rows.get(*i).is_some_and(|r| !idle(r));
            if stays {
                *i -= gone_before[*i] as usize;
            }
            stays
        });
        self.rows.extract_if(.., |r| idle(r)).collect()
    }

    /// The rows, sorted by total frames descending, ties in first-seen order.
    pub fn sorted(&self) -> Vec<ConvRow<A>>
    where
        A: Clone,
    {
        let mut v = self.rows.clone();
        v.sort_by_key(|r| std::cmp::Reverse(r.ab.0 + r.ba.0));
        v
    }
}

fn in_icmp(d: &Dissection<'_>) -> bool {
    d.layers
        .iter()
        .any(|l| matches!(l.view, View::Icmp(_) | View::Icmpv6(_)))
}

/// Source and destination of the outermost IPv4 header.
fn ipv4_endpoints(d: &Dissection<'_>) -> Option<(IpAddr, IpAddr)> {
    d.layers.iter().find_map(|l| match &l.view {
        View::Ipv4(ip) => Some((IpAddr::V4(ip.src()), IpAddr::V4(ip.dst()))),
        _ => None,
    })
}
