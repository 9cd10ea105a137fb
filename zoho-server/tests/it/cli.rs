//! The built `zoho-server` binary, run as a user would.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

fn zoho_server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zoho-server"));
    command.env_remove("RUST_LOG");
    command
}

fn run(args: &[&str]) -> Output {
    zoho_server().args(args).output().unwrap()
}

/// A child process whose stdout lines arrive on a channel and whose stderr is collected (both
/// drained as they come, so a chatty child never blocks on a full pipe); killed when dropped.
struct Spawned {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Spawned {
    fn start(command: &mut Command) -> Spawned {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let stderr = Some(std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        }));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Spawned {
            child,
            lines,
            stderr,
        }
    }

    /// The first stdout line containing `needle` (waiting for it; the process is slow to start
    /// only while it seeds the sandbox).
    fn line_with(&self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(err) => panic!("no line with `{needle}` on stdout: {err}"),
            }
        }
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.child.wait().unwrap()
    }

    /// Everything the child wrote on stderr; call after it exited.
    fn stderr(&mut self) -> String {
        self.stderr
            .take()
            .map(|reader| reader.join().unwrap())
            .unwrap_or_default()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `http://127.0.0.1:PORT` from the banner line `zoho-server: JSON-RPC on http://ADDR/rpc`.
fn rpc_url(banner: &str) -> String {
    let start = banner.find("http://").unwrap();
    banner[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn call_prints_records_from_the_sandbox() {
    let output = run(&[
        "call",
        "crm.getRecords",
        r#"{"recordType":"Leads","fields":["Last_Name"]}"#,
        "--sandbox",
        "--sandbox-records",
        "30",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let leads = result["data"].as_array().unwrap();
    assert_eq!(
        leads.len(),
        30,
        "--sandbox-records 30 seeds 30 Leads, all on the first page"
    );
    assert!(
        leads.iter().all(|lead| lead["Last_Name"].is_string()),
        "{result:#}"
    );
}

/// Runs `zoho-server ARGS` with `input` on its stdin.
fn run_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = zoho_server()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, input.as_bytes()).unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[test]
fn call_reads_params_from_stdin_when_they_are_a_dash() {
    let args = [
        "call",
        "crm.getRecords",
        "-",
        "--sandbox",
        "--sandbox-records",
        "3",
    ];
    let output = run_with_stdin(
        &args,
        r#"{"recordType": "Leads", "fields": ["Last_Name"], "perPage": 2}"#,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["data"].as_array().unwrap().len(), 2, "{result:#}");

    let output = run_with_stdin(&args, "[1, 2]");
    assert_eq!(
        output.status.code(),
        Some(2),
        "not an object is a usage error"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("PARAMS_JSON must be a JSON object"),
        "{stderr}"
    );
}

#[test]
fn call_jsonl_streams_every_record_of_an_export_once_per_line() {
    // 2,500 Leads: the export crosses the 2,000-record page limit onto page tokens.
    let output = run(&[
        "call",
        "crm.getRecords",
        r#"{"recordType":"Leads","fields":["Last_Name"],"fetchAll":true}"#,
        "--sandbox",
        "--sandbox-records",
        "2500",
        "--jsonl",
    ]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let ids: Vec<String> = stdout
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            assert!(record["Last_Name"].is_string(), "{line}");
            record["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 2500);
    assert_eq!(unique.len(), 2500, "every record exactly once");

    let refused = run(&[
        "call",
        "crm.getRecord",
        r#"{"recordType":"Leads","recordId":"1"}"#,
        "--sandbox",
        "--jsonl",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not list records"));
}

#[test]
fn a_failed_call_prints_the_error_on_stderr_and_exits_non_zero() {
    let output = run(&[
        "call",
        "crm.getRecord",
        r#"{"recordType":"Leads","recordId":"42"}"#,
        "--sandbox",
        "--sandbox-records",
        "5",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("-32005"), "{stderr}");

    let bad_json = run(&["call", "crm.getRecords", "{recordType: Leads}", "--sandbox"]);
    assert_eq!(bad_json.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_json.stderr).contains("PARAMS_JSON"));
}

#[test]
fn a_bad_worker_thread_count_is_named_instead_of_a_panic() {
    for bad in ["0", "many"] {
        let output = zoho_server()
            .args(["serve", "--sandbox", "--listen", "127.0.0.1:0"])
            .env("TOKIO_WORKER_THREADS", bad)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "TOKIO_WORKER_THREADS={bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("TOKIO_WORKER_THREADS") && stderr.contains(&format!("`{bad}`")),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn call_with_debug_request_logs_the_request_on_stderr_with_the_token_redacted() {
    let output = run(&[
        "call",
        "crm.getRecords",
        r#"{"recordType":"Leads","fields":["Last_Name"],"perPage":1,"debugRequest":true}"#,
        "--sandbox",
        "--sandbox-records",
        "5",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    assert!(
        stderr.contains("/crm/v3/Leads?") && stderr.contains("Zoho-oauthtoken [redacted]"),
        "debugRequest logs the request even without RUST_LOG: {stderr}"
    );

    let quiet = run(&[
        "call",
        "crm.getRecords",
        r#"{"recordType":"Leads","fields":["Last_Name"],"perPage":1}"#,
        "--sandbox",
        "--sandbox-records",
        "5",
    ]);
    assert!(quiet.status.success());
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains("/crm/v3/Leads"),
        "without debugRequest the request is not logged"
    );
}

#[test]
fn methods_lists_each_method_with_a_summary() {
    let output = run(&["methods"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut listed: Vec<&str> = lines
        .iter()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    listed.sort_unstable();
    let mut expected: Vec<&str> = zoho_actions::METHODS.iter().map(|m| m.name).collect();
    expected.push("rpc.discover");
    expected.extend(zoho_server::connections_api::METHODS);
    expected.extend(zoho_server::events::methods::METHODS);
    expected.sort_unstable();
    assert_eq!(
        listed, expected,
        "every action, connections.*, subscriptions.*, events.read and rpc.discover:\n{text}"
    );
    let get_records = lines
        .iter()
        .find(|l| l.starts_with("crm.getRecords "))
        .unwrap();
    assert!(
        get_records["crm.getRecords".len()..].trim().len() > 5,
        "{get_records}"
    );
}

#[test]
fn a_non_loopback_address_without_an_api_key_is_refused() {
    let output = run(&["serve", "--listen", "0.0.0.0:0", "--sandbox"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--api-key-env"), "{stderr}");
}

#[tokio::test]
async fn with_an_api_key_calls_without_the_bearer_get_401() {
    let mut server = Spawned::start(
        zoho_server()
            .args([
                "serve",
                "--listen",
                "0.0.0.0:0",
                "--sandbox",
                "--sandbox-records",
                "5",
                "--api-key-env",
                "TEST_ZOHO_KEY",
            ])
            .env("TEST_ZOHO_KEY", "k-0123456789abcdef-xyz"),
    );
    let url = rpc_url(&server.line_with("JSON-RPC on"));
    server.line_with("curl");
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "crm.getRecords",
                      "params": {"recordType": "Leads", "fields": ["Last_Name"]}});
    let client = reqwest::Client::new();
    let anonymous = client.post(&url).json(&body).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let holder = client
        .post(&url)
        .json(&body)
        .bearer_auth("k-0123456789abcdef-xyz")
        .send()
        .await
        .unwrap();
    assert_eq!(holder.status(), 200);
    let answer: Value = holder.json().await.unwrap();
    assert!(answer["result"]["data"].is_array(), "{answer:#}");
    assert!(server.terminate().success());
    assert!(
        !server.stderr().contains("k-0123456789abcdef-xyz"),
        "the key never reaches the log"
    );
}

#[tokio::test]
async fn sigterm_lets_a_slow_call_finish_then_exits_zero() {
    let mut server = Spawned::start(zoho_server().args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--sandbox",
        "--sandbox-records",
        "5",
    ]));
    let url = rpc_url(&server.line_with("JSON-RPC on"));
    let sandbox_line = server.line_with("sandbox at");
    let sandbox = sandbox_line[sandbox_line.find("http://").unwrap()..]
        .split(';')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let client = reqwest::Client::new();
    let faults = client
        .post(format!("{sandbox}/__sandbox/faults"))
        .json(&json!({"latency_ms": 1500}))
        .send()
        .await
        .unwrap();
    assert!(faults.status().is_success());

    let body = json!({"jsonrpc": "2.0", "id": "slow", "method": "crm.getRecords",
                      "params": {"recordType": "Leads", "fields": ["Last_Name"]}});
    let slow = tokio::spawn(client.post(&url).json(&body).send());
    // The call is in flight once the sandbox counts it (beside the stats request itself);
    // poll its stats rather than guess a delay.
    loop {
        let stats: Value = client
            .get(format!("{sandbox}/__sandbox/stats"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if stats["in_flight"].as_u64().unwrap() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = tokio::task::spawn_blocking(move || {
        let status = server.terminate();
        (status, server)
    });
    let answer = slow.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["id"], "slow");
    assert!(
        answer["result"]["data"].is_array(),
        "the call in flight finished: {answer:#}"
    );
    let (status, _server) = status.await.unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_login_stores_tokens_that_later_calls_use() {
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zoho.toml");
    std::fs::write(
        &config,
        format!(
            "[connections.default]\nclient_id = \"{}\"\nclient_secret_env = \"TEST_SANDBOX_SECRET\"\n\
             accounts_url = \"{base}\"\napi_base_url = \"{base}\"\ntoken_store = \"tokens/default.json\"\n",
            zoho_sandbox::CLIENT_ID,
            base = sandbox.base_url()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap().to_owned();
    let with_secret = |command: &mut Command| {
        command.env("TEST_SANDBOX_SECRET", zoho_sandbox::CLIENT_SECRET);
    };

    let mut login_command = zoho_server();
    login_command.args([
        "auth",
        "login",
        "--config",
        &config,
        "--listen",
        "127.0.0.1:0",
    ]);
    with_secret(&mut login_command);
    let mut login = Spawned::start(&mut login_command);
    let consent_url = login.line_with("/oauth/v2/auth");
    let redirect = zoho_server::sandbox::accept_consent(consent_url.trim())
        .await
        .unwrap();
    let callback = reqwest::get(redirect).await.unwrap();
    assert_eq!(callback.status(), 200, "{}", callback.text().await.unwrap());
    login.line_with("is authorized");
    let status = tokio::task::spawn_blocking(move || {
        let status = login.child.wait().unwrap();
        (status, login)
    })
    .await
    .unwrap()
    .0;
    assert!(status.success());
    let stored = std::fs::read_to_string(dir.path().join("tokens/default.json")).unwrap();
    assert!(
        stored.contains("refresh_token"),
        "the token file holds the refresh token"
    );

    // A new process, with nothing but the file and the environment.
    let mut call = zoho_server();
    call.args([
        "call",
        "crm.getRecords",
        r#"{"recordType":"Leads","fields":["Last_Name"],"perPage":2}"#,
        "--config",
        &config,
    ]);
    with_secret(&mut call);
    let output = tokio::task::spawn_blocking(move || call.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["data"].as_array().unwrap().len(), 2);
}

#[test]
fn auth_login_refuses_a_connection_whose_tokens_would_be_lost() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zoho.toml");
    std::fs::write(&config, "[connections.default]\nclient_id = \"1000.A\"\n").unwrap();
    let output = run(&[
        "auth",
        "login",
        "--config",
        config.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("token_store"));
}

#[tokio::test]
async fn json_logs_carry_a_request_id_and_no_secret() {
    let mut server = Spawned::start(
        zoho_server()
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--sandbox",
                "--sandbox-records",
                "5",
                "--log-format",
                "json",
            ])
            .env("RUST_LOG", "debug"),
    );
    let url = rpc_url(&server.line_with("JSON-RPC on"));
    server.line_with("curl");
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "crm.getRecords",
                      "params": {"recordType": "Leads", "fields": ["Last_Name"], "debugRequest": true}});
    let answer: Value = reqwest::Client::new()
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(answer["result"]["data"].is_array(), "{answer:#}");
    assert!(server.terminate().success());
    let log = server.stderr();
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(
        lines
            .iter()
            .any(|line| line.to_string().contains("request_id")
                && line.to_string().contains("call succeeded")),
        "{log}"
    );
    assert!(
        !log.contains(zoho_sandbox::CLIENT_SECRET),
        "the client secret is never logged"
    );
    assert!(
        log.contains("Zoho-oauthtoken [redacted]"),
        "debugRequest logged the request: {log}"
    );
    assert!(
        !log.contains("Zoho-oauthtoken 1000."),
        "no access token is logged"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_points_at_oauth_start_and_the_browser_flow_authorizes_the_connection() {
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zoho.toml");
    std::fs::write(
        &config,
        format!(
            "[connections.default]\nclient_id = \"{}\"\nclient_secret_env = \"TEST_SANDBOX_SECRET\"\n\
             accounts_url = \"{base}\"\napi_base_url = \"{base}\"\n",
            zoho_sandbox::CLIENT_ID,
            base = sandbox.base_url()
        ),
    )
    .unwrap();
    let mut command = zoho_server();
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--config",
            config.to_str().unwrap(),
        ])
        .env("TEST_SANDBOX_SECRET", zoho_sandbox::CLIENT_SECRET);
    let server = Spawned::start(&mut command);
    let url = rpc_url(&server.line_with("JSON-RPC on"));
    let hint = server.line_with("has no tokens yet");
    let start = &hint[hint.find("http://").unwrap()..];
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "crm.getRecords",
                      "params": {"recordType": "Leads", "fields": ["Last_Name"]}});
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let before: Value = client
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(before["error"]["code"], -32002, "{before:#}");
    // `auth login` cannot bind the address this server holds: the step is its /oauth/start.
    let next_step = before["error"]["data"]["nextStep"].as_str().unwrap();
    assert!(next_step.contains(start), "{next_step}");

    let consent = client.get(start).send().await.unwrap();
    assert_eq!(consent.status(), 302);
    let consent_url = consent.headers()["location"].to_str().unwrap().to_owned();
    let redirect = zoho_server::sandbox::accept_consent(&consent_url)
        .await
        .unwrap();
    let callback = client.get(redirect).send().await.unwrap();
    assert_eq!(callback.status(), 200, "{}", callback.text().await.unwrap());

    let after: Value = client
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["result"]["data"].as_array().unwrap().len(),
        5,
        "{after:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_login_ends_with_an_error_when_the_user_denies_consent() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("zoho.toml");
    std::fs::write(
        &config,
        "[connections.default]\nclient_id = \"1000.A\"\nclient_secret_env = \"TEST_SECRET\"\n\
         region_url = \"eu\"\ntoken_store = \"tokens.json\"\n",
    )
    .unwrap();
    let mut command = zoho_server();
    command
        .args([
            "auth",
            "login",
            "--config",
            config.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .env("TEST_SECRET", "not-a-real-secret");
    let mut login = Spawned::start(&mut command);
    let consent_url = login.line_with("https://accounts.zoho.eu/oauth/v2/auth");
    assert!(consent_url.contains("client_id=1000.A"), "{consent_url}");
    let waiting = login.line_with("Waiting for Zoho to redirect to");
    let callback = waiting[waiting.find("http://").unwrap()..]
        .trim_end_matches(" ...")
        .to_owned();
    // Someone else opening the callback with an error does not end the login.
    let forged = reqwest::get(format!("{callback}?error=access_denied"))
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    // What Zoho sends back when the user presses Deny: the error with the flow's state.
    let state = url::Url::parse(consent_url.trim())
        .unwrap()
        .query_pairs()
        .find(|(key, _)| key == "state")
        .unwrap()
        .1
        .into_owned();
    let denied = reqwest::get(format!("{callback}?error=access_denied&state={state}"))
        .await
        .unwrap();
    assert_eq!(denied.status(), 400);
    let status = tokio::task::spawn_blocking(move || {
        let status = login.child.wait().unwrap();
        (status, login.stderr())
    })
    .await
    .unwrap();
    assert_eq!(status.0.code(), Some(1));
    assert!(status.1.contains("access_denied"), "{}", status.1);
    assert!(!dir.path().join("tokens.json").exists());
}
