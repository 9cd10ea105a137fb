//! The schema `validate` checks writes against is cached per module; a record the cached schema
//! refuses is checked again against Zoho's metadata of now, so a field changed at Zoho since
//! (a picklist value added) never refuses a good record.

#![allow(clippy::unwrap_used)]

use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use serde_json::{Value, json};
use zoho_core::{Error, Method, RequestBody, ResultShape};

use crate::exec_support::{client, request, value};

fn fields(statuses: &[&str]) -> Value {
    let values: Vec<Value> = statuses
        .iter()
        .map(|s| json!({"display_value": s, "actual_value": s}))
        .collect();
    json!({"fields": [
        {"api_name": "Last_Name", "data_type": "text", "length": 80, "system_mandatory": true},
        {"api_name": "Lead_Status", "data_type": "picklist", "pick_list_values": values},
    ]})
}

fn create(status: &str) -> zoho_core::ActionRequest {
    let mut req = request(
        zoho_core::Product::Crm,
        Method::Post,
        vec![value("recordType", "Leads")],
        ResultShape::CrmWrite,
    );
    req.validate = true;
    req.body = RequestBody::Json(json!({"data": [{"Last_Name": "Ng", "Lead_Status": status}]}));
    req
}

#[tokio::test]
async fn the_schema_is_fetched_once_and_a_value_zoho_added_since_is_let_through() {
    let server = MockServer::start_async().await;
    let fields_v1 = server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/settings/fields");
            then.status(200).json_body(fields(&["New", "Contacted"]));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/settings/layouts");
            then.status(200).json_body(json!({"layouts": []}));
        })
        .await;
    let writes = server
        .mock_async(|when, then| {
            when.method(POST).path("/crm/v3/Leads");
            then.status(201).json_body(json!({"data": [{"code": "SUCCESS", "status": "success", "message": "record added", "details": {"id": "1"}}]}));
        })
        .await;
    let client = client(&server);
    client.execute(create("New")).await.unwrap();
    client.execute(create("Contacted")).await.unwrap();
    assert_eq!(
        fields_v1.calls_async().await,
        1,
        "cached for the second write"
    );
    let refused = client.execute(create("Junk")).await.unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidInput { field, .. } if field == "values.Lead_Status"),
        "{refused:?}"
    );
    assert_eq!(
        fields_v1.calls_async().await,
        2,
        "a refusal is confirmed with the metadata of now"
    );
    fields_v1.delete_async().await;
    let fields_v2 = server
        .mock_async(|when, then| {
            when.method(GET).path("/crm/v3/settings/fields");
            then.status(200)
                .json_body(fields(&["New", "Contacted", "Qualified"]));
        })
        .await;
    client.execute(create("Qualified")).await.unwrap();
    assert_eq!(fields_v2.calls_async().await, 1);
    assert_eq!(
        writes.calls_async().await,
        3,
        "the refused record was never sent"
    );
}
