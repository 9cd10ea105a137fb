//! Events that do not die: subscriptions to what changes in CRM and Books, their durable event
//! logs, and the work that keeps them flowing (`docs/design/010-events.md`).
//!
//! [`Events`] owns it all for one server instance: the `subscriptions.*` and `events.read`
//! methods ([`methods`]), Zoho's callbacks on `POST /zoho/notify/{id}` ([`notify`]), and a
//! background worker per subscription (`worker`) that the instance runs only while it holds
//! the subscription's lease in the store: it keeps the Zoho channel alive, reads what changed
//! (`sources`) and delivers to the webhook (`deliver`).

// Errors here are zoho-core's, flat on purpose (callers match on them); they only travel on
// the failure path.
#![allow(clippy::result_large_err)]

pub mod config;
mod deliver;
pub mod methods;
pub mod notify;
mod sources;
mod time;
mod worker;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use zoho_core::ClientSource;
use zoho_core::store::EventStore;

pub use config::EventsConfig;

use crate::registry::Registry;

/// The events of one server instance.
pub struct Events {
    store: Arc<dyn EventStore>,
    clients: Arc<dyn ClientSource>,
    registry: Option<Arc<Registry>>,
    public_url: String,
    config: EventsConfig,
    /// This instance's lease owner: random, so a restarted instance is another owner.
    owner: String,
    appended: tokio::sync::Notify,
    http: reqwest::Client,
    running: Mutex<HashSet<String>>,
    /// Zoho's clock less ours, per subscription, as its latest callback told.
    skews: Mutex<HashMap<String, i64>>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("store", &self.store)
            .field("public_url", &self.public_url)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Events {
    /// Events in `store`, reading Zoho through `clients` (and connections created at run time
    /// through `registry`); Zoho is told to call back at `{public_url}/zoho/notify/{id}`.
    pub fn new(
        store: Arc<dyn EventStore>,
        clients: Arc<dyn ClientSource>,
        registry: Option<Arc<Registry>>,
        public_url: &str,
        config: EventsConfig,
    ) -> Result<Arc<Events>, crate::Error> {
        let http = zoho_core::__private::http_client(zoho_core::__private::DEFAULT_CONNECT_TIMEOUT)
            .map_err(|err| {
                crate::Error::Sandbox(format!("cannot build the webhook HTTP client: {err}"))
            })?;
        Ok(Arc::new(Events {
            store,
            clients,
            registry,
            public_url: public_url.trim_end_matches('/').to_owned(),
            config,
            owner: format!("{:032x}:{}", rand::random::<u128>(), std::process::id()),
            appended: tokio::sync::Notify::new(),
            http,
            running: Mutex::new(HashSet::new()),
            skews: Mutex::new(HashMap::new()),
        }))
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.store
    }

    /// The settings.
    pub fn config(&self) -> &EventsConfig {
        &self.config
    }

    /// Start the supervisor that takes the leases of subscriptions nobody works on and runs
    /// their workers; it stops when the returned handle is aborted or dropped with the runtime.
    pub fn start(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(worker::supervise(self.clone()))
    }

    /// Remember Zoho's time `server_ms` a callback of subscription `id` carried.
    fn learn_clock(&self, id: &str, server_ms: i64) {
        let skew = server_ms.div_euclid(1000) - time::now_secs();
        self.skews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned(), skew);
    }

    /// Zoho's clock less ours for subscription `id`: what its latest callback told, else
    /// `known` (learnt when its channel was last set).
    fn skew(&self, id: &str, known: i64) -> i64 {
        self.skews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .copied()
            .unwrap_or(known)
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The URL Zoho calls back for subscription `id`.
    fn notify_url(&self, id: &str) -> String {
        format!("{}/zoho/notify/{id}", self.public_url)
    }

    /// The client of `connection`, building a connection created on another instance first.
    async fn client(&self, connection: &str) -> Result<&zoho_core::Client, zoho_core::Error> {
        if self.clients.client(Some(connection)).is_err()
            && let Some(registry) = &self.registry
        {
            registry.resolve(connection).await?;
        }
        self.clients.client(Some(connection))
    }

    /// Run one action of the spec through `connection`.
    async fn zoho(
        &self,
        connection: &str,
        method: &str,
        mut params: serde_json::Value,
    ) -> Result<serde_json::Value, zoho_core::Error> {
        self.client(connection).await?;
        if let Some(map) = params.as_object_mut() {
            map.insert("connection".into(), connection.into());
        }
        match zoho_actions::dispatch(method, params, self.clients.as_ref()).await {
            Ok(value) => Ok(value),
            Err(zoho_actions::DispatchError::Action(err)) => Err(err),
            Err(other) => Err(zoho_core::Error::Internal(other.to_string())),
        }
    }
}

/// Open the event side of the store `[store]` describes (the same folder or Redis server the
/// connections live in).
pub fn open_store(
    store: &zoho_core::config::StoreConfig,
) -> Result<Arc<dyn EventStore>, zoho_core::Error> {
    use zoho_core::config::StoreKind;
    let keyring = store.keyring()?;
    match store.kind {
        StoreKind::File => Ok(Arc::new(zoho_core::store::FileStore::open(
            store.path.clone(),
            keyring,
        )?)),
        StoreKind::Redis => {
            let url = store.url.as_deref().ok_or_else(|| {
                zoho_core::Error::Config(
                    "`store.url` is required for kind `redis` (redis://127.0.0.1:6379/0)".into(),
                )
            })?;
            Ok(Arc::new(zoho_core::store::RedisStore::open(
                url,
                &store.key_prefix,
                keyring,
            )?))
        }
    }
}
