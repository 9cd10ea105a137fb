//! CRM bulk read (`ResultShape::CrmBulkRead`): one job per result page of up to 200,000
//! records. Each job is created once, waited for, its ZIP downloaded and its CSV rows streamed
//! as records; while `more_records` is true the next page is a new job, asked for by the
//! `next_page_token` Zoho gave (or `page + 1` when it gave none). One compressed page is held
//! at a time.

use std::time::Duration;

use futures::Stream;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Base, archive, created_id, download, next_pause, send_json, sub_request, wait};
use crate::{ActionRequest, Client, Error, Method, PathSegment, RequestBody, RequestPath, Resume};

/// Where the next page comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cursor {
    Page(u64),
    Token(String),
}

/// The stream's state between records.
struct Reader {
    client: Client,
    req: ActionRequest,
    next: Option<Cursor>,
    rows: Option<mpsc::Receiver<Result<Value, Error>>>,
    delivered: u64,
    done: bool,
}

/// The records of a bulk read, page after page, one job per page, up to `maxRecords` when it is
/// set. The first error ends the stream; after records were delivered it is [`Error::Export`]
/// naming the page to ask for again (`page` or `pageToken`), whose job is then created anew.
pub(crate) fn records(
    client: Client,
    req: ActionRequest,
) -> impl Stream<Item = Result<Value, Error>> + Send {
    use futures::StreamExt;
    let max = req.paging.max_records.map_or(usize::MAX, as_count);
    every_record(client, req).take(max)
}

fn as_count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Every record of the bulk read, whatever `maxRecords` says.
fn every_record(
    client: Client,
    req: ActionRequest,
) -> impl Stream<Item = Result<Value, Error>> + Send {
    let first = first_cursor(&req);
    let reader = Reader {
        client,
        req,
        next: Some(first),
        rows: None,
        delivered: 0,
        done: false,
    };
    futures::stream::unfold(reader, |mut reader| async move {
        loop {
            if reader.done {
                return None;
            }
            if let Some(rows) = &mut reader.rows {
                match rows.recv().await {
                    Some(Ok(record)) => {
                        reader.delivered += 1;
                        return Some((Ok(record), reader));
                    }
                    Some(Err(error)) => {
                        reader.done = true;
                        return Some((Err(error), reader));
                    }
                    None => {
                        reader.rows = None;
                        continue;
                    }
                }
            }
            let cursor = reader.next.take()?;
            match page(&reader.client, &reader.req, &cursor).await {
                Ok((rows, next)) => {
                    reader.rows = Some(rows);
                    reader.next = next;
                }
                Err(cause) => {
                    reader.done = true;
                    let error = if reader.delivered == 0 {
                        cause
                    } else {
                        let (page, page_token) = match cursor {
                            Cursor::Page(page) => (Some(page), None),
                            Cursor::Token(token) => (None, Some(token)),
                        };
                        Error::Export {
                            cause: Box::new(cause),
                            resume: Resume {
                                page,
                                page_token,
                                after_id: None,
                                delivered: reader.delivered,
                            },
                        }
                    };
                    return Some((Err(error), reader));
                }
            }
        }
    })
}

/// Every record of the bulk read in one result, as a collected list: `{"data": [...],
/// "info": {"count": n, "more_records": bool}}`, where `more_records` says that `maxRecords`
/// left records behind (one more is read to know it, and the rest of the job is dropped).
pub(crate) async fn collect(client: &Client, req: ActionRequest) -> Result<Value, Error> {
    use futures::StreamExt;
    let max = req.paging.max_records.map(as_count);
    let read = max.map_or(usize::MAX, |max| max.saturating_add(1));
    let mut stream = std::pin::pin!(every_record(client.clone(), req).take(read));
    let mut data = Vec::new();
    while let Some(record) = stream.next().await {
        data.push(record?);
    }
    let more = max.is_some_and(|max| data.len() > max);
    if let Some(max) = max {
        data.truncate(max);
    }
    let count = data.len();
    Ok(json!({"data": data, "info": {"count": count, "more_records": more}}))
}

/// The page the action asks for first: its `page_token`, else its `page`, else 1.
fn first_cursor(req: &ActionRequest) -> Cursor {
    let query = match &req.body {
        RequestBody::Json(body) => body.get("query"),
        _ => None,
    };
    if let Some(token) = query
        .and_then(|q| q.get("page_token"))
        .and_then(Value::as_str)
    {
        return Cursor::Token(token.to_owned());
    }
    Cursor::Page(
        query
            .and_then(|q| q.get("page"))
            .and_then(Value::as_u64)
            .unwrap_or(1),
    )
}

/// The creation of the job for `cursor`: the action's body with its page set.
fn create_request(req: &ActionRequest, cursor: &Cursor) -> ActionRequest {
    let mut create = req.clone();
    create.idempotent = false;
    let mut body = match &req.body {
        RequestBody::Json(Value::Object(body)) => body.clone(),
        _ => Map::new(),
    };
    let query = body
        .entry("query")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(query) = query {
        query.remove("page");
        query.remove("page_token");
        match cursor {
            Cursor::Page(page) => query.insert("page".into(), Value::from(*page)),
            Cursor::Token(token) => query.insert("page_token".into(), Value::from(token.clone())),
        };
    }
    create.body = RequestBody::Json(Value::Object(body));
    create
}

/// Run the job of one page: its rows, and where the next page comes from.
async fn page(
    client: &Client,
    req: &ActionRequest,
    cursor: &Cursor,
) -> Result<(mpsc::Receiver<Result<Value, Error>>, Option<Cursor>), Error> {
    let created = send_json(client, &create_request(req, cursor), Base::CrmBulk).await?;
    let id = created_id(&created)?;
    let job_path = |tail: Option<&'static str>| {
        let mut segments = vec![
            PathSegment::Literal("read"),
            PathSegment::Value {
                input: "jobId",
                value: id.clone(),
            },
        ];
        segments.extend(tail.map(PathSegment::Literal));
        RequestPath::Segments(segments)
    };
    let status = sub_request(req, Method::Get, job_path(None), true);
    let what = format!("bulk read job {id}");
    let done = wait(client, req, &what, &status, |answer| {
        answer.pointer("/data/0/state").and_then(Value::as_str)
    })
    .await?;
    let result = done.pointer("/data/0/result").cloned().unwrap_or_default();
    let next = match result.get("more_records").and_then(Value::as_bool) {
        Some(true) => Some(
            match result.get("next_page_token").and_then(Value::as_str) {
                Some(token) => Cursor::Token(token.to_owned()),
                None => {
                    let page = result
                        .get("page")
                        .and_then(Value::as_u64)
                        .unwrap_or(match cursor {
                            Cursor::Page(page) => *page,
                            Cursor::Token(_) => 1,
                        });
                    Cursor::Page(page + 1)
                }
            },
        ),
        _ => None,
    };
    let fetch = sub_request(req, Method::Get, job_path(Some("result")), true);
    let archive = download_within_limit(client, req, &fetch, Base::CrmBulk).await?;
    Ok((archive::rows(archive), next))
}

/// Download a result, waiting out Zoho's limit of downloads per minute (429) within the job's
/// wait.
pub(super) async fn download_within_limit(
    client: &Client,
    action: &ActionRequest,
    fetch: &ActionRequest,
    base: Base,
) -> Result<bytes::Bytes, Error> {
    let (until, _) = super::wait_until(action);
    let first = action
        .job
        .poll_interval
        .unwrap_or(Duration::from_secs(1))
        .max(Duration::from_millis(10));
    let mut pause = first;
    loop {
        match download(client, fetch, base.clone()).await {
            Err(error @ Error::RateLimited { .. }) => {
                let retry_after = match &error {
                    Error::RateLimited { retry_after, .. } => *retry_after,
                    _ => None,
                };
                let delay = retry_after.unwrap_or(pause).max(pause);
                if Instant::now() + delay > until {
                    return Err(error);
                }
                tokio::time::sleep(delay).await;
                pause = next_pause(first, pause);
            }
            other => return other,
        }
    }
}
