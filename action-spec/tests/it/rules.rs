//! One test per validation rule: a small valid spec with one mistake, and the message the user
//! gets (its line, what is wrong, what is allowed).

use action_spec::{Diagnostics, parse};

/// A small valid spec; each test changes one thing in it.
const BASE: &str = r#"
[inputs.recordType]
label = "Record Type"
comment = "The module."
type = "string"
required = true
in = "path"

[inputs.recordId]
label = "Record ID"
comment = "The id."
type = "string"
required = true
in = "path"

[inputs.sortOrder]
label = "Sort Order"
comment = "Order."
type = "enum"
values = ["asc", "desc"]
default = "asc"
in = "query"
wire = "sort_order"

[[actions]]
product = "crm"
name = "getRecord"
label = "CRM - Get Record"
summary = "Fetch one"
description = "Fetches one record."
http_method = "GET"
path = "/{recordType}/{recordId}"
result = "crm_record"
result_description = "The record."
read_only = true
destructive = false
idempotent = true
inputs = ["recordType", "recordId", "sortOrder"]
"#;

fn errors_of(text: &str) -> Diagnostics {
    match parse(text, "zoho.toml") {
        Ok(_) => panic!("expected the spec to be refused:\n{text}"),
        Err(diagnostics) => diagnostics,
    }
}

/// Line (1-based) of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|line| line.contains(needle))
        .map(|at| at + 1)
        .unwrap_or_else(|| panic!("`{needle}` not in spec"))
}

fn assert_reported(text: &str, needle_line: &str, fragments: &[&str]) {
    let diagnostics = errors_of(text);
    let line = line_of(text, needle_line);
    for fragment in fragments {
        assert!(
            diagnostics.has(line, fragment),
            "expected `{fragment}` at line {line}, got:\n{diagnostics}"
        );
    }
    assert!(
        diagnostics
            .to_string()
            .starts_with(&format!("zoho.toml:{line}:")),
        "{diagnostics}"
    );
}

#[test]
fn the_base_spec_is_valid() {
    let spec = parse(BASE, "zoho.toml").unwrap();
    assert_eq!(spec.actions.len(), 1);
}

#[test]
fn unknown_input_type_names_the_allowed_types() {
    let text = BASE.replace("type = \"enum\"", "type = \"choice\"");
    assert_reported(
        &text,
        "type = \"choice\"",
        &[
            "unknown input type `choice`",
            "allowed: string, integer, boolean, enum",
        ],
    );
}

#[test]
fn default_of_the_wrong_type_is_refused() {
    let text = BASE.replace(
        "required = true\nin = \"path\"\n\n[inputs.recordId]",
        "default = 7\nin = \"path\"\n\n[inputs.recordId]",
    );
    assert_reported(
        &text,
        "default = 7",
        &[
            "default of input `recordType` is an integer",
            "allowed: a string",
        ],
    );
}

#[test]
fn duplicate_input_key_in_an_action_is_refused() {
    let text = BASE.replace(
        r#"inputs = ["recordType", "recordId", "sortOrder"]"#,
        r#"inputs = ["recordType", "recordId", "sortOrder", "recordId"]"#,
    );
    assert_reported(
        &text,
        "inputs = [",
        &[
            "duplicate input key `recordId`",
            "each input may appear once",
        ],
    );
}

#[test]
fn duplicate_shared_input_key_is_refused_by_the_toml_reader() {
    let text = format!("{BASE}\n[inputs.recordId]\nlabel = \"again\"\n");
    let diagnostics = errors_of(&text);
    assert!(
        diagnostics.to_string().contains("duplicate key"),
        "{diagnostics}"
    );
}

#[test]
fn duplicate_action_is_refused() {
    let second = BASE.split("[[actions]]").nth(1).unwrap();
    let text = format!("{BASE}\n[[actions]]{second}");
    let diagnostics = errors_of(&text);
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("name = \"getRecord\""))
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert!(
        diagnostics.has(line, "duplicate action `crm.getRecord`"),
        "{diagnostics}"
    );
}

#[test]
fn path_placeholder_without_an_input_is_refused() {
    let text = BASE.replace(
        "path = \"/{recordType}/{recordId}\"",
        "path = \"/{recordType}/{recordId}/{attachmentId}\"",
    );
    assert_reported(
        &text,
        "path = ",
        &[
            "path placeholder `{attachmentId}` has no input",
            "in = \"path\"",
        ],
    );
}

#[test]
fn path_input_missing_from_the_path_is_refused() {
    let text = BASE.replace(
        "path = \"/{recordType}/{recordId}\"",
        "path = \"/{recordType}\"",
    );
    assert_reported(
        &text,
        "inputs = [",
        &[
            "path input `recordId` does not appear in the path",
            "put `{recordId}` in `path`",
        ],
    );
}

#[test]
fn required_input_with_a_default_is_refused() {
    let text = BASE.replace(
        "required = true\nin = \"path\"\n\n[inputs.recordId]",
        "required = true\ndefault = \"Leads\"\nin = \"path\"\n\n[inputs.recordId]",
    );
    assert_reported(
        &text,
        "required = true",
        &["is required and has a default", "drop one of them"],
    );
}

#[test]
fn unknown_key_in_any_table_is_refused() {
    for (table_line, extra) in [
        ("[inputs.recordId]", "colour = \"red\""),
        ("[[actions]]", "colour = \"red\""),
    ] {
        let text = BASE.replace(table_line, &format!("{table_line}\n{extra}"));
        assert_reported(&text, extra, &["unknown field `colour`", "allowed:"]);
    }
    let text = format!("colour = \"red\"\n{BASE}");
    assert_reported(
        &text,
        "colour",
        &[
            "unknown top-level key `colour`",
            "allowed: connections, inputs, actions",
        ],
    );
}

#[test]
fn http_method_outside_the_five_is_refused() {
    let text = BASE.replace("http_method = \"GET\"", "http_method = \"FETCH\"");
    assert_reported(
        &text,
        "FETCH",
        &[
            "HTTP method `FETCH` is not allowed",
            "allowed: GET, POST, PUT, PATCH, DELETE",
        ],
    );
}

#[test]
fn enum_default_outside_its_values_is_refused() {
    let text = BASE.replace("default = \"asc\"", "default = \"up\"");
    assert_reported(
        &text,
        "default = \"up\"",
        &[
            "default `up` of input `sortOrder` is not one of its values",
            "allowed: asc, desc",
        ],
    );
}

#[test]
fn missing_label_is_refused() {
    let text = BASE.replace("label = \"Record ID\"\n", "");
    assert_reported(
        &text,
        "[inputs.recordId]",
        &["input `recordId` has no `label`", "needs a `label`"],
    );
    let text = BASE.replace("label = \"CRM - Get Record\"\n", "");
    assert_reported(
        &text,
        "[[actions]]",
        &["action `crm.getRecord` has no `label`"],
    );
}

#[test]
fn integer_default_outside_min_and_max_is_refused() {
    let text = format!(
        "{}\n[inputs.perPage]\nlabel = \"Per Page\"\ncomment = \"Size.\"\ntype = \"integer\"\nmin = 1\nmax = 200\ndefault = 500\nin = \"query\"\n",
        BASE.split("[[actions]]").next().unwrap()
    );
    assert_reported(
        &text,
        "default = 500",
        &["out of range", "allowed: 1..=200"],
    );
}

#[test]
fn type_that_cannot_go_where_it_is_put_is_refused() {
    let text = BASE.replace(
        "type = \"string\"\nrequired = true\nin = \"path\"\n\n[inputs.recordId]",
        "type = \"file\"\nrequired = true\nin = \"path\"\n\n[inputs.recordId]",
    );
    let diagnostics = errors_of(&text);
    assert!(
        diagnostics.to_string().contains(
            "has type `file`, which cannot go in `path`; allowed there: string, integer, enum"
        ),
        "{diagnostics}"
    );
}

#[test]
fn independent_mistakes_are_all_reported_at_once() {
    let text = BASE
        .replace("type = \"enum\"", "type = \"choice\"")
        .replace("http_method = \"GET\"", "http_method = \"FETCH\"")
        .replace("label = \"Record ID\"\n", "");
    let diagnostics = errors_of(&text);
    assert_eq!(diagnostics.items.len(), 3, "{diagnostics}");
    // Reported in file order.
    let lines: Vec<usize> = diagnostics.items.iter().map(|d| d.line).collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
}

#[test]
fn unknown_input_in_an_action_names_the_defined_ones() {
    let text = BASE.replace("\"sortOrder\"]", "\"sortOrdr\"]");
    assert_reported(
        &text,
        "inputs = [",
        &[
            "uses unknown input `sortOrdr`",
            "recordId, recordType, sortOrder",
        ],
    );
}

#[test]
fn the_real_spec_accepts_a_new_action_with_no_other_change() {
    // Named unlike any action the README's walk-through (applied to the spec by CI) adds.
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/zoho.toml")).unwrap();
    let extended = format!(
        "{text}\n[[actions]]\nproduct = \"crm\"\nname = \"exampleNoteList\"\nlabel = \"CRM - Example Note List\"\nsummary = \"List a CRM record's notes\"\ndescription = \"Lists the notes of a record.\"\nhttp_method = \"GET\"\npath = \"/{{recordType}}/{{recordId}}/Notes\"\nresult = \"crm_records\"\nresult_description = \"The notes.\"\nread_only = true\ndestructive = false\nidempotent = true\ninputs = [\"connection\", \"recordType\", \"recordId\", \"page\", \"perPage\", \"debugRequest\"]\n"
    );
    let before = parse(&text, "zoho.toml").unwrap().actions.len();
    let spec = parse(&extended, "zoho.toml").unwrap();
    assert_eq!(spec.actions.len(), before + 1);
    assert_eq!(
        spec.actions.last().map(|a| a.method_name()).as_deref(),
        Some("crm.exampleNoteList")
    );
}

#[test]
fn record_inputs_need_a_body_wrapping() {
    let text = format!(
        "{}\n[inputs.values]\nlabel = \"Values\"\ncomment = \"Fields.\"\ntype = \"json_object\"\nin = \"record\"\n",
        BASE
    )
    .replace("\"sortOrder\"]", "\"sortOrder\", \"values\"]");
    assert_reported(
        &text,
        "[[actions]]",
        &[
            "has record inputs but no `body`",
            "allowed: body = \"crm_record\" or \"books_record\"",
        ],
    );
}

#[test]
fn parent_only_inputs_must_be_optional() {
    let text = format!(
        "{BASE}\n[inputs.parentId]\nlabel = \"Parent Id\"\ncomment = \"Parent.\"\ntype = \"string\"\nrequired = true\nin = \"path\"\n"
    )
    .replace(
        "path = \"/{recordType}/{recordId}\"",
        "path = \"/{recordType}/{recordId}\"\nparent_path = \"/parents/{parentId}/{recordType}/{recordId}\"",
    )
    .replace("\"sortOrder\"]", "\"sortOrder\", \"parentId\"]");
    assert_reported(
        &text,
        "inputs = [",
        &["appears only in `parent_path`, so it must be optional"],
    );
}

#[test]
fn record_names_must_be_inputs_of_the_action() {
    let text = BASE.replace(
        "inputs = [",
        "record = { type = \"recordType\", id = \"recordKey\" }\ninputs = [",
    );
    assert_reported(
        &text,
        "record = {",
        &[
            "`record` of action `crm.getRecord` names `recordKey`",
            "allowed: recordType, recordId, sortOrder",
        ],
    );
}

#[test]
fn an_action_needs_a_method_and_a_path() {
    let text = BASE.replace(
        "http_method = \"GET\"\npath = \"/{recordType}/{recordId}\"\n",
        "",
    );
    let diagnostics = errors_of(&text);
    let rendered = diagnostics.to_string();
    assert!(
        rendered.contains("has no `http_method`; allowed: GET, POST, PUT, PATCH, DELETE"),
        "{rendered}"
    );
    assert!(rendered.contains("has no `path`"), "{rendered}");
}

#[test]
fn enum_values_must_make_distinct_rust_variants() {
    let text = BASE.replace(
        "values = [\"asc\", \"desc\"]",
        "values = [\"asc\", \"ASC\"]",
    );
    assert_reported(
        &text,
        "values = [",
        &["enum values `asc` and `ASC`", "same Rust variant `Asc`"],
    );
    let text = BASE.replace(
        "values = [\"asc\", \"desc\"]",
        "values = [\"asc\", \"1st\"]",
    );
    assert_reported(
        &text,
        "values = [",
        &["enum value `1st`", "cannot name a Rust variant"],
    );
}

#[test]
fn a_setting_the_location_does_not_use_is_refused_where_it_is_written() {
    // `wire` names a query parameter or part; a path segment has none.
    let text = BASE.replacen("in = \"path\"\n", "in = \"path\"\nwire = \"module\"\n", 1);
    let errors = errors_of(&text);
    let line = line_of(&text, "wire = \"module\"");
    assert!(
        errors.has(line, "`wire` is not used with `in = \"path\"`"),
        "{errors}"
    );
    // ... while a query input may carry one (the base spec's sortOrder does).
    assert!(parse(BASE, "zoho.toml").is_ok());

    let text = BASE.replacen(
        "wire = \"sort_order\"\n",
        "wire = \"sort_order\"\nfield = \"timeout\"\n",
        1,
    );
    let errors = errors_of(&text);
    let line = line_of(&text, "field = \"timeout\"");
    assert!(
        errors.has(line, "`field` is not used with `in = \"query\"`"),
        "{errors}"
    );
}

#[test]
fn an_enum_for_a_request_field_lists_only_values_the_runtime_has() {
    let text = BASE.replace(
        "values = [\"asc\", \"desc\"]\ndefault = \"asc\"\nin = \"query\"\nwire = \"sort_order\"",
        "values = [\"json\", \"xml\"]\ndefault = \"json\"\nin = \"request\"\nfield = \"response_type\"",
    );
    assert_reported(
        &text,
        "values = [\"json\", \"xml\"]",
        &[
            "sets `field = \"response_type\"`, which has no value `xml`",
            "allowed: values among `json`, `text`, `binary`",
        ],
    );
    let methods = text
        .replace("[\"json\", \"xml\"]", "[\"GET\", \"TRACE\"]")
        .replace("default = \"json\"", "default = \"GET\"")
        .replace("field = \"response_type\"", "field = \"method\"");
    assert!(
        errors_of(&methods).to_string().contains(
            "no value `TRACE`; allowed: values among `GET`, `POST`, `PUT`, `PATCH`, `DELETE`"
        ),
        "{}",
        errors_of(&methods)
    );
}

#[test]
fn an_action_type_may_not_hide_a_standard_name_the_generated_code_uses() {
    let text = BASE.replace("name = \"getRecord\"", "name = \"vec\"");
    assert_reported(
        &text,
        "name = \"vec\"",
        &[
            "action name `vec` makes the Rust type `Vec`",
            "allowed: any lowerCamel name but `option`, `string`, `vec`, `into`",
        ],
    );
}

const RECORDS: &str = "\n[inputs.records]\nlabel = \"Records\"\ncomment = \"The records.\"\ntype = \"json_object_list\"\nrequired = true\nin = \"batch\"\n";

#[test]
fn a_multi_record_result_needs_a_batch_input() {
    let text = BASE.replace("result = \"crm_record\"", "result = \"crm_write_many\"");
    assert_reported(
        &text,
        "result = \"crm_write_many\"",
        &[
            "has result `crm_write_many` but no input with in = \"batch\"",
            "`json_object_list`",
        ],
    );
}

#[test]
fn a_batch_input_needs_a_multi_record_result() {
    let text = format!("{BASE}{RECORDS}").replace("\"sortOrder\"]", "\"sortOrder\", \"records\"]");
    assert_reported(
        &text,
        "inputs = [",
        &[
            "input `records` of action `crm.getRecord` has in = \"batch\"",
            "allowed: result = \"crm_write_many\" or \"crm_delete_many\"",
        ],
    );
}

#[test]
fn a_delete_batch_holds_ids_not_records() {
    let text = format!("{BASE}{RECORDS}")
        .replace("result = \"crm_record\"", "result = \"crm_delete_many\"")
        .replace("\"sortOrder\"]", "\"sortOrder\", \"records\"]");
    assert_reported(
        &text,
        "inputs = [",
        &["batch input `records`", "must be a required `string_list`"],
    );
}

#[test]
fn an_override_may_move_an_input_where_its_type_fits() {
    let moved = BASE.replace(
        "inputs = [\"recordType\", \"recordId\", \"sortOrder\"]",
        "inputs = [\"recordType\", \"recordId\", { use = \"sortOrder\", in = \"query\", wire = \"order\" }]",
    );
    let spec = parse(&moved, "zoho.toml").unwrap();
    assert_eq!(
        spec.actions[0]
            .input("sortOrder")
            .map(|i| i.location.clone()),
        Some(action_spec::Location::Query {
            wire: "order".into()
        })
    );
    let text = BASE.replace(
        "inputs = [\"recordType\", \"recordId\", \"sortOrder\"]",
        "inputs = [\"recordType\", \"recordId\", { use = \"sortOrder\", in = \"multipart\" }]",
    );
    assert_reported(
        &text,
        "inputs = [",
        &["has type `enum`, which cannot go in `multipart`"],
    );
}

#[test]
fn record_fields_need_a_body_wrapping() {
    let text = format!(
        "{BASE}\n[inputs.title]\nlabel = \"Title\"\ncomment = \"The title.\"\ntype = \"string\"\nin = \"record_field\"\nwire = \"Note_Title\"\n"
    )
    .replace("\"sortOrder\"]", "\"sortOrder\", \"title\"]");
    assert_reported(&text, "[[actions]]", &["has record inputs but no `body`"]);
}

/// BASE turned into a PATCH that sends one notification channel with a `channel_id` field.
fn watch_spec(extra: &str) -> String {
    format!(
        "{BASE}\n[inputs.channelId]\nlabel = \"Channel ID\"\ncomment = \"The channel.\"\ntype = \"string\"\nrequired = true\nin = \"body_field\"\nwire = \"channel_id\"\n"
    )
    .replace("http_method = \"GET\"", &format!("http_method = \"PATCH\"\nbody = \"crm_watch\"\n{extra}"))
    .replace("\"sortOrder\"]", "\"sortOrder\", \"channelId\"]")
}

#[test]
fn body_constants_reach_the_action_sorted_by_key() {
    let spec = parse(
        &watch_spec("body_constants = { _delete_events = true, b = 2, a = \"x\" }"),
        "zoho.toml",
    )
    .unwrap();
    let action = &spec.actions[0];
    assert_eq!(action.body, Some(action_spec::BodyWrap::CrmWatch));
    assert_eq!(
        action.body_constants,
        vec![
            ("_delete_events".to_owned(), serde_json::json!(true)),
            ("a".to_owned(), serde_json::json!("x")),
            ("b".to_owned(), serde_json::json!(2)),
        ]
    );
}

#[test]
fn body_constants_need_a_body() {
    let text = BASE.replace(
        "result = \"crm_record\"",
        "body_constants = { _delete_events = true }\nresult = \"crm_record\"",
    );
    assert_reported(
        &text,
        "body_constants",
        &[
            "need a body to go into",
            "allowed: with body = \"crm_record\"",
        ],
    );
}

#[test]
fn body_constants_are_scalars_on_keys_no_input_sets() {
    let text = watch_spec("body_constants = { channel_id = \"1\", list = [1] }");
    assert_reported(
        &text,
        "body_constants",
        &[
            "body constant `channel_id` of action `crm.getRecord` is also set by input `channelId`",
            "body constant `list` of action `crm.getRecord` is an array; allowed: a boolean, an integer or a string",
        ],
    );
}

#[test]
fn a_notification_channel_takes_no_record_inputs() {
    let text = format!(
        "{}\n[inputs.values]\nlabel = \"Values\"\ncomment = \"Fields.\"\ntype = \"json_object\"\nin = \"record\"\n",
        watch_spec("")
    )
    .replace("\"channelId\"]", "\"channelId\", \"values\"]");
    assert_reported(
        &text,
        "body = \"crm_watch\"",
        &["wraps a notification channel", "also has record inputs"],
    );
}
