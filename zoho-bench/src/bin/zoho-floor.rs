//! `zoho-floor`: the least a JSON-RPC -> REST pass-through can do, as the floor `zoho-server` is
//! measured against (`cargo xtask bench`, the floor section). It reads a `crm.getRecord` call,
//! sends one GET to `{upstream}/crm/v3/{recordType}/{recordId}` with a bearer token on a
//! keep-alive hyper client, and wraps the upstream bytes as `result` without parsing them.
//!
//! ```text
//! ZOHO_FLOOR_TOKEN=<access token> zoho-floor --upstream http://127.0.0.1:PORT [--listen ADDR]
//! ```
//!
//! It validates no more than it needs to build the URL, never retries, logs nothing and keeps
//! no limits: everything `zoho-server` does beyond it is what the comparison prices.

use std::borrow::Cow;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::Deserialize;
use serde_json::Value;

/// The largest JSON-RPC call read; a `crm.getRecord` call is a few hundred bytes.
const MAX_CALL_BYTES: usize = 64 * 1024;
/// The environment variable holding the access token (kept off the command line).
const TOKEN_ENV: &str = "ZOHO_FLOOR_TOKEN";

/// The part of a JSON-RPC call the floor reads.
#[derive(Deserialize)]
struct Call<'a> {
    #[serde(default)]
    id: Value,
    #[serde(borrow)]
    params: Params<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params<'a> {
    #[serde(borrow)]
    record_type: Cow<'a, str>,
    #[serde(borrow)]
    record_id: Cow<'a, str>,
}

/// Where a call goes upstream and the id its answer carries; or the error answer to send.
fn route(call: &[u8]) -> Result<(Value, String), Vec<u8>> {
    let call: Call = serde_json::from_slice(call).map_err(|err| {
        error(
            &Value::Null,
            -32602,
            &format!("expected params recordType and recordId (strings): {err}"),
        )
    })?;
    let safe = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if !safe(&call.params.record_type) || !safe(&call.params.record_id) {
        return Err(error(
            &call.id,
            -32602,
            "recordType and recordId must be letters, digits, `_` or `-`",
        ));
    }
    let path = format!(
        "/crm/v3/{}/{}",
        call.params.record_type, call.params.record_id
    );
    Ok((call.id, path))
}

/// `{"jsonrpc":"2.0","id":ID,"result":UPSTREAM}`, the upstream bytes copied as they came.
fn wrap(id: &Value, upstream: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(upstream.len() + 48);
    out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
    out.extend_from_slice(id.to_string().as_bytes());
    out.extend_from_slice(b",\"result\":");
    out.extend_from_slice(upstream);
    out.push(b'}');
    out
}

/// A JSON-RPC error answer.
fn error(id: &Value, code: i64, message: &str) -> Vec<u8> {
    serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
        .to_string()
        .into_bytes()
}

struct Floor {
    client: Client<HttpConnector, Empty<Bytes>>,
    upstream: String,
    authorization: HeaderValue,
}

impl Floor {
    async fn answer(&self, request: Request<Incoming>) -> Vec<u8> {
        let call = match Limited::new(request.into_body(), MAX_CALL_BYTES)
            .collect()
            .await
        {
            Ok(body) => body.to_bytes(),
            Err(err) => return error(&Value::Null, -32700, &format!("reading the call: {err}")),
        };
        let (id, path) = match route(&call) {
            Ok(routed) => routed,
            Err(answer) => return answer,
        };
        let upstream = Request::get(format!("{}{path}", self.upstream))
            .header(AUTHORIZATION, self.authorization.clone())
            .body(Empty::new());
        let upstream = match upstream {
            Ok(request) => request,
            Err(err) => return error(&id, -32603, &err.to_string()),
        };
        let answer = match self.client.request(upstream).await {
            Ok(answer) => answer,
            Err(err) => return error(&id, -32000, &format!("upstream: {err}")),
        };
        let status = answer.status();
        match answer.into_body().collect().await {
            Ok(body) if status.is_success() => wrap(&id, &body.to_bytes()),
            Ok(_) => error(&id, -32000, &format!("upstream answered {status}")),
            Err(err) => error(&id, -32000, &format!("upstream body: {err}")),
        }
    }
}

async fn serve(
    floor: Arc<Floor>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = if request.method() == Method::POST && request.uri().path() == "/rpc" {
        Response::new(Full::new(Bytes::from(floor.answer(request).await)))
    } else {
        let mut response = Response::new(Full::new(Bytes::from_static(b"POST /rpc only\n")));
        *response.status_mut() = StatusCode::NOT_FOUND;
        response
    };
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(response)
}

struct Args {
    listen: SocketAddr,
    upstream: String,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut upstream = None;
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--listen" => {
                listen = value
                    .parse()
                    .map_err(|_| format!("--listen: `{value}` is not an address"))?;
            }
            "--upstream" => upstream = Some(value.trim_end_matches('/').to_owned()),
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(Args {
        listen,
        upstream: upstream.ok_or("--upstream is needed")?,
    })
}

async fn run(args: Args, token: String) -> Result<(), String> {
    let authorization = HeaderValue::try_from(format!("Zoho-oauthtoken {token}"))
        .map_err(|_| format!("{TOKEN_ENV} is not a valid header value"))?;
    let floor = Arc::new(Floor {
        client: Client::builder(TokioExecutor::new()).build_http(),
        upstream: args.upstream,
        authorization,
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|err| format!("cannot listen on {}: {err}", args.listen))?;
    let local = listener.local_addr().map_err(|err| err.to_string())?;
    println!("zoho-floor: JSON-RPC on http://{local}/rpc");
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) => {
                eprintln!("zoho-floor: accept: {err}");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let floor = floor.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| serve(floor.clone(), request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = parse(&args).and_then(|args| {
        let token = std::env::var(TOKEN_ENV).map_err(|_| format!("{TOKEN_ENV} is not set"))?;
        Ok((args, token))
    });
    let (args, token) = match parsed {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("zoho-floor: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("zoho-floor: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args, token)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("zoho-floor: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_call_is_routed_to_the_record_url_and_its_id_kept() {
        let call = br#"{"jsonrpc":"2.0","id":7,"method":"crm.getRecord","params":{"recordType":"Leads","recordId":"42"}}"#;
        let (id, path) = route(call).unwrap();
        assert_eq!(id, serde_json::json!(7));
        assert_eq!(path, "/crm/v3/Leads/42");
    }

    #[test]
    fn the_upstream_bytes_become_the_result_unparsed() {
        let upstream = br#"{"data":[{"id":"42","Last_Name":"Lovelace"}]}"#;
        let answer = wrap(&serde_json::json!("a"), upstream);
        assert_eq!(
            String::from_utf8(answer.clone()).unwrap(),
            r#"{"jsonrpc":"2.0","id":"a","result":{"data":[{"id":"42","Last_Name":"Lovelace"}]}}"#
        );
        let parsed: Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(parsed["result"]["data"][0]["id"], "42");
    }

    #[test]
    fn calls_that_cannot_name_a_url_get_an_error_answer() {
        for call in [
            &br#"{"id":1,"params":{"recordType":"Leads"}}"#[..],
            br#"{"id":1,"params":{"recordType":"Leads","recordId":"../x"}}"#,
            b"not json",
        ] {
            let answer: Value = serde_json::from_slice(&route(call).unwrap_err()).unwrap();
            assert_eq!(answer["error"]["code"], -32602, "{answer}");
        }
    }
}
