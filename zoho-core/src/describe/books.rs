//! A Books record type's records as JSON Schema (draft 2020-12), from the one field metadata
//! Books publishes: `GET /settings/fields?entity=X` (books.md §2, wave2.md §7.1).
//!
//! What Books documents is its custom fields (create one: `label`, `data_type`, `entity`,
//! `is_mandatory`, `value_length`, `values[{name, order, is_active}]` for a dropdown). The list's
//! own shape was not read in Zoho's text; peers read `fields[]` with `api_name`, `label`,
//! `data_type`, `is_mandatory`, `is_active`, `is_system`, `is_read_only`. So the schema holds
//! exactly the fields the list gives (custom fields always, standard fields where Zoho lists
//! them, marked `x-zoho-system`) and nothing is invented: a Books schema may be partial.
//! Readings where the facts are uncertain, each the safer one:
//! - `entity` is singular (`invoice`, `salesorder`), as Zoho's examples write it; the record
//!   types whose singular Zoho shows are mapped from their path (`invoices`), others sent as given.
//! - An inactive field (`is_active: false`) takes no values: left out.
//! - `image` and `attachment` fields are uploads, not values: read-only, with no type.
//! - A `lookup` holds the id of another record, a string of digits.

use serde_json::{Map, Value, json};

use super::DRAFT;
use crate::{ActionRequest, Error, ResultShape, shape};

/// Record types (their path) whose `entity` Zoho's own examples write, as (path, entity).
const ENTITIES: [(&str, &str); 9] = [
    ("contacts", "contact"),
    ("items", "item"),
    ("invoices", "invoice"),
    ("estimates", "estimate"),
    ("salesorders", "salesorder"),
    ("purchaseorders", "purchaseorder"),
    ("creditnotes", "creditnote"),
    ("bills", "bill"),
    ("expenses", "expense"),
];

/// Books' `entity` for a record type: the singular of a known path, anything else as given.
pub fn entity(record_type: &str) -> &str {
    ENTITIES
        .iter()
        .find(|(path, _)| *path == record_type)
        .map_or(record_type, |(_, entity)| entity)
}

/// Fetch the entity's fields through `send` and build the schema.
pub(crate) async fn execute<F, Fut>(req: &ActionRequest, send: F) -> Result<Value, Error>
where
    F: Fn(ActionRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Value, Error>>,
{
    let mut fields_req = req.clone();
    // The envelope checked as a Books list's is (`code != 0` is Zoho's error).
    fields_req.result = ResultShape::BooksRecords;
    let mut record_type = None;
    for (key, value) in &mut fields_req.query {
        if key == "entity" {
            record_type = Some(value.clone());
            *value = entity(value).to_owned();
        }
    }
    let record_type = record_type.ok_or_else(|| Error::InvalidInput {
        field: "recordType".into(),
        reason: "the record type to describe is missing".into(),
    })?;
    let answer = send(fields_req).await?;
    let key = if answer.get("fields").is_some_and(Value::is_array) {
        Some("fields".to_owned())
    } else {
        shape::books_list_key(&answer)
    };
    let fields = key
        .and_then(|key| answer.get(&key))
        .and_then(Value::as_array)
        .ok_or_else(|| Error::Internal("Books' field metadata has no `fields` list".into()))?;
    Ok(schema(&record_type, entity(&record_type), fields))
}

/// The schema of one record of a Books record type, from the fields Books lists for `entity`.
pub fn schema(record_type: &str, entity: &str, fields: &[Value]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields {
        let flag = |key: &str| field.get(key).and_then(Value::as_bool);
        let Some(name) = field.get("api_name").and_then(Value::as_str) else {
            continue;
        };
        if flag("is_active") == Some(false) {
            continue;
        }
        let mandatory = flag("is_mandatory") == Some(true);
        if mandatory {
            required.push(Value::from(name));
        }
        properties.insert(name.to_owned(), property(field, mandatory));
    }
    json!({
        "$schema": DRAFT,
        "title": record_type,
        "type": "object",
        "properties": properties,
        "required": required,
        "x-zoho-entity": entity,
    })
}

/// Data types whose value Books computes or uploads: never a value written by the API.
const COMPUTED: [&str; 4] = ["autonumber", "formula", "image", "attachment"];

/// One field's schema; a field that is not mandatory also takes `null`.
fn property(field: &Value, mandatory: bool) -> Value {
    let text = |key: &str| field.get(key).and_then(Value::as_str).unwrap_or_default();
    let data_type = text("data_type");
    let mut schema = Map::new();
    let ty = match data_type {
        "number" => Some("integer"),
        "decimal" | "amount" | "percent" => Some("number"),
        "check_box" => Some("boolean"),
        "image" | "attachment" => None,
        _ => Some("string"),
    };
    match data_type {
        "email" => {
            schema.insert("format".into(), Value::from("email"));
        }
        "url" => {
            schema.insert("format".into(), Value::from("uri"));
        }
        "date" => {
            schema.insert("format".into(), Value::from("date"));
        }
        "lookup" => {
            schema.insert("pattern".into(), Value::from("^[0-9]+$"));
        }
        _ => {}
    }
    if ty == Some("string")
        && let Some(length) = field
            .get("value_length")
            .and_then(Value::as_u64)
            .filter(|n| *n > 0)
    {
        schema.insert("maxLength".into(), Value::from(length));
    }
    if data_type == "dropdown" {
        let mut values: Vec<Value> = field
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|v| v.get("is_active").and_then(Value::as_bool) != Some(false))
            .filter_map(|v| v.get("name").and_then(Value::as_str))
            .map(Value::from)
            .collect();
        if !values.is_empty() {
            if !mandatory {
                values.push(Value::Null);
            }
            schema.insert("enum".into(), Value::Array(values));
        }
    }
    if let Some(ty) = ty {
        schema.insert(
            "type".into(),
            if mandatory {
                Value::from(ty)
            } else {
                json!([ty, "null"])
            },
        );
    }
    let label = text("label");
    if !label.is_empty() {
        schema.insert("title".into(), Value::from(label));
    }
    let read_only = field.get("is_read_only").and_then(Value::as_bool) == Some(true)
        || COMPUTED.contains(&data_type);
    if read_only {
        schema.insert("readOnly".into(), Value::Bool(true));
    }
    schema.insert("x-zoho-data-type".into(), Value::from(data_type));
    if field.get("is_system").and_then(Value::as_bool) == Some(true) {
        schema.insert("x-zoho-system".into(), Value::Bool(true));
    }
    if let Some(id) = field.get("customfield_id").filter(|id| !id.is_null()) {
        schema.insert("x-zoho-customfield-id".into(), id.clone());
    }
    Value::Object(schema)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn known_paths_become_zoho_s_singular_entities_and_others_pass_as_given() {
        assert_eq!(entity("invoices"), "invoice");
        assert_eq!(entity("salesorders"), "salesorder");
        assert_eq!(entity("invoice"), "invoice");
        assert_eq!(entity("cm_debtor"), "cm_debtor");
    }

    #[test]
    fn each_active_field_becomes_a_property_by_its_data_type() {
        let fields = vec![
            json!({"api_name": "customer_id", "label": "Customer", "data_type": "lookup", "is_mandatory": true, "is_system": true}),
            json!({"api_name": "cf_region", "customfield_id": "46000000012345", "label": "Region", "data_type": "dropdown",
                   "values": [{"name": "East", "is_active": true}, {"name": "Old", "is_active": false}, {"name": "West"}]}),
            json!({"api_name": "cf_seats", "data_type": "number"}),
            json!({"api_name": "cf_margin", "data_type": "percent"}),
            json!({"api_name": "cf_po_ref", "data_type": "string", "value_length": 40}),
            json!({"api_name": "cf_paid_by_card", "data_type": "check_box"}),
            json!({"api_name": "cf_scan", "data_type": "attachment"}),
            json!({"api_name": "cf_gone", "data_type": "string", "is_active": false}),
        ];
        let schema = schema("invoices", "invoice", &fields);
        assert_eq!(schema["$schema"], DRAFT);
        assert_eq!(schema["required"], json!(["customer_id"]));
        assert_eq!(schema["x-zoho-entity"], "invoice");
        let p = &schema["properties"];
        assert_eq!(
            p["customer_id"],
            json!({"type": "string", "pattern": "^[0-9]+$", "title": "Customer",
                   "x-zoho-data-type": "lookup", "x-zoho-system": true})
        );
        assert_eq!(p["cf_region"]["enum"], json!(["East", "West", null]));
        assert_eq!(p["cf_region"]["x-zoho-customfield-id"], "46000000012345");
        assert_eq!(p["cf_seats"]["type"], json!(["integer", "null"]));
        assert_eq!(p["cf_margin"]["type"], json!(["number", "null"]));
        assert_eq!(p["cf_po_ref"]["maxLength"], 40);
        assert_eq!(p["cf_paid_by_card"]["type"], json!(["boolean", "null"]));
        assert_eq!(
            p["cf_scan"],
            json!({"readOnly": true, "x-zoho-data-type": "attachment"})
        );
        assert!(p.get("cf_gone").is_none());
    }
}
