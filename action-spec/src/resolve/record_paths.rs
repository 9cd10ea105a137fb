//! `[record_paths.<product>.<record type>]`: record types Zoho serves at other paths than the
//! actions' `path` and `parent_path` build (Books contact persons, time entries, employees,
//! settings), and the actions' `record_paths = "<operation>"` that consult them.
//!
//! An action that consults the table names its record type by the first placeholder of its
//! `path` and its parent by the two placeholders only `parent_path` has (type, then id); an
//! entry's paths may use the action's other path inputs (`{recordId}`, `{parentRecordId}`).

use std::collections::BTreeSet;
use std::ops::Range;

use toml::Spanned;
use toml::de::DeValue;

use super::template::parse_template;
use super::{decode, entries_in_file_order, is_identifier, required_text};
use crate::diagnostic::Collector;
use crate::model::{
    Action, Location, OperationPath, ParentIdPlace, PathTemplate, Product, RecordPathKeys,
    RecordPaths,
};
use crate::raw::{RawOperationPath, RawParentId};

/// Where `parent_id` may put the parent's id.
const PARENT_ID_PLACES: &str = "query, body_field";

/// An action's `record_paths`: an operation name, and templates the table can be keyed on.
pub(super) fn check_action_operation(
    operation: &Spanned<String>,
    path: Option<&PathTemplate>,
    parent_path: Option<&PathTemplate>,
    what: &str,
    errors: &mut Collector<'_>,
) -> Option<String> {
    let name = operation.get_ref();
    let mut ok = true;
    if !is_identifier(name) {
        errors.error(
            operation.span(),
            format!("`record_paths` of {what} is `{name}`, not an operation name; allowed: letters and digits, such as `create`"),
        );
        ok = false;
    }
    if RecordPathKeys::of(path, parent_path).is_none() {
        errors.error(
            operation.span(),
            format!("{what} has `record_paths` but its templates do not name a record type and a parent; allowed: a `path` that starts with the record type's placeholder (`/{{recordType}}...`) and a `parent_path` with two placeholders of its own, parent type then parent id (`/{{parentRecordType}}/{{parentRecordId}}/...`)"),
        );
        ok = false;
    }
    ok.then(|| name.clone())
}

/// Every entry of `record_paths`, checked against the actions that consult it.
pub(super) fn read_record_paths(
    value: Spanned<DeValue<'_>>,
    actions: &[Action],
    errors: &mut Collector<'_>,
) -> Vec<RecordPaths> {
    let mut out = Vec::new();
    for (product_key, product_value) in entries_in_file_order(value, "record_paths", errors) {
        let product = match product_key.get_ref().as_str() {
            "crm" => Product::Crm,
            "books" => Product::Books,
            other => {
                errors.error(
                    product_key.span(),
                    format!("unknown product `{other}` in `record_paths`; allowed: crm, books"),
                );
                continue;
            }
        };
        let what_product = format!("record_paths.{}", product.as_str());
        for (record_type, entry) in entries_in_file_order(product_value, &what_product, errors) {
            if let Some(entry) = read_entry(product, record_type, entry, actions, errors) {
                out.push(entry);
            }
        }
    }
    out
}

fn read_entry(
    product: Product,
    record_type: Spanned<String>,
    value: Spanned<DeValue<'_>>,
    actions: &[Action],
    errors: &mut Collector<'_>,
) -> Option<RecordPaths> {
    let span = value.span();
    let what = format!(
        "record paths of `{}` ({})",
        record_type.get_ref(),
        product.as_str()
    );
    let mut ok = true;
    if !record_type
        .get_ref()
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        errors.error(
            record_type.span(),
            format!(
                "{what}: the record type is one path segment; allowed: letters, digits and `_`"
            ),
        );
        ok = false;
    }
    let mut comment = None;
    let mut parent = None;
    let mut raw_operations = Vec::new();
    for (key, value) in entries_in_file_order(value, &what, errors) {
        match key.get_ref().as_str() {
            "comment" => {
                comment = decode::<String>(value, errors).map(|(text, at)| Spanned::new(at, text))
            }
            "parent" => {
                parent = decode::<String>(value, errors).map(|(text, at)| Spanned::new(at, text))
            }
            _ => match decode::<RawOperationPath>(value, errors) {
                Some((raw, _)) => raw_operations.push((key, raw)),
                None => ok = false,
            },
        }
    }
    let comment = required_text(comment, &what, "comment", &span, errors);
    let parent = match parent {
        Some(parent) if parent.get_ref().trim().is_empty() => {
            errors.error(parent.span(), format!("{what} has an empty `parent`; name the parent record type, such as `contacts`, or drop it"));
            ok = false;
            None
        }
        Some(parent) => Some(parent.into_inner()),
        None => None,
    };
    if raw_operations.is_empty() {
        errors.error(
            span,
            format!("{what} gives no operation; add one of the operations actions name in `record_paths` ({}), such as create = {{ path = \"/...\" }}", used_operations(product, actions)),
        );
        ok = false;
    }
    let mut operations = Vec::new();
    for (name, raw) in raw_operations {
        let op_what = format!("operation `{}` of {what}", name.get_ref());
        match check_operation(
            product,
            &name,
            raw,
            parent.is_some(),
            actions,
            &op_what,
            errors,
        ) {
            Some(path) => operations.push((name.into_inner(), path)),
            None => ok = false,
        }
    }
    ok.then(|| RecordPaths {
        product,
        record_type: record_type.into_inner(),
        comment,
        parent,
        operations,
    })
}

fn used_operations(product: Product, actions: &[Action]) -> String {
    let used: BTreeSet<&str> = actions
        .iter()
        .filter(|action| action.product == product)
        .filter_map(|action| action.record_paths.as_deref())
        .collect();
    if used.is_empty() {
        "none do yet".to_owned()
    } else {
        used.into_iter().collect::<Vec<_>>().join(", ")
    }
}

/// One operation, checked against every action of the product that names it.
fn check_operation(
    product: Product,
    name: &Spanned<String>,
    raw: RawOperationPath,
    has_parent: bool,
    actions: &[Action],
    what: &str,
    errors: &mut Collector<'_>,
) -> Option<OperationPath> {
    let users: Vec<&Action> = actions
        .iter()
        .filter(|action| {
            action.product == product && action.record_paths.as_deref() == Some(name.get_ref())
        })
        .collect();
    if users.is_empty() {
        errors.error(
            name.span(),
            format!(
                "no {} action has `record_paths = \"{}\"`, so {what} is never used; allowed: {}",
                product.as_str(),
                name.get_ref(),
                used_operations(product, actions)
            ),
        );
        return None;
    }
    let path = parse_template(&raw.path, what, errors)?;
    let at = raw.path.span();
    let mut place = None;
    let mut ok = true;
    for action in &users {
        let Some(keys) = RecordPathKeys::of(action.path.as_ref(), action.parent_path.as_ref())
        else {
            continue;
        };
        ok &= placeholders_fit(&path, action, &keys, &at, what, errors);
        let in_path = path.placeholders().any(|key| key == keys.parent_id);
        let here = match (&raw.parent_id, in_path) {
            (Some(given), true) => {
                errors.error(
                    given.span(),
                    format!("{what} puts `{{{}}}` in its path, so the parent's id goes there; drop `parent_id`", keys.parent_id),
                );
                None
            }
            (None, true) if !has_parent => {
                errors.error(
                    at.clone(),
                    format!("{what} puts `{{{}}}` in its path but the entry names no `parent`; add `parent = \"<parent record type>\"`", keys.parent_id),
                );
                None
            }
            (None, true) => Some(ParentIdPlace::Path),
            (None, false) => Some(ParentIdPlace::NotSent),
            (Some(given), false) if !has_parent => {
                errors.error(
                    given.span(),
                    format!("{what} places a parent id but the entry names no `parent`; add `parent = \"<parent record type>\"` or drop `parent_id`"),
                );
                None
            }
            (Some(given), false) => parent_id_place(given, action, what, errors),
        };
        match here {
            Some(here) => place = Some(here),
            None => ok = false,
        }
    }
    let parent_id = place?;
    ok.then_some(OperationPath { path, parent_id })
}

/// The path's placeholders are the action's own path inputs other than the record type and the
/// parent type (both fixed by the entry), and it keeps every input of the action's `path`
/// but the record type (the record's id).
fn placeholders_fit(
    path: &PathTemplate,
    action: &Action,
    keys: &RecordPathKeys<'_>,
    at: &Range<usize>,
    what: &str,
    errors: &mut Collector<'_>,
) -> bool {
    let mut ok = true;
    let usable: Vec<&str> = action
        .inputs
        .iter()
        .filter(|input| input.location == Location::Path)
        .map(|input| input.key.as_str())
        .filter(|key| *key != keys.record_type && *key != keys.parent_type)
        .collect();
    for key in path.placeholders() {
        if !usable.contains(&key) {
            errors.error(
                at.clone(),
                format!(
                    "path of {what} uses `{{{key}}}`, which action `{}` cannot fill there; allowed: {}",
                    action.method_name(),
                    usable
                        .iter()
                        .map(|key| format!("{{{key}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            ok = false;
        }
    }
    if let Some(own) = &action.path {
        for key in own.placeholders().filter(|key| *key != keys.record_type) {
            if !path.placeholders().any(|used| used == key) {
                errors.error(
                    at.clone(),
                    format!(
                        "path of {what} drops `{{{key}}}`, which action `{}` sends in its path; keep it",
                        action.method_name()
                    ),
                );
                ok = false;
            }
        }
    }
    ok
}

fn parent_id_place(
    given: &Spanned<RawParentId>,
    action: &Action,
    what: &str,
    errors: &mut Collector<'_>,
) -> Option<ParentIdPlace> {
    let raw = given.get_ref();
    let wire = raw.wire.get_ref();
    if wire.trim().is_empty() {
        errors.error(
            raw.wire.span(),
            format!("`parent_id` of {what} has an empty `wire`; name the query pair or body key, such as `contact_id`"),
        );
        return None;
    }
    match raw.location.get_ref().as_str() {
        "query" => Some(ParentIdPlace::Query(wire.clone())),
        "body_field" if action.body.is_some() => Some(ParentIdPlace::BodyField(wire.clone())),
        "body_field" => {
            errors.error(
                raw.location.span(),
                format!(
                    "`parent_id` of {what} goes in the body, but action `{}` sends none; allowed here: query",
                    action.method_name()
                ),
            );
            None
        }
        other => {
            errors.error(
                raw.location.span(),
                format!(
                    "`parent_id` of {what} has in = \"{other}\"; allowed: {PARENT_ID_PLACES} (or no `parent_id`: the id is not sent; or `{{parent id}}` in the path)"
                ),
            );
            None
        }
    }
}
