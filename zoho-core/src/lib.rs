//! Runtime for zoho-rs: regions, OAuth, tokens, HTTP execution, retries and errors.

mod error;
pub mod request;

pub use error::{ApiError, Error, ZohoCode};
pub use request::{
    ActionRequest, FileContent, Method, MultipartPart, Paging, PathSegment, Product, RecordRef,
    RequestBody, RequestPath, ResponseType, ResultShape, RetryPolicy,
};
