//! Where a process spends its CPU, from `perf` when the machine allows it: sample the process
//! while a load runs, then summarize by binary (kernel, libc, ours) and by symbol.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// A `perf record` attached to one process, stopped and summarized by [`Recording::finish`].
pub struct Recording {
    child: Child,
    data: std::path::PathBuf,
}

impl Drop for Recording {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start sampling process `pid` for at most `limit`, writing into `dir`; `None` when `perf` is
/// missing or not allowed here.
pub fn start(pid: &str, dir: &Path, limit: Duration) -> Option<Recording> {
    let data = dir.join("perf.data");
    let child = Command::new("perf")
        .args(["record", "-q", "-F", "1999", "-p", pid, "-o"])
        .arg(&data)
        .args(["--", "sleep", &limit.as_secs().max(1).to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    // perf needs a moment to attach before the load starts.
    std::thread::sleep(Duration::from_millis(300));
    Some(Recording { child, data })
}

impl Recording {
    /// Wait for the recording to end and summarize it: `{"by_binary": [[share, name]...],
    /// "top_symbols": [[share, symbol]...]}`; `None` if perf recorded nothing usable.
    pub fn finish(mut self) -> Option<Value> {
        let _ = self.child.wait();
        let by_binary = report(&self.data, "dso", 6)?;
        let top_symbols = report(&self.data, "sym", 15)?;
        Some(json!({"by_binary": by_binary, "top_symbols": top_symbols}))
    }
}

/// `perf report --sort KEY`: the first `rows` lines as `[percent, name]`.
fn report(data: &Path, key: &str, rows: usize) -> Option<Vec<(f64, String)>> {
    let out = Command::new("perf")
        .args(["report", "--stdio", "--no-children", "--sort", key, "-i"])
        .arg(data)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<(f64, String)> = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let line = line.trim();
            let (share, name) = line.split_once('%')?;
            let name = name.trim();
            // Symbols come as "[.] name" or "[k] name".
            let name = name
                .strip_prefix("[.] ")
                .or_else(|| name.strip_prefix("[k] "))
                .unwrap_or(name);
            Some((share.trim().parse().ok()?, shorten(name)))
        })
        .take(rows)
        .collect();
    (!lines.is_empty()).then_some(lines)
}

/// Long generic Rust symbols shortened to their last path segments, for a table cell.
fn shorten(symbol: &str) -> String {
    const MAX: usize = 90;
    if symbol.chars().count() <= MAX {
        return symbol.to_owned();
    }
    let tail: String = symbol
        .chars()
        .rev()
        .take(MAX - 1)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_symbols_keep_their_end() {
        assert_eq!(shorten("malloc"), "malloc");
        let long = format!("{}::poll", "a".repeat(200));
        let short = shorten(&long);
        assert!(
            short.ends_with("::poll") && short.chars().count() == 90,
            "{short}"
        );
    }
}
