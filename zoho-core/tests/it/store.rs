//! Token stores: the in-memory one, and the file store that a crash can never break.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use httpmock::prelude::*;
use serde_json::json;
use zoho_core::{Error, FileStore, MemoryStore, Secret, StoredTokens, TokenStore};

use crate::auth_support::*;

fn tokens(refresh: &str) -> StoredTokens {
    StoredTokens {
        refresh_token: Secret::new(refresh),
        access_token: Some(Secret::new(format!("{refresh}-access"))),
        // Whole seconds: the file keeps Unix seconds.
        expires_at: Some(UNIX_EPOCH + Duration::from_secs(1_900_000_000)),
        api_domain: Some("https://www.zohoapis.com.au".into()),
        scopes: Some("ZohoCRM.modules.ALL".into()),
        accounts_server: Some("https://accounts.zoho.com.au".into()),
    }
}

fn temp_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .contains(".tmp-")
        })
        .collect()
}

#[tokio::test]
async fn the_memory_store_keeps_what_it_was_given() {
    let store = MemoryStore::new();
    assert_eq!(store.load().await.unwrap(), None);
    store.save(&tokens("1000.r1")).await.unwrap();
    assert_eq!(store.load().await.unwrap(), Some(tokens("1000.r1")));
    store.clear().await.unwrap();
    assert_eq!(store.load().await.unwrap(), None);
}

#[tokio::test]
async fn the_file_store_round_trips_into_a_new_private_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens").join("default.json");
    let store = FileStore::new(&path);
    assert_eq!(store.load().await.unwrap(), None);

    store.save(&tokens("1000.r1")).await.unwrap();
    assert_eq!(
        FileStore::new(&path).load().await.unwrap(),
        Some(tokens("1000.r1"))
    );
    store.save(&tokens("1000.r2")).await.unwrap();
    assert_eq!(
        FileStore::new(&path).load().await.unwrap(),
        Some(tokens("1000.r2"))
    );
    assert!(
        temp_files(path.parent().unwrap()).is_empty(),
        "no temporary file is left behind"
    );

    store.clear().await.unwrap();
    assert!(!path.exists());
    assert_eq!(store.load().await.unwrap(), None);
    store.clear().await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn the_token_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens").join("default.json");
    let store = FileStore::new(&path);
    store.save(&tokens("1000.r1")).await.unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );

    let staged = store.stage(&tokens("1000.r2")).await.unwrap();
    let temp = staged.temp_path().unwrap().to_path_buf();
    assert_eq!(
        std::fs::metadata(&temp).unwrap().permissions().mode() & 0o777,
        0o600
    );
    drop(staged);
    assert!(
        !temp.exists(),
        "an abandoned save deletes its temporary file"
    );
}

#[tokio::test]
async fn a_crash_between_write_and_rename_leaves_the_old_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.json");
    let store = FileStore::new(&path);
    store.save(&tokens("1000.old")).await.unwrap();

    // The new tokens are written and fsynced, then the process dies before the rename.
    let staged = store.stage(&tokens("1000.new")).await.unwrap();
    let temp = staged.temp_path().unwrap().to_path_buf();
    std::mem::forget(staged);
    assert!(temp.exists());
    // A crash while writing leaves a half-written temporary file too.
    let half = dir.path().join(".default.json.tmp-4242-00000000deadbeef");
    std::fs::write(&half, br#"{"version":1,"refresh_token":"1000.ne"#).unwrap();

    let after_restart = FileStore::new(&path);
    assert_eq!(
        after_restart.load().await.unwrap(),
        Some(tokens("1000.old"))
    );

    // The next save still works and is what the next run reads.
    after_restart.save(&tokens("1000.newer")).await.unwrap();
    assert_eq!(
        FileStore::new(&path).load().await.unwrap(),
        Some(tokens("1000.newer"))
    );
}

#[tokio::test]
async fn a_broken_token_file_is_a_clear_error_that_does_not_echo_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.json");
    std::fs::write(&path, "refresh_token = 1000.leaky-secret").unwrap();
    let err = FileStore::new(&path).load().await.unwrap_err();
    let Error::Config(message) = &err else {
        panic!("expected a config error, got {err:?}")
    };
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("authorize again"), "{message}");
    assert!(!format!("{err} {err:?}").contains("leaky-secret"));
}

#[tokio::test]
async fn a_refresh_through_the_file_store_never_loses_the_refresh_token() {
    let server = MockServer::start_async().await;
    mock_refresh(
        &server,
        200,
        json!({"access_token": "1000.access-new", "expires_in": 3600}),
        Duration::ZERO,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.json");
    FileStore::new(&path).save(&expired_tokens()).await.unwrap();

    let connection = connection(config_for(&server), Arc::new(FileStore::new(&path)));
    assert_eq!(
        connection
            .token_source()
            .access_token()
            .await
            .unwrap()
            .token
            .expose(),
        "1000.access-new"
    );

    let reread = FileStore::new(&path).load().await.unwrap().unwrap();
    assert_eq!(reread.refresh_token.expose(), OLD_REFRESH);
    assert_eq!(reread.access_token.unwrap().expose(), "1000.access-new");
    assert_eq!(
        reread.api_domain.as_deref(),
        Some("https://www.zohoapis.eu")
    );
}

#[tokio::test]
async fn an_absurd_expiry_in_the_token_file_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.json");
    let file = json!({"version": 1, "refresh_token": "1000.kept", "access_token": "1000.a",
                      "expires_at": u64::MAX});
    std::fs::write(&path, file.to_string()).unwrap();
    let loaded = FileStore::new(&path).load().await.unwrap().unwrap();
    assert_eq!(loaded.refresh_token.expose(), "1000.kept");
    // An expiry we cannot represent is no expiry we can trust: the access token gets refreshed.
    assert_eq!(loaded.expires_at, None);
}
