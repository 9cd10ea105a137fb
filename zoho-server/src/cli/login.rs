//! `zoho-server auth login`: the authorization-code flow in a browser, with the redirect caught
//! on a loopback port, and the tokens written to the connection's token store.

use std::sync::Arc;
use std::time::Duration;

use super::{LoginArgs, http_client, print_flushed};
use crate::Error;
use crate::actions::Actions;
use crate::connections::{ConfigFile, Connections, config_path};
use crate::http::App;
use crate::rpc::{Limits, Rpc};
use crate::server::Server;

/// `auth login` and `serve` both listen on 127.0.0.1:8787 by default; when the port is taken,
/// most likely it is by `serve`, which offers the same flow.
fn hint_if_serve_is_running(err: Error, connection: &str) -> Error {
    match err {
        Error::Bind { addr, source } if source.kind() == std::io::ErrorKind::AddrInUse => {
            let query: String =
                url::form_urlencoded::byte_serialize(connection.as_bytes()).collect();
            Error::Bind {
                addr,
                source: std::io::Error::new(
                    std::io::ErrorKind::AddrInUse,
                    format!(
                        "{source}. If `zoho-server serve` is running there, it offers the same \
                         flow: open http://{addr}/oauth/start?connection={query} in a browser \
                         (if it has an API key, its start-up banner shows how). Otherwise pass \
                         `--listen` with a free port and register \
                         http://127.0.0.1:PORT/oauth/callback with Zoho"
                    ),
                ),
            }
        }
        other => other,
    }
}

pub(super) async fn login(args: LoginArgs) -> Result<(), Error> {
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
        apps: Default::default(),
        // With a shared store the consent's tokens go there, where every instance reads them.
        store: file.store.clone(),
        events: Default::default(),
    };
    let http = http_client()?;
    let connections = Connections::from_file(only, &http)?;
    // A loopback listener only: it exists to catch one redirect.
    if !args.listen.ip().is_loopback() {
        return Err(Error::Usage(
            "auth login listens on a loopback address only".into(),
        ));
    }
    let server = Server::bind(args.listen, None)
        .await
        .map_err(|err| hint_if_serve_is_running(err, &args.connection))?;
    let addr = server.local_addr();
    let flows = Arc::new(connections.oauth_flows(&format!("http://{addr}/oauth/callback")));
    let consent_url = flows.start(&args.connection).await?;
    let mut outcomes = flows.outcomes();
    let app = App {
        rpc: Rpc::new(
            Arc::new(Actions::new(Arc::new(Connections::new()))),
            Limits::default(),
        ),
        api_key: None,
        oauth: Some(flows.clone()),
        events: None,
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
