//! Record photos: `POST`, `GET` and `DELETE /crm/{v}/{module}/{id}/photo`. Zoho's official
//! CRM SDKs are the evidence (`RecordOperations.upload_photo` sends a multipart part named
//! `file` and reads a top-level `{code, details, message, status}`; `get_photo` reads the bytes;
//! `delete_photo` reads the same top-level answer), and so is their list of modules with photos:
//! Leads, Contacts, Accounts, Products, Vendors and custom modules.

use std::collections::HashMap;
use std::sync::RwLock;

use bytes::Bytes;
use serde_json::json;

use super::attachments::{file_part, record};
use super::schema::ModuleDef;
use super::{Ctx, errors, parse_id};
use crate::http::Reply;

/// The modules whose records have a photo, as Zoho's SDKs list them (custom modules too).
const WITH_PHOTOS: &[&str] = &["Leads", "Contacts", "Accounts", "Products", "Vendors"];

/// The photo a record holds: content type and bytes.
#[derive(Debug)]
struct Photo {
    content_type: String,
    file_name: String,
    content: Bytes,
}

/// Every record photo, by module and record id.
#[derive(Debug, Default)]
pub(crate) struct Photos {
    items: RwLock<HashMap<(&'static str, u64), Photo>>,
}

impl Photos {
    /// Drops the photos of deleted records.
    pub(crate) fn forget_record(&self, module: &str, ids: &[String]) {
        let ids: Vec<u64> = ids.iter().filter_map(|id| parse_id(id)).collect();
        if let Ok(mut items) = self.items.write() {
            items.retain(|(m, id), _| *m != module || !ids.contains(id));
        }
    }
}

/// What a route on `/photo` does.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Call {
    Upload,
    Download,
    Delete,
}

fn supported(ctx: &Ctx<'_>, def: &ModuleDef) -> Result<(), Reply> {
    if def.custom || WITH_PHOTOS.contains(&def.api_name) {
        return Ok(());
    }
    Err(errors::error(
        ctx.route,
        400,
        "NOT_SUPPORTED",
        "photo is not supported for this module",
        json!({"resource_path_index": 0}),
    ))
}

fn success(message: &str) -> serde_json::Value {
    json!({"code": "SUCCESS", "details": {}, "message": message, "status": "success"})
}

/// Answers one call on a record's photo.
pub(crate) async fn handle(ctx: &Ctx<'_>, def: &'static ModuleDef, id: &str, call: Call) -> Reply {
    if let Err(reply) = supported(ctx, def) {
        return reply;
    }
    let record_id = match record(ctx, def, id) {
        Ok(id) => id,
        Err(reply) => return reply,
    };
    let photos = &ctx.state.crm.photos;
    let key = (def.api_name, record_id);
    match call {
        Call::Upload => {
            let (file_name, content_type, content) = match file_part(ctx).await {
                Ok(Some(file)) => file,
                Ok(None) => return errors::required_param(ctx.route, "file"),
                Err(reply) => return reply,
            };
            if !content_type.starts_with("image/") && !looks_like_image(&content) {
                return errors::error(
                    ctx.route,
                    400,
                    "INVALID_DATA",
                    "the file type is not supported",
                    json!({"param_name": "file"}),
                );
            }
            if let Ok(mut items) = photos.items.write() {
                items.insert(
                    key,
                    Photo {
                        content_type,
                        file_name,
                        content,
                    },
                );
            }
            Reply::json(ctx.route, 200, &success("photo uploaded successfully"))
        }
        Call::Download => {
            let Ok(items) = photos.items.read() else {
                return errors::internal(ctx.route);
            };
            match items.get(&key) {
                Some(photo) => {
                    Reply::bytes(ctx.route, 200, &photo.content_type, photo.content.clone())
                        .with_header(
                            "content-disposition",
                            &format!(
                                "attachment; filename=\"{}\"",
                                photo.file_name.replace('"', "")
                            ),
                        )
                }
                // No photo: nothing to send, as for an attachment list without items.
                None => Reply::empty(ctx.route, 204),
            }
        }
        Call::Delete => {
            let removed = photos
                .items
                .write()
                .map(|mut items| items.remove(&key).is_some())
                .unwrap_or(false);
            if removed {
                Reply::json(ctx.route, 200, &success("photo deleted"))
            } else {
                Reply::empty(ctx.route, 204)
            }
        }
    }
}

/// Whether the bytes start like a PNG, JPEG, GIF, BMP or WebP image (clients often send
/// `application/octet-stream`).
fn looks_like_image(bytes: &[u8]) -> bool {
    const SIGNATURES: [&[u8]; 5] = [
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
        b"GIF8",
        b"BM",
        b"RIFF",
    ];
    SIGNATURES
        .iter()
        .any(|signature| bytes.starts_with(signature))
}
