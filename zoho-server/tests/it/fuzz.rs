//! Mixed hostile and broken bodies through the whole HTTP face, in-process, against the real
//! actions on a sandbox: no panic, no 5xx, every answer valid JSON-RPC. The method and param
//! names come from `rpc.discover`, so every action of the spec is reached.
//!
//! The default run sends 20,000 bodies; `fuzz_250_000_bodies` (ignored) sends the full count.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};
use zoho_sandbox::SandboxConfig;
use zoho_server::actions::Actions;
use zoho_server::connections::Connections;
use zoho_server::hosts::AllowedHosts;
use zoho_server::http::{App, Caller, Front, handle};
use zoho_server::rpc::{Limits, Rpc};

const HOST: &str = "127.0.0.1:8787";

struct Target {
    front: Arc<Front>,
    caller: Caller,
    methods: Vec<(String, Vec<String>)>,
    _sandbox: zoho_sandbox::Sandbox,
}

impl Target {
    async fn start() -> Target {
        let config = SandboxConfig {
            records: 20,
            ..SandboxConfig::default()
        };
        let (sandbox, connection) = zoho_server::sandbox::start(config).await.unwrap();
        let http = zoho_core::HttpClient::standard().unwrap();
        let mut connections = Connections::new();
        connections.insert(connection, &http).unwrap();
        let flows = Arc::new(connections.oauth_flows(&format!("http://{HOST}/oauth/callback")));
        zoho_server::sandbox::authorize(&flows, "default", false)
            .await
            .unwrap();
        let limits = Limits {
            max_body_bytes: 256 * 1024,
            ..Limits::default()
        };
        let app = App {
            rpc: Rpc::new(Arc::new(Actions::new(Arc::new(connections))), limits),
            api_key: None,
            oauth: Some(flows),
            events: None,
        };
        let listen: SocketAddr = HOST.parse().unwrap();
        let front = Arc::new(Front::new(app, AllowedHosts::for_listener(listen)));
        let mut target = Target {
            front,
            caller: Caller::new("127.0.0.1:40000".parse().unwrap()),
            methods: Vec::new(),
            _sandbox: sandbox,
        };
        let (status, discovered) = target
            .send(br#"{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}"#.to_vec())
            .await;
        assert_eq!(status, 200);
        let discovered: Value = serde_json::from_slice(&discovered).unwrap();
        target.methods = discovered["result"]["methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|method| {
                let params = method["params"]
                    .as_array()
                    .map(|params| {
                        params
                            .iter()
                            .filter_map(|p| p["name"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                (method["name"].as_str().unwrap().to_owned(), params)
            })
            .collect();
        assert!(target.methods.len() > 10, "{discovered}");
        target
    }

    async fn send(&self, body: Vec<u8>) -> (u16, Vec<u8>) {
        let request = Request::post("/rpc")
            .header("host", HOST)
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap();
        let response = handle(self.front.clone(), self.caller.clone(), request)
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, body.to_vec())
    }
}

/// Strings a careless or hostile caller sends. None holds `://`, so no value can name a host
/// outside the sandbox.
fn string(rng: &mut StdRng) -> String {
    const SAMPLES: &[&str] = &[
        "",
        "Leads",
        "Contacts",
        "invoices",
        "1234567890123456789",
        "-1",
        "../../etc/passwd",
        "/crm/v3/Leads",
        "%2e%2e%2f",
        "a\r\nX-Injected: 1",
        "\u{0}",
        "é😀\u{202e}",
        "select Last_Name from Leads",
        "GET",
        "DELETE",
        "binary",
        "default",
        "nope",
        "asc",
    ];
    if rng.random_bool(0.6) {
        return SAMPLES[rng.random_range(0..SAMPLES.len())].to_owned();
    }
    const ALPHABET: &[char] = &[
        'a', 'Z', '0', '9', ' ', '_', '-', '/', '.', '?', '&', '=', '%', '\r', '\n', '"', '\\',
        '\u{0}', '\u{7f}', 'é', '😀', '{', '[',
    ];
    let len = rng.random_range(0..40);
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
        .collect()
}

fn value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..if depth > 3 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => json!(rng.random::<i64>() >> rng.random_range(0..63)),
        3 => json!(rng.random::<f64>() * 1e12 - 5e11),
        4 | 5 => Value::String(string(rng)),
        6 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut object = Map::new();
            for _ in 0..rng.random_range(0..4) {
                object.insert(string(rng), value(rng, depth + 1));
            }
            if rng.random_bool(0.3) {
                object.insert("base64".into(), Value::String(string(rng)));
            }
            Value::Object(object)
        }
    }
}

/// A request to a real method with params of its own names (and a stranger now and then),
/// each of any JSON type.
fn call(rng: &mut StdRng, methods: &[(String, Vec<String>)]) -> Value {
    let (method, names) = &methods[rng.random_range(0..methods.len())];
    let mut params = Map::new();
    for name in names {
        if rng.random_bool(0.5) {
            params.insert(name.clone(), value(rng, 0));
        }
    }
    if rng.random_bool(0.1) {
        params.insert(string(rng), value(rng, 0));
    }
    let mut request = json!({"jsonrpc": "2.0", "method": method, "params": params});
    if rng.random_bool(0.9) {
        request["id"] = json!(rng.random_range(0..1000));
    }
    request
}

/// One body: a call, a mutated call, a batch, a JSON-shaped oddity, or bytes.
fn body(rng: &mut StdRng, methods: &[(String, Vec<String>)]) -> Vec<u8> {
    match rng.random_range(0..100) {
        0..30 => call(rng, methods).to_string().into_bytes(),
        30..60 => {
            let mut bytes = call(rng, methods).to_string().into_bytes();
            for _ in 0..rng.random_range(1..6) {
                let at = rng.random_range(0..bytes.len());
                match rng.random_range(0..3) {
                    0 => bytes[at] = rng.random(),
                    1 => {
                        bytes.remove(at);
                    }
                    _ => bytes.insert(at, b"{}[],:\"\\0e-"[rng.random_range(0..11)]),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            bytes
        }
        60..70 => {
            let items: Vec<Value> = (0..rng.random_range(0..12))
                .map(|_| {
                    if rng.random_bool(0.8) {
                        call(rng, methods)
                    } else {
                        value(rng, 0)
                    }
                })
                .collect();
            Value::Array(items).to_string().into_bytes()
        }
        70..80 => {
            let call = call(rng, methods).to_string();
            // A member repeated: the second `method`, `id` or param.
            call.replacen(
                "\"jsonrpc\"",
                &format!(
                    "\"{}\":{},\"jsonrpc\"",
                    ["method", "id", "params"][rng.random_range(0..3)],
                    value(rng, 2)
                ),
                1,
            )
            .into_bytes()
        }
        80..85 => {
            let depth = rng.random_range(100..3000);
            let open = if rng.random() { "[" } else { "{\"a\":" };
            let mut text = open.repeat(depth);
            if rng.random() {
                text.push_str(&"]".repeat(depth));
            }
            text.into_bytes()
        }
        85..92 => value(rng, 0).to_string().into_bytes(),
        92..96 => format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"crm.getRecords\"}}",
            [
                "1e400",
                "-0",
                "18446744073709551616",
                "1.0e-400",
                "\"\\ud800\"",
                "[]"
            ][rng.random_range(0..6)]
        )
        .into_bytes(),
        _ => (0..rng.random_range(0..200))
            .map(|_| rng.random())
            .collect(),
    }
}

async fn fuzz(count: usize, seed: u64) {
    let target = Target::start().await;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for n in 0..count {
        let body = body(&mut rng, &target.methods);
        let (status, answer) = target.send(body.clone()).await;
        *statuses.entry(status).or_default() += 1;
        let shown = || {
            String::from_utf8_lossy(&body)
                .chars()
                .take(300)
                .collect::<String>()
        };
        assert!(status < 500, "body {n} got {status}: {}", shown());
        if status == 200 {
            let answer: Value = serde_json::from_slice(&answer).unwrap_or_else(|err| {
                panic!("body {n}: the answer is not JSON ({err}): {}", shown())
            });
            let answers = answer.as_array().cloned().unwrap_or_else(|| vec![answer]);
            for one in answers {
                assert_eq!(one["jsonrpc"], "2.0", "body {n}: {}", shown());
                if let Some(code) = one["error"]["code"].as_i64() {
                    assert_ne!(
                        code,
                        -32603,
                        "body {n} was an internal error: {one} for {}",
                        shown()
                    );
                }
            }
        }
    }
    eprintln!("{count} bodies, answers by HTTP status: {statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_mixed_bodies_get_no_panic_and_no_5xx() {
    fuzz(20_000, 14).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a few minutes; run with --ignored"]
async fn fuzz_250_000_bodies() {
    fuzz(250_000, 250).await;
}
