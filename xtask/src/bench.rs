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

/// The section `cargo xtask bench` measures itself; every other section is `zoho-bench`'s.
const BUILD_SECTION: &str = "build";
/// Where the raw figures of the last run are kept, so one section can be rerun alone and the
/// page still shows the others (each section's ratios come from one run of that section).
const FIGURES_PATH: &str = "target/bench/figures.json";

/// What `cargo xtask bench` was asked for.
#[derive(Debug, Default, PartialEq)]
pub struct Options {
    /// Sections to run (empty: all); the rest keep the figures of the last run.
    pub only: Vec<String>,
}

impl Options {
    /// Parse the flags after `bench`: `--only SECTION[,SECTION...]`.
    pub fn parse(args: &[&str]) -> Result<Options, String> {
        let mut options = Options::default();
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            match *flag {
                "--only" => {
                    let list = args.next().ok_or("--only needs a list of sections")?;
                    options.only.extend(
                        list.split(',')
                            .filter(|part| !part.is_empty())
                            .map(str::to_owned),
                    );
                }
                other => return Err(format!("bench: unknown flag {other}")),
            }
        }
        Ok(options)
    }

    fn wanted(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == section)
    }

    /// The sections for `zoho-bench --only` (it names the ones it does not know).
    fn bench_sections(&self) -> Vec<&str> {
        self.only
            .iter()
            .map(String::as_str)
            .filter(|s| *s != BUILD_SECTION)
            .collect()
    }
}

/// The figures of the last run with this run's sections laid over them (whole sections
/// replaced, never mixed).
fn merge(previous: Option<Value>, new: Value) -> Value {
    let (Some(Value::Object(mut old)), Value::Object(new)) = (previous, new.clone()) else {
        return new;
    };
    for (key, value) in new {
        match (old.get_mut(&key), value) {
            (Some(Value::Object(old_taken)), Value::Object(taken)) if key == "seconds_taken" => {
                old_taken.extend(taken);
            }
            (_, value) => {
                old.insert(key, value);
            }
        }
    }
    Value::Object(old)
}

/// Run the sections asked for and write `docs/perf.md`.
pub fn run(root: &Path, options: &Options) -> Result<(), String> {
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

    if options.wanted("peers") {
        eprintln!("xtask bench: installing the peers (zoho-bench/peers/install.sh)");
        let installed = Command::new("bash")
            .arg(root.join("zoho-bench/peers/install.sh"))
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .status();
        if !matches!(installed, Ok(status) if status.success()) {
            eprintln!(
                "xtask bench: installing the peers failed; the peers section skips each one \
                 that is missing and says so"
            );
        }
    }

    let sections = options.bench_sections();
    let measured = Instant::now();
    let mut figures = if options.only.is_empty() || !sections.is_empty() {
        eprintln!("xtask bench: measuring (zoho-bench)");
        let bench_bin = target_dir.join("release").join("zoho-bench");
        let mut command = Command::new(&bench_bin);
        command.args(["--runs", &RUNS.to_string(), "--seconds", RUN_SECONDS]);
        if !sections.is_empty() {
            command.args(["--only", &sections.join(",")]);
        }
        let output = command
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .map_err(|err| format!("cannot run {}: {err}", bench_bin.display()))?;
        if !output.status.success() {
            return Err(format!("zoho-bench failed ({})", output.status));
        }
        serde_json::from_slice(&output.stdout)
            .map_err(|err| format!("zoho-bench printed no JSON document: {err}"))?
    } else {
        serde_json::json!({})
    };
    let measured = measured.elapsed();

    let build_cost = if options.wanted(BUILD_SECTION) {
        eprintln!("xtask bench: build cost of a one-line spec edit");
        let cost = BuildCost::measure(root, &target_dir)?;
        if let Value::Object(map) = &mut figures {
            map.insert(BUILD_SECTION.into(), cost.json());
        }
        cost.total
    } else {
        Duration::ZERO
    };

    let figures_path = root.join(FIGURES_PATH);
    let previous = if options.only.is_empty() {
        None
    } else {
        std::fs::read(&figures_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    };
    let figures = merge(previous, figures);
    if let Some(dir) = figures_path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let text = serde_json::to_string_pretty(&figures).map_err(|err| err.to_string())?;
    std::fs::write(&figures_path, text)
        .map_err(|err| format!("cannot write {FIGURES_PATH}: {err}"))?;

    let took = Took {
        total: began.elapsed(),
        release_build: build,
        measurements: measured,
        build_cost,
        only: options.only.clone(),
    };
    let contents = render(&machine, &figures, &took);
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
    /// The sections this run measured (empty: all).
    only: Vec<String>,
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
    /// The figures as kept in the figures file.
    fn json(&self) -> Value {
        serde_json::json!({
            "warm_up_s": self.warm_up.as_secs_f64(),
            "comment_s": self.comment_s,
            "summary_s": self.summary_s,
            "snapshot_lines": self.snapshot_lines,
            "actions": self.actions,
            "total_s": self.total.as_secs_f64(),
        })
    }

    /// The figures back from the figures file; `None` when the section was never measured.
    fn from_json(v: &Value) -> Option<BuildCost> {
        let list = |key: &str| -> Option<Vec<f64>> {
            v[key].as_array()?.iter().map(Value::as_f64).collect()
        };
        Some(BuildCost {
            warm_up: Duration::from_secs_f64(v["warm_up_s"].as_f64()?),
            comment_s: list("comment_s")?,
            summary_s: list("summary_s")?,
            snapshot_lines: usize::try_from(v["snapshot_lines"].as_u64()?).ok()?,
            actions: usize::try_from(v["actions"].as_u64()?).ok()?,
            total: Duration::from_secs_f64(v["total_s"].as_f64()?),
        })
    }

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

/// What a verdict says of a figure no run has measured (its section was skipped).
const NOT_MEASURED: &str = "not measured";

/// "PASS" or "FAIL by N%" for a figure that must be at least `target`.
fn at_least(value: f64, target: f64) -> String {
    if value.is_nan() {
        NOT_MEASURED.to_owned()
    } else if value >= target {
        "**PASS**".to_owned()
    } else {
        format!("**FAIL** by {:.0}%", (target - value) / target * 100.0)
    }
}

/// "PASS" or "FAIL by N%" for a figure that must be at most `target`.
fn at_most(value: f64, target: f64) -> String {
    if value.is_nan() {
        NOT_MEASURED.to_owned()
    } else if value <= target {
        "**PASS**".to_owned()
    } else {
        format!("**FAIL** by {:.0}%", (value - target) / target * 100.0)
    }
}

/// `value` with `digits` decimals and `unit`, or "-" when it was not measured.
fn figure(value: f64, digits: usize, unit: &str) -> String {
    if value.is_nan() {
        "-".to_owned()
    } else {
        format!("{value:.digits$}{unit}")
    }
}

/// The section heading and a line saying how to measure it, for a section no run measured.
fn not_measured(out: &mut String, title: &str, section: &str) {
    let _ = write!(
        out,
        "## {title}\n\nNot measured yet: run `{COMMAND} --only {section}`.\n\n"
    );
}

/// The peers the peers section compares with, as its figures name them, and the least
/// throughput ratio of zoho-server to each that the targets ask.
const PEERS: [(&str, &str, f64); 3] = [
    ("python_sdk", "Zoho's official Python SDK", 10.0),
    ("node_sdk", "Zoho's official Node SDK", 10.0),
    ("axios", "a plain Node axios loop", 5.0),
];

/// The rows of the targets table for the floor and peers sections (issue 19's targets).
fn floor_and_peer_targets(f: &Value) -> String {
    let mut rows = String::new();
    let fl = &f["floor"];
    let slow = med(
        f,
        &["hop", "concurrency_64_upstream_latency", "throughput_ratio"],
    );
    for (label, path, target, most) in [
        (
            "zoho-server CPU per `crm.getRecord` / the floor's, 64 connections",
            ["connections_64", "cpu_ratio"],
            1.3,
            true,
        ),
        (
            "zoho-server CPU per `crm.getRecord` / the floor's, 1 connection",
            ["connections_1", "cpu_ratio"],
            1.2,
            true,
        ),
        (
            "zoho-server throughput / the floor's, 64 connections",
            ["connections_64", "throughput_ratio"],
            0.8,
            false,
        ),
    ] {
        let value = med(fl, &path);
        let (sign, verdict) = if most {
            ("≤", at_most(value, target))
        } else {
            ("≥", at_least(value, target))
        };
        let _ = writeln!(
            rows,
            "| 7 | {label} | {sign} {target}x | {} | {verdict} |",
            figure(value, 2, "x")
        );
    }
    let _ = writeln!(
        rows,
        "| 1 | JSON-RPC throughput / direct, 64 connections, 20 ms upstream latency | ≥ 0.9x | {} | {} |",
        figure(slow, 2, "x"),
        at_least(slow, 0.9)
    );
    for (key, name, target) in PEERS {
        for (c, label) in [("1", "sequentially"), ("16", "at concurrency 16")] {
            let value = med(
                f,
                &[
                    "peers",
                    key,
                    &format!("concurrency_{c}"),
                    "server_throughput_ratio",
                ],
            );
            let verdict = match f["peers"][key]["skipped"].as_str() {
                Some(_) => "skipped (see section 8)".to_owned(),
                None => at_least(value, target),
            };
            let _ = writeln!(
                rows,
                "| 8 | zoho-server throughput / {name}, {label} | ≥ {target}x | {} | {verdict} |",
                figure(value, 1, "x")
            );
        }
    }
    rows
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

fn render(machine: &Machine, f: &Value, took: &Took) -> String {
    let build = BuildCost::from_json(&f[BUILD_SECTION]);
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
    render_targets(&mut out, f, build.as_ref());
    render_hop(&mut out, f);
    render_rust_path(&mut out, f);
    render_export(&mut out, f);
    render_refresh(&mut out, f);
    render_faults(&mut out, f);
    render_floor(&mut out, f);
    render_peers(&mut out, f);
    render_store(&mut out, f);
    // zoho-bench renders its bulk-read section itself (zoho-bench/src/bulk.rs).
    if let Some(bulk) = f["bulk"]["markdown"].as_str() {
        out.push_str(bulk);
        out.push('\n');
    }
    match &build {
        Some(build) => render_build(&mut out, build),
        None => not_measured(&mut out, "5. Build cost", BUILD_SECTION),
    }
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
         | `{COMMAND}` took | {} (release build {:.0} s, measurements {:.0} s, build-cost measurement {:.0} s) |\n\
         | Sections measured in this run | {} |\n\n",
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
        if took.only.is_empty() {
            "all".to_owned()
        } else {
            format!(
                "{} (`--only`; the other sections' figures are those of the last run that \
                 measured them, kept in `{FIGURES_PATH}`)",
                took.only.join(", ")
            )
        },
    );
}

fn render_targets(out: &mut String, f: &Value, build: Option<&BuildCost>) {
    let rebuild = build.map_or(f64::NAN, |b| median_of(&b.summary_s));
    let per_action = build.map_or(f64::NAN, BuildCost::lines_per_action);
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
    let call_stream = med(sizes, &[&big, "server_call_vs_stream_wall"]);
    let grants_zoho = med(f, &["refresh", "expired_at_zoho", "token_requests"]);
    let grants_client = med(f, &["refresh", "expired_known_to_client", "token_requests"]);
    let max_grants = |key: &str| num(f, &["refresh", key, "token_requests", "max"]);
    let flat = |small: f64, big: f64| {
        if big.is_nan() || small.is_nan() {
            NOT_MEASURED.to_owned()
        } else if big <= small * 1.25 {
            "**PASS** (flat)".to_owned()
        } else {
            format!("**FAIL**: grows {:.1}x", big / small)
        }
    };
    let exactly_one = |median: f64, max: f64| {
        if median.is_nan() {
            NOT_MEASURED.to_owned()
        } else if median == 1.0 && max == 1.0 {
            "**PASS** in every run".to_owned()
        } else {
            format!("**FAIL**: up to {max:.0} token requests")
        }
    };
    let _ = write!(
        out,
        "## Targets at a glance\n\n\
         | # | Figure | Target | Measured (median) | Verdict |\n|---|---|---|---|---|\n\
         {}\
         | 1 | Added p50 latency of the JSON-RPC hop, concurrency 1 | ≤ 100 µs | {added:.0} µs | {} |\n\
         | 2 | Rust path (`GetRecord::execute`) over bare reqwest, p50, concurrency 1 | (none set) | +{:.0} µs | - |\n\
         | 3 | Peak RSS, Rust stream, {big} records | ≤ 64 MiB | {stream_rss:.1} MiB | {} |\n\
         | 3 | Peak RSS flat (Rust stream, {small} → {big}) | flat (≤ +25%) | {stream_rss_small:.1} → {stream_rss:.1} MiB | {} |\n\
         | 3 | Time, Rust stream / bare page loop, {big} records | ≤ 1.2x | {stream_time:.2}x | {} |\n\
         | 3 | Peak RSS, `zoho-server call --jsonl`, {big} records | ≤ 64 MiB | {call_rss:.1} MiB | {} |\n\
         | 3 | Peak RSS flat (`zoho-server call --jsonl`, {small} → {big}) | flat (≤ +25%) | {call_rss_small:.1} → {call_rss:.1} MiB | {} |\n\
         | 3 | Wall time, `zoho-server call --jsonl` / bare page loop process, {big} records | ≤ 1.2x | {call_time:.2}x | {} |\n\
         | 3 | Wall time, `zoho-server call --jsonl` / Rust stream process, {big} records | ≤ 1.1x | {call_stream:.2}x | {} |\n\
         | 4 | Token requests, 1,000 calls on a token Zoho expired | exactly 1 | {grants_zoho:.0} | {} |\n\
         | 4 | Token requests, 1,000 calls on a token the client knows expired | exactly 1 | {grants_client:.0} | {} |\n\
         | 6 | Failed calls, 100,000 `GetRecord` under 5% 5xx + 2% resets, `max_retries` 5 | 0 | {:.0} | {} |\n\
         | 6 | Failed calls, the same with the default `max_retries` 2 (3 attempts) | (0.07³ ≈ 34 expected) | {:.0} | - |\n\
         | 6 | Upstream requests per call, default policy | ≤ 1.15 | {:.3} | {} |\n\
         | 5 | Rebuild of `zoho-actions` after a one-line spec edit that changes the code (dev profile) | (none set) | {:.1} s | - |\n\
         | 5 | Generated lines per action | ≤ 100 | {:.0} | {} |\n\n",
        floor_and_peer_targets(f),
        at_most(added, 100.0),
        med(f, &["rust_path", "concurrency_1", "added_p50_us"]),
        at_most(stream_rss, 64.0),
        flat(stream_rss_small, stream_rss),
        at_most(stream_time, 1.2),
        at_most(call_rss, 64.0),
        flat(call_rss_small, call_rss),
        at_most(call_time, 1.2),
        at_most(call_stream, 1.1),
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
        rebuild,
        per_action,
        at_most(per_action, 100.0),
    );
}

fn render_hop(out: &mut String, f: &Value) {
    if !f["hop"].is_object() {
        not_measured(out, "1. The JSON-RPC hop", "hop");
        return;
    }
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
        "\nThroughput ratio at concurrency 64: **{}** (no target: no process in the middle \
         comes near a direct call on this 2-core machine, so section 7 compares zoho-server \
         with the least such a process can do). \
         Added p50 at concurrency 1: **{}** (target ≤ 100 µs: {}).\n\n",
        spread(h, &["concurrency_64", "throughput_ratio"], 2, "x"),
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
            "The server's share is small next to the upstream's."
        } else {
            "Against a loopback sandbox that answers in tens of microseconds of CPU, the \
             server's share is not small: section 7 shows how much of it any pass-through pays."
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
             Throughput ratio: **{}** (target ≥ 0.9x: {}). {}\n\n",
            spread(slow, &["direct", "p50_us"], 0, " µs"),
            spread(slow, &["direct", "throughput_per_s"], 0, ""),
            spread(slow, &["rpc", "p50_us"], 0, " µs"),
            spread(slow, &["rpc", "throughput_per_s"], 0, ""),
            spread(slow, &["throughput_ratio"], 2, "x"),
            at_least(slow_ratio, 0.9),
            if slow_ratio >= 0.9 {
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

fn render_floor(out: &mut String, f: &Value) {
    let fl = &f["floor"];
    if !fl.is_object() {
        not_measured(out, "7. zoho-server against the floor", "floor");
        return;
    }
    let _ = write!(
        out,
        "## 7. zoho-server against the floor\n\n\
         The floor is `zoho-floor` (`zoho-bench/src/bin/zoho-floor.rs`): the least a JSON-RPC to \
         REST pass-through can do on hyper. It reads the call, sends one GET upstream on a \
         keep-alive hyper-util client with the bearer token, and wraps the upstream bytes as \
         `result` without parsing them; no validation beyond building the URL, no retries, \
         limits, token refresh or logging. zoho-server does all of those. How: {}.\n\n\
         | Connections | Figure | zoho-server | floor | zoho-server / floor |\n|---|---|---|---|---|\n",
        fl["setup"].as_str().unwrap_or(""),
    );
    for c in ["64", "1"] {
        let key = format!("connections_{c}");
        let at = &fl[key.as_str()];
        for (label, field, ratio, digits, unit) in [
            (
                "CPU per call, the process itself",
                "cpu_us_per_call",
                Some("cpu_ratio"),
                1,
                " µs",
            ),
            (
                "Throughput (calls/s)",
                "throughput_per_s",
                Some("throughput_ratio"),
                0,
                "",
            ),
            ("p50", "p50_us", Some("p50_ratio"), 0, " µs"),
            ("p99", "p99_us", Some("p99_ratio"), 0, " µs"),
            (
                "CPU per call, the sandbox",
                "sandbox_cpu_us_per_call",
                None,
                1,
                " µs",
            ),
            (
                "CPU per call, the load generator",
                "generator_cpu_us_per_call",
                None,
                1,
                " µs",
            ),
        ] {
            let _ = writeln!(
                out,
                "| {c} | {label} | {} | {} | {} |",
                spread(at, &["server", field], digits, unit),
                spread(at, &["floor", field], digits, unit),
                ratio.map_or_else(|| "-".to_owned(), |r| spread(at, &[r], 2, "x")),
            );
        }
    }
    let cpu64 = med(fl, &["connections_64", "cpu_ratio"]);
    let cpu1 = med(fl, &["connections_1", "cpu_ratio"]);
    let rps64 = med(fl, &["connections_64", "throughput_ratio"]);
    let _ = write!(
        out,
        "\nRatios are taken round by round (both targets measured back to back) and their median \
         shown. Targets: CPU per call ≤ 1.3x the floor at 64 connections ({cpu64:.2}x: {}), \
         ≤ 1.2x at 1 ({cpu1:.2}x: {}); throughput ≥ 0.8x the floor at 64 ({rps64:.2}x: {}). \
         The floor's CPU is what any process in the middle must pay on this machine (an HTTP \
         server exchange plus an HTTP client exchange); the difference is the price of \
         zoho-server's guarantees and of its code.\n\n",
        at_most(cpu64, 1.3),
        at_most(cpu1, 1.2),
        at_least(rps64, 0.8),
    );
}

fn render_peers(out: &mut String, f: &Value) {
    let p = &f["peers"];
    if !p.is_object() {
        not_measured(
            out,
            "8. Peers: the same work through Zoho's SDKs and axios",
            "peers",
        );
        return;
    }
    let _ = write!(
        out,
        "## 8. Peers: the same work through Zoho's SDKs and axios\n\n\
         The same Lead fetched again and again from the same sandbox by Zoho's official Python \
         SDK, its official Node SDK (both unmodified, set up as their READMEs show: a refresh \
         token, a file token store, INFO logging to a file) and a plain Node axios loop (the \
         bare GET with the token, as a component platform calls Zoho), next to zoho-server's \
         JSON-RPC `crm.getRecord` and, for scale, the floor's (`zoho-floor`, section 7: the \
         least a process in the middle can do). The scripts are in `zoho-bench/peers/`; \
         `zoho-bench/peers/install.sh` installs the peers (pinned) into `target/sdks/`. How: \
         {}.\n\n\
         | Concurrency | Client | Throughput (calls/s) | p50 | p99 | CPU per call | zoho-server throughput / it | the floor's throughput / it | its CPU per call / zoho-server's |\n\
         |---|---|---|---|---|---|---|---|---|\n",
        p["setup"].as_str().unwrap_or(""),
    );
    for c in ["1", "16"] {
        let key = format!("concurrency_{c}");
        for (driven, name) in [
            ("zoho_server", "zoho-server (JSON-RPC)"),
            ("floor", "the floor (JSON-RPC, `zoho-floor`)"),
        ] {
            let at = &p[driven][key.as_str()];
            if !at.is_object() {
                continue;
            }
            let _ = writeln!(
                out,
                "| {c} | {name} | {} | {} | {} | {} + {} (the generator) | - | - | - |",
                spread(at, &["throughput_per_s"], 0, ""),
                spread(at, &["p50_us"], 0, " µs"),
                spread(at, &["p99_us"], 0, " µs"),
                spread(at, &["cpu_us_per_call"], 0, " µs"),
                spread(at, &["generator_cpu_us_per_call"], 0, " µs"),
            );
        }
        for (peer, name, _) in PEERS {
            let entry = &p[peer];
            if entry["skipped"].is_string() {
                continue;
            }
            let at = &entry[key.as_str()];
            let _ = writeln!(
                out,
                "| {c} | {name} | {} | {} | {} | {} | {} | {} | {} |",
                spread(at, &["throughput_per_s"], 0, ""),
                spread(at, &["p50_us"], 0, " µs"),
                spread(at, &["p99_us"], 0, " µs"),
                spread(at, &["cpu_us_per_call"], 0, " µs"),
                spread(at, &["server_throughput_ratio"], 1, "x"),
                spread(at, &["floor_throughput_ratio"], 1, "x"),
                spread(at, &["cpu_ratio"], 1, "x"),
            );
        }
    }
    let mut notes = String::new();
    for (peer, name, _) in PEERS {
        if let Some(why) = p[peer]["skipped"].as_str() {
            let _ = writeln!(notes, "- {name} was skipped: {why}");
        }
    }
    let _ = write!(
        out,
        "\n{notes}{}The CPU ratio compares the peer's whole process with zoho-server's process \
         plus the load generator's (the caller's side counts too; the generator is lean, so a \
         caller in Python or Node would add its own HTTP cost to zoho-server's side). Targets: \
         zoho-server ≥ 10x the throughput of each official SDK and ≥ 5x the axios loop, \
         sequentially and at concurrency 16 (verdicts in the table at the top). One call at a \
         time, a call through any process in the middle waits for two loopback round trips \
         where a peer's waits for one: the floor's column is the most such a process reaches \
         here.\n\n",
        if notes.is_empty() { "" } else { "\n" },
    );
}

fn render_rust_path(out: &mut String, f: &Value) {
    if !f["rust_path"].is_object() {
        not_measured(out, "2. The Rust path", "hop");
        return;
    }
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
    if !f["export"].is_object() {
        not_measured(out, "3. Large export", "export");
        return;
    }
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
    if !f["refresh"].is_object() {
        not_measured(out, "4. Token refresh under load", "refresh");
        return;
    }
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
    if !f["faults"].is_object() {
        not_measured(out, "6. Calls under faults", "faults");
        return;
    }
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

/// Measurement 7 (`zoho-bench/src/store.rs`): the store of created connections.
fn render_store(out: &mut String, f: &Value) {
    let r = &f["store"];
    if r.is_null() {
        return;
    }
    let _ = write!(
        out,
        "## 9. The store of created connections: file and Redis\n\n\
         One `zoho-server` per store ({}), one sandbox: {} connections created over JSON-RPC and \
         authorized through the sandbox's consent flow (authorize URL, Accept, the server's \
         callback), then `connections.list` pages through them, {} a page.\n\n\
         | Store | {} consents | per consent | list ({} pages) | per call ({} Get Records, {} at once) | cached token (in process) |\n\
         |---|---|---|---|---|---|\n",
        r["redis_setup"].as_str().unwrap_or(""),
        num(r, &["connections"]),
        num(r, &["page"]),
        num(r, &["connections"]),
        num(r, &["file", "list_pages"]),
        num(r, &["calls"]),
        num(r, &["calls_at_once"]),
    );
    for kind in ["file", "redis"] {
        let _ = writeln!(
            out,
            "| `{kind}` | {:.1} s | {:.1} ms | {:.0} ms | {} | {} |",
            num(r, &[kind, "consents_s"]),
            num(r, &[kind, "per_consent_ms"]),
            num(r, &[kind, "list_ms"]),
            spread(r, &["per_call_us", kind], 0, " µs"),
            spread(r, &["token_path_ns", kind], 0, " ns"),
        );
    }
    let runs = r["redis_commands_during_token_reads"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let commands: f64 = runs.iter().map(|run| num(run, &["commands"])).sum();
    let _ = write!(
        out,
        "\nRedis over file, run by run: {}× per call ({} µs more); the Redis store also shares \
         Zoho's limits across instances (a lease acquired and released per call). The cached \
         token path makes no Redis round trip per call: over {} runs of {} token reads, Redis \
         ran {commands:.0} commands in all (each run's first read loads the tokens, and the \
         connection is checked once a second, so a delete elsewhere is seen).\n\n",
        spread(r, &["redis_over_file"], 2, ""),
        spread(r, &["redis_overhead_us"], 0, ""),
        runs.len(),
        num(r, &["token_reads"]),
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
    fn verdicts_say_pass_or_by_how_much_it_fails() {
        assert_eq!(at_least(0.8, 0.67), "**PASS**");
        assert_eq!(at_least(0.335, 0.67), "**FAIL** by 50%");
        assert_eq!(at_most(150.0, 100.0), "**FAIL** by 50%");
        assert_eq!(at_most(64.0, 64.0), "**PASS**");
        assert_eq!(at_most(f64::NAN, 64.0), NOT_MEASURED);
    }

    #[test]
    fn the_page_names_each_target_with_its_verdict() {
        let figures = json!({
            "runs": 3,
            "run_seconds": 1.0,
            "hop": {
                "concurrency_1": {"added_p50_us": spread_of(250.0)},
                "concurrency_64_upstream_latency": {"throughput_ratio": spread_of(0.92)},
            },
            "floor": {
                "connections_64": {"cpu_ratio": spread_of(2.65), "throughput_ratio": spread_of(0.54)},
                "connections_1": {"cpu_ratio": spread_of(1.1)},
            },
            "peers": {
                "python_sdk": {"concurrency_1": {"server_throughput_ratio": spread_of(12.0)},
                               "concurrency_16": {"server_throughput_ratio": spread_of(68.0)}},
                "node_sdk": {"skipped": "Zoho's Node SDK is not installed"},
                "axios": {"concurrency_1": {"server_throughput_ratio": spread_of(4.6)},
                          "concurrency_16": {"server_throughput_ratio": spread_of(5.0)}},
            },
            "export": {"sizes": {
                "10000": {"stream": {"peak_rss_mib": spread_of(7.0)},
                          "server_call": {"peak_rss_mib": spread_of(40.0)}},
                "100000": {"stream": {"peak_rss_mib": spread_of(7.5)},
                           "server_call": {"peak_rss_mib": spread_of(270.0)},
                           "stream_vs_bare_time": spread_of(1.1),
                           "server_call_vs_bare_wall": spread_of(1.9),
                           "server_call_vs_stream_wall": spread_of(1.05)},
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
        render_targets(&mut out, &figures, Some(&build));
        let row = |needle: &str| {
            out.lines()
                .find(|line| line.contains(needle))
                .unwrap_or_else(|| panic!("no row with {needle} in\n{out}"))
                .to_owned()
        };
        assert!(row("floor's, 64 connections").ends_with("| 2.65x | **FAIL** by 104% |"));
        assert!(row("floor's, 1 connection").ends_with("| 1.10x | **PASS** |"));
        assert!(row("throughput / the floor's").contains("**FAIL** by 32%"));
        assert!(row("20 ms upstream").ends_with("| 0.92x | **PASS** |"));
        assert!(row("Python SDK, sequentially").ends_with("| 12.0x | **PASS** |"));
        assert!(row("Node SDK, at concurrency 16").contains("skipped"));
        assert!(row("axios loop, sequentially").contains("**FAIL** by 8%"));
        assert!(row("axios loop, at concurrency 16").ends_with("**PASS** |"));
        assert!(row("/ Rust stream process").ends_with("| 1.05x | **PASS** |"));
        assert!(row("Added p50").contains("**FAIL** by 150%"));
        assert!(row("Peak RSS flat (Rust stream").contains("**PASS** (flat)"));
        assert!(row("Peak RSS, `zoho-server call").contains("**FAIL** by 322%"));
        assert!(row("Peak RSS flat (`zoho-server call --jsonl`").contains("**FAIL**: grows 6.8x"));
        assert!(row("a token Zoho expired").contains("**PASS** in every run"));
        assert!(row("client knows expired").contains("**FAIL**: up to 2 token requests"));
        assert!(row("Generated lines per action").contains("| 200 | **FAIL**"));
        assert!(row("changes the code").contains("| 11.0 s |"));
        // A section never measured says so instead of failing its targets.
        let mut out = String::new();
        render_targets(&mut out, &json!({}), None);
        assert!(out.contains("| - | not measured |"), "{out}");
        assert!(!out.contains("FAIL"), "{out}");
    }

    #[test]
    fn a_rerun_section_replaces_only_its_own_figures() {
        let old = json!({"runs": 5, "hop": {"a": 1}, "floor": {"old": true},
                         "seconds_taken": {"hop": 100.0, "floor": 40.0}});
        let new = json!({"runs": 5, "floor": {"new": true}, "seconds_taken": {"floor": 42.0}});
        let merged = merge(Some(old), new.clone());
        assert_eq!(merged["hop"], json!({"a": 1}));
        assert_eq!(merged["floor"], json!({"new": true}));
        assert_eq!(
            merged["seconds_taken"],
            json!({"hop": 100.0, "floor": 42.0})
        );
        assert_eq!(merge(None, new.clone()), new);
        let cost = BuildCost {
            warm_up: Duration::from_secs(2),
            comment_s: vec![1.0],
            summary_s: vec![2.0],
            snapshot_lines: 10,
            actions: 2,
            total: Duration::from_secs(5),
        };
        let back = BuildCost::from_json(&cost.json()).unwrap();
        assert_eq!((back.summary_s, back.actions), (vec![2.0], 2));
        assert!(BuildCost::from_json(&Value::Null).is_none());
    }

    #[test]
    fn only_takes_a_comma_list_and_keeps_build_for_xtask() {
        let options = Options::parse(&["--only", "floor,peers,build"]).unwrap();
        assert_eq!(options.only, ["floor", "peers", "build"]);
        assert_eq!(options.bench_sections(), ["floor", "peers"]);
        assert!(options.wanted("build") && !options.wanted("hop"));
        assert!(Options::parse(&[]).unwrap().wanted("hop"));
        assert!(Options::parse(&["--only"]).is_err());
        assert!(Options::parse(&["--fast"]).is_err());
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
