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
        configured: false,
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

mod limiter {
    use super::*;
    use zoho_core::__private::Limiter;
    use zoho_core::__private::{CallCost, LimitRequest, LimitScope, LimitSettings, Observation};

    fn request(concurrency: usize, daily_credits: Option<u64>) -> LimitRequest {
        LimitRequest {
            scope: LimitScope {
                key: "crm:acme".into(),
                settings: LimitSettings {
                    concurrency,
                    daily_credits,
                    ..LimitSettings::default()
                },
            },
            cost: CallCost::default(),
        }
    }

    fn limiters(server: &RedisServer, n: usize) -> Vec<zoho_core::__private::RedisLimiter> {
        (0..n)
            .map(|_| {
                RedisStore::open(&server.url(), "zrs", Keyring::parse(KEY, "K").unwrap())
                    .unwrap()
                    .limiter(n)
            })
            .collect()
    }

    #[tokio::test]
    async fn two_instances_share_one_window_and_one_credit_budget() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let [one, two] = <[_; 2]>::try_from(limiters(&server, 2)).unwrap();
        let soon = || tokio::time::Instant::now() + Duration::from_millis(150);
        let held = one.acquire(&request(1, None), soon()).await.unwrap();
        let refused = two.acquire(&request(1, None), soon()).await.unwrap_err();
        assert!(
            matches!(
                refused,
                zoho_core::Error::LimitReached {
                    limit: zoho_core::Limit::Concurrency,
                    ..
                }
            ),
            "{refused}"
        );
        drop(held);
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(two.acquire(&request(1, None), soon()).await.unwrap());

        // Credits: 3 a day between both, two already spent above.
        drop(one.acquire(&request(5, Some(3)), soon()).await.unwrap());
        let spent = two.acquire(&request(5, Some(3)), soon()).await.unwrap_err();
        assert!(
            matches!(
                spent,
                zoho_core::Error::LimitReached {
                    limit: zoho_core::Limit::Credits,
                    ..
                }
            ),
            "{spent}"
        );
        let state = one.state(&request(5, Some(3)).scope).await.unwrap();
        assert_eq!(
            (state.credits_used_24h, state.credits_remaining),
            (3, Some(0))
        );
        // Zoho's own count, when lower, wins for every instance.
        one.observe(&request(5, None).scope, Observation::Answered, Some(0));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let zoho_said = two.acquire(&request(5, None), soon()).await.unwrap_err();
        assert!(zoho_said.to_string().contains("credits"), "{zoho_said}");
    }

    #[tokio::test]
    async fn with_redis_down_each_instance_keeps_its_share() {
        let Some(mut server) = RedisServer::start() else {
            return;
        };
        let [one, _two] = <[_; 2]>::try_from(limiters(&server, 2)).unwrap();
        server.kill();
        let soon = || tokio::time::Instant::now() + Duration::from_millis(100);
        // Half of 4: two slots here, the third waits and is refused.
        let a = one.acquire(&request(4, None), soon()).await.unwrap();
        let b = one.acquire(&request(4, None), soon()).await.unwrap();
        assert!(one.is_degraded());
        assert!(one.acquire(&request(4, None), soon()).await.is_err());
        drop((a, b));
        server.restart();
        let mut shared = false;
        for _ in 0..40 {
            if let Ok(permit) = one.acquire(&request(4, None), soon()).await
                && !one.is_degraded()
            {
                drop(permit);
                shared = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(shared, "the shared window came back with Redis");
    }
}

#[tokio::test]
async fn the_instances_share_a_mint_budget_below_zohos_and_a_cooldown_after_a_throttle() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let store = seeded_store(&redis).await;
    let window = Duration::from_secs(600);
    for _ in 0..zoho_core::store::MINT_BUDGET {
        assert_eq!(
            store
                .reserve_mint("default", zoho_core::store::MINT_BUDGET, window)
                .await
                .unwrap(),
            None
        );
    }
    let wait = store
        .reserve_mint("default", zoho_core::store::MINT_BUDGET, window)
        .await
        .unwrap()
        .expect("the sixth mint in 10 minutes does not fit");
    assert!(
        wait <= window && wait > Duration::from_secs(590),
        "{wait:?}"
    );

    // Zoho throttles one instance's refresh: the other does not ask at all.
    let redis2 = RedisServer::start().unwrap();
    let store = seeded_store(&redis2).await;
    let mock = MockServer::start_async().await;
    let denied = mock_refresh(
        &mock,
        200,
        json!({"error": "Access Denied", "error_description": "You have made too many requests continuously. Please try again after some time."}),
        Duration::ZERO,
    )
    .await;
    let (one, two) = (
        instance(&mock, &store, Duration::from_secs(5)),
        instance(&mock, &store, Duration::from_secs(5)),
    );
    let first = one.access_token().await.unwrap_err();
    assert!(first.is_retryable(), "{first}");
    let second = two.access_token().await.unwrap_err();
    assert!(
        matches!(
            second,
            zoho_core::Error::LimitReached {
                limit: zoho_core::Limit::Tokens,
                retry_after: Some(_),
                ..
            }
        ),
        "{second}"
    );
    assert_eq!(
        denied.calls_async().await,
        1,
        "one ask of Zoho between the instances"
    );
    let stored = store.tokens("default").await.unwrap().unwrap();
    assert_eq!(
        stored.tokens.refresh_token.expose(),
        OLD_REFRESH,
        "nothing lost"
    );
}
