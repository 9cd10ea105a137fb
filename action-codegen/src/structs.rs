//! One input struct per action: fields, serde attributes, defaults, `new`, and its `Action` impl.

use action_spec::{Action, Input, InputType, OperationPath, RecordPaths, ResultShape};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::generate::{
    Presence, default_is_zero, default_value, field_ident, is_client, presence, value_type,
};

pub(crate) fn action_struct(
    action: &Action,
    record_paths: &[(&RecordPaths, &OperationPath)],
) -> TokenStream {
    let name = format_ident!("{}", action.type_name());
    let method_name = action.method_name();
    let doc = struct_doc(action);

    let type_name = action.type_name();
    let fields = action.inputs.iter().map(|input| field(&type_name, input));
    let default_fns = action
        .inputs
        .iter()
        .filter(|input| presence(input) == Presence::Defaulted && !default_is_zero(input))
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
            quote!(#field: impl Into<String>)
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
            Presence::Defaulted if default_is_zero(input) => {
                let value = default_value(input);
                quote!(#field: #value)
            }
            Presence::Defaulted => {
                let fn_name = default_fn_name(input);
                quote!(#field: Self::#fn_name())
            }
            Presence::Optional => quote!(#field: None),
        }
    });
    let new_doc = format!(
        " A `{method_name}` call with its required inputs; optional inputs are unset and defaults applied."
    );
    let output = output_type(action.result);
    let to_request = crate::request::to_request(action, record_paths);
    let connection = action
        .inputs
        .iter()
        .find(|input| is_client(input))
        .map(|input| {
            let field = field_ident(input);
            quote! {
                fn connection(&self) -> Option<&str> {
                    self.#field.as_deref()
                }
            }
        });
    let list = action
        .result
        .streams_records()
        .then(|| quote!(impl rt::ListAction for #name {}));

    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, rt::Deserialize)]
        #[serde(crate = "rt::serde", rename_all = "camelCase", deny_unknown_fields)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            #[doc = #new_doc]
            pub fn new(#(#params),*) -> Self {
                #name {
                    #(#inits,)*
                }
            }

            #(#default_fns)*
        }

        impl rt::Action for #name {
            const METHOD: &'static str = #method_name;
            type Output = #output;

            #to_request
            #connection
        }

        #list
    }
}

/// The typed result of each shape (`zoho_actions::output`); raw requests stay JSON.
fn output_type(shape: ResultShape) -> TokenStream {
    match shape {
        ResultShape::Raw => quote!(rt::serde_json::Value),
        ResultShape::CrmWrite | ResultShape::CrmDelete => quote!(rt::output::CrmWriteResult),
        ResultShape::CrmRecord | ResultShape::BooksRecord => quote!(rt::output::Record),
        ResultShape::CrmRecords | ResultShape::CrmBulkRead => quote!(rt::output::RecordsPage),
        ResultShape::CrmCoql => quote!(rt::output::CoqlRows),
        ResultShape::BooksRecords => quote!(rt::output::BooksPage),
        ResultShape::BooksDelete => quote!(rt::output::BooksDeleteResult),
        ResultShape::CrmWriteMany | ResultShape::CrmDeleteMany | ResultShape::CrmBulkWrite => {
            quote!(rt::output::WriteManyResult)
        }
        ResultShape::Json | ResultShape::CrmSchema | ResultShape::BooksSchema => {
            quote!(rt::serde_json::Value)
        }
        ResultShape::CrmFile => quote!(rt::output::DownloadedFile),
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
    doc.push_str(&format!(". Result: {}", action.result_description));
    let flags: Vec<&str> = [
        (action.read_only, "read-only"),
        (action.destructive, "destructive"),
        (action.idempotent, "idempotent"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    if !flags.is_empty() {
        doc.push_str(&format!(" This action is {}.", flags.join(", ")));
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
    let ty = value_type(input);
    let presence = presence(input);
    let mut args = Vec::new();
    if needs_rename(input) {
        let key = &input.key;
        args.push(quote!(rename = #key));
    }
    match presence {
        Presence::Required => {}
        Presence::Defaulted if default_is_zero(input) => args.push(quote!(default)),
        Presence::Defaulted => {
            // Not `Self::`: serde calls it from inside its own visitor types.
            let fn_path = format!("{type_name}::{}", default_fn_name(input));
            args.push(quote!(default = #fn_path));
        }
        // serde reads a missing `Option` as `None`, unless a `deserialize_with` takes over.
        Presence::Optional if matches!(input.ty, InputType::File | InputType::FileMap) => {
            args.push(quote!(default));
        }
        Presence::Optional => {}
    }
    let deserialize_with = match (&input.ty, presence) {
        (InputType::File, Presence::Optional) => Some("rt::deserialize_optional_file"),
        (InputType::File, _) => Some("rt::deserialize_file"),
        (InputType::FileMap, _) => Some("rt::deserialize_file_map"),
        _ => None,
    };
    if let Some(path) = deserialize_with {
        args.push(quote!(deserialize_with = #path));
    }
    let attr = (!args.is_empty()).then(|| quote!(#[serde(#(#args),*)]));
    let ty = match presence {
        Presence::Optional => quote!(Option<#ty>),
        Presence::Required | Presence::Defaulted => ty,
    };
    quote! {
        #[doc = #doc]
        #attr
        pub #name: #ty,
    }
}

/// Whether serde's `camelCase` of the field name misses the key, so the field needs `rename`.
fn needs_rename(input: &Input) -> bool {
    let field = field_ident(input).to_string();
    field.starts_with("r#") || field.starts_with('_') || serde_camel_case(&field) != input.key
}

/// serde's `rename_all = "camelCase"` of a snake_case field name.
fn serde_camel_case(field: &str) -> String {
    let mut out = String::new();
    let mut capitalize = false;
    for ch in field.chars() {
        if ch == '_' {
            capitalize = true;
        } else if capitalize {
            out.push(ch.to_ascii_uppercase());
            capitalize = false;
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::serde_camel_case;

    /// The field gets no `rename` only when serde's `camelCase` gives the key back.
    #[test]
    fn camel_case_is_serdes() {
        assert_eq!(serde_camel_case("record_type"), "recordType");
        assert_eq!(serde_camel_case("retry_delay_ms"), "retryDelayMs");
        assert_eq!(
            serde_camel_case("file_data_file_names"),
            "fileDataFileNames"
        );
        assert_eq!(serde_camel_case("url"), "url");
    }
}
