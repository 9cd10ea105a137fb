//! CRM bulk write (`ResultShape::CrmBulkWrite`): the batch's records, [`ROWS_PER_JOB`] at a
//! time, become a CSV (one column per field, in the order fields first appear; a lookup
//! `{"id"}` as a `Field.id` column; a list joined with `;`), zipped and uploaded to Zoho's file
//! host (`feature: bulk-write`, `X-CRM-ORG` from `GET /org`); the job is created once with the
//! action's body and the file's id, waited for, and its result CSV read back row by row: Zoho
//! reports the rows in the file's order with `STATUS` (added, updated, skipped, unprocessed),
//! `RECORD_ID` and `ERRORS` (`CODE-column`, several joined with `:`). The result is that of
//! multi-record writes (`succeeded`/`failed` by index), plus the `jobs` it ran.

use serde_json::{Map, Value, json};

use super::read::download_within_limit;
use super::{Base, archive, created_id, send_json, sub_request, wait};
use crate::batch::chunk_failure;
use crate::{
    ActionRequest, Client, Error, FileContent, Method, MultipartPart, PathSegment, RequestBody,
    RequestPath, ResultShape,
};

/// Zoho's most records in one bulk write file.
pub const ROWS_PER_JOB: usize = 25_000;

/// Write every record of `req.batch` through bulk write jobs, one per [`ROWS_PER_JOB`].
pub(crate) async fn execute(client: &Client, req: &ActionRequest) -> Result<Value, Error> {
    let items: &[Value] = req.batch.as_ref().map_or(&[], |batch| &batch.items);
    let input = req.batch.as_ref().map_or("records", |batch| batch.input);
    for (index, item) in items.iter().enumerate() {
        if !item.is_object() {
            return Err(Error::InvalidInput {
                field: format!("{input}[{index}]"),
                reason: "a record is a JSON object of field API names and values".into(),
            });
        }
    }
    let mut succeeded = Vec::new();
    let mut failed = Vec::new();
    let mut jobs = Vec::new();
    if items.is_empty() {
        return Ok(json!({"succeeded": succeeded, "failed": failed, "jobs": jobs}));
    }
    let organization = organization(client, req).await?;
    for (number, chunk) in items.chunks(ROWS_PER_JOB).enumerate() {
        let first = number * ROWS_PER_JOB;
        match job(client, req, &organization, chunk).await {
            Ok((rows, summary)) => {
                jobs.push(summary);
                for offset in 0..chunk.len() {
                    let index = first + offset;
                    match rows.get(offset) {
                        Some(row) => match outcome(index, row, req) {
                            Ok(done) => succeeded.push(done),
                            Err(failure) => failed.push(failure),
                        },
                        None => failed.push(json!({
                            "index": index,
                            "code": "NO_RESULT",
                            "message": format!("the job's result has {} rows for {} records; this record had none", rows.len(), chunk.len()),
                            "details": {},
                        })),
                    }
                }
            }
            // Nothing written yet, and every job would be refused alike: the call's error.
            Err(error) if number == 0 && missing_upload_scope(&error) => return Err(error),
            Err(error) => {
                failed.extend((first..first + chunk.len()).map(|i| chunk_failure(i, &error, req)));
            }
        }
    }
    Ok(json!({"succeeded": succeeded, "failed": failed, "jobs": jobs}))
}

/// The organization's `zgid` (its id when Zoho sends none), which uploads name in `X-CRM-ORG`.
async fn organization(client: &Client, req: &ActionRequest) -> Result<String, Error> {
    let org = sub_request(
        req,
        Method::Get,
        RequestPath::Segments(vec![PathSegment::Literal("org")]),
        true,
    );
    let answer = send_json(client, &org, Base::Product).await?;
    let org = answer.pointer("/org/0").unwrap_or(&Value::Null);
    ["zgid", "id"]
        .iter()
        .find_map(|key| match org.get(*key) {
            Some(Value::String(id)) => Some(id.clone()),
            Some(Value::Number(id)) => Some(id.to_string()),
            _ => None,
        })
        .ok_or_else(|| Error::Internal("Zoho's organization has no zgid for the upload".into()))
}

/// One job: upload, create, wait, read its result. The rows (header dropped) and the job's
/// summary.
async fn job(
    client: &Client,
    req: &ActionRequest,
    organization: &str,
    records: &[Value],
) -> Result<(Vec<Row>, Value), Error> {
    let zip = archive::zip_one("records.csv", &csv_of(records)?)?;
    let mut upload = sub_request(
        req,
        Method::Post,
        RequestPath::Segments(vec![PathSegment::Literal("upload")]),
        // Uploading only stores a file; a copy sent twice is never used by any job.
        true,
    );
    upload.headers = vec![
        ("feature".into(), "bulk-write".into()),
        ("X-CRM-ORG".into(), organization.to_owned()),
    ];
    upload.body = RequestBody::Multipart(vec![MultipartPart {
        name: "file".into(),
        file_name: Some("records.zip".into()),
        content: FileContent::Binary(zip),
    }]);
    let uploaded = send_json(client, &upload, Base::CrmUpload)
        .await
        .map_err(name_the_upload_scope)?;
    let file_id = uploaded
        .pointer("/details/file_id")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Internal("Zoho took the file but named no file_id".into()))?
        .to_owned();

    let mut create = req.clone();
    create.batch = None;
    create.result = ResultShape::Json;
    create.idempotent = false;
    create.body = RequestBody::Json(create_body(req, &file_id));
    let created = send_json(client, &create, Base::CrmBulk).await?;
    let id = created_id(&created)?;

    let status = sub_request(
        req,
        Method::Get,
        RequestPath::Segments(vec![
            PathSegment::Literal("write"),
            PathSegment::Value {
                input: "jobId",
                value: id.clone(),
            },
        ]),
        true,
    );
    let what = format!("bulk write job {id}");
    let done = wait(client, req, &what, &status, |answer| {
        answer.get("status").and_then(Value::as_str)
    })
    .await?;
    let summary = json!({
        "id": id,
        "status": done.get("status").cloned().unwrap_or(Value::Null),
        "file": done.pointer("/resource/0/file").cloned().unwrap_or(Value::Null),
    });
    let url = done
        .pointer("/result/download_url")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Internal(format!("{what} completed without a download_url")))?;
    let url = url::Url::parse(url)
        .map_err(|e| Error::Internal(format!("{what}'s download_url is not a URL: {e}")))?;
    let mut fetch = sub_request(
        req,
        Method::Get,
        RequestPath::Raw(url.path().to_owned()),
        true,
    );
    fetch.result = ResultShape::Json;
    let archive = download_within_limit(client, req, &fetch, Base::Origin(url)).await?;
    let mut rows = archive::all_rows(&archive)?;
    let header = if rows.is_empty() {
        Vec::new()
    } else {
        rows.remove(0)
    };
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (status_at, id_at, errors_at) = (column("STATUS"), column("RECORD_ID"), column("ERRORS"));
    let rows = rows
        .into_iter()
        .map(|row| {
            let cell = |at: Option<usize>| at.and_then(|i| row.get(i)).cloned().unwrap_or_default();
            Row {
                status: cell(status_at),
                id: cell(id_at),
                errors: cell(errors_at),
            }
        })
        .collect();
    Ok((rows, summary))
}

/// The scope an upload to Zoho's file host needs, beyond the bulk and module scopes.
const UPLOAD_SCOPE: &str = "ZohoFiles.files.ALL";

/// Zoho's refusal of an upload for its scope (`OAUTH_SCOPE_MISMATCH`), saying which scope is
/// missing and what to do: the component's default scopes do not hold it.
fn name_the_upload_scope(error: Error) -> Error {
    match error {
        Error::Api(mut api)
            if api.code.as_ref().map(ToString::to_string).as_deref()
                == Some("OAUTH_SCOPE_MISMATCH") =>
        {
            api.message = format!(
                "the bulk write's upload to Zoho's file host needs the `{UPLOAD_SCOPE}` scope, \
                 which the connection's token lacks (Zoho: {}); add it to the connection's \
                 scopes and authorize again (zoho-server auth login)",
                api.message
            );
            api.details = json!({"missing_scope": UPLOAD_SCOPE});
            Error::Api(api)
        }
        other => other,
    }
}

/// Whether `error` is an upload refused for [`UPLOAD_SCOPE`] ([`name_the_upload_scope`]).
fn missing_upload_scope(error: &Error) -> bool {
    matches!(error, Error::Api(api) if api.details.get("missing_scope").is_some())
}

/// The action's body with the uploaded file: `resource[0]` gets `type: "data"` and the
/// `file_id`.
fn create_body(req: &ActionRequest, file_id: &str) -> Value {
    let mut body = match &req.body {
        RequestBody::Json(Value::Object(body)) => body.clone(),
        _ => Map::new(),
    };
    let resources = body
        .entry("resource")
        .or_insert_with(|| Value::Array(vec![Value::Object(Map::new())]));
    if let Value::Array(resources) = resources {
        if resources.is_empty() {
            resources.push(Value::Object(Map::new()));
        }
        if let Some(Value::Object(resource)) = resources.get_mut(0) {
            resource.insert("type".into(), Value::from("data"));
            resource.insert("file_id".into(), Value::from(file_id));
        }
    }
    Value::Object(body)
}

/// One row of a bulk write result.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    status: String,
    id: String,
    errors: String,
}

/// A row as the record's success or failure.
fn outcome(index: usize, row: &Row, req: &ActionRequest) -> Result<Value, Value> {
    let status = row.status.to_ascii_lowercase();
    let operation = match &req.body {
        RequestBody::Json(body) => body.get("operation").and_then(Value::as_str),
        _ => None,
    };
    let action = match (status.as_str(), operation) {
        ("added", _) => "insert",
        ("updated", _) => "update",
        _ => {
            let errors: Vec<Value> = row
                .errors
                .split(':')
                .filter(|e| !e.is_empty())
                .map(|error| match error.split_once('-') {
                    Some((code, column)) => json!({"code": code, "api_name": column}),
                    None => json!({"code": error}),
                })
                .collect();
            let code = errors
                .first()
                .and_then(|e| e.get("code"))
                .and_then(Value::as_str)
                .map_or_else(|| status.to_ascii_uppercase(), str::to_owned);
            let message = match status.as_str() {
                "unprocessed" => "Zoho did not process this row",
                _ => "Zoho skipped this row",
            };
            return Err(json!({
                "index": index,
                "code": code,
                "message": message,
                "details": {"status": row.status, "errors": errors},
            }));
        }
    };
    Ok(json!({"index": index, "id": row.id, "action": action, "details": {"status": row.status}}))
}

/// The records as one CSV: a column per field in the order fields first appear.
fn csv_of(records: &[Value]) -> Result<Vec<u8>, Error> {
    let mut columns: Vec<String> = Vec::new();
    let mut lookups: Vec<bool> = Vec::new();
    for record in records {
        if let Value::Object(record) = record {
            for (name, value) in record {
                let at = match columns.iter().position(|c| c == name) {
                    Some(at) => at,
                    None => {
                        columns.push(name.clone());
                        lookups.push(false);
                        columns.len() - 1
                    }
                };
                if value.is_object() {
                    lookups[at] = true;
                }
            }
        }
    }
    let failed = |e: csv::Error| Error::Internal(format!("cannot write the CSV: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = columns.iter().zip(&lookups).map(|(name, lookup)| {
        if *lookup {
            format!("{name}.id")
        } else {
            name.clone()
        }
    });
    writer.write_record(header).map_err(failed)?;
    for record in records {
        let row = columns.iter().map(|name| cell(record.get(name)));
        writer.write_record(row).map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::Internal(format!("cannot write the CSV: {e}")))
}

/// A value as a cell: text as is, a lookup as its id, a list joined with `;`.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Object(object)) => cell(object.get("id")),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| cell(Some(item)))
            .collect::<Vec<_>>()
            .join(";"),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn records_become_one_csv_with_lookup_and_list_columns() {
        let records = vec![
            json!({"Last_Name": "Ng", "Owner": {"id": "42"}}),
            json!({"Last_Name": "O, Brien", "Tag": ["a", "b"], "Annual_Revenue": 12.5}),
        ];
        let csv = String::from_utf8(csv_of(&records).unwrap()).unwrap();
        assert_eq!(
            csv,
            "Last_Name,Owner.id,Tag,Annual_Revenue\nNg,42,,\n\"O, Brien\",,a;b,12.5\n"
        );
    }

    #[test]
    fn result_rows_become_successes_or_failures_with_zohos_codes() {
        let mut req = ActionRequest::new(
            "crm.bulkWrite",
            crate::Product::Crm,
            Method::Post,
            RequestPath::Raw("/write".into()),
        );
        req.body = RequestBody::Json(json!({"operation": "insert"}));
        let added = Row {
            status: "added".into(),
            id: "7".into(),
            errors: String::new(),
        };
        assert_eq!(outcome(3, &added, &req).unwrap()["action"], "insert");
        let skipped = Row {
            status: "skipped".into(),
            id: String::new(),
            errors: "MANDATORY_NOT_FOUND-Last_Name:INVALID_DATA-Email".into(),
        };
        let failure = outcome(4, &skipped, &req).unwrap_err();
        assert_eq!(failure["index"], 4);
        assert_eq!(failure["code"], "MANDATORY_NOT_FOUND");
        assert_eq!(failure["details"]["errors"][1]["api_name"], "Email");
    }
}
