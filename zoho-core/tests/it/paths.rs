//! Path safety: hostile raw URLs and template values never reach another host or climb out of the
//! base, checked on the built URL and on the wire (nothing arrives at a second server).

use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use serde_json::json;
use url::Url;
use zoho_core::__private::resolve_url;
use zoho_core::{Error, Method, Product, RequestPath, ResultShape};

use crate::exec_support::*;

/// Raw URLs that try to leave the base; every one must be refused. `{evil}` is the second
/// server's `host:port`.
const HOSTILE_RAW: &[&str] = &[
    "http://{evil}/steal",
    "https://{evil}/steal",
    "HTTP://{evil}/steal",
    "http:/{evil}/steal",
    "http:{evil}/steal",
    "//{evil}/steal",
    "///{evil}/steal",
    "\\\\{evil}\\steal",
    "/\\{evil}/steal",
    "\\/{evil}/steal",
    "{evil}/steal",
    "user@{evil}/steal",
    "@{evil}/steal",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "data:text/plain,hi",
    "/Leads\r\nHost: {evil}",
    "/Leads\nX: 1",
    "/Leads\0",
    "/Leads\t",
    " http://{evil}/steal",
    "/../../../{evil}/steal",
    "/Leads/../../steal",
    "..",
    "/%2e%2e/%2e%2e/steal",
    "/%2E%2E/steal",
    "/.%2e/steal",
    "/%252e%252e/steal",
    "/Leads%2f..%2f..%2fsteal",
    "/Leads%5c..%5csteal",
    "/%0d%0aHost:%20evil",
    "/Leads/%zz",
    "/Leads#@{evil}",
    "/Leads//{evil}",
    "",
];

/// Template values that try to change the path's shape: each becomes one encoded segment or is refused.
const HOSTILE_VALUES: &[&str] = &[
    "../../steal",
    "..",
    ".",
    "",
    "a/b",
    "a?b=c",
    "a#b",
    "%2e%2e",
    "a%2Fb",
    "http://{evil}/steal",
    "//{evil}",
    "a b",
    "\\..\\steal",
    "\r\nHost: {evil}",
    "@{evil}",
];

fn base(server: &MockServer) -> Url {
    Url::parse(&format!("{}/crm/v3", server.base_url())).expect("base")
}

fn stays_below(url: &Url, base: &Url) -> bool {
    url.scheme() == base.scheme()
        && url.host_str() == base.host_str()
        && url.port_or_known_default() == base.port_or_known_default()
        && url.path().starts_with("/crm/v3/")
}

#[tokio::test]
async fn hostile_urls_and_segments_never_reach_another_host() {
    let zoho = MockServer::start_async().await;
    let evil = MockServer::start_async().await;
    let evil_host = format!("127.0.0.1:{}", evil.port());
    let stolen = evil
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .json_body(json!({"data": [{"id": "stolen"}]}));
        })
        .await;
    let paths = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = paths.clone();
    let arrived = zoho
        .mock_async(|when, then| {
            when.any_request();
            then.respond_with(move |req: &HttpMockRequest| {
                seen.lock().expect("lock").push(req.uri().path().to_owned());
                HttpMockResponse::builder()
                    .status(200)
                    .body(r#"{"data":[{"id":"1"}]}"#)
                    .build()
            });
        })
        .await;
    let client = client(&zoho);
    let base = base(&zoho);

    assert!(HOSTILE_RAW.len() + HOSTILE_VALUES.len() >= 20);
    for hostile in HOSTILE_RAW {
        let url = hostile.replace("{evil}", &evil_host);
        let path = RequestPath::Raw(url.clone());
        match resolve_url(&base, &path, &[]) {
            Err(Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "url", "{url:?}");
                assert!(!reason.is_empty());
            }
            other => panic!("{url:?} must be refused, got {other:?}"),
        }
        let sent = client.execute(raw(Product::Crm, Method::Get, &url)).await;
        assert!(
            matches!(sent, Err(Error::InvalidInput { .. })),
            "{url:?}: {sent:?}"
        );
    }

    let mut sent_values = 0;
    for hostile in HOSTILE_VALUES {
        let hostile = hostile.replace("{evil}", &evil_host);
        let segments = vec![value("recordType", "Leads"), value("recordId", &hostile)];
        let path = RequestPath::Segments(segments.clone());
        match resolve_url(&base, &path, &[]) {
            Ok(url) => {
                assert!(stays_below(&url, &base), "{hostile:?} -> {url}");
                let segments: Vec<&str> = url.path_segments().expect("segments").collect();
                assert_eq!(
                    segments.len(),
                    4,
                    "{hostile:?} is exactly one segment: {url}"
                );
                assert_eq!(&segments[..3], ["crm", "v3", "Leads"]);
                assert!(url.query().is_none() && url.fragment().is_none(), "{url}");
            }
            Err(Error::InvalidInput { field, .. }) => {
                assert_eq!(field, "recordId");
                assert!(
                    ["", ".", ".."].contains(&hostile.as_str()),
                    "only empty, . and .. are refused: {hostile:?}"
                );
                continue;
            }
            Err(other) => panic!("{hostile:?}: {other:?}"),
        }
        let req = request(Product::Crm, Method::Get, segments, ResultShape::CrmRecord);
        client.execute(req).await.expect("sent below the base");
        sent_values += 1;
    }

    assert_eq!(
        stolen.calls_async().await,
        0,
        "nothing reached the other host"
    );
    assert_eq!(arrived.calls_async().await, sent_values);
    for path in paths.lock().expect("lock").iter() {
        assert!(
            path.starts_with("/crm/v3/Leads/"),
            "nothing arrived outside the base: {path}"
        );
    }
}

#[test]
fn ordinary_raw_paths_are_kept() {
    let base = Url::parse("https://www.zohoapis.eu/crm/v3").expect("base");
    let cases = [
        (
            "/Leads/123/actions/convert",
            "https://www.zohoapis.eu/crm/v3/Leads/123/actions/convert",
        ),
        ("Leads", "https://www.zohoapis.eu/crm/v3/Leads"),
        (
            "/Leads/search?criteria=(Email:equals:a@b.com)",
            "https://www.zohoapis.eu/crm/v3/Leads/search?criteria=%28Email%3Aequals%3Aa%40b.com%29",
        ),
        (
            "/settings/fields?module=Leads&type=all",
            "https://www.zohoapis.eu/crm/v3/settings/fields?module=Leads&type=all",
        ),
        (
            "/Leads/../Contacts",
            "https://www.zohoapis.eu/crm/v3/Contacts",
        ),
        (
            "/users/a@b.com",
            "https://www.zohoapis.eu/crm/v3/users/a@b.com",
        ),
    ];
    for (raw, expected) in cases {
        let url = resolve_url(&base, &RequestPath::Raw(raw.into()), &[]).expect(raw);
        assert_eq!(url.as_str(), expected, "{raw}");
    }
    let with_query = resolve_url(
        &base,
        &RequestPath::Raw("/Leads?page=2".into()),
        &[("per_page".into(), "5".into())],
    )
    .expect("query");
    assert_eq!(
        with_query.as_str(),
        "https://www.zohoapis.eu/crm/v3/Leads?page=2&per_page=5"
    );
}
