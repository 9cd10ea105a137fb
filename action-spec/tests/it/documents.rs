//! The JSON Schema and OpenRPC views of the spec.

use action_spec::openrpc::document;
use action_spec::schema::params_schema;
use serde_json::json;

use crate::real_spec::spec;

#[test]
fn params_schema_refuses_unknown_params_and_lists_required_ones() {
    let spec = spec();
    let action = spec
        .actions
        .iter()
        .find(|a| a.method_name() == "crm.getRecords")
        .unwrap();
    let schema = params_schema(action);
    assert_eq!(schema["additionalProperties"], json!(false));
    assert_eq!(schema["required"], json!(["recordType"]));
    assert_eq!(
        schema["properties"]["perPage"],
        json!({
            "type": "integer", "minimum": 1, "maximum": 200,
            "title": "Per Page", "description": "How many records a page holds, up to 200.",
            "default": 200
        })
    );
    assert_eq!(
        schema["properties"]["sortBy"]["enum"],
        json!(["id", "Created_Time", "Modified_Time"])
    );
}

#[test]
fn openrpc_lists_every_method_with_params_result_and_errors() {
    let spec = spec();
    let doc = document(&spec);
    assert_eq!(doc["openrpc"], json!("1.3.2"));
    let methods = doc["methods"].as_array().unwrap();
    let listed: Vec<&str> = methods
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    let declared: Vec<String> = spec.actions.iter().map(|a| a.method_name()).collect();
    assert_eq!(
        listed, declared,
        "one OpenRPC method per spec action, in spec order"
    );
    let coql = methods
        .iter()
        .find(|m| m["name"] == "crm.coqlQuery")
        .unwrap();
    let query = coql["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "query")
        .unwrap();
    assert_eq!(query["required"], json!(true));
    assert_eq!(query["schema"]["type"], json!("string"));
    assert!(
        coql["result"]["description"]
            .as_str()
            .unwrap()
            .contains("info")
    );
    assert_eq!(
        doc["components"]["errors"]["InvalidParams"]["code"],
        json!(-32602)
    );
    assert_eq!(
        doc["components"]["errors"]["NotFound"]["code"],
        json!(-32005)
    );
    let codes: Vec<i64> = doc["components"]["errors"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes.len(), 10);
    // Deterministic: the same spec gives the same document, byte for byte.
    assert_eq!(
        serde_json::to_string(&doc).unwrap(),
        serde_json::to_string(&document(&spec)).unwrap()
    );
}

#[test]
fn openrpc_says_crm_lists_need_fields_or_a_connection_default() {
    let doc = document(&spec());
    let get_records = doc["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "crm.getRecords")
        .unwrap();
    let fields = get_records["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "fields")
        .unwrap();
    // Not required by the schema (a connection default may fill it), but said where clients look.
    assert_eq!(fields["required"], json!(false));
    for description in [&fields["description"], &fields["schema"]["description"]] {
        let text = description.as_str().unwrap();
        assert!(
            text.contains("crm_default_fields") && text.contains("refused"),
            "{text}"
        );
    }
}
