//! Mistakes found in a spec, each tied to its place in the file.

use std::fmt;
use std::ops::Range;

/// One mistake in the spec: where it is and what is wrong (and what is allowed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line of the mistake.
    pub line: usize,
    /// 1-based column (in characters) of the mistake.
    pub column: usize,
    /// What is wrong; what is allowed.
    pub message: String,
}

/// Every mistake found in one spec file, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics {
    /// The file name shown in front of each position (`zoho.toml`).
    pub origin: String,
    /// The mistakes.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Whether a mistake with this message fragment was found at `line`.
    pub fn has(&self, line: usize, fragment: &str) -> bool {
        self.items
            .iter()
            .any(|item| item.line == line && item.message.contains(fragment))
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, item) in self.items.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(
                f,
                "{}:{}:{}: {}",
                self.origin, item.line, item.column, item.message
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// Collects mistakes while the spec is read, so all independent ones are reported at once
/// (as serde_derive's `Ctxt` does).
#[derive(Debug)]
pub(crate) struct Collector<'a> {
    text: &'a str,
    found: Vec<(usize, String)>,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Collector {
            text,
            found: Vec::new(),
        }
    }

    /// Record a mistake at the start of `span`.
    pub(crate) fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.found.push((span.start, message.into()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    pub(crate) fn finish(mut self, origin: &str) -> Diagnostics {
        // A stable sort keeps the order mistakes were found in for one position.
        self.found.sort_by_key(|(offset, _)| *offset);
        self.found.dedup();
        let items = self
            .found
            .into_iter()
            .map(|(offset, message)| {
                let (line, column) = line_column(self.text, offset);
                Diagnostic {
                    line,
                    column,
                    message,
                }
            })
            .collect();
        Diagnostics {
            origin: origin.to_owned(),
            items,
        }
    }
}

/// 1-based line and character column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::line_column;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // `=` after the two-byte `é` is the fourth character of line 2.
        assert_eq!(line_column(text, 10), (2, 4));
    }
}
