//! `-T json` (one array) and `-T jsonl` (one object per line).
//!
//! Shape: `{"layers": {"frame": {...}, "eth": {...}, "ip": {...}, "ip#2": {...}}}`. Layers
//! are keyed by protocol name in order; a protocol seen again in the same frame (the IP header
//! quoted in an ICMP error) gets `#2`, `#3`, as the filter's layer operator counts them. Inside
//! a layer, fields are keyed by their registry name; a field with one value is a scalar, with
//! several an array. Values are typed: integers and times (seconds) are JSON numbers, booleans
//! are booleans, addresses, byte strings (`aa:bb`) and absolute times (RFC 3339) are strings.
//! Strings from the wire are escaped so the document is always valid UTF-8 JSON.

use super::Sink;
use crate::dissect::{Dissection, Proto};
use crate::fields::value::{write_hex_colon, write_ipv4, write_ipv6, write_mac, write_rel_time};
use crate::fields::{FieldDef, FieldType, Value, registry};
use std::fmt::Write as _;
use std::io::{self, Write};

/// JSON output style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStyle {
    /// One array holding every packet.
    Array,
    /// One object per line (JSON Lines).
    Lines,
}

/// Writes each frame as a JSON object.
pub struct JsonSink<W: Write> {
    out: W,
    style: JsonStyle,
    first: bool,
    buf: String,
    flush_each: bool,
}

/// Packets are gathered into chunks of about this size before one write: a JSON packet is a
/// few KiB, and one large write costs less than many small ones through the buffered writer.
pub const OUTPUT_CHUNK: usize = 256 * 1024;

impl<W: Write> JsonSink<W> {
    /// Writes every packet as soon as it is formatted (`-l`, live capture).
    pub fn flush_each(mut self, on: bool) -> Self {
        self.flush_each = on;
        self
    }

    /// A JSON writer.
    pub fn new(out: W, style: JsonStyle) -> Self {
        JsonSink {
            out,
            style,
            first: true,
            buf: String::new(),
            flush_each: false,
        }
    }
}

/// Appends `s` (bytes from the wire) as a JSON string literal.
pub fn write_json_str(out: &mut String, s: &[u8]) {
    out.push('"');
    // Plain printable ASCII (nearly every string) goes in one copy.
    let plain = s
        .iter()
        .position(|&b| !(0x20..0x7f).contains(&b) || b == b'"' || b == b'\\')
        .unwrap_or(s.len());
    let (head, s) = s.split_at(plain);
    out.push_str(std::str::from_utf8(head).unwrap_or_default());
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                // Every control (C1 too: U+009B is an 8-bit CSI) and bidi override, so the
                // document itself is safe to show on a terminal.
                c if crate::fields::value::is_unsafe_char(c) => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\\\x{b:02x}");
        }
    }
    out.push('"');
}

/// Appends one value as typed JSON.
pub fn write_json_value(out: &mut String, v: &Value<'_>, ftype: FieldType) {
    let mut quoted = |f: &dyn Fn(&mut String)| {
        out.push('"');
        f(out);
        out.push('"');
    };
    match v {
        Value::Uint(n) if ftype == FieldType::Bool => {
            out.push_str(if *n != 0 { "true" } else { "false" })
        }
        Value::Uint(n) => out.push_str(itoa::Buffer::new().format(*n)),
        Value::Int(n) => out.push_str(itoa::Buffer::new().format(*n)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Present => out.push_str("true"),
        Value::Ipv4(a) => quoted(&|o| write_ipv4(o, a)),
        Value::Ipv6(a) => quoted(&|o| write_ipv6(o, a)),
        Value::Ether(m) => quoted(&|o| write_mac(o, m)),
        Value::Bytes(b) => quoted(&|o| write_hex_colon(o, b)),
        Value::Str(s) => write_json_str(out, s),
        Value::RelTime(ns) => write_rel_time(out, *ns, 9),
        Value::AbsTime(t) => quoted(&|o| super::time::write_rfc3339(o, *t)),
        Value::Double(d) if d.is_finite() => {
            let _ = write!(out, "{d}");
        }
        Value::Double(_) => out.push_str("null"),
    }
}

/// What JSON writes of one field: its `"name":` key (one copy instead of four) and its
/// declaration.
struct JsonField {
    key: String,
    def: &'static FieldDef,
}

/// The fields JSON writes for each protocol (the registry's, less the summary columns),
/// indexed by the protocol's field family: built once, walked for every layer.
fn json_fields(proto: Proto) -> &'static [JsonField] {
    static BY_PROTO: std::sync::OnceLock<Vec<Vec<JsonField>>> = std::sync::OnceLock::new();
    let table = BY_PROTO.get_or_init(|| {
        let reg = registry();
        let len = Proto::ALL
            .iter()
            .map(|p| *p as usize + 1)
            .max()
            .unwrap_or(0);
        let mut table: Vec<Vec<JsonField>> = (0..len).map(|_| Vec::new()).collect();
        for p in Proto::ALL {
            if let Some(slot) = table.get_mut(*p as usize) {
                *slot = reg
                    .of_proto(*p)
                    .filter(|(_, def)| !def.needs.columns)
                    .map(|(_, def)| JsonField {
                        key: format!("\"{}\":", def.name),
                        def,
                    })
                    .collect();
            }
        }
        table
    });
    table
        .get(proto.field_family() as usize)
        .map_or(&[], Vec::as_slice)
}

/// Appends the JSON object of one frame (no trailing newline).
pub fn write_packet(out: &mut String, d: &Dissection<'_>) {
    out.push_str("{\"layers\":{");
    // One entry per protocol met: never more than the frame's layers.
    let mut seen: arrayvec::ArrayVec<(Proto, u32), { crate::dissect::MAX_LAYERS }> =
        arrayvec::ArrayVec::new();
    for (i, layer) in d.layers.iter().enumerate() {
        let nth = match seen.iter_mut().find(|(p, _)| *p == layer.proto) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                let _ = seen.try_push((layer.proto, 1));
                1
            }
        };
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(layer.proto.name());
        if nth > 1 {
            let _ = write!(out, "#{nth}");
        }
        out.push_str("\":{");
        let mut first_field = true;
        for field in json_fields(layer.proto) {
            let (key, def) = (field.key.as_str(), field.def);
            // Values go straight into `out`, the key before the first (most fields of a
            // layer have none); a second value turns the first into an array (one small
            // insert).
            let comma = !first_field;
            let mut value_start = 0;
            let mut n = 0;
            (def.extract)(layer, d, &mut |v| {
                match n {
                    0 => {
                        if comma {
                            out.push(',');
                        }
                        out.push_str(key);
                        value_start = out.len();
                    }
                    1 => {
                        out.insert(value_start, '[');
                        out.push(',');
                    }
                    _ => out.push(','),
                }
                write_json_value(out, &v, def.ftype);
                n += 1;
            });
            if n > 1 {
                out.push(']');
            }
            first_field &= n == 0;
        }
        out.push('}');
    }
    out.push_str("}}");
}

impl<W: Write> Sink for JsonSink<W> {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
        match self.style {
            JsonStyle::Array if self.first => self.buf.push_str("[\n  "),
            JsonStyle::Array => self.buf.push_str(",\n  "),
            JsonStyle::Lines => {}
        }
        self.first = false;
        write_packet(&mut self.buf, d);
        if self.style == JsonStyle::Lines {
            self.buf.push('\n');
        }
        if self.flush_each || self.buf.len() >= OUTPUT_CHUNK {
            self.out.write_all(self.buf.as_bytes())?;
            self.buf.clear();
        }
        Ok(())
    }

    fn resume(&mut self, printed_before: u64) {
        self.first = printed_before == 0;
    }

    fn end_block(&mut self) -> io::Result<()> {
        self.out.write_all(self.buf.as_bytes())?;
        self.buf.clear();
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.write_all(self.buf.as_bytes())?;
        self.buf.clear();
        if self.style == JsonStyle::Array {
            self.out
                .write_all(if self.first { b"[\n]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}
