//! From a checked spec to Rust: the module layout, enum types and the pieces the struct,
//! request and dispatch generators share.

use action_spec::{Action, Input, InputType, Location, Product, Spec, variant_name};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

/// The runtime path every generated item goes through.
pub(crate) fn runtime() -> TokenStream {
    quote!(::zoho_actions::__private)
}

/// The whole expansion. `spec_path` is the spec's absolute path, included so edits rebuild.
pub(crate) fn generate(spec: &Spec, spec_path: &str) -> TokenStream {
    let enums = enum_types(spec);
    let products = [Product::Crm, Product::Books]
        .into_iter()
        .filter_map(|product| {
            let actions: Vec<&Action> = spec
                .actions
                .iter()
                .filter(|a| a.product == product)
                .collect();
            if actions.is_empty() {
                return None;
            }
            let module = format_ident!("{}", product.as_str());
            let doc = match product {
                Product::Crm => " Zoho CRM actions, one struct per action.",
                Product::Books => " Zoho Books actions, one struct per action.",
            };
            let items = actions
                .iter()
                .map(|action| crate::structs::action_struct(action));
            Some(quote! {
                #[doc = #doc]
                pub mod #module {
                    #(#items)*
                }
            })
        });
    let dispatch = crate::dispatch::dispatch(spec);
    let methods = crate::dispatch::methods(spec);
    quote! {
        /// The spec these actions were generated from; `action_spec::parse` reads it back for
        /// JSON Schema and OpenRPC. Including it also rebuilds this crate when the spec changes.
        pub const SPEC_TOML: &str = ::core::include_str!(#spec_path);

        #enums
        #(#products)*
        #dispatch
        #methods
    }
}

/// `pub mod types` with one enum per enum input.
fn enum_types(spec: &Spec) -> TokenStream {
    let mut seen: Vec<&str> = Vec::new();
    let mut enums = Vec::new();
    for input in spec.actions.iter().flat_map(|action| &action.inputs) {
        let InputType::Enum(values) = &input.ty else {
            continue;
        };
        if seen.contains(&input.key.as_str()) {
            continue;
        }
        seen.push(&input.key);
        enums.push(enum_type(input, values));
    }
    if enums.is_empty() {
        return TokenStream::new();
    }
    quote! {
        /// The enum inputs of the actions: one type per input, serialized as the spec's values.
        pub mod types {
            #(#enums)*
        }
    }
}

fn enum_type(input: &Input, values: &[String]) -> TokenStream {
    let p = runtime();
    let name = format_ident!("{}", input.enum_type_name());
    let doc = format!(" {}: {}", input.label, input.comment);
    let variants: Vec<Ident> = values
        .iter()
        .map(|value| format_ident!("{}", variant_name(value)))
        .collect();
    let variant_docs = values.iter().map(|value| format!(" `{value}`"));
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, #p::serde::Deserialize, #p::serde::Serialize)]
        #[serde(crate = "::zoho_actions::__private::serde")]
        pub enum #name {
            #(
                #[doc = #variant_docs]
                #[serde(rename = #values)]
                #variants,
            )*
        }

        impl #name {
            /// The value as the spec and JSON write it.
            pub fn as_str(self) -> &'static str {
                match self {
                    #( #name::#variants => #values, )*
                }
            }
        }
    }
}

/// How an input is held in its struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    /// `T`, set by `new`.
    Required,
    /// `T`, from the spec's default when not given.
    Defaulted,
    /// `Option<T>`.
    Optional,
}

pub(crate) fn presence(input: &Input) -> Presence {
    if input.ty == InputType::Connection {
        Presence::Optional
    } else if input.required {
        Presence::Required
    } else if input.default.is_some() {
        Presence::Defaulted
    } else {
        Presence::Optional
    }
}

pub(crate) fn field_ident(input: &Input) -> Ident {
    let name = input.field_name();
    if syn::parse_str::<Ident>(&name).is_ok() {
        Ident::new(&name, Span::call_site())
    } else {
        Ident::new_raw(&name, Span::call_site())
    }
}

/// The Rust type of an input's value, without `Option`. Enum types live in the sibling `types`.
pub(crate) fn value_type(input: &Input) -> TokenStream {
    let p = runtime();
    match &input.ty {
        InputType::String | InputType::Connection => quote!(::std::string::String),
        InputType::Integer => quote!(u64),
        InputType::Boolean => quote!(bool),
        InputType::Enum(_) => {
            let name = format_ident!("{}", input.enum_type_name());
            quote!(super::types::#name)
        }
        InputType::StringList => quote!(::std::vec::Vec<::std::string::String>),
        InputType::StringMap => {
            quote!(::std::collections::BTreeMap<::std::string::String, ::std::string::String>)
        }
        InputType::JsonObject => {
            quote!(#p::serde_json::Map<::std::string::String, #p::serde_json::Value>)
        }
        InputType::Json => quote!(#p::serde_json::Value),
        InputType::File => quote!(#p::zoho_core::FileContent),
        InputType::FileMap => {
            quote!(::std::collections::BTreeMap<::std::string::String, #p::zoho_core::FileContent>)
        }
    }
}

/// An expression building the spec default of an input.
pub(crate) fn default_value(input: &Input) -> TokenStream {
    let p = runtime();
    let Some(default) = &input.default else {
        return quote!(::core::default::Default::default());
    };
    match (&input.ty, default) {
        (InputType::String | InputType::Connection, serde_json::Value::String(text)) => {
            quote!(::std::string::String::from(#text))
        }
        (InputType::Integer, serde_json::Value::Number(number)) => {
            let literal = Literal::u64_unsuffixed(number.as_u64().unwrap_or_default());
            quote!(#literal)
        }
        (InputType::Boolean, serde_json::Value::Bool(flag)) => quote!(#flag),
        (InputType::Enum(_), serde_json::Value::String(text)) => {
            let name = format_ident!("{}", input.enum_type_name());
            let variant = format_ident!("{}", variant_name(text));
            quote!(super::types::#name::#variant)
        }
        (InputType::StringList, serde_json::Value::Array(items)) => {
            let items = items.iter().filter_map(serde_json::Value::as_str);
            quote!(::std::vec![#(::std::string::String::from(#items)),*])
        }
        (_, other) => {
            let json = other.to_string();
            quote!(#p::serde_json::from_str(#json).unwrap_or_default())
        }
    }
}

/// An expression turning `value: &T` into the `String` that goes on the wire.
pub(crate) fn wire_text(input: &Input) -> TokenStream {
    match &input.ty {
        InputType::Enum(_) => quote!(value.as_str().to_owned()),
        InputType::Integer | InputType::Boolean => quote!(value.to_string()),
        _ => quote!(value.clone()),
    }
}

/// An expression turning `value: &T` into JSON.
pub(crate) fn to_json(input: &Input) -> TokenStream {
    let p = runtime();
    match &input.ty {
        InputType::String | InputType::Connection => {
            quote!(#p::serde_json::Value::String(value.clone()))
        }
        InputType::Integer => quote!(#p::serde_json::Value::from(*value)),
        InputType::Boolean => quote!(#p::serde_json::Value::Bool(*value)),
        InputType::Enum(_) => quote!(#p::serde_json::Value::String(value.as_str().to_owned())),
        InputType::StringList => {
            quote!(#p::serde_json::Value::Array(value.iter().cloned().map(#p::serde_json::Value::String).collect()))
        }
        InputType::StringMap => quote!(#p::serde_json::Value::Object(
            value
                .iter()
                .map(|(key, text)| (key.clone(), #p::serde_json::Value::String(text.clone())))
                .collect()
        )),
        InputType::JsonObject => quote!(#p::serde_json::Value::Object(value.clone())),
        InputType::Json => quote!(value.clone()),
        // The spec refuses files in JSON bodies.
        InputType::File | InputType::FileMap => quote!(#p::serde_json::Value::Null),
    }
}

/// Run `body` with `value: &T` bound, when the input has a value.
pub(crate) fn with_value(input: &Input, body: TokenStream) -> TokenStream {
    let field = field_ident(input);
    match presence(input) {
        Presence::Optional => quote! {
            if let ::core::option::Option::Some(value) = &self.#field {
                #body
            }
        },
        Presence::Required | Presence::Defaulted => quote! {
            {
                let value = &self.#field;
                #body
            }
        },
    }
}

/// An `Option<String>` of the input's wire text.
pub(crate) fn optional_wire_text(input: &Input) -> TokenStream {
    let field = field_ident(input);
    let text = wire_text(input);
    match presence(input) {
        Presence::Optional => quote!(self.#field.as_ref().map(|value| #text)),
        Presence::Required | Presence::Defaulted => quote!(::core::option::Option::Some({
            let value = &self.#field;
            #text
        })),
    }
}

/// Whether the input picks the connection.
pub(crate) fn is_client(input: &Input) -> bool {
    input.location == Location::Client
}
