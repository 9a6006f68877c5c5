//! IPv4 and IPv6 fragment reassembly, as tshark's `ip.defragment` (on by default) does it:
//! the frame whose fragment completes a datagram is dissected again with the whole payload,
//! so its transport and application layers show; the other fragments stay data.
//!
//! Fragments are copied (the only copy on the packet path) into a bounded buffer per
//! datagram. Every limit is named: [`MAX_PENDING_DATAGRAMS`], [`MAX_DATAGRAM_LEN`],
//! [`MAX_BUFFERED_BYTES`], [`REASSEMBLY_TIMEOUT_NS`]. Datagrams given up to honour them are
//! counted ([`Defragmenter::dropped`], [`Defragmenter::expired`],
//! [`Defragmenter::oversized`]) and reported at the end of the run
//! ([`Defragmenter::limit_warnings`]).
//!
//! Cost per fragment is O(log n) in the number of pending datagrams (they are also kept in age
//! order) plus O(k) in the number of disjoint pieces its datagram has, so a fragment flood
//! cannot make the run quadratic.

use crate::dissect::{Dissection, IpAddr, View};
use crate::track::HashMap;
use std::collections::BTreeMap;

/// Most datagrams being reassembled at once. Linux keeps 4 MiB of fragments by default
/// (`ipfrag_high_thresh`); 4096 datagrams of a typical 3-fragment ping is well above what a
/// capture of honest traffic holds, and bounds what a fragment flood can make us keep.
pub const MAX_PENDING_DATAGRAMS: usize = 4096;
/// Largest datagram reassembled: the IPv4 maximum (and IPv6 without jumbograms).
pub const MAX_DATAGRAM_LEN: usize = 65_535;
/// Most fragment bytes held in total (64 MiB, 16 times Linux's 4 MiB `ipfrag_high_thresh`,
/// since a capture may hold many hosts' traffic): with [`MAX_PENDING_DATAGRAMS`] it caps
/// memory.
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
    /// Disjoint, sorted, non-adjacent byte ranges received so far.
    covered: Vec<(usize, usize)>,
    total: Option<usize>,
    /// Key in [`Defragmenter::by_age`]: arrival time of the first fragment, then a serial.
    age: (i128, u64),
}

impl Pending {
    fn is_complete(&self) -> bool {
        match self.total {
            Some(t) => self.covered.first() == Some(&(0, t)),
            None => false,
        }
    }

    /// Adds `start..end` to the covered ranges, merging it with those it touches.
    fn cover(&mut self, start: usize, end: usize) {
        if start >= end {
            return;
        }
        // The first range that ends at or after `start`, and the first that starts after `end`.
        let from = self.covered.partition_point(|&(_, e)| e < start);
        let to = self.covered.partition_point(|&(s, _)| s <= end);
        if from == to {
            self.covered.insert(from, (start, end));
            return;
        }
        let merged = (
            start.min(self.covered[from].0),
            end.max(self.covered[to - 1].1),
        );
        self.covered[from] = merged;
        self.covered.drain(from + 1..to);
    }
}

/// Reassembles fragmented datagrams.
#[derive(Default)]
pub struct Defragmenter {
    pending: HashMap<FragKey, Pending>,
    /// The pending datagrams, oldest first.
    by_age: BTreeMap<(i128, u64), FragKey>,
    serial: u64,
    buffered: usize,
    done: Vec<u8>,
    /// Datagrams given up to stay within [`MAX_PENDING_DATAGRAMS`] or [`MAX_BUFFERED_BYTES`].
    pub dropped: u64,
    /// Datagrams given up because they were not complete within [`REASSEMBLY_TIMEOUT_NS`].
    pub expired: u64,
    /// Fragments refused because they reach past [`MAX_DATAGRAM_LEN`].
    pub oversized: u64,
}

/// The fragment a frame carries (outermost IP layer), if any.
pub fn fragment_of<'a>(d: &Dissection<'a>) -> Option<Fragment<'a>> {
    // Nearly every frame: no IP layer is a fragment (noted as the layers were added).
    if !d.has_fragment {
        return None;
    }
    let complete = d.frame.data.len() as u64 >= d.frame.orig_len as u64;
    let mut ipv6: Option<(IpAddr, IpAddr)> = None;
    for layer in &d.layers {
        match &layer.view {
            View::Ipv4(ip) => {
                if !ip.dissected_as_fragment(layer.bytes.len()) {
                    return None;
                }
                let key = FragKey {
                    src: IpAddr::V4(ip.src()),
                    dst: IpAddr::V4(ip.dst()),
                    id: ip.id() as u32,
                    proto: ip.proto(),
                };
                let payload = layer.bytes.get(ip.hdr_len()..).unwrap_or(&[]);
                let complete = complete && layer.bytes.len() >= ip.datagram_len();
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
    /// Offers the fragment `d` carries, if any (see [`fragment_of`]); the whole datagram
    /// payload when it completes one, to dissect the frame again with. Every run loop calls
    /// this on every frame, in frame order.
    pub fn complete(&mut self, d: &Dissection<'_>, now: i128) -> Option<&[u8]> {
        let frag = fragment_of(d)?;
        self.offer(&frag, now)
    }

    /// Adds a fragment. Returns the whole datagram payload when this fragment completes it.
    pub fn offer(&mut self, frag: &Fragment<'_>, now: i128) -> Option<&[u8]> {
        let Some(end) = frag
            .offset
            .checked_add(frag.payload.len())
            .filter(|&end| end <= MAX_DATAGRAM_LEN)
        else {
            self.oversized += 1;
            return None;
        };
        if !frag.complete {
            return None;
        }
        self.expire(now);
        let have = self.pending.get(&frag.key).map(|p| p.data.len());
        let growth = end.saturating_sub(have.unwrap_or(0));
        let slots = usize::from(have.is_none());
        self.make_room(slots, growth, &frag.key);
        if have.is_none() {
            let age = (now, self.serial);
            self.serial += 1;
            self.by_age.insert(age, frag.key);
            self.pending.insert(
                frag.key,
                Pending {
                    data: Vec::new(),
                    covered: Vec::new(),
                    total: None,
                    age,
                },
            );
        }
        let p = self.pending.get_mut(&frag.key)?;
        if p.data.len() < end {
            self.buffered += end - p.data.len();
            p.data.resize(end, 0);
        }
        p.data
            .get_mut(frag.offset..end)?
            .copy_from_slice(frag.payload);
        p.cover(frag.offset, end);
        if !frag.more {
            p.total = Some(end);
        }
        if !p.is_complete() {
            return None;
        }
        let p = self.remove(&frag.key)?;
        let total = p.total.unwrap_or(p.data.len());
        self.done.clear();
        self.done
            .extend_from_slice(p.data.get(..total).unwrap_or(&p.data));
        Some(&self.done)
    }

    /// What the limits cost this run, as end-of-run warnings (empty when nothing was lost).
    pub fn limit_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.dropped > 0 {
            out.push(format!(
                "{} fragmented IP datagrams were given up before reassembly to stay within \
                 MAX_PENDING_DATAGRAMS ({MAX_PENDING_DATAGRAMS}) and MAX_BUFFERED_BYTES \
                 ({MAX_BUFFERED_BYTES})",
                self.dropped
            ));
        }
        if self.expired > 0 {
            out.push(format!(
                "{} fragmented IP datagrams were not complete within REASSEMBLY_TIMEOUT_NS \
                 ({} s) and were given up",
                self.expired,
                REASSEMBLY_TIMEOUT_NS / 1_000_000_000
            ));
        }
        if self.oversized > 0 {
            out.push(format!(
                "{} IP fragments reach past MAX_DATAGRAM_LEN ({MAX_DATAGRAM_LEN} bytes) and \
                 were not reassembled",
                self.oversized
            ));
        }
        out
    }

    fn remove(&mut self, key: &FragKey) -> Option<Pending> {
        let p = self.pending.remove(key)?;
        self.by_age.remove(&p.age);
        self.buffered -= p.data.len();
        Some(p)
    }

    /// Gives up every datagram whose first fragment came [`REASSEMBLY_TIMEOUT_NS`] or more
    /// before `now`.
    fn expire(&mut self, now: i128) {
        while let Some((&(first, _), &key)) = self.by_age.first_key_value() {
            if now - first < REASSEMBLY_TIMEOUT_NS {
                break;
            }
            if self.remove(&key).is_none() {
                self.by_age.pop_first();
            }
            self.expired += 1;
        }
    }

    /// Gives up the oldest datagrams other than `keep` until `slots` more datagrams and
    /// `bytes` more bytes fit the limits.
    fn make_room(&mut self, slots: usize, bytes: usize, keep: &FragKey) {
        while self.pending.len() + slots > MAX_PENDING_DATAGRAMS
            || self.buffered + bytes > MAX_BUFFERED_BYTES
        {
            let oldest = self.by_age.values().find(|k| *k != keep).copied();
            let Some(oldest) = oldest else { return };
            self.remove(&oldest);
            self.dropped += 1;
        }
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
        assert_eq!((d.expired, d.dropped), (1, 0));
        assert!(d.limit_warnings()[0].contains("REASSEMBLY_TIMEOUT_NS (60 s)"));
    }

    #[test]
    fn oversized_datagram_is_refused() {
        let mut d = Defragmenter::default();
        assert!(d.offer(&frag(MAX_DATAGRAM_LEN, false, b"z"), 0).is_none());
        assert!(d.pending.is_empty());
        assert_eq!(d.oversized, 1);
        assert!(d.limit_warnings()[0].contains("MAX_DATAGRAM_LEN (65535 bytes)"));
    }

    #[test]
    fn pending_limit_drops_the_oldest_and_counts_it() {
        let mut d = Defragmenter::default();
        for id in 0..MAX_PENDING_DATAGRAMS as u32 + 10 {
            let mut f = frag(0, true, b"12345678");
            f.key.id = id;
            assert!(d.offer(&f, i128::from(id)).is_none());
        }
        assert_eq!(d.pending.len(), MAX_PENDING_DATAGRAMS);
        assert_eq!(d.by_age.len(), MAX_PENDING_DATAGRAMS);
        assert_eq!(d.dropped, 10);
        let oldest = d.by_age.values().next().unwrap();
        assert_eq!(oldest.id, 10, "the first ten were given up");
        assert!(d.limit_warnings()[0].contains("MAX_PENDING_DATAGRAMS (4096)"));
    }

    #[test]
    fn growing_datagrams_count_against_the_byte_limit() {
        let mut d = Defragmenter::default();
        let big = vec![0u8; 8000];
        // Each datagram grows to ~64 KiB through a small first fragment and a far one.
        let datagrams = MAX_BUFFERED_BYTES / 57_000 + 50;
        for id in 0..datagrams as u32 {
            let mut f = frag(0, true, b"12345678");
            f.key.id = id;
            d.offer(&f, 0);
            let mut far = frag(56_000, true, &big);
            far.key.id = id;
            d.offer(&far, 0);
            assert!(d.buffered <= MAX_BUFFERED_BYTES, "{} buffered", d.buffered);
        }
        assert!(d.dropped > 0);
        let held: usize = d.pending.values().map(|p| p.data.len()).sum();
        assert_eq!(held, d.buffered);
    }

    proptest::proptest! {
        /// Covered ranges stay sorted, disjoint and equal to the union of what was offered.
        #[test]
        fn cover_is_the_union(ranges in proptest::collection::vec((0usize..200, 0usize..40), 0..60)) {
            let mut p = Pending { data: Vec::new(), covered: Vec::new(), total: None, age: (0, 0) };
            let mut bits = [false; 240];
            for (start, len) in ranges {
                p.cover(start, start + len);
                for b in &mut bits[start..start + len] {
                    *b = true;
                }
            }
            for w in p.covered.windows(2) {
                proptest::prop_assert!(w[0].1 < w[1].0, "{:?}", p.covered);
            }
            let mut from_ranges = [false; 240];
            for &(s, e) in &p.covered {
                for b in &mut from_ranges[s..e] {
                    *b = true;
                }
            }
            proptest::prop_assert_eq!(from_ranges, bits);
        }
    }
}
