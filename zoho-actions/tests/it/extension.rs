//! Adding an action is a spec edit and nothing else: a fixture spec with a CRM "Get Deleted
//! Records" action yields a type, a dispatch arm, a descriptor, and sends the right request.

use httpmock::Method::GET;
use httpmock::MockServer;
use serde_json::{Value, json};
use zoho_core::{Method, PathSegment, RequestPath, ResultShape};

use zoho_actions::Action;

use crate::support::client_at;

mod generated {
    zoho_macros::actions!("tests/it/fixtures/get_deleted.toml");
}

use generated::crm::GetDeletedRecords;
use generated::types::Type;

#[test]
fn the_new_action_is_a_type_with_its_defaults() {
    let action = GetDeletedRecords::new("Leads");
    assert_eq!(action.r#type, Type::All);
    assert_eq!(action.per_page, 200);
    assert_eq!(GetDeletedRecords::METHOD, "crm.getDeletedRecords");
    let request = action.to_request().unwrap();
    assert_eq!(request.method, Method::Get);
    assert_eq!(
        request.path,
        RequestPath::Segments(vec![
            PathSegment::Value {
                input: "recordType",
                value: "Leads".into()
            },
            PathSegment::Literal("deleted"),
        ])
    );
    assert_eq!(request.result, ResultShape::CrmRecords);
}

#[test]
fn the_new_action_has_a_descriptor() {
    assert_eq!(generated::METHODS.len(), 1);
    let descriptor = &generated::METHODS[0];
    assert_eq!(descriptor.name, "crm.getDeletedRecords");
    assert_eq!(descriptor.label, "CRM - Get Deleted Records");
    assert!(descriptor.read_only && descriptor.idempotent && !descriptor.destructive);
    let schema: Value = serde_json::from_str(descriptor.params_schema).unwrap();
    assert_eq!(
        schema["properties"]["type"]["enum"],
        json!(["all", "recycle", "permanent"])
    );
}

#[tokio::test]
async fn dispatching_the_new_method_sends_the_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/crm/v3/Leads/deleted")
                .query_param("type", "recycle")
                .query_param("fields", "id,display_name")
                .query_param("page", "2")
                .query_param("per_page", "200");
            then.status(200).json_body(json!({
                "data": [{"id": "4150868000000002175", "display_name": "Lovelace", "type": "recycle"}],
                "info": {"per_page": 200, "count": 1, "page": 2, "more_records": false}
            }));
        })
        .await;
    let client = client_at(&server.base_url());
    let result = generated::dispatch(
        "crm.getDeletedRecords",
        json!({"recordType": "Leads", "type": "recycle", "fields": ["id", "display_name"], "page": 2}),
        &client,
    )
    .await
    .unwrap();
    mock.assert_async().await;
    assert_eq!(result["data"][0]["id"], json!("4150868000000002175"));
    // The generated dispatch knows only its own spec's methods.
    let unknown = generated::dispatch("crm.getRecords", json!({}), &client).await;
    assert!(matches!(
        unknown,
        Err(zoho_actions::DispatchError::UnknownMethod(_))
    ));
}
