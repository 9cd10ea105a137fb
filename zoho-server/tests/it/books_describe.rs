//! `books.describe` against the sandbox's Books field metadata (`settings/fields?entity=X`):
//! the schema says of each field what the metadata says, through the Rust types and JSON-RPC.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use zoho_actions::{Action, books};

use crate::behaviours::{organizations, rust_client};
use crate::support::Running;

/// The JSON Schema type the metadata's `data_type` gives (wave2.md §7.1), `None` for uploads.
fn expected_type(data_type: &str) -> Option<&'static str> {
    match data_type {
        "number" => Some("integer"),
        "decimal" | "amount" | "percent" => Some("number"),
        "check_box" => Some("boolean"),
        "image" | "attachment" => None,
        _ => Some("string"),
    }
}

/// Every active field of the metadata is a property saying what the field says; nothing else is.
fn assert_matches_field_by_field(schema: &Value, fields: &[Value]) {
    let active: Vec<&Value> = fields.iter().filter(|f| f["is_active"] != false).collect();
    let properties = schema["properties"].as_object().unwrap();
    let names: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = active
        .iter()
        .filter_map(|f| f["api_name"].as_str())
        .collect();
    assert_eq!(names, expected);
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in active {
        let name = field["api_name"].as_str().unwrap();
        let property = &properties[name];
        let mandatory = field["is_mandatory"] == true;
        assert_eq!(required.contains(name), mandatory, "{name} required");
        let data_type = field["data_type"].as_str().unwrap();
        assert_eq!(property["x-zoho-data-type"], data_type, "{name}");
        assert_eq!(property["title"], field["label"], "{name}");
        match expected_type(data_type) {
            Some(ty) if mandatory => assert_eq!(property["type"], ty, "{name}"),
            Some(ty) => assert_eq!(property["type"], json!([ty, "null"]), "{name}"),
            None => assert!(property.get("type").is_none(), "{name}: {property}"),
        }
        if let Some(length) = field["value_length"].as_u64() {
            assert_eq!(property["maxLength"], length, "{name}");
        }
        if let Some(values) = field["values"].as_array() {
            let offered: Vec<&Value> = values
                .iter()
                .filter(|v| v["is_active"] == true)
                .map(|v| &v["name"])
                .collect();
            let listed: Vec<&Value> = property["enum"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| !v.is_null())
                .collect();
            assert_eq!(listed, offered, "{name}");
        }
        let read_only = field["is_read_only"] == true
            || ["autonumber", "formula", "image", "attachment"].contains(&data_type);
        assert_eq!(property["readOnly"] == true, read_only, "{name}");
        assert_eq!(
            property["x-zoho-system"] == true,
            field["is_system"] == true,
            "{name}"
        );
        assert_eq!(
            property.get("x-zoho-customfield-id"),
            field.get("customfield_id"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn books_describe_invoices_matches_the_field_metadata_field_by_field() {
    let server = Running::start(10).await;
    let (org, _) = organizations(&server).await.remove(0);
    let metadata = server
        .ok(
            "books.rawRequest",
            json!({"url": "/settings/fields", "method": "GET",
                   "queryParameters": {"entity": "invoice"}, "organizationId": org}),
        )
        .await;
    let fields = metadata["fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f["is_custom_field"] == true));
    assert!(fields.iter().any(|f| f["is_system"] == true));
    assert!(fields.iter().any(|f| f["is_active"] == false));

    let by_rpc = server
        .ok(
            "books.describe",
            json!({"recordType": "invoices", "organizationId": org}),
        )
        .await;
    assert_eq!(
        by_rpc["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(by_rpc["title"], "invoices");
    assert_eq!(by_rpc["x-zoho-entity"], "invoice");
    assert_matches_field_by_field(&by_rpc, fields);

    let client = rust_client(&server.sandbox).await;
    let mut describe = books::Describe::new("invoices");
    describe.organization_id = Some(org.clone());
    let by_rust = describe.execute(&client).await.unwrap();
    assert_eq!(by_rust, by_rpc);

    // The entity's own (singular) name is taken as it is.
    let by_entity = server
        .ok(
            "books.describe",
            json!({"recordType": "invoice", "organizationId": org}),
        )
        .await;
    assert_eq!(by_entity["properties"], by_rpc["properties"]);
}

#[tokio::test]
async fn every_described_books_type_matches_its_metadata_and_an_unknown_one_is_zoho_s_error() {
    let server = Running::start(10).await;
    let (org, _) = organizations(&server).await.remove(0);
    for (record_type, entity) in [
        ("contacts", "contact"),
        ("expenses", "expense"),
        ("items", "item"),
    ] {
        let metadata = server
            .ok(
                "books.rawRequest",
                json!({"url": "/settings/fields", "method": "GET",
                       "queryParameters": {"entity": entity}, "organizationId": org}),
            )
            .await;
        let schema = server
            .ok(
                "books.describe",
                json!({"recordType": record_type, "organizationId": org}),
            )
            .await;
        assert_eq!(schema["x-zoho-entity"], entity);
        assert_matches_field_by_field(&schema, metadata["fields"].as_array().unwrap());
    }
    let error = server
        .err(
            "books.describe",
            json!({"recordType": "spaceships", "organizationId": org}),
        )
        .await;
    assert_eq!(error["data"]["zohoCode"], 2, "{error:#}");
    assert!(
        error["message"].as_str().unwrap().contains("entity"),
        "{error:#}"
    );
}
