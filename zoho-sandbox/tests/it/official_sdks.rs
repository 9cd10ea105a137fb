//! Zoho's official clients, unmodified, against the sandbox: where the sandbox differs from Zoho in
//! a way the SDKs notice, these fail. `.ci/sdks.sh` installs the SDKs into `target/sdks/`
//! (`ZOHO_SDK_PYTHON` and `ZOHO_SDK_NODE_DIR` point elsewhere). Outside CI a missing SDK skips its
//! test with a note; in CI (`CI` set) it fails, since a skipped check would pass silently.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{TestResult, config, start};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `path` if it exists; otherwise `None` with a note, or a failure in CI.
fn installed(what: &str, path: PathBuf, probe: &Path) -> Option<PathBuf> {
    if probe.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is not installed at {}: run `bash .ci/sdks.sh`",
        probe.display()
    );
    eprintln!(
        "SKIPPED: {what} is not installed at {}; run `bash .ci/sdks.sh` to include it",
        probe.display()
    );
    None
}

fn sdks_dir() -> PathBuf {
    crate_dir().join("../target/sdks")
}

/// Runs one SDK script against a fresh sandbox with more than 2,000 Leads (so paging has to
/// switch to page_token) and fails with the script's output unless every operation passed.
async fn run_against_sandbox(mut command: Command, script: &str) -> TestResult {
    let sandbox = start(config(2_500)).await?;
    let work = tempfile::tempdir()?;
    command
        .arg(crate_dir().join("tests/sdk").join(script))
        .arg(sandbox.base_url())
        .arg(work.path());
    let output = tokio::task::spawn_blocking(move || command.output()).await??;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the SDK run failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.lines().any(|l| l.ends_with(" passed, 0 failed")),
        "no summary line:\n{stdout}"
    );
    sandbox.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_runs_users_operations_without_an_error() -> TestResult {
    let python = std::env::var_os("ZOHO_SDK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| sdks_dir().join("python/bin/python"));
    let Some(python) = installed("Zoho's Python SDK", python.clone(), &python) else {
        return Ok(());
    };
    run_against_sandbox(Command::new(python), "python_sdk.py").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_node_sdk_runs_users_operations_without_an_error() -> TestResult {
    let dir = std::env::var_os("ZOHO_SDK_NODE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| sdks_dir().join("node"));
    let probe = dir.join("node_modules/@zohocrm/nodejs-sdk-8.0/package.json");
    let Some(dir) = installed("Zoho's Node SDK", dir, &probe) else {
        return Ok(());
    };
    let mut node = Command::new("node");
    node.env("SDK_DIR", dir);
    run_against_sandbox(node, "node_sdk.mjs").await
}
