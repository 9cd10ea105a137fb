//! The zoho-rs action spec: its serde model, its validation and what is derived from it.
//!
//! `zoho.toml` in this crate declares every connection and action once. [`parse`] reads and
//! checks it (reporting every independent mistake as `zoho.toml:LINE:COL: what; allowed`);
//! `action-codegen` turns the result into Rust, and [`schema`] and [`openrpc`] into the JSON Schema
//! and OpenRPC documents the server and the docs publish.

mod diagnostic;
pub mod errors;
mod model;
pub mod openrpc;
mod raw;
mod resolve;
pub mod schema;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use model::{
    Action, BodyWrap, Connection, ConnectionInput, HttpMethod, Input, InputKind, InputType,
    Location, OperationPath, ParentIdPlace, PathPart, PathTemplate, Product, RecordInputs,
    RecordPathKeys, RecordPaths, RequestField, ResultShape, Spec, snake_case, upper_camel,
    variant_name,
};
pub use resolve::parse;
