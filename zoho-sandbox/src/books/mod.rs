//! Zoho Books under `/books/v3/` and the legacy `/api/v3/`: routing, authentication, scopes,
//! `organization_id`, limits, and the record handlers with Books' envelope (books.md §1–§7).

pub(crate) mod errors;
mod fields;
mod kinds;
mod records;
mod store;

use http::Method;
use serde_json::json;

use crate::accounts::{AuthFailure, Op};
use crate::http::{Reply, Req};
use crate::state::{Product, State};
use kinds::{BooksKind, kind, top_level};
pub(crate) use store::Books;
use store::Org;

/// Which parent a record lives under, from a nested path.
#[derive(Debug, Clone)]
pub(crate) enum Parent {
    None,
    /// `/contacts/{contact_id}/contactpersons`.
    Contact(String),
    /// `/projects/{project_id}/tasks`.
    Project(String),
}

/// A recognised Books call.
#[derive(Debug)]
enum Route {
    Organizations,
    Organization(String),
    List(&'static BooksKind, Parent),
    Get(&'static BooksKind, Parent, String),
    Create(&'static BooksKind, Parent),
    Update(&'static BooksKind, Parent, String),
    Delete(&'static BooksKind, Parent, String),
    Status(&'static BooksKind, String, String),
    /// `GET /settings/fields?entity=X`.
    Fields,
}

impl Route {
    fn name(&self) -> &'static str {
        match self {
            Route::Organizations | Route::Organization(_) => "books.organizations",
            Route::Fields => "books.settings.fields",
            Route::List(k, _) => k.routes[0],
            Route::Get(k, _, _) => k.routes[1],
            Route::Create(k, _) => k.routes[2],
            Route::Update(k, _, _) | Route::Status(k, _, _) => k.routes[3],
            Route::Delete(k, _, _) => k.routes[4],
        }
    }

    fn scope(&self, method: &Method) -> (&'static str, Op) {
        match self {
            Route::Organizations | Route::Organization(_) | Route::Fields => ("settings", Op::Read),
            Route::Status(k, _, _) => (k.scope, Op::Create),
            Route::List(k, _)
            | Route::Get(k, _, _)
            | Route::Create(k, _)
            | Route::Update(k, _, _)
            | Route::Delete(k, _, _) => (k.scope, Op::of_method(method)),
        }
    }
}

fn crud(
    kind: &'static BooksKind,
    parent: Parent,
    id: Option<&str>,
    method: &Method,
) -> Result<Route, Reply> {
    let route = match (id, method) {
        (None, &Method::GET) => Route::List(kind, parent),
        (None, &Method::POST) => Route::Create(kind, parent),
        (Some(id), &Method::GET) => Route::Get(kind, parent, id.to_owned()),
        (Some(id), &Method::PUT) => Route::Update(kind, parent, id.to_owned()),
        (Some(id), &Method::DELETE) => Route::Delete(kind, parent, id.to_owned()),
        _ => return Err(errors::method_not_allowed(kind.routes[0])),
    };
    Ok(route)
}

fn parse(req: &Req) -> Result<Route, Reply> {
    let rest = req
        .path
        .strip_prefix("/books/v3/")
        .or_else(|| req.path.strip_prefix("/api/v3/"))
        .unwrap_or_default();
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let m = &req.method;
    let persons = kind("contactpersons");
    let tasks = kind("tasks");
    match (segments.as_slice(), persons, tasks) {
        (["organizations"], _, _) if *m == Method::GET => Ok(Route::Organizations),
        (["organizations", id], _, _) if *m == Method::GET => {
            Ok(Route::Organization((*id).to_owned()))
        }
        (["organizations", ..], _, _) => Err(errors::method_not_allowed("books.organizations")),
        // books.md §2.2: contact persons are listed and read nested, but created, updated and
        // deleted without the contact in the path.
        (["contacts", "contactpersons"], Some(k), _) if *m == Method::POST => {
            Ok(Route::Create(k, Parent::None))
        }
        (["contacts", "contactpersons", id], Some(k), _)
            if *m == Method::PUT || *m == Method::DELETE =>
        {
            crud(k, Parent::None, Some(id), m)
        }
        (["contacts", "contactpersons", ..], Some(k), _) => {
            Err(errors::method_not_allowed(k.routes[0]))
        }
        (["contacts", cid, "contactpersons"], Some(k), _) if *m == Method::GET => {
            Ok(Route::List(k, Parent::Contact((*cid).to_owned())))
        }
        (["contacts", cid, "contactpersons", id], Some(k), _) if *m == Method::GET => Ok(
            Route::Get(k, Parent::Contact((*cid).to_owned()), (*id).to_owned()),
        ),
        (["contacts", _, "contactpersons", ..], Some(k), _) => {
            Err(errors::method_not_allowed(k.routes[0]))
        }
        // books.md §2.2: time entries are not nested, `/projects/timeentries[/{id}]`.
        (["projects", "timeentries"], _, _) => crud(served("timeentries")?, Parent::None, None, m),
        (["projects", "timeentries", id], _, _) => {
            crud(served("timeentries")?, Parent::None, Some(id), m)
        }
        // books.md §2.1: employees are deleted at the singular `/employee/{id}`, and only there.
        (["employee", id], _, _) if *m == Method::DELETE => {
            crud(served("employees")?, Parent::None, Some(id), m)
        }
        (["employee", ..], _, _) => Err(errors::method_not_allowed("books.employees.delete")),
        (["employees", _], _, _) if *m == Method::DELETE => {
            Err(errors::method_not_allowed("books.employees.delete"))
        }
        (["settings", "fields"], _, _) if *m == Method::GET => Ok(Route::Fields),
        // books.md §2: settings records live under `/settings/...`.
        (["settings", path], _, _) => crud(settings(path)?, Parent::None, None, m),
        (["settings", path, id], _, _) => crud(settings(path)?, Parent::None, Some(id), m),
        (["projects", pid, "tasks"], _, Some(k)) => {
            crud(k, Parent::Project((*pid).to_owned()), None, m)
        }
        (["projects", pid, "tasks", id], _, Some(k)) => {
            crud(k, Parent::Project((*pid).to_owned()), Some(id), m)
        }
        ([path], _, _) => match top_level(path) {
            Some(k) => crud(k, Parent::None, None, m),
            None => Err(errors::invalid_url("books.invalid_url")),
        },
        ([path, id], _, _) => match top_level(path) {
            Some(k) => crud(k, Parent::None, Some(id), m),
            None => Err(errors::invalid_url("books.invalid_url")),
        },
        ([path, id, "status", status], _, _) if *m == Method::POST => {
            match kind(path).filter(|k| k.number.is_some() || k.path == "bills") {
                Some(k) => Ok(Route::Status(k, (*id).to_owned(), (*status).to_owned())),
                None => Err(errors::invalid_url("books.invalid_url")),
            }
        }
        _ => Err(errors::invalid_url("books.invalid_url")),
    }
}

/// A served type by path; Zoho's answer to an unknown URL otherwise.
fn served(path: &str) -> Result<&'static BooksKind, Reply> {
    kind(path).ok_or_else(|| errors::invalid_url("books.invalid_url"))
}

/// The settings types the sandbox serves under `/settings/`.
fn settings(path: &str) -> Result<&'static BooksKind, Reply> {
    match path {
        "taxes" => served(path),
        _ => Err(errors::invalid_url("books.invalid_url")),
    }
}

/// The organization the request names (query `organization_id`, or the header many clients send).
fn organization<'a>(state: &'a State, req: &Req, route: &'static str) -> Result<&'a Org, Reply> {
    let id = req.query("organization_id").map(str::to_owned).or_else(|| {
        req.headers
            .get("x-com-zoho-books-organizationid")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let questions = &state.config.open_questions;
    id.as_deref()
        .and_then(|id| state.books.org(id))
        .ok_or_else(|| {
            errors::error(
                route,
                questions.books_missing_org_status,
                questions.books_missing_org_code,
                "Invalid value passed for organization_id",
            )
        })
}

/// Answers one Books call.
pub(crate) async fn handle(state: &State, req: &Req) -> Reply {
    let route = match parse(req) {
        Ok(route) => route,
        Err(reply) => return reply,
    };
    let name = route.name();
    let scopes = match state.accounts.authenticate(req, state.clock.now()) {
        Ok(grant) => grant.scopes.clone(),
        Err(AuthFailure::Missing) => {
            return errors::unauthorized(name, "You are not authorized to perform this operation");
        }
        Err(AuthFailure::Invalid) => return errors::unauthorized(name, "Invalid OAuth Token"),
    };
    let (family, op) = route.scope(&req.method);
    if !scopes.books(family, op) {
        return errors::unauthorized(name, "You are not authorized to perform this operation");
    }
    match route {
        Route::Organizations => {
            if let Some(reply) = state.inject(name, Product::Books).await {
                return reply;
            }
            let orgs: Vec<_> = state.books.orgs.iter().map(Org::json).collect();
            Reply::json(
                name,
                200,
                &json!({"code": 0, "message": "success", "organizations": orgs}),
            )
        }
        Route::Organization(id) => {
            if let Some(reply) = state.inject(name, Product::Books).await {
                return reply;
            }
            match state.books.org(&id) {
                Some(org) => Reply::json(
                    name,
                    200,
                    &json!({"code": 0, "message": "success", "organization": org.json()}),
                ),
                None => errors::error(
                    name,
                    state.config.open_questions.books_not_found_status,
                    1002,
                    "Organization does not exist.",
                ),
            }
        }
        route => {
            let org = match organization(state, req, name) {
                Ok(org) => org,
                Err(reply) => return reply,
            };
            let faults = state.faults();
            let Some(_slot) = org.in_flight.try_enter(faults.books_concurrency_limit) else {
                return errors::concurrency_limit(name);
            };
            let now = state.clock.now();
            if !org.per_minute.try_take(
                faults.books_per_minute_limit,
                std::time::Duration::from_secs(60),
                now,
            ) {
                return errors::per_minute_limit(name);
            }
            if !org.per_day.try_take(
                faults.books_daily_limit,
                std::time::Duration::from_secs(86_400),
                now,
            ) {
                return errors::daily_limit(name, faults.books_daily_limit.unwrap_or(0));
            }
            if let Some(reply) = state.inject(name, Product::Books).await {
                return reply;
            }
            let ctx = records::Ctx {
                state,
                org,
                req,
                route: name,
            };
            match route {
                Route::List(k, parent) => records::list(&ctx, k, &parent),
                Route::Get(k, parent, id) => records::get(&ctx, k, &parent, &id),
                Route::Create(k, parent) => records::create(&ctx, k, &parent).await,
                Route::Update(k, parent, id) => records::update(&ctx, k, &parent, &id).await,
                Route::Delete(k, parent, id) => records::delete(&ctx, k, &parent, &id),
                Route::Status(k, id, status) => records::set_status(&ctx, k, &id, &status),
                Route::Fields => match req.query("entity").and_then(|e| fields::of(e, org.id)) {
                    Some(fields) => Reply::json(
                        name,
                        200,
                        &json!({"code": 0, "message": "success", "fields": fields}),
                    ),
                    None => errors::invalid_value(name, "entity"),
                },
                Route::Organizations | Route::Organization(_) => errors::invalid_url(name),
            }
        }
    }
}
