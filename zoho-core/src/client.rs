//! The client that sends [`ActionRequest`]s for one connection.

use std::sync::Arc;
use std::time::Duration;

use futures::Stream;
use serde_json::Value;
use url::Url;

use crate::call::Call;
use crate::execute::{self, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TRY_TIMEOUT, Transport};
use crate::limits::{ConnectionLimits, LimitSettings, Limiter, LocalLimiter};
use crate::organization::Organization;
use crate::retry::ActionRetry;
use crate::wire::HttpClient;
use crate::{
    ActionRequest, Error, TokenSource, batch, deadline, describe, job, organization, paging, shape,
};

/// Sends requests for one named connection: holds its tokens, base URLs, limits, retry policy
/// and timeouts. Cheap to clone; clones share the token source, the HTTP connection pool, the
/// limits and the cached Books organizations.
///
/// ```
/// use std::sync::Arc;
/// use zoho_core::{AccessToken, Client, Secret, StaticToken};
///
/// let token = StaticToken(AccessToken {
///     token: Secret::new("1000.example"),
///     api_domain: "https://www.zohoapis.eu".into(),
/// });
/// let client = Client::builder("default")
///     .token_source(Arc::new(token))
///     .crm_version("v8")
///     .concurrency(5)
///     .max_retries(4)
///     .build()
///     .unwrap();
/// assert_eq!(client.name(), "default");
/// assert!(!format!("{client:?}").contains("1000.example"));
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) transport: Transport,
    pub(crate) books_organization_id: Option<String>,
    pub(crate) crm_default_fields: Option<Vec<String>>,
    pub(crate) organizations: tokio::sync::OnceCell<Vec<Organization>>,
    /// Module schemas fetched to validate writes ([`describe::SchemaCache`]).
    pub(crate) schemas: describe::SchemaCache,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = &self.inner;
        let transport = &inner.transport;
        f.debug_struct("Client")
            .field("name", &transport.connection)
            .field("api_base", &transport.api_base.as_ref().map(Url::as_str))
            .field("crm_version", &transport.crm_version)
            .field("books_organization_id", &inner.books_organization_id)
            .field("crm_default_fields", &inner.crm_default_fields)
            .field("limits", &transport.limits)
            .field("retry", &transport.retry)
            .field("try_timeout", &transport.try_timeout)
            .field("tokens", &transport.tokens)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Start configuring a client for the connection `name`.
    pub fn builder(name: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            name: name.into(),
            tokens: None,
            api_base: None,
            crm_version: "v3".into(),
            books_organization_id: None,
            crm_default_fields: None,
            limits: LimitSettings::default(),
            limiter: None,
            retry: ActionRetry::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            try_timeout: DEFAULT_TRY_TIMEOUT,
            call_timeout: deadline::DEFAULT_CALL_TIMEOUT,
            http: None,
        }
    }

    /// The connection's name (`default`).
    pub fn name(&self) -> &str {
        &self.inner.transport.connection
    }

    /// The connection's limits now (what `limits.get` answers): calls in flight, the window,
    /// credits, and token mints in the last 10 minutes, summed over the organizations it uses.
    pub async fn limits(&self) -> Result<ConnectionLimits, Error> {
        let state = self.inner.transport.limit_state().await?;
        Ok(ConnectionLimits {
            in_flight: state.in_flight,
            concurrency: state.concurrency,
            credits_used_24h: state.credits_used_24h,
            credits_remaining: state.credits_remaining,
            token_mints_last_10m: self.inner.transport.tokens.mints_last_10m(),
        })
    }

    /// Send one request and shape its result as `req.result` says.
    ///
    /// # Results and errors per [`crate::ResultShape`]
    ///
    /// | shape | success result | errors |
    /// |---|---|---|
    /// | `Raw` | the body as `response_type` says: JSON as sent (`null` when empty), text as a string, binary as `{"base64": "..."}` | any non-2xx status; Books `code != 0` in a JSON body |
    /// | `CrmWrite` | the one item of `{"data": [item]}`: `{"code", "details", "message", "status"}` | an item with `status: "error"` under any status (200, 201, 202, 207, 400): `Api` with that item's code, message, details |
    /// | `CrmRecord` | the record (`data[0]`) | 204 or empty `data`: `NotFound` |
    /// | `CrmRecords`, `CrmCoql` | `{"data": [...], "info": {...}}` as sent; 204 is `{"data": [], "info": {"count": 0, "more_records": false}}` | non-2xx |
    /// | `CrmDelete` | the item, as `CrmWrite` (`details.id`, `message: "record deleted"`) | 204, or an `INVALID_DATA` item about the `id`: `NotFound` |
    /// | `BooksRecord` | the envelope's one payload key (not `code`, `message`, `page_context`), found generically | `code != 0` (even under 200); 1002: `NotFound` |
    /// | `BooksRecords` | `{"<list key>": [...], "page_context": {...}}` (the envelope without `code` and `message`) | as `BooksRecord` |
    /// | `BooksDelete` | what Zoho said: `{"code": 0, "message": "..."}` | as `BooksRecord` |
    /// | `CrmWriteMany`, `CrmDeleteMany` | `{"succeeded": [{index, id, action, details}], "failed": [{index, code, message, details}]}`, every item of `req.batch` under its index, sent 100 per request (the `batch` module) | only a batch refused before sending (a bad id); a chunk that fails marks its records failed |
    /// | `Json` | the JSON object as sent; `{}` when empty | any non-2xx status; a body that is not an object |
    /// | `CrmFile` | `{"fileName", "contentType", "base64"}` | 204: `NotFound` |
    /// | `CrmSchema` | a JSON Schema (draft 2020-12) of one record, from `settings/fields` and `settings/layouts` (the `describe` module) | as `Json`, for either request |
    /// | `BooksSchema` | a JSON Schema (draft 2020-12) of one record, from Books' `settings/fields?entity=X` | as `BooksRecords` |
    ///
    /// With `req.validate`, a CRM write's record(s) are first checked against that schema:
    /// a mismatch is `InvalidInput` naming `values.<Field>` (or `records[i].<Field>`).
    ///
    /// Whatever the shape: HTTP 429, CRM `TOO_MANY_REQUESTS` and Books 44/45/1070 are `RateLimited`;
    /// a 401 `INVALID_TOKEN`/`AUTHENTICATION_FAILURE` that survived a token refresh is `Unauthorized`.
    ///
    /// # Refused before anything is sent ([`Error::InvalidInput`])
    ///
    /// A raw `url` that is not a plain path below the base, or a template value that is empty,
    /// `.` or `..` (see [`crate::resolve_url`]); an `Authorization`, `Host` or framing
    /// header; a zero timeout; a CRM list without `fields` when the connection has no
    /// `crm_default_fields`; a Books call whose organization is ambiguous (`organizationId`).
    ///
    /// # Following pages
    ///
    /// With `req.paging.fetch_all` or `req.paging.max_records`, follows pages (CRM `page` up to
    /// 2,000 records then `page_token`; Books `page_context.has_more_page`) and returns all records
    /// in one result: CRM `{"data": [...], "info": {"count": n, "more_records": bool}}`, Books
    /// `{"<list key>": [...], "page_context": {... "has_more_page": bool}}`, where `more_records` /
    /// `has_more_page` say whether `max_records` left records behind.
    ///
    /// # Retries, timeouts and limits
    ///
    /// Typed actions retry by the spec's `idempotent` flag (see `retry::classify_action`);
    /// raw requests (`ResultShape::Raw`) by their own [`crate::RetryPolicy`]. Each try waits for
    /// a slot of its Zoho organization's budget ([`Limiter`]) and has the per-try timeout;
    /// the whole call ends within its budget ([`crate::within`]). A page of a paged call that
    /// still fails ends it with [`Error::Export`]: `resume.delivered` counts the records of the
    /// pages before it, which this call does not return (stream with [`Client::records`] to keep
    /// them).
    pub async fn execute(&self, req: ActionRequest) -> Result<Value, Error> {
        if is_one_request(&req) {
            return self.execute_one(&req).await;
        }
        // Boxed: the future of these (schemas, batches, jobs, paging) is many times the size
        // of a plain call's, and every plain call would carry and copy it.
        Box::pin(self.execute_composite(req)).await
    }

    /// [`Client::execute`] for a call that validates first, or is more than one request to
    /// Zoho (a schema, a batch, a job, pages followed).
    async fn execute_composite(&self, req: ActionRequest) -> Result<Value, Error> {
        if req.validate {
            self.validate(&req).await?;
        }
        let send = |part: ActionRequest| {
            let client = self.clone();
            async move { client.execute_one(&part).await }
        };
        match req.result {
            crate::ResultShape::CrmSchema => return describe::execute(&req, send).await,
            crate::ResultShape::BooksSchema => return describe::books::execute(&req, send).await,
            _ => {}
        }
        if matches!(
            req.result,
            crate::ResultShape::CrmWriteMany | crate::ResultShape::CrmDeleteMany
        ) {
            return batch::execute(&req, |chunk| {
                let client = self.clone();
                async move { client.execute_one(&chunk).await }
            })
            .await;
        }
        match req.result {
            crate::ResultShape::CrmBulkRead => return job::collect_read(self, req).await,
            crate::ResultShape::CrmBulkWrite => return job::write(self, &req).await,
            _ => {}
        }
        if paging::follows_pages(&req) {
            return paging::collect(self.page_fetcher(), req, self.coql_limit()).await;
        }
        self.execute_one(&req).await
    }

    /// As [`Client::execute`], the result as JSON text: the same JSON, and where the result is
    /// a piece of Zoho's answer (a CRM record, page or write result, a Books record, a raw JSON
    /// body) that piece as Zoho wrote it, never
    /// parsed into a [`Value`] and written again. What a server answering in JSON sends on.
    pub async fn execute_raw(
        &self,
        req: ActionRequest,
    ) -> Result<Box<serde_json::value::RawValue>, Error> {
        // Only one plain request whose result can be a piece of the answer (a CRM record, page
        // or write result, a Books record, a raw body) can be passed through; every other shape
        // (schemas, multi-record writes, jobs, pages followed, Books lists) is whatever
        // `execute` does.
        let passes_through = is_one_request(&req)
            && matches!(
                req.result,
                crate::ResultShape::CrmRecord
                    | crate::ResultShape::CrmRecords
                    | crate::ResultShape::CrmCoql
                    | crate::ResultShape::CrmWrite
                    | crate::ResultShape::CrmDelete
                    | crate::ResultShape::BooksRecord
                    | crate::ResultShape::Raw
            );
        if !passes_through {
            return shape::to_raw(&self.execute(req).await?);
        }
        let sent = self.send_one(&req).await?;
        shape::shape_raw(&req, self.name(), sent.answer)
            .map_err(|err| err.with_attempts(sent.attempts))
    }

    /// Check a CRM write's record(s) against its module's schema: types, lengths and picklist
    /// values always, required fields when creating (`POST /{module}`). The schema is cached per
    /// module for [`describe::SCHEMA_TTL`]; a refusal is confirmed with a schema fetched now.
    async fn validate(&self, req: &ActionRequest) -> Result<(), Error> {
        let crate::RequestPath::Segments(segments) = &req.path else {
            return Ok(());
        };
        let Some(module) = segments.iter().find_map(|segment| match segment {
            crate::PathSegment::Value { input, value } if *input == "recordType" => {
                Some(value.clone())
            }
            _ => None,
        }) else {
            return Ok(());
        };
        let mut describe = ActionRequest::new(
            "crm.describe",
            crate::Product::Crm,
            crate::Method::Get,
            crate::RequestPath::Segments(vec![
                crate::PathSegment::Literal("settings"),
                crate::PathSegment::Literal("fields"),
            ]),
        );
        describe.result = crate::ResultShape::CrmSchema;
        describe.idempotent = true;
        describe.query.push(("module".into(), module.clone()));
        let creating = req.method == crate::Method::Post && paging::module_list(req);
        let cache = &self.inner.schemas;
        if let Some(schema) = cache.get(&module, std::time::Instant::now())
            && describe::check_request(&schema, req, creating).is_ok()
        {
            return Ok(());
        }
        // Not cached, or refused by a cached schema: Zoho's fields may have changed since.
        let schema = Box::pin(self.execute(describe)).await?;
        cache.put(&module, schema.clone(), std::time::Instant::now());
        describe::check_request(&schema, req, creating)
    }

    /// The records of a list request (`CrmRecords`, `CrmCoql`, `BooksRecords`), one at a time,
    /// following pages as `req.paging` says; holds one page in memory at a time, so it suits
    /// exports of 100,000 records. The first error ends the stream.
    pub fn records(
        &self,
        req: ActionRequest,
    ) -> impl Stream<Item = Result<Value, Error>> + Send + '_ {
        use futures::StreamExt;
        if req.result == crate::ResultShape::CrmBulkRead {
            return job::records(self.clone(), req).left_stream();
        }
        paging::records(self.page_fetcher(), req, self.coql_limit()).right_stream()
    }

    /// The most rows one COQL query returns on this connection's CRM API version.
    fn coql_limit(&self) -> u64 {
        crate::keyset::coql_limit(&self.inner.transport.crm_version)
    }

    /// How the pager (and the Books organization lookup) sends a request: this client's
    /// `execute_one`.
    fn page_fetcher(&self) -> paging::FetchPage {
        let client = self.clone();
        Box::new(move |req| {
            let client = client.clone();
            Box::pin(async move { client.execute_one(&req).await })
        })
    }

    /// One request, one answer, shaped.
    pub(crate) async fn execute_one(&self, req: &ActionRequest) -> Result<Value, Error> {
        let sent = self.send_one(req).await?;
        shape::shape(req, self.name(), sent.answer).map_err(|err| err.with_attempts(sent.attempts))
    }

    /// One request sent, Zoho's answer as it came.
    async fn send_one(&self, req: &ActionRequest) -> Result<execute::Sent, Error> {
        let mut call = Call::prepare(req)?;
        shape::complete_query(
            req,
            &mut call.query,
            self.inner.crm_default_fields.as_deref(),
        )?;
        if call.product == crate::Product::Books {
            let books = organization::Books {
                connection: self.name(),
                configured: self.inner.books_organization_id.as_deref(),
                cache: &self.inner.organizations,
                lookup: self.page_fetcher(),
            };
            organization::add_to_query(books, req, &mut call).await?;
        }
        self.inner.transport.send(&call).await
    }
}

/// Whether `req` is one request to Zoho and its answer the whole result: no validation first,
/// no pages followed, not a schema, batch or job (each of those is several requests).
fn is_one_request(req: &ActionRequest) -> bool {
    !req.validate
        && !paging::follows_pages(req)
        && !matches!(
            req.result,
            crate::ResultShape::CrmSchema
                | crate::ResultShape::BooksSchema
                | crate::ResultShape::CrmWriteMany
                | crate::ResultShape::CrmDeleteMany
                | crate::ResultShape::CrmBulkRead
                | crate::ResultShape::CrmBulkWrite
        )
}

/// Configures a [`Client`]; [`ClientBuilder::build`] checks the configuration.
#[must_use]
pub struct ClientBuilder {
    name: String,
    tokens: Option<Arc<dyn TokenSource>>,
    api_base: Option<String>,
    crm_version: String,
    books_organization_id: Option<String>,
    crm_default_fields: Option<Vec<String>>,
    limits: LimitSettings,
    limiter: Option<Arc<dyn Limiter>>,
    retry: ActionRetry,
    connect_timeout: Duration,
    try_timeout: Duration,
    call_timeout: Duration,
    http: Option<HttpClient>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("name", &self.name)
            .field("api_base", &self.api_base)
            .field("crm_version", &self.crm_version)
            .field("limits", &self.limits)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Where access tokens come from (required): a `TokenManager`, or [`crate::StaticToken`].
    pub fn token_source(mut self, tokens: Arc<dyn TokenSource>) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// An explicit API base (`http://127.0.0.1:8080` for the sandbox) instead of the token's
    /// `api_domain`. CRM calls go to `{base}/crm/{version}`, Books calls to `{base}/books/v3`.
    pub fn api_base(mut self, base: impl Into<String>) -> Self {
        self.api_base = Some(base.into());
        self
    }

    /// The CRM API version (`v3`, the default, up to `v8`).
    pub fn crm_version(mut self, version: impl Into<String>) -> Self {
        self.crm_version = version.into();
        self
    }

    /// The Books organization used when a call names none.
    pub fn books_organization_id(mut self, id: impl Into<String>) -> Self {
        self.books_organization_id = Some(id.into());
        self
    }

    /// The fields CRM list calls ask for when the call names none (Zoho requires `fields`).
    pub fn crm_default_fields(mut self, fields: Vec<String>) -> Self {
        self.crm_default_fields = Some(fields);
        self
    }

    /// Most calls in flight at once per Zoho organization (default 10, Zoho's cap for most
    /// editions). Calls past it wait for a slot within their budget.
    pub fn concurrency(mut self, max: usize) -> Self {
        self.limits.concurrency = max;
        self
    }

    /// The same as [`ClientBuilder::concurrency`] (its older name).
    pub fn max_in_flight(self, max: usize) -> Self {
        self.concurrency(max)
    }

    /// Most heavy calls (COQL, sorted lists, writes of more than 10 records, convert) in flight
    /// at once per organization (default 10, Zoho's sub-concurrency).
    pub fn heavy_concurrency(mut self, max: usize) -> Self {
        self.limits.heavy_concurrency = max;
        self
    }

    /// The organization's API credits per rolling 24 hours; past them calls are refused at
    /// once with `limit: "credits"` (default: not counted, unless Zoho reports them).
    pub fn daily_credits(mut self, credits: Option<u64>) -> Self {
        self.limits.daily_credits = credits;
        self
    }

    /// Where calls take their slots (default: a [`LocalLimiter`] of this client's own). Share
    /// one between clients acting on the same organizations so they count together.
    pub fn limiter(mut self, limiter: Arc<dyn Limiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Retries after the first try of a typed action (default 2: 3 attempts in all).
    /// Raw requests follow their own `maxRetryCount` instead.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// The first backoff delay of a typed action's retries (default 1 s); it doubles with full
    /// jitter up to 20 s, and Zoho's `Retry-After` wins when sent.
    pub fn retry_initial(mut self, delay: Duration) -> Self {
        self.retry.initial = delay;
        self
    }

    /// How long making a connection may take (default 10 s). Ignored with
    /// [`ClientBuilder::http_client`], whose own setting applies.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one try may wait for its answer (default 30 s); a raw request's `timeout`
    /// input wins for that call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.try_timeout = timeout;
        self
    }

    /// The whole-call budget when none is set around the call with
    /// [`crate::within`] (default 300 s): retries, waits for a slot and token
    /// refreshes included.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Share an HTTP client (and its connection pools). Build it with [`HttpClient::new`] (no
    /// redirects, a connect timeout): a redirect is then an answer the retry policy sees, and a
    /// token never follows one. A `reqwest::Client` of your own is used as you configured it.
    /// Without this, the client makes its own.
    pub fn http_client(mut self, http: impl Into<HttpClient>) -> Self {
        self.http = Some(http.into());
        self
    }

    /// Check the configuration and build the client.
    pub fn build(self) -> Result<Client, Error> {
        let tokens = self.tokens.ok_or_else(|| {
            Error::Config(format!("connection `{}` has no token source", self.name))
        })?;
        let api_base = self
            .api_base
            .as_deref()
            .map(execute::parse_base)
            .transpose()
            .map_err(|reason| Error::Config(format!("api_base: {reason}")))?;
        // The one CRM version check: the config file's (`crm_api_version`).
        let crm_version = crate::config::CrmApiVersion::parse(&self.crm_version).map_err(|_| {
            Error::Config(format!(
                "crm_version `{}` is not one of {}",
                self.crm_version,
                crate::config::CrmApiVersion::KNOWN.join(", ")
            ))
        })?;
        if let Some(fields) = &self.crm_default_fields
            && (fields.is_empty()
                || fields
                    .iter()
                    .any(|f| f.trim().is_empty() || f.contains(',')))
        {
            return Err(Error::Config(
                "crm_default_fields must list field API names, none empty or containing a comma"
                    .into(),
            ));
        }
        if self
            .books_organization_id
            .as_deref()
            .is_some_and(|id| id.trim().is_empty())
        {
            return Err(Error::Config("books_organization_id is empty".into()));
        }
        check_limits(&self.limits)?;
        for (name, value) in [
            ("connect_timeout", self.connect_timeout),
            ("timeout", self.try_timeout),
            ("call_timeout", self.call_timeout),
        ] {
            if value.is_zero() {
                return Err(Error::Config(format!("{name} must be longer than zero")));
            }
        }
        let http = match self.http {
            Some(http) => http,
            None => HttpClient::new(self.connect_timeout)?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Transport {
                    connection: self.name,
                    tokens,
                    api_base,
                    crm_version: crm_version.as_str().to_owned(),
                    http,
                    limiter: self
                        .limiter
                        .unwrap_or_else(|| Arc::new(LocalLimiter::new())),
                    limits: self.limits,
                    retry: self.retry,
                    try_timeout: self.try_timeout,
                    call_timeout: self.call_timeout,
                    books_scopes: Default::default(),
                    reused: Default::default(),
                },
                books_organization_id: self.books_organization_id,
                crm_default_fields: self.crm_default_fields,
                organizations: tokio::sync::OnceCell::new(),
                schemas: describe::SchemaCache::default(),
            }),
        })
    }
}

fn check_limits(limits: &LimitSettings) -> Result<(), Error> {
    for (name, value) in [
        ("concurrency", limits.concurrency),
        ("heavy_concurrency", limits.heavy_concurrency),
    ] {
        if value == 0 {
            return Err(Error::Config(format!("{name} must be at least 1")));
        }
        if value > MAX_CONCURRENCY {
            return Err(Error::Config(format!(
                "{name} must be at most {MAX_CONCURRENCY}"
            )));
        }
    }
    Ok(())
}

/// More calls in flight than this to one organization is a mistake, not a setting.
const MAX_CONCURRENCY: usize = 100_000;

/// Where dispatch finds the client for a call's `connection` input.
pub trait ClientSource: Send + Sync {
    /// The client for `connection`, or the default one for `None`.
    /// An unknown name is [`Error::InvalidInput`] on field `connection`.
    fn client(&self, connection: Option<&str>) -> Result<&Client, Error>;
}

impl ClientSource for Client {
    fn client(&self, connection: Option<&str>) -> Result<&Client, Error> {
        match connection {
            None => Ok(self),
            Some(name) if name == self.name() => Ok(self),
            Some(name) => Err(Error::InvalidInput {
                field: "connection".into(),
                reason: format!(
                    "unknown connection `{name}`; this client is `{}`",
                    self.name()
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::execute::parse_base;

    #[test]
    fn crm_versions_are_the_config_files() {
        let token = crate::AccessToken {
            token: crate::Secret::new("t"),
            api_domain: "https://www.zohoapis.com".into(),
        };
        let build = |version: &str| {
            Client::builder("c")
                .token_source(std::sync::Arc::new(crate::StaticToken(token.clone())))
                .crm_version(version)
                .build()
        };
        for good in ["v2.1", "v3", "v8", "V8"] {
            assert!(build(good).is_ok(), "{good}");
        }
        for bad in ["", "3", "v", "v2", "v9", "v3/../x", "v3.", "v3.1.2"] {
            let err = build(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("is not one of v2.1, v3"), "{bad}: {err}");
        }
    }

    #[test]
    fn bases_are_plain_http_urls() {
        assert!(parse_base("http://127.0.0.1:8080").is_ok());
        assert!(parse_base("https://www.zohoapis.eu/").is_ok());
        for bad in [
            "ftp://x",
            "not a url",
            "https://u:p@host",
            "https://host?x=1",
            "file:///etc",
        ] {
            assert!(parse_base(bad).is_err(), "{bad}");
        }
    }
}
