//! The one error type of zoho-server: what can stop the server or a command from running.
//! Errors of single calls are JSON-RPC answers, not this type.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the server or a command could not do its job.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why the system refused.
        source: std::io::Error,
    },
    /// A non-loopback address was asked for without an API key.
    #[error(
        "refusing to listen on {addr} without an API key: anyone who can reach that address could \
         act on your Zoho data. Put a key of at least {min} characters in an environment variable \
         and pass `--api-key-env VAR`, or listen on a loopback address such as 127.0.0.1:8787"
    )]
    ApiKeyRequired {
        /// The non-loopback address asked for.
        addr: SocketAddr,
        /// The shortest key accepted.
        min: usize,
    },
    /// The API key could not be read or is too weak.
    #[error("API key from `{var}`: {reason}")]
    ApiKey {
        /// The environment variable named by `--api-key-env`.
        var: String,
        /// What is wrong with it (never the key).
        reason: String,
    },
    /// The configuration file is missing or wrong.
    #[error("configuration {}: {reason}", .path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what is allowed.
        reason: String,
    },
    /// A command-line argument does not fit.
    #[error("{0}")]
    Usage(String),
    /// Starting or authorizing the sandbox failed.
    #[error("sandbox: {0}")]
    Sandbox(String),
    /// The OAuth flow failed.
    #[error("authorization: {0}")]
    Authorization(String),
    /// An action failed (the `call` command).
    #[error(transparent)]
    Action(Box<zoho_core::Error>),
    /// Reading or writing failed.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The system's reason.
        source: std::io::Error,
    },
}

impl From<zoho_core::Error> for Error {
    fn from(error: zoho_core::Error) -> Self {
        Error::Action(Box::new(error))
    }
}
