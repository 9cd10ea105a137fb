//! `zoho-server serve`: JSON-RPC over HTTP until SIGTERM or ctrl-c.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::{ServeArgs, connections, http_client, print_flushed};
use crate::Error;
use crate::actions::{Actions, AuthorizeHint};
use crate::api_key::ApiKey;
use crate::connections::DEFAULT_CONNECTION;
use crate::connections_api::ConnectionMethods;
use crate::http::App;
use crate::rpc::{Limits, Rpc};
use crate::sandbox;
use crate::server::{DEFAULT_SHUTDOWN_GRACE, Server, raise_fd_limit};

/// How many threads serve connections: what `TOKIO_WORKER_THREADS` asks for, else one per CPU
/// the process may use.
fn serving_threads() -> Result<usize, Error> {
    Ok(super::worker_threads()?
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1))
}

pub(super) async fn serve(args: ServeArgs) -> Result<(), Error> {
    let api_key = args
        .api_key_env
        .as_deref()
        .map(ApiKey::from_env)
        .transpose()?;
    let fd_limit = raise_fd_limit();
    // Bind before anything slow, so a refused address fails at once.
    let mut server = Server::bind(args.listen, api_key.as_ref()).await?;
    let addr = reachable(server.local_addr());
    if let Some(max) = args.max_connections {
        server.set_max_connections(max);
    }
    server.set_threads(Some(serving_threads()?));
    let http = http_client()?;
    let (connections, sandbox) = connections(&args.source, &http).await?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let max_connections = server.max_connections();
    let hosts = server.allowed_hosts_mut();
    if !hosts.allow_url_host(&public_url) {
        return Err(Error::Usage(format!(
            "--public-url `{public_url}` is not a URL with a host, such as https://zoho.example.com"
        )));
    }
    for host in &args.allow_host {
        hosts.allow(host);
    }
    tracing::info!(
        hosts = ?hosts.names(),
        open_file_limit = fd_limit,
        max_connections,
        "requests are answered for these hosts"
    );
    let mut connections = connections;
    let redirect_uri = format!("{}/oauth/callback", public_url.trim_end_matches('/'));
    let registry = connections.open_registry(&redirect_uri, &http)?;
    let flows = Arc::new(connections.oauth_flows(&redirect_uri));
    let defaults = Limits::default();
    let limits = Limits {
        max_body_bytes: args.max_body_bytes.unwrap_or(defaults.max_body_bytes),
        max_batch: args.max_batch.unwrap_or(defaults.max_batch),
        call_timeout: args
            .call_timeout_secs
            .map_or(defaults.call_timeout, Duration::from_secs),
        body_timeout: args
            .body_timeout_secs
            .map_or(defaults.body_timeout, Duration::from_secs),
        max_body_bytes_in_flight: args
            .max_body_bytes_in_flight
            .unwrap_or(defaults.max_body_bytes_in_flight),
        ..defaults
    };
    let unauthorized = if sandbox.is_some() {
        Vec::new()
    } else {
        connections.without_tokens().await
    };
    let static_names = connections
        .names()
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    let shared_store = connections.shared_store().cloned();
    let (event_store, events_config) = event_store(&args.source, sandbox.is_some())?;
    let registry_for_events = connections.registry().cloned();
    let clients = Arc::new(connections);
    let events = crate::events::Events::new(
        event_store,
        clients.clone(),
        registry_for_events,
        &public_url,
        events_config,
    )?;
    let mut actions = Actions::new(clients).with_authorize_hint(AuthorizeHint {
        public_url: public_url.clone(),
        api_key_env: args.api_key_env.clone(),
    });
    if let Some(registry) = registry {
        let methods = ConnectionMethods::new(registry.clone(), static_names);
        actions = actions.with_created_connections(Arc::new(methods), registry);
    }
    if let Some(store) = shared_store {
        actions = actions.with_shared_store(store);
    }
    actions = actions.with_events(events.clone());
    let app = App {
        rpc: Rpc::new(Arc::new(actions), limits),
        api_key,
        oauth: Some(flows.clone()),
        events: Some(events.clone()),
    };
    let supervisor = events.start();
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
        let query: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
        let start = format!(
            "{}/oauth/start?connection={query}",
            public_url.trim_end_matches('/')
        );
        // With an API key, /oauth/start needs the Bearer header a browser cannot send: fetch the
        // consent URL with curl and open the `Location` it answers.
        let how = match &args.api_key_env {
            Some(var) => format!(
                "open the Location of `curl -sD- -o /dev/null -H \"authorization: Bearer ${var}\" '{start}'`"
            ),
            None => format!("open {start}"),
        };
        banner.push_str(&format!(
            "zoho-server: connection `{name}` has no tokens yet; to authorize it, {how}\n"
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
    supervisor.abort();
    drop(sandbox);
    outcome
}

/// Where subscriptions and events live: the `[store]` of the configuration file (its folder
/// or Redis server), or memory for the built-in sandbox.
fn event_store(
    source: &super::Source,
    sandbox: bool,
) -> Result<
    (
        Arc<dyn zoho_core::store::EventStore>,
        crate::events::EventsConfig,
    ),
    Error,
> {
    if sandbox {
        return Ok((
            Arc::new(zoho_core::store::MemoryStore::new()),
            crate::events::EventsConfig::default(),
        ));
    }
    let path = crate::connections::config_path(source.config.as_deref());
    let file = crate::connections::ConfigFile::load(&path)?;
    file.events.validate().map_err(|reason| Error::Config {
        path: path.clone(),
        reason,
    })?;
    let store = crate::events::open_store(&file.store).map_err(|err| Error::Config {
        path,
        reason: err.to_string(),
    })?;
    Ok((store, file.events))
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
