//! From a checked spec to Rust: the module layout, enum types and the pieces the struct,
//! request and dispatch generators share.

use action_spec::{Action, Input, InputType, Location, Product, RequestField, Spec, variant_name};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

/// The path every generated item reaches the runtime through (`rt` inside product modules).
pub(crate) fn runtime() -> TokenStream {
    quote!(::zoho_actions::__private)
}

/// The whole expansion. `spec_path` is what `SPEC_TOML` includes.
pub(crate) fn generate(spec: &Spec, spec_path: &str) -> TokenStream {
    let p = runtime();
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
                .map(|action| crate::structs::action_struct(action, &spec.record_paths_of(action)));
            let product = match product {
                Product::Crm => quote!(rt::Product::Crm),
                Product::Books => quote!(rt::Product::Books),
            };
            Some(quote! {
                #[doc = #doc]
                pub mod #module {
                    use #p as rt;

                    /// The product every action here goes to.
                    const PRODUCT: rt::Product = #product;

                    #(#items)*
                }
            })
        });
    let dispatch = crate::dispatch::dispatch(spec);
    let methods = crate::dispatch::methods(spec);
    quote! {
        /// The spec these actions were generated from. Including it also rebuilds this crate
        /// when the spec changes.
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
    let p = runtime();
    quote! {
        /// The enum inputs of the actions: one type per input, serialized as the spec's values.
        pub mod types {
            use #p as rt;

            #(#enums)*
        }
    }
}

fn enum_type(input: &Input, values: &[String]) -> TokenStream {
    let name = format_ident!("{}", input.enum_type_name());
    let doc = format!(" {}: {}", input.label, input.comment);
    let variants: Vec<Ident> = values
        .iter()
        .map(|value| format_ident!("{}", variant_name(value)))
        .collect();
    let variant_docs = values.iter().map(|value| format!(" `{value}`"));
    // One `rename_all` when serde's rule gives every value, else a `rename` per variant.
    let rule = [
        ("lowercase", str::to_ascii_lowercase as fn(&str) -> String),
        ("UPPERCASE", str::to_ascii_uppercase),
    ]
    .into_iter()
    .find(|(_, rule)| {
        values
            .iter()
            .zip(&variants)
            .all(|(value, variant)| rule(&variant.to_string()) == *value)
    });
    let rename_all = rule.map(|(name, _)| quote!(, rename_all = #name));
    let renames = values.iter().map(|value| {
        let rename = rule.is_none().then(|| quote!(#[serde(rename = #value)]));
        quote!(#rename)
    });
    // The runtime's own enum for the request field this input sets: same variants, so a plain
    // `From` (no text in between).
    let runtime_enum = match input.location {
        Location::Request(RequestField::Method) => Some(quote!(rt::Method)),
        Location::Request(RequestField::ResponseType) => Some(quote!(rt::ResponseType)),
        _ => None,
    };
    let conversion = runtime_enum.map(|target| {
        quote! {
            impl ::core::convert::From<#name> for #target {
                fn from(value: #name) -> Self {
                    match value {
                        #( #name::#variants => #target::#variants, )*
                    }
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, rt::Deserialize, rt::Serialize)]
        #[serde(crate = "rt::serde" #rename_all)]
        pub enum #name {
            #(
                #[doc = #variant_docs]
                #renames
                #variants,
            )*
        }

        impl rt::SpecEnum for #name {
            fn as_str(self) -> &'static str {
                match self {
                    #( #name::#variants => #values, )*
                }
            }
        }

        #conversion
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
    match &input.ty {
        InputType::String | InputType::Connection => quote!(String),
        InputType::Integer => quote!(u64),
        InputType::Boolean => quote!(bool),
        InputType::Enum(_) => {
            let name = format_ident!("{}", input.enum_type_name());
            quote!(super::types::#name)
        }
        InputType::StringList => quote!(Vec<String>),
        InputType::StringMap => quote!(::std::collections::BTreeMap<String, String>),
        InputType::JsonObject => quote!(rt::JsonMap),
        InputType::JsonObjectList => quote!(Vec<rt::JsonMap>),
        InputType::Json => quote!(rt::serde_json::Value),
        InputType::File => quote!(rt::FileContent),
        InputType::FileMap => quote!(::std::collections::BTreeMap<String, rt::FileContent>),
    }
}

/// Whether values of the input's type are `Copy` (read as `self.x`, not `self.x.clone()`).
pub(crate) fn is_copy(input: &Input) -> bool {
    matches!(
        input.ty,
        InputType::Integer | InputType::Boolean | InputType::Enum(_)
    )
}

/// Whether the spec default is what `Default::default()` gives (`false`, `0`, `""`), so serde's
/// plain `default` applies and no default function is needed.
pub(crate) fn default_is_zero(input: &Input) -> bool {
    match (&input.ty, &input.default) {
        (InputType::Boolean, Some(serde_json::Value::Bool(flag))) => !flag,
        (InputType::Integer, Some(serde_json::Value::Number(number))) => number.as_u64() == Some(0),
        (InputType::String, Some(serde_json::Value::String(text))) => text.is_empty(),
        _ => false,
    }
}

/// An expression building the spec default of an input.
pub(crate) fn default_value(input: &Input) -> TokenStream {
    let Some(default) = &input.default else {
        return quote!(::core::default::Default::default());
    };
    match (&input.ty, default) {
        (InputType::String | InputType::Connection, serde_json::Value::String(text)) => {
            quote!(String::from(#text))
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
            quote!(vec![#(String::from(#items)),*])
        }
        (_, other) => {
            let json = other.to_string();
            quote!(rt::serde_json::from_str(#json).unwrap_or_default())
        }
    }
}

/// `Option<&T>` of the input's value: `Some(&self.x)`, or `self.x.as_ref()` when optional.
pub(crate) fn given(input: &Input) -> TokenStream {
    let field = field_ident(input);
    match presence(input) {
        Presence::Optional => quote!(self.#field.as_ref()),
        Presence::Required | Presence::Defaulted => quote!(Some(&self.#field)),
    }
}

/// Whether the input picks the connection.
pub(crate) fn is_client(input: &Input) -> bool {
    input.location == Location::Client
}
