//! Bulk write jobs (wave2.md §3): a ZIP holding one CSV is uploaded to `/crm/{v}/upload`
//! (headers `feature: bulk-write` and `X-CRM-ORG`), `POST /crm/bulk/{v}/write` makes a job of
//! it, and when the job completes each row is written as the records API writes one record
//! (same checks, same errors). The result is a ZIP holding a CSV with the first three columns
//! and `STATUS`, `RECORD_ID` and `ERRORS` (`CODE-column`, several joined with `:`), one row per
//! row of the file, in the file's order.

use http_body_util::BodyExt;
use serde_json::{Map, Value, json};

use super::bulk::{self, JobState};
use super::schema::{Kind, ModuleDef, module_by_name};
use super::{Ctx, errors};
use crate::accounts::{Op, Scopes};
use crate::clock;
use crate::http::Reply;

/// Rows one CSV may hold (Zoho: 25,000).
const MAX_ROWS: usize = 25_000;
/// Records the records API takes per call; rows are written in chunks of it.
const CHUNK: usize = 100;
/// Modules bulk write refuses (wave2.md §3.5).
const UNSUPPORTED: &[&str] = &["Notes", "Attachments", "Events", "Calls"];

/// What a job does to each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Insert,
    Update,
    Upsert,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Upsert => "upsert",
        }
    }
}

/// One bulk write job.
#[derive(Debug)]
pub(crate) struct WriteJob {
    id: String,
    operation: Operation,
    module: &'static ModuleDef,
    find_by: Option<String>,
    ignore_empty: bool,
    file_id: String,
    state: JobState,
    created_time: String,
    /// Added, updated and skipped rows, once done.
    counts: (usize, usize, usize),
    /// The result archive, once done.
    result: Option<Vec<u8>>,
}

fn upload_error(ctx: &Ctx<'_>, status: u16, code: &str, message: &str) -> Reply {
    errors::error(ctx.route, status, code, message, json!({}))
}

/// `POST /crm/{v}/upload`: stores the ZIP and answers its `file_id`.
pub(crate) async fn upload(ctx: &Ctx<'_>) -> Reply {
    let header = |name: &str| {
        ctx.req
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let org_ok = header("x-crm-org").is_some_and(|org| org == super::users::ORG_ZGID);
    if header("feature") != Some("bulk-write") || !org_ok {
        return upload_error(
            ctx,
            400,
            "INVALID_REQUEST",
            "check if headers [feature, X-CRM-ORG] are present and valid",
        )
        .with_header(
            "x-error",
            "check if headers [feature, X-CRM-ORG] are present and valid",
        );
    }
    let file = match super::attachments::file_part(ctx).await {
        Ok(Some((_, _, content))) => content,
        Ok(None) => {
            return upload_error(ctx, 400, "INVALID_DATA", "the file part is missing");
        }
        Err(reply) => return reply,
    };
    if file.len() > 25 * 1024 * 1024 {
        return upload_error(
            ctx,
            413,
            "FILE_SIZE_EXCEEDED",
            "the file is larger than 25 MB",
        );
    }
    if bulk::unzip_first(&file).is_none() {
        return upload_error(
            ctx,
            400,
            "INVALID_FILE_FORMAT",
            "the file must be a ZIP archive holding a CSV file",
        );
    }
    let mut jobs = ctx.state.crm.bulk.jobs();
    let file_id = jobs.new_id();
    jobs.files.insert(file_id.clone(), file);
    Reply::json(
        ctx.route,
        200,
        &json!({
            "status": "success",
            "code": "FILE_UPLOAD_SUCCESS",
            "message": "file uploaded.",
            "details": {
                "file_id": file_id,
                "created_time": clock::crm_datetime(ctx.state.clock.epoch_secs()),
            },
        }),
    )
}

fn invalid(ctx: &Ctx<'_>, code: &str, message: &str, path: &str) -> Reply {
    errors::error(
        ctx.route,
        400,
        code,
        message,
        json!({"json_path": format!("$.{path}")}),
    )
}

/// `POST /crm/bulk/{v}/write`.
pub(crate) fn create(ctx: &Ctx<'_>, scopes: &Scopes, body: Option<&Value>) -> Reply {
    let Some(body) = body else {
        return errors::bad_body(ctx.route, "the request body is not valid JSON");
    };
    let operation = match body.get("operation").and_then(Value::as_str) {
        Some("insert") => Operation::Insert,
        Some("update") => Operation::Update,
        Some("upsert") => Operation::Upsert,
        _ => {
            return invalid(
                ctx,
                "INVALID_DATA",
                "operation must be insert, update or upsert",
                "operation",
            );
        }
    };
    let resource = match body.get("resource").and_then(Value::as_array) {
        Some(resources) if resources.len() == 1 => &resources[0],
        _ => {
            return invalid(
                ctx,
                "INVALID_DATA",
                "resource must hold one data resource",
                "resource",
            );
        }
    };
    if resource.get("type").and_then(Value::as_str) != Some("data") {
        return invalid(
            ctx,
            "INVALID_DATA",
            "the resource type must be data",
            "resource[0].type",
        );
    }
    let module = resource
        .pointer("/module/api_name")
        .and_then(Value::as_str)
        .and_then(module_by_name)
        .filter(|m| !UNSUPPORTED.contains(&m.api_name));
    let Some(module) = module else {
        return invalid(
            ctx,
            "INVALID_MODULE",
            "the module name given seems to be invalid or not supported for bulk write",
            "resource[0].module",
        );
    };
    let allowed = match operation {
        Operation::Insert => scopes.crm_module(module.api_name, Op::Create),
        Operation::Update => scopes.crm_module(module.api_name, Op::Update),
        Operation::Upsert => {
            scopes.crm_module(module.api_name, Op::Create)
                && scopes.crm_module(module.api_name, Op::Update)
        }
    };
    if !allowed {
        return errors::scope_mismatch(ctx.route);
    }
    let find_by = resource
        .get("find_by")
        .and_then(Value::as_str)
        .map(str::to_owned);
    match (&find_by, operation) {
        (None, Operation::Update | Operation::Upsert) => {
            return invalid(
                ctx,
                "MANDATORY_NOT_FOUND",
                "find_by is required to update or upsert",
                "resource[0].find_by",
            );
        }
        (Some(name), Operation::Update) if name != "id" => {
            return invalid(
                ctx,
                "INVALID_DATA",
                "the sandbox updates by id only",
                "resource[0].find_by",
            );
        }
        (Some(name), _) if module.field(name).is_none() => {
            return invalid(
                ctx,
                "INVALID_DATA",
                "find_by is not a field of the module",
                "resource[0].find_by",
            );
        }
        _ => {}
    }
    let mut jobs = ctx.state.crm.bulk.jobs();
    let file_id = resource.get("file_id").and_then(Value::as_str);
    let Some(file) = file_id.and_then(|id| jobs.files.get(id)) else {
        return invalid(
            ctx,
            "INVALID_DATA",
            "the file_id given seems to be invalid",
            "resource[0].file_id",
        );
    };
    let rows = bulk::unzip_first(file).map_or(0, |csv| {
        csv::Reader::from_reader(csv.as_slice()).records().count()
    });
    if rows > MAX_ROWS {
        return invalid(
            ctx,
            "LIMIT_EXCEEDED",
            "a file holds at most 25000 records",
            "resource[0].file_id",
        );
    }
    let file_id = file_id.unwrap_or_default().to_owned();
    let id = jobs.new_id();
    jobs.writes.insert(
        id.clone(),
        WriteJob {
            id: id.clone(),
            operation,
            module,
            find_by,
            ignore_empty: body.get("ignore_empty").and_then(Value::as_bool) == Some(true),
            file_id,
            state: JobState::Added,
            created_time: clock::crm_datetime(ctx.state.clock.epoch_secs()),
            counts: (0, 0, 0),
            result: None,
        },
    );
    Reply::json(
        ctx.route,
        201,
        &json!({
            "status": "success",
            "code": "SUCCESS",
            "message": "success",
            "details": {"id": id, "created_by": bulk::created_by()},
        }),
    )
}

/// A CSV cell as the JSON value of its field: numbers and booleans typed when they parse
/// (otherwise left as text, for the records API's own type error), lookups as `{"id"}`.
fn typed(kind: Kind, text: &str) -> Value {
    let parsed = match kind {
        Kind::Integer => text.parse::<i64>().ok().map(Value::from),
        Kind::Double | Kind::Currency => text.parse::<f64>().ok().map(Value::from),
        Kind::Boolean => text.parse::<bool>().ok().map(Value::from),
        kind if kind.is_lookup() => Some(json!({ "id": text })),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::from(text))
}

/// The records API's answer items for one chunk of rows.
async fn write_chunk(ctx: &Ctx<'_>, job: &Job, items: Vec<Value>) -> Vec<Value> {
    let count = items.len();
    let mut body = json!({ "data": items });
    let reply = match job.operation {
        Operation::Insert => super::records::insert(ctx, job.module, Some(&body)),
        Operation::Update => super::records::update(ctx, job.module, None, Some(&body)),
        Operation::Upsert => {
            body["duplicate_check_fields"] = json!([job.find_by]);
            super::records::upsert(ctx, job.module, Some(&body))
        }
    };
    let bytes = match reply.response.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    match answer.get("data").and_then(Value::as_array) {
        Some(items) if items.len() == count => items.clone(),
        // A request-level refusal fails every row of the chunk with it.
        _ => vec![answer; count],
    }
}

/// What a completing job needs from its record.
struct Job {
    operation: Operation,
    module: &'static ModuleDef,
    find_by: Option<String>,
    ignore_empty: bool,
}

/// Writes every row of the file and builds the result archive: (added, updated, skipped, zip).
async fn run(ctx: &Ctx<'_>, job: &Job, csv_bytes: &[u8]) -> (usize, usize, usize, Vec<u8>) {
    let mut reader = csv::Reader::from_reader(csv_bytes);
    let header: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let rows: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    let shown: Vec<&String> = header.iter().take(3).collect();
    let _ =
        out.write_record(
            shown
                .iter()
                .map(|h| h.as_str())
                .chain(["STATUS", "RECORD_ID", "ERRORS"]),
        );
    let (mut added, mut updated, mut skipped) = (0, 0, 0);
    for chunk in rows.chunks(CHUNK) {
        let items: Vec<Value> = chunk.iter().map(|row| item(job, &header, row)).collect();
        let answers = write_chunk(ctx, job, items).await;
        for (row, answer) in chunk.iter().zip(answers) {
            let ok = answer.get("status").and_then(Value::as_str) == Some("success");
            let id = answer
                .pointer("/details/id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let (status, errors) = if ok {
                let updated_row = answer.get("action").and_then(Value::as_str) == Some("update")
                    || job.operation == Operation::Update;
                if updated_row {
                    updated += 1;
                    ("updated", String::new())
                } else {
                    added += 1;
                    ("added", String::new())
                }
            } else {
                skipped += 1;
                let code = answer
                    .get("code")
                    .and_then(Value::as_str)
                    .unwrap_or("INVALID_DATA");
                let column = answer
                    .pointer("/details/api_name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                ("skipped", format!("{code}-{column}"))
            };
            let cells = (0..shown.len()).map(|i| row.get(i).unwrap_or_default().to_owned());
            let _ = out.write_record(cells.chain([status.to_owned(), id, errors]));
        }
    }
    let csv = out.into_inner().unwrap_or_default();
    let archive = bulk::zip_one(&format!("{}-data.csv", job.module.api_name), &csv);
    (added, updated, skipped, archive.unwrap_or_default())
}

/// One row as a records API item: `Field` and `Field.id` columns by API name.
fn item(job: &Job, header: &[String], row: &csv::StringRecord) -> Value {
    let mut record = Map::new();
    for (name, text) in header.iter().zip(row.iter()) {
        let api_name = name.strip_suffix(".id").unwrap_or(name);
        if text.is_empty() && (job.ignore_empty || job.operation == Operation::Insert) {
            continue;
        }
        let value = if api_name == "id" {
            Value::from(text)
        } else if text.is_empty() {
            Value::Null
        } else {
            match job.module.field(api_name) {
                Some(field) => typed(field.kind, text),
                None => Value::from(text),
            }
        };
        record.insert(api_name.to_owned(), value);
    }
    Value::Object(record)
}

/// `GET /crm/bulk/{v}/write/{id}`: runs the job when it completes.
pub(crate) async fn status(ctx: &Ctx<'_>, id: &str) -> Reply {
    let work = {
        let mut jobs = ctx.state.crm.bulk.jobs();
        let Some(job) = jobs.writes.get_mut(id) else {
            return bulk::unknown_job(ctx);
        };
        if job.state.advance(ctx.state) {
            let run = Job {
                operation: job.operation,
                module: job.module,
                find_by: job.find_by.clone(),
                ignore_empty: job.ignore_empty,
            };
            let file = job.file_id.clone();
            jobs.files
                .get(&file)
                .and_then(|zip| bulk::unzip_first(zip))
                .map(|csv| (run, csv))
        } else {
            None
        }
    };
    if let Some((run_job, csv)) = work {
        let (added, updated, skipped, archive) = run(ctx, &run_job, &csv).await;
        let mut jobs = ctx.state.crm.bulk.jobs();
        if let Some(job) = jobs.writes.get_mut(id) {
            job.counts = (added, updated, skipped);
            job.result = Some(archive);
        }
    }
    let jobs = ctx.state.crm.bulk.jobs();
    let Some(job) = jobs.writes.get(id) else {
        return bulk::unknown_job(ctx);
    };
    // The rows are written after the job turned COMPLETED; until they are, it is still running.
    let done = job.result.is_some();
    let state = if done {
        job.state.name()
    } else {
        JobState::InProgress(ctx.state.clock.now()).name()
    };
    let (added, updated, skipped) = job.counts;
    let mut answer = json!({
        "status": state,
        "operation": job.operation.name(),
        "id": job.id,
        "character_encoding": "UTF-8",
        "resource": [{
            "status": state,
            "type": "data",
            "module": {"api_name": job.module.api_name},
            "find_by": job.find_by,
            "file": {
                "status": state,
                "name": format!("{}-data.csv", job.module.api_name),
                "added_count": added,
                "updated_count": updated,
                "skipped_count": skipped,
                "total_count": added + updated + skipped,
            },
        }],
        "created_by": bulk::created_by(),
        "created_time": job.created_time,
    });
    if done {
        answer["result"] = json!({
            "download_url": format!(
                "{}/crm/bulk/v{}/write/{}/result",
                ctx.state.base_url, ctx.version.0, job.id
            ),
        });
    }
    Reply::json(ctx.route, 200, &answer)
}

/// `GET /crm/bulk/{v}/write/{id}/result`.
pub(crate) fn result(ctx: &Ctx<'_>, id: &str) -> Reply {
    let mut jobs = ctx.state.crm.bulk.jobs();
    let archive = match jobs.writes.get(id) {
        None => return bulk::unknown_job(ctx),
        Some(job) => match &job.result {
            Some(archive) => archive.clone(),
            None => {
                return errors::error(
                    ctx.route,
                    400,
                    "INVALID_REQUEST",
                    "the job is not completed yet",
                    json!({"state": job.state.name()}),
                );
            }
        },
    };
    if !bulk::take_download(ctx, &mut jobs) {
        return errors::too_many_requests(ctx.route);
    }
    drop(jobs);
    bulk::zip_reply(ctx.route, id, archive)
}
