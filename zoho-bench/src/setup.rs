//! Getting a sandbox ready to measure: limits lifted, a connection authorized through the
//! self-client flow, a record to fetch, and the files `zoho-server` reads.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use zoho_core::{Connection, ConnectionConfig, Secret};

use crate::error::Error;
use crate::procs::{self, Bins, Running};

/// The scopes the benchmark connections ask for.
pub const SCOPES: &str = "ZohoCRM.modules.ALL ZohoCRM.settings.ALL";
/// The environment variable the server's config names for the client secret.
pub const SECRET_ENV: &str = "ZOHO_BENCH_CLIENT_SECRET";
/// The fields every list call asks for (Zoho requires `fields`).
pub const LIST_FIELDS: [&str; 6] = [
    "Last_Name",
    "First_Name",
    "Email",
    "Company",
    "Phone",
    "Lead_Status",
];

/// The one HTTP client of the benchmark's own calls: keep-alive pool, no redirects.
pub fn http_client() -> Result<reqwest::Client, Error> {
    zoho_core::__private::http_client(zoho_core::__private::DEFAULT_CONNECT_TIMEOUT)
        .map_err(|e| Error::setup("HTTP client", e))
}

/// A scratch folder for config and token files, unique to this process.
pub fn scratch_dir(label: &str) -> Result<PathBuf, Error> {
    let dir = std::env::temp_dir().join(format!("zoho-bench-{}-{label}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    Ok(dir)
}

/// Start the `zoho-sandbox` binary with `records` Leads; returns it and its base URL.
pub fn spawn_sandbox(bins: &Bins, records: usize) -> Result<(Running, String), Error> {
    let mut command = Command::new(bins.path("zoho-sandbox")?);
    command.args(["--listen", "127.0.0.1:0", "--records", &records.to_string()]);
    let (child, line) = procs::spawn_until_line("zoho-sandbox", command, "listening on")?;
    let url = procs::url_in(&line)
        .ok_or_else(|| Error::child("zoho-sandbox", format!("no URL in `{line}`")))?;
    Ok((child, url))
}

/// Turn off the sandbox's CRM concurrency limits (Zoho's per-edition 429s), so the benchmark
/// measures our code, not a simulated plan.
pub async fn lift_limits(http: &reqwest::Client, base: &str) -> Result<(), Error> {
    set_faults(
        http,
        base,
        &json!({"crm_concurrency_limit": null, "crm_sub_concurrency_limit": null}),
    )
    .await
}

/// Change the sandbox's faults and limits (`POST /__sandbox/faults` with a JSON patch).
pub async fn set_faults(http: &reqwest::Client, base: &str, patch: &Value) -> Result<(), Error> {
    let answer = http
        .post(format!("{base}/__sandbox/faults"))
        .json(patch)
        .send()
        .await
        .map_err(|e| Error::setup("setting the sandbox faults", e))?;
    if !answer.status().is_success() {
        return Err(Error::setup(
            "setting the sandbox faults",
            format!("{patch} answered {}", answer.status()),
        ));
    }
    Ok(())
}

/// A connection to the sandbox at `base`, authorized with a self-client grant code; its tokens
/// go to `token_store` when given (for `zoho-server --config`), else stay in memory.
pub async fn authorized_connection(
    http: &reqwest::Client,
    base: &str,
    token_store: Option<PathBuf>,
    max_in_flight: usize,
) -> Result<Connection, Error> {
    let answer: Value = http
        .post(format!("{base}/__sandbox/self-client"))
        .form(&[("scope", SCOPES)])
        .send()
        .await
        .map_err(|e| Error::setup("getting a self-client code", e))?
        .json()
        .await
        .map_err(|e| Error::setup("getting a self-client code", e))?;
    let code = answer["code"]
        .as_str()
        .ok_or_else(|| Error::setup("getting a self-client code", answer.to_string()))?;
    let config = ConnectionConfig {
        token_store,
        concurrency: max_in_flight,
        scopes: SCOPES.to_owned(),
        ..ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, base)
    };
    let connection = Connection::new("bench", config, Secret::new(zoho_sandbox::CLIENT_SECRET))?
        .with_http_client(http.clone())?;
    connection.exchange_self_client_code(code).await?;
    Ok(connection)
}

/// The current access token of `connection`, as a bare client sends it.
pub async fn bearer(connection: &Connection) -> Result<String, Error> {
    let token = connection.token_source().access_token().await?;
    Ok(format!("Zoho-oauthtoken {}", token.token.expose()))
}

/// The id of the first Lead, to fetch again and again.
pub async fn first_lead_id(
    http: &reqwest::Client,
    base: &str,
    authorization: &str,
) -> Result<String, Error> {
    let page: Value = http
        .get(format!("{base}/crm/v3/Leads"))
        .query(&[("fields", "Last_Name"), ("per_page", "1")])
        .header("authorization", authorization)
        .send()
        .await
        .map_err(|e| Error::setup("listing a Lead", e))?
        .json()
        .await
        .map_err(|e| Error::setup("listing a Lead", e))?;
    page["data"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::setup("listing a Lead", format!("no id in {page}")))
}

/// Write a `zoho.toml` whose `default` connection points at the sandbox at `base`, with tokens
/// in `tokens.json` beside it (already filled by [`authorized_connection`]).
pub fn write_server_config(dir: &Path, base: &str, max_in_flight: usize) -> Result<PathBuf, Error> {
    let path = dir.join("zoho.toml");
    let text = format!(
        "[connections.default]\n\
         client_id = \"{client}\"\n\
         client_secret_env = \"{SECRET_ENV}\"\n\
         scopes = \"{SCOPES}\"\n\
         accounts_url = \"{base}\"\n\
         api_base_url = \"{base}\"\n\
         token_store = \"tokens.json\"\n\
         max_in_flight = {max_in_flight}\n",
        client = zoho_sandbox::CLIENT_ID,
    );
    std::fs::write(&path, text).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(path)
}

/// A `zoho-server` command with the sandbox's client secret in its environment.
pub fn server_command(bins: &Bins) -> Result<Command, Error> {
    let mut command = Command::new(bins.path("zoho-server")?);
    command
        .env(SECRET_ENV, zoho_sandbox::CLIENT_SECRET)
        .env_remove("RUST_LOG");
    Ok(command)
}

/// Start `zoho-server serve` on an ephemeral port with `config`; `log_filter` sets `RUST_LOG`
/// (`None` keeps the server's default, info). Returns it and its base URL.
pub fn spawn_server(
    bins: &Bins,
    config: &Path,
    log_filter: Option<&str>,
) -> Result<(Running, String), Error> {
    let mut command = server_command(bins)?;
    command
        .arg("serve")
        .args(["--listen", "127.0.0.1:0", "--config"])
        .arg(config);
    if let Some(filter) = log_filter {
        command.env("RUST_LOG", filter);
    }
    let (child, line) = procs::spawn_until_line("zoho-server", command, "JSON-RPC on")?;
    let url = procs::url_in(&line)
        .ok_or_else(|| Error::child("zoho-server", format!("no URL in `{line}`")))?;
    Ok((child, url))
}
