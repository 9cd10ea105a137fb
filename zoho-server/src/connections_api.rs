//! The server's `connections.*` methods: create, get, list, authorize and delete connections of
//! the configured apps, over JSON-RPC and `zoho-server connections ...` alike.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use zoho_core::Region;
use zoho_core::store::{ConnectionRecord, ConnectionStatus, check_connection_name, now_ms};

use crate::jsonrpc::ErrorObject;
use crate::registry::Registry;
use crate::rpc_error;

/// `connections.create`.
pub const CREATE: &str = "connections.create";
/// `connections.get`.
pub const GET: &str = "connections.get";
/// `connections.list`.
pub const LIST: &str = "connections.list";
/// `connections.authorize`.
pub const AUTHORIZE: &str = "connections.authorize";
/// `connections.delete`.
pub const DELETE: &str = "connections.delete";
/// Every `connections.*` method.
pub const METHODS: [&str; 5] = [CREATE, GET, LIST, AUTHORIZE, DELETE];

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// The `connections.*` methods over a server's created connections.
#[derive(Debug)]
pub struct ConnectionMethods {
    registry: Arc<Registry>,
    static_names: Vec<String>,
}

impl ConnectionMethods {
    /// Methods over `registry`; `static_names` are the `[connections.NAME]` tables, whose names
    /// a created connection cannot take.
    pub fn new(registry: Arc<Registry>, static_names: Vec<String>) -> ConnectionMethods {
        ConnectionMethods {
            registry,
            static_names,
        }
    }

    /// Run `method` (one of [`METHODS`]) with its named params.
    pub async fn call(
        &self,
        method: &str,
        params: Map<String, Value>,
    ) -> Result<Value, ErrorObject> {
        let params = Params::new(method, params);
        match method {
            CREATE => self.create(params).await,
            GET => self.get(params).await,
            LIST => self.list(params).await,
            AUTHORIZE => self.authorize(params).await,
            DELETE => self.delete(params).await,
            other => Err(ErrorObject::method_not_found(other)),
        }
    }

    async fn create(&self, mut params: Params) -> Result<Value, ErrorObject> {
        let name = params.string("name")?.ok_or_else(|| missing("name"))?;
        check_connection_name(&name).map_err(|err| rpc_error::from_action_error(&err))?;
        let app = match params.string("app")? {
            Some(app) => app,
            None => match self.registry.app_names().as_slice() {
                [only] => (*only).to_owned(),
                _ => return Err(missing("app")),
            },
        };
        let region = match params.string("regionUrl")? {
            Some(given) => Region::parse(&given).map_err(|_| {
                ErrorObject::invalid_params(
                    "regionUrl",
                    format!(
                        "expected a string naming one of Zoho's data centers: a code ({}) or its accounts URL such as https://accounts.zoho.eu",
                        Region::ALL.map(Region::code).join(", ")
                    ),
                )
            })?,
            None => Region::Us,
        };
        let scopes = params.string("scopes")?;
        let crm_api_version = params.string("crmApiVersion")?;
        let books_organization_id = params.string("booksOrganizationId")?;
        let metadata = params.object("metadata")?;
        params.done()?;
        if !self.registry.has_app(&app) {
            return Err(ErrorObject::invalid_params(
                "app",
                format!(
                    "no app named `{app}`; this server has: {}",
                    self.registry.app_names().join(", ")
                ),
            ));
        }
        if self.static_names.contains(&name) {
            return Err(ErrorObject::invalid_params(
                "name",
                format!("`{name}` is a connection of the configuration file; pick another name"),
            ));
        }
        let record = ConnectionRecord {
            name: name.clone(),
            app: app.clone(),
            status: ConnectionStatus::Pending,
            region: region.code().to_owned(),
            scopes,
            crm_api_version,
            books_organization_id,
            metadata,
            created_at_ms: now_ms(),
            authorized_at_ms: None,
            last_error: None,
            api_domain: None,
            configured: false,
        };
        // Settings are checked before anything is stored.
        let live = self.registry.build(&record).map_err(|err| match err {
            zoho_core::Error::Config(reason) => ErrorObject::invalid_params("params", &reason),
            other => rpc_error::from_action_error(&other),
        });
        let live = match live {
            Ok(live) => live,
            Err(err) => {
                self.registry.forget(&name);
                return Err(err);
            }
        };
        if !self
            .registry
            .store()
            .create_connection(&record)
            .await
            .map_err(core)?
        {
            self.registry.forget(&name);
            return Err(ErrorObject::invalid_params(
                "name",
                format!("a connection named `{name}` exists; delete it first or pick another name"),
            ));
        }
        let url = self
            .registry
            .start_authorization(live, &app)
            .await
            .map_err(core)?;
        Ok(json!({"name": name, "status": "pending", "authorizeUrl": url}))
    }

    async fn record(&self, params: &mut Params) -> Result<ConnectionRecord, ErrorObject> {
        let name = params.string("name")?.ok_or_else(|| missing("name"))?;
        let configured = || {
            ErrorObject::invalid_params(
                "name",
                format!("`{name}` is a connection of the configuration file, not a created one"),
            )
        };
        if self.static_names.contains(&name) {
            return Err(configured());
        }
        match self
            .registry
            .store()
            .connection(&name)
            .await
            .map_err(core)?
        {
            Some(record) if record.configured => Err(configured()),
            Some(record) => Ok(record),
            None => Err(ErrorObject::invalid_params(
                "name",
                format!("no created connection named `{name}`"),
            )),
        }
    }

    async fn get(&self, mut params: Params) -> Result<Value, ErrorObject> {
        let record = self.record(&mut params).await?;
        params.done()?;
        Ok(describe(&record))
    }

    async fn list(&self, mut params: Params) -> Result<Value, ErrorObject> {
        let status = match params.string("status")? {
            Some(text) => Some(ConnectionStatus::parse(&text).ok_or_else(|| {
                ErrorObject::invalid_params(
                    "status",
                    "expected one of `pending`, `authorized`, `needs_reauth`, `revoked`",
                )
            })?),
            None => None,
        };
        let mut after = params.string("cursor")?;
        let limit = match params.take("limit") {
            None | Some(Value::Null) => DEFAULT_LIMIT,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(n @ 1..) if n as usize <= MAX_LIMIT => n as usize,
                _ => {
                    return Err(ErrorObject::invalid_params(
                        "limit",
                        format!("expected an integer from 1 to {MAX_LIMIT}"),
                    ));
                }
            },
            Some(_) => {
                return Err(ErrorObject::invalid_params(
                    "limit",
                    format!("expected an integer from 1 to {MAX_LIMIT}"),
                ));
            }
        };
        params.done()?;
        let mut page = Vec::new();
        // With a status filter, keep reading until the page is full or the store is done.
        let more = loop {
            let batch = self
                .registry
                .store()
                .list_connections(after.as_deref(), limit + 1 - page.len().min(limit))
                .await
                .map_err(core)?;
            let exhausted = batch.len() < limit + 1 - page.len().min(limit);
            for record in batch {
                after = Some(record.name.clone());
                if !record.configured && status.is_none_or(|status| record.status == status) {
                    page.push(record);
                }
            }
            if page.len() > limit {
                break true;
            }
            if exhausted {
                break false;
            }
        };
        page.truncate(limit);
        let next = if more {
            page.last().map(|record| Value::String(record.name.clone()))
        } else {
            None
        };
        Ok(json!({
            "connections": page.iter().map(describe).collect::<Vec<_>>(),
            "nextCursor": next.unwrap_or(Value::Null),
        }))
    }

    async fn authorize(&self, mut params: Params) -> Result<Value, ErrorObject> {
        let record = self.record(&mut params).await?;
        params.done()?;
        let live = self
            .registry
            .resolve(&record.name)
            .await
            .map_err(core)?
            .ok_or_else(|| {
                ErrorObject::invalid_params("name", "the connection was just deleted")
            })?;
        let url = self
            .registry
            .start_authorization(live, &record.app)
            .await
            .map_err(core)?;
        Ok(json!({"name": record.name, "status": record.status.as_str(), "authorizeUrl": url}))
    }

    async fn delete(&self, mut params: Params) -> Result<Value, ErrorObject> {
        let record = self.record(&mut params).await?;
        let revoke = match params.take("revoke") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(revoke)) => revoke,
            Some(_) => return Err(ErrorObject::invalid_params("revoke", "expected a boolean")),
        };
        params.done()?;
        let mut revoked = false;
        if revoke && let Some(live) = self.registry.resolve(&record.name).await.map_err(core)? {
            revoked = live.connection.revoke().await.map_err(core)?;
        }
        self.registry
            .store()
            .delete_connection(&record.name)
            .await
            .map_err(core)?;
        self.registry.forget(&record.name);
        Ok(json!({"name": record.name, "deleted": true, "revoked": revoked}))
    }
}

/// A connection as `connections.get` and `connections.list` answer it.
fn describe(record: &ConnectionRecord) -> Value {
    json!({
        "name": record.name,
        "app": record.app,
        "status": record.status.as_str(),
        "region": record.region,
        "apiDomain": record.api_domain,
        "scopes": record.scopes,
        "crmApiVersion": record.crm_api_version.clone().unwrap_or_else(|| "v3".into()),
        "booksOrganizationId": record.books_organization_id,
        "createdAt": rfc3339(record.created_at_ms),
        "authorizedAt": record.authorized_at_ms.map(rfc3339),
        "lastError": record.last_error,
        "metadata": record.metadata,
    })
}

/// Unix milliseconds as an RFC 3339 UTC time (`2026-12-01T22:14:21.123Z`).
fn rfc3339(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

fn core(err: zoho_core::Error) -> ErrorObject {
    rpc_error::from_action_error(&err)
}

fn missing(field: &str) -> ErrorObject {
    ErrorObject::invalid_params(field, "required")
}

/// Named params taken one by one; what is left at the end is refused.
struct Params {
    method: &'static str,
    params: Map<String, Value>,
}

impl Params {
    fn new(method: &str, params: Map<String, Value>) -> Params {
        let method = METHODS
            .into_iter()
            .find(|known| *known == method)
            .unwrap_or("connections.*");
        Params { method, params }
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        self.params.shift_remove(name)
    }

    fn string(&mut self, name: &str) -> Result<Option<String>, ErrorObject> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if !text.trim().is_empty() => Ok(Some(text)),
            Some(_) => Err(ErrorObject::invalid_params(
                name,
                "expected a non-empty string",
            )),
        }
    }

    fn object(&mut self, name: &str) -> Result<Option<Value>, ErrorObject> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value @ Value::Object(_)) => Ok(Some(value)),
            Some(_) => Err(ErrorObject::invalid_params(name, "expected an object")),
        }
    }

    fn done(self) -> Result<(), ErrorObject> {
        match self.params.keys().next() {
            Some(name) => Err(ErrorObject::invalid_params(
                name,
                format!("{} takes no param `{name}`", self.method),
            )),
            None => Ok(()),
        }
    }
}

/// The `connections.*` methods as OpenRPC describes them (appended to `rpc.discover`).
pub fn descriptions() -> Vec<Value> {
    let string = json!({"type": "string"});
    let name = json!({"name": "name", "description": "The connection's name: 1 to 64 letters, digits, `_`, `-` or `.`.", "required": true, "schema": string});
    let connection = json!({
        "type": "object",
        "properties": {
            "name": {"type": "string"}, "app": {"type": "string"},
            "status": {"enum": ConnectionStatus::ALL.map(ConnectionStatus::as_str)},
            "region": {"type": "string"}, "apiDomain": {"type": ["string", "null"]},
            "scopes": {"type": ["string", "null"]}, "crmApiVersion": {"type": "string"},
            "booksOrganizationId": {"type": ["string", "null"]},
            "createdAt": {"type": "string", "format": "date-time"},
            "authorizedAt": {"type": ["string", "null"], "format": "date-time"},
            "lastError": {"type": ["string", "null"]}, "metadata": {"type": ["object", "null"]}
        }
    });
    let started = json!({"name": "started", "schema": {"type": "object", "properties": {
        "name": {"type": "string"}, "status": {"type": "string"}, "authorizeUrl": {"type": "string"}}}});
    vec![
        json!({
            "name": CREATE,
            "summary": "Create a connection of an app for one customer and start its consent",
            "description": "Stores the connection (status `pending`) and answers the consent URL to send the customer to; once they accept, the connection is `authorized` on every server instance sharing the store.",
            "paramStructure": "by-name",
            "params": [
                name,
                {"name": "app", "description": "The `[apps.NAME]` table (default: the only one).", "required": false, "schema": string},
                {"name": "regionUrl", "description": "The customer's Zoho data center: a code (`us`, `eu`, `in`, `au`, `jp`, `cn`, `ca`, `sa`, `uk`, `ae`) or its accounts URL (default `us`). No other host is accepted.", "required": false, "schema": string},
                {"name": "scopes", "description": "Space-separated scopes (default: the app's).", "required": false, "schema": string},
                {"name": "crmApiVersion", "description": "CRM API version (default `v3`).", "required": false, "schema": string},
                {"name": "booksOrganizationId", "description": "The Books organization calls act in when they name none.", "required": false, "schema": string},
                {"name": "metadata", "description": "Your own data about the connection, kept as given.", "required": false, "schema": {"type": "object"}}
            ],
            "result": started
        }),
        json!({
            "name": GET, "summary": "A created connection and where it stands",
            "paramStructure": "by-name", "params": [name],
            "result": {"name": "connection", "schema": connection}
        }),
        json!({
            "name": LIST, "summary": "Created connections in name order, a page at a time",
            "paramStructure": "by-name",
            "params": [
                {"name": "status", "description": "Only connections with this status.", "required": false, "schema": {"enum": ConnectionStatus::ALL.map(ConnectionStatus::as_str)}},
                {"name": "cursor", "description": "`nextCursor` of the previous page.", "required": false, "schema": string},
                {"name": "limit", "description": "Most connections on the page (default 100, at most 1000).", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}}
            ],
            "result": {"name": "page", "schema": {"type": "object", "properties": {
                "connections": {"type": "array", "items": connection},
                "nextCursor": {"type": ["string", "null"]}}}}
        }),
        json!({
            "name": AUTHORIZE, "summary": "A fresh consent URL for a created connection (re-authorize)",
            "paramStructure": "by-name", "params": [name], "result": started
        }),
        json!({
            "name": DELETE, "summary": "Revoke a created connection's refresh token at Zoho and remove it",
            "paramStructure": "by-name",
            "params": [name, {"name": "revoke", "description": "Revoke the refresh token at Zoho first (default true).", "required": false, "schema": {"type": "boolean", "default": true}}],
            "result": {"name": "deleted", "schema": {"type": "object", "properties": {
                "name": {"type": "string"}, "deleted": {"type": "boolean"}, "revoked": {"type": "boolean"}}}}
        }),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            super::rfc3339(1_796_163_261_123),
            "2026-12-01T22:14:21.123Z"
        );
        assert_eq!(super::rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
