//! Measurement 7: the store of created connections, `file` against `redis`, side by side.
//!
//! For each store: one `zoho-server` with an app on the sandbox; 1,000 connections created over
//! JSON-RPC and authorized through the sandbox's consent flow (the authorize URL, Accept, the
//! redirect to the server's callback); then `connections.list` pages through them, 100 a page.
//! Then, runs alternating between the two servers, Get Records calls on one connection: the
//! per-call cost of each store (the Redis store also shares Zoho's limits, two round trips a
//! call). And in process, the cached token path itself: a token manager over each store hands
//! out its token, while Redis counts the commands it gets (none per call).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use zoho_core::store::{ConnectionTokens, FileStore, Keyring, RedisStore};
use zoho_core::{Connection, ConnectionConfig, Secret, Store, TokenManager, TokenSource};

use crate::error::Error;
use crate::procs::{self, Bins, Running};
use crate::setup;
use crate::stats::spread;

/// Connections created and authorized in each store.
pub const CONNECTIONS: usize = 1_000;
/// `connections.list`'s page.
const PAGE: usize = 100;
/// Consents run at once.
const CONSENTS_AT_ONCE: usize = 8;
/// Get Records calls of one run, and how many at once.
const CALLS: usize = 2_000;
const CALLS_AT_ONCE: usize = 20;
/// Token reads of the in-process measurement.
const TOKEN_READS: usize = 200_000;
/// The store's key (32 zero-based bytes, base64): benchmark data only.
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_ENV: &str = "ZOHO_BENCH_STORE_KEY";

/// A private `redis-server` on a Unix socket (append-only file, fsync every second, as a
/// fleet would run it); killed when dropped.
struct Redis {
    _process: Running,
    socket: std::path::PathBuf,
}

impl Redis {
    fn start(dir: &Path) -> Result<Redis, Error> {
        let socket = dir.join("redis.sock");
        let mut command = std::process::Command::new("redis-server");
        command
            .args(["--port", "0", "--unixsocket"])
            .arg(&socket)
            .args(["--unixsocketperm", "700", "--save", ""])
            .args(["--appendonly", "yes", "--appendfsync", "everysec", "--dir"])
            .arg(dir);
        let (process, _) = procs::spawn_until_line(
            "redis-server (apt-get install redis-server)",
            command,
            "accept connections",
        )?;
        Ok(Redis {
            _process: process,
            socket,
        })
    }

    fn url(&self) -> String {
        format!("redis+unix://{}", self.socket.display())
    }

    /// Commands Redis has run so far (`INFO stats`).
    fn commands(&self) -> Result<u64, Error> {
        let output = std::process::Command::new("redis-cli")
            .arg("-s")
            .arg(&self.socket)
            .args(["INFO", "stats"])
            .output()
            .map_err(|e| Error::child("redis-cli", e))?;
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .find_map(|line| line.strip_prefix("total_commands_processed:"))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| Error::child("redis-cli", "no total_commands_processed"))
    }
}

/// One server over one store, its connections authorized.
struct Server {
    _process: Running,
    rpc: String,
}

async fn rpc(
    http: &reqwest::Client,
    url: &str,
    method: &str,
    params: Value,
) -> Result<Value, Error> {
    let answer: Value = http
        .post(url)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .map_err(|e| Error::setup("a JSON-RPC call", e))?
        .json()
        .await
        .map_err(|e| Error::setup("a JSON-RPC answer", e))?;
    match answer.get("result") {
        Some(result) => Ok(result.clone()),
        None => Err(Error::setup(
            "a JSON-RPC call",
            format!("{method}: {answer}"),
        )),
    }
}

/// The customer's side of a consent: the authorize URL's request accepted at the sandbox, and
/// its redirect followed to the server's callback.
async fn consent(http: &reqwest::Client, authorize_url: &str) -> Result<(), Error> {
    let url = reqwest::Url::parse(authorize_url).map_err(|e| Error::setup("a consent URL", e))?;
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("action".into(), "accept".into()));
    let mut action = url.clone();
    action.set_query(None);
    let accepted = http
        .post(action)
        .form(&form)
        .send()
        .await
        .map_err(|e| Error::setup("accepting a consent", e))?;
    let back = accepted
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| Error::setup("accepting a consent", accepted.status()))?
        .to_owned();
    let callback = http
        .get(&back)
        .send()
        .await
        .map_err(|e| Error::setup("the consent's callback", e))?;
    if !callback.status().is_success() {
        return Err(Error::setup("the consent's callback", callback.status()));
    }
    Ok(())
}

fn name(n: usize) -> String {
    format!("c{n:04}")
}

/// Start a server over `store` (a `[store]` table's lines), create and authorize
/// [`CONNECTIONS`] connections, and page through them: the figures of those steps.
async fn populate(
    bins: &Bins,
    dir: &Path,
    sandbox: &str,
    store: &str,
    http: &reqwest::Client,
) -> Result<(Server, Value), Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let config = dir.join("zoho.toml");
    let text = format!(
        "[apps.main]\nclient_id = \"{}\"\nclient_secret_env = \"{}\"\n\
         accounts_url = \"{sandbox}\"\napi_base_url = \"{sandbox}\"\n\n\
         [store]\n{store}\nencryption_key_env = \"{KEY_ENV}\"\n",
        zoho_sandbox::CLIENT_ID,
        setup::SECRET_ENV
    );
    std::fs::write(&config, text).map_err(|source| Error::Io {
        path: config.display().to_string(),
        source,
    })?;
    let mut command = setup::server_command(bins)?;
    command
        .env(KEY_ENV, KEY)
        .arg("serve")
        .args(["--listen", "127.0.0.1:0", "--config"])
        .arg(&config);
    let (process, line) = procs::spawn_until_line("zoho-server", command, "JSON-RPC on")?;
    let url = procs::url_in(&line)
        .ok_or_else(|| Error::child("zoho-server", format!("no URL in `{line}`")))?;
    let server = Server {
        _process: process,
        rpc: format!("{}/rpc", url.trim_end_matches("/rpc")),
    };

    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..CONSENTS_AT_ONCE {
        let (http, rpc_url, next) = (http.clone(), server.rpc.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if n >= CONNECTIONS {
                    return Ok::<(), Error>(());
                }
                let created = rpc(
                    &http,
                    &rpc_url,
                    "connections.create",
                    json!({"name": name(n)}),
                )
                .await?;
                let authorize = created["authorizeUrl"]
                    .as_str()
                    .ok_or_else(|| Error::setup("connections.create", "no authorizeUrl"))?;
                consent(&http, authorize).await?;
            }
        }));
    }
    for worker in workers {
        worker
            .await
            .map_err(|e| Error::setup("a consent worker", e))??;
    }
    let consents = started.elapsed();

    let started = Instant::now();
    let (mut cursor, mut pages, mut authorized) = (Value::Null, 0, 0);
    loop {
        let page = rpc(
            http,
            &server.rpc,
            "connections.list",
            json!({"limit": PAGE, "cursor": cursor}),
        )
        .await?;
        pages += 1;
        authorized += page["connections"].as_array().map_or(0, |rows| {
            rows.iter().filter(|r| r["status"] == "authorized").count()
        });
        cursor = page["nextCursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    let listed = started.elapsed();
    if authorized != CONNECTIONS {
        return Err(Error::setup(
            "connections.list",
            format!("{authorized} of {CONNECTIONS} listed as authorized"),
        ));
    }
    Ok((
        server,
        json!({
            "consents_s": consents.as_secs_f64(),
            "per_consent_ms": consents.as_secs_f64() * 1e3 / CONNECTIONS as f64,
            "list_pages": pages,
            "list_ms": listed.as_secs_f64() * 1e3,
        }),
    ))
}

/// [`CALLS`] Get Records on connection `c0000`, [`CALLS_AT_ONCE`] at a time: µs per call.
async fn calls(http: &reqwest::Client, server: &Server) -> Result<f64, Error> {
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..CALLS_AT_ONCE {
        let (http, rpc_url, next) = (http.clone(), server.rpc.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < CALLS {
                rpc(
                    &http,
                    &rpc_url,
                    "crm.getRecords",
                    json!({"connection": name(0), "recordType": "Leads", "fields": ["Last_Name"], "perPage": 1}),
                )
                .await?;
            }
            Ok::<(), Error>(())
        }));
    }
    for worker in workers {
        worker
            .await
            .map_err(|e| Error::setup("a call worker", e))??;
    }
    Ok(started.elapsed().as_secs_f64() * 1e6 / CALLS as f64)
}

/// ns per `access_token()` of a token manager over `store` holding `c0000`'s tokens.
async fn token_path(store: Arc<dyn Store>, sandbox: &str) -> Result<f64, Error> {
    let tokens = Arc::new(ConnectionTokens::new(store, name(0)));
    let oauth = Connection::with_store(
        name(0),
        ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, sandbox),
        Secret::new(zoho_sandbox::CLIENT_SECRET),
        tokens.clone(),
    )
    .map_err(|e| Error::setup("a connection", e))?
    .token_manager()
    .oauth()
    .clone();
    let manager = TokenManager::new(oauth, tokens).with_api_domain_override(Some(sandbox.into()));
    // The first read loads the tokens from the store.
    manager
        .access_token()
        .await
        .map_err(|e| Error::setup("the stored token", e))?;
    let started = Instant::now();
    for _ in 0..TOKEN_READS {
        std::hint::black_box(
            manager
                .access_token()
                .await
                .map_err(|e| Error::setup("the cached token", e))?,
        );
    }
    Ok(started.elapsed().as_secs_f64() * 1e9 / TOKEN_READS as f64)
}

/// Run the measurement, `runs` alternating runs of the calls.
pub async fn run(bins: &Bins, runs: usize) -> Result<Value, Error> {
    let dir = setup::scratch_dir("store")?;
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 5,
        // 2,000 consents of one client: past Zoho's 10 grant codes per 10 minutes and its 20
        // refresh tokens per user, which this measurement is not about.
        grant_code_limit: None,
        max_refresh_tokens: 4 * CONNECTIONS,
        ..Default::default()
    })
    .await
    .map_err(|e| Error::setup("the sandbox", e))?;
    let base = sandbox.base_url().to_owned();
    let http = setup::http_client()?;
    setup::lift_limits(&http, &base).await?;
    let redis = Redis::start(&dir)?;

    eprintln!("zoho-bench:   file store: {CONNECTIONS} consents");
    let file_dir = dir.join("file");
    let (file, file_setup) = populate(
        bins,
        &file_dir,
        &base,
        "kind = \"file\"\npath = \"state\"",
        &http,
    )
    .await?;
    eprintln!("zoho-bench:   redis store: {CONNECTIONS} consents");
    let (redis_server, redis_setup) = populate(
        bins,
        &dir.join("redis"),
        &base,
        &format!("kind = \"redis\"\nurl = \"{}\"", redis.url()),
        &http,
    )
    .await?;

    // Warm both, then alternate so drift on a shared machine hits both alike.
    calls(&http, &file).await?;
    calls(&http, &redis_server).await?;
    let (mut file_us, mut redis_us) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        file_us.push(calls(&http, &file).await?);
        redis_us.push(calls(&http, &redis_server).await?);
    }

    let keyring = || Keyring::parse(KEY, KEY_ENV).map_err(|e| Error::setup("the keyring", e));
    let file_store: Arc<dyn Store> = Arc::new(
        FileStore::open(file_dir.join("state"), keyring()?)
            .map_err(|e| Error::setup("the file store", e))?,
    );
    let redis_store: Arc<dyn Store> = Arc::new(
        RedisStore::open(&redis.url(), "zrs", keyring()?)
            .map_err(|e| Error::setup("the Redis store", e))?,
    );
    let (mut file_ns, mut redis_ns, mut commands) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        file_ns.push(token_path(file_store.clone(), &base).await?);
        let before = redis.commands()?;
        let started = Instant::now();
        redis_ns.push(token_path(redis_store.clone(), &base).await?);
        let took = started.elapsed();
        // The load, and one check of the store per second (a deleted connection is seen).
        let after = redis.commands()?;
        commands.push(json!({
            "commands": after.saturating_sub(before + 1),
            "seconds": took.as_secs_f64(),
        }));
    }
    drop((file, redis_server));
    let _ = std::fs::remove_dir_all(&dir);
    let ratio: Vec<f64> = file_us.iter().zip(&redis_us).map(|(f, r)| r / f).collect();
    let overhead: Vec<f64> = file_us.iter().zip(&redis_us).map(|(f, r)| r - f).collect();
    Ok(json!({
        "connections": CONNECTIONS,
        "page": PAGE,
        "file": file_setup,
        "redis": redis_setup,
        "calls": CALLS,
        "calls_at_once": CALLS_AT_ONCE,
        "per_call_us": {"file": spread(&file_us), "redis": spread(&redis_us)},
        "redis_over_file": spread(&ratio),
        "redis_overhead_us": spread(&overhead),
        "token_reads": TOKEN_READS,
        "token_path_ns": {"file": spread(&file_ns), "redis": spread(&redis_ns)},
        "redis_commands_during_token_reads": commands,
        "redis_setup": "redis-server on a Unix socket, appendonly yes, appendfsync everysec",
    }))
}
