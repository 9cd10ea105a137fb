//! `record_paths`: the table of record types served at their own paths, read and checked
//! against the actions that consult it; each mistake with its line and what is allowed.

use action_spec::{ParentIdPlace, parse};

/// Two Books actions that consult the table (`create`, `remove`) and one entry.
const BASE: &str = r#"
[inputs.recordType]
label = "Record Type"
comment = "The type."
type = "string"
required = true
in = "path"

[inputs.recordId]
label = "Record ID"
comment = "The id."
type = "string"
required = true
in = "path"

[inputs.parentRecordType]
label = "Parent Record Type"
comment = "The parent type."
type = "string"
in = "path"

[inputs.parentRecordId]
label = "Parent Record Id"
comment = "The parent id."
type = "string"
in = "path"

[inputs.values]
label = "Values"
comment = "Fields."
type = "json_object"
in = "record"

[record_paths.books.contactpersons]
comment = "Not nested for writes."
parent = "contacts"
create = { path = "/contacts/contactpersons", parent_id = { in = "body_field", wire = "contact_id" } }
remove = { path = "/contacts/contactpersons/{recordId}" }

[[actions]]
product = "books"
name = "createRecord"
label = "Books - Create Record"
summary = "Create"
description = "Creates one."
http_method = "POST"
path = "/{recordType}"
parent_path = "/{parentRecordType}/{parentRecordId}/{recordType}"
body = "books_record"
result = "books_record"
result_description = "The record."
read_only = false
destructive = false
idempotent = false
record_paths = "create"
inputs = ["recordType", "parentRecordType", "parentRecordId", "values"]

[[actions]]
product = "books"
name = "removeRecord"
label = "Books - Remove Record"
summary = "Delete"
description = "Deletes one."
http_method = "DELETE"
path = "/{recordType}/{recordId}"
parent_path = "/{parentRecordType}/{parentRecordId}/{recordType}/{recordId}"
result = "books_delete"
result_description = "Code and message."
read_only = false
destructive = true
idempotent = true
record_paths = "remove"
inputs = ["recordType", "recordId", "parentRecordType", "parentRecordId"]
"#;

fn refused_at(text: &str, needle: &str, fragment: &str) {
    let line = text
        .lines()
        .position(|line| line.contains(needle))
        .map(|at| at + 1)
        .unwrap_or_else(|| panic!("`{needle}` not in spec"));
    match parse(text, "zoho.toml") {
        Ok(_) => panic!("expected the spec to be refused:\n{text}"),
        Err(diagnostics) => assert!(
            diagnostics.has(line, fragment),
            "expected `{fragment}` at line {line}, got:\n{diagnostics}"
        ),
    }
}

#[test]
fn the_base_table_is_read_with_where_each_parent_id_goes() {
    let spec = parse(BASE, "zoho.toml").unwrap();
    let entry = &spec.record_paths[0];
    assert_eq!(
        (entry.record_type.as_str(), entry.parent.as_deref()),
        ("contactpersons", Some("contacts"))
    );
    let create = entry.operation("create").unwrap();
    assert_eq!(create.path.text, "/contacts/contactpersons");
    assert_eq!(
        create.parent_id,
        ParentIdPlace::BodyField("contact_id".into())
    );
    assert_eq!(
        entry.operation("remove").unwrap().parent_id,
        ParentIdPlace::NotSent
    );
    let action = &spec.actions[1];
    assert_eq!(spec.record_paths_of(action).len(), 1);
}

#[test]
fn an_operation_no_action_names_is_refused_listing_those_used() {
    let text = BASE.replace("remove = { path", "delete = { path");
    refused_at(&text, "delete = { path", "allowed: create, remove");
}

#[test]
fn a_path_that_drops_the_record_id_is_refused() {
    let text = BASE.replace(
        "remove = { path = \"/contacts/contactpersons/{recordId}\" }",
        "remove = { path = \"/contacts/contactpersons\" }",
    );
    refused_at(&text, "remove = { path", "drops `{recordId}`");
}

#[test]
fn a_placeholder_the_action_cannot_fill_is_refused() {
    let text = BASE.replace(
        "remove = { path = \"/contacts/contactpersons/{recordId}\" }",
        "remove = { path = \"/contacts/{recordType}/{recordId}\" }",
    );
    refused_at(
        &text,
        "remove = { path",
        "uses `{recordType}`, which action `books.removeRecord` cannot fill there",
    );
}

#[test]
fn a_body_field_parent_id_on_an_action_without_a_body_is_refused() {
    let text = BASE.replace(
        "remove = { path = \"/contacts/contactpersons/{recordId}\" }",
        "remove = { path = \"/contacts/contactpersons/{recordId}\", parent_id = { in = \"body_field\", wire = \"contact_id\" } }",
    );
    refused_at(&text, "remove = { path", "sends none; allowed here: query");
}

#[test]
fn an_unknown_parent_id_place_is_refused_naming_the_places() {
    let text = BASE.replace(
        "in = \"body_field\", wire = \"contact_id\"",
        "in = \"header\", wire = \"contact_id\"",
    );
    refused_at(&text, "create = { path", "allowed: query, body_field");
}

#[test]
fn a_parent_id_in_the_path_needs_a_parent_type() {
    let text = BASE.replace("parent = \"contacts\"\n", "").replace(
        "remove = { path = \"/contacts/contactpersons/{recordId}\" }",
        "remove = { path = \"/contacts/{parentRecordId}/contactpersons/{recordId}\" }",
    );
    refused_at(&text, "remove = { path", "names no `parent`");
}

#[test]
fn an_action_whose_templates_name_no_parent_cannot_consult_the_table() {
    let text = BASE.replace(
        "parent_path = \"/{parentRecordType}/{parentRecordId}/{recordType}/{recordId}\"\n",
        "",
    );
    // Without `parent_path` the parent inputs appear in no path (reported by the action rules)
    // and `record_paths` has nothing to key on.
    refused_at(
        &text,
        "record_paths = \"remove\"",
        "do not name a record type and a parent",
    );
}

#[test]
fn an_unknown_product_is_refused() {
    let text = BASE.replace("[record_paths.books.", "[record_paths.desk.");
    refused_at(&text, "[record_paths.desk.", "unknown product `desk`");
}
