//! The HTTP face of the server: routes, the transport rules of JSON-RPC over HTTP (POST only,
//! JSON content type, a body size limit), the API key check, and a request id per request.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{
    ALLOW, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, WWW_AUTHENTICATE,
};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::json;
use tracing::Instrument;

use crate::api_key::ApiKey;
use crate::jsonrpc::{self, ErrorObject, Id};
use crate::oauth::OAuthFlows;
use crate::rpc::Rpc;

/// Everything a request may reach.
#[derive(Debug, Clone)]
pub struct App {
    /// JSON-RPC on `POST /rpc`.
    pub rpc: Rpc,
    /// When set, `/rpc` and `/oauth/start` need `Authorization: Bearer <key>`.
    pub api_key: Option<ApiKey>,
    /// `GET /oauth/start` and `GET /oauth/callback`, when connections can be authorized.
    pub oauth: Option<Arc<OAuthFlows>>,
}

/// The response body type of every route.
pub type Body = Full<Bytes>;

/// Serve one HTTP request.
pub async fn handle(
    app: Arc<App>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let request_id = format!("{:012x}", rand::random::<u64>() >> 16);
    let span = tracing::info_span!("request", request_id = %request_id);
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let mut response = route(&app, request).instrument(span.clone()).await;
    span.in_scope(
        || tracing::debug!(%method, %path, status = response.status().as_u16(), "answered"),
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(response)
}

async fn route(app: &App, request: Request<Incoming>) -> Response<Body> {
    match request.uri().path() {
        "/rpc" => rpc(app, request).await,
        "/mcp" => crate::mcp::http::handle(app, request).await,
        "/healthz" => match *request.method() {
            Method::GET | Method::HEAD => {
                json_response(StatusCode::OK, br#"{"status":"ok"}"#.to_vec())
            }
            _ => method_not_allowed("GET"),
        },
        "/oauth/start" => {
            if !admitted(app, &request) {
                return unauthorized();
            }
            match (&app.oauth, request.method()) {
                (Some(oauth), &Method::GET) => oauth_start(oauth, request.uri().query()),
                (Some(_), _) => method_not_allowed("GET"),
                (None, _) => refusal(
                    StatusCode::NOT_FOUND,
                    "this server has no OAuth connections to authorize",
                ),
            }
        }
        "/oauth/callback" => match (&app.oauth, request.method()) {
            // The browser arrives here from Zoho without our API key; the state parameter is the check.
            (Some(oauth), &Method::GET) => oauth_callback(oauth, request.uri().query()).await,
            (Some(_), _) => method_not_allowed("GET"),
            (None, _) => refusal(
                StatusCode::NOT_FOUND,
                "this server has no OAuth connections to authorize",
            ),
        },
        other => refusal(
            StatusCode::NOT_FOUND,
            &format!("no route `{other}`; JSON-RPC is served on POST /rpc"),
        ),
    }
}

async fn rpc(app: &App, request: Request<Incoming>) -> Response<Body> {
    if !admitted(app, &request) {
        return unauthorized();
    }
    if request.method() != Method::POST {
        return method_not_allowed("POST");
    }
    if !is_json(request.headers().get(CONTENT_TYPE)) {
        return refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be sent with `Content-Type: application/json`",
        );
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
            tracing::info!(error = %err, "could not read the request body");
            return refusal(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            );
        }
    };
    match app.rpc.handle(&body).await.to_json() {
        Some(json) => json_response(StatusCode::OK, json),
        None => empty(StatusCode::NO_CONTENT),
    }
}

fn oauth_start(oauth: &OAuthFlows, query: Option<&str>) -> Response<Body> {
    let connection = query_param(query, "connection").unwrap_or_else(|| "default".to_owned());
    match oauth.start(&connection) {
        Ok(consent_url) => match HeaderValue::from_str(&consent_url) {
            Ok(location) => {
                let mut response = empty(StatusCode::FOUND);
                response.headers_mut().insert(LOCATION, location);
                response
            }
            Err(_) => refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the consent URL is not a valid header",
            ),
        },
        Err(err) => refusal(StatusCode::BAD_REQUEST, &err.to_string()),
    }
}

async fn oauth_callback(oauth: &OAuthFlows, query: Option<&str>) -> Response<Body> {
    let pairs: Vec<(String, String)> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    match oauth.complete(&pairs).await {
        Ok(connection) => text_response(
            StatusCode::OK,
            format!("Connection `{connection}` is authorized; you can close this window.\n"),
        ),
        Err(err) => text_response(
            StatusCode::BAD_REQUEST,
            format!("Authorization failed: {err}\n"),
        ),
    }
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn admitted<B>(app: &App, request: &Request<B>) -> bool {
    app.api_key
        .as_ref()
        .is_none_or(|key| key.admits(request.headers().get(AUTHORIZATION)))
}

fn is_json(content_type: Option<&HeaderValue>) -> bool {
    content_type
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
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

fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = refusal(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("this route answers only {allow}"),
    );
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static(allow));
    response
}

fn too_large(limit: usize) -> Response<Body> {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the body is larger than this server's limit of {limit} bytes"),
    )
}

/// A transport refusal, with a JSON-RPC error body so JSON-RPC clients can show it.
fn refusal(status: StatusCode, reason: &str) -> Response<Body> {
    let error = jsonrpc::Response::error(Id::Null, ErrorObject::invalid_request(reason));
    let body = serde_json::to_vec(&error)
        .unwrap_or_else(|_| json!({"error": reason}).to_string().into_bytes());
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

fn text_response(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
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
    fn json_content_types_are_recognised_with_or_without_parameters() {
        for accepted in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
        ] {
            assert!(
                is_json(Some(&HeaderValue::from_static(accepted))),
                "{accepted}"
            );
        }
        for refused in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "application/jsonx",
        ] {
            assert!(
                !is_json(Some(&HeaderValue::from_static(refused))),
                "{refused}"
            );
        }
        assert!(!is_json(None));
    }
}
