//! The retry policy of typed actions, on the wire: what the spec's `idempotent` flag allows, the
//! per-try timeout, the whole-call budget and the wait for a slot. Backoff is set to 1 ms so the
//! tests take real time only where a timeout is what they check.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use httpmock::prelude::*;
use serde_json::json;
use tokio::io::AsyncReadExt;
use zoho_core::__private::within;
use zoho_core::{ActionRequest, Client, Error, Limit, Method, Product, RequestBody, ResultShape};

use crate::exec_support::*;

fn client_at(base: &str) -> zoho_core::ClientBuilder {
    Client::builder("default")
        .token_source(static_token(base))
        .retry_initial(Duration::from_millis(1))
}

fn get_record() -> ActionRequest {
    let mut req = request(
        Product::Crm,
        Method::Get,
        vec![value("recordType", "Leads"), value("recordId", "1")],
        ResultShape::CrmRecord,
    );
    req.idempotent = true;
    req
}

fn create_record() -> ActionRequest {
    let mut req = request(
        Product::Crm,
        Method::Post,
        vec![value("recordType", "Leads")],
        ResultShape::CrmWrite,
    );
    req.body = RequestBody::Json(json!({"data": [{"Last_Name": "Doe"}]}));
    req.idempotent = false;
    req
}

/// A mock answering `failures` times with `status`, then success.
async fn flaky<'a>(server: &'a MockServer, failures: usize, status: u16) -> httpmock::Mock<'a> {
    let count = Arc::new(AtomicUsize::new(0));
    server
        .mock_async(|when, then| {
            when.path_includes("/crm/v3/Leads");
            then.respond_with(move |_req: &HttpMockRequest| {
                if count.fetch_add(1, Ordering::SeqCst) < failures {
                    let code = if status == 429 { "TOO_MANY_REQUESTS" } else { "INTERNAL_ERROR" };
                    HttpMockResponse::builder()
                        .status(status)
                        .body(format!(r#"{{"code":"{code}","details":{{}},"message":"m","status":"error"}}"#))
                        .build()
                } else {
                    HttpMockResponse::builder()
                        .status(200)
                        .body(r#"{"data":[{"id":"1","code":"SUCCESS","status":"success","details":{"id":"1"},"message":"ok"}]}"#)
                        .build()
                }
            });
        })
        .await
}

/// A server that accepts connections, reads what comes, and never answers.
async fn stalled() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                while matches!(socket.read(&mut buffer).await, Ok(n) if n > 0) {}
            });
        }
    });
    format!("http://{address}")
}

/// A server that reads the request and then drops the connection without answering.
async fn dropping() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                if matches!(socket.read(&mut buffer).await, Ok(n) if n > 0) {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                drop(socket);
            });
        }
    });
    (format!("http://{address}"), seen)
}

#[tokio::test]
async fn an_idempotent_read_is_retried_on_5xx_up_to_three_attempts() {
    let server = MockServer::start_async().await;
    let mock = flaky(&server, 2, 503).await;
    let client = client_at(&server.base_url()).build().unwrap();
    assert_eq!(client.execute(get_record()).await.unwrap()["id"], "1");
    assert_eq!(mock.calls_async().await, 3);

    let server = MockServer::start_async().await;
    let mock = flaky(&server, 10, 500).await;
    let client = client_at(&server.base_url()).build().unwrap();
    let error = client.execute(get_record()).await.unwrap_err();
    assert_eq!((error.status(), error.attempts()), (Some(500), Some(3)));
    assert_eq!(mock.calls_async().await, 3, "max_retries 2 by default");
}

#[tokio::test]
async fn max_retries_is_the_connections_to_tune() {
    let server = MockServer::start_async().await;
    let mock = flaky(&server, 10, 502).await;
    let client = client_at(&server.base_url())
        .max_retries(0)
        .build()
        .unwrap();
    assert_eq!(
        client.execute(get_record()).await.unwrap_err().attempts(),
        Some(1)
    );
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_create_is_not_retried_after_a_5xx_it_may_have_been_stored() {
    let server = MockServer::start_async().await;
    let mock = flaky(&server, 1, 500).await;
    let client = client_at(&server.base_url()).build().unwrap();
    let error = client.execute(create_record()).await.unwrap_err();
    assert_eq!((error.status(), error.attempts()), (Some(500), Some(1)));
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_create_is_retried_after_a_429_zoho_did_not_process_it() {
    let server = MockServer::start_async().await;
    let mock = flaky(&server, 1, 429).await;
    let client = client_at(&server.base_url()).build().unwrap();
    assert_eq!(
        client.execute(create_record()).await.unwrap()["status"],
        "success"
    );
    assert_eq!(mock.calls_async().await, 2);
}

#[tokio::test]
async fn a_create_is_retried_when_the_connection_was_never_made() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = client_at(&base).build().unwrap();
    match client.execute(create_record()).await {
        Err(Error::Network { attempts, host, .. }) => {
            assert_eq!(attempts, 3, "refused connections prove nothing was sent");
            assert_eq!(host.as_deref(), base.strip_prefix("http://"));
        }
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_create_whose_connection_drops_after_sending_is_not_sent_again() {
    let (base, seen) = dropping().await;
    let client = client_at(&base).build().unwrap();
    let error = client.execute(create_record()).await.unwrap_err();
    assert!(
        matches!(error, Error::Network { attempts: 1, .. }),
        "{error:?}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 1, "Zoho saw it once");

    let (base, seen) = dropping().await;
    let client = client_at(&base).build().unwrap();
    let error = client.execute(get_record()).await.unwrap_err();
    assert!(
        matches!(error, Error::Network { attempts: 3, .. }),
        "{error:?}"
    );
    assert_eq!(
        seen.load(Ordering::SeqCst),
        3,
        "a read is safe to send again"
    );
}

#[tokio::test]
async fn each_try_has_the_connections_timeout_and_the_error_names_the_host() {
    let base = stalled().await;
    let client = client_at(&base)
        .timeout(Duration::from_millis(150))
        .build()
        .unwrap();
    let started = Instant::now();
    match client.execute(get_record()).await {
        Err(Error::Network {
            attempts,
            timed_out,
            host,
            reason,
        }) => {
            assert_eq!((attempts, timed_out), (3, true), "{reason}");
            assert_eq!(host.as_deref(), base.strip_prefix("http://"));
            assert!(reason.contains("per-try timeout"), "{reason}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(450));
}

#[tokio::test]
async fn the_whole_call_budget_ends_a_stalled_call_whatever_the_per_try_timeout() {
    let base = stalled().await;
    let client = client_at(&base).build().unwrap();
    let started = Instant::now();
    let error = within(Duration::from_millis(300), client.execute(get_record()))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            &error,
            Error::Network {
                timed_out: true,
                attempts: 1,
                host: Some(_),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("budget"), "{error}");
    assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");

    let client = client_at(&base)
        .call_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    assert!(client.execute(get_record()).await.is_err());
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn a_call_waits_for_a_slot_and_past_its_budget_names_the_concurrency_limit() {
    let base = stalled().await;
    let client = client_at(&base).concurrency(1).build().unwrap();
    let holder = {
        let client = client.clone();
        tokio::spawn(async move {
            within(Duration::from_millis(500), client.execute(get_record())).await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(client.limits().await.unwrap().in_flight, 1);
    let error = within(Duration::from_millis(100), client.execute(get_record()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::LimitReached {
                limit: Limit::Concurrency,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(holder.await.unwrap().is_err());
    assert_eq!(client.limits().await.unwrap().in_flight, 0);
}

#[tokio::test]
async fn daily_credits_refuse_a_call_at_once_when_spent() {
    let server = MockServer::start_async().await;
    let mock = flaky(&server, 0, 200).await;
    let client = client_at(&server.base_url())
        .daily_credits(Some(2))
        .build()
        .unwrap();
    client.execute(get_record()).await.unwrap();
    client.execute(get_record()).await.unwrap();
    let error = client.execute(get_record()).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::LimitReached {
                limit: Limit::Credits,
                retry_after: Some(_),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(mock.calls_async().await, 2, "nothing sent past the credits");
    let limits = client.limits().await.unwrap();
    assert_eq!(
        (limits.credits_used_24h, limits.credits_remaining),
        (2, Some(0))
    );
}

#[tokio::test]
async fn zohos_credit_count_corrects_ours() {
    let server = MockServer::start_async().await;
    let count = Arc::new(AtomicUsize::new(0));
    server
        .mock_async(|when, then| {
            when.path_includes("/crm/v3/Leads");
            then.respond_with(move |_req: &HttpMockRequest| {
                let left = 1 - count.fetch_add(1, Ordering::SeqCst).min(1);
                HttpMockResponse::builder()
                    .status(200)
                    .header("X-API-CREDITS-REMAINING", left.to_string())
                    .body(r#"{"data":[{"id":"1"}]}"#)
                    .build()
            });
        })
        .await;
    let client = client_at(&server.base_url()).build().unwrap();
    client.execute(get_record()).await.unwrap();
    assert_eq!(client.limits().await.unwrap().credits_remaining, Some(1));
    client.execute(get_record()).await.unwrap();
    let error = client.execute(get_record()).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::LimitReached {
                limit: Limit::Credits,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_raw_post_keeps_its_own_inputs_no_retry_by_default() {
    let server = MockServer::start_async().await;
    let mock = flaky(&server, 1, 503).await;
    let client = client_at(&server.base_url()).build().unwrap();
    let mut req = raw(Product::Crm, Method::Get, "/Leads");
    req.idempotent = true;
    let error = client.execute(req).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(mock.calls_async().await, 1, "maxRetryCount defaults to 0");
}
