//! Filter errors in tshark's shape: one message line, then the filter and a caret line.

/// A filter that does not compile: the message and the span of the bad token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    /// One-line message in tshark's words.
    pub message: String,
    /// Byte range of the offending token in the filter text, when there is one.
    pub span: Option<(usize, usize)>,
}

/// A byte range in the filter text.
pub type Span = (usize, usize);

impl FilterError {
    /// An error that points at a token.
    pub fn at(span: Span, message: impl Into<String>) -> FilterError {
        FilterError {
            message: message.into(),
            span: Some(span),
        }
    }

    /// An error with no caret line (tshark prints none for "Unexpected end").
    pub fn bare(message: impl Into<String>) -> FilterError {
        FilterError {
            message: message.into(),
            span: None,
        }
    }

    /// `"X" was unexpected in this context.`, pointing at X.
    pub fn unexpected(span: Span, text: &str) -> FilterError {
        FilterError::at(span, format!("\"{text}\" was unexpected in this context."))
    }

    /// tshark's message when the filter stops in the middle of an expression.
    pub fn unexpected_end() -> FilterError {
        FilterError::bare("Unexpected end of filter expression.")
    }

    /// The message, the filter indented by 4 spaces, and a caret line under the bad token:
    /// `^` under its first character and `~` under the rest.
    pub fn render(&self, text: &str) -> String {
        match self.span {
            Some((start, end)) => {
                let start = floor_char_boundary(text, start.min(text.len()));
                let end = floor_char_boundary(text, end.clamp(start, text.len()));
                let width = text[..start].chars().count();
                let len = text[start..end].chars().count().max(1);
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

    /// Column (0-based, in characters) of the caret, for tests.
    pub fn caret_column(&self, text: &str) -> Option<usize> {
        self.span.map(|(s, _)| {
            text[..floor_char_boundary(text, s.min(text.len()))]
                .chars()
                .count()
        })
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_token() {
        let e = FilterError::at((0, 6), "x");
        assert_eq!(
            e.render("ip.dts == 1.2.3.4"),
            "x\n    ip.dts == 1.2.3.4\n    ^~~~~~"
        );
        let e = FilterError::at((10, 11), "y");
        assert_eq!(
            e.render("tcp.port =="),
            "y\n    tcp.port ==\n              ^"
        );
    }

    #[test]
    fn no_caret_without_span() {
        assert_eq!(
            FilterError::unexpected_end().render("tcp and"),
            "Unexpected end of filter expression."
        );
    }

    #[test]
    fn multibyte_text_counts_characters() {
        let text = "tftp.source_file == \"é\" x";
        let e = FilterError::at((25, 26), "m");
        assert_eq!(e.caret_column(text), Some(24));
    }
}
