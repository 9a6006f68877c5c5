//! SSH (RFC 4253) on TCP port 22: the version banner, the binary packets of the key exchange,
//! and the encrypted packets after it, named the way tshark 4.0's `packet-ssh.c` names them.
//!
//! Each side first sends a banner line (`SSH-2.0-OpenSSH_8.7`); then packets of a 4-byte
//! length, a padding length, a payload whose first byte is the message code, and padding.
//! After a side sends New Keys, its packets are encrypted. What a frame shows depends on what
//! came before in the conversation (the client's banner sets the version; the key exchange
//! method, negotiated from both Key Exchange Init messages, names messages 30 to 34): the SSH
//! tracker (`crate::track::ssh`) keeps that state and hands each frame the [`State`] it
//! starts in. Without it every frame is read as if it were the first.

use super::{Dissection, Layer, Proto, View, Walker, be32};
use crate::dissect::field::{Emit, FieldDef, FieldType, Value};

/// SSH's TCP port.
pub const PORT: u16 = 22;
/// Packet length and padding length.
pub const PACKET_HEADER_LEN: usize = 5;
/// Longest banner line looked for (RFC 4253 §4.2: 255 characters with CR LF).
pub const MAX_BANNER: usize = 255;

/// Message codes of the key exchange.
pub mod code {
    /// Key exchange init: carries the algorithm lists.
    pub const KEXINIT: u8 = 20;
    /// New keys: packets after it are encrypted.
    pub const NEWKEYS: u8 = 21;
}

/// The key exchange method family, which names messages 30 to 34.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kex {
    /// Diffie-Hellman with a fixed group, and anything tshark does not know.
    #[default]
    Dh,
    /// Diffie-Hellman group exchange (RFC 4419).
    DhGex,
    /// Elliptic-curve Diffie-Hellman, curve25519 and curve448.
    Ecdh,
}

impl Kex {
    /// The family of a method name, as tshark 4.0 sorts them.
    pub fn of(method: &[u8]) -> Kex {
        if method.starts_with(b"diffie-hellman-group-exchange-") {
            Kex::DhGex
        } else if method.starts_with(b"ecdh-sha2-")
            || method.starts_with(b"curve25519-sha256")
            || method == b"curve448-sha512"
        {
            Kex::Ecdh
        } else {
            Kex::Dh
        }
    }

    /// The message code of the server's reply, after which tshark knows the session well
    /// enough to stay silent about encrypted packets.
    pub fn reply_code(self) -> u8 {
        match self {
            Kex::DhGex => 33,
            Kex::Dh | Kex::Ecdh => 31,
        }
    }
}

/// What one direction of a conversation had done before a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct State {
    /// The conversation's version, from the client's banner.
    pub version: Option<u8>,
    /// This side sent its banner.
    pub banner_done: bool,
    /// This side sent New Keys: its packets are encrypted.
    pub encrypted: bool,
    /// The server's key exchange reply was seen.
    pub reply_seen: bool,
    /// The negotiated key exchange family.
    pub kex: Kex,
    /// A packet begun in an earlier segment.
    pub partial: Option<Partial>,
}

/// A packet begun in an earlier segment: its first bytes (length, padding length, message
/// code), kept until seen, and how many of its bytes were seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Partial {
    head: [u8; PACKET_HEADER_LEN + 1],
    seen: u32,
}

impl Partial {
    /// The packet's length with its length field, once that field was seen.
    fn total(&self) -> Option<u64> {
        (self.seen >= 4).then(|| be32(&self.head, 0) as u64 + 4)
    }

    /// The message code (0 for a packet too short to have one).
    fn code(&self) -> u8 {
        if self.seen as usize > PACKET_HEADER_LEN {
            self.head[PACKET_HEADER_LEN]
        } else {
            0
        }
    }

    /// Feeds the next bytes: `Some(n)` when the packet ends after the first `n` of them.
    fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut i = 0;
        while (self.seen as usize) < self.head.len() && i < bytes.len() {
            if self.total().is_some_and(|t| self.seen as u64 >= t) {
                break;
            }
            self.head[self.seen as usize] = bytes[i];
            self.seen += 1;
            i += 1;
        }
        let total = self.total()?;
        let left = total.saturating_sub(self.seen as u64);
        let avail = (bytes.len() - i) as u64;
        if avail >= left {
            self.seen = total.min(u32::MAX as u64) as u32;
            Some(i + left as usize)
        } else {
            self.seen = self.seen.saturating_add(avail as u32);
            None
        }
    }
}

/// How a frame stands against packets spanning segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Every packet the frame starts ends in it.
    Whole,
    /// The frame starts a packet that ends later: tshark shows `[TCP segment of a
    /// reassembled PDU]` as its whole Info, with Protocol `TCP`.
    Starts,
    /// The frame is inside a packet begun earlier: shown as TCP, with the segment suffix.
    Inside,
}

/// The outcome of reading a frame from a [`State`].
#[derive(Debug, Clone, Copy)]
pub struct Walk<'a> {
    /// The state after the frame.
    pub state: State,
    /// The span.
    pub span: Span,
    /// The key exchange algorithm list of a Key Exchange Init in the frame.
    pub kex_algorithms: Option<&'a [u8]>,
    /// The server's key exchange reply is in the frame.
    pub reply: bool,
}

/// A view of an SSH payload and its direction.
#[derive(Debug, Clone, Copy)]
pub struct Ssh<'a> {
    buf: &'a [u8],
    /// The client sent it (its destination is port 22).
    pub from_client: bool,
}

impl<'a> Ssh<'a> {
    /// A view of `buf`.
    pub fn new(buf: &'a [u8], from_client: bool) -> Self {
        Ssh { buf, from_client }
    }

    /// The banner line this frame starts with, if it does.
    pub fn banner(&self) -> Option<&'a [u8]> {
        if !self.buf.starts_with(b"SSH-") {
            return None;
        }
        let n = memchr::memchr(b'\n', &self.buf[..self.buf.len().min(MAX_BANNER + 1)])?;
        let line = &self.buf[..n];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }

    /// Reads the frame from state `st`, writing the Info items (`Protocol (...)`, message
    /// names) joined by `, ` into `out`, and returns the state after it.
    pub fn walk(&self, st: State, out: &mut String) -> Walk<'a> {
        let buf = self.buf;
        let mut st = st;
        let mut walk = Walk {
            state: st,
            span: Span::Whole,
            kex_algorithms: None,
            reply: false,
        };
        let mut off = 0;
        let mut items = Items { out, first: true };
        if let Some(mut p) = st.partial {
            let Some(n) = p.feed(buf) else {
                st.partial = Some(p);
                walk.state = st;
                walk.span = Span::Inside;
                return walk;
            };
            st.partial = None;
            off = n;
            items.push(&message_name(p.code(), st.kex));
            apply(&mut st, &mut walk, p.code());
        }
        while off < buf.len() {
            let rest = &buf[off..];
            let step = if !st.banner_done && rest.starts_with(b"SSH-") {
                self.banner_step(rest, &mut st, &mut walk, &mut items)
            } else if st.version != Some(2) || st.encrypted {
                if !(st.encrypted && st.reply_seen) {
                    items.push(&format_args!("Encrypted packet (len={})", rest.len()));
                }
                None
            } else {
                packet_step(rest, off == 0, &mut st, &mut walk, &mut items)
            };
            match step {
                Some(n) => off += n,
                None => break,
            }
        }
        walk.state = st;
        walk
    }

    /// Reads the banner line at the start of `rest`: `Some(bytes read)`, or `None` when the
    /// segment cuts it.
    fn banner_step(
        &self,
        rest: &[u8],
        st: &mut State,
        walk: &mut Walk<'_>,
        items: &mut Items<'_>,
    ) -> Option<usize> {
        let Some(line) = Ssh::new(rest, self.from_client).banner() else {
            // A banner cut by the segment: tshark waits for the rest.
            walk.span = Span::Starts;
            return None;
        };
        items.push(&Banner(line));
        st.banner_done = true;
        if self.from_client {
            st.version = Some(
                if line.starts_with(b"SSH-1.") && !line.starts_with(b"SSH-1.99") {
                    1
                } else {
                    2
                },
            );
        }
        Some(memchr::memchr(b'\n', rest).map_or(rest.len(), |n| n + 1))
    }
}

/// The Info items of a frame, joined by `, ` as they are written.
struct Items<'o> {
    out: &'o mut String,
    first: bool,
}

impl Items<'_> {
    /// Appends one item.
    fn push(&mut self, text: &dyn std::fmt::Display) {
        use std::fmt::Write as _;
        if !self.first {
            self.out.push_str(", ");
        }
        self.first = false;
        let _ = write!(self.out, "{text}");
    }
}

/// Reads the binary packet at the start of `rest` (`at_start`: at the frame's first byte):
/// `Some(bytes read)`, or `None` when it ends in a later segment and is kept in `st`.
fn packet_step<'a>(
    rest: &'a [u8],
    at_start: bool,
    st: &mut State,
    walk: &mut Walk<'a>,
    items: &mut Items<'_>,
) -> Option<usize> {
    let mut p = Partial::default();
    match p.feed(rest) {
        Some(n) => {
            let msg = p.code();
            items.push(&message_name(msg, st.kex));
            if msg == code::KEXINIT {
                walk.kex_algorithms = name_list(&rest[..n], 0);
            }
            apply(st, walk, msg);
            Some(n.max(1))
        }
        None => {
            // A packet that ends in a later segment (tshark reassembles it).
            if p.code() == code::KEXINIT {
                walk.kex_algorithms = name_list(rest, 0);
            }
            st.partial = Some(p);
            if at_start {
                walk.span = Span::Starts;
            }
            None
        }
    }
}

/// Applies what a message does to the state.
fn apply(st: &mut State, walk: &mut Walk<'_>, msg: u8) {
    if msg == code::NEWKEYS {
        st.encrypted = true;
    }
    if msg == st.kex.reply_code() {
        st.reply_seen = true;
        walk.reply = true;
    }
}

/// Name list `i` (0: key exchange algorithms) of a Key Exchange Init packet, as far as it
/// was captured.
pub fn name_list(packet: &[u8], i: usize) -> Option<&[u8]> {
    // length, padding length, code, 16-byte cookie
    let mut at = PACKET_HEADER_LEN + 1 + 16;
    for _ in 0..i {
        let n = be32(packet.get(at..at + 4)?, 0) as usize;
        at = at.checked_add(4 + n)?;
    }
    let n = be32(packet.get(at..at + 4)?, 0) as usize;
    let end = (at + 4).saturating_add(n).min(packet.len());
    packet.get(at + 4..end)
}

/// The method both sides' lists agree on: the first of the client's that the server has.
pub fn negotiate<'l>(client: &'l [u8], server: &[u8]) -> Option<&'l [u8]> {
    client
        .split(|&b| b == b',')
        .find(|c| server.split(|&b| b == b',').any(|s| s == *c))
}

struct Banner<'a>(&'a [u8]);

impl std::fmt::Display for Banner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        let _ = super::dns::write_text(&mut s, self.0);
        write!(f, "Protocol ({s})")
    }
}

/// A message name as tshark's Info shows it.
pub fn message_name(msg: u8, kex: Kex) -> std::borrow::Cow<'static, str> {
    let by_kex = match (kex, msg) {
        (Kex::Ecdh, 30) => Some("Elliptic Curve Diffie-Hellman Key Exchange Init"),
        (Kex::Ecdh, 31) => Some("Elliptic Curve Diffie-Hellman Key Exchange Reply"),
        (Kex::DhGex, 30) => Some("Diffie-Hellman Group Exchange Request (Old)"),
        (Kex::DhGex, 31) => Some("Diffie-Hellman Group Exchange Group"),
        (Kex::DhGex, 32) => Some("Diffie-Hellman Group Exchange Init"),
        (Kex::DhGex, 33) => Some("Diffie-Hellman Group Exchange Reply"),
        (Kex::DhGex, 34) => Some("Diffie-Hellman Group Exchange Request"),
        (Kex::Dh, 30) => Some("Diffie-Hellman Key Exchange Init"),
        (Kex::Dh, 31) => Some("Diffie-Hellman Key Exchange Reply"),
        _ => None,
    };
    match by_kex.or_else(|| {
        MESSAGES
            .iter()
            .find(|(k, _)| *k == msg as u64)
            .map(|(_, n)| *n)
    }) {
        Some(n) => n.into(),
        None => format!("Unknown ({msg})").into(),
    }
}

/// Message names outside the key exchange's own codes.
pub static MESSAGES: &[(u64, &str)] = &[
    (1, "Disconnect"),
    (2, "Ignore"),
    (3, "Unimplemented"),
    (4, "Debug"),
    (5, "Service Request"),
    (6, "Service Accept"),
    (20, "Key Exchange Init"),
    (21, "New Keys"),
    (50, "User Authentication Request"),
    (51, "User Authentication Failure"),
    (52, "User Authentication Success"),
    (53, "User Authentication Banner"),
    (60, "Public Key algorithm accepted"),
    (80, "Global Request"),
    (81, "Request Success"),
    (82, "Request Failure"),
    (90, "Channel Open"),
    (91, "Channel Open Confirmation"),
    (92, "Channel Open Failure"),
    (93, "Window Adjust"),
    (94, "Channel Data"),
    (95, "Channel Extended Data"),
    (96, "Channel EOF"),
    (97, "Channel Close"),
    (98, "Channel Request"),
    (99, "Channel Success"),
    (100, "Channel Failure"),
];

/// Dissects a payload on the SSH port.
pub fn dissect<'a>(w: &mut Walker<'a, '_>, offset: usize, payload: &'a [u8], from_client: bool) {
    w.push(
        Proto::Ssh,
        offset,
        payload,
        View::Ssh(Ssh::new(payload, from_client)),
    );
}

/// The Protocol and Info columns of a frame read from state `st`.
pub fn columns(m: &Ssh<'_>, st: State, info: &mut String) -> &'static str {
    let mut items = String::new();
    let walk = m.walk(st, &mut items);
    info.clear();
    match walk.span {
        Span::Starts => {
            info.push_str("[TCP segment of a reassembled PDU]");
            return "TCP";
        }
        Span::Inside | Span::Whole => {}
    }
    info.push_str(if m.from_client {
        "Client: "
    } else {
        "Server: "
    });
    info.push_str(&items);
    match st.version {
        Some(1) => "SSHv1",
        Some(2) => "SSHv2",
        _ => "SSH",
    }
}

fn view<'l, 'a>(l: &'l Layer<'a>) -> Option<&'l Ssh<'a>> {
    match &l.view {
        View::Ssh(m) => Some(m),
        _ => None,
    }
}

fn protocol_field<'a>(l: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    let banner_done = d.generated.ssh.is_some_and(|s| s.banner_done);
    if let Some(b) = view(l).filter(|_| !banner_done).and_then(|m| m.banner()) {
        emit(Value::Str(b));
    }
}

fn direction<'a>(l: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(m) = view(l) {
        emit(Value::Bool(!m.from_client));
    }
}

/// SSH fields.
pub static FIELDS: &[FieldDef] = &[
    FieldDef::new(
        "ssh.protocol",
        "Protocol",
        FieldType::Str,
        Proto::Ssh,
        protocol_field,
    ),
    FieldDef::new(
        "ssh.direction",
        "Direction",
        FieldType::Bool,
        Proto::Ssh,
        direction,
    )
    .generated(crate::dissect::field::Needs::NONE),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(payload: &[u8]) -> Vec<u8> {
        let pad = 4;
        let mut v = ((1 + payload.len() + pad) as u32).to_be_bytes().to_vec();
        v.push(pad as u8);
        v.extend_from_slice(payload);
        v.extend(std::iter::repeat_n(0, pad));
        v
    }

    fn kexinit(kex: &[u8]) -> Vec<u8> {
        let mut p = vec![code::KEXINIT];
        p.extend([0x11; 16]);
        p.extend((kex.len() as u32).to_be_bytes());
        p.extend_from_slice(kex);
        p.extend([0; 8]);
        packet(&p)
    }

    fn run(buf: &[u8], client: bool, st: State) -> (String, &'static str, Walk<'_>) {
        let m = Ssh::new(buf, client);
        let mut info = String::new();
        let proto = columns(&m, st, &mut info);
        let walk = m.walk(st, &mut String::new());
        (info, proto, walk)
    }

    #[test]
    fn banners_set_the_version_from_the_client() {
        let (info, proto, w) = run(b"SSH-2.0-OpenSSH_7.8\r\n", true, State::default());
        assert_eq!(
            (info.as_str(), proto),
            ("Client: Protocol (SSH-2.0-OpenSSH_7.8)", "SSH")
        );
        assert_eq!(w.state.version, Some(2));
        assert!(w.state.banner_done);
        let server = State {
            version: Some(2),
            ..State::default()
        };
        let (info, proto, _) = run(b"SSH-2.0-OpenSSH_7.4p1 Debian\r\n", false, server);
        assert_eq!(
            (info.as_str(), proto),
            ("Server: Protocol (SSH-2.0-OpenSSH_7.4p1 Debian)", "SSHv2")
        );
        // A server banner alone does not tell the version.
        let (_, _, w) = run(b"SSH-2.0-srv\r\n", false, State::default());
        assert_eq!(w.state.version, None);
    }

    #[test]
    fn unknown_version_means_encrypted() {
        let (info, proto, _) = run(b"GET / HTTP/1.1\r\n\r\n", true, State::default());
        assert_eq!(
            (info.as_str(), proto),
            ("Client: Encrypted packet (len=18)", "SSH")
        );
    }

    #[test]
    fn key_exchange_messages_and_new_keys() {
        let st = State {
            version: Some(2),
            banner_done: true,
            kex: Kex::Ecdh,
            ..State::default()
        };
        let mut buf = packet(&[31, 1, 2, 3]);
        buf.extend(packet(&[code::NEWKEYS]));
        buf.extend(b"encrypted bytes");
        let (info, _, w) = run(&buf, false, st);
        assert_eq!(
            info,
            "Server: Elliptic Curve Diffie-Hellman Key Exchange Reply, New Keys"
        );
        assert!(w.reply && w.state.encrypted && w.state.reply_seen);
        // After a full key exchange, encrypted packets add nothing.
        let (info, _, _) = run(b"\x00\x01\x02", false, w.state);
        assert_eq!(info, "Server: ");
        // Without one, tshark says how long they are.
        let (info, _, _) = run(
            b"\x00\x01\x02",
            true,
            State {
                encrypted: true,
                ..st
            },
        );
        assert_eq!(info, "Client: Encrypted packet (len=3)");
    }

    #[test]
    fn every_truncation_of_a_packet_starts_a_segment() {
        let st = State {
            version: Some(2),
            banner_done: true,
            ..State::default()
        };
        let full = kexinit(b"curve25519-sha256");
        for n in 1..full.len() {
            let (info, proto, w) = run(&full[..n], true, st);
            assert_eq!(
                (info.as_str(), proto, w.span),
                ("[TCP segment of a reassembled PDU]", "TCP", Span::Starts),
                "length {n}"
            );
            assert_eq!(w.state.partial.map(|p| p.seen as usize), Some(n));
            // The rest completes it, in one piece or two.
            let (info, _, w2) = run(&full[n..], true, w.state);
            assert_eq!(info, "Client: Key Exchange Init", "length {n}");
            assert_eq!(w2.state.partial, None);
            let mid = n + (full.len() - n) / 2;
            if mid > n {
                let (_, _, w3) = run(&full[n..mid], true, w.state);
                assert_eq!(w3.span, Span::Inside, "length {n}");
                let (info, _, _) = run(&full[mid..], true, w3.state);
                assert_eq!(info, "Client: Key Exchange Init", "length {n}");
            }
        }
    }

    #[test]
    fn segments_inside_a_packet() {
        let mut p = Partial::default();
        assert_eq!(p.feed(&[0, 0, 0, 96, 4, code::KEXINIT]), None);
        let st = State {
            version: Some(2),
            banner_done: true,
            partial: Some(p),
            ..State::default()
        };
        let (_, _, w) = run(&[0; 60], true, st);
        assert_eq!(w.span, Span::Inside);
        assert_eq!(w.state.partial.map(|p| p.seen), Some(66));
        let (info, _, w) = run(&[0; 34], true, w.state);
        assert_eq!(
            (info.as_str(), w.state.partial),
            ("Client: Key Exchange Init", None)
        );
        // A length that lies runs as far as the stream goes, never further.
        let mut p = Partial::default();
        assert_eq!(p.feed(&[0xff, 0xff, 0xff, 0xff, 0]), None);
        assert_eq!(p.feed(&[0; 1000]), None);
    }

    #[test]
    fn negotiation_and_methods() {
        let k = kexinit(b"sntrup761x25519-sha512@openssh.com,curve25519-sha256");
        let list = name_list(&k, 0).unwrap();
        assert_eq!(
            negotiate(list, b"curve25519-sha256,diffie-hellman-group14-sha256"),
            Some(&b"curve25519-sha256"[..])
        );
        assert_eq!(negotiate(b"a,b", b"c"), None);
        assert_eq!(Kex::of(b"curve25519-sha256@libssh.org"), Kex::Ecdh);
        assert_eq!(Kex::of(b"diffie-hellman-group-exchange-sha256"), Kex::DhGex);
        assert_eq!(Kex::of(b"sntrup761x25519-sha512@openssh.com"), Kex::Dh);
        assert_eq!(
            message_name(34, Kex::DhGex),
            "Diffie-Hellman Group Exchange Request"
        );
        assert_eq!(message_name(200, Kex::Dh), "Unknown (200)");
        // A list length that lies is cut at the packet's end.
        let mut bad = k.clone();
        bad[25] = 0xff;
        assert_eq!(name_list(&bad, 0).map(<[u8]>::len), Some(bad.len() - 26));
        assert_eq!(name_list(&bad, 3), None);
    }
}
