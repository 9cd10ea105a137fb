//! The actions as MCP tools: the official MCP Python SDK (a client nobody here wrote) lists them
//! and calls them over stdio and Streamable HTTP; and the transport rules of `POST /mcp`.
//!
//! The SDK lives in a venv made by `.ci/mcp-sdk.sh` (`$ZOHO_MCP_VENV`, default
//! `target/mcp-venv`). Under CI a missing SDK fails the tests; elsewhere they are skipped with a
//! message saying how to install it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::oneshot;
use zoho_core::Secret;
use zoho_server::actions::Actions;
use zoho_server::api_key::ApiKey;
use zoho_server::connections::Connections;
use zoho_server::http::App;
use zoho_server::mcp::{Catalog, catalog::MCP_PER_PAGE, version};
use zoho_server::rpc::{Limits, Rpc};
use zoho_server::server::Server;

use crate::support::Running;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// The venv's Python with the SDK, or `None` (after saying so loudly) outside CI.
fn sdk_python() -> Option<PathBuf> {
    let venv = std::env::var_os("ZOHO_MCP_VENV").map_or_else(
        || workspace().join("target/mcp-venv"),
        |v| workspace().join(v),
    );
    let python = venv.join("bin/python");
    if python.exists() {
        return Some(python);
    }
    let how = format!(
        "the official MCP SDK is not installed at {}; run `bash .ci/mcp-sdk.sh` first",
        venv.display()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{how}");
    eprintln!("\n*** SKIPPED an MCP SDK test: {how} ***\n");
    None
}

/// Run the SDK client script with `args`; its JSON report.
async fn sdk_report(python: PathBuf, args: Vec<String>) -> Value {
    let script = workspace().join("zoho-server/tests/mcp/sdk_client.py");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the SDK client failed:\n{stderr}");
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("the SDK client's report is not JSON ({err}):\n{stderr}"))
}

/// What a user of the SDK would check: the tools are exactly the spec's actions, and a read and
/// a write went through. Returns the id of the record written.
fn check_report(report: &Value) -> String {
    let served = report["protocolVersion"].as_str().unwrap();
    assert!(version::SUPPORTED.contains(&served), "{served}");

    let tools = report["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let methods: Vec<&str> = zoho_actions::METHODS.iter().map(|m| m.name).collect();
    assert_eq!(names, methods, "the tools are exactly the spec's actions");
    assert!(report["nextCursor"].is_null());
    let catalog = Catalog::builtin().unwrap();
    for (tool, method) in tools.iter().zip(zoho_actions::METHODS) {
        assert_eq!(tool["title"], method.label);
        let hints = &tool["annotations"];
        assert_eq!(hints["readOnlyHint"], method.read_only, "{}", method.name);
        assert_eq!(
            hints["destructiveHint"], method.destructive,
            "{}",
            method.name
        );
        assert_eq!(
            hints["idempotentHint"], method.idempotent,
            "{}",
            method.name
        );
        let params: Value = serde_json::from_str(method.params_schema).unwrap();
        let schema = &tool["inputSchema"];
        assert_eq!(schema["required"], params["required"], "{}", method.name);
        let keys = |s: &Value| -> Vec<String> {
            s["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(keys(schema), keys(&params), "{}", method.name);
        assert_eq!(
            tool,
            &catalog.tool(method.name).unwrap().listing,
            "the SDK kept every field of {}",
            method.name
        );
    }

    let calls = &report["calls"];
    let read = &calls["read"];
    assert_ne!(read["isError"], true, "{read:#}");
    let records = read["structuredContent"]["data"].as_array().unwrap();
    assert_eq!(
        records.len() as u64,
        MCP_PER_PAGE,
        "the MCP page size applies"
    );
    assert!(records.iter().all(|r| r["Last_Name"].is_string()));
    let note = read["content"][1]["text"].as_str().unwrap();
    assert!(note.contains("\"page\": 2"), "{note}");

    let write = &calls["write"]["structuredContent"];
    assert_eq!(write["code"], "SUCCESS", "{:#}", calls["write"]);
    let id = write["details"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        calls["readBack"]["structuredContent"]["Last_Name"],
        "Lovelace"
    );

    // Each typed result passed the SDK's check against the tool's outputSchema on the way.
    for call in [
        "update",
        "coql",
        "books.getRecords",
        "books.createRecord",
        "books.getRecord",
        "books.updateRecord",
        "books.removeRecord",
    ] {
        let answer = &calls[call];
        assert!(
            answer["structuredContent"].is_object(),
            "{call}: {answer:#}"
        );
        assert_ne!(answer["isError"], true, "{call}: {answer:#}");
    }
    assert_eq!(
        calls["books.updateRecord"]["structuredContent"]["contact_name"],
        "Babbage & Co"
    );

    let download = &calls["download"]["content"][0];
    assert_eq!(download["type"], "resource", "{download:#}");
    assert_eq!(download["resource"]["blob"], report["sentBytes"]);

    for (call, code) in [("refused", -32001), ("missing", -32005)] {
        let answer = &calls[call];
        assert_eq!(answer["isError"], true, "{answer:#}");
        let error: Value =
            serde_json::from_str(answer["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(error["error"]["code"], code, "{answer:#}");
    }
    let refused: Value =
        serde_json::from_str(calls["refused"]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(refused["error"]["data"]["zohoCode"], "MANDATORY_NOT_FOUND");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_sdk_lists_and_calls_the_tools_over_stdio() {
    let Some(python) = sdk_python() else { return };
    let binary = env!("CARGO_BIN_EXE_zoho-server").to_owned();
    let report = sdk_report(python, vec!["--stdio".into(), binary]).await;
    check_report(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_sdk_lists_and_calls_the_tools_over_http() {
    let Some(python) = sdk_python() else { return };
    let running = Running::start(30).await;
    let report = sdk_report(python, vec!["--url".into(), running.url("/mcp")]).await;
    let id = check_report(&report);
    let stored = running
        .ok(
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": id}),
        )
        .await;
    assert_eq!(stored["Email"], "ada@example.com", "the write reached Zoho");
    running.shut_down().await.unwrap();
}

async fn post(running: &Running, headers: &[(&str, &str)], body: Value) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(running.url("/mcp"))
        .header("content-type", "application/json");
    if !headers.iter().any(|(name, _)| *name == "accept") {
        request = request.header("accept", "application/json, text/event-stream");
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.body(body.to_string()).send().await.unwrap()
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"}}})
}

#[tokio::test]
async fn http_answers_json_keeps_no_session_and_accepts_notifications_with_202() {
    let running = Running::start(5).await;
    let answer = post(&running, &[], initialize()).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "application/json");
    assert!(answer.headers().get("mcp-session-id").is_none());
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["result"]["protocolVersion"], "2025-06-18");

    let notified = post(
        &running,
        &[("mcp-protocol-version", "2025-06-18")],
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .await;
    assert_eq!(notified.status(), 202);
    assert!(notified.bytes().await.unwrap().is_empty());

    let stream = reqwest::Client::new()
        .get(running.url("/mcp"))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 405);
    assert_eq!(stream.headers()["allow"], "POST");
    running.shut_down().await.unwrap();
}

#[tokio::test]
async fn http_refuses_unserved_versions_foreign_pages_and_other_media() {
    let running = Running::start(5).await;
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});

    let unserved = post(
        &running,
        &[("mcp-protocol-version", "1999-01-01")],
        ping.clone(),
    )
    .await;
    assert_eq!(unserved.status(), 400);
    let error: Value = unserved.json().await.unwrap();
    assert_eq!(
        error["error"]["data"]["supported"],
        json!(version::SUPPORTED)
    );

    let foreign = post(&running, &[("origin", "http://evil.example")], ping.clone()).await;
    assert_eq!(foreign.status(), 403);
    let local = post(
        &running,
        &[("origin", "http://localhost:5173")],
        ping.clone(),
    )
    .await;
    assert_eq!(local.status(), 200);

    let html_only = post(&running, &[("accept", "text/html")], ping.clone()).await;
    assert_eq!(html_only.status(), 406);
    let form = reqwest::Client::new()
        .post(running.url("/mcp"))
        .header("content-type", "text/plain")
        .body(ping.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    running.shut_down().await.unwrap();
}

#[tokio::test]
async fn http_with_an_api_key_needs_the_bearer_as_rpc_does() {
    let key = ApiKey::new(Secret::new("mcp-test-key-0123456789")).unwrap();
    let server = Server::bind("127.0.0.1:0".parse().unwrap(), Some(&key))
        .await
        .unwrap();
    let url = format!("http://{}/mcp", server.local_addr());
    let app = App {
        rpc: Rpc::new(
            Arc::new(Actions::new(Arc::new(Connections::new()))),
            Limits::default(),
        ),
        api_key: Some(key),
        oauth: None,
        events: None,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(
        app,
        async {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    let send = |bearer: Option<&'static str>| {
        let mut request = reqwest::Client::new()
            .post(&url)
            .header("content-type", "application/json")
            .body(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string());
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        request.send()
    };
    let without = send(None).await.unwrap();
    assert_eq!(without.status(), 401);
    assert_eq!(without.headers()["www-authenticate"], "Bearer");
    let wrong = send(Some("not-the-key-0123456789")).await.unwrap();
    assert_eq!(wrong.status(), 401);
    let with = send(Some("mcp-test-key-0123456789")).await.unwrap();
    assert_eq!(with.status(), 200);
    let listed: Value = with.json().await.unwrap();
    assert_eq!(
        listed["result"]["tools"].as_array().unwrap().len(),
        zoho_actions::METHODS.len()
    );
    let _ = stop.send(());
    serving.await.unwrap().unwrap();
}

#[test]
fn mcp_without_a_usable_config_says_why_on_stderr_and_keeps_stdout_clean() {
    let output = Command::new(env!("CARGO_BIN_EXE_zoho-server"))
        .args(["mcp", "--config", "/nonexistent/zoho.toml"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "stdout is for MCP messages only");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/zoho.toml"), "{stderr}");
}

/// The result of `tools/call` over `POST /mcp`: (the records shown, the note after them).
async fn bulk_read_over_mcp(running: &Running, arguments: Value) -> (Value, Option<String>) {
    let answer: Value = post(
        running,
        &[("mcp-protocol-version", "2025-06-18")],
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
               "params": {"name": "crm.bulkRead", "arguments": arguments}}),
    )
    .await
    .json()
    .await
    .unwrap();
    let result = &answer["result"];
    assert!(result.get("isError").is_none(), "{answer:#}");
    let shown: Value =
        serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
    let note = result["content"][1]["text"].as_str().map(str::to_owned);
    (shown, note)
}

#[tokio::test]
async fn mcp_bulk_read_returns_a_bounded_first_part_and_says_how_to_get_the_rest() {
    let running = Running::start(2_500).await;
    let export = json!({"recordType": "Leads", "fields": ["Last_Name"], "pollInterval": 10});
    let (shown, note) = bulk_read_over_mcp(&running, export.clone()).await;
    let records = shown["data"].as_array().unwrap();
    assert_eq!(
        records.len() as u64,
        zoho_server::mcp::catalog::MCP_EXPORT_RECORDS
    );
    assert_eq!(shown["info"]["more_records"], true, "{:#}", shown["info"]);
    let note = note.expect("a note saying how to get the rest");
    assert!(note.contains("zoho-server call crm.bulkRead"), "{note}");
    assert!(note.contains("JSON-RPC"), "{note}");

    // Asking for more than an MCP result holds gets the most it holds.
    let mut everything = export.clone();
    everything["maxRecords"] = json!(300_000);
    let (shown, note) = bulk_read_over_mcp(&running, everything).await;
    assert_eq!(
        shown["data"].as_array().unwrap().len() as u64,
        zoho_server::mcp::catalog::MCP_EXPORT_MAX_RECORDS
    );
    assert!(note.is_some());

    // The same export through JSON-RPC is whole.
    let whole = running.ok("crm.bulkRead", export).await;
    assert_eq!(whole["data"].as_array().unwrap().len(), 2_500);
    assert_eq!(whole["info"]["more_records"], false);
    running.shut_down().await.unwrap();
}
