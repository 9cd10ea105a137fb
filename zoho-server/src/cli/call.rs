//! `zoho-server call`: one action, its result on stdout.

use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::{CallArgs, EXIT_FAILURE, EXIT_USAGE, connections, http_client, print_flushed};
use crate::Error;
use crate::actions::Actions;
use crate::connections::DEFAULT_CONNECTION;
use crate::dispatch::Dispatcher;
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
    let actions = Actions::new(Arc::new(connections));
    let outcome = actions.call(&args.method, params).await;
    drop(sandbox);
    match outcome {
        Ok(result) => {
            let text = serde_json::to_string_pretty(&result).unwrap_or_else(|_| result.to_string());
            print_flushed(&format!("{text}\n"));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("zoho-server: error {}: {}", error.code, error.message);
            if let Some(data) = &error.data {
                eprintln!(
                    "{}",
                    serde_json::to_string_pretty(data).unwrap_or_else(|_| data.to_string())
                );
            }
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn parse_params(text: Option<&str>) -> Result<Map<String, Value>, Error> {
    let Some(text) = text else {
        return Ok(Map::new());
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(params)) => Ok(params),
        Ok(_) => Err(Error::Usage(
            "PARAMS_JSON must be a JSON object of named params, such as '{\"recordType\":\"Leads\"}'".into(),
        )),
        Err(err) => Err(Error::Usage(format!("PARAMS_JSON is not valid JSON: {err}"))),
    }
}
