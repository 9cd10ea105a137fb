//! Runtime for zoho-rs: regions, OAuth, tokens, HTTP execution, retries, limits and errors.
//!
//! What an embedder needs is at the crate root: [`Client`] (and [`ClientBuilder`]) to send
//! calls, [`Connection`] with [`ConnectionConfig`] to authorize and hold tokens, [`Region`],
//! [`Error`] with [`ApiError`] and [`ZohoCode`], [`Secret`], the token stores ([`TokenStore`],
//! [`FileStore`], [`MemoryStore`]) and the request data ([`ActionRequest`] and its parts). The
//! building blocks the other zoho-rs crates share (limiters, the whole-call budget
//! [`within`], OAuth endpoints) are at the root too; the modules that implement them are
//! private, so each name has one path.
//!
//! Two modules stay public, because everything in them is meant for users: [`config`] (the
//! settings a deployment writes: [`config::AppConfig`] and its parts) and [`store`] (the
//! server-state [`Store`] trait users may implement, its file, memory and Redis backends, and
//! the records they hold).
// `Error` stays flat (no boxing) so callers can match on it directly; it only travels on the
// failure path, where its size does not matter.
#![allow(clippy::result_large_err)]
#![warn(missing_docs)]

mod auth;
mod batch;
mod call;
mod classify;
mod client;
pub mod config;
mod connect;
mod deadline;
mod debug;
mod describe;
mod error;
mod execute;
mod job;
mod keyset;
mod limits;
mod oauth;
mod organization;
mod paging;
mod path;
mod redact;
mod region;
mod request;
mod retry;
mod secret;
mod shape;
pub mod store;
mod token;
mod wire;

pub use auth::{AccessToken, BoxFuture, StaticToken, TokenSource};
pub use client::{Client, ClientBuilder, ClientSource};
pub use config::{ConnectionConfig, ConnectionKind, CrmApiVersion};
pub use connect::{AUTHORIZATION_TTL, AuthorizationStart, Connection};
pub use deadline::{DEFAULT_CALL_TIMEOUT, each_within, within};
pub use error::{ApiError, Error, Limit, Resume, ZohoCode};
pub use execute::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TRY_TIMEOUT, http_client};
pub use limits::{
    CallCost, ConnectionLimits, DEFAULT_BOOKS_PER_MINUTE, DEFAULT_CONCURRENCY,
    DEFAULT_HEAVY_CONCURRENCY, LimitRequest, LimitScope, LimitSettings, LimitState, Limiter,
    LocalLimiter, Observation, Permit, RedisLimiter,
};
pub use oauth::{OAuthEndpoints, new_state};
pub use paging::CRM_DISCRETE_PAGING_LIMIT;
pub use path::resolve_url;

/// The older name of [`DEFAULT_CONCURRENCY`].
pub const DEFAULT_MAX_IN_FLIGHT: usize = DEFAULT_CONCURRENCY;
pub use region::Region;
pub use request::{
    ActionRequest, Batch, FileContent, JobWait, Method, MultipartPart, Paging, PathSegment,
    Product, RecordRef, RequestBody, RequestPath, ResponseType, ResultShape, RetryPolicy,
};
pub use secret::{Secret, constant_time_eq};
pub use store::Store;
pub use token::{
    DEFAULT_REFRESH_LEASE, FileStore, MemoryStore, StagedSave, StoredTokens, TokenManager,
    TokenStore,
};
pub use wire::HttpClient;
