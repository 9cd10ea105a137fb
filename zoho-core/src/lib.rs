//! Runtime for zoho-rs: regions, OAuth, tokens, HTTP execution, retries, limits and errors.
//!
//! What an embedder needs is at the crate root: [`Client`] (and [`ClientBuilder`]) to send
//! calls, [`Connection`] with [`ConnectionConfig`] to authorize and hold tokens, [`Region`],
//! [`Error`] with [`ApiError`] and [`ZohoCode`], [`Secret`], the token stores ([`TokenStore`],
//! [`FileStore`], [`MemoryStore`]) and the request data ([`ActionRequest`] and its parts). The
//! modules still public hold the settings and building blocks the other zoho-rs crates use
//! (`config`, `store`, `limits`, `request`, `oauth`, ...).
// `Error` stays flat (no boxing) so callers can match on it directly; it only travels on the
// failure path, where its size does not matter.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod batch;
mod call;
mod classify;
mod client;
pub mod config;
mod connect;
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
mod region;
pub mod request;
pub mod retry;
mod secret;
mod shape;
pub mod store;
pub mod token;

pub use auth::{AccessToken, StaticToken, TokenSource};
pub use client::{Client, ClientBuilder, ClientSource};
pub use config::{ConnectionConfig, ConnectionKind, CrmApiVersion};
pub use connect::{AUTHORIZATION_TTL, AuthorizationStart, Connection};
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
pub use secret::{Secret, constant_time_eq};
pub use store::Store;
pub use token::{FileStore, MemoryStore, StoredTokens, TokenManager, TokenStore};
