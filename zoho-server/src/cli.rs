//! The `zoho-server` command line: `serve`, `call`, `methods`, `auth login`.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use serde_json::{Map, Value};

use crate::Error;
use crate::actions::{Actions, DISCOVER};
use crate::api_key::ApiKey;
use crate::connections::{ConfigFile, Connections, DEFAULT_CONNECTION, config_path};
use crate::dispatch::Dispatcher;
use crate::http::App;
use crate::logging::{self, LogFormat};
use crate::rpc::{Limits, Rpc};
use crate::sandbox;
use crate::server::{DEFAULT_LISTEN, DEFAULT_SHUTDOWN_GRACE, Server};

/// Exit code of a failed call or command.
const EXIT_FAILURE: u8 = 1;
/// Exit code of a command line that does not fit.
const EXIT_USAGE: u8 = 2;

/// JSON-RPC 2.0 server and command line for the Zoho CRM and Zoho Books actions.
#[derive(Debug, Parser)]
#[command(name = "zoho-server", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Log lines as text or JSON (on stderr; `RUST_LOG` filters them).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve JSON-RPC on POST /rpc.
    Serve(ServeArgs),
    /// Run one action and print its result as JSON.
    Call(CallArgs),
    /// List every method with a one-line summary.
    Methods,
    /// Authorize connections.
    #[command(subcommand)]
    Auth(AuthCommand),
}

/// Where connections come from.
#[derive(Debug, Clone, Args)]
pub struct Source {
    /// The configuration file (default `zoho.toml`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Start the built-in Zoho sandbox in-process and connect `default` to it.
    #[arg(long, conflicts_with = "config")]
    pub sandbox: bool,
    /// Leads the sandbox seeds (other modules and Books proportionally fewer).
    #[arg(long, value_name = "N", requires = "sandbox")]
    pub sandbox_records: Option<usize>,
}

/// `serve`'s options.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// The address to listen on. Other than loopback, `--api-key-env` is required.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Where connections come from.
    #[command(flatten)]
    pub source: Source,
    /// The environment variable holding the API key callers must send as `Authorization: Bearer`.
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,
    /// The URL this server is reached at, for the OAuth redirect (default `http://ADDR`).
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Largest request body in bytes (default: room for a 100 MB attachment in base64).
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Most requests in one batch.
    #[arg(long, value_name = "N")]
    pub max_batch: Option<usize>,
    /// Longest one call may run, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub call_timeout_secs: Option<u64>,
    /// How long shutdown waits for calls in flight, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub shutdown_grace_secs: Option<u64>,
}

/// `call`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct CallArgs {
    /// The method (`crm.getRecords`); `zoho-server methods` lists them.
    pub method: String,
    /// The params as a JSON object (default `{}`).
    pub params: Option<String>,
    /// Where connections come from.
    #[command(flatten)]
    pub source: Source,
}

/// `auth`'s commands.
#[derive(Debug, Clone, Subcommand)]
pub enum AuthCommand {
    /// Run the OAuth authorization-code flow for a connection and store its tokens.
    Login(LoginArgs),
}

/// `auth login`'s options.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// The connection to authorize.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_CONNECTION)]
    pub connection: String,
    /// The configuration file (default `zoho.toml`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Where to receive Zoho's redirect; register `http://ADDR/oauth/callback` with Zoho.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Give up waiting for the browser after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout_secs: u64,
}

/// Run a parsed command line; the process's exit code.
pub async fn run(cli: Cli) -> ExitCode {
    let default_filter = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn",
    };
    logging::init(cli.log_format, default_filter);
    let outcome = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Call(args) => return call(args).await,
        Command::Methods => methods(),
        Command::Auth(AuthCommand::Login(args)) => login(args).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("zoho-server: {err}");
            ExitCode::from(match err {
                Error::Usage(_) => EXIT_USAGE,
                _ => EXIT_FAILURE,
            })
        }
    }
}

/// The connections of `source`, and the sandbox they point at when there is one (it stops when
/// dropped, so the caller keeps it).
async fn connections(
    source: &Source,
    http: &reqwest::Client,
) -> Result<(Connections, Option<zoho_sandbox::Sandbox>), Error> {
    if source.sandbox {
        let mut config = zoho_sandbox::SandboxConfig::default();
        if let Some(records) = source.sandbox_records {
            config.records = records;
        }
        let (sandbox, connection) = sandbox::start(config).await?;
        let mut connections = Connections::new();
        connections.insert(connection, http)?;
        Ok((connections, Some(sandbox)))
    } else {
        let file = ConfigFile::load(&config_path(source.config.as_deref()))?;
        Ok((Connections::from_file(file, http)?, None))
    }
}

/// The HTTP client every connection shares: no redirects, so a token never follows one.
fn http_client() -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|err| Error::Sandbox(format!("cannot build the HTTP client: {err}")))
}

async fn serve(args: ServeArgs) -> Result<(), Error> {
    let api_key = args
        .api_key_env
        .as_deref()
        .map(ApiKey::from_env)
        .transpose()?;
    // Bind before anything slow, so a refused address fails at once.
    let server = Server::bind(args.listen, api_key.as_ref()).await?;
    let addr = reachable(server.local_addr());
    let http = http_client()?;
    let (connections, sandbox) = connections(&args.source, &http).await?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let flows = Arc::new(connections.oauth_flows(&format!(
        "{}/oauth/callback",
        public_url.trim_end_matches('/')
    )));
    let defaults = Limits::default();
    let limits = Limits {
        max_body_bytes: args.max_body_bytes.unwrap_or(defaults.max_body_bytes),
        max_batch: args.max_batch.unwrap_or(defaults.max_batch),
        call_timeout: args
            .call_timeout_secs
            .map_or(defaults.call_timeout, Duration::from_secs),
        ..defaults
    };
    let unauthorized = if sandbox.is_some() {
        Vec::new()
    } else {
        connections.without_tokens().await
    };
    let actions = Actions::new(Arc::new(connections));
    let app = App {
        rpc: Rpc::new(Arc::new(actions), limits),
        api_key,
        oauth: Some(flows.clone()),
    };
    let grace = args
        .shutdown_grace_secs
        .map_or(DEFAULT_SHUTDOWN_GRACE, Duration::from_secs);
    let serving = tokio::spawn(server.serve(app, shutdown_signal(), grace));

    let mut banner = format!("zoho-server: JSON-RPC on http://{addr}/rpc\n");
    if let Some(sandbox) = &sandbox {
        // Through our own /oauth/callback, exactly as a browser would come back from Zoho.
        sandbox::authorize(&flows, DEFAULT_CONNECTION, true).await?;
        banner.push_str(&format!(
            "zoho-server: built-in Zoho sandbox at {}; connection `default` is authorized\n",
            sandbox.base_url()
        ));
    }
    for name in &unauthorized {
        banner.push_str(&format!(
            "zoho-server: connection `{name}` has no tokens yet; authorize it at \
             {public_url}/oauth/start?connection={name}\n"
        ));
    }
    let auth_header = match &args.api_key_env {
        Some(var) => format!(" -H \"authorization: Bearer ${var}\""),
        None => String::new(),
    };
    banner.push_str(&format!(
        "Try:\n  curl -s http://{addr}/rpc -H 'content-type: application/json'{auth_header} \\\n    \
         -d '{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"crm.getRecords\",\"params\":{{\"recordType\":\"Leads\",\"fields\":[\"Last_Name\",\"Email\"],\"perPage\":2}}}}'\n"
    ));
    print_flushed(&banner);

    let outcome = serving.await.map_err(|err| Error::Io {
        context: "the server task".into(),
        source: std::io::Error::other(err.to_string()),
    })?;
    drop(sandbox);
    outcome
}

/// The address to reach a listener on from this machine: `0.0.0.0` and `::` listen everywhere
/// but cannot be connected to (nor are they a loopback redirect URI Zoho accepts).
fn reachable(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

/// Resolves on ctrl-c or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("ctrl-c: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}

async fn call(args: CallArgs) -> ExitCode {
    let params = match parse_params(args.params.as_deref()) {
        Ok(params) => params,
        Err(err) => {
            eprintln!("zoho-server: {err}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let prepared = async {
        let http = http_client()?;
        let (connections, sandbox) = connections(&args.source, &http).await?;
        if sandbox.is_some() {
            let flows = connections.oauth_flows("http://127.0.0.1/oauth/callback");
            sandbox::authorize(&flows, DEFAULT_CONNECTION, false).await?;
        }
        Ok::<_, Error>((connections, sandbox))
    };
    let (connections, sandbox) = match prepared.await {
        Ok(prepared) => prepared,
        Err(err) => {
            eprintln!("zoho-server: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let actions = Actions::new(Arc::new(connections));
    let outcome = actions.call(&args.method, params).await;
    drop(sandbox);
    match outcome {
        Ok(result) => {
            let text = serde_json::to_string_pretty(&result).unwrap_or_else(|_| result.to_string());
            print_flushed(&format!("{text}\n"));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("zoho-server: error {}: {}", error.code, error.message);
            if let Some(data) = &error.data {
                eprintln!(
                    "{}",
                    serde_json::to_string_pretty(data).unwrap_or_else(|_| data.to_string())
                );
            }
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn parse_params(text: Option<&str>) -> Result<Map<String, Value>, Error> {
    let Some(text) = text else {
        return Ok(Map::new());
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(params)) => Ok(params),
        Ok(_) => Err(Error::Usage(
            "PARAMS_JSON must be a JSON object of named params, such as '{\"recordType\":\"Leads\"}'".into(),
        )),
        Err(err) => Err(Error::Usage(format!("PARAMS_JSON is not valid JSON: {err}"))),
    }
}

fn methods() -> Result<(), Error> {
    let mut lines: Vec<(String, String)> = zoho_actions::METHODS
        .iter()
        .map(|method| (method.name.to_owned(), method.summary.to_owned()))
        .collect();
    lines.push((
        DISCOVER.to_owned(),
        "Describe every method as an OpenRPC document".to_owned(),
    ));
    let width = lines.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let text: String = lines
        .iter()
        .map(|(name, summary)| format!("{name:<width$}  {summary}\n"))
        .collect();
    print_flushed(&text);
    Ok(())
}

async fn login(args: LoginArgs) -> Result<(), Error> {
    let path = config_path(args.config.as_deref());
    let file = ConfigFile::load(&path)?;
    let Some(config) = file.connections.get(&args.connection) else {
        return Err(Error::Usage(format!(
            "{} has no connection `{}`; it has: {}",
            path.display(),
            args.connection,
            file.connections
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let Some(store) = config.token_store.clone() else {
        return Err(Error::Config {
            path,
            reason: format!(
                "connection `{}` has no `token_store`, so the tokens would be lost when this \
                 command ends; add token_store = \"tokens/{}.json\"",
                args.connection, args.connection
            ),
        });
    };
    let only = ConfigFile {
        connections: [(args.connection.clone(), config.clone())].into(),
    };
    let http = http_client()?;
    let connections = Connections::from_file(only, &http)?;
    // A loopback listener only: it exists to catch one redirect.
    if !args.listen.ip().is_loopback() {
        return Err(Error::Usage(
            "auth login listens on a loopback address only".into(),
        ));
    }
    let server = Server::bind(args.listen, None).await?;
    let addr = server.local_addr();
    let flows = Arc::new(connections.oauth_flows(&format!("http://{addr}/oauth/callback")));
    let consent_url = flows.start(&args.connection)?;
    let mut outcomes = flows.outcomes();
    let app = App {
        rpc: Rpc::new(
            Arc::new(Actions::new(Arc::new(Connections::new()))),
            Limits::default(),
        ),
        api_key: None,
        oauth: Some(flows.clone()),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(
        app,
        async {
            let _ = stopped.await;
        },
        Duration::from_secs(5),
    ));
    print_flushed(&format!(
        "Open this URL in a browser to authorize connection `{}`:\n{consent_url}\n\
         Waiting for Zoho to redirect to http://{addr}/oauth/callback ...\n",
        args.connection
    ));
    let waited = tokio::time::timeout(
        Duration::from_secs(args.timeout_secs),
        outcomes.wait_for(Option::is_some),
    )
    .await
    .ok()
    .and_then(|outcome| outcome.ok().and_then(|outcome| outcome.clone()));
    let _ = stop.send(());
    let _ = serving.await;
    match waited {
        Some(Ok(_)) => {
            print_flushed(&format!(
                "Connection `{}` is authorized; tokens are stored in {}\n",
                args.connection,
                store.display()
            ));
            Ok(())
        }
        Some(Err(reason)) => Err(Error::Authorization(reason)),
        None => Err(Error::Authorization(format!(
            "no authorization came back within {} s; run the command again",
            args.timeout_secs
        ))),
    }
}

fn print_flushed(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed stdout (a pipe whose reader left) is not worth failing over.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
