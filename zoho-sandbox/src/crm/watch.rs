//! Zoho CRM's notifications ("watch") API, `/crm/{v}/actions/watch` (wave2.md §1): channels
//! that expire on the sandbox clock, and the callbacks Zoho POSTs to a channel's `notify_url`
//! when records change.
//!
//! Callbacks leave from a background task, so a write never waits for a receiver. Zoho
//! documents no retry for a failing `notify_url` (§1.6), so none is made unless
//! `OpenQuestions::watch_callback_retries` asks for some.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use http::Method;
use rand::Rng;
use serde_json::{Map, Value, json};

use super::schema::{ModuleDef, module_by_name};
use super::watch_condition::{self, Condition};
use super::{Ctx, Version, errors, id_text};
use crate::accounts::Op;
use crate::clock;
use crate::config::OpenQuestions;
use crate::http::Reply;
use crate::state::State;

/// Channel objects per POST/PUT/PATCH body (wave2.md §1.1: `watch` maxItems 50).
const MAX_CHANNELS_PER_BODY: usize = 50;
/// Longest `notify_url` (§1.2: OAS-Y ≤255).
const MAX_NOTIFY_URL: usize = 255;
/// Longest `channel_ids` query value (§1.1: OAS-Y maxLength 512).
const MAX_CHANNEL_IDS: usize = 512;
/// Expiry when none or more than the version allows is asked for (§1.3).
const DEFAULT_EXPIRY_SECS: i64 = 3_600;
const DAY_SECS: i64 = 86_400;
const WEEK_SECS: i64 = 7 * DAY_SECS;
/// How long one callback POST may take before it counts as failed.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(10);

/// The five calls on `/actions/watch`, one per HTTP method (§1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    Enable,
    Details,
    Replace,
    Patch,
    Disable,
}

impl Call {
    /// The call an HTTP method makes; `None` for a method the path does not take.
    pub(crate) fn of(method: &Method) -> Option<Call> {
        match *method {
            Method::POST => Some(Call::Enable),
            Method::GET => Some(Call::Details),
            Method::PUT => Some(Call::Replace),
            Method::PATCH => Some(Call::Patch),
            Method::DELETE => Some(Call::Disable),
            _ => None,
        }
    }

    /// The route name in stats and the request log.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Call::Enable => "crm.watch.enable",
            Call::Details => "crm.watch.get",
            Call::Replace => "crm.watch.update",
            Call::Patch => "crm.watch.patch",
            Call::Disable => "crm.watch.disable",
        }
    }

    /// The `ZohoCRM.notifications.<op>` the call needs (§1.1).
    pub(crate) fn op(self) -> Op {
        match self {
            Call::Enable => Op::Create,
            Call::Details => Op::Read,
            Call::Replace | Call::Patch => Op::Update,
            Call::Disable => Op::Delete,
        }
    }
}

/// What a subscription names after the module: `Leads.create` (§1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventOp {
    Create,
    Edit,
    Delete,
    All,
}

impl EventOp {
    fn parse(text: &str) -> Option<EventOp> {
        match text {
            "create" => Some(EventOp::Create),
            "edit" => Some(EventOp::Edit),
            "delete" => Some(EventOp::Delete),
            "all" => Some(EventOp::All),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            EventOp::Create => "create",
            EventOp::Edit => "edit",
            EventOp::Delete => "delete",
            EventOp::All => "all",
        }
    }

    fn covers(self, operation: Operation) -> bool {
        matches!(
            (self, operation),
            (EventOp::All, _)
                | (EventOp::Create, Operation::Insert)
                | (EventOp::Edit, Operation::Update)
                | (EventOp::Delete, Operation::Delete)
        )
    }
}

/// One `<Module>.<op>` of a channel.
#[derive(Debug, Clone, Copy)]
struct Event {
    module: &'static ModuleDef,
    op: EventOp,
}

impl PartialEq for Event {
    fn eq(&self, other: &Event) -> bool {
        std::ptr::eq(self.module, other.module) && self.op == other.op
    }
}

impl Event {
    fn parse(text: &str) -> Option<Event> {
        let (module, op) = text.rsplit_once('.')?;
        Some(Event {
            module: module_by_name(module)?,
            op: EventOp::parse(op)?,
        })
    }

    fn text(self) -> String {
        format!("{}.{}", self.module.api_name, self.op.as_str())
    }
}

/// One live notification channel.
#[derive(Debug, Clone)]
struct Channel {
    events: Vec<Event>,
    notify_url: String,
    token: Option<String>,
    /// Seconds since the epoch on the sandbox clock.
    expiry: i64,
    return_affected_field_values: bool,
    notify_on_related_action: bool,
    /// As given, for GET.
    notification_condition: Value,
    conditions: Vec<Condition>,
}

/// The channels of the org and the client that delivers their callbacks.
#[derive(Debug, Default)]
pub(crate) struct Watch {
    channels: Mutex<BTreeMap<String, Channel>>,
    client: OnceLock<reqwest::Client>,
}

impl Watch {
    /// The live channels; expired ones are dropped first, as Zoho drops them (§1.3).
    fn live(&self, now: i64) -> std::sync::MutexGuard<'_, BTreeMap<String, Channel>> {
        let mut channels = self
            .channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        channels.retain(|_, channel| channel.expiry > now);
        channels
    }

    fn client(&self) -> &reqwest::Client {
        self.client.get_or_init(|| {
            reqwest::Client::builder()
                .timeout(CALLBACK_TIMEOUT)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap_or_default()
        })
    }
}

/// Answers one call on `/actions/watch`.
pub(crate) fn handle(ctx: &Ctx<'_>, call: Call) -> Reply {
    match call {
        Call::Details => details(ctx),
        Call::Disable => disable(ctx),
        Call::Enable | Call::Replace | Call::Patch => write(ctx, call),
    }
}

fn now(ctx: &Ctx<'_>) -> i64 {
    ctx.state.clock.epoch_secs()
}

fn mandatory(index: usize, key: &str) -> Value {
    errors::item(
        "MANDATORY_NOT_FOUND",
        "required field not found",
        json!({"api_name": key, "json_path": format!("$.watch[{index}].{key}")}),
    )
}

fn invalid(index: usize, key: &str, extra: Value) -> Value {
    let mut details = json!({"api_name": key, "json_path": format!("$.watch[{index}].{key}")});
    if let (Some(map), Value::Object(more)) = (details.as_object_mut(), extra) {
        map.extend(more);
    }
    errors::item("INVALID_DATA", "invalid data", details)
}

fn not_subscribed(index: usize) -> Value {
    errors::item(
        "NOT_SUBSCRIBED",
        "the channel is not subscribed",
        json!({"api_name": "channel_id", "json_path": format!("$.watch[{index}].channel_id")}),
    )
}

/// The keys of one channel object, checked; absent keys are `None`.
#[derive(Debug, Default)]
struct Given {
    channel_id: Option<String>,
    events: Option<Vec<Event>>,
    notify_url: Option<String>,
    token: Option<Option<String>>,
    expiry: Option<i64>,
    return_affected_field_values: Option<bool>,
    notify_on_related_action: Option<bool>,
    notification_condition: Option<(Value, Vec<Condition>)>,
    delete_events: bool,
}

/// Reads and checks one channel object (§1.2).
fn read_given(
    ctx: &Ctx<'_>,
    item: &Value,
    index: usize,
    now: i64,
    open: &OpenQuestions,
) -> Result<Given, Value> {
    let Some(object) = item.as_object() else {
        return Err(errors::item(
            "INVALID_DATA",
            "invalid data",
            json!({"json_path": format!("$.watch[{index}]"), "expected_data_type": "jsonobject"}),
        ));
    };
    let mut given = Given::default();
    if let Some(value) = object.get("channel_id") {
        // Docs: a long; OAS-Y: a string. Both spellings are taken, digits only.
        let id = id_text(value)
            .filter(|id| !id.is_empty() && id.len() <= 19 && id.bytes().all(|b| b.is_ascii_digit()))
            .filter(|id| id.parse::<i64>().is_ok());
        match id {
            Some(id) => given.channel_id = Some(id),
            None => {
                return Err(invalid(
                    index,
                    "channel_id",
                    json!({"expected_data_type": "long"}),
                ));
            }
        }
    }
    if let Some(value) = object.get("events") {
        let Some(texts) = value.as_array().filter(|events| !events.is_empty()) else {
            return Err(invalid(
                index,
                "events",
                json!({"expected_data_type": "jsonarray"}),
            ));
        };
        if texts.len() > open.watch_max_events_per_channel {
            return Err(errors::item(
                "LIMIT_EXCEEDED",
                "the number of events exceeds the limit",
                json!({"api_name": "events", "json_path": format!("$.watch[{index}].events"), "limit": open.watch_max_events_per_channel}),
            ));
        }
        let mut events = Vec::with_capacity(texts.len());
        for text in texts {
            match text.as_str().and_then(Event::parse) {
                Some(event) if !events.contains(&event) => events.push(event),
                Some(_) => {}
                None => return Err(invalid(index, "events", json!({}))),
            }
        }
        given.events = Some(events);
    }
    if let Some(value) = object.get("notify_url") {
        let url = value
            .as_str()
            .filter(|text| text.len() <= MAX_NOTIFY_URL)
            .filter(|text| {
                url::Url::parse(text).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
            });
        match url {
            Some(url) => given.notify_url = Some(url.to_owned()),
            None => {
                return Err(invalid(
                    index,
                    "notify_url",
                    json!({"maximum_length": MAX_NOTIFY_URL}),
                ));
            }
        }
    }
    if let Some(value) = object.get("token") {
        given.token = match value {
            Value::Null => Some(None),
            Value::String(token) if token.chars().count() <= open.watch_token_max_length => {
                Some(Some(token.clone()))
            }
            _ => {
                return Err(invalid(
                    index,
                    "token",
                    json!({"maximum_length": open.watch_token_max_length}),
                ));
            }
        };
    }
    if let Some(value) = object.get("channel_expiry") {
        // ISO-8601 to the second with an offset; milliseconds are refused (§1.2).
        let at = value
            .as_str()
            .filter(|text| text.len() >= 19 && !text.contains('.'))
            .and_then(clock::parse_datetime)
            .filter(|at| *at > now);
        match at {
            Some(at) => given.expiry = Some(at),
            None => {
                return Err(invalid(
                    index,
                    "channel_expiry",
                    json!({"expected_data_type": "datetime"}),
                ));
            }
        }
    }
    for key in [
        "return_affected_field_values",
        "notify_on_related_action",
        "_delete_events",
    ] {
        let Some(value) = object.get(key) else {
            continue;
        };
        let Some(flag) = value.as_bool() else {
            return Err(invalid(
                index,
                key,
                json!({"expected_data_type": "boolean"}),
            ));
        };
        match key {
            "return_affected_field_values" => given.return_affected_field_values = Some(flag),
            "notify_on_related_action" => given.notify_on_related_action = Some(flag),
            _ => given.delete_events = flag,
        }
    }
    if let Some(value) = object.get("notification_condition") {
        // §1.2: v6 and later.
        let parsed = if ctx.version >= Version(6) || value.is_null() {
            watch_condition::parse(value).ok()
        } else {
            None
        };
        let Some(conditions) = parsed else {
            return Err(invalid(index, "notification_condition", json!({})));
        };
        given.notification_condition = Some((value.clone(), conditions));
    }
    Ok(given)
}

/// The expiry a channel gets: the one asked for when the version allows it, else one hour
/// from now (§1.3).
fn expiry(ctx: &Ctx<'_>, asked: Option<i64>, now: i64) -> i64 {
    let open = &ctx.state.config.open_questions;
    let max = if ctx.version <= Version(3)
        || (ctx.version == Version(6) && open.watch_v6_max_expiry_one_day)
    {
        DAY_SECS
    } else {
        WEEK_SECS
    };
    match asked {
        Some(at) if at - now <= max => at,
        _ => now + DEFAULT_EXPIRY_SECS,
    }
}

fn resource_uri(ctx: &Ctx<'_>, module: &ModuleDef) -> String {
    // §1.4: every sample says `/crm/v2/<Module>`, whatever version was called.
    format!("{}/crm/v2/{}", ctx.state.base_url, module.api_name)
}

/// The modules a channel's events name, in order, once each.
fn modules(events: &[Event]) -> Vec<&'static ModuleDef> {
    let mut seen: Vec<&'static ModuleDef> = Vec::new();
    for event in events {
        if !seen.iter().any(|m| std::ptr::eq(*m, event.module)) {
            seen.push(event.module);
        }
    }
    seen
}

/// A success item: one `details.events` entry per module of the channel (§1.4).
fn success(ctx: &Ctx<'_>, id: &str, channel: &Channel, message: &str) -> Value {
    let events: Vec<Value> = modules(&channel.events)
        .into_iter()
        .map(|module| {
            json!({
                "channel_id": id,
                "resource_name": module.api_name,
                "resource_id": module.id_base().to_string(),
                "resource_uri": resource_uri(ctx, module),
                "channel_expiry": clock::crm_datetime(channel.expiry),
            })
        })
        .collect();
    json!({"code": "SUCCESS", "status": "success", "message": message, "details": {"events": events}})
}

/// POST (enable), PUT (replace) and PATCH (update some keys, or `_delete_events`).
fn write(ctx: &Ctx<'_>, call: Call) -> Reply {
    let body: Option<Value> = serde_json::from_slice(&ctx.req.body).ok();
    let Some(body) = body else {
        return errors::bad_body(ctx.route, "the request body is not valid JSON");
    };
    let Some(items) = body.get("watch") else {
        return errors::error(
            ctx.route,
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            json!({"api_name": "watch", "json_path": "$.watch"}),
        );
    };
    let Some(items) = items.as_array().filter(|items| !items.is_empty()) else {
        return errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "invalid data",
            json!({"api_name": "watch", "json_path": "$.watch", "expected_data_type": "jsonarray"}),
        );
    };
    if items.len() > MAX_CHANNELS_PER_BODY {
        return errors::error(
            ctx.route,
            400,
            "LIMIT_EXCEEDED",
            "the number of channels exceeds the limit",
            json!({"api_name": "watch", "json_path": "$.watch", "limit": MAX_CHANNELS_PER_BODY}),
        );
    }
    let open = &ctx.state.config.open_questions;
    let now = now(ctx);
    let mut channels = ctx.state.crm.watch.live(now);
    let mut seen = HashSet::new();
    let mut results = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let result = read_given(ctx, item, index, now, open).and_then(|given| {
            let Some(id) = given.channel_id.clone() else {
                return Err(mandatory(index, "channel_id"));
            };
            if !seen.insert(id.clone()) {
                return Err(errors::item(
                    "AMBIGUITY_DURING_PROCESSING",
                    "the channel_id is given more than once",
                    json!({"api_name": "channel_id", "json_path": format!("$.watch[{index}].channel_id")}),
                ));
            }
            let existing = channels.get(&id);
            let (channel, message) = match call {
                Call::Enable => (full(ctx, given, index, now)?, ENABLED),
                Call::Replace => {
                    if existing.is_none() {
                        return Err(not_subscribed(index));
                    }
                    (full(ctx, given, index, now)?, UPDATED)
                }
                _ => {
                    let Some(existing) = existing else {
                        return Err(not_subscribed(index));
                    };
                    if given.delete_events {
                        (remove_events(existing, given, index)?, REMOVED)
                    } else {
                        (merge(ctx, existing, given, now, open), UPDATED)
                    }
                }
            };
            let answer = success(ctx, &id, &channel, message);
            channels.insert(id, channel);
            Ok(answer)
        });
        results.push(result.unwrap_or_else(|error| error));
    }
    drop(channels);
    let all_ok = if call == Call::Enable { 201 } else { 200 };
    let status = status(&results, all_ok, open);
    Reply::json(ctx.route, status, &json!({ "watch": results }))
}

const ENABLED: &str = "Successfully subscribed for actions-watch of the given module";
const UPDATED: &str = "Successfully updated the subscribe details";
const REMOVED: &str = "Successfully removed the subscribe details";
const DISABLED: &str = "Successfully un-subscribed from actions-watch";

/// A whole channel from a POST or PUT: what is not sent takes its default (§1.1: PUT removes
/// everything not sent).
fn full(ctx: &Ctx<'_>, given: Given, index: usize, now: i64) -> Result<Channel, Value> {
    let Some(events) = given.events else {
        return Err(mandatory(index, "events"));
    };
    let Some(notify_url) = given.notify_url else {
        return Err(mandatory(index, "notify_url"));
    };
    let condition = given
        .notification_condition
        .unwrap_or((Value::Null, Vec::new()));
    Ok(Channel {
        events,
        notify_url,
        token: given.token.flatten(),
        expiry: expiry(ctx, given.expiry, now),
        return_affected_field_values: given.return_affected_field_values.unwrap_or(false),
        notify_on_related_action: given.notify_on_related_action.unwrap_or(true),
        notification_condition: condition.0,
        conditions: condition.1,
    })
}

/// PATCH without `_delete_events`: the keys sent replace the channel's, the others stay
/// (§1.1), except the token, which a PATCH that leaves it out clears unless
/// `watch_patch_keeps_token` (§1.3, peer).
fn merge(
    ctx: &Ctx<'_>,
    existing: &Channel,
    given: Given,
    now: i64,
    open: &OpenQuestions,
) -> Channel {
    let mut channel = existing.clone();
    if let Some(events) = given.events {
        channel.events = events;
    }
    if let Some(url) = given.notify_url {
        channel.notify_url = url;
    }
    match given.token {
        Some(token) => channel.token = token,
        None if !open.watch_patch_keeps_token => channel.token = None,
        None => {}
    }
    if given.expiry.is_some() {
        channel.expiry = expiry(ctx, given.expiry, now);
    }
    if let Some(flag) = given.return_affected_field_values {
        channel.return_affected_field_values = flag;
    }
    if let Some(flag) = given.notify_on_related_action {
        channel.notify_on_related_action = flag;
    }
    if let Some((condition, conditions)) = given.notification_condition {
        channel.notification_condition = condition;
        channel.conditions = conditions;
    }
    channel
}

/// PATCH with `_delete_events: true`: `events` is mandatory and those events stop; the channel
/// itself stays, even with no event left (wave2.md §8: a peer's trigger relies on this to
/// "delete" and leaves the channel alive).
fn remove_events(existing: &Channel, given: Given, index: usize) -> Result<Channel, Value> {
    let Some(events) = given.events else {
        return Err(mandatory(index, "events"));
    };
    let mut channel = existing.clone();
    channel.events.retain(|event| !events.contains(event));
    Ok(channel)
}

/// All succeeded: `all_ok`; none: 400; a mix: 207 (or the configured status, §1.1 DISAGREE).
fn status(results: &[Value], all_ok: u16, open: &OpenQuestions) -> u16 {
    let ok = results
        .iter()
        .filter(|r| r.get("status").and_then(Value::as_str) == Some("success"))
        .count();
    if ok == results.len() {
        all_ok
    } else if ok == 0 {
        400
    } else {
        open.watch_mixed_status
    }
}

/// GET: one item per channel and module, paged; 204 when there is none (§1.1).
fn details(ctx: &Ctx<'_>) -> Reply {
    let (page, per_page) = match ctx.paging(200) {
        Ok(paging) => paging,
        Err(reply) => return reply,
    };
    let module = match ctx.req.query("module") {
        Some(name) => match module_by_name(name) {
            Some(def) => Some(def),
            None => return errors::invalid_param(ctx.route, "module", "invalid data"),
        },
        None => None,
    };
    let wanted = ctx.req.query("channel_id");
    let now = now(ctx);
    let channels = ctx.state.crm.watch.live(now);
    let mut items = Vec::new();
    for (id, channel) in channels.iter() {
        if wanted.is_some_and(|w| w != id) {
            continue;
        }
        for def in modules(&channel.events) {
            if module.is_some_and(|m| !std::ptr::eq(m, def)) {
                continue;
            }
            let events: Vec<String> = channel
                .events
                .iter()
                .filter(|e| std::ptr::eq(e.module, def))
                .map(|e| e.text())
                .collect();
            items.push(json!({
                "channel_id": id,
                "events": events,
                "notify_url": channel.notify_url,
                "token": channel.token,
                "channel_expiry": clock::crm_datetime(channel.expiry),
                "return_affected_field_values": channel.return_affected_field_values,
                "notify_on_related_action": channel.notify_on_related_action,
                "resource_name": def.api_name,
                "resource_id": def.id_base().to_string(),
                "resource_uri": resource_uri(ctx, def),
                "fields": null,
                "notification_condition": channel.notification_condition,
            }));
        }
    }
    drop(channels);
    let start = (page - 1).saturating_mul(per_page);
    let page_items: Vec<Value> = items.iter().skip(start).take(per_page).cloned().collect();
    if page_items.is_empty() {
        return Reply::empty(ctx.route, 204);
    }
    let more = start + page_items.len() < items.len();
    Reply::json(
        ctx.route,
        200,
        &json!({
            "watch": page_items,
            "info": {"per_page": per_page, "count": page_items.len(), "page": page, "more_records": more},
        }),
    )
}

/// DELETE `?channel_ids=1,2`: one item per id (§1.1).
fn disable(ctx: &Ctx<'_>) -> Reply {
    let Some(param) = ctx
        .req
        .query("channel_ids")
        .filter(|p| !p.trim().is_empty())
    else {
        return errors::required_param(ctx.route, "channel_ids");
    };
    if param.len() > MAX_CHANNEL_IDS {
        return errors::invalid_param(ctx.route, "channel_ids", "invalid data");
    }
    let now = now(ctx);
    let mut channels = ctx.state.crm.watch.live(now);
    let results: Vec<Value> = param
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| match channels.remove(id) {
            Some(_) => json!({
                "code": "SUCCESS",
                "status": "success",
                "message": DISABLED,
                "details": {"channel_id": id},
            }),
            None => errors::item(
                "NOT_SUBSCRIBED",
                "the channel is not subscribed",
                json!({"channel_id": id}),
            ),
        })
        .collect();
    drop(channels);
    let status = status(&results, 200, &ctx.state.config.open_questions);
    Reply::json(ctx.route, status, &json!({ "watch": results }))
}

/// What a record write did, as a callback reports it (§1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Insert,
    Update,
    Delete,
}

impl Operation {
    /// The callback's `operation`: insert, update, delete (not the subscription's
    /// create, edit, delete; §1.5 DISAGREE).
    fn as_str(self) -> &'static str {
        match self {
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// Records of one module changed by one write.
#[derive(Debug)]
pub(crate) struct Change {
    module: &'static str,
    operation: Operation,
    /// Each record's id with the fields the write set or changed, and their new values.
    records: Vec<(String, Map<String, Value>)>,
    /// Caused by an action on a related record (lead conversion creating a Contact).
    related: bool,
    /// Whether any channel exists: without one, writes skip collecting what changed.
    listening: bool,
}

impl Change {
    /// A change with no record yet.
    pub(crate) fn new(state: &State, def: &ModuleDef, operation: Operation) -> Change {
        let listening = !state
            .crm
            .watch
            .channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_empty();
        Change {
            module: def.api_name,
            operation,
            records: Vec::new(),
            related: false,
            listening,
        }
    }

    /// Whether the change will be reported to anyone (else recording it costs nothing).
    pub(crate) fn listening(&self) -> bool {
        self.listening
    }

    /// Marks the change as caused by an action on a related record.
    pub(crate) fn related(mut self) -> Change {
        self.related = true;
        self
    }

    /// Adds a record and the fields the write set or changed (read only when listening).
    pub(crate) fn record(&mut self, id: u64, fields: impl FnOnce() -> Map<String, Value>) {
        if self.listening {
            self.records.push((id.to_string(), fields()));
        }
    }
}

/// Sends the callbacks of a change to every live channel whose events cover it, from a
/// background task; returns at once. Faults may drop or duplicate each callback.
pub(crate) fn notify(state: &State, change: Change) {
    if change.records.is_empty() {
        return;
    }
    let now = state.clock.epoch_secs();
    let server_time = state.clock.epoch_millis();
    let mut deliveries = Vec::new();
    {
        let channels = state.crm.watch.live(now);
        for (id, channel) in channels.iter() {
            let covered = channel
                .events
                .iter()
                .any(|e| e.module.api_name == change.module && e.op.covers(change.operation));
            if !covered || (change.related && !channel.notify_on_related_action) {
                continue;
            }
            // §1.2: a notification condition lets only edits of the fields it names through.
            let records: Vec<&(String, Map<String, Value>)> = change
                .records
                .iter()
                .filter(|(_, fields)| {
                    change.operation != Operation::Update
                        || watch_condition::passes(&channel.conditions, change.module, fields)
                })
                .collect();
            if records.is_empty() {
                continue;
            }
            let body = payload(state, id, channel, &change, &records, server_time);
            deliveries.push((channel.notify_url.clone(), body));
        }
    }
    if deliveries.is_empty() {
        return;
    }
    let faults = state.faults();
    let mut rng = rand::rng();
    let mut sends = Vec::with_capacity(deliveries.len());
    for (url, body) in deliveries {
        if rng.random::<f64>() < faults.callback_drop_rate {
            continue;
        }
        if rng.random::<f64>() < faults.callback_duplicate_rate {
            sends.push((url.clone(), body.clone()));
        }
        sends.push((url, body));
    }
    let client = state.crm.watch.client().clone();
    let retries = state.config.open_questions.watch_callback_retries;
    tokio::spawn(async move {
        for (url, body) in sends {
            deliver(&client, &url, &body, retries).await;
        }
    });
}

async fn deliver(client: &reqwest::Client, url: &str, body: &Value, retries: u32) {
    for attempt in 0..=retries {
        let sent = client.post(url).json(body).send().await;
        match sent {
            Ok(response) if response.status().is_success() => return,
            Ok(response) => {
                tracing::debug!(
                    status = response.status().as_u16(),
                    attempt,
                    "callback refused"
                );
            }
            Err(error) => tracing::debug!(%error, attempt, "callback not delivered"),
        }
        if attempt < retries {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// Zoho's callback body (§1.5).
fn payload(
    state: &State,
    id: &str,
    channel: &Channel,
    change: &Change,
    records: &[&(String, Map<String, Value>)],
    server_time: i64,
) -> Value {
    let query_params: Map<String, Value> = url::Url::parse(&channel.notify_url)
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect()
        })
        .unwrap_or_default();
    let ids: Vec<&str> = records.iter().map(|(id, _)| id.as_str()).collect();
    let mut body = json!({
        "server_time": server_time,
        "query_params": query_params,
        "module": change.module,
        "resource_uri": format!("{}/crm/v2/{}", state.base_url, change.module),
        "ids": ids,
        "affected_fields": [],
        "operation": change.operation.as_str(),
        "channel_id": id,
        "token": channel.token,
    });
    if channel.return_affected_field_values
        && let Some(map) = body.as_object_mut()
    {
        // §1.5: `affected_fields` stays `[]` on insert; updates list the changed fields per id.
        if change.operation == Operation::Update {
            let fields: Vec<Value> = records
                .iter()
                .map(|(id, fields)| json!({ id.as_str(): fields.keys().collect::<Vec<_>>() }))
                .collect();
            map.insert("affected_fields".into(), Value::Array(fields));
        }
        let values: Vec<Value> = records
            .iter()
            .map(|(id, fields)| json!({"record_id": id, "values": fields}))
            .collect();
        map.insert("affected_values".into(), Value::Array(values));
    }
    body
}
