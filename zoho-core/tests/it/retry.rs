//! Retries as the Raw Request inputs describe them, on the wire, with short real delays (every
//! try runs under a per-try timer, so tokio's paused clock would fire it while the mock answers;
//! the long waits and clamps are unit-tested in `retry.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use httpmock::prelude::*;
use serde_json::json;
use zoho_core::{Client, Error, Method, Product, RetryPolicy, ZohoCode};

use crate::exec_support::*;

fn policy(max_retries: u32, delay_ms: u64, backoff: bool, all: bool) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        delay: Duration::from_millis(delay_ms),
        exponential_backoff: backoff,
        retry_on_all_errors: all,
    }
}

/// A mock that answers `failures` with `status` (and `headers`), then 200.
async fn flaky<'a>(
    server: &'a MockServer,
    path: &str,
    failures: usize,
    status: u16,
    headers: Vec<(&'static str, String)>,
) -> httpmock::Mock<'a> {
    let count = Arc::new(AtomicUsize::new(0));
    server
        .mock_async(|when, then| {
            when.path(path.to_owned());
            then.respond_with(move |_req: &HttpMockRequest| {
                if count.fetch_add(1, Ordering::SeqCst) < failures {
                    let mut answer = HttpMockResponse::builder().status(status);
                    for (name, value) in &headers {
                        answer = answer.header(*name, value.clone());
                    }
                    let code = if status == 429 { "TOO_MANY_REQUESTS" } else { "INTERNAL_ERROR" };
                    answer
                        .body(format!(r#"{{"code":"{code}","details":{{}},"message":"failed","status":"error"}}"#))
                        .build()
                } else {
                    HttpMockResponse::builder().status(200).body(r#"{"ok":true}"#).build()
                }
            });
        })
        .await
}

#[tokio::test]
async fn server_errors_are_retried_after_the_fixed_delay() {
    let server = MockServer::start_async().await;
    let mock = flaky(&server, "/crm/v3/org", 2, 503, vec![]).await;
    let mut req = raw(Product::Crm, Method::Get, "/org");
    req.retry = policy(3, 50, false, false);
    let started = tokio::time::Instant::now();
    assert_eq!(
        client(&server).execute(req).await.expect("third try"),
        json!({"ok": true})
    );
    assert_eq!(mock.calls_async().await, 3);
    assert!(
        started.elapsed() >= Duration::from_millis(100),
        "two pauses of 50 ms"
    );
}

#[tokio::test]
async fn out_of_retries_the_last_answer_is_the_error() {
    let server = MockServer::start_async().await;
    let mock = flaky(&server, "/crm/v3/org", 10, 500, vec![]).await;
    let mut req = raw(Product::Crm, Method::Get, "/org");
    req.retry = policy(2, 0, true, false);
    let err = client(&server)
        .execute(req)
        .await
        .expect_err("still failing");
    assert_eq!(err.status(), Some(500));
    assert_eq!(mock.calls_async().await, 3, "first try and two retries");
}

#[tokio::test]
async fn a_429_is_retried_only_with_retry_on_all_errors_and_honours_retry_after() {
    let server = MockServer::start_async().await;
    let once = flaky(
        &server,
        "/crm/v3/once",
        1,
        429,
        vec![("Retry-After", "7".into())],
    )
    .await;
    let mut req = raw(Product::Crm, Method::Get, "/once");
    req.retry = policy(3, 0, false, false);
    match client(&server).execute(req).await {
        Err(Error::RateLimited {
            http_status,
            code,
            retry_after,
            attempts,
            ..
        }) => {
            assert_eq!(attempts, 1);
            assert_eq!(http_status, 429);
            assert_eq!(code, Some(ZohoCode::Text("TOO_MANY_REQUESTS".into())));
            assert_eq!(retry_after, Some(Duration::from_secs(7)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(once.calls_async().await, 1, "429 is not retried by default");

    let server = MockServer::start_async().await;
    let mock = flaky(
        &server,
        "/crm/v3/org",
        1,
        429,
        vec![("Retry-After", "1".into())],
    )
    .await;
    let mut req = raw(Product::Crm, Method::Get, "/org");
    req.retry = policy(3, 0, true, true);
    let started = tokio::time::Instant::now();
    assert_eq!(
        client(&server).execute(req).await.expect("second try"),
        json!({"ok": true})
    );
    assert_eq!(mock.calls_async().await, 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After wins over backoff"
    );
}

#[tokio::test]
async fn an_http_date_retry_after_is_honoured() {
    let server = MockServer::start_async().await;
    let in_an_hour = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(2));
    let mock = flaky(
        &server,
        "/crm/v3/org",
        1,
        503,
        vec![("Retry-After", in_an_hour)],
    )
    .await;
    let mut req = raw(Product::Crm, Method::Get, "/org");
    req.retry = policy(1, 0, false, false);
    let started = tokio::time::Instant::now();
    client(&server).execute(req).await.expect("after the pause");
    assert_eq!(mock.calls_async().await, 2);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900), "waited {waited:?}");
}

#[tokio::test]
async fn out_of_retries_on_a_rate_limit_is_rate_limited() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.path("/books/v3/organizations");
            then.status(429).json_body(json!({"code": 1070, "message": "You have reached the maximum number of in process requests allowed."}));
        })
        .await;
    let mut req = raw(Product::Books, Method::Get, "/organizations");
    req.retry = policy(2, 100, false, true);
    match client(&server).execute(req).await {
        Err(Error::RateLimited {
            code, retry_after, ..
        }) => {
            assert_eq!(code, Some(ZohoCode::Number(1070)));
            assert_eq!(retry_after, None);
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(mock.calls_async().await, 3);
}

/// A port with nothing listening.
async fn closed_port() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{address}")
}

#[tokio::test]
async fn connection_errors_retry_idempotent_calls_and_posts_only_when_asked() {
    let base = closed_port().await;
    let client = Client::builder("default")
        .token_source(static_token(&base))
        .build()
        .expect("client");

    let mut get = raw(Product::Crm, Method::Get, "/org");
    get.retry = policy(2, 10, false, false);
    assert!(matches!(
        client.execute(get).await,
        Err(Error::Network {
            attempts: 3,
            timed_out: false,
            ..
        })
    ));

    let mut post = raw(Product::Crm, Method::Post, "/Leads");
    post.retry = policy(2, 10, false, false);
    assert!(
        matches!(
            client.execute(post).await,
            Err(Error::Network { attempts: 1, .. })
        ),
        "a POST may have reached Zoho: not retried by default"
    );

    let mut post = raw(Product::Crm, Method::Post, "/Leads");
    post.retry = policy(2, 10, false, true);
    assert!(matches!(
        client.execute(post).await,
        Err(Error::Network { attempts: 3, .. })
    ));
}

#[tokio::test]
async fn other_4xx_and_3xx_are_retried_only_with_retry_on_all_errors() {
    for (status, all, calls) in [
        (404, false, 1),
        (404, true, 3),
        (302, false, 1),
        (302, true, 3),
    ] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.path("/crm/v3/x");
                then.status(status)
                    .header("Location", "https://elsewhere.invalid/")
                    .body("");
            })
            .await;
        let mut req = raw(Product::Crm, Method::Get, "/x");
        req.retry = policy(2, 0, false, all);
        let err = client(&server).execute(req).await.expect_err("failure");
        assert_eq!(err.status(), Some(status));
        assert_eq!(
            mock.calls_async().await,
            calls,
            "status {status}, retry_on_all_errors {all}"
        );
    }
}
