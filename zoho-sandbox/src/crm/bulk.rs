//! Zoho CRM's bulk APIs (wave2.md §2, §3): `/crm/bulk/{v}/read` and `/crm/bulk/{v}/write`
//! jobs with their states, and the file upload of `/crm/{v}/upload`. A job is `ADDED` when
//! created, `IN PROGRESS` from its first status call, and `COMPLETED` once
//! [`crate::BulkSettings::job_duration`] has passed after that; results are ZIP files holding
//! one CSV, as Zoho sends them.

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use http::Method;
use serde_json::{Value, json};

use super::bulk_read::ReadJob;
use super::bulk_write::WriteJob;
use super::{Ctx, Version, errors};
use crate::accounts::{AuthFailure, Op};
use crate::http::{Reply, Req};
use crate::state::{Product, State};

/// The bulk jobs and uploaded files of the sandbox.
#[derive(Debug, Default)]
pub(crate) struct Bulk {
    inner: Mutex<Jobs>,
}

#[derive(Debug, Default)]
pub(crate) struct Jobs {
    pub next_id: u64,
    pub reads: HashMap<String, ReadJob>,
    pub writes: HashMap<String, WriteJob>,
    /// Uploaded ZIP files by `file_id`.
    pub files: HashMap<String, Bytes>,
    /// When recent result downloads happened, for Zoho's 10 per minute.
    pub downloads: VecDeque<Instant>,
}

impl Bulk {
    pub(crate) fn jobs(&self) -> MutexGuard<'_, Jobs> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Jobs {
    /// A new job or file id, shaped like Zoho's 19-digit ids.
    pub(crate) fn new_id(&mut self) -> String {
        self.next_id += 1;
        (4_150_868_000_900_000_000 + self.next_id).to_string()
    }
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobState {
    Added,
    InProgress(Instant),
    Completed,
}

impl JobState {
    /// The state as Zoho writes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            JobState::Added => "ADDED",
            JobState::InProgress(_) => "IN PROGRESS",
            JobState::Completed => "COMPLETED",
        }
    }

    /// The state a status call finds: a job starts on its first status call and completes
    /// once the configured duration has passed since. Returns whether it completed just now.
    pub(crate) fn advance(&mut self, state: &State) -> bool {
        let now = state.clock.now();
        match *self {
            JobState::Added => {
                *self = JobState::InProgress(now);
                false
            }
            JobState::InProgress(started)
                if now.saturating_duration_since(started) >= state.config.bulk.job_duration =>
            {
                *self = JobState::Completed;
                true
            }
            _ => false,
        }
    }
}

/// The calls of the bulk APIs.
enum Call {
    ReadCreate,
    ReadStatus(String),
    ReadResult(String),
    WriteCreate,
    WriteStatus(String),
    WriteResult(String),
    Upload,
}

impl Call {
    fn name(&self) -> &'static str {
        match self {
            Call::ReadCreate => "crm.bulk.read.create",
            Call::ReadStatus(_) => "crm.bulk.read.status",
            Call::ReadResult(_) => "crm.bulk.read.result",
            Call::WriteCreate => "crm.bulk.write.create",
            Call::WriteStatus(_) => "crm.bulk.write.status",
            Call::WriteResult(_) => "crm.bulk.write.result",
            Call::Upload => "crm.bulk.upload",
        }
    }
}

/// Whether the path is one of the bulk APIs' (`/crm/bulk/...` or `/crm/{v}/upload`).
pub(crate) fn owns(path: &str) -> bool {
    path.starts_with("/crm/bulk/")
        || path
            .strip_prefix("/crm/")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(_, rest)| rest.trim_end_matches('/') == "upload")
}

fn parse(req: &Req) -> Result<(Version, Call), Reply> {
    let segments: Vec<&str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let (version, rest) = match segments.as_slice() {
        ["crm", "bulk", version, rest @ ..] => (*version, rest),
        ["crm", version, "upload"] => (*version, &["upload"][..]),
        _ => return Err(errors::invalid_url("crm.invalid_url")),
    };
    let Some(version) = Version::parse(version) else {
        return Err(errors::invalid_url("crm.invalid_url"));
    };
    let m = &req.method;
    let call = match (rest, m) {
        (["upload"], &Method::POST) => Call::Upload,
        (["read"], &Method::POST) => Call::ReadCreate,
        (["read", id], &Method::GET) => Call::ReadStatus((*id).to_owned()),
        (["read", id, "result"], &Method::GET) => Call::ReadResult((*id).to_owned()),
        (["write"], &Method::POST) => Call::WriteCreate,
        (["write", id], &Method::GET) => Call::WriteStatus((*id).to_owned()),
        (["write", id, "result"], &Method::GET) => Call::WriteResult((*id).to_owned()),
        (["upload" | "read" | "write", ..], _) => {
            return Err(errors::invalid_method("crm.bulk"));
        }
        _ => return Err(errors::invalid_url("crm.invalid_url")),
    };
    Ok((version, call))
}

/// Answers one bulk call: authentication, the bulk scopes, limits and faults as for every CRM
/// call, then the job.
pub(crate) async fn handle(state: &State, req: &Req) -> Reply {
    let (version, call) = match parse(req) {
        Ok(parsed) => parsed,
        Err(reply) => return reply,
    };
    let name = call.name();
    let grant = match state.accounts.authenticate(req, state.clock.now()) {
        Ok(grant) => grant,
        Err(AuthFailure::Missing) => return errors::authentication_failure(name),
        Err(AuthFailure::Invalid) => return errors::invalid_token(name),
    };
    let scopes = &grant.scopes;
    let allowed = match call {
        Call::Upload => scopes.files(),
        Call::ReadCreate | Call::ReadStatus(_) | Call::ReadResult(_) => scopes.crm_bulk(Op::Read),
        Call::WriteCreate => scopes.crm_bulk(Op::Create),
        Call::WriteStatus(_) | Call::WriteResult(_) => {
            scopes.crm_bulk(Op::Read) || scopes.crm_bulk(Op::Create)
        }
    };
    if !allowed {
        return errors::scope_mismatch(name);
    }
    let faults = state.faults();
    let Some(_slot) = state
        .crm
        .concurrency
        .try_enter(faults.crm_concurrency_limit)
    else {
        return errors::too_many_requests(name);
    };
    // Bulk APIs are in Zoho's sub-concurrency group (wave2.md §6.3).
    let Some(_sub_slot) = state
        .crm
        .sub_concurrency
        .try_enter(faults.crm_sub_concurrency_limit)
    else {
        return errors::too_many_requests(name);
    };
    if let Some(reply) = state.inject(name, Product::Crm).await {
        return reply;
    }
    let ctx = Ctx {
        state,
        version,
        route: name,
        req,
    };
    let body = || serde_json::from_slice::<Value>(&req.body).ok();
    match call {
        Call::ReadCreate => super::bulk_read::create(&ctx, scopes, body().as_ref()),
        Call::ReadStatus(id) => super::bulk_read::status(&ctx, &id),
        Call::ReadResult(id) => super::bulk_read::result(&ctx, &id),
        Call::Upload => super::bulk_write::upload(&ctx).await,
        Call::WriteCreate => super::bulk_write::create(&ctx, scopes, body().as_ref()),
        Call::WriteStatus(id) => super::bulk_write::status(&ctx, &id).await,
        Call::WriteResult(id) => super::bulk_write::result(&ctx, &id),
    }
}

/// Whether one more result download fits Zoho's per-minute limit; counts it when it does.
pub(crate) fn take_download(ctx: &Ctx<'_>, jobs: &mut Jobs) -> bool {
    let now = ctx.state.clock.now();
    while jobs
        .downloads
        .front()
        .is_some_and(|at| now.saturating_duration_since(*at).as_secs() >= 60)
    {
        jobs.downloads.pop_front();
    }
    if jobs.downloads.len() >= ctx.state.config.bulk.downloads_per_minute {
        return false;
    }
    jobs.downloads.push_back(now);
    true
}

/// `{"id", "name"}` of the user jobs are created by.
pub(crate) fn created_by() -> Value {
    let (name, id, _) = super::seed::USERS[0];
    json!({"id": id, "name": name})
}

/// A job id that is not there: Zoho's `INVALID_DATA` on the id.
pub(crate) fn unknown_job(ctx: &Ctx<'_>) -> Reply {
    errors::error(
        ctx.route,
        400,
        "INVALID_DATA",
        "the job id given seems to be invalid",
        json!({"resource_path_index": 0}),
    )
}

/// A ZIP archive holding one file.
pub(crate) fn zip_one(name: &str, content: &[u8]) -> Option<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.start_file(name, options).ok()?;
    writer.write_all(content).ok()?;
    writer.finish().ok()?;
    Some(out.into_inner())
}

/// The first CSV file of a ZIP archive.
pub(crate) fn unzip_first(archive: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(archive)).ok()?;
    let mut file = archive.by_index(0).ok()?;
    let mut content = Vec::new();
    file.read_to_end(&mut content).ok()?;
    Some(content)
}

/// The reply carrying a result archive, as Zoho names it (`<job_id>.zip`).
pub(crate) fn zip_reply(route: &'static str, job: &str, archive: Vec<u8>) -> Reply {
    let reply = Reply::bytes(route, 200, "application/zip", archive);
    reply.with_header(
        "content-disposition",
        &format!("attachment; filename=\"{job}.zip\""),
    )
}
