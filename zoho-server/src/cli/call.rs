//! `zoho-server call`: one action, its result on stdout. With `--jsonl`, a list's records as
//! JSON lines with progress on stderr, and on failure a `--resume TOKEN` that continues the
//! export without writing a record twice.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value, json};
use zoho_actions::DispatchError;

use super::{CallArgs, EXIT_FAILURE, EXIT_USAGE, connections, http_client, print_flushed};
use crate::Error;
use crate::actions::Actions;
use crate::connections::{Connections, DEFAULT_CONNECTION};
use crate::dispatch::Dispatcher;
use crate::jsonrpc::ErrorObject;
use crate::rpc_error;
use crate::sandbox;

/// The call budget when `--call-timeout-secs` is not given: the server's default.
const DEFAULT_CALL_TIMEOUT_SECS: u64 = 300;
/// How often progress is written when stderr is not a terminal (`--progress`).
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

pub(super) async fn call(args: CallArgs) -> ExitCode {
    let params = parse_params(args.params.as_deref()).and_then(|params| match &args.resume {
        Some(token) => {
            ResumeToken::decode(token).map(|resume| (resume.apply(params), Some(resume)))
        }
        None => Ok((params, None)),
    });
    let (params, resume) = match params {
        Ok(params) => params,
        Err(err) => {
            eprintln!("zoho-server: {err}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let budget = Duration::from_secs(args.call_timeout_secs.unwrap_or(DEFAULT_CALL_TIMEOUT_SECS));
    if budget.is_zero() {
        eprintln!("zoho-server: --call-timeout-secs must be at least 1");
        return ExitCode::from(EXIT_USAGE);
    }
    let prepared = async {
        let http = http_client()?;
        let (connections, sandbox) = connections(&args.source, &http).await?;
        if sandbox.is_some() {
            let flows = connections.oauth_flows("http://127.0.0.1/oauth/callback");
            sandbox::authorize(&flows, DEFAULT_CONNECTION, false).await?;
        }
        Ok::<_, Error>((connections, sandbox))
    };
    let (connections, sandbox) = match prepared.await {
        Ok(prepared) => prepared,
        Err(err) => {
            eprintln!("zoho-server: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if args.jsonl {
        let show = args.progress || std::io::stderr().is_terminal();
        let already = resume.as_ref().map_or(0, |r| r.delivered);
        let after_id = resume.and_then(|r| r.after_id);
        // An export is many calls: the budget holds for each page, not for the whole export.
        let outcome = zoho_core::__private::each_within(
            budget,
            stream_records(&args.method, params, &connections, show, already, after_id),
        )
        .await;
        drop(sandbox);
        return match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => report(&error),
        };
    }
    let actions = Actions::new(Arc::new(connections));
    let outcome = zoho_core::__private::within(budget, actions.call(&args.method, params)).await;
    drop(sandbox);
    let outcome = match (outcome, &args.output) {
        (Ok(result), Some(path)) => write_download(result, path),
        (outcome, _) => outcome.map_err(Err),
    };
    match outcome {
        Ok(result) => {
            let text = serde_json::to_string_pretty(&result).unwrap_or_else(|_| result.to_string());
            print_flushed(&format!("{text}\n"));
            ExitCode::SUCCESS
        }
        Err(Err(error)) => report(&error),
        Err(Ok(message)) => {
            eprintln!("zoho-server: {message}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// `--output FILE`: the download's bytes go to the file, and what was written to stdout. A result
/// without bytes (`base64`) is refused, as the method is not a download.
fn write_download(
    mut result: Value,
    path: &std::path::Path,
) -> Result<Value, Result<String, ErrorObject>> {
    let Some(Value::String(encoded)) = result.as_object_mut().and_then(|r| r.remove("base64"))
    else {
        return Err(Ok(
            "--output is for downloads (crm.downloadAttachment); this result has no file bytes"
                .into(),
        ));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.as_bytes())
        .map_err(|err| Ok(format!("the download is not base64: {err}")))?;
    std::fs::write(path, &bytes)
        .map_err(|err| Ok(format!("cannot write {}: {err}", path.display())))?;
    if let Some(summary) = result.as_object_mut() {
        summary.insert("bytes".into(), Value::from(bytes.len()));
        summary.insert("path".into(), Value::from(path.display().to_string()));
    }
    Ok(result)
}

/// Print a failed call on stderr, as `call` always does.
fn report(error: &ErrorObject) -> ExitCode {
    eprintln!("zoho-server: error {}: {}", error.code, error.message);
    if let Some(data) = &error.data {
        eprintln!(
            "{}",
            serde_json::to_string_pretty(data).unwrap_or_else(|_| data.to_string())
        );
    }
    ExitCode::from(EXIT_FAILURE)
}

/// `--jsonl`: write each record as one line as soon as its page arrives; one page in memory.
/// `already` records were written by the runs this one resumes; `after_id`, past Zoho's
/// 100,000-record token limit, is the id after which the list goes on.
async fn stream_records(
    method: &str,
    params: Map<String, Value>,
    connections: &Connections,
    show_progress: bool,
    already: u64,
    after_id: Option<String>,
) -> Result<(), ErrorObject> {
    let per_page = params
        .get("perPage")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0)
        .unwrap_or(200);
    let dispatch_error = |error| match error {
        DispatchError::UnknownMethod(name) => ErrorObject::method_not_found(&name),
        DispatchError::Action(error) => rpc_error::from_action_error(&error),
        other => rpc_error::internal(&other),
    };
    let mut records = match after_id {
        None => zoho_actions::dispatch_records(method, Value::Object(params), connections)
            .map_err(dispatch_error)?,
        Some(id) => {
            // The request as the params make it, started after the id: no param says that.
            let mut prepared =
                zoho_actions::prepare(method, Value::Object(params)).map_err(dispatch_error)?;
            prepared.request.paging.after_id = Some(id);
            zoho_actions::record_stream(prepared, connections).map_err(dispatch_error)?
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut progress = Progress::new(show_progress, per_page, already);
    while let Some(record) = records.next().await {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let _ = out.flush();
                progress.finish();
                return Err(stopped(&error, progress.written, already));
            }
        };
        let written = serde_json::to_writer(&mut out, &record)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if written.is_err() {
            // The reader went away (a closed pipe): stop quietly, as `head` users expect.
            progress.finish();
            return Ok(());
        }
        progress.record();
    }
    let _ = out.flush();
    progress.finish();
    Ok(())
}

/// The error of an export that stopped: what happened, how many records were written, and the
/// `--resume` token that continues it, on stderr.
fn stopped(error: &zoho_core::Error, written: u64, already: u64) -> ErrorObject {
    let object = rpc_error::from_action_error(error);
    if let zoho_core::Error::Export { resume, .. } = error
        && (resume.page.is_some() || resume.page_token.is_some() || resume.after_id.is_some())
    {
        let token = ResumeToken {
            page: resume.page,
            page_token: resume.page_token.clone(),
            after_id: resume.after_id.clone(),
            delivered: already + resume.delivered,
        };
        eprintln!(
            "zoho-server: the export stopped after {written} record(s) written by this run ({} in all); \
             to continue without duplicates, run the same command with --resume {}",
            already + written,
            token.encode()
        );
    } else {
        eprintln!("zoho-server: the export stopped after {written} record(s) written by this run");
    }
    object
}

/// Where a stopped export continues: the page or page token to ask for next (or, past Zoho's
/// 100,000-record token limit, the id after which it goes on) and how many records came before
/// it. Sent to the user as URL-safe base64 of a small JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ResumeToken {
    page: Option<u64>,
    page_token: Option<String>,
    after_id: Option<String>,
    delivered: u64,
}

impl ResumeToken {
    fn encode(&self) -> String {
        let value = json!({"page": self.page, "pageToken": self.page_token,
                           "afterId": self.after_id, "delivered": self.delivered});
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
    }

    fn decode(token: &str) -> Result<ResumeToken, Error> {
        let bad = || {
            Error::Usage(
                "--resume TOKEN is not a token a stopped `call --jsonl` printed; copy it whole"
                    .into(),
            )
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| bad())?;
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        let token = ResumeToken {
            page: value.get("page").and_then(Value::as_u64),
            page_token: value
                .get("pageToken")
                .and_then(Value::as_str)
                .map(str::to_owned),
            after_id: value
                .get("afterId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            delivered: value
                .get("delivered")
                .and_then(Value::as_u64)
                .ok_or_else(bad)?,
        };
        if token.page.is_none() && token.page_token.is_none() && token.after_id.is_none() {
            return Err(bad());
        }
        Ok(token)
    }

    /// The params of the original call, continued from here.
    fn apply(&self, mut params: Map<String, Value>) -> Map<String, Value> {
        params.remove("page");
        params.remove("pageToken");
        match (&self.page_token, self.page) {
            (Some(token), _) => {
                params.insert("pageToken".into(), Value::from(token.clone()));
            }
            (None, Some(page)) => {
                params.insert("page".into(), Value::from(page));
            }
            (None, None) => {}
        }
        if let Some(max) = params.get("maxRecords").and_then(Value::as_u64) {
            params.insert(
                "maxRecords".into(),
                Value::from(max.saturating_sub(self.delivered)),
            );
        }
        params
    }
}

/// Progress of an export on stderr: a live line on a terminal (indicatif), a line a second
/// otherwise (with `--progress`), nothing when neither.
struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    per_page: u64,
    already: u64,
    written: u64,
    started: Instant,
    last_line: Instant,
}

impl Progress {
    fn new(show: bool, per_page: u64, already: u64) -> Progress {
        let terminal = std::io::stderr().is_terminal();
        let bar = (show && terminal).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {human_pos} records, {msg}, {per_sec}, {elapsed}",
            ) {
                bar.set_style(style);
            }
            bar.set_position(already);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        let now = Instant::now();
        Progress {
            bar,
            plain: show && !terminal,
            per_page,
            already,
            written: 0,
            started: now,
            last_line: now,
        }
    }

    fn pages(&self) -> u64 {
        self.written.div_ceil(self.per_page)
    }

    fn record(&mut self) {
        self.written += 1;
        if let Some(bar) = &self.bar {
            bar.inc(1);
            if self.written % self.per_page == 1 {
                bar.set_message(format!("{} pages", self.pages()));
            }
        } else if self.plain && self.last_line.elapsed() >= PROGRESS_EVERY {
            self.last_line = Instant::now();
            self.line();
        }
    }

    fn line(&self) {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = if elapsed > 0.0 {
            self.written as f64 / elapsed
        } else {
            0.0
        };
        eprintln!(
            "zoho-server: {} records, {} pages, {rate:.0} records/s, {elapsed:.1} s",
            self.already + self.written,
            self.pages()
        );
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.set_message(format!("{} pages", self.pages()));
            bar.finish();
        } else if self.plain {
            self.line();
        }
    }
}

fn parse_params(text: Option<&str>) -> Result<Map<String, Value>, Error> {
    let stdin;
    let text = match text {
        None => return Ok(Map::new()),
        // `-`: the params come on stdin (a file, a pipe, or JSON too long for a command line).
        Some("-") => {
            stdin = std::io::read_to_string(std::io::stdin()).map_err(|err| {
                Error::Usage(format!("cannot read PARAMS_JSON from stdin: {err}"))
            })?;
            stdin.as_str()
        }
        Some(text) => text,
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(params)) => Ok(params),
        Ok(_) => Err(Error::Usage(
            "PARAMS_JSON must be a JSON object of named params, such as '{\"recordType\":\"Leads\"}'".into(),
        )),
        Err(err) => Err(Error::Usage(format!("PARAMS_JSON is not valid JSON: {err}"))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn output_writes_a_downloads_bytes_and_refuses_other_results() {
        let dir = std::env::temp_dir().join(format!("zoho-call-output-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("file.bin");
        let bytes = [0u8, 159, 146, 150, 255];
        let download = json!({
            "fileName": "file.bin",
            "contentType": "application/octet-stream",
            "base64": base64::engine::general_purpose::STANDARD.encode(bytes),
        });
        let summary = write_download(download, &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        assert_eq!(summary["bytes"], 5);
        assert_eq!(summary["fileName"], "file.bin");
        assert!(summary.get("base64").is_none());
        match write_download(json!({"org": []}), &path) {
            Err(Ok(message)) => assert!(message.contains("--output is for downloads")),
            other => panic!("{other:?}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
