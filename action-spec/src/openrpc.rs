//! The OpenRPC 1.x document of the JSON-RPC interface, derived from the spec. `cargo xtask docs`
//! writes [`document`] to `docs/openrpc.json`, which the server's `rpc.discover` serves; it is
//! deterministic. Its error
//! table is the [`crate::errors`] catalogue.

use serde_json::{Map, Value, json};

use crate::errors::{ACTION_ERRORS, CATALOGUE};
use crate::model::{Action, Location, RequestField, ResultShape, Spec};
use crate::schema::{input_schema, params_schema, result_schema};

/// The OpenRPC document: every method with its params (schema, required, default), result and
/// errors; the error table under `components.errors`.
pub fn document(spec: &Spec) -> Value {
    let methods: Vec<Value> = spec.actions.iter().map(method).collect();
    let errors: Map<String, Value> = CATALOGUE
        .iter()
        .map(|error| {
            (
                error.name.to_owned(),
                json!({"code": error.code, "message": error.when, "data": error.data_description()}),
            )
        })
        .collect();
    let connections: Vec<Value> = spec
        .connections
        .iter()
        .map(|connection| {
            json!({
                "kind": connection.kind,
                "label": connection.label,
                "description": connection.comment,
                "inputs": connection.inputs.iter().map(|input| {
                    let mut entry = json!({
                        "key": input.key,
                        "label": input.label,
                        "description": input.comment,
                        "required": input.required,
                        "secret": input.secret,
                    });
                    if let (Some(default), Value::Object(map)) = (&input.default, &mut entry) {
                        map.insert("default".into(), Value::String(default.clone()));
                    }
                    entry
                }).collect::<Vec<_>>()
            })
        })
        .collect();
    json!({
        "openrpc": "1.3.2",
        "info": {
            "title": "zoho-rs",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Zoho CRM and Zoho Books actions over JSON-RPC 2.0. Params are by name; unknown params are refused."
        },
        "methods": methods,
        "components": {"errors": errors},
        "x-connections": connections
    })
}

fn method(action: &Action) -> Value {
    let params: Vec<Value> = action
        .inputs
        .iter()
        .map(|input| {
            let mut param = json!({
                "name": input.key,
                "summary": input.label,
                "description": input.comment,
                "required": input.required,
                "schema": input_schema(input),
            });
            // Where the param goes, for tools built from this document (the MCP catalog).
            let place = match &input.location {
                Location::Query { wire } => Some(("x-query", wire.clone())),
                Location::Request(field) => RequestField::ALL
                    .iter()
                    .find(|(_, each, _)| each == field)
                    .map(|(name, _, _)| ("x-request-field", (*name).to_owned())),
                _ => None,
            };
            if let (Some((key, value)), Value::Object(map)) = (place, &mut param) {
                map.insert(key.to_owned(), Value::String(value));
            }
            param
        })
        .collect();
    let errors: Vec<Value> = ACTION_ERRORS
        .iter()
        .map(|error| json!({"$ref": format!("#/components/errors/{}", error.name)}))
        .collect();
    json!({
        "name": action.method_name(),
        "summary": action.summary,
        "description": action.description,
        "tags": [{"name": action.product.as_str()}],
        "paramStructure": "by-name",
        "params": params,
        "result": {
            "name": "result",
            "description": action.result_description,
            "schema": result_schema(action),
        },
        "errors": errors,
        "x-label": action.label,
        "x-read-only": action.read_only,
        "x-destructive": action.destructive,
        "x-idempotent": action.idempotent,
        "x-params-schema": params_schema(action),
        "x-result-shape": ResultShape::ALL
            .iter()
            .find(|(_, shape)| *shape == action.result)
            .map(|(name, _)| *name),
    })
}
