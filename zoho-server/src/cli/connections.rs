//! `zoho-server connections list|get|create|authorize|delete`: the `connections.*` methods run
//! on the store the configuration names, without a server.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{ArgAction, Args, Subcommand};
use serde_json::{Map, Value};

use super::{EXIT_FAILURE, EXIT_USAGE, http_client, print_flushed};
use crate::Error;
use crate::connections::{ConfigFile, Connections, config_path};
use crate::connections_api::{self, ConnectionMethods};
use crate::server::DEFAULT_LISTEN;

/// `connections`' commands, one per `connections.*` method, with its params as flags.
#[derive(Debug, Clone, Subcommand)]
pub enum ConnectionsCommand {
    /// Created connections in name order, a page at a time (`connections.list`).
    List {
        /// Only connections with this status: pending, authorized, needs_reauth, revoked.
        #[arg(long)]
        status: Option<String>,
        /// `nextCursor` of the previous page.
        #[arg(long)]
        cursor: Option<String>,
        /// Most connections on the page (default 100, at most 1000).
        #[arg(long)]
        limit: Option<u64>,
        /// The configuration and the public URL.
        #[command(flatten)]
        common: Common,
    },
    /// A created connection and where it stands (`connections.get`).
    Get {
        /// The connection's name.
        #[arg(long)]
        name: String,
        /// The configuration and the public URL.
        #[command(flatten)]
        common: Common,
    },
    /// Create a connection and print its consent URL (`connections.create`).
    Create {
        /// The connection's name.
        #[arg(long)]
        name: String,
        /// The `[apps.NAME]` table (default: the only one).
        #[arg(long)]
        app: Option<String>,
        /// The customer's data center: a code (`eu`) or its accounts URL.
        #[arg(long)]
        region_url: Option<String>,
        /// Space-separated scopes (default: the app's).
        #[arg(long)]
        scopes: Option<String>,
        /// CRM API version (default `v3`).
        #[arg(long)]
        crm_api_version: Option<String>,
        /// The Books organization calls act in when they name none.
        #[arg(long)]
        books_organization_id: Option<String>,
        /// Your own data about the connection, a JSON object.
        #[arg(long, value_name = "JSON")]
        metadata: Option<String>,
        /// The configuration and the public URL.
        #[command(flatten)]
        common: Common,
    },
    /// A fresh consent URL for a connection (`connections.authorize`).
    Authorize {
        /// The connection's name.
        #[arg(long)]
        name: String,
        /// The configuration and the public URL.
        #[command(flatten)]
        common: Common,
    },
    /// Revoke a connection's refresh token at Zoho and remove it (`connections.delete`).
    Delete {
        /// The connection's name.
        #[arg(long)]
        name: String,
        /// Revoke the refresh token at Zoho first.
        #[arg(long, action = ArgAction::Set, default_value_t = true)]
        revoke: bool,
        /// The configuration and the public URL.
        #[command(flatten)]
        common: Common,
    },
}

/// What every `connections` command takes.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// The configuration file (default `zoho.toml`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The URL the servers are reached at: consent redirects back to `URL/oauth/callback`
    /// unless the app names its `redirect_url` (default `http://127.0.0.1:8787`).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
}

/// Run one `connections` command: the method's result as JSON on stdout, or its error on stderr.
pub(super) async fn connections(command: ConnectionsCommand) -> ExitCode {
    let (method, common, params) = params_of(command);
    let params = match params {
        Ok(params) => params,
        Err(err) => {
            eprintln!("zoho-server: {err}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let methods = match open(&common) {
        Ok(methods) => methods,
        Err(err) => {
            eprintln!("zoho-server: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    match methods.call(method, params).await {
        Ok(result) => {
            print_flushed(&format!("{result:#}\n"));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{:#}", serde_json::to_value(&error).unwrap_or(Value::Null));
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn open(common: &Common) -> Result<ConnectionMethods, Error> {
    let path = config_path(common.config.as_deref());
    let file = ConfigFile::load(&path)?;
    if file.apps.is_empty() {
        return Err(Error::Config {
            path,
            reason: "no [apps.NAME] table: connections are created for an app (client id and secret); add one".into(),
        });
    }
    let http = http_client()?;
    let mut connections = Connections::from_file(file, &http)?;
    let public_url = common
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{DEFAULT_LISTEN}"));
    let redirect_uri = format!("{}/oauth/callback", public_url.trim_end_matches('/'));
    let registry = connections
        .open_registry(&redirect_uri, &http)?
        .ok_or_else(|| Error::Usage("no apps configured".into()))?;
    let static_names = connections
        .names()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    Ok(ConnectionMethods::new(Arc::clone(&registry), static_names))
}

type Parsed = (&'static str, Common, Result<Map<String, Value>, String>);

fn params_of(command: ConnectionsCommand) -> Parsed {
    let mut params = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            params.insert(key.to_owned(), value);
        }
    };
    let (method, common, metadata) = match command {
        ConnectionsCommand::List {
            status,
            cursor,
            limit,
            common,
        } => {
            put("status", status.map(Value::from));
            put("cursor", cursor.map(Value::from));
            put("limit", limit.map(Value::from));
            (connections_api::LIST, common, None)
        }
        ConnectionsCommand::Get { name, common } => {
            put("name", Some(name.into()));
            (connections_api::GET, common, None)
        }
        ConnectionsCommand::Create {
            name,
            app,
            region_url,
            scopes,
            crm_api_version,
            books_organization_id,
            metadata,
            common,
        } => {
            put("name", Some(name.into()));
            put("app", app.map(Value::from));
            put("regionUrl", region_url.map(Value::from));
            put("scopes", scopes.map(Value::from));
            put("crmApiVersion", crm_api_version.map(Value::from));
            put(
                "booksOrganizationId",
                books_organization_id.map(Value::from),
            );
            (connections_api::CREATE, common, metadata)
        }
        ConnectionsCommand::Authorize { name, common } => {
            put("name", Some(name.into()));
            (connections_api::AUTHORIZE, common, None)
        }
        ConnectionsCommand::Delete {
            name,
            revoke,
            common,
        } => {
            put("name", Some(name.into()));
            put("revoke", Some(revoke.into()));
            (connections_api::DELETE, common, None)
        }
    };
    let parsed = match metadata.map(|text| serde_json::from_str::<Value>(&text)) {
        None => Ok(params),
        Some(Ok(value)) => {
            params.insert("metadata".into(), value);
            Ok(params)
        }
        Some(Err(err)) => Err(format!("--metadata is not JSON: {err}")),
    };
    (method, common, parsed)
}
