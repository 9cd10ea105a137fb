//! One call on the wire: the token, the organization's limits, the per-try timeout, the retry
//! loop within the whole-call budget, and the one-time token refresh on `INVALID_TOKEN`.
//! What the answer means is `shape`'s job; whether to try again is `retry`'s.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use tokio::time::Instant;
use url::Url;

use crate::call::{Answer, Call, PreparedBody, PreparedPart};
use crate::limits::{
    self, LimitRequest, LimitScope, LimitSettings, LimitState, Limiter, Observation,
};
use crate::retry::{self, ActionRetry, Decision, Outcome};
use crate::{
    AccessToken, Error, Method, Product, ResultShape, TokenSource, classify, deadline, debug,
};
use crate::{path, wire};

/// How long making a TCP (and TLS) connection may take when nothing is configured.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one try may wait for its answer when nothing is configured.
pub const DEFAULT_TRY_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends calls for one connection: its HTTP pool, token source, base URL, limits, retry policy
/// and timeouts. Knows nothing about what an answer means.
pub(crate) struct Transport {
    pub(crate) connection: String,
    pub(crate) tokens: Arc<dyn TokenSource>,
    pub(crate) api_base: Option<Url>,
    pub(crate) crm_version: String,
    pub(crate) http: crate::wire::HttpClient,
    pub(crate) limiter: Arc<dyn Limiter>,
    /// The connection's limits; Books organizations add Zoho's per-minute limit.
    pub(crate) limits: LimitSettings,
    pub(crate) retry: ActionRetry,
    pub(crate) try_timeout: Duration,
    pub(crate) call_timeout: Duration,
    /// Books organizations this connection has called, for `limits`.
    pub(crate) books_scopes: Mutex<BTreeSet<String>>,
    /// What every call would otherwise build again from the same token and base.
    pub(crate) reused: Reused,
}

/// The `Authorization` header of the token last used, the base URLs of the `api_domain` last
/// used and the CRM limit scope's key: each call of a connection would build the same ones
/// again (a formatted header, two parsed URLs, a formatted key).
#[derive(Default)]
pub(crate) struct Reused {
    authorization: Mutex<Option<(crate::Secret, HeaderValue)>>,
    bases: Mutex<Option<(String, Bases)>>,
    crm_scope: std::sync::OnceLock<String>,
}

/// A connection's base URL for each product.
#[derive(Clone)]
struct Bases {
    crm: Url,
    books: Url,
}

impl Reused {
    /// `Zoho-oauthtoken <token>`, marked sensitive.
    fn authorization(&self, token: &AccessToken) -> Result<HeaderValue, Error> {
        let mut last = self
            .authorization
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((secret, header)) = last.as_ref()
            && crate::secret::constant_time_eq(
                secret.expose().as_bytes(),
                token.token.expose().as_bytes(),
            )
        {
            return Ok(header.clone());
        }
        let header = auth_header(token)?;
        *last = Some((token.token.clone(), header.clone()));
        Ok(header)
    }
}

/// Zoho's final answer, and how many tries it took.
pub(crate) struct Sent {
    pub(crate) answer: Answer,
    pub(crate) attempts: u32,
}

/// The one way this project builds an HTTP client for Zoho (connections, the OAuth token calls,
/// the sandbox's consent flow, the benchmark): no redirects (a redirect is an answer the retry
/// policy sees, and neither a token nor a client secret ever follows one), and the connect
/// timeout; rustls, HTTP/2 by ALPN, and `HTTPS_PROXY`/`NO_PROXY` as reqwest reads them.
pub fn http_client(connect_timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .build()
        .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))
}

impl Transport {
    /// The key of the connection's CRM budget.
    fn crm_scope_key(&self) -> String {
        self.reused
            .crm_scope
            .get_or_init(|| format!("crm:{}", self.connection))
            .clone()
    }

    /// Whose budget `call` counts against: the connection's for CRM, the organization's for Books.
    pub(crate) fn scope(&self, call: &Call) -> LimitScope {
        match call.product {
            Product::Crm => LimitScope {
                key: self.crm_scope_key(),
                settings: self.limits,
            },
            Product::Books => {
                let organization = call
                    .query
                    .iter()
                    .chain(call.target.query.iter())
                    .find(|(key, _)| key == "organization_id")
                    .map(|(_, id)| id.clone());
                let key = match organization {
                    Some(id) => format!("books:{id}"),
                    None => format!("books:connection:{}", self.connection),
                };
                self.books_scopes
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key.clone());
                LimitScope {
                    key,
                    settings: LimitSettings {
                        per_minute: Some(limits::DEFAULT_BOOKS_PER_MINUTE),
                        ..self.limits
                    },
                }
            }
        }
    }

    /// The state of every budget this connection counts against, summed.
    pub(crate) async fn limit_state(&self) -> Result<LimitState, Error> {
        let crm = LimitScope {
            key: self.crm_scope_key(),
            settings: self.limits,
        };
        let mut total = self.limiter.state(&crm).await?;
        let books: Vec<String> = self
            .books_scopes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect();
        for key in books {
            let scope = LimitScope {
                key,
                settings: LimitSettings {
                    per_minute: Some(limits::DEFAULT_BOOKS_PER_MINUTE),
                    ..self.limits
                },
            };
            let state = self.limiter.state(&scope).await?;
            total.in_flight += state.in_flight;
            total.credits_used_24h += state.credits_used_24h;
        }
        Ok(total)
    }

    /// Send `call`: wait for a slot, try, and try again as the policy says, all within the
    /// call's budget; refresh the token once if Zoho rejects it. Returns Zoho's last answer
    /// whatever its status; a call that got no answer is [`Error::Network`].
    ///
    /// Typed actions follow the connection's policy ([`retry::classify_action`], by the spec's
    /// `idempotent` flag); raw requests their own inputs ([`retry::classify`]).
    pub(crate) async fn send(&self, call: &Call) -> Result<Sent, Error> {
        let budget_set = deadline::for_call(self.call_timeout);
        let deadline = budget_set.until;
        let budget_ms = limits::millis(budget_set.length);
        let raw = call.result == ResultShape::Raw;
        let max_retries = if raw {
            call.retry.max_retries
        } else {
            self.retry.max_retries
        };
        let budget = LimitRequest {
            scope: self.scope(call),
            cost: limits::cost::of(call),
        };
        let mut token = self.token(deadline, budget_ms, None).await?;
        let mut authorization = self.reused.authorization(&token)?;
        let mut token_refreshed = false;
        let mut attempts: u32 = 0;
        let mut retries: u32 = 0;
        loop {
            let base = call
                .base
                .resolve(self.base_url(call.product, &token)?, &self.crm_version)?;
            let url = path::join(&base, &call.target, &call.query)?;
            let permit = self.limiter.acquire(&budget, deadline).await?;
            let now = Instant::now();
            if now >= deadline {
                return Err(budget_spent(attempts, host_of(&base), budget_ms));
            }
            attempts += 1;
            let per_try = call.timeout.unwrap_or(self.try_timeout);
            let try_until = now
                .checked_add(per_try)
                .map_or(deadline, |t| t.min(deadline));
            if call.debug {
                debug::log_request(call, &url, attempts, &token);
            }
            let result = match tokio::time::timeout_at(
                try_until,
                self.attempt(call, url, authorization.clone()),
            )
            .await
            {
                Ok(result) => result?,
                Err(_elapsed) => Err(Failure {
                    reason: format!(
                        "no answer within {} ms{}",
                        limits::millis(try_until.saturating_duration_since(now)),
                        if try_until >= deadline {
                            " (the call's budget ran out)"
                        } else {
                            " (the per-try timeout)"
                        }
                    ),
                    timed_out: true,
                    sent: true,
                }),
            };
            drop(permit);
            if call.debug {
                match &result {
                    Ok(answer) => debug::log_answer(call, answer, now.elapsed(), &token),
                    Err(failure) => {
                        debug::log_failure(call, &failure.reason, now.elapsed(), &token)
                    }
                }
            }
            let outcome = match &result {
                Ok(answer) => {
                    let throttled = classify::is_throttle(answer);
                    let observation = if throttled {
                        Observation::Throttled
                    } else {
                        Observation::Answered
                    };
                    self.limiter
                        .observe(&budget.scope, observation, answer.credits_remaining());
                    Outcome::Answer {
                        status: answer.status,
                        throttled,
                    }
                }
                Err(failure) if !failure.sent => Outcome::NotSent,
                Err(_) => Outcome::NoAnswer,
            };
            if let Ok(answer) = &result
                && answer.status == 401
                && !token_refreshed
                && classify::is_token_rejection(answer)
            {
                // Not a retry: the same try again with a token Zoho accepts.
                token_refreshed = true;
                token = self.token(deadline, budget_ms, Some(&token)).await?;
                authorization = self.reused.authorization(&token)?;
                continue;
            }
            let decision = if raw {
                retry::classify(&call.retry, call.method, outcome)
            } else {
                retry::classify_action(call.idempotent, outcome)
            };
            if retries < max_retries && decision == Decision::Retry {
                let retry_after = result.as_ref().ok().and_then(Answer::retry_after);
                let jitter = rand::random::<f64>();
                let delay = if raw {
                    retry::delay_before(&call.retry, retries + 1, retry_after, jitter)
                } else {
                    retry::action_delay(&self.retry, retries + 1, retry_after, jitter)
                };
                // A retry that cannot start before the budget ends is not worth waiting for.
                if Instant::now() + delay < deadline {
                    retries += 1;
                    tracing::debug!(
                        action = call.action,
                        retry = retries,
                        delay_ms = limits::millis(delay),
                        "retrying"
                    );
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            return match result {
                Ok(answer) => Ok(Sent { answer, attempts }),
                Err(failure) => Err(Error::Network {
                    attempts,
                    reason: failure.reason,
                    timed_out: failure.timed_out,
                    host: Some(host_of(&base)),
                }),
            };
        }
    }

    /// A token, or the rejected one replaced; waiting at most until `deadline`.
    async fn token(
        &self,
        deadline: Instant,
        budget_ms: u64,
        rejected: Option<&AccessToken>,
    ) -> Result<AccessToken, Error> {
        let fetch = async {
            match rejected {
                Some(rejected) => self.tokens.token_rejected(rejected).await,
                None => self.tokens.access_token().await,
            }
        };
        let mut fetch = std::pin::pin!(fetch);
        // A token in hand is ready at the first poll: no timer is armed for it.
        if let Poll::Ready(token) = futures::poll!(fetch.as_mut()) {
            return token;
        }
        match tokio::time::timeout_at(deadline, fetch).await {
            Ok(token) => token,
            Err(_elapsed) => Err(Error::Network {
                attempts: 0,
                reason: format!(
                    "no access token within the call's budget of {} ms (the accounts server did not answer in time)",
                    budget_ms
                ),
                timed_out: true,
                host: None,
            }),
        }
    }

    /// One try. The outer error is ours (a body we cannot build); the inner one is the network's.
    async fn attempt(
        &self,
        call: &Call,
        url: Url,
        authorization: HeaderValue,
    ) -> Result<Result<Answer, Failure>, Error> {
        let mut headers = call.headers.clone();
        headers.insert(AUTHORIZATION, authorization);
        if let Some(direct) = self.http.direct() {
            let body = match &call.body {
                PreparedBody::Empty => Some(bytes::Bytes::new()),
                PreparedBody::Json(bytes) => {
                    default_content_type(&mut headers, "application/json");
                    Some(bytes.clone())
                }
                PreparedBody::Form(bytes) => {
                    default_content_type(&mut headers, "application/x-www-form-urlencoded");
                    Some(bytes.clone())
                }
                // reqwest builds multipart bodies.
                PreparedBody::Multipart(_) => None,
            };
            if let Some(body) = body {
                let sent = wire::send(direct, wire_method(call.method), &url, headers, body).await;
                return Ok(match sent {
                    Ok(answer) => Ok(Answer {
                        status: answer.status,
                        headers: answer.headers,
                        body: answer.body,
                    }),
                    Err(failure) => Err(Failure {
                        reason: failure.reason,
                        timed_out: failure.timed_out,
                        sent: failure.sent,
                    }),
                });
            }
        }
        let mut builder = self.http.reqwest().request(wire_method(call.method), url);
        match &call.body {
            PreparedBody::Empty => {}
            PreparedBody::Json(bytes) => {
                default_content_type(&mut headers, "application/json");
                builder = builder.body(bytes.clone());
            }
            PreparedBody::Form(bytes) => {
                default_content_type(&mut headers, "application/x-www-form-urlencoded");
                builder = builder.body(bytes.clone());
            }
            PreparedBody::Multipart(parts) => {
                // The boundary is the form's own; a user content type would break it.
                headers.remove(CONTENT_TYPE);
                builder = builder.multipart(multipart(parts)?);
            }
        }
        builder = builder.headers(headers);
        let response = match builder.send().await {
            Ok(response) => response,
            Err(err) => return Ok(Err(Failure::from(err))),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        Ok(match response.bytes().await {
            Ok(body) => Ok(Answer {
                status,
                headers,
                body,
            }),
            Err(err) => Err(Failure::from(err)),
        })
    }

    /// The product's base URL: the explicit API base, else the token's `api_domain`.
    pub(crate) fn base_url(&self, product: Product, token: &AccessToken) -> Result<Url, Error> {
        // The explicit base never changes and the token's domain seldom does: build once.
        let domain: &str = match &self.api_base {
            Some(_) => "",
            None => &token.api_domain,
        };
        let mut last = self
            .reused
            .bases
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let pick = |bases: &Bases| match product {
            Product::Crm => bases.crm.clone(),
            Product::Books => bases.books.clone(),
        };
        if let Some((built_for, bases)) = last.as_ref()
            && built_for == domain
        {
            return Ok(pick(bases));
        }
        let bases = self.bases(token)?;
        let base = pick(&bases);
        *last = Some((domain.to_owned(), bases));
        Ok(base)
    }

    /// Both products' base URLs under the explicit API base, else under the token's `api_domain`.
    fn bases(&self, token: &AccessToken) -> Result<Bases, Error> {
        let domain = match &self.api_base {
            Some(base) => base.clone(),
            None => parse_base(&token.api_domain).map_err(|reason| {
                Error::Config(format!("the token's api_domain cannot be used: {reason}"))
            })?,
        };
        let under = |suffix: &str| {
            let mut base = domain.clone();
            let path = format!("{}/{suffix}", base.path().trim_end_matches('/'));
            base.set_path(&path);
            base
        };
        Ok(Bases {
            crm: under(&format!("crm/{}", self.crm_version)),
            books: under("books/v3"),
        })
    }
}

/// `host:port` of a base URL, for errors that say what was waited on.
fn host_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn budget_spent(attempts: u32, host: String, budget_ms: u64) -> Error {
    Error::Network {
        attempts,
        reason: format!("the call's budget of {budget_ms} ms ran out before another try"),
        timed_out: true,
        host: Some(host),
    }
}

/// An API base: an http(s) URL with a host and nothing after the path.
pub(crate) fn parse_base(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{raw}` must be an http or https URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}` has no host"));
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(format!(
            "`{raw}` must not carry a query, fragment or user name"
        ));
    }
    Ok(url)
}

/// A try that got no answer.
struct Failure {
    reason: String,
    timed_out: bool,
    /// The request may have reached Zoho (false: the connection was never made).
    sent: bool,
}

impl From<reqwest::Error> for Failure {
    fn from(err: reqwest::Error) -> Self {
        let timed_out = err.is_timeout();
        // Refused, DNS, TLS handshake, connect timeout: nothing was written to Zoho.
        let sent = !err.is_connect();
        // The URL may carry query values the user considers private; the reason never shows it.
        let err = err.without_url();
        let mut reason = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            reason.push_str(": ");
            reason.push_str(&cause.to_string());
            source = cause.source();
        }
        Failure {
            reason,
            timed_out,
            sent,
        }
    }
}

/// `content_type` unless the caller set one.
fn default_content_type(headers: &mut reqwest::header::HeaderMap, content_type: &'static str) {
    if !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
}

fn auth_header(token: &AccessToken) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(&format!("Zoho-oauthtoken {}", token.token.expose()))
        .map_err(|_| {
            Error::Internal("the access token has characters an HTTP header cannot carry".into())
        })?;
    value.set_sensitive(true);
    Ok(value)
}

fn wire_method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

fn multipart(parts: &[PreparedPart]) -> Result<reqwest::multipart::Form, Error> {
    let mut form = reqwest::multipart::Form::new();
    for part in parts {
        let length = part.content.len() as u64;
        let mut wire = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::from(part.content.clone()),
            length,
        );
        if let Some(file_name) = &part.file_name {
            wire = wire.file_name(file_name.clone());
        }
        let mime = if part.binary {
            "application/octet-stream"
        } else {
            "text/plain; charset=utf-8"
        };
        if part.binary || part.file_name.is_some() {
            wire = wire
                .mime_str(mime)
                .map_err(|e| Error::Internal(format!("multipart content type: {e}")))?;
        }
        form = form.part(part.name.clone(), wire);
    }
    Ok(form)
}
