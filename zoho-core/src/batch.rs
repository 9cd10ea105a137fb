//! Multi-record writes and deletes: any number of items, sent [`CHUNK`] per request in order, the
//! answers mapped back to each item's position in the caller's list.
//!
//! - Each chunk is one ordinary call ([`crate::Client::execute`] rules: the organization's
//!   limits, the per-try timeout, retries by the spec's `idempotent` flag), so a create chunk
//!   that Zoho may have received is never sent again.
//! - At most [`CHUNKS_IN_FLIGHT`] chunks are in flight at once; the limiter may allow fewer.
//! - Zoho answers a chunk with one item per record, in order (`207` when some failed); each
//!   becomes `succeeded` or `failed` under the record's index. A chunk that fails as a whole
//!   (no answer, 5xx after retries, a refused request) marks each of its records failed with
//!   that error, so every index appears exactly once in the result.

use futures::{StreamExt, stream};
use serde_json::{Map, Value, json};

use crate::{ActionRequest, Error, Method, RequestBody, ResultShape};

/// Zoho's largest multi-record write or delete.
pub const CHUNK: usize = 100;
/// Chunks sent at once, below the organization's concurrency so one batch leaves room for
/// other calls.
pub const CHUNKS_IN_FLIGHT: usize = 4;

/// One chunk's request, the caller's index of its first item and how many it holds.
struct Chunk {
    request: ActionRequest,
    first: usize,
    len: usize,
}

/// Split `req`'s batch into one request per chunk, placing each chunk as its shape says.
fn chunks(req: &ActionRequest) -> Result<Vec<Chunk>, Error> {
    let Some(batch) = &req.batch else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(batch.items.len().div_ceil(CHUNK));
    for (number, items) in batch.items.chunks(CHUNK).enumerate() {
        let mut request = req.clone();
        request.batch = None;
        match req.result {
            ResultShape::CrmDeleteMany => {
                let ids = items
                    .iter()
                    .enumerate()
                    .map(|(offset, item)| match item {
                        Value::String(id) if !id.is_empty() && !id.contains(',') => Ok(id.as_str()),
                        _ => Err(Error::InvalidInput {
                            field: format!("{}[{}]", batch.input, number * CHUNK + offset),
                            reason: "a record id is a non-empty string without commas".into(),
                        }),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                request.query.push(("ids".into(), ids.join(",")));
            }
            _ => {
                let mut body = match &req.body {
                    RequestBody::Json(Value::Object(fields)) => fields.clone(),
                    _ => Map::new(),
                };
                body.insert("data".into(), Value::Array(items.to_vec()));
                request.body = RequestBody::Json(Value::Object(body));
            }
        }
        out.push(Chunk {
            request,
            first: number * CHUNK,
            len: items.len(),
        });
    }
    Ok(out)
}

/// What a record's success is called when Zoho's item does not say (upserts say `insert` or
/// `update` themselves).
fn default_action(req: &ActionRequest) -> &'static str {
    match (req.result, req.method) {
        (ResultShape::CrmDeleteMany, _) => "delete",
        (_, Method::Put | Method::Patch) => "update",
        _ => "insert",
    }
}

/// Send every chunk of `req` through `send` and gather the per-record result.
pub(crate) async fn execute<F, Fut>(req: &ActionRequest, send: F) -> Result<Value, Error>
where
    F: Fn(ActionRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Value, Error>>,
{
    let action = default_action(req);
    let chunks = chunks(req)?;
    let answers: Vec<(usize, usize, Result<Value, Error>)> = stream::iter(chunks)
        .map(|chunk| {
            let answer = send(chunk.request);
            async move { (chunk.first, chunk.len, answer.await) }
        })
        .buffered(CHUNKS_IN_FLIGHT)
        .collect()
        .await;
    let mut succeeded = Vec::new();
    let mut failed = Vec::new();
    for (first, len, answer) in answers {
        match answer {
            Ok(Value::Array(items)) => {
                for offset in 0..len {
                    let index = first + offset;
                    match items.get(offset) {
                        Some(item) if is_success(item) => {
                            succeeded.push(success(index, item, action));
                        }
                        Some(item) => failed.push(item_failure(index, item)),
                        None => failed.push(json!({
                            "index": index,
                            "code": "NO_RESULT",
                            "message": format!("Zoho answered {} results for a chunk of {len} records; this record had none", items.len()),
                            "details": {},
                        })),
                    }
                }
            }
            Ok(other) => {
                let error = Error::Internal(format!(
                    "a multi-record answer is not a list of results: {other}"
                ));
                failed.extend((first..first + len).map(|index| chunk_failure(index, &error, req)));
            }
            Err(error) => {
                failed.extend((first..first + len).map(|index| chunk_failure(index, &error, req)));
            }
        }
    }
    Ok(json!({"succeeded": succeeded, "failed": failed}))
}

fn is_success(item: &Value) -> bool {
    item.get("status").and_then(Value::as_str) == Some("success")
}

fn success(index: usize, item: &Value, action: &str) -> Value {
    let details = item.get("details").cloned().unwrap_or(Value::Null);
    let id = details.get("id").cloned().unwrap_or(Value::Null);
    let action = item.get("action").and_then(Value::as_str).unwrap_or(action);
    json!({"index": index, "id": id, "action": action, "details": details})
}

fn item_failure(index: usize, item: &Value) -> Value {
    json!({
        "index": index,
        "code": item.get("code").cloned().unwrap_or(Value::Null),
        "message": item.get("message").cloned().unwrap_or(Value::Null),
        "details": item.get("details").cloned().unwrap_or(Value::Null),
    })
}

/// A record of a chunk that failed as a whole: Zoho's code and details when it answered, else
/// what went wrong; for a write that is not idempotent, whether it may have reached Zoho.
pub(crate) fn chunk_failure(index: usize, error: &Error, req: &ActionRequest) -> Value {
    let code = match (error, error.zoho_code()) {
        (_, Some(code)) => code.to_string(),
        (Error::Network { .. }, None) => "NO_ANSWER".into(),
        (Error::Api(api), None) => format!("HTTP_{}", api.http_status),
        (Error::LimitReached { .. } | Error::RateLimited { .. }, None) => "LIMIT_REACHED".into(),
        (_, None) => "REQUEST_FAILED".into(),
    };
    let mut message = error.to_string();
    if matches!(error, Error::Network { .. }) && !req.idempotent {
        message.push_str(
            "; the request may have reached Zoho, so it was not sent again: look the record up before writing it again",
        );
    }
    let details = match error {
        Error::Api(api) => api.details.clone(),
        _ => json!({"attempts": error.attempts()}),
    };
    json!({"index": index, "code": code, "message": message, "details": details})
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Batch, PathSegment, Product, RequestPath};

    fn request(result: ResultShape, method: Method, items: Vec<Value>) -> ActionRequest {
        let mut req = ActionRequest::new(
            "crm.createRecords",
            Product::Crm,
            method,
            RequestPath::Segments(vec![PathSegment::Literal("Leads")]),
        );
        req.result = result;
        req.body = RequestBody::Json(json!({"trigger": []}));
        req.batch = Some(Batch {
            input: "records",
            items,
        });
        req
    }

    #[test]
    fn records_go_one_hundred_per_request_in_order_beside_body_fields() {
        let items: Vec<Value> = (0..250).map(|n| json!({"Last_Name": n})).collect();
        let req = request(ResultShape::CrmWriteMany, Method::Post, items);
        let chunks = chunks(&req).unwrap();
        let sizes: Vec<(usize, usize)> = chunks.iter().map(|c| (c.first, c.len)).collect();
        assert_eq!(sizes, [(0, 100), (100, 100), (200, 50)]);
        let RequestBody::Json(body) = &chunks[2].request.body else {
            panic!("a JSON body");
        };
        assert_eq!(body["trigger"], json!([]));
        assert_eq!(body["data"][0], json!({"Last_Name": 200}));
        assert!(chunks[0].request.batch.is_none());
    }

    #[test]
    fn delete_ids_go_in_the_query_and_a_bad_id_names_its_index() {
        let ids: Vec<Value> = (0..101).map(|n| Value::String(n.to_string())).collect();
        let req = request(ResultShape::CrmDeleteMany, Method::Delete, ids);
        let chunks = chunks(&req).unwrap();
        assert_eq!(chunks[1].request.query, [("ids".into(), "100".into())]);
        let bad = request(
            ResultShape::CrmDeleteMany,
            Method::Delete,
            vec![json!("1"), json!("2,3")],
        );
        match chunks_error(&bad) {
            Error::InvalidInput { field, .. } => assert_eq!(field, "records[1]"),
            other => panic!("{other:?}"),
        }
    }

    fn chunks_error(req: &ActionRequest) -> Error {
        match chunks(req) {
            Err(error) => error,
            Ok(_) => panic!("refused"),
        }
    }

    #[tokio::test]
    async fn a_chunk_that_fails_as_a_whole_fails_each_of_its_records_and_no_other() {
        let items: Vec<Value> = (0..150).map(|n| json!({"n": n})).collect();
        let req = request(ResultShape::CrmWriteMany, Method::Post, items);
        let result = execute(&req, |chunk| async move {
            let RequestBody::Json(body) = &chunk.body else {
                panic!("a JSON body");
            };
            let data = body["data"].as_array().unwrap();
            if data[0]["n"] == 0 {
                return Err(Error::Network {
                    attempts: 1,
                    reason: "connection reset".into(),
                    timed_out: false,
                    host: None,
                });
            }
            Ok(Value::Array(
                data.iter()
                    .map(|_| json!({"status": "success", "details": {"id": "9"}}))
                    .collect(),
            ))
        })
        .await
        .unwrap();
        let failed = result["failed"].as_array().unwrap();
        assert_eq!(failed.len(), 100);
        assert_eq!(failed[99]["index"], 99);
        assert_eq!(failed[0]["code"], "NO_ANSWER");
        assert!(
            failed[0]["message"]
                .as_str()
                .unwrap()
                .contains("not sent again")
        );
        let succeeded = result["succeeded"].as_array().unwrap();
        assert_eq!(succeeded.len(), 50);
        assert_eq!(
            succeeded[0],
            json!({"index": 100, "id": "9", "action": "insert", "details": {"id": "9"}})
        );
    }
}
