//! The HTTP face of the server: routes, the transport rules of JSON-RPC over HTTP (POST only,
//! JSON content type, a body read within limits), the `Host`/`Origin` and API key checks, and a
//! request id per request.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use http::header::{
    ALLOW, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION, ORIGIN,
    RETRY_AFTER, WWW_AUTHENTICATE,
};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use serde_json::json;
use tracing::Instrument;

use crate::api_key::ApiKey;
use crate::body::{BodyBudget, BodyError, ReadBody};
use crate::hosts::AllowedHosts;
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
    /// `POST /zoho/notify/{subscriptionId}`: Zoho's callbacks, when subscriptions are served.
    pub events: Option<Arc<crate::events::Events>>,
}

/// The app behind the transport's guards, shared by every connection of one server: the hosts
/// it answers to and the budget of request bodies held at once.
#[derive(Debug)]
pub struct Front {
    pub(crate) app: App,
    hosts: AllowedHosts,
    bodies: BodyBudget,
}

impl Front {
    /// Read a request's body within the deadline, size limit and shared budget; the refusal to
    /// answer (and close the connection with) when it was not read.
    pub(crate) async fn read_body<B>(&self, request: Request<B>) -> Result<ReadBody, Response<Body>>
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: std::fmt::Display,
    {
        let declared = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        self.bodies
            .read(request.into_body(), declared)
            .await
            .map_err(|err| body_refusal(&err))
    }

    /// `app`, answering requests for `hosts`, reading bodies within the app's limits.
    pub fn new(app: App, hosts: AllowedHosts) -> Front {
        let bodies = BodyBudget::new(app.rpc.limits().body_limits());
        Front { app, hosts, bodies }
    }
}

/// Who sent a request, and what their connection is doing.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The peer address.
    pub addr: SocketAddr,
    /// Whether the connection is running a call, and since when it has not been.
    pub activity: Arc<Activity>,
}

impl Caller {
    /// A caller at `addr`, idle from now.
    pub fn new(addr: SocketAddr) -> Caller {
        Caller {
            addr,
            activity: Arc::new(Activity::default()),
        }
    }
}

/// What a connection is doing, for choosing which to close when the server is full: never one
/// running a call; first the one idle (or sending its body) longest. A connection that has
/// just answered is the last to go, so its answer is not cut off while it is written.
#[derive(Debug)]
pub struct Activity {
    running: AtomicBool,
    idle_since_ms: AtomicU64,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            running: AtomicBool::new(false),
            idle_since_ms: AtomicU64::new(now_ms()),
        }
    }
}

impl Activity {
    /// Whether a call of this connection is running.
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::Relaxed)
    }

    /// When the connection last stopped running a call (or opened), in ms of a process clock.
    pub fn idle_since_ms(&self) -> u64 {
        self.idle_since_ms.load(Ordering::Relaxed)
    }
}

/// Marks a connection as running a call until dropped.
pub(crate) struct RunningCall<'a>(&'a Activity);

impl<'a> RunningCall<'a> {
    pub(crate) fn start(activity: &'a Activity) -> RunningCall<'a> {
        activity.running.store(true, Ordering::Relaxed);
        RunningCall(activity)
    }
}

impl Drop for RunningCall<'_> {
    fn drop(&mut self) {
        self.0.idle_since_ms.store(now_ms(), Ordering::Relaxed);
        self.0.running.store(false, Ordering::Relaxed);
    }
}

/// Milliseconds since this process first asked.
fn now_ms() -> u64 {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let epoch = EPOCH.get_or_init(std::time::Instant::now);
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The response body type of every route.
pub type Body = Full<Bytes>;

/// Serve one HTTP request from `caller`.
pub async fn handle<B>(
    front: Arc<Front>,
    caller: Caller,
    request: Request<B>,
) -> Result<Response<Body>, Infallible>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let request_id = RequestId::new();
    let span = tracing::info_span!("request", request_id = %request_id);
    // What the `answered` line says, kept only when it will be written.
    let asked = tracing::enabled!(tracing::Level::DEBUG)
        .then(|| (request.method().clone(), request.uri().path().to_owned()));
    // The span is cloned (a registry entry shared and closed twice) only for that line.
    let answered_in = asked.as_ref().map(|_| span.clone());
    let mut response = route(&front, &caller, request).instrument(span).await;
    if let (Some((method, path)), Some(span)) = (asked, answered_in) {
        span.in_scope(
            || tracing::debug!(%method, %path, status = response.status().as_u16(), "answered"),
        );
    }
    if let Ok(value) = HeaderValue::from_bytes(&request_id.hex()) {
        response.headers_mut().insert("x-request-id", value);
    }
    Ok(response)
}

/// A random id per request, 12 hex digits: in the `x-request-id` header and on every log line
/// written while the request runs. Shown without being formatted into a string of its own.
#[derive(Debug, Clone, Copy)]
struct RequestId(u64);

impl RequestId {
    fn new() -> RequestId {
        RequestId(rand::random::<u64>() >> 16)
    }

    /// The id as its `Display` writes it, for the header, without allocating.
    fn hex(self) -> [u8; 12] {
        let mut digits = [b'0'; 12];
        // Twelve hex digits always fit: the id has 48 bits.
        let _ = std::io::Write::write_fmt(&mut &mut digits[..], format_args!("{self}"));
        digits
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:012x}", self.0)
    }
}

async fn route<B>(front: &Front, caller: &Caller, request: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let app = &front.app;
    if request.uri().path() == "/healthz" {
        // Load balancers probe health under names of their own; the answer tells nothing.
        return match *request.method() {
            Method::GET | Method::HEAD => {
                json_response(StatusCode::OK, br#"{"status":"ok"}"#.to_vec())
            }
            _ => method_not_allowed("GET"),
        };
    }
    if let Some(refused) = misdirected(&front.hosts, &request) {
        return refused;
    }
    match request.uri().path() {
        "/rpc" => rpc(front, caller, request).await,
        "/mcp" => crate::mcp::http::handle(front, caller, request).await,
        "/oauth/start" => {
            if !admitted(app, &request) {
                return unauthorized();
            }
            match (&app.oauth, request.method()) {
                (Some(oauth), &Method::GET) => oauth_start(oauth, request.uri().query()).await,
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
        path if path.starts_with(crate::events::notify::PREFIX) => {
            crate::events::notify::route(front, request).await
        }
        page if crate::connections_page::serves(page) => {
            crate::connections_page::handle(front, request).await
        }
        other => refusal(
            StatusCode::NOT_FOUND,
            &format!("no route `{other}`; JSON-RPC is served on POST /rpc"),
        ),
    }
}

/// The refusal for a request naming a host we do not answer to (DNS rebinding), or sent by a web
/// page of another origin; `None` when it is for us. The OAuth callback is exempt from the
/// `Origin` check only: the browser comes to it from Zoho's page, and its `state` is the check.
fn misdirected<B>(hosts: &AllowedHosts, request: &Request<B>) -> Option<Response<Body>> {
    let host = match request.uri().authority() {
        Some(authority) => Some(authority.as_str()),
        None => request.headers().get(HOST).and_then(|v| v.to_str().ok()),
    };
    if !host.is_some_and(|host| hosts.admits_host(host)) {
        tracing::info!(host = ?host, "refused a request for a host this server does not answer to");
        return Some(refusal(
            StatusCode::MISDIRECTED_REQUEST,
            "this server does not answer to that `Host`; add it with `--allow-host` if it is one \
             of this server's names",
        ));
    }
    let origin = request.headers().get(ORIGIN);
    if request.uri().path() != "/oauth/callback"
        && let Some(origin) = origin
        && !hosts.admits_origin(origin)
    {
        tracing::info!(origin = ?origin, "refused a request from a web page of another origin");
        return Some(refusal(
            StatusCode::FORBIDDEN,
            "requests from web pages of other origins are refused",
        ));
    }
    None
}

async fn rpc<B>(front: &Front, caller: &Caller, request: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let app = &front.app;
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
    let body = match front.read_body(request).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    if crate::server::out_of_descriptors() {
        return busy("the server is out of file descriptors");
    }
    let _running = RunningCall::start(&caller.activity);
    let reply = app.rpc.handle(&body.bytes).await;
    let status = if reply.is_server_busy() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    match reply.to_json() {
        Some(json) => {
            let mut response = json_response(status, json);
            if status == StatusCode::SERVICE_UNAVAILABLE {
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from_static("1"));
            }
            response
        }
        None => empty(StatusCode::NO_CONTENT),
    }
}

/// The answer to a body that was not read; the connection is closed after it, since the rest
/// of the body is still on its way.
fn body_refusal(err: &BodyError) -> Response<Body> {
    let mut response = match err {
        BodyError::TooLarge { limit } => too_large(*limit),
        BodyError::TooSlow { received, allowed } => {
            tracing::info!(
                received,
                allowed_ms = u64::try_from(allowed.as_millis()).unwrap_or(u64::MAX),
                "cut a request body that arrived too slowly"
            );
            refusal(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "the body did not arrive in time ({received} bytes in {} ms)",
                    allowed.as_millis()
                ),
            )
        }
        BodyError::Busy => busy("other requests hold the server's budget for request bodies"),
        BodyError::Unreadable(reason) => {
            tracing::info!(error = %reason, "could not read the request body");
            refusal(
                StatusCode::BAD_REQUEST,
                "the request body could not be read",
            )
        }
    };
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

/// `503` with `Retry-After`: nothing was run, so any call may be sent again.
pub fn busy(why: &str) -> Response<Body> {
    tracing::warn!(reason = why, "answered 503: server busy");
    let mut response = refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("server busy: {why}; nothing was run, retry shortly"),
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

async fn oauth_start(oauth: &OAuthFlows, query: Option<&str>) -> Response<Body> {
    let connection = query_param(query, "connection").unwrap_or_else(|| "default".to_owned());
    match oauth.start(&connection).await {
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
        Err(err) => {
            // Never the code or the state: what went wrong says enough to find the cause.
            tracing::info!(reason = %err, "an OAuth callback was refused");
            text_response(
                StatusCode::BAD_REQUEST,
                format!("Authorization failed: {err}\n"),
            )
        }
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

pub(crate) fn unauthorized() -> Response<Body> {
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

pub(crate) fn too_large(limit: usize) -> Response<Body> {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("the body is larger than this server's limit of {limit} bytes"),
    )
}

/// A transport refusal, with a JSON-RPC error body so JSON-RPC clients can show it.
pub(crate) fn refusal(status: StatusCode, reason: &str) -> Response<Body> {
    let error = jsonrpc::Response::error(Id::Null, ErrorObject::invalid_request(reason));
    let body = serde_json::to_vec(&error)
        .unwrap_or_else(|_| json!({"error": reason}).to_string().into_bytes());
    json_response(status, body)
}

pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response<Body> {
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

pub(crate) fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_id_reads_the_same_in_the_header_and_the_log() {
        for id in [RequestId(0), RequestId(0xabc), RequestId(u64::MAX >> 16)] {
            let header = String::from_utf8(id.hex().to_vec()).expect("hex digits");
            assert_eq!(header, id.to_string());
            assert_eq!(header.len(), 12);
        }
        assert_eq!(RequestId(0x1234_5678_9abc).to_string(), "123456789abc");
    }

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
