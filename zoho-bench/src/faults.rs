//! Measurement 6: typed reads against a faulty Zoho. 100,000 `crm.getRecord` calls at
//! concurrency 128 while the sandbox answers 5% of requests with a 5xx and drops 2% of
//! connections. Counts the calls that failed and the upstream requests per call, with the
//! connection's default retry policy (`max_retries` 2: 3 attempts) and with `max_retries` 5.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use zoho_actions::Action as _;

use crate::error::Error;
use crate::setup;
use crate::stats::{percentile, spread};

/// Calls per run.
pub const CALLS: usize = 100_000;
/// Calls started and not yet finished at any moment (the load generator's concurrency).
const CONCURRENCY: usize = 128;
/// Share of upstream requests answered 500, 502 or 503.
const ERROR_RATE: f64 = 0.05;
/// Share of upstream connections dropped without an answer.
const RESET_RATE: f64 = 0.02;
/// Longest one run may take.
const RUN_LIMIT: Duration = Duration::from_secs(600);

struct Run {
    failed: u64,
    requests: u64,
    wall_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    first_failure: Option<String>,
}

fn get_requests(stats: &Value) -> u64 {
    stats["requests"]["crm.records.get"]
        .as_object()
        .map(|statuses| statuses.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0)
}

async fn one_run(
    sandbox: &zoho_sandbox::Sandbox,
    client: &zoho_core::Client,
    record_id: &str,
    calls: usize,
) -> Result<Run, Error> {
    let before = get_requests(&sandbox.stats());
    let started = Instant::now();
    let work = futures::stream::iter(0..calls)
        .map(|_| {
            let client = client.clone();
            let id = record_id.to_owned();
            async move {
                let began = Instant::now();
                let outcome = zoho_actions::crm::GetRecord::new("Leads", &id)
                    .execute(&client)
                    .await;
                (began.elapsed().as_secs_f64() * 1e3, outcome)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>();
    let outcomes = tokio::time::timeout(RUN_LIMIT, work)
        .await
        .map_err(|_| Error::setup("calls under faults", format!("over {RUN_LIMIT:?}")))?;
    let wall_s = started.elapsed().as_secs_f64();
    let requests = get_requests(&sandbox.stats()) - before;
    let mut latencies = Vec::with_capacity(calls);
    let (mut failed, mut first_failure) = (0, None);
    for (ms, outcome) in outcomes {
        latencies.push(ms);
        if let Err(err) = outcome {
            failed += 1;
            first_failure.get_or_insert_with(|| err.to_string());
        }
    }
    Ok(Run {
        failed,
        requests,
        wall_s,
        p50_ms: percentile(&latencies, 50.0),
        p99_ms: percentile(&latencies, 99.0),
        first_failure,
    })
}

#[derive(Default)]
struct Series {
    failed: Vec<f64>,
    per_call: Vec<f64>,
    calls_per_s: Vec<f64>,
    p50_ms: Vec<f64>,
    p99_ms: Vec<f64>,
    first_failure: Option<String>,
}

impl Series {
    fn add(&mut self, run: Run, calls: usize) {
        self.failed.push(run.failed as f64);
        self.per_call.push(run.requests as f64 / calls as f64);
        self.calls_per_s.push(calls as f64 / run.wall_s);
        self.p50_ms.push(run.p50_ms);
        self.p99_ms.push(run.p99_ms);
        if self.first_failure.is_none() {
            self.first_failure = run.first_failure;
        }
    }

    fn json(&self, max_retries: u32) -> Value {
        json!({
            "max_retries": max_retries,
            "failed_calls": spread(&self.failed),
            "upstream_requests_per_call": spread(&self.per_call),
            "calls_per_s": spread(&self.calls_per_s),
            "p50_ms": spread(&self.p50_ms),
            "p99_ms": spread(&self.p99_ms),
            "first_failure": self.first_failure,
        })
    }
}

/// Run measurement 6 `runs` times per policy (at most 3: each run is 100,000 calls).
pub async fn run(runs: usize, calls: usize) -> Result<Value, Error> {
    let runs = runs.clamp(1, 3);
    let http = setup::http_client()?;
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 100,
        ..zoho_sandbox::SandboxConfig::default()
    })
    .await?;
    let base = sandbox.base_url().to_owned();
    let connection = setup::authorized_connection(
        &http,
        &base,
        None,
        zoho_core::__private::DEFAULT_CONCURRENCY,
    )
    .await?;
    let authorization = setup::bearer(&connection).await?;
    let record_id = setup::first_lead_id(&http, &base, &authorization).await?;
    // The same tokens, a connection that retries more.
    let patient = {
        let tokens = connection
            .token_manager()
            .stored_tokens()
            .await?
            .ok_or_else(|| Error::setup("calls under faults", "the connection holds no tokens"))?;
        let config = zoho_core::ConnectionConfig {
            max_retries: 5,
            ..connection.config().clone()
        };
        zoho_core::Connection::with_store(
            "bench-patient",
            config,
            zoho_core::Secret::new(zoho_sandbox::CLIENT_SECRET),
            std::sync::Arc::new(zoho_core::MemoryStore::with_tokens(tokens)),
        )?
        .with_http_client(http.clone())?
    };
    setup::set_faults(
        &http,
        &base,
        &json!({"error_rate": ERROR_RATE, "reset_rate": RESET_RATE}),
    )
    .await?;
    let (mut default, mut five) = (Series::default(), Series::default());
    for round in 0..runs {
        eprintln!("  calls under faults round {}/{runs}", round + 1);
        default.add(
            one_run(&sandbox, &connection.client(), &record_id, calls).await?,
            calls,
        );
        five.add(
            one_run(&sandbox, &patient.client(), &record_id, calls).await?,
            calls,
        );
    }
    sandbox.shutdown().await;
    Ok(json!({
        "setup": format!(
            "in-process sandbox with {:.0}% 5xx and {:.0}% dropped connections; {calls} crm \
             GetRecord calls, {CONCURRENCY} at a time, through one Connection (concurrency {}, \
             retry_initial_ms 1000); upstream requests from the sandbox's /__sandbox/stats",
            ERROR_RATE * 100.0,
            RESET_RATE * 100.0,
            zoho_core::__private::DEFAULT_CONCURRENCY
        ),
        "calls": calls,
        "fault_share": ERROR_RATE + RESET_RATE,
        "default_policy": default.json(zoho_core::ConnectionConfig::new("x").max_retries),
        "max_retries_5": five.json(5),
    }))
}
