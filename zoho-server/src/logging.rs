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
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::{Writer, debug_fn};
use tracing_subscriber::layer::SubscriberExt as _;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per event (for log collectors).
    Json,
}

/// Install the global subscriber; `default_filter` applies when `RUST_LOG` is not set (or is
/// not a filter). Stdout is left alone: it carries results (`call`) and the start-up banner
/// (`serve`).
pub fn init(format: LogFormat, default_filter: &str) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|directives| !directives.trim().is_empty())
        .and_then(|directives| LogFilter::parse(&directives))
        .or_else(|| LogFilter::parse(default_filter))
        .unwrap_or_else(|| LogFilter::Targets(Targets::new().with_default(LevelFilter::INFO)));
    let ansi = std::io::stderr().is_terminal();
    // A second install (tests running commands in one process) keeps the first; that is fine.
    let _ =
        tracing::subscriber::set_global_default(subscriber(format, filter, std::io::stderr, ansi));
}

/// Which events and spans are logged, from directives in `RUST_LOG`'s syntax.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "built once at start-up and moved into the subscriber"
)]
pub enum LogFilter {
    /// `target=level` directives only (`info`, `warn,zoho_core=debug`): decided once per call
    /// site, nothing done as spans are entered and left.
    Targets(Targets),
    /// Directives that name spans or their fields (`[call{method=crm.getRecord}]=debug`): they
    /// need `EnvFilter`, which looks each span up (under a lock) whenever it is entered or left,
    /// a cost every request pays, so it is used only when asked for.
    Spans(EnvFilter),
}

impl LogFilter {
    /// The filter `directives` describe; `None` when they are not a filter.
    pub fn parse(directives: &str) -> Option<LogFilter> {
        if !directives.contains(['[', '{'])
            && let Ok(targets) = directives.parse::<Targets>()
        {
            return Some(LogFilter::Targets(targets));
        }
        EnvFilter::try_new(directives).ok().map(LogFilter::Spans)
    }
}

/// The subscriber [`init`] installs, writing to `writer`: tests read what it writes.
pub fn subscriber<W>(
    format: LogFormat,
    filter: LogFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let (targets, spans) = match filter {
        LogFilter::Targets(targets) => (Some(targets), None),
        LogFilter::Spans(spans) => (None, Some(spans)),
    };
    let filtered = tracing_subscriber::registry().with(targets).with(spans);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi);
    match format {
        LogFormat::Text => Box::new(
            filtered.with(
                layer.fmt_fields(
                    debug_fn(|writer: &mut Writer<'_>, field, value| {
                        if field.name() != "message" {
                            write!(writer, "{field}=")?;
                        }
                        write!(EscapeControls(writer), "{value:?}")
                    })
                    .delimited(" "),
                ),
            ),
        ),
        LogFormat::Json => {
            Box::new(filtered.with(layer.json().flatten_event(true).with_current_span(true)))
        }
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
            LogFilter::parse("info").unwrap(),
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

    /// What the text subscriber writes for `events` under `directives`.
    fn written(directives: &str, events: impl FnOnce()) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let filter = LogFilter::parse(directives).unwrap();
        let subscriber = subscriber(LogFormat::Text, filter, move || writer.clone(), false);
        tracing::subscriber::with_default(subscriber, events);
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn target_directives_filter_without_span_lookups_and_span_directives_still_work() {
        assert!(matches!(
            LogFilter::parse("warn,zoho_core::debug_request=info"),
            Some(LogFilter::Targets(_))
        ));
        assert!(matches!(
            LogFilter::parse("[call{method=crm.getRecord}]=debug"),
            Some(LogFilter::Spans(_))
        ));
        assert!(LogFilter::parse("zoho_core=loudly").is_none());

        let events = || {
            tracing::debug!("quiet outside");
            tracing::info!("said outside");
            let span = tracing::debug_span!("call", method = "crm.getRecord");
            let _entered = span.enter();
            tracing::debug!("quiet inside");
        };
        let by_level = written("info", events);
        assert!(by_level.contains("said outside"), "{by_level}");
        assert!(!by_level.contains("quiet"), "{by_level}");
        let by_span = written("info,[call{method=crm.getRecord}]=debug", events);
        assert!(by_span.contains("quiet inside"), "{by_span}");
        assert!(!by_span.contains("quiet outside"), "{by_span}");
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
