//! Running what a request body asks for: single calls, batches (items concurrently, bounded) and
//! notifications (run, never answered), each call under a timeout.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{FutureExt, StreamExt};
use serde::Serialize;
use serde::ser::SerializeStruct;
use serde_json::json;
use serde_json::value::RawValue;
use tracing::Instrument;

use crate::body::BodyLimits;
use crate::dispatch::{BoxFuture, Dispatcher, Output};
use crate::jsonrpc::{self, ErrorObject, Id, Message, Request, Response, codes};
use crate::rpc_error;

/// The bounds every request is held to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body in bytes. The default holds a 100 MB attachment in base64 (4/3 of it)
    /// with room for the rest of the request.
    pub max_body_bytes: usize,
    /// Most requests in one batch.
    pub max_batch: usize,
    /// Most items of one batch running at once.
    pub batch_concurrency: usize,
    /// Longest one call may run; past it the caller gets `-32004`.
    pub call_timeout: Duration,
    /// Time every request body gets to arrive, however slowly.
    pub body_timeout: Duration,
    /// Past `body_timeout`, each this many body bytes received buy one more second; a body
    /// slower than that is cut (`408`) and its connection closed.
    pub min_body_bytes_per_sec: u64,
    /// Most body bytes held at once by all requests together (at least `max_body_bytes`).
    pub max_body_bytes_in_flight: usize,
    /// How long a body waits for room in that budget before it is answered `503`.
    pub body_budget_wait: Duration,
}

impl Limits {
    /// The rules request bodies are read by.
    pub fn body_limits(&self) -> BodyLimits {
        BodyLimits {
            max_bytes: self.max_body_bytes,
            timeout: self.body_timeout,
            min_bytes_per_sec: self.min_body_bytes_per_sec,
            max_bytes_in_flight: self.max_body_bytes_in_flight,
            budget_wait: self.body_budget_wait,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 140 * 1024 * 1024,
            max_batch: 100,
            batch_concurrency: 8,
            call_timeout: Duration::from_secs(300),
            body_timeout: Duration::from_secs(10),
            // 128 kbit/s: slower than that, the largest body would take more than two hours.
            min_body_bytes_per_sec: 16 * 1024,
            // Two of the largest bodies at once; each costs a few times its size while it runs.
            max_body_bytes_in_flight: 2 * 140 * 1024 * 1024,
            body_budget_wait: Duration::from_secs(2),
        }
    }
}

/// What to send back for a body.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Nothing: the body held only notifications.
    Nothing,
    /// One response object.
    One(Answer),
    /// A batch's responses.
    Many(Vec<Answer>),
}

/// One response object of a reply.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A response built as values.
    Built(Response),
    /// A call that succeeded with a result that is JSON text already (a record as Zoho wrote
    /// it): written into the response as it is, the same JSON as its value would be.
    Passed {
        /// The id of the call answered.
        id: Id,
        /// The result.
        result: Box<RawValue>,
    },
}

impl From<Response> for Answer {
    fn from(response: Response) -> Self {
        Answer::Built(response)
    }
}

impl PartialEq for Answer {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Answer::Built(a), Answer::Built(b)) => a == b,
            (Answer::Passed { id, result }, Answer::Passed { id: i, result: r }) => {
                id == i && result.get() == r.get()
            }
            _ => false,
        }
    }
}

impl Serialize for Answer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::Built(response) => response.serialize(serializer),
            // The members in `Response`'s order, so the bytes are the same as a built answer's.
            Answer::Passed { id, result } => {
                let mut response = serializer.serialize_struct("Response", 3)?;
                response.serialize_field("jsonrpc", "2.0")?;
                response.serialize_field("id", id)?;
                response.serialize_field("result", result)?;
                response.end()
            }
        }
    }
}

impl Answer {
    /// The answer as a [`Response`] of values.
    fn into_response(self) -> Response {
        match self {
            Answer::Built(response) => response,
            Answer::Passed { id, result } => match serde_json::from_str(result.get()) {
                Ok(value) => Response::result(id, value),
                Err(err) => Response::error(
                    id,
                    rpc_error::internal(&format!("a result is not JSON: {err}")),
                ),
            },
        }
    }
}

impl Reply {
    /// The JSON to send, or `None` for an empty HTTP answer.
    pub fn to_json(&self) -> Option<Vec<u8>> {
        let bytes = match self {
            Reply::Nothing => return None,
            Reply::One(response) => serde_json::to_vec(response),
            Reply::Many(responses) => serde_json::to_vec(responses),
        };
        // Our response types always serialize; should one ever not, say so rather than panic.
        Some(bytes.unwrap_or_else(|err| {
            let error = rpc_error::internal(&format!("response did not serialize: {err}"));
            serde_json::to_vec(&Response::error(Id::Null, error)).unwrap_or_default()
        }))
    }
}

/// Runs request bodies against a [`Dispatcher`].
#[derive(Clone)]
pub struct Rpc {
    dispatcher: Arc<dyn Dispatcher>,
    limits: Limits,
}

impl std::fmt::Debug for Rpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rpc")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Rpc {
    /// Serve `dispatcher` within `limits`.
    pub fn new(dispatcher: Arc<dyn Dispatcher>, limits: Limits) -> Self {
        Rpc { dispatcher, limits }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Run everything `body` asks for and say what to answer.
    pub async fn handle(&self, body: &[u8]) -> Reply {
        match jsonrpc::parse_body(body, self.limits.max_batch) {
            Message::Refused(response) => Reply::One(response.into()),
            Message::Single(Err(response)) => Reply::One((*response).into()),
            Message::Single(Ok(request)) => match self.answer(request, true).await {
                Some(answer) => Reply::One(answer),
                None => Reply::Nothing,
            },
            Message::Batch(items) => {
                let responses: Vec<Answer> = futures::stream::iter(items)
                    .map(|item| async move {
                        match item {
                            Ok(request) => self.answer(request, true).await,
                            Err(response) => Some((*response).into()),
                        }
                    })
                    .buffered(self.limits.batch_concurrency.max(1))
                    .filter_map(|response| async move { response })
                    .collect()
                    .await;
                if responses.is_empty() {
                    Reply::Nothing
                } else {
                    Reply::Many(responses)
                }
            }
        }
    }

    /// Run one request; `None` for a notification, whose outcome is only logged.
    pub async fn run(&self, request: Request) -> Option<Response> {
        self.answer(request, false).await.map(Answer::into_response)
    }

    /// Run one request; with `raw`, a result the dispatcher holds as JSON text stays text.
    async fn answer(&self, request: Request, raw: bool) -> Option<Answer> {
        let Request { id, method, params } = request;
        // At `info` a call costs no log line unless it fails: formatting and writing one per
        // call was about a tenth of the server's CPU per call (docs/design/011-http-client.md).
        let span = tracing::debug_span!("call", method = %method, id = %id_text(&id));
        async move {
            let started = Instant::now();
            let outcome = match params.into_named() {
                Err(error) => Err(error),
                Ok(params) => self.dispatch_guarded(&method, params, raw).await,
            }
            .map_err(busy_if_out_of_descriptors);
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            match &outcome {
                Ok(_) => tracing::debug!(elapsed_ms, "call succeeded"),
                Err(error) => tracing::info!(
                    method = %method,
                    id = %id_text(&id),
                    elapsed_ms,
                    code = error.code,
                    message = %error.message,
                    "call failed"
                ),
            }
            let id = id?;
            Some(match outcome {
                Ok(Output::Value(result)) => Response::result(id, result).into(),
                Ok(Output::Raw(result)) => Answer::Passed { id, result },
                Err(error) => Response::error(id, error).into(),
            })
        }
        .instrument(span)
        .await
    }

    /// The dispatch, under the per-call timeout, with a panic turned into `-32603`.
    async fn dispatch_guarded(
        &self,
        method: &str,
        params: serde_json::Map<String, serde_json::Value>,
        raw: bool,
    ) -> Result<Output, ErrorObject> {
        let timeout = self.limits.call_timeout;
        // The actions' own budget ends a little sooner, so a stalled Zoho is answered by the
        // client's error (it names the host and counts the tries) rather than by this guard.
        let budget = timeout.saturating_sub((timeout / 20).min(Duration::from_millis(500)));
        let dispatched: BoxFuture<'_, Result<Output, ErrorObject>> = if raw {
            self.dispatcher.call_output(method, params)
        } else {
            Box::pin(async move {
                self.dispatcher
                    .call(method, params)
                    .await
                    .map(Output::Value)
            })
        };
        let call =
            AssertUnwindSafe(zoho_core::__private::within(budget, dispatched)).catch_unwind();
        match tokio::time::timeout(timeout, call).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(panic)) => {
                let detail = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".to_owned());
                Err(rpc_error::internal(&format!(
                    "method `{method}` panicked: {detail}"
                )))
            }
            Err(_elapsed) => {
                let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
                Err(ErrorObject::new(
                    codes::NETWORK,
                    format!("the call did not finish within the server's per-call timeout of {timeout_ms} ms"),
                )
                .with_data(json!({ "attempts": null, "timedOut": true, "timeoutMs": timeout_ms })))
            }
        }
    }
}

/// How an id is logged.
fn id_text(id: &Option<Id>) -> String {
    id.as_ref()
        .map_or_else(|| "notification".to_owned(), ToString::to_string)
}

/// A network error that is really this server running out of file descriptors (the socket to
/// Zoho could not even be opened) reads like a Zoho outage; say what it is. The code stays
/// `-32004`, so clients that retry network errors still do; `data.serverBusy` tells them apart.
fn busy_if_out_of_descriptors(error: ErrorObject) -> ErrorObject {
    let exhausted = error.code == codes::NETWORK
        && (error.message.contains("os error 24") || error.message.contains("os error 23"));
    if !exhausted {
        return error;
    }
    tracing::warn!("a call failed because this server is out of file descriptors");
    let attempts = error
        .data
        .as_ref()
        .and_then(|data| data.get("attempts").cloned())
        .unwrap_or(serde_json::Value::Null);
    ErrorObject::new(
        codes::NETWORK,
        "server busy: this server is out of file descriptors, so the request never left it; \
         retry shortly",
    )
    .with_data(json!({ "attempts": attempts, "timedOut": false, "serverBusy": true }))
}

impl Reply {
    /// Whether the answer is one call that failed only because this server was busy (then the
    /// HTTP answer is `503` with `Retry-After`).
    pub fn is_server_busy(&self) -> bool {
        matches!(self, Reply::One(Answer::Built(response)) if response
            .error_object()
            .and_then(|error| error.data.as_ref())
            .is_some_and(|data| data["serverBusy"] == true))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::{Map, Value};

    use super::*;
    use crate::dispatch::BoxFuture;

    /// Echoes params; `sleep` waits `ms`; `panic` panics; `count` records each run.
    #[derive(Default)]
    struct Stub {
        runs: Mutex<Vec<String>>,
        running: AtomicUsize,
        most_running: AtomicUsize,
    }

    impl Dispatcher for Stub {
        fn call<'a>(
            &'a self,
            method: &'a str,
            params: Map<String, Value>,
        ) -> BoxFuture<'a, Result<Value, ErrorObject>> {
            Box::pin(async move {
                self.runs.lock().unwrap().push(method.to_owned());
                let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
                self.most_running.fetch_max(now, Ordering::SeqCst);
                let outcome = match method {
                    "echo" => Ok(Value::Object(params)),
                    "sleep" => {
                        let ms = params.get("ms").and_then(Value::as_u64).unwrap_or(0);
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                        Ok(json!("slept"))
                    }
                    "panic" => panic!("boom"),
                    other => Err(ErrorObject::method_not_found(other)),
                };
                self.running.fetch_sub(1, Ordering::SeqCst);
                outcome
            })
        }
    }

    fn rpc(stub: &Arc<Stub>, limits: Limits) -> Rpc {
        Rpc::new(stub.clone(), limits)
    }

    fn json_of(reply: &Reply) -> Value {
        serde_json::from_slice(&reply.to_json().unwrap()).unwrap()
    }

    #[tokio::test]
    async fn a_call_is_answered_with_its_result() {
        let stub = Arc::new(Stub::default());
        let reply = rpc(&stub, Limits::default())
            .handle(br#"{"jsonrpc":"2.0","id":"a","method":"echo","params":{"x":1}}"#)
            .await;
        assert_eq!(
            json_of(&reply),
            json!({"jsonrpc":"2.0","id":"a","result":{"x":1}})
        );
    }

    #[tokio::test]
    async fn a_notification_runs_but_is_not_answered() {
        let stub = Arc::new(Stub::default());
        let reply = rpc(&stub, Limits::default())
            .handle(br#"{"jsonrpc":"2.0","method":"echo"}"#)
            .await;
        assert_eq!(reply, Reply::Nothing);
        assert_eq!(*stub.runs.lock().unwrap(), ["echo"]);
    }

    #[tokio::test]
    async fn a_failing_notification_is_not_answered_either() {
        let stub = Arc::new(Stub::default());
        let reply = rpc(&stub, Limits::default())
            .handle(br#"{"jsonrpc":"2.0","method":"nope"}"#)
            .await;
        assert_eq!(reply, Reply::Nothing);
    }

    #[tokio::test]
    async fn a_batch_answers_calls_in_order_and_skips_notifications() {
        let stub = Arc::new(Stub::default());
        let reply = rpc(&stub, Limits::default())
            .handle(
                br#"[{"jsonrpc":"2.0","id":1,"method":"echo","params":{"n":1}},
                     {"jsonrpc":"2.0","method":"echo"},
                     {"jsonrpc":"2.0","id":2,"method":"nope"},
                     {"foo":"bar"}]"#,
            )
            .await;
        let answers = json_of(&reply);
        let answers = answers.as_array().unwrap();
        assert_eq!(answers.len(), 3);
        assert_eq!(answers[0], json!({"jsonrpc":"2.0","id":1,"result":{"n":1}}));
        assert_eq!(answers[1]["error"]["code"], -32601);
        assert_eq!(answers[1]["error"]["data"], json!({"method":"nope"}));
        assert_eq!(answers[2]["id"], Value::Null);
        assert_eq!(answers[2]["error"]["code"], -32600);
        assert_eq!(stub.runs.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_batch_of_notifications_gets_nothing_back() {
        let stub = Arc::new(Stub::default());
        let reply = rpc(&stub, Limits::default())
            .handle(br#"[{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","method":"echo"}]"#)
            .await;
        assert_eq!(reply, Reply::Nothing);
        assert_eq!(stub.runs.lock().unwrap().len(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn batch_items_run_concurrently_up_to_the_bound() {
        let stub = Arc::new(Stub::default());
        let limits = Limits {
            batch_concurrency: 3,
            ..Limits::default()
        };
        let body = format!(
            "[{}]",
            (0..10)
                .map(|i| format!(
                    r#"{{"jsonrpc":"2.0","id":{i},"method":"sleep","params":{{"ms":100}}}}"#
                ))
                .collect::<Vec<_>>()
                .join(",")
        );
        let reply = rpc(&stub, limits).handle(body.as_bytes()).await;
        let answers = json_of(&reply);
        let ids: Vec<i64> = answers
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, (0..10).collect::<Vec<_>>());
        assert_eq!(stub.most_running.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_past_the_timeout_is_a_timeout_error() {
        let stub = Arc::new(Stub::default());
        let limits = Limits {
            call_timeout: Duration::from_secs(2),
            ..Limits::default()
        };
        let reply = rpc(&stub, limits)
            .handle(br#"{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":5000}}"#)
            .await;
        let answer = json_of(&reply);
        assert_eq!(answer["error"]["code"], -32004);
        assert_eq!(answer["error"]["data"]["timeoutMs"], 2000);
    }

    #[tokio::test]
    async fn a_panicking_method_is_an_internal_error() {
        let stub = Arc::new(Stub::default());
        let reply = rpc(&stub, Limits::default())
            .handle(br#"{"jsonrpc":"2.0","id":1,"method":"panic"}"#)
            .await;
        let answer = json_of(&reply);
        assert_eq!(answer["error"]["code"], -32603);
        assert!(
            !answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("boom")
        );
    }

    #[test]
    fn a_network_error_from_running_out_of_descriptors_says_server_busy() {
        let emfile = ErrorObject::new(
            codes::NETWORK,
            "network error after 1 attempt: error trying to connect: tcp open error: Too many \
             open files (os error 24)",
        )
        .with_data(json!({"attempts": 1, "timedOut": false}));
        let busy = busy_if_out_of_descriptors(emfile);
        assert!(busy.message.starts_with("server busy"), "{}", busy.message);
        assert_eq!(busy.data.as_ref().unwrap()["serverBusy"], true);
        assert_eq!(busy.data.as_ref().unwrap()["attempts"], 1);
        assert!(Reply::One(Response::error(Id::Null, busy).into()).is_server_busy());
        let outage = ErrorObject::new(codes::NETWORK, "connection reset by peer (os error 104)");
        assert_eq!(busy_if_out_of_descriptors(outage.clone()), outage);
    }

    #[test]
    fn the_default_body_limit_holds_a_100_mb_attachment_in_base64() {
        let attachment: usize = 100 * 1024 * 1024;
        let base64_len = attachment.div_ceil(3) * 4;
        let envelope = 1024; // the rest of the request: method, record id, file name
        assert!(Limits::default().max_body_bytes >= base64_len + envelope);
    }

    #[tokio::test]
    async fn positional_params_never_reach_the_method() {
        let stub = Arc::new(Stub::default());
        let reply = rpc(&stub, Limits::default())
            .handle(br#"{"jsonrpc":"2.0","id":1,"method":"echo","params":["Leads"]}"#)
            .await;
        assert_eq!(json_of(&reply)["error"]["code"], -32602);
        assert!(stub.runs.lock().unwrap().is_empty());
    }
}
