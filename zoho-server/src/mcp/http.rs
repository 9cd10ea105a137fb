//! MCP's Streamable HTTP transport on `POST /mcp`: a JSON-RPC body in, `application/json` out
//! (202 with no body when the body held only notifications).
//!
//! - The API key rules are those of `/rpc`: with a key configured, no `Bearer` key, no answer.
//! - Without a key the server listens on loopback only, and a browser page is the one caller
//!   that could reach it from elsewhere (DNS rebinding), so an `Origin` header must then be a
//!   loopback origin.
//! - No session is kept (see [`crate::mcp::protocol`]), so no `Mcp-Session-Id` is issued and
//!   one sent anyway is ignored; `GET` (a server-to-client stream) and `DELETE` (ending a
//!   session) are 405.
//! - `MCP-Protocol-Version`, when sent, must be a revision served; without it the transport's
//!   assumed revision is taken.

use bytes::Bytes;
use http::header::{
    ACCEPT, ALLOW, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, ORIGIN, WWW_AUTHENTICATE,
};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::json;

use crate::http::{App, Body};
use crate::jsonrpc::{self, ErrorObject, Id};
use crate::mcp::catalog::Catalog;
use crate::mcp::protocol::Mcp;
use crate::mcp::version;

/// The header naming the protocol revision of a request.
pub const PROTOCOL_VERSION_HEADER: &str = "mcp-protocol-version";

/// Serve one request to `/mcp`.
pub async fn handle(app: &App, request: Request<Incoming>) -> Response<Body> {
    if let Some(refusal) = refuse(app, request.method(), request.headers()) {
        return refusal;
    }
    let limit = app.rpc.limits().max_body_bytes;
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return too_large(limit);
    }
    let body = match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => return too_large(limit),
        Err(err) => {
            tracing::info!(error = %err, "could not read the MCP request body");
            return refusal(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            );
        }
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
    match Mcp::new(app.rpc.clone(), catalog).handle_body(&body).await {
        Some(answer) => json_response(StatusCode::OK, answer),
        None => empty(StatusCode::ACCEPTED),
    }
}

/// The transport's refusal of a request, judged on its method and headers alone.
fn refuse(app: &App, method: &Method, headers: &HeaderMap) -> Option<Response<Body>> {
    match &app.api_key {
        Some(key) if !key.admits(headers.get(AUTHORIZATION)) => return Some(unauthorized()),
        Some(_) => {}
        None if !headers.get(ORIGIN).is_none_or(is_loopback_origin) => {
            return Some(refusal(
                StatusCode::FORBIDDEN,
                "requests from web pages are refused unless they come from this machine",
            ));
        }
        None => {}
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

/// `http://localhost:3000`, `http://127.0.0.1`, `http://[::1]:8080`.
fn is_loopback_origin(origin: &HeaderValue) -> bool {
    let Some(url) = origin.to_str().ok().and_then(|o| url::Url::parse(o).ok()) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
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

fn unauthorized() -> Response<Body> {
    let mut response = refusal(
        StatusCode::UNAUTHORIZED,
        "this server needs `Authorization: Bearer <API key>`",
    );
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

fn too_large(limit: usize) -> Response<Body> {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the body is larger than this server's limit of {limit} bytes"),
    )
}

/// A transport refusal, with a JSON-RPC error body so MCP clients can show it.
fn refusal(status: StatusCode, reason: &str) -> Response<Body> {
    error_response(status, ErrorObject::invalid_request(reason))
}

fn error_response(status: StatusCode, error: ErrorObject) -> Response<Body> {
    let body = serde_json::to_vec(&jsonrpc::Response::error(Id::Null, error)).unwrap_or_default();
    json_response(status, body)
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_origins_pass() {
        for origin in [
            "http://localhost:3000",
            "http://127.0.0.1",
            "https://[::1]:8080",
            "http://LOCALHOST",
        ] {
            assert!(
                is_loopback_origin(&HeaderValue::from_static(origin)),
                "{origin}"
            );
        }
        for origin in [
            "http://evil.example",
            "http://127.0.0.1.evil.example",
            "null",
            "file://",
        ] {
            assert!(
                !is_loopback_origin(&HeaderValue::from_static(origin)),
                "{origin}"
            );
        }
    }

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
