//! `zoho-server events tail --subscription ID`: a subscription's events as JSON lines, read
//! from the store the configuration names (no server needed), then new ones as they come.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::print_flushed;
use crate::Error;
use crate::connections::{ConfigFile, config_path};

/// How often `tail` looks for new events.
const FOLLOW_EVERY: Duration = Duration::from_millis(500);
const PAGE: usize = 100;

/// `events`' commands.
#[derive(Debug, Clone, Subcommand)]
pub enum EventsCommand {
    /// Print a subscription's events as JSON lines, oldest first, then follow new ones.
    Tail(TailArgs),
}

/// `events tail`'s options.
#[derive(Debug, Clone, Args)]
pub struct TailArgs {
    /// The subscription's id (`sub_...`).
    #[arg(long, value_name = "ID")]
    pub subscription: String,
    /// Start after this cursor (an `events.read` `next`) instead of the oldest event kept.
    #[arg(long, value_name = "CURSOR")]
    pub after: Option<String>,
    /// Stop at the newest event instead of waiting for more.
    #[arg(long)]
    pub no_follow: bool,
    /// The configuration file (default `zoho.toml`); its `[store]` holds the events.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub(super) async fn events(command: EventsCommand) -> Result<(), Error> {
    let EventsCommand::Tail(args) = command;
    let path = config_path(args.config.as_deref());
    let file = ConfigFile::load(&path)?;
    let store = crate::events::open_store(&file.store).map_err(|err| Error::Config {
        path: path.clone(),
        reason: err.to_string(),
    })?;
    let usage = |err: zoho_core::Error| Error::Usage(err.to_string());
    if store
        .subscription(&args.subscription)
        .await
        .map_err(usage)?
        .is_none()
    {
        return Err(Error::Usage(format!(
            "no subscription `{}` in the store of {}",
            args.subscription,
            path.display()
        )));
    }
    let mut after = args.after;
    loop {
        let page = store
            .read_events(&args.subscription, after.as_deref(), PAGE)
            .await
            .map_err(usage)?;
        let full = page.events.len() == PAGE;
        let mut lines = String::new();
        for (cursor, event) in page.events {
            lines.push_str(&event.to_string());
            lines.push('\n');
            after = Some(cursor);
        }
        print_flushed(&lines);
        if full {
            continue;
        }
        if args.no_follow {
            return Ok(());
        }
        tokio::time::sleep(FOLLOW_EVERY).await;
    }
}
