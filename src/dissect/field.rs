//! The declaration of a field: what each dissector's `FIELDS` table holds. One [`FieldDef`]
//! per field gives its tshark name, type, protocol layer, extractor and the trackers it needs;
//! the registry (`crate::fields`) collects the tables, and the filter engine, `-T fields`,
//! JSON and the tree read it. The types live here, beside the dissectors, so that a
//! dissector depends on nothing above it.
//!
//! An extractor is called with one layer of its protocol and emits zero or more values, so a
//! field that occurs twice (`ip.addr`: source and destination) emits twice.

use super::{Depth, Dissection, Layer, Proto};
pub use crate::value::{Base, FieldType, Value};

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
    /// ARP duplicate-address detection (the IP-to-MAC bindings seen so far).
    pub arp: bool,
}

impl Needs {
    /// Nothing beyond the frame's own bytes.
    pub const NONE: Needs = Needs {
        tcp: false,
        tftp: false,
        echo: false,
        columns: false,
        udp: false,
        arp: false,
    };
    /// TCP tracking.
    pub const TCP: Needs = Needs {
        tcp: true,
        ..Needs::NONE
    };
    /// TFTP tracking.
    pub const TFTP: Needs = Needs {
        tftp: true,
        ..Needs::NONE
    };
    /// UDP conversation numbering.
    pub const UDP: Needs = Needs {
        udp: true,
        ..Needs::NONE
    };
    /// Everything (the summary columns read every tracker).
    pub const ALL: Needs = Needs {
        tcp: true,
        tftp: true,
        echo: true,
        columns: true,
        udp: true,
        arp: true,
    };
    /// ARP duplicate-address detection.
    pub const ARP: Needs = Needs {
        arp: true,
        ..Needs::NONE
    };
    /// Echo matching.
    pub const ECHO: Needs = Needs {
        echo: true,
        ..Needs::NONE
    };

    /// Union of two sets of needs.
    pub fn union(self, o: Needs) -> Needs {
        Needs {
            tcp: self.tcp || o.tcp,
            tftp: self.tftp || o.tftp,
            echo: self.echo || o.echo,
            columns: self.columns || o.columns,
            udp: self.udp || o.udp,
            arp: self.arp || o.arp,
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
        self.proto.depth()
    }
}

/// Short helper for extractors that emit one unsigned value from a view.
#[macro_export]
macro_rules! field {
    ($name:literal, $label:literal, $ty:ident, $proto:ident, $view:ident, |$v:ident, $d:ident| $body:expr) => {
        $crate::dissect::field::FieldDef::new(
            $name,
            $label,
            $crate::value::FieldType::$ty,
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
                    emit: &mut $crate::dissect::field::Emit<'_>,
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
