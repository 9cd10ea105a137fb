//! Measurement "bulk read vs fetchAll": every one of 300,000 sandbox Leads exported by
//! `crm.bulkRead` (two bulk read jobs of 200,000-record pages, zipped CSV) and by
//! `crm.getRecords` with `fetchAll` (pages of 200, page tokens to 100,000, then COQL by id),
//! each through the Rust stream in its own process, so each peak RSS is its own. Both count the
//! records and check each id comes once.
//!
//! ```text
//! zoho-bench bulk-child --mode bulk|fetchall --base URL --records N   (used by this measurement)
//! ```

use std::collections::HashSet;
use std::process::Command;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use zoho_actions::ListAction as _;

use crate::error::Error;
use crate::procs;
use crate::stats::{median, spread};

/// Leads in the sandbox: past fetchAll's 100,000-record token limit and bulk read's
/// 200,000-record page.
pub const LEADS: u64 = 300_000;
/// The environment variable a child reads its access token from (never argv).
const TOKEN_ENV: &str = "ZOHO_BENCH_ACCESS_TOKEN";
/// Longest one export process may run.
const LIMIT: Duration = Duration::from_secs(900);
/// The fields both exports ask for.
const FIELDS: [&str; 3] = ["Last_Name", "Email", "Company"];
/// How long the sandbox takes over a job (Zoho: seconds to minutes; kept short here so the
/// figure is the client's work, not a wait).
const JOB_MS: u64 = 200;
/// Scopes the measurement's connection asks for.
const SCOPES: &str = "ZohoCRM.modules.ALL ZohoCRM.bulk.ALL ZohoCRM.coql.READ";

/// How a child exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `crm.bulkRead`'s stream.
    Bulk,
    /// `crm.getRecords` with `fetchAll`'s stream.
    FetchAll,
}

impl Mode {
    /// The command-line word.
    pub fn word(self) -> &'static str {
        match self {
            Mode::Bulk => "bulk",
            Mode::FetchAll => "fetchall",
        }
    }

    /// Parse the command-line word.
    pub fn parse(word: &str) -> Result<Mode, Error> {
        match word {
            "bulk" => Ok(Mode::Bulk),
            "fetchall" => Ok(Mode::FetchAll),
            other => Err(Error::Usage(format!(
                "--mode: `{other}` is not bulk or fetchall"
            ))),
        }
    }
}

/// The child side: export every Lead from `base` and print `{"records", "elapsed_ms",
/// "peak_rss_kib"}` as the last line.
pub async fn child(mode: Mode, base: &str, records: u64) -> Result<(), Error> {
    let token = std::env::var(TOKEN_ENV)
        .map_err(|_| Error::Usage(format!("{TOKEN_ENV} must hold an access token")))?;
    let client = zoho_core::Client::builder("bench")
        .token_source(std::sync::Arc::new(zoho_core::StaticToken(
            zoho_core::AccessToken {
                token: zoho_core::Secret::new(token),
                api_domain: base.to_owned(),
            },
        )))
        .api_base(base)
        .http_client(crate::setup::http_client()?)
        .build()?;
    let fields: Vec<String> = FIELDS.iter().map(|f| (*f).to_owned()).collect();
    let started = Instant::now();
    let mut ids: HashSet<u64> = HashSet::with_capacity(usize::try_from(records).unwrap_or(0));
    let mut count = 0u64;
    let mut take = |record: zoho_actions::output::Record| -> Result<(), Error> {
        let id = record.id().and_then(|id| id.parse::<u64>().ok());
        match id {
            Some(id) if ids.insert(id) => {
                count += 1;
                Ok(())
            }
            _ => Err(Error::setup(
                "bulk",
                format!("a record without an id, or twice: {record:?}"),
            )),
        }
    };
    match mode {
        Mode::Bulk => {
            let mut read = zoho_actions::crm::BulkRead::new("Leads");
            read.fields = Some(fields);
            read.poll_interval = Some(50);
            let mut stream = std::pin::pin!(read.records(&client));
            while let Some(record) = stream.next().await {
                take(record?)?;
            }
        }
        Mode::FetchAll => {
            let mut list = zoho_actions::crm::GetRecords::new("Leads");
            list.fields = Some(fields);
            list.fetch_all = true;
            let mut stream = std::pin::pin!(list.records(&client));
            while let Some(record) = stream.next().await {
                take(record?)?;
            }
        }
    }
    let elapsed = started.elapsed();
    if count != records {
        return Err(Error::setup(
            "bulk",
            format!("{} gave {count} records, not {records}", mode.word()),
        ));
    }
    println!(
        "{}",
        json!({
            "records": count,
            "elapsed_ms": elapsed.as_secs_f64() * 1e3,
            "peak_rss_kib": procs::peak_rss_kib("self"),
        })
    );
    Ok(())
}

/// The orchestrator side: both modes, `runs` times, alternating which goes first, against one
/// in-process sandbox of [`LEADS`] Leads.
pub async fn run(runs: usize) -> Result<Value, Error> {
    let http = crate::setup::http_client()?;
    let config = zoho_sandbox::SandboxConfig {
        records: usize::try_from(LEADS).unwrap_or(usize::MAX),
        bulk: zoho_sandbox::BulkSettings {
            job_duration: Duration::from_millis(JOB_MS),
            ..zoho_sandbox::BulkSettings::default()
        },
        ..zoho_sandbox::SandboxConfig::default()
    };
    let sandbox = zoho_sandbox::Sandbox::start(config).await?;
    let base = sandbox.base_url().to_owned();
    crate::setup::lift_limits(&http, &base).await?;
    let code = sandbox
        .self_client_code(SCOPES)
        .ok_or_else(|| Error::setup("bulk", "the sandbox gave no self-client code"))?;
    let connection_config = zoho_core::ConnectionConfig {
        scopes: SCOPES.to_owned(),
        ..zoho_core::ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, &base)
    };
    let connection = zoho_core::Connection::new(
        "bench",
        connection_config,
        zoho_core::Secret::new(zoho_sandbox::CLIENT_SECRET),
    )?
    .with_http_client(http.clone())?;
    connection.exchange_self_client_code(&code).await?;
    let token = connection.token_source().access_token().await?;
    let own = std::env::current_exe().map_err(|e| Error::child("zoho-bench", e))?;

    let (mut ms, mut rss): ([Vec<f64>; 2], [Vec<f64>; 2]) = Default::default();
    for round in 0..runs {
        eprintln!("  bulk round {}/{runs}", round + 1);
        let mut order = [(0, Mode::Bulk), (1, Mode::FetchAll)];
        if round % 2 == 1 {
            order.reverse();
        }
        for (slot, mode) in order {
            let mut command = Command::new(&own);
            command
                .args(["bulk-child", "--mode", mode.word(), "--base", &base])
                .args(["--records", &LEADS.to_string()])
                .env(TOKEN_ENV, token.token.expose());
            let done = procs::run_to_end(mode.word(), command, LIMIT)?;
            let report: Value = serde_json::from_str(&done.last_line)
                .map_err(|e| Error::child(mode.word(), format!("{e}: `{}`", done.last_line)))?;
            ms[slot].push(report["elapsed_ms"].as_f64().unwrap_or(0.0));
            let kib = report["peak_rss_kib"]
                .as_u64()
                .or(done.polled_peak_rss_kib)
                .unwrap_or(0);
            rss[slot].push(kib as f64 / 1024.0);
        }
    }
    sandbox.shutdown().await;
    let ratio = |a: &[f64], b: &[f64]| -> Vec<f64> {
        a.iter().zip(b).map(|(a, b)| a / b.max(1e-9)).collect()
    };
    let time_ratio = ratio(&ms[0], &ms[1]);
    let rss_ratio = ratio(&rss[0], &rss[1]);
    let markdown = format!(
        "## Bulk read vs fetchAll\n\n\
         Every one of {LEADS} sandbox Leads (fields {}), through the Rust stream, each export in \
         its own process, {runs} run(s) alternating which goes first; the sandbox takes {JOB_MS} ms \
         over each job. `crm.bulkRead`: two jobs (pages of 200,000), each a zipped CSV streamed \
         row by row. `fetchAll`: pages of 200, page tokens to 100,000, then COQL by id.\n\n\
         | Path | Export time (median) | Peak RSS (median) |\n|---|---|---|\n\
         | `crm.bulkRead` | {:.0} ms | {:.1} MiB |\n\
         | `crm.getRecords` `fetchAll` | {:.0} ms | {:.1} MiB |\n\n\
         Bulk read / fetchAll: time {:.2}x, peak RSS {:.2}x.\n",
        FIELDS.join(", "),
        median(&ms[0]),
        median(&rss[0]),
        median(&ms[1]),
        median(&rss[1]),
        median(&time_ratio),
        median(&rss_ratio),
    );
    Ok(json!({
        "setup": format!("in-process sandbox with {LEADS} Leads (limits lifted, jobs take {JOB_MS} ms); \
                  each export is its own process, fields {}; peak RSS is the child's VmHWM",
                  FIELDS.join(",")),
        "leads": LEADS,
        "bulk_read": {"export_ms": spread(&ms[0]), "peak_rss_mib": spread(&rss[0])},
        "fetch_all": {"export_ms": spread(&ms[1]), "peak_rss_mib": spread(&rss[1])},
        "bulk_vs_fetch_all_time": spread(&time_ratio),
        "bulk_vs_fetch_all_rss": spread(&rss_ratio),
        "markdown": markdown,
    }))
}
