//! Reading and checking a spec: every rule lives here, and every broken rule is reported with
//! its position and what is allowed. Independent mistakes are all collected before giving up.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde_json::Value;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Collector, Diagnostics};
use crate::model::{
    Action, BodyWrap, Connection, ConnectionInput, HttpMethod, Input, InputType, Location,
    PathPart, PathTemplate, Product, RecordInputs, RequestField, ResultShape, Spec, snake_case,
    variant_name,
};
use crate::raw::{
    RawAction, RawConnection, RawConnectionInput, RawInput, RawInputRef, RawOverride, RawRecord,
};

const TOP_LEVEL_KEYS: &str = "connections, inputs, actions";

/// Read and check a spec. `origin` is the file name shown in front of positions.
pub fn parse(text: &str, origin: &str) -> Result<Spec, Diagnostics> {
    let mut errors = Collector::new(text);
    let (document, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        for error in syntax {
            errors.error(error.span().unwrap_or(0..0), error.message().to_owned());
        }
        return Err(errors.finish(origin));
    }

    let mut connections_value = None;
    let mut inputs_value = None;
    let mut actions_value = None;
    for (key, value) in document.into_inner() {
        match key.get_ref().as_ref() {
            "connections" => connections_value = Some(value),
            "inputs" => inputs_value = Some(value),
            "actions" => actions_value = Some(value),
            other => errors.error(
                key.span(),
                format!("unknown top-level key `{other}`; allowed: {TOP_LEVEL_KEYS}"),
            ),
        }
    }

    let connections = connections_value
        .map(|value| read_connections(value, &mut errors))
        .unwrap_or_default();
    let shared = inputs_value
        .map(|value| read_inputs(value, &mut errors))
        .unwrap_or_default();
    let actions = actions_value
        .map(|value| read_actions(value, &shared, &mut errors))
        .unwrap_or_default();

    if errors.is_empty() {
        Ok(Spec {
            connections,
            actions,
        })
    } else {
        Err(errors.finish(origin))
    }
}

/// Deserialize one table of the document on its own, so a mistake in it does not hide others.
fn decode<'i, T: Deserialize<'i>>(
    value: Spanned<DeValue<'i>>,
    errors: &mut Collector<'_>,
) -> Option<(T, Range<usize>)> {
    let span = value.span();
    match T::deserialize(value.into_deserializer()) {
        Ok(decoded) => Some((decoded, span)),
        Err(error) => {
            errors.error(error.span().unwrap_or(span), explain_serde(error.message()));
            None
        }
    }
}

/// serde's messages say what is wrong; add what is allowed where serde does not.
fn explain_serde(message: &str) -> String {
    if message.starts_with("missing field") {
        format!("{message}; add it to this table")
    } else if message.starts_with("invalid type") {
        message.replace(", expected", "; expected")
    } else {
        message.replace(", expected", "; allowed:")
    }
}

/// Tables in file order (the toml map sorts keys).
fn entries_in_file_order<'i>(
    value: Spanned<DeValue<'i>>,
    what: &str,
    errors: &mut Collector<'_>,
) -> Vec<(Spanned<String>, Spanned<DeValue<'i>>)> {
    let span = value.span();
    let DeValue::Table(table) = value.into_inner() else {
        errors.error(span, format!("`{what}` must be a table"));
        return Vec::new();
    };
    let mut entries: Vec<_> = table
        .into_iter()
        .map(|(key, value)| {
            let key_span = key.span();
            (Spanned::new(key_span, key.into_inner().into_owned()), value)
        })
        .collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

fn required_text(
    value: Option<Spanned<String>>,
    what: &str,
    field: &str,
    span: &Range<usize>,
    errors: &mut Collector<'_>,
) -> String {
    match value {
        Some(text) if !text.get_ref().trim().is_empty() => text.into_inner(),
        Some(text) => {
            errors.error(
                text.span(),
                format!("{what} has an empty `{field}`; write a non-empty `{field}`"),
            );
            String::new()
        }
        None => {
            errors.error(
                span.clone(),
                format!(
                    "{what} has no `{field}`; every {} needs a `{field}`",
                    kind_of(what)
                ),
            );
            String::new()
        }
    }
}

fn kind_of(what: &str) -> &str {
    what.split_whitespace().next().unwrap_or(what)
}

fn read_connections(value: Spanned<DeValue<'_>>, errors: &mut Collector<'_>) -> Vec<Connection> {
    let mut out = Vec::new();
    for (kind, value) in entries_in_file_order(value, "connections", errors) {
        let Some((raw, span)) = decode::<RawConnection>(value, errors) else {
            continue;
        };
        let what = format!("connection `{}`", kind.get_ref());
        let label = required_text(raw.label, &what, "label", &span, errors);
        let comment = required_text(raw.comment, &what, "comment", &span, errors);
        let mut seen = HashSet::new();
        let mut inputs = Vec::new();
        for input in raw.inputs {
            let input_span = input.span();
            let input: RawConnectionInput = input.into_inner();
            let key = input.key.get_ref().clone();
            if !seen.insert(key.clone()) {
                errors.error(
                    input.key.span(),
                    format!("duplicate input key `{key}` in {what}; each key may appear once"),
                );
            }
            let input_what = format!("input `{key}` of {what}");
            let label = required_text(input.label, &input_what, "label", &input_span, errors);
            let comment = required_text(input.comment, &input_what, "comment", &input_span, errors);
            let required = input.required.as_ref().is_some_and(|r| *r.get_ref());
            if let (Some(required), Some(_)) = (&input.required, &input.default)
                && *required.get_ref()
            {
                errors.error(
                    required.span(),
                    format!("{input_what} is required and has a default; a required input cannot have a default: drop one of them"),
                );
            }
            inputs.push(ConnectionInput {
                key,
                label,
                comment,
                required,
                default: input.default.map(Spanned::into_inner),
                secret: input.secret.unwrap_or(false),
            });
        }
        out.push(Connection {
            kind: kind.into_inner(),
            label,
            comment,
            inputs,
        });
    }
    out
}

/// A shared input, checked, with the positions overrides need.
struct SharedInput {
    input: Input,
    required_span: Option<Range<usize>>,
}

/// Shared inputs by key; `None` for one that is broken (already reported).
type SharedInputs = BTreeMap<String, Option<SharedInput>>;

fn read_inputs(value: Spanned<DeValue<'_>>, errors: &mut Collector<'_>) -> SharedInputs {
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

    let ty = match raw.ty.get_ref().as_str() {
        "string" => Some(InputType::String),
        "integer" => Some(InputType::Integer),
        "boolean" => Some(InputType::Boolean),
        "enum" => match &raw.values {
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
        "string_list" => Some(InputType::StringList),
        "string_map" => Some(InputType::StringMap),
        "json_object" => Some(InputType::JsonObject),
        "json" => Some(InputType::Json),
        "file" => Some(InputType::File),
        "file_map" => Some(InputType::FileMap),
        "connection" => Some(InputType::Connection),
        other => {
            errors.error(
                raw.ty.span(),
                format!(
                    "unknown input type `{other}`; allowed: {}",
                    InputType::NAMES.join(", ")
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

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric())
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

fn check_location(
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
            "query" | "header" | "body_field" | "multipart" => (true, false, false),
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
        .map(|(name, _, ty)| format!("{name} ({ty})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `None` when the type may go there, else the types allowed there.
fn type_fits_location(ty: &InputType, location: &Location) -> Option<String> {
    let allowed: &[&str] = match location {
        Location::Path => &["string", "integer", "enum"],
        Location::Query { .. } => &[
            "string",
            "integer",
            "boolean",
            "enum",
            "string_list",
            "string_map",
        ],
        Location::Header { .. } => &["string", "string_map"],
        Location::Record => &["json_object"],
        Location::Body => &["json", "json_object"],
        Location::BodyField { .. } => &[
            "string",
            "integer",
            "boolean",
            "enum",
            "string_list",
            "string_map",
            "json_object",
            "json",
        ],
        Location::Multipart { .. } => &["file", "file_map", "string_map"],
        Location::FileName { .. } => &["string", "string_map"],
        Location::Client => &["connection"],
        Location::Request(field) => {
            let needed = RequestField::ALL
                .iter()
                .find(|(_, f, _)| f == field)
                .map_or("", |(_, _, ty)| *ty);
            if ty.name() == needed {
                return None;
            }
            return Some(format!("`{needed}` for `field = \"{}\"`", field.name()));
        }
    };
    if allowed.contains(&ty.name()) {
        None
    } else {
        Some(allowed.join(", "))
    }
}

fn check_default(
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
        InputType::File | InputType::FileMap => {
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

fn with_article(noun: &str) -> String {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {noun}")
    } else {
        format!("a {noun}")
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

fn read_actions(
    value: Spanned<DeValue<'_>>,
    shared: &SharedInputs,
    errors: &mut Collector<'_>,
) -> Vec<Action> {
    let span = value.span();
    let DeValue::Array(items) = value.into_inner() else {
        errors.error(
            span,
            "`actions` must be an array of tables; write each action as [[actions]]",
        );
        return Vec::new();
    };
    let mut out: Vec<Action> = Vec::new();
    let mut seen: BTreeMap<(Product, String), ()> = BTreeMap::new();
    for item in items {
        let Some((raw, span)) = decode::<RawAction>(item, errors) else {
            continue;
        };
        if let Some(action) = check_action(raw, &span, shared, &mut seen, errors) {
            out.push(action);
        }
    }
    out
}

fn check_action(
    raw: RawAction,
    span: &Range<usize>,
    shared: &SharedInputs,
    seen: &mut BTreeMap<(Product, String), ()>,
    errors: &mut Collector<'_>,
) -> Option<Action> {
    let mut ok = true;
    let product = match raw.product.get_ref().as_str() {
        "crm" => Some(Product::Crm),
        "books" => Some(Product::Books),
        other => {
            errors.error(
                raw.product.span(),
                format!("unknown product `{other}`; allowed: crm, books"),
            );
            None
        }
    };
    let name = raw.name.get_ref().clone();
    let product_name = match product {
        Some(product) => product.as_str(),
        None => raw.product.get_ref().as_str(),
    };
    let what = format!("action `{product_name}.{name}`");
    if !is_identifier(&name) || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        errors.error(
            raw.name.span(),
            format!("action name `{name}` is not a lowerCamel name; allowed: a lower-case letter, then letters and digits (e.g. getRecords)"),
        );
        ok = false;
    }
    if let Some(product) = product
        && seen.insert((product, name.clone()), ()).is_some()
    {
        errors.error(
            raw.name.span(),
            format!(
                "duplicate action `{}.{name}`; each product's action names must be unique",
                product.as_str()
            ),
        );
        ok = false;
    }
    let label = required_text(raw.label, &what, "label", span, errors);
    let summary = required_text(raw.summary, &what, "summary", span, errors);
    let description = required_text(raw.description, &what, "description", span, errors);
    let result_description = required_text(
        raw.result_description,
        &what,
        "result_description",
        span,
        errors,
    );

    let http_method = raw.http_method.as_ref().and_then(|method| {
        let found = HttpMethod::ALL
            .iter()
            .copied()
            .find(|m| m.as_str() == method.get_ref().as_str());
        if found.is_none() {
            errors.error(
                method.span(),
                format!(
                    "HTTP method `{}` is not allowed; allowed: GET, POST, PUT, PATCH, DELETE",
                    method.get_ref()
                ),
            );
            ok = false;
        }
        found
    });
    let result = ResultShape::ALL
        .iter()
        .find(|(name, _)| *name == raw.result.get_ref().as_str())
        .map(|(_, shape)| *shape);
    if result.is_none() {
        errors.error(
            raw.result.span(),
            format!(
                "unknown result shape `{}`; allowed: {}",
                raw.result.get_ref(),
                ResultShape::ALL
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let body = raw
        .body
        .as_ref()
        .and_then(|body| match body.get_ref().as_str() {
            "crm_record" => Some(BodyWrap::CrmRecord),
            "books_record" => Some(BodyWrap::BooksRecord),
            other => {
                errors.error(
                    body.span(),
                    format!("unknown body wrapping `{other}`; allowed: crm_record, books_record"),
                );
                ok = false;
                None
            }
        });

    // Inputs: shared definitions plus this action's overrides.
    let mut inputs: Vec<Input> = Vec::new();
    let mut input_spans: Vec<Range<usize>> = Vec::new();
    // When an input is unknown or broken (already reported), checks across inputs would only
    // repeat that mistake in other words.
    let mut complete = true;
    for entry in raw.inputs {
        let entry_span = entry.span();
        let (key, overrides) = match entry.into_inner() {
            RawInputRef::Use(key) => (key, None),
            RawInputRef::Override(over) => (over.key.get_ref().clone(), Some(*over)),
        };
        let Some(shared_input) = shared.get(&key) else {
            errors.error(
                entry_span,
                format!(
                    "{what} uses unknown input `{key}`; define it as [inputs.{key}] or use one of: {}",
                    shared.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            );
            ok = false;
            complete = false;
            continue;
        };
        let Some(shared_input) = shared_input else {
            // Its own mistake is reported where it is defined.
            ok = false;
            complete = false;
            continue;
        };
        if inputs.iter().any(|input| input.key == key) {
            errors.error(
                entry_span,
                format!("duplicate input key `{key}` in {what}; each input may appear once"),
            );
            ok = false;
            continue;
        }
        if let Some(clash) = inputs
            .iter()
            .find(|input| input.field_name() == shared_input.input.field_name())
        {
            errors.error(
                entry_span,
                format!(
                    "inputs `{}` and `{key}` of {what} are the same Rust field `{}`; allowed: keys that differ beyond case",
                    clash.key,
                    clash.field_name()
                ),
            );
            ok = false;
            continue;
        }
        let mut input = shared_input.input.clone();
        if let Some(over) = overrides
            && !apply_override(&mut input, shared_input, over, &what, errors)
        {
            ok = false;
        }
        inputs.push(input);
        input_spans.push(entry_span);
    }

    let path = raw
        .path
        .as_ref()
        .and_then(|path| parse_template(path, &what, errors));
    let parent_path = raw
        .parent_path
        .as_ref()
        .and_then(|path| parse_template(path, &what, errors));
    if (raw.path.is_some() && path.is_none())
        || (raw.parent_path.is_some() && parent_path.is_none())
    {
        ok = false;
    }

    if !complete {
        return None;
    }
    let find = |key: &str| inputs.iter().position(|input| input.key == key);
    let request_inputs = |field: RequestField| {
        inputs
            .iter()
            .filter(move |input| input.location == Location::Request(field))
            .count()
    };

    // Method and path come from the spec or from an input, never both.
    match (
        raw.http_method.as_ref(),
        request_inputs(RequestField::Method),
    ) {
        (None, 0) => {
            errors.error(
                span.clone(),
                format!("{what} has no `http_method`; allowed: GET, POST, PUT, PATCH, DELETE (or an input with in = \"request\", field = \"method\")"),
            );
            ok = false;
        }
        (Some(method), n) if n > 0 => {
            errors.error(
                method.span(),
                format!("{what} has an `http_method` and an input that sets the method; keep one of them"),
            );
            ok = false;
        }
        _ => {}
    }
    match (raw.path.as_ref(), request_inputs(RequestField::Path)) {
        (None, 0) => {
            errors.error(
                span.clone(),
                format!("{what} has no `path`; write a template such as \"/{{recordType}}\" (or an input with in = \"request\", field = \"path\")"),
            );
            ok = false;
        }
        (Some(path), n) if n > 0 => {
            errors.error(
                path.span(),
                format!("{what} has a `path` and an input that sets the path; keep one of them"),
            );
            ok = false;
        }
        _ => {}
    }
    for (field_name, field, _) in RequestField::ALL {
        if request_inputs(field) > 1 {
            errors.error(
                span.clone(),
                format!(
                    "{what} has several inputs setting the request field `{field_name}`; keep one"
                ),
            );
            ok = false;
        }
    }
    if inputs
        .iter()
        .filter(|input| input.location == Location::Client)
        .count()
        > 1
    {
        errors.error(
            span.clone(),
            format!("{what} has several connection inputs; keep one"),
        );
        ok = false;
    }

    // Every placeholder has a path input; every path input is in a path.
    let in_path: Vec<String> = path
        .as_ref()
        .map(|p| p.placeholders().map(str::to_owned).collect())
        .unwrap_or_default();
    let in_parent: Vec<String> = parent_path
        .as_ref()
        .map(|p| p.placeholders().map(str::to_owned).collect())
        .unwrap_or_default();
    for (template, raw_template) in [(&path, &raw.path), (&parent_path, &raw.parent_path)] {
        let (Some(template), Some(raw_template)) = (template, raw_template) else {
            continue;
        };
        for key in template.placeholders() {
            match find(key).map(|at| &inputs[at]) {
                Some(input) if input.location == Location::Path => {}
                Some(_) => {
                    errors.error(
                        raw_template.span(),
                        format!("path placeholder `{{{key}}}` names input `{key}`, which does not go in the path; give `{key}` in = \"path\""),
                    );
                    ok = false;
                }
                None => {
                    errors.error(
                        raw_template.span(),
                        format!("path placeholder `{{{key}}}` has no input; add `{key}` (with in = \"path\") to the inputs of {what}"),
                    );
                    ok = false;
                }
            }
        }
    }
    if let (Some(_), Some(raw_parent)) = (&parent_path, &raw.parent_path) {
        for key in &in_path {
            if !in_parent.contains(key) {
                errors.error(
                    raw_parent.span(),
                    format!("`parent_path` of {what} does not use `{{{key}}}`, which `path` uses; a parent path extends the path"),
                );
                ok = false;
            }
        }
    }
    for (input, input_span) in inputs.iter().zip(&input_spans) {
        if input.location != Location::Path {
            continue;
        }
        if in_path.contains(&input.key) {
            if !input.required && input.default.is_none() {
                errors.error(
                    input_span.clone(),
                    format!("path input `{}` of {what} is optional, but `path` always needs it; make it required or give it a default", input.key),
                );
                ok = false;
            }
        } else if in_parent.contains(&input.key) {
            if input.required || input.default.is_some() {
                errors.error(
                    input_span.clone(),
                    format!("input `{}` of {what} appears only in `parent_path`, so it must be optional without a default (the parent path is used when all parent inputs are given)", input.key),
                );
                ok = false;
            }
        } else {
            errors.error(
                input_span.clone(),
                format!(
                    "path input `{}` does not appear in the path of {what}; put `{{{}}}` in `path` or `parent_path`, or drop the input",
                    input.key, input.key
                ),
            );
            ok = false;
        }
    }

    // Body: record inputs need a wrapping; a whole-body input cannot share it.
    let has_record = inputs.iter().any(|i| i.location == Location::Record);
    let has_whole_body = inputs.iter().any(|i| i.location == Location::Body);
    match (&raw.body, body) {
        (None, _) if has_record => {
            errors.error(
                span.clone(),
                format!("{what} has record inputs but no `body`; allowed: body = \"crm_record\" or \"books_record\""),
            );
            ok = false;
        }
        (Some(raw_body), Some(_)) if has_whole_body => {
            errors.error(
                raw_body.span(),
                format!("{what} wraps a record body but also has an input with in = \"body\"; keep one of them"),
            );
            ok = false;
        }
        _ => {}
    }
    if has_whole_body
        && inputs
            .iter()
            .any(|i| matches!(i.location, Location::BodyField { .. }))
    {
        errors.error(
            span.clone(),
            format!("{what} has an input with in = \"body\" (the whole body) and inputs with in = \"body_field\"; keep one kind"),
        );
        ok = false;
    }
    for (input, input_span) in inputs.iter().zip(&input_spans) {
        let sets_method_or_path = matches!(
            input.location,
            Location::Request(RequestField::Method | RequestField::Path)
        );
        if sets_method_or_path && !input.required && input.default.is_none() {
            errors.error(
                input_span.clone(),
                format!("input `{}` of {what} sets the request's method or path, so it must be required or have a default", input.key),
            );
            ok = false;
        }
        if input.ty == InputType::FileMap && input.required {
            errors.error(
                input_span.clone(),
                format!("`file_map` input `{}` of {what} is required; file maps are optional (an absent map sends no parts)", input.key),
            );
            ok = false;
        }
    }
    for (input, input_span) in inputs.iter().zip(&input_spans) {
        if let Location::FileName { of } = &input.location {
            let target = find(of).map(|at| &inputs[at]);
            let fits = match target {
                Some(target) => matches!(
                    (&input.ty, &target.ty, &target.location),
                    (
                        InputType::String,
                        InputType::File,
                        Location::Multipart { .. }
                    ) | (
                        InputType::StringMap,
                        InputType::FileMap,
                        Location::Multipart { .. }
                    )
                ),
                None => false,
            };
            if !fits {
                errors.error(
                    input_span.clone(),
                    format!("file-name input `{}` is for `{of}`, which is not a multipart file input of {what}; allowed: a `file` input (for a string) or a `file_map` input (for a string_map)", input.key),
                );
                ok = false;
            }
        }
    }

    let record = raw
        .record
        .and_then(|record| check_record(record, &inputs, &what, errors));

    let (Some(product), Some(result), true) = (product, result, ok) else {
        return None;
    };
    Some(Action {
        product,
        name,
        label,
        summary,
        description,
        http_method,
        path,
        parent_path,
        body,
        result,
        result_description,
        read_only: raw.read_only,
        destructive: raw.destructive,
        idempotent: raw.idempotent,
        record,
        inputs,
    })
}

fn apply_override(
    input: &mut Input,
    shared: &SharedInput,
    over: RawOverride,
    what: &str,
    errors: &mut Collector<'_>,
) -> bool {
    let input_what = format!("input `{}` of {what}", input.key);
    let mut ok = true;
    if let Some(label) = over.label {
        input.label = label.into_inner();
    }
    if let Some(comment) = over.comment {
        input.comment = comment.into_inner();
    }
    if let Some(required) = &over.required {
        input.required = *required.get_ref();
    }
    if let Some(default) = &over.default {
        match check_default(
            &input_what,
            &input.ty,
            default,
            input.min,
            input.max,
            errors,
        ) {
            Some(value) => {
                input.default = Some(value);
                input.when_omitted = None;
            }
            None => ok = false,
        }
    }
    if let Some(when_omitted) = over.when_omitted {
        input.when_omitted = Some(when_omitted.into_inner());
    }
    if input.required && input.default.is_some() {
        let at = over
            .required
            .as_ref()
            .map(Spanned::span)
            .or_else(|| over.default.as_ref().map(Spanned::span))
            .or_else(|| shared.required_span.clone())
            .unwrap_or_else(|| over.key.span());
        errors.error(
            at,
            format!("{input_what} is required and has a default; a required input cannot have a default: set required = false or drop the default"),
        );
        ok = false;
    }
    ok
}

fn check_record(
    record: Spanned<RawRecord>,
    inputs: &[Input],
    what: &str,
    errors: &mut Collector<'_>,
) -> Option<RecordInputs> {
    let record = record.into_inner();
    let mut ok = true;
    for key in [&record.record_type, &record.id] {
        if !inputs.iter().any(|input| input.key == *key.get_ref()) {
            errors.error(
                key.span(),
                format!(
                    "`record` of {what} names `{}`, which is not one of its inputs; allowed: {}",
                    key.get_ref(),
                    inputs
                        .iter()
                        .map(|i| i.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            ok = false;
        }
    }
    ok.then(|| RecordInputs {
        record_type: record.record_type.into_inner(),
        record_id: record.id.into_inner(),
    })
}

fn parse_template(
    raw: &Spanned<String>,
    what: &str,
    errors: &mut Collector<'_>,
) -> Option<PathTemplate> {
    let text = raw.get_ref();
    let Some(rest) = text.strip_prefix('/') else {
        errors.error(
            raw.span(),
            format!(
                "path `{text}` of {what} does not start with `/`; allowed: /segment/{{input}}/..."
            ),
        );
        return None;
    };
    let mut segments = Vec::new();
    for segment in rest.split('/') {
        if segment.is_empty() {
            errors.error(
                raw.span(),
                format!("path `{text}` of {what} has an empty segment; allowed: /segment/{{input}}/... without `//` or a trailing `/`"),
            );
            return None;
        }
        if let Some(key) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if !is_identifier(key) {
                errors.error(
                    raw.span(),
                    format!("path placeholder `{segment}` of {what} is not an input name; allowed: {{inputKey}}"),
                );
                return None;
            }
            segments.push(PathPart::Input(key.to_owned()));
        } else if segment.contains(['{', '}', '?', '#', '%']) {
            errors.error(
                raw.span(),
                format!("path segment `{segment}` of {what} mixes text and a placeholder or holds `?`, `#`, `%`; allowed: a literal segment or a whole-segment {{inputKey}}"),
            );
            return None;
        } else {
            segments.push(PathPart::Literal(segment.to_owned()));
        }
    }
    Some(PathTemplate {
        text: text.clone(),
        segments,
    })
}
