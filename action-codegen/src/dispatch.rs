//! `dispatch` (one arm per action) and `METHODS` (one descriptor per action).

use action_spec::Spec;
use action_spec::schema::params_schema;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::generate::runtime;

pub(crate) fn dispatch(spec: &Spec) -> TokenStream {
    let p = runtime();
    let arms = spec.actions.iter().map(|action| {
        let method_name = action.method_name();
        let module = format_ident!("{}", action.product.as_str());
        let name = format_ident!("{}", action.type_name());
        quote!(#method_name => rt::prepare::<#module::#name>(params),)
    });
    // A spec without actions still compiles without warnings.
    let unused = spec.actions.is_empty().then(|| quote!(let _ = &params;));
    quote! {
        /// Decode JSON-RPC `params` (by name) for the action named `method` and describe its HTTP
        /// call, without sending anything. Params that do not fit are `Error::InvalidInput` naming
        /// the JSON path of the bad param; an unknown method is `DispatchError::UnknownMethod`.
        pub fn prepare(
            method: &str,
            params: #p::serde_json::Value,
        ) -> ::core::result::Result<#p::Prepared, #p::DispatchError> {
            use #p as rt;
            #unused
            match method {
                #(#arms)*
                _ => Err(rt::DispatchError::UnknownMethod(method.to_owned())),
            }
        }

        /// Run the action named `method` with JSON-RPC `params` (by name), on the client its
        /// `connection` param picks. Inputs are checked in full before a client is picked.
        pub async fn dispatch(
            method: &str,
            params: #p::serde_json::Value,
            clients: &dyn #p::zoho_core::ClientSource,
        ) -> ::core::result::Result<#p::serde_json::Value, #p::DispatchError> {
            let prepared = prepare(method, params)?;
            let client = clients.client(prepared.connection.as_deref())?;
            ::core::result::Result::Ok(client.execute(prepared.request).await?)
        }

        /// The records of a list action (`*.getRecords`), one at a time, following pages as its
        /// `fetchAll`/`maxRecords` params say; one page is held in memory at a time. Any other
        /// action is `Error::InvalidInput` on `method`.
        pub fn dispatch_records<'a>(
            method: &str,
            params: #p::serde_json::Value,
            clients: &'a dyn #p::zoho_core::ClientSource,
        ) -> ::core::result::Result<#p::RecordStream<'a>, #p::DispatchError> {
            #p::record_stream(prepare(method, params)?, clients)
        }
    }
}

pub(crate) fn methods(spec: &Spec) -> TokenStream {
    let p = runtime();
    let descriptors = spec.actions.iter().map(|action| {
        let name = action.method_name();
        let label = &action.label;
        let summary = &action.summary;
        let description = &action.description;
        let read_only = action.read_only;
        let destructive = action.destructive;
        let idempotent = action.idempotent;
        let schema = params_schema(action).to_string();
        quote! {
            #p::MethodDescriptor {
                name: #name,
                label: #label,
                summary: #summary,
                description: #description,
                read_only: #read_only,
                destructive: #destructive,
                idempotent: #idempotent,
                params_schema: #schema,
            }
        }
    });
    quote! {
        /// Every action as a JSON-RPC method: name, summary, flags and the JSON Schema of its params.
        pub static METHODS: &[#p::MethodDescriptor] = &[#(#descriptors),*];
    }
}
