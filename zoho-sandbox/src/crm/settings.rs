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
