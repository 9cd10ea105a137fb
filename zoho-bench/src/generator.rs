//! The load generator the floor and peers sections share: `wrk` with a Lua POST script when it
//! is installed (a C program, so its own CPU barely competes with the processes measured), else
//! this process's closed loop on reqwest. Either way its CPU per call is reported, not hidden.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::error::Error;
use crate::load;
use crate::procs;

/// What drives the load.
#[derive(Clone)]
pub enum Generator {
    /// `wrk` (one thread) with a Lua script that POSTs the body and prints its figures as JSON.
    Wrk {
        /// Where the Lua scripts go.
        dir: PathBuf,
    },
    /// This process: [`load::closed_loop`] on one reqwest client.
    Own {
        /// The client (one keep-alive pool).
        http: reqwest::Client,
    },
}

/// One load run's figures.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Calls answered.
    pub calls: u64,
    /// Calls per second.
    pub throughput: f64,
    /// Median latency, µs.
    pub p50_us: f64,
    /// 99th percentile latency, µs.
    pub p99_us: f64,
    /// CPU the generator itself burned per call, µs.
    pub generator_cpu_us_per_call: f64,
}

/// The Lua script: POST `body` as JSON; at the end print one JSON line of figures.
fn lua_script(body: &str) -> String {
    format!(
        "wrk.method = \"POST\"\n\
         wrk.body = [==[{body}]==]\n\
         wrk.headers[\"Content-Type\"] = \"application/json\"\n\
         done = function(summary, latency, requests)\n\
         \x20 local e = summary.errors\n\
         \x20 io.write(string.format(\"\\n{{\\\"requests\\\":%d,\\\"duration_us\\\":%d,\\\"errors\\\":%d,\\\"p50_us\\\":%d,\\\"p99_us\\\":%d}}\\n\",\n\
         \x20   summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,\n\
         \x20   latency:percentile(50), latency:percentile(99)))\n\
         end\n"
    )
}

/// The figures line `done` printed, read from wrk's whole stdout.
fn parse_wrk(stdout: &str) -> Result<(u64, f64, u64, f64, f64), String> {
    let line = stdout
        .lines()
        .rev()
        .find(|line| line.starts_with('{'))
        .ok_or_else(|| format!("no figures line in wrk's output: {stdout}"))?;
    let v: Value = serde_json::from_str(line).map_err(|e| format!("wrk figures `{line}`: {e}"))?;
    let n = |key: &str| {
        v[key]
            .as_f64()
            .ok_or_else(|| format!("no {key} in `{line}`"))
    };
    Ok((
        n("requests")? as u64,
        n("duration_us")?,
        n("errors")? as u64,
        n("p50_us")?,
        n("p99_us")?,
    ))
}

impl Generator {
    /// `wrk` when it runs, else this process's own loop.
    pub fn detect(http: reqwest::Client, dir: PathBuf) -> Generator {
        let runs = Command::new("wrk")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if runs {
            Generator::Wrk { dir }
        } else {
            Generator::Own { http }
        }
    }

    /// A line for the report saying what generated the load.
    pub fn describe(&self) -> &'static str {
        match self {
            Generator::Wrk { .. } => {
                "wrk (one thread, a Lua script POSTing the JSON-RPC call; its CPU is its own \
                 process's, read from this process's reaped-children times)"
            }
            Generator::Own { .. } => {
                "zoho-bench's own closed loop on one reqwest client (`wrk` was not found; \
                 install it with `apt-get install wrk` for a lighter generator); its CPU is this \
                 process's"
            }
        }
    }

    /// POST `body` to `url` from `connections` connections for about `length`.
    pub async fn post(
        &self,
        url: &str,
        body: &str,
        connections: usize,
        length: Duration,
    ) -> Result<Load, Error> {
        match self {
            Generator::Wrk { dir } => wrk(dir, url, body, connections, length).await,
            Generator::Own { http } => own(http, url, body, connections, length).await,
        }
    }
}

async fn wrk(
    dir: &std::path::Path,
    url: &str,
    body: &str,
    connections: usize,
    length: Duration,
) -> Result<Load, Error> {
    let script = dir.join("post.lua");
    std::fs::write(&script, lua_script(body)).map_err(|source| Error::Io {
        path: script.display().to_string(),
        source,
    })?;
    let seconds = length.as_secs().max(1);
    let mut command = Command::new("wrk");
    command
        .args(["-t1", "-c", &connections.max(1).to_string()])
        .args(["-d", &format!("{seconds}s"), "--timeout", "10s", "-s"])
        .arg(&script)
        .arg(url)
        .stdin(Stdio::null());
    let ticks = procs::clock_ticks_per_second();
    let output = tokio::task::spawn_blocking(move || {
        let before = procs::reaped_children_cpu_us(ticks).unwrap_or(0.0);
        let output = command.output();
        let after = procs::reaped_children_cpu_us(ticks).unwrap_or(0.0);
        output.map(|output| (output, after - before))
    })
    .await
    .map_err(|e| Error::child("wrk", e))?
    .map_err(|e| Error::child("wrk", e))?;
    let (output, cpu) = output;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(Error::child(
            "wrk",
            format!(
                "{}: {stdout}{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ),
        ));
    }
    let (calls, duration_us, errors, p50_us, p99_us) =
        parse_wrk(&stdout).map_err(|e| Error::child("wrk", e))?;
    if errors > 0 || calls == 0 {
        return Err(Error::CallsFailed {
            what: format!("wrk POST {url} at {connections} connections"),
            failed: errors,
            total: calls + errors,
            first: "socket errors, timeouts or non-2xx answers (wrk counts them, not their text)"
                .into(),
        });
    }
    Ok(Load {
        calls,
        throughput: calls as f64 / (duration_us / 1e6).max(1e-9),
        p50_us,
        p99_us,
        generator_cpu_us_per_call: cpu / calls as f64,
    })
}

async fn own(
    http: &reqwest::Client,
    url: &str,
    body: &str,
    connections: usize,
    length: Duration,
) -> Result<Load, Error> {
    let ticks = procs::clock_ticks_per_second();
    let before = procs::cpu_time_us("self", ticks).unwrap_or(0.0);
    let (http, url, body) = (
        http.clone(),
        url.to_owned(),
        bytes::Bytes::from(body.to_owned()),
    );
    let run = load::closed_loop(connections, length, move || {
        let request = http
            .post(url.clone())
            .header("content-type", "application/json")
            .body(body.clone());
        async move {
            let answer = request.send().await.map_err(|e| e.to_string())?;
            let status = answer.status();
            let bytes = answer.bytes().await.map_err(|e| e.to_string())?;
            if status.is_success() && bytes.windows(9).any(|w| w == b"\"result\":") {
                Ok(())
            } else {
                Err(format!("{status}: {}", String::from_utf8_lossy(&bytes)))
            }
        }
    })
    .await;
    let cpu = procs::cpu_time_us("self", ticks).unwrap_or(0.0) - before;
    run.check(&format!("POST at {connections} connections"))?;
    let calls = run.latencies_us.len() as u64;
    Ok(Load {
        calls,
        throughput: run.throughput(),
        p50_us: run.p50_us(),
        p99_us: run.p99_us(),
        generator_cpu_us_per_call: cpu / calls.max(1) as f64,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_figures_line_is_found_after_wrks_own_summary() {
        let stdout = "Running 1s test @ http://127.0.0.1:1/rpc\n  1 threads and 1 connections\n\
                      Requests/sec: 100\n\n{\"requests\":120,\"duration_us\":1000000,\"errors\":0,\"p50_us\":80,\"p99_us\":300}\n";
        assert_eq!(parse_wrk(stdout).unwrap(), (120, 1e6, 0, 80.0, 300.0));
        assert!(parse_wrk("Requests/sec: 100\n").is_err());
    }

    #[test]
    fn the_script_posts_the_body_verbatim() {
        let script = lua_script(r#"{"id":1,"params":{"a":"b"}}"#);
        assert!(script.contains(r#"wrk.body = [==[{"id":1,"params":{"a":"b"}}]==]"#));
        assert!(script.contains("latency:percentile(99)"));
    }
}
