//! The listening server: binds (refusing a non-loopback address without an API key), serves HTTP/1
//! connections, and on shutdown stops accepting, lets calls in flight finish (bounded), then returns.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::Error;
use crate::api_key::{ApiKey, MIN_KEY_LEN};
use crate::http::{self, App};

/// The default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// How long shutdown waits for calls in flight by default.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// A bound, not yet serving, server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
}

impl Server {
    /// Bind `addr`. A non-loopback address needs `api_key`: without one this is refused.
    pub async fn bind(addr: SocketAddr, api_key: Option<&ApiKey>) -> Result<Server, Error> {
        if !addr.ip().is_loopback() && api_key.is_none() {
            return Err(Error::ApiKeyRequired {
                addr,
                min: MIN_KEY_LEN,
            });
        }
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr, source })?;
        Ok(Server {
            listener,
            local_addr,
        })
    }

    /// The address actually bound (the port is known here when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serve `app` until `shutdown` resolves; then finish calls in flight for at most `grace`.
    pub async fn serve(
        self,
        app: App,
        shutdown: impl Future<Output = ()> + Send,
        grace: Duration,
    ) -> Result<(), Error> {
        let app = Arc::new(app);
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);
        tracing::info!(addr = %self.local_addr, "serving JSON-RPC on POST /rpc");
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        // Answers go out in one write; never hold them back for Nagle's algorithm.
                        let _ = stream.set_nodelay(true);
                        connections.spawn(serve_connection(stream, peer, app.clone(), stop_rx.clone()));
                    }
                    Err(err) => {
                        // Out of file descriptors and the like: wait a moment instead of spinning.
                        tracing::warn!(error = %err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        drop(self.listener);
        let in_flight = connections.len();
        tracing::info!(
            connections = in_flight,
            "shutting down: no new connections; finishing calls in flight"
        );
        let _ = stop_tx.send(true);
        let drained = tokio::time::timeout(grace, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                grace_ms = u64::try_from(grace.as_millis()).unwrap_or(u64::MAX),
                connections = connections.len(),
                "calls still running after the shutdown grace period; dropping them"
            );
            connections.abort_all();
        }
        tracing::info!("stopped");
        Ok(())
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    app: Arc<App>,
    mut stop: watch::Receiver<bool>,
) {
    let service = service_fn(move |request| http::handle(app.clone(), request));
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let outcome = tokio::select! {
        outcome = connection.as_mut() => outcome,
        _ = async { let _ = stop.wait_for(|stopping| *stopping).await; } => {
            // Finish the request in flight, then close instead of waiting for the next one.
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(err) = outcome {
        tracing::debug!(%peer, error = %err, "connection ended with an error");
    }
}
