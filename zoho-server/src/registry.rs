//! Connections created at run time (`connections.create`): their records live in the shared
//! [`Store`], and each instance builds a live [`Connection`] for one the first time a call names
//! it, so a connection created or authorized on any instance works on every other.
//!
//! Actions borrow their client (`ClientSource` hands out `&Client`), so live connections are kept
//! in an append-only arena: a deleted connection leaves the index at once, while its few
//! kilobytes stay allocated until the server stops.

// Errors here are zoho-core's, flat on purpose (callers match on them); they only travel on
// the failure path.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use zoho_core::__private::Limiter;
use zoho_core::config::AppConfig;
use zoho_core::store::{
    ConnectionRecord, ConnectionStatus, ConnectionTokens, PendingAuthorization, now_ms,
};
use zoho_core::{Client, Connection, Region, Secret, Store};

use zoho_core::Error;

const SEGMENT: usize = 1024;
const SEGMENTS: usize = 4096;

/// One app: its settings and client secret.
struct App {
    config: AppConfig,
    secret: Secret,
}

/// A live created connection.
pub(crate) struct Live {
    pub(crate) connection: Arc<Connection>,
    pub(crate) client: Client,
}

/// Created connections of one server, over its store.
pub struct Registry {
    apps: BTreeMap<String, App>,
    store: Arc<dyn Store>,
    http: zoho_core::HttpClient,
    limiter: Arc<dyn Limiter>,
    redirect_uri: String,
    index: RwLock<HashMap<String, usize>>,
    slots: Vec<OnceLock<Box<[OnceLock<Live>]>>>,
    next: AtomicUsize,
    refresh_lease: Duration,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("apps", &self.apps.keys().collect::<Vec<_>>())
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// Created connections of `apps` (their secrets read from the environment now) in `store`;
    /// consent redirects back to `redirect_uri` unless an app names its own `redirect_url`.
    pub fn new(
        apps: BTreeMap<String, AppConfig>,
        store: Arc<dyn Store>,
        http: zoho_core::HttpClient,
        limiter: Arc<dyn Limiter>,
        redirect_uri: impl Into<String>,
    ) -> Result<Registry, Error> {
        let mut read = BTreeMap::new();
        for (name, config) in apps {
            let secret = match std::env::var(&config.client_secret_env) {
                Ok(secret) if !secret.trim().is_empty() => Secret::new(secret),
                _ => {
                    return Err(Error::Config(format!(
                        "app `{name}`: set the environment variable `{}` (client_secret_env) to the client secret",
                        config.client_secret_env
                    )));
                }
            };
            read.insert(name, App { config, secret });
        }
        Ok(Registry {
            apps: read,
            store,
            http,
            limiter,
            redirect_uri: redirect_uri.into(),
            index: RwLock::new(HashMap::new()),
            slots: (0..SEGMENTS).map(|_| OnceLock::new()).collect(),
            next: AtomicUsize::new(0),
            refresh_lease: zoho_core::__private::DEFAULT_REFRESH_LEASE,
        })
    }

    /// Hold a connection's refresh lock this long at most (`[store] refresh_lease_secs`).
    pub fn with_refresh_lease(mut self, lease: Duration) -> Registry {
        self.refresh_lease = lease;
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The app names, sorted.
    pub fn app_names(&self) -> Vec<&str> {
        self.apps.keys().map(String::as_str).collect()
    }

    /// Whether `app` is configured.
    pub fn has_app(&self, app: &str) -> bool {
        self.apps.contains_key(app)
    }

    /// The live connection `name`, if this instance built it.
    pub(crate) fn live(&self, name: &str) -> Option<&Live> {
        let index = *self
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)?;
        self.slots
            .get(index / SEGMENT)?
            .get()?
            .get(index % SEGMENT)?
            .get()
    }

    /// The live connection `name`, built from its record in the store when this instance has
    /// not built it yet; `None` when the store has no such connection.
    pub(crate) async fn resolve(&self, name: &str) -> Result<Option<&Live>, Error> {
        if let Some(live) = self.live(name) {
            return Ok(Some(live));
        }
        let Some(record) = self.store.connection(name).await? else {
            return Ok(None);
        };
        self.build(&record).map(Some)
    }

    /// Build and index the live connection of `record` (once per name: a racing builder's
    /// connection is used instead).
    pub(crate) fn build(&self, record: &ConnectionRecord) -> Result<&Live, Error> {
        let app = self.apps.get(&record.app).ok_or_else(|| {
            Error::Config(format!(
                "connection `{}` belongs to app `{}`, which this server does not configure",
                record.name, record.app
            ))
        })?;
        let region = Region::parse(&record.region)?;
        let config = app.config.connection_config(
            region,
            record.scopes.as_deref(),
            record.crm_api_version.as_deref(),
            record.books_organization_id.as_deref(),
        )?;
        let tokens = Arc::new(
            ConnectionTokens::new(self.store.clone(), &record.name)
                .with_refresh_lease(self.refresh_lease),
        );
        let connection =
            Connection::with_store(record.name.clone(), config, app.secret.clone(), tokens)?
                .with_http_client(self.http.clone())?
                .with_limiter(self.limiter.clone())?;
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(&known) = index.get(&record.name) {
            drop(index);
            return self.slot(known).ok_or_else(arena_error);
        }
        let at = self.next.fetch_add(1, Ordering::SeqCst);
        let segment = self
            .slots
            .get(at / SEGMENT)
            .ok_or_else(arena_error)?
            .get_or_init(|| (0..SEGMENT).map(|_| OnceLock::new()).collect());
        let client = connection.client();
        let _ = segment[at % SEGMENT].set(Live {
            connection: Arc::new(connection),
            client,
        });
        index.insert(record.name.clone(), at);
        drop(index);
        self.slot(at).ok_or_else(arena_error)
    }

    fn slot(&self, at: usize) -> Option<&Live> {
        self.slots
            .get(at / SEGMENT)?
            .get()?
            .get(at % SEGMENT)?
            .get()
    }

    /// Forget the live connection `name` on this instance (after a delete).
    pub(crate) fn forget(&self, name: &str) {
        self.index
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(name);
    }

    /// Zoho refused connection `name`'s refresh token (revoked, or pushed out by newer consents),
    /// or its tokens are gone from the store: an authorized connection becomes `needs_reauth`,
    /// with the reason as its last error.
    /// A connection deleted on another instance is forgotten here too, so the next call says
    /// there is no such connection.
    pub(crate) async fn refused_by_zoho(&self, name: &str, reason: &str) -> Result<(), Error> {
        let record = self.store.connection(name).await?;
        if record.is_none() {
            self.forget(name);
            tracing::info!(connection = %name, "the connection was deleted on another instance");
        }
        if let Some(mut record) = record
            && record.status == ConnectionStatus::Authorized
            && !record.configured
        {
            record.status = ConnectionStatus::NeedsReauth;
            record.last_error = Some(reason.to_owned());
            self.store.update_connection(&record).await?;
            tracing::warn!(connection = %name, "Zoho refused the connection's refresh token; it needs a new consent");
        }
        Ok(())
    }

    /// Where the consent of a connection of `app` redirects back to.
    pub(crate) fn redirect_uri_of(&self, app: &str) -> String {
        self.apps
            .get(app)
            .and_then(|app| app.config.redirect_url.clone())
            .unwrap_or_else(|| self.redirect_uri.clone())
    }

    /// Start a consent for `live`: the URL to send the customer to. Its state is kept in the
    /// store, so the redirect may come back to any instance.
    pub(crate) async fn start_authorization(
        &self,
        live: &Live,
        app: &str,
    ) -> Result<String, Error> {
        let redirect_uri = self.redirect_uri_of(app);
        let state = zoho_core::__private::new_state();
        let url = live
            .connection
            .token_manager()
            .oauth()
            .authorization_url(&redirect_uri, &state)?;
        // The one rule of authorizations in progress (zoho-core's `AUTHORIZATION_TTL` and
        // `MAX_AUTHORIZATIONS_IN_PROGRESS`).
        PendingAuthorization::new(live.connection.name(), redirect_uri)
            .keep(self.store.as_ref(), &state)
            .await?;
        Ok(url.to_string())
    }

    /// Finish the consent of created connection `pending.connection`, whose state the caller
    /// took from the store (once, on whichever instance the redirect reached); the connection's
    /// name when it is authorized.
    pub async fn complete(
        &self,
        pending: &PendingAuthorization,
        code: Option<&str>,
        error: Option<&str>,
        accounts_server: Option<&str>,
    ) -> Result<String, Error> {
        self.finish(pending, code, error, accounts_server)
            .await
            .map(|()| pending.connection.clone())
    }

    async fn finish(
        &self,
        pending: &PendingAuthorization,
        code: Option<&str>,
        error: Option<&str>,
        accounts_server: Option<&str>,
    ) -> Result<(), Error> {
        let name = &pending.connection;
        let Some(mut record) = self.store.connection(name).await? else {
            return Err(refused(
                name,
                "the connection was deleted while its consent was in progress".into(),
            ));
        };
        let outcome = match (code, error) {
            (Some(code), None) => match self.resolve(name).await {
                Ok(Some(live)) => {
                    live.connection
                        .exchange_authorization_code(
                            code,
                            accounts_server,
                            &pending.redirect_uri,
                            &pending.redirect_uri,
                        )
                        .await
                }
                Ok(None) => Err(refused(name, "the connection is gone".into())),
                Err(err) => Err(err),
            },
            (_, error) => Err(refused(
                name,
                format!(
                    "Zoho did not grant the authorization ({})",
                    error.unwrap_or("no reason given")
                ),
            )),
        };
        match &outcome {
            Ok(()) => {
                let tokens = self.store.tokens(name).await?;
                record.status = ConnectionStatus::Authorized;
                record.authorized_at_ms = Some(now_ms());
                record.last_error = None;
                record.api_domain = tokens.and_then(|t| t.tokens.api_domain);
            }
            Err(err) => record.last_error = Some(err.to_string()),
        }
        self.store.update_connection(&record).await?;
        outcome
    }
}

fn arena_error() -> Error {
    Error::Internal("too many connections created since the server started".into())
}

/// A consent that did not authorize connection `name`.
fn refused(name: &str, reason: String) -> Error {
    Error::Unauthorized {
        connection: name.to_owned(),
        reason,
        next_step: format!(
            "start the consent again: `connections.authorize` with name `{name}` (or `zoho-server connections authorize --name {name}`)"
        ),
    }
}
