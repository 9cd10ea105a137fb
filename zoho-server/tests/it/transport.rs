//! The transport rules of JSON-RPC over HTTP, checked against a stand-in dispatcher.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use zoho_core::Secret;
use zoho_server::api_key::ApiKey;
use zoho_server::dispatch::BoxFuture;
use zoho_server::http::App;
use zoho_server::jsonrpc::ErrorObject;
use zoho_server::rpc::{Limits, Rpc};
use zoho_server::server::Server;
use zoho_server::{Dispatcher, Error};

/// `echo` returns its params; `sleep` says it started, then waits `ms` of real time;
/// everything else is unknown.
#[derive(Default)]
struct Stub {
    sleeping: Arc<Notify>,
}

impl Dispatcher for Stub {
    fn call<'a>(
        &'a self,
        method: &'a str,
        params: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Value, ErrorObject>> {
        Box::pin(async move {
            match method {
                "echo" => Ok(Value::Object(params)),
                "sleep" => {
                    let ms = params.get("ms").and_then(Value::as_u64).unwrap_or(0);
                    self.sleeping.notify_one();
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    Ok(json!("slept"))
                }
                other => Err(ErrorObject::method_not_found(other)),
            }
        })
    }
}

struct Running {
    addr: SocketAddr,
    sleeping: Arc<Notify>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), Error>>,
}

impl Running {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    async fn shut_down(mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap()
    }
}

async fn start(listen: &str, limits: Limits, api_key: Option<ApiKey>) -> Running {
    let server = Server::bind(listen.parse().unwrap(), api_key.as_ref())
        .await
        .unwrap();
    let port = server.local_addr().port();
    let stub = Stub::default();
    let sleeping = stub.sleeping.clone();
    let app = App {
        rpc: Rpc::new(Arc::new(stub), limits),
        api_key,
        oauth: None,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(
        app,
        async move {
            let _ = stopped.await;
        },
        Duration::from_secs(10),
    ));
    Running {
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        sleeping,
        stop: Some(stop),
        task,
    }
}

fn post(url: &str, body: impl Into<reqwest::Body>) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
}

#[tokio::test]
async fn a_call_is_answered_as_json() {
    let server = start("127.0.0.1:0", Limits::default(), None).await;
    let response = post(
        &server.url("/rpc"),
        r#"{"jsonrpc":"2.0","id":"x","method":"echo","params":{"a":[1]}}"#,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"jsonrpc":"2.0","id":"x","result":{"a":[1]}})
    );
}

#[tokio::test]
async fn notifications_get_an_empty_answer() {
    let server = start("127.0.0.1:0", Limits::default(), None).await;
    for body in [
        r#"{"jsonrpc":"2.0","method":"echo"}"#,
        r#"[{"jsonrpc":"2.0","method":"echo"},{"jsonrpc":"2.0","method":"nope"}]"#,
    ] {
        let response = post(&server.url("/rpc"), body).send().await.unwrap();
        assert_eq!(response.status(), 204, "{body}");
        assert!(response.bytes().await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn only_post_is_allowed_on_rpc() {
    let server = start("127.0.0.1:0", Limits::default(), None).await;
    let response = reqwest::get(server.url("/rpc")).await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32600);
}

#[tokio::test]
async fn a_body_that_is_not_declared_json_is_refused() {
    let server = start("127.0.0.1:0", Limits::default(), None).await;
    let client = reqwest::Client::new();
    let plain = client
        .post(server.url("/rpc"))
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"echo"}"#);
    assert_eq!(plain.send().await.unwrap().status(), 415);
    let form = client
        .post(server.url("/rpc"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=1");
    assert_eq!(form.send().await.unwrap().status(), 415);
}

#[tokio::test]
async fn a_body_past_the_limit_is_refused_whether_declared_or_streamed() {
    let limits = Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    };
    let server = start("127.0.0.1:0", limits, None).await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"echo","params":{{"x":"{}"}}}}"#,
        "a".repeat(2000)
    );
    let declared = post(&server.url("/rpc"), big.clone()).send().await.unwrap();
    assert_eq!(declared.status(), 413);
    let chunks = futures::stream::iter(
        big.into_bytes()
            .chunks(100)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let streamed = post(&server.url("/rpc"), reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), 413);
    let small = post(
        &server.url("/rpc"),
        r#"{"jsonrpc":"2.0","id":1,"method":"echo"}"#,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(small.status(), 200, "a body within the limit still passes");
}

#[tokio::test]
async fn health_and_unknown_routes() {
    let server = start("127.0.0.1:0", Limits::default(), None).await;
    let health = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(
        health.json::<Value>().await.unwrap(),
        json!({"status": "ok"})
    );
    assert_eq!(
        reqwest::get(server.url("/nope")).await.unwrap().status(),
        404
    );
}

#[tokio::test]
async fn a_non_loopback_address_needs_an_api_key() {
    let refused = Server::bind("0.0.0.0:0".parse().unwrap(), None)
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::ApiKeyRequired { .. }), "{refused}");
    assert!(refused.to_string().contains("--api-key-env"), "{refused}");
}

#[tokio::test]
async fn with_an_api_key_only_bearer_holders_get_through() {
    let key = ApiKey::new(Secret::new("test-key-0123456789abcdef")).unwrap();
    let server = start("0.0.0.0:0", Limits::default(), Some(key)).await;
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"echo"}"#;
    let anonymous = post(&server.url("/rpc"), body).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let wrong = post(&server.url("/rpc"), body)
        .bearer_auth("test-key-0123456789abcdeX")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let text = wrong.text().await.unwrap();
    assert!(
        !text.contains("test-key"),
        "the key is never echoed: {text}"
    );
    let holder = post(&server.url("/rpc"), body)
        .bearer_auth("test-key-0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(holder.status(), 200);
    assert_eq!(
        reqwest::get(server.url("/healthz")).await.unwrap().status(),
        200,
        "health needs no key"
    );
}

#[tokio::test]
async fn shutdown_lets_the_call_in_flight_finish_then_refuses_new_ones() {
    let server = start("127.0.0.1:0", Limits::default(), None).await;
    let url = server.url("/rpc");
    let in_flight = tokio::spawn(
        post(
            &url,
            r#"{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":400}}"#,
        )
        .send(),
    );
    server.sleeping.notified().await;
    server.shut_down().await.unwrap();
    let answer = in_flight.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json::<Value>().await.unwrap()["result"], "slept");
    let after = post(&url, r#"{"jsonrpc":"2.0","id":2,"method":"echo"}"#)
        .send()
        .await;
    assert!(after.is_err(), "no new connections after shutdown");
}
