//! TFTP conversation tracking, as Wireshark's packet-tftp.c does it.
//!
//! A read or write request to port 69 opens a conversation keyed by the client's address and
//! port and the server's address, with the server port a wildcard. The server answers from a
//! new port; the first datagram from it to the client binds that port. From then on, DATA,
//! ACK, ERROR and OACK on the ephemeral ports are TFTP, and carry the request frame and file
//! name as generated fields. A new request from the same client port replaces the old
//! conversation.

pub use crate::dissect::generated::TftpFrameInfo;
use crate::dissect::tftp::{DEFAULT_BLKSIZE, opcode};
use crate::dissect::{Dissection, IpAddr, Proto, TftpLookup, View};
use crate::track::HashMap;
use std::sync::Arc;

/// Most TFTP conversations remembered. Each holds a file name (at most a few hundred bytes);
/// 65 536 of them is a few MiB. When full, the oldest half is forgotten.
pub const MAX_TFTP_CONVERSATIONS: usize = 65_536;

/// Longest file name kept from a request; longer names are cut (the whole name is still shown
/// on the request frame itself, which borrows it from the packet). 512 bytes is RFC 1350's
/// block size, which common servers also take as the largest request; with
/// [`MAX_TFTP_CONVERSATIONS`] it bounds the names kept to 32 MiB.
pub const MAX_FILENAME_LEN: usize = 512;

#[derive(Debug, Clone)]
struct Conversation {
    server_port: Option<u16>,
    info: TftpFrameInfo,
    opened: u32,
}

/// Tracks TFTP conversations.
#[derive(Default)]
pub struct TftpTracker {
    conversations: HashMap<(IpAddr, u16, IpAddr), Conversation>,
    /// Conversations forgotten to stay within [`MAX_TFTP_CONVERSATIONS`].
    pub forgotten: u64,
    /// Requests whose file name was cut to [`MAX_FILENAME_LEN`] for the generated fields.
    pub names_cut: u64,
}

impl TftpLookup for TftpTracker {
    fn is_tftp(&self, src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> bool {
        self.find(src, sport, dst, dport).is_some()
    }
}

impl TftpTracker {
    fn find(&self, src: IpAddr, sport: u16, dst: IpAddr, dport: u16) -> Option<&Conversation> {
        let to_client = self
            .conversations
            .get(&(dst, dport, src))
            .filter(|c| c.server_port.is_none_or(|p| p == sport));
        let to_server = || {
            self.conversations
                .get(&(src, sport, dst))
                .filter(|c| c.server_port == Some(dport))
        };
        to_client.or_else(to_server)
    }

    /// What the limits cost this run, as end-of-run warnings (empty when nothing was lost).
    pub fn limit_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.forgotten > 0 {
            out.push(format!(
                "{} TFTP transfers were forgotten to stay within MAX_TFTP_CONVERSATIONS \
                 ({MAX_TFTP_CONVERSATIONS}); their later packets may show as UDP data",
                self.forgotten
            ));
        }
        if self.names_cut > 0 {
            out.push(format!(
                "{} TFTP file names longer than MAX_FILENAME_LEN ({MAX_FILENAME_LEN} bytes) were \
                 cut in the generated tftp.destination_file of their transfers",
                self.names_cut
            ));
        }
        out
    }

    /// Opens, binds or updates a conversation from this frame, and fills
    /// `d.generated.tftp` on frames that belong to one.
    pub fn observe(&mut self, d: &mut Dissection<'_>) {
        let Some(layer) = d.first(Proto::Tftp) else {
            return;
        };
        let View::Tftp(msg) = layer.view else { return };
        let (Some((src, dst)), Some(udp)) = (d.ip_endpoints(), d.udp()) else {
            return;
        };
        let (sport, dport) = (udp.src_port(), udp.dst_port());
        let op = msg.opcode();
        if matches!(op, opcode::RRQ | opcode::WRQ) {
            if let Some(name) = msg.filename() {
                self.open(d.number, src, sport, dst, name, op == opcode::RRQ);
            }
            return;
        }
        let key = if self
            .conversations
            .get(&(dst, dport, src))
            .is_some_and(|c| c.server_port.is_none_or(|p| p == sport))
        {
            (dst, dport, src)
        } else {
            (src, sport, dst)
        };
        let Some(conv) = self.conversations.get_mut(&key) else {
            return;
        };
        if key.0 == dst && conv.server_port.is_none() {
            conv.server_port = Some(sport);
        }
        if op == opcode::OACK
            && let Some(b) = msg
                .option_u64("blksize")
                .filter(|b| (8..=65464).contains(b))
        {
            conv.info.blksize = b as u16;
        }
        d.generated.tftp = Some(conv.info.clone());
    }

    fn open(
        &mut self,
        frame: u32,
        client: IpAddr,
        port: u16,
        server: IpAddr,
        name: &[u8],
        is_read: bool,
    ) {
        if self.conversations.len() >= MAX_TFTP_CONVERSATIONS {
            let mut opened: Vec<u32> = self.conversations.values().map(|c| c.opened).collect();
            opened.sort_unstable();
            let cutoff = opened[opened.len() / 2];
            let before = self.conversations.len();
            self.conversations.retain(|_, c| c.opened > cutoff);
            self.forgotten += (before - self.conversations.len()) as u64;
        }
        if name.len() > MAX_FILENAME_LEN {
            self.names_cut += 1;
        }
        let name = &name[..name.len().min(MAX_FILENAME_LEN)];
        let info = TftpFrameInfo {
            request_frame: frame,
            file: Arc::from(name),
            is_read,
            blksize: DEFAULT_BLKSIZE,
        };
        self.conversations.insert(
            (client, port, server),
            Conversation {
                server_port: None,
                info,
                opened: frame,
            },
        );
    }
}
