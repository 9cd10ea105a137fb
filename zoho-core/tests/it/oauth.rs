//! The authorization-code flow, multi-DC code exchange, revoke, the deprecated connection kind,
//! and Zoho's token errors (most sent with HTTP 200).

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use httpmock::prelude::*;
use serde_json::json;
use url::Url;
use zoho_core::__private::OAuthEndpoints;
use zoho_core::{
    ConnectionConfig, ConnectionKind, Error, MemoryStore, Region, TokenStore, ZohoCode,
};

use crate::auth_support::*;

const REDIRECT: &str = "http://127.0.0.1:8787/oauth/callback";

fn query(url: &str) -> HashMap<String, String> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn mock_code_exchange<'a>(
    server: &'a MockServer,
    body: serde_json::Value,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/v2/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .form_urlencoded_tuple("grant_type", "authorization_code")
                .form_urlencoded_tuple("client_id", CLIENT_ID)
                .form_urlencoded_tuple("client_secret", CLIENT_SECRET)
                .form_urlencoded_tuple("redirect_uri", REDIRECT)
                .form_urlencoded_tuple("code", "1000.grant-code");
            then.status(200).json_body(body);
        })
        .await
}

#[tokio::test]
async fn the_authorization_url_asks_for_offline_access_with_comma_separated_scopes() {
    let config = ConnectionConfig {
        region_url: Some("eu".into()),
        ..ConnectionConfig::new(CLIENT_ID)
    };
    let connection = connection(config, Arc::new(MemoryStore::new()));
    let start = connection.authorization_url(REDIRECT).await.unwrap();
    assert!(
        start
            .url
            .starts_with("https://accounts.zoho.eu/oauth/v2/auth?"),
        "{}",
        start.url
    );
    let params = query(&start.url);
    assert_eq!(
        params["scope"],
        "ZohoCRM.coql.READ,ZohoCRM.notifications.ALL,ZohoCRM.users.ALL,ZohoCRM.org.ALL,\
         ZohoCRM.settings.ALL,ZohoCRM.modules.ALL,ZohoCRM.bulk.ALL,ZohoBooks.fullaccess.all"
    );
    assert_eq!(params["client_id"], CLIENT_ID);
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["access_type"], "offline");
    assert_eq!(params["prompt"], "consent");
    assert_eq!(params["redirect_uri"], REDIRECT);
    assert_eq!(params["state"], start.state);
    assert!(!start.url.contains(CLIENT_SECRET));

    let second = connection.authorization_url(REDIRECT).await.unwrap();
    assert_ne!(
        second.state, start.state,
        "every authorization gets its own state"
    );
    assert!(connection.authorization_url("not a url").await.is_err());
}

#[tokio::test]
async fn completing_an_authorization_stores_the_tokens_and_hands_them_out() {
    let server = MockServer::start_async().await;
    let exchange = mock_code_exchange(
        &server,
        json!({"access_token": "1000.access-new", "refresh_token": "1000.refresh-new",
               "api_domain": "https://www.zohoapis.in", "token_type": "Bearer",
               "scope": "ZohoCRM.modules.ALL", "expires_in": 3600}),
    )
    .await;
    let (connection, store) = connection_with(&server, None);
    let start = connection.authorization_url(REDIRECT).await.unwrap();

    connection
        .complete_authorization(
            "1000.grant-code",
            Some(&server.base_url()),
            &start.state,
            REDIRECT,
        )
        .await
        .unwrap();

    exchange.assert_calls_async(1).await;
    let stored = store.load().await.unwrap().unwrap();
    assert_eq!(stored.refresh_token.expose(), "1000.refresh-new");
    assert_eq!(
        stored.api_domain.as_deref(),
        Some("https://www.zohoapis.in")
    );
    assert_eq!(
        stored.accounts_server.as_deref(),
        Some(server.base_url().as_str())
    );
    let token = connection.token_source().access_token().await.unwrap();
    assert_eq!(token.token.expose(), "1000.access-new");
    assert_eq!(token.api_domain, "https://www.zohoapis.in");
    exchange.assert_calls_async(1).await;
    let again = connection
        .complete_authorization("1000.grant-code", None, &start.state, REDIRECT)
        .await;
    assert!(
        matches!(again, Err(zoho_core::Error::Unauthorized { .. })),
        "a state is accepted once: {again:?}"
    );
    exchange.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_wrong_or_reused_state_is_refused_before_anything_is_sent() {
    let server = MockServer::start_async().await;
    let exchange =
        mock_code_exchange(&server, json!({"access_token": "a", "refresh_token": "r"})).await;
    let (connection, _) = connection_with(&server, None);
    let start = connection.authorization_url(REDIRECT).await.unwrap();

    let forged = connection
        .complete_authorization("1000.grant-code", None, "forged-state", REDIRECT)
        .await;
    assert!(
        matches!(forged, Err(Error::Unauthorized { .. })),
        "{forged:?}"
    );
    exchange.assert_calls_async(0).await;

    connection
        .complete_authorization("1000.grant-code", None, &start.state, REDIRECT)
        .await
        .unwrap();
    let reused = connection
        .complete_authorization("1000.grant-code", None, &start.state, REDIRECT)
        .await;
    assert!(
        matches!(reused, Err(Error::Unauthorized { .. })),
        "{reused:?}"
    );
    exchange.assert_calls_async(1).await;
}

#[tokio::test]
async fn the_client_secret_never_goes_to_an_accounts_server_that_is_not_zohos() {
    let server = MockServer::start_async().await;
    let anywhere = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .json_body(json!({"access_token": "a", "refresh_token": "r"}));
        })
        .await;
    let (connection, _) = connection_with(&server, None);
    for hostile in [
        "https://accounts.zoho.eu.evil.example",
        "https://evil.example",
        "http://accounts.zoho.eu",
        "https://accounts.zoho.eu:444",
        "https://accounts.zoho.eu@evil.example",
        "http://127.0.0.1:1",
        "javascript:alert(1)",
        "//evil.example",
    ] {
        let start = connection.authorization_url(REDIRECT).await.unwrap();
        let result = connection
            .complete_authorization("1000.grant-code", Some(hostile), &start.state, REDIRECT)
            .await;
        let err = result.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{hostile}: {err:?}");
        assert!(!err.to_string().contains(CLIENT_SECRET));
    }
    anywhere.assert_calls_async(0).await;
}

#[test]
fn a_multi_dc_code_is_exchanged_at_the_accounts_server_the_redirect_names() {
    let us = OAuthEndpoints::for_region(Region::Us).unwrap();
    for region in Region::ALL {
        let endpoints = us
            .for_grant_from(Some(&format!("{}/", region.accounts_url())))
            .unwrap();
        assert_eq!(endpoints.token_url.as_str(), region.token_url());
        assert_eq!(endpoints.revoke_url.as_str(), region.revoke_url());
        assert_eq!(endpoints.authorize_url.as_str(), Region::Us.auth_url());
    }
    assert_eq!(us.for_grant_from(None).unwrap(), us);
}

#[tokio::test]
async fn a_self_client_code_is_exchanged_without_a_redirect_uri() {
    let server = MockServer::start_async().await;
    let exchange = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/v2/token")
                .form_urlencoded_tuple("grant_type", "authorization_code")
                .form_urlencoded_tuple("code", "1000.self-client-code")
                .form_urlencoded_tuple_missing("redirect_uri");
            then.status(200).json_body(
                json!({"access_token": "1000.a", "refresh_token": "1000.r", "expires_in": 3600}),
            );
        })
        .await;
    let (connection, store) = connection_with(&server, None);
    connection
        .exchange_self_client_code("1000.self-client-code")
        .await
        .unwrap();
    exchange.assert_calls_async(1).await;
    assert_eq!(
        store.load().await.unwrap().unwrap().refresh_token.expose(),
        "1000.r"
    );
}

#[tokio::test]
async fn a_consent_without_a_refresh_token_is_refused_with_a_next_step() {
    let server = MockServer::start_async().await;
    mock_code_exchange(
        &server,
        json!({"access_token": "1000.a", "expires_in": 3600}),
    )
    .await;
    let (connection, store) = connection_with(&server, None);
    let start = connection.authorization_url(REDIRECT).await.unwrap();
    let err = connection
        .complete_authorization("1000.grant-code", None, &start.state, REDIRECT)
        .await
        .unwrap_err();
    let Error::Unauthorized {
        reason, next_step, ..
    } = err
    else {
        panic!("expected unauthorized, got {err:?}")
    };
    assert!(reason.contains("no refresh token"), "{reason}");
    assert!(
        next_step.contains("auth login --connection default"),
        "{next_step}"
    );
    assert!(store.load().await.unwrap().is_none());
}

#[tokio::test]
async fn zohos_token_errors_sent_with_http_200_are_failures() {
    let server = MockServer::start_async().await;
    let cases = [
        (200, json!({"error": "invalid_code"}), "invalid_code"),
        (200, json!({"error": "invalid_client"}), "invalid_client"),
        (
            200,
            json!({"error": "invalid_client_secret"}),
            "invalid_client_secret",
        ),
    ];
    for (status, body, code) in cases {
        let refresh = mock_refresh(&server, status, body, Duration::ZERO).await;
        let (connection, _) = connection_with(&server, Some(expired_tokens()));
        let err = connection.token_source().access_token().await.unwrap_err();
        let Error::Unauthorized {
            connection: name,
            reason,
            next_step,
        } = &err
        else {
            panic!("{code}: expected unauthorized, got {err:?}")
        };
        assert_eq!(name, "default");
        assert!(reason.contains(code), "{reason}");
        assert!(!err.is_retryable());
        match code {
            "invalid_client_secret" => {
                assert!(next_step.contains("ZOHO_CLIENT_SECRET"), "{next_step}")
            }
            _ => assert!(
                next_step.contains("zoho-server auth login --connection default"),
                "{next_step}"
            ),
        }
        refresh.assert_calls_async(1).await;
        refresh.delete_async().await;
    }
}

#[tokio::test]
async fn access_denied_is_a_throttle_to_wait_out_not_an_auth_failure() {
    let server = MockServer::start_async().await;
    let throttled = json!({"error": "Access Denied",
        "error_description": "You have made too many requests continuously. Please try again after some time.",
        "status": "failure"});
    for status in [200, 400] {
        let refresh = mock_refresh(&server, status, throttled.clone(), Duration::ZERO).await;
        let (connection, _) = connection_with(&server, Some(expired_tokens()));
        let err = connection.token_source().access_token().await.unwrap_err();
        let Error::RateLimited {
            http_status, code, ..
        } = &err
        else {
            panic!("expected rate limited, got {err:?}")
        };
        assert_eq!(*http_status, status);
        assert_eq!(code, &Some(ZohoCode::Text("Access Denied".into())));
        assert!(err.is_retryable());
        refresh.delete_async().await;
    }
}

#[tokio::test]
async fn a_bad_grant_code_means_authorizing_again() {
    let server = MockServer::start_async().await;
    mock_code_exchange(&server, json!({"error": "invalid_code"})).await;
    let (connection, _) = connection_with(&server, None);
    let start = connection.authorization_url(REDIRECT).await.unwrap();
    let err = connection
        .complete_authorization("1000.grant-code", None, &start.state, REDIRECT)
        .await
        .unwrap_err();
    let Error::Unauthorized { reason, .. } = err else {
        panic!("expected unauthorized, got {err:?}")
    };
    assert!(reason.contains("authorization code"), "{reason}");
}

#[tokio::test]
async fn the_legacy_millisecond_lifetime_is_read_from_expires_in_sec() {
    let server = MockServer::start_async().await;
    mock_refresh(
        &server,
        200,
        json!({"access_token": "1000.access-new", "expires_in": 3_600_000, "expires_in_sec": 3600}),
        Duration::ZERO,
    )
    .await;
    let (connection, store) = connection_with(&server, Some(expired_tokens()));
    connection.token_source().access_token().await.unwrap();
    let expires_at = store.load().await.unwrap().unwrap().expires_at.unwrap();
    let left = expires_at.duration_since(SystemTime::now()).unwrap();
    assert!(
        left > Duration::from_secs(3000) && left <= Duration::from_secs(3600),
        "{left:?}"
    );
}

#[tokio::test]
async fn revoking_tells_zoho_and_forgets_the_tokens() {
    let server = MockServer::start_async().await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/v2/token/revoke")
                .query_param("token", OLD_REFRESH);
            then.status(200).json_body(json!({"status": "success"}));
        })
        .await;
    let (connection, store) =
        connection_with(&server, Some(tokens_valid_for(Duration::from_secs(3600))));
    assert!(connection.revoke().await.unwrap());
    revoke.assert_calls_async(1).await;
    assert!(store.load().await.unwrap().is_none());
    let err = connection.token_source().access_token().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert!(
        !connection.revoke().await.unwrap(),
        "nothing left to revoke"
    );
    revoke.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_failed_revoke_keeps_the_tokens() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/v2/token/revoke");
            then.status(503).body("unavailable");
        })
        .await;
    let (connection, store) =
        connection_with(&server, Some(tokens_valid_for(Duration::from_secs(3600))));
    let err = connection.revoke().await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(store.load().await.unwrap().is_some());
}

#[tokio::test]
async fn the_deprecated_kind_uses_its_three_urls() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/custom/token")
                .form_urlencoded_tuple("grant_type", "authorization_code");
            then.status(200)
                .json_body(json!({"access_token": "1000.a", "refresh_token": "1000.r",
                "api_domain": "https://www.zohoapis.jp", "expires_in": 3600}));
        })
        .await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/custom/revoke")
                .query_param("token", "1000.r");
            then.status(200).json_body(json!({"status": "success"}));
        })
        .await;
    let config = ConnectionConfig {
        kind: ConnectionKind::OAuth2Deprecated,
        authorize_url: Some(server.url("/custom/authorize")),
        token_url: Some(server.url("/custom/token")),
        revoke_url: Some(server.url("/custom/revoke")),
        ..ConnectionConfig::new(CLIENT_ID)
    };
    let connection = connection(config, Arc::new(MemoryStore::new()));
    let start = connection.authorization_url(REDIRECT).await.unwrap();
    assert!(
        start.url.starts_with(&server.url("/custom/authorize?")),
        "{}",
        start.url
    );

    // The deprecated kind has no multi-DC: the redirect's accounts-server is not followed.
    connection
        .complete_authorization(
            "1000.code",
            Some("https://evil.example"),
            &start.state,
            REDIRECT,
        )
        .await
        .unwrap();
    token.assert_calls_async(1).await;
    let access = connection.token_source().access_token().await.unwrap();
    assert_eq!(access.api_domain, "https://www.zohoapis.jp");
    assert!(connection.revoke().await.unwrap());
    revoke.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_token_zoho_no_longer_knows_is_forgotten_on_revoke() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/v2/token/revoke");
            then.status(400)
                .json_body(json!({"status": "failure", "error": "invalid_token"}));
        })
        .await;
    let (connection, store) =
        connection_with(&server, Some(tokens_valid_for(Duration::from_secs(3600))));
    assert!(connection.revoke().await.unwrap());
    assert!(store.load().await.unwrap().is_none());
}
