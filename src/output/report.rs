//! Rendering of the reports printed after the packets (`-z ...`): a comfy-table table for
//! text, or one JSON object per row keyed by the column names (`-T json` / `-T jsonl`).

use comfy_table::{CellAlignment, ContentArrangement, Table as Comfy, presets};
use serde_json::{Map, Value};

/// How reports are printed (follows `-T`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Tables.
    #[default]
    Text,
    /// One JSON array holding an object per row of every report.
    Json,
    /// One JSON object per line.
    Jsonl,
}

/// A report table: column names and typed cells.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<Value>>,
}

/// Above this many rows a report table is laid out without comfy-table (see
/// [`Table::render`]); below it comfy-table's cost does not matter.
pub const COMFY_MAX_ROWS: usize = 2000;

/// Seconds from nanoseconds, as a JSON number (nanosecond precision).
pub fn secs(ns: i128) -> Value {
    let s = format!("{:.9}", ns as f64 / 1e9);
    s.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

impl Table {
    /// A table with these columns (also the JSON keys).
    pub fn new(header: &[&'static str]) -> Table {
        Table {
            header: header.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (one value per column).
    pub fn row(&mut self, cells: Vec<Value>) {
        self.rows.push(cells);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text; numbers are right-aligned, `null` prints as `-`. Large tables are
    /// laid out by [`Table::render_plain`] (same text): comfy-table keeps several copies of
    /// every cell, which for the 40 000 connections of a big capture was 100 MiB.
    pub fn render(&self) -> String {
        if self.rows.len() > COMFY_MAX_ROWS {
            return self.render_plain();
        }
        self.render_comfy()
    }

    /// The same layout as comfy-table's ASCII_MARKDOWN preset, written row by row.
    pub fn render_plain(&self) -> String {
        let numeric: Vec<bool> = (0..self.header.len())
            .map(|i| !self.rows.is_empty() && self.rows.iter().all(|r| r[i].is_number()))
            .collect();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, v) in r.iter().enumerate() {
                widths[i] = widths[i].max(text(v).chars().count());
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &mut dyn Iterator<Item = String>| {
            out.push('|');
            for (i, c) in cells.enumerate() {
                let pad = widths[i].saturating_sub(c.chars().count());
                out.push(' ');
                if numeric[i] {
                    out.extend(std::iter::repeat_n(' ', pad));
                    out.push_str(&c);
                } else {
                    out.push_str(&c);
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                out.push_str(" |");
            }
            out.push('\n');
        };
        line(&mut out, &mut self.header.iter().map(|h| h.to_string()));
        out.push('|');
        for w in &widths {
            out.extend(std::iter::repeat_n('-', w + 2));
            out.push('|');
        }
        out.push('\n');
        for r in &self.rows {
            line(&mut out, &mut r.iter().map(text));
        }
        out.pop();
        out
    }

    fn render_comfy(&self) -> String {
        let mut t = Comfy::new();
        t.load_style(presets::ASCII_MARKDOWN)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(self.header.clone());
        for r in &self.rows {
            t.add_row(r.iter().map(text).collect::<Vec<_>>());
        }
        for (i, _) in self.header.iter().enumerate() {
            let numeric = !self.rows.is_empty() && self.rows.iter().all(|r| r[i].is_number());
            if let (true, Some(c)) = (numeric, t.column_mut(i)) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        t.to_string()
    }

    /// One object per row, keyed by column name, with `"report": report` first.
    pub fn json_rows(&self, report: &str) -> Vec<Value> {
        self.rows
            .iter()
            .map(|r| {
                let mut m = Map::new();
                m.insert("report".into(), Value::from(report));
                for (k, v) in self.header.iter().zip(r) {
                    m.insert((*k).into(), v.clone());
                }
                Value::Object(m)
            })
            .collect()
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_layout_equals_comfy_table() {
        let mut t = Table::new(&["stream", "client", "irtt", "bytes"]);
        t.row(vec![
            Value::from(0),
            Value::from("192.168.30.129:49152"),
            secs(270_000),
            Value::from(93),
        ]);
        t.row(vec![
            Value::from(41635),
            Value::from("[2001:db8::1]:443"),
            Value::Null,
            Value::from(1),
        ]);
        assert_eq!(t.render_plain(), t.render_comfy());
        let empty = Table::new(&["a", "b"]);
        assert_eq!(empty.render_plain(), empty.render_comfy());
    }
}
