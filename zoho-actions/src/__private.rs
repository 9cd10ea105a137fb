//! What generated code reaches the runtime through (as serde_derive's `__private`): re-exports,
//! so generated code never depends on what the invoking crate imported, and the small helpers
//! every action shares. Not a public API.

use std::collections::BTreeMap;

pub use futures;
pub use serde;
pub use serde::{Deserialize, Serialize};
pub use serde_json;
pub use zoho_core;
pub use zoho_core::{
    ActionRequest, Error, FileContent, Method, PathSegment, Product, RequestBody, RequestPath,
    ResponseType, ResultShape,
};

pub use crate::action::{Action, ListAction, SpecEnum};
pub use crate::file::{deserialize_file, deserialize_file_map, deserialize_optional_file};
pub use crate::output;
pub use crate::prepared::{Prepared, RecordStream, record_stream};
pub use crate::{DispatchError, MethodDescriptor};

use serde::de::DeserializeOwned;
use serde_json::Value;
use zoho_core::{MultipartPart, RecordRef};

/// What `to_request` returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A JSON object, as record and body inputs hold it.
pub type JsonMap = serde_json::Map<String, Value>;

/// The request of the action `A`, before its inputs are placed.
pub fn request<A: Action>(product: Product, method: Method, path: RequestPath) -> ActionRequest {
    ActionRequest::new(A::METHOD, product, method, path)
}

/// Set a request option to an input's value when the input is given; an absent input leaves the
/// option as [`ActionRequest::new`] set it.
pub fn set_given<T>(option: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *option = value;
    }
}

/// Milliseconds, as the spec's time inputs give them.
pub fn millis(value: u64) -> std::time::Duration {
    std::time::Duration::from_millis(value)
}

/// Decode JSON-RPC params into the action `A` and describe its call: one `prepare` arm.
pub fn prepare<A: Action + DeserializeOwned>(params: Value) -> Result<Prepared, DispatchError> {
    let action: A = decode(params)?;
    Ok(Prepared {
        request: action.to_request()?,
        connection: action.connection().map(str::to_owned),
    })
}

/// Decode params into an action, naming the JSON path of the first param that does not fit.
/// Absent params (`null`) are an empty object, so actions without required inputs need none.
pub fn decode<T: DeserializeOwned>(params: Value) -> Result<T, Error> {
    let params = match params {
        Value::Null => Value::Object(serde_json::Map::new()),
        other => other,
    };
    serde_path_to_error::deserialize(params).map_err(|error| {
        let path = error.path().to_string();
        let reason = error.inner().to_string();
        let field = if path.is_empty() || path == "." {
            // Missing and unknown fields are reported on the object; the name is in the message.
            // Anything else at the top (params not an object) is about the params as a whole.
            backticked(&reason).unwrap_or_else(|| "params".to_owned())
        } else {
            path
        };
        Error::InvalidInput { field, reason }
    })
}

fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message.get(start..)?.find('`')?;
    message.get(start..start + len).map(str::to_owned)
}

/// Refuse an integer outside the spec's `min`/`max`; an absent one (`None`) passes.
pub fn check_range(
    field: &str,
    value: impl Into<Option<u64>>,
    min: Option<u64>,
    max: Option<u64>,
) -> Result<(), Error> {
    let Some(value) = value.into() else {
        return Ok(());
    };
    let below = min.is_some_and(|min| value < min);
    let above = max.is_some_and(|max| value > max);
    if below || above {
        let allowed = match (min, max) {
            (Some(min), Some(max)) => format!("{min} to {max}"),
            (Some(min), None) => format!("{min} or more"),
            (None, Some(max)) => format!("at most {max}"),
            (None, None) => String::new(),
        };
        return Err(Error::InvalidInput {
            field: field.to_owned(),
            reason: format!("{value} is out of range; allowed: {allowed}"),
        });
    }
    Ok(())
}

/// `u64` to `u32` for retry counts.
pub fn to_u32(field: &str, value: u64) -> Result<u32, Error> {
    u32::try_from(value).map_err(|_| Error::InvalidInput {
        field: field.to_owned(),
        reason: format!("{value} is too large; allowed: at most {}", u32::MAX),
    })
}

/// How a value of an input goes on the wire as text: in a path segment, a query pair or a
/// header (`SpecEnum`s as their spec value, numbers and booleans as Rust writes them).
pub trait WireText {
    /// The value as text.
    fn wire_text(&self) -> String;
}

impl WireText for String {
    fn wire_text(&self) -> String {
        self.clone()
    }
}

impl WireText for u64 {
    fn wire_text(&self) -> String {
        self.to_string()
    }
}

impl WireText for bool {
    fn wire_text(&self) -> String {
        self.to_string()
    }
}

impl<T: SpecEnum> WireText for T {
    fn wire_text(&self) -> String {
        self.as_str().to_owned()
    }
}

/// The wire text of an input that may be absent.
pub fn wire(value: Option<&impl WireText>) -> Option<String> {
    value.map(WireText::wire_text)
}

/// A path segment written in the spec (`Attachments`).
pub fn literal(text: &'static str) -> PathSegment {
    PathSegment::Literal(text)
}

/// A path segment from the input `input`: always one segment, percent-encoded by the client.
pub fn value(input: &'static str, value: &impl WireText) -> PathSegment {
    PathSegment::Value {
        input,
        value: value.wire_text(),
    }
}

/// A templated path of these segments.
pub fn path(segments: impl IntoIterator<Item = PathSegment>) -> RequestPath {
    RequestPath::Segments(segments.into_iter().collect())
}

/// A value that goes into query pairs or headers as one `name=value` pair, when given.
pub trait PairValue {
    /// The pair's value, or `None` for nothing to send.
    fn pair_value(&self) -> Option<String>;
}

impl<T: WireText> PairValue for T {
    fn pair_value(&self) -> Option<String> {
        Some(self.wire_text())
    }
}

/// A list is sent comma-separated (`fields=Last_Name,Email`); an empty list is not sent.
impl PairValue for Vec<String> {
    fn pair_value(&self) -> Option<String> {
        (!self.is_empty()).then(|| self.join(","))
    }
}

/// Add `wire=value` to query pairs or headers, when the input is given.
pub fn append(pairs: &mut Vec<(String, String)>, wire: &str, value: Option<&impl PairValue>) {
    if let Some(text) = value.and_then(PairValue::pair_value) {
        pairs.push((wire.to_owned(), text));
    }
}

/// Add every pair of a key/value input to query pairs or headers, when it is given.
pub fn extend(pairs: &mut Vec<(String, String)>, map: Option<&BTreeMap<String, String>>) {
    if let Some(map) = map {
        pairs.extend(map.iter().map(|(name, text)| (name.clone(), text.clone())));
    }
}

/// How a value of an input goes into a JSON body.
pub trait ToJson {
    /// The value as JSON.
    fn to_json(&self) -> Value;
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToJson for u64 {
    fn to_json(&self) -> Value {
        Value::from(*self)
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

impl<T: SpecEnum> ToJson for T {
    fn to_json(&self) -> Value {
        Value::String(self.as_str().to_owned())
    }
}

impl ToJson for Vec<String> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().cloned().map(Value::String).collect())
    }
}

impl ToJson for BTreeMap<String, String> {
    fn to_json(&self) -> Value {
        Value::Object(
            self.iter()
                .map(|(key, text)| (key.clone(), Value::String(text.clone())))
                .collect(),
        )
    }
}

impl ToJson for JsonMap {
    fn to_json(&self) -> Value {
        Value::Object(self.clone())
    }
}

impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

/// The JSON of an input that may be absent (a whole-body input).
pub fn json(value: Option<&impl ToJson>) -> Option<Value> {
    value.map(ToJson::to_json)
}

/// Set `wire` in a JSON object (a body field), when the input is given.
pub fn insert(object: &mut JsonMap, wire: &str, value: Option<&impl ToJson>) {
    if let Some(value) = value {
        object.insert(wire.to_owned(), value.to_json());
    }
}

/// Body fields as a JSON body, unless there are none.
pub fn non_empty(object: JsonMap) -> Option<Value> {
    (!object.is_empty()).then_some(Value::Object(object))
}

/// Merge a record input into the record being built; a later input wins a clash.
pub fn merge(record: &mut JsonMap, fields: Option<&JsonMap>) {
    if let Some(fields) = fields {
        record.extend(fields.clone());
    }
}

/// A CRM record body: `{"data": [record]}`; body fields go beside `data`.
pub fn crm_record(record: JsonMap) -> JsonMap {
    let mut body = JsonMap::new();
    body.insert("data".to_owned(), Value::Array(vec![Value::Object(record)]));
    body
}

/// A JSON object as the request body.
pub fn json_body(body: JsonMap) -> RequestBody {
    RequestBody::Json(Value::Object(body))
}

/// Parent inputs come all together or not at all: their values when all are given, `None` when
/// none is, and an error naming a missing one otherwise.
pub fn all_or_none<const N: usize>(
    inputs: [(&'static str, Option<String>); N],
) -> Result<Option<[String; N]>, Error> {
    let given: Vec<&str> = inputs
        .iter()
        .filter(|(_, value)| value.is_some())
        .map(|(key, _)| *key)
        .collect();
    if given.is_empty() {
        return Ok(None);
    }
    if let Some((missing, _)) = inputs.iter().find(|(_, value)| value.is_none()) {
        return Err(Error::InvalidInput {
            field: (*missing).to_owned(),
            reason: format!(
                "`{missing}` is required when `{}` is given: a parent is named by all of {} or none",
                given.join("`, `"),
                inputs
                    .iter()
                    .map(|(key, _)| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    Ok(Some(inputs.map(|(_, value)| value.unwrap_or_default())))
}

/// The record an action is about, when both its inputs are known.
pub fn record(
    record_type: Option<&impl WireText>,
    record_id: Option<&impl WireText>,
) -> Option<RecordRef> {
    Some(RecordRef {
        record_type: record_type?.wire_text(),
        record_id: record_id?.wire_text(),
    })
}

/// A body from what the inputs gave: JSON, multipart, or nothing; never both.
/// `json_inputs` and `multipart_inputs` list the inputs of each kind (`data`, `formData, fileData`).
pub fn body(
    json: Option<Value>,
    parts: Vec<MultipartPart>,
    json_inputs: &str,
    multipart_inputs: &str,
) -> Result<RequestBody, Error> {
    match (json, parts.is_empty()) {
        (Some(_), false) => Err(Error::InvalidInput {
            field: multipart_inputs
                .split(", ")
                .next()
                .unwrap_or_default()
                .to_owned(),
            reason: format!(
                "a request has one body: give `{json_inputs}` (JSON) or `{multipart_inputs}` (multipart), not both"
            ),
        }),
        (Some(json), true) => Ok(RequestBody::Json(json)),
        (None, false) => Ok(RequestBody::Multipart(parts)),
        (None, true) => Ok(RequestBody::Empty),
    }
}

/// The file part `wire` of a multipart form, when the input is given; named `file_name`, else
/// by its part name.
pub fn file_part(
    parts: &mut Vec<MultipartPart>,
    wire: &str,
    file: Option<&FileContent>,
    file_name: Option<&String>,
) {
    if let Some(file) = file {
        parts.push(MultipartPart {
            name: wire.to_owned(),
            file_name: Some(file_name.cloned().unwrap_or_else(|| wire.to_owned())),
            content: file.clone(),
        });
    }
}

/// Text parts of a multipart form, one per key, when the input is given.
pub fn text_parts(parts: &mut Vec<MultipartPart>, fields: Option<&BTreeMap<String, String>>) {
    let Some(fields) = fields else { return };
    parts.extend(fields.iter().map(|(name, text)| MultipartPart {
        name: name.clone(),
        file_name: None,
        content: FileContent::Text(text.clone()),
    }));
}

/// File parts of a multipart form, one per key of `files` (the input `files_field`); each named
/// by `names[key]` (the input `names_field`), else by its key. A name without a file is refused.
pub fn file_parts(
    parts: &mut Vec<MultipartPart>,
    (files_field, files): (&str, Option<&BTreeMap<String, FileContent>>),
    (names_field, names): (&str, Option<&BTreeMap<String, String>>),
) -> Result<(), Error> {
    if let Some(names) = names {
        names_match(names_field, names, files_field, files)?;
    }
    let Some(files) = files else { return Ok(()) };
    parts.extend(files.iter().map(|(name, content)| {
        MultipartPart {
            name: name.clone(),
            file_name: Some(
                names
                    .and_then(|names| names.get(name))
                    .cloned()
                    .unwrap_or_else(|| name.clone()),
            ),
            content: content.clone(),
        }
    }));
    Ok(())
}

/// Every file name must belong to a file part.
fn names_match(
    names_field: &str,
    names: &BTreeMap<String, String>,
    files_field: &str,
    files: Option<&BTreeMap<String, FileContent>>,
) -> Result<(), Error> {
    for key in names.keys() {
        if !files.is_some_and(|files| files.contains_key(key)) {
            return Err(Error::InvalidInput {
                field: format!("{names_field}.{key}"),
                reason: format!(
                    "names no part of `{files_field}`; its keys must match `{files_field}`'s keys"
                ),
            });
        }
    }
    Ok(())
}
