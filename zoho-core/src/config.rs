//! One named connection's settings: the `[connections.NAME]` table of `zoho.toml`.
//!
//! The client secret is never in the file: `client_secret_env` names the environment variable
//! that holds it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::Error;
use crate::limits::{DEFAULT_CONCURRENCY, DEFAULT_HEAVY_CONCURRENCY};
use crate::oauth::{OAuthEndpoints, checked_base_url};
use crate::region::Region;
use crate::retry::DEFAULT_MAX_RETRIES;

/// The region used when a connection names none.
pub const DEFAULT_REGION_URL: &str = "https://accounts.zoho.com";

/// The scopes requested when a connection names none (the component's documented default).
pub const DEFAULT_SCOPES: &str = "ZohoCRM.coql.READ ZohoCRM.notifications.ALL ZohoCRM.users.ALL ZohoCRM.org.ALL ZohoCRM.settings.ALL ZohoCRM.modules.ALL ZohoCRM.bulk.ALL ZohoBooks.fullaccess.all";

/// The environment variable the client secret comes from when a connection names none.
pub const DEFAULT_CLIENT_SECRET_ENV: &str = "ZOHO_CLIENT_SECRET";

/// How the connection finds its OAuth endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ConnectionKind {
    /// From the region (`region_url`).
    #[default]
    #[serde(rename = "oauth2")]
    OAuth2,
    /// Given one by one: `authorize_url`, `token_url`, `refresh_token_revoke_url`.
    #[serde(rename = "oauth2_deprecated")]
    OAuth2Deprecated,
}

/// The CRM API version: `v3` (the documented default) and the others Zoho serves, `v2.1` to `v8`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CrmApiVersion(String);

impl CrmApiVersion {
    /// Every version accepted.
    pub const KNOWN: [&'static str; 7] = ["v2.1", "v3", "v4", "v5", "v6", "v7", "v8"];

    /// Check `version` (`v3`, `V8`, `v2.1`).
    pub fn parse(version: &str) -> Result<CrmApiVersion, Error> {
        let lower = version.trim().to_ascii_lowercase();
        if CrmApiVersion::KNOWN.contains(&lower.as_str()) {
            Ok(CrmApiVersion(lower))
        } else {
            Err(Error::Config(format!(
                "`crm_api_version` `{version}` is not one of {}",
                CrmApiVersion::KNOWN.join(", ")
            )))
        }
    }

    /// The version as it goes in the path (`v3`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for CrmApiVersion {
    fn default() -> Self {
        CrmApiVersion("v3".into())
    }
}

impl TryFrom<String> for CrmApiVersion {
    type Error = Error;

    fn try_from(version: String) -> Result<Self, Self::Error> {
        CrmApiVersion::parse(&version)
    }
}

impl From<CrmApiVersion> for String {
    fn from(version: CrmApiVersion) -> String {
        version.0
    }
}

impl std::fmt::Display for CrmApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Writes [`ConnectionConfig`] and [`AppConfig`] with the settings they share declared once
/// (name, type, serde default, doc), and the copies between them. A shared struct pulled in with
/// `#[serde(flatten)]` would do the same, but serde refuses `deny_unknown_fields` with `flatten`,
/// and a misspelt key must stay an error.
macro_rules! config_structs {
    (
        shared { $( $(#[$shared_meta:meta])* $shared:ident : $shared_ty:ty, )* }
        $(#[$connection_meta:meta])*
        pub struct ConnectionConfig { $( $(#[$own_meta:meta])* $own:ident : $own_ty:ty, )* }
        $(#[$app_meta:meta])*
        pub struct AppConfig { $( $(#[$app_own_meta:meta])* $app_own:ident : $app_own_ty:ty, )* }
    ) => {
        $(#[$connection_meta])*
        pub struct ConnectionConfig {
            $( $(#[$own_meta])* pub $own: $own_ty, )*
            $( $(#[$shared_meta])* pub $shared: $shared_ty, )*
        }

        $(#[$app_meta])*
        pub struct AppConfig {
            $( $(#[$app_own_meta])* pub $app_own: $app_own_ty, )*
            $( $(#[$shared_meta])* pub $shared: $shared_ty, )*
        }

        impl AppConfig {
            /// An app whose shared settings are `base`'s, and its own all unset.
            fn from_shared(base: ConnectionConfig) -> AppConfig {
                AppConfig {
                    $( $app_own: Default::default(), )*
                    $( $shared: base.$shared, )*
                }
            }

            /// `config` with this app's shared settings.
            fn apply_shared(&self, config: &mut ConnectionConfig) {
                $( config.$shared = self.$shared.clone(); )*
            }
        }
    };
}

config_structs! {
    shared {
        /// The app's client id, from Zoho's API console.
        client_id: String,
        /// The environment variable holding the client secret (default `ZOHO_CLIENT_SECRET`).
        #[serde(default = "default_client_secret_env")]
        client_secret_env: String,
        /// Space-separated scopes; CRM and Books scopes may be mixed. For an app: what its
        /// connections ask for when they name none.
        #[serde(default = "default_scopes")]
        scopes: String,
        /// Send API calls here instead of the token's `api_domain` (the sandbox's base URL).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_base_url: Option<String>,
        /// `oauth2`: use this accounts server instead of the region's (the sandbox's base URL).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accounts_url: Option<String>,
        /// `concurrency`: most calls in flight at once per Zoho organization (default 10, Zoho's
        /// per-organization cap for most editions; `max_in_flight` is accepted as its older name).
        /// Calls past it wait for a slot within their budget instead of being refused.
        #[serde(default = "default_concurrency", alias = "max_in_flight")]
        concurrency: usize,
        /// `heavy_concurrency`: most heavy calls (COQL, sorted lists, writes of more than 10
        /// records, lead convert) in flight at once per organization (default 10, Zoho's
        /// sub-concurrency in every edition). They count in `concurrency` too.
        #[serde(default = "default_heavy_concurrency")]
        heavy_concurrency: usize,
        /// `daily_credits`: the organization's API credits per rolling 24 hours (optional; Zoho's
        /// `X-API-CREDITS-REMAINING` corrects the count when sent). Past it calls are refused at
        /// once with `-32003` `limit: "credits"`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        daily_credits: Option<u64>,
        /// `max_retries`: retries after the first try of a typed action (default 2: 3 attempts in
        /// all). Idempotent actions retry 5xx, 429, dropped connections and per-try timeouts; a
        /// create only a 429 or a connection that was never made. `rawRequest` follows its own
        /// `maxRetryCount` instead.
        #[serde(default = "default_max_retries")]
        max_retries: u32,
        /// `retry_initial_ms`: the first backoff delay in milliseconds (default 1000); it doubles
        /// per retry with full jitter, up to 20 s. Zoho's `Retry-After` wins when sent.
        #[serde(default = "default_retry_initial_ms")]
        retry_initial_ms: u64,
        /// `connect_timeout_secs`: how long making a connection to Zoho may take (default 10).
        #[serde(default = "default_connect_timeout_secs")]
        connect_timeout_secs: u64,
        /// `timeout_secs`: how long one try may take, sending the body and waiting for Zoho's
        /// answer (default 30; raise it for large attachments on slow links). The whole call,
        /// retries included, is bounded by the call budget (`--call-timeout-secs`).
        #[serde(default = "default_timeout_secs")]
        timeout_secs: u64,
    }

    /// One connection's settings. Holds no secret, so Debug and Serialize are safe to show.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ConnectionConfig {
        /// `oauth2` (endpoints from the region) or `oauth2_deprecated` (endpoints given by hand).
        #[serde(default)]
        kind: ConnectionKind,
        /// The data center: an accounts URL (`https://accounts.zoho.eu`) or a code (`eu`).
        /// Default `https://accounts.zoho.com`. Only for `oauth2`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region_url: Option<String>,
        /// CRM API version, `v3` by default.
        #[serde(default)]
        crm_api_version: CrmApiVersion,
        /// The Books organization to act in when a call names none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        books_organization_id: Option<String>,
        /// The file tokens live in between runs; without it they live in memory only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_store: Option<PathBuf>,
        /// `oauth2_deprecated`: the authorization URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authorize_url: Option<String>,
        /// `oauth2_deprecated`: the token URL.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_url: Option<String>,
        /// `oauth2_deprecated`: the refresh-token revoke URL. The config key is the spec's
        /// `refresh_token_revoke_url`; `revoke_url` is accepted too.
        #[serde(
            default,
            rename = "refresh_token_revoke_url",
            alias = "revoke_url",
            skip_serializing_if = "Option::is_none"
        )]
        revoke_url: Option<String>,
        /// CRM fields to ask for when a Get Records call names none (Zoho requires `fields`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        crm_default_fields: Option<Vec<String>>,
    }

    /// One Zoho app (its client id and secret) that customers' connections are created for: the
    /// `[apps.NAME]` table. Holds no secret. Its connection settings apply to each of its
    /// connections.
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct AppConfig {
        /// Where Zoho sends the browser back after consent (this server's `/oauth/callback` as the
        /// browser reaches it); default the server's `--public-url` + `/oauth/callback`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        redirect_url: Option<String>,
    }
}

fn default_client_secret_env() -> String {
    DEFAULT_CLIENT_SECRET_ENV.into()
}

fn default_scopes() -> String {
    DEFAULT_SCOPES.into()
}

fn default_concurrency() -> usize {
    DEFAULT_CONCURRENCY
}

fn default_heavy_concurrency() -> usize {
    DEFAULT_HEAVY_CONCURRENCY
}

fn default_max_retries() -> u32 {
    DEFAULT_MAX_RETRIES
}

fn default_retry_initial_ms() -> u64 {
    crate::retry::BACKOFF_INITIAL.as_millis() as u64
}

fn default_connect_timeout_secs() -> u64 {
    crate::DEFAULT_CONNECT_TIMEOUT.as_secs()
}

fn default_timeout_secs() -> u64 {
    crate::DEFAULT_TRY_TIMEOUT.as_secs()
}

impl ConnectionConfig {
    /// An `oauth2` connection in the default region with every other setting at its default.
    pub fn new(client_id: impl Into<String>) -> ConnectionConfig {
        ConnectionConfig {
            kind: ConnectionKind::OAuth2,
            region_url: None,
            client_id: client_id.into(),
            client_secret_env: default_client_secret_env(),
            scopes: default_scopes(),
            crm_api_version: CrmApiVersion::default(),
            books_organization_id: None,
            token_store: None,
            authorize_url: None,
            token_url: None,
            revoke_url: None,
            api_base_url: None,
            accounts_url: None,
            concurrency: DEFAULT_CONCURRENCY,
            heavy_concurrency: DEFAULT_HEAVY_CONCURRENCY,
            daily_credits: None,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_initial_ms: default_retry_initial_ms(),
            connect_timeout_secs: default_connect_timeout_secs(),
            timeout_secs: default_timeout_secs(),
            crm_default_fields: None,
        }
    }

    /// A connection whose accounts server and API both live at `base_url` (the sandbox).
    pub fn at_base_url(
        client_id: impl Into<String>,
        base_url: impl Into<String>,
    ) -> ConnectionConfig {
        let base_url = base_url.into();
        ConnectionConfig {
            accounts_url: Some(base_url.clone()),
            api_base_url: Some(base_url),
            ..ConnectionConfig::new(client_id)
        }
    }

    /// The region, for `oauth2` connections.
    pub fn region(&self) -> Result<Option<Region>, Error> {
        match self.kind {
            ConnectionKind::OAuth2 => {
                Region::parse(self.region_url.as_deref().unwrap_or(DEFAULT_REGION_URL))
                    .map(Some)
                    .map_err(|err| Error::Config(format!("`region_url`: {}", config_reason(err))))
            }
            ConnectionKind::OAuth2Deprecated => Ok(None),
        }
    }

    /// The scopes, one per entry.
    pub fn scope_list(&self) -> Vec<String> {
        self.scopes.split_whitespace().map(str::to_string).collect()
    }

    /// Where OAuth calls go.
    pub fn oauth_endpoints(&self) -> Result<OAuthEndpoints, Error> {
        match self.kind {
            ConnectionKind::OAuth2 => {
                let region = self.region()?;
                match (&self.accounts_url, region) {
                    (Some(accounts), _) => OAuthEndpoints::for_accounts_server(&checked_base_url(
                        "accounts_url",
                        accounts,
                    )?),
                    (None, Some(region)) => OAuthEndpoints::for_region(region),
                    (None, None) => Err(Error::Config("`region_url` is missing".into())),
                }
            }
            ConnectionKind::OAuth2Deprecated => Ok(OAuthEndpoints {
                authorize_url: required_url("authorize_url", self.authorize_url.as_deref())?,
                token_url: required_url("token_url", self.token_url.as_deref())?,
                revoke_url: required_url("refresh_token_revoke_url", self.revoke_url.as_deref())?,
                accounts_base: None,
            }),
        }
    }

    /// The API domain to use until a token response names one: `api_base_url`, else the
    /// region's, else (deprecated kind) the region of the token URL's host.
    pub fn default_api_domain(&self) -> Result<Option<String>, Error> {
        if let Some(base) = &self.api_base_url {
            return Ok(Some(
                checked_base_url("api_base_url", base)?
                    .as_str()
                    .trim_end_matches('/')
                    .to_string(),
            ));
        }
        if let Some(region) = self.region()? {
            return Ok(Some(region.api_domain().to_string()));
        }
        let token_host = self
            .token_url
            .as_deref()
            .and_then(|url| Url::parse(url).ok())
            .and_then(|url| url.host_str().and_then(Region::from_accounts_host));
        Ok(token_host.map(|region| region.api_domain().to_string()))
    }

    /// Check every setting; the error names the setting and says what is allowed.
    pub fn validate(&self) -> Result<(), Error> {
        if self.client_id.trim().is_empty() {
            return Err(Error::Config(
                "`client_id` is empty; copy it from Zoho's API console".into(),
            ));
        }
        if self.client_secret_env.trim().is_empty() {
            return Err(Error::Config(
                "`client_secret_env` is empty; name the environment variable holding the client secret".into(),
            ));
        }
        if self.scope_list().is_empty() {
            return Err(Error::Config(
                "`scopes` is empty; list space-separated scopes such as `ZohoCRM.modules.ALL`"
                    .into(),
            ));
        }
        for (key, value) in [
            ("concurrency", self.concurrency),
            ("heavy_concurrency", self.heavy_concurrency),
        ] {
            if value == 0 {
                return Err(Error::Config(format!("`{key}` must be at least 1")));
            }
            if value > 100_000 {
                return Err(Error::Config(format!("`{key}` must be at most 100000")));
            }
        }
        for (key, value) in [
            ("connect_timeout_secs", self.connect_timeout_secs),
            ("timeout_secs", self.timeout_secs),
        ] {
            if value == 0 || value > 86_400 {
                return Err(Error::Config(format!(
                    "`{key}` must be from 1 to 86400 seconds"
                )));
            }
        }
        if self.max_retries > 100 {
            return Err(Error::Config("`max_retries` must be at most 100".into()));
        }
        if self.retry_initial_ms > 600_000 {
            return Err(Error::Config(
                "`retry_initial_ms` must be at most 600000 (10 minutes)".into(),
            ));
        }
        if self.daily_credits == Some(0) {
            return Err(Error::Config(
                "`daily_credits` must be at least 1; leave it out to not count credits".into(),
            ));
        }
        if let Some(org) = &self.books_organization_id
            && (org.is_empty() || !org.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::Config(format!(
                "`books_organization_id` `{org}` must be digits only"
            )));
        }
        if let Some(fields) = &self.crm_default_fields
            && (fields.is_empty()
                || fields
                    .iter()
                    .any(|field| field.trim().is_empty() || field.contains(',')))
        {
            return Err(Error::Config(
                "`crm_default_fields` must list field API names, none empty and none containing a comma".into(),
            ));
        }
        let misplaced: &[(&str, bool)] = match self.kind {
            ConnectionKind::OAuth2 => &[
                ("authorize_url", self.authorize_url.is_some()),
                ("token_url", self.token_url.is_some()),
                ("refresh_token_revoke_url", self.revoke_url.is_some()),
            ],
            ConnectionKind::OAuth2Deprecated => &[
                ("region_url", self.region_url.is_some()),
                ("accounts_url", self.accounts_url.is_some()),
            ],
        };
        if let Some((field, _)) = misplaced.iter().find(|(_, set)| *set) {
            let kind = match self.kind {
                ConnectionKind::OAuth2 => "oauth2",
                ConnectionKind::OAuth2Deprecated => "oauth2_deprecated",
            };
            return Err(Error::Config(format!(
                "`{field}` does not apply to kind `{kind}`"
            )));
        }
        self.oauth_endpoints()?;
        self.default_api_domain()?;
        Ok(())
    }
}

fn required_url(field: &str, value: Option<&str>) -> Result<Url, Error> {
    let value = value.ok_or_else(|| {
        Error::Config(format!(
            "`{field}` is required for kind `oauth2_deprecated`"
        ))
    })?;
    checked_base_url(field, value)
}

/// The message of a configuration error, without the `configuration:` prefix Display adds.
fn config_reason(err: Error) -> String {
    match err {
        Error::Config(reason) => reason,
        other => other.to_string(),
    }
}

/// Where created connections, tokens and OAuth flows in progress live: the `[store]` table.
/// Debug never shows a password the URL holds.
///
/// ```
/// let store: zoho_core::config::StoreConfig =
///     toml::from_str("kind = \"redis\"\nurl = \"redis://:hunter2@10.0.0.5/0\"").unwrap();
/// assert!(!format!("{store:?}").contains("hunter2"));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `file` (the embedded default) or `redis`.
    #[serde(default)]
    pub kind: StoreKind,
    /// `file`: the folder the store lives in (default `state/`).
    #[serde(default = "default_store_path")]
    pub path: PathBuf,
    /// `redis`: the server's URL (`redis://127.0.0.1:6379/0`; `rediss://` for TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `redis`: the first part of every key (default `zrs`), so stores can share one server.
    #[serde(default = "default_key_prefix")]
    pub key_prefix: String,
    /// The environment variable holding the key that encrypts tokens at rest (required for
    /// `redis`; for `file` optional but recommended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key_env: Option<String>,
    /// `redis`: how many server instances share the store (default 1). While Redis cannot be
    /// reached, each keeps `1/instances` of every limit.
    #[serde(default = "default_instances")]
    pub instances: usize,
    /// How long one instance may hold a connection's refresh lock, in seconds (default 30): a
    /// refresh (its retries included) must fit; an instance killed mid-refresh delays the
    /// others by at most this.
    #[serde(default = "default_refresh_lease_secs")]
    pub refresh_lease_secs: u64,
}

fn default_refresh_lease_secs() -> u64 {
    crate::token::DEFAULT_REFRESH_LEASE.as_secs()
}

fn default_instances() -> usize {
    1
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self.url.as_deref().map(|url| match Url::parse(url) {
            Ok(mut parsed) if parsed.password().is_some() => {
                let _ = parsed.set_password(Some("[redacted]"));
                parsed.to_string()
            }
            Ok(_) => url.to_owned(),
            Err(_) => "[not a URL]".to_owned(),
        });
        f.debug_struct("StoreConfig")
            .field("kind", &self.kind)
            .field("path", &self.path)
            .field("url", &url)
            .field("key_prefix", &self.key_prefix)
            .field("encryption_key_env", &self.encryption_key_env)
            .field("instances", &self.instances)
            .field("refresh_lease_secs", &self.refresh_lease_secs)
            .finish()
    }
}

/// The kinds of [`StoreConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// A folder of files, for one server process.
    #[default]
    File,
    /// A Redis server shared by every instance.
    Redis,
}

fn default_store_path() -> PathBuf {
    PathBuf::from("state/")
}

fn default_key_prefix() -> String {
    "zrs".into()
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            kind: StoreKind::File,
            path: default_store_path(),
            url: None,
            key_prefix: default_key_prefix(),
            encryption_key_env: None,
            instances: default_instances(),
            refresh_lease_secs: default_refresh_lease_secs(),
        }
    }
}

impl StoreConfig {
    /// The keyring tokens are sealed with: from `encryption_key_env`, none when it is not set.
    pub fn keyring(&self) -> Result<crate::store::Keyring, Error> {
        match (&self.encryption_key_env, self.kind) {
            (Some(var), _) => crate::store::Keyring::from_env(var),
            (None, StoreKind::Redis) => Err(Error::Config(
                "`store.encryption_key_env` is required for kind `redis`: tokens are never kept in plain text on a shared server".into(),
            )),
            (None, StoreKind::File) => Ok(crate::store::Keyring::none()),
        }
    }

    /// Open the store this table describes, and with `redis` the limiter that shares Zoho's
    /// limits across the instances.
    #[allow(clippy::type_complexity)]
    pub fn open_shared(
        &self,
    ) -> Result<
        (
            std::sync::Arc<dyn crate::Store>,
            Option<std::sync::Arc<dyn crate::Limiter>>,
        ),
        Error,
    > {
        match self.kind {
            StoreKind::File => Ok((self.open()?, None)),
            StoreKind::Redis => {
                let store = self.open_redis()?;
                let limiter = std::sync::Arc::new(store.limiter(self.instances));
                Ok((std::sync::Arc::new(store), Some(limiter)))
            }
        }
    }

    /// The refresh lock's lease, checked.
    pub fn refresh_lease(&self) -> Result<std::time::Duration, Error> {
        if !(1..=300).contains(&self.refresh_lease_secs) {
            return Err(Error::Config(
                "`store.refresh_lease_secs` must be from 1 to 300".into(),
            ));
        }
        Ok(std::time::Duration::from_secs(self.refresh_lease_secs))
    }

    fn open_redis(&self) -> Result<crate::store::RedisStore, Error> {
        if self.instances == 0 || self.instances > 10_000 {
            return Err(Error::Config(
                "`store.instances` must be from 1 to 10000".into(),
            ));
        }
        let url = self.url.as_deref().ok_or_else(|| {
            Error::Config(
                "`store.url` is required for kind `redis` (redis://127.0.0.1:6379/0)".into(),
            )
        })?;
        crate::store::RedisStore::open(url, &self.key_prefix, self.keyring()?)
    }

    /// Open the store this table describes.
    pub fn open(&self) -> Result<std::sync::Arc<dyn crate::Store>, Error> {
        let keyring = self.keyring()?;
        match self.kind {
            StoreKind::File => Ok(std::sync::Arc::new(crate::store::FileStore::open(
                self.path.clone(),
                keyring,
            )?)),
            StoreKind::Redis => Ok(std::sync::Arc::new(self.open_redis()?)),
        }
    }
}

impl AppConfig {
    /// An app with client id `client_id` and every other setting at its default.
    pub fn new(client_id: impl Into<String>) -> AppConfig {
        AppConfig::from_shared(ConnectionConfig::new(client_id))
    }

    /// The settings of a connection of this app in `region`, checked.
    pub fn connection_config(
        &self,
        region: Region,
        scopes: Option<&str>,
        crm_api_version: Option<&str>,
        books_organization_id: Option<&str>,
    ) -> Result<ConnectionConfig, Error> {
        let mut config = ConnectionConfig {
            region_url: Some(region.code().to_owned()),
            crm_api_version: crm_api_version
                .map(CrmApiVersion::parse)
                .transpose()?
                .unwrap_or_default(),
            books_organization_id: books_organization_id.map(str::to_owned),
            ..ConnectionConfig::new(self.client_id.clone())
        };
        self.apply_shared(&mut config);
        if let Some(scopes) = scopes {
            scopes.clone_into(&mut config.scopes);
        }
        config.validate()?;
        Ok(config)
    }

    /// Check every setting, as a connection of this app in the default region.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(url) = &self.redirect_url {
            checked_base_url("redirect_url", url)?;
        }
        self.connection_config(Region::Us, None, None, None)
            .map(|_| ())
    }
}
