//! `zoho-sandbox`: run the local Zoho alone, as a stand-in for other programs.

use std::io::Write;
use std::net::SocketAddr;

use clap::Parser;
use zoho_sandbox::{Sandbox, SandboxConfig};

/// A faithful local Zoho (accounts, CRM, Books) on loopback.
#[derive(Debug, Parser)]
#[command(name = "zoho-sandbox", version)]
struct Args {
    /// Address to listen on (default: an ephemeral port on 127.0.0.1).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Seed of the generated data; the same seed always gives the same records.
    #[arg(long, value_name = "N", default_value_t = 1)]
    seed: u64,
    /// How many Leads to seed; other modules and Books get proportionally fewer.
    #[arg(long, value_name = "N", default_value_t = 1_000)]
    records: usize,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let config = SandboxConfig {
        listen: args.listen,
        seed: args.seed,
        records: args.records,
        ..SandboxConfig::default()
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("zoho-sandbox: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Whoever reads the first line may stop reading; a closed stdout is not an error.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "zoho-sandbox listening on {}", sandbox.base_url());
    let _ = writeln!(
        out,
        "client id {}; {} Leads (seed {}, generated on demand); ready in {} ms",
        zoho_sandbox::CLIENT_ID,
        sandbox.config().records,
        sandbox.config().seed,
        sandbox.start_duration().as_millis()
    );
    let _ = out.flush();
    drop(out);
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("zoho-sandbox: cannot wait for Ctrl-C: {e}");
    }
    sandbox.shutdown().await;
    std::process::ExitCode::SUCCESS
}
