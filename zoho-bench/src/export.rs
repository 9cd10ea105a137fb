//! Measurement 3: a large export (`fetchAll` over 100,000 Leads, past the 2,000-record
//! `page`/`page_token` boundary) through the Rust stream, through `zoho-server call`, and by a
//! bare page loop. Each export runs in its own process so its peak memory is its own.

use std::process::Command;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use zoho_actions::ListAction as _;

use crate::error::Error;
use crate::procs::{self, Bins};
use crate::setup;
use crate::stats::spread;

/// How many Leads the export sandbox holds (Zoho's `page_token` limit).
pub const SANDBOX_LEADS: usize = 100_000;
/// Records per page (Zoho's maximum).
const PER_PAGE: u64 = 200;
/// Records Zoho serves through `page` before `page_token` is required.
const DISCRETE_LIMIT: u64 = 2_000;
/// The environment variable a child export reads its access token from (never argv).
const TOKEN_ENV: &str = "ZOHO_BENCH_ACCESS_TOKEN";
/// Longest one export process may run.
const EXPORT_LIMIT: Duration = Duration::from_secs(120);

/// How an export child fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `GetRecords { fetch_all, max_records }.records(&client)`, one record at a time.
    Stream,
    /// A hand-written page loop on reqwest.
    Bare,
}

impl Mode {
    /// The command-line word.
    pub fn word(self) -> &'static str {
        match self {
            Mode::Stream => "stream",
            Mode::Bare => "bare",
        }
    }

    /// Parse the command-line word.
    pub fn parse(word: &str) -> Result<Mode, Error> {
        match word {
            "stream" => Ok(Mode::Stream),
            "bare" => Ok(Mode::Bare),
            other => Err(Error::Usage(format!(
                "--mode: `{other}` is not stream or bare"
            ))),
        }
    }
}

/// The child side: export `records` Leads from `base` and print
/// `{"records", "elapsed_ms", "peak_rss_kib"}` as the last line.
pub async fn child(mode: Mode, base: &str, records: u64) -> Result<(), Error> {
    let token = std::env::var(TOKEN_ENV)
        .map_err(|_| Error::Usage(format!("{TOKEN_ENV} must hold an access token")))?;
    let http = setup::http_client()?;
    let started = Instant::now();
    let (count, checksum) = match mode {
        Mode::Bare => bare_loop(&http, base, &token, records).await?,
        Mode::Stream => stream(http, base, &token, records).await?,
    };
    let elapsed = started.elapsed();
    if count != records {
        return Err(Error::setup(
            "export",
            format!("{} gave {count} records, not {records}", mode.word()),
        ));
    }
    println!(
        "{}",
        json!({
            "records": count,
            "id_bytes": checksum,
            "elapsed_ms": elapsed.as_secs_f64() * 1e3,
            "peak_rss_kib": procs::peak_rss_kib("self"),
        })
    );
    Ok(())
}

/// What a user would write without our crates: `page` up to 2,000 records, then `page_token`.
/// Every record is looked at (its id's length summed) so neither side can skip work.
async fn bare_loop(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    records: u64,
) -> Result<(u64, u64), Error> {
    let authorization = format!("Zoho-oauthtoken {token}");
    let fields = setup::LIST_FIELDS.join(",");
    let url = format!("{base}/crm/v3/Leads");
    let (mut count, mut checksum, mut page, mut page_token) = (0u64, 0u64, 1u64, None::<String>);
    // Bounded: at most one request per page of the whole export, plus one.
    for _ in 0..=(records / PER_PAGE + 1) {
        let mut query = vec![
            ("fields", fields.clone()),
            ("per_page", PER_PAGE.to_string()),
        ];
        match &page_token {
            Some(token) => query.push(("page_token", token.clone())),
            None => query.push(("page", page.to_string())),
        }
        let answer = http
            .get(&url)
            .query(&query)
            .header("authorization", &authorization)
            .send()
            .await
            .map_err(|e| Error::setup("bare export", e))?;
        if answer.status().as_u16() == 204 {
            break;
        }
        let status = answer.status();
        let body: Value = answer
            .json()
            .await
            .map_err(|e| Error::setup("bare export", e))?;
        let Some(data) = body["data"].as_array() else {
            return Err(Error::setup("bare export", format!("{status}: {body}")));
        };
        for record in data {
            if count == records {
                break;
            }
            checksum += record["id"].as_str().map_or(0, |id| id.len() as u64);
            count += 1;
        }
        if count == records || body["info"]["more_records"] != true {
            break;
        }
        page += 1;
        if count >= DISCRETE_LIMIT || page_token.is_some() {
            page_token = body["info"]["next_page_token"].as_str().map(str::to_owned);
            if page_token.is_none() {
                return Err(Error::setup(
                    "bare export",
                    "more records but no next_page_token",
                ));
            }
        }
    }
    Ok((count, checksum))
}

/// The generated type's stream on a shared client.
async fn stream(
    http: reqwest::Client,
    base: &str,
    token: &str,
    records: u64,
) -> Result<(u64, u64), Error> {
    let client = zoho_core::Client::builder("bench")
        .token_source(std::sync::Arc::new(zoho_core::StaticToken(
            zoho_core::AccessToken {
                token: zoho_core::Secret::new(token),
                api_domain: base.to_owned(),
            },
        )))
        .api_base(base)
        .http_client(http)
        .build()?;
    let mut list = zoho_actions::crm::GetRecords::new("Leads");
    list.fields = Some(setup::LIST_FIELDS.iter().map(|f| (*f).to_owned()).collect());
    list.per_page = PER_PAGE;
    list.fetch_all = true;
    list.max_records = Some(records);
    let mut records_stream = std::pin::pin!(list.records(&client));
    let (mut count, mut checksum) = (0u64, 0u64);
    while let Some(record) = records_stream.next().await {
        let record = record?;
        checksum += record["id"].as_str().map_or(0, |id| id.len() as u64);
        count += 1;
    }
    Ok((count, checksum))
}

#[derive(Default)]
struct Series {
    wall_ms: Vec<f64>,
    inner_ms: Vec<f64>,
    rss_mib: Vec<f64>,
}

impl Series {
    fn json(&self) -> Value {
        let mut out = json!({
            "wall_ms": spread(&self.wall_ms),
            "peak_rss_mib": spread(&self.rss_mib),
        });
        // Only children that time themselves have an in-process export time.
        if !self.inner_ms.is_empty() {
            out["export_ms"] = spread(&self.inner_ms);
        }
        out
    }
}

fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The orchestrator side: every mode at every size, `runs` times, against one in-process
/// sandbox of 100,000 Leads.
pub async fn run(bins: &Bins, runs: usize, sizes: &[u64]) -> Result<Value, Error> {
    let http = setup::http_client()?;
    let config = zoho_sandbox::SandboxConfig {
        records: SANDBOX_LEADS,
        ..zoho_sandbox::SandboxConfig::default()
    };
    let sandbox = zoho_sandbox::Sandbox::start(config).await?;
    let base = sandbox.base_url().to_owned();
    setup::lift_limits(&http, &base).await?;
    let dir = setup::scratch_dir("export")?;
    let connection = setup::authorized_connection(
        &http,
        &base,
        Some(dir.join("tokens.json")),
        zoho_core::__private::DEFAULT_CONCURRENCY,
    )
    .await?;
    let token = connection.token_source().access_token().await?;
    let server_config =
        setup::write_server_config(&dir, &base, zoho_core::__private::DEFAULT_CONCURRENCY)?;
    let own = std::env::current_exe().map_err(|e| Error::child("zoho-bench", e))?;

    let mut results = serde_json::Map::new();
    let mut series: Vec<[Series; 3]> = sizes.iter().map(|_| Default::default()).collect();
    let mut cli_bytes = vec![0u64; sizes.len()];
    for round in 0..runs {
        eprintln!("  export round {}/{runs}", round + 1);
        for (index, &size) in sizes.iter().enumerate() {
            // Alternate which goes first, so drift of the machine favours neither.
            let mut order = [(0, Mode::Bare), (1, Mode::Stream)];
            if round % 2 == 1 {
                order.reverse();
            }
            for (slot, mode) in order {
                let mut command = Command::new(&own);
                command
                    .args(["export-child", "--mode", mode.word(), "--base", &base])
                    .args(["--records", &size.to_string()])
                    .env(TOKEN_ENV, token.token.expose());
                let done = procs::run_to_end(mode.word(), command, EXPORT_LIMIT)?;
                let report: Value = serde_json::from_str(&done.last_line)
                    .map_err(|e| Error::child(mode.word(), format!("{e}: `{}`", done.last_line)))?;
                let s = &mut series[index][slot];
                s.wall_ms.push(done.wall.as_secs_f64() * 1e3);
                s.inner_ms
                    .push(report["elapsed_ms"].as_f64().unwrap_or(0.0));
                let rss = report["peak_rss_kib"]
                    .as_u64()
                    .or(done.polled_peak_rss_kib)
                    .unwrap_or(0);
                s.rss_mib.push(kib_to_mib(rss));
            }
            let params = json!({"recordType": "Leads", "fields": setup::LIST_FIELDS,
                "fetchAll": true, "maxRecords": size});
            let mut command = setup::server_command(bins)?;
            command
                .args([
                    "call",
                    "crm.getRecords",
                    &params.to_string(),
                    "--jsonl",
                    "--config",
                ])
                .arg(&server_config);
            let done = procs::run_to_end("zoho-server call", command, EXPORT_LIMIT)?;
            let s = &mut series[index][2];
            s.wall_ms.push(done.wall.as_secs_f64() * 1e3);
            s.rss_mib
                .push(kib_to_mib(done.polled_peak_rss_kib.unwrap_or(0)));
            cli_bytes[index] = done.stdout_bytes;
        }
    }
    for (index, &size) in sizes.iter().enumerate() {
        let [bare, stream, cli] = &series[index];
        let time_ratio: Vec<f64> = stream
            .inner_ms
            .iter()
            .zip(&bare.inner_ms)
            .map(|(s, b)| s / b.max(1e-9))
            .collect();
        let cli_ratio: Vec<f64> = cli
            .wall_ms
            .iter()
            .zip(&bare.wall_ms)
            .map(|(s, b)| s / b.max(1e-9))
            .collect();
        // Process to process: what a user of `call --jsonl` waits for against a Rust program.
        let cli_stream_ratio: Vec<f64> = cli
            .wall_ms
            .iter()
            .zip(&stream.wall_ms)
            .map(|(c, s)| c / s.max(1e-9))
            .collect();
        results.insert(
            size.to_string(),
            json!({
                "bare": bare.json(),
                "stream": stream.json(),
                "server_call": cli.json(),
                "server_call_stdout_bytes": cli_bytes[index],
                "stream_vs_bare_time": spread(&time_ratio),
                "server_call_vs_bare_wall": spread(&cli_ratio),
                "server_call_vs_stream_wall": spread(&cli_stream_ratio),
            }),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    sandbox.shutdown().await;
    Ok(json!({
        "setup": format!("in-process sandbox with {SANDBOX_LEADS} Leads (limits lifted); each export is \
                  its own process against it, {PER_PAGE} per page, fields {}; peak RSS is the child's \
                  VmHWM read by itself at the end (zoho-server call --jsonl: highest VmHWM polled every 2 ms)",
                  setup::LIST_FIELDS.join(",")),
        "sizes": results,
    }))
}
