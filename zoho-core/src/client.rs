//! The client that sends [`ActionRequest`]s for one connection.

use std::sync::Arc;

use futures::Stream;
use serde_json::Value;
use url::Url;

use crate::execute::Call;
use crate::limit::{DEFAULT_MAX_IN_FLIGHT, InFlightLimit};
use crate::organization::Organization;
use crate::{ActionRequest, Error, TokenSource, organization, paging, shape};

/// Sends requests for one named connection: holds its tokens, base URLs and limits.
/// Cheap to clone; clones share the token source, the HTTP connection pool, the in-flight limit
/// and the cached Books organizations.
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
///     .max_in_flight(5)
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
    pub(crate) name: String,
    pub(crate) tokens: Arc<dyn TokenSource>,
    pub(crate) api_base: Option<Url>,
    pub(crate) crm_version: String,
    pub(crate) books_organization_id: Option<String>,
    pub(crate) crm_default_fields: Option<Vec<String>>,
    pub(crate) limit: InFlightLimit,
    pub(crate) http: reqwest::Client,
    pub(crate) organizations: tokio::sync::OnceCell<Vec<Organization>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Client")
            .field("name", &inner.name)
            .field("api_base", &inner.api_base.as_ref().map(Url::as_str))
            .field("crm_version", &inner.crm_version)
            .field("books_organization_id", &inner.books_organization_id)
            .field("crm_default_fields", &inner.crm_default_fields)
            .field("max_in_flight", &inner.limit.max())
            .field("tokens", &inner.tokens)
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
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            http: None,
        }
    }

    /// The connection's name (`default`).
    pub fn name(&self) -> &str {
        &self.inner.name
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
    ///
    /// Whatever the shape: HTTP 429, CRM `TOO_MANY_REQUESTS` and Books 44/45/1070 are `RateLimited`;
    /// a 401 `INVALID_TOKEN`/`AUTHENTICATION_FAILURE` that survived a token refresh is `Unauthorized`.
    ///
    /// # Refused before anything is sent ([`Error::InvalidInput`])
    ///
    /// A raw `url` that is not a plain path below the base, or a template value that is empty,
    /// `.` or `..` (see [`crate::path::resolve_url`]); an `Authorization`, `Host` or framing
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
    pub async fn execute(&self, req: ActionRequest) -> Result<Value, Error> {
        if paging::follows_pages(&req) {
            return paging::collect(self, req).await;
        }
        self.execute_one(&req).await
    }

    /// The records of a list request (`CrmRecords`, `CrmCoql`, `BooksRecords`), one at a time,
    /// following pages as `req.paging` says; holds one page in memory at a time, so it suits
    /// exports of 100,000 records. The first error ends the stream.
    pub fn records(
        &self,
        req: ActionRequest,
    ) -> impl Stream<Item = Result<Value, Error>> + Send + '_ {
        paging::records(self.clone(), req)
    }

    /// One request, one answer, shaped.
    pub(crate) async fn execute_one(&self, req: &ActionRequest) -> Result<Value, Error> {
        let mut call = Call::prepare(req)?;
        shape::complete_query(
            req,
            &mut call.query,
            self.inner.crm_default_fields.as_deref(),
        )?;
        organization::add_to_query(self, req, &mut call).await?;
        let answer = self.send(&call).await?;
        shape::shape(req, &self.inner.name, answer)
    }
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
    max_in_flight: usize,
    http: Option<reqwest::Client>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("name", &self.name)
            .field("api_base", &self.api_base)
            .field("crm_version", &self.crm_version)
            .field("max_in_flight", &self.max_in_flight)
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

    /// Most requests in flight at once on this connection (default 10).
    pub fn max_in_flight(mut self, max: usize) -> Self {
        self.max_in_flight = max;
        self
    }

    /// Share an HTTP client (and its connection pool). Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: a redirect is then an answer the retry
    /// policy sees, and a token never follows one. Without this, the client makes its own.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
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
            .map(parse_base)
            .transpose()
            .map_err(|reason| Error::Config(format!("api_base: {reason}")))?;
        if !valid_crm_version(&self.crm_version) {
            return Err(Error::Config(format!(
                "crm_version `{}` is not a CRM API version such as `v3` or `v8`",
                self.crm_version
            )));
        }
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
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                name: self.name,
                tokens,
                api_base,
                crm_version: self.crm_version,
                books_organization_id: self.books_organization_id,
                crm_default_fields: self.crm_default_fields,
                limit: InFlightLimit::new(self.max_in_flight)?,
                http,
                organizations: tokio::sync::OnceCell::new(),
            }),
        })
    }
}

fn valid_crm_version(version: &str) -> bool {
    let Some(number) = version.strip_prefix('v') else {
        return false;
    };
    let mut parts = number.splitn(2, '.');
    let major_ok = parts
        .next()
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let minor_ok = parts
        .next()
        .is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    major_ok && minor_ok
}

/// An API base: an http(s) URL with a host and nothing after the path.
pub(crate) fn parse_base(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{raw}` must be an http or https URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}` has no host"));
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(format!(
            "`{raw}` must not carry a query, fragment or user name"
        ));
    }
    Ok(url)
}

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
            Some(name) if name == self.inner.name => Ok(self),
            Some(name) => Err(Error::InvalidInput {
                field: "connection".into(),
                reason: format!(
                    "unknown connection `{name}`; this client is `{}`",
                    self.inner.name
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crm_versions() {
        for good in ["v2", "v2.1", "v3", "v8"] {
            assert!(valid_crm_version(good), "{good}");
        }
        for bad in ["", "3", "v", "v3/../x", "v3.", "v3.1.2", "V3"] {
            assert!(!valid_crm_version(bad), "{bad}");
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
