//! `GET /connections`: the created connections as a page for people, in plain HTML that works
//! without JavaScript (the page allows none). Each row shows a connection's status, region and
//! last error, a link that starts its consent, and a button that removes it.
//!
//! Everything goes through the server's own JSON-RPC methods (`connections.list`,
//! `connections.authorize`, `connections.delete`), run in process, so the page follows the API's
//! rules exactly. The API key rule is the API's too: with a key set, a request needs
//! `Authorization: Bearer <key>` or the session cookie the page's key prompt sets. The cookie
//! holds an expiry and its HMAC under the key, never the key, so every instance sharing the key
//! accepts it; it is `HttpOnly` and `SameSite=Strict`, and pages of other origins are refused
//! before they get here (`Origin` check), so another site cannot post the remove button.

use bytes::Bytes;
use http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE, WWW_AUTHENTICATE,
};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use serde_json::{Value, json};

use crate::api_key::ApiKey;
use crate::http::{Body, Front};

/// The page and its form targets.
pub(crate) const PATH: &str = "/connections";
const CONNECT: &str = "/connections/connect";
const REMOVE: &str = "/connections/remove";
const LOGIN: &str = "/connections/login";
/// The session cookie's name.
const COOKIE_NAME: &str = "zrs_connections";
/// How long a session lasts after the key was typed.
const SESSION_SECS: u64 = 12 * 3600;
/// Connections per page.
const PAGE: u64 = 100;

/// Whether `path` is one of the page's routes.
pub(crate) fn serves(path: &str) -> bool {
    path == PATH || path.starts_with("/connections/")
}

/// Answer a request for one of the page's routes.
pub(crate) async fn handle<B>(front: &Front, request: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    if path == LOGIN {
        return match method {
            Method::POST => login(front, request).await,
            _ => not_allowed("POST"),
        };
    }
    if !admitted(front.app.api_key.as_ref(), &request) {
        return prompt(StatusCode::UNAUTHORIZED, None);
    }
    let query = request.uri().query().map(str::to_owned);
    match (path.as_str(), method) {
        (PATH, Method::GET | Method::HEAD) => list(front, query.as_deref()).await,
        (CONNECT, Method::GET) => connect(front, query.as_deref()).await,
        (REMOVE, Method::POST) => remove(front, request).await,
        (PATH | CONNECT, _) => not_allowed("GET"),
        (REMOVE, _) => not_allowed("POST"),
        _ => page(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("<p>No page here. <a href=\"{PATH}\">Back to the connections</a>.</p>"),
        ),
    }
}

/// The API key rule: no key set, or the Bearer key, or a session cookie it signed.
fn admitted<B>(key: Option<&ApiKey>, request: &Request<B>) -> bool {
    let Some(key) = key else {
        return true;
    };
    if key.admits(request.headers().get(AUTHORIZATION)) {
        return true;
    }
    let now = unix_now();
    request
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE_NAME)
        .any(|(_, value)| {
            value.split_once('.').is_some_and(|(expiry, tag)| {
                expiry.parse::<u64>().is_ok_and(|at| at > now)
                    && key.verifies(&session_message(expiry), tag)
            })
        })
}

fn session_message(expiry: &str) -> String {
    format!("zoho-rs connections page session|{expiry}")
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The key prompt's answer: a session cookie and back to the list, or the prompt again.
async fn login<B>(front: &Front, request: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let Some(key) = front.app.api_key.clone() else {
        return see_other(PATH);
    };
    let secure = request
        .headers()
        .get("x-forwarded-proto")
        .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"));
    let form = match form(front, request).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let typed = field(&form, "key").unwrap_or_default();
    let matches = HeaderValue::from_str(&format!("Bearer {typed}"))
        .is_ok_and(|header| key.admits(Some(&header)));
    if !matches {
        tracing::info!("the connections page's key prompt was given a wrong key");
        return prompt(
            StatusCode::UNAUTHORIZED,
            Some("That is not this server's API key."),
        );
    }
    let expiry = (unix_now() + SESSION_SECS).to_string();
    let cookie = format!(
        "{COOKIE_NAME}={expiry}.{}; Path=/connections; Max-Age={SESSION_SECS}; HttpOnly; SameSite=Strict{}",
        key.tag(&session_message(&expiry)),
        if secure { "; Secure" } else { "" }
    );
    let mut response = see_other(PATH);
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    response
}

/// The list, a page of [`PAGE`] connections from `?after=NAME`.
async fn list(front: &Front, query: Option<&str>) -> Response<Body> {
    let after = query_param(query, "after");
    let mut params = json!({"limit": PAGE});
    if let Some(after) = &after {
        params["cursor"] = Value::String(after.clone());
    }
    let listed = match call(front, "connections.list", params).await {
        Ok(listed) => listed,
        Err(error) => return failed(&error),
    };
    let mut body = String::new();
    if let Some(removed) = query_param(query, "removed") {
        let revoked = query_param(query, "revoked").as_deref() == Some("true");
        body.push_str(&format!(
            "<p class=\"notice\" role=\"status\">Connection <b>{}</b> was removed{}.</p>",
            escape(&removed),
            if revoked {
                " and its access revoked at Zoho"
            } else {
                ""
            }
        ));
    }
    let rows = listed["connections"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if rows.is_empty() {
        body.push_str(
            "<p>No connections yet. Create one with the JSON-RPC method \
             <code>connections.create</code> or <code>zoho-server connections create</code>; \
             it shows here, ready to connect.</p>",
        );
    } else {
        body.push_str(
            "<table><thead><tr><th>Connection</th><th>Status</th><th>Region</th><th>App</th>\
             <th>Last error</th><th>Actions</th></tr></thead><tbody>",
        );
        for row in &rows {
            body.push_str(&row_html(row));
        }
        body.push_str("</tbody></table>");
    }
    if let Some(next) = listed["nextCursor"].as_str() {
        body.push_str(&format!(
            "<p><a rel=\"next\" href=\"{PATH}?after={}\">Next page</a></p>",
            escape(&encode(next))
        ));
    }
    body.push_str(
        "<p class=\"hint\">Connect sends the customer to Zoho's consent page; after it, Zoho \
         brings them back here and the status reads <code>authorized</code>. Remove revokes the \
         connection's access at Zoho and deletes it.</p>",
    );
    page(StatusCode::OK, "Connections", &body)
}

fn row_html(row: &Value) -> String {
    let text = |key: &str| row[key].as_str().unwrap_or("");
    let name = text("name");
    let status = text("status");
    let action = if status == "authorized" {
        "Re-authorize"
    } else {
        "Connect"
    };
    let last_error = match row["lastError"].as_str() {
        Some(error) => escape(error),
        None => "&mdash;".to_owned(),
    };
    format!(
        "<tr data-connection=\"{name}\"><td class=\"name\">{name}</td>\
         <td class=\"status status-{status}\">{status}</td><td class=\"region\">{region}</td>\
         <td>{app}</td><td class=\"error\">{last_error}</td><td class=\"actions\">\
         <a class=\"connect\" href=\"{CONNECT}?name={query}\">{action}</a> \
         <form method=\"post\" action=\"{REMOVE}\"><input type=\"hidden\" name=\"name\" value=\"{name}\">\
         <button type=\"submit\">Remove</button></form></td></tr>",
        name = escape(name),
        status = escape(status),
        region = escape(text("region")),
        app = escape(text("app")),
        query = escape(&encode(name)),
    )
}

/// Start a consent: off to Zoho's page.
async fn connect(front: &Front, query: Option<&str>) -> Response<Body> {
    let name = query_param(query, "name").unwrap_or_default();
    match call(front, "connections.authorize", json!({"name": name})).await {
        Ok(started) => match started["authorizeUrl"].as_str() {
            Some(url) => see_other(url),
            None => failed(&json!({"message": "the consent URL is missing"})),
        },
        Err(error) => failed(&error),
    }
}

/// The remove button: revoke at Zoho, delete, and back to the list saying so.
async fn remove<B>(front: &Front, request: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let form = match form(front, request).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let name = field(&form, "name").unwrap_or_default();
    match call(front, "connections.delete", json!({"name": name})).await {
        Ok(deleted) => see_other(&format!(
            "{PATH}?removed={}&revoked={}",
            encode(&name),
            deleted["revoked"].as_bool().unwrap_or(false)
        )),
        Err(error) => failed(&error),
    }
}

/// One of the server's JSON-RPC methods, run in process: its result, or its error object.
async fn call(front: &Front, method: &str, params: Value) -> Result<Value, Value> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let reply = front.app.rpc.handle(body.to_string().as_bytes()).await;
    let answer: Value = reply
        .to_json()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null);
    match answer.get("result") {
        Some(result) => Ok(result.clone()),
        None => Err(answer
            .get("error")
            .cloned()
            .unwrap_or_else(|| json!({"message": "no answer"}))),
    }
}

async fn form<B>(
    front: &Front,
    request: Request<B>,
) -> Result<Vec<(String, String)>, Response<Body>>
where
    B: hyper::body::Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let body = front.read_body(request).await?;
    Ok(url::form_urlencoded::parse(&body.bytes)
        .into_owned()
        .collect())
}

fn field(form: &[(String, String)], name: &str) -> Option<String> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
}

fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Text made safe for HTML content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A failed method as a page: its message, and the way back.
fn failed(error: &Value) -> Response<Body> {
    let message = error["message"].as_str().unwrap_or("the request failed");
    let status = match error["code"].as_i64() {
        Some(-32602) => StatusCode::BAD_REQUEST,
        Some(-32004) => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_GATEWAY,
    };
    page(
        status,
        "Not done",
        &format!(
            "<p class=\"error\" role=\"alert\">{}</p><p><a href=\"{PATH}\">Back to the connections</a></p>",
            escape(message)
        ),
    )
}

/// The key prompt.
fn prompt(status: StatusCode, wrong: Option<&str>) -> Response<Body> {
    let wrong = wrong.map_or_else(String::new, |w| {
        format!("<p class=\"error\" role=\"alert\">{}</p>", escape(w))
    });
    let mut response = page(
        status,
        "Connections: API key",
        &format!(
            "{wrong}<p>This server needs its API key to show its connections.</p>\
             <form method=\"post\" action=\"{LOGIN}\"><label>API key \
             <input type=\"password\" name=\"key\" autocomplete=\"current-password\" required></label> \
             <button type=\"submit\">Continue</button></form>"
        ),
    );
    response
        .headers_mut()
        .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}\
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;\
border-bottom:1px solid #ddd;vertical-align:top}form{display:inline}.status-authorized{color:#146c2e}\
.status-needs_reauth,.status-revoked,.error{color:#a4161a}.hint{color:#555}";

fn page(status: StatusCode, title: &str, body: &str) -> Response<Body> {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · zoho-rs</title><style>{STYLE}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>\n",
        title = escape(title)
    );
    let mut response = Response::new(Full::new(Bytes::from(html)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    // Not `no-referrer`: with it Chromium posts the forms with `Origin: null`, which is refused.
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    response
}

fn see_other(location: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(LOCATION, location);
    }
    response
}

fn not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = page(
        StatusCode::METHOD_NOT_ALLOWED,
        "Not allowed",
        &format!("<p>This address answers only {allow}.</p>"),
    );
    response
        .headers_mut()
        .insert(http::header::ALLOW, HeaderValue::from_static(allow));
    response
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_quotes_are_escaped() {
        assert_eq!(
            escape(r#"<img src=x onerror="a('b')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
    }
}
