//! Values in a request body: JSON (record inputs, whole bodies, body fields) or multipart
//! (files and text parts), never both. Reached by generated code through `__private`.

use std::collections::BTreeMap;

use serde_json::Value;
use zoho_core::{Error, FileContent, MultipartPart, RequestBody};

use crate::SpecEnum;

/// A JSON object, as record and body inputs hold it.
pub type JsonMap = serde_json::Map<String, Value>;

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

impl ToJson for Vec<JsonMap> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().cloned().map(Value::Object).collect())
    }
}

/// The items of a multi-record input (records to write, ids to delete), kept as items so the
/// client can send them in chunks.
pub fn batch(input: &'static str, items: Option<&impl ToJson>) -> Option<zoho_core::Batch> {
    let items = match items?.to_json() {
        Value::Array(items) => items,
        other => vec![other],
    };
    Some(zoho_core::Batch { input, items })
}

/// The JSON of an input that may be absent (a whole-body input).
pub fn json(value: Option<&impl ToJson>) -> Option<Value> {
    value.map(ToJson::to_json)
}

/// Set `wire` in a JSON object (a body field), when the input is given. A dotted `wire` is a
/// path into nested objects, made as needed (`query.module.api_name`); a segment of digits
/// indexes an array (`resource.0.find_by`).
pub fn insert(object: &mut JsonMap, wire: &str, value: Option<&impl ToJson>) {
    if let Some(value) = value {
        let mut path = wire.split('.');
        let key = path.next().unwrap_or(wire);
        let rest: Vec<&str> = path.collect();
        place(
            object.entry(key.to_owned()).or_insert(Value::Null),
            &rest,
            value.to_json(),
        );
    }
}

fn place(slot: &mut Value, path: &[&str], value: Value) {
    let Some((segment, rest)) = path.split_first() else {
        *slot = value;
        return;
    };
    if let Ok(index) = segment.parse::<usize>() {
        if !slot.is_array() {
            *slot = Value::Array(Vec::new());
        }
        if let Value::Array(items) = slot {
            if items.len() <= index {
                items.resize(index + 1, Value::Null);
            }
            place(&mut items[index], rest, value);
        }
        return;
    }
    if !slot.is_object() {
        *slot = Value::Object(JsonMap::new());
    }
    if let Value::Object(object) = slot {
        let next = object.entry((*segment).to_owned()).or_insert(Value::Null);
        place(next, rest, value);
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

/// `{"watch": [channel]}`: one notification channel, as CRM's watch API takes it.
pub fn crm_watch(channel: JsonMap) -> JsonMap {
    let mut body = JsonMap::new();
    body.insert(
        "watch".to_owned(),
        Value::Array(vec![Value::Object(channel)]),
    );
    body
}

/// Put a body constant of the spec (`_delete_events = true`) into a body object.
pub fn body_constant(object: &mut JsonMap, key: &str, value: impl Into<Value>) {
    object.insert(key.to_owned(), value.into());
}

/// A JSON object as the request body.
pub fn json_body(body: JsonMap) -> RequestBody {
    RequestBody::Json(Value::Object(body))
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
