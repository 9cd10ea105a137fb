//! Refresh once across processes: token managers of several "instances" over one Redis store
//! mint one access token between them, and a holder that dies costs the others its lease only.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use httpmock::prelude::*;
use serde_json::json;
use zoho_core::store::{
    ConnectionRecord, ConnectionStatus, ConnectionTokens, Keyring, RedisStore, TokenWrite, now_ms,
};
use zoho_core::{Store, TokenManager, TokenSource};

use crate::auth_support::*;
use crate::redis_support::RedisServer;

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

async fn seeded_store(server: &RedisServer) -> Arc<dyn Store> {
    let store: Arc<dyn Store> = Arc::new(
        RedisStore::open(&server.url(), "zrs", Keyring::parse(KEY, "K").unwrap()).unwrap(),
    );
    let record = ConnectionRecord {
        name: "default".into(),
        app: "main".into(),
        status: ConnectionStatus::Authorized,
        region: "us".into(),
        scopes: None,
        crm_api_version: None,
        books_organization_id: None,
        metadata: None,
        created_at_ms: now_ms(),
        authorized_at_ms: None,
        last_error: None,
        api_domain: None,
    };
    store.create_connection(&record).await.unwrap();
    store
        .write_tokens("default", 0, &TokenWrite::Granted(expired_tokens()))
        .await
        .unwrap();
    store
}

fn instance(mock: &MockServer, store: &Arc<dyn Store>, lease: Duration) -> Arc<TokenManager> {
    let tokens = Arc::new(ConnectionTokens::new(store.clone(), "default"));
    let connection = connection(config_for(mock), tokens);
    let oauth = connection.token_manager().oauth().clone();
    Arc::new(
        TokenManager::new(
            oauth,
            Arc::new(ConnectionTokens::new(store.clone(), "default")),
        )
        .with_refresh_lease(lease),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_on_an_expired_token_mint_once_between_them() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mock = MockServer::start_async().await;
    let refresh = mock_refresh(
        &mock,
        200,
        json!({"access_token": "1000.access-new", "expires_in": 3600, "api_domain": "https://www.zohoapis.eu", "token_type": "Bearer"}),
        Duration::from_millis(150),
    )
    .await;
    let store = seeded_store(&redis).await;
    let instances: Vec<_> = (0..3)
        .map(|_| instance(&mock, &store, Duration::from_secs(5)))
        .collect();
    let mut calls = Vec::new();
    for n in 0..300 {
        let manager = instances[n % 3].clone();
        calls.push(tokio::spawn(async move { manager.access_token().await }));
    }
    for call in calls {
        assert_eq!(
            call.await.unwrap().unwrap().token.expose(),
            "1000.access-new"
        );
    }
    assert_eq!(
        refresh.calls_async().await,
        1,
        "one refresh for every instance"
    );
    let stored = store.tokens("default").await.unwrap().unwrap();
    assert_eq!(stored.tokens.refresh_token.expose(), OLD_REFRESH);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_holder_that_never_finishes_delays_the_others_by_its_lease_only() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mock = MockServer::start_async().await;
    let refresh = mock_refresh(
        &mock,
        200,
        json!({"access_token": "1000.access-new", "expires_in": 3600, "token_type": "Bearer"}),
        Duration::ZERO,
    )
    .await;
    let store = seeded_store(&redis).await;
    // A process that took the lock and died: its lock stays until the lease runs out.
    let lease = Duration::from_millis(800);
    assert!(
        store
            .try_lock_refresh("default", "dead:1", lease)
            .await
            .unwrap()
    );
    let survivor = instance(&mock, &store, lease);
    let started = Instant::now();
    let token = survivor.access_token().await.unwrap();
    let waited = started.elapsed();
    assert_eq!(token.token.expose(), "1000.access-new");
    assert_eq!(refresh.calls_async().await, 1);
    assert!(
        waited >= Duration::from_millis(600),
        "the lock was respected: {waited:?}"
    );
    assert!(
        waited < lease + Duration::from_millis(700),
        "waited {waited:?}, more than the lease"
    );
}
