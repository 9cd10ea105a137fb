//! The HTTP client calls to Zoho go out on: reqwest for everything it does well (multipart
//! bodies, `HTTPS_PROXY`/`NO_PROXY`, a client the embedder configured), and beside it a bare
//! hyper-util client for the common case, a direct call with a JSON, form or empty body.
//!
//! The direct client does what reqwest's hot path does that Zoho needs (keep-alive pool,
//! rustls with the same webpki roots, HTTP/2 by ALPN, TCP_NODELAY, the connect timeout, no
//! redirects) and skips what it costs on every call (its URL re-parsing, redirect and retry
//! layers): measured at about a fifth of zoho-server's CPU per call
//! (`docs/design/011-http-client.md`). It is only used where it changes nothing: on a client
//! this crate built ([`HttpClient::new`]) while no proxy is configured in the environment.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method as WireMethod, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as LegacyClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::Error;

/// The environment variables reqwest reads proxies from; with any of them set every call goes
/// through reqwest, which honours them.
const PROXY_VARIABLES: [&str; 6] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// How long an idle pooled connection is kept, as reqwest keeps it.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The HTTP client a [`crate::Client`] sends on. Cheap to clone: clones share the pools.
///
/// Built by [`HttpClient::new`] (what zoho-rs uses), or from a `reqwest::Client` you configured
/// yourself (`From<reqwest::Client>`), in which case every call goes through that client as
/// configured.
#[derive(Clone)]
pub struct HttpClient {
    general: reqwest::Client,
    direct: Option<Direct>,
}

type Direct = LegacyClient<HttpsConnector<HttpConnector>, Full<Bytes>>;

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("direct", &self.direct.is_some())
            .finish_non_exhaustive()
    }
}

impl From<reqwest::Client> for HttpClient {
    fn from(general: reqwest::Client) -> Self {
        HttpClient {
            general,
            direct: None,
        }
    }
}

impl HttpClient {
    /// The client zoho-rs uses: no redirects, `connect_timeout` for making a connection,
    /// rustls, HTTP/2 by ALPN, proxies from the environment as reqwest reads them.
    pub fn new(connect_timeout: Duration) -> Result<HttpClient, Error> {
        let general = crate::execute::http_client(connect_timeout)?;
        let direct = if proxy_configured(|name| std::env::var_os(name)) {
            None
        } else {
            Some(direct(connect_timeout)?)
        };
        Ok(HttpClient { general, direct })
    }

    /// [`HttpClient::new`] with the connect timeout a connection has when none is configured
    /// (10 s); what a [`crate::Connection`] shares with others of the default setting.
    pub fn standard() -> Result<HttpClient, Error> {
        HttpClient::new(crate::DEFAULT_CONNECT_TIMEOUT)
    }

    /// The reqwest client underneath, for calls that are not Zoho API calls (token requests).
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.general
    }

    /// The direct client, when a call may use it.
    pub(crate) fn direct(&self) -> Option<&Direct> {
        self.direct.as_ref()
    }
}

fn proxy_configured(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    PROXY_VARIABLES
        .iter()
        .any(|name| var(name).is_some_and(|value| !value.is_empty()))
}

fn direct(connect_timeout: Duration) -> Result<Direct, Error> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect_timeout));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| Error::Config(format!("cannot set up TLS: {e}")))?
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Ok(LegacyClient::builder(TokioExecutor::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .build(https))
}

/// Zoho's answer as the direct client read it.
pub(crate) struct DirectAnswer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// A try on the direct client that got no answer: why, whether it timed out, and whether the
/// request may have reached Zoho (false: no connection was made).
pub(crate) struct DirectFailure {
    pub(crate) reason: String,
    pub(crate) timed_out: bool,
    pub(crate) sent: bool,
}

/// Send one request on the direct client and read the whole answer.
pub(crate) async fn send(
    client: &Direct,
    method: WireMethod,
    url: &url::Url,
    headers: HeaderMap,
    body: Bytes,
) -> Result<DirectAnswer, DirectFailure> {
    let uri: Uri = url.as_str().parse().map_err(|e| DirectFailure {
        reason: format!("the URL cannot be sent: {e}"),
        timed_out: false,
        sent: false,
    })?;
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    let response = client.request(request).await.map_err(|err| DirectFailure {
        timed_out: timed_out(&err),
        sent: !err.is_connect(),
        reason: reason(&err),
    })?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(|err| DirectFailure {
        timed_out: timed_out(&err),
        sent: true,
        reason: reason(&err),
    })?;
    Ok(DirectAnswer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: body.to_bytes(),
    })
}

/// The error and its causes, one after the other (never the URL: hyper's errors do not carry it).
fn reason(err: &(dyn std::error::Error + 'static)) -> String {
    let mut reason = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    reason
}

fn timed_out(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = current {
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::TimedOut
        {
            return true;
        }
        current = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;

    use super::proxy_configured;

    #[test]
    fn any_proxy_variable_sends_calls_through_reqwest() {
        let set = |wanted: &'static str| {
            move |name: &str| (name == wanted).then(|| OsString::from("http://proxy:3128"))
        };
        for name in super::PROXY_VARIABLES {
            assert!(proxy_configured(set(name)), "{name}");
        }
        assert!(!proxy_configured(|_| None));
        assert!(!proxy_configured(|_| Some(OsString::new())));
    }
}
