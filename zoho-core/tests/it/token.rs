//! The shared token cache: one token for every caller, one refresh at a time, no more minting
//! than needed.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use httpmock::prelude::*;
use serde_json::json;
use zoho_core::{
    AccessToken, ActionRequest, ConnectionConfig, Error, MemoryStore, Method, Product, RequestPath,
    Secret, TokenStore,
};

use crate::auth_support::*;

/// Long enough that every caller is waiting while the refresh is in flight.
const SLOW: Duration = Duration::from_millis(300);

fn new_token_body() -> serde_json::Value {
    json!({"access_token": "1000.access-new", "api_domain": "https://www.zohoapis.eu",
           "token_type": "Bearer", "expires_in": 3600})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_callers_on_an_expired_token_cause_exactly_one_refresh() {
    let server = MockServer::start_async().await;
    let refresh = mock_refresh(&server, 200, new_token_body(), SLOW).await;
    let (connection, store) = connection_with(&server, Some(expired_tokens()));
    let source = connection.token_source();

    let calls: Vec<_> = (0..100)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.access_token().await })
        })
        .collect();
    for call in calls {
        let token = call.await.unwrap().unwrap();
        assert_eq!(token.token.expose(), "1000.access-new");
        assert_eq!(token.api_domain, "https://www.zohoapis.eu");
    }

    refresh.assert_calls_async(1).await;
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(stored.access_token.unwrap().expose(), "1000.access-new");
    // Later callers reuse the cached token.
    source.access_token().await.unwrap();
    refresh.assert_calls_async(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_callers_reporting_the_same_rejected_token_cause_one_refresh() {
    let server = MockServer::start_async().await;
    let refresh = mock_refresh(&server, 200, new_token_body(), SLOW).await;
    let (connection, _) =
        connection_with(&server, Some(tokens_valid_for(Duration::from_secs(3600))));
    let source = connection.token_source();
    let rejected = source.access_token().await.unwrap();
    assert_eq!(rejected.token.expose(), OLD_ACCESS);
    refresh.assert_calls_async(0).await;

    let calls: Vec<_> = (0..50)
        .map(|_| {
            let (source, rejected) = (source.clone(), rejected.clone());
            tokio::spawn(async move { source.token_rejected(&rejected).await })
        })
        .collect();
    for call in calls {
        assert_eq!(
            call.await.unwrap().unwrap().token.expose(),
            "1000.access-new"
        );
    }
    refresh.assert_calls_async(1).await;
    assert_eq!(
        source.access_token().await.unwrap().token.expose(),
        "1000.access-new"
    );
}

#[tokio::test]
async fn a_rejected_token_that_was_already_replaced_is_not_refreshed_again() {
    let server = MockServer::start_async().await;
    let refresh = mock_refresh(&server, 200, new_token_body(), Duration::ZERO).await;
    let (connection, _) = connection_with(&server, Some(expired_tokens()));
    let source = connection.token_source();
    let current = source.access_token().await.unwrap();
    refresh.assert_calls_async(1).await;

    let stale = AccessToken {
        token: Secret::new(OLD_ACCESS),
        api_domain: current.api_domain.clone(),
    };
    assert_eq!(source.token_rejected(&stale).await.unwrap(), current);
    refresh.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_valid_stored_token_is_used_without_minting() {
    let server = MockServer::start_async().await;
    let refresh = mock_refresh(&server, 200, new_token_body(), Duration::ZERO).await;
    let (connection, _) =
        connection_with(&server, Some(tokens_valid_for(Duration::from_secs(3600))));
    for _ in 0..5 {
        assert_eq!(
            connection
                .token_source()
                .access_token()
                .await
                .unwrap()
                .token
                .expose(),
            OLD_ACCESS
        );
    }
    refresh.assert_calls_async(0).await;
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_ahead() {
    let server = MockServer::start_async().await;
    let refresh = mock_refresh(&server, 200, new_token_body(), Duration::ZERO).await;
    let (connection, _) =
        connection_with(&server, Some(tokens_valid_for(Duration::from_secs(120))));
    let token = connection.token_source().access_token().await.unwrap();
    assert_eq!(token.token.expose(), "1000.access-new");
    refresh.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_failed_refresh_ahead_of_expiry_still_hands_out_the_working_token() {
    let server = MockServer::start_async().await;
    let refresh = mock_refresh(&server, 503, json!({}), Duration::ZERO).await;
    let (connection, _) =
        connection_with(&server, Some(tokens_valid_for(Duration::from_secs(120))));
    let source = connection.token_source();
    for _ in 0..3 {
        assert_eq!(
            source.access_token().await.unwrap().token.expose(),
            OLD_ACCESS
        );
    }
    // One failed refresh (a 503 is retried 3 times inside it), then a pause before the next.
    refresh.assert_calls_async(4).await;
}

#[tokio::test]
async fn api_domain_survives_a_refresh_that_omits_it() {
    let server = MockServer::start_async().await;
    mock_refresh(
        &server,
        200,
        json!({"access_token": "1000.access-new", "expires_in": 3600}),
        Duration::ZERO,
    )
    .await;
    let (connection, store) = connection_with(&server, Some(expired_tokens()));
    let token = connection.token_source().access_token().await.unwrap();
    assert_eq!(token.token.expose(), "1000.access-new");
    assert_eq!(token.api_domain, "https://www.zohoapis.eu");
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(
        stored.api_domain.as_deref(),
        Some("https://www.zohoapis.eu")
    );
    assert_eq!(
        stored.refresh_token.expose(),
        OLD_REFRESH,
        "a refresh answer carries no refresh token"
    );
}

#[tokio::test]
async fn an_explicit_api_base_wins_over_the_tokens_api_domain() {
    let server = MockServer::start_async().await;
    mock_refresh(&server, 200, new_token_body(), Duration::ZERO).await;
    let config = ConnectionConfig {
        api_base_url: Some("http://127.0.0.1:9999/".into()),
        ..config_for(&server)
    };
    let store = Arc::new(MemoryStore::with_tokens(expired_tokens()));
    let connection = connection(config, store);
    let token = connection.token_source().access_token().await.unwrap();
    assert_eq!(token.api_domain, "http://127.0.0.1:9999");
}

#[tokio::test]
async fn a_connection_never_authorized_says_how_to_authorize() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let (connection, _) = connection_with(&server, None);
    let err = connection.token_source().access_token().await.unwrap_err();
    let Error::Unauthorized {
        reason, next_step, ..
    } = err
    else {
        panic!("expected unauthorized, got {err:?}")
    };
    assert!(reason.contains("never authorized"), "{reason}");
    assert!(
        next_step.contains("zoho-server auth login --connection default"),
        "{next_step}"
    );
    anything.assert_calls_async(0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_waiting_on_a_failed_refresh_share_its_error() {
    let server = MockServer::start_async().await;
    let refresh = mock_refresh(&server, 200, json!({"error": "invalid_code"}), SLOW).await;
    let (connection, _) = connection_with(&server, Some(expired_tokens()));
    let source = connection.token_source();
    let calls: Vec<_> = (0..30)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.access_token().await })
        })
        .collect();
    for call in calls {
        assert!(matches!(
            call.await.unwrap(),
            Err(Error::Unauthorized { .. })
        ));
    }
    refresh.assert_calls_async(1).await;
}

#[tokio::test]
async fn after_access_denied_the_token_endpoint_is_left_alone_for_a_while() {
    let server = MockServer::start_async().await;
    let throttled = json!({"error": "Access Denied",
        "error_description": "You have made too many requests continuously. Please try again after some time."});
    let refresh = mock_refresh(&server, 200, throttled, Duration::ZERO).await;
    let (connection, _) = connection_with(&server, Some(expired_tokens()));
    let source = connection.token_source();

    let first = futures::future::join_all((0..20).map(|_| source.access_token())).await;
    assert!(
        first
            .iter()
            .all(|r| matches!(r, Err(Error::RateLimited { .. })))
    );
    refresh.assert_calls_async(1).await;

    // Asking again at once gives the same answer without another request.
    assert!(matches!(
        source.access_token().await,
        Err(Error::RateLimited { .. })
    ));
    let rejected = AccessToken {
        token: Secret::new(OLD_ACCESS),
        api_domain: "https://www.zohoapis.eu".into(),
    };
    assert!(matches!(
        source.token_rejected(&rejected).await,
        Err(Error::RateLimited { .. })
    ));
    refresh.assert_calls_async(1).await;

    // A minute later the endpoint is asked again.
    refresh.delete_async().await;
    let recovered = mock_refresh(&server, 200, new_token_body(), Duration::ZERO).await;
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(61)).await;
    tokio::time::resume();
    assert_eq!(
        source.access_token().await.unwrap().token.expose(),
        "1000.access-new"
    );
    recovered.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_token_stored_by_another_process_is_picked_up_after_a_refused_refresh() {
    let server = MockServer::start_async().await;
    mock_refresh(
        &server,
        200,
        json!({"error": "invalid_code"}),
        Duration::ZERO,
    )
    .await;
    let fresh_grant = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/v2/token")
                .form_urlencoded_tuple("refresh_token", "1000.refresh-relogin");
            then.status(200).json_body(new_token_body());
        })
        .await;
    let (connection, store) = connection_with(&server, Some(expired_tokens()));
    let source = connection.token_source();
    assert!(matches!(
        source.access_token().await,
        Err(Error::Unauthorized { .. })
    ));

    // `auth login` in another process writes new tokens to the same store.
    let mut relogin = expired_tokens();
    relogin.refresh_token = Secret::new("1000.refresh-relogin");
    store.save(&relogin).await.unwrap();
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(6)).await;
    tokio::time::resume();

    assert_eq!(
        source.access_token().await.unwrap().token.expose(),
        "1000.access-new"
    );
    fresh_grant.assert_calls_async(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_through_the_connections_client_share_one_refresh_after_invalid_token() {
    let server = MockServer::start_async().await;
    let refresh = mock_refresh(&server, 200, new_token_body(), SLOW).await;
    let refused = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/crm/v3/Leads")
                .header("authorization", format!("Zoho-oauthtoken {OLD_ACCESS}"));
            then.status(401)
                .json_body(json!({"code": "INVALID_TOKEN", "details": {},
                "message": "invalid oauth token", "status": "error"}));
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/crm/v3/Leads")
                .header("authorization", "Zoho-oauthtoken 1000.access-new");
            then.status(200)
                .json_body(json!({"data": [{"id": "1"}], "info": {"more_records": false}}));
        })
        .await;
    let config = ConnectionConfig {
        api_base_url: Some(server.base_url()),
        ..config_for(&server)
    };
    let store = Arc::new(MemoryStore::with_tokens(tokens_valid_for(
        Duration::from_secs(3600),
    )));
    let connection = connection(config, store);

    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = connection.client();
            tokio::spawn(async move {
                let request = ActionRequest::new(
                    "crm.rawRequest",
                    Product::Crm,
                    Method::Get,
                    RequestPath::Raw("/Leads".into()),
                );
                client.execute(request).await
            })
        })
        .collect();
    for call in calls {
        let answer = call.await.unwrap().unwrap();
        assert_eq!(answer["data"][0]["id"], "1");
    }
    refresh.assert_calls_async(1).await;
    accepted.assert_calls_async(20).await;
    assert!(refused.calls_async().await >= 1);
}

#[tokio::test]
async fn a_connection_can_share_an_http_client_and_keeps_its_token_cache() {
    let server = MockServer::start_async().await;
    let leads = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/crm/v8/Leads")
                .header("authorization", format!("Zoho-oauthtoken {OLD_ACCESS}"));
            then.status(200)
                .json_body(json!({"data": [], "info": {"more_records": false}}));
        })
        .await;
    let config = ConnectionConfig {
        api_base_url: Some(server.base_url()),
        crm_api_version: zoho_core::CrmApiVersion::parse("v8").unwrap(),
        ..config_for(&server)
    };
    let store = Arc::new(MemoryStore::with_tokens(tokens_valid_for(
        Duration::from_secs(3600),
    )));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let connection = connection(config, store).with_http_client(http).unwrap();
    let request = ActionRequest::new(
        "crm.rawRequest",
        Product::Crm,
        Method::Get,
        RequestPath::Raw("/Leads".into()),
    );
    connection.client().execute(request).await.unwrap();
    leads.assert_calls_async(1).await;
}

#[tokio::test]
async fn an_absurd_expires_in_from_the_token_endpoint_is_not_a_panic() {
    let server = MockServer::start_async().await;
    let body = json!({"access_token": "1000.access-new", "api_domain": "https://www.zohoapis.eu",
                      "expires_in": u64::MAX});
    mock_refresh(&server, 200, body, Duration::ZERO).await;
    let (connection, store) = connection_with(&server, Some(expired_tokens()));
    let token = connection.token_source().access_token().await.unwrap();
    assert_eq!(token.token.expose(), "1000.access-new");
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(stored.refresh_token.expose(), OLD_REFRESH);
}

#[tokio::test]
async fn an_absurd_retry_after_from_the_token_endpoint_is_not_a_panic() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/v2/token");
            then.status(429)
                .header("retry-after", u64::MAX.to_string())
                .body("");
        })
        .await;
    let (connection, _) = connection_with(&server, Some(expired_tokens()));
    let err = connection.token_source().access_token().await.unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
}

#[tokio::test]
async fn a_refresh_does_not_overwrite_a_refresh_token_another_process_stored_since() {
    let server = MockServer::start_async().await;
    mock_refresh(&server, 200, new_token_body(), Duration::ZERO).await;
    let (connection, store) =
        connection_with(&server, Some(tokens_valid_for(Duration::from_secs(3600))));
    let source = connection.token_source();
    let old = source.access_token().await.unwrap();

    // `auth login` in another process stores the tokens of a new consent.
    let mut relogin = tokens_valid_for(Duration::from_secs(3600));
    relogin.refresh_token = Secret::new("1000.refresh-relogin");
    store.save(&relogin).await.unwrap();

    // This process still refreshes with the refresh token it loaded (it still works)...
    let fresh = source.token_rejected(&old).await.unwrap();
    assert_eq!(fresh.token.expose(), "1000.access-new");
    // ...but the new consent's refresh token stays in the store for the next run.
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(stored.refresh_token.expose(), "1000.refresh-relogin");
}

/// The temporary files of the token store at `path`.
fn leftover_temps(path: &std::path::Path) -> Vec<String> {
    let prefix = format!(".{}.tmp-", path.file_name().unwrap().to_string_lossy());
    std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(|entry| entry.unwrap().file_name().into_string().ok())
        .filter(|name| name.starts_with(&prefix))
        .collect()
}

fn stored(refresh: &str) -> zoho_core::StoredTokens {
    zoho_core::StoredTokens {
        refresh_token: Secret::new(refresh),
        access_token: Some(Secret::new("1000.access")),
        expires_at: Some(std::time::SystemTime::now() + Duration::from_secs(3600)),
        api_domain: Some("https://www.zohoapis.eu".into()),
        scopes: None,
        accounts_server: None,
    }
}

/// A pid no process has: a child that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[cfg(unix)]
#[tokio::test]
async fn the_first_load_removes_temp_files_of_saves_that_never_finished() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.json");
    zoho_core::FileStore::new(&path)
        .save(&stored("1000.kept"))
        .await
        .unwrap();
    let write = |name: String| {
        std::fs::write(
            dir.path().join(&name),
            "{\"refresh_token\":\"1000.leaked\"}",
        )
        .unwrap();
        name
    };
    let of_dead_process = write(format!(".default.json.tmp-{}-00ab", dead_pid()));
    let of_this_process = write(format!(".default.json.tmp-{}-00cd", std::process::id()));
    let of_live_process = write(".default.json.tmp-1-00ef".to_owned());
    let of_other_store = write(format!(".other.json.tmp-{}-00ab", dead_pid()));

    let loaded = zoho_core::FileStore::new(&path).load().await.unwrap();
    assert_eq!(loaded.unwrap().refresh_token.expose(), "1000.kept");
    assert_eq!(leftover_temps(&path), [of_live_process]);
    assert!(!dir.path().join(of_dead_process).exists());
    assert!(!dir.path().join(of_this_process).exists());
    assert!(
        dir.path().join(of_other_store).exists(),
        "another store's files are its own"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_staged_save_of_this_process_is_not_swept_away() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.json");
    let writer = zoho_core::FileStore::new(&path);
    let staged = writer.stage(&stored("1000.new")).await.unwrap();
    assert_eq!(
        zoho_core::FileStore::new(&path)
            .remove_leftover_temps()
            .unwrap(),
        0
    );
    staged.commit().await.unwrap();
    let loaded = zoho_core::FileStore::new(&path).load().await.unwrap();
    assert_eq!(loaded.unwrap().refresh_token.expose(), "1000.new");
}

/// Run by [`sixty_kills_during_token_saves_leave_no_temp_file_after_a_restart`] in a child
/// process: save tokens to `ZOHO_TEST_SAVE_LOOP` as fast as it can until killed.
#[tokio::test]
#[ignore = "a helper run by another test in a child process"]
async fn save_loop_until_killed() {
    let Ok(path) = std::env::var("ZOHO_TEST_SAVE_LOOP") else {
        return;
    };
    let store = zoho_core::FileStore::new(path);
    for n in 0u64.. {
        store.save(&stored(&format!("1000.r{n}"))).await.unwrap();
        if n == 0 {
            println!("saving");
        }
    }
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_kills_during_token_saves_leave_no_temp_file_after_a_restart() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("default.json");
    let mut left_by_kills = 0;
    for kill in 0..60u64 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "token::save_loop_until_killed",
                "--exact",
                "--ignored",
                "--nocapture",
            ])
            .env("ZOHO_TEST_SAVE_LOOP", &path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        assert!(
            lines.any(|line| line.unwrap().contains("saving")),
            "the saving child started"
        );
        std::thread::sleep(Duration::from_millis(kill % 7));
        child.kill().unwrap(); // SIGKILL: no destructor runs
        child.wait().unwrap();
        left_by_kills += leftover_temps(&path).len();
        // The restart: a new process opens the store.
        let tokens = zoho_core::FileStore::new(&path).load().await.unwrap();
        assert!(tokens.unwrap().refresh_token.expose().starts_with("1000.r"));
        assert_eq!(
            leftover_temps(&path),
            Vec::<String>::new(),
            "after kill {kill}"
        );
    }
    eprintln!("{left_by_kills} of 60 kills left a temporary token file; none survived a restart");
    assert!(left_by_kills > 0, "some kill landed inside a save");
}
