//! Past Zoho's 100,000-record page-token limit: a module list followed to the end goes on with
//! COQL, keyed on the last id delivered (`where id < L order by id desc limit 200`; 2,000 rows
//! from v4), so each query starts afresh and no OFFSET limit applies.
//!
//! It works when the list's order is by id: Zoho's default (`id`, descending) or an explicit
//! `sort_by=id`. A list sorted by `Created_Time` or `Modified_Time` is not continued: a window
//! on (time, id) would need Zoho's order among records of the same second, which Zoho does not
//! document, and `Modified_Time` changes under a running export (a record edited meanwhile would
//! be skipped or delivered twice). Such a list stops at Zoho's refusal past 100,000 with an
//! `InvalidInput` on `sortBy` ([`beyond_the_limit`]) that says how to get every record instead.
//! Lists through a custom view end as any failed page does.
//!
//! Records read through COQL carry the same fields (and `id`); Zoho's COQL gives a lookup as
//! `{"id"}` where the list API adds its `name`.

use serde_json::{Value, json};

use crate::{ActionRequest, Method, PathSegment, RequestBody, RequestPath, ResultShape};

/// Zoho CRM serves a module's list through page tokens up to this many records.
pub const CRM_TOKEN_LIMIT: u64 = 100_000;
/// The most rows a COQL query returns in v3 (crm.md §4).
pub const COQL_V3_LIMIT: u64 = 200;
/// The most rows a COQL query returns from v4 on (crm.md §4).
pub const COQL_MAX_LIMIT: u64 = 2_000;

/// The most rows one COQL query may return on CRM API `version` (`v3`, `v8`).
pub fn coql_limit(version: &str) -> u64 {
    match version.trim_start_matches('v').parse::<u32>() {
        Ok(number) if number >= 4 => COQL_MAX_LIMIT,
        _ => COQL_V3_LIMIT,
    }
}

/// How a module list continues by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Keyset {
    module: String,
    fields: Vec<String>,
    ascending: bool,
    per_page: u64,
}

fn query_value<'a>(req: &'a ActionRequest, name: &str) -> Option<&'a str> {
    req.query
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// A name COQL can take as it is: letters, digits, `_`, and `.` for lookup fields.
fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

impl Keyset {
    /// The keyset of a module list ordered by id, if `req` is one.
    pub(crate) fn of(req: &ActionRequest, limit: u64) -> Option<Keyset> {
        let RequestPath::Segments(segments) = &req.path else {
            return None;
        };
        let [PathSegment::Value { value: module, .. }] = segments.as_slice() else {
            return None;
        };
        if query_value(req, "cvid").is_some()
            || query_value(req, "sort_by").is_some_and(|by| by != "id")
            || !plain_name(module)
        {
            return None;
        }
        let fields: Vec<String> = query_value(req, "fields")?
            .split(',')
            .map(|f| f.trim().to_owned())
            .filter(|f| f != "id")
            .collect();
        if fields.is_empty() || !fields.iter().all(|f| plain_name(f)) {
            return None;
        }
        Some(Keyset {
            module: module.clone(),
            fields,
            ascending: query_value(req, "sort_order") == Some("asc"),
            per_page: limit.clamp(1, COQL_MAX_LIMIT),
        })
    }

    /// The COQL request for the records after `last_id`, in the list's order. `None` when the
    /// id is not a Zoho id (digits), which is never put into a query.
    pub(crate) fn request(&self, list: &ActionRequest, last_id: &str) -> Option<ActionRequest> {
        if last_id.is_empty() || !last_id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (compare, order) = if self.ascending {
            (">", "asc")
        } else {
            ("<", "desc")
        };
        let query = format!(
            "select {} from {} where id {compare} {last_id} order by id {order} limit {}",
            self.fields.join(", "),
            self.module,
            self.per_page
        );
        let mut req = ActionRequest::new(
            list.action,
            list.product,
            Method::Post,
            RequestPath::Segments(vec![PathSegment::Literal("coql")]),
        );
        req.result = ResultShape::CrmCoql;
        req.idempotent = true;
        req.debug_request = list.debug_request;
        req.timeout = list.timeout;
        req.body = RequestBody::Json(json!({ "select_query": query }));
        Some(req)
    }
}

/// The error of a module list that Zoho stopped at its token limit and that cannot go on by
/// id, because it is sorted by another field; `None` for any other list.
pub(crate) fn beyond_the_limit(req: &ActionRequest, delivered: u64) -> Option<crate::Error> {
    let by = query_value(req, "sort_by").filter(|by| *by != "id")?;
    Some(crate::Error::InvalidInput {
        field: "sortBy".into(),
        reason: format!(
            "Zoho serves a list sorted by `{by}` only up to {CRM_TOKEN_LIMIT} records, and a list in \
             that order cannot be continued exactly past them ({delivered} were delivered); \
             to get every record, leave sortBy out (the list is then ordered by id and goes on \
             past {CRM_TOKEN_LIMIT}) and sort afterwards, or export with crm.bulkRead"
        ),
    })
}

/// The id of the last record of a page.
pub(crate) fn last_id(records: &[Value]) -> Option<String> {
    records
        .last()
        .and_then(|record| record.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::Product;

    fn list(query: &[(&str, &str)]) -> ActionRequest {
        let mut req = ActionRequest::new(
            "crm.getRecords",
            Product::Crm,
            Method::Get,
            RequestPath::Segments(vec![PathSegment::Value {
                input: "recordType",
                value: "Leads".into(),
            }]),
        );
        req.query = query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        req
    }

    #[test]
    fn the_default_order_continues_below_the_last_id() {
        let keyset = Keyset::of(&list(&[("fields", "Last_Name,id,Email")]), 200).unwrap();
        let next = keyset.request(&list(&[]), "4150868100000100000").unwrap();
        assert_eq!(
            next.body,
            RequestBody::Json(json!({"select_query":
                "select Last_Name, Email from Leads where id < 4150868100000100000 order by id desc limit 200"}))
        );
        assert_eq!(next.result, ResultShape::CrmCoql);
        assert!(next.idempotent);
    }

    #[test]
    fn only_lists_ordered_by_id_with_plain_names_and_digit_ids_continue() {
        assert!(
            Keyset::of(
                &list(&[("fields", "Last_Name"), ("sort_by", "Modified_Time")]),
                200
            )
            .is_none()
        );
        assert!(Keyset::of(&list(&[("fields", "Last_Name"), ("cvid", "1")]), 200).is_none());
        assert!(Keyset::of(&list(&[("fields", "Last_Name from Deals --")]), 200).is_none());
        let ascending = Keyset::of(
            &list(&[
                ("fields", "Last_Name"),
                ("sort_by", "id"),
                ("sort_order", "asc"),
            ]),
            50,
        )
        .unwrap();
        let next = ascending.request(&list(&[]), "7").unwrap();
        let RequestBody::Json(body) = next.body else {
            panic!("JSON")
        };
        assert!(
            body["select_query"]
                .as_str()
                .unwrap()
                .ends_with("where id > 7 order by id asc limit 50")
        );
        assert!(ascending.request(&list(&[]), "7 or 1=1").is_none());
    }

    #[test]
    fn a_list_sorted_by_time_is_refused_past_the_limit_naming_sort_by_and_an_id_list_is_not() {
        let by_time = list(&[("fields", "Last_Name"), ("sort_by", "Created_Time")]);
        match beyond_the_limit(&by_time, 100_000) {
            Some(crate::Error::InvalidInput { field, reason }) => {
                assert_eq!(field, "sortBy");
                assert!(reason.contains("`Created_Time`"), "{reason}");
                assert!(reason.contains("leave sortBy out"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(beyond_the_limit(&list(&[("fields", "Last_Name")]), 100_000).is_none());
        assert!(beyond_the_limit(&list(&[("sort_by", "id")]), 100_000).is_none());
    }

    #[test]
    fn each_query_takes_as_many_rows_as_the_version_allows() {
        assert_eq!(coql_limit("v3"), 200);
        assert_eq!(coql_limit("v4"), 2_000);
        assert_eq!(coql_limit("v8"), 2_000);
        let keyset = Keyset::of(&list(&[("fields", "Last_Name")]), coql_limit("v8")).unwrap();
        let RequestBody::Json(body) = keyset.request(&list(&[]), "9").unwrap().body else {
            panic!("JSON")
        };
        assert!(
            body["select_query"]
                .as_str()
                .unwrap()
                .ends_with("limit 2000")
        );
    }
}
