//! `to_request`: where each input goes, implemented once per location (never per action). The
//! generated code names fields and wire names; the runtime's small helpers (`rt::append`,
//! `rt::value`, `rt::insert`, ...) do the rest, each once.

use action_spec::{
    Action, BodyWrap, Input, InputType, Location, OperationPath, ParentIdPlace, PathPart,
    PathTemplate, RecordPaths, RequestField,
};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::generate::{Presence, field_ident, given, is_copy, presence};

pub(crate) fn to_request(
    action: &Action,
    record_paths: &[(&RecordPaths, &OperationPath)],
) -> TokenStream {
    let result = format_ident!("{}", action.result.variant());
    let idempotent = action.idempotent;

    let checks = action.inputs.iter().filter_map(range_check);
    let one_of = action.one_of.iter().map(|group| {
        // The spec allows only optional inputs without a default here: `Option` fields.
        let pairs = group
            .iter()
            .filter_map(|key| action.input(key))
            .map(|input| {
                let key = &input.key;
                let field = field_ident(input);
                quote!((#key, self.#field.is_some()))
            });
        quote!(rt::exactly_one(&[#(#pairs),*])?;)
    });
    let method = method(action);
    let (path, place_parent) = match routed_path(action, record_paths) {
        Some((path, place)) => (quote!(let (path, routed, keys) = #path;), Some(place)),
        None => {
            let path = path(action);
            (quote!(let path = #path;), None)
        }
    };
    let constants = action
        .query
        .iter()
        .map(|(key, value)| quote!(rt::query_constant(&mut request.query, #key, #value);));
    let placements = action.inputs.iter().filter_map(placement);
    let body = body(action);
    let record = action.record.as_ref().map(|record| {
        let find = |key: &str| action.input(key).map(given);
        let record_type = find(&record.record_type);
        let record_id = find(&record.record_id);
        quote!(request.record = rt::record(#record_type, #record_id);)
    });

    quote! {
        fn to_request(&self) -> rt::Result<rt::ActionRequest> {
            #(#checks)*
            #(#one_of)*
            #path
            let mut request = rt::request::<Self>(PRODUCT, #method, path);
            request.result = rt::ResultShape::#result;
            request.idempotent = #idempotent;
            #(#constants)*
            #(#placements)*
            #body
            #place_parent
            #record
            Ok(request)
        }
    }
}

fn range_check(input: &Input) -> Option<TokenStream> {
    if input.ty != InputType::Integer || (input.min.is_none() && input.max.is_none()) {
        return None;
    }
    let key = &input.key;
    let field = field_ident(input);
    let bound = |bound: Option<u64>| match bound {
        Some(bound) => quote!(Some(#bound)),
        None => quote!(None),
    };
    let (min, max) = (bound(input.min), bound(input.max));
    Some(quote!(rt::check_range(#key, self.#field, #min, #max)?;))
}

fn method(action: &Action) -> TokenStream {
    if let Some(method) = action.http_method {
        let variant = format_ident!(
            "{}",
            action_spec::upper_camel(&method.as_str().to_lowercase())
        );
        return quote!(rt::Method::#variant);
    }
    match action
        .inputs
        .iter()
        .find(|input| input.location == Location::Request(RequestField::Method))
    {
        // The input's enum converts to the runtime's `Method` (generated `From`).
        Some(input) => {
            let field = field_ident(input);
            quote!(self.#field.into())
        }
        None => quote!(rt::Method::Get),
    }
}

fn path(action: &Action) -> TokenStream {
    let Some(template) = &action.path else {
        let Some(input) = action
            .inputs
            .iter()
            .find(|input| input.location == Location::Request(RequestField::Path))
        else {
            return quote!(rt::RequestPath::Raw(String::new()));
        };
        let field = field_ident(input);
        return quote!(rt::RequestPath::Raw(self.#field.clone()));
    };
    let parents = action.parent_inputs();
    let Some(parent_template) = action.parent_path.as_ref().filter(|_| !parents.is_empty()) else {
        return segments(action, template, &[]);
    };
    let bound: Vec<(String, Ident)> = parents
        .iter()
        .map(|input| (input.key.clone(), field_ident(input)))
        .collect();
    let names = bound.iter().map(|(_, ident)| ident);
    let givens = parents.iter().map(|input| {
        let key = &input.key;
        let value = given(input);
        quote!((#key, rt::wire(#value)))
    });
    let with_parent = segments(action, parent_template, &bound);
    let without = segments(action, template, &[]);
    quote! {
        match rt::all_or_none([#(#givens),*])? {
            Some([#(#names),*]) => #with_parent,
            None => #without,
        }
    }
}

/// The path of an action that consults `record_paths`: the entry for the record type given, or
/// the action's own templates; and the statement that places the parent id afterwards.
fn routed_path(
    action: &Action,
    record_paths: &[(&RecordPaths, &OperationPath)],
) -> Option<(TokenStream, TokenStream)> {
    let keys = action.record_path_keys()?;
    if record_paths.is_empty() {
        return None;
    }
    let input = |key: &str| action.input(key);
    let (record_type, parent_type, parent_id) = (
        input(keys.record_type)?,
        input(keys.parent_type)?,
        input(keys.parent_id)?,
    );
    let entries = record_paths.iter().map(|(entry, operation)| {
        let record = &entry.record_type;
        let parent = match &entry.parent {
            Some(parent) => quote!(Some(#parent)),
            None => quote!(None),
        };
        let pieces = operation.path.segments.iter().map(|part| match part {
            PathPart::Literal(text) => quote!(rt::PathPiece::Literal(#text)),
            PathPart::Input(key) => quote!(rt::PathPiece::Input(#key)),
        });
        let place = match &operation.parent_id {
            ParentIdPlace::Path => quote!(rt::ParentId::Path),
            ParentIdPlace::Query(wire) => quote!(rt::ParentId::Query(#wire)),
            ParentIdPlace::BodyField(wire) => quote!(rt::ParentId::BodyField(#wire)),
            ParentIdPlace::NotSent => quote!(rt::ParentId::NotSent),
        };
        quote! {
            rt::RecordPath {
                record_type: #record,
                parent: #parent,
                path: &[#(#pieces),*],
                parent_id: #place,
            }
        }
    });
    let (type_key, parent_type_key, parent_id_key) =
        (keys.record_type, keys.parent_type, keys.parent_id);
    let values = action
        .inputs
        .iter()
        .filter(|input| input.location == Location::Path)
        .filter(|input| ![type_key, parent_type_key, parent_id_key].contains(&input.key.as_str()))
        .map(|input| {
            let key = &input.key;
            let value = given(input);
            quote!((#key, rt::wire(#value)))
        });
    let (record_value, parent_type_value, parent_id_value) =
        (given(record_type), given(parent_type), given(parent_id));
    let (parent_type_field, parent_id_field) = (field_ident(parent_type), field_ident(parent_id));
    let bound = [
        (parent_type.key.clone(), parent_type_field.clone()),
        (parent_id.key.clone(), parent_id_field.clone()),
    ];
    let with_parent = segments(action, action.parent_path.as_ref()?, &bound);
    let without = segments(action, action.path.as_ref()?, &[]);
    let path = quote! {{
        const RECORD_PATHS: &[rt::RecordPath] = &[#(#entries),*];
        const KEYS: rt::RecordPathKeys = rt::RecordPathKeys {
            record_type: #type_key,
            parent_type: #parent_type_key,
            parent_id: #parent_id_key,
        };
        let parents = rt::all_or_none([
            (#parent_type_key, rt::wire(#parent_type_value)),
            (#parent_id_key, rt::wire(#parent_id_value)),
        ])?;
        let record_type = rt::wire(#record_value).unwrap_or_default();
        let routed = rt::route_record(RECORD_PATHS, KEYS, &record_type, parents.as_ref(), &[#(#values),*])?;
        let path = match (routed.path.clone(), parents) {
            (Some(path), _) => path,
            (None, Some([#parent_type_field, #parent_id_field])) => #with_parent,
            (None, None) => #without,
        };
        (path, routed, KEYS)
    }};
    let place = quote!(rt::place_parent(&mut request, &routed, keys)?;);
    Some((path, place))
}

/// The segments of a template; `bound` names variables already holding parent values.
fn segments(action: &Action, template: &PathTemplate, bound: &[(String, Ident)]) -> TokenStream {
    let parts = template.segments.iter().map(|part| match part {
        PathPart::Literal(text) => quote!(rt::literal(#text)),
        PathPart::Input(key) => {
            let value = match bound.iter().find(|(bound_key, _)| bound_key == key) {
                Some((_, ident)) => quote!(&#ident),
                None => match action.input(key) {
                    Some(input) => {
                        let field = field_ident(input);
                        quote!(&self.#field)
                    }
                    None => quote!(&String::new()),
                },
            };
            quote!(rt::value(#key, #value))
        }
    });
    quote!(rt::path([#(#parts),*]))
}

/// Where a request option goes and how a value becomes it.
struct Setting {
    /// The place in `request` (`request.retry.delay`).
    target: TokenStream,
    /// Whether the place is an `Option` (`request.timeout`), set only when the input is given.
    optional_target: bool,
    /// How the input's value becomes the option's.
    convert: Convert,
}

#[derive(Clone, Copy)]
enum Convert {
    /// As it is.
    Same,
    /// Milliseconds to a `Duration`.
    Millis,
    /// A spec enum to the runtime's enum (generated `From`).
    Into,
    /// `u64` to `u32`, refused when too large.
    ToU32,
}

impl Convert {
    fn apply(self, key: &str, value: TokenStream) -> TokenStream {
        match self {
            Convert::Same => value,
            Convert::Millis => quote!(rt::millis(#value)),
            Convert::Into => quote!(#value.into()),
            Convert::ToU32 => quote!(rt::to_u32(#key, #value)?),
        }
    }
}

fn setting(field: RequestField) -> Option<Setting> {
    let (target, optional_target, convert) = match field {
        RequestField::DebugRequest => (quote!(request.debug_request), false, Convert::Same),
        RequestField::Timeout => (quote!(request.timeout), true, Convert::Millis),
        RequestField::RetryDelay => (quote!(request.retry.delay), false, Convert::Millis),
        RequestField::MaxRetries => (quote!(request.retry.max_retries), false, Convert::ToU32),
        RequestField::ExponentialBackoff => (
            quote!(request.retry.exponential_backoff),
            false,
            Convert::Same,
        ),
        RequestField::RetryOnAllErrors => (
            quote!(request.retry.retry_on_all_errors),
            false,
            Convert::Same,
        ),
        RequestField::ResponseType => (quote!(request.response_type), false, Convert::Into),
        RequestField::FetchAll => (quote!(request.paging.fetch_all), false, Convert::Same),
        RequestField::MaxRecords => (quote!(request.paging.max_records), true, Convert::Same),
        RequestField::OrganizationId => (quote!(request.organization_id), true, Convert::Same),
        RequestField::Validate => (quote!(request.validate), false, Convert::Same),
        RequestField::JobPollInterval => (quote!(request.job.poll_interval), true, Convert::Millis),
        RequestField::JobMaxWait => (quote!(request.job.max_wait), true, Convert::Millis),
        RequestField::Method | RequestField::Path => return None,
    };
    Some(Setting {
        target,
        optional_target,
        convert,
    })
}

/// `target = value` for a request option, as the input's presence and the target's say.
fn set(input: &Input, setting: Setting) -> TokenStream {
    let field = field_ident(input);
    let Setting {
        target,
        optional_target,
        convert,
    } = setting;
    let owned = if is_copy(input) {
        quote!(self.#field)
    } else {
        quote!(self.#field.clone())
    };
    let key = &input.key;
    // An absent input leaves the option as `ActionRequest::new` set it.
    match (presence(input), optional_target) {
        (Presence::Optional, true) => {
            let value = match convert {
                Convert::Same => owned,
                _ => {
                    let value = convert.apply(key, quote!(value));
                    quote!(#owned.map(|value| #value))
                }
            };
            quote!(rt::set_given(&mut #target, #value);)
        }
        (Presence::Optional, false) => {
            let value = convert.apply(key, quote!(value));
            quote! {
                if let Some(value) = #owned {
                    #target = #value;
                }
            }
        }
        (Presence::Required | Presence::Defaulted, optional_target) => {
            let value = convert.apply(key, owned);
            let value = if optional_target {
                quote!(Some(#value))
            } else {
                value
            };
            quote!(#target = #value;)
        }
    }
}

/// Query, headers and request options of one input.
fn placement(input: &Input) -> Option<TokenStream> {
    let value = given(input);
    Some(match &input.location {
        Location::Query { wire } => match input.ty {
            InputType::StringMap => quote!(rt::extend(&mut request.query, #value);),
            _ => quote!(rt::append(&mut request.query, #wire, #value);),
        },
        Location::Header { wire } => match (&input.ty, wire) {
            (InputType::StringMap, _) => quote!(rt::extend(&mut request.headers, #value);),
            (_, Some(wire)) => quote!(rt::append(&mut request.headers, #wire, #value);),
            (_, None) => return None,
        },
        Location::Request(field) => set(input, setting(*field)?),
        Location::Batch => {
            let key = &input.key;
            quote!(request.batch = rt::batch(#key, #value);)
        }
        _ => return None,
    })
}

fn body(action: &Action) -> TokenStream {
    let of = |wanted: fn(&Location) -> bool| -> Vec<&Input> {
        action
            .inputs
            .iter()
            .filter(|input| wanted(&input.location))
            .collect()
    };
    let records = of(|l| *l == Location::Record);
    let record_fields = of(|l| matches!(l, Location::RecordField { .. }));
    let wholes = of(|l| *l == Location::Body);
    let fields = of(|l| matches!(l, Location::BodyField { .. }));
    let multiparts = of(|l| matches!(l, Location::Multipart { .. }));

    let insert_fields = |target: &Ident| -> Vec<TokenStream> {
        fields
            .iter()
            .filter_map(|input| {
                let Location::BodyField { wire } = &input.location else {
                    return None;
                };
                let value = given(input);
                Some(quote!(rt::insert(&mut #target, #wire, #value);))
            })
            .collect()
    };

    if let Some(wrap) = action.body {
        // Record fields go after the merged record inputs: a named field wins a clash.
        let merges = |target: &Ident| -> Vec<TokenStream> {
            records
                .iter()
                .map(|input| {
                    let value = given(input);
                    quote!(rt::merge(&mut #target, #value);)
                })
                .chain(record_fields.iter().filter_map(|input| {
                    let Location::RecordField { wire } = &input.location else {
                        return None;
                    };
                    let value = given(input);
                    Some(quote!(rt::insert(&mut #target, #wire, #value);))
                }))
                .collect()
        };
        let constants = |target: &Ident| -> Vec<TokenStream> {
            action
                .body_constants
                .iter()
                .map(|(key, value)| {
                    let value = constant(value);
                    quote!(rt::body_constant(&mut #target, #key, #value);)
                })
                .collect()
        };
        let body = format_ident!("body");
        if wrap == BodyWrap::CrmWatch {
            let channel = format_ident!("channel");
            let inserts = insert_fields(&channel);
            let constants = constants(&channel);
            return quote! {
                let mut channel = rt::JsonMap::new();
                #(#inserts)*
                #(#constants)*
                request.body = rt::json_body(rt::crm_watch(channel));
            };
        }
        let mut inserts = insert_fields(&body);
        inserts.extend(constants(&body));
        let mutable = (!inserts.is_empty()).then(|| quote!(mut));
        // Record inputs merge in spec order: a later input wins a clash (Values over Dynamic Fields).
        let build = match wrap {
            BodyWrap::CrmRecord => {
                let record = format_ident!("record");
                let merges = merges(&record);
                quote! {
                    let mut record = rt::JsonMap::new();
                    #(#merges)*
                    let #mutable body = rt::crm_record(record);
                }
            }
            BodyWrap::BooksRecord | BodyWrap::CrmWatch => {
                let merges = merges(&body);
                quote! {
                    let mut body = rt::JsonMap::new();
                    #(#merges)*
                }
            }
        };
        return quote! {
            #build
            #(#inserts)*
            request.body = rt::json_body(body);
        };
    }
    if wholes.is_empty() && fields.is_empty() && multiparts.is_empty() {
        return TokenStream::new();
    }

    let json = if !wholes.is_empty() {
        // A later whole-body input wins.
        let mut json = quote!(None);
        for input in &wholes {
            let value = given(input);
            json = if json.to_string() == "None" {
                quote!(rt::json(#value))
            } else {
                quote!(rt::json(#value).or(#json))
            };
        }
        quote!(let json = #json;)
    } else if !fields.is_empty() {
        let object = format_ident!("object");
        let inserts = insert_fields(&object);
        quote! {
            let mut object = rt::JsonMap::new();
            #(#inserts)*
            let json = rt::non_empty(object);
        }
    } else {
        quote!(let json = None;)
    };

    let parts = if multiparts.is_empty() {
        quote!(let parts = Vec::new();)
    } else {
        let pushes = multiparts.iter().map(|input| multipart(action, input));
        quote! {
            let mut parts = Vec::new();
            #(#pushes)*
        }
    };
    let list = |inputs: &[&Input]| {
        inputs
            .iter()
            .map(|input| input.key.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let json_keys = list(&[wholes.as_slice(), fields.as_slice()].concat());
    let multipart_keys = list(&multiparts);
    quote! {
        #json
        #parts
        request.body = rt::body(json, parts, #json_keys, #multipart_keys)?;
    }
}

/// A body constant as a literal: the spec allows only booleans, integers and strings.
fn constant(value: &serde_json::Value) -> TokenStream {
    match value {
        serde_json::Value::Bool(flag) => quote!(#flag),
        serde_json::Value::Number(number) => match number.as_i64() {
            Some(number) => quote!(#number),
            None => quote!(0i64),
        },
        serde_json::Value::String(text) => quote!(#text),
        _ => quote!(()),
    }
}

fn multipart(action: &Action, input: &Input) -> TokenStream {
    let Location::Multipart { wire } = &input.location else {
        return TokenStream::new();
    };
    let names = action.inputs.iter().find(
        |candidate| matches!(&candidate.location, Location::FileName { of } if *of == input.key),
    );
    let value = given(input);
    match input.ty {
        InputType::File => {
            let file_name = match names {
                Some(names) => given(names),
                None => quote!(None),
            };
            quote!(rt::file_part(&mut parts, #wire, #value, #file_name);)
        }
        InputType::FileMap => {
            let files_key = &input.key;
            let (names_key, names) = match names {
                Some(names) => (names.key.as_str(), given(names)),
                None => ("", quote!(None)),
            };
            quote! {
                rt::file_parts(&mut parts, (#files_key, #value), (#names_key, #names))?;
            }
        }
        InputType::StringMap => quote!(rt::text_parts(&mut parts, #value);),
        _ => TokenStream::new(),
    }
}
