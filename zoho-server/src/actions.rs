//! The real [`Dispatcher`]: the generated actions of `zoho-actions`, plus `rpc.discover`.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use zoho_actions::DispatchError;
use zoho_core::ClientSource;

use crate::dispatch::{BoxFuture, Dispatcher};
use crate::jsonrpc::ErrorObject;
use crate::rpc_error;

/// The method that describes every other one.
pub const DISCOVER: &str = "rpc.discover";
/// The server's own method reporting a connection's limits.
pub const LIMITS_GET: &str = "limits.get";

/// Runs the 14 actions through the connections of `clients`.
pub struct Actions {
    clients: Arc<dyn ClientSource>,
    discover: Result<Value, String>,
}

impl std::fmt::Debug for Actions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Actions").finish_non_exhaustive()
    }
}

impl Actions {
    /// Actions acting through `clients`.
    pub fn new(clients: Arc<dyn ClientSource>) -> Self {
        Actions {
            clients,
            discover: openrpc_document(),
        }
    }
}

/// The OpenRPC document of every method, built from the same spec as the actions.
pub fn openrpc_document() -> Result<Value, String> {
    let mut document = action_spec::parse(zoho_actions::SPEC_TOML, "zoho.toml")
        .map(|spec| action_spec::openrpc::document(&spec))
        .map_err(|diagnostics| diagnostics.to_string())?;
    if let Some(methods) = document.get_mut("methods").and_then(Value::as_array_mut) {
        methods.push(limits_get_description());
    }
    Ok(document)
}

/// `limits.get` as OpenRPC describes a method.
fn limits_get_description() -> Value {
    json!({
        "name": LIMITS_GET,
        "summary": "A connection's limits now: calls in flight, the concurrency window, credits and token mints",
        "description": "Answers {inFlight, concurrency, creditsUsed24h, creditsRemaining, tokenMintsLast10m} \
            for the connection (default `default`). `concurrency` is the window calls may use now: the \
            configured value, less for a while after Zoho answered 429. `creditsRemaining` is null when \
            neither `daily_credits` nor Zoho's X-API-CREDITS-REMAINING says.",
        "paramStructure": "by-name",
        "params": [{
            "name": "connection",
            "description": "The connection (default `default`).",
            "required": false,
            "schema": {"type": "string"}
        }],
        "result": {
            "name": "limits",
            "schema": {
                "type": "object",
                "properties": {
                    "inFlight": {"type": "integer"},
                    "concurrency": {"type": "integer"},
                    "creditsUsed24h": {"type": "integer"},
                    "creditsRemaining": {"type": ["integer", "null"]},
                    "tokenMintsLast10m": {"type": ["integer", "null"]}
                }
            }
        }
    })
}

impl Actions {
    async fn limits(&self, params: Map<String, Value>) -> Result<Value, ErrorObject> {
        let mut connection = None;
        for (name, value) in &params {
            match (name.as_str(), value) {
                ("connection", Value::String(text)) => connection = Some(text.as_str()),
                ("connection", _) => {
                    return Err(ErrorObject::invalid_params(
                        "connection",
                        "expected a string: the connection's name",
                    ));
                }
                (other, _) => {
                    return Err(ErrorObject::invalid_params(
                        other,
                        "limits.get takes only `connection`",
                    ));
                }
            }
        }
        let client = self
            .clients
            .client(connection)
            .map_err(|error| rpc_error::from_action_error(&error))?;
        let limits = client
            .limits()
            .await
            .map_err(|error| rpc_error::from_action_error(&error))?;
        Ok(json!({
            "inFlight": limits.in_flight,
            "concurrency": limits.concurrency,
            "creditsUsed24h": limits.credits_used_24h,
            "creditsRemaining": limits.credits_remaining,
            "tokenMintsLast10m": limits.token_mints_last_10m,
        }))
    }
}

impl Dispatcher for Actions {
    fn call<'a>(
        &'a self,
        method: &'a str,
        params: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Value, ErrorObject>> {
        Box::pin(async move {
            if method == DISCOVER {
                if let Some(name) = params.keys().next() {
                    return Err(ErrorObject::invalid_params(
                        name,
                        "rpc.discover takes no params",
                    ));
                }
                return self
                    .discover
                    .clone()
                    .map_err(|err| rpc_error::internal(&err));
            }
            if method == LIMITS_GET {
                return self.limits(params).await;
            }
            match zoho_actions::dispatch(method, Value::Object(params), self.clients.as_ref()).await
            {
                Ok(result) => Ok(result),
                Err(DispatchError::UnknownMethod(name)) => {
                    Err(ErrorObject::method_not_found(&name))
                }
                Err(DispatchError::Action(error)) => Err(rpc_error::from_action_error(&error)),
                Err(other) => Err(rpc_error::internal(&other)),
            }
        })
    }
}
