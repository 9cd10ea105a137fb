//! The one error type of zoho-core. Zoho's own `code`, `message` and `details` are kept as Zoho
//! sent them; Display never prints a secret.

use std::time::Duration;

use serde_json::Value;

/// Zoho's error code: CRM sends strings (`INVALID_TOKEN`), Books numbers (`1002`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZohoCode {
    /// A CRM-style code.
    Text(String),
    /// A Books-style code.
    Number(i64),
}

impl std::fmt::Display for ZohoCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZohoCode::Text(code) => f.write_str(code),
            ZohoCode::Number(code) => write!(f, "{code}"),
        }
    }
}

/// An error Zoho answered with.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub http_status: u16,
    /// Zoho's code, when it sent one.
    pub code: Option<ZohoCode>,
    /// Zoho's message.
    pub message: String,
    /// Zoho's `details`, as sent (`{}` or `null` when absent).
    pub details: Value,
}

/// Everything that can go wrong. `Clone` because one failed token refresh is handed to every
/// caller that waited for it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input does not fit: `field` is its JSON path (`values.Email`, `recordId`).
    #[error("invalid input `{field}`: {reason}")]
    InvalidInput {
        /// JSON path of the offending input.
        field: String,
        /// Why it was refused and what is allowed.
        reason: String,
    },
    /// Zoho answered with an error.
    #[error("Zoho answered HTTP {} {}: {}", .0.http_status, .0.code.as_ref().map(ToString::to_string).unwrap_or_default(), .0.message)]
    Api(ApiError),
    /// The record does not exist.
    #[error("{record_type} record {record_id} does not exist")]
    NotFound {
        /// The record type.
        record_type: String,
        /// The record id.
        record_id: String,
    },
    /// No usable token: never authorized, refresh refused, revoked.
    #[error("connection `{connection}` has no usable token: {reason}; {next_step}")]
    Unauthorized {
        /// The connection's name.
        connection: String,
        /// What went wrong (never a token).
        reason: String,
        /// What the user should do next (`run zoho-server auth login --connection default`).
        next_step: String,
    },
    /// Rate limited and out of retries.
    #[error("rate limited by Zoho (HTTP {http_status}{})", .code.as_ref().map(|c| format!(", {c}")).unwrap_or_default())]
    RateLimited {
        /// The HTTP status (429, or 200/400 for the token endpoint's "Access Denied").
        http_status: u16,
        /// Zoho's code (`TOO_MANY_REQUESTS`, 44, 45, 1070).
        code: Option<ZohoCode>,
        /// How long Zoho asked us to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// The network failed or the call timed out.
    #[error("network failure after {attempts} attempt(s): {reason}")]
    Network {
        /// Tries made.
        attempts: u32,
        /// What failed (never a URL with a secret in it).
        reason: String,
        /// Whether it was a timeout.
        timed_out: bool,
    },
    /// The connection or client is misconfigured (unknown region, bad URL, unknown connection).
    #[error("configuration: {0}")]
    Config(String),
    /// A fault of ours, or an answer from Zoho we cannot read.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// The HTTP status Zoho answered with, when the error came from an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.http_status),
            Error::RateLimited { http_status, .. } => Some(*http_status),
            _ => None,
        }
    }

    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Network { .. } => true,
            Error::Api(api) => api.http_status >= 500,
            _ => false,
        }
    }

    /// Zoho's own code, when there is one.
    pub fn zoho_code(&self) -> Option<&ZohoCode> {
        match self {
            Error::Api(api) => api.code.as_ref(),
            Error::RateLimited { code, .. } => code.as_ref(),
            _ => None,
        }
    }
}
