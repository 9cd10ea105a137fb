//! One paging engine for every list action, behind both `execute` with `fetch_all`/`max_records`
//! (all records in one result) and `records()` (a stream holding one page at a time).
//!
//! - CRM lists follow `page` while the next page stays within Zoho's 2,000-record limit for
//!   discrete pages, then `info.next_page_token` (dropping `page`, keeping every other parameter
//!   unchanged, as Zoho's token requires) until `more_records` is false or the answer is 204.
//!   A call that starts with a `page_token` follows tokens from the start. Other CRM lists
//!   (search, deleted, related records, attachments) send no tokens and go on by page number.
//!   Past Zoho's 100,000-record token limit, a module list ordered by id goes on with COQL keyed
//!   on the last id ([`crate::keyset`]); one sorted by another field stops there with an
//!   [`Error::InvalidInput`] on `sortBy` that says what to do, never with records twice or lost.
//! - Books lists follow `page` while `page_context.has_more_page` is true.
//! - COQL has no pages to follow (it pages with LIMIT/OFFSET in the query); it yields one page.
//!
//! Every page is a read, so it is retried as an idempotent call whatever the action; a page that
//! still fails ends the export with [`Error::Export`], whose [`Resume`] names the page (or page
//! token) to ask for next and how many records came before it.

use std::collections::VecDeque;

use futures::Stream;
use serde_json::{Map, Value, json};

use crate::auth::BoxFuture;
use crate::keyset::{self, Keyset};
use crate::{ActionRequest, Error, ResultShape, Resume, shape};

/// Sends one page's request and shapes its answer: the client's `execute_one`, given by the
/// client so that paging depends on nothing above it.
pub(crate) type FetchPage =
    Box<dyn Fn(ActionRequest) -> BoxFuture<'static, Result<Value, Error>> + Send + Sync>;

/// Zoho CRM serves at most this many records through `page`; beyond, only `page_token` works.
pub const CRM_DISCRETE_PAGING_LIMIT: u64 = 2_000;
/// CRM's default and largest page.
const CRM_DEFAULT_PER_PAGE: u64 = 200;

/// A module's own list (`GET /{module}`), where Zoho serves 2,000 records by page number and
/// the rest by page token.
pub(crate) fn module_list(req: &ActionRequest) -> bool {
    matches!(&req.path, crate::RequestPath::Segments(segments) if segments.len() == 1)
}

/// Whether the request asks to follow pages.
pub(crate) fn follows_pages(req: &ActionRequest) -> bool {
    req.paging.fetch_all || req.paging.max_records.is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Crm,
    Books,
    Coql,
}

#[derive(Debug)]
enum Cursor {
    Page(u64),
    Token(String),
    /// COQL for the records after this id (past the token limit).
    After(String),
    Done,
}

struct Pager {
    fetch: FetchPage,
    req: ActionRequest,
    kind: Kind,
    follow: bool,
    cursor: Cursor,
    per_page: u64,
    seen: u64,
    list_key: Option<String>,
    last_envelope: Option<Map<String, Value>>,
    /// `max_records` stopped us while Zoho had more.
    left_behind: bool,
    /// How a followed module list goes on past the token limit, when it can.
    keyset: Option<Keyset>,
    /// The id of the last record delivered.
    last_id: Option<String>,
}

fn take_param(query: &mut Vec<(String, String)>, name: &str) -> Option<String> {
    let value = query
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone());
    query.retain(|(key, _)| key != name);
    value
}

fn number_param(value: Option<String>, field: &str, default: u64) -> Result<u64, Error> {
    match value {
        None => Ok(default),
        Some(text) => {
            text.parse::<u64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Error::InvalidInput {
                    field: field.into(),
                    reason: format!("`{text}` is not a page number of 1 or more"),
                })
        }
    }
}

impl Pager {
    fn new(fetch: FetchPage, mut req: ActionRequest, coql_limit: u64) -> Result<Pager, Error> {
        let kind = match req.result {
            ResultShape::CrmRecords => Kind::Crm,
            ResultShape::BooksRecords => Kind::Books,
            ResultShape::CrmCoql => Kind::Coql,
            other => {
                return Err(Error::InvalidInput {
                    field: "fetchAll".into(),
                    reason: format!(
                        "`{}` returns {other:?}, not a list; only list actions follow pages",
                        req.action
                    ),
                });
            }
        };
        let follow = follows_pages(&req) && kind != Kind::Coql;
        let mut per_page = CRM_DEFAULT_PER_PAGE;
        let cursor = match kind {
            Kind::Coql => Cursor::Page(1),
            Kind::Crm => {
                per_page = number_param(
                    req.query
                        .iter()
                        .find(|(k, _)| k == "per_page")
                        .map(|(_, v)| v.clone()),
                    "perPage",
                    CRM_DEFAULT_PER_PAGE,
                )?;
                match take_param(&mut req.query, "page_token") {
                    Some(token) => {
                        take_param(&mut req.query, "page");
                        Cursor::Token(token)
                    }
                    None => {
                        Cursor::Page(number_param(take_param(&mut req.query, "page"), "page", 1)?)
                    }
                }
            }
            Kind::Books => {
                Cursor::Page(number_param(take_param(&mut req.query, "page"), "page", 1)?)
            }
        };
        let keyset = (kind == Kind::Crm && follow)
            .then(|| Keyset::of(&req, coql_limit))
            .flatten();
        let cursor = match (&req.paging.after_id, &keyset) {
            (None, _) => cursor,
            (Some(id), Some(_)) => Cursor::After(id.clone()),
            (Some(_), None) => {
                return Err(Error::InvalidInput {
                    field: "afterId".into(),
                    reason: "only a CRM module list ordered by id, with fetchAll or maxRecords, \
                             goes on after an id"
                        .into(),
                });
            }
        };
        let cursor = if req.paging.max_records == Some(0) {
            Cursor::Done
        } else {
            cursor
        };
        Ok(Pager {
            fetch,
            req,
            kind,
            follow,
            cursor,
            per_page,
            seen: 0,
            list_key: None,
            last_envelope: None,
            left_behind: false,
            keyset,
            last_id: None,
        })
    }

    /// The next page's records, or `None` when there are no more to follow.
    async fn next_page(&mut self) -> Result<Option<Vec<Value>>, Error> {
        let cursor = std::mem::replace(&mut self.cursor, Cursor::Done);
        let mut req = match (&cursor, &self.keyset) {
            (Cursor::After(last), Some(keyset)) => match keyset.request(&self.req, last) {
                Some(req) => req,
                None => return Ok(None),
            },
            _ => self.req.clone(),
        };
        let page_number = match &cursor {
            Cursor::Done => return Ok(None),
            Cursor::Page(n) => {
                if self.kind != Kind::Coql {
                    req.query.push(("page".into(), n.to_string()));
                }
                Some(*n)
            }
            Cursor::Token(token) => {
                req.query.push(("page_token".into(), token.clone()));
                None
            }
            Cursor::After(_) => None,
        };
        // Reading a page twice changes nothing: retried as an idempotent call.
        req.idempotent = true;
        let page = match (self.fetch)(req).await {
            Ok(page) => page,
            // Zoho refuses tokens past its limit; a list ordered by id goes on by id.
            Err(cause)
                if matches!(cursor, Cursor::Token(_))
                    && self.keyset.is_some()
                    && cause.zoho_code().map(ToString::to_string).as_deref()
                        == Some("PAGINATION_LIMIT_EXCEEDED") =>
            {
                match self.last_id.clone() {
                    Some(last) => {
                        self.cursor = Cursor::After(last);
                        return Ok(Some(Vec::new()));
                    }
                    None => return Err(self.stopped(cause, page_number, &cursor)),
                }
            }
            // A list in another order cannot go on exactly: say so, and what to do instead.
            Err(cause)
                if matches!(cursor, Cursor::Token(_))
                    && cause.zoho_code().map(ToString::to_string).as_deref()
                        == Some("PAGINATION_LIMIT_EXCEEDED")
                    && let Some(refusal) = keyset::beyond_the_limit(&self.req, self.seen) =>
            {
                return Err(refusal);
            }
            Err(cause) => return Err(self.stopped(cause, page_number, &cursor)),
        };
        let Value::Object(mut envelope) = page else {
            return Err(Error::Internal("a list page is not a JSON object".into()));
        };
        let key = match self.kind {
            Kind::Crm | Kind::Coql => Some("data".to_owned()),
            Kind::Books => {
                if self.list_key.is_none() {
                    self.list_key = shape::books_list_key(&Value::Object(envelope.clone()));
                }
                self.list_key.clone()
            }
        };
        let mut records = match key.and_then(|k| envelope.remove(&k)) {
            Some(Value::Array(records)) => records,
            _ => Vec::new(),
        };
        let more = match self.kind {
            Kind::Crm | Kind::Coql => envelope
                .get("info")
                .and_then(|i| i.get("more_records"))
                .and_then(Value::as_bool),
            Kind::Books => envelope
                .get("page_context")
                .and_then(|c| c.get("has_more_page"))
                .and_then(Value::as_bool),
        }
        .unwrap_or(false);

        if self.follow && more && !records.is_empty() {
            let reaches_token_limit = self.seen + records.len() as u64 >= keyset::CRM_TOKEN_LIMIT;
            self.cursor = match (&self.keyset, keyset::last_id(&records)) {
                (Some(_), Some(last))
                    if matches!(cursor, Cursor::After(_)) || reaches_token_limit =>
                {
                    Cursor::After(last)
                }
                _ if matches!(cursor, Cursor::After(_)) => Cursor::Done,
                _ => self.next_cursor(page_number, &envelope)?,
            };
        }
        if let Some(max) = self.req.paging.max_records {
            let room = max.saturating_sub(self.seen);
            if records.len() as u64 >= room {
                self.left_behind = records.len() as u64 > room || more;
                records.truncate(usize::try_from(room).unwrap_or(usize::MAX));
                self.cursor = Cursor::Done;
            }
        }
        self.seen += records.len() as u64;
        if let Some(last) = keyset::last_id(&records) {
            self.last_id = Some(last);
        }
        self.last_envelope = Some(envelope);
        Ok(Some(records))
    }

    /// The error of a page that failed, with where to resume.
    fn stopped(&self, cause: Error, page: Option<u64>, cursor: &Cursor) -> Error {
        if matches!(cause, Error::InvalidInput { .. } | Error::Config(_)) {
            // Nothing to resume: the request itself is wrong.
            return cause;
        }
        let (page_token, after_id) = match cursor {
            Cursor::Token(token) => (Some(token.clone()), None),
            Cursor::After(id) => (None, Some(id.clone())),
            _ => (None, None),
        };
        Error::Export {
            cause: Box::new(cause),
            resume: Resume {
                page: if self.kind == Kind::Coql { None } else { page },
                page_token,
                after_id,
                delivered: self.seen,
            },
        }
    }

    fn next_cursor(
        &self,
        page_number: Option<u64>,
        envelope: &Map<String, Value>,
    ) -> Result<Cursor, Error> {
        if self.kind == Kind::Books {
            // There is no page after the largest page number.
            return Ok(page_number
                .and_then(|n| n.checked_add(1))
                .map_or(Cursor::Done, Cursor::Page));
        }
        if let Some(n) = page_number
            && n.saturating_add(1).saturating_mul(self.per_page) <= CRM_DISCRETE_PAGING_LIMIT
        {
            return Ok(Cursor::Page(n + 1));
        }
        match envelope
            .get("info")
            .and_then(|i| i.get("next_page_token"))
            .and_then(Value::as_str)
        {
            Some(token) if !token.is_empty() => Ok(Cursor::Token(token.to_owned())),
            // Lists other than a module's own (deleted, related, attachments) have no page
            // tokens and no 2,000-record limit: their pages go on by number.
            _ if !module_list(&self.req) && page_number.is_some() => Ok(page_number
                .and_then(|n| n.checked_add(1))
                .map_or(Cursor::Done, Cursor::Page)),
            _ => Err(Error::Internal(format!(
                "Zoho CRM has more records after record {} but sent no next_page_token; \
                 records past {CRM_DISCRETE_PAGING_LIMIT} are reachable only with page tokens",
                self.seen
            ))),
        }
    }

    /// The collected result: the first page's envelope shape around every record.
    fn result(self, records: Vec<Value>) -> Value {
        let count = records.len();
        match self.kind {
            Kind::Crm | Kind::Coql => {
                json!({"data": records, "info": {"count": count, "more_records": self.left_behind}})
            }
            Kind::Books => {
                let mut context = self
                    .last_envelope
                    .as_ref()
                    .and_then(|e| e.get("page_context"))
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                context.insert("has_more_page".into(), Value::Bool(self.left_behind));
                let mut result = Map::new();
                result.insert(
                    self.list_key.clone().unwrap_or_else(|| "records".into()),
                    Value::Array(records),
                );
                result.insert("page_context".into(), Value::Object(context));
                Value::Object(result)
            }
        }
    }
}

/// Follow every page and return all records in one result.
///
/// `coql_limit` is the most rows one COQL query may return on the connection's API version,
/// for lists that go on past the token limit ([`crate::keyset`]).
pub(crate) async fn collect(
    fetch: FetchPage,
    req: ActionRequest,
    coql_limit: u64,
) -> Result<Value, Error> {
    let mut pager = Pager::new(fetch, req, coql_limit)?;
    let mut all = Vec::new();
    while let Some(records) = pager.next_page().await? {
        all.extend(records);
    }
    Ok(pager.result(all))
}

enum State {
    Start(FetchPage, Box<ActionRequest>, u64),
    Running(Box<Pager>, VecDeque<Value>),
}

/// The records of a list request, one at a time; one page in memory.
pub(crate) fn records(
    fetch: FetchPage,
    req: ActionRequest,
    coql_limit: u64,
) -> impl Stream<Item = Result<Value, Error>> + Send {
    let start = State::Start(fetch, Box::new(req), coql_limit);
    futures::stream::try_unfold(start, |state| async move {
        let (mut pager, mut buffer) = match state {
            State::Start(fetch, req, coql_limit) => (
                Box::new(Pager::new(fetch, *req, coql_limit)?),
                VecDeque::new(),
            ),
            State::Running(pager, buffer) => (pager, buffer),
        };
        loop {
            if let Some(record) = buffer.pop_front() {
                return Ok(Some((record, State::Running(pager, buffer))));
            }
            match pager.next_page().await? {
                Some(records) => buffer = records.into(),
                None => return Ok(None),
            }
        }
    })
}
