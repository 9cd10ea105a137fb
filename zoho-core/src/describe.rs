//! A CRM module's records as JSON Schema (draft 2020-12), from Zoho's own metadata: the fields
//! (`settings/fields?module=X`: types, lengths, picklists, `system_mandatory`) and one layout
//! (`settings/layouts?module=X`: the fields that layout requires). Used by `crm.describe` and by
//! writes that ask to `validate` their values first ([`check`]).
//!
//! A Books record type's schema is the `books` submodule's, from the fields Books lists.
//!
//! Written by hand rather than with a JSON Schema library: the schema is ours, so checking a
//! record needs only the few keywords we emit (`type`, `enum`, `maxLength`, `pattern` for ids,
//! `required`), and each mismatch must name the Zoho field in the caller's words.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::{ActionRequest, Error, PathSegment, RequestPath, ResultShape};

pub(crate) mod books;

/// How long a module's schema fetched for `validate` is used before it is fetched again.
pub const SCHEMA_TTL: Duration = Duration::from_secs(600);

/// The schemas a connection fetched to validate writes, per module, each for [`SCHEMA_TTL`].
/// A cached schema only ever lets a record through: a record it refuses is checked again
/// against a schema fetched now, so a field Zoho changed since (a picklist value added, a
/// length raised, a field no longer required) is never refused on stale metadata.
#[derive(Debug, Default)]
pub(crate) struct SchemaCache {
    schemas: Mutex<HashMap<String, (Instant, Value)>>,
}

impl SchemaCache {
    /// The module's schema if it was fetched less than [`SCHEMA_TTL`] before `now`.
    pub(crate) fn get(&self, module: &str, now: Instant) -> Option<Value> {
        let schemas = self.schemas.lock().unwrap_or_else(PoisonError::into_inner);
        schemas
            .get(module)
            .filter(|(at, _)| now.saturating_duration_since(*at) < SCHEMA_TTL)
            .map(|(_, schema)| schema.clone())
    }

    /// Keep the module's schema, fetched at `now`.
    pub(crate) fn put(&self, module: &str, schema: Value, now: Instant) {
        self.schemas
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(module.to_owned(), (now, schema));
    }
}

/// Check a write's record(s) against `schema`: each of the batch's records (`records[i]`), or
/// the one record of a `{"data": [record]}` body (`values`).
pub(crate) fn check_request(
    schema: &Value,
    req: &ActionRequest,
    creating: bool,
) -> Result<(), Error> {
    if let Some(batch) = &req.batch {
        for (index, item) in batch.items.iter().enumerate() {
            if let Value::Object(record) = item {
                check(
                    schema,
                    record,
                    &format!("{}[{index}]", batch.input),
                    creating,
                )?;
            }
        }
        return Ok(());
    }
    if let crate::RequestBody::Json(body) = &req.body
        && let Some(Value::Object(record)) = body.get("data").and_then(|data| data.get(0))
    {
        check(schema, record, "values", creating)?;
    }
    Ok(())
}

/// The draft the schemas follow.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Data types Zoho computes or stores itself: never written by the API.
const COMPUTED: [&str; 6] = [
    "formula",
    "rollup_summary",
    "autonumber",
    "fileupload",
    "imageupload",
    "profileimage",
];

/// The fields request of a describe (`settings/fields?module=X`) and its layouts request.
fn requests(req: &ActionRequest) -> Result<(ActionRequest, ActionRequest, Option<String>), Error> {
    let module = req
        .query
        .iter()
        .find(|(key, _)| key == "module")
        .map(|(_, value)| value.clone())
        .ok_or_else(|| Error::InvalidInput {
            field: "recordType".into(),
            reason: "the module to describe is missing".into(),
        })?;
    let layout = req
        .query
        .iter()
        .find(|(key, _)| key == "layout_id")
        .map(|(_, value)| value.clone());
    let mut fields = req.clone();
    fields.result = ResultShape::Json;
    fields.query.retain(|(key, _)| key != "layout_id");
    let mut layouts = fields.clone();
    let mut segments = vec![
        PathSegment::Literal("settings"),
        PathSegment::Literal("layouts"),
    ];
    if let Some(id) = &layout {
        segments.push(PathSegment::Value {
            input: "layoutId",
            value: id.clone(),
        });
    }
    layouts.path = RequestPath::Segments(segments);
    layouts.query = vec![("module".into(), module)];
    Ok((fields, layouts, layout))
}

/// Fetch the metadata through `send` and build the schema.
pub(crate) async fn execute<F, Fut>(req: &ActionRequest, send: F) -> Result<Value, Error>
where
    F: Fn(ActionRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Value, Error>>,
{
    let (fields_req, layouts_req, layout_id) = requests(req)?;
    let module = layouts_req
        .query
        .first()
        .map(|(_, module)| module.clone())
        .unwrap_or_default();
    let fields = send(fields_req).await?;
    let layouts = send(layouts_req).await?;
    let fields = fields
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Internal("Zoho's field metadata has no `fields` list".into()))?;
    let layout = layouts
        .get("layouts")
        .and_then(Value::as_array)
        .and_then(|all| {
            all.iter()
                .find(|l| {
                    layout_id
                        .as_deref()
                        .is_none_or(|id| l.get("id").and_then(Value::as_str) == Some(id))
                })
                .or_else(|| all.first())
        });
    Ok(schema(&module, fields, layout))
}

/// The schema of one record of `module`.
pub fn schema(module: &str, fields: &[Value], layout: Option<&Value>) -> Value {
    let layout_required: Vec<&str> = layout
        .and_then(|l| l.get("sections"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|section| section.get("fields").and_then(Value::as_array))
        .flatten()
        .filter(|f| f.get("required").and_then(Value::as_bool) == Some(true))
        .filter_map(|f| f.get("api_name").and_then(Value::as_str))
        .collect();
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields {
        let Some(name) = field.get("api_name").and_then(Value::as_str) else {
            continue;
        };
        let mandatory = field.get("system_mandatory").and_then(Value::as_bool) == Some(true)
            || layout_required.contains(&name);
        if mandatory {
            required.push(Value::from(name));
        }
        properties.insert(name.to_owned(), property(field, mandatory));
    }
    let mut out = json!({
        "$schema": DRAFT,
        "title": module,
        "type": "object",
        "properties": properties,
        "required": required,
    });
    if let (Some(map), Some(id)) = (
        out.as_object_mut(),
        layout.and_then(|l| l.get("id")).cloned(),
    ) {
        map.insert("x-zoho-layout".into(), id);
    }
    out
}

/// One field's schema; a field that is not required also takes `null` (Zoho's empty value).
fn property(field: &Value, required: bool) -> Value {
    let text = |key: &str| field.get(key).and_then(Value::as_str).unwrap_or_default();
    let data_type = text("data_type");
    let length = field
        .get("length")
        .and_then(Value::as_u64)
        .filter(|n| *n > 0);
    let mut schema = Map::new();
    let ty = match data_type {
        "text" | "mediumtext" | "textarea" | "email" | "phone" | "website" | "picklist"
        | "date" | "datetime" | "event_reminder" | "profileimage" | "autonumber" => "string",
        "bigint" | "long" => {
            schema.insert("pattern".into(), Value::from("^-?[0-9]{1,18}$"));
            "string"
        }
        "integer" => "integer",
        "double" | "decimal" | "currency" | "percent" => "number",
        "boolean" => "boolean",
        "lookup"
        | "ownerlookup"
        | "userlookup"
        | "multi_module_lookup"
        | "layout"
        | "module"
        | "consent_lookup" => {
            schema.insert(
                "properties".into(),
                json!({"id": {"type": "string"}, "name": {"type": "string"}}),
            );
            "object"
        }
        "multiselectpicklist"
        | "multiselectlookup"
        | "multiuserlookup"
        | "subform"
        | "fileupload"
        | "imageupload"
        | "territories"
        | "linetax" => "array",
        _ => match text("json_type") {
            "integer" => "integer",
            "double" => "number",
            "boolean" => "boolean",
            "jsonobject" => "object",
            "jsonarray" => "array",
            _ => "string",
        },
    };
    let picklist: Vec<Value> = field
        .get("pick_list_values")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.get("actual_value").and_then(Value::as_str))
        .filter(|v| *v != "-None-")
        .map(Value::from)
        .collect();
    match data_type {
        "email" => {
            schema.insert("format".into(), Value::from("email"));
        }
        "website" => {
            schema.insert("format".into(), Value::from("uri"));
        }
        "date" => {
            schema.insert("format".into(), Value::from("date"));
        }
        "datetime" => {
            schema.insert("format".into(), Value::from("date-time"));
        }
        "multiselectpicklist" => {
            schema.insert("uniqueItems".into(), Value::Bool(true));
            if !picklist.is_empty() {
                schema.insert(
                    "items".into(),
                    json!({"type": "string", "enum": picklist.clone()}),
                );
            }
        }
        _ => {}
    }
    if ty == "string"
        && let Some(length) = length
    {
        schema.insert("maxLength".into(), Value::from(length));
    }
    if data_type == "picklist" && !picklist.is_empty() {
        let mut values = picklist;
        if !required {
            values.push(Value::Null);
        }
        schema.insert("enum".into(), Value::Array(values));
    }
    schema.insert(
        "type".into(),
        if required {
            Value::from(ty)
        } else {
            json!([ty, "null"])
        },
    );
    let label = text("field_label");
    if !label.is_empty() {
        schema.insert("title".into(), Value::from(label));
    }
    let read_only = field.get("read_only").and_then(Value::as_bool) == Some(true)
        || field.get("field_read_only").and_then(Value::as_bool) == Some(true)
        || COMPUTED.contains(&data_type);
    if read_only {
        schema.insert("readOnly".into(), Value::Bool(true));
    }
    schema.insert("x-zoho-data-type".into(), Value::from(data_type));
    if let Some(target) = field
        .get("lookup")
        .and_then(|l| l.get("module"))
        .and_then(|m| m.get("api_name"))
    {
        schema.insert("x-zoho-lookup".into(), target.clone());
    }
    Value::Object(schema)
}

/// Check one record against a module's schema: each field it sets has the type, length and
/// picklist value the schema allows, and (`creating`) every required field is given. The
/// error names the field as `{prefix}.{api_name}` (`values.Email`, `records[3].Email`).
pub fn check(
    schema: &Value,
    record: &Map<String, Value>,
    prefix: &str,
    creating: bool,
) -> Result<(), Error> {
    let refuse = |name: &str, reason: String| Error::InvalidInput {
        field: format!("{prefix}.{name}"),
        reason,
    };
    let properties = schema.get("properties").and_then(Value::as_object);
    for (name, value) in record {
        let Some(field) = properties.and_then(|p| p.get(name)) else {
            continue;
        };
        let types: Vec<&str> = match field.get("type") {
            Some(Value::String(ty)) => vec![ty.as_str()],
            Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let data_type = field
            .get("x-zoho-data-type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !types.is_empty() && !types.iter().any(|ty| has_type(value, ty)) {
            return Err(refuse(
                name,
                format!(
                    "{} is {}, but the field (`{data_type}`) takes {}",
                    name,
                    json_word(value),
                    types.join(" or ")
                ),
            ));
        }
        if let Some(allowed) = field.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            let shown: Vec<String> = allowed
                .iter()
                .filter_map(Value::as_str)
                .map(|v| format!("`{v}`"))
                .collect();
            return Err(refuse(
                name,
                format!(
                    "{value} is not a value of the picklist; allowed: {}",
                    shown.join(", ")
                ),
            ));
        }
        if let (Some(max), Value::String(text)) =
            (field.get("maxLength").and_then(Value::as_u64), value)
        {
            let length = text.chars().count() as u64;
            if length > max {
                return Err(refuse(
                    name,
                    format!("{length} characters is longer than the field's {max}"),
                ));
            }
        }
        if let (Some(_), Value::String(text)) = (field.get("pattern"), value) {
            let digits = text.strip_prefix('-').unwrap_or(text);
            if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(refuse(name, "an id is a string of up to 18 digits".into()));
            }
        }
    }
    if creating {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if record.get(name).is_none_or(Value::is_null) {
                return Err(refuse(
                    name,
                    "is required to create the record, and is missing".into(),
                ));
            }
        }
    }
    Ok(())
}

fn has_type(value: &Value, ty: &str) -> bool {
    match ty {
        "null" => value.is_null(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        _ => true,
    }
}

fn json_word(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn leads() -> Value {
        let fields = vec![
            json!({"api_name": "Last_Name", "data_type": "text", "length": 80, "system_mandatory": true, "field_label": "Last Name"}),
            json!({"api_name": "Company", "data_type": "text", "length": 200}),
            json!({"api_name": "Lead_Status", "data_type": "picklist", "pick_list_values": [{"actual_value": "-None-"}, {"actual_value": "Contacted"}]}),
            json!({"api_name": "No_of_Employees", "data_type": "integer", "json_type": "integer"}),
            json!({"api_name": "Owner", "data_type": "ownerlookup", "json_type": "jsonobject"}),
        ];
        let layout = json!({"id": "7", "sections": [{"fields": [{"api_name": "Company", "required": true}]}]});
        schema("Leads", &fields, Some(&layout))
    }

    #[test]
    fn fields_become_properties_and_layout_flags_make_them_required() {
        let schema = leads();
        assert_eq!(schema["$schema"], DRAFT);
        assert_eq!(schema["required"], json!(["Last_Name", "Company"]));
        assert_eq!(
            schema["properties"]["Last_Name"],
            json!({"type": "string", "maxLength": 80, "title": "Last Name", "x-zoho-data-type": "text"})
        );
        assert_eq!(
            schema["properties"]["Lead_Status"]["enum"],
            json!(["Contacted", null])
        );
        assert_eq!(
            schema["properties"]["No_of_Employees"]["type"],
            json!(["integer", "null"])
        );
        assert_eq!(
            schema["properties"]["Owner"]["type"],
            json!(["object", "null"])
        );
    }

    #[test]
    fn a_cached_schema_lasts_its_ttl_and_no_longer() {
        let cache = SchemaCache::default();
        let fetched = Instant::now();
        cache.put("Leads", json!({"title": "Leads"}), fetched);
        assert!(cache.get("Leads", fetched + SCHEMA_TTL / 2).is_some());
        assert!(cache.get("Leads", fetched + SCHEMA_TTL).is_none());
        assert!(cache.get("Contacts", fetched).is_none());
    }

    #[test]
    fn a_wrong_type_a_value_off_the_picklist_and_a_missing_field_are_each_refused() {
        let schema = leads();
        let record = |value: Value| value.as_object().unwrap().clone();
        let ok = record(json!({"Last_Name": "Ng", "Company": "Z", "Lead_Status": "Contacted"}));
        assert!(check(&schema, &ok, "values", true).is_ok());
        let cases = [
            (
                json!({"Last_Name": "Ng", "Company": "Z", "No_of_Employees": "ten"}),
                "values.No_of_Employees",
                "a string",
            ),
            (
                json!({"Last_Name": "Ng", "Company": "Z", "Lead_Status": "Won"}),
                "values.Lead_Status",
                "`Contacted`",
            ),
            (json!({"Last_Name": "Ng"}), "values.Company", "required"),
        ];
        for (value, field, words) in cases {
            match check(&schema, &record(value), "values", true) {
                Err(Error::InvalidInput { field: got, reason }) => {
                    assert_eq!(got, field);
                    assert!(reason.contains(words), "{reason}");
                }
                other => panic!("{other:?}"),
            }
        }
        // An update need not repeat required fields.
        assert!(check(&schema, &record(json!({"Company": "Y"})), "values", false).is_ok());
    }
}
