//! Typed results for Rust callers: one type per result shape of the spec, so embedding code reads
//! `created.details.id`, not `value["details"]["id"]`.
//!
//! Each type reads what the client's result shape returns (see `zoho_core::Client::execute`) and
//! keeps every key it does not name in `other` (or, for [`Record`], as the record itself), so
//! nothing Zoho sent is lost. Every named key but the record lists has a default, so a result
//! that lacks one still decodes. JSON-RPC callers are not affected: `dispatch` returns the JSON
//! as the client shaped it.
//!
//! ```
//! use zoho_actions::output::{CrmWriteResult, RecordsPage};
//! let created: CrmWriteResult = serde_json::from_value(serde_json::json!({
//!     "code": "SUCCESS", "details": {"id": "4150868000000009999"},
//!     "message": "record added", "status": "success"
//! })).unwrap();
//! assert_eq!(created.details.id, "4150868000000009999");
//!
//! let page: RecordsPage = serde_json::from_value(serde_json::json!({
//!     "data": [{"id": "1", "Last_Name": "Lovelace"}],
//!     "info": {"count": 1, "more_records": false}
//! })).unwrap();
//! assert_eq!(page.data[0].get_str("Last_Name"), Some("Lovelace"));
//! assert!(!page.info.more_records);
//! ```

use std::fmt;
use std::ops::Index;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use zoho_core::Error;

/// One record, CRM or Books: a thin map from field API names to JSON values, with typed getters.
///
/// Indexing by a field name gives its JSON value, `null` when absent, as `serde_json::Value` does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Record(Map<String, Value>);

impl Record {
    /// The record's `id` (CRM). Books records name their id by type: `get_str("contact_id")`.
    pub fn id(&self) -> Option<&str> {
        self.get_str("id")
    }

    /// A field's JSON value.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.0.get(field)
    }

    /// A text field.
    pub fn get_str(&self, field: &str) -> Option<&str> {
        self.0.get(field).and_then(Value::as_str)
    }

    /// A whole-number field.
    pub fn get_i64(&self, field: &str) -> Option<i64> {
        self.0.get(field).and_then(Value::as_i64)
    }

    /// A number field (decimal amounts, for example).
    pub fn get_f64(&self, field: &str) -> Option<f64> {
        self.0.get(field).and_then(Value::as_f64)
    }

    /// A true/false field.
    pub fn get_bool(&self, field: &str) -> Option<bool> {
        self.0.get(field).and_then(Value::as_bool)
    }

    /// Every field, as Zoho sent them.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The fields, owned.
    pub fn into_fields(self) -> Map<String, Value> {
        self.0
    }
}

impl From<Map<String, Value>> for Record {
    fn from(fields: Map<String, Value>) -> Self {
        Record(fields)
    }
}

impl TryFrom<Value> for Record {
    type Error = Error;

    /// A record is a JSON object; anything else is `Error::Internal` (Zoho answered off-shape).
    fn try_from(value: Value) -> Result<Self, Error> {
        match value {
            Value::Object(fields) => Ok(Record(fields)),
            other => Err(Error::Internal(format!(
                "expected a record (a JSON object), Zoho's result was {}",
                json_type(&other)
            ))),
        }
    }
}

impl Index<&str> for Record {
    type Output = Value;

    fn index(&self, field: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.0.get(field).unwrap_or(&NULL)
    }
}

impl fmt::Display for Record {
    /// The record as JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_string(&self.0) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

/// The item Zoho CRM answers a single-record write or delete with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrmWriteResult {
    /// `SUCCESS` on success.
    pub code: String,
    /// `success` on success (an `error` item is an `Error::Api` instead).
    pub status: String,
    /// Zoho's words (`record added`).
    pub message: String,
    /// The record the write touched.
    pub details: WriteDetails,
    /// Any other key of the item.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `details` of a CRM write: the record's id and what Zoho says about the write.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WriteDetails {
    /// The id of the record written (or of the attachment uploaded); empty if Zoho sent none.
    pub id: String,
    /// `Created_Time`, `Modified_By`, ... as Zoho sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A page of CRM records: `data` and the paging `info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordsPage<R = Record> {
    /// The page's records.
    pub data: Vec<R>,
    /// Where the page sits.
    #[serde(default)]
    pub info: PageInfo,
}

/// The `info` of a CRM page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageInfo {
    /// Records on this page.
    pub count: u64,
    /// Whether another page follows (or, after `maxRecords`, whether records were left behind).
    pub more_records: bool,
    /// The page number, from 1.
    pub page: Option<u64>,
    /// The page size asked for.
    pub per_page: Option<u64>,
    /// Give it as `pageToken` to read the next page beyond the first 2,000 records.
    pub next_page_token: Option<String>,
    /// The token of the page before.
    pub previous_page_token: Option<String>,
    /// When the page tokens expire.
    pub page_token_expiry: Option<String>,
    /// The field the page is sorted by.
    pub sort_by: Option<String>,
    /// `asc` or `desc`.
    pub sort_order: Option<String>,
    /// Any other key of `info`.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The rows of a COQL query: `data` and `info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoqlRows<R = Record> {
    /// The matching rows, with the selected fields and `id`.
    pub data: Vec<R>,
    /// How many rows, and whether more match beyond the query's `limit`.
    #[serde(default)]
    pub info: CoqlInfo,
    /// With Include Meta `["fields"]` (CRM API v8): each selected column's field metadata, by
    /// the column's name in the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Map<String, Value>>,
}

/// The `info` of a COQL result.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CoqlInfo {
    /// Rows in this result.
    pub count: u64,
    /// Whether more rows match (raise `offset` to read them).
    pub more_records: bool,
    /// Any other key of `info`.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A page of Books records: the envelope's one list (under its list key, `contacts`,
/// `invoices`, ...) and `page_context`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BooksPage<R = Record> {
    /// The list key Zoho Books used (`contacts`).
    pub list_key: String,
    /// The page's records.
    pub records: Vec<R>,
    /// Where the page sits.
    pub page_context: PageContext,
    /// Any other key of the envelope.
    pub other: Map<String, Value>,
}

impl<'de, R: DeserializeOwned> Deserialize<'de> for BooksPage<R> {
    /// The list key is whichever key holds an array; `page_context` is read by name.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut envelope = Map::<String, Value>::deserialize(deserializer)?;
        let page_context = match envelope.shift_remove("page_context") {
            Some(context) => serde_json::from_value(context).map_err(D::Error::custom)?,
            None => PageContext::default(),
        };
        let list_key = envelope
            .iter()
            .find(|(_, value)| value.is_array())
            .map(|(key, _)| key.clone())
            .ok_or_else(|| D::Error::custom("a Books page has one list of records; none found"))?;
        let records = envelope.shift_remove(&list_key).unwrap_or_default();
        Ok(BooksPage {
            list_key,
            records: serde_json::from_value(records).map_err(D::Error::custom)?,
            page_context,
            other: envelope,
        })
    }
}

/// The `page_context` of a Books page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageContext {
    /// The page number, from 1.
    pub page: Option<u64>,
    /// The page size.
    pub per_page: Option<u64>,
    /// Whether another page follows (or, after `maxRecords`, whether records were left behind).
    pub has_more_page: bool,
    /// Any other key (`report_name`, `sort_column`, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// What Zoho Books answers a delete with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BooksDeleteResult {
    /// `0` on success (any other code is an error instead).
    pub code: i64,
    /// Zoho's words (`The contact has been deleted.`).
    pub message: String,
    /// Any other key.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// What a multi-record write or delete answers: every record of the call, under its position
/// in the caller's list, in exactly one of the two lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WriteManyResult {
    /// The records Zoho wrote, in order.
    pub succeeded: Vec<Succeeded>,
    /// The records that were not written, in order, with Zoho's reason.
    pub failed: Vec<Failed>,
    /// What else the result says (bulk writes: the `jobs` they ran).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One record Zoho wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Succeeded {
    /// Its position in the caller's list.
    pub index: usize,
    /// The record's id.
    pub id: String,
    /// `insert`, `update` (upserts say which) or `delete`.
    pub action: String,
    /// Zoho's `details` for the record.
    pub details: Map<String, Value>,
}

/// One record that was not written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Failed {
    /// Its position in the caller's list.
    pub index: usize,
    /// Zoho's code (`INVALID_DATA`), or ours when the whole request failed (`NO_ANSWER`).
    pub code: String,
    /// Zoho's message, or what went wrong.
    pub message: String,
    /// Zoho's `details` (the field at fault: `api_name`, `json_path`).
    pub details: Value,
}

/// A downloaded file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DownloadedFile {
    /// The file name Zoho gave, when it gave one.
    pub file_name: Option<String>,
    /// Its media type, when Zoho gave one.
    pub content_type: Option<String>,
    /// The bytes, base64-encoded.
    pub base64: String,
}

impl DownloadedFile {
    /// The file's bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, Error> {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(&self.base64)
            .map_err(|err| Error::Internal(format!("the download is not base64: {err}")))
    }
}

/// Read a shaped result as `T`; a result that does not fit is `Error::Internal` naming the action
/// (the call itself succeeded: `dispatch` gives the same result as JSON).
pub(crate) fn decode<T: DeserializeOwned>(action: &str, value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|err| {
        Error::Internal(format!(
            "`{action}` succeeded but its result does not read as `{}`: {err}",
            std::any::type_name::<T>()
        ))
    })
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
