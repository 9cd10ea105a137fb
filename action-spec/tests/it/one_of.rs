//! `one_of`: groups of optional inputs of which a call gives exactly one. The spec's rules for
//! the groups, and what the params schema says about them.

use action_spec::{Diagnostics, parse, schema::params_schema};
use serde_json::json;

/// A small valid action with three optional inputs and a required one; `{one_of}` is replaced.
const SPEC: &str = r#"
[inputs.recordType]
label = "Record Type"
comment = "The module."
type = "string"
required = true
in = "path"

[inputs.email]
label = "Email"
comment = "An address."
type = "string"
in = "query"
wire = "email"

[inputs.phone]
label = "Phone"
comment = "A number."
type = "string"
in = "query"
wire = "phone"

[inputs.perPage]
label = "Per Page"
comment = "Page size."
type = "integer"
default = 200
in = "query"
wire = "per_page"

[[actions]]
product = "crm"
name = "findRecords"
label = "CRM - Find Records"
summary = "Find"
description = "Finds records."
http_method = "GET"
path = "/{recordType}/search"
result = "crm_records"
result_description = "The records."
read_only = true
destructive = false
idempotent = true
{one_of}
inputs = ["recordType", "email", "phone", "perPage"]
"#;

fn with(one_of: &str) -> String {
    SPEC.replace("{one_of}", one_of)
}

fn refused(one_of: &str) -> Diagnostics {
    let text = with(one_of);
    match parse(&text, "zoho.toml") {
        Ok(_) => panic!("expected `{one_of}` to be refused"),
        Err(diagnostics) => diagnostics,
    }
}

/// Line of the `one_of` key in the spec.
fn line() -> usize {
    with("one_of = []")
        .lines()
        .position(|line| line.starts_with("one_of"))
        .map_or(0, |at| at + 1)
}

#[test]
fn a_group_of_optional_inputs_is_read_in_spec_order() {
    let spec = parse(&with(r#"one_of = [["phone", "email"]]"#), "zoho.toml").unwrap();
    assert_eq!(spec.actions[0].one_of, vec![vec!["phone", "email"]]);
    let without = parse(&with(""), "zoho.toml").unwrap();
    assert!(without.actions[0].one_of.is_empty());
}

#[test]
fn a_name_that_is_not_an_input_is_refused_with_the_allowed_ones() {
    let diagnostics = refused(r#"one_of = [["email", "word"]]"#);
    assert!(
        diagnostics.has(
            line(),
            "names `word`, which is not one of its inputs; allowed: email, phone"
        ),
        "{diagnostics}"
    );
}

#[test]
fn a_required_or_defaulted_input_is_refused_as_always_given() {
    let diagnostics = refused(r#"one_of = [["recordType", "email", "perPage"]]"#);
    for fragment in [
        "names `recordType`, which is required, so it is always given",
        "names `perPage`, which has a default, so it is always given",
    ] {
        assert!(
            diagnostics.has(line(), fragment),
            "{fragment}: {diagnostics}"
        );
    }
}

#[test]
fn a_group_of_one_an_empty_list_and_a_repeated_name_are_refused() {
    let one = refused(r#"one_of = [["email"]]"#);
    assert!(
        one.has(
            line(),
            "names 1 input(s) (email); allowed: two or more inputs"
        ),
        "{one}"
    );
    let empty = refused("one_of = []");
    assert!(
        empty.has(line(), "`one_of` of action `crm.findRecords` is empty"),
        "{empty}"
    );
    let twice = refused(r#"one_of = [["email", "phone"], ["phone", "email"]]"#);
    assert!(twice.has(line(), "names `phone` twice"), "{twice}");
}

#[test]
fn the_params_schema_refuses_two_together_and_states_the_rule() {
    let spec = parse(&with(r#"one_of = [["email", "phone"]]"#), "zoho.toml").unwrap();
    let schema = params_schema(&spec.actions[0]);
    assert_eq!(
        schema["dependentSchemas"],
        json!({
            "email": {"not": {"anyOf": [{"required": ["phone"]}]}},
            "phone": {"not": {"anyOf": [{"required": ["email"]}]}},
        })
    );
    assert_eq!(schema["description"], "Give exactly one of email, phone.");
    // Nothing at the root that MCP hosts refuse a tool for.
    for keyword in ["oneOf", "anyOf", "allOf", "not", "if"] {
        assert!(schema.get(keyword).is_none(), "{keyword} at the root");
    }
    assert_eq!(schema["required"], json!(["recordType"]));
}

#[test]
fn crm_search_records_takes_exactly_one_of_its_four_filters() {
    let spec = crate::real_spec::spec();
    let search = spec
        .actions
        .iter()
        .find(|action| action.method_name() == "crm.searchRecords")
        .unwrap();
    assert_eq!(
        search.one_of,
        vec![vec!["criteria", "email", "phone", "word"]]
    );
}
