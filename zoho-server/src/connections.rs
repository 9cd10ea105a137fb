//! The named connections a server acts through: read from `zoho.toml` (settings) and the
//! environment (secrets), each with its token cache and its client. `connection` in a call picks one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use zoho_core::__private::Limiter;
use zoho_core::config::{AppConfig, StoreConfig, StoreKind};
use zoho_core::store::{ConnectionRecord, ConnectionStatus, ConnectionTokens, now_ms};
use zoho_core::{Client, ClientSource, Connection, ConnectionConfig, Store};

use crate::Error;
use crate::dispatch::BoxFuture;
use crate::oauth::{Authorizer, OAuthFlows};
use crate::registry::Registry;

/// The name used when a call names no connection.
pub const DEFAULT_CONNECTION: &str = "default";

/// The configuration file: one `[connections.NAME]` table per static connection, one
/// `[apps.NAME]` table per app that connections are created for at run time, and `[store]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The static connections by name.
    #[serde(default)]
    pub connections: BTreeMap<String, ConnectionConfig>,
    /// The apps by name: `connections.create` makes connections of them.
    #[serde(default)]
    pub apps: BTreeMap<String, AppConfig>,
    /// Where created connections, their tokens and OAuth flows in progress live.
    #[serde(default)]
    pub store: StoreConfig,
    /// How subscriptions' events are kept and their work paced.
    #[serde(default)]
    pub events: crate::events::EventsConfig,
}

impl ConfigFile {
    /// Read `path`. A relative `token_store` is taken relative to the file's folder, so the
    /// server finds the same tokens whatever folder it is started from.
    pub fn load(path: &Path) -> Result<ConfigFile, Error> {
        let text = std::fs::read_to_string(path).map_err(|err| Error::Config {
            path: path.to_owned(),
            reason: match err.kind() {
                std::io::ErrorKind::NotFound => {
                    "no such file; write one with a [connections.default] table (see the README), \
                     pass --config FILE, or try --sandbox"
                        .to_owned()
                }
                _ => err.to_string(),
            },
        })?;
        let mut file = ConfigFile::parse(&text, path)?;
        let folder = path.parent().unwrap_or(Path::new(""));
        if file.store.path.is_relative() {
            file.store.path = folder.join(&file.store.path);
        }
        for config in file.connections.values_mut() {
            if let Some(store) = &config.token_store
                && store.is_relative()
            {
                config.token_store = Some(folder.join(store));
            }
        }
        Ok(file)
    }

    /// Read the text of a configuration file; `path` is named in errors.
    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, Error> {
        // Not the error's Display: it quotes the offending line, which may hold a secret
        // someone pasted into the file by mistake.
        let file: ConfigFile = toml::from_str(text).map_err(|err| {
            let reason = match err.span() {
                Some(span) => {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!("line {line}, column {column}: {}", err.message())
                }
                None => err.message().to_owned(),
            };
            Error::Config {
                path: path.to_owned(),
                reason,
            }
        })?;
        if file.connections.is_empty() && file.apps.is_empty() {
            return Err(Error::Config {
                path: path.to_owned(),
                reason: "no connections and no apps; add a [connections.default] table, or an \
                         [apps.NAME] table to create connections of"
                    .into(),
            });
        }
        for (name, app) in &file.apps {
            app.validate().map_err(|err| Error::Config {
                path: path.to_owned(),
                reason: format!("[apps.{name}]: {}", config_reason(err)),
            })?;
        }
        Ok(file)
    }
}

struct Entry {
    connection: Arc<Connection>,
    client: Client,
}

/// The connections of a server, by name; a [`ClientSource`] for dispatch. They count their
/// calls in one limiter, so connections acting in the same Zoho organization share its budget.
/// Beside the static ones of the file, connections created at run time live in a [`Registry`].
pub struct Connections {
    entries: BTreeMap<String, Entry>,
    limiter: Arc<dyn Limiter>,
    apps: BTreeMap<String, AppConfig>,
    store: StoreConfig,
    /// The shared store, once opened (at once for `redis`, whose limiter every connection uses).
    opened: Option<Arc<dyn Store>>,
    registry: Option<Arc<Registry>>,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            entries: BTreeMap::new(),
            limiter: Arc::new(zoho_core::__private::LocalLimiter::new()),
            apps: BTreeMap::new(),
            store: StoreConfig::default(),
            opened: None,
            registry: None,
        }
    }
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connections")
            .field("names", &self.names())
            .finish()
    }
}

impl Connections {
    /// No connections yet.
    pub fn new() -> Self {
        Connections::default()
    }

    /// Every connection of `file`, each with its client secret from the environment.
    pub fn from_file(file: ConfigFile, http: &zoho_core::HttpClient) -> Result<Connections, Error> {
        let mut connections = Connections::new();
        if file.store.kind == StoreKind::Redis {
            // Zoho's limits are shared across instances by every connection, static ones too.
            let (store, limiter) = file.store.open_shared()?;
            connections.opened = Some(store);
            if let Some(limiter) = limiter {
                connections.limiter = limiter;
            }
        }
        connections.apps = file.apps;
        connections.store = file.store;
        for (name, config) in file.connections {
            let connection = match &connections.opened {
                Some(store) => {
                    let tokens = configured_tokens(store.clone(), &name, &config)
                        .with_refresh_lease(connections.store.refresh_lease()?);
                    Connection::from_env_with_store(name.clone(), config, Arc::new(tokens))?
                }
                None => Connection::from_env(name.clone(), config)?,
            };
            connections.insert(connection, http)?;
        }
        Ok(connections)
    }

    /// Add `connection`; its calls go through the shared `http` pool.
    pub fn insert(
        &mut self,
        connection: Connection,
        http: &zoho_core::HttpClient,
    ) -> Result<(), Error> {
        let connection = connection
            .with_http_client(http.clone())?
            .with_limiter(self.limiter.clone())?;
        let client = connection.client();
        self.entries.insert(
            connection.name().to_owned(),
            Entry {
                connection: Arc::new(connection),
                client,
            },
        );
        Ok(())
    }

    /// Open the store of created connections when the file configures apps: consents redirect
    /// back to `redirect_uri` unless an app names its own. Without apps, nothing happens.
    pub fn open_registry(
        &mut self,
        redirect_uri: &str,
        http: &zoho_core::HttpClient,
    ) -> Result<Option<Arc<Registry>>, Error> {
        if self.apps.is_empty() {
            return Ok(None);
        }
        let store = match &self.opened {
            Some(store) => store.clone(),
            None => self.store.open()?,
        };
        let lease = self.store.refresh_lease()?;
        let registry = Arc::new(
            Registry::new(
                std::mem::take(&mut self.apps),
                store,
                http.clone(),
                self.limiter.clone(),
                redirect_uri,
            )?
            .with_refresh_lease(lease),
        );
        self.registry = Some(registry.clone());
        Ok(Some(registry))
    }

    /// The store every instance shares (a `redis` store), opened with the file.
    pub fn shared_store(&self) -> Option<&Arc<dyn Store>> {
        self.opened.as_ref()
    }

    /// The created connections, once [`Connections::open_registry`] opened them.
    pub fn registry(&self) -> Option<&Arc<Registry>> {
        self.registry.as_ref()
    }

    /// The names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.entries.keys().map(String::as_str).collect()
    }

    /// The connection called `name`.
    pub fn connection(&self, name: &str) -> Option<&Arc<Connection>> {
        self.entries.get(name).map(|entry| &entry.connection)
    }

    /// The connections with no stored tokens (never authorized, or the store cannot be read).
    pub async fn without_tokens(&self) -> Vec<String> {
        let mut names = Vec::new();
        for (name, entry) in &self.entries {
            match entry.connection.token_manager().stored_tokens().await {
                Ok(Some(_)) => {}
                Ok(None) => names.push(name.clone()),
                Err(err) => {
                    tracing::warn!(connection = %name, error = %err, "cannot read the stored tokens");
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// The OAuth flows of every connection, redirecting back to `redirect_uri`. Flows in
    /// progress live in the server's store (the shared one, or the created connections'), so a
    /// flow started on one instance can end on another; in memory when the server opened none.
    pub fn oauth_flows(&self, redirect_uri: &str) -> OAuthFlows {
        let mut flows = OAuthFlows::new(redirect_uri);
        if let Some(store) = &self.opened {
            flows = flows.with_store(store.clone());
        }
        if let Some(registry) = &self.registry {
            flows.set_registry(registry.clone());
        }
        for (name, entry) in &self.entries {
            flows.add(
                name.clone(),
                Arc::new(ConnectionAuthorizer(entry.connection.clone())),
            );
        }
        flows
    }
}

impl ClientSource for Connections {
    fn client(&self, connection: Option<&str>) -> Result<&Client, zoho_core::Error> {
        let name = connection.unwrap_or(DEFAULT_CONNECTION);
        let created = || {
            self.registry
                .as_ref()
                .and_then(|registry| registry.live(name))
                .map(|live| &live.client)
        };
        self.entries
            .get(name)
            .map(|entry| &entry.client)
            .or_else(created)
            .ok_or_else(|| {
                let known = self.names().join(", ");
                zoho_core::Error::InvalidInput {
                    field: "connection".into(),
                    reason: match connection {
                        Some(_) => {
                            format!("no connection named `{name}`; this server has: {known}")
                        }
                        None => format!(
                            "no `connection` given and this server has no `{DEFAULT_CONNECTION}` \
                         connection; name one of: {known}"
                        ),
                    },
                }
            })
    }
}

/// A zoho-core [`Connection`] as the server's OAuth routes drive it.
struct ConnectionAuthorizer(Arc<Connection>);

impl Authorizer for ConnectionAuthorizer {
    fn consent_url(&self, redirect_uri: &str, state: &str) -> Result<String, Error> {
        let url = self
            .0
            .token_manager()
            .oauth()
            .authorization_url(redirect_uri, state)?;
        Ok(url.to_string())
    }

    fn finish<'a>(
        &'a self,
        code: &'a str,
        accounts_server: Option<&'a str>,
        redirect_uri: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            self.0
                .exchange_authorization_code(code, accounts_server, redirect_uri, redirect_uri)
                .await?;
            Ok(())
        })
    }
}

/// A `[connections.NAME]` connection's tokens in the shared store, seeded from its token file.
fn configured_tokens(
    store: Arc<dyn Store>,
    name: &str,
    config: &ConnectionConfig,
) -> ConnectionTokens {
    let region = config
        .region()
        .ok()
        .flatten()
        .map_or_else(String::new, |region| region.code().to_owned());
    let record = ConnectionRecord {
        name: name.to_owned(),
        app: String::new(),
        status: ConnectionStatus::Authorized,
        region,
        scopes: Some(config.scopes.clone()),
        crm_api_version: Some(config.crm_api_version.to_string()),
        books_organization_id: config.books_organization_id.clone(),
        metadata: None,
        created_at_ms: now_ms(),
        authorized_at_ms: None,
        last_error: None,
        api_domain: None,
        configured: true,
    };
    let seed = config.token_store.as_ref().map(|path| {
        Arc::new(zoho_core::FileStore::new(path.clone())) as Arc<dyn zoho_core::TokenStore>
    });
    ConnectionTokens::configured(store, record, seed)
}

fn config_reason(err: zoho_core::Error) -> String {
    match err {
        zoho_core::Error::Config(reason) => reason,
        other => other.to_string(),
    }
}

/// The configuration file to read: `--config`, else `zoho.toml` in the working folder.
pub fn config_path(given: Option<&Path>) -> PathBuf {
    given.map_or_else(|| PathBuf::from("zoho.toml"), Path::to_owned)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn several_connections_are_read_and_unknown_settings_refused() {
        let text = r#"
            [connections.default]
            client_id = "1000.A"
            region_url = "https://accounts.zoho.eu"

            [connections.india]
            client_id = "1000.B"
            region_url = "in"
            client_secret_env = "ZOHO_IN_SECRET"
        "#;
        let file = ConfigFile::parse(text, Path::new("zoho.toml")).unwrap();
        assert_eq!(
            file.connections.keys().collect::<Vec<_>>(),
            ["default", "india"]
        );
        assert_eq!(
            file.connections["india"].client_secret_env,
            "ZOHO_IN_SECRET"
        );

        let typo = "[connections.default]\nclient_id = \"1000.A\"\nclient_secret = \"oops\"\n";
        let error = ConfigFile::parse(typo, Path::new("zoho.toml"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("client_secret"), "{error}");
        assert!(
            !error.contains("oops"),
            "the value of a misplaced secret is not repeated: {error}"
        );
    }

    #[test]
    fn a_missing_file_says_what_to_do() {
        let error = ConfigFile::load(Path::new("/nonexistent/zoho.toml"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("--sandbox"), "{error}");
    }

    #[test]
    fn a_relative_token_store_lives_next_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zoho.toml");
        std::fs::write(&path, "[connections.default]\nclient_id = \"1000.A\"\ntoken_store = \"tokens/default.json\"\n").unwrap();
        let file = ConfigFile::load(&path).unwrap();
        assert_eq!(
            file.connections["default"].token_store.as_deref(),
            Some(dir.path().join("tokens/default.json").as_path())
        );
    }
}
