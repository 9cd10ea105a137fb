//! The `zoho-server` command line: the arguments, and one module per command
//! (`serve`, `call`, `methods`, `auth login`, `connections`).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod call;
mod connections;
mod events;
mod login;
mod mcp;
mod methods;
mod serve;

pub use connections::ConnectionsCommand;
pub use events::{EventsCommand, TailArgs};
pub use mcp::McpArgs;

use crate::Error;
use crate::connections::{ConfigFile, Connections, DEFAULT_CONNECTION, config_path};
use crate::logging::{self, LogFormat};
use crate::sandbox;
use crate::server::DEFAULT_LISTEN;

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
    /// Serve the actions as MCP tools over stdio, for AI agents.
    Mcp(McpArgs),
    /// Authorize connections.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Create, list, authorize and delete connections of the configured apps.
    #[command(subcommand)]
    Connections(ConnectionsCommand),
    /// Read subscriptions' events from the store.
    #[command(subcommand)]
    Events(EventsCommand),
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
    /// Another host name requests may be sent to (repeatable; `*` for any, behind a proxy that
    /// checks `Host`). The listen address, `localhost` and `--public-url`'s host always are.
    #[arg(long, value_name = "HOST")]
    pub allow_host: Vec<String>,
    /// Time every request body gets to arrive, in seconds (more for large bodies arriving fast).
    #[arg(long, value_name = "SECONDS")]
    pub body_timeout_secs: Option<u64>,
    /// Most request body bytes held at once by all requests (default: two of the largest).
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes_in_flight: Option<usize>,
    /// Most connections served at once (default: the open file limit less a reserve).
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
}

/// `call`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct CallArgs {
    /// The method (`crm.getRecords`); `zoho-server methods` lists them.
    pub method: String,
    /// The params as a JSON object (default `{}`); `-` reads them from stdin.
    #[arg(value_name = "PARAMS_JSON")]
    pub params: Option<String>,
    /// Stream a list method's records as JSON lines, one record per line, holding one page in
    /// memory at a time (for large exports with `"fetchAll": true`).
    #[arg(long)]
    pub jsonl: bool,
    /// With `--jsonl`: show progress on stderr (records, pages, rate, elapsed) even when stderr
    /// is not a terminal (it is shown on a terminal anyway).
    #[arg(long, requires = "jsonl")]
    pub progress: bool,
    /// With `--jsonl`: continue an export that stopped, from the TOKEN its failure printed;
    /// the records already written are not written again.
    #[arg(long, value_name = "TOKEN", requires = "jsonl")]
    pub resume: Option<String>,
    /// Write a download's bytes (`crm.downloadAttachment`) to FILE instead of printing them as
    /// base64; stdout then says what was written (`fileName`, `contentType`, `bytes`, `path`).
    #[arg(long, value_name = "FILE", conflicts_with = "jsonl")]
    pub output: Option<std::path::PathBuf>,
    /// Longest the call may run, in seconds, retries and waits included (default 300, as
    /// `serve`); past it the call fails with `-32004` naming the host it waited on.
    #[arg(long, value_name = "SECONDS")]
    pub call_timeout_secs: Option<u64>,
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

/// The environment variable that sets how many threads run tasks and serve connections
/// (tokio's own name for it).
pub const WORKER_THREADS_ENV: &str = "TOKIO_WORKER_THREADS";

/// How many threads `TOKIO_WORKER_THREADS` asks for: `None` when it is not set, an error naming
/// it when it is not a positive whole number (tokio itself would panic on such a value).
pub fn worker_threads() -> Result<Option<usize>, Error> {
    let Some(value) = std::env::var_os(WORKER_THREADS_ENV) else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    match text.trim().parse::<usize>() {
        Ok(threads) if threads > 0 => Ok(Some(threads)),
        _ => Err(Error::Usage(format!(
            "{WORKER_THREADS_ENV}: `{text}` is not a positive whole number of threads"
        ))),
    }
}

/// Run a parsed command line; the process's exit code.
pub async fn run(cli: Cli) -> ExitCode {
    // `debugRequest: true` asks for its log lines; quieter commands still show them.
    let default_filter = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn,zoho_core::debug_request=info",
    };
    logging::init(cli.log_format, default_filter);
    let outcome = match cli.command {
        Command::Serve(args) => serve::serve(args).await,
        Command::Call(args) => return call::call(args).await,
        Command::Connections(command) => return connections::connections(command).await,
        Command::Methods => methods::methods(),
        Command::Events(command) => events::events(command).await,
        Command::Mcp(args) => mcp::mcp(args).await,
        Command::Auth(AuthCommand::Login(args)) => login::login(args).await,
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
    http: &zoho_core::HttpClient,
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

/// The HTTP client every connection shares: no redirects, so a token never follows one, and
/// the default connect timeout (a connection configured otherwise keeps its own).
fn http_client() -> Result<zoho_core::HttpClient, Error> {
    zoho_core::HttpClient::standard()
        .map_err(|err| Error::Sandbox(format!("cannot build the HTTP client: {err}")))
}

fn print_flushed(text: &str) {
    let mut stdout = std::io::stdout().lock();
    // A closed stdout (a pipe whose reader left) is not worth failing over.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
