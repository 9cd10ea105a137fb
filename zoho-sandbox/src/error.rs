//! The one error type of the sandbox library.

use std::net::SocketAddr;
use std::path::PathBuf;

/// What can stop a sandbox from starting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why the bind failed.
        source: std::io::Error,
    },
    /// The request log file could not be opened.
    #[error("cannot open the request log {path}: {source}")]
    RequestLog {
        /// The path asked for.
        path: PathBuf,
        /// Why it could not be opened.
        source: std::io::Error,
    },
    /// A configuration value is unusable.
    #[error("invalid sandbox configuration: {field}: {reason}")]
    Config {
        /// The field at fault.
        field: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// `start` was called outside a Tokio runtime.
    #[error("the sandbox must be started inside a Tokio runtime")]
    NoRuntime,
}
