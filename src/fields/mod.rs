//! The field registry: one declaration per field drives the filter engine, `-T fields`, JSON,
//! the detail tree and `-G fields`.
//!
//! Every field has tshark's name, tshark's type, the protocol layer it reads and one extractor.
//! Each dissector file declares its own `FIELDS` table; [`registry`] collects them once, adds a
//! protocol field per [`Proto`] (`tcp`, `ip`, ...), and indexes them by name.
//!
//! An extractor is called with one layer of its protocol and emits zero or more values, so a
//! field that occurs twice (`ip.addr`: source and destination) emits twice, and a protocol that
//! occurs twice (the IP header quoted inside an ICMP error) yields occurrences from both layers.

pub mod columns;
pub mod frame;

use crate::dissect::{Dissection, Layer, Proto};
use std::collections::HashMap;
use std::sync::OnceLock;

pub use crate::dissect::field::{Emit, Extract, FieldDef, Needs};
pub use crate::value::{self, Base, FieldType, Value};

/// Index of a field in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldId(pub u16);

/// All fields, indexed by name.
pub struct Registry {
    fields: Vec<FieldDef>,
    by_name: HashMap<&'static str, FieldId>,
    /// Field ids of each protocol (not the protocol field itself), in registration order,
    /// indexed by `Proto as usize`: the tree and JSON walk these per layer.
    by_proto: Vec<Vec<FieldId>>,
}

/// Which occurrences of a protocol layer a field reads (the filter's layer operator `#`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerSel {
    /// Every layer of the field's protocol.
    All,
    /// Layers `from..=to`, 1-based, counted per protocol.
    Range(u32, u32),
}

fn protocol_value<'a>(layer: &Layer<'a>, _: &Dissection<'a>, emit: &mut Emit<'_>) {
    emit(Value::Bytes(layer.bytes));
}

fn protocol_fields() -> Vec<FieldDef> {
    let mut seen = std::collections::HashSet::new();
    Proto::ALL
        .iter()
        .filter(|p| seen.insert(p.name()))
        .map(|&p| {
            let mut def = FieldDef::new(
                p.name(),
                p.long_name(),
                FieldType::Protocol,
                p,
                protocol_value,
            );
            if p.needs_tcp_analysis() {
                def.needs = Needs::TCP;
            }
            def
        })
        .collect()
}

impl Registry {
    fn build() -> Registry {
        let tables: &[&[FieldDef]] = &[
            frame::FIELDS,
            crate::dissect::ethernet::FIELDS,
            crate::dissect::link::FIELDS,
            crate::dissect::arp::FIELDS,
            crate::dissect::ipv4::FIELDS,
            crate::dissect::ipv6::FIELDS,
            crate::dissect::icmp::FIELDS,
            crate::dissect::icmpv6::FIELDS,
            crate::dissect::igmp::FIELDS,
            crate::dissect::tcp::FIELDS,
            crate::dissect::udp::FIELDS,
            crate::dissect::tftp::FIELDS,
            crate::dissect::dns::FIELDS,
            crate::dissect::http::FIELDS,
            crate::dissect::ssh::FIELDS,
            crate::dissect::ntp::FIELDS,
            crate::dissect::dhcp::FIELDS,
            columns::FIELDS,
        ];
        let mut fields = protocol_fields();
        for t in tables {
            fields.extend_from_slice(t);
        }
        let by_name = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name, FieldId(i as u16)))
            .collect();
        let mut by_proto = vec![Vec::new(); Proto::ALL.len()];
        for (i, f) in fields.iter().enumerate() {
            if f.ftype != FieldType::Protocol
                && let Some(list) = by_proto.get_mut(f.proto as usize)
            {
                list.push(FieldId(i as u16));
            }
        }
        Registry {
            fields,
            by_name,
            by_proto,
        }
    }

    /// Looks a field or protocol up by its filter name.
    pub fn lookup(&self, name: &str) -> Option<FieldId> {
        self.by_name.get(name).copied()
    }

    /// The declaration of a field.
    pub fn def(&self, id: FieldId) -> &FieldDef {
        &self.fields[id.0 as usize]
    }

    /// Every field, in registration order (protocols first).
    pub fn all(&self) -> impl Iterator<Item = (FieldId, &FieldDef)> {
        self.fields
            .iter()
            .enumerate()
            .map(|(i, f)| (FieldId(i as u16), f))
    }

    /// Fields of one protocol, in registration order.
    pub fn of_proto(&self, proto: Proto) -> impl Iterator<Item = (FieldId, &FieldDef)> {
        let ids = self
            .by_proto
            .get(proto.field_family() as usize)
            .map_or(&[][..], Vec::as_slice);
        ids.iter().map(move |&id| (id, self.def(id)))
    }

    /// Names closest to `name` (for "did you mean"): same prefix or small edit distance.
    pub fn suggest(&self, name: &str) -> Option<&'static str> {
        self.fields
            .iter()
            .map(|f| (edit_distance(name, f.name), f.name))
            .filter(|(d, n)| *d <= 2.max(n.len() / 4))
            .min()
            .map(|(_, n)| n)
    }

    /// Calls `emit` with every value of field `id` in the frame, in layer order.
    pub fn each_value<'a>(
        &self,
        id: FieldId,
        d: &Dissection<'a>,
        sel: LayerSel,
        emit: &mut Emit<'_>,
    ) {
        let def = self.def(id);
        let mut nth = 0u32;
        let family = def.ftype != FieldType::Protocol;
        for layer in d
            .layers
            .iter()
            .filter(|l| l.proto == def.proto || (family && l.proto.field_family() == def.proto))
        {
            nth += 1;
            if let LayerSel::Range(from, to) = sel {
                if nth < from {
                    continue;
                }
                if nth > to {
                    break;
                }
            }
            (def.extract)(layer, d, emit);
        }
    }

    /// True when field `id` has at least one value in the frame.
    pub fn present(&self, id: FieldId, d: &Dissection<'_>) -> bool {
        let mut any = false;
        self.each_value(id, d, LayerSel::All, &mut |_| any = true);
        any
    }
}

/// Levenshtein distance, small strings only (field names).
fn edit_distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The trackers and dissection depth that reading the fields `ids` needs: each field's own,
/// every tracker for a summary column, and the TCP analysis and TFTP tracking for
/// `frame.protocols` (which layers a frame lists depends on them).
pub fn requirements_of(ids: impl IntoIterator<Item = FieldId>) -> (Needs, crate::dissect::Depth) {
    let reg = registry();
    ids.into_iter()
        .fold((Needs::NONE, crate::dissect::Depth::Link), |(n, d), id| {
            let def = reg.def(id);
            let n = n.union(def.needs);
            let n = if def.needs.columns {
                n.union(Needs::ALL)
            } else {
                n
            };
            let n = if def.name == "frame.protocols" {
                n.union(Needs::TCP).union(Needs::TFTP)
            } else {
                n
            };
            (n, d.max(def.depth()))
        })
}

/// The registry, built on first use.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::build)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let r = registry();
        let mut names: Vec<_> = r.all().map(|(_, f)| f.name).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "a field name is registered twice");
    }

    #[test]
    fn proto_order_matches_all() {
        for p in Proto::ALL {
            assert_eq!(
                Proto::ALL[*p as usize],
                *p,
                "Proto::ALL is in declaration order"
            );
        }
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(registry().suggest("ip.dts"), Some("ip.dst"));
    }
}
