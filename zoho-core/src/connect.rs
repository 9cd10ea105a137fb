//! A configured connection: its settings, its client secret and its shared token cache, and
//! the authorization-code flow that fills the cache.

use std::sync::Arc;
use std::time::Duration;

use crate::config::ConnectionConfig;
use crate::oauth::{ErrorContext, OAuthClient, checked_base_url, new_state};
use crate::store::{PendingAuthorization, PendingPut, Store, now_ms};
use crate::token::{FileStore, MemoryStore, TokenManager, TokenStore};
use crate::{Client, ClientBuilder, Error, Limiter, Secret, TokenSource};

/// How long a started authorization may take before its `state` is no longer accepted: the one
/// rule for every authorization in progress (a connection's own, the server's, a created
/// connection's), with single use, which [`Store::take_pending`] keeps.
pub const AUTHORIZATION_TTL: Duration = Duration::from_secs(15 * 60);

/// How many authorizations of one connection may be in progress at once (started, neither
/// finished nor expired), on every instance sharing the store together. One more is refused
/// with [`Error::LimitReached`] ([`crate::Limit::Authorizations`], `retry_after` when the
/// first of them expires) until one finishes or expires. Refusing the newest rather than
/// dropping the oldest keeps the consent page a user already has open valid however often
/// anyone else starts one; a person never needs twenty at once, and without a cap only
/// [`AUTHORIZATION_TTL`] would bound what a loop of starts leaves in the store.
pub const MAX_AUTHORIZATIONS_IN_PROGRESS: usize = 20;

impl PendingAuthorization {
    /// An authorization of `connection` started now with `redirect_uri`, accepted for
    /// [`AUTHORIZATION_TTL`].
    pub fn new(connection: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        let ttl = u64::try_from(AUTHORIZATION_TTL.as_millis()).unwrap_or(u64::MAX);
        PendingAuthorization {
            connection: connection.into(),
            redirect_uri: redirect_uri.into(),
            expires_at_ms: now_ms().saturating_add(ttl),
        }
    }

    /// Keep this authorization in `store` under `state`, unless
    /// [`MAX_AUTHORIZATIONS_IN_PROGRESS`] of its connection are in progress already: the one
    /// way every kind of connection starts a flow.
    pub async fn keep(&self, store: &dyn Store, state: &str) -> Result<(), Error> {
        match store
            .put_pending(state, self, MAX_AUTHORIZATIONS_IN_PROGRESS)
            .await?
        {
            PendingPut::Kept => Ok(()),
            PendingPut::Full {
                first_expires_at_ms,
            } => {
                let wait = Duration::from_millis(first_expires_at_ms.saturating_sub(now_ms()));
                Err(Error::LimitReached {
                    limit: crate::Limit::Authorizations,
                    retry_after: Some(wait),
                    reason: format!(
                        "connection `{}` has {MAX_AUTHORIZATIONS_IN_PROGRESS} authorizations in \
                         progress, the most allowed at once: finish one (accept on its consent \
                         page) or start again in {} s, when the first of them expires",
                        self.connection,
                        wait.as_secs().max(1)
                    ),
                })
            }
        }
    }
}

/// A browser authorization to send the user to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationStart {
    /// The consent page URL.
    pub url: String,
    /// The `state` the redirect must bring back (already remembered by the connection).
    pub state: String,
}

/// One named connection, ready to authorize and to hand out tokens. Debug never shows a secret.
///
/// ```
/// use zoho_core::{Connection, ConnectionConfig, Secret};
///
/// let config = ConnectionConfig { region_url: Some("eu".into()), ..ConnectionConfig::new("1000.XXXX") };
/// // Normally `Connection::from_env`, which reads the secret from `client_secret_env`.
/// let connection = Connection::new("default", config, Secret::new("client-secret"))?;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let start = connection.authorization_url("http://127.0.0.1:8787/oauth/callback").await?;
/// assert!(start.url.starts_with("https://accounts.zoho.eu/oauth/v2/auth?"));
/// // Send the user to `start.url`; the redirect brings `code`, `accounts-server` and `state`
/// // for `connection.complete_authorization(...)`. Then `connection.client()` makes calls.
/// # Ok::<(), zoho_core::Error>(()) })?;
/// # Ok::<(), zoho_core::Error>(())
/// ```
pub struct Connection {
    name: String,
    config: ConnectionConfig,
    tokens: Arc<TokenManager>,
    client: Client,
    /// A shared HTTP pool and limiter, when given; the client is rebuilt around them.
    http: Option<crate::HttpClient>,
    limiter: Option<Arc<dyn Limiter>>,
    /// Where authorizations in progress wait for their redirect.
    pending: Arc<dyn Store>,
}

impl Connection {
    /// A connection with `client_secret` (from wherever the caller keeps it); tokens live in the
    /// config's `token_store` file, or in memory when it names none.
    pub fn new(
        name: impl Into<String>,
        config: ConnectionConfig,
        client_secret: Secret,
    ) -> Result<Connection, Error> {
        let store: Arc<dyn TokenStore> = match &config.token_store {
            Some(path) => Arc::new(FileStore::new(path.clone())),
            None => Arc::new(MemoryStore::new()),
        };
        Connection::with_store(name, config, client_secret, store)
    }

    /// A connection whose client secret comes from the environment variable the config names.
    pub fn from_env(
        name: impl Into<String>,
        config: ConnectionConfig,
    ) -> Result<Connection, Error> {
        let name = name.into();
        let secret = secret_from_env(&name, &config)?;
        Connection::new(name, config, secret)
    }

    /// A connection whose client secret comes from the environment and whose tokens live in
    /// `store` (a shared store, whatever the config's `token_store` says).
    pub fn from_env_with_store(
        name: impl Into<String>,
        config: ConnectionConfig,
        store: Arc<dyn TokenStore>,
    ) -> Result<Connection, Error> {
        let name = name.into();
        let secret = secret_from_env(&name, &config)?;
        Connection::with_store(name, config, secret, store)
    }

    /// A connection keeping its tokens in `store`.
    pub fn with_store(
        name: impl Into<String>,
        config: ConnectionConfig,
        client_secret: Secret,
        store: Arc<dyn TokenStore>,
    ) -> Result<Connection, Error> {
        let name = name.into();
        let named = |err: Error| match err {
            Error::Config(reason) => Error::Config(format!("connection `{name}`: {reason}")),
            other => other,
        };
        config.validate().map_err(named)?;
        if client_secret.expose().trim().is_empty() {
            return Err(Error::Config(format!(
                "connection `{name}`: the client secret is empty"
            )));
        }
        let ctx = ErrorContext {
            connection: name.clone(),
            client_secret_env: config.client_secret_env.clone(),
        };
        let endpoints = config.oauth_endpoints().map_err(named)?;
        let oauth = OAuthClient::new(
            ctx,
            config.client_id.clone(),
            client_secret,
            config.scope_list(),
            endpoints,
        )?;
        let manager = TokenManager::new(oauth, store)
            .with_api_domain_override(config.api_base_url.clone())
            .with_fallback_api_domain(config.default_api_domain().map_err(named)?);
        let tokens = Arc::new(manager);
        let client = client_builder(&name, &config, tokens.clone())
            .build()
            .map_err(named)?;
        Ok(Connection {
            name,
            config,
            tokens,
            client,
            http: None,
            limiter: None,
            pending: Arc::new(crate::store::MemoryStore::new()),
        })
    }

    /// Send this connection's API calls through `http` (to share one connection pool between
    /// connections). Build it with [`crate::HttpClient::standard`]; a
    /// `reqwest::Client` of your own is used as you configured it. A
    /// connection whose `connect_timeout_secs` is not the default keeps its own pool, so its
    /// setting holds.
    pub fn with_http_client(
        mut self,
        http: impl Into<crate::HttpClient>,
    ) -> Result<Connection, Error> {
        if Duration::from_secs(self.config.connect_timeout_secs) != crate::DEFAULT_CONNECT_TIMEOUT {
            return Ok(self);
        }
        self.http = Some(http.into());
        self.rebuild()
    }

    /// Count this connection's calls in `limiter` (shared by the connections of one server, so
    /// two connections acting in the same Books organization share its budget). Without it the
    /// connection keeps a [`crate::LocalLimiter`] of its own.
    pub fn with_limiter(mut self, limiter: Arc<dyn Limiter>) -> Result<Connection, Error> {
        self.limiter = Some(limiter);
        self.rebuild()
    }

    /// Keep this connection's authorizations in progress in `store` (a shared one lets the
    /// redirect reach another process); by default they live in memory.
    pub fn with_pending_store(mut self, store: Arc<dyn Store>) -> Connection {
        self.pending = store;
        self
    }

    fn rebuild(mut self) -> Result<Connection, Error> {
        let mut builder = client_builder(&self.name, &self.config, self.tokens.clone());
        if let Some(http) = &self.http {
            builder = builder.http_client(http.clone());
        }
        if let Some(limiter) = &self.limiter {
            builder = builder.limiter(limiter.clone());
        }
        self.client = builder.build()?;
        Ok(self)
    }

    /// The connection's name (`default`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its settings.
    pub fn config(&self) -> &ConnectionConfig {
        &self.config
    }

    /// The shared token cache.
    pub fn token_manager(&self) -> &Arc<TokenManager> {
        &self.tokens
    }

    /// The token cache as the client takes it.
    pub fn token_source(&self) -> Arc<dyn TokenSource> {
        self.tokens.clone()
    }

    /// The client that sends this connection's requests. Every call returns the same client
    /// (cheap clones), so they all share one token cache and one budget of limits.
    pub fn client(&self) -> Client {
        self.client.clone()
    }

    /// Start an authorization: the consent URL to open and its `state`, which this connection
    /// remembers for [`AUTHORIZATION_TTL`] and accepts once.
    pub async fn authorization_url(&self, redirect_uri: &str) -> Result<AuthorizationStart, Error> {
        let state = new_state();
        let url = self
            .tokens
            .oauth()
            .authorization_url(redirect_uri, &state)?;
        PendingAuthorization::new(&self.name, redirect_uri)
            .keep(self.pending.as_ref(), &state)
            .await?;
        Ok(AuthorizationStart {
            url: url.to_string(),
            state,
        })
    }

    /// Finish an authorization from the redirect's `code`, `accounts-server` and `state`:
    /// check the state, exchange the code at that accounts server (only a Zoho one or this
    /// connection's own), and store the tokens.
    pub async fn complete_authorization(
        &self,
        code: &str,
        accounts_server: Option<&str>,
        state: &str,
        redirect_uri: &str,
    ) -> Result<(), Error> {
        let started = self.take_pending(state).await?;
        self.exchange_authorization_code(code, accounts_server, &started.redirect_uri, redirect_uri)
            .await
    }

    /// Finish an authorization whose `state` the caller has already checked and taken (a
    /// shared store's pending authorization, started on any instance): `started_with` is the
    /// redirect URI the consent URL named. Exchanges the code at `accounts_server` (only a Zoho
    /// one or this connection's own) and stores the tokens.
    pub async fn exchange_authorization_code(
        &self,
        code: &str,
        accounts_server: Option<&str>,
        started_with: &str,
        redirect_uri: &str,
    ) -> Result<(), Error> {
        if started_with != redirect_uri {
            return Err(Error::InvalidInput {
                field: "redirect_uri".into(),
                reason:
                    "differs from the one the authorization started with; Zoho requires the same"
                        .into(),
            });
        }
        let code = checked_code(code)?;
        let grant = self
            .tokens
            .oauth()
            .exchange_code(&code, Some(redirect_uri), accounts_server)
            .await?;
        // Refreshes go where the code was exchanged; the deprecated kind has fixed URLs.
        let granted_by = match (
            &self.tokens.oauth().endpoints().accounts_base,
            accounts_server,
        ) {
            (Some(_), Some(server)) => Some(
                checked_base_url("accounts-server", server)?
                    .origin()
                    .ascii_serialization(),
            ),
            _ => None,
        };
        self.tokens.authorized(grant, granted_by).await
    }

    /// Exchange a self-client grant code (made in Zoho's API console, or by the sandbox's
    /// `/__sandbox/self-client`): no redirect, no state.
    pub async fn exchange_self_client_code(&self, code: &str) -> Result<(), Error> {
        let code = checked_code(code)?;
        let grant = self.tokens.oauth().exchange_code(&code, None, None).await?;
        self.tokens.authorized(grant, None).await
    }

    /// Revoke the refresh token at Zoho and forget the tokens. Returns whether there was one.
    pub async fn revoke(&self) -> Result<bool, Error> {
        self.tokens.revoke().await
    }

    async fn take_pending(&self, state: &str) -> Result<PendingAuthorization, Error> {
        let taken = self.pending.take_pending(state).await?;
        taken.filter(|p| p.connection == self.name).ok_or_else(|| Error::Unauthorized {
            connection: self.name.clone(),
            reason: format!(
                "the authorization redirect carries a `state` this connection did not issue, already used, or older than {} minutes",
                AUTHORIZATION_TTL.as_secs() / 60
            ),
            next_step: format!("start the authorization again (`zoho-server auth login --connection {}`)", self.name),
        })
    }
}

/// The client secret of connection `name`, from the variable its `client_secret_env` names.
fn secret_from_env(name: &str, config: &ConnectionConfig) -> Result<Secret, Error> {
    match std::env::var(&config.client_secret_env) {
        Ok(secret) if !secret.trim().is_empty() => Ok(Secret::new(secret)),
        Ok(_) => Err(Error::Config(format!(
            "connection `{name}`: the environment variable `{}` (client_secret_env) is empty",
            config.client_secret_env
        ))),
        Err(_) => Err(Error::Config(format!(
            "connection `{name}`: set the environment variable `{}` (client_secret_env) to the client secret",
            config.client_secret_env
        ))),
    }
}

/// The request client for a connection's settings, taking tokens from `tokens`.
fn client_builder(
    name: &str,
    config: &ConnectionConfig,
    tokens: Arc<TokenManager>,
) -> ClientBuilder {
    let mut builder = Client::builder(name)
        .token_source(tokens)
        .crm_version(config.crm_api_version.as_str())
        .concurrency(config.concurrency)
        .heavy_concurrency(config.heavy_concurrency)
        .daily_credits(config.daily_credits)
        .max_retries(config.max_retries)
        .retry_initial(Duration::from_millis(config.retry_initial_ms))
        .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
        .timeout(Duration::from_secs(config.timeout_secs));
    if let Some(base) = &config.api_base_url {
        builder = builder.api_base(base.clone());
    }
    if let Some(organization) = &config.books_organization_id {
        builder = builder.books_organization_id(organization.clone());
    }
    if let Some(fields) = &config.crm_default_fields {
        builder = builder.crm_default_fields(fields.clone());
    }
    builder
}

fn checked_code(code: &str) -> Result<Secret, Error> {
    let code = code.trim();
    if code.is_empty() {
        return Err(Error::InvalidInput {
            field: "code".into(),
            reason: "the authorization code is empty".into(),
        });
    }
    Ok(Secret::new(code))
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("name", &self.name)
            .field("config", &self.config)
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}
