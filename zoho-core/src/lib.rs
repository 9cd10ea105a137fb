//! Runtime for zoho-rs: regions, OAuth, tokens, HTTP execution, retries, limits and errors.
//!
//! The crate root holds what an embedder of zoho-core, or of the generated actions in
//! `zoho-actions`, needs; the modules that implement it are private, so each name has one path.
//! The building blocks only zoho-rs's own crates share (limiters, the whole-call budget, HTTP
//! client defaults, OAuth endpoints) are in a hidden module that semver does not cover.
//!
//! # Public surface
//!
//! A test (`zoho-core/tests/it/surface.rs`) holds this list and the crate root to each other:
//! a name added to one must be added to the other.
//!
//! - Sending calls: [`Client`], [`ClientBuilder`], [`ClientSource`], [`ConnectionLimits`],
//!   [`HttpClient`].
//! - Connections and their settings: [`Connection`], [`AuthorizationStart`],
//!   [`AUTHORIZATION_TTL`], [`MAX_AUTHORIZATIONS_IN_PROGRESS`], [`ConnectionConfig`],
//!   [`ConnectionKind`], [`CrmApiVersion`], [`Region`].
//! - Errors: [`Error`] and what its variants carry: [`ApiError`], [`ZohoCode`], [`Limit`],
//!   [`Resume`].
//! - Secrets and tokens: [`Secret`], [`TokenSource`], [`AccessToken`], [`StaticToken`],
//!   [`BoxFuture`] (what [`TokenSource`] and [`Store`] implementors return), [`TokenManager`],
//!   the token stores [`TokenStore`], [`FileStore`], [`MemoryStore`] and the
//!   [`StoredTokens`] they hold.
//! - Server state: the [`Store`] trait.
//! - Request data, as the generated actions build it: [`ActionRequest`], [`Product`],
//!   [`Method`], [`RequestPath`], [`PathSegment`], [`RecordRef`], [`RequestBody`],
//!   [`MultipartPart`], [`FileContent`], [`Batch`], [`JobWait`], [`Paging`],
//!   [`ResponseType`], [`ResultShape`], [`RetryPolicy`].
//! - Modules: [`config`] (the settings a deployment writes: [`config::AppConfig`] and its
//!   parts) and [`store`] (the [`Store`] trait users may implement, its file, memory and Redis
//!   backends, and the records they hold). Everything in them is meant for users;
//!   [`ConnectionConfig`], [`ConnectionKind`], [`CrmApiVersion`] and [`Store`] are defined
//!   there and named at the root as well, because an embedder reaches for them first.
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

// zoho-rs's own crates only: see the module's doc. The crate's modules name these by root path.
#[doc(hidden)]
pub mod __private;
pub(crate) use __private::*;

pub use auth::{AccessToken, BoxFuture, StaticToken, TokenSource};
pub use client::{Client, ClientBuilder, ClientSource};
pub use config::{ConnectionConfig, ConnectionKind, CrmApiVersion};
pub use connect::{
    AUTHORIZATION_TTL, AuthorizationStart, Connection, MAX_AUTHORIZATIONS_IN_PROGRESS,
};
pub use error::{ApiError, Error, Limit, Resume, ZohoCode};
pub use limits::ConnectionLimits;
pub use region::Region;
pub use request::{
    ActionRequest, Batch, FileContent, JobWait, Method, MultipartPart, Paging, PathSegment,
    Product, RecordRef, RequestBody, RequestPath, ResponseType, ResultShape, RetryPolicy,
};
pub use secret::Secret;
pub use store::Store;
pub use token::{FileStore, MemoryStore, StoredTokens, TokenManager, TokenStore};
pub use wire::HttpClient;
