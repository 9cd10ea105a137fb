//! `[connections.*]`: each connection kind with its label, comment and settings.

use std::collections::HashSet;

use toml::Spanned;
use toml::de::DeValue;

use super::{decode, entries_in_file_order, required_text};
use crate::diagnostic::Collector;
use crate::model::{Connection, ConnectionInput};
use crate::raw::{RawConnection, RawConnectionInput};

pub(super) fn read_connections(
    value: Spanned<DeValue<'_>>,
    errors: &mut Collector<'_>,
) -> Vec<Connection> {
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
