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

    /// The table as text; numbers are right-aligned, `null` prints as `-`.
    pub fn render(&self) -> String {
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
