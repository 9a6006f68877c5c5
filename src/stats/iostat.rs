//! `-z io,stat,INTERVAL[,COLUMN...]`: frames and bytes per time interval, TShark's boxed
//! table byte for byte.
//!
//! A column is empty (all frames), a display filter, or a calculation TShark knows:
//! `FRAMES`, `BYTES`, `COUNT(FIELD)`, `SUM(FIELD)`, `MIN(FIELD)`, `MAX(FIELD)` and
//! `AVG(FIELD)` on an integer field, each optionally followed by a filter
//! (`SUM(tcp.len)tcp.srcport == 80`). The interval is in seconds, `0` for the whole
//! capture. As in TShark, a frame earlier than the last interval a column counted is
//! skipped (captures whose times go backwards), and the table spans the capture's duration.

use crate::dissect::Dissection;
use crate::fields::{FieldId, LayerSel, registry};
use crate::filter::Filter;
use crate::value::Value as FieldValue;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Interval rows kept and printed. A row is 40 bytes per column and about 60 printed; TShark
/// keeps and prints them all, so a 0.25 s interval over a capture whose clock jumps by a
/// year prints a hundred million lines. A million rows is a 1 s table of eleven days.
pub const MAX_INTERVALS: usize = 1_000_000;

/// What a column computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calc {
    /// Frames and bytes (an empty column or a plain filter).
    FramesAndBytes,
    /// `FRAMES`.
    Frames,
    /// `BYTES`.
    Bytes,
    /// `COUNT(FIELD)`: occurrences of the field.
    Count,
    /// `SUM(FIELD)`.
    Sum,
    /// `MIN(FIELD)`.
    Min,
    /// `MAX(FIELD)`.
    Max,
    /// `AVG(FIELD)`.
    Avg,
}

impl Calc {
    fn name(self) -> &'static str {
        match self {
            Calc::FramesAndBytes => "FRAMES BYTES",
            Calc::Frames => "FRAMES",
            Calc::Bytes => "BYTES",
            Calc::Count => "COUNT",
            Calc::Sum => "SUM",
            Calc::Min => "MIN",
            Calc::Max => "MAX",
            Calc::Avg => "AVG",
        }
    }
}

/// One column of the table.
#[derive(Debug, Clone)]
pub struct Column {
    /// What it computes.
    pub calc: Calc,
    /// The field of a calculation.
    pub field: Option<FieldId>,
    /// The column's filter.
    pub filter: Option<Filter>,
    /// The column as given (its `Col N:` line), `None` for an empty column.
    pub text: Option<String>,
}

/// One `-z io,stat` request.
#[derive(Debug, Clone)]
pub struct IoStatSpec {
    /// Interval in microseconds; `None` for the whole capture.
    pub interval_us: Option<u64>,
    /// Decimals of the interval as TShark shows them.
    pub precision: u32,
    /// The columns (at least one).
    pub columns: Vec<Column>,
}

impl IoStatSpec {
    /// Parses the part after `io,stat,`: the interval, then the columns.
    ///
    /// # Errors
    /// A bad interval, an unknown field, a field that cannot be summed, a filter that does
    /// not compile.
    pub fn parse(
        arg: &str,
        compile: impl Fn(&str) -> Result<Filter, String>,
    ) -> Result<IoStatSpec, String> {
        let parts = split_columns(arg);
        let (interval_text, cols) = parts.split_first().ok_or("-z io,stat needs an interval")?;
        let (interval_us, precision) = parse_interval(interval_text)?;
        let mut columns = cols
            .iter()
            .map(|c| parse_column(c, &compile))
            .collect::<Result<Vec<_>, _>>()?;
        if columns.is_empty() {
            columns.push(parse_column("", &compile)?);
        }
        Ok(IoStatSpec {
            interval_us,
            precision,
            columns,
        })
    }

    /// The filters the columns evaluate.
    pub fn filters(&self) -> impl Iterator<Item = &Filter> {
        self.columns.iter().filter_map(|c| c.filter.as_ref())
    }

    /// The fields the calculations read.
    pub fn fields(&self) -> impl Iterator<Item = FieldId> + '_ {
        self.columns.iter().filter_map(|c| c.field)
    }
}

/// Splits at commas outside parentheses, brackets, braces and quotes (TShark splits at every
/// comma, which cuts a set like `{80,443}` in two).
fn split_columns(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth <= 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The interval in µs (`None` for 0, the whole capture) and its decimals: the last
/// non-zero µs digit, or the decimals written when the interval is whole seconds
/// (`1.0` shows one decimal).
fn parse_interval(s: &str) -> Result<(Option<u64>, u32), String> {
    let bad = || {
        format!(
            "invalid -z io,stat interval \"{s}\": give seconds (1, 0.1, 0.000001), or 0 for \
             the whole capture"
        )
    };
    let secs: f64 = s.trim().parse().map_err(|_| bad())?;
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(bad());
    }
    if secs == 0.0 {
        return Ok((None, 0));
    }
    let us = (secs * 1e6 + 0.5) as u64;
    if us == 0 {
        return Err(format!(
            "invalid -z io,stat interval \"{s}\": it must be at least 0.000001 seconds, or 0 \
             for the whole capture"
        ));
    }
    let mut precision = 6;
    let mut unit = 10;
    while unit < 10_000_000 && us.is_multiple_of(unit) {
        precision -= 1;
        unit *= 10;
    }
    if precision == 0
        && let Some((_, decimals)) = s.trim().split_once('.')
        && !decimals.is_empty()
    {
        precision = decimals.len().min(6) as u32;
    }
    Ok((Some(us), precision))
}

fn parse_column(
    s: &str,
    compile: &impl Fn(&str) -> Result<Filter, String>,
) -> Result<Column, String> {
    let text = (!s.is_empty()).then(|| s.to_string());
    let calcs = [
        ("FRAMES", Calc::Frames),
        ("BYTES", Calc::Bytes),
        ("COUNT", Calc::Count),
        ("SUM", Calc::Sum),
        ("MIN", Calc::Min),
        ("MAX", Calc::Max),
        ("AVG", Calc::Avg),
    ];
    let calc = calcs
        .iter()
        .find(|(name, _)| s.starts_with(name) && s[name.len()..].starts_with('('));
    let Some(&(name, calc)) = calc else {
        if s.starts_with("LOAD(") {
            return Err("-z io,stat: LOAD() is not supported by wiresift".into());
        }
        let filter = text.as_deref().map(compile).transpose()?;
        return Ok(Column {
            calc: Calc::FramesAndBytes,
            field: None,
            filter,
            text,
        });
    };
    let inner = &s[name.len() + 1..];
    let close = inner
        .find(')')
        .ok_or("-z io,stat: closing parenthesis missing from calculated expression")?;
    let (field_name, rest) = (&inner[..close], inner[close + 1..].trim());
    let field = match calc {
        Calc::Frames | Calc::Bytes if !field_name.is_empty() => {
            return Err(format!(
                "-z io,stat: {name} does not require or allow a field name within the parens"
            ));
        }
        Calc::Frames | Calc::Bytes => None,
        _ if field_name.is_empty() => {
            return Err(format!(
                "-z io,stat: you didn't specify a field name for {name}(*)"
            ));
        }
        _ => Some(calc_field(field_name, calc, name)?),
    };
    let filter = (!rest.is_empty()).then(|| compile(rest)).transpose()?;
    Ok(Column {
        calc,
        field,
        filter,
        text,
    })
}

/// The field of a calculation, checked: COUNT takes any field, the others integers.
fn calc_field(name: &str, calc: Calc, func: &str) -> Result<FieldId, String> {
    let reg = registry();
    let id = reg
        .lookup(name)
        .ok_or_else(|| format!("-z io,stat: there is no field named '{name}'"))?;
    // Booleans too: TShark sums FT_BOOLEAN as the integer it is.
    let integral = reg.def(id).ftype.is_integer();
    if calc != Calc::Count && !integral {
        return Err(format!(
            "-z io,stat: {name} doesn't have integral values, so {func}(*) calculations are \
             not supported on it (wiresift sums integer fields only)"
        ));
    }
    Ok(id)
}

/// One cell: an interval of one column.
#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    frames: u64,
    /// Bytes, or the calculation's running value.
    counter: i128,
    /// Values seen (AVG).
    num: u64,
}

/// The running table.
#[derive(Debug)]
pub struct IoStat {
    spec: IoStatSpec,
    /// Cells per column, indexed by interval.
    cells: Vec<Vec<Cell>>,
    /// Largest value each column showed after any frame (its width).
    widest: Vec<u64>,
    /// Latest relative time of any frame, ns (TShark's capture duration).
    elapsed_ns: i128,
    /// Frames not counted past [`MAX_INTERVALS`].
    dropped: u64,
}

impl IoStat {
    /// An empty table.
    pub fn new(spec: IoStatSpec) -> IoStat {
        let cells = vec![Vec::new(); spec.columns.len()];
        IoStat {
            widest: vec![0; spec.columns.len()],
            spec,
            cells,
            elapsed_ns: 0,
            dropped: 0,
        }
    }

    /// Notes the frame's time (every frame: the duration is the capture's).
    pub fn observe_time(&mut self, d: &Dissection<'_>) {
        if !d.frame.ts.is_none() {
            self.elapsed_ns = self.elapsed_ns.max(d.times.relative);
        }
    }

    /// Counts a frame that passed the display filter.
    pub fn observe(&mut self, d: &Dissection<'_>) {
        // A frame without a time (a pcapng Simple Packet Block) or before the first frame
        // counts at time 0, as in TShark.
        let relative = if d.frame.ts.is_none() {
            0
        } else {
            d.times.relative.max(0)
        };
        let index = match self.spec.interval_us {
            None => 0,
            Some(i) => (((relative + 500) / 1000) as u64 / i) as usize,
        };
        let columns = self.spec.columns.iter().zip(&mut self.cells);
        for ((col, cells), widest) in columns.zip(&mut self.widest) {
            if col.filter.as_ref().is_some_and(|f| !f.matches(d)) {
                continue;
            }
            // TShark skips a frame older than the column's last interval.
            if index + 1 < cells.len() {
                continue;
            }
            if index >= MAX_INTERVALS {
                self.dropped += 1;
                continue;
            }
            if cells.len() <= index {
                cells.resize(index + 1, Cell::default());
            }
            let cell = &mut cells[index];
            cell.frames += 1;
            count(col, cell, d);
            // TShark sizes a column by the largest value it held after any frame: a running
            // AVG or MIN can be wider than where it ends.
            let shown = shown_value(col.calc, *cell).max(0) as u64;
            *widest = (*widest).max(shown);
        }
    }

    /// The capture's duration in µs, rounded as TShark rounds it.
    fn duration_us(&self) -> u64 {
        let secs = self.elapsed_ns.div_euclid(1_000_000_000);
        let nanos = self.elapsed_ns.rem_euclid(1_000_000_000);
        (secs * 1_000_000 + (nanos + 500) / 1000).max(0) as u64
    }

    /// The text TShark prints.
    pub fn text(&self) -> String {
        let layout = Layout::new(self);
        let mut out = String::new();
        layout.header(self, &mut out);
        layout.rows(self, &mut out);
        if self.dropped > 0 {
            let _ = writeln!(out, "{}", self.note());
        }
        out
    }

    fn note(&self) -> String {
        format!(
            "limit: {} frame(s) not counted (MAX_INTERVALS = {MAX_INTERVALS})",
            self.dropped
        )
    }

    /// One JSON object per interval and column, times in seconds since the first frame.
    pub fn json(&self) -> Vec<Value> {
        let duration = self.duration_us();
        let interval = self
            .spec
            .interval_us
            .filter(|&i| i <= duration)
            .unwrap_or(duration.max(1));
        let rows = (duration.div_ceil(interval).max(1) as usize).min(MAX_INTERVALS);
        let mut v = Vec::new();
        for row in 0..rows {
            let start = row as u64 * interval;
            let end = (start + interval).min(duration);
            for (j, (col, cells)) in self.spec.columns.iter().zip(&self.cells).enumerate() {
                let cell = cells.get(row).copied().unwrap_or_default();
                let mut o = json!({
                    "report": "io,stat",
                    "start": start as f64 / 1e6,
                    "end": end as f64 / 1e6,
                    "column": j + 1,
                    "filter": col.text,
                    "frames": cell.frames,
                });
                let value = shown_value(col.calc, cell);
                let key = match col.calc {
                    Calc::FramesAndBytes | Calc::Bytes => "bytes",
                    _ => "value",
                };
                if col.calc != Calc::Frames {
                    o[key] = json!(value);
                }
                v.push(o);
            }
        }
        if self.dropped > 0 {
            v.push(json!({"report": "io,stat", "note": self.note()}));
        }
        v
    }
}

/// Adds frame `d` to a cell of column `col`.
fn count(col: &Column, cell: &mut Cell, d: &Dissection<'_>) {
    let Some(id) = col.field else {
        cell.counter += i128::from(d.frame.orig_len);
        return;
    };
    let first_frame = cell.frames == 1;
    let mut i = 0u64;
    registry().each_value(id, d, LayerSel::All, &mut |v| {
        let n = match v {
            FieldValue::Uint(n) => i128::from(n),
            FieldValue::Int(n) => i128::from(n),
            FieldValue::Bool(b) => i128::from(b),
            _ => 0,
        };
        match col.calc {
            Calc::Count => cell.counter += 1,
            Calc::Sum => cell.counter += n,
            Calc::Avg => {
                cell.counter += n;
                cell.num += 1;
            }
            // As TShark: only the first value of the interval's first frame starts MIN.
            Calc::Min if (first_frame && i == 0) || n < cell.counter => cell.counter = n,
            Calc::Max if n > cell.counter => cell.counter = n,
            _ => {}
        }
        i += 1;
    });
}

/// The number a cell shows besides its frames.
fn shown_value(calc: Calc, cell: Cell) -> i128 {
    match calc {
        Calc::Avg => cell.counter / i128::from(cell.num.max(1)),
        _ => cell.counter,
    }
}

/// TShark's digit count of `val`, at most `max_w`.
fn magnitude(mut val: u64, max_w: u32) -> u32 {
    let mut mag = 0;
    for _ in 0..max_w {
        mag += 1;
        val /= 10;
        if val == 0 {
            break;
        }
    }
    mag
}

/// TShark's `printcenter`: a label centred in a column of `width`, or printed bare, or not
/// at all when it cannot fit.
fn center(label: &str, width: u32) -> String {
    let (width, n) = (width as i32, label.len() as i32);
    let len = 6 - ((width - n) / 2 + 1);
    if len > 0 && len < 6 {
        let pad = " ".repeat((6 - len) as usize);
        if (width - n) % 2 == 0 {
            format!("{pad}{label}{pad}|")
        } else {
            format!(" {pad}{label}{pad}|")
        }
    } else if len > 0 && len <= 15 {
        format!("{label}|")
    } else {
        String::new()
    }
}

/// Widths of a column: frames and value parts.
#[derive(Debug, Clone, Copy)]
struct Width {
    frames: u32,
    value: u32,
}

/// The geometry TShark computes before drawing.
struct Layout {
    duration: u64,
    interval: u64,
    precision: u32,
    /// Decimal digits of the duration's whole seconds.
    dur_mag: u32,
    border: usize,
    row_width: usize,
    interval_col: usize,
    widths: Vec<Width>,
}

impl Layout {
    fn new(s: &IoStat) -> Layout {
        let mut duration = s.duration_us();
        let whole = s.spec.interval_us.is_none_or(|i| i > duration);
        let mut interval = if whole {
            duration
        } else {
            s.spec.interval_us.unwrap_or(duration)
        };
        let mut dur_mag = magnitude(duration / 1_000_000, 5);
        let invl_mag = magnitude(interval / 1_000_000, 5);
        let frac = |p: u32| if p == 0 { 0 } else { p as usize + 1 };
        let (precision, mut border) = if interval == duration {
            let p = match dur_mag {
                m if m >= 2 => 1,
                1 => 3,
                _ => 6,
            };
            (p, 30 + dur_mag as usize + frac(p))
        } else {
            let p = s.spec.precision;
            (p, 25 + invl_mag.max(dur_mag) as usize + frac(p))
        };
        let dv = 10u64.pow(6 - precision);
        if duration % dv > 5 * (dv / 10) {
            duration += 5 * (dv / 10);
            duration = duration / dv * dv;
            dur_mag = magnitude(duration / 1_000_000, 5);
        }
        if whole {
            interval = duration;
        }
        let interval_col = if precision == 0 {
            2 * dur_mag as usize + 8
        } else {
            2 * dur_mag as usize + 2 * precision as usize + 10
        }
        .max(12);
        let widths: Vec<Width> = s
            .spec
            .columns
            .iter()
            .zip(&s.cells)
            .zip(&s.widest)
            .map(|((c, cells), &widest)| column_width(c.calc, cells, widest))
            .collect();
        let row_width = interval_col
            + s.spec
                .columns
                .iter()
                .zip(&widths)
                .map(|(c, w)| match c.calc {
                    Calc::FramesAndBytes => w.frames as usize + w.value as usize + 6,
                    Calc::Frames => w.frames as usize + 3,
                    _ => w.value as usize + 3,
                })
                .sum::<usize>();
        border = border.max(row_width);
        let widest_filter = s
            .spec
            .columns
            .iter()
            .map(|c| c.text.as_ref().map_or(26, |t| t.len() + 11))
            .max()
            .unwrap_or(0);
        if widest_filter > border && border < 102 {
            border = widest_filter.min(102);
        }
        // A one-column gap would draw a double right border.
        if border - row_width == 1 {
            border += 1;
        }
        Layout {
            duration,
            interval,
            precision,
            dur_mag,
            border,
            row_width,
            interval_col,
            widths,
        }
    }

    /// A line of `start` padded to the border and closed with `|`.
    fn boxed(&self, start: &str, out: &mut String) {
        let pad = self.border.saturating_sub(start.len()).max(1);
        let _ = writeln!(out, "{start}{:>pad$}", "|");
    }

    fn header(&self, s: &IoStat, out: &mut String) {
        let b = self.border;
        let _ = writeln!(out, "\n{}", "=".repeat(b));
        self.boxed("| IO Statistics", out);
        self.boxed("|", out);
        let p = self.precision;
        // TShark shows the duration to the µs when the interval is in whole seconds.
        let dur_prec = if p == 0 { 6 } else { p };
        let whole_secs = s.elapsed_ns.max(0) / 1_000_000_000;
        let dur_w =
            magnitude(whole_secs as u64, 5) as usize + if p == 0 { 0 } else { p as usize + 1 };
        let dur = rounded_secs(s.elapsed_ns, dur_prec);
        let invl = secs_text(self.interval, p);
        // TShark pads these lines for at most five digits of whole seconds: past 99999 s
        // their right border moves out, as here.
        for (label, number) in [("Duration", dur), ("Interval", invl)] {
            let width = capped_len(&number).max(dur_w);
            let pad = self.border.saturating_sub(17 + width).max(1);
            let _ = writeln!(out, "| {label}: {number:>dur_w$} secs{:>pad$}", "|");
        }
        self.boxed("|", out);
        for (j, col) in s.spec.columns.iter().enumerate() {
            self.filter_lines(j, col, out);
        }
        let _ = writeln!(out, "|-{}|", "-".repeat(b - 3));
        self.column_header(s, out);
    }

    /// TShark 4.0's `Col N:` lines, a long filter wrapped at its last space that fits.
    fn filter_lines(&self, j: usize, col: &Column, out: &mut String) {
        let b = self.border;
        let lead = if j == 0 {
            format!("| Col{:2}: ", j + 1)
        } else {
            format!("|    {:2}: ", j + 1)
        };
        let Some(text) = &col.text else {
            let _ = writeln!(
                out,
                "{lead}Frames and bytes{}|",
                " ".repeat(b.saturating_sub(26))
            );
            return;
        };
        let mut rest = text.as_str();
        let mut line = lead;
        let max_w = b.saturating_sub(11).max(1);
        while rest.len() + 11 > b && rest.len() > max_w {
            let head = floor_boundary(rest, max_w);
            let (len, next) = match rest[..head].rfind(' ') {
                Some(pos) => (pos, pos + 1),
                None => (head, head),
            };
            let _ = writeln!(
                out,
                "{line}{}{}|",
                &rest[..len],
                " ".repeat(b.saturating_sub(len + 10))
            );
            line = "|        ".to_string();
            rest = &rest[next..];
        }
        let _ = writeln!(
            out,
            "{line}{rest}{}|",
            " ".repeat(b.saturating_sub(rest.len() + 10))
        );
    }

    fn filler(&self) -> String {
        if self.row_width < self.border {
            format!("{:>w$}", "|", w = self.border - self.row_width)
        } else {
            String::new()
        }
    }

    fn column_header(&self, s: &IoStat, out: &mut String) {
        let mut line = format!("|{:>w$}", "|", w = self.interval_col - 1);
        for (j, (col, w)) in s.spec.columns.iter().zip(&self.widths).enumerate() {
            let pad = match col.calc {
                Calc::FramesAndBytes => (w.frames + w.value + 3) as usize,
                Calc::Frames => w.frames as usize,
                _ => w.value as usize,
            };
            let _ = write!(line, "{:<2}{:pad$}|", j + 1, "");
        }
        let filler = self.filler();
        let _ = writeln!(out, "{line}{filler}");
        let mut line = format!("| Interval{:>w$}", "|", w = self.interval_col - 10);
        for (col, w) in s.spec.columns.iter().zip(&self.widths) {
            match col.calc {
                Calc::FramesAndBytes => {
                    line.push_str(&center("Frames", w.frames));
                    line.push_str(&center("Bytes", w.value));
                }
                Calc::Frames => line.push_str(&center("FRAMES", w.frames)),
                c => line.push_str(&center(c.name(), w.value)),
            }
        }
        let _ = writeln!(out, "{line}{filler}");
        let _ = writeln!(out, "|-{}|{filler}", "-".repeat(self.row_width - 3));
    }

    fn rows(&self, s: &IoStat, out: &mut String) {
        let (p, dm) = (self.precision, self.dur_mag as usize);
        let dv = 10u64.pow(6 - p);
        let mut t = 0u64;
        let mut row = 0usize;
        let filler = self.filler();
        while t < self.duration && self.interval > 0 && row < MAX_INTERVALS {
            let mut end = t + self.interval;
            let last = end >= self.duration;
            if last {
                end = self.duration;
            }
            let mut line = if p == 0 {
                let (ts, es) = (t / 1_000_000, end / 1_000_000);
                if last {
                    let maxw = if dm >= 3 { dm + 1 } else { 3 };
                    let lead = if dm == 1 { " " } else { "" };
                    format!("| {lead}{ts:>dm$} <> {:<maxw$}|", "Dur")
                } else if dm == 1 {
                    format!("|  {ts:>dm$} <> {es:>dm$}  |")
                } else {
                    format!("| {ts:>dm$} <> {es:>dm$} |")
                }
            } else {
                let pw = p as usize;
                format!(
                    "| {:>dm$}.{:0pw$} <> {:>dm$}.{:0pw$} |",
                    t / 1_000_000,
                    t % 1_000_000 / dv,
                    end / 1_000_000,
                    end % 1_000_000 / dv
                )
            };
            for ((col, cells), w) in s.spec.columns.iter().zip(&s.cells).zip(&self.widths) {
                let cell = cells.get(row).copied().unwrap_or_default();
                let (fw, vw) = (w.frames as usize, w.value as usize);
                let _ = match col.calc {
                    Calc::FramesAndBytes => {
                        write!(line, " {:>fw$} | {:>vw$} |", cell.frames, cell.counter)
                    }
                    Calc::Frames => write!(line, " {:>fw$} |", cell.frames),
                    c => write!(line, " {:>vw$} |", shown_value(c, cell)),
                };
            }
            let _ = writeln!(out, "{line}{filler}");
            t += self.interval;
            row += 1;
        }
        let _ = writeln!(out, "{}", "=".repeat(self.border));
        if t < self.duration && self.interval > 0 {
            let _ = writeln!(
                out,
                "limit: the table stops after MAX_INTERVALS ({MAX_INTERVALS}) rows; give a \
                 longer interval"
            );
        }
    }
}

/// The widths of one column from its largest values.
fn column_width(calc: Calc, cells: &[Cell], widest: u64) -> Width {
    let max_frames = cells.iter().map(|c| c.frames).max().unwrap_or(0);
    let value_mag = magnitude(widest, 15);
    match calc {
        Calc::FramesAndBytes => Width {
            frames: magnitude(max_frames, 15).max(6),
            value: value_mag.max(5),
        },
        Calc::Frames => Width {
            frames: magnitude(max_frames, 15).max(6),
            value: 0,
        },
        Calc::Bytes | Calc::Count => Width {
            frames: 0,
            value: value_mag.max(5),
        },
        c => Width {
            frames: 0,
            value: value_mag.max(c.name().len() as u32),
        },
    }
}

/// The largest char boundary at or below `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The length of a seconds figure with its whole part counted at most five digits wide.
fn capped_len(number: &str) -> usize {
    let whole = number.find('.').unwrap_or(number.len());
    whole.min(5) + (number.len() - whole)
}

/// `ns` in seconds rounded to `prec` decimals.
fn rounded_secs(ns: i128, prec: u32) -> String {
    let unit = 10i128.pow(9 - prec);
    let r = (ns.max(0) + unit / 2) / unit;
    let scale = 10i128.pow(prec);
    if prec == 0 {
        format!("{}", r)
    } else {
        format!("{}.{:0w$}", r / scale, r % scale, w = prec as usize)
    }
}

/// `us` in seconds with `prec` decimals, truncated.
fn secs_text(us: u64, prec: u32) -> String {
    if prec == 0 {
        return format!("{}", us / 1_000_000);
    }
    let dv = 10u64.pow(6 - prec);
    format!(
        "{}.{:0w$}",
        us / 1_000_000,
        us % 1_000_000 / dv,
        w = prec as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_filter(_: &str) -> Result<Filter, String> {
        Filter::compile("").map_err(|e| e.to_string())
    }

    #[test]
    fn interval_precision_follows_tshark() {
        assert_eq!(parse_interval("1").unwrap(), (Some(1_000_000), 0));
        assert_eq!(parse_interval("1.0").unwrap(), (Some(1_000_000), 1));
        assert_eq!(parse_interval("0.25").unwrap(), (Some(250_000), 2));
        assert_eq!(parse_interval("0.000001").unwrap(), (Some(1), 6));
        assert_eq!(parse_interval("0").unwrap(), (None, 0));
        assert!(parse_interval("-1").is_err());
        assert!(parse_interval("0.0000001").is_err());
        assert!(parse_interval("x").is_err());
    }

    #[test]
    fn columns_split_outside_sets_and_calls() {
        assert_eq!(
            split_columns("1,tcp.port in {80,443},COUNT(tcp.len)tcp,"),
            ["1", "tcp.port in {80,443}", "COUNT(tcp.len)tcp", ""]
        );
    }

    #[test]
    fn calculations_check_their_field() {
        let s = IoStatSpec::parse("1,SUM(tcp.len)", no_filter).unwrap();
        assert_eq!(s.columns[0].calc, Calc::Sum);
        assert!(IoStatSpec::parse("1,SUM(ip.src)", no_filter).is_err());
        assert!(IoStatSpec::parse("1,SUM(nope.nope)", no_filter).is_err());
        assert!(IoStatSpec::parse("1,FRAMES(tcp.len)", no_filter).is_err());
        assert!(IoStatSpec::parse("1,COUNT()", no_filter).is_err());
        assert!(IoStatSpec::parse("1,COUNT(ip.src", no_filter).is_err());
        assert!(IoStatSpec::parse("1,LOAD(smb.time)", no_filter).is_err());
        assert_eq!(IoStatSpec::parse("1", no_filter).unwrap().columns.len(), 1);
    }

    #[test]
    fn labels_centre_as_tshark() {
        assert_eq!(center("Frames", 6), " Frames |");
        assert_eq!(center("Bytes", 5), " Bytes |");
        assert_eq!(center("Bytes", 6), "  Bytes |");
    }
}
