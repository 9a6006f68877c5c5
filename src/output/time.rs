//! Time formatting without allocation or a time-zone database: UTC calendar arithmetic
//! (Howard Hinnant's `civil_from_days`). tshark's local-time formats (`-t a`, `-t ad`) are
//! printed in UTC; the README says so.

use crate::capture::Timestamp;
use crate::fields::value::{TextOut, nine_digits, push_fraction, two_digits};
use std::fmt::Write as _;

/// A UTC calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year.
    pub year: i64,
    /// Month, 1..=12.
    pub month: u32,
    /// Day of month, 1..=31.
    pub day: u32,
    /// Hour.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
}

/// Splits a timestamp into its UTC calendar fields.
pub fn civil(ts: Timestamp) -> Civil {
    let days = ts.secs.div_euclid(86_400);
    let rem = ts.secs.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month,
        day,
        hour: rem / 3600,
        minute: rem / 60 % 60,
        second: rem % 60,
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn frac<O: TextOut + ?Sized>(out: &mut O, nanos: u32, digits: usize) {
    if digits > 0 {
        out.push_byte(b'.');
        push_fraction(out, nanos, digits);
    }
}

/// Appends `n` in decimal, zero-padded to `width` digits (without `core::fmt`: JSON writes
/// a date on every frame).
fn push_padded<O: TextOut + ?Sized>(out: &mut O, n: u64, width: usize) {
    let mut buf = itoa::Buffer::new();
    let s = buf.format(n);
    for _ in s.len()..width {
        out.push_byte(b'0');
    }
    out.push_text(s);
}

/// Two digits, `n` below 100 (every field of a date but the year).
fn push_two<O: TextOut + ?Sized>(out: &mut O, n: u32) {
    out.push_ascii(&two_digits(n));
}

/// Appends `YYYY-MM-DD?hh:mm:ss` with `sep` between date and time.
fn push_civil<O: TextOut + ?Sized>(out: &mut O, c: &Civil, sep: u8) {
    match four_digit_year(c) {
        Some(year) => out.fill::<19>(|buf| {
            *buf = civil_text(c, year, sep);
            19
        }),
        None => push_wide_civil(out, c, sep),
    }
}

/// The year, when it has four digits (0 to 9999): then a date has a fixed length.
fn four_digit_year(c: &Civil) -> Option<u32> {
    u32::try_from(c.year).ok().filter(|year| *year < 10_000)
}

/// `YYYY-MM-DD?hh:mm:ss` for a year of four digits, as one array (JSON writes a date on
/// every frame: one store of the whole text instead of eleven appends).
fn civil_text(c: &Civil, year: u32, sep: u8) -> [u8; 19] {
    let [y0, y1] = two_digits(year / 100);
    let [y2, y3] = two_digits(year);
    let [mo0, mo1] = two_digits(c.month);
    let [d0, d1] = two_digits(c.day);
    let [h0, h1] = two_digits(c.hour);
    let [mi0, mi1] = two_digits(c.minute);
    let [s0, s1] = two_digits(c.second);
    [
        y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, sep, h0, h1, b':', mi0, mi1, b':', s0, s1,
    ]
}

/// [`push_civil`] for years before 0 or after 9999.
fn push_wide_civil<O: TextOut + ?Sized>(out: &mut O, c: &Civil, sep: u8) {
    // As `{:04}` does: the sign counts in the width.
    if c.year < 0 {
        out.push_byte(b'-');
        push_padded(out, c.year.unsigned_abs(), 3);
    } else {
        push_padded(out, c.year.unsigned_abs(), 4);
    }
    out.push_byte(b'-');
    push_two(out, c.month);
    out.push_byte(b'-');
    push_two(out, c.day);
    out.push_byte(sep);
    push_two(out, c.hour);
    out.push_byte(b':');
    push_two(out, c.minute);
    out.push_byte(b':');
    push_two(out, c.second);
}

/// `2023-11-14 22:13:20.001000` (tshark `-t ad`/`-t ud`).
pub fn write_date_time<O: TextOut + ?Sized>(out: &mut O, ts: Timestamp, digits: usize) {
    push_civil(out, &civil(ts), b' ');
    frac(out, ts.nanos, digits);
}

/// `22:13:20.001000` (tshark `-t a`/`-t u`).
pub fn write_time_of_day<O: TextOut + ?Sized>(out: &mut O, ts: Timestamp, digits: usize) {
    let c = civil(ts);
    let [h0, h1] = two_digits(c.hour);
    let [m0, m1] = two_digits(c.minute);
    let [s0, s1] = two_digits(c.second);
    out.push_ascii(&[h0, h1, b':', m0, m1, b':', s0, s1]);
    frac(out, ts.nanos, digits);
}

/// `Nov 14, 2023 22:13:20.005000000 UTC` (tshark's `frame.time` text).
pub fn write_frame_time(out: &mut String, ts: Timestamp) {
    let c = civil(ts);
    let month = MONTHS[(c.month as usize - 1).min(11)];
    let _ = write!(
        out,
        "{month} {:2}, {} {:02}:{:02}:{:02}",
        c.day, c.year, c.hour, c.minute, c.second
    );
    frac(out, ts.nanos, 9);
    out.push_str(" UTC");
}

/// `2023-11-14T22:13:20.005000000Z` (JSON).
pub fn write_rfc3339<O: TextOut + ?Sized>(out: &mut O, ts: Timestamp) {
    let c = civil(ts);
    match four_digit_year(&c) {
        Some(year) => out.fill::<30>(|buf| {
            let (date, rest) = buf.split_at_mut(19);
            date.copy_from_slice(&civil_text(&c, year, b'T'));
            rest[0] = b'.';
            rest[1..10].copy_from_slice(&nine_digits(ts.nanos));
            rest[10] = b'Z';
            30
        }),
        None => {
            push_wide_civil(out, &c, b'T');
            frac(out, ts.nanos, 9);
            out.push_byte(b'Z');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let ts = Timestamp {
            secs: 1_700_000_000,
            nanos: 5_000_000,
        };
        let mut s = String::new();
        write_frame_time(&mut s, ts);
        assert_eq!(s, "Nov 14, 2023 22:13:20.005000000 UTC");
        s.clear();
        write_date_time(&mut s, ts, 6);
        assert_eq!(s, "2023-11-14 22:13:20.005000");
        assert_eq!(civil(Timestamp { secs: 0, nanos: 0 }).year, 1970);
        assert_eq!(civil(Timestamp { secs: -1, nanos: 0 }).day, 31);
    }

    /// The one-store RFC 3339 writer against `core::fmt`, years of four digits and beyond.
    fn check_rfc3339(secs: i64, nanos: u32) {
        let ts = Timestamp { secs, nanos };
        let c = civil(ts);
        let expected = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        );
        let mut s = String::new();
        write_rfc3339(&mut s, ts);
        assert_eq!(s, expected, "{secs}");
        let mut d = String::new();
        write_date_time(&mut d, ts, 9);
        assert_eq!(
            d,
            expected.trim_end_matches('Z').replace('T', " "),
            "{secs}"
        );
    }

    #[test]
    fn rfc3339_at_year_edges() {
        // 0000-01-01, 9999-12-31T23:59:59, 10000-01-01, and the year -1.
        for secs in [
            -62_167_219_200,
            253_402_300_799,
            253_402_300_800,
            -62_198_755_200,
        ] {
            for delta in [-1, 0, 1] {
                check_rfc3339(secs + delta, 999_999_999);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn rfc3339_matches_fmt(secs in -100_000_000_000i64..400_000_000_000, nanos in 0u32..1_000_000_000) {
            check_rfc3339(secs, nanos);
        }
    }
}
