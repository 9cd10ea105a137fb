//! Sending requests: URLs, the token header, bodies, response types, token refresh, timeouts and
//! the in-flight limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine;
use httpmock::prelude::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zoho_core::{
    Client, Error, FileContent, Method, MultipartPart, PathSegment, Product, RequestBody,
    ResponseType, ResultShape,
};

use crate::exec_support::*;

#[tokio::test]
async fn a_crm_get_goes_to_the_token_api_domain_with_the_zoho_token_header() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/crm/v3/Leads/4150868000000002175")
                .query_param("fields", "Last_Name")
                .header("authorization", format!("Zoho-oauthtoken {TOKEN}"));
            then.status(200)
                .json_body(json!({"data": [{"id": "4150868000000002175", "Last_Name": "Doe"}]}));
        })
        .await;
    let mut req = request(
        Product::Crm,
        Method::Get,
        vec![
            value("recordType", "Leads"),
            value("recordId", "4150868000000002175"),
        ],
        ResultShape::CrmRecord,
    );
    req.query.push(("fields".into(), "Last_Name".into()));
    let record = client(&server).execute(req).await.expect("record");
    assert_eq!(
        record,
        json!({"id": "4150868000000002175", "Last_Name": "Doe"})
    );
    mock.assert_async().await;
}

#[tokio::test]
async fn an_explicit_api_base_and_crm_version_decide_the_base_url() {
    let server = MockServer::start_async().await;
    let crm = server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v8/settings/modules");
            then.status(200).json_body(json!({"modules": []}));
        })
        .await;
    let books = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/books/v3/contacts")
                .query_param("organization_id", "42");
            then.status(200)
                .json_body(json!({"code": 0, "message": "success", "contacts": []}));
        })
        .await;
    let client = Client::builder("default")
        .token_source(static_token("https://www.zohoapis.invalid"))
        .api_base(server.base_url())
        .crm_version("v8")
        .books_organization_id("42")
        .build()
        .expect("client");
    let modules = client
        .execute(raw(Product::Crm, Method::Get, "/settings/modules"))
        .await
        .expect("modules");
    assert_eq!(modules, json!({"modules": []}));
    client
        .execute(raw(Product::Books, Method::Get, "contacts"))
        .await
        .expect("contacts");
    crm.assert_async().await;
    books.assert_async().await;
}

#[tokio::test]
async fn json_and_form_bodies_are_sent_with_their_content_types() {
    let server = MockServer::start_async().await;
    let json_mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/crm/v3/Leads")
                .header("content-type", "application/json")
                .json_body(json!({"data": [{"Last_Name": "Doe", "id_ref": "4150868000000002175"}]}));
            then.status(201).json_body(json!({"data": [{"code": "SUCCESS", "details": {"id": "1"}, "message": "record added", "status": "success"}]}));
        })
        .await;
    let form_mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/books/v3/contacts")
                .header("content-type", "application/x-www-form-urlencoded")
                .form_urlencoded_tuple("JSONString", r#"{"contact_name":"Acme & Co"}"#)
                .query_param("organization_id", "7");
            then.status(201).json_body(json!({"code": 0, "message": "The contact has been created", "contact": {"contact_id": "9"}}));
        })
        .await;
    let client = client(&server);
    let mut create = request(
        Product::Crm,
        Method::Post,
        vec![value("recordType", "Leads")],
        ResultShape::CrmWrite,
    );
    create.body =
        RequestBody::Json(json!({"data": [{"Last_Name": "Doe", "id_ref": "4150868000000002175"}]}));
    let item = client.execute(create).await.expect("created");
    assert_eq!(item["details"]["id"], "1");

    let mut form = request(
        Product::Books,
        Method::Post,
        vec![PathSegment::Literal("contacts")],
        ResultShape::BooksRecord,
    );
    form.body = RequestBody::Form(vec![(
        "JSONString".into(),
        r#"{"contact_name":"Acme & Co"}"#.into(),
    )]);
    form.organization_id = Some("7".into());
    assert_eq!(
        client.execute(form).await.expect("contact"),
        json!({"contact_id": "9"})
    );
    json_mock.assert_async().await;
    form_mock.assert_async().await;
}

#[tokio::test]
async fn multipart_file_parts_carry_their_names_and_exact_bytes() {
    let server = MockServer::start_async().await;
    let bytes: Vec<u8> = (0..=255u8).chain([0, 13, 10, 255]).collect();
    let expected = bytes.clone();
    let seen = Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let seen_in_mock = seen.clone();
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/crm/v3/Leads/1/Attachments").header_includes("content-type", "multipart/form-data");
            then.respond_with(move |req: &HttpMockRequest| {
                *seen_in_mock.lock().expect("lock") = req.body_vec();
                HttpMockResponse::builder()
                    .status(200)
                    .body(r#"{"data":[{"code":"SUCCESS","details":{"id":"5"},"message":"attachment uploaded successfully","status":"success"}]}"#)
                    .build()
            });
        })
        .await;
    let mut req = request(
        Product::Crm,
        Method::Post,
        vec![
            value("recordType", "Leads"),
            value("recordId", "1"),
            PathSegment::Literal("Attachments"),
        ],
        ResultShape::CrmWrite,
    );
    req.body = RequestBody::Multipart(vec![
        MultipartPart {
            name: "file".into(),
            file_name: Some("photo.bin".into()),
            content: FileContent::Binary(bytes),
        },
        MultipartPart {
            name: "title".into(),
            file_name: None,
            content: FileContent::Text("Holiday".into()),
        },
    ]);
    let item = client(&server).execute(req).await.expect("uploaded");
    assert_eq!(item["details"]["id"], "5");
    mock.assert_async().await;
    let body = seen.lock().expect("lock").clone();
    assert!(contains(&body, b"name=\"file\"; filename=\"photo.bin\""));
    assert!(contains(&body, b"name=\"title\""));
    assert!(contains(&body, b"Holiday"));
    assert!(
        contains(&body, &expected),
        "the file's bytes arrive unchanged"
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[tokio::test]
async fn text_and_binary_response_types() {
    let server = MockServer::start_async().await;
    let payload: Vec<u8> = vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255];
    server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/files/1");
            then.status(200)
                .header("content-type", "image/png")
                .body(payload.clone());
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/notes.txt");
            then.status(200).body("plain words");
        })
        .await;
    let client = client(&server);
    let mut binary = raw(Product::Crm, Method::Get, "/files/1");
    binary.response_type = ResponseType::Binary;
    let result = client.execute(binary).await.expect("binary");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(result["base64"].as_str().expect("base64 string"))
        .expect("valid base64");
    assert_eq!(decoded, payload);
    let mut text = raw(Product::Crm, Method::Get, "/notes.txt");
    text.response_type = ResponseType::Text;
    assert_eq!(
        client.execute(text).await.expect("text"),
        json!("plain words")
    );
}

#[tokio::test]
async fn user_headers_are_sent_but_authorization_is_refused() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/crm/v3/Leads")
                .header("If-Modified-Since", "2024-01-01T00:00:00+00:00");
            then.status(200)
                .json_body(json!({"data": [], "info": {"more_records": false}}));
        })
        .await;
    let client = client(&server);
    let mut ok = raw(Product::Crm, Method::Get, "/Leads");
    ok.headers.push((
        "If-Modified-Since".into(),
        "2024-01-01T00:00:00+00:00".into(),
    ));
    client.execute(ok).await.expect("sent");
    mock.assert_async().await;

    // Hop-by-hop and protocol headers belong to one connection; Zoho never sees them.
    for name in [
        "Authorization",
        "authorization",
        "Host",
        "Upgrade",
        "TE",
        "Expect",
        "Connection",
        "Keep-Alive",
        "Trailer",
    ] {
        let mut bad = raw(Product::Crm, Method::Get, "/Leads");
        bad.headers
            .push((name.into(), "Zoho-oauthtoken stolen".into()));
        match client.execute(bad).await {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, format!("headers.{name}")),
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }
    let mut injected = raw(Product::Crm, Method::Get, "/Leads");
    injected
        .headers
        .push(("X-Note".into(), "a\r\nHost: evil".into()));
    assert!(
        matches!(client.execute(injected).await, Err(Error::InvalidInput { field, .. }) if field == "headers.X-Note")
    );
    assert_eq!(
        mock.calls_async().await,
        1,
        "refused requests are never sent"
    );
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_once_and_the_call_retried() {
    let server = MockServer::start_async().await;
    let rejected = server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/Leads/1").header("authorization", "Zoho-oauthtoken token-1");
            then.status(401).json_body(json!({"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"}));
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/crm/v3/Leads/1")
                .header("authorization", "Zoho-oauthtoken token-2");
            then.status(200).json_body(json!({"data": [{"id": "1"}]}));
        })
        .await;
    let tokens = RotatingToken::new(&server.base_url());
    let client = Client::builder("default")
        .token_source(tokens.clone())
        .build()
        .expect("client");
    let mut req = request(
        Product::Crm,
        Method::Get,
        vec![value("recordType", "Leads"), value("recordId", "1")],
        ResultShape::CrmRecord,
    );
    req.record = record("Leads", "1");
    assert_eq!(
        client.execute(req).await.expect("record"),
        json!({"id": "1"})
    );
    assert_eq!(tokens.rejections.load(Ordering::SeqCst), 1);
    rejected.assert_async().await;
    accepted.assert_async().await;
}

#[tokio::test]
async fn a_books_invalid_oauth_token_is_refreshed_too() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/books/v3/contacts")
                .header("authorization", "Zoho-oauthtoken token-1");
            then.status(401)
                .json_body(json!({"code": 57, "message": "Invalid OAuth Token"}));
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.path("/books/v3/contacts")
                .header("authorization", "Zoho-oauthtoken token-2");
            then.status(200)
                .json_body(json!({"code": 0, "message": "success", "contacts": []}));
        })
        .await;
    let tokens = RotatingToken::new(&server.base_url());
    let client = Client::builder("default")
        .token_source(tokens.clone())
        .books_organization_id("1")
        .build()
        .expect("client");
    let req = request(
        Product::Books,
        Method::Get,
        vec![PathSegment::Literal("contacts")],
        ResultShape::BooksRecords,
    );
    assert_eq!(
        client.execute(req).await.expect("contacts"),
        json!({"contacts": []})
    );
    assert_eq!(tokens.rejections.load(Ordering::SeqCst), 1);
    accepted.assert_async().await;
}

#[tokio::test]
async fn a_token_rejected_twice_is_unauthorized_with_a_next_step() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/Leads/1");
            then.status(401).json_body(json!({"code": "AUTHENTICATION_FAILURE", "details": {}, "message": "Authentication failed", "status": "error"}));
        })
        .await;
    let tokens = RotatingToken::new(&server.base_url());
    let client = Client::builder("sales")
        .token_source(tokens.clone())
        .build()
        .expect("client");
    let req = request(
        Product::Crm,
        Method::Get,
        vec![value("recordType", "Leads"), value("recordId", "1")],
        ResultShape::CrmRecord,
    );
    match client.execute(req).await {
        Err(Error::Unauthorized {
            connection,
            next_step,
            ..
        }) => {
            assert_eq!(connection, "sales");
            assert!(
                next_step.contains("auth login --connection sales"),
                "{next_step}"
            );
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert_eq!(
        mock.calls_async().await,
        2,
        "one refresh, one retry, no more"
    );
    assert_eq!(tokens.rejections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_scope_mismatch_is_not_a_token_rejection() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/Leads/1");
            then.status(401).json_body(json!({"code": "OAUTH_SCOPE_MISMATCH", "details": {}, "message": "invalid oauth scope to access this URL", "status": "error"}));
        })
        .await;
    let tokens = RotatingToken::new(&server.base_url());
    let client = Client::builder("default")
        .token_source(tokens.clone())
        .build()
        .expect("client");
    let req = request(
        Product::Crm,
        Method::Get,
        vec![value("recordType", "Leads"), value("recordId", "1")],
        ResultShape::CrmRecord,
    );
    let err = client.execute(req).await.expect_err("scope mismatch");
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        err.zoho_code().map(ToString::to_string).as_deref(),
        Some("OAUTH_SCOPE_MISMATCH")
    );
    assert_eq!(tokens.rejections.load(Ordering::SeqCst), 0);
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_slow_answer_times_out_as_a_network_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/slow");
            then.status(200)
                .delay(Duration::from_secs(3))
                .json_body(json!({}));
        })
        .await;
    let mut req = raw(Product::Crm, Method::Get, "/slow");
    req.timeout = Some(Duration::from_millis(100));
    match client(&server).execute(req).await {
        Err(Error::Network {
            attempts,
            timed_out,
            reason,
            host,
        }) => {
            assert_eq!(attempts, 1);
            assert_eq!(host.as_deref(), Some(server.address().to_string().as_str()));
            assert!(timed_out, "{reason}");
            assert!(
                !reason.contains("127.0.0.1"),
                "no URL in the reason: {reason}"
            );
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    let mut zero = raw(Product::Crm, Method::Get, "/slow");
    zero.timeout = Some(Duration::ZERO);
    assert!(
        matches!(client(&server).execute(zero).await, Err(Error::InvalidInput { field, .. }) if field == "timeout")
    );
}

#[tokio::test]
async fn builder_refuses_bad_configuration() {
    let ok = || Client::builder("default").token_source(static_token("https://www.zohoapis.com"));
    assert!(matches!(
        Client::builder("default").build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        ok().api_base("ftp://example.com").build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        ok().crm_version("3").build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(ok().concurrency(0).build(), Err(Error::Config(_))));
    assert!(matches!(
        ok().concurrency(usize::MAX).build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        ok().crm_default_fields(vec![]).build(),
        Err(Error::Config(_))
    ));
    let client = ok().build().expect("client");
    let debug = format!("{client:?}");
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(debug.contains("concurrency: 10"), "{debug}");
}

/// A loopback HTTP/1.1 server that counts requests in flight: each is held briefly before the
/// answer so overlapping requests would be seen.
async fn counting_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let most_out = most.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let now = now.clone();
            let most = most.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 1024];
                loop {
                    let Ok(read) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..read]);
                    while let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        buffer.drain(..end + 4);
                        let in_flight = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(in_flight, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        now.fetch_sub(1, Ordering::SeqCst);
                        let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                        if socket.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    (format!("http://{address}"), most_out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_never_exceed_the_connection_limit() {
    let (base, most) = counting_server().await;
    let client = Client::builder("default")
        .token_source(static_token(&base))
        .max_in_flight(3)
        .build()
        .expect("client");
    let calls = (0..24).map(|_| {
        let client = client.clone();
        async move { client.execute(raw(Product::Crm, Method::Get, "/org")).await }
    });
    for result in futures::future::join_all(calls).await {
        assert_eq!(result.expect("answered"), json!({}));
    }
    let most = most.load(Ordering::SeqCst);
    assert!((1..=3).contains(&most), "at most 3 in flight, saw {most}");
}
