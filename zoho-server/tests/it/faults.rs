//! Issue 13: calls that survive Zoho's real behaviour, against the sandbox's fault injection:
//! 5xx and dropped connections, lost answers, 429s, a failing token endpoint, a stalled
//! upstream, and a slow one with a small concurrency. Retry delays are configured small so the
//! tests stay quick; the policy is the same as with the defaults.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use zoho_actions::{Action, ListAction, crm};
use zoho_core::{Client, Connection, ConnectionConfig, Error, Limit, Secret};
use zoho_sandbox::{Faults, Sandbox, SandboxConfig};
use zoho_server::rpc::Limits;

use crate::support::Running;

const SCOPES: &str = "ZohoCRM.modules.ALL,ZohoCRM.coql.READ,ZohoCRM.settings.ALL";

async fn sandbox(records: usize) -> Sandbox {
    Sandbox::start(SandboxConfig {
        records,
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

/// A connection on the sandbox with `tune` applied to its config, authorized with a self-client
/// code (before any fault is switched on).
async fn connection(sandbox: &Sandbox, tune: impl FnOnce(&mut ConnectionConfig)) -> Connection {
    let mut config = ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, sandbox.base_url());
    config.retry_initial_ms = 5;
    tune(&mut config);
    let connection =
        Connection::new("default", config, Secret::new(zoho_sandbox::CLIENT_SECRET)).unwrap();
    let code = sandbox.self_client_code(SCOPES).unwrap();
    connection.exchange_self_client_code(&code).await.unwrap();
    connection
}

fn set(sandbox: &Sandbox, tune: impl FnOnce(&mut Faults)) {
    let mut faults = sandbox.faults();
    tune(&mut faults);
    sandbox.set_faults(faults);
}

/// Requests the sandbox answered (or dropped) on `route`, whatever the status.
fn requests(sandbox: &Sandbox, route: &str) -> u64 {
    let stats = sandbox.stats();
    stats["requests"][route]
        .as_object()
        .map(|statuses| statuses.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
}

async fn lead_ids(client: &Client, count: u64) -> Vec<String> {
    let mut list = crm::GetRecords::new("Leads");
    list.fields = Some(vec!["Last_Name".into()]);
    list.max_records = Some(count);
    list.records(client)
        .map_ok(|record| record["id"].as_str().unwrap().to_owned())
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_reads_ride_out_5xx_and_dropped_connections() {
    let sandbox = sandbox(50).await;
    let client = connection(&sandbox, |_| {}).await.client();
    let ids = lead_ids(&client, 50).await;
    let before = requests(&sandbox, "crm.records.get");
    set(&sandbox, |f| {
        f.error_rate = 0.05;
        f.reset_rate = 0.02;
    });
    let calls = 2_000;
    let outcomes: Vec<Result<_, Error>> = futures::stream::iter(0..calls)
        .map(|i| {
            let client = client.clone();
            let id = ids[i % ids.len()].clone();
            async move { crm::GetRecord::new("Leads", id).execute(&client).await }
        })
        .buffer_unordered(64)
        .collect()
        .await;
    let failed: Vec<&Error> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    // 3 attempts fail together with probability 0.07^3 = 3.4e-4: 0.69 expected in 2,000. More
    // than 6 (a chance of about 1e-5 when every fault is retried) means reads are not retried.
    assert!(
        failed.len() <= 6,
        "{} failed: {:?}",
        failed.len(),
        failed.first()
    );
    let sent = requests(&sandbox, "crm.records.get") - before;
    let per_call = sent as f64 / calls as f64;
    assert!(
        (1.0..=1.15).contains(&per_call),
        "{per_call:.3} upstream requests per call"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_is_lost_is_never_stored_twice() {
    let sandbox = sandbox(0).await;
    let client = connection(&sandbox, |c| c.max_retries = 4).await.client();
    set(&sandbox, |f| {
        f.lost_answer_rate = 0.3;
        f.rate_limit_rate = 0.2;
        f.error_rate = 0.1;
    });
    let names: Vec<String> = (0..60).map(|i| format!("Lost-{i}")).collect();
    let mut answered = HashSet::new();
    for name in &names {
        let mut create = crm::CreateRecord::new("Leads");
        create.values = Some(json!({ "Last_Name": name }).as_object().unwrap().clone());
        match create.execute(&client).await {
            Ok(_) => {
                answered.insert(name.clone());
            }
            Err(Error::Network { .. }) | Err(Error::Api(_)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    set(&sandbox, |f| *f = Faults::default());
    let mut list = crm::GetRecords::new("Leads");
    list.fields = Some(vec!["Last_Name".into()]);
    list.fetch_all = true;
    let stored: Vec<zoho_actions::output::Record> =
        list.records(&client).try_collect().await.unwrap();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for record in &stored {
        *count
            .entry(record["Last_Name"].as_str().unwrap())
            .or_default() += 1;
    }
    let twice: Vec<_> = count.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
    for name in &answered {
        assert_eq!(
            count.get(name.as_str()),
            Some(&1),
            "{name} was answered but not stored once"
        );
    }
    assert!(
        answered.len() < names.len(),
        "some answers were lost, and those calls were not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_502_from_the_token_endpoint_is_retried_inside_the_one_refresh() {
    let sandbox = sandbox(5).await;
    let client = connection(&sandbox, |_| {}).await.client();
    let ids = lead_ids(&client, 5).await;
    // The sandbox's tokens expire: every call now gets INVALID_TOKEN, then needs the refresh.
    sandbox.advance_clock(Duration::from_secs(2 * 3600));
    sandbox.fail_next_token_requests(1);
    let before = requests(&sandbox, "accounts.token");
    let started = Instant::now();
    let outcomes: Vec<Result<_, Error>> = futures::future::join_all((0..20).map(|i| {
        let client = client.clone();
        let id = ids[i % ids.len()].clone();
        async move { crm::GetRecord::new("Leads", id).execute(&client).await }
    }))
    .await;
    let elapsed = started.elapsed();
    for outcome in &outcomes {
        assert!(outcome.is_ok(), "{outcome:?}");
    }
    assert!(elapsed < Duration::from_secs(1), "recovered in {elapsed:?}");
    assert_eq!(
        requests(&sandbox, "accounts.token") - before,
        2,
        "one refresh: the 502 and its retry"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_token_endpoint_is_a_rate_limit_on_tokens() {
    let sandbox = Sandbox::start(SandboxConfig {
        records: 1,
        token_mint_limit: Some(1),
        access_token_lifetime: Duration::from_secs(1),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let client = connection(&sandbox, |_| {}).await.client();
    let ids = lead_ids(&client, 1).await;
    // The one mint the window allows went to the code exchange; the token then expires.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let error = crm::GetRecord::new("Leads", ids[0].clone())
        .execute(&client)
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::RateLimited {
                limit: Limit::Tokens,
                ..
            }
        ),
        "{error:?}"
    );
    let object = zoho_server::rpc_error::from_action_error(&error);
    assert_eq!(
        (object.code, &object.data.unwrap()["limit"]),
        (-32003, &json!("tokens"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_concurrency_5_a_slow_upstream_never_sees_more_than_5_in_flight() {
    let sandbox = sandbox(5).await;
    let client = connection(&sandbox, |c| c.concurrency = 5).await.client();
    let ids = lead_ids(&client, 5).await;
    set(&sandbox, |f| f.latency = Duration::from_millis(30));
    let _ = reqwest::Client::new()
        .post(format!("{}/__sandbox/stats/reset", sandbox.base_url()))
        .send()
        .await
        .unwrap();
    let outcomes: Vec<Result<_, Error>> = futures::future::join_all((0..40).map(|i| {
        let client = client.clone();
        let id = ids[i % ids.len()].clone();
        async move { crm::GetRecord::new("Leads", id).execute(&client).await }
    }))
    .await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    // The reset request itself counted one; ours never more than 5 beside it.
    let most = sandbox.stats()["max_in_flight"].as_u64().unwrap();
    assert!(most <= 5, "the sandbox saw {most} in flight");
    let limits = client.limits().await.unwrap();
    assert_eq!((limits.in_flight, limits.concurrency), (0, 5));
    assert_eq!(limits.credits_used_24h, 41, "1 list page, 40 gets");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_under_faults_delivers_every_record_once_and_resumes_after_a_failure() {
    let sandbox = sandbox(20_000).await;
    let client = connection(&sandbox, |c| c.max_retries = 5).await.client();
    set(&sandbox, |f| {
        f.error_rate = 0.03;
        f.reset_rate = 0.01;
        f.rate_limit_rate = 0.03;
    });
    let mut export = crm::GetRecords::new("Leads");
    export.fields = Some(vec!["Last_Name".into()]);
    export.fetch_all = true;
    let ids: Vec<String> = export
        .records(&client)
        .map_ok(|record| record["id"].as_str().unwrap().to_owned())
        .try_collect()
        .await
        .unwrap();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!((ids.len(), unique.len()), (20_000, 20_000));

    // A failure that outlasts the retries, mid-export: the stream says where to resume.
    let mut first = Vec::new();
    let mut stream = Box::pin(export.records(&client));
    let resume = loop {
        match stream.next().await {
            Some(Ok(record)) => {
                first.push(record["id"].as_str().unwrap().to_owned());
                if first.len() == 2_500 {
                    set(&sandbox, |f| f.error_rate = 1.0);
                }
            }
            Some(Err(Error::Export { resume, cause })) => {
                assert!(matches!(*cause, Error::Api(_)), "{cause:?}");
                break resume;
            }
            other => panic!("expected the export to stop, got {other:?}"),
        }
    };
    assert_eq!(resume.delivered, first.len() as u64);
    set(&sandbox, |f| f.error_rate = 0.0);
    let mut rest = crm::GetRecords::new("Leads");
    rest.fields = Some(vec!["Last_Name".into()]);
    rest.fetch_all = true;
    rest.page = resume.page;
    rest.page_token = resume.page_token.clone();
    let second: Vec<String> = rest
        .records(&client)
        .map_ok(|record| record["id"].as_str().unwrap().to_owned())
        .try_collect()
        .await
        .unwrap();
    let mut union: Vec<&String> = first.iter().chain(second.iter()).collect();
    let total = union.len();
    union.sort_unstable();
    union.dedup();
    assert_eq!((total, union.len()), (20_000, 20_000), "every record once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_a_stalled_upstream_with_32004_naming_the_host_within_the_budget() {
    let server = Running::start_with(
        3,
        Limits {
            call_timeout: Duration::from_secs(2),
            ..Limits::default()
        },
    )
    .await;
    let listed = server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "perPage": 1}),
        )
        .await;
    let id = listed["data"][0]["id"].as_str().unwrap().to_owned();
    server.faults(json!({"stall_rate": 1.0})).await;
    let started = Instant::now();
    let error = server
        .err(
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": id}),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(error["code"], -32004, "{error:#}");
    assert_eq!(error["data"]["timedOut"], true);
    assert!(error["data"]["attempts"].as_u64().unwrap() >= 1);
    let host = server.sandbox.base_url().trim_start_matches("http://");
    assert_eq!(error["data"]["host"], host, "{error:#}");
    assert!(
        error["message"].as_str().unwrap().contains(host),
        "{error:#}"
    );
    assert!(elapsed < Duration::from_secs(2), "answered in {elapsed:?}");
}

/// A config file for `zoho-server call` on `sandbox`, with tokens already stored (a self-client
/// code exchanged into the token store the file names).
async fn cli_config(sandbox: &Sandbox, dir: &std::path::Path) -> std::path::PathBuf {
    let base = sandbox.base_url();
    let tokens = dir.join("tokens.json");
    let mut config = ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, base);
    config.token_store = Some(tokens);
    let connection =
        Connection::new("default", config, Secret::new(zoho_sandbox::CLIENT_SECRET)).unwrap();
    let code = sandbox.self_client_code(SCOPES).unwrap();
    connection.exchange_self_client_code(&code).await.unwrap();
    let path = dir.join("zoho.toml");
    std::fs::write(
        &path,
        format!(
            "[connections.default]\nclient_id = \"{}\"\nclient_secret_env = \"ZOHO_TEST_SECRET\"\n\
             accounts_url = \"{base}\"\napi_base_url = \"{base}\"\ntoken_store = \"tokens.json\"\n\
             retry_initial_ms = 5\nmax_retries = 5\n",
            zoho_sandbox::CLIENT_ID
        ),
    )
    .unwrap();
    path
}

fn zoho_server(config: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_zoho-server"));
    command
        .env_remove("RUST_LOG")
        .env("ZOHO_TEST_SECRET", zoho_sandbox::CLIENT_SECRET)
        .arg("call")
        .args(args)
        .arg("--config")
        .arg(config);
    command
}

async fn output(mut command: std::process::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_answers_a_stalled_upstream_within_call_timeout_secs_naming_the_host() {
    let sandbox = sandbox(1).await;
    let dir = tempfile::tempdir().unwrap();
    let config = cli_config(&sandbox, dir.path()).await;
    set(&sandbox, |f| f.stall_rate = 1.0);
    let started = Instant::now();
    let done = output(zoho_server(
        &config,
        &[
            "crm.getRecord",
            r#"{"recordType":"Leads","recordId":"1"}"#,
            "--call-timeout-secs",
            "2",
        ],
    ))
    .await;
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(!done.status.success());
    assert!(stderr.contains("error -32004"), "{stderr}");
    assert!(stderr.contains("\"timedOut\": true"), "{stderr}");
    let host = sandbox.base_url().trim_start_matches("http://").to_owned();
    assert!(
        stderr.contains(&format!("\"host\": \"{host}\"")),
        "{stderr}"
    );
    assert!(elapsed < Duration::from_secs(4), "took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_jsonl_prints_a_resume_token_that_continues_without_duplicates() {
    let sandbox = sandbox(3_000).await;
    let dir = tempfile::tempdir().unwrap();
    let config = cli_config(&sandbox, dir.path()).await;
    let params = r#"{"recordType":"Leads","fields":["Last_Name"],"fetchAll":true}"#;
    set(&sandbox, |f| f.latency = Duration::from_millis(60));
    let first = {
        let command = zoho_server(
            &config,
            &["crm.getRecords", params, "--jsonl", "--progress"],
        );
        let run = tokio::spawn(output(command));
        // A few pages in, Zoho starts failing for longer than the retries last.
        tokio::time::sleep(Duration::from_millis(500)).await;
        set(&sandbox, |f| f.error_rate = 1.0);
        run.await.unwrap()
    };
    let stderr = String::from_utf8_lossy(&first.stderr).into_owned();
    assert!(!first.status.success(), "{stderr}");
    assert!(
        stderr.contains("records/s"),
        "progress with --progress: {stderr}"
    );
    let token = stderr
        .split("--resume ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no resume token: {stderr}"))
        .to_owned();
    set(&sandbox, |f| {
        f.error_rate = 0.0;
        f.latency = Duration::ZERO;
    });
    let second = output(zoho_server(
        &config,
        &["crm.getRecords", params, "--jsonl", "--resume", &token],
    ))
    .await;
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let ids = |out: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(out)
            .lines()
            .map(|line| {
                serde_json::from_str::<Value>(line).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let (before, after) = (ids(&first.stdout), ids(&second.stdout));
    assert!(
        !before.is_empty() && before.len() < 3_000,
        "{} before",
        before.len()
    );
    assert!(
        stderr.contains(&format!("after {} record(s)", before.len())),
        "the count written: {stderr}"
    );
    let mut union: Vec<&String> = before.iter().chain(after.iter()).collect();
    let total = union.len();
    union.sort_unstable();
    union.dedup();
    assert_eq!((total, union.len()), (3_000, 3_000), "every record once");
}

#[tokio::test]
async fn limits_get_reports_the_connections_budget() {
    let server = Running::start(3).await;
    server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"]}),
        )
        .await;
    let limits = server.ok("limits.get", json!({})).await;
    assert_eq!(limits["inFlight"], 0);
    assert_eq!(limits["concurrency"], 10);
    assert_eq!(limits["creditsUsed24h"], 1);
    assert_eq!(
        limits["creditsRemaining"],
        Value::Null,
        "no daily_credits set"
    );
    assert!(limits["tokenMintsLast10m"].is_u64(), "{limits}");
    let named = server
        .ok("limits.get", json!({"connection": "default"}))
        .await;
    assert_eq!(named["creditsUsed24h"], 1);
    let typo = server
        .err("limits.get", json!({"conection": "default"}))
        .await;
    assert_eq!(
        (typo["code"].as_i64(), &typo["data"]["field"]),
        (Some(-32602), &json!("conection"))
    );
    let unknown = server
        .err("limits.get", json!({"connection": "nope"}))
        .await;
    assert_eq!(unknown["code"], -32602);
}

#[tokio::test]
async fn a_json_rpc_export_that_still_fails_says_where_to_resume() {
    let server = Running::start(5).await;
    server.faults(json!({"error_rate": 1.0})).await;
    let error = server
        .err(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "fetchAll": true}),
        )
        .await;
    assert_eq!(error["code"], -32001, "{error:#}");
    assert_eq!(
        error["data"]["attempts"], 3,
        "each page is retried: {error:#}"
    );
    assert_eq!(
        error["data"]["resume"],
        json!({"page": 1, "delivered": 0}),
        "{error:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_jsonl_exports_20000_records_under_faults_each_once_and_exits_0() {
    let sandbox = sandbox(20_000).await;
    let dir = tempfile::tempdir().unwrap();
    let config = cli_config(&sandbox, dir.path()).await;
    set(&sandbox, |f| {
        f.error_rate = 0.03;
        f.reset_rate = 0.01;
        f.rate_limit_rate = 0.03;
    });
    let done = output(zoho_server(
        &config,
        &[
            "crm.getRecords",
            r#"{"recordType":"Leads","fields":["Last_Name"],"fetchAll":true}"#,
            "--jsonl",
        ],
    ))
    .await;
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let ids: HashSet<String> = String::from_utf8_lossy(&done.stdout)
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let lines = String::from_utf8_lossy(&done.stdout).lines().count();
    assert_eq!((lines, ids.len()), (20_000, 20_000), "every record once");
}

/// The ids of `call --jsonl` output, one per line.
fn jsonl_ids(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Past 100,000 records the export goes on by id through COQL: a sandbox whose COQL fails
/// stops it right after record 100,000, where tokens end.
const PAST_THE_LIMIT: usize = 100_400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_stopped_past_100_000_resumes_after_the_last_id_with_each_record_once() {
    let sandbox = sandbox(PAST_THE_LIMIT).await;
    let client = connection(&sandbox, |c| c.max_retries = 1).await.client();
    set(&sandbox, |f| {
        f.error_rate = 1.0;
        f.only_route = Some("crm.coql");
    });
    let mut export = crm::GetRecords::new("Leads");
    export.fields = Some(vec!["Last_Name".into()]);
    export.fetch_all = true;
    let mut first = Vec::new();
    let mut stream = Box::pin(export.records(&client));
    let resume = loop {
        match stream.next().await {
            Some(Ok(record)) => first.push(record["id"].as_str().unwrap().to_owned()),
            Some(Err(Error::Export { resume, .. })) => break resume,
            other => panic!("expected the export to stop, got {other:?}"),
        }
    };
    drop(stream);
    assert_eq!(first.len(), 100_000);
    assert_eq!(resume.delivered, 100_000);
    assert_eq!(resume.page_token, None, "no token goes past 100,000");
    assert_eq!(resume.after_id.as_ref(), first.last());

    set(&sandbox, |f| {
        f.error_rate = 0.0;
        f.only_route = None;
    });
    let mut rest = export.to_request().unwrap();
    rest.paging.after_id = resume.after_id.clone();
    let second: Vec<String> = client
        .records(rest)
        .map_ok(|record| record["id"].as_str().unwrap().to_owned())
        .try_collect()
        .await
        .unwrap();
    let mut union: Vec<&String> = first.iter().chain(second.iter()).collect();
    let total = union.len();
    union.sort_unstable();
    union.dedup();
    assert_eq!(
        (total, union.len()),
        (PAST_THE_LIMIT, PAST_THE_LIMIT),
        "every record once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_jsonl_stopped_past_100_000_resumes_with_each_record_once() {
    let sandbox = sandbox(PAST_THE_LIMIT).await;
    let dir = tempfile::tempdir().unwrap();
    let config = cli_config(&sandbox, dir.path()).await;
    let params = r#"{"recordType":"Leads","fields":["Last_Name"],"fetchAll":true}"#;
    set(&sandbox, |f| {
        f.error_rate = 1.0;
        f.only_route = Some("crm.coql");
    });
    let first = output(zoho_server(&config, &["crm.getRecords", params, "--jsonl"])).await;
    let stderr = String::from_utf8_lossy(&first.stderr).into_owned();
    assert!(!first.status.success(), "{stderr}");
    let before = jsonl_ids(&first.stdout);
    assert_eq!(before.len(), 100_000, "{stderr}");
    let token = stderr
        .split("--resume ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no resume token past 100,000: {stderr}"))
        .to_owned();
    set(&sandbox, |f| {
        f.error_rate = 0.0;
        f.only_route = None;
    });
    let second = output(zoho_server(
        &config,
        &["crm.getRecords", params, "--jsonl", "--resume", &token],
    ))
    .await;
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let after = jsonl_ids(&second.stdout);
    assert_eq!(after.len(), PAST_THE_LIMIT - 100_000);
    let mut union: Vec<&String> = before.iter().chain(after.iter()).collect();
    union.sort_unstable();
    union.dedup();
    assert_eq!(union.len(), PAST_THE_LIMIT, "every record once");
}
