//! `zoho-bench`: measures the cost of every hop (JSON-RPC, the Rust path, a large export, a token
//! refresh under load, calls under faults) on loopback and prints the figures as one JSON document for
//! `cargo xtask bench`, which writes `docs/perf.md`. Progress goes to stderr.
//!
//! ```text
//! zoho-bench [--runs N] [--seconds S] [--calls N] [--only SECTION[,SECTION...]]...
//! zoho-bench export-child --mode stream|bare --base URL --records N   (used by the export)
//! zoho-bench bulk-child --mode bulk|fetchall --base URL --records N   (used by bulk)
//! ```

mod bulk;
mod error;
mod export;
mod faults;
mod floor;
mod generator;
mod hop;
mod load;
mod peers;
mod procs;
mod profile;
mod refresh;
mod setup;
mod stats;
mod store;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use error::Error;

/// The sections `--only` may name, in the order they run.
const SECTIONS: [&str; 8] = [
    "hop", "floor", "peers", "export", "refresh", "faults", "store", "bulk",
];

/// Export sizes: flat memory must show across them.
const EXPORT_SIZES: [u64; 3] = [10_000, 50_000, 100_000];

/// What the command line asked for.
#[derive(Debug)]
enum Command {
    All {
        runs: usize,
        seconds: f64,
        calls: usize,
        only: Vec<String>,
    },
    ExportChild {
        mode: export::Mode,
        base: String,
        records: u64,
    },
    BulkChild {
        mode: bulk::Mode,
        base: String,
        records: u64,
    },
}

fn value<'a>(args: &mut impl Iterator<Item = &'a str>, flag: &str) -> Result<&'a str, Error> {
    args.next()
        .ok_or_else(|| Error::Usage(format!("{flag} needs a value")))
}

fn number<T: std::str::FromStr>(text: &str, flag: &str) -> Result<T, Error> {
    text.parse()
        .map_err(|_| Error::Usage(format!("{flag}: `{text}` is not a number")))
}

fn parse(args: &[String]) -> Result<Command, Error> {
    let mut args = args.iter().map(String::as_str);
    if args.clone().next() == Some("export-child") {
        args.next();
        let (mut mode, mut base, mut records) = (None, None, None);
        while let Some(flag) = args.next() {
            match flag {
                "--mode" => mode = Some(export::Mode::parse(value(&mut args, flag)?)?),
                "--base" => base = Some(value(&mut args, flag)?.to_owned()),
                "--records" => records = Some(number(value(&mut args, flag)?, flag)?),
                other => return Err(Error::Usage(format!("export-child: unknown flag {other}"))),
            }
        }
        return Ok(Command::ExportChild {
            mode: mode.ok_or_else(|| Error::Usage("export-child needs --mode".into()))?,
            base: base.ok_or_else(|| Error::Usage("export-child needs --base".into()))?,
            records: records.ok_or_else(|| Error::Usage("export-child needs --records".into()))?,
        });
    }
    if args.clone().next() == Some("bulk-child") {
        args.next();
        let (mut mode, mut base, mut records) = (None, None, None);
        while let Some(flag) = args.next() {
            match flag {
                "--mode" => mode = Some(bulk::Mode::parse(value(&mut args, flag)?)?),
                "--base" => base = Some(value(&mut args, flag)?.to_owned()),
                "--records" => records = Some(number(value(&mut args, flag)?, flag)?),
                other => return Err(Error::Usage(format!("bulk-child: unknown flag {other}"))),
            }
        }
        return Ok(Command::BulkChild {
            mode: mode.ok_or_else(|| Error::Usage("bulk-child needs --mode".into()))?,
            base: base.ok_or_else(|| Error::Usage("bulk-child needs --base".into()))?,
            records: records.ok_or_else(|| Error::Usage("bulk-child needs --records".into()))?,
        });
    }
    let (mut runs, mut seconds, mut calls, mut only) = (5usize, 1.0f64, faults::CALLS, Vec::new());
    while let Some(flag) = args.next() {
        match flag {
            "--runs" => runs = number(value(&mut args, flag)?, flag)?,
            "--seconds" => seconds = number(value(&mut args, flag)?, flag)?,
            "--calls" => calls = number(value(&mut args, flag)?, flag)?,
            "--only" => {
                for part in value(&mut args, flag)?.split(',') {
                    if !SECTIONS.contains(&part) {
                        return Err(Error::Usage(format!(
                            "--only: `{part}` is not one of {}",
                            SECTIONS.join(", ")
                        )));
                    }
                    only.push(part.to_owned());
                }
            }
            other => return Err(Error::Usage(format!("unknown flag {other}"))),
        }
    }
    if !(1..=20).contains(&runs) {
        return Err(Error::Usage("--runs: from 1 to 20".into()));
    }
    if !(0.05..=30.0).contains(&seconds) {
        return Err(Error::Usage("--seconds: from 0.05 to 30".into()));
    }
    if !(100..=1_000_000).contains(&calls) {
        return Err(Error::Usage("--calls: from 100 to 1000000".into()));
    }
    Ok(Command::All {
        runs,
        seconds,
        calls,
        only,
    })
}

async fn all(runs: usize, seconds: f64, calls: usize, only: &[String]) -> Result<Value, Error> {
    let bins = procs::Bins::beside_self()?;
    let wanted = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    let mut out = Map::new();
    out.insert("runs".into(), json!(runs));
    out.insert("run_seconds".into(), json!(seconds));
    let mut durations = Map::new();
    if wanted("hop") {
        eprintln!("zoho-bench: JSON-RPC hop and Rust path");
        let began = Instant::now();
        let timing = hop::Timing {
            runs,
            run: Duration::from_secs_f64(seconds),
        };
        let figures = hop::run(&bins, timing).await?;
        if let Value::Object(figures) = figures {
            out.extend(figures);
        }
        durations.insert("hop".into(), json!(began.elapsed().as_secs_f64()));
    }
    if wanted("floor") {
        eprintln!("zoho-bench: zoho-server against the floor");
        let began = Instant::now();
        let length = Duration::from_secs_f64(seconds);
        out.insert("floor".into(), floor::run(&bins, runs, length).await?);
        durations.insert("floor".into(), json!(began.elapsed().as_secs_f64()));
    }
    if wanted("peers") {
        eprintln!("zoho-bench: zoho-server against its peers");
        let began = Instant::now();
        let length = Duration::from_secs_f64(seconds);
        out.insert("peers".into(), peers::run(&bins, runs, length).await?);
        durations.insert("peers".into(), json!(began.elapsed().as_secs_f64()));
    }
    if wanted("export") {
        eprintln!("zoho-bench: large export");
        let began = Instant::now();
        let figures = export::run(&bins, runs, &EXPORT_SIZES).await?;
        out.insert("export".into(), figures);
        durations.insert("export".into(), json!(began.elapsed().as_secs_f64()));
    }
    if wanted("refresh") {
        eprintln!("zoho-bench: token refresh under load");
        let began = Instant::now();
        out.insert("refresh".into(), refresh::run(runs).await?);
        durations.insert("refresh".into(), json!(began.elapsed().as_secs_f64()));
    }
    if wanted("faults") {
        eprintln!("zoho-bench: calls under faults");
        let began = Instant::now();
        out.insert("faults".into(), faults::run(runs, calls).await?);
        durations.insert("faults".into(), json!(began.elapsed().as_secs_f64()));
    }
    if wanted("store") {
        eprintln!("zoho-bench: the store of created connections, file and redis");
        let began = Instant::now();
        out.insert("store".into(), store::run(&bins, runs).await?);
        durations.insert("store".into(), json!(began.elapsed().as_secs_f64()));
    }
    if wanted("bulk") {
        eprintln!("zoho-bench: bulk read vs fetchAll");
        let began = Instant::now();
        out.insert("bulk".into(), bulk::run(runs.min(3)).await?);
        durations.insert("bulk".into(), json!(began.elapsed().as_secs_f64()));
    }
    out.insert("seconds_taken".into(), Value::Object(durations));
    Ok(Value::Object(out))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(command) => command,
        Err(err) => {
            eprintln!("zoho-bench: {err}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("zoho-bench: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match command {
            Command::All {
                runs,
                seconds,
                calls,
                only,
            } => all(runs, seconds, calls, &only).await.map(|figures| {
                println!("{figures:#}");
            }),
            Command::ExportChild {
                mode,
                base,
                records,
            } => export::child(mode, &base, records).await,
            Command::BulkChild {
                mode,
                base,
                records,
            } => bulk::child(mode, &base, records).await,
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("zoho-bench: {err}");
            ExitCode::FAILURE
        }
    }
}
