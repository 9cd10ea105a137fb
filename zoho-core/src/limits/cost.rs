//! What one call weighs against Zoho's limits: whether it is heavy (Zoho's sub-concurrency group)
//! and how many API credits it spends. Estimates from the request alone, before it is sent;
//! the figures are Zoho's published ones (CRM credits per call, the heavy-call group).

use serde_json::Value;

use crate::call::{Call, PreparedBody};
use crate::{Method, Product, ResultShape};

/// A CRM write of more records than this is heavy.
const HEAVY_WRITE_RECORDS: usize = 10;

/// Credits of creating a bulk read job (Zoho's "Bulk Read Initialize").
const BULK_READ_CREDITS: u32 = 50;
/// Credits of creating a bulk write job (Zoho's "Bulk Write Initialize").
const BULK_WRITE_CREDITS: u32 = 500;

/// The weight of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallCost {
    /// It belongs to Zoho's heavy group: COQL, a list sorted (`sort_by`) or from a custom view
    /// (`cvid`), a write of more than 10 records, lead convert.
    pub heavy: bool,
    /// API credits it spends.
    pub credits: u32,
}

impl Default for CallCost {
    fn default() -> Self {
        CallCost {
            heavy: false,
            credits: 1,
        }
    }
}

/// The cost of `call`. CRM: most calls 1; a list with `cvid` 3; writes 1 per 10 records; COQL
/// 1, 2 or 3 by its `LIMIT` (up to 200, 1,000, 2,000); convert 5. Books: 1 per request.
pub(crate) fn of(call: &Call) -> CallCost {
    if call.product == Product::Books {
        return CallCost::default();
    }
    let param = |name: &str| {
        call.query
            .iter()
            .chain(call.target.query.iter())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let path = call.target.path.as_str();
    if call.base == crate::job::Base::CrmBulk {
        // Bulk APIs are heavy; creating a job costs Zoho's "initialize" credits.
        let credits = match (call.method, path.rsplit('/').next()) {
            (Method::Post, Some("read")) => BULK_READ_CREDITS,
            (Method::Post, Some("write")) => BULK_WRITE_CREDITS,
            _ => 1,
        };
        return CallCost {
            heavy: true,
            credits,
        };
    }
    if call.result == ResultShape::CrmCoql || path.ends_with("/coql") {
        let limit = coql_limit(&call.body).unwrap_or(200);
        let credits = match limit {
            0..=200 => 1,
            201..=1000 => 2,
            _ => 3,
        };
        return CallCost {
            heavy: true,
            credits,
        };
    }
    if path.contains("/actions/convert") {
        return CallCost {
            heavy: true,
            credits: 5,
        };
    }
    if call.method == Method::Get {
        let custom_view = param("cvid").is_some();
        return CallCost {
            heavy: custom_view || param("sort_by").is_some(),
            credits: if custom_view { 3 } else { 1 },
        };
    }
    if matches!(call.method, Method::Post | Method::Put | Method::Patch) {
        let records = written_records(&call.body);
        return CallCost {
            heavy: records > HEAVY_WRITE_RECORDS,
            credits: u32::try_from(records.div_ceil(10).max(1)).unwrap_or(u32::MAX),
        };
    }
    CallCost::default()
}

/// Records in a CRM write body (`{"data": [...]}`); 1 when it is not that shape.
fn written_records(body: &PreparedBody) -> usize {
    let PreparedBody::Json(bytes) = body else {
        return 1;
    };
    #[derive(serde::Deserialize)]
    struct Envelope {
        data: Option<Vec<serde::de::IgnoredAny>>,
    }
    serde_json::from_slice::<Envelope>(bytes)
        .ok()
        .and_then(|envelope| envelope.data)
        .map_or(1, |data| data.len().max(1))
}

/// The `LIMIT` of a COQL body's `select_query` (`LIMIT n` or `LIMIT offset, n`).
fn coql_limit(body: &PreparedBody) -> Option<u64> {
    let PreparedBody::Json(bytes) = body else {
        return None;
    };
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let query = value.get("select_query")?.as_str()?.to_ascii_lowercase();
    let (_, after) = query.rsplit_once(" limit ")?;
    let clause = after.split_whitespace().collect::<String>();
    let count = clause.rsplit(',').next()?;
    let digits: String = count.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;
    use crate::{ActionRequest, PathSegment, RequestBody, RequestPath};

    fn call(method: Method, path: &'static str, body: Option<Value>) -> Call {
        let mut req = ActionRequest::new(
            "test",
            Product::Crm,
            method,
            RequestPath::Segments(
                path.split('/')
                    .map(PathSegment::Literal)
                    .collect::<Vec<_>>(),
            ),
        );
        if let Some(body) = body {
            req.body = RequestBody::Json(body);
        }
        Call::prepare(&req).unwrap()
    }

    #[test]
    fn most_calls_cost_one_credit_and_are_light() {
        assert_eq!(of(&call(Method::Get, "Leads", None)), CallCost::default());
        let one = call(
            Method::Post,
            "Leads",
            Some(json!({"data": [{"Last_Name": "A"}]})),
        );
        assert_eq!(of(&one), CallCost::default());
    }

    #[test]
    fn sorted_lists_custom_views_big_writes_coql_and_convert_are_heavy() {
        let mut sorted = call(Method::Get, "Leads", None);
        sorted.query.push(("sort_by".into(), "Email".into()));
        assert!(of(&sorted).heavy);
        let mut view = call(Method::Get, "Leads", None);
        view.query.push(("cvid".into(), "7".into()));
        assert_eq!(
            of(&view),
            CallCost {
                heavy: true,
                credits: 3
            }
        );
        let records: Vec<Value> = (0..25).map(|i| json!({"Last_Name": i})).collect();
        let big = call(Method::Post, "Leads", Some(json!({ "data": records })));
        assert_eq!(
            of(&big),
            CallCost {
                heavy: true,
                credits: 3
            }
        );
        let coql = call(
            Method::Post,
            "coql",
            Some(
                json!({"select_query": "select Last_Name from Leads where id is not null limit 500, 1000"}),
            ),
        );
        assert_eq!(
            of(&coql),
            CallCost {
                heavy: true,
                credits: 2
            }
        );
        let convert = call(Method::Post, "Leads/1/actions/convert", None);
        assert_eq!(
            of(&convert),
            CallCost {
                heavy: true,
                credits: 5
            }
        );
    }

    #[test]
    fn books_calls_cost_one_request() {
        let mut books = call(Method::Post, "invoices", Some(json!({"data": [1, 2, 3]})));
        books.product = Product::Books;
        assert_eq!(of(&books), CallCost::default());
    }
}
