//! Child processes: the sandbox and the server as separate programs (so each has its own
//! runtime and memory, as in production), killed when their guard is dropped; and peak memory
//! from `/proc`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::error::Error;

/// How long a child may take to say it is listening.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the release binaries are: next to this one.
#[derive(Debug, Clone)]
pub struct Bins {
    /// The folder holding `zoho-server`, `zoho-sandbox` and `zoho-bench`.
    pub dir: PathBuf,
}

impl Bins {
    /// The binaries next to the running one.
    pub fn beside_self() -> Result<Bins, Error> {
        let exe = std::env::current_exe().map_err(|e| Error::child("zoho-bench", e))?;
        let dir = exe
            .parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| Error::child("zoho-bench", "the executable has no folder"))?;
        Ok(Bins { dir })
    }

    /// The path of binary `name`, which must exist.
    pub fn path(&self, name: &str) -> Result<PathBuf, Error> {
        let path = self.dir.join(name);
        if path.is_file() {
            Ok(path)
        } else {
            Err(Error::child(
                name,
                format!(
                    "{} does not exist; build it with `cargo build --release -p {name}`",
                    path.display()
                ),
            ))
        }
    }
}

/// A running child, killed (and reaped) when dropped.
#[derive(Debug)]
pub struct Running {
    child: Child,
}

impl Running {
    /// Its process id, as `/proc` names it.
    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `command` and wait for the first stdout line containing `marker`; return the child and
/// that line. Later output is read and dropped, so the child never blocks on a full pipe.
pub fn spawn_until_line(
    name: &str,
    mut command: Command,
    marker: &str,
) -> Result<(Running, String), Error> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().map_err(|e| Error::child(name, e))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::child(name, "no stdout"))?;
    let running = Running { child };
    let (tx, rx) = mpsc::channel();
    let wanted = marker.to_owned();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut sent = false;
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if !sent && line.contains(&wanted) {
                let _ = tx.send(line);
                sent = true;
            }
        }
    });
    match rx.recv_timeout(STARTUP_TIMEOUT) {
        Ok(line) => Ok((running, line)),
        Err(_) => Err(Error::child(
            name,
            format!("did not print a line with `{marker}` within {STARTUP_TIMEOUT:?}"),
        )),
    }
}

/// The first `http://...` word of `line`, without a trailing `/rpc` or punctuation.
pub fn url_in(line: &str) -> Option<String> {
    let start = line.find("http://")?;
    let url = line[start..]
        .split(|c: char| c.is_whitespace() || c == ';')
        .next()?;
    Some(
        url.trim_end_matches("/rpc")
            .trim_end_matches('/')
            .to_owned(),
    )
}

/// The peak resident set (`VmHWM`) of process `pid` (`"self"` for this one), in KiB.
pub fn peak_rss_kib(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// CPU time (user + system) process `pid` (`"self"` for this one) has used so far, in
/// microseconds; `ticks_per_second` is `getconf CLK_TCK`.
pub fn cpu_time_us(pid: &str, ticks_per_second: f64) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / ticks_per_second * 1e6)
}

/// CPU time (user + system) of this process's children that have exited and been waited for
/// (`cutime` + `cstime` of `/proc/self/stat`), in microseconds: a finished child's CPU.
pub fn reaped_children_cpu_us(ticks_per_second: f64) -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 after the name.
    let cutime: f64 = fields.get(13)?.parse().ok()?;
    let cstime: f64 = fields.get(14)?.parse().ok()?;
    Some((cutime + cstime) / ticks_per_second * 1e6)
}

/// Context switches (voluntary and not) of every thread of process `pid` so far: each one is
/// a thread going to sleep or being preempted, so per call they show how many wake-ups a call
/// costs.
pub fn context_switches(pid: &str) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0;
    for task in tasks.flatten() {
        let Ok(status) = std::fs::read_to_string(task.path().join("status")) else {
            continue;
        };
        total += status
            .lines()
            .filter_map(|line| {
                line.strip_prefix("voluntary_ctxt_switches:")
                    .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
            })
            .filter_map(|n| n.trim().parse::<u64>().ok())
            .sum::<u64>();
    }
    Some(total)
}

/// The kernel's clock ticks per second for `/proc/*/stat` times (100 almost everywhere).
pub fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

/// What a child that ran to its end left behind.
#[derive(Debug)]
pub struct Finished {
    /// Its whole stdout.
    pub stdout_bytes: u64,
    /// The last line of its stdout (children print their figures there).
    pub last_line: String,
    /// Wall time from spawn to exit.
    pub wall: Duration,
    /// The highest `VmHWM` seen while polling (the child's own report is more exact).
    pub polled_peak_rss_kib: Option<u64>,
}

/// Run `command` to its end (at most `limit`), reading its stdout and polling its peak memory.
pub fn run_to_end(name: &str, mut command: Command, limit: Duration) -> Result<Finished, Error> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = std::time::Instant::now();
    let mut child = command.spawn().map_err(|e| Error::child(name, e))?;
    let pid = child.id().to_string();
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::child(name, "no stdout"))?;
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        let mut total = 0u64;
        let mut last = String::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    total += n as u64;
                    let text = String::from_utf8_lossy(&line);
                    if !text.trim().is_empty() && line.len() < 4096 {
                        last = text.trim().to_owned();
                    }
                }
            }
        }
        (total, last)
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut stderr) = stderr {
            let _ = stderr.read_to_string(&mut text);
        }
        text
    });
    let mut peak = None;
    let status = loop {
        if let Some(kib) = peak_rss_kib(&pid) {
            peak = Some(peak.map_or(kib, |p: u64| p.max(kib)));
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::child(name, format!("still running after {limit:?}")));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(Error::child(name, e)),
        }
    };
    let wall = started.elapsed();
    let (stdout_bytes, last_line) = reader
        .join()
        .map_err(|_| Error::child(name, "the stdout reader failed"))?;
    let stderr_text = errors.join().unwrap_or_default();
    if !status.success() {
        return Err(Error::child(
            name,
            format!("exited with {status}: {}", stderr_text.trim()),
        ));
    }
    Ok(Finished {
        stdout_bytes,
        last_line,
        wall,
        polled_peak_rss_kib: peak,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_found_in_banner_lines() {
        assert_eq!(
            url_in("zoho-sandbox listening on http://127.0.0.1:4000").as_deref(),
            Some("http://127.0.0.1:4000")
        );
        assert_eq!(
            url_in("zoho-server: JSON-RPC on http://127.0.0.1:5/rpc").as_deref(),
            Some("http://127.0.0.1:5")
        );
        assert_eq!(url_in("no url here"), None);
    }

    #[test]
    fn this_process_has_a_peak_rss_and_cpu_time() {
        assert!(peak_rss_kib("self").is_some_and(|kib| kib > 0));
        let ticks = clock_ticks_per_second();
        let before = cpu_time_us("self", ticks).unwrap_or(-1.0);
        let spin = (0..20_000_000u64).fold(0u64, |a, b| a.wrapping_add(b * b));
        assert!(spin > 0);
        let after = cpu_time_us("self", ticks).unwrap_or(-1.0);
        assert!(before >= 0.0 && after >= before, "{before} {after}");
        assert!(context_switches("self").is_some());
    }
}
