//! Result shapes and Zoho's errors, as a user of each action would check them.

use httpmock::prelude::*;
use serde_json::{Value, json};
use zoho_core::{
    ApiError, Client, Error, Method, PathSegment, Product, RequestBody, ResultShape, ZohoCode,
};

use crate::exec_support::*;

async fn answer(
    server: &MockServer,
    method: httpmock::Method,
    path: &str,
    status: u16,
    body: Option<Value>,
) {
    server
        .mock_async(|when, then| {
            when.method(method).path(path.to_owned());
            let then = then.status(status);
            if let Some(body) = body {
                then.json_body(body);
            }
        })
        .await;
}

fn crm_write() -> zoho_core::ActionRequest {
    let mut req = request(
        Product::Crm,
        Method::Post,
        vec![value("recordType", "Leads")],
        ResultShape::CrmWrite,
    );
    req.body = RequestBody::Json(json!({"data": [{"Email": "a@b.com"}]}));
    req
}

#[tokio::test]
async fn a_failed_crm_write_is_an_api_error_with_the_items_code_whatever_the_status() {
    let item = json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "Last_Name", "json_path": "$.data[0].Last_Name"}, "message": "required field not found", "status": "error"});
    for status in [200, 201, 202, 207, 400] {
        let server = MockServer::start_async().await;
        answer(
            &server,
            POST,
            "/crm/v3/Leads",
            status,
            Some(json!({"data": [item.clone()]})),
        )
        .await;
        match client(&server).execute(crm_write()).await {
            Err(Error::Api(ApiError {
                http_status,
                code,
                message,
                details,
                ..
            })) => {
                assert_eq!(http_status, status);
                assert_eq!(code, Some(ZohoCode::Text("MANDATORY_NOT_FOUND".into())));
                assert_eq!(message, "required field not found");
                assert_eq!(details["api_name"], "Last_Name");
            }
            other => panic!("HTTP {status}: expected Api, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_successful_crm_write_returns_the_item() {
    let server = MockServer::start_async().await;
    let item = json!({"code": "SUCCESS", "details": {"id": "4150868000000002175"}, "message": "record added", "status": "success"});
    answer(
        &server,
        POST,
        "/crm/v3/Leads",
        201,
        Some(json!({"data": [item.clone()]})),
    )
    .await;
    assert_eq!(
        client(&server).execute(crm_write()).await.expect("created"),
        item
    );
}

#[tokio::test]
async fn crm_get_on_204_is_not_found_and_list_on_204_is_an_empty_page() {
    let server = MockServer::start_async().await;
    answer(&server, GET, "/crm/v3/Leads/999", 204, None).await;
    answer(&server, GET, "/crm/v3/Leads", 204, None).await;
    answer(&server, POST, "/crm/v3/coql", 204, None).await;
    let client = client(&server);

    let mut get = request(
        Product::Crm,
        Method::Get,
        vec![value("recordType", "Leads"), value("recordId", "999")],
        ResultShape::CrmRecord,
    );
    get.record = record("Leads", "999");
    match client.execute(get).await {
        Err(Error::NotFound {
            record_type,
            record_id,
        }) => assert_eq!((record_type.as_str(), record_id.as_str()), ("Leads", "999")),
        other => panic!("expected NotFound, got {other:?}"),
    }

    let empty = json!({"data": [], "info": {"count": 0, "more_records": false}});
    let mut list = request(
        Product::Crm,
        Method::Get,
        vec![value("recordType", "Leads")],
        ResultShape::CrmRecords,
    );
    list.query.push(("fields".into(), "Last_Name".into()));
    assert_eq!(client.execute(list).await.expect("empty page"), empty);

    let mut coql = request(
        Product::Crm,
        Method::Post,
        vec![PathSegment::Literal("coql")],
        ResultShape::CrmCoql,
    );
    coql.body = RequestBody::Json(
        json!({"select_query": "select Last_Name from Leads where id is not null"}),
    );
    assert_eq!(client.execute(coql).await.expect("empty result"), empty);
}

#[tokio::test]
async fn crm_lists_need_fields_or_a_configured_default() {
    let server = MockServer::start_async().await;
    let with_default = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/crm/v3/Leads")
                .query_param("fields", "Last_Name,Email");
            then.status(200).json_body(
                json!({"data": [{"id": "1"}], "info": {"count": 1, "more_records": false}}),
            );
        })
        .await;
    let list = || {
        request(
            Product::Crm,
            Method::Get,
            vec![value("recordType", "Leads")],
            ResultShape::CrmRecords,
        )
    };
    match client(&server).execute(list()).await {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, "fields");
            assert!(reason.contains("requires"), "{reason}");
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(
        with_default.calls_async().await,
        0,
        "nothing sent without fields"
    );
    let configured = Client::builder("default")
        .token_source(static_token(&server.base_url()))
        .crm_default_fields(vec!["Last_Name".into(), "Email".into()])
        .build()
        .expect("client");
    let page = configured.execute(list()).await.expect("page");
    assert_eq!(page["data"][0]["id"], "1");
    assert_eq!(page["info"]["more_records"], false);
    with_default.assert_async().await;
}

#[tokio::test]
async fn crm_request_errors_keep_zohos_code_message_and_details() {
    let server = MockServer::start_async().await;
    answer(&server, POST, "/crm/v3/coql", 400, Some(json!({"code": "SYNTAX_ERROR", "details": {"near": "form"}, "message": "error occured while parsing the query", "status": "error"}))).await;
    let mut coql = request(
        Product::Crm,
        Method::Post,
        vec![PathSegment::Literal("coql")],
        ResultShape::CrmCoql,
    );
    coql.body = RequestBody::Json(json!({"select_query": "select Last_Name form Leads"}));
    let err = client(&server)
        .execute(coql)
        .await
        .expect_err("syntax error");
    assert_eq!(err.status(), Some(400));
    assert_eq!(
        err.zoho_code(),
        Some(&ZohoCode::Text("SYNTAX_ERROR".into()))
    );
    match err {
        Error::Api(api) => assert_eq!(api.details, json!({"near": "form"})),
        other => panic!("expected Api, got {other:?}"),
    }
}

#[tokio::test]
async fn a_raw_request_answered_304_not_modified_is_a_result() {
    // crm.md §3.1 [H]: `If-Modified-Since` returns only what changed since, or 304 Not Modified.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/crm/v3/Leads")
                .header_exists("If-Modified-Since");
            then.status(304);
        })
        .await;
    let client = client(&server);
    let mut unchanged = raw(Product::Crm, Method::Get, "/Leads?fields=Last_Name");
    unchanged.headers.push((
        "If-Modified-Since".into(),
        "2026-11-30T00:00:00+00:00".into(),
    ));
    assert_eq!(
        client.execute(unchanged).await.expect("304 is a result"),
        Value::Null
    );
}

#[tokio::test]
async fn crm_delete_of_a_missing_record_is_not_found() {
    let server = MockServer::start_async().await;
    answer(&server, DELETE, "/crm/v3/Leads/404", 200, Some(json!({"data": [{"code": "INVALID_DATA", "details": {"id": "404"}, "message": "record not deleted", "status": "error"}]}))).await;
    answer(&server, DELETE, "/crm/v3/Leads/1", 200, Some(json!({"data": [{"code": "SUCCESS", "details": {"id": "1"}, "message": "record deleted", "status": "success"}]}))).await;
    let client = client(&server);
    let delete = |id: &str| {
        let mut req = request(
            Product::Crm,
            Method::Delete,
            vec![value("recordType", "Leads"), value("recordId", id)],
            ResultShape::CrmDelete,
        );
        req.record = record("Leads", id);
        req
    };
    assert!(
        matches!(client.execute(delete("404")).await, Err(Error::NotFound { record_id, .. }) if record_id == "404")
    );
    let said = client.execute(delete("1")).await.expect("deleted");
    assert_eq!(said["message"], "record deleted");
    assert_eq!(said["details"]["id"], "1");
}

fn books(
    method: Method,
    segments: Vec<PathSegment>,
    result: ResultShape,
) -> zoho_core::ActionRequest {
    let mut req = request(Product::Books, method, segments, result);
    req.organization_id = Some("10234695".into());
    req
}

#[tokio::test]
async fn books_single_records_lists_and_deletes() {
    let server = MockServer::start_async().await;
    answer(
        &server,
        GET,
        "/books/v3/vendorcredits/7",
        200,
        Some(json!({"code": 0, "message": "success", "vendor_credit": {"vendor_credit_id": "7"}})),
    )
    .await;
    answer(&server, GET, "/books/v3/contacts", 200, Some(json!({"code": 0, "message": "success", "contacts": [{"contact_id": "1"}], "page_context": {"page": 1, "per_page": 200, "has_more_page": false}}))).await;
    answer(
        &server,
        DELETE,
        "/books/v3/contacts/1",
        200,
        Some(json!({"code": 0, "message": "The contact has been deleted."})),
    )
    .await;
    let client = client(&server);

    let one = books(
        Method::Get,
        vec![value("recordType", "vendorcredits"), value("recordId", "7")],
        ResultShape::BooksRecord,
    );
    assert_eq!(
        client.execute(one).await.expect("record"),
        json!({"vendor_credit_id": "7"})
    );
    let list = books(
        Method::Get,
        vec![value("recordType", "contacts")],
        ResultShape::BooksRecords,
    );
    assert_eq!(
        client.execute(list).await.expect("list"),
        json!({"contacts": [{"contact_id": "1"}], "page_context": {"page": 1, "per_page": 200, "has_more_page": false}})
    );
    let delete = books(
        Method::Delete,
        vec![value("recordType", "contacts"), value("recordId", "1")],
        ResultShape::BooksDelete,
    );
    assert_eq!(
        client.execute(delete).await.expect("deleted"),
        json!({"code": 0, "message": "The contact has been deleted."})
    );
}

#[tokio::test]
async fn books_errors_even_inside_a_200_and_1002_is_not_found() {
    let server = MockServer::start_async().await;
    answer(
        &server,
        GET,
        "/books/v3/invoices/9",
        404,
        Some(json!({"code": 1002, "message": "Invoice does not exist."})),
    )
    .await;
    answer(
        &server,
        GET,
        "/books/v3/invoices",
        200,
        Some(json!({"code": 2, "message": "Invalid value passed for organization_id"})),
    )
    .await;
    answer(&server, GET, "/books/v3/items", 200, Some(json!({"code": 45, "message": "The API call for this organization has exceeded the maximum call rate limit of 1000."}))).await;
    let client = client(&server);

    let mut missing = books(
        Method::Get,
        vec![value("recordType", "invoices"), value("recordId", "9")],
        ResultShape::BooksRecord,
    );
    missing.record = record("invoices", "9");
    assert!(
        matches!(client.execute(missing).await, Err(Error::NotFound { record_type, .. }) if record_type == "invoices")
    );

    let list = books(
        Method::Get,
        vec![value("recordType", "invoices")],
        ResultShape::BooksRecords,
    );
    let err = client.execute(list).await.expect_err("code 2");
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.zoho_code(), Some(&ZohoCode::Number(2)));
    assert!(
        err.to_string()
            .contains("Invalid value passed for organization_id"),
        "{err}"
    );

    let mut raw_list = raw(Product::Books, Method::Get, "/invoices");
    raw_list.organization_id = Some("10234695".into());
    assert_eq!(
        client
            .execute(raw_list)
            .await
            .expect_err("raw sees it too")
            .zoho_code(),
        Some(&ZohoCode::Number(2))
    );

    let throttled = books(
        Method::Get,
        vec![value("recordType", "items")],
        ResultShape::BooksRecords,
    );
    assert!(matches!(
        client.execute(throttled).await,
        Err(Error::RateLimited {
            http_status: 200,
            code: Some(ZohoCode::Number(45)),
            ..
        })
    ));
}

#[tokio::test]
async fn raw_requests_return_the_body_and_fail_on_error_statuses() {
    let server = MockServer::start_async().await;
    answer(
        &server,
        POST,
        "/crm/v3/Leads/1/actions/convert",
        200,
        Some(json!({"data": [{"Contacts": "2", "Deals": null}]})),
    )
    .await;
    answer(&server, GET, "/crm/v3/nope", 404, Some(json!({"code": "INVALID_URL_PATTERN", "details": {}, "message": "Please check if the URL trying to access is a correct one", "status": "error"}))).await;
    server
        .mock_async(|when, then| {
            when.path("/crm/v3/html");
            then.status(502).body("<html>Bad gateway</html>");
        })
        .await;
    let client = client(&server);
    let converted = client
        .execute(raw(Product::Crm, Method::Post, "/Leads/1/actions/convert"))
        .await
        .expect("converted");
    assert_eq!(
        converted,
        json!({"data": [{"Contacts": "2", "Deals": null}]})
    );

    let err = client
        .execute(raw(Product::Crm, Method::Get, "/nope"))
        .await
        .expect_err("404");
    assert_eq!(err.status(), Some(404));
    assert_eq!(
        err.zoho_code(),
        Some(&ZohoCode::Text("INVALID_URL_PATTERN".into()))
    );

    match client
        .execute(raw(Product::Crm, Method::Get, "/html"))
        .await
    {
        Err(Error::Api(api)) => {
            assert_eq!(api.http_status, 502);
            assert_eq!(api.code, None);
            assert_eq!(api.details, json!("<html>Bad gateway</html>"));
        }
        other => panic!("expected Api, got {other:?}"),
    }
}
