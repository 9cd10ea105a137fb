//! Zoho CRM under `/crm/{v2.1..v8}/`: routing, authentication, scopes and limits, then the
//! records, list, COQL, attachment and settings handlers.

mod attachments;
mod bulk;
mod bulk_read;
mod bulk_write;
mod convert;
mod coql_eval;
mod coql_parse;
mod deleted;
pub(crate) mod errors;
mod list;
mod notes;
mod photo;
mod records;
mod related;
mod schema;
mod search;
mod seed;
mod settings;
mod store;
mod tags;
mod users;
pub(crate) mod watch;
mod watch_condition;

use std::sync::RwLock;

use http::Method;
use serde_json::{Value, json};

use crate::accounts::{AuthFailure, Op, Scopes};
use crate::http::{Reply, Req};
use crate::limits::Gauge;
use crate::state::{Product, State};
use schema::{MODULES, ModuleDef, module_by_name};
use seed::SeedCtx;
use store::ModuleStore;

/// All CRM data, one lock per module.
#[derive(Debug)]
pub(crate) struct Crm {
    modules: Vec<RwLock<ModuleStore>>,
    attachments: attachments::Attachments,
    photos: photo::Photos,
    tags: tags::Tags,
    notes: notes::Notes,
    watch: watch::Watch,
    bulk: bulk::Bulk,
    concurrency: Gauge,
    sub_concurrency: Gauge,
}

impl Crm {
    /// Seeds `records` Leads and proportionally fewer of the other modules.
    pub(crate) fn new(seed: u64, records: usize) -> Crm {
        let mut counts = [0u32; 6];
        for def in MODULES {
            let count = records.saturating_mul(def.per_thousand_leads) / 1_000;
            counts[usize::try_from(def.number).unwrap_or(0)] =
                u32::try_from(count).unwrap_or(u32::MAX);
        }
        let ctx = SeedCtx { seed, counts };
        Crm {
            modules: MODULES
                .iter()
                .map(|def| RwLock::new(ModuleStore::new(def, ctx)))
                .collect(),
            attachments: attachments::Attachments::default(),
            photos: photo::Photos::default(),
            tags: tags::Tags::default(),
            notes: notes::Notes::default(),
            watch: watch::Watch::default(),
            bulk: bulk::Bulk::default(),
            concurrency: Gauge::default(),
            sub_concurrency: Gauge::default(),
        }
    }

    /// The store of a module.
    fn store(&self, def: &ModuleDef) -> Option<&RwLock<ModuleStore>> {
        MODULES
            .iter()
            .position(|m| std::ptr::eq(m, def))
            .and_then(|i| self.modules.get(i))
    }
}

/// The CRM API version of the path; v2.1 counts as 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version(pub u8);

impl Version {
    fn parse(text: &str) -> Option<Version> {
        match text {
            "v2.1" => Some(Version(2)),
            "v3" => Some(Version(3)),
            "v4" => Some(Version(4)),
            "v5" => Some(Version(5)),
            "v6" => Some(Version(6)),
            "v7" => Some(Version(7)),
            "v8" => Some(Version(8)),
            _ => None,
        }
    }
}

/// A recognised CRM call.
#[derive(Debug)]
enum Route {
    List(&'static ModuleDef),
    Insert(&'static ModuleDef),
    UpdateMany(&'static ModuleDef),
    DeleteMany(&'static ModuleDef),
    Upsert(&'static ModuleDef),
    Get(&'static ModuleDef, String),
    UpdateOne(&'static ModuleDef, String),
    DeleteOne(&'static ModuleDef, String),
    AttachmentList(&'static ModuleDef, String),
    AttachmentUpload(&'static ModuleDef, String),
    AttachmentDeleteMany(&'static ModuleDef, String),
    AttachmentGet(&'static ModuleDef, String, String),
    AttachmentDelete(&'static ModuleDef, String, String),
    Photo(&'static ModuleDef, String, photo::Call),
    Search(&'static ModuleDef),
    Deleted(&'static ModuleDef),
    Count(&'static ModuleDef),
    Convert(&'static ModuleDef, String),
    Coql,
    Modules(Option<String>),
    Fields,
    CustomViews,
    Layouts(Option<String>),
    RelatedLists,
    Related(&'static ModuleDef, String, String),
    NotesList(Option<(&'static ModuleDef, String)>),
    NotesCreate(Option<(&'static ModuleDef, String)>),
    NoteGet(String),
    NoteUpdate(String),
    NotesDelete(Option<String>),
    TagList,
    Tag(&'static ModuleDef, Option<String>, tags::Change),
    Users,
    User(String),
    Org,
    Watch(watch::Call),
}

impl Route {
    fn name(&self) -> &'static str {
        match self {
            Route::List(_) => "crm.records.list",
            Route::Insert(_) => "crm.records.insert",
            Route::UpdateMany(_) => "crm.records.update",
            Route::DeleteMany(_) => "crm.records.delete",
            Route::Upsert(_) => "crm.records.upsert",
            Route::Get(..) => "crm.records.get",
            Route::UpdateOne(..) => "crm.records.update_one",
            Route::DeleteOne(..) => "crm.records.delete_one",
            Route::AttachmentList(..) => "crm.attachments.list",
            Route::AttachmentUpload(..) => "crm.attachments.upload",
            Route::AttachmentDeleteMany(..) => "crm.attachments.delete",
            Route::AttachmentGet(..) => "crm.attachments.download",
            Route::AttachmentDelete(..) => "crm.attachments.delete_one",
            Route::Photo(_, _, photo::Call::Upload) => "crm.photo.upload",
            Route::Photo(_, _, photo::Call::Download) => "crm.photo.download",
            Route::Photo(_, _, photo::Call::Delete) => "crm.photo.delete",
            Route::Search(_) => "crm.records.search",
            Route::Deleted(_) => "crm.records.deleted",
            Route::Count(_) => "crm.records.count",
            Route::Convert(..) => "crm.leads.convert",
            Route::Coql => "crm.coql",
            Route::Modules(_) => "crm.settings.modules",
            Route::Fields => "crm.settings.fields",
            Route::CustomViews => "crm.settings.custom_views",
            Route::Layouts(_) => "crm.settings.layouts",
            Route::RelatedLists => "crm.settings.related_lists",
            Route::Related(..) => "crm.related.list",
            Route::NotesList(_) => "crm.notes.list",
            Route::NotesCreate(_) => "crm.notes.create",
            Route::NoteGet(_) => "crm.notes.get",
            Route::NoteUpdate(_) => "crm.notes.update",
            Route::NotesDelete(_) => "crm.notes.delete",
            Route::TagList => "crm.settings.tags",
            Route::Tag(_, _, tags::Change::Add) => "crm.tags.add",
            Route::Tag(_, _, tags::Change::Remove) => "crm.tags.remove",
            Route::Users => "crm.users.list",
            Route::User(_) => "crm.users.get",
            Route::Org => "crm.org",
            Route::Watch(call) => call.name(),
        }
    }

    /// Whether the token's scopes allow this call (crm.md §2.1, §5, §8).
    fn allowed(&self, scopes: &Scopes, version: Version, state: &State) -> bool {
        match self {
            Route::List(m)
            | Route::Get(m, _)
            | Route::Search(m)
            | Route::Deleted(m)
            | Route::Count(m) => scopes.crm_module(m.api_name, Op::Read),
            Route::Convert(m, _) => {
                scopes.crm_module(m.api_name, Op::Update)
                    && scopes.crm_module("Contacts", Op::Create)
            }
            Route::Insert(m) => scopes.crm_module(m.api_name, Op::Create),
            Route::UpdateMany(m) | Route::UpdateOne(m, _) => {
                scopes.crm_module(m.api_name, Op::Update)
            }
            Route::Upsert(m) => {
                scopes.crm_module(m.api_name, Op::Create)
                    && scopes.crm_module(m.api_name, Op::Update)
            }
            Route::DeleteMany(m) | Route::DeleteOne(m, _) => {
                scopes.crm_module(m.api_name, Op::Delete)
            }
            Route::AttachmentList(m, _) | Route::AttachmentGet(m, _, _) => {
                scopes.crm_attachments(m.api_name, Op::Read)
            }
            Route::AttachmentUpload(m, _) => scopes.crm_attachments(m.api_name, Op::Create),
            // A photo is part of its record: reading it reads the record, setting or removing
            // it updates the record.
            Route::Photo(m, _, photo::Call::Download) => scopes.crm_module(m.api_name, Op::Read),
            Route::Photo(m, _, _) => scopes.crm_module(m.api_name, Op::Update),
            Route::AttachmentDeleteMany(m, _) | Route::AttachmentDelete(m, _, _) => {
                scopes.crm_attachments(m.api_name, Op::Delete)
            }
            // The module READ scope is checked once the query names its module.
            Route::Coql => {
                let needs_coql =
                    version >= Version(8) || state.config.open_questions.coql_scope_before_v8;
                !needs_coql || scopes.crm_coql()
            }
            Route::Modules(_) => scopes.crm_settings("modules"),
            Route::Fields => scopes.crm_settings("fields"),
            Route::CustomViews => scopes.crm_settings("custom_views"),
            Route::Layouts(_) => scopes.crm_settings("layouts"),
            Route::RelatedLists => scopes.crm_settings("related_lists"),
            Route::Related(m, _, related) => {
                let target = related::find(m, related).map_or("Notes", |list| match list {
                    related::RelatedList::Records { module, .. } => module.api_name,
                    related::RelatedList::Notes => "Notes",
                    related::RelatedList::Attachments => "Attachments",
                });
                scopes.crm_module(m.api_name, Op::Read) && scopes.crm_module(target, Op::Read)
            }
            Route::NotesList(_) | Route::NoteGet(_) => scopes.crm_module("Notes", Op::Read),
            Route::NotesCreate(_) => scopes.crm_module("Notes", Op::Create),
            Route::NoteUpdate(_) => scopes.crm_module("Notes", Op::Update),
            Route::NotesDelete(_) => scopes.crm_module("Notes", Op::Delete),
            Route::TagList => scopes.crm_settings("tags"),
            Route::Tag(m, _, _) => scopes.crm_module(m.api_name, Op::Update),
            Route::Users | Route::User(_) => scopes.crm_read("users"),
            Route::Org => scopes.crm_read("org"),
            Route::Watch(call) => scopes.crm_notifications(call.op()),
        }
    }
}

fn module(route: &'static str, name: &str) -> Result<&'static ModuleDef, Reply> {
    module_by_name(name)
        .ok_or_else(|| errors::invalid_module(route, json!({"resource_path_index": 0})))
}

fn parse(req: &Req) -> Result<(Version, Route), Reply> {
    let rest = req.path.strip_prefix("/crm/").unwrap_or_default();
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let Some(version) = segments.first().and_then(|v| Version::parse(v)) else {
        return Err(errors::invalid_url("crm.invalid_url"));
    };
    let m = &req.method;
    let route = match (&segments[1..], m) {
        (["coql"], &Method::POST) => Route::Coql,
        (["coql"], _) => return Err(errors::invalid_method("crm.coql")),
        // Before `[name, id]` and `[name, "actions", ..]`: `actions` is not a module.
        (["actions", "watch"], _) => match watch::Call::of(m) {
            Some(call) => Route::Watch(call),
            None => return Err(errors::invalid_method("crm.watch.get")),
        },
        (["settings", "modules"], &Method::GET) => Route::Modules(None),
        (["settings", "modules", name], &Method::GET) => Route::Modules(Some((*name).to_owned())),
        (["settings", "fields"], &Method::GET) => Route::Fields,
        (["settings", "custom_views"], &Method::GET) => Route::CustomViews,
        (["settings", "tags"], &Method::GET) => Route::TagList,
        (["settings", "related_lists"], &Method::GET) => Route::RelatedLists,
        (["settings", "layouts"], &Method::GET) => Route::Layouts(None),
        (["settings", "layouts", id], &Method::GET) => Route::Layouts(Some((*id).to_owned())),
        (["Notes"], _) => match *m {
            Method::GET => Route::NotesList(None),
            Method::POST => Route::NotesCreate(None),
            Method::DELETE => Route::NotesDelete(None),
            _ => return Err(errors::invalid_method("crm.notes.list")),
        },
        (["Notes", id], _) => match *m {
            Method::GET => Route::NoteGet((*id).to_owned()),
            Method::PUT => Route::NoteUpdate((*id).to_owned()),
            Method::DELETE => Route::NotesDelete(Some((*id).to_owned())),
            _ => return Err(errors::invalid_method("crm.notes.get")),
        },
        (["settings", ..], _) => return Err(errors::invalid_url("crm.invalid_url")),
        (["users"], &Method::GET) => Route::Users,
        (["users", id], &Method::GET) => Route::User((*id).to_owned()),
        (["org"], &Method::GET) => Route::Org,
        ([name], _) => {
            let def = module("crm.records.list", name)?;
            match *m {
                Method::GET => Route::List(def),
                Method::POST => Route::Insert(def),
                Method::PUT => Route::UpdateMany(def),
                Method::DELETE => Route::DeleteMany(def),
                _ => return Err(errors::invalid_method("crm.records.list")),
            }
        }
        ([name, "upsert"], &Method::POST) => Route::Upsert(module("crm.records.upsert", name)?),
        ([_, "upsert"], _) => return Err(errors::invalid_method("crm.records.upsert")),
        ([name, "search"], &Method::GET) => Route::Search(module("crm.records.search", name)?),
        ([_, "search"], _) => return Err(errors::invalid_method("crm.records.search")),
        // Before `[name, id]`: `deleted` is not a record id (crm.md §3.5).
        ([name, "deleted"], &Method::GET) => Route::Deleted(module("crm.records.deleted", name)?),
        ([name, "actions", "count"], &Method::GET) => {
            Route::Count(module("crm.records.count", name)?)
        }
        ([name, "actions", action @ ("add_tags" | "remove_tags")], &Method::POST) => {
            Route::Tag(module("crm.tags", name)?, None, tag_change(action))
        }
        ([name, id, "actions", action @ ("add_tags" | "remove_tags")], &Method::POST) => {
            Route::Tag(
                module("crm.tags", name)?,
                Some((*id).to_owned()),
                tag_change(action),
            )
        }
        ([name, id, "actions", "convert"], &Method::POST) => {
            let def = module("crm.leads.convert", name)?;
            if def.api_name != "Leads" {
                return Err(errors::invalid_url("crm.invalid_url"));
            }
            Route::Convert(def, (*id).to_owned())
        }
        ([name, id], _) => {
            let def = module("crm.records.get", name)?;
            let id = (*id).to_owned();
            match *m {
                Method::GET => Route::Get(def, id),
                Method::PUT => Route::UpdateOne(def, id),
                Method::DELETE => Route::DeleteOne(def, id),
                _ => return Err(errors::invalid_method("crm.records.get")),
            }
        }
        ([name, id, "Attachments"], _) => {
            let def = module("crm.attachments.list", name)?;
            let id = (*id).to_owned();
            match *m {
                Method::GET => Route::AttachmentList(def, id),
                Method::POST => Route::AttachmentUpload(def, id),
                Method::DELETE => Route::AttachmentDeleteMany(def, id),
                _ => return Err(errors::invalid_method("crm.attachments.list")),
            }
        }
        ([name, id, "photo"], _) => {
            let def = module("crm.photo.download", name)?;
            let call = match *m {
                Method::GET => photo::Call::Download,
                Method::POST => photo::Call::Upload,
                Method::DELETE => photo::Call::Delete,
                _ => return Err(errors::invalid_method("crm.photo.download")),
            };
            Route::Photo(def, (*id).to_owned(), call)
        }
        ([name, id, "Notes"], _) => {
            let owner = Some((module("crm.notes.list", name)?, (*id).to_owned()));
            match *m {
                Method::GET => Route::NotesList(owner),
                Method::POST => Route::NotesCreate(owner),
                _ => return Err(errors::invalid_method("crm.notes.list")),
            }
        }
        ([name, id, related], &Method::GET) => {
            let def = module("crm.related.list", name)?;
            if related::find(def, related).is_none() {
                return Err(errors::error(
                    "crm.related.list",
                    400,
                    "INVALID_DATA",
                    "the related list name given seems to be invalid",
                    json!({"resource_path_index": 2}),
                ));
            }
            Route::Related(def, (*id).to_owned(), (*related).to_owned())
        }
        ([name, id, "Attachments", attachment], _) => {
            let def = module("crm.attachments.download", name)?;
            let (id, attachment) = ((*id).to_owned(), (*attachment).to_owned());
            match *m {
                Method::GET => Route::AttachmentGet(def, id, attachment),
                Method::DELETE => Route::AttachmentDelete(def, id, attachment),
                _ => return Err(errors::invalid_method("crm.attachments.download")),
            }
        }
        _ => return Err(errors::invalid_url("crm.invalid_url")),
    };
    Ok((version, route))
}

fn tag_change(action: &str) -> tags::Change {
    if action == "add_tags" {
        tags::Change::Add
    } else {
        tags::Change::Remove
    }
}

/// Whether a call counts toward the sub-concurrency limit of heavy APIs (crm.md §7).
fn is_heavy(route: &Route, req: &Req, body: Option<&Value>) -> bool {
    match route {
        Route::Coql | Route::Convert(..) => true,
        Route::List(_) => req.query("sort_by").is_some() || req.query("cvid").is_some(),
        Route::Insert(_) | Route::UpdateMany(_) | Route::Upsert(_) => body
            .and_then(|b| b.get("data"))
            .and_then(Value::as_array)
            .is_some_and(|d| d.len() > 10),
        _ => false,
    }
}

/// Answers one CRM call.
pub(crate) async fn handle(state: &State, req: &Req) -> Reply {
    if bulk::owns(&req.path) {
        return bulk::handle(state, req).await;
    }
    let (version, route) = match parse(req) {
        Ok(parsed) => parsed,
        Err(reply) => return reply,
    };
    let name = route.name();
    let grant = match state.accounts.authenticate(req, state.clock.now()) {
        Ok(grant) => grant,
        Err(AuthFailure::Missing) => return errors::authentication_failure(name),
        Err(AuthFailure::Invalid) => return errors::invalid_token(name),
    };
    let scopes = grant.scopes.clone();
    if !route.allowed(&scopes, version, state) {
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
    let body: Option<Value> = match route {
        Route::Insert(_)
        | Route::UpdateMany(_)
        | Route::UpdateOne(..)
        | Route::Upsert(_)
        | Route::Coql
        | Route::Tag(..)
        | Route::NotesCreate(_)
        | Route::NoteUpdate(_)
        | Route::Convert(..) => serde_json::from_slice(&req.body).ok(),
        _ => None,
    };
    let _sub_slot = if is_heavy(&route, req, body.as_ref()) {
        match state
            .crm
            .sub_concurrency
            .try_enter(faults.crm_sub_concurrency_limit)
        {
            Some(slot) => Some(slot),
            None => return errors::too_many_requests(name),
        }
    } else {
        None
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
    let reply = match route {
        Route::List(def) => list::list(&ctx, def),
        Route::Get(def, id) => records::get(&ctx, def, &id),
        Route::Insert(def) => records::insert(&ctx, def, body.as_ref()),
        Route::UpdateMany(def) => records::update(&ctx, def, None, body.as_ref()),
        Route::UpdateOne(def, id) => records::update(&ctx, def, Some(&id), body.as_ref()),
        Route::Upsert(def) => records::upsert(&ctx, def, body.as_ref()),
        Route::DeleteMany(def) => records::delete(&ctx, def, None),
        Route::DeleteOne(def, id) => records::delete(&ctx, def, Some(&id)),
        Route::AttachmentList(def, id) => attachments::list(&ctx, def, &id),
        Route::AttachmentUpload(def, id) => attachments::upload(&ctx, def, &id).await,
        Route::AttachmentDeleteMany(def, id) => attachments::delete(&ctx, def, &id, None),
        Route::AttachmentGet(def, id, aid) => attachments::download(&ctx, def, &id, &aid),
        Route::AttachmentDelete(def, id, aid) => attachments::delete(&ctx, def, &id, Some(&aid)),
        Route::Photo(def, id, call) => photo::handle(&ctx, def, &id, call).await,
        Route::Search(def) => search::search(&ctx, def),
        Route::Deleted(def) => deleted::list(&ctx, def),
        Route::Count(def) => search::count(&ctx, def),
        Route::Convert(def, id) => convert::convert(&ctx, def, &id, body.as_ref()),
        Route::Coql => coql_eval::run(&ctx, &scopes, body.as_ref()),
        Route::Modules(name) => settings::modules(&ctx, name.as_deref()),
        Route::Fields => settings::fields(&ctx),
        Route::CustomViews => settings::custom_views(&ctx),
        Route::Layouts(id) => settings::layouts(&ctx, id.as_deref()),
        Route::RelatedLists => related::settings(&ctx),
        Route::Related(def, id, name) => match related::find(def, &name) {
            Some(related::RelatedList::Records { module, field }) => {
                related::records(&ctx, def, &id, module, field)
            }
            Some(related::RelatedList::Notes) => notes::list(&ctx, Some((def, &id))),
            Some(related::RelatedList::Attachments) | None => attachments::list(&ctx, def, &id),
        },
        Route::NotesList(owner) => {
            notes::list(&ctx, owner.as_ref().map(|(def, id)| (*def, id.as_str())))
        }
        Route::NotesCreate(owner) => notes::create(
            &ctx,
            owner.as_ref().map(|(def, id)| (*def, id.as_str())),
            body.as_ref(),
        ),
        Route::NoteGet(id) => notes::get(&ctx, &id),
        Route::NoteUpdate(id) => notes::update(&ctx, &id, body.as_ref()),
        Route::NotesDelete(id) => notes::delete(&ctx, id.as_deref()),
        Route::TagList => tags::list(&ctx),
        Route::Tag(def, id, change) => {
            tags::change(&ctx, def, id.as_deref(), change, body.as_ref())
        }
        Route::Users => users::list(&ctx),
        Route::User(id) => users::get(&ctx, &id),
        Route::Org => users::org(&ctx),
        Route::Watch(call) => watch::handle(&ctx, call),
    };
    // crm.md §7 [M]: responses carry the access token's expiry time.
    let remaining = grant.expires.saturating_duration_since(state.clock.now());
    let reset = state.clock.epoch_secs() + i64::try_from(remaining.as_secs()).unwrap_or(0);
    reply.with_header("x-accesstoken-reset", &crate::clock::crm_datetime(reset))
}

/// What every CRM handler needs.
pub(crate) struct Ctx<'a> {
    pub state: &'a State,
    pub version: Version,
    pub route: &'static str,
    pub req: &'a Req,
}

impl Ctx<'_> {
    /// A whole-number query parameter from 1 to `max`, `default` when absent; anything else is
    /// INVALID_DATA naming the parameter.
    pub(crate) fn number(&self, name: &str, default: usize, max: usize) -> Result<usize, Reply> {
        match self.req.query(name) {
            None => Ok(default),
            Some(text) => match text.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(errors::invalid_param(self.route, name, "invalid data")),
            },
        }
    }

    /// `page` (from 1) and `per_page` (at most `max_per_page`, which is also the default).
    pub(crate) fn paging(&self, max_per_page: usize) -> Result<(usize, usize), Reply> {
        Ok((
            self.number("page", 1, usize::MAX)?,
            self.number("per_page", max_per_page, max_per_page)?,
        ))
    }

    /// The store of a module; every module has one.
    fn store(&self, def: &ModuleDef) -> &RwLock<ModuleStore> {
        match self.state.crm.store(def) {
            Some(store) => store,
            None => &self.state.crm.modules[0],
        }
    }
}

/// A record id as a JSON body gives it: Zoho accepts a string or a number (Zoho's Python SDK
/// sends `{"id": 4150868150000000037}`; ids fit in 64 bits, so serde reads them exactly).
pub(crate) fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => number.as_u64().map(|id| id.to_string()),
        _ => None,
    }
}

/// The `id` member of a lookup object (`{"id": "..."}` or `{"id": 4150...}`).
pub(crate) fn lookup_id(value: &Value) -> Option<String> {
    value.get("id").and_then(id_text)
}

/// Parses a record id from the path: digits only (crm.md §3.2: wrong format is INVALID_DATA).
pub(crate) fn parse_id(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}
