//! The Notes module: `/Notes[/{id}]` and each record's `Notes` related list
//! (`/{module}/{id}/Notes`). The facts name Notes only as a module peers use; the shapes follow
//! Zoho's official SDKs' `Note` model (`Note_Title`, `Note_Content`, `Parent_Id` with `module`,
//! `$se_module`), which the README says.

use std::collections::BTreeMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value, json};

use super::records::{data_items, write_status};
use super::schema::{ID_PREFIX, ModuleDef, module_by_name};
use super::seed::{admin, owner};
use super::{Ctx, Version, errors, id_text, lookup_id, parse_id};
use crate::clock;
use crate::http::Reply;

const MAX_PER_PAGE: usize = 200;

#[derive(Debug, Clone)]
struct Note {
    title: Option<String>,
    content: String,
    module: &'static str,
    parent_id: u64,
    parent_name: String,
    created: String,
    modified: String,
}

/// Every note, by id.
#[derive(Debug)]
pub(crate) struct Notes {
    items: RwLock<BTreeMap<u64, Note>>,
    next_id: AtomicU64,
}

impl Default for Notes {
    fn default() -> Self {
        Notes {
            items: RwLock::new(BTreeMap::new()),
            next_id: AtomicU64::new(ID_PREFIX + 950_000_000_000),
        }
    }
}

/// The record a note hangs on, checked to exist: (module, id, display name).
type Parent = (&'static ModuleDef, u64, String);

fn parent(ctx: &Ctx<'_>, def: &'static ModuleDef, id: u64) -> Option<Parent> {
    let store = ctx.store(def).read().ok()?;
    let rec = store.get(id)?;
    Some((def, id, store.display_name(rec)))
}

/// `GET /Notes` (every note) or `GET /{module}/{id}/Notes` (one record's); `fields` is required
/// from v3 as for record lists; 204 when there are none.
pub(crate) fn list(ctx: &Ctx<'_>, of: Option<(&'static ModuleDef, &str)>) -> Reply {
    let fields = ctx.req.query("fields").filter(|f| !f.trim().is_empty());
    if fields.is_none() && ctx.version >= Version(3) {
        return errors::required_param(ctx.route, "fields");
    }
    let wanted: Option<Vec<&str>> = fields.map(|f| f.split(',').map(str::trim).collect());
    let owner_of = match of {
        Some((def, id)) => match parse_id(id).and_then(|id| parent(ctx, def, id)) {
            Some(parent) => Some(parent),
            None => return invalid_parent_path(ctx),
        },
        None => None,
    };
    let (page, per_page) = match ctx.paging(MAX_PER_PAGE) {
        Ok(paging) => paging,
        Err(reply) => return reply,
    };
    let Ok(items) = ctx.state.crm.notes.items.read() else {
        return errors::internal(ctx.route);
    };
    let mut found: Vec<Value> = items
        .iter()
        .rev()
        .filter(|(_, n)| {
            owner_of
                .as_ref()
                .is_none_or(|(def, id, _)| n.module == def.api_name && n.parent_id == *id)
        })
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page + 1)
        .map(|(id, note)| render(*id, note, wanted.as_deref()))
        .collect();
    drop(items);
    if found.is_empty() {
        return Reply::empty(ctx.route, 204);
    }
    let more = found.len() > per_page;
    found.truncate(per_page);
    let count = found.len();
    Reply::json(
        ctx.route,
        200,
        &json!({"data": found, "info": {"per_page": per_page, "count": count, "page": page, "more_records": more}}),
    )
}

/// `GET /Notes/{id}`: 204 when there is no such note.
pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Reply {
    let Ok(items) = ctx.state.crm.notes.items.read() else {
        return errors::internal(ctx.route);
    };
    let wanted: Option<Vec<&str>> = ctx
        .req
        .query("fields")
        .map(|f| f.split(',').map(str::trim).collect());
    match parse_id(id).and_then(|id| Some((id, items.get(&id)?))) {
        Some((id, note)) => Reply::json(
            ctx.route,
            200,
            &json!({"data": [render(id, note, wanted.as_deref())]}),
        ),
        None => Reply::empty(ctx.route, 204),
    }
}

/// `POST /Notes` (each note names its `Parent_Id` and module) or `POST /{module}/{id}/Notes`.
pub(crate) fn create(
    ctx: &Ctx<'_>,
    of: Option<(&'static ModuleDef, &str)>,
    body: Option<&Value>,
) -> Reply {
    let items = match data_items(ctx, body) {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let fixed_parent = match of {
        Some((def, id)) => match parse_id(id).and_then(|id| parent(ctx, def, id)) {
            Some(parent) => Some(parent),
            None => return invalid_parent_path(ctx),
        },
        None => None,
    };
    let now = clock::crm_datetime(ctx.state.clock.epoch_secs());
    let mut results = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let parent = match &fixed_parent {
            Some(parent) => Ok(parent.clone()),
            None => parent_of(ctx, item, index),
        };
        let note = parent.and_then(|(def, parent_id, parent_name)| {
            let content = item.get("Note_Content").and_then(Value::as_str);
            let Some(content) = content.filter(|c| !c.trim().is_empty()) else {
                return Err(errors::item(
                    "MANDATORY_NOT_FOUND",
                    "required field not found",
                    json!({"api_name": "Note_Content", "json_path": format!("$.data[{index}].Note_Content")}),
                ));
            };
            Ok(Note {
                title: item
                    .get("Note_Title")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                content: content.to_owned(),
                module: def.api_name,
                parent_id,
                parent_name,
                created: now.clone(),
                modified: now.clone(),
            })
        });
        match note {
            Ok(note) => {
                let Ok(mut notes) = ctx.state.crm.notes.items.write() else {
                    return errors::internal(ctx.route);
                };
                let id = ctx.state.crm.notes.next_id.fetch_add(37, Ordering::Relaxed) + 37;
                notes.insert(id, note);
                results.push(json!({
                    "code": "SUCCESS",
                    "details": {
                        "Modified_Time": now, "Modified_By": admin(), "Created_Time": now,
                        "id": id.to_string(), "Created_By": admin(), "$approval_state": "approved",
                    },
                    "message": "record added",
                    "status": "success",
                }));
            }
            Err(error) => results.push(error),
        }
    }
    let status = write_status(ctx, &results, 201);
    Reply::json(ctx.route, status, &json!({ "data": results }))
}

/// `PUT /Notes/{id}`: changes the title or content.
pub(crate) fn update(ctx: &Ctx<'_>, id: &str, body: Option<&Value>) -> Reply {
    let items = match data_items(ctx, body) {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let Some(item) = items.first() else {
        return errors::bad_body(ctx.route, "data must hold one note");
    };
    let now = clock::crm_datetime(ctx.state.clock.epoch_secs());
    let Ok(mut notes) = ctx.state.crm.notes.items.write() else {
        return errors::internal(ctx.route);
    };
    let Some(note) = parse_id(id).and_then(|id| notes.get_mut(&id)) else {
        drop(notes);
        return errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "the id given seems to be invalid",
            json!({"resource_path_index": 1}),
        );
    };
    if let Some(title) = item.get("Note_Title").and_then(Value::as_str) {
        note.title = Some(title.to_owned());
    }
    if let Some(content) = item.get("Note_Content").and_then(Value::as_str) {
        note.content = content.to_owned();
    }
    note.modified = now.clone();
    drop(notes);
    Reply::json(
        ctx.route,
        200,
        &json!({"data": [{
            "code": "SUCCESS",
            "details": {"Modified_Time": now, "Modified_By": admin(), "id": id},
            "message": "record updated",
            "status": "success",
        }]}),
    )
}

/// `DELETE /Notes/{id}` or `DELETE /Notes?ids=a,b`.
pub(crate) fn delete(ctx: &Ctx<'_>, id: Option<&str>) -> Reply {
    let ids: Vec<String> = match id {
        Some(id) => vec![id.to_owned()],
        None => match ctx.req.query("ids").filter(|s| !s.trim().is_empty()) {
            Some(ids) => ids.split(',').map(|s| s.trim().to_owned()).collect(),
            None => return errors::required_param(ctx.route, "ids"),
        },
    };
    let Ok(mut notes) = ctx.state.crm.notes.items.write() else {
        return errors::internal(ctx.route);
    };
    let results: Vec<Value> = ids
        .iter()
        .map(
            |text| match parse_id(text).and_then(|id| notes.remove(&id)) {
                Some(_) => json!({"code": "SUCCESS", "details": {"id": text}, "message": "record deleted", "status": "success"}),
                None => errors::item("INVALID_DATA", "record not deleted", json!({"id": text})),
            },
        )
        .collect();
    drop(notes);
    let status = write_status(ctx, &results, 200);
    Reply::json(ctx.route, status, &json!({ "data": results }))
}

impl Notes {
    /// Drops the notes of deleted records, as Zoho deletes them with their parent.
    pub(crate) fn forget_record(&self, module: &str, ids: &[String]) {
        let ids: Vec<u64> = ids.iter().filter_map(|s| parse_id(s)).collect();
        if let Ok(mut items) = self.items.write() {
            items.retain(|_, n| !(n.module == module && ids.contains(&n.parent_id)));
        }
    }
}

/// A note as Zoho lists it: `id`, the fields asked for, and the `$` keys.
fn render(id: u64, note: &Note, wanted: Option<&[&str]>) -> Value {
    let parent = json!({
        "module": {"api_name": note.module, "id": module_by_name(note.module).map(|m| m.id_base().to_string())},
        "name": note.parent_name,
        "id": note.parent_id.to_string(),
    });
    let all = [
        ("Note_Title", json!(note.title)),
        ("Note_Content", json!(note.content)),
        ("Parent_Id", parent),
        ("Owner", owner(0)),
        ("Created_Time", json!(note.created)),
        ("Modified_Time", json!(note.modified)),
        ("Created_By", admin()),
        ("Modified_By", admin()),
    ];
    let mut out = Map::new();
    out.insert("id".into(), json!(id.to_string()));
    for (key, value) in all {
        if wanted.is_none_or(|w| w.contains(&key)) {
            out.insert(key.into(), value);
        }
    }
    out.insert("$se_module".into(), json!(note.module));
    out.insert("$editable".into(), json!(true));
    out.insert("$voice_note".into(), json!(false));
    out.insert("$is_shared_to_client".into(), json!(false));
    out.insert("$state".into(), json!("save"));
    out.insert("$size".into(), Value::Null);
    out.insert("$attachments".into(), Value::Null);
    Value::Object(out)
}

/// The parent a `POST /Notes` item names: `Parent_Id` as `{"module":{"api_name"},"id"}` (v4 and
/// later) or as an id with `se_module` beside it (older versions).
fn parent_of(ctx: &Ctx<'_>, item: &Value, index: usize) -> Result<Parent, Value> {
    let raw = item.get("Parent_Id");
    let id = raw.and_then(|p| lookup_id(p).or_else(|| id_text(p)));
    let module = raw
        .and_then(|p| p.get("module"))
        .and_then(|m| m.get("api_name"))
        .and_then(Value::as_str)
        .or_else(|| item.get("se_module").and_then(Value::as_str));
    let path = format!("$.data[{index}].Parent_Id");
    let (Some(id), Some(module)) = (id, module) else {
        return Err(errors::item(
            "MANDATORY_NOT_FOUND",
            "required field not found",
            json!({"api_name": "Parent_Id", "json_path": path}),
        ));
    };
    let found = module_by_name(module)
        .zip(parse_id(&id))
        .and_then(|(def, id)| parent(ctx, def, id));
    found.ok_or_else(|| {
        errors::item(
            "INVALID_DATA",
            "the related id given seems to be invalid",
            json!({"api_name": "Parent_Id", "json_path": path}),
        )
    })
}

fn invalid_parent_path(ctx: &Ctx<'_>) -> Reply {
    errors::error(
        ctx.route,
        400,
        "INVALID_DATA",
        "the related id given seems to be invalid",
        json!({"resource_path_index": 1}),
    )
}
