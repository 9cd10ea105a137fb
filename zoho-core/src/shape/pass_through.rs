//! The results that are a piece of Zoho's answer as sent, found in the one pass that checks the
//! answer as JSON and reads what [`super::shape`] decides on. Each function answers `None`
//! whenever [`super::shape`] may answer anything but that piece: then the answer is shaped.
//!
//! What passes through, and why each is the same JSON as the shaped value written out:
//! - `CrmRecord`: `data[0]`, which [`super::shape`] clones out unchanged.
//! - `CrmWrite`, `CrmDelete`: `data[0]` when no item says `"status":"error"`, likewise.
//! - `CrmRecords`, `CrmCoql` and a `Raw` JSON object: the object itself, its members written
//!   again around their values as sent (so whitespace between members goes, as it would).
//! - A `Raw` JSON array or scalar: as sent.
//! - `BooksRecord`: the envelope's payload member, picked as [`super::books_payload`] picks it.
//!
//! `BooksRecords` and `BooksDelete` stay shaped: the first removes `code` and `message`, the
//! second is the envelope, which has its own `code`; neither is a piece as sent.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;

use super::BOOKS_ENVELOPE;
use crate::call::Answer;
use crate::{ActionRequest, ResponseType, ResultShape};

/// The result of a plain success of `req`, as Zoho sent it; `None` whenever [`super::shape`]
/// may answer anything else (a status that is not a 2xx with a body, an error or throttle
/// `code`, an error item, no result in the body, a line break between tokens).
pub(super) fn passed_through(req: &ActionRequest, answer: &Answer) -> Option<Box<RawValue>> {
    if !(200..300).contains(&answer.status) || answer.status == 204 {
        return None;
    }
    let body = answer.body.trim_ascii();
    match req.result {
        ResultShape::CrmRecord => crm_record(body),
        ResultShape::CrmRecords | ResultShape::CrmCoql => crm_page(body),
        ResultShape::CrmWrite | ResultShape::CrmDelete => crm_write(body),
        ResultShape::BooksRecord => books_record(body),
        ResultShape::Raw if req.response_type == ResponseType::Json => raw_json(body),
        _ => None,
    }
}

/// No line break: written out JSON has none, and in JSON text one can only be whitespace
/// between tokens (a string holds `\n`, never the byte).
fn one_line(text: &str) -> bool {
    // memchr's vector search: a record's text is scanned whole on every call.
    memchr::memchr2(b'\n', b'\r', text.as_bytes()).is_none()
}

/// A JSON object's members in order, their values as sent, read in one pass that checks the
/// whole object as JSON. A key with an escape in it is not read (`None` from [`Members::of`]).
struct Members<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'a> Members<'a> {
    /// `body`'s members, when it is one JSON object whose keys are each sent once and without
    /// escapes (a [`serde_json::Value`] would keep the last of a key sent twice).
    fn of(body: &'a [u8]) -> Option<Self> {
        // A struct or map also reads a JSON array; the shaping wants an object.
        if body.first() != Some(&b'{') {
            return None;
        }
        let members: Self = serde_json::from_slice(body).ok()?;
        let keys = &members.0;
        let repeated = keys
            .iter()
            .enumerate()
            .any(|(at, (key, _))| keys[..at].iter().any(|(seen, _)| seen == key));
        (!repeated).then_some(members)
    }

    fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.0
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| *value)
    }

    /// No `code`, or `0`: what neither a throttle, a Books failure nor a CRM error carries.
    fn code_is_absent_or_zero(&self) -> bool {
        self.get("code").is_none_or(|code| code.get() == "0")
    }

    /// The object written again: its members around their values as sent, no whitespace
    /// between them, as a [`serde_json::Value`] of it is written (keys need no escaping: they
    /// were read without any).
    fn written(&self) -> Option<Box<RawValue>> {
        serde_json::value::to_raw_value(self).ok()
    }
}

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Collect;
        impl<'de> Visitor<'de> for Collect {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<&'de str, &'de RawValue>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(Collect)
    }
}

impl Serialize for Members<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The members of a CRM answer the shaping reads first; every other member is checked as JSON
/// and skipped.
#[derive(serde::Deserialize)]
struct Page<'a, Item> {
    #[serde(borrow, default)]
    code: Option<&'a RawValue>,
    #[serde(default = "Option::default")]
    data: Option<Vec<Item>>,
}

impl<Item> Page<'_, Item> {
    /// The `data` items of `body`, one JSON object without `code`.
    fn items<'a>(body: &'a [u8]) -> Option<Vec<Item>>
    where
        Item: Deserialize<'a>,
    {
        // A derived struct also reads `[code, data]`; the shaping wants an object.
        if body.first() != Some(&b'{') {
            return None;
        }
        let page: Page<'a, Item> = serde_json::from_slice(body).ok()?;
        if page.code.is_some() {
            return None;
        }
        page.data
    }
}

/// `data[0]` of a page without `code`, read and copied out in the pass that checks the page.
fn crm_record(body: &[u8]) -> Option<Box<RawValue>> {
    let record = Page::<Box<RawValue>>::items(body)?.into_iter().next()?;
    one_line(record.get()).then_some(record)
}

/// The page, when it has a `data` array and no `code`.
fn crm_page(body: &[u8]) -> Option<Box<RawValue>> {
    let members = Members::of(body)?;
    let data = members.get("data")?;
    let plain = members.get("code").is_none()
        && data.get().starts_with('[')
        && members.0.iter().all(|(_, value)| one_line(value.get()));
    if !plain {
        return None;
    }
    members.written()
}

/// `data[0]` of a write's answer, when no item says `"status":"error"` and there is no `code`.
fn crm_write(body: &[u8]) -> Option<Box<RawValue>> {
    /// An item's `status`; an item that is not an object, or whose `status` is neither a
    /// string sent without escapes nor `null`, is shaped.
    #[derive(serde::Deserialize)]
    struct Item<'a> {
        #[serde(borrow, default)]
        status: Option<&'a str>,
    }
    let items = Page::<&RawValue>::items(body)?;
    for item in &items {
        let item: Item<'_> = serde_json::from_str(item.get()).ok()?;
        if item.status == Some("error") {
            return None;
        }
    }
    let first = items.first()?;
    one_line(first.get()).then(|| (*first).to_owned())
}

/// The payload of a Books envelope with `code` `0`: its one member besides `code`, `message`
/// and `page_context`, or with several the first that is an object ([`super::books_payload`]).
fn books_record(body: &[u8]) -> Option<Box<RawValue>> {
    let members = Members::of(body)?;
    if members.get("code")?.get() != "0" {
        return None;
    }
    let candidates: Vec<&RawValue> = members
        .0
        .iter()
        .filter(|(key, _)| !BOOKS_ENVELOPE.contains(key))
        .map(|(_, value)| *value)
        .collect();
    let payload = match candidates.as_slice() {
        [only] => *only,
        _ => *candidates
            .iter()
            .find(|value| value.get().starts_with('{'))?,
    };
    one_line(payload.get()).then(|| payload.to_owned())
}

/// A raw request's JSON body: an object without `code` or with `code` `0`, or any other JSON
/// value; an empty body (`null`) is shaped.
fn raw_json(body: &[u8]) -> Option<Box<RawValue>> {
    if body.first() == Some(&b'{') {
        let members = Members::of(body)?;
        let plain = members.code_is_absent_or_zero()
            && members.0.iter().all(|(_, value)| one_line(value.get()));
        return if plain { members.written() } else { None };
    }
    let value: Box<RawValue> = serde_json::from_slice(body).ok()?;
    one_line(value.get()).then_some(value)
}
