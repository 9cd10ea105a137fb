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
    start_capped(listen, limits, api_key, None, None).await
}

/// Where the server serves its connections: on the test's runtime, and on two threads of their
/// own (as `zoho-server serve` does, one per core).
const SERVING: [Option<usize>; 2] = [None, Some(2)];

async fn start_capped(
    listen: &str,
    limits: Limits,
    api_key: Option<ApiKey>,
    max_connections: Option<usize>,
    threads: Option<usize>,
) -> Running {
    let mut server = Server::bind(listen.parse().unwrap(), api_key.as_ref())
        .await
        .unwrap();
    if let Some(max) = max_connections {
        server.set_max_connections(max);
    }
    server.set_threads(threads);
    let port = server.local_addr().port();
    let stub = Stub::default();
    let sleeping = stub.sleeping.clone();
    let app = App {
        rpc: Rpc::new(Arc::new(stub), limits),
        api_key,
        oauth: None,
        events: None,
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
    for threads in SERVING {
        shutdown_lets_the_call_in_flight_finish(threads).await;
    }
}

async fn shutdown_lets_the_call_in_flight_finish(threads: Option<usize>) {
    let server = start_capped("127.0.0.1:0", Limits::default(), None, None, threads).await;
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
    assert!(
        after.is_err(),
        "no new connections after shutdown (threads {threads:?})"
    );
}

/// Send `request` (a whole HTTP/1.1 request, head and body) on a fresh connection; the status
/// and the body of the answer.
async fn raw(addr: SocketAddr, request: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer.split_once("\r\n\r\n").unwrap().1;
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn rpc_request(host: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "POST /rpc HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\n{extra_headers}\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

const ECHO: &str = r#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"secret":"data"}}"#;

#[tokio::test]
async fn a_request_for_a_host_we_do_not_answer_to_is_refused() {
    // A page on evil.example whose name was rebound to 127.0.0.1 sends exactly this.
    let server = start("127.0.0.1:0", Limits::default(), None).await;
    let (status, body) = raw(server.addr, &rpc_request("evil.example:8787", "", ECHO)).await;
    assert_eq!(status, 421);
    assert_eq!(body["error"]["code"], -32600, "{body}");
    assert!(body.get("result").is_none());
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--allow-host")
    );
    // The request target's authority counts as the host too.
    let absolute = ECHO.len();
    let (status, _) = raw(
        server.addr,
        &format!(
            "POST http://evil.example/rpc HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: \
             application/json\r\ncontent-length: {absolute}\r\nconnection: close\r\n\r\n{ECHO}"
        ),
    )
    .await;
    assert_eq!(status, 421);
    for host in [
        server.addr.to_string(),
        format!("localhost:{}", server.addr.port()),
    ] {
        let (status, body) = raw(server.addr, &rpc_request(&host, "", ECHO)).await;
        assert_eq!(status, 200, "{host}");
        assert_eq!(body["result"]["secret"], "data");
    }
    let (status, _) = raw(
        server.addr,
        "GET /healthz HTTP/1.1\r\nhost: probe.internal\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200, "health answers any host");
}

#[tokio::test]
async fn a_web_page_of_another_origin_is_refused() {
    let server = start("127.0.0.1:0", Limits::default(), None).await;
    let host = server.addr.to_string();
    let (status, body) = raw(
        server.addr,
        &rpc_request(&host, "origin: http://evil.example\r\n", ECHO),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], -32600);
    let (status, _) = raw(
        server.addr,
        &rpc_request(&host, &format!("origin: http://{host}\r\n"), ECHO),
    )
    .await;
    assert_eq!(status, 200, "our own origin");
}

#[tokio::test]
async fn a_request_with_a_member_twice_is_invalid_and_runs_nothing() {
    let server = start("127.0.0.1:0", Limits::default(), None).await;
    let response = post(
        &server.url("/rpc"),
        r#"{"jsonrpc":"2.0","id":1,"method":"echo","method":"sleep","params":{"ms":1}}"#,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], -32600, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("member `method` appears twice")
    );
}

/// Open a request whose body never finishes: `sent` of a declared `declared` bytes.
async fn hanging_body(addr: SocketAddr, declared: usize, sent: usize) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /rpc HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {declared}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b' '; sent]).await.unwrap();
    stream
}

#[tokio::test]
async fn a_body_slower_than_the_minimum_rate_is_cut_and_its_connection_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limits = Limits {
        body_timeout: Duration::from_millis(300),
        min_body_bytes_per_sec: 10_000,
        ..Limits::default()
    };
    let server = start("127.0.0.1:0", limits, None).await;
    let mut stream = hanging_body(server.addr, 1000, 1).await;
    let started = std::time::Instant::now();
    let trickle = async {
        // A byte every 10 ms, as long as the server reads.
        for _ in 0..1000 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if stream.write_all(b" ").await.is_err() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_millis(600), trickle).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server closed the connection");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("connection: close"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // A fast client on another connection was never held up.
    let fine = post(&server.url("/rpc"), ECHO).send().await.unwrap();
    assert_eq!(fine.status(), 200);
}

#[tokio::test]
async fn bodies_past_the_in_flight_budget_wait_then_get_503_with_retry_after() {
    let limits = Limits {
        max_body_bytes: 100_000,
        max_body_bytes_in_flight: 150_000,
        body_budget_wait: Duration::from_millis(200),
        ..Limits::default()
    };
    let server = start("127.0.0.1:0", limits, None).await;
    // One body declared at 100 kB holds two thirds of the budget while it crawls in.
    let _holder = hanging_body(server.addr, 100_000, 10).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"echo","params":{{"x":"{}"}}}}"#,
        "a".repeat(90_000)
    );
    let refused = post(&server.url("/rpc"), big).send().await.unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: Value = refused.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("server busy"),
        "{body}"
    );
    let small = post(&server.url("/rpc"), ECHO).send().await.unwrap();
    assert_eq!(small.status(), 200, "what fits in the budget still passes");
}

#[tokio::test]
async fn at_the_connection_cap_the_idle_connection_goes_and_the_running_call_stays() {
    for threads in SERVING {
        at_the_connection_cap(threads).await;
    }
}

/// The cap counts the connections of every thread, and the idle one closed to make room may be
/// served by another thread than the newcomer's.
async fn at_the_connection_cap(threads: Option<usize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = start_capped("127.0.0.1:0", Limits::default(), None, Some(2), threads).await;
    let slow = tokio::spawn(
        post(
            &server.url("/rpc"),
            r#"{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":300}}"#,
        )
        .send(),
    );
    server.sleeping.notified().await;
    let mut idle = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // A third connection: the server is full, and the idle one is the one to close.
    let fresh = post(&server.url("/rpc"), ECHO).send().await.unwrap();
    assert_eq!(fresh.status(), 200);
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(Duration::from_secs(2), idle.read(&mut buf)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "the idle connection was closed (threads {threads:?})"
    );
    let slow = slow.await.unwrap().unwrap();
    assert_eq!(slow.status(), 200, "the running call was never cut");
    assert_eq!(slow.json::<Value>().await.unwrap()["result"], "slept");
    // With every connection running a call, a newcomer is told to come back.
    let mut holders = Vec::new();
    for _ in 0..2 {
        holders.push(tokio::spawn(
            post(
                &server.url("/rpc"),
                r#"{"jsonrpc":"2.0","id":1,"method":"sleep","params":{"ms":500}}"#,
            )
            .send(),
        ));
        server.sleeping.notified().await;
    }
    let mut late = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let _ = late
        .write_all(rpc_request(&server.addr.to_string(), "", ECHO).as_bytes())
        .await;
    let mut answer = Vec::new();
    let _ = late.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 503"),
        "threads {threads:?}: {answer}"
    );
    assert!(answer.contains("retry-after: 1"), "{answer}");
    for holder in holders {
        assert_eq!(holder.await.unwrap().unwrap().status(), 200);
    }
}
