//! Field values: what an extractor hands out, borrowed from the frame (or from a short-lived
//! buffer of the extractor), never allocated per packet.

pub mod bytebuf;

use crate::capture::Timestamp;
use std::fmt::{self, Write as _};

/// Wireshark's field types (`FT_*`), as far as wiresift uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// FT_UINT8.
    U8,
    /// FT_UINT16.
    U16,
    /// FT_UINT24.
    U24,
    /// FT_UINT32.
    U32,
    /// FT_UINT64.
    U64,
    /// FT_INT32 (and smaller signed types).
    I32,
    /// FT_BOOLEAN.
    Bool,
    /// FT_IPv4.
    Ipv4,
    /// FT_IPv6.
    Ipv6,
    /// FT_ETHER.
    Ether,
    /// FT_BYTES.
    Bytes,
    /// FT_STRING / FT_STRINGZ.
    Str,
    /// FT_RELATIVE_TIME: seconds, shown with 9 decimals.
    RelTime,
    /// FT_ABSOLUTE_TIME.
    AbsTime,
    /// FT_FRAMENUM.
    FrameNum,
    /// FT_DOUBLE.
    Double,
    /// FT_NONE: a label or expert item; only its presence means something.
    None,
    /// FT_PROTOCOL: a whole protocol layer; its value is the layer's bytes.
    Protocol,
}

impl FieldType {
    /// tshark's name for the type, as `-G fields` and filter errors print it.
    pub fn ws_name(self) -> &'static str {
        match self {
            FieldType::U8 => "Unsigned integer (8 bits)",
            FieldType::U16 => "Unsigned integer (16 bits)",
            FieldType::U24 => "Unsigned integer (24 bits)",
            FieldType::U32 => "Unsigned integer (32 bits)",
            FieldType::U64 => "Unsigned integer (64 bits)",
            FieldType::I32 => "Signed integer (32 bits)",
            FieldType::Bool => "Boolean",
            FieldType::Ipv4 => "IPv4 address",
            FieldType::Ipv6 => "IPv6 address",
            FieldType::Ether => "Ethernet or other MAC address",
            FieldType::Bytes => "Byte sequence",
            FieldType::Str => "Character string",
            FieldType::RelTime => "Time offset",
            FieldType::AbsTime => "Date and time",
            FieldType::FrameNum => "Frame number",
            FieldType::Double => "Floating point (double-precision)",
            FieldType::None => "Label",
            FieldType::Protocol => "Protocol",
        }
    }

    /// Short name (`FT_UINT16`) as `-G fields` prints it.
    pub fn ft_name(self) -> &'static str {
        match self {
            FieldType::U8 => "FT_UINT8",
            FieldType::U16 => "FT_UINT16",
            FieldType::U24 => "FT_UINT24",
            FieldType::U32 => "FT_UINT32",
            FieldType::U64 => "FT_UINT64",
            FieldType::I32 => "FT_INT32",
            FieldType::Bool => "FT_BOOLEAN",
            FieldType::Ipv4 => "FT_IPv4",
            FieldType::Ipv6 => "FT_IPv6",
            FieldType::Ether => "FT_ETHER",
            FieldType::Bytes => "FT_BYTES",
            FieldType::Str => "FT_STRING",
            FieldType::RelTime => "FT_RELATIVE_TIME",
            FieldType::AbsTime => "FT_ABSOLUTE_TIME",
            FieldType::FrameNum => "FT_FRAMENUM",
            FieldType::Double => "FT_DOUBLE",
            FieldType::None => "FT_NONE",
            FieldType::Protocol => "FT_PROTOCOL",
        }
    }

    /// Largest value an unsigned integer field can hold, `None` for other types.
    pub fn uint_max(self) -> Option<u64> {
        match self {
            FieldType::U8 => Some(0xff),
            FieldType::U16 => Some(0xffff),
            FieldType::U24 => Some(0xff_ffff),
            FieldType::U32 | FieldType::FrameNum => Some(0xffff_ffff),
            FieldType::U64 => Some(u64::MAX),
            _ => None,
        }
    }

    /// True for the integer types (signed or not), frame numbers and booleans.
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            FieldType::U8
                | FieldType::U16
                | FieldType::U24
                | FieldType::U32
                | FieldType::U64
                | FieldType::I32
                | FieldType::FrameNum
                | FieldType::Bool
        )
    }

    /// True for types whose value is a byte sequence that can be sliced and searched.
    pub fn is_bytes_like(self) -> bool {
        matches!(
            self,
            FieldType::Bytes
                | FieldType::Protocol
                | FieldType::Ether
                | FieldType::Ipv4
                | FieldType::Ipv6
                | FieldType::Str
        )
    }
}

/// How an integer field is shown (`BASE_DEC`, `BASE_HEX`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// Decimal.
    Dec,
    /// `0x` and zero-padded hex, width from the field type.
    Hex,
    /// Hex in `-T fields`, "0x1003 (4099)" in the tree.
    HexDec,
}

/// One value of one field occurrence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Unsigned integer (also booleans stored as 0/1 by extractors that prefer it).
    Uint(u64),
    /// Signed integer.
    Int(i64),
    /// Boolean.
    Bool(bool),
    /// IPv4 address.
    Ipv4([u8; 4]),
    /// IPv6 address.
    Ipv6([u8; 16]),
    /// MAC address.
    Ether([u8; 6]),
    /// Raw bytes (also protocol layers).
    Bytes(&'a [u8]),
    /// A string as it was on the wire: usually UTF-8, not guaranteed.
    Str(&'a [u8]),
    /// A string wiresift composed itself (an address's text, the protocol list, the flags
    /// picture): UTF-8 with no quote, backslash or control, so nothing any output escapes.
    /// Shown exactly as a [`Value::Str`] of the same bytes; JSON copies it unchecked.
    Text(&'a [u8]),
    /// A duration in nanoseconds.
    RelTime(i128),
    /// A point in time.
    AbsTime(Timestamp),
    /// A floating point number.
    Double(f64),
    /// Presence only (FT_NONE).
    Present,
}

impl Value<'_> {
    /// The value as an unsigned integer, when it is one.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Value::Uint(v) => Some(v),
            Value::Bool(b) => Some(b as u64),
            Value::Int(v) if v >= 0 => Some(v as u64),
            _ => None,
        }
    }

    /// The value's bytes, for slicing, `contains` and `len()`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) | Value::Str(b) | Value::Text(b) => Some(b),
            Value::Ipv4(a) => Some(a),
            Value::Ipv6(a) => Some(a),
            Value::Ether(a) => Some(a),
            _ => None,
        }
    }
}

/// Where the value writers append text. `String` for the text outputs; the `ByteBuf` of JSON,
/// which takes the ASCII these writers make without checking it is UTF-8 again.
pub trait TextOut {
    /// Appends ASCII bytes. Writers only ever pass ASCII; a `String` drops anything else.
    fn push_ascii(&mut self, s: &[u8]);
    /// Appends one ASCII byte.
    fn push_byte(&mut self, b: u8);
    /// Appends text.
    fn push_text(&mut self, s: &str);
    /// Makes room for `n` more bytes.
    fn reserve_bytes(&mut self, n: usize);
    /// Appends up to `N` ASCII bytes that `write` puts at the start of the buffer it is given,
    /// returning how many. By default a stack buffer, then appended; the `ByteBuf` of JSON
    /// hands out its own tail, so the text is written where it stays, with no copy.
    #[inline]
    fn fill<const N: usize>(&mut self, write: impl FnOnce(&mut [u8; N]) -> usize) {
        let mut buf = [0u8; N];
        let len = write(&mut buf).min(N);
        self.push_ascii(&buf[..len]);
    }
}

impl<const CAP: usize> TextOut for arrayvec::ArrayVec<u8, CAP> {
    fn push_ascii(&mut self, s: &[u8]) {
        let room = self.remaining_capacity().min(s.len());
        let _ = self.try_extend_from_slice(&s[..room]);
    }
    fn push_byte(&mut self, b: u8) {
        let _ = self.try_push(b);
    }
    fn push_text(&mut self, s: &str) {
        self.push_ascii(s.as_bytes());
    }
    fn reserve_bytes(&mut self, _: usize) {}
}

impl TextOut for Vec<u8> {
    fn push_ascii(&mut self, s: &[u8]) {
        self.extend_from_slice(s);
    }
    fn push_byte(&mut self, b: u8) {
        self.push(b);
    }
    fn push_text(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
    fn reserve_bytes(&mut self, n: usize) {
        self.reserve(n);
    }
}

impl TextOut for String {
    fn push_ascii(&mut self, s: &[u8]) {
        self.push_str(std::str::from_utf8(s).unwrap_or(""));
    }
    fn push_byte(&mut self, b: u8) {
        self.push(char::from(b));
    }
    fn push_text(&mut self, s: &str) {
        self.push_str(s);
    }
    fn reserve_bytes(&mut self, n: usize) {
        self.reserve(n);
    }
}

/// Writes bytes as colon-separated lowercase hex (`00:0c:29`), the way tshark prints FT_BYTES.
/// Payloads make this the hottest function of JSON output, so it writes 32 bytes at a time
/// straight into the output at fixed offsets (no bounds check, one 4-byte store per byte).
#[inline]
pub fn write_hex_colon<O: TextOut + ?Sized>(out: &mut O, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    out.reserve_bytes(bytes.len() * 3);
    // The colon after the very last byte is not kept.
    let mut chunks = bytes.chunks_exact(HEX_CHUNK);
    let last_full = chunks.remainder().is_empty();
    let full = chunks.len();
    for (n, chunk) in (&mut chunks).enumerate() {
        let last = last_full && n + 1 == full;
        out.fill(|buf| hex_chunk(buf, chunk, last));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        out.fill(|buf| hex_chunk(buf, rest, true));
    }
}

/// Bytes a hex dump writes per window.
const HEX_CHUNK: usize = 32;

/// Writes up to [`HEX_CHUNK`] bytes as `hh:` each, one 4-byte store per byte (the spare
/// byte is overwritten by the next); returns the length kept (without the last colon when
/// `last`).
#[inline(always)]
fn hex_chunk(buf: &mut [u8; HEX_CHUNK * 3 + 1], chunk: &[u8], last: bool) -> usize {
    for (i, b) in chunk.iter().enumerate().take(HEX_CHUNK) {
        let at = i * 3;
        if let Some(slot) = buf.get_mut(at..at + 4) {
            slot.copy_from_slice(&HEX_COLON[usize::from(*b)]);
        }
    }
    chunk.len().min(HEX_CHUNK) * 3 - usize::from(last)
}

/// `hh::` for every byte value (payload dumps are the bulk of the JSON output).
static HEX_COLON: [[u8; 4]; 256] = hex_colon_table();

/// The lowercase hex digits.
pub const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

const fn hex_colon_table() -> [[u8; 4]; 256] {
    let mut table = [[b':'; 4]; 256];
    let mut i = 0;
    while i < 256 {
        table[i][0] = HEX_DIGITS[i >> 4];
        table[i][1] = HEX_DIGITS[i & 15];
        i += 1;
    }
    table
}

/// Appends one byte as two lowercase hex digits.
pub fn push_hex_byte(out: &mut String, b: u8) {
    out.push(HEX_DIGITS[(b >> 4) as usize] as char);
    out.push(HEX_DIGITS[(b & 15) as usize] as char);
}

/// Appends an integer in decimal without going through `core::fmt` (the summary line is
/// the hot path of the default output).
#[inline]
pub fn push_num<O: TextOut + ?Sized>(out: &mut O, n: impl itoa::Integer) {
    // Text already known to be valid: a String takes it without checking it again.
    out.push_text(itoa::Buffer::new().format(n));
}

/// Appends an unsigned integer in decimal, two digits at a time straight into the output
/// (JSON writes ~40 numbers per frame, most of them below 10 000: those take a short path).
#[inline]
pub fn push_u64<O: TextOut + ?Sized>(out: &mut O, n: u64) {
    match n {
        0..10 => out.push_byte(b'0' + n as u8),
        10..100 => out.push_ascii(&DECIMAL_PAIRS[n as usize]),
        100..1000 => {
            let [a, b] = DECIMAL_PAIRS[(n % 100) as usize];
            out.push_ascii(&[b'0' + (n / 100) as u8, a, b]);
        }
        1000..10000 => {
            let [a, b] = DECIMAL_PAIRS[(n / 100) as usize];
            let [c, d] = DECIMAL_PAIRS[(n % 100) as usize];
            out.push_ascii(&[a, b, c, d]);
        }
        _ => push_long_u64(out, n),
    }
}

/// [`push_u64`] for 10 000 and up: four digits per step (one 64-bit division, then two
/// 32-bit ones that do not wait on each other).
fn push_long_u64<O: TextOut + ?Sized>(out: &mut O, n: u64) {
    let digits = n.ilog10() as usize + 1;
    out.fill::<20>(|buf| {
        let (mut n, mut end) = (n, digits);
        while n >= 10_000 {
            let four = (n % 10_000) as u32;
            n /= 10_000;
            end -= 4;
            if let Some(slot) = buf.get_mut(end..end + 4) {
                slot[..2].copy_from_slice(&DECIMAL_PAIRS[(four / 100) as usize]);
                slot[2..].copy_from_slice(&DECIMAL_PAIRS[(four % 100) as usize]);
            }
        }
        // 1 to 4 digits left, at the start.
        let n = n as u32;
        match end {
            4 => {
                buf[..2].copy_from_slice(&DECIMAL_PAIRS[(n / 100) as usize]);
                buf[2..4].copy_from_slice(&DECIMAL_PAIRS[(n % 100) as usize]);
            }
            3 => {
                buf[0] = b'0' + (n / 100) as u8;
                buf[1..3].copy_from_slice(&DECIMAL_PAIRS[(n % 100) as usize]);
            }
            2 => buf[..2].copy_from_slice(&DECIMAL_PAIRS[n as usize % 100]),
            _ => buf[0] = b'0' + (n % 10) as u8,
        }
        digits
    });
}

/// `00` to `99`.
static DECIMAL_PAIRS: [[u8; 2]; 100] = decimal_pairs();

const fn decimal_pairs() -> [[u8; 2]; 100] {
    let mut table = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        table[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    table
}

/// Appends `label` then the number (`" Seq="`, 42 → `" Seq=42"`).
#[inline]
pub fn push_labeled(out: &mut String, label: &str, n: impl itoa::Integer) {
    out.push_str(label);
    push_num(out, n);
}

/// Appends a MAC address as `00:0c:29:aa:bb:01`.
pub fn write_mac<O: TextOut + ?Sized>(out: &mut O, mac: &[u8; 6]) {
    write_hex_colon(out, mac);
}

/// Appends an IPv4 address in dotted decimal.
pub fn write_ipv4<O: TextOut + ?Sized>(out: &mut O, a: &[u8; 4]) {
    // Digit by digit straight into the output: cheaper than seven small copies.
    out.fill::<16>(|buf| ipv4_text(buf, a));
}

/// Writes an IPv4 address in dotted decimal at the start of `buf`; returns its length.
pub fn ipv4_text(buf: &mut [u8; 16], a: &[u8; 4]) -> usize {
    // One 4-byte store per octet from a table ("ddd." and its length); each store's spare
    // bytes are overwritten by the next, and the last dot is not counted.
    let mut len = 0;
    for &b in a {
        let (text, n) = DOTTED_OCTETS[usize::from(b)];
        if let Some(slot) = buf.get_mut(len..len + 4) {
            slot.copy_from_slice(&text);
        }
        len += usize::from(n);
    }
    len - 1
}

/// Every octet's decimal text followed by a dot, padded to 4 bytes, and its length with
/// the dot.
static DOTTED_OCTETS: [([u8; 4], u8); 256] = dotted_octets();

const fn dotted_octets() -> [([u8; 4], u8); 256] {
    let mut table = [([0u8; 4], 0u8); 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let (text, n) = if b >= 100 {
            ([b'0' + b / 100, b'0' + b / 10 % 10, b'0' + b % 10, b'.'], 4)
        } else if b >= 10 {
            ([b'0' + b / 10, b'0' + b % 10, b'.', b'.'], 3)
        } else {
            ([b'0' + b, b'.', b'.', b'.'], 2)
        };
        table[i] = (text, n);
        i += 1;
    }
    table
}

/// Appends an IPv6 address in RFC 5952 form, as Wireshark prints it: lowercase hex groups
/// without leading zeros, the longest run of two or more zero groups (the first of equal
/// runs) as `::`, and an IPv4-mapped address (`::ffff:a.b.c.d`) with its IPv4 part dotted.
pub fn write_ipv6<O: TextOut + ?Sized>(out: &mut O, a: &[u8; 16]) {
    let groups: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([a[2 * i], a[2 * i + 1]]));
    if groups[..5] == [0; 5] && groups[5] == 0xffff {
        out.push_ascii(b"::ffff:");
        write_ipv4(out, &[a[12], a[13], a[14], a[15]]);
        return;
    }
    let (mut best_at, mut best_len, mut run_at, mut run_len) = (0, 0, 0, 0);
    for (i, g) in groups.iter().enumerate() {
        if *g == 0 {
            if run_len == 0 {
                run_at = i;
            }
            run_len += 1;
            if run_len > best_len {
                (best_at, best_len) = (run_at, run_len);
            }
        } else {
            run_len = 0;
        }
    }
    out.fill::<40>(|buf| ipv6_groups(buf, &groups, best_at, best_len));
}

fn ipv6_groups(buf: &mut [u8; 40], groups: &[u16; 8], best_at: usize, best_len: usize) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < 8 {
        if best_len > 1 && i == best_at {
            buf[len] = b':';
            buf[len + 1] = b':';
            len += 2;
            i += best_len;
            continue;
        }
        if i > 0 && !(best_len > 1 && i == best_at + best_len) {
            buf[len] = b':';
            len += 1;
        }
        len += write_hex_group(&mut buf[len..len + 4], groups[i]);
        i += 1;
    }
    len
}

/// Writes one IPv6 group in lowercase hex without leading zeros; returns its length.
fn write_hex_group(buf: &mut [u8], g: u16) -> usize {
    let digits = (4 - g.leading_zeros() as usize / 4).max(1);
    for (k, slot) in buf.iter_mut().take(digits).enumerate() {
        let shift = 4 * (digits - 1 - k);
        *slot = HEX_DIGITS[usize::from((g >> shift) & 15)];
    }
    digits
}

/// Appends a duration in seconds with 9 decimals (`0.004000000`, `-1.500000000`).
#[inline(always)]
pub fn write_rel_time<O: TextOut + ?Sized>(out: &mut O, nanos: i128, digits: usize) {
    if nanos < 0 {
        out.push_byte(b'-');
    }
    let n = nanos.unsigned_abs();
    let mut buf = itoa::Buffer::new();
    // 128-bit division is a library call; every real time fits 64 bits.
    let (secs, frac) = match u64::try_from(n) {
        Ok(n) => (u128::from(n / 1_000_000_000), (n % 1_000_000_000) as u32),
        Err(_) => (n / 1_000_000_000, (n % 1_000_000_000) as u32),
    };
    match u64::try_from(secs) {
        Ok(s) => push_u64(out, s),
        Err(_) => out.push_text(buf.format(secs)),
    }
    if digits > 0 {
        out.push_byte(b'.');
        push_fraction(out, frac, digits.min(9));
    }
}

/// Appends the first `digits` (1..=9) of a nanosecond fraction, zero-padded.
pub fn push_fraction<O: TextOut + ?Sized>(out: &mut O, nanos: u32, digits: usize) {
    out.fill::<9>(|buf| {
        *buf = nine_digits(nanos);
        digits.min(9)
    });
}

/// The nine digits of a nanosecond fraction (below 10⁹), zero-padded.
pub fn nine_digits(nanos: u32) -> [u8; 9] {
    let mut buf = [0; 9];
    let mut n = nanos % 1_000_000_000;
    // Four pairs from the right, then the leading digit.
    for at in [7, 5, 3, 1] {
        buf[at..at + 2].copy_from_slice(&two_digits(n));
        n /= 100;
    }
    buf[0] = b'0' + n as u8;
    buf
}

/// The last two decimal digits of `n`.
pub fn two_digits(n: u32) -> [u8; 2] {
    DECIMAL_PAIRS[(n % 100) as usize]
}

/// True for characters that must never reach a terminal from packet data: the C0 and C1
/// controls (ESC starts an escape sequence, U+009B is an 8-bit CSI), DEL, and the Unicode
/// bidirectional overrides and isolates, which reorder how the rest of a line is shown.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Appends a string from the wire, escaping what is not printable UTF-8 the way tshark's text
/// output does (`\t`, `\n`, `\xNN`), so no terminal escape sequence can reach the screen.
/// Unsafe characters above U+00FF ([`is_unsafe_char`]) are written `\u{NNNN}`.
pub fn write_escaped_str(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c if is_unsafe_char(c) => {
                    let _ = write!(out, "\\u{{{:04x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

/// A formatter for a value in a given field's type and base, used by `-T fields` and the tree.
pub struct Shown<'v, 'a> {
    /// The value.
    pub value: &'v Value<'a>,
    /// Its field type (decides hex width).
    pub ftype: FieldType,
    /// Its display base.
    pub base: Base,
}

impl fmt::Display for Shown<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write_value(&mut s, self.value, self.ftype, self.base);
        f.write_str(&s)
    }
}

/// Appends a value the way tshark's `-T fields` prints it.
pub fn write_value(out: &mut String, value: &Value<'_>, ftype: FieldType, base: Base) {
    match *value {
        Value::Uint(v) => match base {
            Base::Dec => out.push_str(itoa::Buffer::new().format(v)),
            Base::Hex | Base::HexDec => write_hex_int(out, v, ftype),
        },
        Value::Int(v) => out.push_str(itoa::Buffer::new().format(v)),
        Value::Bool(b) => out.push(if b { '1' } else { '0' }),
        Value::Ipv4(a) => write_ipv4(out, &a),
        Value::Ipv6(a) => write_ipv6(out, &a),
        Value::Ether(m) => write_mac(out, &m),
        Value::Bytes(b) => write_hex_colon(out, b),
        Value::Str(s) | Value::Text(s) => write_escaped_str(out, s),
        Value::RelTime(n) => write_rel_time(out, n, 9),
        Value::AbsTime(t) => write_rel_time(out, t.as_nanos(), 9),
        Value::Double(d) => {
            let _ = write!(out, "{d}");
        }
        Value::Present => out.push('1'),
    }
}

/// Appends `0x` and the value in hex, zero-padded to the width of the field type.
pub fn write_hex_int(out: &mut String, v: u64, ftype: FieldType) {
    let width = match ftype {
        FieldType::U8 => 2,
        FieldType::U16 => 4,
        FieldType::U24 => 6,
        FieldType::U32 => 8,
        _ => 1,
    };
    let _ = write!(out, "0x{v:0width$x}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_time_has_requested_digits() {
        let mut s = String::new();
        write_rel_time(&mut s, 4_000_000, 9);
        assert_eq!(s, "0.004000000");
        s.clear();
        write_rel_time(&mut s, 1_500_000_000, 6);
        assert_eq!(s, "1.500000");
        s.clear();
        write_rel_time(&mut s, -1_000, 9);
        assert_eq!(s, "-0.000001000");
    }

    #[test]
    fn hex_colon_across_chunks() {
        let bytes: Vec<u8> = (0..=200u8).collect();
        let mut s = String::new();
        write_hex_colon(&mut s, &bytes);
        let want: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(s, want.join(":"));
        s.clear();
        write_hex_colon(&mut s, &[]);
        assert_eq!(s, "");
    }

    #[test]
    fn hex_colon_every_length_into_both_buffers() {
        for n in 0..100usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 % 256) as u8).collect();
            let want: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let mut s = String::new();
            write_hex_colon(&mut s, &bytes);
            assert_eq!(s, want.join(":"));
            let mut v = bytebuf::ByteBuf::with_room(0);
            write_hex_colon(&mut v, &bytes);
            assert_eq!(v.as_slice(), want.join(":").as_bytes());
        }
    }

    #[test]
    fn numbers_at_every_width() {
        let mut cases = vec![0u64, u64::MAX, u64::MAX - 1];
        for k in 1..20u32 {
            let p = 10u64.pow(k);
            cases.extend([p - 1, p, p + 1, p + p / 2]);
        }
        for n in cases {
            let mut v = bytebuf::ByteBuf::with_room(0);
            push_u64(&mut v, n);
            let mut s = String::new();
            push_u64(&mut s, n);
            assert_eq!(v.as_slice(), n.to_string().as_bytes());
            assert_eq!(s, n.to_string());
        }
    }

    proptest::proptest! {
        /// The RFC 5952 writer agrees with std's (which Wireshark's output matches), on
        /// addresses biased towards runs of zero groups and IPv4-mapped ones.
        #[test]
        fn ipv6_matches_std(groups in proptest::array::uniform8(proptest::prop_oneof![
            3 => proptest::strategy::Just(0u16),
            1 => proptest::strategy::Just(0xffffu16),
            2 => proptest::num::u16::ANY,
        ])) {
            let addr = std::net::Ipv6Addr::from(groups);
            let mut s = String::new();
            write_ipv6(&mut s, &addr.octets());
            proptest::prop_assert_eq!(s, addr.to_string());
        }

        #[test]
        fn u64_matches_std(n in proptest::num::u64::ANY, shift in 0u32..64) {
            let n = n >> shift;
            let mut v = bytebuf::ByteBuf::with_room(0);
            push_u64(&mut v, n);
            let want = n.to_string();
            proptest::prop_assert_eq!(v.as_slice(), want.as_bytes());
        }

        #[test]
        fn ipv4_matches_std(a in proptest::array::uniform4(proptest::num::u8::ANY)) {
            let mut v = bytebuf::ByteBuf::with_room(0);
            write_ipv4(&mut v, &a);
            let want = std::net::Ipv4Addr::from(a).to_string();
            proptest::prop_assert_eq!(v.as_slice(), want.as_bytes());
        }

        #[test]
        fn rel_time_matches_fmt(ns in proptest::num::i64::ANY, digits in 0usize..=9) {
            let mut s = String::new();
            write_rel_time(&mut s, i128::from(ns), digits);
            let n = i128::from(ns).unsigned_abs();
            let sign = if ns < 0 { "-" } else { "" };
            let (secs, frac) = (n / 1_000_000_000, n % 1_000_000_000);
            let want = if digits == 0 {
                format!("{sign}{secs}")
            } else {
                let f = format!("{frac:09}");
                format!("{sign}{secs}.{}", &f[..digits])
            };
            proptest::prop_assert_eq!(s, want);
        }
    }

    #[test]
    fn hex_width_follows_type() {
        let mut s = String::new();
        write_value(&mut s, &Value::Uint(0x800), FieldType::U16, Base::Hex);
        assert_eq!(s, "0x0800");
    }

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        write_escaped_str(&mut s, b"a\tb\x1b[31m\xff");
        assert_eq!(s, "a\\tb\\x1b[31m\\xff");
        s.clear();
        write_escaped_str(&mut s, "\u{9b}31m\u{202e}txt.exe".as_bytes());
        assert_eq!(s, "\\x9b31m\\u{202e}txt.exe");
    }
}
