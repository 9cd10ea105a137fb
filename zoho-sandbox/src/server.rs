//! The HTTP server: accepts connections, reads each request, routes it to a product and
//! records what happened.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::http::{Reply, Req, parse_pairs};
use crate::state::State;

/// The error that makes hyper drop a connection (a simulated reset).
#[derive(Debug)]
struct DroppedConnection;

impl std::fmt::Display for DroppedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by the sandbox's fault injection")
    }
}

impl std::error::Error for DroppedConnection {}

/// Accepts connections until `shutdown` turns true; then aborts every open connection.
pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                while connections.try_join_next().is_some() {}
                let state = state.clone();
                connections.spawn(async move {
                    let service = service_fn(move |req| {
                        let state = state.clone();
                        async move { answer(state, req).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
    connections.abort_all();
}

/// Percent-decodes each segment of the path on its own: an encoded `/` (`%2F`) stays inside its
/// segment, as Zoho reads it, so `Leads%2F123` names a module called `Leads/123` (which does not
/// exist) rather than record 123 of Leads. Such a segment is kept encoded, so no handler can
/// mistake it for two.
fn decode_path(raw: &str) -> String {
    raw.split('/')
        .map(|segment| {
            let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
            if decoded.contains('/') {
                segment.to_owned()
            } else {
                decoded.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn answer(
    state: Arc<State>,
    request: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, DroppedConnection> {
    let _in_flight = state.stats.enter();
    let (parts, body) = request.into_parts();
    let path = decode_path(parts.uri.path());
    let query = parts
        .uri
        .query()
        .map(|q| parse_pairs(q.as_bytes()))
        .unwrap_or_default();
    // Room for the largest attachment plus the multipart framing around it.
    let max_body = state
        .config
        .attachment_max_bytes
        .saturating_add(1024 * 1024);
    let body = match Limited::new(body, max_body).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let reply = crate::crm::errors::file_too_large("body.too_large");
            state.stats.record(reply.route, reply.status());
            return Ok(*reply.response);
        }
    };
    let req = Req {
        method: parts.method,
        path,
        query,
        headers: parts.headers,
        body,
    };
    let mut reply = route(&state, &req).await;
    // Carried out, answer lost: what makes a blind retry of a create store it twice.
    if !reply.route.starts_with("sandbox.") && !reply.reset && state.faults().loses_answer() {
        reply.reset = true;
    }
    let status = if reply.reset { 0 } else { reply.status() };
    // The sandbox's own routes are not part of what it observes.
    if !reply.route.starts_with("sandbox.") {
        state.stats.record(reply.route, status);
    }
    // Method, route and status only: paths may hold ids, queries and bodies may hold secrets.
    tracing::debug!(method = %req.method, route = reply.route, status, "request");
    if let Some(log) = &state.log {
        log.record(&req, status);
    }
    if reply.reset {
        return Err(DroppedConnection);
    }
    Ok(*reply.response)
}

async fn route(state: &State, req: &Req) -> Reply {
    let path = req.path.as_str();
    if path.starts_with("/__sandbox/") {
        crate::admin::handle(state, req)
    } else if path.starts_with("/oauth/") {
        let route = match path {
            "/oauth/v2/token" => "accounts.token",
            "/oauth/v2/token/revoke" => "accounts.revoke",
            _ => "accounts.authorize",
        };
        if let Some(reply) = state.inject(route, crate::state::Product::Accounts).await {
            return reply;
        }
        if route == "accounts.token" && state.token_request_fails() {
            return Reply::bytes(
                route,
                502,
                "text/html",
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            );
        }
        crate::accounts::handle(state, req)
    } else if path.starts_with("/crm/") {
        crate::crm::handle(state, req).await
    } else if path.starts_with("/books/v3/") || path.starts_with("/api/v3/") {
        crate::books::handle(state, req).await
    } else {
        Reply::json(
            "unknown",
            404,
            &serde_json::json!({"code": "INVALID_URL_PATTERN", "details": {}, "message": "Please check if the URL trying to access is a correct one", "status": "error"}),
        )
    }
}
