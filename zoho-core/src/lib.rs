//! Runtime for zoho-rs: regions, OAuth, tokens, HTTP execution, retries and errors.
// `Error` stays flat (no boxing) so callers can match on it directly; it only travels on the
// failure path, where its size does not matter.
#![allow(clippy::result_large_err)]

pub mod auth;
mod client;
pub mod config;
pub mod connect;
mod debug;
mod error;
mod execute;
mod limit;
pub mod oauth;
mod organization;
pub mod paging;
pub mod path;
pub mod region;
pub mod request;
pub mod retry;
mod secret;
mod shape;
pub mod token;

pub use auth::{AccessToken, StaticToken, TokenSource};
pub use client::{Client, ClientBuilder, ClientSource};
pub use config::{ConnectionConfig, ConnectionKind, CrmApiVersion};
pub use connect::{AuthorizationStart, Connection};
pub use error::{ApiError, Error, ZohoCode};
pub use limit::DEFAULT_MAX_IN_FLIGHT;
pub use region::Region;
pub use request::{
    ActionRequest, FileContent, Method, MultipartPart, Paging, PathSegment, Product, RecordRef,
    RequestBody, RequestPath, ResponseType, ResultShape, RetryPolicy,
};
pub use secret::Secret;
pub use token::{FileStore, MemoryStore, StoredTokens, TokenManager, TokenStore};
