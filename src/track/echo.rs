//! ICMP and ICMPv6 echo matching: links a reply to its request (`icmp.resp_to`, the
//! `(request in N)` of the Info column).

pub use crate::dissect::generated::EchoLink;
use crate::dissect::{Dissection, IpAddr, Proto, View};
use crate::track::HashMap;

/// Most unanswered requests remembered. A ping sweep of a /16 fits; past that the table is
/// cleared (answers to forgotten requests then show no link), which keeps a flood of
/// requests from growing memory without bound.
pub const MAX_PENDING_ECHOES: usize = 65_536;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct EchoKey {
    requester: IpAddr,
    responder: IpAddr,
    id: u16,
    seq: u16,
    v6: bool,
}

/// A request older than this no longer links to a reply (ping's own timeout is 10 s; a
/// minute leaves room for slow links), so it can be forgotten.
pub const ECHO_TIMEOUT_NS: i128 = 60 * 1_000_000_000;
/// Requests between two sweeps of the forgotten ones.
pub const ECHO_SWEEP_EVERY: u32 = 4096;

/// Remembers requests until their reply.
#[derive(Default)]
pub struct EchoTracker {
    pending: HashMap<EchoKey, (u32, i128)>,
    requests: u32,
    /// Unanswered requests forgotten when the table reached [`MAX_PENDING_ECHOES`].
    pub forgotten: u64,
}

impl EchoTracker {
    /// What the limit cost this run, as end-of-run warnings (empty when nothing was lost).
    pub fn limit_warnings(&self) -> Vec<String> {
        if self.forgotten == 0 {
            return Vec::new();
        }
        vec![format!(
            "{} unanswered ICMP echo requests were forgotten to stay within \
             MAX_PENDING_ECHOES ({MAX_PENDING_ECHOES}); replies to them show no request link",
            self.forgotten
        )]
    }

    /// Records a request or links a reply.
    pub fn observe(&mut self, d: &mut Dissection<'_>) {
        // The echo test first: it is cheaper, and most frames are not ICMP.
        let Some((v6, request, id, seq)) = echo_of(d) else {
            return;
        };
        let Some((src, dst)) = d.ip_endpoints() else {
            return;
        };
        let now = d.frame.ts.as_nanos();
        if request {
            self.requests = self.requests.wrapping_add(1);
            if self.requests.is_multiple_of(ECHO_SWEEP_EVERY) {
                // Replies come within seconds; an entry kept longer only costs memory.
                self.pending.retain(|_, (_, t)| now - *t < ECHO_TIMEOUT_NS);
            }
            if self.pending.len() >= MAX_PENDING_ECHOES {
                self.forgotten += self.pending.len() as u64;
                self.pending.clear();
            }
            let key = EchoKey {
                requester: src,
                responder: dst,
                id,
                seq,
                v6,
            };
            self.pending.insert(key, (d.number, now));
        } else {
            let key = EchoKey {
                requester: dst,
                responder: src,
                id,
                seq,
                v6,
            };
            if let Some(&(frame, t)) = self.pending.get(&key) {
                d.generated.echo = Some(EchoLink {
                    request_in: Some(frame),
                    response_in: None,
                    response_time_ns: Some(now - t),
                });
            }
        }
    }
}

fn echo_of(d: &Dissection<'_>) -> Option<(bool, bool, u16, u16)> {
    let layer = d
        .layers
        .iter()
        .find(|l| matches!(l.proto, Proto::Icmp | Proto::Icmpv6))?;
    match &layer.view {
        View::Icmp(i) if matches!(i.kind(), 0 | 8) => {
            Some((false, i.kind() == 8, i.ident()?, i.seq()?))
        }
        View::Icmpv6(i) if matches!(i.kind(), 128 | 129) => {
            Some((true, i.kind() == 128, i.echo_id()?, i.echo_seq()?))
        }
        _ => None,
    }
}
