//! The OpenRPC 1.x document of the JSON-RPC interface, derived from the spec. The server's
//! `rpc.discover` and `cargo xtask docs` both call [`document`]; it is deterministic.

use serde_json::{Map, Value, json};

use crate::model::{Action, Spec};
use crate::schema::{input_schema, params_schema, result_schema};

/// The JSON-RPC error codes of the interface: code, name, when it happens, what `data` holds.
pub const ERRORS: [(i64, &str, &str, &str); 10] = [
    (-32700, "ParseError", "The body is not JSON.", "-"),
    (-32600, "InvalidRequest", "Not a valid request object.", "-"),
    (
        -32601,
        "MethodNotFound",
        "No such method.",
        "`method`: the method asked for.",
    ),
    (
        -32602,
        "InvalidParams",
        "Params do not fit the action.",
        "`field` (JSON path of the bad param) and `reason`.",
    ),
    (
        -32603,
        "InternalError",
        "A fault of ours.",
        "`errorId`: a short id to find the fault in the server's log.",
    ),
    (
        -32001,
        "ZohoError",
        "Zoho answered with an error.",
        "`httpStatus`, `zohoCode`, `message`, `details` as Zoho sent them.",
    ),
    (
        -32002,
        "Unauthorized",
        "No usable token (never authorized, refresh refused, revoked).",
        "`connection`, `reason` and `nextStep` (what to do next).",
    ),
    (
        -32003,
        "RateLimited",
        "Rate limited and out of retries.",
        "`httpStatus`, `zohoCode`, `retryAfterMs` if known.",
    ),
    (
        -32004,
        "NetworkError",
        "Network failure or timeout.",
        "`attempts` and `timedOut`; a call past the server's own timeout also has `timeoutMs`.",
    ),
    (
        -32005,
        "NotFound",
        "The record does not exist.",
        "`recordType`, `recordId`.",
    ),
];

/// Errors every action can answer with (the request-level ones are not per method).
const ACTION_ERRORS: [&str; 7] = [
    "InvalidParams",
    "InternalError",
    "ZohoError",
    "Unauthorized",
    "RateLimited",
    "NetworkError",
    "NotFound",
];

/// The OpenRPC document: every method with its params (schema, required, default), result and
/// errors; the error table under `components.errors`.
pub fn document(spec: &Spec) -> Value {
    let methods: Vec<Value> = spec.actions.iter().map(method).collect();
    let errors: Map<String, Value> = ERRORS
        .iter()
        .map(|(code, name, when, data)| {
            (
                (*name).to_owned(),
                json!({"code": code, "message": when, "data": data}),
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
            json!({
                "name": input.key,
                "summary": input.label,
                "description": input.comment,
                "required": input.required,
                "schema": input_schema(input),
            })
        })
        .collect();
    let errors: Vec<Value> = ACTION_ERRORS
        .iter()
        .map(|name| json!({"$ref": format!("#/components/errors/{name}")}))
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
    })
}
