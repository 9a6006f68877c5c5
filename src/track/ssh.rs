//! SSH conversation state: the version the client's banner announced, the key exchange
//! method both sides' Key Exchange Init lists agree on, and per direction whether the banner
//! and New Keys were sent and how much of a packet begun in an earlier segment is still to
//! come. Each SSH frame gets the [`State`] it starts in (`d.generated.ssh`); a segment inside
//! a longer packet loses its SSH layer and shows as a TCP segment of a reassembled PDU.
//!
//! Bounds: [`MAX_SSH_CONVERSATIONS`] conversations, [`MAX_KEX_LIST`] bytes of each side's key
//! exchange list until the method is chosen.

use crate::dissect::ssh::{Kex, Partial, State, negotiate};
use crate::dissect::{Dissection, Proto, View};
use crate::track::FlowKey;
use crate::track::HashMap;
use crate::track::pdu::PduFrameInfo;

/// Most SSH conversations followed. An entry is a few dozen bytes (plus two key exchange
/// lists until both are seen); when full, conversations idle for [`IDLE_EVICTION_NS`] are
/// forgotten, and if none is, a new conversation is read frame by frame without state.
pub const MAX_SSH_CONVERSATIONS: usize = 65_536;
/// Idle time after which a conversation may be forgotten when the table is full.
pub const IDLE_EVICTION_NS: i128 = 300 * 1_000_000_000;
/// Most bytes kept of a side's key exchange algorithm list (OpenSSH's is about 300).
pub const MAX_KEX_LIST: usize = 1024;

#[derive(Debug, Clone, Copy, Default)]
struct Side {
    banner_done: bool,
    encrypted: bool,
    partial: Option<Partial>,
}

#[derive(Debug, Clone, Default)]
struct Conv {
    version: Option<u8>,
    kex: Kex,
    reply_seen: bool,
    /// Client's, then server's key exchange list, until the method is chosen.
    lists: [Option<Box<[u8]>>; 2],
    sides: [Side; 2],
    last_seen: i128,
}

/// Follows every SSH conversation.
#[derive(Default)]
pub struct SshTracker {
    convs: HashMap<FlowKey, Conv>,
    scratch: String,
}

impl SshTracker {
    /// Looks at one frame (after the TCP analysis and the PDU tracker).
    pub fn observe(&mut self, d: &mut Dissection<'_>) {
        let Some(ti) = d.layers.iter().position(|l| l.proto == Proto::Tcp) else {
            return;
        };
        let Some(View::Ssh(m)) = d.layers.get(ti + 1).map(|l| l.view) else {
            return;
        };
        let (Some((src, dst)), Some(tcp)) = (d.ip_endpoints(), d.tcp()) else {
            return;
        };
        let (key, _) = FlowKey::new(src, tcp.src_port(), dst, tcp.dst_port());
        let now = d.frame.ts.as_nanos();
        if !self.convs.contains_key(&key) && self.convs.len() >= MAX_SSH_CONVERSATIONS {
            self.convs
                .retain(|_, c| now - c.last_seen < IDLE_EVICTION_NS);
            if self.convs.len() >= MAX_SSH_CONVERSATIONS {
                return;
            }
        }
        let conv = self.convs.entry(key).or_default();
        conv.last_seen = now;
        let i = usize::from(!m.from_client);
        let side = conv.sides[i];
        let st = State {
            version: conv.version,
            banner_done: side.banner_done,
            encrypted: side.encrypted,
            reply_seen: conv.reply_seen,
            kex: conv.kex,
            partial: side.partial,
        };
        d.generated.ssh = Some(st);
        self.scratch.clear();
        let walk = m.walk(st, &mut self.scratch);
        let after = walk.state;
        conv.version = after.version;
        conv.reply_seen |= walk.reply;
        conv.sides[i] = Side {
            banner_done: after.banner_done,
            encrypted: after.encrypted,
            partial: after.partial,
        };
        if let Some(list) = walk.kex_algorithms {
            conv.lists[i] = Some(list[..list.len().min(MAX_KEX_LIST)].into());
            if let [Some(c), Some(s)] = &conv.lists {
                conv.kex = negotiate(c, s).map_or(Kex::Dh, Kex::of);
                conv.lists = [None, None];
            }
        }
        if walk.span == crate::dissect::ssh::Span::Inside {
            d.layers.truncate(ti + 1);
            d.generated.pdu = Some(PduFrameInfo {
                segment: true,
                ..PduFrameInfo::default()
            });
        }
    }
}
