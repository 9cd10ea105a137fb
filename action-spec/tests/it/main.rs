//! action-spec integration tests: the real spec, every validation rule, the derived documents.
#![allow(clippy::unwrap_used)]

mod documents;
mod one_of;
mod real_spec;
mod record_paths;
mod rules;
