//! Rows on their way to Parquet, column by column: a [`RowBlock`] holds one buffer per
//! column (values and definition levels, one string buffer per text column), so a block of
//! frames costs a few growing vectors and no allocation per value.

use std::ops::Range;

/// A column's type, as the engines read it. Unsigned wire values are widened to the next
/// signed type (Spark has no unsigned types): 8 bits to `I16`, 16 and 24 bits to `I32`, 32
/// bits to `I64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SMALLINT (Parquet INT32 annotated INTEGER(16, signed)).
    I16,
    /// INTEGER.
    I32,
    /// BIGINT.
    I64,
    /// BOOLEAN.
    Bool,
    /// DOUBLE.
    F64,
    /// VARCHAR (Parquet BYTE_ARRAY annotated STRING).
    Text,
    /// TIMESTAMP in microseconds, UTC.
    TimestampMicros,
}

/// A column's name and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Name in the table (a registry field's name with `.` as `_`).
    pub name: String,
    /// Type.
    pub kind: Kind,
}

impl ColumnSpec {
    /// A column named `name` of type `kind`.
    pub fn new(name: impl Into<String>, kind: Kind) -> ColumnSpec {
        ColumnSpec {
            name: name.into(),
            kind,
        }
    }
}

/// The non-null values of a column.
#[derive(Debug, Clone)]
pub enum Values {
    /// `I16` and `I32`.
    I32(Vec<i32>),
    /// `I64` and `TimestampMicros`.
    I64(Vec<i64>),
    /// `Bool`.
    Bool(Vec<bool>),
    /// `F64`.
    F64(Vec<f64>),
    /// `Text`: the strings one after the other, and where each ends.
    Text {
        /// The strings.
        text: String,
        /// The end of each string in `text`.
        ends: Vec<usize>,
    },
}

/// One column of a [`RowBlock`].
#[derive(Debug, Clone)]
pub struct Column {
    /// Definition level of each row: 1 with a value, 0 for null.
    pub defs: Vec<i16>,
    /// The values of the rows that have one.
    pub values: Values,
}

impl Column {
    /// An empty column of type `kind`.
    pub fn new(kind: Kind) -> Column {
        let values = match kind {
            Kind::I16 | Kind::I32 => Values::I32(Vec::new()),
            Kind::I64 | Kind::TimestampMicros => Values::I64(Vec::new()),
            Kind::Bool => Values::Bool(Vec::new()),
            Kind::F64 => Values::F64(Vec::new()),
            Kind::Text => Values::Text {
                text: String::new(),
                ends: Vec::new(),
            },
        };
        Column {
            defs: Vec::new(),
            values,
        }
    }

    /// Rows in the column.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// Appends a null.
    pub fn push_null(&mut self) {
        self.defs.push(0);
    }

    /// Appends an integer; null when it does not fit the column (a 64-bit counter past
    /// `i64::MAX`) or the column is not an integer column.
    pub fn push_int(&mut self, v: i64) {
        let stored = match &mut self.values {
            Values::I32(vs) => i32::try_from(v).map(|v| vs.push(v)).is_ok(),
            Values::I64(vs) => {
                vs.push(v);
                true
            }
            Values::Bool(vs) => {
                vs.push(v != 0);
                true
            }
            Values::F64(_) | Values::Text { .. } => false,
        };
        self.defs.push(i16::from(stored));
    }

    /// Appends a boolean.
    pub fn push_bool(&mut self, b: bool) {
        self.push_int(i64::from(b));
    }

    /// Appends a floating-point number (null in a column of another type).
    pub fn push_f64(&mut self, v: f64) {
        let stored = match &mut self.values {
            Values::F64(vs) => {
                vs.push(v);
                true
            }
            _ => false,
        };
        self.defs.push(i16::from(stored));
    }

    /// Appends the string `write` writes (null in a column of another type).
    pub fn push_text(&mut self, write: impl FnOnce(&mut String)) {
        let stored = match &mut self.values {
            Values::Text { text, ends } => {
                write(text);
                ends.push(text.len());
                true
            }
            _ => false,
        };
        self.defs.push(i16::from(stored));
    }

    /// About how many bytes the column holds.
    pub fn weight(&self) -> usize {
        let values = match &self.values {
            Values::I32(v) => v.len() * 4,
            Values::I64(v) => v.len() * 8,
            Values::Bool(v) => v.len(),
            Values::F64(v) => v.len() * 8,
            Values::Text { text, ends } => text.len() + ends.len() * 8,
        };
        values + self.defs.len() * 2
    }

    /// Empties the column, keeping its room.
    pub fn clear(&mut self) {
        self.defs.clear();
        match &mut self.values {
            Values::I32(v) => v.clear(),
            Values::I64(v) => v.clear(),
            Values::Bool(v) => v.clear(),
            Values::F64(v) => v.clear(),
            Values::Text { text, ends } => {
                text.clear();
                ends.clear();
            }
        }
    }

    /// Appends rows `rows` of `other` (a column of the same type).
    pub fn extend_rows(&mut self, other: &Column, rows: Range<usize>) {
        let Some(defs) = other.defs.get(rows.clone()) else {
            return;
        };
        // Values are stored for non-null rows only: count the ones before the range.
        let first = other.defs[..rows.start].iter().filter(|&&d| d > 0).count();
        let count = defs.iter().filter(|&&d| d > 0).count();
        let values = first..first + count;
        self.defs.extend_from_slice(defs);
        match (&mut self.values, &other.values) {
            (Values::I32(a), Values::I32(b)) => a.extend_from_slice(&b[values]),
            (Values::I64(a), Values::I64(b)) => a.extend_from_slice(&b[values]),
            (Values::Bool(a), Values::Bool(b)) => a.extend_from_slice(&b[values]),
            (Values::F64(a), Values::F64(b)) => a.extend_from_slice(&b[values]),
            (Values::Text { text, ends }, Values::Text { text: t, ends: e }) => {
                let start = values.start.checked_sub(1).map_or(0, |i| e[i]);
                let end = values.end.checked_sub(1).map_or(0, |i| e[i]).max(start);
                let shift = text.len();
                text.push_str(&t[start..end]);
                ends.extend(e[values].iter().map(|&x| x - start + shift));
            }
            // Blocks of one table share one schema: types always match.
            _ => {}
        }
    }
}

/// Rows of one table: one [`Column`] per column of the schema, and each row's partition
/// (hours since the epoch, UTC).
#[derive(Debug, Clone, Default)]
pub struct RowBlock {
    /// The columns, in schema order.
    pub columns: Vec<Column>,
    /// Each row's partition key: hours since 1970-01-01T00:00Z.
    pub hours: Vec<i64>,
}

impl RowBlock {
    /// An empty block for `schema`.
    pub fn new(schema: &[ColumnSpec]) -> RowBlock {
        RowBlock {
            columns: schema.iter().map(|c| Column::new(c.kind)).collect(),
            hours: Vec::new(),
        }
    }

    /// Rows in the block.
    pub fn rows(&self) -> usize {
        self.hours.len()
    }

    /// About how many bytes the block holds.
    pub fn weight(&self) -> usize {
        self.columns.iter().map(Column::weight).sum::<usize>() + self.hours.len() * 8
    }

    /// Empties the block, keeping its room.
    pub fn clear(&mut self) {
        self.columns.iter_mut().for_each(Column::clear);
        self.hours.clear();
    }

    /// Appends rows `rows` of `other` (a block of the same schema).
    pub fn extend_rows(&mut self, other: &RowBlock, rows: Range<usize>) {
        if self.columns.is_empty() {
            self.columns = other
                .columns
                .iter()
                .map(|c| {
                    let mut empty = c.clone();
                    empty.clear();
                    empty
                })
                .collect();
        }
        for (a, b) in self.columns.iter_mut().zip(&other.columns) {
            a.extend_rows(b, rows.clone());
        }
        self.hours
            .extend_from_slice(other.hours.get(rows).unwrap_or_default());
    }

    /// The runs of consecutive rows in the same partition: (hour, rows).
    pub fn partition_runs(&self) -> impl Iterator<Item = (i64, Range<usize>)> + '_ {
        let mut start = 0;
        std::iter::from_fn(move || {
            let hour = *self.hours.get(start)?;
            let len = self.hours[start..]
                .iter()
                .take_while(|&&h| h == hour)
                .count();
            let run = start..start + len;
            start += len;
            Some((hour, run))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(rows: &[(i64, Option<i64>, Option<&str>)]) -> RowBlock {
        let schema = [
            ColumnSpec::new("n", Kind::I64),
            ColumnSpec::new("s", Kind::Text),
        ];
        let mut b = RowBlock::new(&schema);
        for &(hour, n, s) in rows {
            b.hours.push(hour);
            match n {
                Some(n) => b.columns[0].push_int(n),
                None => b.columns[0].push_null(),
            }
            match s {
                Some(s) => b.columns[1].push_text(|t| t.push_str(s)),
                None => b.columns[1].push_null(),
            }
        }
        b
    }

    #[test]
    fn extending_with_a_range_keeps_values_and_nulls_in_place() {
        let src = block(&[
            (1, Some(10), Some("a")),
            (1, None, None),
            (2, Some(30), Some("ccc")),
            (2, Some(40), None),
            (2, None, Some("e")),
        ]);
        let mut dst = RowBlock::default();
        dst.extend_rows(&src, 2..5);
        let want = block(&[
            (2, Some(30), Some("ccc")),
            (2, Some(40), None),
            (2, None, Some("e")),
        ]);
        assert_eq!(dst.hours, want.hours);
        for (a, b) in dst.columns.iter().zip(&want.columns) {
            assert_eq!(a.defs, b.defs);
            assert_eq!(format!("{:?}", a.values), format!("{:?}", b.values));
        }
    }

    #[test]
    fn runs_split_at_partition_changes() {
        let b = block(&[
            (1, None, None),
            (1, None, None),
            (3, None, None),
            (1, None, None),
        ]);
        let runs: Vec<_> = b.partition_runs().collect();
        assert_eq!(runs, vec![(1, 0..2), (3, 2..3), (1, 3..4)]);
    }

    #[test]
    fn integers_too_wide_for_the_column_are_null() {
        let mut c = Column::new(Kind::I32);
        c.push_int(i64::from(u32::MAX));
        c.push_int(7);
        assert_eq!(c.defs, vec![0, 1]);
        assert!(matches!(c.values, Values::I32(ref v) if v == &[7]));
    }
}
