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
    /// Tries made before this answer was final (1 when the call was not retried).
    pub attempts: u32,
}

/// Which limit stopped a call (`data.limit` of `-32003`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// Calls in flight (or per minute, Books) for the organization: no slot came free in time.
    Concurrency,
    /// The organization's API credits for the rolling 24 hours.
    Credits,
    /// Zoho's token endpoint throttled minting ("Access Denied", too many requests).
    Tokens,
    /// Zoho itself answered that the call was over a limit (HTTP 429, `TOO_MANY_REQUESTS`,
    /// Books 44/45/1070), and retries did not get past it.
    Zoho,
    /// As many authorizations of the connection as allowed are in progress
    /// ([`crate::MAX_AUTHORIZATIONS_IN_PROGRESS`]); another may start when one finishes or
    /// expires.
    Authorizations,
}

impl Limit {
    /// The name in `data.limit`: `concurrency`, `credits`, `tokens`, `zoho` or `authorizations`.
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Concurrency => "concurrency",
            Limit::Credits => "credits",
            Limit::Tokens => "tokens",
            Limit::Zoho => "zoho",
            Limit::Authorizations => "authorizations",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an export that stopped can continue: the page (or page token) that failed, and how
/// many records were delivered before it. Giving the cursor back (`page` or `pageToken`)
/// continues with the first record not yet delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resume {
    /// The page number to ask for next, when pages are numbered.
    pub page: Option<u64>,
    /// The CRM `page_token` to ask for next, past Zoho's 2,000 records of numbered pages.
    pub page_token: Option<String>,
    /// Past Zoho's 100,000-record token limit, the id of the last record delivered: the list
    /// goes on with the records after it ([`crate::Paging::after_id`]).
    pub after_id: Option<String>,
    /// Records handed to the caller before the failure.
    pub delivered: u64,
}

/// Everything that can go wrong. `Clone` because one failed token refresh is handed to every
/// caller that waited for it.
///
/// Not `#[non_exhaustive]`, on purpose: the server's JSON-RPC mapping matches every variant with
/// no wildcard, so a new variant cannot ship without its error code.
#[derive(Debug, Clone, thiserror::Error)]
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
    /// Zoho answered that a limit was hit, and retries did not get past it.
    #[error("rate limited by Zoho (HTTP {http_status}{}) after {attempts} attempt(s)", .code.as_ref().map(|c| format!(", {c}")).unwrap_or_default())]
    RateLimited {
        /// The HTTP status (429, or 200/400 for the token endpoint's "Access Denied").
        http_status: u16,
        /// Zoho's code (`TOO_MANY_REQUESTS`, 44, 45, 1070).
        code: Option<ZohoCode>,
        /// How long Zoho asked us to wait, when it said.
        retry_after: Option<Duration>,
        /// Which limit: [`Limit::Zoho`] for API calls, [`Limit::Tokens`] for the token endpoint.
        limit: Limit,
        /// Tries made.
        attempts: u32,
    },
    /// A limit this client keeps could not be met: for the organization within the call's
    /// budget (no slot came free, or the day's credits are spent), or a connection's
    /// authorizations in progress ([`Limit::Authorizations`]); nothing was sent.
    #[error("{reason}")]
    LimitReached {
        /// Which limit.
        limit: Limit,
        /// When trying again may succeed, when that is known.
        retry_after: Option<Duration>,
        /// What was waited for and how long.
        reason: String,
    },
    /// The network failed or the call timed out.
    #[error("network failure after {attempts} attempt(s){}: {reason}", .host.as_ref().map(|h| format!(" waiting on {h}")).unwrap_or_default())]
    Network {
        /// Tries made.
        attempts: u32,
        /// What failed (never a URL with a secret in it).
        reason: String,
        /// Whether it was a timeout (a try's, or the whole call's budget).
        timed_out: bool,
        /// The host (and port) the call waited on, when one was reached for.
        host: Option<String>,
    },
    /// An export (following pages) stopped: `cause` is why, `resume` where to continue.
    #[error("{cause}; the export stopped after {} record(s)", .resume.delivered)]
    Export {
        /// The failure of the page that could not be read.
        cause: Box<Error>,
        /// Where to continue without duplicates.
        resume: Resume,
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
            Error::Export { cause, .. } => cause.status(),
            _ => None,
        }
    }

    /// Whether trying the same call again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Network { .. } | Error::LimitReached { .. } => true,
            Error::Api(api) => api.http_status >= 500,
            Error::Export { cause, .. } => cause.is_retryable(),
            _ => false,
        }
    }

    /// Zoho's own code, when there is one.
    pub fn zoho_code(&self) -> Option<&ZohoCode> {
        match self {
            Error::Api(api) => api.code.as_ref(),
            Error::RateLimited { code, .. } => code.as_ref(),
            Error::Export { cause, .. } => cause.zoho_code(),
            _ => None,
        }
    }

    /// Tries made, when the error came from sending a call.
    pub fn attempts(&self) -> Option<u32> {
        match self {
            Error::Api(api) => Some(api.attempts),
            Error::RateLimited { attempts, .. } | Error::Network { attempts, .. } => {
                Some(*attempts)
            }
            Error::Export { cause, .. } => cause.attempts(),
            _ => None,
        }
    }

    /// Record how many tries the call made (the send loop knows; the shaping does not).
    pub(crate) fn with_attempts(mut self, tries: u32) -> Error {
        match &mut self {
            Error::Api(api) => api.attempts = tries,
            Error::RateLimited { attempts, .. } | Error::Network { attempts, .. } => {
                *attempts = tries
            }
            _ => {}
        }
        self
    }
}
