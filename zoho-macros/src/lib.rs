//! Thin proc macro: reads the action spec and generates typed actions, executors and a dispatch table.
//!
//! `actions!("../action-spec/zoho.toml")` reads the spec (relative to `CARGO_MANIFEST_DIR`, or
//! else to the invoking file's folder), checks it with `action-spec` and hands it to
//! `action-codegen`, the generator as an ordinary library (see its docs for what the expansion
//! holds). Any failure becomes one `compile_error!` on the path literal, listing every spec
//! mistake as `file:LINE:COL: what; allowed`.

mod expand;

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
