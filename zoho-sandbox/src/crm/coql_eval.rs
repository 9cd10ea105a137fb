//! Runs a parsed COQL query against the store: checks columns, operators and the
//! version-dependent limits (crm.md §4), filters, orders, pages and projects.

use std::cmp::Ordering;
use std::sync::RwLockReadGuard;

use serde_json::{Map, Value, json};

use super::coql_parse::{
    AggregateFn, CmpOp, Column, Criterion, Expr, Literal, Query, QueryError, parse,
};
use super::schema::{FieldDef, Kind, ModuleDef, module_by_name};
use super::store::{ModuleStore, Rec};
use super::{Ctx, Version, errors, parse_id};
use crate::accounts::{Op, Scopes};
use crate::clock;
use crate::http::Reply;

/// COQL limits of one API version.
pub(crate) struct Limits {
    per_call: u64,
    total: u64,
    select_columns: usize,
    in_values: usize,
    criteria: usize,
}

/// Most GROUP BY columns and aggregates in one query (crm.md §4, v7/v8: 4 and 5).
const MAX_GROUP_BY: usize = 4;
const MAX_AGGREGATES: usize = 5;

pub(crate) fn limits(version: Version) -> Limits {
    match version.0 {
        0..=3 => Limits {
            per_call: 200,
            total: 10_000,
            select_columns: 50,
            in_values: 50,
            criteria: 25,
        },
        4..=6 => Limits {
            per_call: 2_000,
            total: 10_000,
            select_columns: 50,
            in_values: 50,
            criteria: 25,
        },
        _ => Limits {
            per_call: 2_000,
            total: 100_000,
            select_columns: 500,
            in_values: 100,
            criteria: 25,
        },
    }
}

fn fail(code: &'static str, message: &'static str, details: Value) -> QueryError {
    QueryError {
        code,
        details,
        message,
    }
}

/// Where a column's value comes from.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A field of the queried module.
    Own(&'static FieldDef),
    /// A key of a lookup's `{"name","id"}` object.
    LookupKey(&'static FieldDef, &'static str),
    /// A field of the record a lookup points at.
    Related(&'static FieldDef, &'static ModuleDef, &'static FieldDef),
}

impl Source {
    fn kind(self) -> Kind {
        match self {
            Source::Own(f) | Source::Related(_, _, f) => f.kind,
            Source::LookupKey(_, "id") => Kind::Id,
            Source::LookupKey(..) => Kind::Text,
        }
    }
}

fn resolve(def: &ModuleDef, column: &Column, clause: &str) -> Result<Source, QueryError> {
    let invalid = || {
        fail(
            "INVALID_QUERY",
            "invalid column given",
            json!({"column_name": column.text(), "clause": clause}),
        )
    };
    match column.0.as_slice() {
        [name] => def.field(name).map(Source::Own).ok_or_else(invalid),
        [lookup, sub] => {
            let field = def
                .field(lookup)
                .filter(|f| f.kind.is_lookup())
                .ok_or_else(invalid)?;
            for key in ["id", "name", "email"] {
                if sub.eq_ignore_ascii_case(key)
                    && (key != "email" || field.kind == Kind::OwnerLookup)
                {
                    return Ok(Source::LookupKey(field, key));
                }
            }
            let Kind::Lookup(target) = field.kind else {
                return Err(invalid());
            };
            let target_def = module_by_name(target).ok_or_else(invalid)?;
            let target_field = target_def.field(sub).ok_or_else(invalid)?;
            Ok(Source::Related(field, target_def, target_field))
        }
        _ => Err(invalid()),
    }
}

/// Read guards of the modules lookups point at, taken before the queried module's own.
pub(crate) struct Related<'a> {
    guards: Vec<(&'static ModuleDef, RwLockReadGuard<'a, ModuleStore>)>,
}

impl Related<'_> {
    /// No related module: criteria on the module's own fields only.
    pub(crate) fn none() -> Self {
        Related { guards: Vec::new() }
    }

    fn value(&self, target: &ModuleDef, id: Option<u64>, field: &FieldDef) -> Value {
        let Some(id) = id else { return Value::Null };
        self.guards
            .iter()
            .find(|(def, _)| std::ptr::eq(*def, target))
            .and_then(|(_, store)| store.get(id).map(|rec| store.field(rec, field)))
            .unwrap_or(Value::Null)
    }
}

fn value_of(store: &ModuleStore, related: &Related<'_>, rec: Rec<'_>, source: Source) -> Value {
    match source {
        Source::Own(field) => store.field(rec, field),
        Source::LookupKey(field, key) => store
            .field(rec, field)
            .get(key)
            .cloned()
            .unwrap_or(Value::Null),
        Source::Related(field, target, target_field) => {
            let id = store
                .field(rec, field)
                .get("id")
                .and_then(Value::as_str)
                .and_then(parse_id);
            related.value(target, id, target_field)
        }
    }
}

/// A comparable form of a field value or literal.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Key {
    Null,
    Num(f64),
    /// A record id, compared exactly: Zoho's 19-digit ids do not fit an `f64`.
    Id(u64),
    Text(String),
    Bool(bool),
}

fn key_of_value(kind: Kind, value: &Value) -> Key {
    let value = if kind.is_lookup() {
        value.get("id").unwrap_or(&Value::Null)
    } else {
        value
    };
    match value {
        Value::Null => Key::Null,
        Value::Bool(b) => Key::Bool(*b),
        Value::Number(n) => Key::Num(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => match kind {
            Kind::DateTime => clock::parse_datetime(s)
                .map(|t| Key::Num(t as f64))
                .unwrap_or(Key::Null),
            Kind::Id | Kind::Lookup(_) | Kind::OwnerLookup | Kind::UserLookup => s
                .parse::<u64>()
                .map(Key::Id)
                .unwrap_or_else(|_| Key::Text(s.to_lowercase())),
            _ => Key::Text(s.to_lowercase()),
        },
        other => Key::Text(other.to_string()),
    }
}

fn key_of_literal(kind: Kind, literal: &Literal, column: &Column) -> Result<Key, QueryError> {
    let bad = || {
        fail(
            "INVALID_QUERY",
            "invalid value given for the column",
            json!({"column_name": column.text(), "clause": "where", "reason": format!("expected a {} value", kind.data_type())}),
        )
    };
    match (kind, literal) {
        (k, Literal::Num(n) | Literal::Str(n)) if k == Kind::Id || k.is_lookup() => {
            n.parse::<u64>().map(Key::Id).map_err(|_| bad())
        }
        (k, Literal::Num(n)) if k.is_number() => n.parse::<f64>().map(Key::Num).map_err(|_| bad()),
        (k, Literal::Str(s)) if k.is_number() => s.parse::<f64>().map(Key::Num).map_err(|_| bad()),
        (Kind::Boolean, Literal::Bool(b)) => Ok(Key::Bool(*b)),
        (Kind::Boolean, Literal::Str(s)) => match s.to_ascii_lowercase().as_str() {
            "true" => Ok(Key::Bool(true)),
            "false" => Ok(Key::Bool(false)),
            _ => Err(bad()),
        },
        (Kind::DateTime, Literal::Str(s)) => clock::parse_datetime(s)
            .filter(|_| s.len() >= 19)
            .map(|t| Key::Num(t as f64))
            .ok_or_else(bad),
        (Kind::Date, Literal::Str(s)) => clock::parse_datetime(s)
            .filter(|_| s.len() == 10)
            .map(|_| Key::Text(s.clone()))
            .ok_or_else(bad),
        (k, Literal::Str(s)) if !k.is_number() && k != Kind::Boolean => {
            Ok(Key::Text(s.to_lowercase()))
        }
        _ => Err(bad()),
    }
}

/// A criterion checked and with its literals converted.
pub(crate) struct Check {
    source: Source,
    op: CmpOp,
    keys: Vec<Key>,
    pattern: Option<String>,
}

fn prepare(def: &ModuleDef, criterion: &Criterion, limits: &Limits) -> Result<Check, QueryError> {
    let source = resolve(def, &criterion.column, "where")?;
    let kind = source.kind();
    let column_name = criterion.column.text();
    if kind == Kind::Textarea {
        return Err(fail(
            "INVALID_QUERY",
            "multi-line fields cannot be used in the criteria",
            json!({"column_name": column_name, "clause": "where"}),
        ));
    }
    let ordered = kind.is_number() || matches!(kind, Kind::Date | Kind::DateTime | Kind::Id);
    let textual = matches!(
        kind,
        Kind::Text | Kind::Email | Kind::Phone | Kind::Website | Kind::Picklist
    );
    let supported = match criterion.op {
        CmpOp::Lt | CmpOp::Gt | CmpOp::Le | CmpOp::Ge | CmpOp::Between => ordered,
        CmpOp::Like | CmpOp::NotLike => textual,
        _ => true,
    };
    if !supported {
        return Err(fail(
            "INVALID_QUERY",
            "the operator is not supported for the column",
            json!({"operator": criterion.op.text(), "column_name": column_name, "reason": format!("not supported for {} fields", kind.data_type())}),
        ));
    }
    if matches!(criterion.op, CmpOp::In | CmpOp::NotIn) && criterion.values.len() > limits.in_values
    {
        return Err(fail(
            "LIMIT_EXCEEDED",
            "the number of values in the in clause exceeds the limit",
            json!({"clause": "where", "column_name": column_name, "limit": limits.in_values}),
        ));
    }
    let pattern = match (criterion.op, criterion.values.first()) {
        (CmpOp::Like | CmpOp::NotLike, Some(Literal::Str(p))) => Some(p.to_lowercase()),
        (CmpOp::Like | CmpOp::NotLike, _) => {
            return Err(fail(
                "INVALID_QUERY",
                "invalid value given for the column",
                json!({"column_name": column_name, "clause": "where", "reason": "like needs a quoted pattern"}),
            ));
        }
        _ => None,
    };
    let keys = if pattern.is_some() {
        Vec::new()
    } else {
        criterion
            .values
            .iter()
            .map(|lit| key_of_literal(kind, lit, &criterion.column))
            .collect::<Result<_, _>>()?
    };
    Ok(Check {
        source,
        op: criterion.op,
        keys,
        pattern,
    })
}

/// `%` matches any run of characters; everything else matches itself (case-insensitively).
fn like(text: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return text == pattern;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !rest.starts_with(part) {
                return false;
            }
            rest = &rest[part.len()..];
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

fn test(check: &Check, value: &Value) -> bool {
    let key = key_of_value(check.source.kind(), value);
    let is_null = key == Key::Null || matches!(&key, Key::Text(t) if t.is_empty());
    match check.op {
        CmpOp::IsNull => is_null,
        CmpOp::IsNotNull => !is_null,
        _ if is_null => matches!(check.op, CmpOp::Ne | CmpOp::NotIn | CmpOp::NotLike),
        CmpOp::Eq => key == check.keys[0],
        CmpOp::Ne => key != check.keys[0],
        CmpOp::Lt => key < check.keys[0],
        CmpOp::Gt => key > check.keys[0],
        CmpOp::Le => key <= check.keys[0],
        CmpOp::Ge => key >= check.keys[0],
        CmpOp::Between => key >= check.keys[0] && key <= check.keys[1],
        CmpOp::In => check.keys.contains(&key),
        CmpOp::NotIn => !check.keys.contains(&key),
        CmpOp::Like | CmpOp::NotLike => {
            let text = match &key {
                Key::Text(t) => t.clone(),
                _ => String::new(),
            };
            let hit = like(&text, check.pattern.as_deref().unwrap_or(""));
            hit == (check.op == CmpOp::Like)
        }
    }
}

pub(crate) enum Plan {
    And(Box<Plan>, Box<Plan>),
    Or(Box<Plan>, Box<Plan>),
    Leaf(Check),
}

pub(crate) fn plan(def: &ModuleDef, expr: &Expr, limits: &Limits) -> Result<Plan, QueryError> {
    Ok(match expr {
        Expr::And(a, b) => Plan::And(
            Box::new(plan(def, a, limits)?),
            Box::new(plan(def, b, limits)?),
        ),
        Expr::Or(a, b) => Plan::Or(
            Box::new(plan(def, a, limits)?),
            Box::new(plan(def, b, limits)?),
        ),
        Expr::Leaf(c) => Plan::Leaf(prepare(def, c, limits)?),
    })
}

pub(crate) fn matches(
    plan: &Plan,
    store: &ModuleStore,
    related: &Related<'_>,
    rec: Rec<'_>,
) -> bool {
    match plan {
        Plan::And(a, b) => matches(a, store, related, rec) && matches(b, store, related, rec),
        Plan::Or(a, b) => matches(a, store, related, rec) || matches(b, store, related, rec),
        Plan::Leaf(check) => test(check, &value_of(store, related, rec, check.source)),
    }
}

fn sources_of(plan: &Plan, out: &mut Vec<Source>) {
    match plan {
        Plan::And(a, b) | Plan::Or(a, b) => {
            sources_of(a, out);
            sources_of(b, out);
        }
        Plan::Leaf(check) => out.push(check.source),
    }
}

/// `POST /crm/{v}/coql` with `{"select_query": "..."}`.
pub(crate) fn run(ctx: &Ctx<'_>, scopes: &Scopes, body: Option<&Value>) -> Reply {
    let Some(text) = body
        .and_then(|b| b.get("select_query"))
        .and_then(Value::as_str)
    else {
        return errors::error(
            ctx.route,
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            json!({"api_name": "select_query", "json_path": "$.select_query"}),
        );
    };
    // crm.md §4 [H]: v8 adds an optional `"include_meta": ["fields"]` that returns a top-level
    // `fields` map; earlier versions do not know it and ignore it.
    let meta = ctx.version >= Version(8)
        && body
            .and_then(|b| b.get("include_meta"))
            .and_then(Value::as_array)
            .is_some_and(|items| items.iter().any(|item| item == "fields"));
    match execute(ctx, scopes, text, meta) {
        Ok(reply) => reply,
        Err(e) => errors::error(ctx.route, 400, e.code, e.message, e.details),
    }
}

/// The `fields` map of `include_meta`: each selected column's field as `settings/fields`
/// describes it, by the column's name in the query.
fn fields_meta(def: &'static ModuleDef, columns: &[(String, Source)]) -> Value {
    let mut map = Map::new();
    for (name, source) in columns {
        let (module, field) = match source {
            Source::Own(field) | Source::LookupKey(field, _) => (def, *field),
            Source::Related(_, target, field) => (*target, *field),
        };
        let index = module
            .fields
            .iter()
            .position(|candidate| std::ptr::eq(candidate, field))
            .unwrap_or(0);
        map.insert(name.clone(), field.metadata(module, index));
    }
    Value::Object(map)
}

/// The answer's body: `data` and `info`, and `fields` when `include_meta` asked for them.
fn answer_body(data: Value, info: Value, meta: Option<Value>) -> Value {
    let mut body = json!({"data": data, "info": info});
    if let (Some(fields), Some(map)) = (meta, body.as_object_mut()) {
        map.insert("fields".into(), fields);
    }
    body
}

fn execute(ctx: &Ctx<'_>, scopes: &Scopes, text: &str, meta: bool) -> Result<Reply, QueryError> {
    let query: Query = parse(text)?;
    let limits = limits(ctx.version);
    if query.filter.is_none()
        && ctx.version < Version(7)
        && ctx.state.config.open_questions.coql_require_where
    {
        return Err(fail(
            "SYNTAX_ERROR",
            "error occured while parsing the query",
            json!({"clause": "where"}),
        ));
    }
    let Some(def) = module_by_name(&query.module) else {
        return Err(fail(
            "INVALID_MODULE",
            "the module name given seems to be invalid",
            json!({"module": query.module}),
        ));
    };
    if !scopes.crm_module(def.api_name, Op::Read) {
        return Err(fail(
            "OAUTH_SCOPE_MISMATCH",
            "invalid oauth scope to access this URL",
            json!({}),
        ));
    }
    if query.columns.len() > limits.select_columns {
        return Err(fail(
            "LIMIT_EXCEEDED",
            "the number of columns exceeds the limit",
            json!({"clause": "select", "limit": limits.select_columns}),
        ));
    }
    let columns: Vec<(String, Source)> = query
        .columns
        .iter()
        .map(|c| resolve(def, c, "select").map(|s| (c.text(), s)))
        .collect::<Result<_, _>>()?;
    let filter = match &query.filter {
        Some(expr) => {
            if expr.criteria().len() > limits.criteria {
                return Err(fail(
                    "LIMIT_EXCEEDED",
                    "the number of criteria exceeds the limit",
                    json!({"clause": "where", "limit": limits.criteria}),
                ));
            }
            Some(plan(def, expr, &limits)?)
        }
        None => None,
    };
    if !query.aggregates.is_empty() || !query.group_by.is_empty() {
        return aggregate(ctx, def, &query, &columns, filter.as_ref(), &limits, meta);
    }
    let mut order = Vec::new();
    for (column, ascending) in &query.order {
        if order
            .iter()
            .any(|(name, _, _): &(String, Source, bool)| *name == column.text())
        {
            return Err(fail(
                "DUPLICATE_DATA",
                "duplicate data",
                json!({"column_name": column.text(), "clause": "order by"}),
            ));
        }
        order.push((column.text(), resolve(def, column, "order by")?, *ascending));
    }
    let limit = query.limit.unwrap_or(200);
    let offset = query.offset.unwrap_or(0);
    if limit == 0 {
        return Err(fail(
            "INVALID_QUERY",
            "invalid limit given",
            json!({"limit": limit.to_string()}),
        ));
    }
    if limit > limits.per_call {
        return Err(fail(
            "LIMIT_EXCEEDED",
            "the limit exceeds the maximum rows per call",
            json!({"clause": "limit", "limit": limits.per_call}),
        ));
    }
    if offset.saturating_add(limit) > limits.total {
        return Err(fail(
            "LIMIT_EXCEEDED",
            "offset and limit exceed the maximum rows a query can reach",
            json!({"clause": "offset", "limit": limits.total}),
        ));
    }

    let mut sources: Vec<Source> = columns.iter().map(|(_, s)| *s).collect();
    sources.extend(order.iter().map(|(_, s, _)| *s));
    if let Some(filter) = &filter {
        sources_of(filter, &mut sources);
    }
    let related = related_guards(ctx, def, &sources);
    let Ok(store) = ctx.store(def).read() else {
        return Err(fail("INTERNAL_ERROR", "Internal Server Error", json!({})));
    };
    let hits = store.iter().filter(|rec| {
        filter
            .as_ref()
            .is_none_or(|f| matches(f, &store, &related, *rec))
    });
    let offset_usize = usize::try_from(offset).unwrap_or(usize::MAX);
    let limit_usize = usize::try_from(limit).unwrap_or(usize::MAX);
    let page: Vec<Rec<'_>> = if order.is_empty() {
        hits.skip(offset_usize).take(limit_usize + 1).collect()
    } else {
        let mut keyed: Vec<(Vec<Key>, Rec<'_>)> = hits
            .map(|rec| {
                let keys = order
                    .iter()
                    .map(|(_, source, _)| {
                        key_of_value(source.kind(), &value_of(&store, &related, rec, *source))
                    })
                    .collect();
                (keys, rec)
            })
            .collect();
        keyed.sort_by(|(a, ra), (b, rb)| {
            for (i, (_, _, ascending)) in order.iter().enumerate() {
                let ord = a[i].partial_cmp(&b[i]).unwrap_or(Ordering::Equal);
                let ord = if *ascending { ord } else { ord.reverse() };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            store.id_of(*ra).cmp(&store.id_of(*rb))
        });
        keyed
            .into_iter()
            .skip(offset_usize)
            .take(limit_usize + 1)
            .map(|(_, rec)| rec)
            .collect()
    };
    if page.is_empty() {
        return Ok(Reply::empty(ctx.route, 204));
    }
    let more = page.len() > limit_usize;
    let data: Vec<Value> = page
        .iter()
        .take(limit_usize)
        .map(|rec| {
            let mut row = Map::new();
            for (name, source) in &columns {
                let mut value = value_of(&store, &related, *rec, *source);
                // crm.md §4: lookups come back as {"id"} unless a lookup field is selected.
                if let (Source::Own(field), Some(id)) = (source, value.get("id").cloned())
                    && field.kind.is_lookup()
                {
                    value = json!({ "id": id });
                }
                row.insert(name.clone(), value);
            }
            row.insert("id".into(), Value::String(store.id_of(*rec).to_string()));
            Value::Object(row)
        })
        .collect();
    drop(store);
    let count = data.len();
    let fields = meta.then(|| fields_meta(def, &columns));
    Ok(Reply::json(
        ctx.route,
        200,
        &answer_body(
            json!(data),
            json!({"count": count, "more_records": more}),
            fields,
        ),
    ))
}

/// Read guards of every module the sources reach through lookups. Related modules are locked
/// (for reading) before the queried one; writers never hold two locks, so this cannot deadlock.
fn related_guards<'a>(ctx: &'a Ctx<'_>, def: &ModuleDef, sources: &[Source]) -> Related<'a> {
    let mut related = Related { guards: Vec::new() };
    for source in sources {
        if let Source::Related(_, target, _) = source
            && !std::ptr::eq(*target, def)
            && !related
                .guards
                .iter()
                .any(|(d, _)| std::ptr::eq(*d, *target))
            && let Ok(guard) = ctx.store(target).read()
        {
            related.guards.push((target, guard));
        }
    }
    related
}

/// One group's running totals for one aggregate.
#[derive(Debug, Clone, Default)]
struct Accumulator {
    count: u64,
    sum: f64,
    min: Option<(Key, Value)>,
    max: Option<(Key, Value)>,
}

impl Accumulator {
    fn add(&mut self, kind: Kind, value: &Value) {
        if value.is_null() {
            return;
        }
        self.count += 1;
        self.sum += value.as_f64().unwrap_or(0.0);
        let key = key_of_value(kind, value);
        if self.min.as_ref().is_none_or(|(k, _)| key < *k) {
            self.min = Some((key.clone(), value.clone()));
        }
        if self.max.as_ref().is_none_or(|(k, _)| key > *k) {
            self.max = Some((key, value.clone()));
        }
    }

    fn result(&self, func: AggregateFn, kind: Kind) -> Value {
        match func {
            AggregateFn::Count => json!(self.count),
            AggregateFn::Sum if kind == Kind::Integer => json!(self.sum as i64),
            AggregateFn::Sum => json!(self.sum),
            AggregateFn::Avg if self.count == 0 => Value::Null,
            AggregateFn::Avg => json!(self.sum / self.count as f64),
            AggregateFn::Min => self.min.as_ref().map_or(Value::Null, |(_, v)| v.clone()),
            AggregateFn::Max => self.max.as_ref().map_or(Value::Null, |(_, v)| v.clone()),
        }
    }
}

/// A query with aggregates or GROUP BY (v4 and later, crm.md §4): one row per group (one row
/// in all without GROUP BY), every plain column of the select list grouped by, ordered by
/// grouped columns or aggregate names, then LIMIT/OFFSET over the groups.
fn aggregate(
    ctx: &Ctx<'_>,
    def: &'static ModuleDef,
    query: &Query,
    columns: &[(String, Source)],
    filter: Option<&Plan>,
    limits: &Limits,
    meta: bool,
) -> Result<Reply, QueryError> {
    if ctx.version < Version(4) {
        return Err(fail(
            "SYNTAX_ERROR",
            "error occured while parsing the query",
            json!({"clause": if query.group_by.is_empty() { "select" } else { "group by" }}),
        ));
    }
    if query.group_by.len() > MAX_GROUP_BY || query.aggregates.len() > MAX_AGGREGATES {
        return Err(fail(
            "LIMIT_EXCEEDED",
            "the number of group by columns or aggregates exceeds the limit",
            json!({"group_by": MAX_GROUP_BY, "aggregates": MAX_AGGREGATES}),
        ));
    }
    let groups: Vec<(String, Source)> = query
        .group_by
        .iter()
        .map(|c| resolve(def, c, "group by").map(|s| (c.text(), s)))
        .collect::<Result<_, _>>()?;
    if let Some((name, _)) = columns
        .iter()
        .find(|(name, _)| !groups.iter().any(|(g, _)| g == name))
    {
        return Err(fail(
            "INVALID_QUERY",
            "invalid column given",
            json!({"column_name": name, "clause": "select", "reason": "a selected column must be grouped by"}),
        ));
    }
    let mut aggregates = Vec::with_capacity(query.aggregates.len());
    for aggregate in &query.aggregates {
        if aggregates
            .iter()
            .any(|(name, _, _): &(String, AggregateFn, Source)| *name == aggregate.name)
        {
            let code = if aggregate.aliased {
                "DUPLICATE_ALIAS"
            } else {
                "DUPLICATE_DATA"
            };
            return Err(fail(
                code,
                "duplicate data",
                json!({"alias": aggregate.name, "clause": "select"}),
            ));
        }
        let source = resolve(def, &aggregate.column, "select")?;
        let numeric_only = matches!(aggregate.func, AggregateFn::Sum | AggregateFn::Avg);
        if numeric_only && !source.kind().is_number() {
            return Err(fail(
                "INVALID_QUERY",
                "invalid column given",
                json!({"column_name": aggregate.column.text(), "clause": "select", "reason": "SUM and AVG need a number field"}),
            ));
        }
        aggregates.push((aggregate.name.clone(), aggregate.func, source));
    }
    let mut sources: Vec<Source> = groups.iter().map(|(_, s)| *s).collect();
    sources.extend(aggregates.iter().map(|(_, _, s)| *s));
    if let Some(filter) = filter {
        sources_of(filter, &mut sources);
    }
    let related = related_guards(ctx, def, &sources);
    let Ok(store) = ctx.store(def).read() else {
        return Err(fail("INTERNAL_ERROR", "Internal Server Error", json!({})));
    };
    // Groups in the order they are first met (id order), keyed by their values' JSON text.
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut rows: Vec<(Vec<Value>, Vec<Accumulator>)> = Vec::new();
    for rec in store
        .iter()
        .filter(|rec| filter.is_none_or(|f| matches(f, &store, &related, *rec)))
    {
        let values: Vec<Value> = groups
            .iter()
            .map(|(_, source)| value_of(&store, &related, rec, *source))
            .collect();
        let key = Value::Array(values.clone()).to_string();
        let slot = *index.entry(key).or_insert_with(|| {
            rows.push((values, vec![Accumulator::default(); aggregates.len()]));
            rows.len() - 1
        });
        for (acc, (_, _, source)) in rows[slot].1.iter_mut().zip(&aggregates) {
            acc.add(source.kind(), &value_of(&store, &related, rec, *source));
        }
    }
    drop(store);
    let mut data: Vec<Map<String, Value>> = rows
        .into_iter()
        .map(|(values, accs)| {
            let mut row = Map::new();
            for ((name, _), value) in groups.iter().zip(values) {
                row.insert(name.clone(), value);
            }
            for (acc, (name, func, source)) in accs.iter().zip(&aggregates) {
                row.insert(name.clone(), acc.result(*func, source.kind()));
            }
            row
        })
        .collect();
    if query.group_by.is_empty() && data.is_empty() {
        // No GROUP BY: one row over no records (COUNT 0), as SQL answers.
        let mut row = Map::new();
        for (name, func, source) in &aggregates {
            row.insert(
                name.clone(),
                Accumulator::default().result(*func, source.kind()),
            );
        }
        data.push(row);
    }
    let mut order = Vec::new();
    for (column, ascending) in &query.order {
        let name = column.text();
        if !data.first().is_none_or(|row| row.contains_key(&name)) {
            return Err(fail(
                "INVALID_QUERY",
                "invalid column given",
                json!({"column_name": name, "clause": "order by"}),
            ));
        }
        let kind = groups
            .iter()
            .find(|(g, _)| *g == name)
            .map_or(Kind::Double, |(_, s)| s.kind());
        order.push((name, kind, *ascending));
    }
    data.sort_by(|a, b| {
        for (name, kind, ascending) in &order {
            let key = |row: &Map<String, Value>| {
                key_of_value(*kind, row.get(name).unwrap_or(&Value::Null))
            };
            let ord = key(a).partial_cmp(&key(b)).unwrap_or(Ordering::Equal);
            let ord = if *ascending { ord } else { ord.reverse() };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    });
    let limit = usize::try_from(query.limit.unwrap_or(200).min(limits.per_call)).unwrap_or(200);
    let offset = usize::try_from(query.offset.unwrap_or(0)).unwrap_or(usize::MAX);
    let total = data.len();
    let page: Vec<Value> = data
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(Value::Object)
        .collect();
    if page.is_empty() {
        return Ok(Reply::empty(ctx.route, 204));
    }
    let count = page.len();
    let fields = meta.then(|| fields_meta(def, columns));
    Ok(Reply::json(
        ctx.route,
        200,
        &answer_body(
            json!(page),
            json!({"count": count, "more_records": total > offset + count}),
            fields,
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns() {
        assert!(like("smith", "sm%"));
        assert!(like("smith", "%ith"));
        assert!(like("smith", "%mi%"));
        assert!(!like("smith", "%x%"));
        assert!(like("smith", "smith"));
        assert!(!like("smith", "smi"));
    }
}
