//! Debug and Display of configs, connections, tokens and errors never show a secret.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use httpmock::prelude::*;
use serde_json::json;
use zoho_core::{ConnectionConfig, Error, FileStore, MemoryStore, Secret, TokenStore};

use crate::auth_support::*;

const NEW_ACCESS: &str = "1000.access-new-5e5e";

fn assert_clean(what: &str, text: &str) {
    for secret in [CLIENT_SECRET, OLD_REFRESH, OLD_ACCESS, NEW_ACCESS] {
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
}

#[tokio::test]
async fn nothing_we_print_shows_a_secret_or_token() {
    let server = MockServer::start_async().await;
    mock_refresh(
        &server,
        200,
        json!({"access_token": NEW_ACCESS, "expires_in": 3600, "api_domain": "https://www.zohoapis.eu"}),
        Duration::ZERO,
    )
    .await;
    let (connection, store) = connection_with(&server, Some(expired_tokens()));
    let token = connection.token_source().access_token().await.unwrap();
    assert_eq!(token.token.expose(), NEW_ACCESS);
    let stored = store.load().await.unwrap().unwrap();

    assert_clean("Connection", &format!("{connection:?} {connection:#?}"));
    assert_clean("ConnectionConfig", &format!("{:?}", connection.config()));
    assert_clean("TokenManager", &format!("{:?}", connection.token_manager()));
    assert_clean(
        "OAuthClient",
        &format!("{:?}", connection.token_manager().oauth()),
    );
    assert_clean("AccessToken", &format!("{token:?} {token:#?}"));
    assert_clean("StoredTokens", &format!("{stored:?} {stored:#?}"));
    assert_clean("MemoryStore", &format!("{store:?}"));
    assert_clean(
        "FileStore",
        &format!("{:?}", FileStore::new("tokens/default.json")),
    );
    assert_clean("Secret", &format!("{0:?} {0}", Secret::new(CLIENT_SECRET)));
}

#[tokio::test]
async fn token_endpoint_errors_show_no_secret() {
    let server = MockServer::start_async().await;
    let mut errors = Vec::new();
    for body in [
        json!({"error": "invalid_code"}),
        json!({"error": "invalid_client"}),
        json!({"error": "invalid_client_secret"}),
        json!({"error": "Access Denied", "error_description": "too many requests"}),
        json!({"error": "something_new"}),
    ] {
        let refresh = mock_refresh(&server, 200, body, Duration::ZERO).await;
        let (connection, _) = connection_with(&server, Some(expired_tokens()));
        errors.push(connection.token_source().access_token().await.unwrap_err());
        refresh.delete_async().await;
    }
    // Nothing listens on port 1: the revoke call (refresh token in its URL) fails in transport.
    let unreachable = ConnectionConfig {
        accounts_url: Some("http://127.0.0.1:1".into()),
        ..ConnectionConfig::new(CLIENT_ID)
    };
    let connection = connection(
        unreachable,
        Arc::new(MemoryStore::with_tokens(expired_tokens())),
    );
    let network = connection.revoke().await.unwrap_err();
    assert!(matches!(network, Error::Network { .. }), "{network:?}");
    errors.push(network);
    errors.push(connection.token_source().access_token().await.unwrap_err());

    for err in errors {
        assert_clean("Error", &format!("{err} {err:?}"));
    }
}
