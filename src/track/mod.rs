//! Stateful trackers: what needs memory across frames.
//!
//! Each tracker sees every frame in file order (whether or not the display filter keeps it),
//! fills the frame's [`crate::dissect::Generated`] values, and keeps bounded state: every
//! table has a named limit and an eviction rule.

pub mod arp;
pub mod defrag;
pub mod echo;
pub mod pdu;
pub mod ssh;
pub mod tcp;
pub mod tcp_state;
pub mod tftp;
pub mod udp;

use crate::dissect::{Dissection, IpAddr};

/// The hash map of every tracker table: foldhash is several times faster than SipHash on
/// these small keys (SipHash was 8% of a summary run) and is seeded per process, so a capture
/// crafted to collide flow keys cannot make lookups quadratic.
pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A conversation key in canonical order: the lower (address, port) first, so both
/// directions of a conversation map to the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlowKey {
    /// Lower endpoint.
    pub a: (IpAddr, u16),
    /// Higher endpoint.
    pub b: (IpAddr, u16),
}

impl FlowKey {
    /// The key for `src:sport -> dst:dport`, and whether that direction is a→b.
    pub fn new(src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> (FlowKey, bool) {
        let s = (src, sport);
        let d = (dst, dport);
        if s <= d {
            (FlowKey { a: s, b: d }, true)
        } else {
            (FlowKey { a: d, b: s }, false)
        }
    }
}

impl std::hash::Hash for FlowKey {
    /// IPv4 keys (nearly all) go to the hasher as one 128-bit word: several trackers hash the
    /// key of every TCP segment, and field-by-field hashing cost more than the lookups.
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match (self.a.0, self.b.0) {
            (IpAddr::V4(x), IpAddr::V4(y)) => h.write_u128(
                u128::from(u32::from_be_bytes(x)) << 80
                    | u128::from(self.a.1) << 64
                    | u128::from(u32::from_be_bytes(y)) << 16
                    | u128::from(self.b.1),
            ),
            _ => {
                self.a.hash(h);
                self.b.hash(h);
            }
        }
    }
}

/// All trackers, run in a fixed order on each frame.
#[derive(Default)]
pub struct Trackers {
    /// TCP streams.
    pub tcp: Option<tcp::TcpTracker>,
    /// TFTP transfers.
    pub tftp: Option<tftp::TftpTracker>,
    /// ICMP / ICMPv6 echo matching.
    pub echo: Option<echo::EchoTracker>,
    /// UDP conversation numbering (`udp.stream`), when a field or report needs it.
    pub udp: Option<udp::UdpTracker>,
    /// Application messages spanning TCP segments (needs the TCP analysis).
    pub pdu: Option<pdu::PduTracker>,
    /// SSH conversations (runs with the TCP analysis).
    pub ssh: Option<ssh::SshTracker>,
    /// ARP duplicate-address detection.
    pub arp: Option<arp::ArpTracker>,
}

impl Trackers {
    /// Trackers for the given needs.
    pub fn new(needs: crate::fields::Needs) -> Trackers {
        Trackers {
            tcp: needs.tcp.then(tcp::TcpTracker::default),
            tftp: needs.tftp.then(tftp::TftpTracker::default),
            echo: needs.echo.then(echo::EchoTracker::default),
            udp: needs.udp.then(udp::UdpTracker::default),
            pdu: needs.tcp.then(pdu::PduTracker::default),
            ssh: needs.tcp.then(ssh::SshTracker::default),
            arp: needs.arp.then(arp::ArpTracker::default),
        }
    }

    /// Trackers for a run that dissects to `depth`: the PDU and SSH trackers follow
    /// application layers, so below full depth (no such layers) they are left out.
    pub fn for_depth(needs: crate::fields::Needs, depth: crate::dissect::Depth) -> Trackers {
        let mut t = Trackers::new(needs);
        if depth < crate::dissect::Depth::All {
            t.pdu = None;
            t.ssh = None;
        }
        t
    }

    /// Lets every enabled tracker see the frame and fill its generated values.
    pub fn observe(&mut self, d: &mut Dissection<'_>) {
        if let Some(t) = &mut self.tcp {
            t.observe(d);
        }
        if let Some(t) = &mut self.tftp {
            t.observe(d);
        }
        if let Some(t) = &mut self.echo {
            t.observe(d);
        }
        if let Some(t) = &mut self.udp {
            t.observe(d);
        }
        if let Some(t) = &mut self.pdu {
            t.observe(d);
        }
        if let Some(t) = &mut self.ssh {
            t.observe(d);
        }
        if let Some(t) = &mut self.arp {
            t.observe(d);
        }
    }

    /// What the trackers' limits cost this run, one warning per limit that was hit (empty
    /// when nothing was lost); the CLI prints them on stderr at the end of the run.
    pub fn limit_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(t) = &self.tcp {
            out.extend(t.limit_warnings());
        }
        if let Some(t) = &self.tftp {
            out.extend(t.limit_warnings());
        }
        if let Some(t) = &self.echo {
            out.extend(t.limit_warnings());
        }
        if let Some(t) = &self.arp {
            out.extend(t.limit_warnings());
        }
        out
    }

    /// The lookup the UDP dissector uses to recognise TFTP on ephemeral ports.
    pub fn tftp_lookup(&self) -> &dyn crate::dissect::TftpLookup {
        match &self.tftp {
            Some(t) => t,
            None => &crate::dissect::NoTftp,
        }
    }
}
