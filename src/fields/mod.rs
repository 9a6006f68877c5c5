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

pub mod frame;
pub mod value;

use crate::dissect::{Depth, Dissection, Layer, Proto};
use std::collections::HashMap;
use std::sync::OnceLock;
pub use value::{Base, FieldType, Value};

/// Where extracted values go; the value may borrow from the extractor's own stack, so it must
/// be used (compared, printed) before the call returns.
pub type Emit<'e> = dyn FnMut(Value<'_>) + 'e;

/// An extractor: reads one layer of the field's protocol and emits its values.
pub type Extract = for<'a> fn(&Layer<'a>, &Dissection<'a>, &mut Emit<'_>);

/// What must run before a field has a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    /// TCP stream tracking (stream index, relative numbers, analysis).
    pub tcp: bool,
    /// TFTP conversation tracking (ephemeral-port transfers, generated file names).
    pub tftp: bool,
    /// ICMP echo request/reply matching.
    pub echo: bool,
    /// The summary columns (`_ws.col.*`).
    pub columns: bool,
    /// UDP conversation numbering (`udp.stream`).
    pub udp: bool,
}

impl Needs {
    /// Nothing beyond the frame's own bytes.
    pub const NONE: Needs = Needs {
        tcp: false,
        tftp: false,
        echo: false,
        columns: false,
        udp: false,
    };
    /// TCP tracking.
    pub const TCP: Needs = Needs {
        tcp: true,
        tftp: false,
        echo: false,
        columns: false,
        udp: false,
    };
    /// TFTP tracking.
    pub const TFTP: Needs = Needs {
        tcp: false,
        tftp: true,
        echo: false,
        columns: false,
        udp: false,
    };
    /// UDP conversation numbering.
    pub const UDP: Needs = Needs {
        tcp: false,
        tftp: false,
        echo: false,
        columns: false,
        udp: true,
    };
    /// Everything (the summary columns read every tracker).
    pub const ALL: Needs = Needs {
        tcp: true,
        tftp: true,
        echo: true,
        columns: true,
        udp: true,
    };
    /// Echo matching.
    pub const ECHO: Needs = Needs {
        tcp: false,
        tftp: false,
        echo: true,
        columns: false,
        udp: false,
    };

    /// Union of two sets of needs.
    pub fn union(self, o: Needs) -> Needs {
        Needs {
            tcp: self.tcp || o.tcp,
            tftp: self.tftp || o.tftp,
            echo: self.echo || o.echo,
            columns: self.columns || o.columns,
            udp: self.udp || o.udp,
        }
    }
}

/// The declaration of one field.
#[derive(Clone, Copy)]
pub struct FieldDef {
    /// tshark's filter name (`ip.src`).
    pub name: &'static str,
    /// Label in the detail tree (`Source Address`).
    pub label: &'static str,
    /// Type.
    pub ftype: FieldType,
    /// Display base for integers.
    pub base: Base,
    /// Protocol layer the extractor reads.
    pub proto: Proto,
    /// The extractor.
    pub extract: Extract,
    /// Value names (`arp.opcode`: 1 = "request"), used by filters and the tree.
    pub values: &'static [(u64, &'static str)],
    /// Generated (not bytes on the wire): shown in `[brackets]` in the tree.
    pub generated: bool,
    /// Trackers the field needs.
    pub needs: Needs,
    /// Left out of the detail tree (tshark's hidden items: `ip.addr`, `tcp.port`, ...).
    pub hidden: bool,
}

impl std::fmt::Debug for FieldDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldDef")
            .field("name", &self.name)
            .field("ftype", &self.ftype)
            .finish()
    }
}

impl FieldDef {
    /// A plain field read from the wire.
    pub const fn new(
        name: &'static str,
        label: &'static str,
        ftype: FieldType,
        proto: Proto,
        extract: Extract,
    ) -> FieldDef {
        FieldDef {
            name,
            label,
            ftype,
            base: Base::Dec,
            proto,
            extract,
            values: &[],
            generated: false,
            needs: Needs::NONE,
            hidden: false,
        }
    }

    /// Same field, shown in hex.
    pub const fn hex(mut self) -> FieldDef {
        self.base = Base::Hex;
        self
    }

    /// Same field, shown as hex with the decimal value in the tree.
    pub const fn hex_dec(mut self) -> FieldDef {
        self.base = Base::HexDec;
        self
    }

    /// Same field, with value names.
    pub const fn values(mut self, values: &'static [(u64, &'static str)]) -> FieldDef {
        self.values = values;
        self
    }

    /// Same field, hidden from the detail tree.
    pub const fn hidden(mut self) -> FieldDef {
        self.hidden = true;
        self
    }

    /// Same field, marked generated and needing the given trackers.
    pub const fn generated(mut self, needs: Needs) -> FieldDef {
        self.generated = true;
        self.needs = needs;
        self
    }

    /// Name for a numeric value, if the field has value names.
    pub fn value_name(&self, v: u64) -> Option<&'static str> {
        self.values.iter().find(|(k, _)| *k == v).map(|(_, n)| *n)
    }

    /// How deep frames must be dissected for every value of this field to be seen.
    /// `frame.protocols`, the summary columns and the expert fields describe the whole
    /// stack, so they need all of it.
    pub fn depth(&self) -> Depth {
        if self.name == "frame.protocols" || self.name.starts_with("_ws.") || self.needs.columns {
            return Depth::All;
        }
        depth_for(self.proto)
    }
}

/// How deep dissection must go for a layer of `proto` to be seen wherever it occurs. IP
/// headers also occur quoted inside ICMP errors (and tunnelled), so `ip`/`ipv6` need the
/// [`Depth::Tunnel`] layers, though not TCP or UDP; ARP stops at the network layer.
pub fn depth_for(proto: Proto) -> Depth {
    use Proto as P;
    match proto {
        P::Frame | P::Eth | P::Vlan | P::Ieee8021ad | P::Llc | P::Sll | P::Null | P::Raw => {
            Depth::Link
        }
        P::Arp => Depth::Network,
        P::Ip | P::Ipv6 | P::Ipv6HopOpts | P::Ipv6Routing | P::Ipv6Frag | P::Ipv6DstOpts => {
            Depth::Tunnel
        }
        P::Icmp | P::Icmpv6 | P::Igmp | P::Udp => Depth::Datagram,
        P::Tcp => Depth::Transport,
        P::Tftp | P::Data => Depth::All,
        P::Dns | P::Mdns => Depth::All,
        P::Http | P::Ssdp | P::DataTextLines | P::Media | P::UrlencodedForm | P::Json | P::Xml => {
            Depth::All
        }
        P::Ssh | P::Ntp | P::Dhcp | P::Teredo => Depth::All,
    }
}

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
            crate::output::columns::FIELDS,
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
            if f.ftype != FieldType::Protocol {
                if let Some(list) = by_proto.get_mut(f.proto as usize) {
                    list.push(FieldId(i as u16));
                }
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

/// The registry, built on first use.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::build)
}

/// Short helper for extractors that emit one unsigned value from a view.
#[macro_export]
macro_rules! field {
    ($name:literal, $label:literal, $ty:ident, $proto:ident, $view:ident, |$v:ident, $d:ident| $body:expr) => {
        $crate::fields::FieldDef::new(
            $name,
            $label,
            $crate::fields::FieldType::$ty,
            $crate::dissect::Proto::$proto,
            {
                #[allow(
                    unused_variables,
                    for_loops_over_fallibles,
                    clippy::unnecessary_lazy_evaluations
                )]
                fn extract<'a>(
                    layer: &$crate::dissect::Layer<'a>,
                    $d: &$crate::dissect::Dissection<'a>,
                    emit: &mut $crate::fields::Emit<'_>,
                ) {
                    let _ = $d;
                    if let $crate::dissect::View::$view($v) = &layer.view {
                        #[allow(clippy::redundant_closure_call)]
                        for value in $body {
                            emit(value);
                        }
                    }
                }
                extract
            },
        )
    };
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
