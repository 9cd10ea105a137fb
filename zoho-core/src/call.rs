//! One call as the client sends it, and Zoho's answer as it came: plain data, checked and
//! encoded once so retries resend the same bytes. Nothing here sends or interprets anything.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use serde_json::Value;

use crate::path::Target;
use crate::{
    ActionRequest, Error, FileContent, Method, Product, RequestBody, ResultShape, RetryPolicy,
    redact, retry,
};

/// Zoho CRM's count of API credits left for the day, sent once half of them are used.
const CREDITS_REMAINING: &str = "x-api-credits-remaining";

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

    /// The organization's credits left, when Zoho said (`X-API-CREDITS-REMAINING`).
    pub(crate) fn credits_remaining(&self) -> Option<u64> {
        self.headers
            .get(CREDITS_REMAINING)?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
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
    pub(crate) result: ResultShape,
    pub(crate) idempotent: bool,
    pub(crate) debug: bool,
    /// Which base the path goes below: the product's, or a bulk job's host ([`crate::job`]).
    pub(crate) base: crate::job::Base,
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
                    "a timeout must be longer than 0 ms; leave it out to use the connection's timeout_secs"
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
            result: req.result,
            idempotent: req.idempotent,
            debug: req.debug_request,
            base: crate::job::Base::Product,
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
        if redact::is_secret_name(header.as_str()) {
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
