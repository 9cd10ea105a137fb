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
//!
//! A pooled connection is driven by a task on the runtime that opened it. On a multi-threaded
//! runtime that task runs on any worker, so one pool serves them all. A single-threaded
//! runtime drives its tasks only on its own thread, and only while that thread runs it: a
//! connection another such runtime opened would cost a wake-up of the other thread on every
//! call, and would stall once that runtime stops being run. So each thread running a
//! single-threaded runtime gets pools of its own (`PerRuntime`), which is what lets
//! zoho-server serve on one such runtime per core without the threads handing calls to each
//! other.

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
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
    general: General,
    direct: Option<Arc<PerRuntime<Direct>>>,
}

pub(crate) type Direct = LegacyClient<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The reqwest client: built here (pooled per runtime, like the direct one) or the embedder's
/// own, used as it was given.
#[derive(Clone)]
enum General {
    Built(Arc<PerRuntime<reqwest::Client>>),
    Given(reqwest::Client),
}

/// Most pools one client keeps for threads running single-threaded runtimes; threads past this
/// many share them, in turn.
const MAX_THREAD_POOLS: usize = 64;

/// A client's pools: one for multi-threaded runtimes (and anything else), and one, made on
/// first use, for each thread running a single-threaded runtime.
struct PerRuntime<T> {
    connect_timeout: Duration,
    build: fn(Duration) -> Result<T, Error>,
    shared: T,
    per_thread: [OnceLock<T>; MAX_THREAD_POOLS],
}

/// Threads given a pool slot so far, across every client.
static THREADS_WITH_A_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's pool slot, given on its first call from a single-threaded runtime.
    static POOL_SLOT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The pool slot of the calling thread, when it is running a single-threaded runtime.
fn single_threaded_slot() -> Option<usize> {
    let handle = tokio::runtime::Handle::try_current().ok()?;
    if handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::CurrentThread {
        return None;
    }
    Some(POOL_SLOT.with(|slot| match slot.get() {
        Some(index) => index,
        None => {
            let index = THREADS_WITH_A_SLOT.fetch_add(1, Ordering::Relaxed) % MAX_THREAD_POOLS;
            slot.set(Some(index));
            index
        }
    }))
}

impl<T> PerRuntime<T> {
    fn new(
        connect_timeout: Duration,
        build: fn(Duration) -> Result<T, Error>,
    ) -> Result<Self, Error> {
        Ok(PerRuntime {
            connect_timeout,
            build,
            shared: build(connect_timeout)?,
            per_thread: std::array::from_fn(|_| OnceLock::new()),
        })
    }

    /// The pool for calls made where the caller runs.
    fn for_caller(&self) -> &T {
        let Some(slot) = single_threaded_slot() else {
            return &self.shared;
        };
        let pool = &self.per_thread[slot];
        if let Some(client) = pool.get() {
            return client;
        }
        // The same settings built the shared pool, so building them again does not fail; if
        // it ever did, the shared pool still works.
        match (self.build)(self.connect_timeout) {
            Ok(built) => pool.get_or_init(|| built),
            Err(_) => &self.shared,
        }
    }
}

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
            general: General::Given(general),
            direct: None,
        }
    }
}

impl HttpClient {
    /// The client zoho-rs uses: no redirects, `connect_timeout` for making a connection,
    /// rustls, HTTP/2 by ALPN, proxies from the environment as reqwest reads them.
    pub fn new(connect_timeout: Duration) -> Result<HttpClient, Error> {
        let general = PerRuntime::new(connect_timeout, crate::execute::http_client)?;
        let direct = if proxy_configured(|name| std::env::var_os(name)) {
            None
        } else {
            Some(Arc::new(PerRuntime::new(connect_timeout, direct)?))
        };
        Ok(HttpClient {
            general: General::Built(Arc::new(general)),
            direct,
        })
    }

    /// [`HttpClient::new`] with the connect timeout a connection has when none is configured
    /// (10 s); what a [`crate::Connection`] shares with others of the default setting.
    pub fn standard() -> Result<HttpClient, Error> {
        HttpClient::new(crate::DEFAULT_CONNECT_TIMEOUT)
    }

    /// The reqwest client underneath, for calls that are not Zoho API calls (token requests).
    pub fn reqwest(&self) -> &reqwest::Client {
        match &self.general {
            General::Built(pools) => pools.for_caller(),
            General::Given(client) => client,
        }
    }

    /// The direct client for a call made where the caller runs, when a call may use it.
    pub(crate) fn direct(&self) -> Option<&Direct> {
        self.direct.as_deref().map(PerRuntime::for_caller)
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
