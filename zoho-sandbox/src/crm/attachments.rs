//! Attachments of CRM records (crm.md §5): multipart upload of one part named `file` (or an
//! `attachmentUrl` link), the 100 MB limit, listing, byte-exact download and delete.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use serde_json::{Value, json};

use super::schema::{ID_PREFIX, ModuleDef};
use super::seed::{admin, owner};
use super::{Ctx, Version, errors, parse_id};
use crate::clock;
use crate::http::Reply;

#[derive(Debug)]
struct Attachment {
    module: &'static str,
    record_id: u64,
    file_name: String,
    content_type: String,
    content: Bytes,
    link: Option<String>,
    created: String,
}

/// Every attachment, by id.
#[derive(Debug)]
pub(crate) struct Attachments {
    items: RwLock<HashMap<u64, Attachment>>,
    next_id: AtomicU64,
}

impl Default for Attachments {
    fn default() -> Self {
        Attachments {
            items: RwLock::new(HashMap::new()),
            next_id: AtomicU64::new(ID_PREFIX + 900_000_000_000),
        }
    }
}

impl Attachments {
    /// Drops the attachments of deleted records.
    pub(crate) fn forget_record(&self, ids: &[String]) {
        let ids: Vec<u64> = ids.iter().filter_map(|s| parse_id(s)).collect();
        if let Ok(mut items) = self.items.write() {
            items.retain(|_, a| !ids.contains(&a.record_id));
        }
    }
}

/// The record id of the path, checked to exist.
pub(super) fn record(ctx: &Ctx<'_>, def: &ModuleDef, id: &str) -> Result<u64, Reply> {
    let invalid = || {
        errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "the related id given seems to be invalid",
            json!({"resource_path_index": 1}),
        )
    };
    let id = parse_id(id).ok_or_else(invalid)?;
    let exists = ctx
        .store(def)
        .read()
        .map(|s| s.get(id).is_some())
        .unwrap_or(false);
    if exists { Ok(id) } else { Err(invalid()) }
}

/// The file part of a multipart body: (file name, content type, bytes).
pub(crate) async fn file_part(ctx: &Ctx<'_>) -> Result<Option<(String, String, Bytes)>, Reply> {
    let content_type = ctx
        .req
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Ok(None);
    };
    let body = ctx.req.body.clone();
    let stream = futures::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                if field.name() != Some("file") {
                    continue;
                }
                let name = field.file_name().unwrap_or("file").to_owned();
                let mime = field
                    .content_type()
                    .map(ToString::to_string)
                    .unwrap_or_else(|| "application/octet-stream".to_owned());
                let content = field
                    .bytes()
                    .await
                    .map_err(|_| errors::bad_body(ctx.route, "the multipart body is malformed"))?;
                return Ok(Some((name, mime, content)));
            }
            Ok(None) => return Ok(None),
            Err(_) => {
                return Err(errors::bad_body(
                    ctx.route,
                    "the multipart body is malformed",
                ));
            }
        }
    }
}

/// `POST /crm/{v}/{module}/{id}/Attachments`.
pub(crate) async fn upload(ctx: &Ctx<'_>, def: &'static ModuleDef, id: &str) -> Reply {
    let record_id = match record(ctx, def, id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let form = ctx.req.form();
    let link = ctx
        .req
        .query("attachmentUrl")
        .map(str::to_owned)
        .or_else(|| {
            form.iter()
                .find(|(k, _)| k == "attachmentUrl")
                .map(|(_, v)| v.clone())
        });
    let file = match file_part(ctx).await {
        Ok(file) => file,
        Err(reply) => return reply,
    };
    let link = match (&file, link) {
        (Some(_), Some(_)) => {
            return errors::error(
                ctx.route,
                400,
                "INVALID_DATA",
                "a file and an attachmentUrl cannot be sent together",
                json!({"param_name": "attachmentUrl"}),
            );
        }
        (None, None) => return errors::required_param(ctx.route, "file"),
        (_, link) => link,
    };
    let (file_name, content_type, content) = match (file, &link) {
        (Some(file), _) => file,
        (None, Some(url)) => {
            let title = ctx.req.query("title").unwrap_or(url).to_owned();
            (title, "text/uri-list".to_owned(), Bytes::new())
        }
        (None, None) => return errors::required_param(ctx.route, "file"),
    };
    // crm.md §5: 100 MB per file (configurable), 413 past it.
    if content.len() > ctx.state.config.attachment_max_bytes {
        return errors::file_too_large(ctx.route);
    }
    if file_name.to_ascii_lowercase().ends_with(".exe") {
        return errors::error(
            ctx.route,
            400,
            "INVALID_DATA",
            "the file type is not supported",
            json!({"param_name": "file"}),
        );
    }
    let now = clock::crm_datetime(ctx.state.clock.epoch_secs());
    let attachment_id = ctx
        .state
        .crm
        .attachments
        .next_id
        .fetch_add(37, Ordering::Relaxed);
    if let Ok(mut items) = ctx.state.crm.attachments.items.write() {
        items.insert(
            attachment_id,
            Attachment {
                module: def.api_name,
                record_id,
                file_name,
                content_type,
                content,
                link,
                created: now.clone(),
            },
        );
    }
    Reply::json(
        ctx.route,
        200,
        &json!({"data": [{
            "code": "SUCCESS",
            "details": {
                "Modified_Time": now,
                "Modified_By": admin(),
                "Created_Time": now,
                "id": attachment_id.to_string(),
                "Created_By": admin(),
            },
            "message": "attachment uploaded successfully",
            "status": "success",
        }]}),
    )
}

/// `GET /crm/{v}/{module}/{id}/Attachments?fields=...`: 204 when there are none. From v3 `fields`
/// is required, as for record lists (REQUIRED_PARAM_MISSING otherwise); each item carries `id`,
/// the fields asked for and Zoho's `$` keys, shaped as Zoho's SDKs model an attachment.
pub(crate) fn list(ctx: &Ctx<'_>, def: &'static ModuleDef, id: &str) -> Reply {
    let fields = ctx.req.query("fields").filter(|f| !f.trim().is_empty());
    if fields.is_none() && ctx.version >= Version(3) {
        return errors::required_param(ctx.route, "fields");
    }
    let wanted: Option<Vec<&str>> = fields.map(|f| {
        f.split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .collect()
    });
    let record_id = match record(ctx, def, id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let parent_name = ctx
        .store(def)
        .read()
        .ok()
        .and_then(|store| store.get(record_id).map(|rec| store.display_name(rec)))
        .unwrap_or_default();
    let Ok(items) = ctx.state.crm.attachments.items.read() else {
        return errors::internal(ctx.route);
    };
    let mut found: Vec<(&u64, &Attachment)> = items
        .iter()
        .filter(|(_, a)| a.record_id == record_id && a.module == def.api_name)
        .collect();
    found.sort_by_key(|(id, _)| **id);
    if found.is_empty() {
        return Reply::empty(ctx.route, 204);
    }
    let data: Vec<Value> = found
        .iter()
        .map(|(id, a)| {
            let all = json!({
                "File_Name": a.file_name,
                "Size": a.content.len().to_string(),
                "Created_Time": a.created,
                "Modified_Time": a.created,
                "Owner": owner(0),
                "Created_By": admin(),
                "Modified_By": admin(),
                "Parent_Id": {"name": parent_name, "id": record_id.to_string()},
            });
            let mut item = serde_json::Map::new();
            item.insert("id".into(), json!(id.to_string()));
            if let Value::Object(all) = all {
                for (key, value) in all {
                    if wanted.as_ref().is_none_or(|w| w.contains(&key.as_str())) {
                        item.insert(key, value);
                    }
                }
            }
            item.insert("$file_id".into(), json!(format!("{id:x}")));
            item.insert(
                "$type".into(),
                json!(if a.link.is_some() { "Link URL" } else { "File" }),
            );
            item.insert("$link_url".into(), json!(a.link));
            item.insert("$se_module".into(), json!(a.module));
            item.insert("$editable".into(), json!(true));
            item.insert("$state".into(), json!("save"));
            Value::Object(item)
        })
        .collect();
    let count = data.len();
    Reply::json(
        ctx.route,
        200,
        &json!({"data": data, "info": {"per_page": 200, "count": count, "page": 1, "more_records": false}}),
    )
}

/// `GET /crm/{v}/{module}/{id}/Attachments/{attachment}`: the stored bytes, exactly.
pub(crate) fn download(
    ctx: &Ctx<'_>,
    def: &'static ModuleDef,
    id: &str,
    attachment: &str,
) -> Reply {
    let record_id = match record(ctx, def, id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let Ok(items) = ctx.state.crm.attachments.items.read() else {
        return errors::internal(ctx.route);
    };
    let found = parse_id(attachment)
        .and_then(|aid| items.get(&aid))
        .filter(|a| a.record_id == record_id);
    match found {
        Some(a) => Reply::bytes(ctx.route, 200, &a.content_type, a.content.clone()).with_header(
            "content-disposition",
            &format!("attachment; filename=\"{}\"", a.file_name.replace('"', "")),
        ),
        None => Reply::empty(ctx.route, 204),
    }
}

/// `DELETE .../Attachments/{attachment}` and `DELETE .../Attachments?ids=a,b`.
pub(crate) fn delete(
    ctx: &Ctx<'_>,
    def: &'static ModuleDef,
    id: &str,
    attachment: Option<&str>,
) -> Reply {
    let record_id = match record(ctx, def, id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let ids: Vec<String> = match attachment {
        Some(a) => vec![a.to_owned()],
        None => match ctx.req.query("ids").filter(|s| !s.is_empty()) {
            Some(ids) => ids.split(',').map(|s| s.trim().to_owned()).collect(),
            None => return errors::required_param(ctx.route, "ids"),
        },
    };
    let Ok(mut items) = ctx.state.crm.attachments.items.write() else {
        return errors::internal(ctx.route);
    };
    let results: Vec<Value> = ids
        .iter()
        .map(|text| {
            let removed = parse_id(text)
                .filter(|aid| items.get(aid).is_some_and(|a| a.record_id == record_id))
                .and_then(|aid| items.remove(&aid));
            match removed {
                Some(_) => json!({"code": "SUCCESS", "details": {"id": text}, "message": "record deleted", "status": "success"}),
                None => errors::item("INVALID_DATA", "record not deleted", json!({"id": text})),
            }
        })
        .collect();
    drop(items);
    let ok = results.iter().filter(|r| r["status"] == "success").count();
    let status = if ok == results.len() {
        200
    } else if ok == 0 {
        400
    } else {
        207
    };
    Reply::json(ctx.route, status, &json!({ "data": results }))
}
