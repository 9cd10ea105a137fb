//! `dispatch`: one arm per method, params checked with the JSON path of the bad one, the
//! connection param picking the client; `METHODS` describing every action.

use serde_json::{Value, json};
use zoho_actions::{Action, DispatchError, METHODS, dispatch};
use zoho_core::Error;

use crate::support::NoClients;

async fn invalid(method: &str, params: Value) -> (String, String) {
    match dispatch(method, params, &NoClients::default()).await {
        Err(DispatchError::Action(Error::InvalidInput { field, reason })) => (field, reason),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

/// A value a required param can take, from its JSON Schema: enough to pass decoding and reach
/// the client. Inputs whose strings have a shape (a path, a query) get one of that shape.
fn sample(name: &str, schema: &Value) -> Value {
    match name {
        "url" => return json!("/organizations"),
        "query" => return json!("select id from Leads"),
        _ => {}
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    if let Some(first) = schema["oneOf"].get(0) {
        return sample(name, first);
    }
    match schema["type"].as_str() {
        Some("integer") => schema.get("minimum").cloned().unwrap_or(json!(1)),
        Some("boolean") => json!(false),
        Some("array") => json!([]),
        Some("object") => json!({}),
        // Ids and record types alike: digits are a valid id and a harmless record type.
        _ => json!("1"),
    }
}

/// Each method's required params (from its own schema), with `connection` on every other one.
fn minimal_params() -> Vec<(&'static str, Value)> {
    METHODS
        .iter()
        .enumerate()
        .map(|(index, descriptor)| {
            let schema: Value = serde_json::from_str(descriptor.params_schema).unwrap();
            let mut params = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                params.insert(name.into(), sample(name, &schema["properties"][name]));
            }
            // A `one_of` group (each member's `dependentSchemas` refuses the others): one member.
            for (name, refused) in schema["dependentSchemas"].as_object().into_iter().flatten() {
                let excluded = refused.to_string();
                if !params
                    .keys()
                    .any(|given| excluded.contains(&format!("[\"{given}\"]")))
                {
                    params.insert(name.clone(), sample(name, &schema["properties"][name]));
                }
            }
            if index % 2 == 1 && schema["properties"].get("connection").is_some() {
                params.insert("connection".into(), json!("eu"));
            }
            (descriptor.name, Value::Object(params))
        })
        .collect()
}

#[tokio::test]
async fn every_method_has_an_arm_that_reaches_the_client() {
    let params = minimal_params();
    assert!(!params.is_empty());
    for (method, params) in params {
        let clients = NoClients::default();
        let result = dispatch(method, params.clone(), &clients).await;
        assert!(
            matches!(result, Err(DispatchError::Action(Error::Config(_)))),
            "{method} {params}: {result:?}"
        );
        let expected = params
            .get("connection")
            .and_then(Value::as_str)
            .map(str::to_owned);
        assert_eq!(*clients.asked.lock().unwrap(), [expected], "{method}");
    }
}

#[tokio::test]
async fn unknown_method_is_reported_by_name() {
    let result = dispatch("crm.deleteEverything", json!({}), &NoClients::default()).await;
    assert!(
        matches!(result, Err(DispatchError::UnknownMethod(name)) if name == "crm.deleteEverything")
    );
}

#[tokio::test]
async fn bad_params_name_their_json_path() {
    let (field, reason) = invalid(
        "crm.getRecords",
        json!({"recordType": "Leads", "perPage": "ten"}),
    )
    .await;
    assert_eq!(field, "perPage");
    assert_eq!(
        reason,
        r#"invalid type: string "ten", expected a non-negative integer"#
    );

    // The caller's JSON types, never Rust's.
    for (params, field, words) in [
        (
            json!({"recordType": "Leads", "fields": {"a": 1}}),
            "fields",
            "invalid type: object, expected an array",
        ),
        (
            json!({"recordType": "Leads", "values": ["Last_Name"]}),
            "values",
            "invalid type: array, expected an object",
        ),
        (
            json!({"recordType": "Leads", "fetchAll": null}),
            "fetchAll",
            "invalid type: null, expected a boolean",
        ),
    ] {
        let method = if field == "values" {
            "crm.createRecord"
        } else {
            "crm.getRecords"
        };
        let (got_field, reason) = invalid(method, params).await;
        assert_eq!((got_field.as_str(), reason.as_str()), (field, words));
    }

    let (field, reason) = invalid(
        "crm.getRecords",
        json!({"recordType": "Leads", "perPag": 10}),
    )
    .await;
    assert_eq!(field, "perPag");
    assert!(reason.contains("unknown field"), "{reason}");

    let (field, reason) = invalid("crm.getRecord", json!({"recordId": "1"})).await;
    assert_eq!(field, "recordType");
    assert!(reason.contains("missing field"), "{reason}");

    let (field, reason) = invalid(
        "crm.getRecords",
        json!({"recordType": "Leads", "sortOrder": "up"}),
    )
    .await;
    assert_eq!(field, "sortOrder");
    assert!(
        reason.contains("asc") && reason.contains("desc"),
        "{reason}"
    );

    let (field, _) = invalid(
        "crm.getRecords",
        json!({"recordType": "Leads", "fields": ["a", 5]}),
    )
    .await;
    assert_eq!(field, "fields[1]");

    let (field, _) = invalid(
        "crm.addAttachment",
        json!({"recordId": "1", "file": {"base64": "***"}}),
    )
    .await;
    assert_eq!(field, "file");

    let (field, _) = invalid(
        "crm.rawRequest",
        json!({"url": "/x", "method": "GET", "headers": {"X-A": 1}}),
    )
    .await;
    assert_eq!(field, "headers.X-A");

    let (field, _) = invalid("crm.getRecords", json!(["Leads"])).await;
    assert_eq!(field, "params");

    // Range checks run before any client is asked for.
    let (field, _) = invalid(
        "books.getRecords",
        json!({"recordType": "invoices", "perPage": 1000}),
    )
    .await;
    assert_eq!(field, "perPage");
}

#[tokio::test]
async fn values_keep_their_json_types_and_long_ids_stay_strings() {
    let params = json!({
        "recordType": "Leads",
        "values": {"Account": {"id": "4150868000000002175"}, "Score": 12, "Hot": true, "Tags": ["a"]}
    });
    let create: zoho_actions::crm::CreateRecord = serde_json::from_value(params.clone()).unwrap();
    let request = create.to_request().unwrap();
    assert_eq!(
        request.body,
        zoho_core::RequestBody::Json(json!({"data": [params["values"].clone()]}))
    );
}

#[test]
fn method_descriptors_carry_flags_and_a_params_schema() {
    let get = METHODS.iter().find(|m| m.name == "crm.getRecords").unwrap();
    assert_eq!(get.label, "CRM - Get Records");
    assert_eq!(get.summary, "List CRM records");
    assert!(get.read_only && get.idempotent && !get.destructive);
    let schema: Value = serde_json::from_str(get.params_schema).unwrap();
    assert_eq!(schema["required"], json!(["recordType"]));
    assert_eq!(schema["properties"]["perPage"]["default"], json!(200));
    assert_eq!(schema["additionalProperties"], json!(false));
    let remove = METHODS
        .iter()
        .find(|m| m.name == "books.removeRecord")
        .unwrap();
    assert!(remove.destructive && !remove.read_only);
    // The descriptors and the spec text come from the same file.
    let spec = action_spec::parse(zoho_actions::SPEC_TOML, "zoho.toml").unwrap();
    let names: Vec<String> = spec.actions.iter().map(|a| a.method_name()).collect();
    let described: Vec<&str> = METHODS.iter().map(|m| m.name).collect();
    assert_eq!(names, described);
}
