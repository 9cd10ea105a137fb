//! `one_of = [["criteria", "email", "phone", "word"]]`: groups of inputs of which a call gives
//! exactly one. Each name must be an optional input of the action without a default (a required
//! or defaulted input is always given, so the group could never hold exactly one), a group
//! needs two names or more, and a name belongs to one group only.

use toml::Spanned;

use crate::diagnostic::Collector;
use crate::model::{Input, InputType};

pub(super) fn check_one_of(
    raw: Spanned<Vec<Vec<String>>>,
    inputs: &[Input],
    what: &str,
    errors: &mut Collector<'_>,
) -> Option<Vec<Vec<String>>> {
    let span = raw.span();
    let groups = raw.into_inner();
    let mut ok = true;
    let mut error = |message: String| {
        errors.error(span.clone(), message);
        ok = false;
    };
    if groups.is_empty() {
        error(format!(
            "`one_of` of {what} is empty; allowed: a list of groups, e.g. one_of = [[\"email\", \"phone\"]], or no `one_of`"
        ));
    }
    let mut seen: Vec<&str> = Vec::new();
    for group in &groups {
        if group.len() < 2 {
            error(format!(
                "a `one_of` group of {what} names {} input(s) ({}); allowed: two or more inputs, of which a call gives exactly one (a single input is made required with required = true)",
                group.len(),
                group.join(", ")
            ));
        }
        for name in group {
            if seen.contains(&name.as_str()) {
                error(format!(
                    "`one_of` of {what} names `{name}` twice; allowed: each input in one group, once"
                ));
                continue;
            }
            seen.push(name);
            let Some(input) = inputs.iter().find(|input| input.key == *name) else {
                error(format!(
                    "`one_of` of {what} names `{name}`, which is not one of its inputs; allowed: {}",
                    optional_keys(inputs)
                ));
                continue;
            };
            if input.required || input.default.is_some() || input.ty == InputType::Connection {
                let why = if input.required {
                    "is required"
                } else if input.default.is_some() {
                    "has a default"
                } else {
                    "picks the connection"
                };
                error(format!(
                    "`one_of` of {what} names `{name}`, which {why}, so it is always given; allowed: optional inputs without a default: {}",
                    optional_keys(inputs)
                ));
            }
        }
    }
    ok.then_some(groups)
}

fn optional_keys(inputs: &[Input]) -> String {
    let keys: Vec<&str> = inputs
        .iter()
        .filter(|input| {
            !input.required && input.default.is_none() && input.ty != InputType::Connection
        })
        .map(|input| input.key.as_str())
        .collect();
    if keys.is_empty() {
        "(the action has none)".to_owned()
    } else {
        keys.join(", ")
    }
}
