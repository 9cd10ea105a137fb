//! What the generated actions put on the wire, seen by an httpmock server on loopback.

use futures::StreamExt;
use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::json;
use zoho_actions::crm;

use crate::support::client_at;

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
    assert_eq!(result["details"]["id"], json!("4150868000000009999"));
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
        .map(|record| record.unwrap()["id"].as_str().unwrap().to_owned())
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
