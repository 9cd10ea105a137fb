//! Measurement 4: 1,000 calls at once on an expired token. Counts the token requests the
//! sandbox saw (the single-flight refresh should make exactly one) and the latency added over
//! the same 1,000 calls on a valid token.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use zoho_actions::Action as _;
use zoho_core::{Client, Connection, MemoryStore, Secret};

use crate::error::Error;
use crate::setup;
use crate::stats::{percentile, spread};

/// Calls started at once.
pub const CALLS: usize = 1_000;
/// Calls on the wire at once (the connection's `max_in_flight`); the rest wait for a slot
/// after taking their token, so all 1,000 meet the expired token.
const MAX_IN_FLIGHT: usize = 64;
/// Longest one batch may take.
const BATCH_LIMIT: Duration = Duration::from_secs(60);

struct Batch {
    wall_ms: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Start `CALLS` `GetRecord`s at once on `client`; every one must succeed.
async fn batch(client: &Client, record_id: &str, what: &str) -> Result<Batch, Error> {
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let client = client.clone();
        let id = record_id.to_owned();
        tasks.push(tokio::spawn(async move {
            let record = zoho_actions::crm::GetRecord::new("Leads", &id)
                .execute(&client)
                .await
                .map_err(|e| e.to_string())?;
            if record["id"].as_str() == Some(id.as_str()) {
                Ok(started.elapsed().as_secs_f64() * 1e3)
            } else {
                Err(format!("unexpected record {record}"))
            }
        }));
    }
    let joined = tokio::time::timeout(BATCH_LIMIT, futures::future::join_all(tasks))
        .await
        .map_err(|_| {
            Error::setup(
                "token refresh batch",
                format!("{what}: over {BATCH_LIMIT:?}"),
            )
        })?;
    let mut done = Vec::with_capacity(CALLS);
    let (mut failed, mut first) = (0u64, None);
    for outcome in joined {
        match outcome {
            Ok(Ok(ms)) => done.push(ms),
            Ok(Err(message)) => {
                failed += 1;
                first.get_or_insert(message);
            }
            Err(err) => {
                failed += 1;
                first.get_or_insert(err.to_string());
            }
        }
    }
    if let Some(first) = first {
        return Err(Error::CallsFailed {
            what: what.to_owned(),
            failed,
            total: CALLS as u64,
            first,
        });
    }
    Ok(Batch {
        wall_ms: started.elapsed().as_secs_f64() * 1e3,
        p50_ms: percentile(&done, 50.0),
        p99_ms: percentile(&done, 99.0),
    })
}

fn refresh_grants(stats: &Value) -> u64 {
    stats["token_grants"]["refresh_token"].as_u64().unwrap_or(0)
}

fn unauthorized_answers(stats: &Value) -> u64 {
    stats["requests"]
        .as_object()
        .map(|routes| {
            routes
                .values()
                .filter_map(|statuses| statuses["401"].as_u64())
                .sum()
        })
        .unwrap_or(0)
}

#[derive(Default)]
struct Series {
    wall_ms: Vec<f64>,
    p50_ms: Vec<f64>,
    p99_ms: Vec<f64>,
    token_requests: Vec<f64>,
    unauthorized: Vec<f64>,
}

impl Series {
    fn add(&mut self, batch: &Batch, token_requests: u64, unauthorized: u64) {
        self.wall_ms.push(batch.wall_ms);
        self.p50_ms.push(batch.p50_ms);
        self.p99_ms.push(batch.p99_ms);
        self.token_requests.push(token_requests as f64);
        self.unauthorized.push(unauthorized as f64);
    }

    fn json(&self, baseline: &Series) -> Value {
        let added =
            |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x - y).collect() };
        json!({
            "token_requests": spread(&self.token_requests),
            "answers_401": spread(&self.unauthorized),
            "wall_ms": spread(&self.wall_ms),
            "p50_ms": spread(&self.p50_ms),
            "p99_ms": spread(&self.p99_ms),
            "added_wall_ms": spread(&added(&self.wall_ms, &baseline.wall_ms)),
            "added_p50_ms": spread(&added(&self.p50_ms, &baseline.p50_ms)),
        })
    }
}

/// Run measurement 4 `runs` times against an in-process sandbox.
pub async fn run(runs: usize) -> Result<Value, Error> {
    let http = setup::http_client()?;
    let config = zoho_sandbox::SandboxConfig {
        // Count every token request instead of refusing some: a broken single flight shows
        // as a large count, not as failed calls.
        token_mint_limit: None,
        grant_code_limit: None,
        ..zoho_sandbox::SandboxConfig::default()
    };
    let sandbox = zoho_sandbox::Sandbox::start(config).await?;
    let base = sandbox.base_url().to_owned();
    setup::lift_limits(&http, &base).await?;
    let connection = setup::authorized_connection(&http, &base, None, MAX_IN_FLIGHT).await?;
    let authorization = setup::bearer(&connection).await?;
    let record_id = setup::first_lead_id(&http, &base, &authorization).await?;
    let client = connection.client();
    batch(&client, &record_id, "warm-up").await?;

    let (mut baseline, mut zoho_expired, mut client_expired) =
        (Series::default(), Series::default(), Series::default());
    for round in 0..runs {
        eprintln!("  token refresh round {}/{runs}", round + 1);
        let before = sandbox.stats();
        let fresh = batch(&client, &record_id, "valid token").await?;
        let after = sandbox.stats();
        baseline.add(
            &fresh,
            refresh_grants(&after) - refresh_grants(&before),
            unauthorized_answers(&after) - unauthorized_answers(&before),
        );

        // Zoho says the token expired (the client still believes it valid): 401, refresh, retry.
        sandbox.advance_clock(Duration::from_secs(3_700));
        let before = sandbox.stats();
        let expired = batch(&client, &record_id, "token expired at Zoho").await?;
        let after = sandbox.stats();
        zoho_expired.add(
            &expired,
            refresh_grants(&after) - refresh_grants(&before),
            unauthorized_answers(&after) - unauthorized_answers(&before),
        );

        // The client knows its token expired (as after a restart with a stored token).
        let known = client_side_expired(&connection, &http).await?;
        let before = sandbox.stats();
        let expired = batch(&known.client(), &record_id, "token known expired").await?;
        let after = sandbox.stats();
        client_expired.add(
            &expired,
            refresh_grants(&after) - refresh_grants(&before),
            unauthorized_answers(&after) - unauthorized_answers(&before),
        );
    }
    sandbox.shutdown().await;
    Ok(json!({
        "setup": format!("in-process sandbox; one Connection (TokenManager, max_in_flight {MAX_IN_FLIGHT}); \
                  {CALLS} crm GetRecord calls spawned at once; token requests from the sandbox's \
                  /__sandbox/stats token_grants.refresh_token"),
        "calls": CALLS,
        "valid_token": baseline.json(&baseline),
        "expired_at_zoho": zoho_expired.json(&baseline),
        "expired_known_to_client": client_expired.json(&baseline),
    }))
}

/// A second connection holding the first one's tokens, with the access token's expiry in the
/// past: it must refresh before its first call.
async fn client_side_expired(
    connection: &Connection,
    http: &reqwest::Client,
) -> Result<Connection, Error> {
    let mut tokens = connection
        .token_manager()
        .stored_tokens()
        .await?
        .ok_or_else(|| Error::setup("token refresh", "the connection holds no tokens"))?;
    tokens.expires_at = Some(SystemTime::now() - Duration::from_secs(60));
    let config = connection.config().clone();
    let known = Connection::with_store(
        "bench-expired",
        config,
        Secret::new(zoho_sandbox::CLIENT_SECRET),
        Arc::new(MemoryStore::with_tokens(tokens)),
    )?
    .with_http_client(http.clone())?;
    Ok(known)
}
