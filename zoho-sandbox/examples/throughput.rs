//! Measures the sandbox itself: start time with many records, and the throughput of
//! `GET /crm/v3/Leads/{id}` at a given concurrency over loopback.
//!
//! `cargo run --release -p zoho-sandbox --example throughput -- [records] [concurrency] [requests]`
//! (defaults: 200000 64 200000). Client and server share the machine, so the figure is a
//! lower bound of what the sandbox alone can serve. With `SANDBOX_URL` set, a sandbox already
//! running there (e.g. the `zoho-sandbox` binary) is measured instead of an in-process one.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::{Value, json};
use zoho_sandbox::{CLIENT_ID, CLIENT_SECRET, Faults, Sandbox, SandboxConfig};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn arg(n: usize, default: usize) -> usize {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

async fn set_faults(http: &reqwest::Client, base: &str, patch: &Value) -> Result<()> {
    http.post(format!("{base}/__sandbox/faults"))
        .json(patch)
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let records = arg(1, 200_000);
    let concurrency = arg(2, 64);
    let total = arg(3, 200_000);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;

    let (sandbox, base) = match std::env::var("SANDBOX_URL") {
        Ok(url) => (None, url),
        Err(_) => {
            let began = Instant::now();
            let config = SandboxConfig {
                records,
                ..SandboxConfig::default()
            };
            let sandbox = Sandbox::start(config).await?;
            println!(
                "start with {records} Leads: {:.1} ms (Sandbox::start)",
                ms(began)
            );
            let base = sandbox.base_url().to_owned();
            (Some(sandbox), base)
        }
    };

    let code: Value = http
        .post(format!("{base}/__sandbox/self-client"))
        .form(&[(
            "scope",
            "ZohoCRM.modules.ALL,ZohoCRM.coql.READ,ZohoBooks.fullaccess.all",
        )])
        .send()
        .await?
        .json()
        .await?;
    let code = code["code"].as_str().ok_or("no code")?.to_owned();
    let tokens: Value = http
        .post(format!("{base}/oauth/v2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("code", code.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    let auth = format!(
        "Zoho-oauthtoken {}",
        tokens["access_token"].as_str().ok_or("no token")?
    );

    let t = Instant::now();
    let page: Value = http
        .get(format!(
            "{base}/crm/v3/Leads?fields=Last_Name,Email&per_page=200"
        ))
        .header("Authorization", &auth)
        .send()
        .await?
        .json()
        .await?;
    println!("first list page (200 Leads): {:.1} ms", ms(t));
    let ids: Vec<String> = page["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();

    let t = Instant::now();
    let scan = http
        .post(format!("{base}/crm/v8/coql"))
        .header("Authorization", &auth)
        .json(&json!({"select_query": "select Email from Leads where Email = 'nobody@nowhere.example'"}))
        .send()
        .await?;
    println!(
        "COQL full scan of the Leads: {:.1} ms (status {})",
        ms(t),
        scan.status()
    );

    set_faults(&http, &base, &json!({"books_per_minute_limit": null})).await?;
    for when in ["first call, seeds the type", "second call"] {
        let t = Instant::now();
        let status = http
            .get(format!("{base}/books/v3/invoices?organization_id=10234695"))
            .header("Authorization", &auth)
            .send()
            .await?
            .status();
        println!(
            "Books GET /invoices ({when}): {:.1} ms (status {status})",
            ms(t)
        );
    }

    let defaults = serde_json::to_value(Faults::default())?;
    let runs = [
        (
            "no concurrency limit",
            json!({"crm_concurrency_limit": null, "crm_sub_concurrency_limit": null}),
        ),
        ("default limits (CRM 15 in flight)", defaults),
    ];
    for (label, faults) in runs {
        set_faults(&http, &base, &faults).await?;
        http.post(format!("{base}/__sandbox/stats/reset"))
            .send()
            .await?;
        let next = Arc::new(AtomicUsize::new(0));
        let statuses = Arc::new(std::sync::Mutex::new(BTreeMap::<u16, usize>::new()));
        let ids = Arc::new(ids.clone());
        let t = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (http, base, auth) = (http.clone(), base.clone(), auth.clone());
            let (next, statuses, ids) = (next.clone(), statuses.clone(), ids.clone());
            tasks.push(tokio::spawn(async move {
                let mut local = BTreeMap::<u16, usize>::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let id = &ids[n % ids.len()];
                    let request = http
                        .get(format!("{base}/crm/v3/Leads/{id}"))
                        .header("Authorization", &auth);
                    let status = match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let _ = response.bytes().await;
                            status
                        }
                        Err(_) => 0,
                    };
                    *local.entry(status).or_insert(0) += 1;
                }
                if let Ok(mut all) = statuses.lock() {
                    for (k, v) in local {
                        *all.entry(k).or_insert(0) += v;
                    }
                }
            }));
        }
        for task in tasks {
            task.await?;
        }
        let elapsed = t.elapsed().as_secs_f64();
        let stats: Value = http
            .get(format!("{base}/__sandbox/stats"))
            .send()
            .await?
            .json()
            .await?;
        println!(
            "GET /crm/v3/Leads/{{id}} x {total} at concurrency {concurrency}, {label}: {:.0} req/s ({elapsed:.2} s), statuses {:?}, max in flight {}",
            total as f64 / elapsed,
            statuses.lock().map(|s| s.clone()).unwrap_or_default(),
            stats["max_in_flight"],
        );
    }
    if let Some(sandbox) = sandbox {
        sandbox.shutdown().await;
    }
    Ok(())
}
