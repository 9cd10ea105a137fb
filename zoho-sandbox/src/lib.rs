//! A faithful local Zoho (accounts, CRM, Books) for development, tests and benchmarks.
//!
//! [`Sandbox::start`] runs it in-process on an ephemeral loopback port; the `zoho-sandbox`
//! binary runs it alone. It is built from Zoho's documented behaviour only and shares no code
//! with the client crates, so it cannot agree with a mistake of theirs.
//!
//! ```no_run
//! # async fn demo() -> Result<(), zoho_sandbox::Error> {
//! let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig::default()).await?;
//! println!("Zoho is at {}", sandbox.base_url());
//! # Ok(()) }
//! ```

mod accounts;
mod admin;
mod books;
mod clock;
mod config;
mod consent_form;
mod crm;
mod error;
mod faults;
mod http;
mod limits;
mod request_log;
mod server;
mod state;
mod stats;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use accounts::{CLIENT_ID, CLIENT_SECRET};
pub use config::{BulkSettings, OpenQuestions, SandboxConfig};
pub use consent_form::ConsentForm;
pub use error::Error;
pub use faults::Faults;

use state::State;

/// A running sandbox. Dropping it shuts it down.
pub struct Sandbox {
    state: Arc<State>,
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    started_in: Duration,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.state.base_url)
            .field("accounts", &self.state.accounts)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Seeds the data and starts serving; must be called inside a Tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, Error> {
        let began = Instant::now();
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::NoRuntime);
        }
        check(&config)?;
        let want = config
            .listen
            .unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
        let listener = tokio::net::TcpListener::bind(want)
            .await
            .map_err(|source| Error::Bind { addr: want, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| Error::Bind { addr: want, source })?;
        let log = match &config.request_log {
            Some(path) => Some(request_log::RequestLog::open(path).await?),
            None => None,
        };
        // Listening on every interface still means clients reach it on loopback.
        let reachable = if addr.ip().is_unspecified() {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        } else {
            addr
        };
        let base_url = format!("http://{reachable}");
        let state = Arc::new(State {
            crm: crm::Crm::new(config.seed, config.records),
            books: books::Books::new(config.seed, config.records),
            faults: RwLock::new(config.faults),
            clock: clock::Clock::default(),
            stats: stats::Stats::default(),
            accounts: accounts::Accounts::default(),
            base_url,
            config,
            log,
            token_failures: Default::default(),
        });
        let (shutdown, rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, state.clone(), rx));
        Ok(Sandbox {
            state,
            addr,
            shutdown,
            task: Some(task),
            started_in: began.elapsed(),
        })
    }

    /// `http://127.0.0.1:PORT`: the API domain, accounts server and Books host at once.
    pub fn base_url(&self) -> &str {
        &self.state.base_url
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// How long seeding and binding took.
    pub fn start_duration(&self) -> Duration {
        self.started_in
    }

    /// The configuration it started with.
    pub fn config(&self) -> &SandboxConfig {
        &self.state.config
    }

    /// The faults and limits now in force.
    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    /// Replaces the faults and limits (the same as `POST /__sandbox/faults`).
    pub fn set_faults(&self, faults: Faults) {
        match self.state.faults.write() {
            Ok(mut current) => *current = faults,
            Err(poisoned) => *poisoned.into_inner() = faults,
        }
    }

    /// Answer the next `count` requests to the token endpoint with 502 Bad Gateway (the same as
    /// `POST /__sandbox/faults` with `{"fail_next_token_requests": count}`).
    pub fn fail_next_token_requests(&self, count: u32) {
        self.state
            .token_failures
            .store(count, std::sync::atomic::Ordering::Release);
    }

    /// The stats `GET /__sandbox/stats` answers.
    pub fn stats(&self) -> serde_json::Value {
        self.state.stats.snapshot()
    }

    /// Moves the sandbox's clock forward, so tokens and codes expire without waiting.
    pub fn advance_clock(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// A grant code for `scopes` (comma or space separated), as the API console's self client
    /// gives one: exchange it at `/oauth/v2/token` with `grant_type=authorization_code` and no
    /// `redirect_uri`; it yields a refresh token. `None` when no scope is given or the
    /// grant-code limit is reached.
    pub fn self_client_code(&self, scopes: &str) -> Option<String> {
        self.state.accounts.self_client_code(&self.state, scopes)
    }

    /// Stops accepting connections, closes the open ones and waits for the server to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn check(config: &SandboxConfig) -> Result<(), Error> {
    if config.access_token_lifetime.is_zero() {
        return Err(Error::Config {
            field: "access_token_lifetime",
            reason: "must be longer than zero".into(),
        });
    }
    if config.records > 10_000_000 {
        return Err(Error::Config {
            field: "records",
            reason: "at most 10,000,000 Leads can be seeded".into(),
        });
    }
    let rates = [
        ("faults.error_rate", config.faults.error_rate),
        ("faults.reset_rate", config.faults.reset_rate),
        ("faults.rate_limit_rate", config.faults.rate_limit_rate),
        ("faults.stall_rate", config.faults.stall_rate),
        ("faults.lost_answer_rate", config.faults.lost_answer_rate),
        (
            "faults.callback_drop_rate",
            config.faults.callback_drop_rate,
        ),
        (
            "faults.callback_duplicate_rate",
            config.faults.callback_duplicate_rate,
        ),
    ];
    for (field, rate) in rates {
        if !(0.0..=1.0).contains(&rate) {
            return Err(Error::Config {
                field,
                reason: format!("{rate} is not a rate from 0.0 to 1.0"),
            });
        }
    }
    Ok(())
}
