//! MCP's Streamable HTTP transport on `POST /mcp`: a JSON-RPC body in, `application/json` out
//! (202 with no body when the body held only notifications).
//!
//! - The API key rules are those of `/rpc`: with a key configured, no `Bearer` key, no answer.
//!   The `Host` and `Origin` allow-list of every route ([`crate::http`]) applies here too.
//! - No session is kept (see [`crate::mcp::protocol`]), so no `Mcp-Session-Id` is issued and
//!   one sent anyway is ignored; `GET` (a server-to-client stream) and `DELETE` (ending a
//!   session) are 405.
//! - `MCP-Protocol-Version`, when sent, must be a revision served; without it the transport's
//!   assumed revision is taken.

use http::header::{ACCEPT, ALLOW, AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use serde_json::json;

use crate::http::{App, Body, Caller, Front, empty, json_response, refusal, unauthorized};
use crate::jsonrpc::{self, ErrorObject, Id};
use crate::mcp::catalog::Catalog;
use crate::mcp::protocol::Mcp;
use crate::mcp::version;

/// The header naming the protocol revision of a request.
pub const PROTOCOL_VERSION_HEADER: &str = "mcp-protocol-version";

/// Serve one request to `/mcp`. The body is read as `/rpc` reads it: within the server's
/// deadline, size limit and shared body budget.
pub async fn handle<B>(front: &Front, caller: &Caller, request: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = bytes::Bytes>,
    B::Error: std::fmt::Display,
{
    let app = &front.app;
    if let Some(refusal) = refuse(app, request.method(), request.headers()) {
        return refusal;
    }
    let body = match front.read_body(request).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let catalog = match Catalog::builtin() {
        Ok(catalog) => catalog,
        Err(detail) => {
            let error = crate::rpc_error::internal(&detail);
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::to_vec(&jsonrpc::Response::error(Id::Null, error)).unwrap_or_default(),
            );
        }
    };
    let _running = crate::http::RunningCall::start(&caller.activity);
    match Mcp::new(app.rpc.clone(), catalog)
        .handle_body(&body.bytes)
        .await
    {
        Some(answer) => json_response(StatusCode::OK, answer),
        None => empty(StatusCode::ACCEPTED),
    }
}

/// The transport's refusal of a request, judged on its method and headers alone.
fn refuse(app: &App, method: &Method, headers: &HeaderMap) -> Option<Response<Body>> {
    if let Some(key) = &app.api_key
        && !key.admits(headers.get(AUTHORIZATION))
    {
        return Some(unauthorized());
    }
    if method != Method::POST {
        let mut response = refusal(
            StatusCode::METHOD_NOT_ALLOWED,
            "MCP is served on POST /mcp; this server opens no event stream and keeps no session",
        );
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("POST"));
        return Some(response);
    }
    if !has_media_type(headers.get(CONTENT_TYPE), &["application/json"]) {
        return Some(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be sent with `Content-Type: application/json`",
        ));
    }
    if headers.get(ACCEPT).is_some()
        && !headers.get_all(ACCEPT).iter().any(|accept| {
            has_media_type(Some(accept), &["application/json", "application/*", "*/*"])
        })
    {
        return Some(refusal(
            StatusCode::NOT_ACCEPTABLE,
            "this server answers `application/json`; send `Accept: application/json, text/event-stream`",
        ));
    }
    let requested = headers
        .get(PROTOCOL_VERSION_HEADER)
        .map(|v| v.to_str().unwrap_or_default())
        .unwrap_or(version::ASSUMED_WITHOUT_HEADER);
    if !version::is_supported(requested) {
        let error = ErrorObject::invalid_request(format!(
            "`MCP-Protocol-Version: {requested}` is not a revision this server speaks; it speaks {}",
            version::SUPPORTED.join(", ")
        ))
        .with_data(json!({ "supported": version::SUPPORTED, "requested": requested }));
        return Some(error_response(StatusCode::BAD_REQUEST, error));
    }
    None
}

/// Whether a header lists one of `media_types` (parameters and `q` values aside).
fn has_media_type(header: Option<&HeaderValue>, media_types: &[&str]) -> bool {
    header.and_then(|v| v.to_str().ok()).is_some_and(|value| {
        value.split(',').any(|item| {
            let media = item.split(';').next().unwrap_or_default().trim();
            media_types
                .iter()
                .any(|wanted| media.eq_ignore_ascii_case(wanted))
        })
    })
}

fn error_response(status: StatusCode, error: ErrorObject) -> Response<Body> {
    let body = serde_json::to_vec(&jsonrpc::Response::error(Id::Null, error)).unwrap_or_default();
    json_response(status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_lists_are_read_item_by_item() {
        let both = HeaderValue::from_static("application/json, text/event-stream");
        assert!(has_media_type(Some(&both), &["application/json"]));
        let sse = HeaderValue::from_static("text/event-stream");
        assert!(!has_media_type(Some(&sse), &["application/json", "*/*"]));
        let any = HeaderValue::from_static("text/html;q=0.9, */*;q=0.8");
        assert!(has_media_type(Some(&any), &["*/*"]));
    }
}
