//! Find, read and check the spec; every failure is a `syn::Error` on the path literal.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use syn::LitStr;

/// Expand `actions!("path/to/spec.toml")`. `local_dir` is the invoking file's folder, the
/// fallback when the path is not found below `CARGO_MANIFEST_DIR`.
pub(crate) fn expand(input: TokenStream, local_dir: Option<PathBuf>) -> syn::Result<TokenStream> {
    let literal: LitStr = syn::parse2(input).map_err(|error| {
        syn::Error::new(
            error.span(),
            "expected the spec's path as a string literal, e.g. `actions!(\"../action-spec/zoho.toml\")`",
        )
    })?;
    let relative = literal.value();
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let candidates: Vec<PathBuf> = [manifest_dir, local_dir]
        .into_iter()
        .flatten()
        .map(|dir| dir.join(&relative))
        .collect();
    let Some(path) = candidates.iter().find(|path| path.is_file()) else {
        return Err(syn::Error::new(
            literal.span(),
            format!(
                "spec file `{relative}` not found; looked in: {}. The path is relative to the crate's Cargo.toml folder (CARGO_MANIFEST_DIR)",
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    };
    let text = std::fs::read_to_string(path).map_err(|error| {
        syn::Error::new(
            literal.span(),
            format!("cannot read spec file `{}`: {error}", path.display()),
        )
    })?;
    let spec = action_spec::parse(&text, &relative)
        .map_err(|diagnostics| syn::Error::new(literal.span(), diagnostics.to_string()))?;
    let absolute = absolute(path);
    Ok(action_codegen::generate(&spec, &absolute))
}

fn absolute(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
