//! Zoho's official clients, unmodified, against the sandbox: where the sandbox differs from Zoho in
//! a way the SDKs notice, these fail. The SDKs are installed by `.ci/sdks.sh` (into
//! `target/sdks/`); set `ZOHO_SDK_PYTHON` to use another interpreter.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{TestResult, config, start};

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The interpreter with `zohocrmsdk8-0`, or `None` (and a loud note) outside CI. In CI a missing
/// SDK fails the test: a skipped check would pass silently.
fn sdk_python() -> Option<PathBuf> {
    let path = std::env::var_os("ZOHO_SDK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/sdks/python/bin/python"));
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "Zoho's Python SDK is not installed at {}: run `bash .ci/sdks.sh`",
        path.display()
    );
    eprintln!(
        "SKIPPED: Zoho's Python SDK is not installed at {}; run `bash .ci/sdks.sh` to include it",
        path.display()
    );
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_sdk_runs_users_operations_without_an_error() -> TestResult {
    let Some(python) = sdk_python() else {
        return Ok(());
    };
    // More than 2,000 Leads, so paging has to switch to page_token.
    let sandbox = start(config(2_500)).await?;
    let work = tempfile::tempdir()?;
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/python_sdk.py");
    let base = sandbox.base_url().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .arg(base)
            .arg(work.path())
            .output()
    })
    .await??;
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
