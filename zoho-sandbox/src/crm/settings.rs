//! `settings/modules` and `settings/fields` (crm.md §8).

use serde_json::{Value, json};

use super::schema::{MODULES, module_by_name};
use super::{Ctx, errors};
use crate::http::Reply;

/// `GET /crm/{v}/settings/modules[/{api_name}]`.
pub(crate) fn modules(ctx: &Ctx<'_>, name: Option<&str>) -> Reply {
    match name {
        None => {
            let list: Vec<Value> = MODULES.iter().map(|m| m.metadata(ctx.version.0)).collect();
            Reply::json(ctx.route, 200, &json!({ "modules": list }))
        }
        Some(name) => match module_by_name(name) {
            Some(def) => Reply::json(
                ctx.route,
                200,
                &json!({"modules": [def.metadata(ctx.version.0)]}),
            ),
            None => errors::invalid_module(ctx.route, json!({"resource_path_index": 2})),
        },
    }
}

/// `GET /crm/{v}/settings/layouts[/{id}]?module=Leads` (wave2.md §5.3): one layout per module,
/// "Standard", whose one section holds every field; a field is `required` in it exactly when the
/// sandbox refuses a write without it (`system_mandatory`).
pub(crate) fn layouts(ctx: &Ctx<'_>, id: Option<&str>) -> Reply {
    let Some(name) = ctx.req.query("module").filter(|m| !m.is_empty()) else {
        return errors::required_param(ctx.route, "module");
    };
    let Some(def) = module_by_name(name) else {
        return errors::invalid_module(ctx.route, json!({"param_name": "module"}));
    };
    let layout_id = (def.id_base() + 600).to_string();
    if id.is_some_and(|id| id != layout_id) {
        return errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "the id given seems to be invalid",
            json!({"resource_path_index": 2}),
        );
    }
    let fields: Vec<Value> = def
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut meta = f.metadata(def, i);
            if let Some(map) = meta.as_object_mut() {
                map.insert("required".into(), json!(f.mandatory));
                map.insert("sequence_number".into(), json!(i + 1));
            }
            meta
        })
        .collect();
    let layout = json!({
        "id": layout_id,
        "api_name": "Standard",
        "name": "Standard",
        "display_label": "Standard",
        "status": "active",
        "visible": true,
        "generated_type": "default",
        "profiles": [{"name": "Administrator", "id": "4150868000000026011", "default": true}],
        "sections": [{
            "api_name": format!("{} Information", def.singular),
            "display_label": format!("{} Information", def.singular),
            "sequence_number": 1,
            "isSubformSection": false,
            "fields": fields,
        }],
    });
    Reply::json(ctx.route, 200, &json!({ "layouts": [layout] }))
}

/// `GET /crm/{v}/settings/custom_views?module=Leads`.
pub(crate) fn custom_views(ctx: &Ctx<'_>) -> Reply {
    let Some(name) = ctx.req.query("module").filter(|m| !m.is_empty()) else {
        return errors::required_param(ctx.route, "module");
    };
    let Some(def) = module_by_name(name) else {
        return errors::invalid_module(ctx.route, json!({"param_name": "module"}));
    };
    let views = def.custom_views();
    let count = views.as_array().map_or(0, Vec::len);
    Reply::json(
        ctx.route,
        200,
        &json!({
            "custom_views": views,
            "info": {"per_page": 200, "count": count, "page": 1, "more_records": false, "default": def.all_view_id().to_string()},
        }),
    )
}

/// `GET /crm/{v}/settings/fields?module=Leads`.
pub(crate) fn fields(ctx: &Ctx<'_>) -> Reply {
    let Some(name) = ctx.req.query("module").filter(|m| !m.is_empty()) else {
        return errors::required_param(ctx.route, "module");
    };
    let Some(def) = module_by_name(name) else {
        return errors::invalid_module(ctx.route, json!({"param_name": "module"}));
    };
    let fields: Vec<Value> = def
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| f.metadata(def, i))
        .collect();
    Reply::json(ctx.route, 200, &json!({ "fields": fields }))
}
