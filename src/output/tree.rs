//! `-V`: the packet detail tree. One header line per layer, then that layer's fields from the
//! registry, indented four spaces, generated values in `[brackets]`.

use super::{BlockSink, OutputOptions, Sink};
use crate::capture::LinkType;
use crate::dissect::arp::Arp;
use crate::dissect::tcp::Tcp;
use crate::dissect::{Dissection, Layer, Proto, View};
use crate::fields::value::{write_ipv4, write_ipv6, write_mac};
use crate::fields::{Base, FieldDef, FieldType, Value, registry};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Writes the detail tree of each frame followed by a blank line.
pub struct TreeSink<W: Write> {
    out: W,
    opts: OutputOptions,
    buf: String,
}

impl<W: Write> TreeSink<W> {
    /// A tree printer.
    pub fn new(out: W, opts: OutputOptions) -> Self {
        TreeSink {
            out,
            opts,
            buf: String::new(),
        }
    }
}

fn mac_text(out: &mut String, mac: [u8; 6], opts: &OutputOptions) {
    if opts.resolve.mac {
        crate::resolve::write_resolved_mac(out, mac);
        out.push_str(" (");
        write_mac(out, &mac);
        out.push(')');
    } else {
        write_mac(out, &mac);
    }
}

/// Appends the header line of a layer (`Internet Protocol Version 4, Src: ..., Dst: ...`).
pub fn write_layer_header(
    out: &mut String,
    layer: &Layer<'_>,
    d: &Dissection<'_>,
    opts: &OutputOptions,
) {
    match &layer.view {
        View::Frame => write_frame_header(out, d),
        View::Eth(e) => {
            out.push_str("Ethernet II, Src: ");
            mac_text(out, e.src(), opts);
            out.push_str(", Dst: ");
            mac_text(out, e.dst(), opts);
        }
        View::Vlan(v) if layer.proto == Proto::Vlan => {
            let _ = write!(
                out,
                "802.1Q Virtual LAN, PRI: {}, DEI: {}, ID: {}",
                v.priority(),
                u8::from(v.dei()),
                v.id()
            );
        }
        View::Link(_) if layer.proto == Proto::Sll => {
            out.push_str(if d.frame.link_type == LinkType::LINUX_SLL2 {
                "Linux cooked capture v2"
            } else {
                "Linux cooked capture v1"
            });
        }
        View::Arp(a) => write_arp_header(out, a),
        View::Ipv4(ip) => {
            out.push_str("Internet Protocol Version 4, Src: ");
            write_ipv4(out, &ip.src());
            out.push_str(", Dst: ");
            write_ipv4(out, &ip.dst());
        }
        View::Ipv6(ip) => {
            out.push_str("Internet Protocol Version 6, Src: ");
            write_ipv6(out, &ip.src());
            out.push_str(", Dst: ");
            write_ipv6(out, &ip.dst());
        }
        View::Tcp(t) => write_tcp_header(out, t, layer, d),
        View::Udp(u) => {
            let _ = write!(
                out,
                "User Datagram Protocol, Src Port: {}, Dst Port: {}",
                u.src_port(),
                u.dst_port()
            );
        }
        View::Data(bytes) => {
            let _ = write!(out, "Data ({} bytes)", bytes.len());
        }
        _ => out.push_str(layer.proto.long_name()),
    }
}

/// The frame's header line: its lengths and, when known, its capture interface.
fn write_frame_header(out: &mut String, d: &Dissection<'_>) {
    let (len, cap) = (d.frame.orig_len as u64, d.frame.data.len() as u64);
    let _ = write!(
        out,
        "Frame {}: {len} bytes on wire ({} bits), {cap} bytes captured ({} bits)",
        d.number,
        len * 8,
        cap * 8
    );
    if let Some(i) = d.frame.interface_id {
        let name = d.frame.interface_name.unwrap_or("-");
        out.push_str(" on interface ");
        crate::fields::value::write_escaped_str(out, name.as_bytes());
        let _ = write!(out, ", id {i}");
    }
}

/// The ARP header line, naming the opcode.
fn write_arp_header(out: &mut String, a: &Arp<'_>) {
    let kind = match a.opcode() {
        1 => "request",
        2 => "reply",
        _ => "opcode",
    };
    let _ = write!(out, "Address Resolution Protocol ({kind})");
}

/// The TCP header line: ports, and for the frame's outermost TCP layer the relative sequence
/// numbers and length the stream tracker worked out.
fn write_tcp_header(out: &mut String, t: &Tcp<'_>, layer: &Layer<'_>, d: &Dissection<'_>) {
    let _ = write!(
        out,
        "Transmission Control Protocol, Src Port: {}, Dst Port: {}",
        t.src_port(),
        t.dst_port()
    );
    let first = d
        .first(Proto::Tcp)
        .is_some_and(|l| l.offset == layer.offset);
    if let (Some(g), true, true) = (&d.generated.tcp, first, t.has_fixed_header()) {
        let _ = write!(out, ", Seq: {}", g.rel_seq);
        if g.has_ack {
            let _ = write!(out, ", Ack: {}", g.rel_ack);
        }
        let _ = write!(out, ", Len: {}", t.reported_len);
    }
}

/// Appends a value as the tree shows it (value names, hex with decimal, escaped strings).
pub fn write_tree_value(out: &mut String, def: &FieldDef, v: &Value<'_>) {
    if let (Some(n), Some(name)) = (v.as_u64(), v.as_u64().and_then(|n| def.value_name(n))) {
        match def.base {
            Base::Dec => {
                let _ = write!(out, "{name} ({n})");
            }
            _ => {
                out.push_str(name);
                out.push_str(" (");
                crate::fields::value::write_hex_int(out, n, def.ftype);
                out.push(')');
            }
        }
        return;
    }
    match (v, def.base, def.ftype) {
        (Value::Uint(n), Base::HexDec, _) => {
            crate::fields::value::write_hex_int(out, *n, def.ftype);
            let _ = write!(out, " ({n})");
        }
        (Value::Bool(b), _, FieldType::Bool) => out.push_str(if *b { "True" } else { "False" }),
        (Value::RelTime(_), _, _) => {
            super::fields::write_field_value(out, def, v);
            out.push_str(" seconds");
        }
        _ => super::fields::write_field_value(out, def, v),
    }
}

/// Appends the whole tree of a frame.
pub fn write_tree(out: &mut String, d: &Dissection<'_>, opts: &OutputOptions) {
    let reg = registry();
    for layer in &d.layers {
        let expanded = opts.expand.contains(layer.proto);
        // A collapsed IPv6 layer hides its extension headers too (tshark draws them inside).
        if !expanded && layer.proto.name().starts_with("ipv6.") {
            continue;
        }
        write_layer_header(out, layer, d, opts);
        out.push('\n');
        if !expanded {
            continue;
        }
        for (_, def) in reg.of_proto(layer.proto) {
            if def.hidden || def.needs.columns {
                continue;
            }
            (def.extract)(layer, d, &mut |v| {
                out.push_str("    ");
                if def.generated {
                    out.push('[');
                }
                out.push_str(def.label);
                if !matches!(v, Value::Present) {
                    out.push_str(": ");
                    write_tree_value(out, def, &v);
                }
                if def.generated {
                    out.push(']');
                }
                out.push('\n');
            });
        }
    }
    if let Some(p) = d.expert.problem {
        match p {
            crate::dissect::Problem::CutBySnaplen { proto } => {
                let _ = writeln!(
                    out,
                    "[Packet size limited during capture: {} truncated]",
                    proto.long_name()
                );
            }
            crate::dissect::Problem::Malformed { proto, reason } => {
                let _ = writeln!(
                    out,
                    "[Malformed Packet: {}]\n    [Expert Info (Error/Malformed): {reason}]",
                    proto.name()
                );
            }
        }
    }
    write_limit_note(out, d);
}

/// The note for a per-frame limit that stopped dissection (`Expert::limit_hit`).
fn write_limit_note(out: &mut String, d: &Dissection<'_>) {
    if let Some(what) = d.expert.limit_hit {
        let _ = writeln!(
            out,
            "[Dissection limit reached: {what}]\n    \
             [Expert Info (Note/Undecoded): the rest of the frame was not dissected]"
        );
    }
}

impl<W: Write> Sink for TreeSink<W> {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
        self.buf.clear();
        write_tree(&mut self.buf, d, &self.opts);
        self.buf.push('\n');
        self.out.write_all(self.buf.as_bytes())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl<W: Write> BlockSink for TreeSink<W> {}
