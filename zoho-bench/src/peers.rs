//! The peers section: the same `crm.getRecord` work done by Zoho's official Python SDK, its
//! official Node SDK and a plain Node axios loop against the same sandbox, next to
//! `zoho-server` and `zoho-floor` (the least a JSON-RPC pass-through can do, for scale) under
//! the load generator, sequentially and at concurrency 16, interleaved round by round. Each peer is a script in `zoho-bench/peers/` that times itself and reports
//! its own CPU; a peer that is not installed is skipped with the command that installs it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::error::Error;
use crate::generator::Generator;
use crate::procs::{self, Bins};
use crate::setup;
use crate::stats::spread;

/// How many targets the load generator drives: zoho-server and the floor.
const DRIVEN: usize = 2;
/// The concurrencies measured: one call at a time, and 16 in flight.
const CONCURRENCY: [usize; 2] = [1, 16];
/// The command that installs the peers.
const INSTALL: &str = "bash zoho-bench/peers/install.sh";
/// The scopes the SDKs' refresh tokens carry (they read the current user and the org).
const SDK_SCOPES: &str =
    "ZohoCRM.modules.ALL ZohoCRM.settings.ALL ZohoCRM.users.ALL ZohoCRM.org.ALL";
/// The environment variable that hands an SDK script its refresh token.
const REFRESH_ENV: &str = "ZOHO_BENCH_REFRESH_TOKEN";

/// A refresh token from a self-client grant code, as a developer makes one in Zoho's console.
/// Each SDK gets one for all its rounds: Zoho (and the sandbox) allow only a few grant codes per
/// window, so a new grant code per run would run out.
async fn refresh_token(http: &reqwest::Client, base: &str) -> Result<String, Error> {
    let what = "getting a refresh token for an SDK";
    let answer: Value = http
        .post(format!("{base}/__sandbox/self-client"))
        .form(&[("scope", SDK_SCOPES)])
        .send()
        .await
        .map_err(|e| Error::setup(what, e))?
        .json()
        .await
        .map_err(|e| Error::setup(what, e))?;
    let code = answer["code"]
        .as_str()
        .ok_or_else(|| Error::setup(what, answer.to_string()))?;
    let tokens: Value = http
        .post(format!("{base}/oauth/v2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", zoho_sandbox::CLIENT_ID),
            ("client_secret", zoho_sandbox::CLIENT_SECRET),
            ("code", code),
        ])
        .send()
        .await
        .map_err(|e| Error::setup(what, e))?
        .json()
        .await
        .map_err(|e| Error::setup(what, e))?;
    tokens["refresh_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::setup(what, "the token answer has no refresh_token"))
}

/// One peer: how to start its script, or why it cannot run.
struct Peer {
    key: &'static str,
    label: &'static str,
    command: Result<Command, String>,
}

/// Per-round figures at one concurrency.
#[derive(Default, Clone)]
struct Series {
    rps: Vec<f64>,
    cpu_us: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
    calls: u64,
}

impl Series {
    fn json(&self) -> Value {
        json!({
            "throughput_per_s": spread(&self.rps),
            "cpu_us_per_call": spread(&self.cpu_us),
            "p50_us": spread(&self.p50),
            "p99_us": spread(&self.p99),
            "calls": self.calls,
        })
    }
}

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers")
}

/// Where `.ci/sdks.sh` and `peers/install.sh` put the peers: `target/sdks`, beside the release
/// folder the binaries run from (`ZOHO_BENCH_SDKS` points elsewhere).
fn sdks_dir(bins: &Bins) -> PathBuf {
    std::env::var_os("ZOHO_BENCH_SDKS")
        .map(PathBuf::from)
        .unwrap_or_else(|| bins.dir.join("../sdks"))
}

fn installed(what: &str, probe: &Path) -> Result<(), String> {
    if probe.exists() {
        Ok(())
    } else {
        Err(format!(
            "{what} is not installed at {}: run `{INSTALL}`",
            probe.display()
        ))
    }
}

fn node_available() -> Result<(), String> {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|_| ())
        .map_err(|_| "node is not on PATH (Debian: apt-get install nodejs npm)".to_owned())
}

struct Context<'a> {
    base: &'a str,
    python_refresh: &'a str,
    node_refresh: &'a str,
    record_id: &'a str,
    token_file: &'a Path,
    work: &'a Path,
    seconds: String,
}

fn peers(bins: &Bins, cx: &Context) -> Vec<Peer> {
    let sdks = sdks_dir(bins);
    let scripts = scripts_dir();
    let concurrencies = CONCURRENCY.map(|c| c.to_string()).join(",");
    let python = sdks.join("python/bin/python");
    let python_sdk = installed("Zoho's Python SDK", &python).map(|()| {
        let mut command = Command::new(&python);
        command
            .env(REFRESH_ENV, cx.python_refresh)
            .arg(scripts.join("python_sdk.py"))
            .arg(cx.base)
            .arg(cx.work.join("python"))
            .args([cx.record_id, &cx.seconds, &concurrencies]);
        command
    });
    let node_dir = sdks.join("node");
    let node_sdk = node_available()
        .and_then(|()| {
            installed(
                "Zoho's Node SDK",
                &node_dir.join("node_modules/@zohocrm/nodejs-sdk-8.0/package.json"),
            )
        })
        .map(|()| {
            let mut command = Command::new("node");
            command
                .env("SDK_DIR", &node_dir)
                .env(REFRESH_ENV, cx.node_refresh)
                .arg(scripts.join("node_sdk.mjs"))
                .arg(cx.base)
                .arg(cx.work.join("node"))
                .args([cx.record_id, &cx.seconds, &concurrencies]);
            command
        });
    let axios_dir = sdks.join("axios");
    let axios = node_available()
        .and_then(|()| installed("axios", &axios_dir.join("node_modules/axios/package.json")))
        .map(|()| {
            let mut command = Command::new("node");
            command
                .env("AXIOS_DIR", &axios_dir)
                .arg(scripts.join("axios_loop.mjs"))
                .args([cx.base, cx.record_id])
                .arg(cx.token_file)
                .args([&cx.seconds, &concurrencies]);
            command
        });
    vec![
        Peer {
            key: "python_sdk",
            label: "Zoho's Python SDK (zohocrmsdk8-0 7.0.0, threads)",
            command: python_sdk,
        },
        Peer {
            key: "node_sdk",
            label: "Zoho's Node SDK (@zohocrm/nodejs-sdk-8.0 2.0.0, async workers)",
            command: node_sdk,
        },
        Peer {
            key: "axios",
            label: "plain Node axios loop (axios 1.7.9, async workers)",
            command: axios,
        },
    ]
}

/// Run a peer script to its end (at most `limit`) and return its JSON lines.
fn run_script(command: &mut Command, limit: Duration) -> Result<Vec<Value>, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.stderr.take().ok_or("no stderr")?;
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {limit:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    if !status.success() {
        let lines: Vec<&str> = err
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let tail = lines[lines.len().saturating_sub(4)..].join(" / ");
        return Err(format!("exited with {status}: {tail}"));
    }
    let lines: Vec<Value> = out
        .lines()
        .filter(|line| line.starts_with('{'))
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    if lines.len() != CONCURRENCY.len() {
        return Err(format!(
            "expected {} figure lines, got: {out}",
            CONCURRENCY.len()
        ));
    }
    for line in &lines {
        if line["failed"].as_u64() != Some(0) || line["calls"].as_u64().unwrap_or(0) == 0 {
            return Err(format!("calls failed: {line}"));
        }
    }
    Ok(lines)
}

fn ratios(num: &[f64], den: &[f64]) -> Vec<f64> {
    num.iter().zip(den).map(|(a, b)| a / b.max(1e-9)).collect()
}

/// Run the peers section; returns its figures.
pub async fn run(bins: &Bins, runs: usize, length: Duration) -> Result<Value, Error> {
    let http = setup::http_client()?;
    let (sandbox, base) = setup::spawn_sandbox(bins, 1_000)?;
    setup::lift_limits(&http, &base).await?;
    let dir = setup::scratch_dir("peers")?;
    let connection =
        setup::authorized_connection(&http, &base, Some(dir.join("tokens.json")), 64).await?;
    let authorization = setup::bearer(&connection).await?;
    let token_file = dir.join("access-token");
    let token = authorization
        .strip_prefix("Zoho-oauthtoken ")
        .unwrap_or(&authorization);
    std::fs::write(&token_file, token).map_err(|source| Error::Io {
        path: token_file.display().to_string(),
        source,
    })?;
    let record_id = setup::first_lead_id(&http, &base, &authorization).await?;
    let config = setup::write_server_config(&dir, &base, 64)?;
    let (server, server_url) = setup::spawn_server(bins, &config, None)?;
    let rpc_url = format!("{server_url}/rpc");
    let (floor, floor_url) = crate::floor::spawn_floor(bins, &base, token)?;
    // What the generator drives: [0] zoho-server, [1] the floor.
    let driven = [
        (&server, rpc_url.clone()),
        (&floor, format!("{floor_url}/rpc")),
    ];
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "crm.getRecord",
        "params": {"recordType": "Leads", "recordId": record_id}})
    .to_string();
    let generator = Generator::detect(http.clone(), dir.clone());
    let ticks = procs::clock_ticks_per_second();
    let seconds = length.as_secs().max(1);
    let python_refresh = refresh_token(&http, &base).await?;
    let node_refresh = refresh_token(&http, &base).await?;
    let cx = Context {
        base: &base,
        python_refresh: &python_refresh,
        node_refresh: &node_refresh,
        record_id: &record_id,
        token_file: &token_file,
        work: &dir,
        seconds: seconds.to_string(),
    };
    let mut peers = peers(bins, &cx);
    // A script gets its start-up, its warm-up and its timed runs, with room to spare.
    let limit = Duration::from_secs(60 + 3 * seconds * CONCURRENCY.len() as u64);
    for (_, url) in &driven {
        generator
            .post(url, &body, 16, Duration::from_secs(1))
            .await?;
    }

    // [0] is zoho-server, [1] the floor, then one per peer; each [concurrency].
    let mut series: Vec<[Series; 2]> = vec![Default::default(); peers.len() + DRIVEN];
    // The generator's CPU per call, [driven][concurrency].
    let mut generator_cpu: [[Vec<f64>; 2]; DRIVEN] = Default::default();
    let mut skipped: Vec<Option<String>> = peers
        .iter()
        .map(|p| p.command.as_ref().err().cloned())
        .collect();
    for (peer, why) in peers.iter().zip(&skipped) {
        if let Some(why) = why {
            eprintln!("  peers: skipping {}: {why}", peer.label);
        }
    }
    for round in 0..runs {
        eprintln!("  peers round {}/{}", round + 1, runs);
        let mut order: Vec<usize> = (0..peers.len() + DRIVEN).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for who in order {
            if let Some((process, url)) = driven.get(who) {
                for (slot, &concurrency) in CONCURRENCY.iter().enumerate() {
                    let before = procs::cpu_time_us(&process.pid(), ticks).unwrap_or(0.0);
                    let load = generator.post(url, &body, concurrency, length).await?;
                    let after = procs::cpu_time_us(&process.pid(), ticks).unwrap_or(0.0);
                    let s = &mut series[who][slot];
                    s.rps.push(load.throughput);
                    s.cpu_us.push((after - before) / load.calls.max(1) as f64);
                    s.p50.push(load.p50_us);
                    s.p99.push(load.p99_us);
                    s.calls += load.calls;
                    generator_cpu[who][slot].push(load.generator_cpu_us_per_call);
                }
                continue;
            }
            let peer = who - DRIVEN;
            if skipped[peer].is_some() {
                continue;
            }
            let Ok(command) = peers[peer].command.as_mut() else {
                continue;
            };
            match run_script(command, limit) {
                Ok(lines) => {
                    for (slot, line) in lines.iter().enumerate() {
                        let calls = line["calls"].as_f64().unwrap_or(0.0);
                        let s = &mut series[who][slot];
                        s.rps
                            .push(calls / line["seconds"].as_f64().unwrap_or(1.0).max(1e-9));
                        s.cpu_us
                            .push(line["cpu_us"].as_f64().unwrap_or(0.0) / calls.max(1.0));
                        s.p50.push(line["p50_us"].as_f64().unwrap_or(0.0));
                        s.p99.push(line["p99_us"].as_f64().unwrap_or(0.0));
                        s.calls += calls as u64;
                    }
                }
                Err(why) => {
                    eprintln!("  peers: {} failed, left out: {why}", peers[peer].label);
                    skipped[peer] = Some(format!("failed: {why}"));
                }
            }
        }
    }
    let mut out = serde_json::Map::new();
    out.insert(
        "setup".into(),
        json!(format!(
            "one zoho-sandbox process (1000 Leads, limits lifted); each peer is a script run as \
             its own process (start-up and 20 warm-up calls untimed), fetching the same Lead \
             (all fields) for {seconds} s at each concurrency and reporting its own CPU \
             (getrusage / process.cpuUsage) over the timed window; zoho-server (serve --config, \
             default info logging) and zoho-floor are driven by {}, their CPU read from \
             /proc/PID/stat. Rounds interleave the six, the order alternating",
            generator.describe()
        )),
    );
    for (index, key) in ["zoho_server", "floor"].into_iter().enumerate() {
        let mut figures = serde_json::Map::new();
        for (slot, c) in CONCURRENCY.iter().enumerate() {
            let mut v = series[index][slot].json();
            v["generator_cpu_us_per_call"] = spread(&generator_cpu[index][slot]);
            figures.insert(format!("concurrency_{c}"), v);
        }
        out.insert(key.into(), Value::Object(figures));
    }
    let (server_series, floor_series) = (&series[0], &series[1]);
    for (index, peer) in peers.iter().enumerate() {
        let mut entry = serde_json::Map::new();
        entry.insert("label".into(), json!(peer.label));
        if let Some(why) = &skipped[index] {
            entry.insert("skipped".into(), json!(why));
        } else {
            for (slot, c) in CONCURRENCY.iter().enumerate() {
                let mine = &series[index + DRIVEN][slot];
                let theirs = &server_series[slot];
                // The caller's side counts too: zoho-server's CPU plus the generator's.
                let server_total: Vec<f64> = theirs
                    .cpu_us
                    .iter()
                    .zip(&generator_cpu[0][slot])
                    .map(|(a, b)| a + b)
                    .collect();
                let mut v = mine.json();
                v["server_throughput_ratio"] = spread(&ratios(&theirs.rps, &mine.rps));
                v["floor_throughput_ratio"] = spread(&ratios(&floor_series[slot].rps, &mine.rps));
                v["cpu_ratio"] = spread(&ratios(&mine.cpu_us, &server_total));
                entry.insert(format!("concurrency_{c}"), v);
            }
        }
        out.insert(peer.key.into(), Value::Object(entry));
    }
    drop(driven);
    drop(floor);
    drop(server);
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Value::Object(out))
}
