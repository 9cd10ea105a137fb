//! The floor section: `crm.getRecord` through `zoho-server` against the same call through
//! `zoho-floor` (the least a JSON-RPC -> REST pass-through can do), under the same load
//! generator, interleaved round by round, at 64 connections and at 1. Reported as ratios to the
//! floor: CPU per call of the server process (from `/proc/PID/stat`), throughput, p50, p99.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::error::Error;
use crate::generator::{Generator, Load};
use crate::procs::{self, Bins, Running};
use crate::setup;
use crate::stats::spread;

/// Connection counts measured: the loaded case and the one-call-at-a-time case.
const CONNECTIONS: [usize; 2] = [64, 1];

/// One process under load: the server or the floor.
struct Target {
    name: &'static str,
    process: Running,
    url: String,
}

/// Per-round figures of one target at one connection count.
#[derive(Default)]
struct Series {
    cpu_us: Vec<f64>,
    sandbox_cpu_us: Vec<f64>,
    generator_cpu_us: Vec<f64>,
    rps: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
    calls: u64,
}

impl Series {
    fn add(&mut self, load: &Load, cpu: f64, sandbox_cpu: f64) {
        let calls = load.calls.max(1) as f64;
        self.cpu_us.push(cpu / calls);
        self.sandbox_cpu_us.push(sandbox_cpu / calls);
        self.generator_cpu_us.push(load.generator_cpu_us_per_call);
        self.rps.push(load.throughput);
        self.p50.push(load.p50_us);
        self.p99.push(load.p99_us);
        self.calls += load.calls;
    }

    fn json(&self) -> Value {
        json!({
            "cpu_us_per_call": spread(&self.cpu_us),
            "sandbox_cpu_us_per_call": spread(&self.sandbox_cpu_us),
            "generator_cpu_us_per_call": spread(&self.generator_cpu_us),
            "throughput_per_s": spread(&self.rps),
            "p50_us": spread(&self.p50),
            "p99_us": spread(&self.p99),
            "calls": self.calls,
        })
    }
}

fn ratios(num: &[f64], den: &[f64]) -> Vec<f64> {
    num.iter().zip(den).map(|(a, b)| a / b.max(1e-9)).collect()
}

/// Start `zoho-floor` against the sandbox at `base` with `token`.
pub(crate) fn spawn_floor(
    bins: &Bins,
    base: &str,
    token: &str,
) -> Result<(Running, String), Error> {
    let mut command = Command::new(bins.path("zoho-floor")?);
    command
        .args(["--listen", "127.0.0.1:0", "--upstream", base])
        .env("ZOHO_FLOOR_TOKEN", token);
    let (child, line) = procs::spawn_until_line("zoho-floor", command, "JSON-RPC on")?;
    let url = procs::url_in(&line)
        .ok_or_else(|| Error::child("zoho-floor", format!("no URL in `{line}`")))?;
    Ok((child, url))
}

/// One call through `target`, checked: the record comes back (the server shapes it as the
/// record, the floor passes Zoho's `{"data": [record]}` through).
async fn check(http: &reqwest::Client, target: &Target, body: &str, id: &str) -> Result<(), Error> {
    let reply: Value = http
        .post(format!("{}/rpc", target.url))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| Error::setup("checking a call", e))?
        .json()
        .await
        .map_err(|e| Error::setup("checking a call", e))?;
    let got = reply["result"]["id"]
        .as_str()
        .or_else(|| reply["result"]["data"][0]["id"].as_str());
    if got == Some(id) {
        Ok(())
    } else {
        Err(Error::setup(
            "checking a call",
            format!("{} answered {reply}", target.name),
        ))
    }
}

/// Run the floor section; returns its figures.
pub async fn run(bins: &Bins, runs: usize, length: Duration) -> Result<Value, Error> {
    let http = setup::http_client()?;
    let (sandbox, base) = setup::spawn_sandbox(bins, 1_000)?;
    setup::lift_limits(&http, &base).await?;
    let dir = setup::scratch_dir("floor")?;
    let connection =
        setup::authorized_connection(&http, &base, Some(dir.join("tokens.json")), 64).await?;
    let authorization = setup::bearer(&connection).await?;
    let token = authorization
        .strip_prefix("Zoho-oauthtoken ")
        .unwrap_or(&authorization)
        .to_owned();
    let record_id = setup::first_lead_id(&http, &base, &authorization).await?;
    let config = setup::write_server_config(&dir, &base, 64)?;
    let (server, server_url) = setup::spawn_server(bins, &config, None)?;
    let (floor, floor_url) = spawn_floor(bins, &base, &token)?;
    let targets = [
        Target {
            name: "zoho-server",
            process: server,
            url: server_url,
        },
        Target {
            name: "zoho-floor",
            process: floor,
            url: floor_url,
        },
    ];
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "crm.getRecord",
        "params": {"recordType": "Leads", "recordId": record_id}})
    .to_string();
    let generator = Generator::detect(http.clone(), dir.clone());
    let ticks = procs::clock_ticks_per_second();
    let cpu = |pid: &str| procs::cpu_time_us(pid, ticks).unwrap_or(0.0);

    for target in &targets {
        check(&http, target, &body, &record_id).await?;
        let url = format!("{}/rpc", target.url);
        generator
            .post(&url, &body, 64, Duration::from_secs(1))
            .await?;
    }
    // [connections][target]
    let mut series: [[Series; 2]; 2] = Default::default();
    for round in 0..runs {
        eprintln!("  floor round {}/{}", round + 1, runs);
        for (slot, &connections) in CONNECTIONS.iter().enumerate() {
            // Alternate which goes first so slow drift of the machine favours neither.
            let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for index in order {
                let target = &targets[index];
                check(&http, target, &body, &record_id).await?;
                let url = format!("{}/rpc", target.url);
                let (pid, sandbox_pid) = (target.process.pid(), sandbox.pid());
                let (before, sandbox_before) = (cpu(&pid), cpu(&sandbox_pid));
                let load = generator.post(&url, &body, connections, length).await?;
                let (after, sandbox_after) = (cpu(&pid), cpu(&sandbox_pid));
                series[slot][index].add(&load, after - before, sandbox_after - sandbox_before);
            }
        }
    }
    let mut out = serde_json::Map::new();
    out.insert(
        "setup".into(),
        json!(format!(
            "zoho-sandbox, zoho-server (serve --config, max_in_flight 64, default info logging) \
             and zoho-floor as separate release processes; the same crm.getRecord call (one \
             Lead, all fields) to each; load from {}; {} s per run, the two targets one after \
             the other in each round, the order alternating",
            generator.describe(),
            length.as_secs().max(1)
        )),
    );
    for (slot, connections) in CONNECTIONS.iter().enumerate() {
        let [server, floor] = &series[slot];
        out.insert(
            format!("connections_{connections}"),
            json!({
                "server": server.json(),
                "floor": floor.json(),
                "cpu_ratio": spread(&ratios(&server.cpu_us, &floor.cpu_us)),
                "throughput_ratio": spread(&ratios(&server.rps, &floor.rps)),
                "p50_ratio": spread(&ratios(&server.p50, &floor.p50)),
                "p99_ratio": spread(&ratios(&server.p99, &floor.p99)),
            }),
        );
    }
    drop(targets);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Value::Object(out))
}
