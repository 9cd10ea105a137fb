//! Debug Request: the request and answer are logged, and no token or secret ever is.

use std::io::Write;
use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use serde_json::json;
use tracing_subscriber::fmt::MakeWriter;
use zoho_core::{Method, Product, RequestBody};

use crate::exec_support::*;

/// Log lines, captured in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

fn capture() -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

const SECRETS: [&str; 8] = [
    TOKEN,
    "q-secret-access",
    "q-secret-client",
    "h-secret-key",
    "b-secret-refresh",
    "b-secret-client",
    "b-secret-bearer",
    "r-secret-answer",
];

#[tokio::test]
async fn a_logged_request_and_answer_show_no_secret() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/crm/v3/Leads");
            then.status(201).json_body(json!({
                "data": [{"code": "SUCCESS", "details": {"id": "4150868000000002175"}, "message": "record added", "status": "success"}],
                "access_token": "r-secret-answer",
                "echo": TOKEN,
            }));
        })
        .await;
    let (logs, _guard) = capture();
    let mut req = raw(
        Product::Crm,
        Method::Post,
        "/Leads?access_token=q-secret-access&page=1",
    );
    req.debug_request = true;
    req.query
        .push(("client_secret".into(), "q-secret-client".into()));
    req.headers
        .push(("X-Api-Key".into(), "h-secret-key".into()));
    req.headers.push(("X-Trace".into(), "visible-trace".into()));
    req.body = RequestBody::Json(json!({
        "data": [{"Last_Name": "Visible-Name"}],
        "refresh_token": "b-secret-refresh",
        "nested": {"client_secret": "b-secret-client"},
        "note": "Authorization: Bearer b-secret-bearer",
        "copy": TOKEN,
    }));
    client(&server).execute(req).await.expect("created");

    let text = logs.text();
    for expected in [
        "zoho_core::debug_request",
        "zoho request",
        "POST",
        "/crm/v3/Leads",
        "page=1",
        "visible-trace",
        "Visible-Name",
        "authorization: Zoho-oauthtoken [redacted]",
        "zoho answer",
        "status=201",
        "elapsed_ms",
        "4150868000000002175",
        r#""code":"SUCCESS""#,
        "page=1&client_secret=[redacted]",
    ] {
        assert!(
            text.contains(expected),
            "the log shows {expected:?}:\n{text}"
        );
    }
    for secret in SECRETS {
        assert!(!text.contains(secret), "the log leaks {secret:?}:\n{text}");
    }
}

#[tokio::test]
async fn form_and_multipart_bodies_and_failures_are_redacted_too() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/crm/v3/form");
            then.status(200).json_body(json!({"ok": true}));
        })
        .await;
    let (logs, _guard) = capture();
    let client = client(&server);
    let mut form = raw(Product::Crm, Method::Post, "/form");
    form.debug_request = true;
    form.body = RequestBody::Form(vec![
        ("client_secret".into(), "b-secret-client".into()),
        ("refresh_token".into(), "b-secret-refresh".into()),
        ("grant_type".into(), "refresh_token".into()),
    ]);
    client.execute(form).await.expect("form");

    let mut upload = raw(Product::Crm, Method::Post, "/form");
    upload.debug_request = true;
    upload.body = RequestBody::Multipart(vec![
        zoho_core::MultipartPart {
            name: "api_key".into(),
            file_name: None,
            content: zoho_core::FileContent::Text("h-secret-key".into()),
        },
        zoho_core::MultipartPart {
            name: "file".into(),
            file_name: Some("a.bin".into()),
            content: zoho_core::FileContent::Binary(b"r-secret-answer".to_vec()),
        },
    ]);
    client.execute(upload).await.expect("multipart");

    let closed = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        listener.local_addr().expect("address")
    };
    let offline = zoho_core::Client::builder("default")
        .token_source(static_token(&format!("http://{closed}")))
        .build()
        .expect("client");
    let mut failing = raw(Product::Crm, Method::Get, "/x?access_token=q-secret-access");
    failing.debug_request = true;
    assert!(offline.execute(failing).await.is_err());

    let text = logs.text();
    for expected in [
        "grant_type=refresh_token",
        "file \"a.bin\", 15 bytes of binary",
        "zoho request failed",
    ] {
        assert!(
            text.contains(expected),
            "the log shows {expected:?}:\n{text}"
        );
    }
    for secret in SECRETS {
        assert!(!text.contains(secret), "the log leaks {secret:?}:\n{text}");
    }
}

#[tokio::test]
async fn nothing_is_logged_without_debug_request() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/crm/v3/org");
            then.status(200).json_body(json!({"org": []}));
        })
        .await;
    let (logs, _guard) = capture();
    client(&server)
        .execute(raw(Product::Crm, Method::Get, "/org"))
        .await
        .expect("org");
    assert!(
        !logs.text().contains("zoho_core::debug_request"),
        "{}",
        logs.text()
    );
}
