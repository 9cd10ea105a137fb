//! `cargo xtask bench`: build the release binaries, run `zoho-bench`, measure the build cost of a
//! one-line spec edit, and rewrite `docs/perf.md` with the figures and the machine they came from.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::codegen::{self, Generated, Mode};
use crate::docs::SNAPSHOT_PATH;

/// The command that makes `docs/perf.md`.
pub const COMMAND: &str = "cargo xtask bench";
/// Where the figures go.
pub const PERF_PATH: &str = "docs/perf.md";
/// Runs of every measurement.
const RUNS: usize = 5;
/// Seconds of one load run.
const RUN_SECONDS: &str = "2";
/// Edit-and-restore cycles of the build-cost measurement (each gives two rebuilds).
const BUILD_CYCLES: usize = 2;
/// The spec whose edit is timed.
const SPEC_PATH: &str = "action-spec/zoho.toml";

/// Run everything and write `docs/perf.md`.
pub fn run(root: &Path) -> Result<(), String> {
    let began = Instant::now();
    let machine = Machine::describe();
    let target_dir = root.join("target");

    eprintln!("xtask bench: building the release binaries");
    let build = timed(|| {
        cargo(
            root,
            &target_dir,
            &[
                "build",
                "--release",
                "-p",
                "zoho-bench",
                "-p",
                "zoho-server",
                "-p",
                "zoho-sandbox",
            ],
        )
    })?;

    eprintln!("xtask bench: measuring (zoho-bench)");
    let bench_bin = target_dir.join("release").join("zoho-bench");
    let measured = Instant::now();
    let output = Command::new(&bench_bin)
        .args(["--runs", &RUNS.to_string(), "--seconds", RUN_SECONDS])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| format!("cannot run {}: {err}", bench_bin.display()))?;
    if !output.status.success() {
        return Err(format!("zoho-bench failed ({})", output.status));
    }
    let figures: Value = serde_json::from_slice(&output.stdout)
        .map_err(|err| format!("zoho-bench printed no JSON document: {err}"))?;
    let measured = measured.elapsed();

    eprintln!("xtask bench: build cost of a one-line spec edit");
    let build_cost = BuildCost::measure(root, &target_dir)?;

    let took = Took {
        total: began.elapsed(),
        release_build: build,
        measurements: measured,
        build_cost: build_cost.total,
    };
    let contents = render(&machine, &figures, &build_cost, &took);
    let file = Generated {
        path: PERF_PATH.into(),
        contents,
    };
    codegen::ensure(root, &file, Mode::Write)
        .map_err(|err| format!("cannot write {PERF_PATH}: {err}"))?;
    println!("wrote {PERF_PATH} in {}", minutes(took.total));
    Ok(())
}

/// Run `cargo ARGS` in `root` with its output on our stderr, into `target_dir` whatever the
/// caller's environment says (the binaries are then where we look for them).
fn cargo(root: &Path, target_dir: &Path, args: &[&str]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    // `cargo run` gave this process its package's variables; build scripts (ring's) rerun when
    // those change, so passing them on would rebuild half the tree unlike a plain `cargo build`.
    for (key, _) in std::env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_MANIFEST_")
            || matches!(
                key,
                "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_TARGET_DIR"
            )
        {
            command.env_remove(key);
        }
    }
    let status = command
        .args(args)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .status()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn timed(step: impl FnOnce() -> Result<(), String>) -> Result<Duration, String> {
    let began = Instant::now();
    step()?;
    Ok(began.elapsed())
}

struct Took {
    total: Duration,
    release_build: Duration,
    measurements: Duration,
    build_cost: Duration,
}

/// What this machine is, so the figures can be judged.
struct Machine {
    cpus: String,
    cpu_model: String,
    memory: String,
    load: String,
    rustc: String,
    date: String,
}

impl Machine {
    fn describe() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or_else(
                || "unknown".to_owned(),
                |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0),
            );
        Machine {
            cpus: std::thread::available_parallelism()
                .map_or_else(|_| "unknown".to_owned(), |n| n.to_string()),
            cpu_model: cpuinfo
                .lines()
                .find_map(|line| line.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim().to_owned())
                .unwrap_or_else(|| "unknown".to_owned()),
            memory,
            load: std::fs::read_to_string("/proc/loadavg")
                .map(|text| {
                    text.split_whitespace()
                        .take(3)
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_else(|_| "unknown".to_owned()),
            rustc: output_of("rustc", &["--version"]),
            date: output_of("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        }
    }
}

fn output_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Measurement 5: incremental rebuild of `zoho-actions` (dev profile, the edit-compile loop)
/// after a one-line spec edit, and the size of the expansion.
struct BuildCost {
    warm_up: Duration,
    /// Rebuilds after a comment line was appended (or removed): the expansion is unchanged.
    comment_s: Vec<f64>,
    /// Rebuilds after one action's `summary` changed (or changed back): the expansion changes.
    summary_s: Vec<f64>,
    snapshot_lines: usize,
    actions: usize,
    total: Duration,
}

/// Puts the spec back byte for byte when dropped, whatever happened in between.
struct SpecGuard {
    path: PathBuf,
    original: Vec<u8>,
}

impl Drop for SpecGuard {
    fn drop(&mut self) {
        if std::fs::read(&self.path).ok().as_deref() != Some(self.original.as_slice())
            && let Err(err) = std::fs::write(&self.path, &self.original)
        {
            eprintln!(
                "xtask bench: could not restore {}: {err}; restore it with `git checkout {SPEC_PATH}`",
                self.path.display()
            );
        }
    }
}

/// Whether `spec` still holds one of our edits (a run interrupted before it could restore it).
fn leftover_edit(spec: &[u8]) -> bool {
    let text = String::from_utf8_lossy(spec);
    text.contains(&format!("# edited by `{COMMAND}`"))
        || text
            .lines()
            .any(|line| line.starts_with("summary = \"") && line.ends_with(" (edited)\""))
}

/// The spec with one comment line appended.
fn with_comment(original: &[u8]) -> Vec<u8> {
    let mut edited = original.to_vec();
    edited.extend_from_slice(format!("# edited by `{COMMAND}`; restored at once\n").as_bytes());
    edited
}

/// The spec with the first action `summary` changed, so the generated code changes.
fn with_summary_changed(original: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(original).map_err(|err| format!("{SPEC_PATH}: {err}"))?;
    let mut done = false;
    let lines: Vec<String> = text
        .split_inclusive('\n')
        .map(|line| {
            let body = line.trim_end_matches('\n');
            if !done && body.starts_with("summary = \"") && body.ends_with('"') {
                done = true;
                format!(
                    "{} (edited)\"{}",
                    &body[..body.len() - 1],
                    &line[body.len()..]
                )
            } else {
                line.to_owned()
            }
        })
        .collect();
    if done {
        Ok(lines.concat().into_bytes())
    } else {
        Err(format!(
            "{SPEC_PATH} has no `summary = \"...\"` line to edit"
        ))
    }
}

impl BuildCost {
    /// Lines of the expansion snapshot per action of the spec.
    fn lines_per_action(&self) -> f64 {
        self.snapshot_lines as f64 / self.actions.max(1) as f64
    }

    fn measure(root: &Path, target_dir: &Path) -> Result<BuildCost, String> {
        let began = Instant::now();
        let build = || cargo(root, target_dir, &["build", "-p", "zoho-actions"]);
        let warm_up = timed(build)?;
        let path = root.join(SPEC_PATH);
        let original =
            std::fs::read(&path).map_err(|err| format!("cannot read {SPEC_PATH}: {err}"))?;
        if leftover_edit(&original) {
            return Err(format!(
                "{SPEC_PATH} still carries an edit of an interrupted `{COMMAND}`; restore it with \
                 `git checkout {SPEC_PATH}` (or remove the edit) and run again"
            ));
        }
        eprintln!(
            "xtask bench: editing {SPEC_PATH} for a few seconds; if this is interrupted, restore \
             it with `git checkout {SPEC_PATH}`"
        );
        let guard = SpecGuard {
            path: path.clone(),
            original: original.clone(),
        };
        let summary_edit = with_summary_changed(&original)?;
        let (mut comment_s, mut summary_s) = (Vec::new(), Vec::new());
        for _ in 0..BUILD_CYCLES {
            for (edited, times) in [
                (with_comment(&original), &mut comment_s),
                (summary_edit.clone(), &mut summary_s),
            ] {
                std::fs::write(&path, &edited)
                    .map_err(|err| format!("cannot edit {SPEC_PATH}: {err}"))?;
                times.push(timed(build)?.as_secs_f64());
                // Putting the line back is a one-line edit too.
                std::fs::write(&path, &original)
                    .map_err(|err| format!("cannot restore {SPEC_PATH}: {err}"))?;
                times.push(timed(build)?.as_secs_f64());
            }
        }
        drop(guard);
        if std::fs::read(&path).ok().as_deref() != Some(original.as_slice()) {
            return Err(format!("{SPEC_PATH} was not restored exactly"));
        }
        let snapshot = std::fs::read_to_string(root.join(SNAPSHOT_PATH))
            .map_err(|err| format!("cannot read {SNAPSHOT_PATH}: {err}"))?;
        Ok(BuildCost {
            warm_up,
            comment_s,
            summary_s,
            snapshot_lines: snapshot.lines().count(),
            actions: crate::docs::load_spec(root)?.spec.actions.len(),
            total: began.elapsed(),
        })
    }
}

// ---- rendering ----

fn num(value: &Value, path: &[&str]) -> f64 {
    path.iter()
        .fold(value, |v, key| &v[*key])
        .as_f64()
        .unwrap_or(f64::NAN)
}

/// The median of a spread at `path`.
fn med(value: &Value, path: &[&str]) -> f64 {
    let mut full = path.to_vec();
    full.push("median");
    num(value, &full)
}

/// `median (min–max)` of a spread at `path`, with `digits` decimals and `unit`.
fn spread(value: &Value, path: &[&str], digits: usize, unit: &str) -> String {
    let at = path.iter().fold(value, |v, key| &v[*key]);
    let (m, lo, hi) = (num(at, &["median"]), num(at, &["min"]), num(at, &["max"]));
    format!("{m:.digits$}{unit} ({lo:.digits$}–{hi:.digits$})")
}

fn minutes(d: Duration) -> String {
    let s = d.as_secs();
    format!("{} min {:02} s", s / 60, s % 60)
}

/// "met" or "missed by N%" for a figure that must be at least `target`.
fn at_least(value: f64, target: f64) -> String {
    if value >= target {
        "**met**".to_owned()
    } else {
        format!("**missed** by {:.0}%", (target - value) / target * 100.0)
    }
}

/// "met" or "missed by N%" for a figure that must be at most `target`.
fn at_most(value: f64, target: f64) -> String {
    if value <= target {
        "**met**".to_owned()
    } else {
        format!("**missed** by {:.0}%", (value - target) / target * 100.0)
    }
}

fn median_of(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n.is_multiple_of(2) => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        n => sorted[n / 2],
    }
}

fn render(machine: &Machine, f: &Value, build: &BuildCost, took: &Took) -> String {
    let mut out = format!(
        "<!-- Generated by `{COMMAND}`. Do not edit: run the command again. -->\n\
         # Performance\n\n\
         Every figure below comes from one run of `{COMMAND}` on the machine described here: \
         release builds, loopback only, every load loop bounded in time and count. The machine is \
         shared and noisy, so each figure is the **median of {runs} runs with the smallest and \
         largest in brackets**, and comparisons are ratios taken run by run (both sides measured \
         back to back). Raw figures: `target/release/zoho-bench --runs N` prints them as JSON.\n\n",
        runs = f["runs"].as_u64().unwrap_or(0),
    );
    render_machine(&mut out, machine, took);
    render_targets(&mut out, f, build);
    render_hop(&mut out, f);
    render_rust_path(&mut out, f);
    render_export(&mut out, f);
    render_refresh(&mut out, f);
    render_faults(&mut out, f);
    // zoho-bench renders its bulk-read section itself (zoho-bench/src/bulk.rs).
    if let Some(bulk) = f["bulk"]["markdown"].as_str() {
        out.push_str(bulk);
        out.push('\n');
    }
    render_build(&mut out, build);
    out
}

fn render_machine(out: &mut String, m: &Machine, took: &Took) {
    let _ = write!(
        out,
        "## Machine\n\n\
         | | |\n|---|---|\n\
         | CPUs (`nproc`) | {} |\n\
         | CPU model | {} |\n\
         | Memory | {} |\n\
         | Load average when the run began | {} |\n\
         | Compiler | {} |\n\
         | Date | {} |\n\
         | `{COMMAND}` took | {} (release build {:.0} s, measurements {:.0} s, build-cost measurement {:.0} s) |\n\n",
        m.cpus,
        m.cpu_model,
        m.memory,
        m.load,
        m.rustc,
        m.date,
        minutes(took.total),
        took.release_build.as_secs_f64(),
        took.measurements.as_secs_f64(),
        took.build_cost.as_secs_f64(),
    );
}

fn render_targets(out: &mut String, f: &Value, build: &BuildCost) {
    let ratio = med(f, &["hop", "concurrency_64", "throughput_ratio"]);
    let added = med(f, &["hop", "concurrency_1", "added_p50_us"]);
    let big = f["export"]["sizes"]
        .as_object()
        .and_then(|sizes| {
            sizes
                .keys()
                .max_by_key(|k| k.parse::<u64>().unwrap_or(0))
                .cloned()
        })
        .unwrap_or_default();
    let small = f["export"]["sizes"]
        .as_object()
        .and_then(|sizes| {
            sizes
                .keys()
                .min_by_key(|k| k.parse::<u64>().unwrap_or(0))
                .cloned()
        })
        .unwrap_or_default();
    let sizes = &f["export"]["sizes"];
    let stream_rss = med(sizes, &[&big, "stream", "peak_rss_mib"]);
    let stream_rss_small = med(sizes, &[&small, "stream", "peak_rss_mib"]);
    let stream_time = med(sizes, &[&big, "stream_vs_bare_time"]);
    let call_rss = med(sizes, &[&big, "server_call", "peak_rss_mib"]);
    let call_rss_small = med(sizes, &[&small, "server_call", "peak_rss_mib"]);
    let call_time = med(sizes, &[&big, "server_call_vs_bare_wall"]);
    let grants_zoho = med(f, &["refresh", "expired_at_zoho", "token_requests"]);
    let grants_client = med(f, &["refresh", "expired_known_to_client", "token_requests"]);
    let max_grants = |key: &str| num(f, &["refresh", key, "token_requests", "max"]);
    let flat = |small: f64, big: f64| {
        if big <= small * 1.25 {
            "**met** (flat)".to_owned()
        } else {
            format!("**missed**: grows {:.1}x", big / small)
        }
    };
    let exactly_one = |median: f64, max: f64| {
        if median == 1.0 && max == 1.0 {
            "**met** in every run".to_owned()
        } else {
            format!("**missed**: up to {max:.0} token requests")
        }
    };
    let _ = write!(
        out,
        "## Targets at a glance\n\n\
         | # | Figure | Target | Measured (median) | Verdict |\n|---|---|---|---|---|\n\
         | 1 | JSON-RPC throughput / direct, concurrency 64 | ≥ 0.67x | {ratio:.2}x | {} |\n\
         | 1 | Added p50 latency of the JSON-RPC hop, concurrency 1 | ≤ 100 µs | {added:.0} µs | {} |\n\
         | 2 | Rust path (`GetRecord::execute`) over bare reqwest, p50, concurrency 1 | (none set) | +{:.0} µs | - |\n\
         | 3 | Peak RSS, Rust stream, {big} records | ≤ 64 MiB | {stream_rss:.1} MiB | {} |\n\
         | 3 | Peak RSS flat (Rust stream, {small} → {big}) | flat (≤ +25%) | {stream_rss_small:.1} → {stream_rss:.1} MiB | {} |\n\
         | 3 | Time, Rust stream / bare page loop, {big} records | ≤ 1.2x | {stream_time:.2}x | {} |\n\
         | 3 | Peak RSS, `zoho-server call --jsonl`, {big} records | ≤ 64 MiB | {call_rss:.1} MiB | {} |\n\
         | 3 | Peak RSS flat (`zoho-server call --jsonl`, {small} → {big}) | flat (≤ +25%) | {call_rss_small:.1} → {call_rss:.1} MiB | {} |\n\
         | 3 | Wall time, `zoho-server call --jsonl` / bare page loop process, {big} records | ≤ 1.2x | {call_time:.2}x | {} |\n\
         | 4 | Token requests, 1,000 calls on a token Zoho expired | exactly 1 | {grants_zoho:.0} | {} |\n\
         | 4 | Token requests, 1,000 calls on a token the client knows expired | exactly 1 | {grants_client:.0} | {} |\n\
         | 6 | Failed calls, 100,000 `GetRecord` under 5% 5xx + 2% resets, `max_retries` 5 | 0 | {:.0} | {} |\n\
         | 6 | Failed calls, the same with the default `max_retries` 2 (3 attempts) | (0.07³ ≈ 34 expected) | {:.0} | - |\n\
         | 6 | Upstream requests per call, default policy | ≤ 1.15 | {:.3} | {} |\n\
         | 5 | Rebuild of `zoho-actions` after a one-line spec edit that changes the code (dev profile) | (none set) | {:.1} s | - |\n\
         | 5 | Generated lines per action | ≤ 100 | {:.0} | {} |\n\n",
        at_least(ratio, 0.67),
        at_most(added, 100.0),
        med(f, &["rust_path", "concurrency_1", "added_p50_us"]),
        at_most(stream_rss, 64.0),
        flat(stream_rss_small, stream_rss),
        at_most(stream_time, 1.2),
        at_most(call_rss, 64.0),
        flat(call_rss_small, call_rss),
        at_most(call_time, 1.2),
        exactly_one(grants_zoho, max_grants("expired_at_zoho")),
        exactly_one(grants_client, max_grants("expired_known_to_client")),
        med(f, &["faults", "max_retries_5", "failed_calls"]),
        at_most(med(f, &["faults", "max_retries_5", "failed_calls"]), 0.0),
        med(f, &["faults", "default_policy", "failed_calls"]),
        med(
            f,
            &["faults", "default_policy", "upstream_requests_per_call"]
        ),
        at_most(
            med(
                f,
                &["faults", "default_policy", "upstream_requests_per_call"]
            ),
            1.15
        ),
        median_of(&build.summary_s),
        build.lines_per_action(),
        at_most(build.lines_per_action(), 100.0),
    );
}

fn render_hop(out: &mut String, f: &Value) {
    let h = &f["hop"];
    let _ = write!(
        out,
        "## 1. The JSON-RPC hop\n\n\
         `crm.getRecord` (one Lead, all fields) sent as JSON-RPC to `zoho-server`, against the same \
         `GET /crm/v3/Leads/{{id}}` sent straight to the sandbox with the same token, by the same \
         reqwest client (one keep-alive pool), closed loop, {secs} s per run. How: {setup}.\n\n\
         | Concurrency | Path | p50 | p99 | Throughput (calls/s) |\n|---|---|---|---|---|\n",
        secs = f["run_seconds"],
        setup = h["setup"].as_str().unwrap_or(""),
    );
    for (c, key) in [("1", "concurrency_1"), ("64", "concurrency_64")] {
        for (label, path) in [("direct", "direct"), ("JSON-RPC", "rpc")] {
            let _ = writeln!(
                out,
                "| {c} | {label} | {} | {} | {} |",
                spread(h, &[key, path, "p50_us"], 0, " µs"),
                spread(h, &[key, path, "p99_us"], 0, " µs"),
                spread(h, &[key, path, "throughput_per_s"], 0, ""),
            );
        }
    }
    let ratio = med(h, &["concurrency_64", "throughput_ratio"]);
    let added = med(h, &["concurrency_1", "added_p50_us"]);
    let _ = write!(
        out,
        "\nThroughput ratio at concurrency 64: **{}** (target ≥ 0.67x: {}). \
         Added p50 at concurrency 1: **{}** (target ≤ 100 µs: {}).\n\n",
        spread(h, &["concurrency_64", "throughput_ratio"], 2, "x"),
        at_least(ratio, 0.67),
        spread(h, &["concurrency_1", "added_p50_us"], 0, " µs"),
        at_most(added, 100.0),
    );

    let b = &h["breakdown_concurrency_1"];
    let healthz = med(b, &["healthz_p50_us"]);
    let invalid = med(b, &["rpc_invalid_params_p50_us"]);
    let quiet = med(b, &["rpc_logging_warn_p50_us"]);
    let rpc = med(b, &["rpc_p50_us"]);
    let direct = med(b, &["direct_p50_us"]);
    let typed = med(b, &["typed_p50_us"]);
    let _ = write!(
        out,
        "### Where the time goes (concurrency 1, p50)\n\n\
         A ladder of calls that each add one piece, measured in the same runs:\n\n\
         | Call | p50 | What it adds |\n|---|---|---|\n\
         | `GET /healthz` on zoho-server | {} | one HTTP round trip to the server |\n\
         | JSON-RPC `crm.getRecord` with `recordId` missing (-32602) | {} | + body read, JSON-RPC parse, params check, error reply: {:.0} µs |\n\
         | direct GET to the sandbox | {} | the sandbox's own work and one round trip |\n\
         | `GetRecord::execute` in this process | {} | + zoho-core (token, request, retries, shaping): {:.0} µs |\n\
         | JSON-RPC `crm.getRecord`, server logging at `warn` | {} | |\n\
         | JSON-RPC `crm.getRecord`, default `info` logging | {} | + one log line per call: {:.0} µs |\n\n\
         Read together: the hop's added p50 of {added:.0} µs is about one extra loopback round \
         trip ({healthz:.0} µs), the JSON-RPC layer ({:.0} µs), the Rust path inside the server \
         ({:.0} µs), the per-call log line ({:.0} µs), and serializing the record into the \
         JSON-RPC reply and parsing it again on the client (the rest: {}). A round trip \
         to a second process that does nothing (`/healthz`) already takes {healthz:.0} µs here, \
         {:.0}% of the 100 µs budget: on this virtual machine every extra process on the path \
         costs wake-ups and a loopback TCP exchange whose latency is the machine's, not ours.\n\n",
        spread(b, &["healthz_p50_us"], 0, " µs"),
        spread(b, &["rpc_invalid_params_p50_us"], 0, " µs"),
        invalid - healthz,
        spread(b, &["direct_p50_us"], 0, " µs"),
        spread(b, &["typed_p50_us"], 0, " µs"),
        typed - direct,
        spread(b, &["rpc_logging_warn_p50_us"], 0, " µs"),
        spread(b, &["rpc_p50_us"], 0, " µs"),
        rpc - quiet,
        invalid - healthz,
        typed - direct,
        rpc - quiet,
        {
            let rest = added - healthz - (invalid - healthz) - (typed - direct) - (rpc - quiet);
            if rest >= 0.0 {
                format!("{rest:.0} µs")
            } else {
                format!(
                    "none; the pieces add up to {:.0} µs more than the whole, within the noise \
                     of medians taken from separate runs",
                    -rest
                )
            }
        },
        healthz,
    );

    let cpu = &h["concurrency_64"]["cpu_us_per_call"];
    let switches = &h["concurrency_64"]["context_switches_per_call"];
    let d_sandbox = med(cpu, &["direct", "sandbox"]);
    let d_load = med(cpu, &["direct", "load_generator"]);
    let r_sandbox = med(cpu, &["rpc", "sandbox"]);
    let r_server = med(cpu, &["rpc", "server"]);
    let r_load = med(cpu, &["rpc", "load_generator"]);
    let direct_total = d_sandbox + d_load;
    let rpc_total = r_sandbox + r_server + r_load;
    let own = med(cpu, &["rpc_invalid_params", "server"]);
    let client = r_server - own;
    let _ = write!(
        out,
        "### CPU per call at concurrency 64\n\n\
         At concurrency 64 the three processes share the machine's cores, so throughput is \
         bounded by CPU time per call (from `/proc/<pid>/stat`, user + system, divided by calls) \
         and context switches per call (from `/proc/<pid>/task/*/status`):\n\n\
         | Path | sandbox | zoho-server | load generator | total CPU |\n|---|---|---|---|---|\n\
         | direct, CPU | {} | - | {} | {direct_total:.0} µs |\n\
         | JSON-RPC, CPU | {} | {} | {} | {rpc_total:.0} µs |\n\
         | JSON-RPC refused before the sandbox (-32602), CPU | - | {} | {} | |\n\
         | `GetRecord::execute` in the load generator, CPU | {} | - | {} | |\n\
         | direct, context switches | {} | - | {} | |\n\
         | JSON-RPC, context switches | {} | {} | {} | |\n\n\
         If CPU were the only limit, the best throughput ratio would be direct CPU / JSON-RPC CPU \
         = **{:.2}x**; measured: {ratio:.2}x. The hop costs what the server process burns per \
         call: a whole HTTP server exchange plus a whole HTTP client exchange, where the sandbox \
         and the load generator each do one. Of the server's {r_server:.0} µs, about \
         {own:.0} µs is its HTTP server and JSON-RPC side (what a call refused before it reaches \
         the sandbox costs) and the other {client:.0} µs its HTTP client side, the Rust path and \
         writing the record into the reply. {}\n\n",
        spread(cpu, &["direct", "sandbox"], 0, " µs"),
        spread(cpu, &["direct", "load_generator"], 0, " µs"),
        spread(cpu, &["rpc", "sandbox"], 0, " µs"),
        spread(cpu, &["rpc", "server"], 0, " µs"),
        spread(cpu, &["rpc", "load_generator"], 0, " µs"),
        spread(cpu, &["rpc_invalid_params", "server"], 0, " µs"),
        spread(cpu, &["rpc_invalid_params", "load_generator"], 0, " µs"),
        spread(cpu, &["typed", "sandbox"], 0, " µs"),
        spread(cpu, &["typed", "load_generator"], 0, " µs"),
        spread(switches, &["direct", "sandbox"], 1, ""),
        spread(switches, &["direct", "load_generator"], 1, ""),
        spread(switches, &["rpc", "sandbox"], 1, ""),
        spread(switches, &["rpc", "server"], 1, ""),
        spread(switches, &["rpc", "load_generator"], 1, ""),
        direct_total / rpc_total,
        if ratio >= 0.67 {
            "The target is met."
        } else {
            "The target assumes the server's share is small next to the upstream's; against a \
             loopback sandbox that answers in tens of microseconds of CPU it is not."
        },
    );
    let slow = &h["concurrency_64_upstream_latency"];
    if slow.is_object() {
        let latency = slow["latency_ms"].as_u64().unwrap_or(0);
        let slow_ratio = med(slow, &["throughput_ratio"]);
        let _ = write!(
            out,
            "### The same at concurrency 64 with Zoho-like latency\n\n\
             With the sandbox answering after {latency} ms (`/__sandbox/faults` `latency_ms`, \
             about a nearby Zoho data center), the same side by side:\n\n\
             | Path | p50 | Throughput (calls/s) |\n|---|---|---|\n\
             | direct | {} | {} |\n\
             | JSON-RPC | {} | {} |\n\n\
             Throughput ratio: **{}** ({} against the 0.67x target). {}\n\n",
            spread(slow, &["direct", "p50_us"], 0, " µs"),
            spread(slow, &["direct", "throughput_per_s"], 0, ""),
            spread(slow, &["rpc", "p50_us"], 0, " µs"),
            spread(slow, &["rpc", "throughput_per_s"], 0, ""),
            spread(slow, &["throughput_ratio"], 2, "x"),
            at_least(slow_ratio, 0.67),
            if slow_ratio >= 0.67 {
                "When the upstream's latency, not this machine's CPU, bounds a call, the hop \
                 costs little: the shortfall above is the price of a second process on a \
                 small machine against an upstream that costs nearly nothing."
            } else {
                "Even with upstream latency the server's CPU per call limits throughput here."
            },
        );
    }
    render_profile(out, &h["server_profile_concurrency_64"]);
}

fn render_profile(out: &mut String, profile: &Value) {
    let (Some(binaries), Some(symbols)) = (
        profile["by_binary"].as_array(),
        profile["top_symbols"].as_array(),
    ) else {
        out.push_str(
            "`perf` was not available or not allowed on this machine, so there is no profile of \
             the server.\n\n",
        );
        return;
    };
    let row = |pair: &Value| {
        format!(
            "| {:.1}% | `{}` |\n",
            pair[0].as_f64().unwrap_or(0.0),
            pair[1].as_str().unwrap_or("").replace('|', "\\|")
        )
    };
    out.push_str(
        "### zoho-server profile at concurrency 64 (`perf record -F 1999`, JSON-RPC load)\n\n\
         | Share | Binary |\n|---|---|\n",
    );
    for pair in binaries {
        out.push_str(&row(pair));
    }
    out.push_str("\n| Share | Top symbols |\n|---|---|\n");
    for pair in symbols {
        out.push_str(&row(pair));
    }
    let kernel: f64 = binaries
        .iter()
        .filter(|pair| pair[1].as_str().is_some_and(|name| name.contains("kernel")))
        .filter_map(|pair| pair[0].as_f64())
        .sum();
    let ours = binaries
        .iter()
        .find(|pair| pair[1].as_str() == Some("zoho-server"))
        .and_then(|pair| pair[0].as_f64())
        .unwrap_or(0.0);
    let top_user = symbols
        .iter()
        .find(|pair| {
            pair[1].as_str().is_some_and(|name| {
                !name.contains("kernel")
                    && !name.starts_with("__")
                    && !name.contains("task_switch")
                    && !name.contains("spin_")
            })
        })
        .map(|pair| {
            (
                pair[0].as_f64().unwrap_or(0.0),
                pair[1].as_str().unwrap_or(""),
            )
        })
        .unwrap_or((0.0, ""));
    // The allocator's functions (mimalloc's `mi_`/`_mi_`, or glibc's) among the top symbols: a
    // lower bound on allocation's share.
    let allocation: f64 = symbols
        .iter()
        .filter(|pair| {
            pair[1].as_str().is_some_and(|name| {
                [
                    "malloc",
                    "free",
                    "_int_",
                    "unlink_chunk",
                    "realloc",
                    "__rdl_",
                    "mi_",
                ]
                .iter()
                .any(|part| name.contains(part))
            })
        })
        .filter_map(|pair| pair[0].as_f64())
        .sum();
    let _ = write!(
        out,
        "\nAllocation (the allocator's functions among the top symbols; the server uses mimalloc, \
         which cut its CPU per call by about a tenth against glibc's malloc) takes at least \
         {allocation:.0}% of the samples. The kernel takes {kernel:.0}% of the server's samples (the TCP stack for two sockets \
         per call, and scheduling: see the context switches above); the server's own code \
         {ours:.0}%. {}\n\n",
        if top_user.0 < 5.0 {
            format!(
                "No function of ours dominates (the largest user-space symbol, `{}`, has {:.1}%): \
                 the cost is spread over hyper (server and client side), serde_json, allocation \
                 and tracing, so cutting it means fewer wake-ups and copies per call rather than \
                 one hot spot.",
                top_user.1, top_user.0
            )
        } else {
            format!(
                "The largest user-space symbol is `{}` with {:.1}%: the first place to look.",
                top_user.1, top_user.0
            )
        },
    );
}

fn render_rust_path(out: &mut String, f: &Value) {
    let r = &f["rust_path"];
    let _ = write!(
        out,
        "## 2. The Rust path\n\n{}.\n\n\
         | Concurrency | Path | p50 | p99 | Throughput (calls/s) |\n|---|---|---|---|---|\n",
        r["setup"].as_str().unwrap_or("")
    );
    for (c, key) in [("1", "concurrency_1"), ("64", "concurrency_64")] {
        for (label, path) in [("bare reqwest", "bare"), ("`GetRecord::execute`", "typed")] {
            let _ = writeln!(
                out,
                "| {c} | {label} | {} | {} | {} |",
                spread(r, &[key, path, "p50_us"], 0, " µs"),
                spread(r, &[key, path, "p99_us"], 0, " µs"),
                spread(r, &[key, path, "throughput_per_s"], 0, ""),
            );
        }
    }
    let _ = write!(
        out,
        "\nOverhead of the generated type and zoho-core at concurrency 1: **{}** at p50; \
         throughput at concurrency 64: **{}** of bare reqwest. The typed path also validates the \
         inputs, takes the token from the shared cache, holds an in-flight permit, classifies the \
         answer for retries and shapes the result (`data[0]`).\n\n",
        spread(r, &["concurrency_1", "added_p50_us"], 0, " µs"),
        spread(r, &["concurrency_64", "throughput_ratio"], 2, "x"),
    );
}

fn render_export(out: &mut String, f: &Value) {
    let e = &f["export"];
    let _ = write!(
        out,
        "## 3. Large export\n\n\
         `fetchAll` over the CRM Leads module: 10 pages through `page`, then `page_token` past \
         Zoho's 2,000-record boundary. Three ways: a bare page loop on reqwest (what a user writes \
         without us), the Rust stream `GetRecords {{ fetch_all, max_records }}.records(&client)`, and \
         `zoho-server call crm.getRecords '{{\"fetchAll\": true, \"maxRecords\": N, ...}}' --jsonl` \
         (one JSON line per record as its page arrives). How: {}.\n\n\
         | Records | Path | Export time | Process wall time | Peak RSS |\n|---|---|---|---|---|\n",
        e["setup"].as_str().unwrap_or(""),
    );
    let mut sizes: Vec<(&String, &Value)> = e["sizes"]
        .as_object()
        .map(|m| m.iter().collect())
        .unwrap_or_default();
    sizes.sort_by_key(|(k, _)| k.parse::<u64>().unwrap_or(0));
    for (size, s) in &sizes {
        for (label, key) in [
            ("bare page loop", "bare"),
            ("Rust stream", "stream"),
            ("`zoho-server call --jsonl`", "server_call"),
        ] {
            let export = if s[key]["export_ms"].is_object() {
                spread(s, &[key, "export_ms"], 0, " ms")
            } else {
                "-".to_owned()
            };
            let _ = writeln!(
                out,
                "| {size} | {label} | {export} | {} | {} |",
                spread(s, &[key, "wall_ms"], 0, " ms"),
                spread(s, &[key, "peak_rss_mib"], 1, " MiB"),
            );
        }
    }
    let _ = writeln!(
        out,
        "\n| Records | Rust stream / bare (export time) | `zoho-server call --jsonl` / bare (wall) | `zoho-server call --jsonl` stdout |\n|---|---|---|---|"
    );
    for (size, s) in &sizes {
        let _ = writeln!(
            out,
            "| {size} | {} | {} | {:.1} MiB |",
            spread(s, &["stream_vs_bare_time"], 2, "x"),
            spread(s, &["server_call_vs_bare_wall"], 2, "x"),
            s["server_call_stdout_bytes"].as_f64().unwrap_or(0.0) / 1024.0 / 1024.0,
        );
    }
    let (Some((_, first)), Some((big, last))) = (sizes.first(), sizes.last()) else {
        return;
    };
    let stream_time = med(last, &["stream_vs_bare_time"]);
    let call_small = med(first, &["server_call", "peak_rss_mib"]);
    let call_big = med(last, &["server_call", "peak_rss_mib"]);
    let _ = write!(
        out,
        "\nThe Rust stream holds one page at a time: its peak RSS stays at {:.1} MiB from the \
         smallest export to {big} records. Its time is {stream_time:.2}x the bare loop's ({}).\n\n\
         `zoho-server call --jsonl` writes each record as one line as its page arrives, so it too \
         holds one page at a time: {call_small:.1} MiB at the smallest export, {call_big:.1} MiB at \
         {big} records; it {}.\n\n",
        med(last, &["stream", "peak_rss_mib"]),
        if stream_time <= 1.2 {
            "target ≤ 1.2x met".to_owned()
        } else {
            format!(
                "target ≤ 1.2x {}; the stream parses each page into `serde_json::Value` as the \
                 bare loop does, and adds the paging rules, result shaping and a `Value` per \
                 record handed through the stream",
                at_most(stream_time, 1.2)
            )
        },
        if call_big <= 64.0 && call_big <= call_small * 1.25 {
            "meets the 64 MiB target and stays flat".to_owned()
        } else {
            format!(
                "misses the flat 64 MiB target ({})",
                at_most(call_big, 64.0)
            )
        },
    );
}

fn render_refresh(out: &mut String, f: &Value) {
    let r = &f["refresh"];
    let _ = write!(
        out,
        "## 4. Token refresh under load\n\n{}. Two ways a token is expired: Zoho says so \
         (`/__sandbox/clock/advance` past the hour: the client still believes its token and \
         learns from 401 `INVALID_TOKEN` answers) and the client knows (a stored token whose \
         expiry has passed, as after a restart: it refreshes before sending).\n\n\
         | Token | Token requests | 401 answers | Wall time | p50 | p99 | Added wall | Added p50 |\n\
         |---|---|---|---|---|---|---|---|\n",
        r["setup"].as_str().unwrap_or(""),
    );
    for (label, key) in [
        ("valid (baseline)", "valid_token"),
        ("expired at Zoho", "expired_at_zoho"),
        ("known expired", "expired_known_to_client"),
    ] {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} | {} | {} |",
            spread(r, &[key, "token_requests"], 0, ""),
            spread(r, &[key, "answers_401"], 0, ""),
            spread(r, &[key, "wall_ms"], 0, " ms"),
            spread(r, &[key, "p50_ms"], 0, " ms"),
            spread(r, &[key, "p99_ms"], 0, " ms"),
            spread(r, &[key, "added_wall_ms"], 0, " ms"),
            spread(r, &[key, "added_p50_ms"], 0, " ms"),
        );
    }
    let _ = write!(
        out,
        "\nLatencies are from the moment all calls were started, so p50 is when half of the \
         1,000 had their record. When Zoho expired the token, every call already holding it is \
         answered 401 once and retried with the one new token; the single flight makes sure \
         only one of them asks for it.\n\n"
    );
}

fn render_faults(out: &mut String, f: &Value) {
    let r = &f["faults"];
    let _ = write!(
        out,
        "## 6. Calls under faults\n\n{}. Typed reads are idempotent (the spec says so), so each \
         5xx or dropped connection is retried with jittered exponential backoff.\n\n\
         | Policy | Failed calls | Upstream requests per call | Calls/s | p50 | p99 |\n\
         |---|---|---|---|---|---|\n",
        r["setup"].as_str().unwrap_or(""),
    );
    for (label, key) in [
        ("default: `max_retries` 2 (3 attempts)", "default_policy"),
        ("`max_retries` 5 (6 attempts)", "max_retries_5"),
    ] {
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {} | {} |",
            spread(r, &[key, "failed_calls"], 0, ""),
            spread(r, &[key, "upstream_requests_per_call"], 3, ""),
            spread(r, &[key, "calls_per_s"], 0, ""),
            spread(r, &[key, "p50_ms"], 2, " ms"),
            spread(r, &[key, "p99_ms"], 0, " ms"),
        );
    }
    let _ = write!(
        out,
        "\nWith faults on {:.0}% of requests, independent of each other, a call fails only when \
         every attempt does: {:.0}% to the power of the attempts. Three attempts (the documented \
         default) leave about 3.4 calls in 10,000 failing, which is what the first row shows; \
         zero failures in 100,000 needs 5 retries (1.7 in a million). The p99 is the backoff: \
         1 s initial, full jitter.\n\n",
        num(r, &["fault_share"]) * 100.0,
        num(r, &["fault_share"]) * 100.0,
    );
}

fn render_build(out: &mut String, b: &BuildCost) {
    let row = |label: &str, times: &[f64]| {
        let (lo, hi) = times
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), s| {
                (lo.min(*s), hi.max(*s))
            });
        let runs: Vec<String> = times.iter().map(|s| format!("{s:.1} s")).collect();
        format!(
            "| {label} | {:.1} s ({lo:.1}–{hi:.1}); runs: {} |\n",
            median_of(times),
            runs.join(", ")
        )
    };
    let _ = write!(
        out,
        "## 5. Build cost\n\n\
         `cargo build -p zoho-actions` (dev profile, the edit-compile loop) after a one-line edit \
         of `{SPEC_PATH}`, and again after restoring it byte for byte. Two edits: a comment line \
         appended (the proc macro re-runs, because it reads the spec through an `include_str!`, \
         but its output is the same, so incremental compilation reuses nearly everything) and \
         one action's `summary` changed (the expansion changes, so the crate is recompiled \
         for real). Nothing but `zoho-actions` is rebuilt by `-p zoho-actions`; binaries that \
         depend on it relink as well.\n\n\
         | Figure | Value |\n|---|---|\n{}{}\
         | Warm-up build before timing | {:.1} s |\n\
         | Expansion (`{SNAPSHOT_PATH}`) | {} lines for {} actions = **{:.0} lines per action** |\n",
        row(
            "Rebuild after a comment line is added or removed",
            &b.comment_s
        ),
        row(
            "Rebuild after an action's summary changes or changes back",
            &b.summary_s
        ),
        b.warm_up.as_secs_f64(),
        b.snapshot_lines,
        b.actions,
        b.lines_per_action(),
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn spread_of(median: f64) -> Value {
        json!({"median": median, "min": median, "max": median, "runs": [median]})
    }

    #[test]
    fn verdicts_say_met_or_by_how_much_missed() {
        assert_eq!(at_least(0.8, 0.67), "**met**");
        assert_eq!(at_least(0.335, 0.67), "**missed** by 50%");
        assert_eq!(at_most(150.0, 100.0), "**missed** by 50%");
        assert_eq!(at_most(64.0, 64.0), "**met**");
    }

    #[test]
    fn the_page_names_each_target_with_its_verdict() {
        let figures = json!({
            "runs": 3,
            "run_seconds": 1.0,
            "hop": {
                "concurrency_1": {"added_p50_us": spread_of(250.0)},
                "concurrency_64": {"throughput_ratio": spread_of(0.8)},
            },
            "export": {"sizes": {
                "10000": {"stream": {"peak_rss_mib": spread_of(7.0)},
                          "server_call": {"peak_rss_mib": spread_of(40.0)}},
                "100000": {"stream": {"peak_rss_mib": spread_of(7.5)},
                           "server_call": {"peak_rss_mib": spread_of(270.0)},
                           "stream_vs_bare_time": spread_of(1.1),
                           "server_call_vs_bare_wall": spread_of(1.9)},
            }},
            "refresh": {"expired_at_zoho": {"token_requests": spread_of(1.0)},
                        "expired_known_to_client": {"token_requests": spread_of(2.0)}},
        });
        let build = BuildCost {
            warm_up: Duration::from_secs(1),
            comment_s: vec![1.0, 1.0],
            summary_s: vec![10.0, 12.0],
            snapshot_lines: 2800,
            actions: 14,
            total: Duration::from_secs(30),
        };
        let mut out = String::new();
        render_targets(&mut out, &figures, &build);
        let row = |needle: &str| {
            out.lines()
                .find(|line| line.contains(needle))
                .unwrap_or_else(|| panic!("no row with {needle} in\n{out}"))
                .to_owned()
        };
        assert!(row("throughput / direct").ends_with("| 0.80x | **met** |"));
        assert!(row("Added p50").contains("**missed** by 150%"));
        assert!(row("Peak RSS flat (Rust stream").contains("**met** (flat)"));
        assert!(row("Peak RSS, `zoho-server call").contains("**missed** by 322%"));
        assert!(
            row("Peak RSS flat (`zoho-server call --jsonl`").contains("**missed**: grows 6.8x")
        );
        assert!(row("a token Zoho expired").contains("**met** in every run"));
        assert!(row("client knows expired").contains("**missed**: up to 2 token requests"));
        assert!(row("Generated lines per action").contains("| 200 | **missed**"));
        assert!(row("changes the code").contains("| 11.0 s |"));
    }

    #[test]
    fn the_summary_edit_changes_one_line_only() {
        let spec = b"[actions.a]\nsummary = \"List\"\n[actions.b]\nsummary = \"Get\"\n";
        let edited = String::from_utf8(with_summary_changed(spec).unwrap()).unwrap();
        assert_eq!(
            edited,
            "[actions.a]\nsummary = \"List (edited)\"\n[actions.b]\nsummary = \"Get\"\n"
        );
        assert!(with_summary_changed(b"name = \"x\"\n").is_err());
        assert!(with_comment(spec).starts_with(spec));
        assert!(!leftover_edit(spec));
        assert!(leftover_edit(&with_comment(spec)));
        assert!(leftover_edit(&with_summary_changed(spec).unwrap()));
    }
}
