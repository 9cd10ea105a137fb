//! Thin proc macro: reads the action spec and generates typed actions, executors and a dispatch table.
//!
//! `actions!("../action-spec/zoho.toml")` reads the spec (relative to `CARGO_MANIFEST_DIR`, or
//! else to the invoking file's folder), checks it with `action-spec`, and expands to:
//! one module per product (`crm`, `books`) with one input struct per action, a `types` module
//! with the enum inputs, `dispatch`, `METHODS` and `SPEC_TOML`. Generated code reaches the
//! runtime only through `::zoho_actions::__private`. Any failure becomes one `compile_error!`
//! on the path literal, listing every spec mistake as `file:LINE:COL: what; allowed`.

mod dispatch;
mod expand;
mod generate;
mod request;
mod structs;

use proc_macro::TokenStream;

/// Generate the actions of a spec file. See the crate docs.
#[proc_macro]
pub fn actions(input: TokenStream) -> TokenStream {
    let local_dir = proc_macro::Span::call_site()
        .local_file()
        .and_then(|file| file.parent().map(std::path::Path::to_path_buf));
    expand::expand(input.into(), local_dir)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

#[cfg(test)]
mod snapshot;
