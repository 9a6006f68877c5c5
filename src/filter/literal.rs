//! Literal values, parsed once at compile time into the type of the field they meet
//! (Wireshark's "semcheck": `80` is a port next to `tcp.port`, `request` is a value name next
//! to `arp.opcode`, `10.0.0.0/8` a CIDR block next to `ip.addr`).

use super::error::{FilterError, Span};
use crate::fields::{FieldDef, FieldType};

/// A typed constant, ready for comparison without any per-packet work.
#[derive(Debug, Clone, PartialEq)]
pub enum Konst {
    /// Integers, booleans (0/1) and frame numbers.
    Int(i128),
    /// Floating point.
    Float(f64),
    /// A duration in nanoseconds.
    Time(i128),
    /// A point in time, nanoseconds since the epoch.
    Abs(i128),
    /// IPv4 address and prefix length (32 for a host).
    Ip4(u32, u8),
    /// IPv6 address and prefix length (128 for a host).
    Ip6(u128, u8),
    /// MAC address.
    Mac([u8; 6]),
    /// Byte string.
    Bytes(Box<[u8]>),
    /// Character string.
    Str(Box<[u8]>),
}

/// How a literal was written.
#[derive(Debug, Clone, Copy)]
pub enum Lit<'a> {
    /// A bare word (`80`, `10.0.0.0/8`, `request`, `test.txt`), possibly negated (`-1`).
    Word(&'a str),
    /// A quoted string's bytes.
    Str(&'a [u8]),
    /// A character constant.
    Char(i128),
}

/// Wireshark's broad value classes: what can be compared with what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Integers and frame numbers.
    Int,
    /// Booleans.
    Bool,
    /// Floating point.
    Float,
    /// Relative time.
    Time,
    /// Absolute time.
    Abs,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
    /// MAC address.
    Ether,
    /// Byte strings, protocols and slices.
    Bytes,
    /// Character strings.
    Str,
    /// FT_NONE: presence only.
    Label,
}

impl Class {
    /// The class of a field type.
    pub fn of(ft: FieldType) -> Class {
        match ft {
            FieldType::U8
            | FieldType::U16
            | FieldType::U24
            | FieldType::U32
            | FieldType::U64
            | FieldType::I32
            | FieldType::FrameNum => Class::Int,
            FieldType::Bool => Class::Bool,
            FieldType::Double => Class::Float,
            FieldType::RelTime => Class::Time,
            FieldType::AbsTime => Class::Abs,
            FieldType::Ipv4 => Class::Ipv4,
            FieldType::Ipv6 => Class::Ipv6,
            FieldType::Ether => Class::Ether,
            FieldType::Bytes | FieldType::Protocol => Class::Bytes,
            FieldType::Str => Class::Str,
            FieldType::None => Class::Label,
        }
    }

    /// Byte-sequence classes: sliceable, searchable, comparable with each other.
    pub fn is_bytes_like(self) -> bool {
        matches!(self, Class::Bytes | Class::Str | Class::Ether)
    }

    /// Whether values of the two classes can be compared.
    pub fn compatible(self, other: Class) -> bool {
        self == other
            || matches!(
                (self, other),
                (Class::Int | Class::Bool, Class::Int | Class::Bool)
            )
            || (self.is_bytes_like() && other.is_bytes_like())
    }
}

/// tshark 4.0's type names, as its filter errors print them (`Unsigned integer (2 bytes)`).
pub fn type_name(ft: FieldType) -> &'static str {
    match ft {
        FieldType::U8 => "Unsigned integer (1 byte)",
        FieldType::U16 => "Unsigned integer (2 bytes)",
        FieldType::U24 => "Unsigned integer (3 bytes)",
        FieldType::U32 => "Unsigned integer (4 bytes)",
        FieldType::U64 => "Unsigned integer (8 bytes)",
        FieldType::I32 => "Signed integer (4 bytes)",
        other => other.ws_name(),
    }
}

/// What a literal is being converted to: the type, and the field when the other side is a
/// plain field (which brings value names and range checks).
#[derive(Debug, Clone, Copy)]
pub struct Target<'r> {
    /// The type.
    pub ft: FieldType,
    /// The field whose value names apply (also through arithmetic: `tftp.opcode + 0`).
    pub field: Option<&'r FieldDef>,
    /// The literal meets the field directly, so the field's range applies.
    pub range: bool,
}

/// Converts a literal to the target type.
///
/// # Errors
/// tshark's messages: out of range, not a number, not an address, unknown value name...
pub fn convert(lit: Lit<'_>, span: Span, t: Target<'_>) -> Result<Konst, FilterError> {
    let err = |m: String| FilterError::at(span, m);
    match Class::of(t.ft) {
        Class::Int => int(lit, span, t),
        Class::Bool => boolean(lit, span, t),
        Class::Float => {
            let text = text_of(lit);
            if let Lit::Char(c) = lit {
                return Ok(Konst::Float(c as f64));
            }
            text.parse::<f64>()
                .map(Konst::Float)
                .map_err(|_| err(format!("\"{text}\" is not a valid number.")))
        }
        Class::Time => {
            let text = text_of(lit);
            parse_seconds(&text)
                .map(Konst::Time)
                .ok_or_else(|| err(format!("\"{text}\" is not a valid time.")))
        }
        Class::Abs => {
            let text = text_of(lit);
            parse_abs_time(&text).map(Konst::Abs).ok_or_else(|| {
                err(format!(
                    "\"{text}\" is not a valid absolute time. Example: \"Nov 12, 1999 08:55:44.123\" or \"2011-07-04 12:34:56\""
                ))
            })
        }
        Class::Ipv4 => ipv4(&text_of(lit), span),
        Class::Ipv6 => ipv6(&text_of(lit), span),
        Class::Ether => {
            let text = text_of(lit);
            match parse_bytes(&text) {
                Some(b) if b.len() == 6 => {
                    let mut m = [0u8; 6];
                    m.copy_from_slice(&b);
                    Ok(Konst::Mac(m))
                }
                Some(b) if b.len() < 6 => Err(err(format!(
                    "\"{text}\" contains too few bytes to be a valid Ethernet address."
                ))),
                Some(_) => Err(err(format!(
                    "\"{text}\" contains too many bytes to be a valid Ethernet address."
                ))),
                None => Err(err(format!("\"{text}\" is not a valid Ethernet address."))),
            }
        }
        Class::Bytes => match lit {
            Lit::Str(b) => Ok(Konst::Bytes(b.into())),
            Lit::Char(c) if (0..=255).contains(&c) => Ok(Konst::Bytes(Box::new([c as u8]))),
            _ => {
                let text = text_of(lit);
                parse_bytes(&text)
                    .map(|b| Konst::Bytes(b.into()))
                    .ok_or_else(|| err(format!("\"{text}\" is not a valid byte string.")))
            }
        },
        Class::Str => match lit {
            Lit::Str(b) => Ok(Konst::Str(b.into())),
            Lit::Word(w) => Ok(Konst::Str(w.as_bytes().into())),
            Lit::Char(c) => Ok(Konst::Str(
                char::from_u32(c as u32)
                    .unwrap_or('\u{fffd}')
                    .to_string()
                    .into_bytes()
                    .into(),
            )),
        },
        Class::Label => Err(err(format!(
            "{} cannot be compared with a value.",
            t.field.map_or("This field", |f| f.name)
        ))),
    }
}

fn text_of(lit: Lit<'_>) -> String {
    match lit {
        Lit::Word(w) => w.to_string(),
        Lit::Str(b) => String::from_utf8_lossy(b).into_owned(),
        Lit::Char(c) => c.to_string(),
    }
}

/// Parses `80`, `0x50`, `0120` (octal), `0b1010000`, with an optional sign.
pub fn parse_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, digits) = if let Some(h) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (16, h)
    } else if let Some(b) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (2, b)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i128::from_str_radix(digits, radix).ok()?;
    Some(if neg { -v } else { v })
}

fn int(lit: Lit<'_>, span: Span, t: Target<'_>) -> Result<Konst, FilterError> {
    let err = |m: String| FilterError::at(span, m);
    let (value, text) = match lit {
        Lit::Char(c) => (Some(c), String::new()),
        Lit::Word(w) => (parse_int(w), w.to_string()),
        Lit::Str(b) => (None, String::from_utf8_lossy(b).into_owned()),
    };
    let Some(v) = value else {
        // Not a number: a value name (`request`, "Read Request"), matched case-insensitively.
        if let Some(f) = t.field.filter(|f| !f.values.is_empty()) {
            return f
                .values
                .iter()
                .find(|(_, name)| name.eq_ignore_ascii_case(&text))
                .map(|(k, _)| Konst::Int(*k as i128))
                .ok_or_else(|| {
                    err(format!(
                        "\"{text}\" cannot be found among the possible values for {}.",
                        f.name
                    ))
                });
        }
        if matches!(lit, Lit::Str(_)) {
            return Err(err(format!(
                "{} cannot be converted from a string (\"{text}\").",
                type_name(t.ft)
            )));
        }
        return Err(err(format!("\"{text}\" is not a valid number.")));
    };
    if let Some(f) = t.field.filter(|_| t.range) {
        let shown = if text.is_empty() { v.to_string() } else { text };
        let (min, max) = match f.ftype {
            FieldType::I32 => (i32::MIN as i128, i32::MAX as i128),
            ft => (0, ft.uint_max().unwrap_or(u64::MAX) as i128),
        };
        if v > max {
            return Err(err(format!(
                "\"{shown}\" too big for this field, maximum {max}."
            )));
        }
        if v < min {
            return Err(err(format!(
                "\"{shown}\" too small for this field, minimum {min}."
            )));
        }
    }
    Ok(Konst::Int(v))
}

fn boolean(lit: Lit<'_>, span: Span, t: Target<'_>) -> Result<Konst, FilterError> {
    let text = text_of(lit);
    let v = match lit {
        Lit::Char(c) => Some(c != 0),
        _ => match text.as_str() {
            "True" | "TRUE" | "true" => Some(true),
            "False" | "FALSE" | "false" => Some(false),
            _ if matches!(lit, Lit::Word(_)) => parse_int(&text).map(|v| v != 0),
            _ => None,
        },
    };
    v.map(|b| Konst::Int(b as i128)).ok_or_else(|| {
        FilterError::at(
            span,
            format!(
                "\"{text}\" cannot be found among the possible values for {}.",
                t.field.map_or("this field", |f| f.name)
            ),
        )
    })
}

fn ipv4(text: &str, span: Span) -> Result<Konst, FilterError> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let a: std::net::Ipv4Addr = addr.parse().map_err(|_| {
        FilterError::at(
            span,
            format!("\"{addr}\" is not a valid hostname or IPv4 address."),
        )
    })?;
    let bits = match prefix {
        None => 32,
        Some(p) => match p.parse::<u32>() {
            Ok(n) if n <= 32 => n as u8,
            _ => {
                return Err(FilterError::at(
                    span,
                    format!("Netmask bits in a CIDR IPv4 address should be <= 32, not {p}"),
                ));
            }
        },
    };
    Ok(Konst::Ip4(u32::from(a), bits))
}

fn ipv6(text: &str, span: Span) -> Result<Konst, FilterError> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let a: std::net::Ipv6Addr = addr.parse().map_err(|_| {
        FilterError::at(
            span,
            format!("\"{addr}\" is not a valid hostname or IPv6 address."),
        )
    })?;
    let bits = match prefix {
        None => 128,
        Some(p) => match p.parse::<u32>() {
            Ok(n) if n <= 128 => n as u8,
            _ => {
                return Err(FilterError::at(
                    span,
                    format!("Prefix in a IPv6 address should be <= 128, not {p}"),
                ));
            }
        },
    };
    Ok(Konst::Ip6(u128::from(a), bits))
}

/// Byte strings in Wireshark's spellings: `aa:bb:cc`, `aa-bb-cc`, `aa.bb.cc`, `aabb.ccdd`
/// (dotted quads of MACs), `aabbcc`, a single `0x02` or `2`.
pub fn parse_bytes(s: &str) -> Option<Vec<u8>> {
    let hex = |g: &str| -> Option<Vec<u8>> {
        if g.is_empty() || !g.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        if g.len() <= 2 {
            return u8::from_str_radix(g, 16).ok().map(|b| vec![b]);
        }
        if !g.len().is_multiple_of(2) {
            return None;
        }
        (0..g.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&g[i..i + 2], 16).ok())
            .collect()
    };
    if let Some(h) = s.strip_prefix("0x").or(s.strip_prefix("0X")) {
        return (h.len() <= 2).then(|| hex(h)).flatten();
    }
    let seps: Vec<char> = [':', '-', '.']
        .into_iter()
        .filter(|c| s.contains(*c))
        .collect();
    match seps.as_slice() {
        [] => hex(s),
        [sep] => {
            let mut out = Vec::new();
            for g in s.split(*sep) {
                // Groups of 1-2 digits, or 4 for the dotted-quad MAC form.
                if g.len() > 2 && !(*sep == '.' && g.len() == 4) {
                    return None;
                }
                out.extend(hex(g)?);
            }
            Some(out)
        }
        _ => None,
    }
}

/// Seconds with an optional fraction (`0.5`, `-1`, `3.000000001`) to nanoseconds, exactly.
pub fn parse_seconds(s: &str) -> Option<i128> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let secs: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut nanos: i128 = 0;
    for (i, c) in frac.bytes().take(9).enumerate() {
        nanos += (c - b'0') as i128 * 10i128.pow(8 - i as u32);
    }
    let v = secs.checked_mul(1_000_000_000)?.checked_add(nanos)?;
    Some(if neg { -v } else { v })
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Absolute times: `2023-11-14 22:13:21[.123]` (also with `T`) and
/// `Nov 14, 2023 22:13:21[.123]`, with an optional `UTC`/`Z` suffix. Times are taken as UTC
/// (tshark uses local time for a time without a zone; wiresift has no time-zone database).
pub fn parse_abs_time(s: &str) -> Option<i128> {
    let s = s.trim();
    let s = s
        .strip_suffix("UTC")
        .or_else(|| s.strip_suffix('Z'))
        .unwrap_or(s)
        .trim_end();
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (date, time) = if s.as_bytes().first()?.is_ascii_alphabetic() {
        // "Nov 14, 2023 22:13:21.005"
        let mut it = s.splitn(4, ' ').filter(|p| !p.is_empty());
        let mon = it.next()?;
        let day = it.next()?.trim_end_matches(',');
        let year = it.next()?;
        let time = it.next().unwrap_or("00:00:00");
        let m = MONTHS.iter().position(|n| n.eq_ignore_ascii_case(mon))? as u32 + 1;
        (
            (year.parse::<i64>().ok()?, m, day.parse::<u32>().ok()?),
            time,
        )
    } else {
        let (date, time) = s
            .split_once(' ')
            .or_else(|| s.split_once('T'))
            .unwrap_or((s, "00:00:00"));
        let mut p = date.split('-');
        let y = p.next()?.parse::<i64>().ok()?;
        let m = p.next()?.parse::<u32>().ok()?;
        let d = p.next()?.parse::<u32>().ok()?;
        if p.next().is_some() {
            return None;
        }
        ((y, m, d), time.trim())
    };
    let (y, m, d) = date;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.split(':');
    let hh: i64 = t.next()?.parse().ok()?;
    let mm: i64 = t.next().unwrap_or("0").parse().ok()?;
    let ss: i64 = t.next().unwrap_or("0").parse().ok()?;
    if t.next().is_some() || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    let nanos = parse_seconds(&format!("0.{frac}")).filter(|_| frac.len() <= 9)?;
    let secs = days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss;
    Some(secs as i128 * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_int("80"), Some(80));
        assert_eq!(parse_int("0x50"), Some(80));
        assert_eq!(parse_int("0120"), Some(80));
        assert_eq!(parse_int("0b1010000"), Some(80));
        assert_eq!(parse_int("-69"), Some(-69));
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("08"), None);
        assert_eq!(parse_int("abc"), None);
    }

    #[test]
    fn byte_strings() {
        assert_eq!(parse_bytes("00:0c:29"), Some(vec![0, 0x0c, 0x29]));
        assert_eq!(parse_bytes("00-0c-29"), Some(vec![0, 0x0c, 0x29]));
        assert_eq!(parse_bytes("00.0c.29"), Some(vec![0, 0x0c, 0x29]));
        assert_eq!(
            parse_bytes("000c.29aa.bb01"),
            Some(vec![0, 0x0c, 0x29, 0xaa, 0xbb, 1])
        );
        assert_eq!(
            parse_bytes("000c29aabb01"),
            Some(vec![0, 0x0c, 0x29, 0xaa, 0xbb, 1])
        );
        assert_eq!(parse_bytes("0x02"), Some(vec![2]));
        assert_eq!(parse_bytes("1"), Some(vec![1]));
        assert_eq!(parse_bytes("0x101"), None);
        assert_eq!(parse_bytes("zz"), None);
        assert_eq!(parse_bytes("00:0c-29"), None);
    }

    #[test]
    fn seconds() {
        assert_eq!(parse_seconds("0.5"), Some(500_000_000));
        assert_eq!(parse_seconds("1"), Some(1_000_000_000));
        assert_eq!(parse_seconds("-1.25"), Some(-1_250_000_000));
        assert_eq!(parse_seconds("3.0000000019"), Some(3_000_000_001));
        assert_eq!(parse_seconds("1e0"), None);
        assert_eq!(parse_seconds("0x10"), None);
    }

    #[test]
    fn absolute_times() {
        let t = parse_abs_time("2023-11-14 22:15:00").unwrap();
        assert_eq!(t, 1_700_000_100 * 1_000_000_000);
        assert_eq!(parse_abs_time("Nov 14, 2023 22:15:00 UTC"), Some(t));
        assert_eq!(
            parse_abs_time("2023-11-14T22:15:00.5Z"),
            Some(t + 500_000_000)
        );
        assert_eq!(parse_abs_time("2023-13-45"), None);
        assert_eq!(parse_abs_time("2023-02-29 00:00:00"), None);
    }
}
