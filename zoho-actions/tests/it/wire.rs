//! What the generated actions put on the wire, seen by an httpmock server on loopback.

use futures::StreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::json;
use zoho_actions::{Action, ListAction, books, crm};

use crate::support::{books_client_at, client_at};

#[tokio::test]
async fn create_record_sends_the_wrapped_record_and_returns_the_item() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/crm/v3/Leads").json_body(json!({
                "data": [{"Last_Name": "Lovelace", "Account": {"id": "4150868000000002175"}}],
                "trigger": []
            }));
            then.status(201).json_body(json!({"data": [{
                "code": "SUCCESS",
                "details": {"id": "4150868000000009999"},
                "message": "record added",
                "status": "success"
            }]}));
        })
        .await;
    let mut create = crm::CreateRecord::new("Leads");
    create.values = Some(
        json!({"Last_Name": "Lovelace", "Account": {"id": "4150868000000002175"}})
            .as_object()
            .unwrap()
            .clone(),
    );
    create.trigger = Some(Vec::new());
    let result = create
        .execute(&client_at(&server.base_url()))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(result.details.id, "4150868000000009999");
    assert_eq!(
        (result.code.as_str(), result.status.as_str()),
        ("SUCCESS", "success")
    );
}

#[tokio::test]
async fn get_records_streams_the_records_of_a_page() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/crm/v3/Leads")
                .query_param("fields", "Last_Name")
                .query_param("per_page", "2");
            then.status(200).json_body(json!({
                "data": [{"id": "1", "Last_Name": "A"}, {"id": "2", "Last_Name": "B"}],
                "info": {"per_page": 2, "count": 2, "page": 1, "more_records": false}
            }));
        })
        .await;
    let client = client_at(&server.base_url());
    let mut list = crm::GetRecords::new("Leads");
    list.fields = Some(vec!["Last_Name".into()]);
    list.per_page = 2;
    let records: Vec<_> = list.records(&client).collect().await;
    mock.assert_async().await;
    let ids: Vec<String> = records
        .into_iter()
        .map(|record| record.unwrap().id().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["1", "2"]);

    // An input mistake comes out of the stream as its one item, before any request.
    list.per_page = 500;
    let records: Vec<_> = list.records(&client).collect().await;
    assert_eq!(records.len(), 1);
    assert!(
        matches!(&records[0], Err(zoho_core::Error::InvalidInput { field, .. }) if field == "perPage")
    );
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_page_reads_as_typed_records_and_info() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/Leads");
            then.status(200).json_body(json!({
                "data": [{"id": "1", "Last_Name": "Lovelace", "Annual_Revenue": 12.5, "Email_Opt_Out": true}],
                "info": {"per_page": 1, "count": 1, "page": 1, "more_records": true,
                         "next_page_token": "token-2", "sort_by": "id"}
            }));
        })
        .await;
    let mut list = crm::GetRecords::new("Leads");
    list.fields = Some(vec!["Last_Name".into()]);
    let page = list.execute(&client_at(&server.base_url())).await.unwrap();
    let lead = &page.data[0];
    assert_eq!(lead.id(), Some("1"));
    assert_eq!(lead.get_str("Last_Name"), Some("Lovelace"));
    assert_eq!(lead.get_f64("Annual_Revenue"), Some(12.5));
    assert_eq!(lead.get_bool("Email_Opt_Out"), Some(true));
    assert_eq!(lead["Missing"], serde_json::Value::Null);
    assert!(page.info.more_records);
    assert_eq!(page.info.count, 1);
    assert_eq!(page.info.next_page_token.as_deref(), Some("token-2"));
    assert_eq!(page.info.sort_by.as_deref(), Some("id"));
}

#[tokio::test]
async fn coql_rows_books_pages_and_books_deletes_are_typed_too() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/crm/v3/coql");
            then.status(200).json_body(json!({
                "data": [{"Last_Name": "Lovelace", "id": "7"}],
                "info": {"count": 1, "more_records": false}
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/books/v3/contacts");
            then.status(200).json_body(json!({
                "code": 0, "message": "success",
                "contacts": [{"contact_id": "460000000026049", "contact_name": "Bowman"}],
                "page_context": {"page": 1, "per_page": 200, "has_more_page": false, "report_name": "Contacts"}
            }));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(httpmock::Method::DELETE)
                .path("/books/v3/contacts/460000000026049");
            then.status(200)
                .json_body(json!({"code": 0, "message": "The contact has been deleted."}));
        })
        .await;
    let client = books_client_at(&server.base_url());

    let rows = crm::CoqlQuery::new("select Last_Name from Leads where Last_Name is not null")
        .execute(&client)
        .await
        .unwrap();
    assert_eq!(rows.data[0].get_str("Last_Name"), Some("Lovelace"));
    assert_eq!((rows.info.count, rows.info.more_records), (1, false));

    let page = books::GetRecords::new("contacts")
        .execute(&client)
        .await
        .unwrap();
    assert_eq!(page.list_key, "contacts");
    assert_eq!(
        page.records[0].get_str("contact_id"),
        Some("460000000026049")
    );
    assert!(!page.page_context.has_more_page);
    assert_eq!(page.page_context.other["report_name"], "Contacts");

    let removed = books::RemoveRecord::new("contacts", "460000000026049")
        .execute(&client)
        .await
        .unwrap();
    assert_eq!(removed.code, 0);
    assert_eq!(removed.message, "The contact has been deleted.");
}

#[tokio::test]
async fn a_result_that_does_not_read_as_its_type_is_an_internal_error_naming_the_action() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/crm/v3/Leads");
            then.status(201).json_body(json!({"data": [{
                "code": 7, "details": {"id": "1"}, "message": "record added", "status": "success"
            }]}));
        })
        .await;
    let error = crm::CreateRecord::new("Leads")
        .execute(&client_at(&server.base_url()))
        .await
        .unwrap_err();
    match error {
        zoho_core::Error::Internal(message) => {
            assert!(
                message.contains("`crm.createRecord` succeeded"),
                "{message}"
            );
            assert!(message.contains("CrmWriteResult"), "{message}");
        }
        other => panic!("expected Internal, got {other:?}"),
    }
}
