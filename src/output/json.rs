//! `-T json` (one array) and `-T jsonl` (one object per line).
//!
//! Shape: `{"layers": {"frame": {...}, "eth": {...}, "ip": {...}, "ip#2": {...}}}`. Layers
//! are keyed by protocol name in order; a protocol seen again in the same frame (the IP header
//! quoted in an ICMP error) gets `#2`, `#3`, as the filter's layer operator counts them. Inside
//! a layer, fields are keyed by their registry name; a field with one value is a scalar, with
//! several an array. Values are typed: integers and times (seconds) are JSON numbers, booleans
//! are booleans, addresses, byte strings (`aa:bb`) and absolute times (RFC 3339) are strings.
//! Strings from the wire are escaped so the document is always valid UTF-8 JSON.
//!
//! `-T ek` is tshark's Elasticsearch bulk shape, two lines per packet: the index action
//! `{"index":{"_index":"packets-YYYY-MM-DD","_type":"doc"}}`, then
//! `{"timestamp":"EPOCH_MS","layers":{...}}` where keys are `LAYER_FIELD` with `.` as `_`
//! (`ip_ip_src`; a protocol seen again is `ip_2`). With `-e` the layers object holds only
//! those fields, as arrays (`"ip_src":["10.0.0.1"]`). Unlike tshark, which writes every number
//! as a string, values are typed as in `-T json`.

use super::bytebuf::ByteBuf;
use super::{BlockSink, Sink};
use crate::dissect::{Dissection, Proto};
use crate::fields::value::{
    is_unsafe_char, push_num, push_u64, write_hex_colon, write_ipv4, write_ipv6, write_mac,
    write_rel_time,
};
use crate::fields::{Extract, FieldDef, FieldId, FieldType, LayerSel, Value, registry};
use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

/// JSON output style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonStyle {
    /// One array holding every packet.
    Array,
    /// One object per line (JSON Lines).
    Lines,
    /// Elasticsearch bulk lines (`-T ek`) with every field.
    Ek,
}

/// Writes each frame as a JSON object.
pub struct JsonSink<W: Write> {
    out: W,
    style: JsonStyle,
    first: bool,
    buf: Rc<RefCell<ByteBuf>>,
    /// The buffer is a parallel block's text, which its owner takes: never written to `out`.
    in_place: bool,
    flush_each: bool,
    /// `-T ek -e`: the fields and their keys (`.` as `_`); empty for every field.
    ek_fields: Vec<(FieldId, Box<str>)>,
}

/// Packets are gathered into chunks of about this size before one write: a JSON packet is a
/// few KiB, and one large write costs less than many small ones through the buffered writer.
pub const OUTPUT_CHUNK: usize = 256 * 1024;

impl<W: Write> JsonSink<W> {
    /// Writes only `fields` in `-T ek` (the `-e` fields), keyed with `.` as `_`.
    pub fn ek_fields(mut self, fields: &[(String, FieldId)]) -> Self {
        self.ek_fields = fields
            .iter()
            .map(|(_, id)| {
                (
                    *id,
                    registry().def(*id).name.replace('.', "_").into_boxed_str(),
                )
            })
            .collect();
        self
    }

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
            buf: Rc::new(RefCell::new(ByteBuf::new())),
            in_place: false,
            flush_each: false,
            ek_fields: Vec::new(),
        }
    }

    /// Writes what is buffered to `out`, unless the buffer belongs to its owner.
    fn write_out(&mut self) -> io::Result<()> {
        if !self.in_place {
            let mut buf = self.buf.borrow_mut();
            self.out.write_all(buf.as_slice())?;
            buf.clear();
        }
        Ok(())
    }
}

impl JsonSink<io::Sink> {
    /// A JSON writer that leaves its text in `text`, a parallel block's buffer that the
    /// pipeline hands to the output itself: the text is written once, where it stays.
    pub fn in_place(text: Rc<RefCell<ByteBuf>>, style: JsonStyle) -> Self {
        JsonSink {
            out: io::sink(),
            style,
            first: true,
            buf: text,
            in_place: true,
            flush_each: false,
            ek_fields: Vec::new(),
        }
    }
}

/// Appends `s` (bytes from the wire) as a JSON string literal.
pub fn write_json_str(out: &mut ByteBuf, s: &[u8]) {
    out.push(b'"');
    if is_plain_json_text(s) {
        out.extend_from_slice(s);
        out.push(b'"');
        return;
    }
    let mut rest = s;
    loop {
        // A string that needs escaping: its runs of plain printable ASCII go in one copy.
        let plain = rest
            .iter()
            .position(|&b| !is_plain_json(b))
            .unwrap_or(rest.len());
        out.extend_from_slice(&rest[..plain]);
        rest = &rest[plain..];
        let Some(&b) = rest.first() else { break };
        if b.is_ascii() {
            write_ascii_escape(out, b);
            rest = &rest[1..];
        } else {
            let end = rest.iter().position(u8::is_ascii).unwrap_or(rest.len());
            write_non_ascii(out, &rest[..end]);
            rest = &rest[end..];
        }
    }
    out.push(b'"');
}

/// True when the whole string goes into JSON as it is: no quote, backslash or control, and
/// any non-ASCII part valid UTF-8 without an unsafe character (nearly every string).
fn is_plain_json_text(s: &[u8]) -> bool {
    // Eight bytes at a time (SWAR): most strings are short and plain ASCII.
    let mut ascii = true;
    let mut words = s.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or([0; 8]));
        if has_json_special(w) {
            return false;
        }
        ascii &= w & HIGH_BITS == 0;
    }
    let rest = words.remainder();
    // The tail, padded with a plain byte.
    let mut last = [b'a'; 8];
    last[..rest.len()].copy_from_slice(rest);
    let w = u64::from_le_bytes(last);
    if has_json_special(w) {
        return false;
    }
    ascii &= w & HIGH_BITS == 0;
    ascii || std::str::from_utf8(s).is_ok_and(|t| !t.chars().any(is_unsafe_char))
}

/// The top bit of every byte of a word.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
/// 0x01 in every byte of a word.
const LOW_ONES: u64 = 0x0101_0101_0101_0101;

/// True when one of the word's bytes is a control (below 0x20 or 0x7f), a quote or a
/// backslash. Exact, not only likely: `(x - 0x01..) & !x & 0x80..` is non-zero exactly when
/// some byte of `x` is zero, and `(w - n*0x01..) & !w & 0x80..` when some byte is below n.
fn has_json_special(w: u64) -> bool {
    let has_zero = |x: u64| x.wrapping_sub(LOW_ONES) & !x & HIGH_BITS != 0;
    w.wrapping_sub(0x20 * LOW_ONES) & !w & HIGH_BITS != 0
        || has_zero(w ^ (u64::from(b'"') * LOW_ONES))
        || has_zero(w ^ (u64::from(b'\\') * LOW_ONES))
        || has_zero(w ^ (0x7f * LOW_ONES))
}

/// True for bytes that stand for themselves inside a JSON string.
fn is_plain_json(b: u8) -> bool {
    (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'
}

/// Escapes one ASCII byte that is not plain: a quote, a backslash or a control.
fn write_ascii_escape(out: &mut ByteBuf, b: u8) {
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        b => write_u_escape(out, u32::from(b)),
    }
}

/// `\uNNNN` for a character that must not appear raw.
fn write_u_escape(out: &mut ByteBuf, c: u32) {
    let _ = write!(out, "\\u{c:04x}");
}

/// Appends a run of non-ASCII bytes: valid UTF-8 as it is, except controls (C1 too: U+009B
/// is an 8-bit CSI) and bidi overrides, escaped so the document itself is safe to show on a
/// terminal; invalid bytes as `\\xNN` text.
fn write_non_ascii(out: &mut ByteBuf, run: &[u8]) {
    for chunk in run.utf8_chunks() {
        let valid = chunk.valid();
        if valid.chars().any(is_unsafe_char) {
            for c in valid.chars() {
                if is_unsafe_char(c) {
                    write_u_escape(out, c as u32);
                } else {
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
            }
        } else {
            out.extend_from_slice(valid.as_bytes());
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\\\x{b:02x}");
        }
    }
}

/// Appends one value as typed JSON.
#[inline(always)]
pub fn write_json_value(out: &mut ByteBuf, v: &Value<'_>, ftype: FieldType) {
    match v {
        Value::Uint(n) if ftype == FieldType::Bool => write_bool(out, *n != 0),
        Value::Uint(n) => push_u64(out, *n),
        Value::Int(n) => {
            if *n < 0 {
                out.push(b'-');
            }
            push_u64(out, n.unsigned_abs());
        }
        Value::Bool(b) => write_bool(out, *b),
        Value::Present => out.extend_from_slice(b"true"),
        Value::Ipv4(a) => quoted(out, |o| write_ipv4(o, a)),
        Value::Ipv6(a) => quoted(out, |o| write_ipv6(o, a)),
        Value::Ether(m) => quoted(out, |o| write_mac(o, m)),
        Value::Bytes(b) => quoted(out, |o| write_hex_colon(o, b)),
        Value::Str(s) => write_json_str(out, s),
        Value::Text(s) => {
            debug_assert!(is_plain_json_text(s), "Value::Text needs escaping: {s:?}");
            quoted(out, |o| o.extend_from_slice(s));
        }
        Value::RelTime(ns) => write_rel_time(out, *ns, 9),
        Value::AbsTime(t) => quoted(out, |o| super::time::write_rfc3339(o, *t)),
        Value::Double(d) if d.is_finite() => {
            let _ = write!(out, "{d}");
        }
        Value::Double(_) => out.extend_from_slice(b"null"),
    }
}

fn write_bool(out: &mut ByteBuf, b: bool) {
    // Two copies of known size rather than one of either size (a `memcpy` call).
    if b {
        out.extend_from_slice(b"true");
    } else {
        out.extend_from_slice(b"false");
    }
}

/// Writes what `f` writes between double quotes.
#[inline]
fn quoted(out: &mut ByteBuf, f: impl FnOnce(&mut ByteBuf)) {
    out.push(b'"');
    f(out);
    out.push(b'"');
}

/// Room for a key (`,"frame.time_delta_displayed":` is 31 bytes): keys up to this size are
/// copied at this fixed size, which compiles to two vector moves instead of a `memcpy` call,
/// and the spare tail is cut off again. Longer ones are written from the field's name.
const KEY_ROOM: usize = 32;

/// What JSON needs of one field, packed so the ~120 fields walked per frame stay in the
/// first-level cache: the extractor, the type and the `,"name":` key padded to [`KEY_ROOM`].
struct JsonField {
    extract: Extract,
    /// The key.
    name: &'static str,
    key: [u8; KEY_ROOM],
    key_len: u8,
    ftype: FieldType,
}

/// `,"name":` padded to [`KEY_ROOM`], and its length (0 when it does not fit).
fn padded_key(name: &str) -> ([u8; KEY_ROOM], u8) {
    let full = format!(",\"{name}\":").into_bytes();
    let mut key = [b' '; KEY_ROOM];
    match key.get_mut(..full.len()) {
        Some(room) => {
            room.copy_from_slice(&full);
            (key, full.len() as u8)
        }
        None => (key, 0),
    }
}

impl JsonField {
    fn new(def: &'static FieldDef, name: &'static str) -> JsonField {
        let (key, key_len) = padded_key(name);
        JsonField {
            extract: def.extract,
            name,
            key,
            key_len,
            ftype: def.ftype,
        }
    }

    /// Appends `,"name":`.
    #[inline]
    fn write_key(&self, out: &mut ByteBuf) {
        if self.key_len > 0 {
            out.extend_prefix(&self.key, usize::from(self.key_len));
        } else {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(self.name.as_bytes());
            out.extend_from_slice(b"\":");
        }
    }
}

/// The fields JSON writes for each protocol (the registry's, less the summary columns),
/// indexed by the protocol's field family: built once, walked for every layer.
fn json_fields(proto: Proto) -> &'static [JsonField] {
    static BY_PROTO: std::sync::OnceLock<Vec<Vec<JsonField>>> = std::sync::OnceLock::new();
    let table = BY_PROTO.get_or_init(|| field_table(|p| p, |_, def| def.name));
    table
        .get(proto.field_family() as usize)
        .map_or(&[], Vec::as_slice)
}

/// [`json_fields`] with EK keys (`layer_field`, `.` as `_`), indexed by the layer's own
/// protocol, whose name starts the keys.
fn ek_fields(proto: Proto) -> &'static [JsonField] {
    static BY_PROTO: std::sync::OnceLock<Vec<Vec<JsonField>>> = std::sync::OnceLock::new();
    // The names are made once per field for the life of the process.
    let name = |layer: Proto, def: &FieldDef| -> &'static str {
        let key = format!("{}_{}", layer.name(), def.name.replace('.', "_"));
        Box::leak(key.into_boxed_str())
    };
    let table = BY_PROTO.get_or_init(|| field_table(Proto::field_family, name));
    table.get(proto as usize).map_or(&[], Vec::as_slice)
}

/// One list per protocol `p` (indexed by `Proto as usize`): the fields of `fields_of(p)`,
/// keyed by `key(p, field)`.
fn field_table(
    fields_of: impl Fn(Proto) -> Proto,
    key: impl Fn(Proto, &'static FieldDef) -> &'static str,
) -> Vec<Vec<JsonField>> {
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
                .of_proto(fields_of(*p))
                .filter(|(_, def)| !def.needs.columns)
                .map(|(_, def)| JsonField::new(def, key(*p, def)))
                .collect();
        }
    }
    table
}

/// `,"proto":` for every protocol, padded like the field keys, indexed by `Proto as usize`.
fn layer_key(proto: Proto) -> &'static ([u8; KEY_ROOM], u8) {
    static KEYS: std::sync::OnceLock<Vec<([u8; KEY_ROOM], u8)>> = std::sync::OnceLock::new();
    const NONE: &([u8; KEY_ROOM], u8) = &([b' '; KEY_ROOM], 0);
    let keys = KEYS.get_or_init(|| {
        let mut keys = vec![*NONE; Proto::ALL.len()];
        for p in Proto::ALL {
            if let Some(slot) = keys.get_mut(*p as usize) {
                *slot = padded_key(p.name());
            }
        }
        keys
    });
    keys.get(proto as usize).unwrap_or(NONE)
}

/// Appends the JSON object of one frame (no trailing newline).
pub fn write_packet(out: &mut ByteBuf, d: &Dissection<'_>) {
    out.extend_from_slice(b"{\"layers\":");
    write_layers(out, d, false);
    out.push(b'}');
}

/// Appends the two `-T ek` lines of one frame: the index action and the document, with
/// every field (`fields` empty) or only `fields` (their keys given).
pub fn write_ek_packet(out: &mut ByteBuf, d: &Dissection<'_>, fields: &[(FieldId, Box<str>)]) {
    let ts = d.frame.ts;
    let day = if ts.is_none() {
        super::time::civil(crate::capture::Timestamp::default())
    } else {
        super::time::civil(ts)
    };
    out.extend_from_slice(b"{\"index\":{\"_index\":\"packets-");
    let date = format!("{:04}-{:02}-{:02}", day.year, day.month, day.day);
    out.extend_from_slice(date.as_bytes());
    out.extend_from_slice(b"\",\"_type\":\"doc\"}}\n{\"timestamp\":\"");
    if !ts.is_none() {
        push_num(out, ts.as_nanos().div_euclid(1_000_000) as i64);
    }
    out.extend_from_slice(b"\",\"layers\":");
    if fields.is_empty() {
        write_layers(out, d, true);
    } else {
        write_selected(out, d, fields);
    }
    out.extend_from_slice(b"}\n");
}

/// `{"field":[values],...}` for the fields of `fields` the frame has (`-T ek -e`).
fn write_selected(out: &mut ByteBuf, d: &Dissection<'_>, fields: &[(FieldId, Box<str>)]) {
    let reg = registry();
    let open_at = out.len();
    for (id, key) in fields {
        let ftype = reg.def(*id).ftype;
        let mut n = 0u32;
        reg.each_value(*id, d, LayerSel::All, &mut |v| {
            if n == 0 {
                out.extend_from_slice(b",\"");
                out.extend_from_slice(key.as_bytes());
                out.extend_from_slice(b"\":[");
            } else {
                out.push(b',');
            }
            write_json_value(out, &v, ftype);
            n += 1;
        });
        if n > 0 {
            out.push(b']');
        }
    }
    open_object(out, open_at);
    out.push(b'}');
}

/// Appends the `{"proto":{...},...}` object of a frame's layers: keys as `-T json` names
/// them, or as `-T ek` does (`ek`).
fn write_layers(out: &mut ByteBuf, d: &Dissection<'_>, ek: bool) {
    // Every layer's key is written with its leading comma; the first one's becomes the `{`.
    let open_at = out.len();
    // One entry per protocol met: never more than the frame's layers.
    let mut seen: arrayvec::ArrayVec<(Proto, u32), { crate::dissect::MAX_LAYERS }> =
        arrayvec::ArrayVec::new();
    for layer in &d.layers {
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
        match layer_key(layer.proto) {
            (key, len) if nth == 1 && *len > 0 => out.extend_prefix(key, usize::from(*len)),
            _ => {
                out.extend_from_slice(b",\"");
                out.extend_from_slice(layer.proto.name().as_bytes());
                if nth > 1 {
                    out.push(if ek { b'_' } else { b'#' });
                    push_num(out, nth);
                }
                out.extend_from_slice(b"\":");
            }
        }
        let fields = if ek {
            ek_fields(layer.proto)
        } else {
            json_fields(layer.proto)
        };
        write_layer_fields(out, fields, layer, d);
        out.push(b'}');
    }
    open_object(out, open_at);
    out.push(b'}');
}

/// Turns the comma at `at` (the first key's) into `{`, or appends `{` when nothing was
/// written after `at`.
fn open_object(out: &mut ByteBuf, at: usize) {
    match out.get_mut(at) {
        Some(comma) => *comma = b'{',
        None => out.push(b'{'),
    }
}

/// One field's values being written (see [`write_layer_fields`]).
struct FieldState<'o> {
    out: &'o mut ByteBuf,
    field: &'static JsonField,
    n: u32,
    value_start: usize,
}

impl FieldState<'_> {
    #[inline(always)]
    fn value(&mut self, v: &Value<'_>) {
        let out = &mut *self.out;
        match self.n {
            0 => {
                self.field.write_key(out);
                self.value_start = out.len();
            }
            1 => {
                out.insert(self.value_start, b'[');
                out.push(b',');
            }
            _ => out.push(b','),
        }
        write_json_value(out, v, self.field.ftype);
        self.n += 1;
    }
}

/// Appends `{"field":value,...` for one layer (the caller closes it). Every key is written
/// with its leading comma; the first one's comma becomes the `{`.
fn write_layer_fields(
    out: &mut ByteBuf,
    fields: &'static [JsonField],
    layer: &crate::dissect::Layer<'_>,
    d: &Dissection<'_>,
) {
    let open_at = out.len();
    for field in fields {
        // Values go straight into `out`, the key before the first (most fields of a layer
        // have none); a second value turns the first into an array (one small insert). The
        // callback captures one pointer, to this state.
        let mut state = FieldState {
            out: &mut *out,
            field,
            n: 0,
            value_start: 0,
        };
        (field.extract)(layer, d, &mut |v| state.value(&v));
        if state.n > 1 {
            out.push(b']');
        }
    }
    open_object(out, open_at);
}

impl<W: Write> Sink for JsonSink<W> {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
        let full = {
            let mut buf = self.buf.borrow_mut();
            match self.style {
                JsonStyle::Array if self.first => buf.extend_from_slice(b"[\n  "),
                JsonStyle::Array => buf.extend_from_slice(b",\n  "),
                JsonStyle::Lines | JsonStyle::Ek => {}
            }
            match self.style {
                JsonStyle::Ek => write_ek_packet(&mut buf, d, &self.ek_fields),
                _ => write_packet(&mut buf, d),
            }
            if self.style == JsonStyle::Lines {
                buf.push(b'\n');
            }
            buf.len() >= OUTPUT_CHUNK
        };
        self.first = false;
        if self.flush_each || full {
            self.write_out()?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.write_out()?;
        if self.style == JsonStyle::Array {
            let closing: &[u8] = if self.first { b"[\n]\n" } else { b"\n]\n" };
            self.buf.borrow_mut().extend_from_slice(closing);
            self.write_out()?;
        }
        self.out.flush()
    }
}

impl<W: Write> BlockSink for JsonSink<W> {
    fn resume(&mut self, printed_before: u64) {
        self.first = printed_before == 0;
    }

    fn end_block(&mut self) -> io::Result<()> {
        self.write_out()
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    /// The plain char-by-char escaper the fast paths must agree with.
    fn reference(s: &[u8]) -> String {
        let mut out = String::from("\"");
        for chunk in s.utf8_chunks() {
            for c in chunk.valid().chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if is_unsafe_char(c) => {
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
        out
    }

    fn escaped(s: &[u8]) -> Vec<u8> {
        let mut out = ByteBuf::new();
        write_json_str(&mut out, s);
        out.as_slice().to_vec()
    }

    #[test]
    fn every_special_byte_in_every_position() {
        for special in [0u8, 0x1f, b'"', b'\\', 0x7f, 0x80, 0xc2, 0xff, b'\n'] {
            for len in 1..20 {
                for at in 0..len {
                    let mut s = vec![b'x'; len];
                    s[at] = special;
                    assert_eq!(escaped(&s), reference(&s).into_bytes(), "{s:?}");
                }
            }
        }
    }

    /// The texts extractors emit as [`Value::Text`] are copied unchecked: each must be
    /// exactly what the escaper would write.
    #[test]
    fn composed_texts_need_no_escaping() {
        let plain = |s: &[u8]| {
            assert!(is_plain_json_text(s), "{s:?}");
            let mut quoted = vec![b'"'];
            quoted.extend_from_slice(s);
            quoted.push(b'"');
            assert_eq!(escaped(s), quoted, "{s:?}");
        };
        for flags in 0..=0x0fffu16 {
            plain(&crate::dissect::tcp::flags_str(flags));
        }
        for octet in 0..=255u8 {
            let mut text = [0; 16];
            let n = crate::fields::value::ipv4_text(&mut text, &[octet, 0, 255, octet]);
            plain(&text[..n]);
        }
        for a in [[0u8; 16], [0xff; 16], *b"\xfe\x80abcdefghijklmn"] {
            let mut text = arrayvec::ArrayVec::<u8, 48>::new();
            write_ipv6(&mut text, &a);
            plain(&text);
        }
    }

    proptest::proptest! {
        #[test]
        fn strings_match_the_reference(s in proptest::collection::vec(proptest::prop_oneof![
            4 => 0x20u8..0x7f,
            1 => proptest::num::u8::ANY,
        ], 0..40)) {
            proptest::prop_assert_eq!(escaped(&s), reference(&s).into_bytes());
        }

        #[test]
        fn text_matches_the_reference(s in "\\PC{0,20}[\u{0}-\u{a0}\u{202e}\u{b7}]{0,3}\\PC{0,5}") {
            proptest::prop_assert_eq!(escaped(s.as_bytes()), reference(s.as_bytes()).into_bytes());
        }
    }
}
