//! Runtime for zoho-rs: regions, OAuth, tokens, HTTP execution, retries and errors.

pub mod auth;
mod client;
mod error;
pub mod request;
mod secret;

pub use auth::{AccessToken, StaticToken, TokenSource};
pub use client::{Client, ClientSource};
pub use error::{ApiError, Error, ZohoCode};
pub use request::{
    ActionRequest, FileContent, Method, MultipartPart, Paging, PathSegment, Product, RecordRef,
    RequestBody, RequestPath, ResponseType, ResultShape, RetryPolicy,
};
pub use secret::Secret;
