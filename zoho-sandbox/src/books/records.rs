//! Books record handlers: list with filters and `page_context`, get, create (JSON or the legacy
//! `JSONString` form), update, delete and status changes (books.md §2–§5).

use std::cmp::Ordering;

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::Parent;
use super::errors;
use super::kinds::{BooksKind, kind as kind_by_path};
use super::store::{Org, Record};
use crate::clock;
use crate::http::{Reply, Req};
use crate::state::State;

/// What every Books handler needs.
pub(crate) struct Ctx<'a> {
    pub state: &'a State,
    pub org: &'a Org,
    pub req: &'a Req,
    pub route: &'static str,
}

const MAX_PER_PAGE: usize = 200;
const RESERVED: &[&str] = &[
    "organization_id",
    "page",
    "per_page",
    "sort_column",
    "sort_order",
    "filter_by",
    "search_text",
    "response_option",
    "accept",
    "print",
    "send",
    "ignore_auto_number_generation",
];

fn not_found(ctx: &Ctx<'_>, label: &str) -> Reply {
    errors::error(
        ctx.route,
        ctx.state.config.open_questions.books_not_found_status,
        1002,
        &format!("{label} does not exist."),
    )
}

/// Checks the parent of a nested path exists; the 1002 answer if not.
fn check_parent(ctx: &Ctx<'_>, parent: &Parent) -> Result<Option<(&'static str, String)>, Reply> {
    match parent {
        Parent::None => Ok(None),
        Parent::Contact(id) => {
            if ctx.org.exists("contacts", id) {
                Ok(Some(("contact_id", id.clone())))
            } else {
                Err(not_found(ctx, "Contact"))
            }
        }
        Parent::Project(id) => {
            if ctx.org.exists("projects", id) {
                Ok(Some(("project_id", id.clone())))
            } else {
                Err(not_found(ctx, "Project"))
            }
        }
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number_of(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
}

/// Whether a record passes one search parameter (books.md §5: plain names, and the
/// `_startswith`, `_contains`, `_start`, `_end`, `_before`, `_after`, `_less_than`,
/// `_less_equals`, `_greater_than`, `_greater_equals` variants).
fn passes(record: &Record, name: &str, wanted: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "_startswith",
        "_contains",
        "_start",
        "_end",
        "_before",
        "_after",
        "_less_than",
        "_less_equals",
        "_greater_than",
        "_greater_equals",
    ];
    for suffix in SUFFIXES {
        let Some(field) = name.strip_suffix(suffix) else {
            continue;
        };
        let Some(value) = record.get(field) else {
            continue;
        };
        let have = text_of(value).unwrap_or_default().to_lowercase();
        let want = wanted.to_lowercase();
        let (a, b) = (number_of(value), wanted.parse::<f64>().ok());
        return match *suffix {
            "_startswith" => have.starts_with(&want),
            "_contains" => have.contains(&want),
            "_start" | "_after" => have.as_str() >= want.as_str(),
            "_end" | "_before" => have.as_str() <= want.as_str(),
            "_less_than" => matches!((a, b), (Some(a), Some(b)) if a < b),
            "_less_equals" => matches!((a, b), (Some(a), Some(b)) if a <= b),
            "_greater_than" => matches!((a, b), (Some(a), Some(b)) if a > b),
            _ => matches!((a, b), (Some(a), Some(b)) if a >= b),
        };
    }
    // wave2.md §7.2: `last_modified_time` keeps the records modified at or after that time.
    if name == "last_modified_time" {
        let have = record
            .get(name)
            .and_then(Value::as_str)
            .and_then(clock::parse_datetime);
        return matches!((have, clock::parse_datetime(wanted)), (Some(have), Some(since)) if have >= since);
    }
    match record.get(name) {
        // Parameters that name no field of the record are ignored, as Zoho ignores unknown ones.
        None => true,
        Some(value) => text_of(value).is_some_and(|have| have.eq_ignore_ascii_case(wanted)),
    }
}

fn positive(ctx: &Ctx<'_>, name: &str, default: usize) -> Result<usize, Reply> {
    match ctx.req.query(name) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(errors::invalid_value(ctx.route, name)),
        },
    }
}

/// `GET /{type}` (and nested lists).
pub(crate) fn list(ctx: &Ctx<'_>, kind: &'static BooksKind, parent: &Parent) -> Reply {
    let parent_key = match check_parent(ctx, parent) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let page = match positive(ctx, "page", 1) {
        Ok(page) => page,
        Err(reply) => return reply,
    };
    // books.md §5: per_page defaults to 200 and is clamped there.
    let per_page = match positive(ctx, "per_page", MAX_PER_PAGE) {
        Ok(n) => n.min(MAX_PER_PAGE),
        Err(reply) => return reply,
    };
    let sort_column = ctx
        .req
        .query("sort_column")
        .unwrap_or("created_time")
        .to_owned();
    let descending = match ctx.req.query("sort_order") {
        None | Some("A") => false,
        Some("D") => true,
        Some(_) => return errors::invalid_value(ctx.route, "sort_order"),
    };
    let filter_by = ctx
        .req
        .query("filter_by")
        .unwrap_or("Status.All")
        .to_owned();
    let status_filter = filter_by
        .strip_prefix("Status.")
        .filter(|s| !s.eq_ignore_ascii_case("all"))
        .map(str::to_lowercase);
    let search = ctx.req.query("search_text").map(str::to_lowercase);
    let params: Vec<&(String, String)> = ctx
        .req
        .query
        .iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
        .collect();
    let Some(store) = ctx.org.store(kind) else {
        return errors::invalid_url(ctx.route);
    };
    let Ok(store) = store.read() else {
        return errors::invalid_url(ctx.route);
    };
    let mut hits: Vec<(&u64, &Record)> = store
        .iter()
        .filter(|(_, r)| match &parent_key {
            Some((key, id)) => r.get(*key).and_then(Value::as_str) == Some(id.as_str()),
            None => true,
        })
        .filter(|(_, r)| {
            status_filter.as_ref().is_none_or(|s| {
                r.get("status")
                    .and_then(Value::as_str)
                    .is_some_and(|have| have.eq_ignore_ascii_case(s))
            })
        })
        .filter(|(_, r)| {
            search.as_ref().is_none_or(|needle| {
                r.values().any(|v| {
                    v.as_str()
                        .is_some_and(|s| s.to_lowercase().contains(needle))
                })
            })
        })
        .filter(|(_, r)| params.iter().all(|(k, v)| passes(r, k, v)))
        .collect();
    if sort_column != "created_time" {
        hits.sort_by(|(ia, a), (ib, b)| {
            let (va, vb) = (a.get(&sort_column), b.get(&sort_column));
            let ord = match (va.and_then(number_of), vb.and_then(number_of)) {
                (Some(x), Some(y)) if va.is_some_and(Value::is_number) => {
                    x.partial_cmp(&y).unwrap_or(Ordering::Equal)
                }
                _ => {
                    let x = va.and_then(text_of).unwrap_or_default().to_lowercase();
                    let y = vb.and_then(text_of).unwrap_or_default().to_lowercase();
                    x.cmp(&y)
                }
            };
            ord.then(ia.cmp(ib))
        });
    }
    if descending {
        hits.reverse();
    }
    let start = (page - 1).saturating_mul(per_page);
    let records: Vec<Value> = hits
        .iter()
        .skip(start)
        .take(per_page)
        .map(|(_, r)| Value::Object((*r).clone()))
        .collect();
    let has_more = hits.len() > start.saturating_add(per_page);
    drop(store);
    let mut body = Map::new();
    body.insert("code".into(), json!(0));
    body.insert("message".into(), json!("success"));
    body.insert(kind.list_key.into(), Value::Array(records));
    body.insert(
        "page_context".into(),
        json!({
            "page": page,
            "per_page": per_page,
            "has_more_page": has_more,
            "report_name": kind.report_name,
            "applied_filter": filter_by,
            "sort_column": sort_column,
            "sort_order": if descending { "D" } else { "A" },
        }),
    );
    Reply::json(ctx.route, 200, &Value::Object(body))
}

fn find<'s>(
    store: &'s std::collections::BTreeMap<u64, Record>,
    id: &str,
    parent_key: &Option<(&'static str, String)>,
) -> Option<(u64, &'s Record)> {
    let id = id.parse::<u64>().ok()?;
    let record = store.get(&id)?;
    match parent_key {
        Some((key, pid)) if record.get(*key).and_then(Value::as_str) != Some(pid.as_str()) => None,
        _ => Some((id, record)),
    }
}

fn envelope(kind: &BooksKind, message: &str, record: Value) -> Value {
    let mut body = Map::new();
    body.insert("code".into(), json!(0));
    body.insert("message".into(), json!(message));
    body.insert(kind.single_key.into(), record);
    Value::Object(body)
}

/// `GET /{type}/{id}`.
pub(crate) fn get(ctx: &Ctx<'_>, kind: &'static BooksKind, parent: &Parent, id: &str) -> Reply {
    let parent_key = match check_parent(ctx, parent) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let Some(store) = ctx.org.store(kind) else {
        return errors::invalid_url(ctx.route);
    };
    let Ok(store) = store.read() else {
        return errors::invalid_url(ctx.route);
    };
    match find(&store, id, &parent_key) {
        Some((_, record)) => {
            let body = envelope(kind, "success", Value::Object(record.clone()));
            drop(store);
            Reply::json(ctx.route, 200, &body)
        }
        None => not_found(ctx, kind.label),
    }
}

/// The JSON object of a write: a JSON body, or the legacy `JSONString` form field
/// (urlencoded or multipart; books.md §3).
async fn body_object(req: &Req, route: &'static str) -> Result<Map<String, Value>, Reply> {
    let content_type = req.content_type();
    let text: Option<String> = if content_type == "application/x-www-form-urlencoded" {
        req.form()
            .into_iter()
            .find(|(k, _)| k == "JSONString")
            .map(|(_, v)| v)
    } else if content_type == "multipart/form-data" {
        multipart_json_string(req).await
    } else {
        Some(String::from_utf8_lossy(&req.body).into_owned())
    };
    let Some(text) = text else {
        return Err(errors::bad_json(route));
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(errors::bad_json(route)),
    }
}

async fn multipart_json_string(req: &Req) -> Option<String> {
    let header = req.headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    let boundary = multer::parse_boundary(header).ok()?;
    let body = req.body.clone();
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("JSONString") {
            return field.text().await.ok();
        }
    }
    None
}

fn now_text(ctx: &Ctx<'_>) -> String {
    clock::books_datetime(ctx.state.clock.epoch_secs())
}

/// Derived fields: line totals, `total`, `balance`, names of referenced contacts.
fn derive(ctx: &Ctx<'_>, kind: &BooksKind, record: &mut Record) {
    if let Some(Value::Array(items)) = record.get_mut("line_items") {
        let mut total = 0.0;
        for item in items.iter_mut() {
            let Some(map) = item.as_object_mut() else {
                continue;
            };
            let rate = map.get("rate").and_then(number_of).unwrap_or(0.0);
            let quantity = map.get("quantity").and_then(number_of).unwrap_or(1.0);
            map.entry("line_item_id")
                .or_insert_with(|| json!(ctx.org.next_id().to_string()));
            map.insert("item_total".into(), json!(rate * quantity));
            total += rate * quantity;
        }
        record.insert("total".into(), json!(total));
        if matches!(kind.path, "invoices" | "bills" | "purchaseorders") {
            record.insert("balance".into(), json!(total));
        }
    }
    for (field, name_key) in [
        ("customer_id", "customer_name"),
        ("vendor_id", "vendor_name"),
    ] {
        if let Some(id) = record.get(field).and_then(text_of)
            && let Some(name) = ctx.org.field_of("contacts", &id, "contact_name")
        {
            record.insert(name_key.into(), name);
        }
    }
}

/// Fields an update must carry, by type (Zoho's OpenAPI: `contact_name` on "Update a contact").
const UPDATE_REQUIRED: &[(&str, &[&str])] = &[("contacts", &["contact_name"])];

/// Checks required fields and references; the answer when something is wrong.
fn validate(ctx: &Ctx<'_>, kind: &BooksKind, record: &Record, creating: bool) -> Result<(), Reply> {
    let required: &[&str] = if creating {
        kind.required
    } else if ctx.state.config.open_questions.books_update_requires_name {
        UPDATE_REQUIRED
            .iter()
            .find(|(path, _)| *path == kind.path)
            .map_or(&[], |(_, fields)| fields)
    } else {
        &[]
    };
    for field in required {
        let blank = match record.get(*field) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            _ => false,
        };
        if blank {
            return Err(errors::invalid_value(ctx.route, field));
        }
    }
    for (field, target) in kind.refs {
        if let Some(id) = record.get(*field).and_then(text_of)
            && !ctx.org.exists(target, &id)
        {
            let label = kind_by_path(target).map_or("Record", |k| k.label);
            let label = if *field == "customer_id" {
                "Customer"
            } else if *field == "vendor_id" {
                "Vendor"
            } else {
                label
            };
            return Err(not_found(ctx, label));
        }
    }
    Ok(())
}

/// `POST /{type}`: 201 (200 for expenses) with the created record.
pub(crate) async fn create(ctx: &Ctx<'_>, kind: &'static BooksKind, parent: &Parent) -> Reply {
    let parent_key = match check_parent(ctx, parent) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let mut record = match body_object(ctx.req, ctx.route).await {
        Ok(map) => map,
        Err(reply) => return reply,
    };
    if let Some((key, id)) = &parent_key {
        record.insert((*key).into(), json!(id));
    }
    if let Err(reply) = validate(ctx, kind, &record, true) {
        return reply;
    }
    let id = ctx.org.next_id();
    let now = now_text(ctx);
    record.insert(kind.id_key.into(), json!(id.to_string()));
    record.insert("created_time".into(), json!(now));
    record.insert("last_modified_time".into(), json!(now));
    if kind.number.is_some() || kind.path == "bills" {
        record.entry("status").or_insert_with(|| {
            json!(if kind.path == "bills" {
                "open"
            } else {
                "draft"
            })
        });
    }
    if matches!(kind.path, "contacts" | "items" | "projects") {
        record.entry("status").or_insert_with(|| json!("active"));
    }
    derive(ctx, kind, &mut record);
    let Some(store) = ctx.org.store(kind) else {
        return errors::invalid_url(ctx.route);
    };
    let Ok(mut store) = store.write() else {
        return errors::invalid_url(ctx.route);
    };
    if let Some((key, prefix)) = kind.number {
        let next = store.len() + 1;
        record
            .entry(key)
            .or_insert_with(|| json!(format!("{prefix}{next:06}")));
    }
    store.insert(id, record.clone());
    drop(store);
    Reply::json(
        ctx.route,
        kind.create_status,
        &envelope(kind, kind.messages[0], Value::Object(record)),
    )
}

/// `PUT /{type}/{id}`: the updated record.
pub(crate) async fn update(
    ctx: &Ctx<'_>,
    kind: &'static BooksKind,
    parent: &Parent,
    id: &str,
) -> Reply {
    let parent_key = match check_parent(ctx, parent) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let changes = match body_object(ctx.req, ctx.route).await {
        Ok(map) => map,
        Err(reply) => return reply,
    };
    if let Err(reply) = validate(ctx, kind, &changes, false) {
        return reply;
    }
    let now = now_text(ctx);
    let Some(store) = ctx.org.store(kind) else {
        return errors::invalid_url(ctx.route);
    };
    let Ok(store) = store.read() else {
        return errors::invalid_url(ctx.route);
    };
    let Some((key, existing)) = find(&store, id, &parent_key).map(|(k, r)| (k, r.clone())) else {
        drop(store);
        return not_found(ctx, kind.label);
    };
    let mut record = existing;
    for (k, v) in changes {
        if k != kind.id_key && k != "created_time" {
            record.insert(k, v);
        }
    }
    record.insert("last_modified_time".into(), json!(now));
    drop(store);
    derive(ctx, kind, &mut record);
    let Some(store) = ctx.org.store(kind) else {
        return errors::invalid_url(ctx.route);
    };
    let Ok(mut store) = store.write() else {
        return errors::invalid_url(ctx.route);
    };
    if !store.contains_key(&key) {
        return not_found(ctx, kind.label);
    }
    store.insert(key, record.clone());
    drop(store);
    Reply::json(
        ctx.route,
        200,
        &envelope(kind, kind.messages[1], Value::Object(record)),
    )
}

/// `DELETE /{type}/{id}`: code and message only, no resource key (books.md §4).
pub(crate) fn delete(ctx: &Ctx<'_>, kind: &'static BooksKind, parent: &Parent, id: &str) -> Reply {
    let parent_key = match check_parent(ctx, parent) {
        Ok(key) => key,
        Err(reply) => return reply,
    };
    let Some(store) = ctx.org.store(kind) else {
        return errors::invalid_url(ctx.route);
    };
    let Ok(mut store) = store.write() else {
        return errors::invalid_url(ctx.route);
    };
    let Some((key, _)) = find(&store, id, &parent_key) else {
        drop(store);
        return not_found(ctx, kind.label);
    };
    store.remove(&key);
    drop(store);
    Reply::json(
        ctx.route,
        200,
        &json!({"code": 0, "message": kind.messages[2]}),
    )
}

/// `POST /{type}/{id}/status/{status}`: code and message only.
pub(crate) fn set_status(ctx: &Ctx<'_>, kind: &'static BooksKind, id: &str, status: &str) -> Reply {
    const ALLOWED: &[&str] = &[
        "sent",
        "void",
        "draft",
        "open",
        "accepted",
        "declined",
        "billed",
        "cancelled",
        "publish",
    ];
    if !ALLOWED.contains(&status) {
        return errors::invalid_url(ctx.route);
    }
    let Some(store) = ctx.org.store(kind) else {
        return errors::invalid_url(ctx.route);
    };
    let Ok(mut store) = store.write() else {
        return errors::invalid_url(ctx.route);
    };
    let record = id.parse::<u64>().ok().and_then(|key| store.get_mut(&key));
    let Some(record) = record else {
        drop(store);
        return not_found(ctx, kind.label);
    };
    record.insert("status".into(), json!(status));
    drop(store);
    Reply::json(
        ctx.route,
        200,
        &json!({"code": 0, "message": format!("{} status has been changed to {status}.", kind.label)}),
    )
}
