//! Get, insert, update, upsert and delete of CRM records, with per-record results
//! (crm.md §3.2–§3.6).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::schema::{FieldDef, Kind, ModuleDef, module_by_name};
use super::seed::{USERS, admin, owner};
use super::store::{ModuleStore, Record, fits, is_blank};
use super::watch::{self, Change, Operation};
use super::{Ctx, Version, errors, id_text, lookup_id, parse_id};
use crate::clock;
use crate::http::Reply;

const MAX_WRITE: usize = 100;

/// `GET /crm/{v}/{module}/{id}`: 200 with one record, 204 when it does not exist.
pub(crate) fn get(ctx: &Ctx<'_>, def: &'static ModuleDef, id: &str) -> Reply {
    let Some(id) = parse_id(id) else {
        return errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "the id given seems to be invalid",
            json!({"resource_path_index": 1}),
        );
    };
    let fields = requested_fields(def, ctx.req.query("fields"));
    let Ok(store) = ctx.store(def).read() else {
        return errors::internal(ctx.route);
    };
    match store.get(id) {
        Some(rec) => {
            let record = store.render(rec, fields.as_deref());
            drop(store);
            Reply::json(ctx.route, 200, &json!({"data": [record]}))
        }
        None => Reply::empty(ctx.route, 204),
    }
}

/// The fields a `fields` parameter names; unknown names are skipped.
pub(crate) fn requested_fields(
    def: &ModuleDef,
    param: Option<&str>,
) -> Option<Vec<&'static FieldDef>> {
    let param = param?;
    Some(
        param
            .split(',')
            .map(str::trim)
            .filter_map(|name| def.field(name))
            .filter(|f| f.api_name != "id")
            .collect(),
    )
}

/// The `data` array of a write body, or the request-level error.
pub(crate) fn data_items<'a>(
    ctx: &Ctx<'_>,
    body: Option<&'a Value>,
) -> Result<&'a Vec<Value>, Reply> {
    let Some(body) = body else {
        return Err(errors::bad_body(
            ctx.route,
            "the request body is not valid JSON",
        ));
    };
    let Some(data) = body.get("data") else {
        return Err(errors::error(
            ctx.route,
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            json!({"api_name": "data", "json_path": "$.data"}),
        ));
    };
    let Some(items) = data.as_array() else {
        return Err(errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "invalid data",
            json!({"api_name": "data", "json_path": "$.data", "expected_data_type": "jsonarray"}),
        ));
    };
    if items.is_empty() {
        return Err(errors::error(
            ctx.route,
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            json!({"api_name": "data", "json_path": "$.data"}),
        ));
    }
    // crm.md §3.3: 1-100 records per call.
    if items.len() > MAX_WRITE {
        return Err(errors::error(
            ctx.route,
            400,
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            json!({"api_name": "data", "json_path": "$.data", "limit": MAX_WRITE}),
        ));
    }
    if let Some(trigger) = body.get("trigger") {
        check_trigger(ctx, trigger)?;
    }
    Ok(items)
}

fn check_trigger(ctx: &Ctx<'_>, trigger: &Value) -> Result<(), Reply> {
    let mut allowed = vec!["workflow", "approval", "blueprint"];
    if ctx.version >= Version(7) {
        allowed.extend(["pathfinder", "orchestration"]);
    }
    let ok = trigger.as_array().is_some_and(|items| {
        items
            .iter()
            .all(|t| t.as_str().is_some_and(|t| allowed.contains(&t)))
    });
    if ok {
        Ok(())
    } else {
        Err(errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "invalid data",
            json!({"api_name": "trigger", "json_path": "$.trigger", "supported_values": allowed}),
        ))
    }
}

/// Display names of every lookup target the items point at, read before the module's write
/// lock is taken so no thread ever waits for a second lock while holding a write lock.
fn resolve_lookups(ctx: &Ctx<'_>, def: &ModuleDef, items: &[Value]) -> HashMap<u64, String> {
    let mut names = HashMap::new();
    for field in def.fields {
        let Kind::Lookup(target) = field.kind else {
            continue;
        };
        let Some(target_def) = module_by_name(target) else {
            continue;
        };
        let ids: Vec<u64> = items
            .iter()
            .filter_map(|item| lookup_id(item.get(field.api_name)?))
            .filter_map(|id| parse_id(&id))
            .collect();
        if ids.is_empty() {
            continue;
        }
        let Ok(store) = ctx.store(target_def).read() else {
            continue;
        };
        for id in ids {
            if let Some(rec) = store.get(id) {
                names.insert(id, store.display_name(rec));
            }
        }
    }
    names
}

fn invalid_field(field: &FieldDef, path: &str, extra: Option<(&str, Value)>) -> Value {
    let mut details = json!({"api_name": field.api_name, "json_path": path});
    if let (Some((key, value)), Some(map)) = (extra, details.as_object_mut()) {
        map.insert(key.to_owned(), value);
    }
    errors::item("INVALID_DATA", "invalid data", details)
}

/// Validates one item and merges it into `base`; the error item when it is refused.
fn build(
    def: &ModuleDef,
    item: &Value,
    index: usize,
    base: Record,
    lookups: &HashMap<u64, String>,
    now: &str,
) -> Result<Record, Value> {
    let Some(object) = item.as_object() else {
        return Err(errors::item(
            "INVALID_DATA",
            "invalid data",
            json!({"json_path": format!("$.data[{index}]"), "expected_data_type": "jsonobject"}),
        ));
    };
    let mut record = base;
    for (key, value) in object {
        // crm.md §3: unknown keys and `$` system keys are not stored; read-only ones are ignored.
        let Some(field) = def.field(key) else {
            continue;
        };
        if field.read_only {
            continue;
        }
        let path = format!("$.data[{index}].{}", field.api_name);
        if !fits(field.kind, value) {
            let expected = field.kind.json_type();
            return Err(invalid_field(
                field,
                &path,
                Some(("expected_data_type", json!(expected))),
            ));
        }
        let stored = match (field.kind, value) {
            (_, Value::Null) => Value::Null,
            (Kind::Lookup(_), v) => {
                let id_text = lookup_id(v).unwrap_or_default();
                let Some(name) = parse_id(&id_text).and_then(|id| lookups.get(&id)) else {
                    return Err(errors::item(
                        "INVALID_DATA",
                        "the related id given seems to be invalid",
                        json!({"api_name": field.api_name, "json_path": format!("{path}.id")}),
                    ));
                };
                json!({"name": name, "id": id_text})
            }
            (Kind::OwnerLookup, v) => {
                let id_text = lookup_id(v).unwrap_or_default();
                match USERS.iter().position(|(_, id, _)| *id == id_text) {
                    Some(user) => owner(user),
                    None => {
                        return Err(errors::item(
                            "INVALID_DATA",
                            "the related id given seems to be invalid",
                            json!({"api_name": field.api_name, "json_path": format!("{path}.id")}),
                        ));
                    }
                }
            }
            (_, Value::String(text)) => {
                if text.chars().count() > field.length as usize {
                    return Err(invalid_field(
                        field,
                        &path,
                        Some(("maximum_length", json!(field.length))),
                    ));
                }
                let bad_format = match field.kind {
                    Kind::Email => !is_email(text),
                    Kind::Date => text.len() != 10 || clock::parse_datetime(text).is_none(),
                    Kind::DateTime => text.len() < 19 || clock::parse_datetime(text).is_none(),
                    _ => false,
                };
                if bad_format && !text.is_empty() {
                    return Err(invalid_field(field, &path, None));
                }
                value.clone()
            }
            (_, v) => v.clone(),
        };
        record.insert(field.api_name.to_owned(), stored);
    }
    for field in def.mandatory() {
        if is_blank(record.get(field.api_name)) {
            return Err(errors::item(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({"api_name": field.api_name, "json_path": format!("$.data[{index}].{}", field.api_name)}),
            ));
        }
    }
    record.insert("Modified_Time".into(), Value::from(now));
    record.insert("Modified_By".into(), admin());
    Ok(record)
}

fn is_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

/// A fresh record with every field of the module, as Zoho returns them (empty ones null).
pub(crate) fn blank(def: &ModuleDef, now: &str) -> Record {
    let mut record = Map::new();
    for field in def.fields {
        record.insert(field.api_name.to_owned(), Value::Null);
    }
    record.insert("Owner".into(), owner(0));
    record.insert("Created_Time".into(), Value::from(now));
    record.insert("Created_By".into(), admin());
    record
}

/// DUPLICATE_DATA when a unique field's value is held by another record (crm.md §3.3).
fn duplicate(
    store: &mut ModuleStore,
    record: &Record,
    index: usize,
    except: Option<u64>,
) -> Option<Value> {
    let def = store.def;
    for field in def.fields.iter().filter(|f| f.unique) {
        let Some(text) = record.get(field.api_name).and_then(Value::as_str) else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        if let Some(holder) = store.unique_holder(field, text, except) {
            let owner_value = store
                .get(holder)
                .map(|rec| store.field(rec, &def.fields[1]))
                .unwrap_or(Value::Null);
            let owner_json = json!({
                "name": owner_value.get("name"),
                "id": owner_value.get("id"),
                "zuid": owner_value.get("id"),
            });
            return Some(errors::item(
                "DUPLICATE_DATA",
                "duplicate data",
                json!({
                    "api_name": field.api_name,
                    "json_path": format!("$.data[{index}].{}", field.api_name),
                    "duplicate_record": {
                        "id": holder.to_string(),
                        "Owner": owner_json,
                        "module": {"api_name": def.api_name, "id": def.id_base().to_string()},
                    },
                    "more_records": false,
                }),
            ));
        }
    }
    None
}

fn success(record: &Record, message: &str) -> Value {
    json!({
        "code": "SUCCESS",
        "details": {
            "Modified_Time": record.get("Modified_Time"),
            "Modified_By": record.get("Modified_By"),
            "Created_Time": record.get("Created_Time"),
            "id": record.get("id"),
            "Created_By": record.get("Created_By"),
            "$approval_state": "approved",
        },
        "message": message,
        "status": "success",
    })
}

/// The status of a write: all succeeded, all failed (400), or a mix (207, or the configured
/// status before v7; crm.md §3.3).
pub(crate) fn write_status(ctx: &Ctx<'_>, results: &[Value], all_ok: u16) -> u16 {
    let ok = results
        .iter()
        .filter(|r| r.get("status").and_then(Value::as_str) == Some("success"))
        .count();
    if ok == results.len() {
        all_ok
    } else if ok == 0 {
        400
    } else if ctx.version >= Version(7) {
        207
    } else {
        ctx.state.config.open_questions.mixed_write_status
    }
}

fn now_text(ctx: &Ctx<'_>) -> String {
    clock::crm_datetime(ctx.state.clock.epoch_secs())
}

/// `POST /crm/{v}/{module}`: 201 when all are added.
pub(crate) fn insert(ctx: &Ctx<'_>, def: &'static ModuleDef, body: Option<&Value>) -> Reply {
    let items = match data_items(ctx, body) {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let lookups = resolve_lookups(ctx, def, items);
    let now = now_text(ctx);
    let Ok(mut store) = ctx.store(def).write() else {
        return errors::internal(ctx.route);
    };
    let mut results = Vec::with_capacity(items.len());
    let mut inserted = Change::new(ctx.state, def, Operation::Insert);
    for (index, item) in items.iter().enumerate() {
        let result = build(def, item, index, blank(def, &now), &lookups, &now).and_then(|record| {
            match duplicate(&mut store, &record, index, None) {
                Some(error) => Err(error),
                None => Ok(record),
            }
        });
        results.push(match result {
            Ok(mut record) => {
                let id = store.insert(record.clone());
                record.insert("id".into(), Value::String(id.to_string()));
                inserted.record(id, || set_fields(def, item, &record));
                success(&record, "record added")
            }
            Err(error) => error,
        });
    }
    drop(store);
    watch::notify(ctx.state, inserted);
    let status = write_status(ctx, &results, 201);
    Reply::json(ctx.route, status, &json!({ "data": results }))
}

/// `PUT /crm/{v}/{module}` (each item has `id`) and `PUT /crm/{v}/{module}/{id}`.
pub(crate) fn update(
    ctx: &Ctx<'_>,
    def: &'static ModuleDef,
    path_id: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    if let Some(id) = path_id
        && parse_id(id).is_none()
    {
        return errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "the id given seems to be invalid",
            json!({"resource_path_index": 1}),
        );
    }
    let items = match data_items(ctx, body) {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let items: &[Value] = if path_id.is_some() {
        &items[..1]
    } else {
        items
    };
    let lookups = resolve_lookups(ctx, def, items);
    let now = now_text(ctx);
    let Ok(mut store) = ctx.store(def).write() else {
        return errors::internal(ctx.route);
    };
    let mut results = Vec::with_capacity(items.len());
    let mut updated = Change::new(ctx.state, def, Operation::Update);
    for (index, item) in items.iter().enumerate() {
        let id_text = match path_id {
            Some(id) => Some(id.to_owned()),
            None => item.get("id").and_then(id_text),
        };
        let Some(id_text) = id_text else {
            results.push(errors::item(
                "MANDATORY_NOT_FOUND",
                "required field not found",
                json!({"api_name": "id", "json_path": format!("$.data[{index}].id")}),
            ));
            continue;
        };
        let existing = parse_id(&id_text)
            .and_then(|id| store.get(id).map(|rec| (id, store.render(rec, None))));
        let Some((id, base)) = existing else {
            results.push(errors::item(
                "INVALID_DATA",
                "the id given seems to be invalid",
                json!({"api_name": "id", "json_path": format!("$.data[{index}].id"), "id": id_text}),
            ));
            continue;
        };
        let before = updated.listening().then(|| base.clone());
        let result =
            build(def, item, index, base, &lookups, &now).and_then(|record| {
                match duplicate(&mut store, &record, index, Some(id)) {
                    Some(error) => Err(error),
                    None => Ok(record),
                }
            });
        results.push(match result {
            Ok(record) => {
                let answer = success(&record, "record updated");
                updated.record(id, || changed_fields(def, item, before.as_ref(), &record));
                store.replace(id, record);
                answer
            }
            Err(error) => error,
        });
    }
    drop(store);
    watch::notify(ctx.state, updated);
    let status = write_status(ctx, &results, 200);
    Reply::json(ctx.route, status, &json!({ "data": results }))
}

/// `POST /crm/{v}/{module}/upsert`: update the record matching a duplicate-check field, or
/// insert (crm.md §3.6).
pub(crate) fn upsert(ctx: &Ctx<'_>, def: &'static ModuleDef, body: Option<&Value>) -> Reply {
    let items = match data_items(ctx, body) {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let mut check_fields: Vec<&'static FieldDef> = Vec::new();
    match body.and_then(|b| b.get("duplicate_check_fields")) {
        Some(Value::Array(names)) => {
            for name in names {
                match name.as_str().and_then(|n| def.field(n)) {
                    Some(field) if !field.kind.is_lookup() && field.kind != Kind::Textarea => {
                        check_fields.push(field);
                    }
                    _ => {
                        return errors::error(
                            ctx.route,
                            400,
                            "INVALID_DATA",
                            "invalid data",
                            json!({"api_name": "duplicate_check_fields", "json_path": "$.duplicate_check_fields"}),
                        );
                    }
                }
            }
        }
        Some(_) => {
            return errors::error(
                ctx.route,
                400,
                "INVALID_DATA",
                "invalid data",
                json!({"api_name": "duplicate_check_fields", "json_path": "$.duplicate_check_fields", "expected_data_type": "jsonarray"}),
            );
        }
        None => {
            check_fields.extend(def.duplicate_check.iter().filter_map(|n| def.field(n)));
            check_fields.extend(
                def.fields
                    .iter()
                    .filter(|f| f.unique && !def.duplicate_check.contains(&f.api_name)),
            );
        }
    }
    let lookups = resolve_lookups(ctx, def, items);
    let now = now_text(ctx);
    let Ok(mut store) = ctx.store(def).write() else {
        return errors::internal(ctx.route);
    };
    let mut results = Vec::with_capacity(items.len());
    let mut inserted = Change::new(ctx.state, def, Operation::Insert);
    let mut updated = Change::new(ctx.state, def, Operation::Update);
    for (index, item) in items.iter().enumerate() {
        let mut matched = None;
        for field in &check_fields {
            let Some(value) = item.get(field.api_name).filter(|v| !is_blank(Some(v))) else {
                continue;
            };
            if let Some(id) = store.find_by(field, value) {
                matched = Some((id, field.api_name));
                break;
            }
        }
        let result = match matched {
            Some((id, field_name)) => {
                let base = store
                    .get(id)
                    .map(|rec| store.render(rec, None))
                    .unwrap_or_default();
                let before = updated.listening().then(|| base.clone());
                build(def, item, index, base, &lookups, &now)
                    .and_then(
                        |record| match duplicate(&mut store, &record, index, Some(id)) {
                            Some(error) => Err(error),
                            None => Ok(record),
                        },
                    )
                    .map(|record| {
                        let mut answer = success(&record, "record updated");
                        updated.record(id, || changed_fields(def, item, before.as_ref(), &record));
                        store.replace(id, record);
                        tag(&mut answer, "update", Some(field_name));
                        answer
                    })
            }
            None => build(def, item, index, blank(def, &now), &lookups, &now)
                .and_then(|record| match duplicate(&mut store, &record, index, None) {
                    Some(error) => Err(error),
                    None => Ok(record),
                })
                .map(|mut record| {
                    let id = store.insert(record.clone());
                    record.insert("id".into(), Value::String(id.to_string()));
                    inserted.record(id, || set_fields(def, item, &record));
                    let mut answer = success(&record, "record added");
                    tag(&mut answer, "insert", None);
                    answer
                }),
        };
        results.push(result.unwrap_or_else(|error| error));
    }
    drop(store);
    watch::notify(ctx.state, inserted);
    watch::notify(ctx.state, updated);
    let status = write_status(ctx, &results, 200);
    Reply::json(ctx.route, status, &json!({ "data": results }))
}

/// The fields an insert set, with their stored values (a callback's `affected_values`).
fn set_fields(def: &ModuleDef, item: &Value, record: &Record) -> Map<String, Value> {
    written(def, item)
        .filter_map(|name| Some((name.to_owned(), record.get(name)?.clone())))
        .collect()
}

/// The fields an update changed, with their new values.
fn changed_fields(
    def: &ModuleDef,
    item: &Value,
    before: Option<&Record>,
    after: &Record,
) -> Map<String, Value> {
    written(def, item)
        .filter(|name| before.and_then(|b| b.get(*name)) != after.get(*name))
        .filter_map(|name| Some((name.to_owned(), after.get(name)?.clone())))
        .collect()
}

/// The writable fields a write item names.
fn written<'a>(def: &'a ModuleDef, item: &'a Value) -> impl Iterator<Item = &'static str> + 'a {
    item.as_object()
        .into_iter()
        .flat_map(|object| object.keys())
        .filter_map(|key| def.field(key))
        .filter(|field| !field.read_only)
        .map(|field| field.api_name)
}

fn tag(answer: &mut Value, action: &str, field: Option<&str>) {
    if let Some(map) = answer.as_object_mut() {
        map.insert("action".into(), Value::from(action));
        map.insert(
            "duplicate_field".into(),
            field.map(Value::from).unwrap_or(Value::Null),
        );
    }
}

/// `DELETE /crm/{v}/{module}?ids=a,b` (at most 100) and `DELETE /crm/{v}/{module}/{id}`.
pub(crate) fn delete(ctx: &Ctx<'_>, def: &'static ModuleDef, path_id: Option<&str>) -> Reply {
    let ids: Vec<String> = match path_id {
        Some(id) => vec![id.to_owned()],
        None => {
            let Some(param) = ctx.req.query("ids").filter(|s| !s.trim().is_empty()) else {
                return errors::required_param(ctx.route, "ids");
            };
            param
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        }
    };
    if ids.len() > MAX_WRITE {
        return errors::error(
            ctx.route,
            400,
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            json!({"param_name": "ids", "limit": MAX_WRITE}),
        );
    }
    // crm.md §3.4: `wf_trigger=true|false`; anything else is refused.
    if ctx
        .req
        .query("wf_trigger")
        .is_some_and(|flag| flag != "true" && flag != "false")
    {
        return errors::invalid_param(ctx.route, "wf_trigger", "invalid data");
    }
    let now = now_text(ctx);
    let Ok(mut store) = ctx.store(def).write() else {
        return errors::internal(ctx.route);
    };
    let mut deleted = Change::new(ctx.state, def, Operation::Delete);
    let results: Vec<Value> = ids
        .iter()
        .map(|id_text| match parse_id(id_text) {
            Some(id) if store.trash(id, &now) => {
                deleted.record(id, Map::new);
                json!({
                "code": "SUCCESS",
                "details": {"id": id_text},
                "message": "record deleted",
                "status": "success",
                })
            }
            _ => errors::item("INVALID_DATA", "record not deleted", json!({"id": id_text})),
        })
        .collect();
    drop(store);
    watch::notify(ctx.state, deleted);
    ctx.state.crm.attachments.forget_record(&ids);
    ctx.state.crm.notes.forget_record(def.api_name, &ids);
    ctx.state.crm.photos.forget_record(def.api_name, &ids);
    let status = write_status(ctx, &results, 200);
    Reply::json(ctx.route, status, &json!({ "data": results }))
}
