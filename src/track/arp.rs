//! ARP duplicate-address detection: tshark's "duplicate use of 192.168.1.104 detected!".
//!
//! Contract (Wireshark 4.0's `packet-arp.c`, on by default):
//! - Only requests and replies of Ethernet hardware (type 1 or 6, 6-byte addresses) over IPv4
//!   (4-byte addresses) are looked at. The sender's binding (MAC, IP) is checked when the MAC
//!   is unicast and not all zeros and the IP is not 0.0.0.0; the target's the same way, but
//!   only in a reply and only for an address other than one already found duplicated.
//! - A check of address A in frame N: when A was never bound, it is bound to this MAC; when
//!   the earlier binding is from an earlier frame and has the same MAC, the binding is
//!   refreshed (frame, time); when its MAC differs, the earlier binding is reported as a
//!   duplicate and kept (the table is not rebound to the newcomer).
//! - The Info suffix follows tshark's flag, which the last check made sets: a reply whose
//!   sender is a duplicate but whose target check finds nothing shows no suffix, though the
//!   sender's `arp.duplicate-address-frame` is still there.
//! - Memory: at most [`MAX_ARP_BINDINGS`] addresses; past that the table is cleared and the
//!   loss is reported at the end of the run.

use crate::dissect::generated::{ArpDuplicate, ArpDuplicates};
use crate::dissect::{Dissection, Proto, View, arp::Arp};
use crate::track::HashMap;

/// Most IPv4 addresses remembered. A /16 of hosts fits; a capture with more distinct ARP
/// senders (a scan, a crafted flood) clears the table and starts again, so memory stays
/// bounded (about 40 bytes an entry).
pub const MAX_ARP_BINDINGS: usize = 65_536;

/// ARP hardware types tshark treats as Ethernet (`ARP_HW_IS_ETHER`).
const ETHER_HW_TYPES: [u16; 2] = [1, 6];
/// ARP protocol types tshark treats as IPv4 (`ARP_PRO_IS_IPv4`: IPv4 and AX.25's IP).
const IPV4_PROTO_TYPES: [u16; 2] = [0x0800, 0xcc];
/// Opcodes that carry bindings: request and reply.
const REQUEST: u16 = 1;
const REPLY: u16 = 2;

/// Where an address was last bound.
#[derive(Debug, Clone, Copy)]
struct Binding {
    mac: [u8; 6],
    frame: u32,
    /// Whole seconds of the frame's timestamp (tshark keeps `abs_ts.secs`).
    secs: i64,
}

/// The IPv4-to-MAC bindings seen so far.
#[derive(Default)]
pub struct ArpTracker {
    bindings: HashMap<[u8; 4], Binding>,
    /// Bindings forgotten when the table reached [`MAX_ARP_BINDINGS`].
    pub forgotten: u64,
}

impl ArpTracker {
    /// Checks the frame's ARP bindings and records what it finds in `d.generated.arp`.
    pub fn observe(&mut self, d: &mut Dissection<'_>) {
        let Some(arp) = arp_of(d) else {
            return;
        };
        let now = Binding {
            mac: [0; 6],
            frame: d.number,
            secs: d.frame.ts.secs,
        };
        let mut found = ArpDuplicates::default();
        let mut flagged = None;
        if let (Some(mac), Some(ip)) = (arp.sender_mac(), arp.sender_ip())
            && binds(mac, ip)
        {
            found.found[0] = self.check(mac, ip, now);
            flagged = found.found[0].map(|dup| dup.ip);
        }
        if let (Some(mac), Some(ip)) = (arp.target_mac(), arp.target_ip())
            && binds(mac, ip)
            && arp.opcode() != REQUEST
            && flagged != Some(ip)
        {
            found.found[1] = self.check(mac, ip, now);
            // tshark's flag is assigned, not or-ed: this check decides the Info suffix.
            flagged = found.found[1].map(|dup| dup.ip);
        }
        found.info = flagged;
        if found.found.iter().any(Option::is_some) {
            d.generated.arp = Some(found);
        }
    }

    /// Checks `ip` bound to `mac` at `now` against the earlier binding (see the contract).
    fn check(&mut self, mac: [u8; 6], ip: [u8; 4], now: Binding) -> Option<ArpDuplicate> {
        if let Some(earlier) = self.bindings.get_mut(&ip) {
            if now.frame <= earlier.frame {
                return None;
            }
            if earlier.mac == mac {
                (earlier.frame, earlier.secs) = (now.frame, now.secs);
                return None;
            }
            return Some(ArpDuplicate {
                ip,
                earlier_mac: earlier.mac,
                earlier_frame: earlier.frame,
                seconds_since: now.secs.wrapping_sub(earlier.secs) as u32,
            });
        }
        if self.bindings.len() >= MAX_ARP_BINDINGS {
            self.forgotten += self.bindings.len() as u64;
            self.bindings.clear();
        }
        self.bindings.insert(ip, Binding { mac, ..now });
        None
    }

    /// What the limit cost this run, as end-of-run warnings (empty when nothing was lost).
    pub fn limit_warnings(&self) -> Vec<String> {
        if self.forgotten == 0 {
            return Vec::new();
        }
        vec![format!(
            "{} ARP address bindings were forgotten to stay within MAX_ARP_BINDINGS \
             ({MAX_ARP_BINDINGS}); a duplicate of a forgotten address is not reported",
            self.forgotten
        )]
    }
}

/// The frame's ARP request or reply, when it is Ethernet over IPv4.
fn arp_of<'l>(d: &'l Dissection<'_>) -> Option<&'l Arp<'l>> {
    // This runs on every frame of a summary: the dissector's flag spares the others a search.
    if !d.has_arp {
        return None;
    }
    let layer = d.first(Proto::Arp)?;
    let View::Arp(arp) = &layer.view else {
        return None;
    };
    let kinds = ETHER_HW_TYPES.contains(&arp.hw_type())
        && IPV4_PROTO_TYPES.contains(&arp.proto_type())
        && matches!(arp.opcode(), REQUEST | REPLY);
    kinds.then_some(arp)
}

/// True when a (MAC, IP) pair binds anything: a unicast, non-zero MAC and a non-zero IP.
fn binds(mac: [u8; 6], ip: [u8; 4]) -> bool {
    mac[0] & 0x01 == 0 && mac != [0; 6] && ip != [0; 4]
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [u8; 6] = [0, 0x11, 0x22, 0x33, 0x44, 0x55];
    const B: [u8; 6] = [0, 0x66, 0x77, 0x88, 0x99, 0xaa];
    const IP: [u8; 4] = [192, 168, 1, 104];

    fn at(frame: u32, secs: i64) -> Binding {
        Binding {
            mac: [0; 6],
            frame,
            secs,
        }
    }

    #[test]
    fn second_mac_for_an_address_is_a_duplicate_of_the_first() {
        let mut t = ArpTracker::default();
        assert_eq!(t.check(A, IP, at(1, 100)), None);
        assert_eq!(t.check(A, IP, at(5, 103)), None, "same MAC refreshes");
        let dup = t.check(B, IP, at(9, 110)).expect("duplicate");
        assert_eq!((dup.earlier_frame, dup.seconds_since), (5, 7));
        assert_eq!(dup.earlier_mac, A);
        // The table keeps the first MAC: B again is still a duplicate of frame 5.
        assert_eq!(
            t.check(B, IP, at(12, 111)).map(|d| d.earlier_frame),
            Some(5)
        );
        // The same frame never duplicates itself.
        assert_eq!(t.check(B, IP, at(5, 111)), None);
    }

    #[test]
    fn only_unicast_nonzero_bindings_count() {
        assert!(binds(A, IP));
        assert!(!binds([1, 0, 0x5e, 0, 0, 1], IP));
        assert!(!binds([0; 6], IP));
        assert!(!binds(A, [0; 4]));
    }

    #[test]
    fn a_full_table_starts_again() {
        let mut t = ArpTracker::default();
        for i in 0..=MAX_ARP_BINDINGS as u32 {
            let ip = i.to_be_bytes();
            t.check(A, ip, at(i + 1, 0));
        }
        assert_eq!(t.forgotten, MAX_ARP_BINDINGS as u64);
        assert_eq!(t.bindings.len(), 1);
        assert_eq!(t.limit_warnings().len(), 1);
    }
}
