//! `[inputs.*]`: each shared input's type, location, default and bounds.

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::Value;
use toml::Spanned;
use toml::de::DeValue;

use super::{decode, entries_in_file_order, is_identifier, required_text, with_article};
use crate::diagnostic::Collector;
use crate::model::{Input, InputKind, InputType, Location, RequestField, snake_case, variant_name};
use crate::raw::RawInput;

/// A shared input, checked, with the positions overrides need.
pub(super) struct SharedInput {
    pub(super) input: Input,
    pub(super) required_span: Option<Range<usize>>,
}

/// Shared inputs by key; `None` for one that is broken (already reported).
pub(super) type SharedInputs = BTreeMap<String, Option<SharedInput>>;

pub(super) fn read_inputs(value: Spanned<DeValue<'_>>, errors: &mut Collector<'_>) -> SharedInputs {
    let mut out = BTreeMap::new();
    for (key, value) in entries_in_file_order(value, "inputs", errors) {
        let Some((raw, span)) = decode::<RawInput>(value, errors) else {
            // Still known, so actions using it do not get a second, misleading error.
            out.insert(key.get_ref().clone(), None);
            continue;
        };
        out.insert(
            key.get_ref().clone(),
            check_input(key.get_ref(), raw, &span, errors),
        );
    }
    out
}

fn check_input(
    key: &str,
    mut raw: RawInput,
    span: &Range<usize>,
    errors: &mut Collector<'_>,
) -> Option<SharedInput> {
    let what = format!("input `{key}`");
    let mut ok = true;
    if !is_identifier(key) {
        errors.error(
            span.clone(),
            format!("input key `{key}` is not a camelCase name; allowed: a letter, then letters and digits"),
        );
        ok = false;
    } else if ["self", "super", "crate"].contains(&snake_case(key).as_str()) {
        errors.error(
            span.clone(),
            format!("input key `{key}` cannot be a Rust field name; allowed: any camelCase name but self, super, crate"),
        );
        ok = false;
    }
    let label = required_text(raw.label.take(), &what, "label", span, errors);
    let comment = required_text(raw.comment.take(), &what, "comment", span, errors);

    let ty = match InputKind::from_name(raw.ty.get_ref()) {
        Some(InputKind::Enum) => match &raw.values {
            Some(values) if !values.get_ref().is_empty() => {
                check_enum_values(&what, values, errors)
                    .then(|| InputType::Enum(values.get_ref().clone()))
            }
            _ => {
                errors.error(
                    raw.ty.span(),
                    format!("enum {what} has no `values`; list the allowed strings, e.g. values = [\"asc\", \"desc\"]"),
                );
                None
            }
        },
        Some(InputKind::String) => Some(InputType::String),
        Some(InputKind::Integer) => Some(InputType::Integer),
        Some(InputKind::Boolean) => Some(InputType::Boolean),
        Some(InputKind::StringList) => Some(InputType::StringList),
        Some(InputKind::StringMap) => Some(InputType::StringMap),
        Some(InputKind::JsonObject) => Some(InputType::JsonObject),
        Some(InputKind::JsonObjectList) => Some(InputType::JsonObjectList),
        Some(InputKind::Json) => Some(InputType::Json),
        Some(InputKind::File) => Some(InputType::File),
        Some(InputKind::FileMap) => Some(InputType::FileMap),
        Some(InputKind::Connection) => Some(InputType::Connection),
        None => {
            errors.error(
                raw.ty.span(),
                format!(
                    "unknown input type `{}`; allowed: {}",
                    raw.ty.get_ref(),
                    InputKind::list(&InputKind::ALL)
                ),
            );
            None
        }
    };
    if let (Some(values), Some(ty)) = (&raw.values, &ty)
        && !matches!(ty, InputType::Enum(_))
    {
        errors.error(
            values.span(),
            format!("`values` is only for enum inputs, and {what} is `{}`; drop `values` or make it `type = \"enum\"`", ty.name()),
        );
    }
    let (min, max) = check_bounds(&what, &raw.min, &raw.max, ty.as_ref(), errors);

    let location = ty
        .as_ref()
        .and_then(|ty| check_location(key, &what, ty, &raw, span, errors));
    if let (Some(InputType::Enum(values)), Some(Location::Request(field)), Some(raw_values)) =
        (&ty, &location, &raw.values)
    {
        ok &= check_request_enum(&what, *field, values, raw_values.span(), errors);
    }

    let required = raw.required.as_ref().is_some_and(|r| *r.get_ref());
    let default = match (&raw.default, &ty) {
        (Some(default), Some(ty)) => {
            let checked = check_default(&what, ty, default, min, max, errors);
            ok &= checked.is_some();
            checked
        }
        _ => None,
    };
    check_required_default(&what, raw.required.as_ref(), raw.default.as_ref(), errors);
    check_when_omitted(
        &what,
        raw.when_omitted.as_ref(),
        raw.default.as_ref(),
        errors,
    );

    let (Some(ty), Some(location), true) = (ty, location, ok) else {
        return None;
    };
    Some(SharedInput {
        input: Input {
            key: key.to_owned(),
            label,
            comment,
            ty,
            required,
            default,
            when_omitted: raw.when_omitted.map(Spanned::into_inner),
            location,
            min,
            max,
        },
        required_span: raw.required.map(|r| r.span()),
    })
}

/// An enum that sets `method` or `response_type` lists only values the runtime has.
fn check_request_enum(
    what: &str,
    field: RequestField,
    values: &[String],
    span: Range<usize>,
    errors: &mut Collector<'_>,
) -> bool {
    let allowed = field.enum_values();
    let unknown: Vec<&str> = values
        .iter()
        .map(String::as_str)
        .filter(|value| !allowed.contains(value))
        .collect();
    if unknown.is_empty() {
        return true;
    }
    errors.error(
        span,
        format!(
            "{what} sets `field = \"{}\"`, which has no value {}; allowed: values among {}",
            field.name(),
            unknown
                .iter()
                .map(|value| format!("`{value}`"))
                .collect::<Vec<_>>()
                .join(", "),
            allowed
                .iter()
                .map(|value| format!("`{value}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    false
}

/// Enum values become Rust variants (`Created_Time` -> `CreatedTime`): each must make a name,
/// and no two the same one.
fn check_enum_values(
    what: &str,
    values: &Spanned<Vec<String>>,
    errors: &mut Collector<'_>,
) -> bool {
    let mut seen: Vec<(String, &str)> = Vec::new();
    let mut ok = true;
    for value in values.get_ref() {
        let variant = variant_name(value);
        let starts_with_letter = variant.starts_with(|c: char| c.is_ascii_alphabetic());
        if !starts_with_letter
            || !variant.chars().all(|c| c.is_ascii_alphanumeric())
            || variant == "Self"
        {
            errors.error(
                values.span(),
                format!("enum value `{value}` of {what} cannot name a Rust variant; allowed: a letter, then letters, digits and `_`"),
            );
            ok = false;
        } else if let Some((_, earlier)) = seen.iter().find(|(name, _)| *name == variant) {
            errors.error(
                values.span(),
                format!("enum values `{earlier}` and `{value}` of {what} are the same Rust variant `{variant}`; allowed: values that differ beyond case and `_`"),
            );
            ok = false;
        } else {
            seen.push((variant, value));
        }
    }
    ok
}

fn check_bounds(
    what: &str,
    min: &Option<Spanned<i64>>,
    max: &Option<Spanned<i64>>,
    ty: Option<&InputType>,
    errors: &mut Collector<'_>,
) -> (Option<u64>, Option<u64>) {
    let mut bound = |value: &Option<Spanned<i64>>, name: &str| -> Option<u64> {
        let value = value.as_ref()?;
        if ty.is_some_and(|ty| *ty != InputType::Integer) {
            errors.error(
                value.span(),
                format!("`{name}` is only for integer inputs; drop it from {what}"),
            );
            return None;
        }
        match u64::try_from(*value.get_ref()) {
            Ok(bound) => Some(bound),
            Err(_) => {
                errors.error(
                    value.span(),
                    format!("`{name}` of {what} is negative; integer inputs are 0 or more"),
                );
                None
            }
        }
    };
    let low = bound(min, "min");
    let high = bound(max, "max");
    if let (Some(low), Some(high), Some(max)) = (low, high, max)
        && low > high
    {
        errors.error(
            max.span(),
            format!("`max` ({high}) of {what} is below its `min` ({low}); make max >= min"),
        );
    }
    (low, high)
}

pub(super) fn check_location(
    key: &str,
    what: &str,
    ty: &InputType,
    raw: &RawInput,
    span: &Range<usize>,
    errors: &mut Collector<'_>,
) -> Option<Location> {
    let Some(location) = &raw.location else {
        if *ty == InputType::Connection {
            return Some(Location::Client);
        }
        errors.error(
            span.clone(),
            format!(
                "{what} has no `in` (where it goes in the request); allowed: {}",
                Location::NAMES.join(", ")
            ),
        );
        return None;
    };
    let name = location.get_ref().as_str();
    let at = location.span();
    let mut unused = |field: &Option<Spanned<String>>, field_name: &str| {
        if let Some(field) = field {
            errors.error(
                field.span(),
                format!("`{field_name}` is not used with `in = \"{name}\"`; drop it from {what}"),
            );
        }
    };
    let wire_or_key = |wire: &Option<Spanned<String>>| -> String {
        wire.as_ref()
            .map(|w| w.get_ref().clone())
            .unwrap_or_else(|| key.to_owned())
    };
    // Which of `wire`, `field` and `for` each location uses; any other one given is a mistake.
    if Location::NAMES.contains(&name) {
        let (uses_wire, uses_field, uses_for) = match name {
            "query" | "header" | "body_field" | "record_field" | "multipart" => {
                (true, false, false)
            }
            "request" => (false, true, false),
            "file_name" => (false, false, true),
            _ => (false, false, false),
        };
        if !uses_wire {
            unused(&raw.wire, "wire");
        }
        if !uses_field {
            unused(&raw.field, "field");
        }
        if !uses_for {
            unused(&raw.of, "for");
        }
    }
    let location = match name {
        "path" => Location::Path,
        "query" => Location::Query {
            wire: wire_or_key(&raw.wire),
        },
        "header" => Location::Header {
            wire: raw.wire.as_ref().map(|w| w.get_ref().clone()),
        },
        "record" => Location::Record,
        "record_field" => Location::RecordField {
            wire: wire_or_key(&raw.wire),
        },
        "batch" => Location::Batch,
        "body" => Location::Body,
        "body_field" => Location::BodyField {
            wire: wire_or_key(&raw.wire),
        },
        "multipart" => Location::Multipart {
            wire: wire_or_key(&raw.wire),
        },
        "file_name" => match &raw.of {
            Some(of) => Location::FileName {
                of: of.get_ref().clone(),
            },
            None => {
                errors.error(
                        at,
                        format!("{what} is a file name but has no `for`; name the file input it is for, e.g. for = \"file\""),
                    );
                return None;
            }
        },
        "request" => {
            let Some(field) = &raw.field else {
                errors.error(
                    at,
                    format!(
                        "{what} goes in the request options but has no `field`; allowed: {}",
                        request_field_names()
                    ),
                );
                return None;
            };
            match RequestField::ALL
                .iter()
                .find(|(name, _, _)| *name == field.get_ref().as_str())
            {
                Some((_, request_field, _)) => Location::Request(*request_field),
                None => {
                    errors.error(
                        field.span(),
                        format!(
                            "unknown request field `{}`; allowed: {}",
                            field.get_ref(),
                            request_field_names()
                        ),
                    );
                    return None;
                }
            }
        }
        "client" => Location::Client,
        other => {
            errors.error(
                at,
                format!(
                    "unknown location `in = \"{other}\"`; allowed: {}",
                    Location::NAMES.join(", ")
                ),
            );
            return None;
        }
    };
    if let Some(allowed) = type_fits_location(ty, &location) {
        errors.error(
            at,
            format!(
                "{what} has type `{}`, which cannot go in `{name}`; allowed there: {allowed}",
                ty.name()
            ),
        );
        return None;
    }
    if let (Location::Header { wire: None }, false) = (&location, *ty == InputType::StringMap) {
        errors.error(
            at,
            format!("{what} is a single header but has no `wire`; give the header name, e.g. wire = \"If-Modified-Since\""),
        );
        return None;
    }
    Some(location)
}

fn request_field_names() -> String {
    RequestField::ALL
        .iter()
        .map(|(name, _, kind)| format!("{name} ({})", kind.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `None` when the type may go there, else the types allowed there.
fn type_fits_location(ty: &InputType, location: &Location) -> Option<String> {
    use InputKind as K;
    let allowed: &[InputKind] = match location {
        Location::Path => &[K::String, K::Integer, K::Enum],
        Location::Query { .. } => &[
            K::String,
            K::Integer,
            K::Boolean,
            K::Enum,
            K::StringList,
            K::StringMap,
        ],
        Location::Header { .. } => &[K::String, K::StringMap],
        Location::Record => &[K::JsonObject],
        Location::RecordField { .. } => &[
            K::String,
            K::Integer,
            K::Boolean,
            K::Enum,
            K::StringList,
            K::JsonObject,
            K::JsonObjectList,
            K::Json,
        ],
        Location::Batch => &[K::JsonObjectList, K::StringList],
        Location::Body => &[K::Json, K::JsonObject],
        Location::BodyField { .. } => &[
            K::String,
            K::Integer,
            K::Boolean,
            K::Enum,
            K::StringList,
            K::StringMap,
            K::JsonObject,
            K::JsonObjectList,
            K::Json,
        ],
        Location::Multipart { .. } => &[K::File, K::FileMap, K::StringMap],
        Location::FileName { .. } => &[K::String, K::StringMap],
        Location::Client => &[K::Connection],
        Location::Request(field) => {
            let needed = RequestField::ALL
                .iter()
                .find(|(_, f, _)| f == field)
                .map(|(_, _, kind)| *kind);
            if needed == Some(ty.kind()) {
                return None;
            }
            return Some(format!(
                "`{}` for `field = \"{}\"`",
                needed.map_or("", InputKind::name),
                field.name()
            ));
        }
    };
    if allowed.contains(&ty.kind()) {
        None
    } else {
        Some(InputKind::list(allowed))
    }
}

pub(super) fn check_default(
    what: &str,
    ty: &InputType,
    default: &Spanned<toml::Value>,
    min: Option<u64>,
    max: Option<u64>,
    errors: &mut Collector<'_>,
) -> Option<Value> {
    let span = default.span();
    let value = default.get_ref();
    let mismatch = |errors: &mut Collector<'_>, expected: &str| {
        errors.error(
            span.clone(),
            format!(
                "default of {what} is {}, but the input is `{}`; allowed: {expected}",
                with_article(value.type_str()),
                ty.name()
            ),
        );
    };
    match ty {
        InputType::String | InputType::Connection => match value.as_str() {
            Some(text) => Some(Value::String(text.to_owned())),
            None => {
                mismatch(errors, "a string");
                None
            }
        },
        InputType::Integer => match value.as_integer().map(u64::try_from) {
            Some(Ok(number)) => {
                if min.is_some_and(|min| number < min) || max.is_some_and(|max| number > max) {
                    errors.error(
                        span,
                        format!(
                            "default {number} of {what} is out of range; allowed: {}..={}",
                            min.unwrap_or(0),
                            max.map_or("".to_owned(), |m| m.to_string())
                        ),
                    );
                    return None;
                }
                Some(Value::from(number))
            }
            _ => {
                mismatch(errors, "an integer, 0 or more");
                None
            }
        },
        InputType::Boolean => match value.as_bool() {
            Some(flag) => Some(Value::Bool(flag)),
            None => {
                mismatch(errors, "true or false");
                None
            }
        },
        InputType::Enum(values) => match value.as_str() {
            Some(text) if values.iter().any(|v| v == text) => Some(Value::String(text.to_owned())),
            Some(text) => {
                errors.error(
                    span,
                    format!(
                        "default `{text}` of {what} is not one of its values; allowed: {}",
                        values.join(", ")
                    ),
                );
                None
            }
            None => {
                mismatch(errors, &format!("one of {}", values.join(", ")));
                None
            }
        },
        InputType::StringList => match value.as_array() {
            Some(items) if items.iter().all(toml::Value::is_str) => Some(Value::Array(
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(|s| Value::String(s.to_owned())))
                    .collect(),
            )),
            _ => {
                mismatch(errors, "an array of strings");
                None
            }
        },
        InputType::StringMap => match value.as_table() {
            Some(table) if table.values().all(toml::Value::is_str) => {
                serde_json::to_value(table).ok()
            }
            _ => {
                mismatch(errors, "a table of strings");
                None
            }
        },
        InputType::JsonObject => match value.as_table() {
            Some(table) => serde_json::to_value(table).ok(),
            None => {
                mismatch(errors, "a table");
                None
            }
        },
        InputType::Json => serde_json::to_value(value).ok(),
        InputType::File | InputType::FileMap | InputType::JsonObjectList => {
            errors.error(
                span,
                format!(
                    "{what} is a `{}` and cannot have a default; drop the default",
                    ty.name()
                ),
            );
            None
        }
    }
}

fn check_required_default(
    what: &str,
    required: Option<&Spanned<bool>>,
    default: Option<&Spanned<toml::Value>>,
    errors: &mut Collector<'_>,
) {
    if let (Some(required), Some(_)) = (required, default)
        && *required.get_ref()
    {
        errors.error(
            required.span(),
            format!("{what} is required and has a default; a required input cannot have a default: drop one of them"),
        );
    }
}

fn check_when_omitted(
    what: &str,
    when_omitted: Option<&Spanned<String>>,
    default: Option<&Spanned<toml::Value>>,
    errors: &mut Collector<'_>,
) {
    if let (Some(when_omitted), Some(_)) = (when_omitted, default) {
        errors.error(
            when_omitted.span(),
            format!("{what} has both `default` and `when_omitted`; `when_omitted` is for inputs without a default value"),
        );
    }
}
