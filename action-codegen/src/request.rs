//! `to_request`: where each input goes, implemented once per location (never per action).

use action_spec::{
    Action, BodyWrap, Input, InputType, Location, PathPart, PathTemplate, RequestField,
};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::generate::{
    Presence, field_ident, optional_wire_text, presence, runtime, to_json, wire_text, with_value,
};

pub(crate) fn to_request(action: &Action) -> TokenStream {
    let p = runtime();
    let method_name = action.method_name();
    let product = match action.product {
        action_spec::Product::Crm => quote!(#p::zoho_core::Product::Crm),
        action_spec::Product::Books => quote!(#p::zoho_core::Product::Books),
    };
    let result = format_ident!("{}", action.result.variant());
    let idempotent = action.idempotent;

    let checks = action.inputs.iter().filter_map(range_check);
    let method = method(action);
    let path = path(action);
    let placements = action.inputs.iter().filter_map(placement);
    let body = body(action);
    let record = action.record.as_ref().map(|record| {
        let find = |key: &str| action.input(key).map(optional_wire_text);
        let record_type = find(&record.record_type);
        let record_id = find(&record.record_id);
        quote!(request.record = #p::record_ref(#record_type, #record_id);)
    });

    quote! {
        /// The HTTP call this action makes, as data; checks the inputs the types cannot.
        pub fn to_request(
            &self,
        ) -> ::core::result::Result<#p::zoho_core::ActionRequest, #p::zoho_core::Error> {
            #(#checks)*
            let method = #method;
            let path = #path;
            let mut request = #p::zoho_core::ActionRequest::new(#method_name, #product, method, path);
            request.result = #p::zoho_core::ResultShape::#result;
            request.idempotent = #idempotent;
            #(#placements)*
            #body
            #record
            ::core::result::Result::Ok(request)
        }
    }
}

fn range_check(input: &Input) -> Option<TokenStream> {
    if input.ty != InputType::Integer || (input.min.is_none() && input.max.is_none()) {
        return None;
    }
    let p = runtime();
    let key = &input.key;
    let bound = |bound: Option<u64>| match bound {
        Some(bound) => quote!(::core::option::Option::Some(#bound)),
        None => quote!(::core::option::Option::None),
    };
    let (min, max) = (bound(input.min), bound(input.max));
    Some(with_value(
        input,
        quote!(#p::check_range(#key, *value, #min, #max)?;),
    ))
}

fn method(action: &Action) -> TokenStream {
    let p = runtime();
    if let Some(method) = action.http_method {
        let variant = format_ident!(
            "{}",
            action_spec::upper_camel(&method.as_str().to_lowercase())
        );
        return quote!(#p::zoho_core::Method::#variant);
    }
    match action
        .inputs
        .iter()
        .find(|input| input.location == Location::Request(RequestField::Method))
    {
        Some(input) => {
            let key = &input.key;
            let field = field_ident(input);
            let text = wire_text(input);
            quote!(#p::method(#key, &{
                let value = &self.#field;
                #text
            })?)
        }
        None => quote!(#p::zoho_core::Method::Get),
    }
}

fn path(action: &Action) -> TokenStream {
    let p = runtime();
    let Some(template) = &action.path else {
        let Some(input) = action
            .inputs
            .iter()
            .find(|input| input.location == Location::Request(RequestField::Path))
        else {
            return quote!(#p::zoho_core::RequestPath::Raw(::std::string::String::new()));
        };
        let field = field_ident(input);
        return quote!(#p::zoho_core::RequestPath::Raw(self.#field.clone()));
    };
    let parents = action.parent_inputs();
    let Some(parent_template) = action.parent_path.as_ref().filter(|_| !parents.is_empty()) else {
        return segments(action, template, &[]);
    };
    let bound: Vec<(String, Ident)> = parents
        .iter()
        .map(|input| {
            (
                input.key.clone(),
                format_ident!("parent_{}", input.field_name()),
            )
        })
        .collect();
    let names = bound.iter().map(|(_, ident)| ident);
    let givens = parents.iter().map(|input| {
        let key = &input.key;
        let value = optional_wire_text(input);
        quote!((#key, #value))
    });
    let with_parent = segments(action, parent_template, &bound);
    let without = segments(action, template, &[]);
    quote! {
        match #p::all_or_none([#(#givens),*])? {
            ::core::option::Option::Some([#(#names),*]) => #with_parent,
            ::core::option::Option::None => #without,
        }
    }
}

/// The segments of a template; `bound` names variables already holding parent values.
fn segments(action: &Action, template: &PathTemplate, bound: &[(String, Ident)]) -> TokenStream {
    let p = runtime();
    let parts = template.segments.iter().map(|part| match part {
        PathPart::Literal(text) => quote!(#p::zoho_core::PathSegment::Literal(#text)),
        PathPart::Input(key) => {
            let value = match bound.iter().find(|(bound_key, _)| bound_key == key) {
                Some((_, ident)) => quote!(#ident),
                None => match action.input(key) {
                    Some(input) => {
                        let field = field_ident(input);
                        let text = wire_text(input);
                        quote!({
                            let value = &self.#field;
                            #text
                        })
                    }
                    None => quote!(::std::string::String::new()),
                },
            };
            quote!(#p::zoho_core::PathSegment::Value { input: #key, value: #value })
        }
    });
    quote!(#p::zoho_core::RequestPath::Segments(::std::vec![#(#parts),*]))
}

/// Query, headers and request options of one input.
fn placement(input: &Input) -> Option<TokenStream> {
    let p = runtime();
    let key = &input.key;
    let body = match &input.location {
        Location::Query { wire } => match input.ty {
            InputType::StringList => quote! {
                if !value.is_empty() {
                    request.query.push((::std::string::String::from(#wire), value.join(",")));
                }
            },
            InputType::StringMap => quote! {
                request.query.extend(value.iter().map(|(name, text)| (name.clone(), text.clone())));
            },
            _ => {
                let text = wire_text(input);
                quote!(request.query.push((::std::string::String::from(#wire), #text));)
            }
        },
        Location::Header { wire } => match (&input.ty, wire) {
            (InputType::StringMap, _) => quote! {
                request.headers.extend(value.iter().map(|(name, text)| (name.clone(), text.clone())));
            },
            (_, Some(wire)) => {
                let text = wire_text(input);
                quote!(request.headers.push((::std::string::String::from(#wire), #text));)
            }
            (_, None) => return None,
        },
        Location::Request(field) => match field {
            RequestField::DebugRequest => quote!(request.debug_request = *value;),
            RequestField::Timeout => quote! {
                request.timeout = ::core::option::Option::Some(::std::time::Duration::from_millis(*value));
            },
            RequestField::RetryDelay => {
                quote!(request.retry.delay = ::std::time::Duration::from_millis(*value);)
            }
            RequestField::MaxRetries => {
                quote!(request.retry.max_retries = #p::to_u32(#key, *value)?;)
            }
            RequestField::ExponentialBackoff => quote!(request.retry.exponential_backoff = *value;),
            RequestField::RetryOnAllErrors => quote!(request.retry.retry_on_all_errors = *value;),
            RequestField::ResponseType => {
                quote!(request.response_type = #p::response_type(#key, value.as_str())?;)
            }
            RequestField::FetchAll => quote!(request.paging.fetch_all = *value;),
            RequestField::MaxRecords => {
                quote!(request.paging.max_records = ::core::option::Option::Some(*value);)
            }
            RequestField::OrganizationId => {
                quote!(request.organization_id = ::core::option::Option::Some(value.clone());)
            }
            RequestField::Method | RequestField::Path => return None,
        },
        _ => return None,
    };
    Some(with_value(input, body))
}

fn body(action: &Action) -> TokenStream {
    let p = runtime();
    let of = |wanted: fn(&Location) -> bool| -> Vec<&Input> {
        action
            .inputs
            .iter()
            .filter(|input| wanted(&input.location))
            .collect()
    };
    let records = of(|l| *l == Location::Record);
    let wholes = of(|l| *l == Location::Body);
    let fields = of(|l| matches!(l, Location::BodyField { .. }));
    let multiparts = of(|l| matches!(l, Location::Multipart { .. }));

    let insert_fields = |target: TokenStream| -> Vec<TokenStream> {
        fields
            .iter()
            .map(|input| {
                let Location::BodyField { wire } = &input.location else {
                    return TokenStream::new();
                };
                let json = to_json(input);
                with_value(
                    input,
                    quote!(#target.insert(::std::string::String::from(#wire), #json);),
                )
            })
            .collect()
    };

    if let Some(wrap) = action.body {
        let merges = records
            .iter()
            .map(|input| with_value(input, quote!(record.extend(value.clone());)));
        let wrapped = match wrap {
            BodyWrap::CrmRecord => quote! {
                let mut body = #p::serde_json::Map::new();
                body.insert(
                    ::std::string::String::from("data"),
                    #p::serde_json::Value::Array(::std::vec![#p::serde_json::Value::Object(record)]),
                );
            },
            BodyWrap::BooksRecord if fields.is_empty() => quote!(let body = record;),
            BodyWrap::BooksRecord => quote!(let mut body = record;),
        };
        let inserts = insert_fields(quote!(body));
        return quote! {
            // Record inputs merge in spec order: a later input wins a clash (Values over Dynamic Fields).
            let mut record = #p::serde_json::Map::new();
            #(#merges)*
            #wrapped
            #(#inserts)*
            request.body = #p::zoho_core::RequestBody::Json(#p::serde_json::Value::Object(body));
        };
    }
    if wholes.is_empty() && fields.is_empty() && multiparts.is_empty() {
        return TokenStream::new();
    }

    let json = if !wholes.is_empty() {
        let sets = wholes.iter().map(|input| {
            let json = to_json(input);
            with_value(input, quote!(json = ::core::option::Option::Some(#json);))
        });
        quote! {
            let mut json: ::core::option::Option<#p::serde_json::Value> = ::core::option::Option::None;
            #(#sets)*
        }
    } else if !fields.is_empty() {
        let inserts = insert_fields(quote!(object));
        quote! {
            let mut object = #p::serde_json::Map::new();
            #(#inserts)*
            let json = (!object.is_empty()).then_some(#p::serde_json::Value::Object(object));
        }
    } else {
        quote!(let json: ::core::option::Option<#p::serde_json::Value> = ::core::option::Option::None;)
    };

    let parts = if multiparts.is_empty() {
        quote!(let parts = ::std::vec::Vec::new();)
    } else {
        let pushes = multiparts.iter().map(|input| multipart(action, input));
        quote! {
            let mut parts = ::std::vec::Vec::new();
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
        request.body = #p::body(json, parts, #json_keys, #multipart_keys)?;
    }
}

fn multipart(action: &Action, input: &Input) -> TokenStream {
    let p = runtime();
    let Location::Multipart { wire } = &input.location else {
        return TokenStream::new();
    };
    let names = action.inputs.iter().find(
        |candidate| matches!(&candidate.location, Location::FileName { of } if *of == input.key),
    );
    match input.ty {
        InputType::File => {
            let file_name = match names {
                Some(names) => {
                    let field = field_ident(names);
                    match presence(names) {
                        Presence::Optional => {
                            quote!(self.#field.clone().unwrap_or_else(|| ::std::string::String::from(#wire)))
                        }
                        _ => quote!(self.#field.clone()),
                    }
                }
                None => quote!(::std::string::String::from(#wire)),
            };
            with_value(
                input,
                quote! {
                    parts.push(#p::zoho_core::MultipartPart {
                        name: ::std::string::String::from(#wire),
                        file_name: ::core::option::Option::Some(#file_name),
                        content: value.clone(),
                    });
                },
            )
        }
        InputType::FileMap => {
            let files_key = &input.key;
            let files_field = field_ident(input);
            let (names_expr, names_check) = match names {
                Some(names) => {
                    let field = field_ident(names);
                    let names_key = &names.key;
                    (
                        quote!(self.#field.as_ref()),
                        quote! {
                            if let ::core::option::Option::Some(names) = &self.#field {
                                #p::names_match(#names_key, names, #files_key, self.#files_field.as_ref())?;
                            }
                        },
                    )
                }
                None => (quote!(::core::option::Option::None), TokenStream::new()),
            };
            let push = with_value(
                input,
                quote!(#p::file_parts(&mut parts, value, #names_expr);),
            );
            quote! {
                #names_check
                #push
            }
        }
        InputType::StringMap => with_value(input, quote!(#p::text_parts(&mut parts, value);)),
        _ => TokenStream::new(),
    }
}
