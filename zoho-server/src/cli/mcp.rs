//! `zoho-server mcp`: the actions as MCP tools over stdio, for agents that launch the server.
//! stdout carries only MCP messages; everything else (logs, hints) goes to stderr.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use tokio::io::BufReader;

use super::{Source, connections, http_client};
use crate::Error;
use crate::actions::Actions;
use crate::connections::DEFAULT_CONNECTION;
use crate::mcp::{Catalog, Mcp, stdio};
use crate::rpc::{Limits, Rpc};
use crate::sandbox;

/// `mcp`'s options.
#[derive(Debug, Clone, Args)]
pub struct McpArgs {
    /// Where connections come from.
    #[command(flatten)]
    pub source: Source,
    /// Longest one tool call may run, in seconds.
    #[arg(long, value_name = "SECONDS")]
    pub call_timeout_secs: Option<u64>,
}

pub(super) async fn mcp(args: McpArgs) -> Result<(), Error> {
    let catalog = Catalog::builtin().map_err(|detail| Error::Config {
        path: "zoho.toml (the action spec)".into(),
        reason: detail,
    })?;
    let http = http_client()?;
    let (connections, sandbox) = connections(&args.source, &http).await?;
    if sandbox.is_some() {
        let flows = connections.oauth_flows("http://127.0.0.1/oauth/callback");
        sandbox::authorize(&flows, DEFAULT_CONNECTION, false).await?;
    } else {
        for name in connections.without_tokens().await {
            eprintln!(
                "zoho-server: connection `{name}` has no tokens yet; its tools answer errors until \
                 `zoho-server auth login --connection {name}` authorizes it"
            );
        }
    }
    let defaults = Limits::default();
    let limits = Limits {
        call_timeout: args
            .call_timeout_secs
            .map_or(defaults.call_timeout, Duration::from_secs),
        ..defaults
    };
    let rpc = Rpc::new(Arc::new(Actions::new(Arc::new(connections))), limits);
    let mcp = Arc::new(Mcp::new(rpc, catalog));
    let outcome = stdio::serve(mcp, BufReader::new(tokio::io::stdin()), tokio::io::stdout())
        .await
        .map_err(|source| Error::Io {
            context: "MCP over stdio".into(),
            source,
        });
    drop(sandbox);
    outcome
}
