//! `subscriptions.create | list | get | delete` and `events.read`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use zoho_core::store::events::{
    Deliver, EventPage, Operation, SubscriptionRecord, check_subscription_id, rfc3339_ms,
};
use zoho_core::store::now_ms;

use super::Events;
use super::sources::{self, Source};
use crate::jsonrpc::ErrorObject;
use crate::rpc_error;

/// `subscriptions.create`.
pub const CREATE: &str = "subscriptions.create";
/// `subscriptions.list`.
pub const LIST: &str = "subscriptions.list";
/// `subscriptions.get`.
pub const GET: &str = "subscriptions.get";
/// `subscriptions.delete`.
pub const DELETE: &str = "subscriptions.delete";
/// `events.read`.
pub const READ: &str = "events.read";
/// Every method of this module.
pub const METHODS: [&str; 5] = [CREATE, LIST, GET, DELETE, READ];

const DEFAULT_LIMIT: u64 = 100;
const MAX_LIMIT: u64 = 1000;
const MAX_WAIT_MS: u64 = 30_000;
const DEFAULT_POLL_SECS: u64 = 60;
const MAX_INTERVAL_SECS: u64 = 86_400;
/// How often a long-poll looks at the store when no append of this instance woke it (another
/// instance may have appended).
const LONG_POLL_LOOK: Duration = Duration::from_millis(200);

impl Events {
    /// Run `method` (one of [`METHODS`]) with its named params.
    pub async fn call(
        self: &Arc<Self>,
        method: &str,
        params: Map<String, Value>,
    ) -> Result<Value, ErrorObject> {
        let mut params = Params { method, params };
        match method {
            CREATE => self.create(params).await,
            LIST => {
                let connection = params.string("connection")?;
                params.done()?;
                let records = self.store.list_subscriptions().await.map_err(core)?;
                let listed: Vec<Value> = records
                    .iter()
                    .filter(|r| connection.as_ref().is_none_or(|c| &r.connection == c))
                    .map(describe)
                    .collect();
                Ok(json!({"subscriptions": listed}))
            }
            GET => {
                let record = self.record(&mut params).await?;
                params.done()?;
                Ok(describe(&record))
            }
            DELETE => self.delete(params).await,
            READ => self.read(params).await,
            other => Err(ErrorObject::method_not_found(other)),
        }
    }

    async fn record(&self, params: &mut Params<'_>) -> Result<SubscriptionRecord, ErrorObject> {
        let field = if self_is_read(params.method) {
            "subscription"
        } else {
            "id"
        };
        let id = params.string(field)?.ok_or_else(|| missing(field))?;
        check_subscription_id(&id).map_err(|_| {
            ErrorObject::invalid_params(field, "expected a subscription id (`sub_...`)")
        })?;
        self.store
            .subscription(&id)
            .await
            .map_err(core)?
            .ok_or_else(|| ErrorObject::invalid_params(field, format!("no subscription `{id}`")))
    }

    async fn create(self: &Arc<Self>, mut params: Params<'_>) -> Result<Value, ErrorObject> {
        let connection = params
            .string("connection")?
            .unwrap_or_else(|| crate::connections::DEFAULT_CONNECTION.to_owned());
        let source_name = params.string("source")?.ok_or_else(|| missing("source"))?;
        let source = Source::parse(&source_name).ok_or_else(|| {
            ErrorObject::invalid_params(
                "source",
                "expected one of `crm.notifications`, `crm.poll`, `books.poll`",
            )
        })?;
        let record_types = params
            .strings("recordTypes")?
            .filter(|types| !types.is_empty())
            .ok_or_else(|| {
                ErrorObject::invalid_params(
                    "recordTypes",
                    "expected a non-empty array of strings: CRM modules (`Leads`) or Books types (`invoices`)",
                )
            })?;
        for (index, name) in record_types.iter().enumerate() {
            let ok =
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !ok {
                return Err(ErrorObject::invalid_params(
                    &format!("recordTypes[{index}]"),
                    "expected an API name: letters, digits and `_`",
                ));
            }
        }
        let operations = match params.strings("operations")? {
            None => Operation::ALL.to_vec(),
            Some(names) if names.is_empty() => {
                return Err(ErrorObject::invalid_params(
                    "operations",
                    "expected a non-empty array of `create`, `edit`, `delete`",
                ));
            }
            Some(names) => {
                let mut ops = Vec::new();
                for (index, name) in names.iter().enumerate() {
                    let op = match name.as_str() {
                        "create" => Operation::Create,
                        "edit" => Operation::Edit,
                        "delete" => Operation::Delete,
                        _ => {
                            return Err(ErrorObject::invalid_params(
                                &format!("operations[{index}]"),
                                "expected `create`, `edit` or `delete`",
                            ));
                        }
                    };
                    if !ops.contains(&op) {
                        ops.push(op);
                    }
                }
                ops
            }
        };
        if source == Source::BooksPoll && operations.contains(&Operation::Delete) {
            tracing::debug!("books.poll cannot see deletions; `delete` is accepted and never seen");
        }
        let fields = params.strings("fields")?;
        let organization_id = params.string("organizationId")?;
        if organization_id.is_some() && source != Source::BooksPoll {
            return Err(ErrorObject::invalid_params(
                "organizationId",
                "only `books.poll` reads a Books organization",
            ));
        }
        let interval_secs = match params.take("intervalSecs") {
            None | Some(Value::Null) => match source {
                Source::CrmNotifications => self.config.notification_check_secs,
                _ => DEFAULT_POLL_SECS,
            },
            Some(Value::Number(n)) => match n.as_u64() {
                Some(n @ 1..=MAX_INTERVAL_SECS) => n,
                _ => return Err(interval_error()),
            },
            Some(_) => return Err(interval_error()),
        };
        let deliver = match params.take("deliver") {
            None | Some(Value::Null) => None,
            Some(Value::Object(mut deliver)) => Some(read_deliver(&mut deliver)?),
            Some(_) => {
                return Err(ErrorObject::invalid_params(
                    "deliver",
                    "expected an object: {webhookUrl, secretEnv}",
                ));
            }
        };
        params.done()?;
        self.client(&connection).await.map_err(core)?;
        let mut record = SubscriptionRecord {
            id: format!("sub_{:024x}", rand::random::<u128>() >> 32),
            connection,
            source: source.as_str().to_owned(),
            record_types,
            operations,
            fields,
            interval_secs,
            organization_id,
            deliver,
            created_at_ms: now_ms(),
            status: "active".into(),
            channel: None,
            cursors: Default::default(),
            delivery: Default::default(),
            last_error: None,
            last_sync_ms: None,
        };
        // Where reading what changed starts: now, by Zoho's clock, before the channel exists,
        // so what changes while it is being made is read later.
        sources::start_cursors(self, &mut record)
            .await
            .map_err(core)?;
        // The channel is made before the record is stored, so no instance's worker can find a
        // notifications subscription without its channel and make a second one. A callback that
        // comes before the record is stored is refused; the catch-up read from the cursors
        // taken above brings its change.
        if source == Source::CrmNotifications {
            sources::create_channel(self, &mut record)
                .await
                .map_err(core)?;
        }
        let stored = self.store.create_subscription(&record).await;
        if !matches!(stored, Ok(true)) {
            if let Some(channel) = &record.channel {
                let _ = sources::disable_channel(self, &record.connection, &channel.id).await;
            }
            return Err(match stored {
                Err(err) => core(err),
                _ => rpc_error::internal(&"a subscription id was drawn twice"),
            });
        }
        self.appended.notify_waiters();
        Ok(json!({"id": record.id, "source": record.source, "status": record.status}))
    }

    async fn delete(&self, mut params: Params<'_>) -> Result<Value, ErrorObject> {
        let record = self.record(&mut params).await?;
        params.done()?;
        // Removed first: a worker of any instance stops when it finds the record gone.
        self.store
            .delete_subscription(&record.id)
            .await
            .map_err(core)?;
        let mut channel_disabled = false;
        if let Some(channel) = &record.channel {
            match sources::disable_channel(self, &record.connection, &channel.id).await {
                Ok(()) => channel_disabled = true,
                Err(err) => {
                    tracing::warn!(subscription = %record.id, error = %err, "the subscription is deleted but its Zoho channel could not be disabled; it lapses at its expiry")
                }
            }
        }
        Ok(json!({"id": record.id, "deleted": true, "channelDisabled": channel_disabled}))
    }

    async fn read(&self, mut params: Params<'_>) -> Result<Value, ErrorObject> {
        let record = self.record(&mut params).await?;
        let after = params.string("after")?;
        let limit = params.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?;
        let wait_ms = params.integer("waitMs", 0, 0, MAX_WAIT_MS)?;
        params.done()?;
        let page = self
            .read_waiting(
                &record.id,
                after.as_deref(),
                limit as usize,
                Duration::from_millis(wait_ms),
            )
            .await
            .map_err(|err| match err {
                zoho_core::Error::InvalidInput { reason, .. } => {
                    ErrorObject::invalid_params("after", reason)
                }
                other => core(other),
            })?;
        let next = page
            .events
            .last()
            .map(|(cursor, _)| cursor.clone())
            .or(after);
        let events: Vec<Value> = page.events.into_iter().map(|(_, event)| event).collect();
        Ok(json!({"events": events, "next": next}))
    }

    /// Read events after `after`, waiting up to `wait` for one to arrive.
    pub(crate) async fn read_waiting(
        &self,
        id: &str,
        after: Option<&str>,
        limit: usize,
        wait: Duration,
    ) -> Result<EventPage, zoho_core::Error> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let woken = self.appended.notified();
            let page = self.store.read_events(id, after, limit).await?;
            let now = tokio::time::Instant::now();
            if !page.events.is_empty() || now >= deadline {
                return Ok(page);
            }
            let look = (deadline - now).min(LONG_POLL_LOOK);
            let _ = tokio::time::timeout(look, woken).await;
        }
    }
}

fn self_is_read(method: &str) -> bool {
    method == READ
}

fn interval_error() -> ErrorObject {
    ErrorObject::invalid_params(
        "intervalSecs",
        format!("expected an integer from 1 to {MAX_INTERVAL_SECS}"),
    )
}

fn read_deliver(deliver: &mut Map<String, Value>) -> Result<Deliver, ErrorObject> {
    let text = |deliver: &mut Map<String, Value>, key: &str| match deliver.shift_remove(key) {
        Some(Value::String(text)) if !text.trim().is_empty() => Ok(text),
        None | Some(Value::Null) => Err(ErrorObject::invalid_params(
            &format!("deliver.{key}"),
            "required",
        )),
        Some(_) => Err(ErrorObject::invalid_params(
            &format!("deliver.{key}"),
            "expected a non-empty string",
        )),
    };
    let webhook_url = text(deliver, "webhookUrl")?;
    let secret_env = text(deliver, "secretEnv")?;
    if let Some(key) = deliver.keys().next() {
        return Err(ErrorObject::invalid_params(
            &format!("deliver.{key}"),
            "deliver takes only `webhookUrl` and `secretEnv`",
        ));
    }
    match url::Url::parse(&webhook_url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
        _ => {
            return Err(ErrorObject::invalid_params(
                "deliver.webhookUrl",
                "expected an http or https URL",
            ));
        }
    }
    match std::env::var(&secret_env) {
        Ok(secret) if !secret.is_empty() => {}
        _ => {
            return Err(ErrorObject::invalid_params(
                "deliver.secretEnv",
                format!("the environment variable `{secret_env}` is not set on this server"),
            ));
        }
    }
    Ok(Deliver {
        webhook_url,
        secret_env,
    })
}

/// A subscription as `subscriptions.get` and `subscriptions.list` answer it (never a secret).
fn describe(record: &SubscriptionRecord) -> Value {
    let deliver = record.deliver.as_ref().map(|deliver| {
        let state = &record.delivery;
        json!({
            "webhookUrl": deliver.webhook_url,
            "secretEnv": deliver.secret_env,
            "delivered": state.delivered,
            "givenUp": state.given_up,
            "failing": state.failing_since_ms.is_some(),
            "attempts": state.attempts,
            "failingSince": state.failing_since_ms.map(|ms| rfc3339_ms(ms as i64)),
            "lastError": state.last_error,
        })
    });
    let channel = record.channel.as_ref().map(|channel| {
        json!({
            "id": channel.id,
            "expiresAt": rfc3339_ms(channel.expiry_secs * 1000),
            "created": channel.created,
            "renewed": channel.renewed,
        })
    });
    json!({
        "id": record.id,
        "connection": record.connection,
        "source": record.source,
        "recordTypes": record.record_types,
        "operations": record.operations.iter().map(|op| op.as_str()).collect::<Vec<_>>(),
        "fields": record.fields,
        "intervalSecs": record.interval_secs,
        "organizationId": record.organization_id,
        "status": record.status,
        "createdAt": rfc3339_ms(record.created_at_ms as i64),
        "lastSyncAt": record.last_sync_ms.map(|ms| rfc3339_ms(ms as i64)),
        "lastError": record.last_error,
        "channel": channel,
        "deliver": deliver,
    })
}

fn core(err: zoho_core::Error) -> ErrorObject {
    rpc_error::from_action_error(&err)
}

fn missing(field: &str) -> ErrorObject {
    ErrorObject::invalid_params(field, "required")
}

/// Named params taken one by one; what is left at the end is refused.
struct Params<'m> {
    method: &'m str,
    params: Map<String, Value>,
}

impl Params<'_> {
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

    fn strings(&mut self, name: &str) -> Result<Option<Vec<String>>, ErrorObject> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| match item {
                    Value::String(text) => Ok(text),
                    _ => Err(ErrorObject::invalid_params(
                        &format!("{name}[{index}]"),
                        "expected a string",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(_) => Err(ErrorObject::invalid_params(
                name,
                "expected an array of strings",
            )),
        }
    }

    fn integer(
        &mut self,
        name: &str,
        default: u64,
        min: u64,
        max: u64,
    ) -> Result<u64, ErrorObject> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(ErrorObject::invalid_params(
                    name,
                    format!("expected an integer from {min} to {max}"),
                )),
            },
            Some(_) => Err(ErrorObject::invalid_params(
                name,
                format!("expected an integer from {min} to {max}"),
            )),
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

/// The methods as OpenRPC describes them (appended to `rpc.discover`).
pub fn descriptions() -> Vec<Value> {
    let string = json!({"type": "string"});
    let strings = json!({"type": "array", "items": {"type": "string"}});
    let id = json!({"name": "id", "description": "The subscription's id (`sub_...`).", "required": true, "schema": string});
    let subscription = json!({"type": "object", "properties": {
        "id": string, "connection": string,
        "source": {"enum": ["crm.notifications", "crm.poll", "books.poll"]},
        "recordTypes": strings, "operations": strings, "fields": {"type": ["array", "null"], "items": string},
        "intervalSecs": {"type": "integer"}, "status": string,
        "createdAt": {"type": "string", "format": "date-time"},
        "lastSyncAt": {"type": ["string", "null"], "format": "date-time"},
        "lastError": {"type": ["string", "null"]},
        "channel": {"type": ["object", "null"], "properties": {"id": string, "expiresAt": string, "created": {"type": "integer"}, "renewed": {"type": "integer"}}},
        "deliver": {"type": ["object", "null"], "properties": {
            "webhookUrl": string, "secretEnv": string, "delivered": {"type": "integer"}, "givenUp": {"type": "integer"},
            "failing": {"type": "boolean"}, "attempts": {"type": "integer"},
            "failingSince": {"type": ["string", "null"]}, "lastError": {"type": ["string", "null"]}}}
    }});
    let event = json!({"type": "object", "properties": {
        "id": string, "subscription": string, "connection": string, "source": string,
        "recordType": string, "operation": {"enum": ["create", "edit", "delete"]}, "recordId": string,
        "at": {"type": "string", "format": "date-time"},
        "changedFields": {"type": ["array", "null"], "items": string},
        "values": {"type": ["object", "null"]}
    }});
    vec![
        json!({
            "name": CREATE,
            "summary": "Subscribe to what changes in CRM or Books, with a durable event log",
            "description": "`crm.notifications`: the server owns a Zoho notification channel (random token, renewed before it expires, re-created when Zoho dropped it) and reads what changed meanwhile, so no change is lost. `crm.poll` and `books.poll` read what changed every `intervalSecs`. Events are kept `[events] retention_days` (7) and read with `events.read`; with `deliver` each is also POSTed to a webhook, signed (`Zoho-Rs-Signature: t=UNIX,v1=HEX`, HMAC-SHA256 of `t.body`).",
            "paramStructure": "by-name",
            "params": [
                {"name": "connection", "description": "The connection (default `default`).", "required": false, "schema": string},
                {"name": "source", "description": "`crm.notifications`, `crm.poll` or `books.poll`.", "required": true, "schema": {"enum": ["crm.notifications", "crm.poll", "books.poll"]}},
                {"name": "recordTypes", "description": "CRM modules (`Leads`) or Books types (`invoices`).", "required": true, "schema": strings},
                {"name": "operations", "description": "`create`, `edit`, `delete` (default all; `books.poll` sees no deletions).", "required": false, "schema": strings},
                {"name": "fields", "description": "Polls: the fields each event's `values` carries.", "required": false, "schema": strings},
                {"name": "organizationId", "description": "`books.poll`: the Books organization (default: the connection's).", "required": false, "schema": string},
                {"name": "intervalSecs", "description": "Seconds between reads of what changed (polls: default 60; crm.notifications: the channel check, default `[events] notification_check_secs`).", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_INTERVAL_SECS}},
                {"name": "deliver", "description": "`{webhookUrl, secretEnv}`: POST each event there, signed with the secret in the environment variable `secretEnv`, retried with backoff for 24 h, in order.", "required": false, "schema": {"type": "object", "properties": {"webhookUrl": string, "secretEnv": string}}}
            ],
            "result": {"name": "subscription", "schema": {"type": "object", "properties": {"id": string, "source": string, "status": string}}}
        }),
        json!({
            "name": LIST, "summary": "Every subscription, or those of one connection", "paramStructure": "by-name",
            "params": [{"name": "connection", "description": "Only the subscriptions of this connection.", "required": false, "schema": string}],
            "result": {"name": "subscriptions", "schema": {"type": "object", "properties": {"subscriptions": {"type": "array", "items": subscription}}}}
        }),
        json!({
            "name": GET, "summary": "A subscription, its channel and how delivery stands",
            "paramStructure": "by-name", "params": [id],
            "result": {"name": "subscription", "schema": subscription}
        }),
        json!({
            "name": DELETE, "summary": "Delete a subscription, its events and its Zoho channel",
            "paramStructure": "by-name", "params": [id],
            "result": {"name": "deleted", "schema": {"type": "object", "properties": {"id": string, "deleted": {"type": "boolean"}, "channelDisabled": {"type": "boolean"}}}}
        }),
        json!({
            "name": READ, "summary": "Read a subscription's events after a cursor, waiting for some if asked",
            "paramStructure": "by-name",
            "params": [
                {"name": "subscription", "description": "The subscription's id.", "required": true, "schema": string},
                {"name": "after", "description": "The `next` of the previous read (default: the oldest event kept).", "required": false, "schema": string},
                {"name": "limit", "description": "Most events (default 100, at most 1000).", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
                {"name": "waitMs", "description": "With no event yet, wait this long for one (default 0, at most 30000).", "required": false, "schema": {"type": "integer", "minimum": 0, "maximum": MAX_WAIT_MS}}
            ],
            "result": {"name": "page", "schema": {"type": "object", "properties": {"events": {"type": "array", "items": event}, "next": {"type": ["string", "null"]}}}}
        }),
    ]
}
