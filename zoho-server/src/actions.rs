//! The real [`Dispatcher`]: the generated actions of `zoho-actions`, plus `rpc.discover`.

use std::sync::Arc;

use serde_json::{Map, Value};
use zoho_actions::DispatchError;
use zoho_core::ClientSource;

use crate::dispatch::{BoxFuture, Dispatcher};
use crate::jsonrpc::ErrorObject;
use crate::rpc_error;

/// The method that describes every other one.
pub const DISCOVER: &str = "rpc.discover";

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

/// `docs/openrpc.json`, generated from the spec by `cargo xtask docs` (whose drift check keeps it
/// current), so the server never parses the spec at run time.
const OPENRPC_JSON: &str = include_str!("../../docs/openrpc.json");

/// The OpenRPC document of every method: the generated file without its `$comment` line, which
/// only says the file is generated.
pub fn openrpc_document() -> Result<Value, String> {
    match serde_json::from_str(OPENRPC_JSON) {
        Ok(Value::Object(mut document)) => {
            document.shift_remove("$comment");
            Ok(Value::Object(document))
        }
        Ok(_) => Err("docs/openrpc.json is not a JSON object".to_owned()),
        Err(err) => Err(format!("docs/openrpc.json is not JSON: {err}")),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    /// What `rpc.discover` serves is exactly what the spec describes.
    #[test]
    fn the_served_document_is_the_specs() {
        let spec = action_spec::parse(zoho_actions::SPEC_TOML, "zoho.toml").unwrap();
        assert_eq!(
            super::openrpc_document().unwrap(),
            action_spec::openrpc::document(&spec)
        );
    }
}
