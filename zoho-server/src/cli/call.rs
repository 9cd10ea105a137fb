//! `zoho-server call`: one action, its result on stdout.

use std::process::ExitCode;
use std::sync::Arc;

use std::io::Write;

use futures::StreamExt;
use serde_json::{Map, Value};
use zoho_actions::DispatchError;

use super::{CallArgs, EXIT_FAILURE, EXIT_USAGE, connections, http_client, print_flushed};
use crate::Error;
use crate::actions::Actions;
use crate::connections::{Connections, DEFAULT_CONNECTION};
use crate::dispatch::Dispatcher;
use crate::jsonrpc::ErrorObject;
use crate::rpc_error;
use crate::sandbox;

pub(super) async fn call(args: CallArgs) -> ExitCode {
    let params = match parse_params(args.params.as_deref()) {
        Ok(params) => params,
        Err(err) => {
            eprintln!("zoho-server: {err}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
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
        let outcome = stream_records(&args.method, params, &connections).await;
        drop(sandbox);
        return match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => report(&error),
        };
    }
    let actions = Actions::new(Arc::new(connections));
    let outcome = actions.call(&args.method, params).await;
    drop(sandbox);
    match outcome {
        Ok(result) => {
            let text = serde_json::to_string_pretty(&result).unwrap_or_else(|_| result.to_string());
            print_flushed(&format!("{text}\n"));
            ExitCode::SUCCESS
        }
        Err(error) => report(&error),
    }
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
async fn stream_records(
    method: &str,
    params: Map<String, Value>,
    connections: &Connections,
) -> Result<(), ErrorObject> {
    let mut records = zoho_actions::dispatch_records(method, Value::Object(params), connections)
        .map_err(|error| match error {
            DispatchError::UnknownMethod(name) => ErrorObject::method_not_found(&name),
            DispatchError::Action(error) => rpc_error::from_action_error(&error),
            other => rpc_error::internal(&other),
        })?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    while let Some(record) = records.next().await {
        let record = record.map_err(|error| rpc_error::from_action_error(&error))?;
        let written = serde_json::to_writer(&mut out, &record)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"));
        if written.is_err() {
            // The reader went away (a closed pipe): stop quietly, as `head` users expect.
            return Ok(());
        }
    }
    let _ = out.flush();
    Ok(())
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
