//! Related lists: `GET /settings/related_lists?module=` and `GET /{module}/{id}/{related_list}`.
//! A module's related lists are the modules whose lookup fields point at it (an Account's
//! Contacts and Deals, a Deal's Shipments), plus Notes and Attachments, which every module has.
//! The shapes follow Zoho's official SDKs' `RelatedList` model.

use serde_json::{Value, json};

use super::records::requested_fields;
use super::schema::{FieldDef, Kind, MODULES, ModuleDef};
use super::{Ctx, Version, errors, parse_id};
use crate::http::Reply;

const MAX_PER_PAGE: usize = 200;

/// One related list of a module.
pub(crate) enum RelatedList {
    /// Records of `module` whose `field` points at the record.
    Records {
        module: &'static ModuleDef,
        field: &'static FieldDef,
    },
    Notes,
    Attachments,
}

impl RelatedList {
    fn api_name(&self) -> &'static str {
        match self {
            RelatedList::Records { module, .. } => module.api_name,
            RelatedList::Notes => "Notes",
            RelatedList::Attachments => "Attachments",
        }
    }

    fn label(&self) -> &'static str {
        match self {
            RelatedList::Records { module, .. } => module.plural,
            RelatedList::Notes => "Notes",
            RelatedList::Attachments => "Attachments",
        }
    }
}

/// The related lists of `def`, in a stable order.
pub(crate) fn related_lists(def: &'static ModuleDef) -> Vec<RelatedList> {
    let mut lists: Vec<RelatedList> = MODULES
        .iter()
        .flat_map(|module| {
            module
                .fields
                .iter()
                .filter(move |f| f.kind == Kind::Lookup(def.api_name))
                .map(move |field| RelatedList::Records { module, field })
        })
        .collect();
    lists.push(RelatedList::Notes);
    lists.push(RelatedList::Attachments);
    lists
}

/// The related list of `def` called `name` (case-insensitive).
pub(crate) fn find(def: &'static ModuleDef, name: &str) -> Option<RelatedList> {
    related_lists(def)
        .into_iter()
        .find(|list| list.api_name().eq_ignore_ascii_case(name))
}

/// `GET /settings/related_lists?module=Accounts`.
pub(crate) fn settings(ctx: &Ctx<'_>) -> Reply {
    let Some(name) = ctx.req.query("module").filter(|m| !m.is_empty()) else {
        return errors::required_param(ctx.route, "module");
    };
    let Some(def) = super::schema::module_by_name(name) else {
        return errors::invalid_module(ctx.route, json!({"param_name": "module"}));
    };
    let lists: Vec<Value> = related_lists(def)
        .iter()
        .enumerate()
        .map(|(i, list)| {
            let module = match list {
                RelatedList::Records { module, .. } => {
                    json!({"api_name": module.api_name, "id": module.id_base().to_string()})
                }
                _ => json!({"api_name": list.api_name(), "id": null}),
            };
            json!({
                "id": (def.id_base() + 800 + i as u64).to_string(),
                "sequence_number": (i + 1).to_string(),
                "display_label": list.label(),
                "api_name": list.api_name(),
                "name": list.api_name(),
                "module": module,
                "action": null,
                "href": format!("{}/{{id}}/{}", def.api_name, list.api_name()),
                "type": "default",
                "connectedmodule": null,
                "linkingmodule": null,
                "visible": true,
                "status": "visible",
            })
        })
        .collect();
    Reply::json(ctx.route, 200, &json!({ "related_lists": lists }))
}

/// `GET /{module}/{id}/{related}` for a list of records: those of the related module whose
/// lookup names the record, `fields` required from v3, paged; 204 when there are none.
pub(crate) fn records(
    ctx: &Ctx<'_>,
    def: &'static ModuleDef,
    id: &str,
    module: &'static ModuleDef,
    field: &'static FieldDef,
) -> Reply {
    let fields_param = ctx.req.query("fields").filter(|f| !f.trim().is_empty());
    if fields_param.is_none() && ctx.version >= Version(3) {
        return errors::required_param(ctx.route, "fields");
    }
    let exists = parse_id(id).is_some_and(|id| {
        ctx.store(def)
            .read()
            .map(|s| s.get(id).is_some())
            .unwrap_or(false)
    });
    if !exists {
        return errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "the related id given seems to be invalid",
            json!({"resource_path_index": 1}),
        );
    }
    let (page, per_page) = match ctx.paging(MAX_PER_PAGE) {
        Ok(paging) => paging,
        Err(reply) => return reply,
    };
    let fields = requested_fields(module, fields_param);
    let Ok(store) = ctx.store(module).read() else {
        return errors::internal(ctx.route);
    };
    let mut data: Vec<Value> = store
        .iter()
        .filter(|rec| store.field(*rec, field).get("id").and_then(Value::as_str) == Some(id))
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page + 1)
        .map(|rec| Value::Object(store.render(rec, fields.as_deref())))
        .collect();
    drop(store);
    if data.is_empty() {
        return Reply::empty(ctx.route, 204);
    }
    let more = data.len() > per_page;
    data.truncate(per_page);
    let count = data.len();
    Reply::json(
        ctx.route,
        200,
        &json!({"data": data, "info": {"per_page": per_page, "count": count, "page": page, "more_records": more}}),
    )
}
