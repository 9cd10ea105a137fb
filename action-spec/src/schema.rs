//! JSON Schema (draft 2020-12 vocabulary) of action params and results, derived from the spec.

use serde_json::{Map, Value, json};

use crate::model::{Action, Input, InputType, ResultShape};

/// The schema of one input's value, with its label, comment and default.
pub fn input_schema(input: &Input) -> Value {
    let mut schema = type_schema(input);
    if let Value::Object(map) = &mut schema {
        map.insert("title".into(), Value::String(input.label.clone()));
        let mut description = input.comment.clone();
        if let Some(when_omitted) = &input.when_omitted {
            description.push_str(&format!(" When omitted: {when_omitted}."));
        }
        map.insert("description".into(), Value::String(description));
        if let Some(default) = &input.default {
            map.insert("default".into(), default.clone());
        }
    }
    schema
}

/// The schema of a file's content: text, or bytes as `{"base64": "..."}`.
pub fn file_schema() -> Value {
    json!({
        "oneOf": [
            {"type": "string", "description": "Text content."},
            {
                "type": "object",
                "description": "Binary content, base64-encoded.",
                "properties": {"base64": {"type": "string", "contentEncoding": "base64"}},
                "required": ["base64"],
                "additionalProperties": false
            }
        ]
    })
}

fn type_schema(input: &Input) -> Value {
    match &input.ty {
        InputType::String | InputType::Connection => json!({"type": "string"}),
        InputType::Integer => {
            let mut schema = Map::new();
            schema.insert("type".into(), "integer".into());
            schema.insert("minimum".into(), input.min.unwrap_or(0).into());
            if let Some(max) = input.max {
                schema.insert("maximum".into(), max.into());
            }
            Value::Object(schema)
        }
        InputType::Boolean => json!({"type": "boolean"}),
        InputType::Enum(values) => json!({"type": "string", "enum": values}),
        InputType::StringList => json!({"type": "array", "items": {"type": "string"}}),
        InputType::StringMap => {
            json!({"type": "object", "additionalProperties": {"type": "string"}})
        }
        InputType::JsonObject => json!({"type": "object"}),
        InputType::JsonObjectList => json!({"type": "array", "items": {"type": "object"}}),
        InputType::Json => json!({}),
        InputType::File => file_schema(),
        InputType::FileMap => json!({"type": "object", "additionalProperties": file_schema()}),
    }
}

/// The schema of an action's params object: one property per input, unknown params refused.
pub fn params_schema(action: &Action) -> Value {
    let properties: Map<String, Value> = action
        .inputs
        .iter()
        .map(|input| (input.key.clone(), input_schema(input)))
        .collect();
    let required: Vec<&str> = action
        .inputs
        .iter()
        .filter(|input| input.required)
        .map(|input| input.key.as_str())
        .collect();
    let mut schema = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false
    });
    if let (Value::Object(map), false) = (&mut schema, action.one_of.is_empty()) {
        map.insert("dependentSchemas".into(), one_of_exclusions(&action.one_of));
        let rules: Vec<String> = action
            .one_of
            .iter()
            .map(|group| one_of_rule(group))
            .collect();
        map.insert("description".into(), Value::String(rules.join(" ")));
    }
    schema
}

/// `Give exactly one of criteria, email, phone, word.`: a `one_of` group in words.
pub fn one_of_rule(group: &[String]) -> String {
    format!("Give exactly one of {}.", group.join(", "))
}

/// A `one_of` group as draft 2020-12 `dependentSchemas`: each member, when given, refuses the
/// others. "At least one" would need `oneOf`/`anyOf`/`not`/`if` at the schema's root, which
/// MCP hosts (Claude's API among them) refuse or drop the tool for; the runtime check refuses
/// a call that gives none (design 001).
fn one_of_exclusions(groups: &[Vec<String>]) -> Value {
    let mut out = Map::new();
    for group in groups {
        for member in group {
            let others: Vec<Value> = group
                .iter()
                .filter(|other| *other != member)
                .map(|other| json!({"required": [other]}))
                .collect();
            out.insert(member.clone(), json!({"not": {"anyOf": others}}));
        }
    }
    Value::Object(out)
}

/// The schema of an action's result.
pub fn result_schema(action: &Action) -> Value {
    let mut schema = match action.result {
        ResultShape::Raw => json!({}),
        ResultShape::CrmWrite | ResultShape::CrmDelete => json!({
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "details": {"type": "object"},
                "message": {"type": "string"},
                "status": {"type": "string"}
            }
        }),
        ResultShape::CrmRecord | ResultShape::BooksRecord => json!({"type": "object"}),
        ResultShape::CrmRecords | ResultShape::CrmCoql | ResultShape::CrmBulkRead => json!({
            "type": "object",
            "properties": {
                "data": {"type": "array", "items": {"type": "object"}},
                "info": {"type": "object"}
            }
        }),
        ResultShape::BooksRecords => json!({
            "type": "object",
            "properties": {
                "page_context": {"type": "object"}
            },
            "additionalProperties": {"type": "array", "items": {"type": "object"}}
        }),
        ResultShape::BooksDelete => json!({
            "type": "object",
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"}
            }
        }),
        ResultShape::CrmWriteMany | ResultShape::CrmDeleteMany | ResultShape::CrmBulkWrite => {
            json!({
                "type": "object",
                "properties": {
                    "succeeded": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "index": {"type": "integer", "minimum": 0},
                            "id": {"type": "string"},
                            "action": {"type": "string", "enum": ["insert", "update", "delete"]},
                            "details": {"type": "object"}
                        }
                    }},
                    "failed": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "index": {"type": "integer", "minimum": 0},
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "details": {}
                        }
                    }}
                },
                "required": ["succeeded", "failed"]
            })
        }
        ResultShape::Json => json!({"type": "object"}),
        ResultShape::CrmSchema | ResultShape::BooksSchema => {
            json!({"type": "object", "properties": {
                "$schema": {"const": "https://json-schema.org/draft/2020-12/schema"},
                "properties": {"type": "object"},
                "required": {"type": "array", "items": {"type": "string"}}
            }})
        }
        ResultShape::CrmFile => json!({
            "type": "object",
            "properties": {
                "fileName": {"type": ["string", "null"]},
                "contentType": {"type": ["string", "null"]},
                "base64": {"type": "string", "contentEncoding": "base64"}
            },
            "required": ["fileName", "contentType", "base64"]
        }),
    };
    if let Value::Object(map) = &mut schema {
        map.insert(
            "description".into(),
            Value::String(action.result_description.clone()),
        );
    }
    schema
}
