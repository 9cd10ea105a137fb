//! The checked-in spec is valid and holds every connection, action, label and default users know.

use action_spec::{Location, RequestField, Spec};
use serde_json::json;

pub(crate) fn spec() -> Spec {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/zoho.toml")).unwrap();
    match action_spec::parse(&text, "zoho.toml") {
        Ok(spec) => spec,
        Err(diagnostics) => panic!("{diagnostics}"),
    }
}

#[test]
fn the_spec_is_valid_and_has_the_actions_users_know() {
    let spec = spec();
    let names: Vec<String> = spec.actions.iter().map(|a| a.method_name()).collect();
    let labels: Vec<&str> = spec.actions.iter().map(|a| a.label.as_str()).collect();
    // The methods and labels scripts and users rely on; the spec may hold more.
    for (method, label) in [
        ("books.createRecord", "Books - Create Record"),
        ("books.getRecord", "Books - Get Record"),
        ("books.getRecords", "Books - Get Records"),
        ("books.rawRequest", "Books - Raw Request"),
        ("books.removeRecord", "Books - Remove Record"),
        ("books.updateRecord", "Books - Update Record"),
        ("crm.addAttachment", "CRM - Add Attachment"),
        ("crm.coqlQuery", "CRM - COQL Query"),
        ("crm.createRecord", "CRM - Create Record"),
        ("crm.getRecord", "CRM - Get Record"),
        ("crm.getRecords", "CRM - Get Records"),
        ("crm.rawRequest", "CRM - Raw Request"),
        ("crm.removeRecord", "CRM - Remove Record"),
        ("crm.updateRecord", "CRM - Update Record"),
    ] {
        assert!(names.iter().any(|n| n == method), "missing method {method}");
        assert!(labels.contains(&label), "missing action label {label}");
    }
}

#[test]
fn connections_carry_the_component_labels_and_defaults() {
    let spec = spec();
    let scopes = "ZohoCRM.coql.READ ZohoCRM.notifications.ALL ZohoCRM.users.ALL ZohoCRM.org.ALL ZohoCRM.settings.ALL ZohoCRM.modules.ALL ZohoCRM.bulk.ALL ZohoBooks.fullaccess.all";
    let oauth2 = spec
        .connections
        .iter()
        .find(|c| c.kind == "oauth2")
        .unwrap();
    let table: Vec<(&str, Option<&str>, bool)> = oauth2
        .inputs
        .iter()
        .map(|i| (i.label.as_str(), i.default.as_deref(), i.required))
        .collect();
    assert_eq!(
        table,
        [
            ("Region URL", Some("https://accounts.zoho.com"), false),
            ("Scopes", Some(scopes), false),
            ("Client ID", None, true),
            ("Client Secret", None, true),
        ]
    );
    assert!(
        oauth2
            .inputs
            .iter()
            .any(|i| i.key == "client_secret" && i.secret)
    );
    let deprecated = spec
        .connections
        .iter()
        .find(|c| c.kind == "oauth2_deprecated")
        .unwrap();
    let labels: Vec<&str> = deprecated.inputs.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Authorize URL",
            "Token URL",
            "Scopes",
            "Refresh Token Revoke URL",
            "Client ID",
            "Client Secret"
        ]
    );
    let deprecated_scopes = deprecated
        .inputs
        .iter()
        .find(|i| i.key == "scopes")
        .unwrap();
    assert_eq!(deprecated_scopes.default.as_deref(), Some(scopes));
}

#[test]
fn inputs_carry_the_component_labels_and_defaults() {
    let spec = spec();
    let raw = spec
        .actions
        .iter()
        .find(|a| a.method_name() == "crm.rawRequest")
        .unwrap();
    let rows: Vec<(&str, Option<serde_json::Value>, bool)> = raw
        .inputs
        .iter()
        .map(|i| (i.label.as_str(), i.default.clone(), i.required))
        .collect();
    assert_eq!(
        rows,
        [
            ("Connection", None, false),
            ("URL", None, true),
            ("Method", None, true),
            ("Data", None, false),
            ("Form Data", None, false),
            ("File Data", None, false),
            ("File Data File Names", None, false),
            ("Query Parameter", None, false),
            ("Header", None, false),
            ("Response Type", Some(json!("json")), false),
            ("Timeout", None, false),
            ("Retry Delay (ms)", Some(json!(0)), false),
            ("Retry On All Errors", Some(json!(false)), false),
            ("Max Retry Count", Some(json!(0)), false),
            ("Use Exponential Backoff", Some(json!(false)), false),
            ("Debug Request", Some(json!(false)), false),
        ]
    );
    let connection = raw.input("connection").unwrap();
    assert_eq!(
        connection.when_omitted.as_deref(),
        Some("the default connection")
    );

    let attach = spec
        .actions
        .iter()
        .find(|a| a.method_name() == "crm.addAttachment")
        .unwrap();
    let record_type = attach.input("recordType").unwrap();
    assert_eq!(record_type.default, Some(json!("Leads")));
    assert!(!record_type.required);

    for method in ["crm.getRecords", "books.getRecords"] {
        let action = spec
            .actions
            .iter()
            .find(|a| a.method_name() == method)
            .unwrap();
        let per_page = action.input("perPage").unwrap();
        assert_eq!(per_page.label, "Per Page");
        assert_eq!(per_page.default, Some(json!(200)));
        assert_eq!((per_page.min, per_page.max), (Some(1), Some(200)));
        assert_eq!(
            action.input("fetchAll").unwrap().location,
            Location::Request(RequestField::FetchAll)
        );
        assert!(action.input("maxRecords").is_some());
    }
    for action in &spec.actions {
        let debug = action.input("debugRequest").unwrap();
        assert_eq!(
            (debug.label.as_str(), debug.default.clone()),
            ("Debug Request", Some(json!(false)))
        );
        assert_eq!(
            action.input("organizationId").is_some(),
            action.product == action_spec::Product::Books,
            "{}",
            action.method_name()
        );
    }
    let books_get = spec
        .actions
        .iter()
        .find(|a| a.method_name() == "books.getRecord")
        .unwrap();
    let parents: Vec<&str> = books_get
        .parent_inputs()
        .iter()
        .map(|i| i.label.as_str())
        .collect();
    assert_eq!(parents, ["Parent Record Type", "Parent Record Id"]);
}
