//! `frame.*` fields: facts about the captured frame itself, not any protocol in it.

use super::{Emit, FieldDef, FieldType, Value};
use crate::dissect::{Dissection, Layer, Proto};
use arrayvec::ArrayVec;
use std::fmt::Write as _;

/// Longest `frame.protocols` string we build: an entry of `ENTRY_ROOM` bytes for each of
/// [`crate::dissect::MAX_LAYERS`] layers.
pub const MAX_PROTOCOLS_LEN: usize = crate::dissect::MAX_LAYERS * ENTRY_ROOM;

/// Room for one entry and its separator, copied at this fixed size (a few vector moves, not
/// a `memcpy` call per layer): the longest, `ieee8021ad:ethertype:`, is 21 bytes (a test
/// checks every protocol's).
const ENTRY_ROOM: usize = 24;

/// A `frame.protocols` entry with its separator, padded to [`ENTRY_ROOM`], and its length
/// with the separator.
type PaddedEntry = ([u8; ENTRY_ROOM], usize);

/// Every protocol's padded entry, and the three that depend on the layer: built once.
struct Entries {
    by_proto: Vec<PaddedEntry>,
    data: PaddedEntry,
    eth: PaddedEntry,
    igmp: PaddedEntry,
}

impl Entries {
    fn get() -> &'static Entries {
        static TABLE: std::sync::OnceLock<Entries> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| Entries {
            by_proto: Proto::ALL
                .iter()
                .map(|p| pad(p.protocols_entry()))
                .collect(),
            data: pad("data"),
            eth: pad("eth"),
            igmp: pad("igmp:igmp"),
        })
    }

    /// The layer's entry.
    fn of(&self, layer: &Layer<'_>) -> Option<&PaddedEntry> {
        match (&layer.view, layer.proto) {
            (_, Proto::Data) if layer.offset == 0 => Some(&self.data),
            (crate::dissect::View::Eth(e), Proto::Eth) if e.is_length() => Some(&self.eth),
            // An Ethernet header cut short never reached the EtherType dissector.
            (crate::dissect::View::Stub(_), Proto::Eth) => Some(&self.eth),
            // tshark's IGMP hands membership messages to a version dissector of the same name.
            (crate::dissect::View::Igmp(m), Proto::Igmp) if m.version().is_some() => {
                Some(&self.igmp)
            }
            (_, p) => self.by_proto.get(p as usize),
        }
    }
}

/// The `frame.protocols` entry of one layer (`eth:ethertype`, `ip`), or `None` when the
/// layer adds none.
pub fn protocols_entry(layer: &Layer<'_>) -> Option<&'static str> {
    let (piece, n) = Entries::get().of(layer)?;
    std::str::from_utf8(&piece[..n - 1]).ok()
}

/// Writes `frame.protocols` (`eth:ethertype:ip:udp:tftp:data`) into `buf`.
pub fn write_protocols(d: &Dissection<'_>, buf: &mut ArrayVec<u8, MAX_PROTOCOLS_LEN>) {
    let entries = Entries::get();
    for layer in d.layers.iter().skip(1) {
        let Some((piece, n)) = entries.of(layer) else {
            continue;
        };
        let end = buf.len() + n;
        if buf.try_extend_from_slice(piece).is_ok() {
            buf.truncate(end);
        }
    }
    // No separator after the last entry.
    buf.pop();
}

fn pad(entry: &str) -> PaddedEntry {
    let mut piece = [b':'; ENTRY_ROOM];
    let n = entry.len().min(ENTRY_ROOM - 1);
    piece[..n].copy_from_slice(&entry.as_bytes()[..n]);
    (piece, n + 1)
}

fn protocols<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    let mut buf = ArrayVec::new();
    write_protocols(d, &mut buf);
    emit(Value::Text(&buf));
}

fn number<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    emit(Value::Uint(d.number as u64));
}

fn len<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    emit(Value::Uint(d.frame.orig_len as u64));
}

fn cap_len<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    let mut n = d.frame.data.len();
    if d.frame.link_type.is_custom_block() {
        // tshark counts a custom block without its Private Enterprise Number.
        n = n.saturating_sub(crate::capture::pcapng::CUSTOM_BLOCK_PEN_LEN);
    }
    emit(Value::Uint(n as u64));
}

fn time<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if d.frame.ts.is_none() {
        return;
    }
    emit(Value::AbsTime(d.frame.ts));
}

fn time_epoch<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if d.frame.ts.is_none() {
        return;
    }
    emit(Value::RelTime(d.frame.ts.as_nanos()));
}

fn time_relative<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if d.frame.ts.is_none() {
        return;
    }
    emit(Value::RelTime(d.times.relative));
}

fn time_delta<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if d.frame.ts.is_none() {
        return;
    }
    emit(Value::RelTime(d.times.delta));
}

fn time_delta_displayed<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if d.frame.ts.is_none() {
        return;
    }
    emit(Value::RelTime(d.times.delta_displayed));
}

fn interface_id<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(id) = d.frame.interface_id {
        emit(Value::Uint(id as u64));
    }
}

/// tshark shows `-` for an interface without an `if_name`.
fn interface_name<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if d.frame.interface_id.is_some() {
        let name = d.frame.interface_name.unwrap_or("-");
        emit(Value::Str(name.as_bytes()));
    }
}

fn encap_type<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if !d.frame.link_type.is_custom_block() {
        emit(Value::Int(d.frame.link_type.wtap_encap() as i64));
    }
}

fn zero<'a>(_: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    emit(Value::Bool(false));
}

fn malformed<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if matches!(
        d.expert.problem,
        Some(crate::dissect::Problem::Malformed { .. })
    ) {
        emit(Value::Present);
    }
}

/// Longest `_ws.expert.message`: the longest protocol name and reason fit with room to spare.
const MAX_EXPERT_MESSAGE_LEN: usize = 256;

fn expert_message<'a>(_: &Layer<'a>, d: &Dissection<'a>, emit: &mut Emit<'_>) {
    if let Some(what) = d.expert.limit_hit {
        let mut buf = arrayvec::ArrayString::<MAX_EXPERT_MESSAGE_LEN>::new();
        let _ = write!(buf, "Dissection limit reached: {what}");
        emit(Value::Str(buf.as_bytes()));
    }
    let mut buf = arrayvec::ArrayString::<MAX_EXPERT_MESSAGE_LEN>::new();
    match d.expert.problem {
        Some(crate::dissect::Problem::Malformed { proto, reason }) => {
            let _ = write!(buf, "Malformed Packet ({}): {reason}", proto.name());
        }
        Some(crate::dissect::Problem::CutBySnaplen { .. }) => {
            let _ = buf.try_push_str("Packet size limited during capture");
        }
        None => return,
    }
    emit(Value::Str(buf.as_bytes()));
}

/// The `frame.*` fields (and tshark's `_ws.malformed` / `_ws.expert.message`).
pub static FIELDS: &[FieldDef] = &[
    FieldDef::new(
        "frame.number",
        "Frame Number",
        FieldType::U32,
        Proto::Frame,
        number,
    ),
    FieldDef::new(
        "frame.len",
        "Frame Length",
        FieldType::U32,
        Proto::Frame,
        len,
    ),
    FieldDef::new(
        "frame.cap_len",
        "Capture Length",
        FieldType::U32,
        Proto::Frame,
        cap_len,
    ),
    FieldDef::new(
        "frame.time",
        "Arrival Time",
        FieldType::AbsTime,
        Proto::Frame,
        time,
    ),
    FieldDef::new(
        "frame.time_epoch",
        "Epoch Time",
        FieldType::RelTime,
        Proto::Frame,
        time_epoch,
    ),
    FieldDef::new(
        "frame.time_relative",
        "Time since reference or first frame",
        FieldType::RelTime,
        Proto::Frame,
        time_relative,
    ),
    FieldDef::new(
        "frame.time_delta",
        "Time delta from previous captured frame",
        FieldType::RelTime,
        Proto::Frame,
        time_delta,
    ),
    FieldDef::new(
        "frame.time_delta_displayed",
        "Time delta from previous displayed frame",
        FieldType::RelTime,
        Proto::Frame,
        time_delta_displayed,
    ),
    FieldDef::new(
        "frame.protocols",
        "Protocols in frame",
        FieldType::Str,
        Proto::Frame,
        protocols,
    ),
    FieldDef::new(
        "frame.interface_id",
        "Interface id",
        FieldType::U32,
        Proto::Frame,
        interface_id,
    ),
    FieldDef::new(
        "frame.interface_name",
        "Interface name",
        FieldType::Str,
        Proto::Frame,
        interface_name,
    ),
    FieldDef::new(
        "frame.encap_type",
        "Encapsulation type",
        FieldType::I32,
        Proto::Frame,
        encap_type,
    ),
    FieldDef::new(
        "frame.marked",
        "Frame is marked",
        FieldType::Bool,
        Proto::Frame,
        zero,
    ),
    FieldDef::new(
        "frame.ignored",
        "Frame is ignored",
        FieldType::Bool,
        Proto::Frame,
        zero,
    ),
    FieldDef::new(
        "_ws.malformed",
        "Malformed Packet",
        FieldType::None,
        Proto::Frame,
        malformed,
    ),
    FieldDef::new(
        "_ws.expert.message",
        "Expert message",
        FieldType::Str,
        Proto::Frame,
        expert_message,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_protocols_entry_fits_its_room() {
        for p in Proto::ALL {
            let entry = p.protocols_entry();
            assert!(
                entry.len() < ENTRY_ROOM,
                "{entry} is too long for ENTRY_ROOM"
            );
        }
        assert!("igmp:igmp".len() < ENTRY_ROOM && "data".len() < ENTRY_ROOM);
    }
}
