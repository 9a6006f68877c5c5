//! `-T fields -e FIELD ...`: one line per frame, the values of the named fields, as tshark
//! prints them, with `-E` options. Quoting follows RFC 4180 (embedded quotes are doubled),
//! which tshark does not do.

use super::{BlockSink, Sink};
use crate::dissect::Dissection;
use crate::fields::value::write_value;
use crate::fields::{FieldDef, FieldId, FieldType, LayerSel, Value, registry};
use std::io::{self, Write};

/// Which occurrences of a repeated field to print (`-E occurrence=f|l|a`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occurrence {
    /// The first.
    First,
    /// The last.
    Last,
    /// All, joined by the aggregator.
    All,
}

/// Quoting of values (`-E quote=d|s|n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quote {
    /// None.
    None,
    /// Double quotes.
    Double,
    /// Single quotes.
    Single,
}

/// `-E` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldsOptions {
    /// Print a header line with the field names.
    pub header: bool,
    /// Between fields.
    pub separator: String,
    /// Which occurrences.
    pub occurrence: Occurrence,
    /// Between occurrences.
    pub aggregator: String,
    /// Quoting.
    pub quote: Quote,
}

impl Default for FieldsOptions {
    fn default() -> Self {
        FieldsOptions {
            header: false,
            separator: "\t".into(),
            occurrence: Occurrence::All,
            aggregator: ",".into(),
            quote: Quote::None,
        }
    }
}

/// Decodes tshark's `/t` `/s` spellings of separators.
pub fn decode_separator(s: &str) -> String {
    match s {
        "/t" => "\t".into(),
        "/s" => " ".into(),
        other => other.into(),
    }
}

/// Appends one value the way `-T fields` shows it (times as tshark's text).
pub fn write_field_value(out: &mut String, def: &FieldDef, v: &Value<'_>) {
    match v {
        Value::AbsTime(t) => super::time::write_frame_time(out, *t),
        Value::Bool(b) if def.ftype == FieldType::Bool => out.push(if *b { '1' } else { '0' }),
        _ => write_value(out, v, def.ftype, def.base),
    }
}

/// The `-E header=y` line: the field names joined by the separator (no newline).
pub fn header_line(fields: &[(String, FieldId)], opts: &FieldsOptions) -> String {
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    names.join(&opts.separator)
}

/// Prints the chosen fields of each frame.
pub struct FieldsSink<W: Write> {
    out: W,
    fields: Vec<(String, FieldId)>,
    opts: FieldsOptions,
    line: String,
    cell: String,
    header_done: bool,
}

impl<W: Write> FieldsSink<W> {
    /// A fields printer for already-resolved field ids (names kept for the header).
    pub fn new(out: W, fields: Vec<(String, FieldId)>, opts: FieldsOptions) -> Self {
        FieldsSink {
            out,
            fields,
            opts,
            line: String::new(),
            cell: String::new(),
            header_done: false,
        }
    }

    /// The writer the lines go to (the parallel run takes each block's text from it).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    fn write_cell(&mut self, id: FieldId, d: &Dissection<'_>) {
        let reg = registry();
        let def = reg.def(id);
        let cell = &mut self.cell;
        cell.clear();
        let mut count = 0usize;
        let opts = &self.opts;
        reg.each_value(id, d, LayerSel::All, &mut |v| {
            match opts.occurrence {
                Occurrence::First if count > 0 => {}
                Occurrence::Last => {
                    cell.clear();
                    write_cell_value(cell, def, &v, opts);
                }
                _ => {
                    if count > 0 {
                        cell.push_str(&opts.aggregator);
                    }
                    write_cell_value(cell, def, &v, opts);
                }
            }
            count += 1;
        });
        quote_into(&mut self.line, &self.cell, self.opts.quote);
    }
}

/// Appends one value to a cell. Without quoting, a string from the wire that holds the
/// separator gets it escaped (`\x2c` for `,`), so a hostile string cannot add columns.
fn write_cell_value(cell: &mut String, def: &FieldDef, v: &Value<'_>, opts: &FieldsOptions) {
    use std::fmt::Write as _;
    let start = cell.len();
    write_field_value(cell, def, v);
    let sep = opts.separator.as_str();
    let unquoted_string = opts.quote == Quote::None && matches!(v, Value::Str(_) | Value::Text(_));
    if !unquoted_string || sep.is_empty() || !cell[start..].contains(sep) {
        return;
    }
    let first = sep.chars().next().map_or(0, char::len_utf8);
    let mut escaped = String::new();
    for b in sep[..first].bytes() {
        let _ = write!(escaped, "\\x{b:02x}");
    }
    escaped.push_str(&sep[first..]);
    let value = cell.split_off(start).replace(sep, &escaped);
    cell.push_str(&value);
}

fn quote_into(line: &mut String, cell: &str, quote: Quote) {
    let q = match quote {
        Quote::None => return line.push_str(cell),
        _ if cell.is_empty() => return,
        Quote::Double => '"',
        Quote::Single => '\'',
    };
    line.push(q);
    for c in cell.chars() {
        if c == q {
            line.push(q);
        }
        line.push(c);
    }
    line.push(q);
}

impl<W: Write> Sink for FieldsSink<W> {
    fn packet(&mut self, d: &Dissection<'_>) -> io::Result<()> {
        if self.opts.header && !self.header_done {
            self.header_done = true;
            writeln!(self.out, "{}", header_line(&self.fields, &self.opts))?;
        }
        self.line.clear();
        for i in 0..self.fields.len() {
            if i > 0 {
                let sep = std::mem::take(&mut self.opts.separator);
                self.line.push_str(&sep);
                self.opts.separator = sep;
            }
            let id = self.fields[i].1;
            self.write_cell(id, d);
        }
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.opts.header && !self.header_done {
            writeln!(self.out, "{}", header_line(&self.fields, &self.opts))?;
        }
        self.out.flush()
    }
}

impl<W: Write> BlockSink for FieldsSink<W> {
    fn resume(&mut self, printed_before: u64) {
        // The header goes before the first line only.
        if printed_before > 0 {
            self.header_done = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquoted_separator_in_a_wire_string_is_escaped() {
        let def = FieldDef::new(
            "x",
            "x",
            FieldType::Str,
            crate::dissect::Proto::Frame,
            |_, _, _| {},
        );
        let mut opts = FieldsOptions {
            separator: ",".into(),
            ..FieldsOptions::default()
        };
        let mut cell = String::from("1,");
        write_cell_value(&mut cell, &def, &Value::Str(b"a,b\tc"), &opts);
        assert_eq!(cell, "1,a\\x2cb\\tc", "only the new value is escaped");
        opts.quote = Quote::Double;
        cell.clear();
        write_cell_value(&mut cell, &def, &Value::Str(b"a,b"), &opts);
        assert_eq!(cell, "a,b", "quoting protects it instead");
    }

    #[test]
    fn double_quotes_are_doubled() {
        let mut s = String::new();
        quote_into(&mut s, "a,\"b\"", Quote::Double);
        assert_eq!(s, "\"a,\"\"b\"\"\"");
    }
}
