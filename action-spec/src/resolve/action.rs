//! `[[actions]]`: each action's header, its inputs (shared, with overrides) and the rules
//! across them.

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::Value;
use toml::Spanned;
use toml::de::DeValue;

use super::input::{SharedInput, SharedInputs, check_default};
use super::template::parse_template;
use super::{decode, is_identifier, required_text, with_article};
use crate::diagnostic::Collector;
use crate::model::{
    Action, BodyWrap, HttpMethod, Input, InputType, Location, PathTemplate, Product, RecordInputs,
    RequestField, ResultShape, upper_camel,
};
use crate::raw::{RawAction, RawInputRef, RawOverride, RawRecord};

pub(super) fn read_actions(
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

/// One action: its header, its inputs (shared definitions with this action's overrides), then
/// every rule in [`ACTION_RULES`] across them.
fn check_action(
    raw: RawAction,
    span: &Range<usize>,
    shared: &SharedInputs,
    seen: &mut BTreeMap<(Product, String), ()>,
    errors: &mut Collector<'_>,
) -> Option<Action> {
    let mut ok = true;
    let product = check_product(&raw.product, errors);
    let name = raw.name.get_ref().clone();
    let product_name = match product {
        Some(product) => product.as_str(),
        None => raw.product.get_ref().as_str(),
    };
    let what = format!("action `{product_name}.{name}`");
    ok &= check_name(&raw.name, product, seen, errors);
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
    let http_method = match raw
        .http_method
        .as_ref()
        .map(|m| check_http_method(m, errors))
    {
        Some(Some(method)) => Some(method),
        Some(None) => {
            ok = false;
            None
        }
        None => None,
    };
    let result = check_result(&raw.result, errors);
    let body = match raw.body.as_ref().map(|body| check_body(body, errors)) {
        Some(Some(body)) => Some(body),
        Some(None) => {
            ok = false;
            None
        }
        None => None,
    };

    let collected = collect_inputs(raw.inputs, shared, &what, errors);
    ok &= collected.ok;

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

    // When an input is unknown or broken (already reported), checks across inputs would only
    // repeat that mistake in other words.
    if !collected.complete {
        return None;
    }
    let checked = Checked {
        what: &what,
        span,
        inputs: &collected.inputs,
        input_spans: &collected.spans,
        raw_http_method: raw.http_method.as_ref(),
        raw_path: raw.path.as_ref(),
        raw_parent_path: raw.parent_path.as_ref(),
        raw_body: raw.body.as_ref(),
        raw_result: &raw.result,
        result,
        path: path.as_ref(),
        parent_path: parent_path.as_ref(),
        body,
    };
    // Every rule runs, so every mistake is reported at once.
    for (_, rule) in ACTION_RULES {
        ok &= rule(&checked, errors);
    }

    let inputs = collected.inputs;
    let body_constants = match raw.body_constants {
        Some(constants) => match check_body_constants(constants, body, &inputs, &what, errors) {
            Some(constants) => constants,
            None => {
                ok = false;
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let one_of = match raw.one_of {
        Some(groups) => {
            super::one_of::check_one_of(groups, &inputs, &what, errors).unwrap_or_else(|| {
                ok = false;
                Vec::new()
            })
        }
        None => Vec::new(),
    };
    let record = raw
        .record
        .and_then(|record| check_record(record, &inputs, &what, errors));
    let record_paths = raw.record_paths.map(|operation| {
        let checked = super::record_paths::check_action_operation(
            &operation,
            path.as_ref(),
            parent_path.as_ref(),
            &what,
            errors,
        );
        ok &= checked.is_some();
        checked
    });

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
        body_constants,
        result,
        result_description,
        read_only: raw.read_only,
        destructive: raw.destructive,
        idempotent: raw.idempotent,
        record,
        query: raw.query.into_iter().collect(),
        record_paths: record_paths.flatten(),
        one_of,
        inputs,
    })
}

fn check_product(raw: &Spanned<String>, errors: &mut Collector<'_>) -> Option<Product> {
    match raw.get_ref().as_str() {
        "crm" => Some(Product::Crm),
        "books" => Some(Product::Books),
        other => {
            errors.error(
                raw.span(),
                format!("unknown product `{other}`; allowed: crm, books"),
            );
            None
        }
    }
}

/// Standard names the generated code uses unqualified next to the action types.
const PRELUDE_TYPES: [&str; 4] = ["Option", "String", "Vec", "Into"];

/// A lowerCamel name, unique within its product, whose type hides no standard name.
fn check_name(
    raw: &Spanned<String>,
    product: Option<Product>,
    seen: &mut BTreeMap<(Product, String), ()>,
    errors: &mut Collector<'_>,
) -> bool {
    let name = raw.get_ref();
    let mut ok = true;
    if !is_identifier(name) || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        errors.error(
            raw.span(),
            format!("action name `{name}` is not a lowerCamel name; allowed: a lower-case letter, then letters and digits (e.g. getRecords)"),
        );
        ok = false;
    }
    let type_name = upper_camel(name);
    if PRELUDE_TYPES.contains(&type_name.as_str()) {
        errors.error(
            raw.span(),
            format!("action name `{name}` makes the Rust type `{type_name}`, which would hide the standard `{type_name}` the generated code uses; allowed: any lowerCamel name but {}", PRELUDE_TYPES.map(|t| format!("`{}`", t.to_lowercase())).join(", ")),
        );
        ok = false;
    }
    if let Some(product) = product
        && seen.insert((product, name.clone()), ()).is_some()
    {
        errors.error(
            raw.span(),
            format!(
                "duplicate action `{}.{name}`; each product's action names must be unique",
                product.as_str()
            ),
        );
        ok = false;
    }
    ok
}

fn check_http_method(raw: &Spanned<String>, errors: &mut Collector<'_>) -> Option<HttpMethod> {
    let found = HttpMethod::ALL
        .iter()
        .copied()
        .find(|m| m.as_str() == raw.get_ref().as_str());
    if found.is_none() {
        errors.error(
            raw.span(),
            format!(
                "HTTP method `{}` is not allowed; allowed: {}",
                raw.get_ref(),
                HttpMethod::ALL.map(HttpMethod::as_str).join(", ")
            ),
        );
    }
    found
}

fn check_result(raw: &Spanned<String>, errors: &mut Collector<'_>) -> Option<ResultShape> {
    let result = ResultShape::ALL
        .iter()
        .find(|(name, _)| *name == raw.get_ref().as_str())
        .map(|(_, shape)| *shape);
    if result.is_none() {
        errors.error(
            raw.span(),
            format!(
                "unknown result shape `{}`; allowed: {}",
                raw.get_ref(),
                ResultShape::ALL
                    .iter()
                    .map(|(name, _)| *name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    result
}

fn check_body(raw: &Spanned<String>, errors: &mut Collector<'_>) -> Option<BodyWrap> {
    match raw.get_ref().as_str() {
        "crm_record" => Some(BodyWrap::CrmRecord),
        "books_record" => Some(BodyWrap::BooksRecord),
        "crm_watch" => Some(BodyWrap::CrmWatch),
        other => {
            errors.error(
                raw.span(),
                format!(
                    "unknown body wrapping `{other}`; allowed: crm_record, books_record, crm_watch"
                ),
            );
            None
        }
    }
}

/// An action's inputs with the positions of their entries.
struct CollectedInputs {
    inputs: Vec<Input>,
    spans: Vec<Range<usize>>,
    /// No mistake among them.
    ok: bool,
    /// Every entry named a sound shared input, so rules across inputs may run.
    complete: bool,
}

/// The shared definitions an action lists, with its overrides applied; unknown, duplicate and
/// clashing entries are refused.
fn collect_inputs(
    entries: Vec<Spanned<RawInputRef>>,
    shared: &SharedInputs,
    what: &str,
    errors: &mut Collector<'_>,
) -> CollectedInputs {
    let mut inputs: Vec<Input> = Vec::new();
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut ok = true;
    let mut complete = true;
    for entry in entries {
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
            && !apply_override(&mut input, shared_input, over, what, errors)
        {
            ok = false;
        }
        inputs.push(input);
        spans.push(entry_span);
    }
    CollectedInputs {
        inputs,
        spans,
        ok,
        complete,
    }
}

/// An action with its inputs collected: what the rules across inputs look at.
struct Checked<'a> {
    what: &'a str,
    span: &'a Range<usize>,
    inputs: &'a [Input],
    input_spans: &'a [Range<usize>],
    raw_http_method: Option<&'a Spanned<String>>,
    raw_path: Option<&'a Spanned<String>>,
    raw_parent_path: Option<&'a Spanned<String>>,
    raw_body: Option<&'a Spanned<String>>,
    raw_result: &'a Spanned<String>,
    result: Option<ResultShape>,
    path: Option<&'a PathTemplate>,
    parent_path: Option<&'a PathTemplate>,
    body: Option<BodyWrap>,
}

impl Checked<'_> {
    fn find(&self, key: &str) -> Option<&Input> {
        self.inputs.iter().find(|input| input.key == key)
    }

    fn request_inputs(&self, field: RequestField) -> usize {
        self.inputs
            .iter()
            .filter(|input| input.location == Location::Request(field))
            .count()
    }

    fn inputs_with_spans(&self) -> impl Iterator<Item = (&Input, &Range<usize>)> {
        self.inputs.iter().zip(self.input_spans)
    }

    fn placeholders(&self, template: Option<&PathTemplate>) -> Vec<String> {
        template
            .map(|t| t.placeholders().map(str::to_owned).collect())
            .unwrap_or_default()
    }
}

/// A rule across an action's inputs: reports its mistakes, and says whether there were none.
type Rule = fn(&Checked<'_>, &mut Collector<'_>) -> bool;

/// Every rule across an action's inputs, by name, in the order their mistakes are reported.
const ACTION_RULES: [(&str, Rule); 11] = [
    (
        "method and path have one source",
        method_and_path_have_one_source,
    ),
    ("one input per request field", one_input_per_request_field),
    (
        "placeholders name path inputs",
        placeholders_name_path_inputs,
    ),
    ("a parent path extends the path", parent_path_extends_path),
    ("path inputs appear in a path", path_inputs_appear_in_a_path),
    ("one kind of body", one_kind_of_body),
    (
        "method and path inputs have a value",
        method_and_path_inputs_have_a_value,
    ),
    (
        "file names belong to multipart files",
        file_names_belong_to_multipart_files,
    ),
    ("a batch goes with a multi-record result", batch_fits_result),
    ("a job is created by a POST", jobs_are_created_by_a_post),
    (
        "body field paths do not overlap",
        body_field_paths_do_not_overlap,
    ),
];

/// A job result shape (`crm_bulk_read`, `crm_bulk_write`) is created by `POST` to its `path`;
/// the `job.*` request fields belong to job actions only.
fn jobs_are_created_by_a_post(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let name = a.raw_result.get_ref();
    let is_job = a.result.is_some_and(ResultShape::is_job);
    let mut ok = true;
    if is_job && a.raw_http_method.is_some_and(|m| m.get_ref() != "POST") {
        if let Some(method) = a.raw_http_method {
            errors.error(
                method.span(),
                format!("{what} has result `{name}`, a job, which is created by a POST to its `path`; allowed: http_method = \"POST\""),
            );
        }
        ok = false;
    }
    if !is_job {
        for (input, span) in a.inputs_with_spans() {
            if let Location::Request(
                field @ (RequestField::JobPollInterval | RequestField::JobMaxWait),
            ) = input.location
            {
                errors.error(
                    span.clone(),
                    format!("input `{}` of {what} sets `{}`, but result `{name}` runs no job; allowed: result = \"crm_bulk_read\" or \"crm_bulk_write\"", input.key, field.name()),
                );
                ok = false;
            }
        }
    }
    ok
}

/// `body_field` wires are keys or dotted paths (`query.module.api_name`); no path may be set
/// twice or lie inside another input's value.
fn body_field_paths_do_not_overlap(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let mut ok = true;
    let fields: Vec<(&Input, &Range<usize>, Vec<&str>)> = a
        .inputs_with_spans()
        .filter_map(|(input, span)| match &input.location {
            Location::BodyField { wire } => Some((input, span, wire.split('.').collect())),
            _ => None,
        })
        .collect();
    for (index, (input, span, path)) in fields.iter().enumerate() {
        if path.iter().any(|segment| segment.is_empty()) {
            errors.error(
                (*span).clone(),
                format!("input `{}` of {what} has an empty segment in its body field path; allowed: keys joined with `.`, such as \"query.module.api_name\"", input.key),
            );
            ok = false;
            continue;
        }
        let clash = fields[..index].iter().find(|(_, _, earlier)| {
            let shorter = earlier.len().min(path.len());
            earlier[..shorter] == path[..shorter]
        });
        if let Some((earlier, _, _)) = clash {
            errors.error(
                (*span).clone(),
                format!("input `{}` of {what} sets a body field that input `{}` also sets or holds; allowed: paths that are not the same and not one inside the other", input.key, earlier.key),
            );
            ok = false;
        }
    }
    ok
}

/// A multi-record result shape (`crm_write_many`, `crm_delete_many`) has exactly one required
/// `in = "batch"` input of the type it sends in chunks; no other shape has one.
fn batch_fits_result(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let batches: Vec<(&Input, &Range<usize>)> = a
        .inputs_with_spans()
        .filter(|(input, _)| input.location == Location::Batch)
        .collect();
    let Some(result) = a.result else {
        return true;
    };
    let name = a.raw_result.get_ref();
    match (result.batch_type(), batches.as_slice()) {
        (None, []) => true,
        (None, [(input, span), ..]) => {
            errors.error(
                (*span).clone(),
                format!("input `{}` of {what} has in = \"batch\", but result `{name}` sends one request; allowed: result = \"crm_write_many\" or \"crm_delete_many\" (or \"crm_bulk_write\" for a bulk job)", input.key),
            );
            false
        }
        (Some(kind), []) => {
            errors.error(
                a.raw_result.span(),
                format!("{what} has result `{name}` but no input with in = \"batch\"; add one `{}` input holding the items to send", kind.name()),
            );
            false
        }
        (Some(kind), [(input, span)]) => {
            if input.ty.kind() != kind || !input.required {
                errors.error(
                    (*span).clone(),
                    format!(
                        "batch input `{}` of {what} must be a required `{}` for result `{name}`",
                        input.key,
                        kind.name()
                    ),
                );
                return false;
            }
            true
        }
        (Some(_), [_, (input, span), ..]) => {
            errors.error(
                (*span).clone(),
                format!(
                    "{what} has more than one input with in = \"batch\" (`{}` too); keep one",
                    input.key
                ),
            );
            false
        }
    }
}

/// Method and path come from the spec or from an input, never both, and never neither.
fn method_and_path_have_one_source(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let mut ok = true;
    match (a.raw_http_method, a.request_inputs(RequestField::Method)) {
        (None, 0) => {
            errors.error(
                a.span.clone(),
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
    match (a.raw_path, a.request_inputs(RequestField::Path)) {
        (None, 0) => {
            errors.error(
                a.span.clone(),
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
    ok
}

/// At most one input sets each request field, and at most one picks the connection.
fn one_input_per_request_field(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let mut ok = true;
    for (field_name, field, _) in RequestField::ALL {
        if a.request_inputs(field) > 1 {
            errors.error(
                a.span.clone(),
                format!(
                    "{what} has several inputs setting the request field `{field_name}`; keep one"
                ),
            );
            ok = false;
        }
    }
    if a.inputs
        .iter()
        .filter(|input| input.location == Location::Client)
        .count()
        > 1
    {
        errors.error(
            a.span.clone(),
            format!("{what} has several connection inputs; keep one"),
        );
        ok = false;
    }
    ok
}

/// Every placeholder of `path` and `parent_path` names an input that goes in the path.
fn placeholders_name_path_inputs(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let mut ok = true;
    for (template, raw_template) in [(a.path, a.raw_path), (a.parent_path, a.raw_parent_path)] {
        let (Some(template), Some(raw_template)) = (template, raw_template) else {
            continue;
        };
        for key in template.placeholders() {
            match a.find(key) {
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
    ok
}

/// A parent path uses every placeholder the path uses.
fn parent_path_extends_path(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let mut ok = true;
    if let (Some(_), Some(raw_parent)) = (a.parent_path, a.raw_parent_path) {
        for key in &a.placeholders(a.path) {
            if !a.placeholders(a.parent_path).contains(key) {
                errors.error(
                    raw_parent.span(),
                    format!("`parent_path` of {what} does not use `{{{key}}}`, which `path` uses; a parent path extends the path"),
                );
                ok = false;
            }
        }
    }
    ok
}

/// Every path input appears in `path` (then it always has a value) or only in `parent_path` (then it is optional without a default).
fn path_inputs_appear_in_a_path(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let mut ok = true;
    let (in_path, in_parent) = (a.placeholders(a.path), a.placeholders(a.parent_path));
    for (input, input_span) in a.inputs_with_spans() {
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
    ok
}

/// Record inputs need a `body` wrapping; a whole-body input shares the body with neither a wrapped record nor body fields.
fn one_kind_of_body(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let mut ok = true;
    let has_record = a
        .inputs
        .iter()
        .any(|i| matches!(i.location, Location::Record | Location::RecordField { .. }));
    let has_whole_body = a.inputs.iter().any(|i| i.location == Location::Body);
    match (a.raw_body, a.body) {
        (None, _) if has_record => {
            errors.error(
                a.span.clone(),
                format!("{what} has record inputs but no `body`; allowed: body = \"crm_record\" or \"books_record\""),
            );
            ok = false;
        }
        (Some(raw_body), Some(BodyWrap::CrmWatch)) if has_record => {
            errors.error(
                raw_body.span(),
                format!("{what} wraps a notification channel, which is made of inputs with in = \"body_field\", but also has record inputs; allowed: body = \"crm_record\" or \"books_record\" for records"),
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
        && a.inputs
            .iter()
            .any(|i| matches!(i.location, Location::BodyField { .. }))
    {
        errors.error(
            a.span.clone(),
            format!("{what} has an input with in = \"body\" (the whole body) and inputs with in = \"body_field\"; keep one kind"),
        );
        ok = false;
    }
    ok
}

/// An input that sets the method or path is required or has a default; a `file_map` input is optional.
fn method_and_path_inputs_have_a_value(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let mut ok = true;
    for (input, input_span) in a.inputs_with_spans() {
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
    ok
}

/// A file-name input names a multipart `file` (for a string) or `file_map` (for a string map) input.
fn file_names_belong_to_multipart_files(a: &Checked<'_>, errors: &mut Collector<'_>) -> bool {
    let what = a.what;
    let mut ok = true;
    for (input, input_span) in a.inputs_with_spans() {
        if let Location::FileName { of } = &input.location {
            let target = a.find(of);
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
    ok
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
    if over.location.is_some() || over.wire.is_some() {
        match relocate(input, &over, &input_what, errors) {
            Some(location) => input.location = location,
            None => ok = false,
        }
    }
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

/// `body_constants = { key = value }`: scalars, in a wrapped body, on keys no input sets.
fn check_body_constants(
    raw: Spanned<toml::Table>,
    body: Option<BodyWrap>,
    inputs: &[Input],
    what: &str,
    errors: &mut Collector<'_>,
) -> Option<Vec<(String, Value)>> {
    let span = raw.span();
    if body.is_none() {
        errors.error(
            span,
            format!("`body_constants` of {what} need a body to go into; allowed: with body = \"crm_record\", \"books_record\" or \"crm_watch\""),
        );
        return None;
    }
    let mut ok = true;
    let mut constants = Vec::new();
    for (key, value) in raw.into_inner() {
        let json = match value {
            toml::Value::Boolean(flag) => Value::Bool(flag),
            toml::Value::Integer(number) => Value::from(number),
            toml::Value::String(text) => Value::String(text),
            other => {
                errors.error(
                    span.clone(),
                    format!("body constant `{key}` of {what} is {}; allowed: a boolean, an integer or a string", with_article(other.type_str())),
                );
                ok = false;
                continue;
            }
        };
        let clash = inputs
            .iter()
            .find(|input| matches!(&input.location, Location::BodyField { wire } if *wire == key));
        if let Some(input) = clash {
            errors.error(
                span.clone(),
                format!("body constant `{key}` of {what} is also set by input `{}`; allowed: a key no `body_field` input uses", input.key),
            );
            ok = false;
            continue;
        }
        constants.push((key, json));
    }
    ok.then_some(constants)
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

/// An override's `in` and `wire`: checked as the shared input's would be (type and location
/// fit, `wire` only where one is used).
fn relocate(
    input: &Input,
    over: &RawOverride,
    what: &str,
    errors: &mut Collector<'_>,
) -> Option<Location> {
    let Some(location) = over.location.clone() else {
        let at = over
            .wire
            .as_ref()
            .map_or_else(|| over.key.span(), Spanned::span);
        errors.error(
            at,
            format!("{what} overrides `wire` without `in`; give both, e.g. in = \"query\", wire = \"module\""),
        );
        return None;
    };
    let span = location.span();
    let raw = crate::raw::RawInput {
        label: None,
        comment: None,
        ty: Spanned::new(span.clone(), input.ty.name().to_owned()),
        values: None,
        required: None,
        default: None,
        when_omitted: None,
        location: Some(location),
        wire: over.wire.clone(),
        field: None,
        of: None,
        min: None,
        max: None,
    };
    super::input::check_location(&input.key, what, &input.ty, &raw, &span, errors)
}
