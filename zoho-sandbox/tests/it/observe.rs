//! Faults, limits and observation under /__sandbox/, the request log, shutdown and the binary.

use std::io::BufRead;
use std::time::Duration;

use serde_json::{Value, json};
use zoho_sandbox::{Faults, SandboxConfig};

use crate::support::{self, ALL_SCOPES, TestResult, answer, config, env};

#[tokio::test]
async fn stats_count_requests_by_normalized_route_and_status() -> TestResult {
    let e = env(10).await?;
    e.http.post(e.url("/__sandbox/stats/reset")).send().await?;
    let list = e.get("/crm/v3/Leads?fields=Last_Name&per_page=2").await?;
    for record in list.body["data"].as_array().ok_or("no data")? {
        let id = record["id"].as_str().ok_or("no id")?;
        assert_eq!(e.get(&format!("/crm/v3/Leads/{id}")).await?.status, 200);
    }
    assert_eq!(
        e.get("/crm/v3/Leads/4150868000000000001").await?.status,
        204
    );
    assert_eq!(e.get("/books/v3/contacts").await?.status, 400);
    let stats: Value = e
        .http
        .get(e.url("/__sandbox/stats"))
        .send()
        .await?
        .json()
        .await?;
    // Issue 4: requests by route (a normalized name, not the raw path) and status.
    assert_eq!(
        stats["requests"]["crm.records.get"],
        json!({"200": 2, "204": 1})
    );
    assert_eq!(stats["requests"]["crm.records.list"], json!({"200": 1}));
    assert_eq!(stats["requests"]["books.contacts.list"], json!({"400": 1}));
    assert_eq!(stats["requests_total"], 5);
    assert!(stats["max_in_flight"].as_u64().is_some_and(|n| n >= 1));
    let reset: Value = e
        .http
        .post(e.url("/__sandbox/stats/reset"))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(reset["requests_total"], 0);
    assert_eq!(reset["token_grants"]["authorization_code"], 0);
    Ok(())
}

#[tokio::test]
async fn faults_are_set_at_run_time_and_answer_in_each_products_shape() -> TestResult {
    let e = env(10).await?;
    let set = |patch: Value| {
        let e = &e;
        async move {
            answer(
                e.http
                    .post(e.url("/__sandbox/faults"))
                    .json(&patch)
                    .send()
                    .await?,
            )
            .await
        }
    };
    let current = set(json!({"error_rate": 1.0})).await?;
    assert_eq!(
        (current.status, current.body["error_rate"].as_f64()),
        (200, Some(1.0))
    );
    assert_eq!(
        current.body["crm_concurrency_limit"], 15,
        "other settings are kept"
    );
    let failed = e.get("/crm/v3/settings/modules").await?;
    assert!(
        [500, 502, 503].contains(&failed.status),
        "{}",
        failed.status
    );
    if failed.status == 500 {
        // crm.md §6.2 [H]: INTERNAL_ERROR.
        assert_eq!(failed.body["code"], "INTERNAL_ERROR");
    }
    set(json!({"error_rate": 0.0, "rate_limit_rate": 1.0})).await?;
    // crm.md §7 [H]: 429 TOO_MANY_REQUESTS, no Retry-After documented.
    let limited = e.get("/crm/v3/settings/modules").await?;
    assert_eq!(
        (limited.status, limited.body["code"].as_str()),
        (429, Some("TOO_MANY_REQUESTS"))
    );
    assert!(limited.headers.get("retry-after").is_none());
    // books.md §6 [M]: Books rate limiting is code 44.
    let books = e.get("/books/v3/items?organization_id=10234695").await?;
    assert_eq!((books.status, books.body["code"].as_i64()), (429, Some(44)));
    set(json!({"rate_limit_rate": 0.0, "reset_rate": 1.0})).await?;
    let reset = e.get("/crm/v3/settings/modules").await;
    assert!(
        reset.is_err(),
        "the connection is dropped without an answer"
    );
    set(json!({"reset_rate": 0.0})).await?;
    assert_eq!(e.get("/crm/v3/settings/modules").await?.status, 200);
    let stats = e.sandbox.stats();
    assert_eq!(stats["requests"]["crm.settings.modules"]["reset"], 1);
    // A typo never passes silently.
    let typo = set(json!({"eror_rate": 1.0})).await?;
    assert_eq!(typo.status, 400);
    assert!(
        typo.body["error"]
            .as_str()
            .is_some_and(|m| m.starts_with("eror_rate"))
    );
    let bad = set(json!({"error_rate": 3})).await?;
    assert!(
        bad.body["error"]
            .as_str()
            .is_some_and(|m| m.contains("0.0 to 1.0"))
    );
    Ok(())
}

/// Waits until the sandbox counts `n` requests in flight (this stats request included).
async fn until_in_flight(e: &support::Env, n: u64) -> TestResult {
    for _ in 0..500 {
        let stats: Value = e
            .http
            .get(e.url("/__sandbox/stats"))
            .send()
            .await?
            .json()
            .await?;
        if stats["in_flight"].as_u64().is_some_and(|now| now >= n) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Err("the first request never arrived".into())
}

#[tokio::test]
async fn crm_concurrency_limit_answers_429_past_the_limit() -> TestResult {
    // crm.md §7 [H]: going over the concurrency limit gives 429 TOO_MANY_REQUESTS.
    let faults = Faults {
        latency: Duration::from_millis(1_000),
        crm_concurrency_limit: Some(1),
        ..Faults::default()
    };
    let e = env(10).await?;
    // Set after the token exchange, which the latency would slow down too.
    e.sandbox.set_faults(faults);
    let slow = e
        .request(reqwest::Method::GET, "/crm/v3/settings/modules")
        .send();
    let slow = tokio::spawn(slow);
    until_in_flight(&e, 2).await?;
    let refused = e.get("/crm/v3/settings/modules").await?;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (429, Some("TOO_MANY_REQUESTS"))
    );
    assert_eq!(slow.await??.status(), 200);
    assert!(
        e.sandbox.stats()["max_in_flight"]
            .as_u64()
            .is_some_and(|n| n >= 2)
    );
    Ok(())
}

#[tokio::test]
async fn heavy_calls_have_their_own_sub_concurrency_limit() -> TestResult {
    // crm.md §7 [M]: a sub-concurrency limit of 10 applies to heavy APIs such as COQL.
    let faults = Faults {
        latency: Duration::from_millis(1_000),
        crm_sub_concurrency_limit: Some(1),
        ..Faults::default()
    };
    let e = env(10).await?;
    // Set after the token exchange, which the latency would slow down too.
    e.sandbox.set_faults(faults);
    let query = json!({"select_query": "select Email from Leads where id is not null"});
    let slow = tokio::spawn(
        e.request(reqwest::Method::POST, "/crm/v3/coql")
            .json(&query)
            .send(),
    );
    until_in_flight(&e, 2).await?;
    let refused = e.post("/crm/v3/coql", &query).await?;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (429, Some("TOO_MANY_REQUESTS"))
    );
    e.sandbox.set_faults(Faults {
        crm_sub_concurrency_limit: Some(1),
        ..Faults::default()
    });
    let light = e.get("/crm/v3/settings/modules").await?;
    assert_eq!(
        light.status, 200,
        "light calls are not held back by heavy ones"
    );
    assert_eq!(slow.await??.status(), 200);
    Ok(())
}

#[tokio::test]
async fn books_concurrency_limit_is_code_1070() -> TestResult {
    // books.md §7 [M]: the in-flight limiter answers 429 code 1070.
    let faults = Faults {
        latency: Duration::from_millis(1_000),
        books_concurrency_limit: Some(1),
        ..Faults::default()
    };
    let e = env(10).await?;
    // Set after the token exchange, which the latency would slow down too.
    e.sandbox.set_faults(faults);
    let path = "/books/v3/items?organization_id=10234695";
    let slow = tokio::spawn(e.request(reqwest::Method::GET, path).send());
    until_in_flight(&e, 2).await?;
    let refused = e.get(path).await?;
    assert_eq!(
        (refused.status, refused.body["code"].as_i64()),
        (429, Some(1070))
    );
    assert_eq!(slow.await??.status(), 200);
    Ok(())
}

#[tokio::test]
async fn request_log_has_one_line_per_request_and_no_secrets() -> TestResult {
    let path = std::env::temp_dir().join(format!(
        "zoho-sandbox-log-{}-{}.jsonl",
        std::process::id(),
        rand_suffix()
    ));
    let mut e = support::env_with(
        SandboxConfig {
            request_log: Some(path.clone()),
            ..config(10)
        },
        ALL_SCOPES,
    )
    .await?;
    e.post("/crm/v3/Leads", &json!({"data": [{"Last_Name": "Logged"}]}))
        .await?;
    e.renew().await?;
    let mut text = String::new();
    for _ in 0..200 {
        text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.lines().count() >= 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = std::fs::remove_file(&path);
    let lines: Vec<Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(
        lines.len(),
        4,
        "self-client, code exchange, insert, refresh: {text}"
    );
    let insert = lines
        .iter()
        .find(|l| l["path"] == "/crm/v3/Leads")
        .ok_or("no insert line")?;
    assert_eq!(insert["method"], "POST");
    assert_eq!(insert["body"]["data"][0]["Last_Name"], "Logged");
    let token_line = lines
        .iter()
        .find(|l| l["path"] == "/oauth/v2/token")
        .ok_or("no token line")?;
    assert_eq!(token_line["body"]["client_secret"], "[redacted]");
    assert!(!text.contains("sandbox-secret"));
    assert!(!text.contains(&e.refresh));
    assert!(!text.contains(&e.token));
    Ok(())
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

#[tokio::test]
async fn debug_output_never_shows_tokens() -> TestResult {
    let e = env(5).await?;
    let code = e
        .sandbox
        .self_client_code("ZohoCRM.modules.ALL")
        .ok_or("no code")?;
    let printed = format!("{:?}", e.sandbox);
    assert!(printed.contains(e.sandbox.base_url()));
    for secret in [
        e.token.as_str(),
        e.refresh.as_str(),
        code.as_str(),
        zoho_sandbox::CLIENT_SECRET,
    ] {
        assert!(!printed.contains(secret), "{printed}");
    }
    Ok(())
}

#[tokio::test]
async fn shutdown_stops_serving() -> TestResult {
    let sandbox = support::start(config(5)).await?;
    let url = format!("{}/__sandbox/health", sandbox.base_url());
    let http = support::client();
    assert_eq!(http.get(&url).send().await?.status(), 200);
    sandbox.shutdown().await;
    assert!(support::client().get(&url).send().await.is_err());
    Ok(())
}

#[test]
fn the_binary_prints_where_it_listens() -> TestResult {
    // interface.md: `zoho-sandbox [--listen ADDR] [--seed N] [--records N]`.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zoho-sandbox"))
        .args(["--listen", "127.0.0.1:0", "--seed", "3", "--records", "10"])
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let base = line
        .trim()
        .strip_prefix("zoho-sandbox listening on ")
        .ok_or("unexpected first line")?
        .to_owned();
    let health = std::net::TcpStream::connect(base.trim_start_matches("http://"));
    child.kill()?;
    child.wait()?;
    assert!(base.starts_with("http://127.0.0.1:"), "{line}");
    assert!(health.is_ok());
    Ok(())
}
