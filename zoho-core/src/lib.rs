//! Runtime for zoho-rs: regions, OAuth, tokens, HTTP execution, retries, limits and errors.
// `Error` stays flat (no boxing) so callers can match on it directly; it only travels on the
// failure path, where its size does not matter.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod batch;
mod call;
mod classify;
mod client;
pub mod config;
pub mod connect;
pub mod deadline;
mod debug;
pub mod describe;
mod error;
mod execute;
pub mod job;
pub mod keyset;
pub mod limits;
pub mod oauth;
mod organization;
pub mod paging;
pub mod path;
mod redact;
pub mod region;
pub mod request;
pub mod retry;
mod secret;
mod shape;
pub mod store;
pub mod token;

pub use auth::{AccessToken, StaticToken, TokenSource};
pub use client::{Client, ClientBuilder, ClientSource};
pub use config::{ConnectionConfig, ConnectionKind, CrmApiVersion};
pub use connect::{AuthorizationStart, Connection};
pub use error::{ApiError, Error, Limit, Resume, ZohoCode};
pub use execute::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TRY_TIMEOUT, http_client};
pub use limits::{ConnectionLimits, DEFAULT_CONCURRENCY, Limiter, LocalLimiter};

/// The older name of [`DEFAULT_CONCURRENCY`].
pub const DEFAULT_MAX_IN_FLIGHT: usize = DEFAULT_CONCURRENCY;
pub use region::Region;
pub use request::{
    ActionRequest, Batch, FileContent, Method, MultipartPart, Paging, PathSegment, Product,
    RecordRef, RequestBody, RequestPath, ResponseType, ResultShape, RetryPolicy,
};
pub use secret::Secret;
pub use store::Store;
pub use token::{FileStore, MemoryStore, StoredTokens, TokenManager, TokenStore};
