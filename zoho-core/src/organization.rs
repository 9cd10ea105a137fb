//! Which Books organization a call acts in. Zoho Books needs `organization_id` on every call but
//! `GET /organizations`, and one token reaches every organization of its user, so the client
//! never guesses: the call's `organizationId`, else the connection's `books_organization_id`,
//! else the user's only organization (looked up once per client and cached); with several and
//! none chosen, an error that lists them.

use serde_json::Value;

use crate::call::Call;
use crate::paging::FetchPage;
use crate::{ActionRequest, Error, Method, PathSegment, Product, RequestPath, ResultShape};

const QUERY_KEY: &str = "organization_id";
const FIELD: &str = "organizationId";

/// A Books organization the connection's user belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Organization {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// What choosing an organization needs from the client: its settings, its cache of the user's
/// organizations, and a way to send the lookup (so this module depends on nothing above it).
pub(crate) struct Books<'a> {
    /// The connection's name, for errors.
    pub(crate) connection: &'a str,
    /// The connection's `books_organization_id`.
    pub(crate) configured: Option<&'a str>,
    /// The user's organizations, looked up once per client.
    pub(crate) cache: &'a tokio::sync::OnceCell<Vec<Organization>>,
    /// Sends the `/organizations` lookup.
    pub(crate) lookup: FetchPage,
}

/// Add `organization_id` to a Books call's query, unless the call is `/organizations` or its
/// query already sets it.
pub(crate) async fn add_to_query(
    books: Books<'_>,
    req: &ActionRequest,
    call: &mut Call,
) -> Result<(), Error> {
    if call.product != Product::Books
        || call.target.path == "/organizations"
        || call.target.sets_query(QUERY_KEY)
        || call.query.iter().any(|(key, _)| key == QUERY_KEY)
    {
        return Ok(());
    }
    let id = match (&req.organization_id, books.configured) {
        (Some(id), _) => {
            if id.trim().is_empty() {
                return Err(Error::InvalidInput {
                    field: FIELD.into(),
                    reason: "the organization id is empty; give the id of a Books organization"
                        .into(),
                });
            }
            id.clone()
        }
        (None, Some(id)) => id.to_owned(),
        (None, None) => only_organization(&books, req.debug_request).await?,
    };
    call.query.push((QUERY_KEY.into(), id));
    Ok(())
}

async fn only_organization(books: &Books<'_>, debug_request: bool) -> Result<String, Error> {
    let organizations = books
        .cache
        .get_or_try_init(|| async {
            let mut lookup = ActionRequest::new(
                "books.organizations",
                Product::Books,
                Method::Get,
                RequestPath::Segments(vec![PathSegment::Literal("organizations")]),
            );
            lookup.result = ResultShape::BooksRecords;
            lookup.debug_request = debug_request;
            // This lookup is itself a Books call (one that needs no organization).
            let page = (books.lookup)(lookup).await?;
            parse(&page)
        })
        .await?;
    match organizations.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(Error::InvalidInput {
            field: FIELD.into(),
            reason: format!(
                "the Zoho user of connection `{}` belongs to no Books organization; create one in Zoho Books",
                books.connection
            ),
        }),
        several => Err(Error::InvalidInput {
            field: FIELD.into(),
            reason: format!(
                "connection `{}` reaches {} Books organizations: {}; choose one with `organizationId` \
                 or the connection's books_organization_id",
                books.connection,
                several.len(),
                several
                    .iter()
                    .map(|o| format!("{} ({})", o.id, o.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

fn parse(page: &Value) -> Result<Vec<Organization>, Error> {
    let list = page
        .get("organizations")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::Internal("Zoho Books' /organizations answer has no `organizations` list".into())
        })?;
    list.iter()
        .map(|org| {
            let id = match org.get("organization_id") {
                Some(Value::String(id)) => id.clone(),
                Some(Value::Number(id)) => id.to_string(),
                _ => {
                    return Err(Error::Internal(
                        "a Books organization has no `organization_id`".into(),
                    ));
                }
            };
            let name = org
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            Ok(Organization { id, name })
        })
        .collect()
}
