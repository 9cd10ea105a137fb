//! Values on the wire as text: path segments, query pairs and headers, the parent inputs that
//! come together, and the record an action is about (progenitor's `QueryParam`/`encode_path`,
//! for our inputs). Reached by generated code through `__private`.

use std::collections::BTreeMap;

use zoho_core::{Error, PathSegment, RecordRef, RequestPath};

use crate::SpecEnum;

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

/// Add a query pair the spec fixes for the action (`type=CurrentUser`).
pub fn query_constant(pairs: &mut Vec<(String, String)>, name: &str, value: &str) {
    pairs.push((name.to_owned(), value.to_owned()));
}

/// Add every pair of a key/value input to query pairs or headers, when it is given.
pub fn extend(pairs: &mut Vec<(String, String)>, map: Option<&BTreeMap<String, String>>) {
    if let Some(map) = map {
        pairs.extend(map.iter().map(|(name, text)| (name.clone(), text.clone())));
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
pub fn record(
    record_type: Option<&impl WireText>,
    record_id: Option<&impl WireText>,
) -> Option<RecordRef> {
    Some(RecordRef {
        record_type: record_type?.wire_text(),
        record_id: record_id?.wire_text(),
    })
}
