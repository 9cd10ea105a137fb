//! One request on the wire: checked headers and body, the token, the in-flight limit, the retry
//! loop and the one-time token refresh on `INVALID_TOKEN`. What the answer means is `shape`'s job.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{
    AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER,
};
use serde_json::Value;
use url::Url;

use crate::path::{self, Target};
use crate::retry::{self, Decision, Outcome};
use crate::{
    AccessToken, ActionRequest, Client, Error, FileContent, Method, Product, RequestBody,
    RetryPolicy, debug, shape,
};

/// An answer from Zoho, whatever its status.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    /// The body as JSON, when it is JSON.
    pub(crate) fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// How long the server asked us to wait, when it said.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?;
        retry::parse_retry_after(value, std::time::SystemTime::now())
    }
}

/// A multipart part, ready to be sent as often as retries need.
#[derive(Debug, Clone)]
pub(crate) struct PreparedPart {
    pub(crate) name: String,
    pub(crate) file_name: Option<String>,
    pub(crate) content: Bytes,
    pub(crate) binary: bool,
}

/// The body, encoded once; retries clone cheap `Bytes`.
#[derive(Debug, Clone)]
pub(crate) enum PreparedBody {
    Empty,
    Json(Bytes),
    Form(Bytes),
    Multipart(Vec<PreparedPart>),
}

/// A request ready to send: everything but the base URL, which comes with the token.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) action: &'static str,
    pub(crate) product: Product,
    pub(crate) method: Method,
    pub(crate) target: Target,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: PreparedBody,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) debug: bool,
}

/// Headers the user may not set: the client owns them.
/// Hop-by-hop and protocol headers (RFC 9110 §7.6.1, §10.1.1) belong to one connection, not to
/// the request Zoho reads: forwarding them could change how the exchange is framed.
const OWNED_HEADERS: [(&str, &str); 12] = [
    (
        "authorization",
        "is set by the client from the connection's token",
    ),
    ("proxy-authorization", "is not sent to Zoho"),
    ("host", "is set from the connection's base URL"),
    ("content-length", "is set by the HTTP client"),
    ("transfer-encoding", "is set by the HTTP client"),
    ("connection", "is managed by the HTTP client"),
    ("keep-alive", "is hop-by-hop: the HTTP client sets it"),
    ("proxy-connection", "is hop-by-hop: the HTTP client sets it"),
    ("te", "is hop-by-hop: the HTTP client sets it"),
    ("trailer", "is hop-by-hop: the HTTP client sets it"),
    ("upgrade", "would switch protocols: not sent"),
    ("expect", "is managed by the HTTP client"),
];

impl Call {
    /// Check the request's headers, body and timeout and encode the body.
    /// The query is completed later (default fields, `organization_id`).
    pub(crate) fn prepare(req: &ActionRequest) -> Result<Call, Error> {
        let target = Target::new(&req.path)?;
        let headers = prepare_headers(&req.headers)?;
        if req.timeout == Some(Duration::ZERO) {
            return Err(Error::InvalidInput {
                field: "timeout".into(),
                reason:
                    "a timeout must be longer than 0 ms; leave it out to wait as long as Zoho takes"
                        .into(),
            });
        }
        Ok(Call {
            action: req.action,
            product: req.product,
            method: req.method,
            target,
            query: req.query.clone(),
            headers,
            body: prepare_body(&req.body)?,
            timeout: req.timeout,
            retry: req.retry,
            debug: req.debug_request,
        })
    }
}

fn prepare_headers(pairs: &[(String, String)]) -> Result<HeaderMap, Error> {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let field = format!("headers.{name}");
        let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::InvalidInput {
            field: field.clone(),
            reason: "not a valid HTTP header name (letters, digits and `-`, no spaces or colons)"
                .into(),
        })?;
        if let Some((_, why)) = OWNED_HEADERS
            .iter()
            .find(|(owned, _)| header.as_str() == *owned)
        {
            return Err(Error::InvalidInput {
                field,
                reason: format!("the `{name}` header {why}; remove it"),
            });
        }
        let mut value = HeaderValue::from_str(value).map_err(|_| Error::InvalidInput {
            field: field.clone(),
            reason: "a header value cannot contain line breaks or other control characters".into(),
        })?;
        if debug::is_secret_name(header.as_str()) {
            value.set_sensitive(true);
        }
        headers.append(header, value);
    }
    Ok(headers)
}

fn prepare_body(body: &RequestBody) -> Result<PreparedBody, Error> {
    Ok(match body {
        RequestBody::Empty => PreparedBody::Empty,
        RequestBody::Json(value) => {
            PreparedBody::Json(Bytes::from(serde_json::to_vec(value).map_err(|e| {
                Error::Internal(format!("cannot encode the JSON body: {e}"))
            })?))
        }
        RequestBody::Form(pairs) => {
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            PreparedBody::Form(Bytes::from(encoded))
        }
        RequestBody::Multipart(parts) => PreparedBody::Multipart(
            parts
                .iter()
                .map(|part| {
                    let (content, binary) = match &part.content {
                        FileContent::Text(text) => (Bytes::from(text.clone()), false),
                        FileContent::Binary(bytes) => (Bytes::from(bytes.clone()), true),
                    };
                    PreparedPart {
                        name: part.name.clone(),
                        file_name: part.file_name.clone(),
                        content,
                        binary,
                    }
                })
                .collect(),
        ),
    })
}

/// A try that got no answer.
struct Failure {
    reason: String,
    timed_out: bool,
}

impl From<reqwest::Error> for Failure {
    fn from(err: reqwest::Error) -> Self {
        let timed_out = err.is_timeout();
        // The URL may carry query values the user considers private; the reason never shows it.
        let err = err.without_url();
        let mut reason = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            reason.push_str(": ");
            reason.push_str(&cause.to_string());
            source = cause.source();
        }
        Failure { reason, timed_out }
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

impl Client {
    /// Send `call`, retrying as its policy says and refreshing the token once if Zoho rejects it.
    /// Returns Zoho's last answer whatever its status; only a try without answer is an error here.
    pub(crate) async fn send(&self, call: &Call) -> Result<Answer, Error> {
        let mut token = self.inner.tokens.access_token().await?;
        let mut authorization = auth_header(&token)?;
        let mut token_refreshed = false;
        let mut attempts: u32 = 0;
        let mut retries: u32 = 0;
        loop {
            let url = path::join(
                &self.base_url(call.product, &token)?,
                &call.target,
                &call.query,
            )?;
            attempts += 1;
            let result = {
                let _permit = self.inner.limit.acquire().await?;
                if call.debug {
                    debug::log_request(call, &url, attempts, &token);
                }
                let started = tokio::time::Instant::now();
                let result = self.attempt(call, url, authorization.clone()).await?;
                if call.debug {
                    match &result {
                        Ok(answer) => debug::log_answer(call, answer, started.elapsed(), &token),
                        Err(failure) => {
                            debug::log_failure(call, &failure.reason, started.elapsed(), &token)
                        }
                    }
                }
                result
            };
            let outcome = match &result {
                Ok(answer)
                    if answer.status == 401
                        && !token_refreshed
                        && shape::is_token_rejection(answer) =>
                {
                    token_refreshed = true;
                    token = self.inner.tokens.token_rejected(&token).await?;
                    authorization = auth_header(&token)?;
                    continue;
                }
                Ok(answer) => Outcome::Answer {
                    status: answer.status,
                    throttled: shape::is_throttle(answer),
                },
                Err(_) => Outcome::NoAnswer,
            };
            if retries < call.retry.max_retries
                && retry::classify(&call.retry, call.method, outcome) == Decision::Retry
            {
                retries += 1;
                let retry_after = result.as_ref().ok().and_then(Answer::retry_after);
                let delay =
                    retry::delay_before(&call.retry, retries, retry_after, rand::random::<f64>());
                tracing::debug!(
                    action = call.action,
                    retry = retries,
                    delay_ms = delay.as_millis() as u64,
                    "retrying"
                );
                tokio::time::sleep(delay).await;
                continue;
            }
            return result.map_err(|failure| Error::Network {
                attempts,
                reason: failure.reason,
                timed_out: failure.timed_out,
            });
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
        let mut builder = self.inner.http.request(wire_method(call.method), url);
        match &call.body {
            PreparedBody::Empty => {}
            PreparedBody::Json(bytes) => {
                if !headers.contains_key(CONTENT_TYPE) {
                    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                }
                builder = builder.body(bytes.clone());
            }
            PreparedBody::Form(bytes) => {
                if !headers.contains_key(CONTENT_TYPE) {
                    headers.insert(
                        CONTENT_TYPE,
                        HeaderValue::from_static("application/x-www-form-urlencoded"),
                    );
                }
                builder = builder.body(bytes.clone());
            }
            PreparedBody::Multipart(parts) => {
                // The boundary is the form's own; a user content type would break it.
                headers.remove(CONTENT_TYPE);
                builder = builder.multipart(multipart(parts)?);
            }
        }
        builder = builder.headers(headers);
        if let Some(timeout) = call.timeout {
            builder = builder.timeout(timeout);
        }
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
        let domain = match &self.inner.api_base {
            Some(base) => base.clone(),
            None => crate::client::parse_base(&token.api_domain).map_err(|reason| {
                Error::Config(format!("the token's api_domain cannot be used: {reason}"))
            })?,
        };
        let suffix = match product {
            Product::Crm => format!("crm/{}", self.inner.crm_version),
            Product::Books => "books/v3".to_owned(),
        };
        let mut base = domain;
        let path = format!("{}/{suffix}", base.path().trim_end_matches('/'));
        base.set_path(&path);
        Ok(base)
    }
}
