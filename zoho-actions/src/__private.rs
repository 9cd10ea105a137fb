//! What generated code reaches the runtime through (as serde_derive's `__private`): re-exports,
//! so generated code never depends on what the invoking crate imported, and the small helpers
//! every action shares. Not a public API.

use std::collections::BTreeMap;

pub use futures;
pub use serde;
pub use serde_json;
pub use zoho_core;

pub use crate::DispatchError;
pub use crate::file::{deserialize_file, deserialize_file_map, deserialize_optional_file};
pub use crate::prepared::{Prepared, RecordStream, record_stream};

use futures::{Stream, StreamExt};
use serde_json::Value;
use zoho_core::{
    ActionRequest, Client, Error, FileContent, Method, MultipartPart, RecordRef, RequestBody,
    ResponseType,
};

/// Decode params into an action, naming the JSON path of the first param that does not fit.
/// Absent params (`null`) are an empty object, so actions without required inputs need none.
pub fn decode<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, Error> {
    let params = match params {
        Value::Null => Value::Object(serde_json::Map::new()),
        other => other,
    };
    serde_path_to_error::deserialize(params).map_err(|error| {
        let path = error.path().to_string();
        let reason = crate::dispatch_error::in_json_words(&error.inner().to_string());
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

/// Refuse an integer outside the spec's `min`/`max`.
pub fn check_range(
    field: &str,
    value: u64,
    min: Option<u64>,
    max: Option<u64>,
) -> Result<(), Error> {
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

/// The HTTP method an input names.
pub fn method(field: &str, name: &str) -> Result<Method, Error> {
    match name {
        "GET" => Ok(Method::Get),
        "POST" => Ok(Method::Post),
        "PUT" => Ok(Method::Put),
        "PATCH" => Ok(Method::Patch),
        "DELETE" => Ok(Method::Delete),
        other => Err(Error::InvalidInput {
            field: field.to_owned(),
            reason: format!("unknown method `{other}`; allowed: GET, POST, PUT, PATCH, DELETE"),
        }),
    }
}

/// The response type an input names.
pub fn response_type(field: &str, name: &str) -> Result<ResponseType, Error> {
    match name {
        "json" => Ok(ResponseType::Json),
        "text" => Ok(ResponseType::Text),
        "binary" => Ok(ResponseType::Binary),
        other => Err(Error::InvalidInput {
            field: field.to_owned(),
            reason: format!("unknown response type `{other}`; allowed: json, text, binary"),
        }),
    }
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
pub fn record_ref(record_type: Option<String>, record_id: Option<String>) -> Option<RecordRef> {
    Some(RecordRef {
        record_type: record_type?,
        record_id: record_id?,
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

/// Text parts of a multipart form, one per key.
pub fn text_parts(parts: &mut Vec<MultipartPart>, fields: &BTreeMap<String, String>) {
    parts.extend(fields.iter().map(|(name, text)| MultipartPart {
        name: name.clone(),
        file_name: None,
        content: FileContent::Text(text.clone()),
    }));
}

/// File parts of a multipart form, one per key; each named by `names[key]`, else by its key.
pub fn file_parts(
    parts: &mut Vec<MultipartPart>,
    files: &BTreeMap<String, FileContent>,
    names: Option<&BTreeMap<String, String>>,
) {
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
}

/// Every file name must belong to a file part.
pub fn names_match(
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

/// Stream a list action's records, or its one input error.
pub fn records<'a>(
    client: &'a Client,
    request: Result<ActionRequest, Error>,
) -> impl Stream<Item = Result<Value, Error>> + Send + 'a {
    match request {
        Ok(request) => client.records(request).left_stream(),
        Err(error) => futures::stream::once(futures::future::ready(Err(error))).right_stream(),
    }
}
