//! The shared store: connection records, versioned token records that no stale writer can
//! overwrite, authorizations in progress taken once, tokens sealed at rest.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use zoho_core::store::{
    ConnectionRecord, ConnectionStatus, ConnectionTokens, FileStore, Keyring, MemoryStore,
    PendingAuthorization, PendingPut, RedisStore, TokenWrite, WriteOutcome, now_ms,
};

use crate::redis_support::RedisServer;
use zoho_core::{Secret, Store, StoredTokens, TokenStore};

const CAP: usize = zoho_core::MAX_AUTHORIZATIONS_IN_PROGRESS;

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn record(name: &str) -> ConnectionRecord {
    ConnectionRecord {
        name: name.into(),
        app: "main".into(),
        status: ConnectionStatus::Pending,
        region: "eu".into(),
        scopes: None,
        crm_api_version: None,
        books_organization_id: None,
        metadata: Some(serde_json::json!({"customer": 42})),
        created_at_ms: now_ms(),
        authorized_at_ms: None,
        last_error: None,
        api_domain: None,
        configured: false,
    }
}

fn granted(refresh: &str) -> TokenWrite {
    TokenWrite::Granted(StoredTokens {
        refresh_token: Secret::new(refresh),
        access_token: Some(Secret::new(format!("{refresh}-access"))),
        expires_at: Some(SystemTime::now() + Duration::from_secs(3600)),
        api_domain: Some("https://www.zohoapis.eu".into()),
        scopes: None,
        accounts_server: Some("https://accounts.zoho.eu".into()),
    })
}

fn refreshed(access: &str, lifetime: Duration) -> TokenWrite {
    TokenWrite::Refreshed {
        access_token: Secret::new(access),
        expires_at: SystemTime::now() + lifetime,
        api_domain: None,
        scopes: None,
    }
}

/// Every back end, each with what keeps it alive (its folder, its redis-server).
fn stores() -> Vec<(Arc<dyn Store>, Box<dyn std::any::Any>)> {
    let dir = tempfile::tempdir().unwrap();
    let file = FileStore::open(dir.path(), Keyring::parse(KEY, "K").unwrap()).unwrap();
    let mut stores: Vec<(Arc<dyn Store>, Box<dyn std::any::Any>)> = vec![
        (Arc::new(MemoryStore::new()), Box::new(())),
        (Arc::new(file), Box::new(dir)),
    ];
    if let Some(server) = RedisServer::start() {
        let redis = RedisStore::open(&server.url(), "zrs", Keyring::parse(KEY, "K").unwrap());
        stores.push((Arc::new(redis.unwrap()), Box::new(server)));
    }
    stores
}

#[tokio::test]
async fn a_connection_is_created_once_listed_in_name_order_and_deleted_with_its_tokens() {
    for (store, _dir) in stores() {
        for name in ["c", "a", "b"] {
            assert!(store.create_connection(&record(name)).await.unwrap());
        }
        assert!(
            !store.create_connection(&record("a")).await.unwrap(),
            "{store:?}"
        );
        let first: Vec<String> = store
            .list_connections(None, 2)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(first, ["a", "b"]);
        let rest = store.list_connections(Some("b"), 2).await.unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].metadata, Some(serde_json::json!({"customer": 42})));
        store.write_tokens("a", 0, &granted("rt")).await.unwrap();
        assert!(store.delete_connection("a").await.unwrap());
        assert!(store.connection("a").await.unwrap().is_none());
        assert!(store.tokens("a").await.unwrap().is_none());
        assert!(!store.delete_connection("a").await.unwrap());
    }
}

#[tokio::test]
async fn a_write_that_names_a_stale_version_is_refused_and_a_refresh_never_writes_the_refresh_token()
 {
    for (store, _dir) in stores() {
        store.create_connection(&record("acme")).await.unwrap();
        assert_eq!(
            store
                .write_tokens("acme", 0, &granted("rt-1"))
                .await
                .unwrap(),
            WriteOutcome::Written(1)
        );
        assert_eq!(
            store
                .write_tokens("acme", 1, &refreshed("at-2", Duration::from_secs(3600)))
                .await
                .unwrap(),
            WriteOutcome::Written(2)
        );
        // A writer that read version 1 lost the race: it gets the record as it is now.
        let WriteOutcome::Conflict(Some(now)) = store
            .write_tokens("acme", 1, &refreshed("at-stale", Duration::from_secs(3600)))
            .await
            .unwrap()
        else {
            panic!("a stale write was accepted by {store:?}");
        };
        assert_eq!(now.version, 2);
        assert_eq!(now.tokens.access_token.unwrap().expose(), "at-2");
        assert_eq!(now.tokens.refresh_token.expose(), "rt-1");
        assert_eq!(now.generation, 1);
        // A refresh of tokens that are gone writes nothing.
        store.clear_tokens("acme").await.unwrap();
        assert_eq!(
            store
                .write_tokens("acme", 0, &refreshed("at-3", Duration::from_secs(3600)))
                .await
                .unwrap(),
            WriteOutcome::Conflict(None)
        );
    }
}

#[tokio::test]
async fn the_token_store_of_a_connection_keeps_a_newer_token_written_by_another_instance() {
    for (store, _dir) in stores() {
        store.create_connection(&record("acme")).await.unwrap();
        let ours = ConnectionTokens::new(store.clone(), "acme");
        let theirs = ConnectionTokens::new(store.clone(), "acme");
        let consent = StoredTokens::from_refresh_token(Secret::new("rt-1"));
        ours.save(&consent).await.unwrap();
        ours.load().await.unwrap();
        theirs.load().await.unwrap();
        let later = StoredTokens {
            access_token: Some(Secret::new("theirs")),
            expires_at: Some(SystemTime::now() + Duration::from_secs(3600)),
            ..consent.clone()
        };
        theirs.save_refreshed(&later).await.unwrap();
        let sooner = StoredTokens {
            // A refresh that came back with a changed refresh token still does not write it.
            refresh_token: Secret::new("rt-wrong"),
            access_token: Some(Secret::new("ours")),
            expires_at: Some(SystemTime::now() + Duration::from_secs(60)),
            ..consent.clone()
        };
        ours.save_refreshed(&sooner).await.unwrap();
        let stored = store.tokens("acme").await.unwrap().unwrap();
        assert_eq!(stored.tokens.access_token.unwrap().expose(), "theirs");
        assert_eq!(stored.tokens.refresh_token.expose(), "rt-1");
    }
}

#[tokio::test]
async fn an_authorization_in_progress_is_taken_once_and_not_after_it_expired() {
    for (store, _dir) in stores() {
        let pending = PendingAuthorization {
            connection: "acme".into(),
            redirect_uri: "http://127.0.0.1:8787/oauth/callback".into(),
            expires_at_ms: now_ms() + 60_000,
        };
        store.put_pending("state-1", &pending, CAP).await.unwrap();
        assert!(store.take_pending("state-2").await.unwrap().is_none());
        assert_eq!(
            store.take_pending("state-1").await.unwrap(),
            Some(pending.clone())
        );
        assert!(
            store.take_pending("state-1").await.unwrap().is_none(),
            "{store:?}"
        );
        let expired = PendingAuthorization {
            expires_at_ms: now_ms() - 1,
            ..pending
        };
        store.put_pending("state-3", &expired, CAP).await.unwrap();
        assert!(store.take_pending("state-3").await.unwrap().is_none());
    }
}

#[tokio::test]
async fn a_connections_authorizations_in_progress_stop_at_the_cap_until_one_is_taken() {
    for (store, _dir) in stores() {
        let started = |connection: &str, expires_at_ms| PendingAuthorization {
            connection: connection.into(),
            redirect_uri: "http://127.0.0.1/cb".into(),
            expires_at_ms,
        };
        let first_expiry = now_ms() + 60_000;
        for n in 0..3 {
            let put = store
                .put_pending(&format!("acme-{n}"), &started("acme", first_expiry + n), 3)
                .await
                .unwrap();
            assert_eq!(put, PendingPut::Kept, "{store:?}");
        }
        // The fourth is refused, and the user's three stay good.
        let refused = store
            .put_pending("acme-3", &started("acme", first_expiry + 10), 3)
            .await
            .unwrap();
        assert_eq!(
            refused,
            PendingPut::Full {
                first_expires_at_ms: first_expiry
            },
            "{store:?}"
        );
        assert!(store.take_pending("acme-3").await.unwrap().is_none());
        // Another connection's flows are counted apart.
        let other = store
            .put_pending("globex-0", &started("globex", first_expiry), 3)
            .await
            .unwrap();
        assert_eq!(other, PendingPut::Kept);
        // A finished flow makes room; an expired one counts no more.
        assert!(store.take_pending("acme-1").await.unwrap().is_some());
        let after_one = store
            .put_pending("acme-4", &started("acme", now_ms() + 1), 3)
            .await
            .unwrap();
        assert_eq!(after_one, PendingPut::Kept, "{store:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let after_expiry = store
            .put_pending("acme-5", &started("acme", first_expiry), 3)
            .await
            .unwrap();
        assert_eq!(after_expiry, PendingPut::Kept, "{store:?}");
        assert!(store.take_pending("acme-0").await.unwrap().is_some());
        assert!(store.take_pending("acme-2").await.unwrap().is_some());
        assert!(store.take_pending("acme-5").await.unwrap().is_some());
    }
}

#[tokio::test]
async fn the_file_store_holds_no_token_or_state_in_plain_text_and_reopens_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path(), Keyring::parse(KEY, "K").unwrap()).unwrap();
    store.create_connection(&record("acme")).await.unwrap();
    store
        .write_tokens("acme", 0, &granted("1000.secret-refresh"))
        .await
        .unwrap();
    let pending = PendingAuthorization {
        connection: "acme".into(),
        redirect_uri: "http://127.0.0.1/cb".into(),
        expires_at_ms: now_ms() + 60_000,
    };
    store
        .put_pending("the-state-value", &pending, CAP)
        .await
        .unwrap();
    let mut everything = String::new();
    for sub in ["connections", "pending"] {
        for entry in std::fs::read_dir(dir.path().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            everything.push_str(&path.display().to_string());
            everything.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    for secret in [
        "secret-refresh",
        "1000.secret-refresh-access",
        "the-state-value",
    ] {
        assert!(
            !everything.contains(secret),
            "`{secret}` is in the store's files"
        );
    }
    let reopened = FileStore::open(dir.path(), Keyring::parse(KEY, "K").unwrap()).unwrap();
    let tokens = reopened.tokens("acme").await.unwrap().unwrap();
    assert_eq!(tokens.tokens.refresh_token.expose(), "1000.secret-refresh");
    let other = "Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=";
    let wrong_key = FileStore::open(dir.path(), Keyring::parse(other, "K").unwrap()).unwrap();
    let refused = wrong_key.tokens("acme").await.unwrap_err().to_string();
    assert!(refused.contains("keyring does not hold"), "{refused}");
}

#[tokio::test]
async fn temporary_files_a_killed_writer_left_are_removed_when_the_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    let connections = dir.path().join("connections");
    std::fs::create_dir_all(&connections).unwrap();
    // A pid that is not running (beyond the kernel's pid_max).
    let leftover = connections.join(".acme.json.tmp-4194305-00000000deadbeef");
    std::fs::write(&leftover, "{\"refresh_token\": \"1000.lost\"}").unwrap();
    let kept = connections.join("acme.json.bak");
    std::fs::write(&kept, "mine").unwrap();
    FileStore::open(dir.path(), Keyring::none()).unwrap();
    assert!(!leftover.exists());
    assert!(
        kept.exists(),
        "only temporary files of the store are removed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_file_stores_on_one_folder_never_both_win_one_version() {
    let dir = tempfile::tempdir().unwrap();
    let open = || Arc::new(FileStore::open(dir.path(), Keyring::none()).unwrap());
    let (one, two) = (open(), open());
    one.create_connection(&record("acme")).await.unwrap();
    one.write_tokens("acme", 0, &granted("rt")).await.unwrap();
    let mut tasks = Vec::new();
    for (n, store) in (0..40).map(|n| (n, if n % 2 == 0 { one.clone() } else { two.clone() })) {
        tasks.push(tokio::spawn(async move {
            let seen = store.tokens("acme").await.unwrap().unwrap().version;
            let write = refreshed(&format!("at-{n}"), Duration::from_secs(3600));
            match store.write_tokens("acme", seen, &write).await.unwrap() {
                WriteOutcome::Written(version) => Some(version),
                WriteOutcome::Conflict(_) => None,
            }
        }));
    }
    let mut won = Vec::new();
    for task in tasks {
        won.extend(task.await.unwrap());
    }
    let mut unique = won.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        won.len(),
        "two writers won one version: {won:?}"
    );
    let last = two.tokens("acme").await.unwrap().unwrap();
    assert_eq!(last.version, 1 + won.len() as u64);
    assert_eq!(last.tokens.refresh_token.expose(), "rt");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_redis_stores_never_both_win_one_version_and_a_dump_holds_no_token() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let open = || {
        Arc::new(RedisStore::open(&server.url(), "zrs", Keyring::parse(KEY, "K").unwrap()).unwrap())
    };
    let (one, two) = (open(), open());
    one.create_connection(&record("acme")).await.unwrap();
    one.write_tokens("acme", 0, &granted("1000.refresh-secret"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = if n % 2 == 0 { one.clone() } else { two.clone() };
        tasks.push(tokio::spawn(async move {
            let seen = store.tokens("acme").await.unwrap().unwrap().version;
            let write = refreshed(&format!("1000.access-{n}"), Duration::from_secs(3600));
            match store.write_tokens("acme", seen, &write).await.unwrap() {
                WriteOutcome::Written(version) => Some(version),
                WriteOutcome::Conflict(_) => None,
            }
        }));
    }
    let mut won = Vec::new();
    for task in tasks {
        won.extend(task.await.unwrap());
    }
    let mut unique = won.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        won.len(),
        "two writers won one version: {won:?}"
    );
    let last = two.tokens("acme").await.unwrap().unwrap();
    assert_eq!(last.version, 1 + won.len() as u64);
    assert_eq!(last.tokens.refresh_token.expose(), "1000.refresh-secret");
    let pending = PendingAuthorization {
        connection: "acme".into(),
        redirect_uri: "http://127.0.0.1/cb".into(),
        expires_at_ms: now_ms() + 60_000,
    };
    one.put_pending("the-state-value", &pending, CAP)
        .await
        .unwrap();
    let dump = server.dump();
    assert!(dump.contains("zrs:{c:acme}:tok"), "{dump}");
    for secret in ["1000.", "the-state-value"] {
        assert!(
            !dump.contains(secret),
            "`{secret}` is in plain text in Redis:\n{dump}"
        );
    }
}

#[tokio::test]
async fn redis_killed_and_restarted_with_its_append_only_file_keeps_connections_and_tokens() {
    let Some(mut server) = RedisServer::start_persistent() else {
        return;
    };
    let store = RedisStore::open(&server.url(), "zrs", Keyring::parse(KEY, "K").unwrap()).unwrap();
    store.create_connection(&record("acme")).await.unwrap();
    store
        .write_tokens("acme", 0, &granted("1000.refresh"))
        .await
        .unwrap();
    server.kill();
    // Down: a clear, retryable error, never a panic or a hang.
    let down = store.tokens("acme").await.unwrap_err();
    assert!(down.is_retryable(), "{down}");
    assert!(!down.to_string().contains("1000."), "{down}");
    server.restart();
    let mut back = None;
    for _ in 0..50 {
        match store.tokens("acme").await {
            Ok(tokens) => {
                back = tokens;
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let back = back.expect("the tokens survived the crash");
    assert_eq!(back.tokens.refresh_token.expose(), "1000.refresh");
    assert_eq!(back.version, 1);
    assert_eq!(
        store.connection("acme").await.unwrap().unwrap().region,
        "eu"
    );
}

#[test]
fn a_redis_store_refuses_to_keep_tokens_without_a_key() {
    let refused = RedisStore::open("redis://127.0.0.1:1/0", "zrs", Keyring::none()).unwrap_err();
    assert!(
        refused.to_string().contains("encryption_key_env"),
        "{refused}"
    );
    let bad_url =
        RedisStore::open("http://x", "zrs", Keyring::parse(KEY, "K").unwrap()).unwrap_err();
    assert!(bad_url.to_string().contains("store.url"), "{bad_url}");
}
