//! Subscriptions on real `zoho-server` processes: one killed and restarted mid-stream on a file
//! store, and two sharing a Redis store that renew one channel and deliver each event once to a
//! webhook that goes away for 30 seconds.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::BodyExt;
use serde_json::{Value, json};
use zoho_server::connections::Connections;

use crate::created::{STORE_KEY, write_config_with};
use crate::fleet::redis_support::RedisServer;

const WEBHOOK_SECRET: &str = "whsec-for-the-test-0123456789";

/// A `zoho-server serve` on `port`; SIGKILLed when dropped.
struct Proc {
    child: Child,
    base: String,
}

impl Proc {
    fn start(config: &Path, port: u16) -> Proc {
        let mut child = Command::new(env!("CARGO_BIN_EXE_zoho-server"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--config",
            ])
            .arg(config)
            .env_remove("RUST_LOG")
            .env("TEST_SANDBOX_SECRET", zoho_sandbox::CLIENT_SECRET)
            .env("TEST_STORE_KEY", STORE_KEY)
            .env("TEST_WEBHOOK_SECRET", WEBHOOK_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        loop {
            let line = lines
                .next()
                .expect("the server ended before its banner")
                .unwrap();
            if line.contains("JSON-RPC on http://") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Proc {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn ok(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let answer: Value = reqwest::Client::new()
            .post(format!("{}/rpc", self.base))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(answer.get("error").is_none(), "{method}: {answer:#}");
        answer["result"].clone()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A config of one app on `sandbox` with `store`, and quick event workers.
fn config(dir: &Path, sandbox: &str, store: &str) -> PathBuf {
    let path = write_config_with(dir, sandbox, store, "");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n[events]\ntick_ms = 50\nlease_secs = 2\nwebhook_max_backoff_secs = 1\n");
    std::fs::write(&path, text).unwrap();
    path
}

/// Create connection `acme` through `proc` and accept its consent.
async fn consent(proc: &Proc) {
    let created = proc
        .ok(
            "connections.create",
            json!({"name": "acme", "regionUrl": "eu"}),
        )
        .await;
    let redirect = zoho_server::sandbox::accept_consent(created["authorizeUrl"].as_str().unwrap())
        .await
        .unwrap();
    let callback = reqwest::get(redirect.as_str()).await.unwrap();
    assert_eq!(callback.status(), 200);
}

/// A connection of the test's own to the sandbox, to change records while servers are down.
async fn writer(sandbox: &zoho_sandbox::Sandbox) -> Connections {
    let connection = zoho_core::Connection::new(
        "writer",
        zoho_core::ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, sandbox.base_url()),
        zoho_core::Secret::new(zoho_sandbox::CLIENT_SECRET),
    )
    .unwrap();
    let mut connections = Connections::new();
    connections
        .insert(connection, &reqwest::Client::new().into())
        .unwrap();
    let flows = connections.oauth_flows("http://127.0.0.1:9/oauth/callback");
    zoho_server::sandbox::authorize(&flows, "writer", false)
        .await
        .unwrap();
    connections
}

async fn write(writer: &Connections, method: &str, params: Value) -> Value {
    let mut params = params;
    params["connection"] = json!("writer");
    zoho_actions::dispatch(method, params, writer)
        .await
        .unwrap()
}

async fn create_leads(writer: &Connections, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let created = write(
            writer,
            "crm.createRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": format!("Fleet {i}")}}),
        )
        .await;
        ids.push(created["details"]["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// Events of `subscription` read through `proc` after `after` until `count` came; the events
/// and the last cursor.
async fn read_until(
    proc: &Proc,
    subscription: &str,
    mut after: Option<String>,
    count: usize,
) -> (Vec<Value>, Option<String>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut events = Vec::new();
    while events.len() < count && tokio::time::Instant::now() < deadline {
        let page = proc
            .ok(
                "events.read",
                json!({"subscription": subscription, "after": after, "waitMs": 500}),
            )
            .await;
        events.extend(page["events"].as_array().cloned().unwrap_or_default());
        if let Some(next) = page["next"].as_str() {
            after = Some(next.to_owned());
        }
    }
    (events, after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_stream_and_restarted_continues_from_the_cursor_losing_and_repeating_nothing()
 {
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        sandbox.base_url(),
        "kind = \"file\"\npath = \"state\"",
    );
    let port = free_port();
    let first = Proc::start(&config, port);
    consent(&first).await;
    let subscription = first
        .ok(
            "subscriptions.create",
            json!({"connection": "acme", "source": "crm.notifications", "recordTypes": ["Leads"], "intervalSecs": 1}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let writer = writer(&sandbox).await;
    let mut made = create_leads(&writer, 10).await;
    let (before, cursor) = read_until(&first, &subscription, None, 10).await;
    assert_eq!(before.len(), 10);
    drop(first); // SIGKILL
    made.extend(create_leads(&writer, 5).await);
    let second = Proc::start(&config, port);
    made.extend(create_leads(&writer, 5).await);
    let (after, _) = read_until(&second, &subscription, cursor, 10).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (extra, _) = read_until(&second, &subscription, None, usize::MAX).await;
    let mut ids = HashSet::new();
    for event in before.iter().chain(&after) {
        assert!(
            ids.insert(event["id"].as_str().unwrap().to_owned()),
            "repeated: {event:#}"
        );
        assert_eq!(event["operation"], "create");
    }
    let seen: HashSet<&str> = before
        .iter()
        .chain(&after)
        .map(|e| e["recordId"].as_str().unwrap())
        .collect();
    let expected: HashSet<&str> = made.iter().map(String::as_str).collect();
    assert_eq!(
        seen, expected,
        "every record created, before, during and after the kill"
    );
    assert_eq!(extra.len(), 20, "the log holds each event once");

    // `events tail` prints the same log as JSON lines.
    let tail = Command::new(env!("CARGO_BIN_EXE_zoho-server"))
        .args([
            "events",
            "tail",
            "--no-follow",
            "--subscription",
            &subscription,
            "--config",
        ])
        .arg(&config)
        .env("TEST_STORE_KEY", STORE_KEY)
        .output()
        .unwrap();
    assert!(
        tail.status.success(),
        "{}",
        String::from_utf8_lossy(&tail.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(tail.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines, extra);
    // The channel token is sealed in the store's file.
    let record = std::fs::read_to_string(
        dir.path()
            .join("state/subscriptions")
            .join(format!("{subscription}.json")),
    )
    .unwrap();
    assert!(record.contains("\"tokenSealed\": \"v1."), "{record}");
}

/// A webhook receiver: keeps each delivery (body and signature header); answers 503 while down.
async fn receiver(down: Arc<AtomicBool>) -> (String, Arc<Mutex<Vec<(Vec<u8>, String)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let kept = Arc::new(Mutex::new(Vec::new()));
    let deliveries = kept.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            let down = down.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let kept = kept.clone();
                        let down = down.clone();
                        async move {
                            let signature = req
                                .headers()
                                .get("zoho-rs-signature")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned();
                            let bytes = req.into_body().collect().await?.to_bytes();
                            let mut response =
                                hyper::Response::new(http_body_util::Empty::<bytes::Bytes>::new());
                            if down.load(Ordering::SeqCst) {
                                *response.status_mut() = hyper::StatusCode::SERVICE_UNAVAILABLE;
                            } else {
                                kept.lock().unwrap().push((bytes.to_vec(), signature));
                            }
                            Ok::<_, hyper::Error>(response)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, deliveries)
}

/// Whether `header` (`t=UNIX,v1=HEX`) signs `body` with the test's secret.
fn signed(body: &[u8], header: &str) -> bool {
    let parts: HashMap<&str, &str> = header
        .split(',')
        .filter_map(|p| p.split_once('='))
        .collect();
    let (Some(t), Some(v1)) = (parts.get("t"), parts.get("v1")) else {
        return false;
    };
    let Ok(tag) = (0..v1.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(v1.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, WEBHOOK_SECRET.as_bytes());
    ring::hmac::verify(&key, &message, &tag).is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_redis_keep_one_channel_and_a_webhook_gets_every_event_once_across_a_30_s_outage()
 {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        sandbox.base_url(),
        &format!("kind = \"redis\"\nurl = \"{}\"", redis.url()),
    );
    let a = Proc::start(&config, free_port());
    let b = Proc::start(&config, free_port());
    consent(&a).await;
    let down = Arc::new(AtomicBool::new(false));
    let (url, deliveries) = receiver(down.clone()).await;
    let subscription = b
        .ok(
            "subscriptions.create",
            json!({"connection": "acme", "source": "crm.notifications", "recordTypes": ["Leads"], "intervalSecs": 1,
                   "deliver": {"webhookUrl": url, "secretEnv": "TEST_WEBHOOK_SECRET"}}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let writer = writer(&sandbox).await;
    create_leads(&writer, 5).await;
    let delivered = |n: usize| {
        let deliveries = deliveries.clone();
        async move {
            for _ in 0..200 {
                if deliveries.lock().unwrap().len() >= n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    delivered(5).await;
    down.store(true, Ordering::SeqCst);
    create_leads(&writer, 10).await;
    // Give the changes time to become events (on whichever instance), then the outage runs on.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let failing = a.ok("subscriptions.get", json!({"id": subscription})).await;
    assert_eq!(failing["deliver"]["failing"], true, "{failing:#}");
    assert!(
        failing["deliver"]["lastError"]
            .as_str()
            .unwrap()
            .contains("503"),
        "{failing:#}"
    );
    tokio::time::sleep(Duration::from_secs(27)).await;
    down.store(false, Ordering::SeqCst);
    delivered(15).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let deliveries = deliveries.lock().unwrap().clone();
    let mut ids = HashSet::new();
    for (body, signature) in &deliveries {
        assert!(signed(body, signature), "a bad signature: {signature}");
        let event: Value = serde_json::from_slice(body).unwrap();
        assert!(
            ids.insert(event["id"].as_str().unwrap().to_owned()),
            "delivered twice: {event:#}"
        );
        assert_eq!(event["subscription"], subscription.as_str());
    }
    assert_eq!(ids.len(), 15, "every event once");
    let got = b.ok("subscriptions.get", json!({"id": subscription})).await;
    assert_eq!(got["deliver"]["failing"], false, "{got:#}");
    assert_eq!(got["deliver"]["delivered"], 15, "{got:#}");
    // One channel at Zoho for the fleet.
    let channels = write(
        &writer,
        "crm.getNotificationDetails",
        json!({"module": "Leads"}),
    )
    .await;
    assert_eq!(
        channels["watch"].as_array().unwrap().len(),
        1,
        "{channels:#}"
    );
    assert_eq!(got["channel"]["created"], 1, "{got:#}");
    let dump = redis.dump();
    assert!(dump.contains(":log"), "{dump}");
    let details = &channels["watch"][0];
    assert!(
        !dump.contains(details["token"].as_str().unwrap()),
        "the channel token is sealed in Redis"
    );
}
