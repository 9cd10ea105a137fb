//! The action generator as a library: from a checked spec to the Rust of `zoho-actions`.
//!
//! [`generate`] turns an [`action_spec::Spec`] into the items `zoho_macros::actions!` expands
//! to: one module per product with one input struct per action, a `types` module with the enum
//! inputs, `prepare`/`dispatch`/`dispatch_records`, `METHODS` and `SPEC_TOML`. [`snapshot`]
//! formats the same items as a file people read; `cargo xtask docs` writes it and checks it.
//! Generated code reaches the runtime only through `::zoho_actions::__private`.
//!
//! The proc macro (`zoho-macros`) is a thin shell over this crate (as `progenitor-macro` over
//! `progenitor-impl`): it finds and reads the spec, and turns failures into `compile_error!`.

mod dispatch;
mod generate;
mod request;
mod structs;

use action_spec::Spec;
use proc_macro2::TokenStream;

/// The whole expansion of `spec`. `spec_path` is what `SPEC_TOML`'s `include_str!` names: the
/// spec's absolute path from the macro (so editing the spec rebuilds the crate), a relative one
/// in the snapshot (so the snapshot compiles where it lies).
pub fn generate(spec: &Spec, spec_path: &str) -> TokenStream {
    generate::generate(spec, spec_path)
}

/// The expansion formatted as a Rust file, after `header` (the do-not-edit lines).
///
/// Fails only if the generator emitted tokens that are not a Rust file, which is a bug here.
pub fn snapshot(spec: &Spec, spec_path: &str, header: &str) -> syn::Result<String> {
    let file: syn::File = syn::parse2(generate(spec, spec_path))?;
    Ok(format!("{header}{}", prettyplease::unparse(&file)))
}
