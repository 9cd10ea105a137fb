//! What each [`ResultShape`] makes of Zoho's answer, and which answers are errors. The results
//! are documented for users on [`crate::Client::execute`].

mod pass_through;

use base64::Engine;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::call::Answer;
use crate::classify::{code_of, rejected_token_code, throttle_code};
use crate::{ActionRequest, ApiError, Error, Limit, Product, ResultShape, ZohoCode, redact};
use pass_through::passed_through;

/// Books: the record does not exist.
const BOOKS_NOT_FOUND: i64 = 1002;
/// Envelope keys of a Books answer that are not the payload.
const BOOKS_ENVELOPE: [&str; 3] = ["code", "message", "page_context"];

/// Zoho requires `fields` when listing a module's records (`GET /{module}`); fill it from the
/// connection's default or refuse. Other lists (search, deleted records) do without, and those
/// that also need it (related records, attachments) say so with a required `fields` input.
pub(crate) fn complete_query(
    req: &ActionRequest,
    query: &mut Vec<(String, String)>,
    default_fields: Option<&[String]>,
) -> Result<(), Error> {
    if req.result != ResultShape::CrmRecords
        || !crate::paging::module_list(req)
        || query.iter().any(|(key, _)| key == "fields")
    {
        return Ok(());
    }
    match default_fields {
        Some(fields) => {
            query.push(("fields".into(), fields.join(",")));
            Ok(())
        }
        None => Err(Error::InvalidInput {
            field: "fields".into(),
            reason: "Zoho CRM requires the fields to return when listing records (1 to 50 field API names, \
                     such as [\"Last_Name\", \"Email\"]); give `fields`, or set the connection's \
                     crm_default_fields"
                .into(),
        }),
    }
}

/// [`shape`]'s result as JSON text. Where the result is a piece of Zoho's answer as sent (a CRM
/// record, page or write result, a Books record, a raw JSON body; see `pass_through`) and the
/// answer is a plain success, that piece's bytes are passed through, checked as JSON but not
/// rebuilt: the same JSON as [`shape`]'s value written out whenever Zoho writes JSON compactly
/// (numbers and escapes keep Zoho's spelling, and a member Zoho sends twice inside the piece
/// stays twice). Every other answer goes through [`shape`].
pub(crate) fn shape_raw(
    req: &ActionRequest,
    connection: &str,
    answer: Answer,
) -> Result<Box<RawValue>, Error> {
    if let Some(raw) = passed_through(req, &answer) {
        return Ok(raw);
    }
    to_raw(&shape(req, connection, answer)?)
}

/// `value` as JSON text.
pub(crate) fn to_raw(value: &Value) -> Result<Box<RawValue>, Error> {
    serde_json::value::to_raw_value(value)
        .map_err(|e| Error::Internal(format!("cannot write the result as JSON: {e}")))
}

/// Turn Zoho's final answer into the action's result, as `req.result` says.
pub(crate) fn shape(req: &ActionRequest, connection: &str, answer: Answer) -> Result<Value, Error> {
    let status = answer.status;
    let body = answer.json();
    if let Some(code) = throttle_code(status, body.as_ref()) {
        return Err(Error::RateLimited {
            http_status: status,
            code,
            retry_after: answer.retry_after(),
            limit: Limit::Zoho,
            attempts: 1,
        });
    }
    if status == 401
        && let Some(code) = rejected_token_code(body.as_ref())
    {
        return Err(Error::Unauthorized {
            connection: connection.into(),
            reason: format!("Zoho refused the access token ({code}) even after a refresh"),
            next_step: format!(
                "authorize the connection again: zoho-server auth login --connection {connection}"
            ),
        });
    }
    let success = (200..300).contains(&status);
    match req.result {
        ResultShape::Raw => raw(req, &answer, body, success),
        ResultShape::CrmWrite | ResultShape::CrmDelete => crm_write(req, &answer, body, success),
        ResultShape::CrmRecord => match body
            .as_ref()
            .and_then(|b| b.get("data"))
            .and_then(Value::as_array)
        {
            _ if status == 204 => Err(not_found(req, status)),
            Some(records) if success => records
                .first()
                .cloned()
                .ok_or_else(|| not_found(req, status)),
            _ if success => Err(unreadable(&answer, "a `data` array")),
            _ => Err(api_error(&answer, body.as_ref())),
        },
        ResultShape::CrmRecords | ResultShape::CrmCoql => match body {
            _ if status == 204 || (success && answer.body.iter().all(u8::is_ascii_whitespace)) => {
                Ok(json!({"data": [], "info": {"count": 0, "more_records": false}}))
            }
            Some(page) if success && page.get("data").is_some_and(Value::is_array) => Ok(page),
            _ if success => Err(unreadable(&answer, "a `data` array")),
            _ => Err(api_error(&answer, body.as_ref())),
        },
        ResultShape::BooksRecord | ResultShape::BooksRecords | ResultShape::BooksDelete => {
            books(req, &answer, body, success)
        }
        // One chunk's per-record items; `batch` maps them to the caller's indexes. An answer
        // without items (a refused request, a 5xx) fails the chunk as a whole.
        ResultShape::CrmWriteMany | ResultShape::CrmDeleteMany => match body
            .as_ref()
            .and_then(|b| b.get("data"))
            .and_then(Value::as_array)
        {
            Some(items) if items.iter().all(|item| item.get("status").is_some()) => {
                Ok(Value::Array(items.clone()))
            }
            _ if success => Err(unreadable(&answer, "a `data` array of per-record results")),
            _ => Err(api_error(&answer, body.as_ref())),
        },
        // A job's own calls are read as JSON objects (`crate::job`).
        ResultShape::Json | ResultShape::CrmBulkRead | ResultShape::CrmBulkWrite => match body {
            Some(value) if success && value.is_object() => Ok(value),
            _ if success && answer.body.iter().all(u8::is_ascii_whitespace) => Ok(json!({})),
            _ if success => Err(unreadable(&answer, "a JSON object")),
            _ => Err(api_error(&answer, body.as_ref())),
        },
        ResultShape::CrmFile if status == 204 => Err(not_found(req, status)),
        ResultShape::CrmFile if success => Ok(file(&answer)),
        ResultShape::CrmFile => Err(api_error(&answer, body.as_ref())),
        // Built by `describe` from two JSON answers; a lone answer is read as JSON.
        ResultShape::CrmSchema | ResultShape::BooksSchema => match body {
            Some(value) if success => Ok(value),
            _ if success => Err(unreadable(&answer, "JSON")),
            _ => Err(api_error(&answer, body.as_ref())),
        },
    }
}

/// A downloaded file: its name from `Content-Disposition`, its type and its bytes.
fn file(answer: &Answer) -> Value {
    let header = |name: http::header::HeaderName| {
        answer
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let file_name = header(http::header::CONTENT_DISPOSITION)
        .as_deref()
        .and_then(disposition_file_name);
    json!({
        "fileName": file_name,
        "contentType": header(http::header::CONTENT_TYPE),
        "base64": base64::engine::general_purpose::STANDARD.encode(&answer.body),
    })
}

/// The `filename` of `attachment; filename="report.pdf"` (RFC 6266; the extended
/// `filename*=UTF-8''...` form wins when both are given).
fn disposition_file_name(header: &str) -> Option<String> {
    let mut plain = None;
    for parameter in header.split(';').map(str::trim) {
        if let Some(extended) = parameter.strip_prefix("filename*=") {
            let encoded = extended.split_once("''").map_or(extended, |(_, rest)| rest);
            if let Ok(decoded) = percent_encoding::percent_decode_str(encoded).decode_utf8() {
                return Some(decoded.into_owned());
            }
        } else if let Some(value) = parameter.strip_prefix("filename=") {
            plain = Some(value.trim_matches('"').to_owned());
        }
    }
    plain
}

fn raw(
    req: &ActionRequest,
    answer: &Answer,
    body: Option<Value>,
    success: bool,
) -> Result<Value, Error> {
    // 304 answers a conditional request (`If-Modified-Since`): nothing changed, which is an
    // answer, not a failure. Its body is empty, so the result is `null` (JSON), `""` or no bytes.
    if !success && answer.status != 304 {
        return Err(api_error(answer, body.as_ref()));
    }
    if req.product == Product::Books
        && let Some(envelope) = &body
        && envelope
            .get("code")
            .and_then(Value::as_i64)
            .is_some_and(|code| code != 0)
    {
        return Err(books_failure(req, answer.status, envelope));
    }
    match req.response_type {
        crate::ResponseType::Json => match body {
            Some(value) => Ok(value),
            None if answer.body.iter().all(u8::is_ascii_whitespace) => Ok(Value::Null),
            None => Err(unreadable(
                answer,
                "JSON (ask for responseType `text` or `binary` to read other bodies)",
            )),
        },
        crate::ResponseType::Text => Ok(Value::String(
            String::from_utf8_lossy(&answer.body).into_owned(),
        )),
        crate::ResponseType::Binary => {
            Ok(json!({"base64": base64::engine::general_purpose::STANDARD.encode(&answer.body)}))
        }
    }
}

fn crm_write(
    req: &ActionRequest,
    answer: &Answer,
    body: Option<Value>,
    success: bool,
) -> Result<Value, Error> {
    let items = body
        .as_ref()
        .and_then(|b| b.get("data"))
        .and_then(Value::as_array);
    if let Some(items) = items {
        if let Some(failed) = items
            .iter()
            .find(|item| item.get("status").and_then(Value::as_str) == Some("error"))
        {
            if req.result == ResultShape::CrmDelete
                && names_a_missing_record(failed)
                && req.record.is_some()
            {
                return Err(not_found(req, answer.status));
            }
            return Err(Error::Api(ApiError {
                http_status: answer.status,
                code: code_of(failed),
                message: failed
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                details: failed.get("details").cloned().unwrap_or(Value::Null),
                attempts: 1,
            }));
        }
        if success && let Some(item) = items.first() {
            return Ok(item.clone());
        }
    }
    if answer.status == 204 && req.result == ResultShape::CrmDelete {
        return Err(not_found(req, answer.status));
    }
    if !success {
        return Err(api_error(answer, body.as_ref()));
    }
    Err(unreadable(
        answer,
        "a `data` array with the record's result",
    ))
}

/// Zoho answers a delete of an unknown id with an `INVALID_DATA` item about `id`.
fn names_a_missing_record(item: &Value) -> bool {
    let details = item.get("details");
    code_of(item) == Some(ZohoCode::Text("INVALID_DATA".into()))
        && details.and_then(|d| d.get("id")).is_some()
        && details.and_then(|d| d.get("api_name")).is_none()
}

fn books(
    req: &ActionRequest,
    answer: &Answer,
    body: Option<Value>,
    success: bool,
) -> Result<Value, Error> {
    let Some(Value::Object(mut envelope)) = body else {
        return Err(if success {
            unreadable(answer, "a JSON object")
        } else {
            api_error(answer, body.as_ref())
        });
    };
    match envelope.get("code").and_then(Value::as_i64) {
        Some(0) if success => {}
        Some(_) => return Err(books_failure(req, answer.status, &Value::Object(envelope))),
        None if success => return Err(unreadable(answer, "a Books envelope with `code`")),
        None => return Err(api_error(answer, Some(&Value::Object(envelope)))),
    }
    match req.result {
        ResultShape::BooksDelete => Ok(Value::Object(envelope)),
        ResultShape::BooksRecords => {
            envelope.remove("code");
            envelope.remove("message");
            Ok(Value::Object(envelope))
        }
        _ => Ok(books_payload(envelope)),
    }
}

/// The one payload key of a Books envelope, found generically because Zoho's key names are
/// irregular (`vendor_credit`, `chart_of_account`, `data`). With several, the first object wins;
/// with none (`{"code":0,"message":"Your invitation has been sent."}`), the envelope itself.
fn books_payload(mut envelope: Map<String, Value>) -> Value {
    let candidates: Vec<String> = envelope
        .keys()
        .filter(|k| !BOOKS_ENVELOPE.contains(&k.as_str()))
        .cloned()
        .collect();
    let key = match candidates.as_slice() {
        [only] => Some(only.clone()),
        _ => candidates
            .iter()
            .find(|k| envelope.get(*k).is_some_and(Value::is_object))
            .cloned(),
    };
    match key.and_then(|k| envelope.remove(&k)) {
        Some(payload) => payload,
        None => Value::Object(envelope),
    }
}

/// The array key of a Books list page (`contacts`, `invoices`, ...).
pub(crate) fn books_list_key(page: &Value) -> Option<String> {
    page.as_object()?
        .iter()
        .find(|(key, value)| !BOOKS_ENVELOPE.contains(&key.as_str()) && value.is_array())
        .map(|(key, _)| key.clone())
}

fn books_failure(req: &ActionRequest, status: u16, envelope: &Value) -> Error {
    if envelope.get("code").and_then(Value::as_i64) == Some(BOOKS_NOT_FOUND)
        && let Some(record) = &req.record
    {
        return Error::NotFound {
            record_type: record.record_type.clone(),
            record_id: record.record_id.clone(),
        };
    }
    Error::Api(ApiError {
        http_status: status,
        code: code_of(envelope),
        message: envelope
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        details: envelope.get("details").cloned().unwrap_or(Value::Null),
        attempts: 1,
    })
}

fn not_found(req: &ActionRequest, status: u16) -> Error {
    match &req.record {
        Some(record) => Error::NotFound {
            record_type: record.record_type.clone(),
            record_id: record.record_id.clone(),
        },
        None => Error::Api(ApiError {
            http_status: status,
            code: None,
            message: "the record does not exist".into(),
            details: Value::Null,
            attempts: 1,
        }),
    }
}

/// Zoho's error as it sent it: CRM's top-level `{code, details, message, status}`, a CRM `data`
/// item, Books' `{code, message}`, or an OAuth-style `{error}`; otherwise the status and a
/// short, redacted piece of the body.
fn api_error(answer: &Answer, body: Option<&Value>) -> Error {
    let status = answer.status;
    if let Some(body) = body.filter(|b| b.is_object()) {
        // Record writes answer per item in `data`; the watch API in `watch`.
        let item = ["data", "watch"]
            .iter()
            .find_map(|key| body.get(*key).and_then(Value::as_array))
            .and_then(|items| {
                items
                    .iter()
                    .find(|i| i.get("status").and_then(Value::as_str) == Some("error"))
            });
        if let Some(source) = code_of(body).map(|_| body).or(item) {
            return Error::Api(ApiError {
                http_status: status,
                code: code_of(source),
                message: source
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                details: source.get("details").cloned().unwrap_or(Value::Null),
                attempts: 1,
            });
        }
        if let Some(error) = body.get("error").and_then(Value::as_str) {
            return Error::Api(ApiError {
                http_status: status,
                code: Some(ZohoCode::Text(error.to_owned())),
                message: body
                    .get("error_description")
                    .and_then(Value::as_str)
                    .unwrap_or(error)
                    .to_owned(),
                details: Value::Null,
                attempts: 1,
            });
        }
    }
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let details = match body {
        Some(value) => value.clone(),
        None if answer.body.is_empty() => Value::Null,
        None => Value::String(redact::redacted_snippet(&answer.body, 300)),
    };
    Error::Api(ApiError {
        http_status: status,
        code: None,
        message: format!("HTTP {status} {reason}").trim_end().to_owned(),
        details,
        attempts: 1,
    })
}

fn unreadable(answer: &Answer, expected: &str) -> Error {
    Error::Internal(format!(
        "Zoho answered HTTP {} with a body that is not {expected}: {}",
        answer.status,
        redact::redacted_snippet(&answer.body, 200)
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn books_payload_is_found_generically() {
        let single = json!({"code": 0, "message": "success", "vendor_credit": {"id": "1"}});
        assert_eq!(
            books_payload(single.as_object().unwrap().clone()),
            json!({"id": "1"})
        );
        let none = json!({"code": 0, "message": "Your invitation has been sent."});
        assert_eq!(books_payload(none.as_object().unwrap().clone()), none);
        let list = json!({"code": 0, "message": "success", "page_context": {}, "contacts": []});
        assert_eq!(books_list_key(&list).as_deref(), Some("contacts"));
    }

    #[test]
    fn a_record_passes_through_as_sent_and_other_answers_are_shaped_as_before() {
        let mut req = ActionRequest::new(
            "crm.getRecord",
            Product::Crm,
            crate::Method::Get,
            crate::RequestPath::Segments(vec![]),
        );
        req.result = ResultShape::CrmRecord;
        let answer = |status: u16, body: &str| Answer {
            status,
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from(body.to_owned()),
        };
        let raw = |req: &ActionRequest, body: &str| {
            shape_raw(req, "c", answer(200, body)).map(|r| r.get().to_owned())
        };
        // Zoho's own spelling of numbers and escapes is kept.
        assert_eq!(
            raw(
                &req,
                r#"{"data":[{"id":"1","Amount":1.50,"Name":"caf\u00e9"}]}"#
            )
            .unwrap(),
            r#"{"id":"1","Amount":1.50,"Name":"caf\u00e9"}"#
        );
        // Compact JSON: the very text the shaped value is written as.
        let compact = r#"{"data":[{"id":"1","Name":"x","Owner":{"id":"2"}}],"info":{}}"#;
        let shaped = shape(&req, "c", answer(200, compact)).unwrap();
        assert_eq!(
            raw(&req, compact).unwrap(),
            serde_json::to_string(&shaped).unwrap()
        );
        // Line breaks, an error code, an empty `data`: shaped as before.
        assert_eq!(
            raw(&req, "{\"data\": [{\"id\":\n \"1\"}]}").unwrap(),
            r#"{"id":"1"}"#
        );
        assert!(matches!(raw(&req, r#"{"data":[]}"#), Err(Error::Api(_))));
        assert!(matches!(
            raw(&req, r#"{"code":"TOO_MANY_REQUESTS","data":[{"id":"1"}]}"#),
            Err(Error::RateLimited { .. })
        ));
        req.result = ResultShape::CrmRecords;
        assert_eq!(raw(&req, &format!(" {compact}\n")).unwrap(), compact);
    }

    /// What `passed_through` answers for `body`, and what `shape` answers written out.
    fn both(
        result: ResultShape,
        product: Product,
        status: u16,
        body: &str,
    ) -> (Option<String>, Result<String, String>) {
        let mut req = ActionRequest::new(
            "test",
            product,
            crate::Method::Get,
            crate::RequestPath::Segments(vec![]),
        );
        req.result = result;
        let answer = || Answer {
            status,
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::from(body.to_owned()),
        };
        let passed = passed_through(&req, &answer()).map(|raw| raw.get().to_owned());
        let shaped = shape(&req, "c", answer())
            .map(|value| serde_json::to_string(&value).unwrap())
            .map_err(|err| format!("{err:?}"));
        (passed, shaped)
    }

    /// `body` passes through, as the text the shaped value is written as.
    fn passes(result: ResultShape, product: Product, body: &str) -> String {
        let (passed, shaped) = both(result, product, 200, body);
        let passed = passed.unwrap_or_else(|| panic!("{result:?} {body} was shaped"));
        assert_eq!(Ok(passed.clone()), shaped, "{result:?} {body}");
        passed
    }

    /// `body` passes through with Zoho's spelling of numbers and escapes: the same JSON value
    /// as the shaped one, another text.
    fn passes_spelled_as_sent(result: ResultShape, product: Product, body: &str) -> String {
        let (passed, shaped) = both(result, product, 200, body);
        let passed = passed.unwrap_or_else(|| panic!("{result:?} {body} was shaped"));
        let value = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(value(&passed), value(&shaped.unwrap()), "{result:?} {body}");
        passed
    }

    /// `body` under `status` is shaped, as before.
    fn shaped(
        result: ResultShape,
        product: Product,
        status: u16,
        body: &str,
    ) -> Result<String, String> {
        let (passed, shaped) = both(result, product, status, body);
        assert_eq!(passed, None, "{result:?} {status} {body} passed through");
        shaped
    }

    #[test]
    fn a_crm_write_result_passes_through_unless_an_item_failed() {
        use ResultShape::{CrmDelete, CrmWrite};
        let ok = r#"{"data":[{"code":"SUCCESS","details":{"id":"1"},"message":"record added","status":"success"}]}"#;
        assert_eq!(
            passes(CrmWrite, Product::Crm, ok),
            r#"{"code":"SUCCESS","details":{"id":"1"},"message":"record added","status":"success"}"#
        );
        passes(CrmDelete, Product::Crm, ok);
        let failed = r#"{"data":[{"code":"SUCCESS","status":"success"},{"code":"INVALID_DATA","details":{"id":"2"},"message":"m","status":"error"}]}"#;
        assert!(
            shaped(CrmWrite, Product::Crm, 200, failed)
                .unwrap_err()
                .contains("INVALID_DATA")
        );
        let missing = r#"{"data":[{"code":"INVALID_DATA","details":{"id":"2"},"message":"m","status":"error"}]}"#;
        assert!(shaped(CrmWrite, Product::Crm, 400, missing).is_err());
        // An escaped "error" is still an error; a status that is not a string is for `shape`.
        let escaped = r#"{"data":[{"code":"X","status":"err\u006fr"}]}"#;
        assert!(shaped(CrmWrite, Product::Crm, 200, escaped).is_err());
        shaped(CrmWrite, Product::Crm, 200, r#"{"data":[{"status":1}]}"#).unwrap();
        let throttled = r#"{"code":"TOO_MANY_REQUESTS","data":[{"status":"success"}]}"#;
        assert!(
            shaped(CrmWrite, Product::Crm, 200, throttled)
                .unwrap_err()
                .starts_with("RateLimited")
        );
        assert!(shaped(CrmDelete, Product::Crm, 204, "").is_err());
        assert!(shaped(CrmWrite, Product::Crm, 200, r#"{"data":[]}"#).is_err());
        assert_eq!(
            shaped(
                CrmWrite,
                Product::Crm,
                201,
                "{\"data\":[{\"status\":\n\"success\"}]}"
            ),
            Ok(r#"{"status":"success"}"#.into())
        );
    }

    #[test]
    fn a_books_record_passes_through_when_the_envelope_says_code_0() {
        use ResultShape::BooksRecord;
        let books = Product::Books;
        // Zoho's spelling of numbers and escapes is kept.
        assert_eq!(
            passes_spelled_as_sent(
                BooksRecord,
                books,
                r#"{"code":0,"message":"success","contact":{"contact_id":"1","rate":1.50,"name":"caf\u00e9"}}"#
            ),
            r#"{"contact_id":"1","rate":1.50,"name":"caf\u00e9"}"#
        );
        // With several members besides the envelope's, the first object.
        assert_eq!(
            passes(
                BooksRecord,
                books,
                r#"{"code":0,"message":"ok","warnings":["w"],"invoice":{"id":"2"},"other":{"id":"3"}}"#
            ),
            r#"{"id":"2"}"#
        );
        assert_eq!(
            passes(
                BooksRecord,
                books,
                r#"{"message":"ok","page_context":{},"code":0,"ids":["4"]}"#
            ),
            r#"["4"]"#
        );
        // No payload: the envelope itself, which `shape` writes.
        let invited = r#"{"code":0,"message":"Your invitation has been sent."}"#;
        assert_eq!(shaped(BooksRecord, books, 200, invited), Ok(invited.into()));
        // A key sent twice: `shape` keeps the last.
        assert_eq!(
            shaped(
                BooksRecord,
                books,
                200,
                r#"{"code":0,"contact":{"id":"1"},"contact":{"id":"2"}}"#
            ),
            Ok(r#"{"id":"2"}"#.into())
        );
        assert!(
            shaped(
                BooksRecord,
                books,
                200,
                r#"{"code":1002,"message":"Contact does not exist."}"#
            )
            .is_err()
        );
        assert!(
            shaped(
                BooksRecord,
                books,
                200,
                r#"{"code":44,"message":"slow down"}"#
            )
            .unwrap_err()
            .starts_with("RateLimited")
        );
        assert!(shaped(BooksRecord, books, 400, r#"{"code":0,"contact":{}}"#).is_err());
        assert!(shaped(BooksRecord, books, 200, r#"{"code":0.0,"contact":{}}"#).is_err());
        assert!(
            shaped(
                BooksRecord,
                books,
                200,
                r#"{"message":"no code","contact":{}}"#
            )
            .is_err()
        );
        assert!(shaped(BooksRecord, books, 200, r#"[{"code":0}]"#).is_err());
        assert_eq!(
            shaped(
                BooksRecord,
                books,
                200,
                "{\"code\":0,\"contact\":{\"id\":\r\n\"1\"}}"
            ),
            Ok(r#"{"id":"1"}"#.into())
        );
    }

    #[test]
    fn a_raw_json_body_passes_through_unless_it_is_an_error() {
        use ResultShape::Raw;
        let page = r#"{"data":[{"id":"1","Amount":1.5}],"info":{"more_records":false}}"#;
        assert_eq!(passes(Raw, Product::Crm, page), page);
        let spelled = r#"{"data":[{"Amount":1.50,"Name":"caf\u00e9"}]}"#;
        assert_eq!(passes_spelled_as_sent(Raw, Product::Crm, spelled), spelled);
        // Whitespace between the object's members goes, as when the value is written.
        assert_eq!(
            passes(Raw, Product::Crm, " {\"a\": [1], \"b\":null}\n"),
            r#"{"a":[1],"b":null}"#
        );
        assert_eq!(
            passes(
                Raw,
                Product::Books,
                r#"{"code":0,"message":"success","organizations":[]}"#
            ),
            r#"{"code":0,"message":"success","organizations":[]}"#
        );
        assert_eq!(
            passes(Raw, Product::Crm, r#"[{"id":"1"}]"#),
            r#"[{"id":"1"}]"#
        );
        assert_eq!(passes(Raw, Product::Crm, r#""text""#), r#""text""#);
        assert!(shaped(Raw, Product::Books, 200, r#"{"code":1002,"message":"no"}"#).is_err());
        assert!(
            shaped(Raw, Product::Crm, 200, r#"{"code":"TOO_MANY_REQUESTS"}"#)
                .unwrap_err()
                .starts_with("RateLimited")
        );
        // CRM answers that carry another code are written by `shape`, as sent.
        assert_eq!(
            shaped(Raw, Product::Crm, 200, r#"{"code":"SUCCESS"}"#),
            Ok(r#"{"code":"SUCCESS"}"#.into())
        );
        assert_eq!(shaped(Raw, Product::Crm, 204, ""), Ok("null".into()));
        assert_eq!(shaped(Raw, Product::Crm, 304, ""), Ok("null".into()));
        assert_eq!(shaped(Raw, Product::Crm, 200, ""), Ok("null".into()));
        assert!(shaped(Raw, Product::Crm, 404, r#"{"code":"INVALID_URL_PATTERN"}"#).is_err());
        assert_eq!(passes(Raw, Product::Crm, "{\"a\":\n[1]}"), r#"{"a":[1]}"#);
        assert_eq!(
            shaped(Raw, Product::Crm, 200, "{\"a\":[1,\n2]}"),
            Ok(r#"{"a":[1,2]}"#.into())
        );
        assert_eq!(
            shaped(Raw, Product::Crm, 200, r#"{"a":1,"a":2}"#),
            Ok(r#"{"a":2}"#.into())
        );
        assert!(shaped(Raw, Product::Crm, 200, "not json").is_err());
    }

    #[test]
    fn a_crm_page_passes_through_written_as_its_value_is() {
        use ResultShape::{CrmCoql, CrmRecords};
        let page = r#"{"data":[{"id":"1"}],"info":{"count":1,"more_records":false}}"#;
        assert_eq!(passes(CrmRecords, Product::Crm, page), page);
        assert_eq!(passes(CrmCoql, Product::Crm, &format!(" {page}\n")), page);
        assert_eq!(
            shaped(
                CrmRecords,
                Product::Crm,
                200,
                r#"{"data":[{"id":"1"}],"data":[]}"#
            ),
            Ok(r#"{"data":[]}"#.into())
        );
        assert!(shaped(CrmRecords, Product::Crm, 200, r#"{"data":{}}"#).is_err());
        assert!(shaped(CrmRecords, Product::Crm, 200, r#"{"info":{}}"#).is_err());
        assert!(
            shaped(
                CrmRecords,
                Product::Crm,
                200,
                r#"{"code":"TOO_MANY_REQUESTS","data":[]}"#
            )
            .is_err()
        );
        assert_eq!(
            shaped(CrmRecords, Product::Crm, 204, ""),
            Ok(r#"{"data":[],"info":{"count":0,"more_records":false}}"#.into())
        );
    }

    #[test]
    fn file_names_come_from_content_disposition() {
        assert_eq!(
            disposition_file_name("attachment; filename=\"report 1.pdf\"").as_deref(),
            Some("report 1.pdf")
        );
        assert_eq!(
            disposition_file_name(
                "attachment; filename=\"a.txt\"; filename*=UTF-8''%C3%A9t%C3%A9.txt"
            )
            .as_deref(),
            Some("été.txt")
        );
        assert_eq!(disposition_file_name("inline"), None);
    }
}
