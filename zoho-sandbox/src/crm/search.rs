//! `GET /crm/{v}/{module}/search` with `criteria`, `email`, `phone` or `word` (crm.md §3.7):
//! criteria like `((Last_Name:equals:Smith)and(Annual_Revenue:greater_than:100))` are turned
//! into the COQL evaluator's expressions.

use serde_json::{Value, json};

use super::coql_eval::{Related, limits, matches, plan};
use super::coql_parse::{CmpOp, Column, Criterion, Expr, Literal};
use super::records::requested_fields;
use super::schema::{Kind, ModuleDef};
use super::store::Rec;
use super::{Ctx, Version, errors};
use crate::http::Reply;

const MAX_PER_PAGE: usize = 200;
const MAX_RECORDS: usize = 2_000;

fn invalid(ctx: &Ctx<'_>, reason: &str) -> Reply {
    errors::error(
        ctx.route,
        400,
        "INVALID_QUERY",
        "invalid query formed",
        json!({"reason": reason}),
    )
}

/// Splits `a,b\,c` on unescaped commas.
fn split_values(text: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next()
                    && let Some(last) = out.last_mut()
                {
                    last.push(next);
                }
            }
            ',' => out.push(String::new()),
            _ => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out
}

/// Drops the backslashes of `\(`, `\)`, `\,` escapes.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn literal(def: &ModuleDef, field: &str, value: &str) -> Literal {
    let numeric = def
        .field(field)
        .is_some_and(|f| f.kind.is_number() || f.kind == Kind::Id);
    match value {
        "true" | "false" if def.field(field).is_some_and(|f| f.kind == Kind::Boolean) => {
            Literal::Bool(value == "true")
        }
        _ if numeric => Literal::Num(value.to_owned()),
        _ => Literal::Str(value.to_owned()),
    }
}

/// One `(Field:operator:value)` group.
fn condition(def: &ModuleDef, text: &str) -> Result<Expr, String> {
    let mut parts = text.splitn(3, ':');
    let (Some(field), Some(op), Some(parts_value)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "criteria group ({text}) is not Field:operator:value"
        ));
    };
    let field = field.trim();
    let lit = |v: &str| literal(def, field, v);
    let plain = unescape(parts_value);
    let value = plain.as_str();
    let raw = parts_value;
    let (op, values) = match op.trim() {
        "equals" => (CmpOp::Eq, vec![lit(value)]),
        "not_equal" => (CmpOp::Ne, vec![lit(value)]),
        "starts_with" => (CmpOp::Like, vec![Literal::Str(format!("{value}%"))]),
        "greater_than" => (CmpOp::Gt, vec![lit(value)]),
        "greater_equal" => (CmpOp::Ge, vec![lit(value)]),
        "less_than" => (CmpOp::Lt, vec![lit(value)]),
        "less_equal" => (CmpOp::Le, vec![lit(value)]),
        "in" => (
            CmpOp::In,
            split_values(raw).iter().map(|v| lit(v)).collect(),
        ),
        "not_in" => (
            CmpOp::NotIn,
            split_values(raw).iter().map(|v| lit(v)).collect(),
        ),
        "between" => {
            let bounds = split_values(raw);
            if bounds.len() != 2 {
                return Err("between needs two values".into());
            }
            (CmpOp::Between, bounds.iter().map(|v| lit(v)).collect())
        }
        other => return Err(format!("operator {other} is not supported")),
    };
    let column = Column(vec![field.to_owned()]);
    Ok(Expr::Leaf(Criterion { column, op, values }))
}

/// `(A)and((B)or(C))`: groups in brackets joined by and/or, left to right.
fn criteria(def: &ModuleDef, text: &str) -> Result<Expr, String> {
    let text = text.trim();
    let mut items: Vec<Expr> = Vec::new();
    let mut joins: Vec<bool> = Vec::new(); // true = and
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            '(' => {
                let start = i + 1;
                let mut depth = 1;
                let mut j = start;
                while j < bytes.len() && depth > 0 {
                    match bytes[j] {
                        '\\' => j += 1,
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    j += 1;
                }
                if depth != 0 {
                    return Err("unbalanced brackets".into());
                }
                let inner: String = bytes[start..j - 1].iter().collect();
                let nested = inner.trim_start().starts_with('(');
                items.push(if nested {
                    criteria(def, &inner)?
                } else {
                    condition(def, &inner)?
                });
                i = j;
            }
            c if c.is_whitespace() => i += 1,
            _ => {
                let rest: String = bytes[i..].iter().collect::<String>().to_ascii_lowercase();
                if rest.starts_with("and") {
                    joins.push(true);
                    i += 3;
                } else if rest.starts_with("or") {
                    joins.push(false);
                    i += 2;
                } else {
                    return Err(format!(
                        "unexpected text near {}",
                        rest.chars().take(10).collect::<String>()
                    ));
                }
            }
        }
    }
    if items.is_empty() || joins.len() + 1 != items.len() {
        return Err("criteria must be (Field:operator:value) groups joined by and/or".into());
    }
    let mut items = items.into_iter();
    let mut expr = items.next().ok_or("empty criteria")?;
    for (item, and) in items.zip(joins) {
        expr = if and {
            Expr::And(Box::new(expr), Box::new(item))
        } else {
            Expr::Or(Box::new(expr), Box::new(item))
        };
    }
    Ok(expr)
}

fn any_of(def: &ModuleDef, kinds: &[Kind], op: CmpOp, value: &Literal) -> Option<Expr> {
    def.fields
        .iter()
        .filter(|f| kinds.contains(&f.kind))
        .map(|f| {
            Expr::Leaf(Criterion {
                column: Column(vec![f.api_name.to_owned()]),
                op,
                values: vec![value.clone()],
            })
        })
        .reduce(|a, b| Expr::Or(Box::new(a), Box::new(b)))
}

/// What a search or count matches.
enum Filter {
    /// No filter given.
    Everything,
    /// A filter no field can satisfy (an `email` search in a module without email fields).
    Nothing,
    Matching(Expr),
}

/// The filter of `criteria`, `email`, `phone` or `word`, whichever is given first.
fn filter(ctx: &Ctx<'_>, def: &'static ModuleDef) -> Result<Filter, Reply> {
    let q = |name: &str| ctx.req.query(name).filter(|v| !v.trim().is_empty());
    let expr = if let Some(text) = q("criteria") {
        match criteria(def, text) {
            Ok(expr) => Some(expr),
            Err(reason) => return Err(invalid(ctx, &reason)),
        }
    } else if let Some(email) = q("email") {
        any_of(
            def,
            &[Kind::Email],
            CmpOp::Eq,
            &Literal::Str(email.to_owned()),
        )
    } else if let Some(phone) = q("phone") {
        any_of(
            def,
            &[Kind::Phone],
            CmpOp::Eq,
            &Literal::Str(phone.to_owned()),
        )
    } else if let Some(word) = q("word") {
        let pattern = Literal::Str(format!("%{word}%"));
        any_of(
            def,
            &[
                Kind::Text,
                Kind::Email,
                Kind::Phone,
                Kind::Picklist,
                Kind::Website,
            ],
            CmpOp::Like,
            &pattern,
        )
    } else {
        return Ok(Filter::Everything);
    };
    Ok(expr.map_or(Filter::Nothing, Filter::Matching))
}

/// `GET /crm/{v}/{module}/actions/count[?criteria=|email=|phone=|word=]`: `{"count": N}`
/// (crm.md §3.7; the parameters are those of Zoho's SDK `RecordCountParam`).
pub(crate) fn count(ctx: &Ctx<'_>, def: &'static ModuleDef) -> Reply {
    let expr = match filter(ctx, def) {
        Ok(Filter::Everything) => None,
        Ok(Filter::Nothing) => return Reply::json(ctx.route, 200, &json!({"count": 0})),
        Ok(Filter::Matching(expr)) => Some(expr),
        Err(reply) => return reply,
    };
    let Ok(store) = ctx.store(def).read() else {
        return errors::internal(ctx.route);
    };
    let count = match expr {
        None => store.len(),
        Some(expr) => {
            let checks = match plan(def, &expr, &limits(Version(8))) {
                Ok(checks) => checks,
                Err(e) => return errors::error(ctx.route, 400, e.code, e.message, e.details),
            };
            let related = Related::none();
            store
                .iter()
                .filter(|rec| matches(&checks, &store, &related, *rec))
                .count()
        }
    };
    Reply::json(ctx.route, 200, &json!({ "count": count }))
}

/// Answers a search.
pub(crate) fn search(ctx: &Ctx<'_>, def: &'static ModuleDef) -> Reply {
    let expr = match filter(ctx, def) {
        Ok(Filter::Matching(expr)) => expr,
        Ok(Filter::Nothing) => return Reply::empty(ctx.route, 204),
        Ok(Filter::Everything) => return errors::required_param(ctx.route, "criteria"),
        Err(reply) => return reply,
    };
    let checks = match plan(def, &expr, &limits(Version(8))) {
        Ok(checks) => checks,
        Err(e) => return errors::error(ctx.route, 400, e.code, e.message, e.details),
    };
    let page = match ctx.req.query("page").map(str::parse::<usize>) {
        None => 1,
        Some(Ok(n)) if n >= 1 => n,
        Some(_) => {
            return errors::invalid_param(
                ctx.route,
                "page",
                "page must be a positive whole number",
            );
        }
    };
    let per_page = match ctx.req.query("per_page").map(str::parse::<usize>) {
        None => MAX_PER_PAGE,
        Some(Ok(n)) if (1..=MAX_PER_PAGE).contains(&n) => n,
        Some(_) => {
            return errors::invalid_param(ctx.route, "per_page", "per_page must be from 1 to 200");
        }
    };
    if page * per_page > MAX_RECORDS {
        return errors::error(
            ctx.route,
            400,
            "LIMIT_EXCEEDED",
            "search can reach at most 2000 records",
            json!({"limit": MAX_RECORDS}),
        );
    }
    let fields = requested_fields(def, ctx.req.query("fields"));
    let Ok(store) = ctx.store(def).read() else {
        return errors::internal(ctx.route);
    };
    let related = Related::none();
    let hits: Vec<Rec<'_>> = store
        .iter()
        .filter(|rec| matches(&checks, &store, &related, *rec))
        .skip((page - 1) * per_page)
        .take(per_page + 1)
        .collect();
    if hits.is_empty() {
        return Reply::empty(ctx.route, 204);
    }
    let more = hits.len() > per_page;
    let data: Vec<Value> = hits
        .iter()
        .take(per_page)
        .map(|rec| Value::Object(store.render(*rec, fields.as_deref())))
        .collect();
    drop(store);
    let count = data.len();
    Reply::json(
        ctx.route,
        200,
        &json!({"data": data, "info": {"per_page": per_page, "count": count, "page": page, "more_records": more}}),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::crm::schema::module_by_name;

    #[test]
    fn parses_grouped_criteria() {
        let leads = module_by_name("Leads").unwrap();
        let expr = criteria(leads, "((Last_Name:equals:Smith)and(Company:starts_with:Acme\\, Inc))or(No_of_Employees:between:1,5)").unwrap();
        let all = expr.criteria();
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].values, vec![Literal::Str("Acme, Inc%".into())]);
        assert_eq!(all[2].op, CmpOp::Between);
        assert!(criteria(leads, "(Last_Name:equals)").is_err());
        assert!(criteria(leads, "(A:equals:1)(B:equals:2)").is_err());
    }

    #[test]
    fn garbage_criteria_never_panic() {
        let leads = module_by_name("Leads").unwrap();
        for text in [
            "",
            "(",
            ")",
            "((",
            "(a:b:c",
            "(a:b:c))",
            "\\",
            "(a:in:\\",
            "(é:equals:é)and",
            "or(x:equals:1)",
            "(Email:between:a)",
        ] {
            let _ = criteria(leads, text);
        }
    }
}
