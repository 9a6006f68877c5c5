//! Teredo (RFC 4380): IPv6 carried in UDP on port 3544, optionally after an authentication
//! indicator and an origin indication. The inner IPv6 packet is dissected as a second network
//! layer, as tshark shows it (`ip:udp:teredo:ipv6`).

use super::{Proto, StubNote, View, Walker, byte, ipv6};

/// The Teredo server port.
pub const PORT: u16 = 3544;
/// Authentication indicator: type 0x0001, id and auth lengths, then 8-byte nonce and 1-byte
/// confirmation after the variable parts.
const AUTH_FIXED_LEN: usize = 4 + 8 + 1;
/// Origin indication: type 0x0000, 2-byte port, 4-byte address.
const ORIGIN_LEN: usize = 8;

/// Where the IPv6 packet starts, after the optional indicators; None when the bytes do not
/// look like Teredo.
fn ipv6_start(payload: &[u8]) -> Option<usize> {
    let mut at = 0;
    if payload.get(..2) == Some(&[0, 1]) {
        at = AUTH_FIXED_LEN + byte(payload, 2) as usize + byte(payload, 3) as usize;
    }
    if payload.get(at..at + 2) == Some(&[0, 0]) {
        at += ORIGIN_LEN;
    }
    (payload.get(at).map(|b| b >> 4) == Some(6)).then_some(at)
}

/// Dissects a UDP payload on the Teredo port: the tunnel layer, then the IPv6 packet.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, payload: &'a [u8]) {
    match ipv6_start(payload) {
        Some(at) => {
            if w.push(Proto::Teredo, offset, payload, View::Stub(StubNote::None)) {
                ipv6::dissect(w, offset + at, &payload[at..]);
            }
        }
        None => w.data(offset, payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicators_are_skipped() {
        assert_eq!(ipv6_start(&[0x60, 0, 0, 0]), Some(0));
        let mut origin = vec![0, 0, 1, 2, 3, 4, 5, 6];
        origin.push(0x60);
        assert_eq!(ipv6_start(&origin), Some(8));
        let mut auth = vec![0, 1, 0, 0];
        auth.extend_from_slice(&[0; 9]);
        auth.push(0x60);
        assert_eq!(ipv6_start(&auth), Some(13));
        assert_eq!(ipv6_start(&[0x45, 0]), None);
        assert_eq!(ipv6_start(&[0, 1, 255, 255]), None);
    }
}
