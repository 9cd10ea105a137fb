//! `GET /crm/{v}/{module}`: listing with every rule of crm.md §3.1 (fields, per_page, the
//! 2,000-record page limit, page tokens up to 100,000, sorting, 204 when empty).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::records::requested_fields;
use super::schema::ModuleDef;
use super::store::Rec;
use super::{Ctx, Version, errors, parse_id};
use crate::clock;
use crate::http::Reply;

const MAX_FIELDS: usize = 50;
const MAX_PER_PAGE: usize = 200;
const DISCRETE_LIMIT: usize = 2_000;
const TOKEN_LIMIT: usize = 100_000;
const TOKEN_LIFETIME_SECS: i64 = 86_400;

/// Query parameters that a page token is bound to (crm.md §3.1: changing them gives
/// TOKEN_BOUND_DATA_MISMATCH).
const BOUND_PARAMS: &[&str] = &[
    "fields",
    "per_page",
    "sort_by",
    "sort_order",
    "ids",
    "cvid",
    "converted",
    "approved",
];

fn signature(def: &ModuleDef, ctx: &Ctx<'_>) -> u64 {
    // FNV-1a over the module and the bound parameters.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    };
    feed(def.api_name.as_bytes());
    for name in BOUND_PARAMS {
        feed(ctx.req.query(name).unwrap_or("").as_bytes());
    }
    hash
}

fn encode_token(signature: u64, offset: usize, expires: i64) -> String {
    let mut bytes = Vec::with_capacity(20);
    bytes.extend_from_slice(&signature.to_be_bytes());
    bytes.extend_from_slice(&u32::try_from(offset).unwrap_or(u32::MAX).to_be_bytes());
    bytes.extend_from_slice(&expires.to_be_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_token(token: &str) -> Option<(u64, usize, i64)> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    if bytes.len() != 20 {
        return None;
    }
    let signature = u64::from_be_bytes(bytes[0..8].try_into().ok()?);
    let offset = u32::from_be_bytes(bytes[8..12].try_into().ok()?);
    let expires = i64::from_be_bytes(bytes[12..20].try_into().ok()?);
    Some((signature, usize::try_from(offset).ok()?, expires))
}

/// Why a page token is refused.
#[derive(Debug, PartialEq, Eq)]
enum TokenProblem {
    Malformed,
    Mismatch,
    Expired,
    BeyondLimit,
}

/// The offset a page token continues from, if it is still good for these parameters.
fn check_token(token: &str, signature: u64, now: i64) -> Result<usize, TokenProblem> {
    let (bound, offset, expires) = decode_token(token).ok_or(TokenProblem::Malformed)?;
    if bound != signature {
        return Err(TokenProblem::Mismatch);
    }
    if expires <= now {
        return Err(TokenProblem::Expired);
    }
    // crm.md §3.1 [H]: page tokens reach up to 100,000 records.
    if offset >= TOKEN_LIMIT {
        return Err(TokenProblem::BeyondLimit);
    }
    Ok(offset)
}

fn positive(ctx: &Ctx<'_>, name: &str, default: usize) -> Result<usize, Reply> {
    match ctx.req.query(name) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(errors::invalid_param(
                ctx.route,
                name,
                &format!("{name} must be a positive whole number"),
            )),
        },
    }
}

/// Lists records.
pub(crate) fn list(ctx: &Ctx<'_>, def: &'static ModuleDef) -> Reply {
    let route = ctx.route;
    let fields_param = ctx.req.query("fields").filter(|f| !f.trim().is_empty());
    if fields_param.is_none() && ctx.version >= Version(3) {
        return errors::required_param(route, "fields");
    }
    if let Some(fields) = fields_param
        && fields.split(',').filter(|f| !f.trim().is_empty()).count() > MAX_FIELDS
    {
        return errors::error(
            route,
            400,
            "LIMIT_EXCEEDED",
            "the number of fields exceeds the limit",
            json!({"limit": MAX_FIELDS, "param_name": "fields"}),
        );
    }
    let fields = requested_fields(def, fields_param);
    let per_page = match positive(ctx, "per_page", MAX_PER_PAGE) {
        Ok(n) if n > MAX_PER_PAGE => {
            return errors::error(
                route,
                400,
                "INVALID_DATA",
                "per_page cannot be more than 200",
                json!({"param_name": "per_page", "maximum_length": MAX_PER_PAGE}),
            );
        }
        Ok(n) => n,
        Err(reply) => return reply,
    };
    let sort_by = ctx.req.query("sort_by").unwrap_or("id");
    let sort_fields = ["id", "Created_Time", "Modified_Time"];
    if !sort_fields.contains(&sort_by) {
        return errors::error(
            route,
            400,
            "INVALID_DATA",
            "the given sort_by is not supported",
            json!({"param_name": "sort_by", "supported_values": sort_fields}),
        );
    }
    if let Some(cvid) = ctx.req.query("cvid")
        && cvid.parse::<u64>().ok() != Some(def.all_view_id())
    {
        return errors::error(
            route,
            400,
            "INVALID_DATA",
            "invalid data",
            json!({"param_name": "cvid"}),
        );
    }
    if ctx.req.query("sort_by").is_some() && ctx.req.query("cvid").is_some() {
        return errors::error(
            route,
            400,
            "INVALID_DATA",
            "cvid cannot be used together with sort_by",
            json!({"param_name": "sort_by"}),
        );
    }
    let sort_order = ctx.req.query("sort_order").unwrap_or("desc");
    if !matches!(sort_order, "asc" | "desc") {
        return errors::error(
            route,
            400,
            "INVALID_DATA",
            "the given sort_order is not supported",
            json!({"param_name": "sort_order", "supported_values": ["asc", "desc"]}),
        );
    }
    let now = ctx.state.clock.epoch_secs();
    let signature = signature(def, ctx);
    let (offset, page) = match ctx.req.query("page_token") {
        Some(token) => {
            if ctx.req.query("page").is_some() {
                return errors::error(
                    route,
                    400,
                    "AMBIGUITY_DURING_PROCESSING",
                    "page and page_token cannot be used together",
                    json!({"ambiguity_due_to": ["page", "page_token"]}),
                );
            }
            let offset = match check_token(token, signature, now) {
                Ok(offset) => offset,
                Err(TokenProblem::Malformed) => {
                    return errors::invalid_param(
                        route,
                        "page_token",
                        "the given page_token is invalid",
                    );
                }
                Err(TokenProblem::Mismatch) => {
                    return errors::error(
                        route,
                        400,
                        "TOKEN_BOUND_DATA_MISMATCH",
                        "the parameters do not match the ones the page_token was issued for",
                        json!({"param_name": "page_token"}),
                    );
                }
                Err(TokenProblem::Expired) => {
                    return errors::error(
                        route,
                        400,
                        "EXPIRED_VALUE",
                        "the page_token has expired",
                        json!({"api_name": "page_token", "json_path": "$.query.page_token"}),
                    );
                }
                Err(TokenProblem::BeyondLimit) => {
                    return errors::error(
                        route,
                        400,
                        "PAGINATION_LIMIT_EXCEEDED",
                        "cannot fetch more than 100000 records",
                        json!({"param_name": "page_token"}),
                    );
                }
            };
            (offset, offset / per_page + 1)
        }
        None => {
            let page = match positive(ctx, "page", 1) {
                Ok(page) => page,
                Err(reply) => return reply,
            };
            if page.saturating_mul(per_page) > DISCRETE_LIMIT {
                return errors::error(
                    route,
                    400,
                    "DISCRETE_PAGINATION_LIMIT_EXCEEDED",
                    "cannot fetch more than 2000 records with page; use page_token",
                    json!({"limit": DISCRETE_LIMIT}),
                );
            }
            ((page - 1) * per_page, page)
        }
    };
    let ids_filter: Option<Vec<u64>> = ctx
        .req
        .query("ids")
        .map(|ids| ids.split(',').filter_map(|s| parse_id(s.trim())).collect());

    // crm.md §3.1 [H]: If-Modified-Since returns only records modified since then, or 304.
    let since = match ctx
        .req
        .headers
        .get("if-modified-since")
        .map(|v| v.to_str().ok().and_then(clock::parse_datetime))
    {
        None => None,
        Some(Some(since)) => Some(since),
        Some(None) => {
            return errors::error(
                route,
                400,
                "INVALID_DATA",
                "the If-Modified-Since header is not an ISO date-time",
                json!({"param_name": "If-Modified-Since"}),
            );
        }
    };
    let Some(modified_field) = def.field("Modified_Time") else {
        return errors::internal(route);
    };
    let Ok(store) = ctx.store(def).read() else {
        return errors::internal(route);
    };
    let modified = |rec: Rec<'_>| {
        store
            .field(rec, modified_field)
            .as_str()
            .and_then(clock::parse_datetime)
            .unwrap_or(0)
    };
    let keep = |rec: &Rec<'_>| since.is_none_or(|since| modified(*rec) > since);
    let descending = sort_order == "desc";
    // Take one record more than the page to learn whether more follow.
    let wanted = per_page + 1;
    let page_records: Vec<Rec<'_>> = if let Some(ids) = &ids_filter {
        let mut recs: Vec<Rec<'_>> = ids
            .iter()
            .filter_map(|id| store.get(*id))
            .filter(keep)
            .collect();
        recs.sort_by_key(|rec| store.id_of(*rec));
        if descending {
            recs.reverse();
        }
        recs.into_iter().skip(offset).take(wanted).collect()
    } else if sort_by == "Modified_Time" {
        let Some(field) = def.field("Modified_Time") else {
            return errors::internal(route);
        };
        let mut keyed: Vec<(i64, u64, Rec<'_>)> = store
            .iter()
            .map(|rec| {
                let modified = store.field(rec, field);
                let secs = modified
                    .as_str()
                    .and_then(clock::parse_datetime)
                    .unwrap_or(0);
                (secs, store.id_of(rec), rec)
            })
            .collect();
        keyed.sort_by_key(|(secs, id, _)| (*secs, *id));
        if descending {
            keyed.reverse();
        }
        keyed
            .into_iter()
            .skip(offset)
            .take(wanted)
            .map(|(_, _, rec)| rec)
            .collect()
    } else if since.is_none() {
        // Seeded records are created in id order, and new records after them, so
        // Created_Time order is id order.
        store.slice(offset, wanted, descending)
    } else if descending {
        store
            .iter()
            .rev()
            .filter(keep)
            .skip(offset)
            .take(wanted)
            .collect()
    } else {
        store
            .iter()
            .filter(keep)
            .skip(offset)
            .take(wanted)
            .collect()
    };
    if page_records.is_empty() {
        return Reply::empty(route, if since.is_some() { 304 } else { 204 });
    }
    let more = page_records.len() > per_page;
    let data: Vec<Value> = page_records
        .iter()
        .take(per_page)
        .map(|rec| Value::Object(store.render(*rec, fields.as_deref())))
        .collect();
    drop(store);
    let count = data.len();
    let expires = now + TOKEN_LIFETIME_SECS;
    let next_token = more.then(|| encode_token(signature, offset + count, expires));
    let body = json!({
        "data": data,
        "info": {
            "per_page": per_page,
            "count": count,
            "page": page,
            "sort_by": sort_by,
            "sort_order": sort_order,
            "more_records": more,
            "next_page_token": next_token,
            "previous_page_token": Value::Null,
            "page_token_expiry": next_token.as_ref().map(|_| clock::crm_datetime(expires)),
            "call": false,
            "email": false,
        }
    });
    Reply::json(route, 200, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_stop_at_one_hundred_thousand_records() {
        let now = 1_000;
        assert_eq!(
            check_token(&encode_token(7, 99_800, now + 10), 7, now),
            Ok(99_800)
        );
        assert_eq!(
            check_token(&encode_token(7, 100_000, now + 10), 7, now),
            Err(TokenProblem::BeyondLimit)
        );
        assert_eq!(
            check_token(&encode_token(7, 200, now + 10), 8, now),
            Err(TokenProblem::Mismatch)
        );
        assert_eq!(
            check_token(&encode_token(7, 200, now), 7, now),
            Err(TokenProblem::Expired)
        );
        assert_eq!(
            check_token("not a token", 7, now),
            Err(TokenProblem::Malformed)
        );
        assert!(encode_token(u64::MAX, 99_999, i64::MAX).len() <= 96);
    }
}
