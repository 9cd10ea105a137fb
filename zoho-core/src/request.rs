//! A call to Zoho described as data: generated executors build an [`ActionRequest`],
//! [`crate::Client`] sends it. Building a request needs no server, so it is unit-testable.

use std::time::Duration;

use serde_json::Value;

/// Which Zoho product a request goes to; it picks the base URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    /// Zoho CRM: `{api_domain}/crm/{version}`.
    Crm,
    /// Zoho Books: `{api_domain}/books/v3`, with `organization_id` on every call but `/organizations`.
    Books,
}

/// The HTTP methods an action may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl Method {
    /// The method as it goes on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether sending the request twice has the effect of sending it once.
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

/// The path below the product's base URL.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestPath {
    /// A path from the spec's template: literal segments and input values.
    /// Each value is exactly one path segment: the client percent-encodes it, and refuses
    /// an empty value or `.`/`..`, so a value can never change the shape of the path.
    Segments(Vec<PathSegment>),
    /// A path given by the user (Raw Request). The client checks it is a path below the base
    /// (no scheme, no `//host`, no backslash, no CR/LF, no `..` climbing out) before use.
    /// It may carry its own `?query`.
    Raw(String),
}

/// One segment of a templated path.
#[derive(Debug, Clone, PartialEq)]
pub enum PathSegment {
    /// A fixed segment written in the spec (`Attachments`, `coql`).
    Literal(&'static str),
    /// A segment from an input (`recordType`, `recordId`): always one segment, percent-encoded.
    /// `input` is the JSON-RPC param name, used in errors.
    Value {
        /// The param the value came from (`recordId`).
        input: &'static str,
        /// The value as the user gave it.
        value: String,
    },
}

/// Text or bytes, as a file input or a binary response carries them.
/// Over JSON a plain string is text and `{"base64": "..."}` is bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileContent {
    /// UTF-8 text.
    Text(String),
    /// Raw bytes.
    Binary(Vec<u8>),
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq)]
pub struct MultipartPart {
    /// The part's form name (`file`).
    pub name: String,
    /// The file name sent in the part's `Content-Disposition`, for file parts.
    pub file_name: Option<String>,
    /// What the part holds.
    pub content: FileContent,
}

/// The request body.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum RequestBody {
    /// No body.
    #[default]
    Empty,
    /// A JSON document, sent as `application/json`.
    Json(Value),
    /// URL-encoded form fields.
    Form(Vec<(String, String)>),
    /// A `multipart/form-data` body.
    Multipart(Vec<MultipartPart>),
}

/// How to read the response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseType {
    /// Parse it as JSON.
    #[default]
    Json,
    /// Return it as a string.
    Text,
    /// Return it as `{"base64": "..."}`.
    Binary,
}

/// What the action's result is made of, and which Zoho answers are errors.
/// Named in the spec per action; each is implemented once, in the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultShape {
    /// The body as Zoho sent it (raw requests), read as [`ResponseType`] says.
    Raw,
    /// CRM single-record write (`{"data":[item]}`): an item with `status: "error"` is an API error
    /// whatever the HTTP status; on success the item (`code`, `details`, `message`, `status`).
    CrmWrite,
    /// CRM get one (`{"data":[record]}`): the record; 204 is record-not-found.
    CrmRecord,
    /// CRM list page: `{"data":[...], "info":{...}}`; 204 is an empty page with `more_records: false`.
    CrmRecords,
    /// COQL: like [`ResultShape::CrmRecords`]; 204 is an empty result.
    CrmCoql,
    /// CRM delete: like [`ResultShape::CrmWrite`]; a missing record is record-not-found.
    CrmDelete,
    /// Books single record: the envelope's one object key; `code != 0` is an API error and 1002 is
    /// record-not-found.
    BooksRecord,
    /// Books list page: the envelope's one array key plus `page_context`.
    BooksRecords,
    /// Books delete: `code` and `message`.
    BooksDelete,
    /// CRM multi-record write: [`ActionRequest::batch`] is sent 100 records per request, in
    /// order, as `{"data": [...]}` beside the body's other fields; the result is
    /// `{"succeeded": [{index, id, action, details}], "failed": [{index, code, message, details}]}`
    /// with each record's position in the batch (see the `batch` module).
    CrmWriteMany,
    /// CRM multi-record delete: the batch's ids are sent 100 per request as `ids=a,b,...`;
    /// the result is as [`ResultShape::CrmWriteMany`]'s.
    CrmDeleteMany,
    /// A JSON object as Zoho sent it (metadata, counts, tag changes); `{}` for 204 or an
    /// empty body; non-2xx is an error.
    Json,
    /// A file download: `{"fileName", "contentType", "base64"}` from the answer's
    /// `Content-Disposition`, `Content-Type` and bytes; 204 is record-not-found.
    CrmFile,
    /// A JSON Schema of one record of the module in the `module` query pair, from Zoho's field
    /// and layout metadata (see the `describe` module); an optional `layout_id` pair picks the layout.
    CrmSchema,
    /// A JSON Schema of one record of the Books record type in the `entity` query pair, from
    /// the fields Books lists for it (`settings/fields?entity=X`; see the `describe` module).
    BooksSchema,
    /// A CRM bulk read job run to the end (the `job` module): the request is the job's creation
    /// (`POST` below `/crm/bulk/{version}`), sent once; the job is polled, each result page's ZIP
    /// is unzipped and its CSV rows become records, streamed like a list's; later pages are new
    /// jobs. Collected, the result is as [`ResultShape::CrmRecords`]'s.
    CrmBulkRead,
    /// A CRM bulk write job (the `job` module): [`ActionRequest::batch`] is written as a CSV,
    /// zipped, uploaded to Zoho's file host, and made a job (sent once per 25,000 records);
    /// the job is polled and its result file mapped back to the records' indexes, as
    /// [`ResultShape::CrmWriteMany`]'s result, with the `jobs` it ran.
    CrmBulkWrite,
}

/// How a job action ([`ResultShape::CrmBulkRead`], [`ResultShape::CrmBulkWrite`]) waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobWait {
    /// The first pause between status calls (`None`: 1 s); it grows by half each time, up to
    /// 30 s or ten times the first, whichever is larger.
    pub poll_interval: Option<Duration>,
    /// How long the job may run before the call gives up on it (`None`: the call's budget when
    /// one is set around the call, else 30 minutes). The job itself keeps running at Zoho.
    pub max_wait: Option<Duration>,
}

impl ResultShape {
    /// Whether the result is a page of records that can be streamed page by page (the spec
    /// model's `ResultShape::is_list` says the same of the spec's shapes).
    pub fn is_list(self) -> bool {
        matches!(self, ResultShape::CrmRecords | ResultShape::BooksRecords)
    }

    /// Whether the result's records can be streamed one at a time: a list's pages, or a bulk
    /// read's jobs (the spec model's `ResultShape::streams_records` says the same).
    pub fn streams_records(self) -> bool {
        self.is_list() || self == ResultShape::CrmBulkRead
    }
}

/// The retry policy, exactly as the Raw Request inputs describe it. Only raw requests
/// (`ResultShape::Raw`) use it; typed actions follow the connection's policy, by the spec's
/// `idempotent` flag (`max_retries`, `retry_initial_ms`; see `retry::classify_action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first try; 0 means none.
    pub max_retries: u32,
    /// Pause between retries when exponential backoff is off.
    pub delay: Duration,
    /// Use the built-in growing, jittered delay; `delay` is then ignored.
    pub exponential_backoff: bool,
    /// Retry on every failed response (429, other 4xx, 3xx), not only 5xx and network errors.
    pub retry_on_all_errors: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 0,
            delay: Duration::ZERO,
            exponential_backoff: false,
            retry_on_all_errors: false,
        }
    }
}

/// Following pages for list actions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paging {
    /// Follow every page (CRM `page` up to 2,000 records then `page_token`; Books `has_more_page`).
    pub fetch_all: bool,
    /// Stop after this many records.
    pub max_records: Option<u64>,
    /// Start past Zoho's 100,000-record token limit, with the records after this id in the
    /// list's id order: where a stopped export's [`crate::Resume::after_id`] says to go on. Only
    /// for a CRM module list ordered by id; any other list refuses it.
    pub after_id: Option<String>,
}

/// The items of a multi-record call (records to write, ids to delete), sent in chunks as the
/// request's [`ResultShape`] says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batch {
    /// The param the items came from (`records`), for errors.
    pub input: &'static str,
    /// The items, in the caller's order: JSON objects to write, or id strings to delete.
    pub items: Vec<Value>,
}

/// The record an action is about, for a record-not-found error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRef {
    /// The record type (`Leads`, `invoices`).
    pub record_type: String,
    /// The record id.
    pub record_id: String,
}

/// One call to Zoho, as data.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRequest {
    /// The JSON-RPC method name of the action (`crm.getRecord`), for logs and errors.
    pub action: &'static str,
    /// Which product's base URL the path goes under.
    pub product: Product,
    /// The HTTP method.
    pub method: Method,
    /// The path below the base URL.
    pub path: RequestPath,
    /// Query parameters, in order.
    pub query: Vec<(String, String)>,
    /// Extra request headers. `Authorization` is the client's alone and is refused here.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: RequestBody,
    /// How to read the response body.
    pub response_type: ResponseType,
    /// What the result is made of.
    pub result: ResultShape,
    /// Longest wait for a response, per try (`None`: the connection's `timeout_secs`).
    pub timeout: Option<Duration>,
    /// When to try again: raw requests only (typed actions use the connection's policy).
    pub retry: RetryPolicy,
    /// Whether sending this call twice has the effect of sending it once, as the spec's
    /// `idempotent` flag says (reads, updates by id, deletes, COQL). A call that is not idempotent
    /// (a create) is never sent again once Zoho may have received it.
    pub idempotent: bool,
    /// Log the request (secrets redacted) through `tracing`.
    pub debug_request: bool,
    /// Books: the organization to act in; when `None` the client picks it (connection setting, or
    /// the user's only organization) and never guesses between several.
    pub organization_id: Option<String>,
    /// Follow pages (list actions).
    pub paging: Paging,
    /// The record the action is about, when there is one.
    pub record: Option<RecordRef>,
    /// The items of a multi-record call ([`ResultShape::CrmWriteMany`], [`ResultShape::CrmDeleteMany`]).
    pub batch: Option<Batch>,
    /// CRM writes: check the record(s) against the module's schema (the `describe` module)
    /// before sending; a mismatch is [`crate::Error::InvalidInput`] naming the field.
    pub validate: bool,
    /// How a job action waits for its job.
    pub job: JobWait,
}

impl ActionRequest {
    /// A request with no query, headers or body, JSON response, raw result, no retries, and not
    /// idempotent (the safe reading until the spec says otherwise).
    pub fn new(action: &'static str, product: Product, method: Method, path: RequestPath) -> Self {
        ActionRequest {
            action,
            product,
            method,
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: RequestBody::Empty,
            response_type: ResponseType::Json,
            result: ResultShape::Raw,
            timeout: None,
            retry: RetryPolicy::default(),
            idempotent: false,
            debug_request: false,
            organization_id: None,
            paging: Paging::default(),
            record: None,
            batch: None,
            validate: false,
            job: JobWait::default(),
        }
    }
}
