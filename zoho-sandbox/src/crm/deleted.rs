//! `GET /crm/{v}/{module}/deleted?type=all|recycle|permanent` (crm.md §3.5: deleted records go
//! to the recycle bin). Items follow Zoho's SDK model `DeletedRecord`: `id`, `display_name`,
//! `type`, `created_by`, `deleted_by`, `deleted_time`. The sandbox never empties its bin, so
//! `permanent` is always empty.

use serde_json::{Value, json};

use super::schema::ModuleDef;
use super::seed::admin;
use super::{Ctx, errors};
use crate::http::Reply;

const MAX_PER_PAGE: usize = 200;

/// Lists the module's deleted records, newest first; 204 when there are none.
pub(crate) fn list(ctx: &Ctx<'_>, def: &'static ModuleDef) -> Reply {
    let kind = ctx.req.query("type").unwrap_or("all");
    if !matches!(kind, "all" | "recycle" | "permanent") {
        return errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "invalid data",
            json!({"param_name": "type", "supported_values": ["all", "recycle", "permanent"]}),
        );
    }
    let (page, per_page) = match ctx.paging(MAX_PER_PAGE) {
        Ok(paging) => paging,
        Err(reply) => return reply,
    };
    if kind == "permanent" {
        return Reply::empty(ctx.route, 204);
    }
    let Ok(store) = ctx.store(def).read() else {
        return errors::internal(ctx.route);
    };
    let page_items: Vec<Value> = store
        .trashed()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page + 1)
        .map(|t| {
            json!({
                "id": t.id.to_string(),
                "display_name": t.display_name,
                "type": "recycle",
                "created_by": t.created_by,
                "deleted_by": admin(),
                "deleted_time": t.deleted_time,
            })
        })
        .collect();
    drop(store);
    if page_items.is_empty() {
        return Reply::empty(ctx.route, 204);
    }
    let more = page_items.len() > per_page;
    let data: Vec<Value> = page_items.into_iter().take(per_page).collect();
    let count = data.len();
    Reply::json(
        ctx.route,
        200,
        &json!({"data": data, "info": {"per_page": per_page, "count": count, "page": page, "more_records": more}}),
    )
}
