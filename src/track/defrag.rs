//! IPv4 and IPv6 fragment reassembly, as tshark's `ip.defragment` (on by default) does it:
//! the frame whose fragment completes a datagram is dissected again with the whole payload,
//! so its transport and application layers show; the other fragments stay data.
//!
//! Fragments are copied (the only copy on the packet path) into a bounded buffer per
//! datagram. Every limit is named: [`MAX_PENDING_DATAGRAMS`], [`MAX_DATAGRAM_LEN`],
//! [`MAX_BUFFERED_BYTES`], [`REASSEMBLY_TIMEOUT_NS`]. Datagrams dropped to honour them are
//! counted in [`Defragmenter::dropped`] and reported at the end of the run.

use crate::dissect::{Dissection, IpAddr, View};
use crate::track::HashMap;

/// Most datagrams being reassembled at once. Linux keeps 4 MiB of fragments by default
/// (`ipfrag_high_thresh`); 4096 datagrams of a typical 3-fragment ping is well above what a
/// capture of honest traffic holds, and bounds what a fragment flood can make us keep.
pub const MAX_PENDING_DATAGRAMS: usize = 4096;
/// Largest datagram reassembled: the IPv4 maximum (and IPv6 without jumbograms).
pub const MAX_DATAGRAM_LEN: usize = 65_535;
/// Most fragment bytes held in total (64 MiB): with [`MAX_PENDING_DATAGRAMS`] it caps memory.
pub const MAX_BUFFERED_BYTES: usize = 64 * 1024 * 1024;
/// A datagram not completed within 60 s is given up (Linux's `ipfrag_time` is 30 s; captures
/// taken at a distance see more jitter).
pub const REASSEMBLY_TIMEOUT_NS: i128 = 60 * 1_000_000_000;

/// What identifies the fragments of one datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FragKey {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// IPv4 identification or IPv6 fragment identification.
    pub id: u32,
    /// Upper-layer protocol.
    pub proto: u8,
}

/// One fragment, as the dissector found it.
#[derive(Debug, Clone, Copy)]
pub struct Fragment<'a> {
    /// Its datagram.
    pub key: FragKey,
    /// Offset of its payload in the datagram, in bytes.
    pub offset: usize,
    /// More fragments follow.
    pub more: bool,
    /// Its payload (as captured).
    pub payload: &'a [u8],
    /// True when the payload was captured whole (a fragment cut by the snaplen can not be used).
    pub complete: bool,
}

#[derive(Debug)]
struct Pending {
    data: Vec<u8>,
    covered: Vec<(usize, usize)>,
    total: Option<usize>,
    first_ts: i128,
}

impl Pending {
    fn is_complete(&self) -> bool {
        match self.total {
            Some(t) => self.covered.first() == Some(&(0, t)),
            None => false,
        }
    }

    fn cover(&mut self, start: usize, end: usize) {
        self.covered.push((start, end));
        self.covered.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(self.covered.len());
        for &(s, e) in &self.covered {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        self.covered = merged;
    }
}

/// Reassembles fragmented datagrams.
#[derive(Default)]
pub struct Defragmenter {
    pending: HashMap<FragKey, Pending>,
    buffered: usize,
    done: Vec<u8>,
    /// Datagrams given up because a limit was hit or they timed out.
    pub dropped: u64,
}

/// The fragment a frame carries (outermost IP layer), if any.
pub fn fragment_of<'a>(d: &Dissection<'a>) -> Option<Fragment<'a>> {
    let complete = d.frame.data.len() as u64 >= d.frame.orig_len as u64;
    let mut ipv6: Option<(IpAddr, IpAddr)> = None;
    for layer in &d.layers {
        match &layer.view {
            View::Ipv4(ip) => {
                if !ip.is_fragment() {
                    return None;
                }
                let key = FragKey {
                    src: IpAddr::V4(ip.src()),
                    dst: IpAddr::V4(ip.dst()),
                    id: ip.id() as u32,
                    proto: ip.proto(),
                };
                let payload = layer.bytes.get(ip.hdr_len()..).unwrap_or(&[]);
                let complete = complete && layer.bytes.len() >= ip.total_len() as usize;
                return Some(Fragment {
                    key,
                    offset: ip.frag_offset() as usize * 8,
                    more: ip.mf(),
                    payload,
                    complete,
                });
            }
            View::Ipv6(ip) => ipv6 = Some((IpAddr::V6(ip.src()), IpAddr::V6(ip.dst()))),
            View::Ipv6Ext(e) if layer.proto == crate::dissect::Proto::Ipv6Frag => {
                let (src, dst) = ipv6?;
                if e.frag_offset() == 0 && !e.more() {
                    return None;
                }
                let key = FragKey {
                    src,
                    dst,
                    id: e.ident(),
                    proto: e.nxt(),
                };
                let payload = layer.bytes.get(8..).unwrap_or(&[]);
                return Some(Fragment {
                    key,
                    offset: e.frag_offset() as usize * 8,
                    more: e.more(),
                    payload,
                    complete,
                });
            }
            View::Icmp(_) | View::Icmpv6(_) | View::Tcp(_) | View::Udp(_) => return None,
            _ => {}
        }
    }
    None
}

impl Defragmenter {
    /// Adds a fragment. Returns the whole datagram payload when this fragment completes it.
    pub fn offer(&mut self, frag: &Fragment<'_>, now: i128) -> Option<&[u8]> {
        let end = frag.offset.checked_add(frag.payload.len())?;
        if !frag.complete || end > MAX_DATAGRAM_LEN {
            return None;
        }
        self.expire(now);
        if !self.pending.contains_key(&frag.key) && !self.make_room(frag.payload.len()) {
            self.dropped += 1;
            return None;
        }
        let p = self.pending.entry(frag.key).or_insert_with(|| Pending {
            data: Vec::new(),
            covered: Vec::new(),
            total: None,
            first_ts: now,
        });
        if p.data.len() < end {
            self.buffered += end - p.data.len();
            p.data.resize(end, 0);
        }
        p.data[frag.offset..end].copy_from_slice(frag.payload);
        p.cover(frag.offset, end);
        if !frag.more {
            p.total = Some(end);
        }
        if !p.is_complete() {
            return None;
        }
        let p = self.pending.remove(&frag.key)?;
        self.buffered -= p.data.len();
        let total = p.total.unwrap_or(p.data.len());
        self.done.clear();
        self.done
            .extend_from_slice(&p.data[..total.min(p.data.len())]);
        Some(&self.done)
    }

    fn expire(&mut self, now: i128) {
        let before = self.pending.len();
        let mut freed = 0;
        self.pending.retain(|_, p| {
            let keep = now - p.first_ts < REASSEMBLY_TIMEOUT_NS;
            if !keep {
                freed += p.data.len();
            }
            keep
        });
        self.buffered -= freed;
        self.dropped += (before - self.pending.len()) as u64;
    }

    fn make_room(&mut self, incoming: usize) -> bool {
        while self.pending.len() >= MAX_PENDING_DATAGRAMS
            || self.buffered + incoming > MAX_BUFFERED_BYTES
        {
            let Some(oldest) = self
                .pending
                .iter()
                .min_by_key(|(_, p)| p.first_ts)
                .map(|(k, _)| *k)
            else {
                return false;
            };
            if let Some(p) = self.pending.remove(&oldest) {
                self.buffered -= p.data.len();
                self.dropped += 1;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(offset: usize, more: bool, payload: &[u8]) -> Fragment<'_> {
        let key = FragKey {
            src: IpAddr::V4([10, 0, 0, 1]),
            dst: IpAddr::V4([10, 0, 0, 2]),
            id: 7,
            proto: 17,
        };
        Fragment {
            key,
            offset,
            more,
            payload,
            complete: true,
        }
    }

    #[test]
    fn in_any_order() {
        let mut d = Defragmenter::default();
        assert!(d.offer(&frag(8, false, b"world"), 0).is_none());
        let done = d.offer(&frag(0, true, b"hello, w"), 1).map(<[u8]>::to_vec);
        assert_eq!(done.as_deref(), Some(&b"hello, wworld"[..]));
        assert!(d.pending.is_empty() && d.buffered == 0);
    }

    #[test]
    fn a_gap_never_completes_and_times_out() {
        let mut d = Defragmenter::default();
        assert!(d.offer(&frag(0, true, b"12345678"), 0).is_none());
        assert!(d.offer(&frag(16, false, b"x"), 0).is_none());
        assert!(
            d.offer(&frag(100, true, b"y"), REASSEMBLY_TIMEOUT_NS + 1)
                .is_none()
        );
        assert_eq!(d.dropped, 1);
    }

    #[test]
    fn oversized_datagram_is_refused() {
        let mut d = Defragmenter::default();
        assert!(d.offer(&frag(MAX_DATAGRAM_LEN, false, b"z"), 0).is_none());
        assert!(d.pending.is_empty());
    }
}
