//! The paging engine against a mock that pages like Zoho: CRM `page` up to 2,000 records then
//! `page_token` (refusing misuse as Zoho does), Books `has_more_page`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use httpmock::prelude::*;
use serde_json::{Value, json};
use zoho_core::{ActionRequest, Method, Paging, Product, ResultShape};

use crate::exec_support::*;

type Log = Arc<Mutex<Vec<Vec<(String, String)>>>>;

fn zoho_error(code: &str, details: Value) -> HttpMockResponse {
    HttpMockResponse::builder()
        .status(400)
        .body(json!({"code": code, "details": details, "message": code.to_lowercase(), "status": "error"}).to_string())
        .build()
}

/// A CRM `GET /crm/v3/Leads` holding `total` records, strict like Zoho about `page` and `page_token`.
async fn crm_leads(server: &MockServer, total: usize) -> (httpmock::Mock<'_>, Log) {
    let log: Log = Arc::default();
    let seen = log.clone();
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/Leads");
            then.respond_with(move |req: &HttpMockRequest| {
                let query = req.query_params();
                seen.lock().expect("lock").push(query.clone());
                let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
                let Some(fields) = get("fields") else {
                    return zoho_error("REQUIRED_PARAM_MISSING", json!({"param_name": "fields"}));
                };
                let per_page: usize = get("per_page").map_or(200, |p| p.parse().expect("per_page"));
                let offset = match (get("page"), get("page_token")) {
                    (Some(_), Some(_)) => return zoho_error("TOKEN_BOUND_DATA_MISMATCH", json!({"param_name": "page_token"})),
                    (None, Some(token)) => {
                        let parts: Vec<&str> = token.split('|').collect();
                        if parts[1] != fields || parts[2] != per_page.to_string() {
                            return zoho_error("TOKEN_BOUND_DATA_MISMATCH", json!({"param_name": "page_token"}));
                        }
                        parts[0].parse::<usize>().expect("offset")
                    }
                    (page, None) => {
                        let page: usize = page.map_or(1, |p| p.parse().expect("page"));
                        if page * per_page > 2_000 {
                            return zoho_error("DISCRETE_PAGINATION_LIMIT_EXCEEDED", json!({"limit": 2000}));
                        }
                        (page - 1) * per_page
                    }
                };
                if offset >= total {
                    return HttpMockResponse::builder().status(204).build();
                }
                let end = (offset + per_page).min(total);
                let data: Vec<Value> = (offset..end).map(|i| json!({"id": format!("{}", 4150868000000000000u64 + i as u64), "Last_Name": format!("Lead {i}")})).collect();
                let more = end < total;
                let body = json!({
                    "data": data,
                    "info": {
                        "per_page": per_page, "count": end - offset, "more_records": more,
                        "next_page_token": if more { Value::String(format!("{end}|{fields}|{per_page}")) } else { Value::Null },
                    }
                });
                HttpMockResponse::builder().status(200).body(body.to_string()).build()
            });
        })
        .await;
    (mock, log)
}

fn list_leads(per_page: Option<&str>, paging: Paging) -> ActionRequest {
    let mut req = request(
        Product::Crm,
        Method::Get,
        vec![value("recordType", "Leads")],
        ResultShape::CrmRecords,
    );
    req.query.push(("fields".into(), "Last_Name".into()));
    if let Some(per_page) = per_page {
        req.query.push(("per_page".into(), per_page.into()));
    }
    req.paging = paging;
    req
}

fn ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn a_5000_record_crm_export_crosses_the_2000_record_boundary_with_tokens() {
    let server = MockServer::start_async().await;
    let (mock, log) = crm_leads(&server, 5_000).await;
    let all = client(&server)
        .execute(list_leads(
            Some("200"),
            Paging {
                fetch_all: true,
                max_records: None,
                ..Paging::default()
            },
        ))
        .await
        .expect("every record");
    let records = all["data"].as_array().expect("data");
    assert_eq!(records.len(), 5_000);
    let unique: HashSet<String> = ids(records).into_iter().collect();
    assert_eq!(unique.len(), 5_000, "every record exactly once");
    assert_eq!(all["info"], json!({"count": 5000, "more_records": false}));

    assert_eq!(mock.calls_async().await, 25);
    let log = log.lock().expect("lock");
    let has = |q: &Vec<(String, String)>, k: &str| q.iter().any(|(key, _)| key == k);
    assert!(
        log[..10]
            .iter()
            .all(|q| has(q, "page") && !has(q, "page_token")),
        "pages 1..10 by number"
    );
    assert!(
        log[10..]
            .iter()
            .all(|q| has(q, "page_token") && !has(q, "page")),
        "then tokens, without page"
    );
    assert!(
        log.iter()
            .all(|q| q.contains(&("fields".into(), "Last_Name".into()))
                && q.contains(&("per_page".into(), "200".into())))
    );
}

#[tokio::test]
async fn odd_page_sizes_switch_to_tokens_before_the_limit() {
    let server = MockServer::start_async().await;
    let (_mock, _log) = crm_leads(&server, 2_300).await;
    let all = client(&server)
        .execute(list_leads(
            Some("150"),
            Paging {
                fetch_all: true,
                max_records: None,
                ..Paging::default()
            },
        ))
        .await
        .expect("no DISCRETE_PAGINATION_LIMIT_EXCEEDED");
    let unique: HashSet<String> = ids(all["data"].as_array().expect("data"))
        .into_iter()
        .collect();
    assert_eq!(unique.len(), 2_300);
}

#[tokio::test]
async fn max_records_stops_early_and_says_more_were_left() {
    let server = MockServer::start_async().await;
    let (mock, _log) = crm_leads(&server, 5_000).await;
    let some = client(&server)
        .execute(list_leads(
            None,
            Paging {
                fetch_all: false,
                max_records: Some(450),
                ..Paging::default()
            },
        ))
        .await
        .expect("450 records");
    assert_eq!(some["data"].as_array().expect("data").len(), 450);
    assert_eq!(some["info"], json!({"count": 450, "more_records": true}));
    assert_eq!(mock.calls_async().await, 3);
}

#[tokio::test]
async fn without_fetch_all_one_page_is_returned_as_zoho_sent_it() {
    let server = MockServer::start_async().await;
    let (mock, _log) = crm_leads(&server, 500).await;
    let page = client(&server)
        .execute(list_leads(Some("200"), Paging::default()))
        .await
        .expect("page");
    assert_eq!(page["data"].as_array().expect("data").len(), 200);
    assert_eq!(page["info"]["more_records"], true);
    assert!(page["info"]["next_page_token"].is_string());
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn the_records_stream_yields_every_record_once_in_order() {
    let server = MockServer::start_async().await;
    let (_mock, _log) = crm_leads(&server, 5_000).await;
    let client = client(&server);
    let mut stream = Box::pin(client.records(list_leads(
        Some("200"),
        Paging {
            fetch_all: true,
            max_records: None,
            ..Paging::default()
        },
    )));
    let mut count = 0u64;
    while let Some(record) = stream.next().await {
        let record = record.expect("record");
        assert_eq!(record["id"], format!("{}", 4150868000000000000u64 + count));
        count += 1;
    }
    assert_eq!(count, 5_000);
}

#[tokio::test]
async fn an_empty_crm_list_ends_paging_at_once() {
    let server = MockServer::start_async().await;
    let (mock, _log) = crm_leads(&server, 0).await;
    let all = client(&server)
        .execute(list_leads(
            None,
            Paging {
                fetch_all: true,
                max_records: None,
                ..Paging::default()
            },
        ))
        .await
        .expect("empty");
    assert_eq!(
        all,
        json!({"data": [], "info": {"count": 0, "more_records": false}})
    );
    assert_eq!(mock.calls_async().await, 1);
}

#[tokio::test]
async fn a_books_export_follows_has_more_page() {
    let server = MockServer::start_async().await;
    let pages = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = pages.clone();
    server
        .mock_async(|when, then| {
            when.method(GET).path("/books/v3/contacts").query_param("organization_id", "1").query_param("filter_by", "Status.Active");
            then.respond_with(move |req: &HttpMockRequest| {
                let page: usize = req.query_params_map().get("page").map_or(1, |p| p.parse().expect("page"));
                seen.lock().expect("lock").push(page.to_string());
                let total = 450;
                let start = (page - 1) * 200;
                let end = (start + 200).min(total);
                let contacts: Vec<Value> = (start..end).map(|i| json!({"contact_id": i.to_string()})).collect();
                let body = json!({"code": 0, "message": "success", "contacts": contacts,
                    "page_context": {"page": page, "per_page": 200, "has_more_page": end < total, "report_name": "Contacts"}});
                HttpMockResponse::builder().status(200).body(body.to_string()).build()
            });
        })
        .await;
    let mut req = request(
        Product::Books,
        Method::Get,
        vec![value("recordType", "contacts")],
        ResultShape::BooksRecords,
    );
    req.organization_id = Some("1".into());
    req.query.push(("filter_by".into(), "Status.Active".into()));
    req.paging = Paging {
        fetch_all: true,
        max_records: None,
        ..Paging::default()
    };
    let all = client(&server)
        .execute(req.clone())
        .await
        .expect("every contact");
    let contacts = all["contacts"].as_array().expect("contacts");
    assert_eq!(contacts.len(), 450);
    assert_eq!(contacts[449]["contact_id"], "449");
    assert_eq!(all["page_context"]["has_more_page"], false);
    assert_eq!(all["page_context"]["report_name"], "Contacts");
    assert_eq!(*pages.lock().expect("lock"), vec!["1", "2", "3"]);

    let streamed: Vec<Value> = client(&server)
        .records(req)
        .map(|r| r.expect("contact"))
        .collect()
        .await;
    assert_eq!(streamed.len(), 450);
}

#[tokio::test]
async fn fetch_all_on_a_single_record_action_is_refused() {
    let server = MockServer::start_async().await;
    let mut req = request(
        Product::Crm,
        Method::Get,
        vec![value("recordType", "Leads"), value("recordId", "1")],
        ResultShape::CrmRecord,
    );
    req.paging.fetch_all = true;
    assert!(
        matches!(client(&server).execute(req).await, Err(zoho_core::Error::InvalidInput { field, .. }) if field == "fetchAll")
    );
}

#[tokio::test]
async fn following_pages_from_the_largest_page_number_is_not_a_panic() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/books/v3/contacts");
            then.status(200)
                .json_body(json!({"code": 0, "message": "success",
                "contacts": [{"contact_id": "1"}], "page_context": {"has_more_page": true}}));
        })
        .await;
    let mut req = request(
        Product::Books,
        Method::Get,
        vec![value("recordType", "contacts")],
        ResultShape::BooksRecords,
    );
    req.organization_id = Some("1".into());
    req.query.push(("page".into(), u64::MAX.to_string()));
    req.paging.fetch_all = true;
    let all = client(&server).execute(req).await.expect("the one page");
    assert_eq!(all["contacts"].as_array().expect("contacts").len(), 1);
}
