//! Tags: `POST /{module}/{id}/actions/add_tags|remove_tags`, the same for many records at
//! `/{module}/actions/...` (`ids` in the body), and `GET /settings/tags?module=`. A record's tags
//! are its `Tag` field, `[{"name","id"}]`. The facts are silent on the shapes; they follow Zoho's
//! official SDKs (v8 models `RecordActionWrapper` and `Tag`), which is said in the README.

use std::collections::BTreeMap;
use std::sync::RwLock;

use serde_json::{Value, json};

use super::schema::{ID_PREFIX, ModuleDef};
use super::seed::admin;
use super::{Ctx, errors, id_text, parse_id};
use crate::clock;
use crate::http::Reply;

/// Most records one multi-record tag call may name (wave2.md §6: at most 500 records per call).
const MAX_RECORDS: usize = 500;

/// A known tag: its id, its name as first written, and when it was first used.
type KnownTag = (u64, String, String);

/// The tags known per module, by (module, lower-cased name).
#[derive(Debug, Default)]
pub(crate) struct Tags {
    known: RwLock<BTreeMap<(&'static str, String), KnownTag>>,
}

impl Tags {
    /// The tag's `{name, id}`, registering it in the module the first time it is used.
    fn tag(&self, module: &'static str, name: &str, now: &str) -> Option<Value> {
        let mut known = self.known.write().ok()?;
        let next = ID_PREFIX + 900_000_000 + known.len() as u64 * 37;
        let (id, name, _) = known
            .entry((module, name.to_lowercase()))
            .or_insert_with(|| (next, name.to_owned(), now.to_owned()));
        Some(json!({"name": name, "id": id.to_string()}))
    }

    /// The module's tag with this id, if there is one.
    fn by_id(&self, module: &'static str, id: &str) -> Option<Value> {
        let known = self.known.read().ok()?;
        known
            .iter()
            .find(|((m, _), (tag_id, _, _))| *m == module && tag_id.to_string() == id)
            .map(|(_, (tag_id, name, _))| json!({"name": name, "id": tag_id.to_string()}))
    }
}

/// A tag as a request names it: by name, or (an existing tag) by id.
enum TagRef {
    Name(String),
    Id(String),
}

/// Whether the call adds or removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Add,
    Remove,
}

/// `POST /{module}/{id}/actions/{add|remove}_tags` (`record` given) or
/// `POST /{module}/actions/{add|remove}_tags` with `ids` in the body.
pub(crate) fn change(
    ctx: &Ctx<'_>,
    def: &'static ModuleDef,
    record: Option<&str>,
    change: Change,
    body: Option<&Value>,
) -> Reply {
    let names = match tag_names(ctx, body) {
        Ok(names) => names,
        Err(reply) => return reply,
    };
    let ids: Vec<String> = match record {
        Some(id) => vec![id.to_owned()],
        None => {
            let listed = body
                .and_then(|b| b.get("ids"))
                .and_then(Value::as_array)
                .map(|ids| ids.iter().filter_map(id_text).collect::<Vec<_>>())
                .or_else(|| {
                    ctx.req
                        .query("ids")
                        .map(|ids| ids.split(',').map(|s| s.trim().to_owned()).collect())
                });
            match listed.filter(|ids| !ids.is_empty()) {
                Some(ids) => ids,
                None => return errors::required_param(ctx.route, "ids"),
            }
        }
    };
    if ids.len() > MAX_RECORDS {
        return errors::error(
            ctx.route,
            400,
            "LIMIT_EXCEEDED",
            "the number of records exceeds the limit",
            json!({"param_name": "ids", "limit": MAX_RECORDS}),
        );
    }
    let over_write = body
        .and_then(|b| b.get("over_write"))
        .and_then(Value::as_bool)
        .or_else(|| ctx.req.query("over_write").map(|v| v == "true"))
        .unwrap_or(false);
    let now = clock::crm_datetime(ctx.state.clock.epoch_secs());
    let wanted: Vec<Value> = names
        .iter()
        .filter_map(|tag| match tag {
            TagRef::Name(name) => ctx.state.crm.tags.tag(def.api_name, name, &now),
            TagRef::Id(id) => ctx.state.crm.tags.by_id(def.api_name, id),
        })
        .collect();
    let Ok(mut store) = ctx.store(def).write() else {
        return errors::internal(ctx.route);
    };
    let mut succeeded = 0;
    let data: Vec<Value> = ids
        .iter()
        .map(|id_text| {
            let found = parse_id(id_text).and_then(|id| Some((id, store.get(id)?)));
            let Some((id, rec)) = found else {
                return errors::item("INVALID_DATA", "record not found", json!({"id": id_text}));
            };
            let mut record = store.render(rec, None);
            let mut tags: Vec<Value> = match (change, over_write) {
                (Change::Add, true) => Vec::new(),
                _ => record
                    .get("Tag")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            };
            let same = |a: &Value, b: &Value| a["id"] == b["id"];
            match change {
                Change::Add => {
                    for tag in &wanted {
                        if !tags.iter().any(|t| same(t, tag)) {
                            tags.push(tag.clone());
                        }
                    }
                }
                Change::Remove => tags.retain(|t| !wanted.iter().any(|w| same(t, w))),
            }
            record.insert("Tag".into(), Value::Array(tags.clone()));
            store.replace(id, record);
            succeeded += 1;
            json!({
                "code": "SUCCESS",
                "details": {"id": id_text, "tags": tags},
                "message": "tags updated successfully",
                "status": "success",
            })
        })
        .collect();
    drop(store);
    let status = if succeeded == data.len() {
        200
    } else if succeeded == 0 {
        400
    } else {
        207
    };
    Reply::json(
        ctx.route,
        status,
        &json!({
            "data": data,
            "wf_scheduler": false,
            "success_count": succeeded.to_string(),
            "locked_count": "0",
        }),
    )
}

/// The tags of the body (`{"tags":[{"name":...}]}` or `[{"id":...}]` for existing tags, v4 and
/// later) or of the older `tag_names` query parameter.
fn tag_names(ctx: &Ctx<'_>, body: Option<&Value>) -> Result<Vec<TagRef>, Reply> {
    let from_body = body
        .and_then(|b| b.get("tags"))
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| {
                    let name = t.get("name").and_then(Value::as_str).map(str::trim);
                    match name.filter(|n| !n.is_empty()) {
                        Some(name) => Some(TagRef::Name(name.to_owned())),
                        None => t.get("id").and_then(id_text).map(TagRef::Id),
                    }
                })
                .collect::<Vec<_>>()
        });
    let from_query = || {
        ctx.req.query("tag_names").map(|names| {
            names
                .split(',')
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .map(TagRef::Name)
                .collect()
        })
    };
    match from_body.or_else(from_query) {
        Some(names) if !names.is_empty() => Ok(names),
        _ => Err(errors::error(
            ctx.route,
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            json!({"api_name": "tags", "json_path": "$.tags"}),
        )),
    }
}

/// `GET /settings/tags?module=Leads`.
pub(crate) fn list(ctx: &Ctx<'_>) -> Reply {
    let Some(name) = ctx.req.query("module").filter(|m| !m.is_empty()) else {
        return errors::required_param(ctx.route, "module");
    };
    let Some(def) = super::schema::module_by_name(name) else {
        return errors::invalid_module(ctx.route, json!({"param_name": "module"}));
    };
    let Ok(known) = ctx.state.crm.tags.known.read() else {
        return errors::internal(ctx.route);
    };
    let tags: Vec<Value> = known
        .iter()
        .filter(|((module, _), _)| *module == def.api_name)
        .map(|(_, (id, name, created))| {
            json!({
                "id": id.to_string(),
                "name": name,
                "created_time": created,
                "modified_time": created,
                "created_by": admin(),
                "modified_by": admin(),
                "color_code": null,
            })
        })
        .collect();
    let count = tags.len();
    Reply::json(
        ctx.route,
        200,
        &json!({"tags": tags, "info": {"count": count, "allowed_count": 100}}),
    )
}
