//! NTP (RFC 5905) on UDP port 123: the header's leap indicator, version and mode, and the
//! Info line tshark 4.0 writes (`NTP Version 4, client`). Control (mode 6) and private
//! (mode 7, ntpd's `ntpdc` requests) messages are named as tshark names them.

use super::{Dissection, Layer, Proto, View, Walker, byte};
use crate::dissect::field::{Emit, FieldDef, FieldType, Value};
use std::fmt::Write as _;

/// NTP's port.
pub const PORT: u16 = 123;
/// The header of modes 0 to 5 (RFC 5905 §7.3), up to the transmit timestamp.
pub const HEADER_LEN: usize = 48;
/// Mode of a control message.
pub const MODE_CONTROL: u8 = 6;
/// Mode of a private (ntpdc) message.
pub const MODE_PRIVATE: u8 = 7;

/// A checked view of an NTP message (at least the flags byte).
#[derive(Debug, Clone, Copy)]
pub struct Ntp<'a> {
    buf: &'a [u8],
}

impl Ntp<'_> {
    /// Flags: leap indicator, version, mode.
    pub fn flags(&self) -> u8 {
        byte(self.buf, 0)
    }
    /// Leap indicator (not in private messages, whose top bits mean something else).
    pub fn leap(&self) -> Option<u8> {
        (self.mode() != MODE_PRIVATE).then(|| self.flags() >> 6)
    }
    /// Version.
    pub fn version(&self) -> u8 {
        (self.flags() >> 3) & 7
    }
    /// Mode.
    pub fn mode(&self) -> u8 {
        self.flags() & 7
    }
    /// Stratum (modes 0 to 5).
    pub fn stratum(&self) -> Option<u8> {
        (self.mode() < MODE_CONTROL)
            .then(|| self.buf.get(1).copied())
            .flatten()
    }
    /// The message is shorter than its mode's header.
    pub fn is_short(&self) -> bool {
        let need = match self.mode() {
            MODE_CONTROL => 12,
            MODE_PRIVATE => 8,
            _ => HEADER_LEN,
        };
        self.buf.len() < need
    }
}

/// Dissects an NTP message.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, data: &'a [u8]) {
    let m = Ntp { buf: data };
    if w.push(Proto::Ntp, offset, data, View::Ntp(m)) && m.is_short() {
        w.short(Proto::Ntp, offset, data);
    }
}

/// Writes the Info column.
pub fn info(m: &Ntp<'_>, out: &mut String) {
    let mode = match m.mode() {
        0 => "reserved",
        1 => "symmetric active",
        2 => "symmetric passive",
        3 => "client",
        4 => "server",
        5 => "broadcast",
        MODE_CONTROL => "control",
        _ => "private",
    };
    let _ = write!(out, "NTP Version {}, {mode}", m.version());
    if m.mode() == MODE_PRIVATE && m.buf.len() >= 4 {
        let kind = if m.flags() & 0x80 != 0 {
            "Response"
        } else {
            "Request"
        };
        let code = byte(m.buf, 3);
        match PRIVATE_REQUESTS.get(code as usize) {
            Some(name) => {
                let _ = write!(out, ", {kind}, {name}");
            }
            None => {
                let _ = write!(out, ", {kind}, Unknown ({code})");
            }
        }
    }
}

/// ntpd's private request codes 0 to 45 (`ntp.priv.reqcode`).
const PRIVATE_REQUESTS: [&str; 46] = [
    "PEER_LIST",
    "PEER_LIST_SUM",
    "PEER_INFO",
    "PEER_STATS",
    "SYS_INFO",
    "SYS_STATS",
    "IO_STATS",
    "MEM_STATS",
    "LOOP_INFO",
    "TIMER_STATS",
    "CONFIG",
    "UNCONFIG",
    "SET_SYS_FLAG",
    "CLR_SYS_FLAG",
    "MONITOR",
    "NOMONITOR",
    "GET_RESTRICT",
    "RESADDFLAGS",
    "RESSUBFLAGS",
    "UNRESTRICT",
    "MON_GETLIST",
    "RESET_STATS",
    "RESET_PEER",
    "REREAD_KEYS",
    "DO_DIRTY_HACK",
    "DONT_DIRTY_HACK",
    "TRUSTKEY",
    "UNTRUSTKEY",
    "AUTHINFO",
    "TRAPS",
    "ADD_TRAP",
    "CLR_TRAP",
    "REQUEST_KEY",
    "CONTROL_KEY",
    "GET_CTLSTATS",
    "GET_LEAPINFO",
    "GET_CLOCKINFO",
    "SET_CLKFUDGE",
    "GET_KERNEL",
    "GET_CLKBUGINFO",
    "Unknown (40)",
    "SET_PRECISION",
    "MON_GETLIST_1",
    "HOSTNAME_ASSOCID",
    "IF_STATS",
    "IF_RELOAD",
];

fn view<'l, 'a>(l: &'l Layer<'a>) -> Option<&'l Ntp<'a>> {
    match &l.view {
        View::Ntp(m) => Some(m),
        _ => None,
    }
}

macro_rules! ntp_field {
    ($fname:ident, |$m:ident| $value:expr) => {
        fn $fname<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
            if let Some($m) = view(l) {
                if let Some(v) = $value {
                    emit(Value::Uint(v as u64));
                }
            }
        }
    };
}

ntp_field!(flags, |m| Some(m.flags()));
ntp_field!(leap, |m| m.leap());
ntp_field!(version, |m| Some(m.version()));
ntp_field!(mode, |m| Some(m.mode()));
ntp_field!(stratum, |m| m.stratum());

/// Mode names (`ntp.flags.mode`).
pub static MODES: &[(u64, &str)] = &[
    (0, "reserved"),
    (1, "symmetric active"),
    (2, "symmetric passive"),
    (3, "client"),
    (4, "server"),
    (5, "broadcast"),
    (6, "reserved for NTP control message"),
    (7, "reserved for private use"),
];

/// NTP fields.
pub static FIELDS: &[FieldDef] = &[
    FieldDef::new("ntp.flags", "Flags", FieldType::U8, Proto::Ntp, flags).hex(),
    FieldDef::new(
        "ntp.flags.li",
        "Leap Indicator",
        FieldType::U8,
        Proto::Ntp,
        leap,
    ),
    FieldDef::new(
        "ntp.flags.vn",
        "Version number",
        FieldType::U8,
        Proto::Ntp,
        version,
    ),
    FieldDef::new("ntp.flags.mode", "Mode", FieldType::U8, Proto::Ntp, mode).values(MODES),
    FieldDef::new(
        "ntp.stratum",
        "Peer Clock Stratum",
        FieldType::U8,
        Proto::Ntp,
        stratum,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn info_of(buf: &[u8]) -> String {
        let mut s = String::new();
        info(&Ntp { buf }, &mut s);
        s
    }

    #[test]
    fn modes_and_versions() {
        let mut b = [0u8; HEADER_LEN];
        b[0] = 0x23;
        assert_eq!(info_of(&b), "NTP Version 4, client");
        b[0] = 0x24;
        b[1] = 1;
        let m = Ntp { buf: &b };
        assert_eq!(
            (m.stratum(), m.leap(), m.is_short()),
            (Some(1), Some(0), false)
        );
        assert_eq!(info_of(&[0x1e, 0, 0, 0]), "NTP Version 3, control");
        assert_eq!(
            info_of(&[0x27, 0, 0, 0]),
            "NTP Version 4, private, Request, PEER_LIST"
        );
        assert_eq!(
            info_of(&[0xa7, 0, 0, 200]),
            "NTP Version 4, private, Response, Unknown (200)"
        );
        assert_eq!(Ntp { buf: &[0x27] }.leap(), None);
    }

    #[test]
    fn every_truncation_of_the_header_is_short() {
        let mut b = [0u8; HEADER_LEN];
        b[0] = 0x23;
        for n in 1..HEADER_LEN {
            let m = Ntp { buf: &b[..n] };
            assert!(m.is_short(), "length {n}");
            assert_eq!(info_of(&b[..n]), "NTP Version 4, client");
        }
    }
}
