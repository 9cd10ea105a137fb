//! Record types Zoho serves at their own paths (the spec's `record_paths`): the entries of one
//! action's operation as a static table, and the one function that picks an entry by the record
//! type given, checks the parent against it and builds the path. Reached by generated code
//! through `__private`.

use serde_json::Value;
use zoho_core::{ActionRequest, Error, PathSegment, RequestBody, RequestPath};

/// One segment of an entry's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathPiece {
    /// A fixed segment (`contactpersons`).
    Literal(&'static str),
    /// The value of this path input (`recordId`, `parentRecordId`).
    Input(&'static str),
}

/// Where an entry sends the parent's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentId {
    /// In the path: the parent must be given.
    Path,
    /// As this query pair, when the parent is given.
    Query(&'static str),
    /// As this top-level key of the JSON body, when the parent is given.
    BodyField(&'static str),
    /// Not sent.
    NotSent,
}

/// One record type's path for one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordPath {
    /// The record type it applies to (`contactpersons`).
    pub record_type: &'static str,
    /// The one parent type the record may be named under; `None`: no parent.
    pub parent: Option<&'static str>,
    /// The path.
    pub path: &'static [PathPiece],
    /// Where the parent's id goes.
    pub parent_id: ParentId,
}

/// The input names an action's table is keyed on, for errors and for filling paths.
#[derive(Debug, Clone, Copy)]
pub struct RecordPathKeys {
    /// The record type input (`recordType`).
    pub record_type: &'static str,
    /// The parent type input (`parentRecordType`).
    pub parent_type: &'static str,
    /// The parent id input (`parentRecordId`).
    pub parent_id: &'static str,
}

/// What the table decided: the path when an entry applies, and the parent id to place.
#[derive(Debug, Default)]
pub struct Routed {
    /// The entry's path; `None`: no entry applies, the action's own templates do.
    pub path: Option<RequestPath>,
    /// The parent id to add to the query or the body, and where.
    place: Option<(ParentId, String)>,
}

/// Picks the entry for `record_type` and builds its path from `values` (the action's other path
/// inputs) and `parent` (parent type and id, when both are given). The parent must be the
/// entry's own parent type, and given when the entry's path holds its id.
pub fn route_record(
    table: &'static [RecordPath],
    keys: RecordPathKeys,
    record_type: &str,
    parent: Option<&[String; 2]>,
    values: &[(&'static str, Option<String>)],
) -> Result<Routed, Error> {
    let Some(entry) = table.iter().find(|entry| entry.record_type == record_type) else {
        return Ok(Routed::default());
    };
    if let Some([parent_type, _]) = parent {
        match entry.parent {
            Some(wanted) if wanted == parent_type => {}
            Some(wanted) => {
                return Err(invalid(
                    keys.parent_type,
                    format!(
                        "Zoho keeps `{record_type}` under `{wanted}`, not `{parent_type}`; give `{wanted}` or no parent"
                    ),
                ));
            }
            None => {
                return Err(invalid(
                    keys.parent_type,
                    format!(
                        "`{record_type}` has no parent record in Zoho; leave `{}` and `{}` out",
                        keys.parent_type, keys.parent_id
                    ),
                ));
            }
        }
    }
    let mut segments = Vec::with_capacity(entry.path.len());
    for piece in entry.path {
        segments.push(match *piece {
            PathPiece::Literal(text) => PathSegment::Literal(text),
            PathPiece::Input(input) if input == keys.parent_id => {
                let Some([_, id]) = parent else {
                    return Err(invalid(
                        keys.parent_id,
                        format!(
                            "Zoho serves `{record_type}` only under their `{}`: give `{}` and `{}`",
                            entry.parent.unwrap_or("parent"),
                            keys.parent_type,
                            keys.parent_id
                        ),
                    ));
                };
                PathSegment::Value {
                    input,
                    value: id.clone(),
                }
            }
            PathPiece::Input(input) => PathSegment::Value {
                input,
                value: values
                    .iter()
                    .find(|(key, _)| *key == input)
                    .and_then(|(_, value)| value.clone())
                    .unwrap_or_default(),
            },
        });
    }
    let place = match (entry.parent_id, parent) {
        (ParentId::Query(_) | ParentId::BodyField(_), Some([_, id])) => {
            Some((entry.parent_id, id.clone()))
        }
        _ => None,
    };
    Ok(Routed {
        path: Some(RequestPath::Segments(segments)),
        place,
    })
}

/// Adds the parent id where the entry says: a query pair, or a key of the JSON body. A body that
/// already holds the key with another value is refused rather than overwritten.
pub fn place_parent(
    request: &mut ActionRequest,
    routed: &Routed,
    keys: RecordPathKeys,
) -> Result<(), Error> {
    let Some((place, id)) = &routed.place else {
        return Ok(());
    };
    match place {
        ParentId::Query(name) => request.query.push(((*name).to_owned(), id.clone())),
        ParentId::BodyField(name) => {
            if matches!(request.body, RequestBody::Empty) {
                request.body = RequestBody::Json(Value::Object(serde_json::Map::new()));
            }
            if let RequestBody::Json(Value::Object(body)) = &mut request.body {
                match body.get(*name) {
                    Some(given) if !same_id(given, id) => {
                        return Err(invalid(
                            keys.parent_id,
                            format!(
                                "the record's `{name}` is {given} but `{}` is \"{id}\"; Zoho takes the parent from `{name}`: give one of them, or the same id",
                                keys.parent_id
                            ),
                        ));
                    }
                    _ => {
                        body.insert((*name).to_owned(), Value::String(id.clone()));
                    }
                }
            }
        }
        ParentId::Path | ParentId::NotSent => {}
    }
    Ok(())
}

/// Whether a body value names the same id (Zoho takes ids as strings or numbers).
fn same_id(given: &Value, id: &str) -> bool {
    match given {
        Value::String(text) => text == id,
        Value::Number(number) => number.to_string() == id,
        _ => false,
    }
}

fn invalid(field: &str, reason: String) -> Error {
    Error::InvalidInput {
        field: field.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use zoho_core::{Method, Product};

    const KEYS: RecordPathKeys = RecordPathKeys {
        record_type: "recordType",
        parent_type: "parentRecordType",
        parent_id: "parentRecordId",
    };

    const PERSONS: &[RecordPath] = &[RecordPath {
        record_type: "contactpersons",
        parent: Some("contacts"),
        path: &[
            PathPiece::Literal("contacts"),
            PathPiece::Input("parentRecordId"),
            PathPiece::Literal("contactpersons"),
        ],
        parent_id: ParentId::Path,
    }];

    const CREATE: &[RecordPath] = &[RecordPath {
        record_type: "contactpersons",
        parent: Some("contacts"),
        path: &[
            PathPiece::Literal("contacts"),
            PathPiece::Literal("contactpersons"),
        ],
        parent_id: ParentId::BodyField("contact_id"),
    }];

    fn parent(id: &str) -> [String; 2] {
        ["contacts".to_owned(), id.to_owned()]
    }

    #[test]
    fn other_types_keep_the_actions_templates() {
        let routed = route_record(PERSONS, KEYS, "invoices", None, &[]).unwrap();
        assert!(routed.path.is_none());
    }

    #[test]
    fn a_path_holding_the_parent_id_needs_the_parent() {
        let error = route_record(PERSONS, KEYS, "contactpersons", None, &[]).unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { field, reason } if field == "parentRecordId" && reason.contains("`contacts`")),
            "{error:?}"
        );
        let routed =
            route_record(PERSONS, KEYS, "contactpersons", Some(&parent("9")), &[]).unwrap();
        let Some(RequestPath::Segments(segments)) = routed.path else {
            panic!("no path");
        };
        assert_eq!(
            segments[1],
            PathSegment::Value {
                input: "parentRecordId",
                value: "9".into()
            }
        );
    }

    #[test]
    fn another_parent_type_is_refused_naming_the_right_one() {
        let other = ["projects".to_owned(), "1".to_owned()];
        let error = route_record(CREATE, KEYS, "contactpersons", Some(&other), &[]).unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput { field, reason } if field == "parentRecordType" && reason.contains("under `contacts`, not `projects`")),
            "{error:?}"
        );
    }

    #[test]
    fn a_body_field_parent_joins_the_body_and_a_clash_is_refused() {
        let routed =
            route_record(CREATE, KEYS, "contactpersons", Some(&parent("42")), &[]).unwrap();
        let path = routed.path.clone().unwrap();
        let mut request =
            ActionRequest::new("books.createRecord", Product::Books, Method::Post, path);
        request.body = RequestBody::Json(serde_json::json!({"first_name": "Wil"}));
        place_parent(&mut request, &routed, KEYS).unwrap();
        assert_eq!(
            request.body,
            RequestBody::Json(serde_json::json!({"first_name": "Wil", "contact_id": "42"}))
        );
        request.body = RequestBody::Json(serde_json::json!({"contact_id": 43}));
        let error = place_parent(&mut request, &routed, KEYS).unwrap_err();
        assert!(matches!(&error, Error::InvalidInput { field, .. } if field == "parentRecordId"));
        request.body = RequestBody::Json(serde_json::json!({"contact_id": 42}));
        place_parent(&mut request, &routed, KEYS).unwrap();
    }
}
