//! The listening server: binds (refusing a non-loopback address without an API key), serves HTTP/1
//! connections, and on shutdown stops accepting, lets calls in flight finish (bounded), then returns.
//!
//! Connections are capped below the file descriptor limit, leaving a reserve for what calls need
//! (sockets to Zoho, token files). At the cap, the connection idle (or sending its body) longest
//! is closed to make room, so idle or slow clients cannot lock others out; when every connection
//! is running a call, the newcomer is answered `503` with `Retry-After` and closed (at most
//! [`MAX_BUSY_ANSWERS`] at a time; past that it is closed at once).

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot, watch};
use tokio::task::{AbortHandle, JoinSet};

use crate::Error;
use crate::api_key::{ApiKey, MIN_KEY_LEN};
use crate::hosts::AllowedHosts;
use crate::http::{self, Activity, App, Caller, Front};

/// The default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// How long shutdown waits for calls in flight by default.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How long request headers may take to arrive.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Most `503` answers to connections beyond the cap being written at once: each holds a
/// descriptor of the reserve for up to two seconds.
pub const MAX_BUSY_ANSWERS: usize = 32;

/// A bound, not yet serving, server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    hosts: AllowedHosts,
    max_connections: usize,
    threads: Option<usize>,
}

impl Server {
    /// Bind `addr`. A non-loopback address needs `api_key`: without one this is refused.
    /// The server answers to the hosts of [`AllowedHosts::for_listener`] until told otherwise.
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
            hosts: AllowedHosts::for_listener(local_addr),
            max_connections: default_max_connections(),
            threads: None,
        })
    }

    /// The address actually bound (the port is known here when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The hosts requests may name, to add `--public-url`'s host and `--allow-host` names.
    pub fn allowed_hosts_mut(&mut self) -> &mut AllowedHosts {
        &mut self.hosts
    }

    /// Most connections served at once (by default the file descriptor limit less a reserve).
    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    /// Serve at most `max` connections at once.
    pub fn set_max_connections(&mut self, max: usize) {
        self.max_connections = max.max(1);
    }

    /// Serve connections on `threads` threads of their own, each running a single-threaded
    /// runtime that accepts connections and serves them, calls to Zoho included, from start to
    /// end; `None` (the default) serves them on the runtime that runs [`Server::serve`].
    ///
    /// On a multi-threaded runtime every call moves between worker threads (the connection's
    /// task, the upstream connection's task, their wake-ups and frees); one runtime per core
    /// keeps each call on one thread (`docs/design/011-http-client.md`).
    pub fn set_threads(&mut self, threads: Option<usize>) {
        self.threads = threads.map(|n| n.max(1));
    }

    /// Serve `app` until `shutdown` resolves; then finish calls in flight for at most `grace`.
    pub async fn serve(
        self,
        app: App,
        shutdown: impl Future<Output = ()> + Send,
        grace: Duration,
    ) -> Result<(), Error> {
        let shared = Arc::new(Shared {
            front: Arc::new(Front::new(app, self.hosts)),
            open: Mutex::new(Open::default()),
            busy_answers: Arc::new(Semaphore::new(MAX_BUSY_ANSWERS)),
            max_connections: self.max_connections,
            grace,
        });
        let (stop, stopping) = watch::channel(false);
        let (here, threads) = match self.threads {
            None => (
                Some(accept_and_serve(self.listener, shared.clone(), stopping)),
                Vec::new(),
            ),
            Some(count) => {
                let threads = start_threads(&self.listener, count, &shared, &stopping).await?;
                // The threads accept on clones of the listener; this one is not needed here.
                drop(self.listener);
                (None, threads)
            }
        };
        tracing::info!(
            addr = %self.local_addr,
            max_connections = self.max_connections,
            threads = threads.len(),
            "serving JSON-RPC on POST /rpc"
        );
        let stopped = async {
            shutdown.await;
            let _ = stop.send(true);
            tracing::info!(
                connections = shared.lock().len(),
                "shutting down: no new connections; finishing calls in flight"
            );
        };
        let served_here = async {
            if let Some(serving) = here {
                serving.await;
            }
        };
        let served_on_threads = async {
            for done in threads {
                // A thread that ended without a word (it panicked) is done too.
                let _ = done.await;
            }
        };
        tokio::join!(stopped, served_here, served_on_threads);
        tracing::info!("stopped");
        Ok(())
    }
}

/// What every thread serving connections shares.
struct Shared {
    front: Arc<Front>,
    /// The connections being served, on every thread. Taken when one opens or ends, never per
    /// request.
    open: Mutex<Open>,
    busy_answers: Arc<Semaphore>,
    max_connections: usize,
    grace: Duration,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Open> {
        // Nothing done under the lock can leave it half changed; a panic elsewhere while
        // holding it leaves a list still worth using.
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Start `count` threads, each with a single-threaded runtime accepting on a clone of
/// `listener`; each sends on its receiver when it has finished. Returns once every thread is
/// accepting, or with the first one's reason it could not.
async fn start_threads(
    listener: &TcpListener,
    count: usize,
    shared: &Arc<Shared>,
    stopping: &watch::Receiver<bool>,
) -> Result<Vec<oneshot::Receiver<()>>, Error> {
    let failed = |context: &str, source: std::io::Error| Error::Io {
        context: context.to_owned(),
        source,
    };
    let mut finished = Vec::with_capacity(count);
    for index in 0..count {
        let listener =
            clone_listener(listener).map_err(|e| failed("cannot share the listening socket", e))?;
        let (ready, started) = oneshot::channel();
        let (done, finish) = oneshot::channel();
        let shared = shared.clone();
        let stopping = stopping.clone();
        // The runtime is made and dropped on its own thread: tokio refuses to drop one inside
        // another runtime's task, which is where this runs.
        std::thread::Builder::new()
            .name(format!("zoho-serve-{index}"))
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(err) => {
                        let _ = ready.send(Err(err));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match TcpListener::from_std(listener) {
                        Ok(listener) => {
                            let _ = ready.send(Ok(()));
                            accept_and_serve(listener, shared, stopping).await;
                        }
                        Err(err) => {
                            let _ = ready.send(Err(err));
                        }
                    }
                });
                // Connections' leftovers (their sockets to Zoho) go with the runtime.
                drop(runtime);
                let _ = done.send(());
            })
            .map_err(|e| failed("cannot start a thread to serve connections", e))?;
        match started.await {
            Ok(Ok(())) => finished.push(finish),
            Ok(Err(err)) => return Err(failed("cannot start a runtime to serve connections", err)),
            Err(_) => {
                return Err(failed(
                    "cannot start a runtime to serve connections",
                    std::io::Error::other("its thread ended before it began"),
                ));
            }
        }
    }
    Ok(finished)
}

/// Resolves once `stopping` turns true (or its sender is gone).
async fn told_to_stop(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// Another handle on the same listening socket: connections are accepted from either.
#[cfg(unix)]
fn clone_listener(listener: &TcpListener) -> std::io::Result<std::net::TcpListener> {
    use std::os::fd::AsFd as _;
    Ok(listener.as_fd().try_clone_to_owned()?.into())
}

/// Another handle on the same listening socket: connections are accepted from either.
#[cfg(windows)]
fn clone_listener(listener: &TcpListener) -> std::io::Result<std::net::TcpListener> {
    use std::os::windows::io::AsSocket as _;
    Ok(listener.as_socket().try_clone_to_owned()?.into())
}

/// Accept connections on `listener` and serve them until `stopping` turns true; then stop
/// accepting, let calls in flight finish for at most the grace period, and return.
async fn accept_and_serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopping: watch::Receiver<bool>,
) {
    // This runtime's connections, and their ages in the shared list.
    let mut tasks = JoinSet::new();
    let mut age_of: HashMap<tokio::task::Id, u64> = HashMap::new();
    loop {
        tokio::select! {
            () = told_to_stop(&mut stopping) => break,
            Some(ended) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let id = ended.map_or_else(|err| err.id(), |(id, ())| id);
                if let Some(age) = age_of.remove(&id) {
                    shared.lock().forget(age);
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Answers go out in one write; never hold them back for Nagle's algorithm.
                    let _ = stream.set_nodelay(true);
                    let mut open = shared.lock();
                    if open.len() >= shared.max_connections && !open.close_oldest_idle() {
                        drop(open);
                        if let Ok(permit) = shared.busy_answers.clone().try_acquire_owned() {
                            tokio::spawn(async move {
                                answer_busy(stream).await;
                                drop(permit);
                            });
                        }
                        continue;
                    }
                    let caller = Caller::new(peer);
                    let activity = caller.activity.clone();
                    let (stop, stop_signal) = oneshot::channel();
                    let handle = tasks.spawn(serve_connection(
                        stream,
                        caller,
                        shared.front.clone(),
                        stop_signal,
                    ));
                    age_of.insert(handle.id(), open.add(Served { handle, activity, stop: Some(stop) }));
                }
                Err(err) if is_out_of_resources(&err) => {
                    // Out of file descriptors or memory: make room, and wait a moment
                    // instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    shared.lock().close_oldest_idle();
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                // Any other failure is no reason to close another caller's idle
                // connection; the pause still keeps an error that repeats from spinning.
                Err(err) => {
                    tracing::debug!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    shared.lock().stop(age_of.values());
    let grace = shared.grace;
    let drained =
        tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            grace_ms = u64::try_from(grace.as_millis()).unwrap_or(u64::MAX),
            connections = tasks.len(),
            "calls still running after the shutdown grace period; dropping them"
        );
        tasks.abort_all();
    }
    let mut open = shared.lock();
    for age in age_of.values() {
        open.forget(*age);
    }
}

/// The connections being served, on every thread, oldest first.
#[derive(Default)]
struct Open {
    by_age: BTreeMap<u64, Served>,
    next: u64,
}

impl Open {
    fn len(&self) -> usize {
        self.by_age.len()
    }

    /// Count `served` in; its age, the key to forget it by.
    fn add(&mut self, served: Served) -> u64 {
        let age = self.next;
        self.by_age.insert(age, served);
        self.next += 1;
        age
    }

    /// Tell these connections to finish the request each is serving and close.
    fn stop<'a>(&mut self, ages: impl IntoIterator<Item = &'a u64>) {
        for age in ages {
            if let Some(stop) = self
                .by_age
                .get_mut(age)
                .and_then(|served| served.stop.take())
            {
                let _ = stop.send(());
            }
        }
    }

    fn forget(&mut self, age: u64) {
        self.by_age.remove(&age);
    }

    /// Close the connection idle longest (not running a call), on whichever thread serves it;
    /// `false` when all are running.
    fn close_oldest_idle(&mut self) -> bool {
        let oldest = self
            .by_age
            .iter()
            .filter(|(_, served)| !served.activity.is_running())
            .min_by_key(|(_, served)| served.activity.idle_since_ms())
            .map(|(age, _)| *age);
        let Some(age) = oldest else {
            return false;
        };
        if let Some(Served { handle, .. }) = self.by_age.remove(&age) {
            handle.abort();
            tracing::debug!("closed the connection idle longest to make room");
        }
        true
    }
}

/// One connection being served.
struct Served {
    handle: AbortHandle,
    activity: Arc<Activity>,
    /// Sent once, on shutdown. Each connection has its own: a channel shared by all of them
    /// would be looked at, under its lock, each time any connection's task runs.
    stop: Option<oneshot::Sender<()>>,
}

async fn serve_connection(
    stream: TcpStream,
    caller: Caller,
    front: Arc<Front>,
    mut stop: oneshot::Receiver<()>,
) {
    let peer = caller.addr;
    let service = service_fn(move |request| http::handle(front.clone(), caller.clone(), request));
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let outcome = tokio::select! {
        biased;
        outcome = connection.as_mut() => outcome,
        // A sender dropped without a word (the server itself going away) is not a stop.
        Ok(()) = &mut stop => {
            // Finish the request in flight, then close instead of waiting for the next one.
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(err) = outcome {
        tracing::debug!(%peer, error = %err, "connection ended with an error");
    }
}

/// Answer a connection we have no room for: `503` and close, without reading its request.
async fn answer_busy(mut stream: TcpStream) {
    let response = http::busy("every connection this server can hold is running a call");
    let body = http_body_util::BodyExt::collect(response.into_body())
        .await
        .map(http_body_util::Collected::to_bytes)
        .unwrap_or_default();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(&body).await;
        let _ = stream.shutdown().await;
        // Drain what the client sent, so closing does not reset the answer away.
        let mut sink = [0u8; 4096];
        while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// Descriptors kept free of connections, for what calls open (sockets to Zoho, token files).
fn fd_reserve(limit: u64) -> u64 {
    (limit / 8).clamp(64, 1024)
}

/// The connection cap for the current descriptor limit.
fn default_max_connections() -> usize {
    match current_fd_limit() {
        Some(limit) => {
            usize::try_from(limit.saturating_sub(fd_reserve(limit)).max(16)).unwrap_or(usize::MAX)
        }
        None => 100_000,
    }
}

#[cfg(unix)]
fn current_fd_limit() -> Option<u64> {
    rlimit::getrlimit(rlimit::Resource::NOFILE)
        .ok()
        .map(|(soft, _hard)| soft)
}

#[cfg(not(unix))]
fn current_fd_limit() -> Option<u64> {
    None
}

/// Raise this process's soft limit on open files to its hard limit (the default soft limit of
/// 1,024 is far below what a server holding many connections needs); the limit now in force.
pub fn raise_fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(limit) => Some(limit),
            Err(err) => {
                tracing::warn!(error = %err, "could not raise the open file limit");
                current_fd_limit()
            }
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Whether this process cannot open one more file: then a call would fail half-way, as a network
/// error that reads like a Zoho outage, so it is better answered `503` before it starts. The
/// probe (opening the null device) runs at most every 20 ms; calls in between share it.
pub fn out_of_descriptors() -> bool {
    // The last probe in one word, so calls between probes only read it: the milliseconds from
    // `EPOCH` to the probe plus one (zero: never probed) shifted left, its answer in the low bit.
    static PROBED: AtomicU64 = AtomicU64::new(0);
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let elapsed = EPOCH.get_or_init(Instant::now).elapsed().as_millis();
    let now = u64::try_from(elapsed).unwrap_or(u64::MAX >> 2) + 1;
    let last = PROBED.load(Ordering::Relaxed);
    if last != 0 && now.saturating_sub(last >> 1) < PROBE_EVERY_MS {
        return last & 1 == 1;
    }
    let short = match std::fs::File::open(NULL_DEVICE) {
        Ok(_) => false,
        Err(err) => is_out_of_descriptors(&err),
    };
    PROBED.store((now << 1) | u64::from(short), Ordering::Relaxed);
    short
}

/// How long one descriptor probe stands for, in milliseconds.
const PROBE_EVERY_MS: u64 = 20;

#[cfg(unix)]
const NULL_DEVICE: &str = "/dev/null";
#[cfg(not(unix))]
const NULL_DEVICE: &str = "NUL";

/// EMFILE (this process) or ENFILE (the whole system).
fn is_out_of_descriptors(err: &std::io::Error) -> bool {
    matches!(err.raw_os_error(), Some(23 | 24))
}

/// Out of descriptors, or of memory (ENOMEM).
fn is_out_of_resources(err: &std::io::Error) -> bool {
    is_out_of_descriptors(err) || err.kind() == std::io::ErrorKind::OutOfMemory
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_leaves_room_for_calls_at_every_limit() {
        assert_eq!(fd_reserve(1024), 128);
        assert_eq!(fd_reserve(256), 64);
        assert_eq!(fd_reserve(1 << 20), 1024);
    }

    #[test]
    fn descriptors_are_not_short_in_a_test() {
        assert!(!out_of_descriptors());
        assert!(is_out_of_descriptors(&std::io::Error::from_raw_os_error(
            24
        )));
        assert!(!is_out_of_descriptors(&std::io::Error::from_raw_os_error(
            2
        )));
        assert!(is_out_of_resources(&std::io::Error::from_raw_os_error(23)));
        assert!(is_out_of_resources(&std::io::Error::from_raw_os_error(12)));
        // ECONNABORTED: the caller's connection failed, not ours to make room for.
        assert!(!is_out_of_resources(&std::io::Error::from_raw_os_error(
            103
        )));
    }
}
