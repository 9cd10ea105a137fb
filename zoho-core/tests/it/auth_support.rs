//! Helpers for the OAuth, token and store tests: a connection whose accounts server is an
//! httpmock server on loopback.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use httpmock::prelude::*;
use serde_json::Value;
use zoho_core::{Connection, ConnectionConfig, MemoryStore, Secret, StoredTokens, TokenStore};

pub const CLIENT_ID: &str = "1000.TESTCLIENT";
pub const CLIENT_SECRET: &str = "client-secret-6f1d2c9a";
pub const OLD_REFRESH: &str = "1000.refresh-old-77aa";
pub const OLD_ACCESS: &str = "1000.access-old-88bb";

/// A connection whose accounts server is `server`; API calls go to the token's `api_domain`.
pub fn config_for(server: &MockServer) -> ConnectionConfig {
    ConnectionConfig {
        accounts_url: Some(server.base_url()),
        scopes: "ZohoCRM.modules.ALL ZohoBooks.fullaccess.all".into(),
        ..ConnectionConfig::new(CLIENT_ID)
    }
}

pub fn connection(config: ConnectionConfig, store: Arc<dyn TokenStore>) -> Connection {
    Connection::with_store("default", config, Secret::new(CLIENT_SECRET), store)
        .expect("the test connection is valid")
}

/// A connection on `server` holding `tokens` in memory.
pub fn connection_with(
    server: &MockServer,
    tokens: Option<StoredTokens>,
) -> (Connection, Arc<MemoryStore>) {
    let store = Arc::new(tokens.map_or_else(MemoryStore::new, MemoryStore::with_tokens));
    (connection(config_for(server), store.clone()), store)
}

/// Tokens whose access token expired ten seconds ago.
pub fn expired_tokens() -> StoredTokens {
    StoredTokens {
        refresh_token: Secret::new(OLD_REFRESH),
        access_token: Some(Secret::new(OLD_ACCESS)),
        expires_at: Some(SystemTime::now() - Duration::from_secs(10)),
        api_domain: Some("https://www.zohoapis.eu".into()),
        scopes: Some("ZohoCRM.modules.ALL".into()),
        accounts_server: None,
    }
}

/// Tokens whose access token is good for `left`.
pub fn tokens_valid_for(left: Duration) -> StoredTokens {
    StoredTokens {
        expires_at: Some(SystemTime::now() + left),
        ..expired_tokens()
    }
}

/// The token endpoint answering every refresh with `body` (HTTP `status`), after `delay`.
pub async fn mock_refresh(
    server: &MockServer,
    status: u16,
    body: Value,
    delay: Duration,
) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/v2/token")
                .form_urlencoded_tuple("grant_type", "refresh_token")
                .form_urlencoded_tuple("client_id", CLIENT_ID)
                .form_urlencoded_tuple("client_secret", CLIENT_SECRET)
                .form_urlencoded_tuple("refresh_token", OLD_REFRESH);
            then.status(status)
                .header("content-type", "application/json")
                .json_body(body)
                .delay(delay);
        })
        .await
}
