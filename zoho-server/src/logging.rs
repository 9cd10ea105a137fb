//! Where logs go: `tracing` to stderr, as text or JSON lines, filtered by `RUST_LOG`.
//!
//! Every value a caller can put in a log line (a method name, a `connection` param, an id) is
//! written with its control characters escaped, by the subscriber itself rather than at each call
//! site: a CR or LF in a param can never start a forged log line, and an escape sequence can never
//! repaint a terminal. JSON lines get the same from JSON's own string escaping.

use std::fmt::Write as _;
use std::io::IsTerminal;

use clap::ValueEnum;
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt as _;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::{Writer, debug_fn};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per event (for log collectors).
    Json,
}

/// Install the global subscriber; `default_filter` applies when `RUST_LOG` is not set.
/// Stdout is left alone: it carries results (`call`) and the start-up banner (`serve`).
pub fn init(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let ansi = std::io::stderr().is_terminal();
    // A second install (tests running commands in one process) keeps the first; that is fine.
    let _ =
        tracing::subscriber::set_global_default(subscriber(format, filter, std::io::stderr, ansi));
}

/// The subscriber [`init`] installs, writing to `writer`: tests read what it writes.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => Box::new(
            builder
                .fmt_fields(
                    debug_fn(|writer: &mut Writer<'_>, field, value| {
                        if field.name() != "message" {
                            write!(writer, "{field}=")?;
                        }
                        write!(EscapeControls(writer), "{value:?}")
                    })
                    .delimited(" "),
                )
                .finish(),
        ),
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .finish(),
        ),
    }
}

/// Writes what it is given with every control character as an escape (`\r`, `\n`,
/// `\u{1b}`), straight through to the writer: a value is formatted once, into the line.
struct EscapeControls<'a, 'w>(&'a mut Writer<'w>);

impl std::fmt::Write for EscapeControls<'_, '_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        let mut rest = text;
        while let Some(at) = rest.find(char::is_control) {
            let (plain, control) = rest.split_at(at);
            self.0.write_str(plain)?;
            let mut chars = control.chars();
            if let Some(c) = chars.next() {
                for escaped in c.escape_default() {
                    self.0.write_char(escaped)?;
                }
            }
            rest = chars.as_str();
        }
        self.0.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(format: LogFormat) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = subscriber(
            format,
            EnvFilter::new("info"),
            move || writer.clone(),
            false,
        );
        let forged = "eu\r\n2026-01-01T00:00:00Z  INFO forged: admin logged in\u{1b}[2J";
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("call", method = %forged);
            let _entered = span.enter();
            tracing::info!(connection = %forged, plain = forged, "call for {forged} failed");
        });
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn a_cr_or_lf_in_a_value_never_starts_a_log_line() {
        for format in [LogFormat::Text, LogFormat::Json] {
            let text = logged(format);
            assert_eq!(text.lines().count(), 1, "{format:?}: {text}");
            assert!(!text.contains('\r') && !text.contains('\u{1b}'), "{text}");
            assert!(text.contains("forged: admin"), "the value is kept: {text}");
        }
    }

    #[test]
    fn text_lines_show_escapes_where_the_controls_were() {
        let text = logged(LogFormat::Text);
        assert!(text.contains(r"connection=eu\r\n2026"), "{text}");
        assert!(
            text.contains(r"method=eu\r\n2026"),
            "span fields too: {text}"
        );
        assert!(
            text.contains(r"call for eu\r\n2026"),
            "the message too: {text}"
        );
    }
}
