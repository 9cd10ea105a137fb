//! Reading and checking a spec: every rule is here, one module per part of the spec
//! (`connection`, `input`, `action`, `template`), and every broken rule is reported with its
//! position and what is allowed. Independent mistakes are all collected before giving up.

mod action;
mod connection;
mod input;
mod one_of;
mod record_paths;
mod template;

use std::ops::Range;

use serde::Deserialize;
use serde::de::IntoDeserializer;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostic::{Collector, Diagnostics};
use crate::model::Spec;
use action::read_actions;
use connection::read_connections;
use input::read_inputs;

const TOP_LEVEL_KEYS: &str = "connections, inputs, actions, record_paths";

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
    let mut record_paths_value = None;
    for (key, value) in document.into_inner() {
        match key.get_ref().as_ref() {
            "connections" => connections_value = Some(value),
            "inputs" => inputs_value = Some(value),
            "actions" => actions_value = Some(value),
            "record_paths" => record_paths_value = Some(value),
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
    let record_paths = record_paths_value
        .map(|value| record_paths::read_record_paths(value, &actions, &mut errors))
        .unwrap_or_default();

    if errors.is_empty() {
        Ok(Spec {
            connections,
            actions,
            record_paths,
        })
    } else {
        Err(errors.finish(origin))
    }
}

/// Deserialize one table of the document on its own, so a mistake in it does not hide others.
pub(super) fn decode<'i, T: Deserialize<'i>>(
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
pub(super) fn entries_in_file_order<'i>(
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

pub(super) fn required_text(
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

pub(super) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric())
}

pub(super) fn with_article(noun: &str) -> String {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {noun}")
    } else {
        format!("a {noun}")
    }
}
