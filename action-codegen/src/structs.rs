//! One input struct per action: fields, serde attributes, defaults, `new`, `execute`, `records`.

use action_spec::{Action, Input, InputType};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::generate::{Presence, default_value, field_ident, presence, runtime, value_type};

pub(crate) fn action_struct(action: &Action) -> TokenStream {
    let p = runtime();
    let name = format_ident!("{}", action.type_name());
    let method_name = action.method_name();
    let doc = struct_doc(action);

    let type_name = action.type_name();
    let fields = action.inputs.iter().map(|input| field(&type_name, input));
    let default_fns = action
        .inputs
        .iter()
        .filter(|input| presence(input) == Presence::Defaulted)
        .map(|input| {
            let fn_name = default_fn_name(input);
            let ty = value_type(input);
            let value = default_value(input);
            quote! {
                fn #fn_name() -> #ty {
                    #value
                }
            }
        });

    let required: Vec<&Input> = action
        .inputs
        .iter()
        .filter(|input| presence(input) == Presence::Required)
        .collect();
    let params = required.iter().map(|input| {
        let field = field_ident(input);
        if matches!(input.ty, InputType::String) {
            quote!(#field: impl ::core::convert::Into<::std::string::String>)
        } else {
            let ty = value_type(input);
            quote!(#field: #ty)
        }
    });
    let inits = action.inputs.iter().map(|input| {
        let field = field_ident(input);
        match presence(input) {
            Presence::Required if matches!(input.ty, InputType::String) => {
                quote!(#field: #field.into())
            }
            Presence::Required => quote!(#field),
            Presence::Defaulted => {
                let fn_name = default_fn_name(input);
                quote!(#field: Self::#fn_name())
            }
            Presence::Optional => quote!(#field: ::core::option::Option::None),
        }
    });
    let new_doc = format!(
        " A `{method_name}` call with its required inputs; optional inputs are unset and defaults applied."
    );
    let to_request = crate::request::to_request(action);
    let records = action.result.is_list().then(|| {
        quote! {
            /// The records of every page, one at a time, as `fetchAll`/`maxRecords` say;
            /// one page is held in memory at a time.
            pub fn records<'a>(
                &self,
                client: &'a #p::zoho_core::Client,
            ) -> impl #p::futures::Stream<
                Item = ::core::result::Result<#p::serde_json::Value, #p::zoho_core::Error>,
            > + ::core::marker::Send + 'a {
                #p::records(client, self.to_request())
            }
        }
    });

    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, #p::serde::Deserialize)]
        #[serde(crate = "::zoho_actions::__private::serde", deny_unknown_fields)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            /// The JSON-RPC method name of this action.
            pub const METHOD: &'static str = #method_name;

            #[doc = #new_doc]
            pub fn new(#(#params),*) -> Self {
                #name {
                    #(#inits,)*
                }
            }

            #(#default_fns)*

            #to_request

            /// Send the call with `client` and return Zoho's result, shaped as the spec says.
            /// (`connection` is for [`dispatch`](super::dispatch); here the client is given.)
            pub async fn execute(
                &self,
                client: &#p::zoho_core::Client,
            ) -> ::core::result::Result<#p::serde_json::Value, #p::zoho_core::Error> {
                let request = self.to_request()?;
                client.execute(request).await
            }

            #records
        }
    }
}

fn default_fn_name(input: &Input) -> proc_macro2::Ident {
    format_ident!("default_{}", input.field_name())
}

fn struct_doc(action: &Action) -> String {
    let mut doc = format!(
        " **{}**: {}.\n\n{}\n\nJSON-RPC method `{}`",
        action.label,
        action.summary,
        action.description,
        action.method_name()
    );
    if let Some(method) = action.http_method {
        doc.push_str(&format!("; `{}", method.as_str()));
        if let Some(path) = &action.path {
            doc.push_str(&format!(" {}", path.text));
        }
        doc.push('`');
    }
    if let Some(parent) = &action.parent_path {
        doc.push_str(&format!(", or `{}` with a parent", parent.text));
    }
    doc.push_str(&format!(".\n\nResult: {}", action.result_description));
    let flags: Vec<&str> = [
        (action.read_only, "read-only"),
        (action.destructive, "destructive"),
        (action.idempotent, "idempotent"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    if !flags.is_empty() {
        doc.push_str(&format!("\n\nThis action is {}.", flags.join(", ")));
    }
    doc
}

fn field_doc(input: &Input) -> String {
    let mut doc = format!(" **{}** (`{}`): {}", input.label, input.key, input.comment);
    match presence(input) {
        Presence::Required => doc.push_str(" Required."),
        Presence::Defaulted => {
            if let Some(default) = &input.default {
                doc.push_str(&format!(" Default: `{default}`."));
            }
        }
        Presence::Optional => {
            if let Some(when_omitted) = &input.when_omitted {
                doc.push_str(&format!(" When omitted: {when_omitted}."));
            }
        }
    }
    match (input.min, input.max) {
        (Some(min), Some(max)) => doc.push_str(&format!(" Allowed: {min} to {max}.")),
        (Some(min), None) => doc.push_str(&format!(" Allowed: {min} or more.")),
        (None, Some(max)) => doc.push_str(&format!(" Allowed: at most {max}.")),
        (None, None) => {}
    }
    doc
}

fn field(type_name: &str, input: &Input) -> TokenStream {
    let doc = field_doc(input);
    let name = field_ident(input);
    let key = &input.key;
    let ty = value_type(input);
    let presence = presence(input);
    let deserialize_with = match (&input.ty, presence) {
        (InputType::File, Presence::Optional) => {
            Some("::zoho_actions::__private::deserialize_optional_file")
        }
        (InputType::File, _) => Some("::zoho_actions::__private::deserialize_file"),
        (InputType::FileMap, _) => Some("::zoho_actions::__private::deserialize_file_map"),
        _ => None,
    };
    let with = deserialize_with.map(|path| quote!(, deserialize_with = #path));
    match presence {
        Presence::Required => quote! {
            #[doc = #doc]
            #[serde(rename = #key #with)]
            pub #name: #ty,
        },
        Presence::Defaulted => {
            // Not `Self::`: serde calls it from inside its own visitor types.
            let fn_path = format!("{type_name}::{}", default_fn_name(input));
            quote! {
                #[doc = #doc]
                #[serde(rename = #key, default = #fn_path #with)]
                pub #name: #ty,
            }
        }
        Presence::Optional => quote! {
            #[doc = #doc]
            #[serde(rename = #key, default #with)]
            pub #name: ::core::option::Option<#ty>,
        },
    }
}
