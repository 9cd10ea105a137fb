//! Bulk read jobs (wave2.md §2): `POST /crm/bulk/{v}/read` takes a module, fields, criteria and
//! a `page` (or the `page_token` an earlier job gave); the result is a ZIP holding one CSV of
//! that page of matches in id order, at most [`crate::BulkSettings::read_page_size`] rows, with
//! `more_records` and `next_page_token` when more follow.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::bulk::{self, JobState};
use super::schema::{FieldDef, ModuleDef, module_by_name};
use super::store::{ModuleStore, Rec};
use super::{Ctx, errors};
use crate::accounts::{Op, Scopes};
use crate::clock;
use crate::http::Reply;

/// Most fields one job may ask for (OAS: 1,000).
const MAX_FIELDS: usize = 1_000;
/// Modules bulk read refuses (wave2.md §2.5).
const UNSUPPORTED: &[&str] = &["Notes", "Attachments"];

/// One bulk read job.
#[derive(Debug)]
pub(crate) struct ReadJob {
    id: String,
    module: &'static ModuleDef,
    /// `None`: every field.
    fields: Option<Vec<&'static FieldDef>>,
    criteria: Option<Criterion>,
    page: usize,
    state: JobState,
    created_time: String,
    /// Matching records in all, counted when the job completes.
    total: Option<usize>,
}

/// A checked criteria tree.
#[derive(Debug, Clone)]
enum Criterion {
    Group {
        any: bool,
        members: Vec<Criterion>,
    },
    Field {
        field: &'static FieldDef,
        comparator: Comparator,
        values: Vec<Value>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparator {
    Equal,
    NotEqual,
    In,
    NotIn,
    Contains,
    NotContains,
    StartsWith,
    EndsWith,
    GreaterThan,
    GreaterEqual,
    LessThan,
    LessEqual,
}

impl Comparator {
    fn parse(text: &str) -> Option<Comparator> {
        Some(match text {
            "equal" => Comparator::Equal,
            "not_equal" => Comparator::NotEqual,
            "in" => Comparator::In,
            "not_in" => Comparator::NotIn,
            "contains" => Comparator::Contains,
            "not_contains" => Comparator::NotContains,
            "starts_with" => Comparator::StartsWith,
            "ends_with" => Comparator::EndsWith,
            "greater_than" => Comparator::GreaterThan,
            "greater_equal" => Comparator::GreaterEqual,
            "less_than" => Comparator::LessThan,
            "less_equal" => Comparator::LessEqual,
            _ => return None,
        })
    }
}

fn invalid_query(ctx: &Ctx<'_>, code: &str, message: &str, api_name: &str) -> Reply {
    errors::error(
        ctx.route,
        400,
        code,
        message,
        json!({"api_name": api_name, "json_path": format!("$.{api_name}")}),
    )
}

fn criterion(def: &ModuleDef, value: &Value, depth: usize) -> Result<Criterion, String> {
    if depth > 5 {
        return Err("criteria nest too deeply".into());
    }
    if let Some(group) = value.get("group") {
        let any = match value.get("group_operator").and_then(Value::as_str) {
            Some(op) if op.eq_ignore_ascii_case("or") => true,
            Some(op) if op.eq_ignore_ascii_case("and") => false,
            _ => return Err("group_operator must be `and` or `or`".into()),
        };
        let members = group
            .as_array()
            .filter(|members| !members.is_empty() && members.len() <= 25)
            .ok_or("a group holds 1 to 25 criteria")?
            .iter()
            .map(|member| criterion(def, member, depth + 1))
            .collect::<Result<_, _>>()?;
        return Ok(Criterion::Group { any, members });
    }
    let name = value
        .pointer("/field/api_name")
        .and_then(Value::as_str)
        .ok_or("a criterion names its field as `field.api_name`")?;
    let field = def
        .field(name)
        .ok_or_else(|| format!("`{name}` is not a field of {}", def.api_name))?;
    let comparator = value
        .get("comparator")
        .and_then(Value::as_str)
        .and_then(Comparator::parse)
        .ok_or("unknown comparator")?;
    let values = match value.get("value") {
        Some(Value::Array(values)) => values.clone(),
        Some(one) => vec![one.clone()],
        None => return Err("a criterion needs a `value`".into()),
    };
    Ok(Criterion::Field {
        field,
        comparator,
        values,
    })
}

/// A value as text for comparing: lookups by id, numbers and booleans as written.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        Value::Object(object) => object.get("id").and_then(super::id_text),
        other => Some(other.to_string()),
    }
}

fn matches(store: &ModuleStore, rec: Rec<'_>, criterion: &Criterion) -> bool {
    match criterion {
        Criterion::Group { any: true, members } => {
            members.iter().any(|member| matches(store, rec, member))
        }
        Criterion::Group {
            any: false,
            members,
        } => members.iter().all(|member| matches(store, rec, member)),
        Criterion::Field {
            field,
            comparator,
            values,
        } => {
            let have = text_of(&store.field(rec, field)).unwrap_or_default();
            let wanted: Vec<String> = values
                .iter()
                .map(|v| match v.as_str() {
                    Some("${EMPTY}") => String::new(),
                    _ => text_of(v).unwrap_or_default(),
                })
                .collect();
            let first = wanted.first().cloned().unwrap_or_default();
            let order = || {
                if field.kind.is_number() {
                    let (a, b) = (have.parse::<f64>().ok(), first.parse::<f64>().ok());
                    a.zip(b).and_then(|(a, b)| a.partial_cmp(&b))
                } else {
                    Some(have.as_str().cmp(first.as_str()))
                }
            };
            let (low_have, low_first) = (have.to_lowercase(), first.to_lowercase());
            match comparator {
                Comparator::Equal => have.eq_ignore_ascii_case(&first),
                Comparator::NotEqual => !have.eq_ignore_ascii_case(&first),
                Comparator::In => wanted.iter().any(|w| have.eq_ignore_ascii_case(w)),
                Comparator::NotIn => !wanted.iter().any(|w| have.eq_ignore_ascii_case(w)),
                Comparator::Contains => low_have.contains(&low_first),
                Comparator::NotContains => !low_have.contains(&low_first),
                Comparator::StartsWith => low_have.starts_with(&low_first),
                Comparator::EndsWith => low_have.ends_with(&low_first),
                Comparator::GreaterThan => order().is_some_and(std::cmp::Ordering::is_gt),
                Comparator::GreaterEqual => order().is_some_and(std::cmp::Ordering::is_ge),
                Comparator::LessThan => order().is_some_and(std::cmp::Ordering::is_lt),
                Comparator::LessEqual => order().is_some_and(std::cmp::Ordering::is_le),
            }
        }
    }
}

/// A page token: the module and criteria stay with the job it came from, so the token names
/// the page of that job's query.
fn encode_token(job: &str, page: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{job}:{page}"))
}

fn decode_token(token: &str) -> Option<(String, usize)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let (job, page) = text.split_once(':')?;
    Some((job.to_owned(), page.parse().ok()?))
}

/// `POST /crm/bulk/{v}/read`.
pub(crate) fn create(ctx: &Ctx<'_>, scopes: &Scopes, body: Option<&Value>) -> Reply {
    let Some(query) = body.and_then(|b| b.get("query")) else {
        return invalid_query(
            ctx,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            "query",
        );
    };
    let mut jobs = ctx.state.crm.bulk.jobs();
    // A `page_token` carries on the query of the job that gave it.
    let from_token = match query.get("page_token").and_then(Value::as_str) {
        Some(token) => match decode_token(token).and_then(|(job, page)| {
            jobs.reads.get(&job).map(|earlier| {
                (
                    earlier.module,
                    earlier.fields.clone(),
                    earlier.criteria.clone(),
                    page,
                )
            })
        }) {
            Some(found) => Some(found),
            None => {
                return invalid_query(
                    ctx,
                    "INVALID_DATA",
                    "the given page_token is invalid",
                    "query.page_token",
                );
            }
        },
        None => None,
    };
    let (module, fields, criteria, page) = match from_token {
        Some(found) => found,
        None => match parse_query(ctx, query) {
            Ok(parsed) => parsed,
            Err(reply) => return reply,
        },
    };
    if !scopes.crm_module(module.api_name, Op::Read) {
        return errors::scope_mismatch(ctx.route);
    }
    let id = jobs.new_id();
    let created_time = clock::crm_datetime(ctx.state.clock.epoch_secs());
    jobs.reads.insert(
        id.clone(),
        ReadJob {
            id: id.clone(),
            module,
            fields,
            criteria,
            page,
            state: JobState::Added,
            created_time: created_time.clone(),
            total: None,
        },
    );
    Reply::json(
        ctx.route,
        201,
        &json!({
            "data": [{
                "status": "success",
                "code": "ADDED_SUCCESSFULLY",
                "message": "Added successfully.",
                "details": {
                    "id": id,
                    "operation": "read",
                    "state": "ADDED",
                    "created_by": bulk::created_by(),
                    "created_time": created_time,
                },
            }],
            "info": {},
        }),
    )
}

type Query = (
    &'static ModuleDef,
    Option<Vec<&'static FieldDef>>,
    Option<Criterion>,
    usize,
);

fn parse_query(ctx: &Ctx<'_>, query: &Value) -> Result<Query, Reply> {
    let Some(name) = query.pointer("/module/api_name").and_then(Value::as_str) else {
        return Err(invalid_query(
            ctx,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            "query.module",
        ));
    };
    let Some(module) = module_by_name(name).filter(|m| !UNSUPPORTED.contains(&m.api_name)) else {
        return Err(invalid_query(
            ctx,
            "INVALID_MODULE",
            "the module name given seems to be invalid or not supported for bulk read",
            "query.module",
        ));
    };
    let fields = match query.get("fields") {
        None => None,
        Some(Value::Array(names)) if names.len() <= MAX_FIELDS => {
            let mut fields = Vec::with_capacity(names.len());
            for name in names {
                let field = name.as_str().and_then(|n| module.field(n));
                match field {
                    Some(field) if field.api_name == "id" => {}
                    Some(field) => fields.push(field),
                    None => {
                        return Err(invalid_query(
                            ctx,
                            "INVALID_DATA",
                            &format!("the field {name} is not a field of {}", module.api_name),
                            "query.fields",
                        ));
                    }
                }
            }
            (!fields.is_empty()).then_some(fields)
        }
        Some(_) => {
            return Err(invalid_query(
                ctx,
                "INVALID_DATA",
                "fields must be an array of at most 1000 field API names",
                "query.fields",
            ));
        }
    };
    let criteria = match query.get("criteria") {
        None | Some(Value::Null) => None,
        Some(value) => match criterion(module, value, 0) {
            Ok(criterion) => Some(criterion),
            Err(reason) => {
                return Err(invalid_query(
                    ctx,
                    "INVALID_CRITERIA",
                    &reason,
                    "query.criteria",
                ));
            }
        },
    };
    let page = match query.get("page") {
        None => 1,
        Some(page) => match page.as_u64() {
            Some(page @ 1..=50) => usize::try_from(page).unwrap_or(1),
            _ => {
                return Err(errors::error(
                    ctx.route,
                    400,
                    "PAGE_RANGE_EXCEEDED",
                    "the page is out of range",
                    json!({"api_name": "page", "json_path": "$.query.page", "max_limit": 50}),
                ));
            }
        },
    };
    Ok((module, fields, criteria, page))
}

/// The ids of the job's matching records in id order, and how many match in all.
fn page_of(store: &ModuleStore, job: &ReadJob, size: usize) -> (Vec<u64>, usize) {
    let start = (job.page - 1).saturating_mul(size);
    let mut total = 0;
    let mut ids = Vec::new();
    for rec in store.iter() {
        if job
            .criteria
            .as_ref()
            .is_some_and(|criteria| !matches(store, rec, criteria))
        {
            continue;
        }
        if total >= start && ids.len() < size {
            ids.push(store.id_of(rec));
        }
        total += 1;
    }
    (ids, total)
}

/// `GET /crm/bulk/{v}/read/{id}`.
pub(crate) fn status(ctx: &Ctx<'_>, id: &str) -> Reply {
    let size = ctx.state.config.bulk.read_page_size.max(1);
    let mut jobs = ctx.state.crm.bulk.jobs();
    let Some(job) = jobs.reads.get_mut(id) else {
        return bulk::unknown_job(ctx);
    };
    if job.state.advance(ctx.state) {
        let Ok(store) = ctx.store(job.module).read() else {
            return errors::internal(ctx.route);
        };
        job.total = Some(page_of(&store, job, size).1);
    }
    let mut detail = json!({
        "id": job.id,
        "operation": "read",
        "state": job.state.name(),
        "file_type": "csv",
        "query": {"module": {"api_name": job.module.api_name}, "page": job.page},
        "created_by": bulk::created_by(),
        "created_time": job.created_time,
    });
    if let (JobState::Completed, Some(total)) = (job.state, job.total) {
        let before = (job.page - 1).saturating_mul(size);
        let count = total.saturating_sub(before).min(size);
        let more = total > before + count;
        let mut result = json!({
            "page": job.page,
            "per_page": size,
            "count": count,
            "more_records": more,
            "download_url": format!("/crm/bulk/v{}/read/{}/result", ctx.version.0, job.id),
        });
        if more {
            result["next_page_token"] = Value::from(encode_token(&job.id, job.page + 1));
        }
        detail["result"] = result;
    }
    Reply::json(ctx.route, 200, &json!({ "data": [detail] }))
}

/// A value as a CSV cell: lookups as their id, lists joined with `;`, empty as nothing.
pub(crate) fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Object(object) => object
                    .get("name")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or_else(|| text_of(item))
                    .unwrap_or_default(),
                other => text_of(other).unwrap_or_default(),
            })
            .collect::<Vec<_>>()
            .join(";"),
        Value::Object(_) => text_of(value).unwrap_or_default(),
        other => other.to_string(),
    }
}

/// `GET /crm/bulk/{v}/read/{id}/result`: `<id>.zip` holding `<id>.csv`.
pub(crate) fn result(ctx: &Ctx<'_>, id: &str) -> Reply {
    let size = ctx.state.config.bulk.read_page_size.max(1);
    let mut jobs = ctx.state.crm.bulk.jobs();
    let Some(job) = jobs.reads.get(id) else {
        return bulk::unknown_job(ctx);
    };
    if job.state != JobState::Completed {
        return errors::error(
            ctx.route,
            400,
            "INVALID_REQUEST",
            "the job is not completed yet",
            json!({"state": job.state.name()}),
        );
    }
    let module = job.module;
    let Ok(store) = ctx.store(module).read() else {
        return errors::internal(ctx.route);
    };
    let (ids, _) = page_of(&store, job, size);
    let columns: Vec<&'static FieldDef> = match &job.fields {
        Some(fields) => fields.clone(),
        None => module
            .fields
            .iter()
            .filter(|f| f.api_name != "id")
            .collect(),
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = std::iter::once("Id").chain(columns.iter().map(|f| f.api_name));
    if writer.write_record(header).is_err() {
        return errors::internal(ctx.route);
    }
    for record_id in ids {
        let Some(rec) = store.get(record_id) else {
            continue;
        };
        let row = std::iter::once(record_id.to_string())
            .chain(columns.iter().map(|f| cell(&store.field(rec, f))));
        if writer.write_record(row).is_err() {
            return errors::internal(ctx.route);
        }
    }
    drop(store);
    let Ok(csv) = writer.into_inner() else {
        return errors::internal(ctx.route);
    };
    let job_id = job.id.clone();
    if !bulk::take_download(ctx, &mut jobs) {
        return errors::too_many_requests(ctx.route);
    }
    drop(jobs);
    match bulk::zip_one(&format!("{job_id}.csv"), &csv) {
        Some(archive) => bulk::zip_reply(ctx.route, &job_id, archive),
        None => errors::internal(ctx.route),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_name_the_job_and_the_page() {
        let token = encode_token("4150868000900000001", 2);
        assert_eq!(
            decode_token(&token),
            Some(("4150868000900000001".to_owned(), 2))
        );
        assert_eq!(decode_token("%%%"), None);
    }

    #[test]
    fn cells_are_ids_for_lookups_and_joined_for_lists() {
        assert_eq!(cell(&json!({"name": "A", "id": "42"})), "42");
        assert_eq!(cell(&json!(["a", "b"])), "a;b");
        assert_eq!(cell(&json!([{"name": "Hot", "id": "1"}])), "Hot");
        assert_eq!(cell(&Value::Null), "");
        assert_eq!(cell(&json!(12.5)), "12.5");
    }
}
