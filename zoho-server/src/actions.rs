//! The real [`Dispatcher`]: the generated actions of `zoho-actions`, plus `rpc.discover`.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use zoho_actions::DispatchError;
use zoho_core::ClientSource;

use crate::connections_api::{self, ConnectionMethods};
use crate::dispatch::{BoxFuture, Dispatcher, Output};
use crate::jsonrpc::ErrorObject;
use crate::registry::Registry;
use crate::rpc_error;

/// The method that describes every other one.
pub const DISCOVER: &str = "rpc.discover";
/// The server's own method reporting a connection's limits.
pub const LIMITS_GET: &str = "limits.get";

/// Runs every action of the spec through the connections of `clients`.
pub struct Actions {
    clients: Arc<dyn ClientSource>,
    discover: Result<Value, String>,
    authorize: Option<AuthorizeHint>,
    created: Option<(Arc<ConnectionMethods>, Arc<Registry>)>,
    shared: Option<Arc<dyn zoho_core::Store>>,
    events: Option<Arc<crate::events::Events>>,
}

/// How a caller authorizes a connection through a running server's `/oauth/start`, for the
/// `nextStep` of "not authorized" errors. Without it the step is `zoho-server auth login`, which
/// cannot bind the address a running server already holds.
#[derive(Debug, Clone)]
pub struct AuthorizeHint {
    /// The server's base URL as the browser reaches it (`--public-url`, else the listen address).
    pub public_url: String,
    /// The variable holding the API key, when `/oauth/start` needs it.
    pub api_key_env: Option<String>,
}

impl AuthorizeHint {
    /// What to do to authorize `connection`.
    pub fn next_step(&self, connection: &str) -> String {
        let base = self.public_url.trim_end_matches('/');
        let query: String = url::form_urlencoded::byte_serialize(connection.as_bytes()).collect();
        let start = format!("{base}/oauth/start?connection={query}");
        // A browser cannot send the Bearer header /oauth/start then needs: curl fetches the
        // consent URL, the browser opens it.
        let open = match &self.api_key_env {
            Some(var) => format!(
                "open in a browser the Location of `curl -sD- -o /dev/null -H \"authorization: Bearer ${var}\" '{start}'`"
            ),
            None => format!("open {start} in a browser"),
        };
        format!(
            "{open} (Zoho must list {base}/oauth/callback as a redirect URI of the client); \
             or stop the server and run `zoho-server auth login --connection {connection}`"
        )
    }
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
            authorize: None,
            created: None,
            shared: None,
            events: None,
        }
    }

    /// Serve `subscriptions.*` and `events.read` over `events`.
    pub fn with_events(mut self, events: Arc<crate::events::Events>) -> Self {
        self.events = Some(events);
        self
    }

    /// Report `limits.get`'s token mints as counted in `store` for every instance sharing it.
    pub fn with_shared_store(mut self, store: Arc<dyn zoho_core::Store>) -> Self {
        self.shared = Some(store);
        self
    }

    /// Serve `connections.*` over `registry`, and let every action's `connection` name a
    /// connection created on any instance sharing its store.
    pub fn with_created_connections(
        mut self,
        methods: Arc<ConnectionMethods>,
        registry: Arc<Registry>,
    ) -> Self {
        self.created = Some((methods, registry));
        self
    }

    /// Point "not authorized" errors at this server's `/oauth/start` (what `serve` offers).
    pub fn with_authorize_hint(mut self, hint: AuthorizeHint) -> Self {
        self.authorize = Some(hint);
        self
    }

    fn action_error(&self, error: zoho_core::Error) -> ErrorObject {
        let created = |name: &str| {
            self.created
                .as_ref()
                .is_some_and(|(_, registry)| registry.live(name).is_some())
        };
        let error = match (error, &self.authorize) {
            (
                zoho_core::Error::Unauthorized {
                    connection, reason, ..
                },
                _,
            ) if created(&connection) => zoho_core::Error::Unauthorized {
                next_step: format!(
                    "start a new consent with `connections.authorize` (name `{connection}`) and send the customer to its authorizeUrl"
                ),
                connection,
                reason,
            },
            (
                zoho_core::Error::Unauthorized {
                    connection, reason, ..
                },
                Some(hint),
            ) => zoho_core::Error::Unauthorized {
                next_step: hint.next_step(&connection),
                connection,
                reason,
            },
            (error, _) => error,
        };
        rpc_error::from_action_error(&error)
    }
}

/// `docs/openrpc.json`, generated from the spec by `cargo xtask docs` (whose drift check keeps it
/// current), so the server never parses the spec at run time.
const OPENRPC_JSON: &str = include_str!("../../docs/openrpc.json");

/// The OpenRPC document of every method: the generated file without its `$comment` line, which
/// only says the file is generated.
pub fn openrpc_document() -> Result<Value, String> {
    let mut document = match serde_json::from_str(OPENRPC_JSON) {
        Ok(Value::Object(mut document)) => {
            document.shift_remove("$comment");
            Value::Object(document)
        }
        Ok(_) => return Err("docs/openrpc.json is not a JSON object".to_owned()),
        Err(err) => return Err(format!("docs/openrpc.json is not JSON: {err}")),
    };
    if let Some(methods) = document.get_mut("methods").and_then(Value::as_array_mut) {
        methods.push(limits_get_description());
        methods.extend(connections_api::descriptions());
        methods.extend(crate::events::methods::descriptions());
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
        let mut mints = limits.token_mints_last_10m;
        if let Some(store) = &self.shared {
            let name = connection.unwrap_or(crate::connections::DEFAULT_CONNECTION);
            match store.mints(name, zoho_core::store::MINT_WINDOW).await {
                Ok(Some(shared)) => mints = Some(shared),
                Ok(None) => {}
                // What this instance counted, while the shared count cannot be read.
                Err(error) => {
                    tracing::debug!(connection = %name, error = %error, "cannot read the shared mint count")
                }
            }
        }
        Ok(json!({
            "inFlight": limits.in_flight,
            "concurrency": limits.concurrency,
            "creditsUsed24h": limits.credits_used_24h,
            "creditsRemaining": limits.credits_remaining,
            "tokenMintsLast10m": mints,
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
            match self.run(method, params, false).await? {
                Output::Value(value) => Ok(value),
                Output::Raw(raw) => serde_json::from_str(raw.get())
                    .map_err(|err| rpc_error::internal(&format!("a result is not JSON: {err}"))),
            }
        })
    }

    fn call_output<'a>(
        &'a self,
        method: &'a str,
        params: Map<String, Value>,
    ) -> BoxFuture<'a, Result<Output, ErrorObject>> {
        Box::pin(self.run(method, params, true))
    }
}

impl Actions {
    /// Run `method`; with `raw`, an action's result comes as the client's JSON text
    /// ([`zoho_core::Client::execute_raw`]), else as a value.
    ///
    /// Every path but the raw action call is boxed: each call's future is allocated and moved
    /// at its full size, which would otherwise be that of the largest path (subscriptions,
    /// created connections, typed results).
    async fn run(
        &self,
        method: &str,
        params: Map<String, Value>,
        raw: bool,
    ) -> Result<Output, ErrorObject> {
        {
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
                    .map(Output::Value)
                    .map_err(|err| rpc_error::internal(&err));
            }
            if crate::events::methods::METHODS.contains(&method) {
                return match &self.events {
                    Some(events) => Box::pin(events.call(method, params))
                        .await
                        .map(Output::Value),
                    None => Err(ErrorObject::invalid_params(
                        "method",
                        "this server serves no subscriptions",
                    )),
                };
            }
            if connections_api::METHODS.contains(&method) {
                return match &self.created {
                    Some((methods, _)) => Box::pin(methods.call(method, params))
                        .await
                        .map(Output::Value),
                    None => Err(ErrorObject::invalid_params(
                        "method",
                        "this server configures no [apps.NAME] table, so it has no created connections",
                    )),
                };
            }
            // A connection created or authorized on another instance is built here on first use.
            if let (Some((_, registry)), Some(Value::String(name))) =
                (&self.created, params.get("connection"))
                && self.clients.client(Some(name)).is_err()
                && let Err(error) = Box::pin(registry.resolve(name)).await
            {
                return Err(self.action_error(error));
            }
            if method == LIMITS_GET {
                return Box::pin(self.limits(params)).await.map(Output::Value);
            }
            let dispatched = if raw {
                self.dispatch_raw(method, params).await.map(Output::Raw)
            } else {
                Box::pin(zoho_actions::dispatch(
                    method,
                    Value::Object(params),
                    self.clients.as_ref(),
                ))
                .await
                .map(Output::Value)
            };
            match dispatched {
                Ok(result) => Ok(result),
                Err(DispatchError::UnknownMethod(name)) => {
                    Err(ErrorObject::method_not_found(&name))
                }
                Err(DispatchError::Action(error)) => {
                    if let (
                        Some((_, registry)),
                        zoho_core::Error::Unauthorized {
                            connection, reason, ..
                        },
                    ) = (&self.created, &error)
                        && registry.live(connection).is_some()
                        && let Err(err) =
                            Box::pin(registry.refused_by_zoho(connection, reason)).await
                    {
                        tracing::warn!(connection = %connection, error = %err, "could not record that the connection needs a new consent");
                    }
                    Err(self.action_error(error))
                }
                Err(other) => Err(rpc_error::internal(&other)),
            }
        }
    }

    /// `zoho_actions::dispatch`, the result as JSON text.
    async fn dispatch_raw(
        &self,
        method: &str,
        params: Map<String, Value>,
    ) -> Result<Box<serde_json::value::RawValue>, DispatchError> {
        let prepared = zoho_actions::prepare(method, Value::Object(params))?;
        let client = self.clients.client(prepared.connection.as_deref())?;
        Ok(client.execute_raw(prepared.request).await?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::AuthorizeHint;

    /// What `rpc.discover` serves is exactly what the spec describes, and then the server's
    /// own methods.
    #[test]
    fn the_served_document_is_the_specs() {
        let spec = action_spec::parse(zoho_actions::SPEC_TOML, "zoho.toml").unwrap();
        let mut expected = action_spec::openrpc::document(&spec);
        expected["methods"]
            .as_array_mut()
            .unwrap()
            .push(super::limits_get_description());
        expected["methods"]
            .as_array_mut()
            .unwrap()
            .extend(crate::connections_api::descriptions());
        expected["methods"]
            .as_array_mut()
            .unwrap()
            .extend(crate::events::methods::descriptions());
        assert_eq!(super::openrpc_document().unwrap(), expected);
    }

    #[test]
    fn the_next_step_is_the_servers_oauth_start_and_names_the_redirect_uri() {
        let hint = AuthorizeHint {
            public_url: "http://127.0.0.1:8787/".into(),
            api_key_env: None,
        };
        let step = hint.next_step("eu west");
        assert!(
            step.starts_with(
                "open http://127.0.0.1:8787/oauth/start?connection=eu+west in a browser"
            ),
            "{step}"
        );
        assert!(
            step.contains("http://127.0.0.1:8787/oauth/callback as a redirect URI"),
            "{step}"
        );
        assert!(
            step.contains("zoho-server auth login --connection eu west"),
            "{step}"
        );
    }

    #[test]
    fn with_an_api_key_the_next_step_fetches_the_consent_url_with_curl() {
        let hint = AuthorizeHint {
            public_url: "https://zoho.example".into(),
            api_key_env: Some("ZOHO_RS_KEY".into()),
        };
        let step = hint.next_step("default");
        assert!(
            step.contains(r#"-H "authorization: Bearer $ZOHO_RS_KEY" 'https://zoho.example/oauth/start?connection=default'"#),
            "{step}"
        );
    }
}
