//! Zoho jobs: work Zoho does on its own time, which a call starts, waits for and then fetches
//! (CRM bulk read and bulk write, `ResultShape::CrmBulkRead` / `CrmBulkWrite`). The driver
//! here is the same for every kind: the job is created once (never sent again once Zoho may
//! have it: creating is not idempotent), its status is polled with a growing pause, each poll an
//! ordinary call under the organization's limiter and its own budget, until the job completes,
//! fails or runs past its wait; then the kind fetches its result (the `read` and `write` modules).
//!
//! Bulk calls live below other bases than the product's: `/crm/bulk/{version}` on the API
//! host, the upload on Zoho's file host, results on a download host (`Base`).

mod archive;
mod read;
mod write;

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::call::{Answer, Call};
use crate::{ActionRequest, ApiError, Client, Error, Method, RequestPath, ResultShape, ZohoCode};

pub(crate) use read::{collect as collect_read, records};
pub(crate) use write::execute as write;

/// The pause before the first status call when the action sets none.
const DEFAULT_POLL: Duration = Duration::from_secs(1);
/// The longest pause between status calls (or ten times the first, if larger).
const MAX_POLL: Duration = Duration::from_secs(30);
/// How long a job may run when neither the action nor the call's budget says.
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(30 * 60);

/// Which base URL a call's path goes below.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Base {
    /// The product's: `{api}/crm/{version}`, `{api}/books/v3`.
    #[default]
    Product,
    /// CRM bulk jobs: `{api}/crm/bulk/{version}`.
    CrmBulk,
    /// Zoho's file upload host: `content.zohoapis.{tld}/crm/{version}` for Zoho's API hosts,
    /// the API base itself otherwise (the sandbox serves uploads there).
    CrmUpload,
    /// An absolute URL Zoho gave (a result's `download_url`): its origin, when it is the API's
    /// own host or a Zoho download host.
    Origin(Url),
}

/// Zoho's own domains in each data centre, below which it serves bulk results besides the
/// API host (`download.zohocrm.com`).
const ZOHO_BRANDS: [&str; 4] = ["zohocrm", "zoho", "zohoapis", "zohocloud"];

/// Whether `host` is below one of Zoho's domains of a data centre (`download.zohocrm.eu`).
fn is_zoho_host(host: &str) -> bool {
    crate::Region::ALL.iter().any(|region| {
        let tld = region
            .api_domain()
            .trim_start_matches("https://www.zohoapis.");
        ZOHO_BRANDS
            .iter()
            .any(|brand| host.ends_with(&format!(".{brand}.{tld}")))
    })
}

impl Base {
    /// The base URL a call goes below, from the product's base (`{api}/crm/{version}`).
    pub(crate) fn resolve(&self, product: Url, crm_version: &str) -> Result<Url, Error> {
        match self {
            Base::Product => Ok(product),
            Base::CrmBulk => {
                let mut base = product;
                let suffix = format!("crm/{crm_version}");
                let root = base.path().trim_end_matches('/').trim_end_matches(&suffix);
                let path = format!("{}crm/bulk/{crm_version}", with_slash(root));
                base.set_path(&path);
                Ok(base)
            }
            Base::CrmUpload => {
                let mut base = product;
                if let Some(tld) = base
                    .host_str()
                    .and_then(|host| host.strip_prefix("www.zohoapis."))
                {
                    let host = format!("content.zohoapis.{tld}");
                    base.set_host(Some(&host)).map_err(|e| {
                        Error::Internal(format!("cannot make the upload host {host}: {e}"))
                    })?;
                }
                Ok(base)
            }
            Base::Origin(url) => {
                let same_host = url.host_str() == product.host_str()
                    && url.port_or_known_default() == product.port_or_known_default()
                    && url.scheme() == product.scheme();
                let zoho_host = url.scheme() == "https" && url.host_str().is_some_and(is_zoho_host);
                if !(same_host || zoho_host) {
                    return Err(Error::Internal(format!(
                        "Zoho named a result at {}, which is neither the API host nor a Zoho download host; the token is not sent there",
                        url.host_str().unwrap_or("an unknown host")
                    )));
                }
                let mut origin = url.clone();
                origin.set_path("/");
                origin.set_query(None);
                Ok(origin)
            }
        }
    }
}

fn with_slash(path: &str) -> String {
    if path.ends_with('/') {
        path.to_owned()
    } else {
        format!("{path}/")
    }
}

/// One call of a job below `base`, Zoho's answer whatever its status.
pub(crate) async fn send(
    client: &Client,
    req: &ActionRequest,
    base: Base,
) -> Result<Answer, Error> {
    let mut call = Call::prepare(req)?;
    call.base = base;
    let sent = client.inner.transport.send(&call).await?;
    Ok(sent.answer)
}

/// One call of a job whose answer is a JSON object; Zoho's errors as errors.
pub(crate) async fn send_json(
    client: &Client,
    req: &ActionRequest,
    base: Base,
) -> Result<Value, Error> {
    let answer = send(client, req, base).await?;
    let mut shaped = req.clone();
    shaped.result = ResultShape::Json;
    crate::shape::shape(&shaped, client.name(), answer)
}

/// One download of a job's result: the bytes of a 2xx answer, Zoho's error otherwise.
pub(crate) async fn download(
    client: &Client,
    req: &ActionRequest,
    base: Base,
) -> Result<bytes::Bytes, Error> {
    let answer = send(client, req, base).await?;
    if (200..300).contains(&answer.status) && answer.status != 204 {
        return Ok(answer.body);
    }
    let mut shaped = req.clone();
    shaped.result = ResultShape::Json;
    match crate::shape::shape(&shaped, client.name(), answer) {
        Err(error) => Err(error),
        Ok(_) => Err(Error::Internal(
            "the job's result download answered without a file".into(),
        )),
    }
}

/// A request of the job's own (status, download) made from the action's: same action name,
/// debug flag and timeout, no body.
pub(crate) fn sub_request(
    action: &ActionRequest,
    method: Method,
    path: RequestPath,
    idempotent: bool,
) -> ActionRequest {
    let mut req = ActionRequest::new(action.action, action.product, method, path);
    req.result = ResultShape::Json;
    req.idempotent = idempotent;
    req.debug_request = action.debug_request;
    req.timeout = action.timeout;
    req
}

/// Where a job is, as its status says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    /// Done: the result can be fetched.
    Completed,
    /// Zoho gave up on it.
    Failed(String),
    /// ADDED, QUEUED, IN PROGRESS, or a state we do not know: still running.
    Running(String),
}

impl State {
    /// The state Zoho wrote (`COMPLETED`, `FAILURE`, `FAILED`, ...).
    pub(crate) fn of(text: &str) -> State {
        match text {
            "COMPLETED" => State::Completed,
            "FAILURE" | "FAILED" => State::Failed(text.to_owned()),
            other => State::Running(other.to_owned()),
        }
    }
}

/// When waiting for a job must end: the action's `max_wait`, else the call's budget when one
/// is set around it, else [`DEFAULT_MAX_WAIT`].
pub(crate) fn wait_until(req: &ActionRequest) -> (Instant, Duration) {
    if let Some(wait) = req.job.max_wait {
        return (Instant::now() + wait, wait);
    }
    match crate::deadline::current() {
        Some(budget) => (budget.until, budget.length),
        None => (Instant::now() + DEFAULT_MAX_WAIT, DEFAULT_MAX_WAIT),
    }
}

/// The pause after `pause`: half as long again, up to [`MAX_POLL`] or ten times the first.
pub(crate) fn next_pause(first: Duration, pause: Duration) -> Duration {
    let cap = MAX_POLL.max(first.saturating_mul(10));
    pause.saturating_add(pause / 2).min(cap)
}

/// Poll `status` until the job completes: its last status answer. A failed job is
/// [`Error::Api`] with the state as its code; a job still running at the deadline is a
/// timeout ([`Error::Network`], `timed_out`) naming the job, which goes on at Zoho.
pub(crate) async fn wait(
    client: &Client,
    action: &ActionRequest,
    what: &str,
    status: &ActionRequest,
    state_of: fn(&Value) -> Option<&str>,
) -> Result<Value, Error> {
    let (until, length) = wait_until(action);
    let first = action.job.poll_interval.unwrap_or(DEFAULT_POLL);
    let mut pause = first;
    let mut last = String::from("ADDED");
    loop {
        if Instant::now() + pause > until {
            return Err(Error::Network {
                attempts: 0,
                reason: format!(
                    "{what} was still {last} after {} ms, the most this call waits; the job goes on at Zoho",
                    length.as_millis()
                ),
                timed_out: true,
                host: None,
            });
        }
        tokio::time::sleep(pause).await;
        let answer = send_json(client, status, Base::CrmBulk).await?;
        match State::of(state_of(&answer).unwrap_or("")) {
            State::Completed => return Ok(answer),
            State::Failed(state) => {
                return Err(Error::Api(ApiError {
                    http_status: 200,
                    code: Some(ZohoCode::Text(state.clone())),
                    message: format!("{what} ended {state}"),
                    details: answer,
                    attempts: 1,
                }));
            }
            State::Running(state) => {
                tracing::debug!(action = action.action, state = %state, "job still running");
                last = state;
                pause = next_pause(first, pause);
            }
        }
    }
}

/// The id a job creation answered with (`data[0].details.id` for reads, `details.id` for
/// writes), or Zoho's error item.
pub(crate) fn created_id(answer: &Value) -> Result<String, Error> {
    let item = answer
        .get("data")
        .and_then(|data| data.get(0))
        .unwrap_or(answer);
    if item.get("status").and_then(Value::as_str) == Some("error") {
        return Err(Error::Api(ApiError {
            http_status: 200,
            code: item
                .get("code")
                .and_then(Value::as_str)
                .map(|c| ZohoCode::Text(c.to_owned())),
            message: item
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            details: item.get("details").cloned().unwrap_or(Value::Null),
            attempts: 1,
        }));
    }
    item.pointer("/details/id")
        .and_then(|id| match id {
            Value::String(id) => Some(id.clone()),
            Value::Number(id) => Some(id.to_string()),
            _ => None,
        })
        .ok_or_else(|| Error::Internal("Zoho created the job but named no job id".into()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn bulk_calls_go_below_crm_bulk() {
        let base = Base::CrmBulk
            .resolve(url("https://www.zohoapis.eu/crm/v8"), "v8")
            .unwrap();
        assert_eq!(base.as_str(), "https://www.zohoapis.eu/crm/bulk/v8");
        let sandbox = Base::CrmBulk
            .resolve(url("http://127.0.0.1:9/prefix/crm/v8"), "v8")
            .unwrap();
        assert_eq!(sandbox.as_str(), "http://127.0.0.1:9/prefix/crm/bulk/v8");
    }

    #[test]
    fn uploads_go_to_the_content_host_of_zohos_data_centre() {
        let base = Base::CrmUpload
            .resolve(url("https://www.zohoapis.com.au/crm/v8"), "v8")
            .unwrap();
        assert_eq!(base.as_str(), "https://content.zohoapis.com.au/crm/v8");
        let sandbox = Base::CrmUpload
            .resolve(url("http://127.0.0.1:9/crm/v8"), "v8")
            .unwrap();
        assert_eq!(sandbox.as_str(), "http://127.0.0.1:9/crm/v8");
    }

    #[test]
    fn results_are_fetched_only_from_the_api_host_or_zohos_download_hosts() {
        let api = url("https://www.zohoapis.com/crm/v8");
        let zoho = Base::Origin(url("https://download.zohocrm.com/v2/bulk/write/1/result"));
        assert_eq!(
            zoho.resolve(api.clone(), "v8").unwrap().as_str(),
            "https://download.zohocrm.com/"
        );
        for elsewhere in [
            "https://evil.example/crm/bulk/write/1/result",
            "https://download.zohocrm.com.evil.example/v2/bulk/write/1/result",
            "http://download.zohocrm.com/v2/bulk/write/1/result",
        ] {
            assert!(
                Base::Origin(url(elsewhere))
                    .resolve(api.clone(), "v8")
                    .is_err(),
                "{elsewhere}"
            );
        }
        let sandbox = Base::Origin(url("http://127.0.0.1:9/crm/bulk/v8/write/1/result"));
        assert!(
            sandbox
                .resolve(url("http://127.0.0.1:9/crm/v8"), "v8")
                .is_ok()
        );
    }

    #[test]
    fn pauses_grow_by_half_up_to_the_cap() {
        let first = Duration::from_millis(100);
        let mut pause = first;
        for _ in 0..40 {
            pause = next_pause(first, pause);
        }
        assert_eq!(pause, MAX_POLL);
        assert_eq!(next_pause(first, first), Duration::from_millis(150));
    }

    #[test]
    fn unknown_states_are_still_running() {
        assert_eq!(State::of("COMPLETED"), State::Completed);
        assert_eq!(State::of("FAILURE"), State::Failed("FAILURE".into()));
        assert_eq!(State::of("QUEUED"), State::Running("QUEUED".into()));
        assert_eq!(State::of(""), State::Running(String::new()));
    }
}
