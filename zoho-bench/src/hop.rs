//! Measurements 1 and 2: one `crm.getRecord` through `zoho-server`'s JSON-RPC, through the
//! generated Rust type, and straight to the sandbox with a bare reqwest call, side by side.
//!
//! The sandbox and the server are separate processes, as Zoho and the server are in production;
//! this process is the load generator and uses one reqwest client (one keep-alive pool) for
//! every path, so the only difference between "direct" and "JSON-RPC" is the hop.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use zoho_actions::Action as _;
use zoho_core::Client;

use crate::error::Error;
use crate::load::{self, Run};
use crate::procs::{self, Bins};
use crate::profile;
use crate::setup;
use crate::stats::spread;

/// Latency the sandbox adds to every answer in the "Zoho-like" variant (a nearby data center).
const UPSTREAM_LATENCY_MS: u64 = 20;

/// Load-run lengths; several short runs beat one long one on a shared machine.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Runs of each measurement.
    pub runs: usize,
    /// Length of one run.
    pub run: Duration,
}

/// The paths one call can take.
#[derive(Clone)]
struct Paths {
    http: reqwest::Client,
    direct_url: String,
    authorization: String,
    rpc_url: String,
    quiet_rpc_url: String,
    healthz_url: String,
    rpc_body: Arc<Vec<u8>>,
    invalid_body: Arc<Vec<u8>>,
    record_id: Arc<str>,
    client: Client,
}

/// Direct: the same GET the server makes, answered by the sandbox, body parsed as JSON.
async fn direct(p: Paths) -> Result<(), String> {
    let answer = p
        .http
        .get(&p.direct_url)
        .header("authorization", &p.authorization)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = answer.status();
    let body: Value = answer.json().await.map_err(|e| e.to_string())?;
    if status.is_success() && body["data"][0]["id"].as_str() == Some(&*p.record_id) {
        Ok(())
    } else {
        Err(format!("direct: {status} {body}"))
    }
}

/// One JSON-RPC POST; `expect_record` checks the result is the record, else that it is an error.
async fn rpc(p: Paths, url: String, body: Arc<Vec<u8>>, expect_record: bool) -> Result<(), String> {
    let answer = p
        .http
        .post(format!("{url}/rpc"))
        .header("content-type", "application/json")
        .body(body.as_ref().clone())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let reply: Value = answer.json().await.map_err(|e| e.to_string())?;
    let fine = if expect_record {
        reply["result"]["id"].as_str() == Some(&*p.record_id)
    } else {
        reply["error"]["code"] == -32602
    };
    if fine {
        Ok(())
    } else {
        Err(format!("rpc: {reply}"))
    }
}

/// Through the generated type, on the shared client.
async fn typed(p: Paths) -> Result<(), String> {
    let record = zoho_actions::crm::GetRecord::new("Leads", &*p.record_id)
        .execute(&p.client)
        .await
        .map_err(|e| e.to_string())?;
    if record["id"].as_str() == Some(&*p.record_id) {
        Ok(())
    } else {
        Err(format!("typed: {record}"))
    }
}

async fn healthz(p: Paths) -> Result<(), String> {
    let answer = p
        .http
        .get(&p.healthz_url)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = answer.status();
    answer.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("healthz: {status}"))
    }
}

#[derive(Clone, Copy, Debug)]
enum Path {
    Direct,
    Rpc,
    RpcQuiet,
    RpcInvalid,
    Healthz,
    Typed,
}

async fn measure(
    paths: &Paths,
    path: Path,
    concurrency: usize,
    length: Duration,
) -> Result<Run, Error> {
    let p = paths.clone();
    let run = match path {
        Path::Direct => load::closed_loop(concurrency, length, move || direct(p.clone())).await,
        Path::Rpc => {
            load::closed_loop(concurrency, length, move || {
                rpc(p.clone(), p.rpc_url.clone(), p.rpc_body.clone(), true)
            })
            .await
        }
        Path::RpcQuiet => {
            load::closed_loop(concurrency, length, move || {
                rpc(p.clone(), p.quiet_rpc_url.clone(), p.rpc_body.clone(), true)
            })
            .await
        }
        Path::RpcInvalid => {
            load::closed_loop(concurrency, length, move || {
                rpc(p.clone(), p.rpc_url.clone(), p.invalid_body.clone(), false)
            })
            .await
        }
        Path::Healthz => load::closed_loop(concurrency, length, move || healthz(p.clone())).await,
        Path::Typed => load::closed_loop(concurrency, length, move || typed(p.clone())).await,
    };
    run.check(&format!("{path:?} at concurrency {concurrency}"))?;
    Ok(run)
}

/// Per-run figures of one path at one concurrency.
#[derive(Default)]
struct Series {
    p50: Vec<f64>,
    p99: Vec<f64>,
    rps: Vec<f64>,
    calls: u64,
}

impl Series {
    fn add(&mut self, run: &Run) {
        self.p50.push(run.p50_us());
        self.p99.push(run.p99_us());
        self.rps.push(run.throughput());
        self.calls += run.latencies_us.len() as u64;
    }

    fn json(&self) -> Value {
        json!({
            "p50_us": spread(&self.p50),
            "p99_us": spread(&self.p99),
            "throughput_per_s": spread(&self.rps),
            "calls": self.calls,
        })
    }
}

fn ratios(num: &[f64], den: &[f64]) -> Vec<f64> {
    num.iter().zip(den).map(|(a, b)| a / b.max(1e-9)).collect()
}

fn differences(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x - y).collect()
}

/// Run measurements 1 (JSON-RPC hop) and 2 (Rust path); returns `{"hop": ..., "rust_path": ...}`.
pub async fn run(bins: &Bins, timing: Timing) -> Result<Value, Error> {
    let http = setup::http_client()?;
    let (sandbox, base) = setup::spawn_sandbox(bins, 1_000)?;
    setup::lift_limits(&http, &base).await?;
    let dir = setup::scratch_dir("hop")?;
    // The server may have as many calls in flight as the load generator sends, as "direct" may.
    let connection =
        setup::authorized_connection(&http, &base, Some(dir.join("tokens.json")), 64).await?;
    let authorization = setup::bearer(&connection).await?;
    let record_id = setup::first_lead_id(&http, &base, &authorization).await?;
    let config = setup::write_server_config(&dir, &base, 64)?;
    let (server, server_url) = setup::spawn_server(bins, &config, None)?;
    let pids = [sandbox.pid(), server.pid(), "self".to_owned()];
    let ticks = procs::clock_ticks_per_second();
    let cpu = |pids: &[String; 3]| {
        pids.clone()
            .map(|pid| procs::cpu_time_us(&pid, ticks).unwrap_or(0.0))
    };
    let (_quiet, quiet_url) = setup::spawn_server(bins, &config, Some("warn"))?;

    let rpc_body = json!({"jsonrpc": "2.0", "id": 1, "method": "crm.getRecord",
        "params": {"recordType": "Leads", "recordId": record_id}});
    let invalid_body = json!({"jsonrpc": "2.0", "id": 1, "method": "crm.getRecord",
        "params": {"recordType": "Leads"}});
    let paths = Paths {
        http: http.clone(),
        direct_url: format!("{base}/crm/v3/Leads/{record_id}"),
        authorization,
        rpc_url: server_url.clone(),
        quiet_rpc_url: quiet_url,
        healthz_url: format!("{server_url}/healthz"),
        rpc_body: Arc::new(rpc_body.to_string().into_bytes()),
        invalid_body: Arc::new(invalid_body.to_string().into_bytes()),
        record_id: record_id.as_str().into(),
        client: connection.client(),
    };

    // Warm every pool and both servers before anything counts.
    let warm = Duration::from_millis(300);
    for path in [
        Path::Direct,
        Path::Rpc,
        Path::RpcQuiet,
        Path::Typed,
        Path::Healthz,
    ] {
        measure(&paths, path, 64, warm).await?;
    }

    let mut c1: [Series; 6] = Default::default();
    let mut c64: [Series; 3] = Default::default();
    // CPU microseconds per call at concurrency 64: [path][sandbox, server, load generator].
    // The fourth row is JSON-RPC that never reaches the sandbox: the server's own side.
    let mut cpu64: [[Vec<f64>; 3]; 4] = Default::default();
    // Context switches per call at concurrency 64, the same way.
    let mut switches64: [[Vec<f64>; 3]; 4] = Default::default();
    let switches = |pids: &[String; 3]| {
        pids.clone()
            .map(|pid| procs::context_switches(&pid).unwrap_or(0) as f64)
    };
    for round in 0..timing.runs {
        eprintln!("  hop round {}/{}", round + 1, timing.runs);
        // Alternate the order so slow drift of the machine does not favour one path.
        let mut order = [Path::Direct, Path::Rpc, Path::Typed, Path::RpcInvalid];
        if round % 2 == 1 {
            order.reverse();
        }
        for path in order {
            let index = path_index(path);
            let row = if matches!(path, Path::RpcInvalid) {
                3
            } else {
                c1[index].add(&measure(&paths, path, 1, timing.run).await?);
                index
            };
            let before = cpu(&pids);
            let switches_before = switches(&pids);
            let run = measure(&paths, path, 64, timing.run).await?;
            let after = cpu(&pids);
            let switches_after = switches(&pids);
            let calls = run.latencies_us.len().max(1) as f64;
            for (slot, (a, b)) in after.iter().zip(&before).enumerate() {
                cpu64[row][slot].push((a - b) / calls);
            }
            for (slot, (a, b)) in switches_after.iter().zip(&switches_before).enumerate() {
                switches64[row][slot].push((a - b) / calls);
            }
            if row < 3 {
                c64[row].add(&run);
            }
        }
        for path in [Path::RpcQuiet, Path::RpcInvalid, Path::Healthz] {
            c1[path_index(path)].add(&measure(&paths, path, 1, timing.run / 2).await?);
        }
    }
    // The same side by side with Zoho-like upstream latency: the server's CPU is then a small
    // part of each call, as against the real Zoho.
    setup::set_faults(&http, &base, &json!({"latency_ms": UPSTREAM_LATENCY_MS})).await?;
    let (mut slow_direct, mut slow_rpc) = (Series::default(), Series::default());
    for _ in 0..timing.runs {
        slow_direct.add(&measure(&paths, Path::Direct, 64, timing.run / 2).await?);
        slow_rpc.add(&measure(&paths, Path::Rpc, 64, timing.run / 2).await?);
    }
    setup::set_faults(&http, &base, &json!({"latency_ms": 0})).await?;
    // One more loaded run with `perf` sampling the server, when the machine allows it.
    let server_profile = match profile::start(&server.pid(), &dir, timing.run * 3) {
        Some(recording) => {
            measure(&paths, Path::Rpc, 64, timing.run * 2).await?;
            recording.finish()
        }
        None => None,
    };
    let [direct1, rpc1, typed1, quiet1, invalid1, health1] = &c1;
    let [direct64, rpc64, typed64] = &c64;
    let cpu_json = |per: &[Vec<f64>; 3]| json!({"sandbox": spread(&per[0]), "server": spread(&per[1]), "load_generator": spread(&per[2])});
    let hop = json!({
        "setup": "zoho-sandbox and zoho-server (serve --config, connection max_in_flight 64, \
                  default info logging) as separate release processes; this process generates \
                  closed-loop load with one reqwest client; sandbox CRM concurrency limits lifted",
        "record": "crm.getRecord Leads/<id> (the full record, all fields)",
        "concurrency_1": {
            "direct": direct1.json(),
            "rpc": rpc1.json(),
            "added_p50_us": spread(&differences(&rpc1.p50, &direct1.p50)),
        },
        "concurrency_64": {
            "direct": direct64.json(),
            "rpc": rpc64.json(),
            "throughput_ratio": spread(&ratios(&rpc64.rps, &direct64.rps)),
            "cpu_us_per_call": {
                "direct": cpu_json(&cpu64[0]),
                "rpc": cpu_json(&cpu64[1]),
                "typed": cpu_json(&cpu64[2]),
                "rpc_invalid_params": cpu_json(&cpu64[3]),
            },
            "context_switches_per_call": {
                "direct": cpu_json(&switches64[0]),
                "rpc": cpu_json(&switches64[1]),
                "typed": cpu_json(&switches64[2]),
                "rpc_invalid_params": cpu_json(&switches64[3]),
            },
        },
        "server_profile_concurrency_64": server_profile,
        "concurrency_64_upstream_latency": {
            "latency_ms": UPSTREAM_LATENCY_MS,
            "direct": slow_direct.json(),
            "rpc": slow_rpc.json(),
            "throughput_ratio": spread(&ratios(&slow_rpc.rps, &slow_direct.rps)),
        },
        "breakdown_concurrency_1": {
            "healthz_p50_us": spread(&health1.p50),
            "rpc_invalid_params_p50_us": spread(&invalid1.p50),
            "rpc_logging_warn_p50_us": spread(&quiet1.p50),
            "rpc_p50_us": spread(&rpc1.p50),
            "direct_p50_us": spread(&direct1.p50),
            "typed_p50_us": spread(&typed1.p50),
        },
    });
    let rust_path = json!({
        "setup": "zoho_actions::crm::GetRecord::new(\"Leads\", id).execute(&client) with one shared \
                  zoho_core::Client (the authorized Connection's, on the same reqwest pool) vs a bare \
                  reqwest GET of the same URL with the same token, JSON body parsed in both",
        "concurrency_1": {
            "bare": direct1.json(),
            "typed": typed1.json(),
            "added_p50_us": spread(&differences(&typed1.p50, &direct1.p50)),
        },
        "concurrency_64": {
            "bare": direct64.json(),
            "typed": typed64.json(),
            "throughput_ratio": spread(&ratios(&typed64.rps, &direct64.rps)),
        },
    });
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({"hop": hop, "rust_path": rust_path}))
}

fn path_index(path: Path) -> usize {
    match path {
        Path::Direct => 0,
        Path::Rpc => 1,
        Path::Typed => 2,
        Path::RpcQuiet => 3,
        Path::RpcInvalid => 4,
        Path::Healthz => 5,
    }
}
