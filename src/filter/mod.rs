//! Display filters (Wireshark's language). Placeholder until the filter engine lands: supports
//! the empty filter and a bare field or protocol name (presence test).

use crate::dissect::{Depth, Dissection};
use crate::fields::{FieldId, Needs, registry};

/// A compiled display filter.
#[derive(Debug, Clone)]
pub struct Filter {
    field: Option<FieldId>,
}

/// A filter that does not compile: the message and the span of the bad token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    /// One-line message in tshark's words.
    pub message: String,
    /// Byte range of the offending token in the filter text, when there is one.
    pub span: Option<(usize, usize)>,
}

impl FilterError {
    /// The message, the filter indented by 4 spaces, and a caret line under the bad token.
    pub fn render(&self, text: &str) -> String {
        match self.span {
            Some((start, end)) => {
                let width = text[..start.min(text.len())].chars().count();
                let len = text.get(start..end).map_or(1, |s| s.chars().count().max(1));
                format!(
                    "{}\n    {}\n    {}^{}",
                    self.message,
                    text,
                    " ".repeat(width),
                    "~".repeat(len - 1)
                )
            }
            None => self.message.clone(),
        }
    }
}

impl Filter {
    /// Parses, type-checks and compiles a filter.
    pub fn compile(text: &str) -> Result<Filter, FilterError> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(Filter { field: None });
        }
        let start = text.len() - text.trim_start().len();
        match registry().lookup(t) {
            Some(id) => Ok(Filter { field: Some(id) }),
            None => Err(FilterError {
                message: format!("\"{t}\" is neither a field nor a protocol name."),
                span: Some((start, start + t.len())),
            }),
        }
    }

    /// True when the frame passes.
    pub fn matches(&self, d: &Dissection<'_>) -> bool {
        match self.field {
            Some(id) => registry().present(id, d),
            None => true,
        }
    }

    /// Trackers the filter needs.
    pub fn needs(&self) -> Needs {
        self.field
            .map_or(Needs::NONE, |id| registry().def(id).needs)
    }

    /// How deep frames must be dissected for the filter.
    pub fn depth(&self) -> Depth {
        if self.field.is_some() {
            Depth::All
        } else {
            Depth::Link
        }
    }
}
