//! What a [`super::Store`] holds: connection records, versioned token records, pending
//! authorizations, and the sealed form tokens take at rest.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::store::Keyring;
use crate::token::StoredTokens;
use crate::{Error, Secret};

/// Where a created connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionStatus {
    /// Created; its consent has not completed yet.
    Pending,
    /// Its consent completed: actions can use it.
    Authorized,
    /// Zoho refused its refresh token: the customer must consent again.
    NeedsReauth,
    /// Its refresh token was revoked.
    Revoked,
}

impl ConnectionStatus {
    /// The status as the JSON-RPC methods name it (`needs_reauth`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Pending => "pending",
            ConnectionStatus::Authorized => "authorized",
            ConnectionStatus::NeedsReauth => "needs_reauth",
            ConnectionStatus::Revoked => "revoked",
        }
    }

    /// Every status, in the order documents list them.
    pub const ALL: [ConnectionStatus; 4] = [
        ConnectionStatus::Pending,
        ConnectionStatus::Authorized,
        ConnectionStatus::NeedsReauth,
        ConnectionStatus::Revoked,
    ];

    /// Parse `pending`, `authorized`, `needs_reauth` or `revoked`.
    pub fn parse(text: &str) -> Option<ConnectionStatus> {
        ConnectionStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// A connection created at run time (`connections.create`). Holds no secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    /// Its name, what actions' `connection` param names.
    pub name: String,
    /// The `[apps.NAME]` table whose client it authorizes.
    pub app: String,
    /// Where it stands.
    pub status: ConnectionStatus,
    /// The customer's data center as a code (`eu`).
    pub region: String,
    /// Scopes asked for at consent; `None`: the app's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<String>,
    /// CRM API version; `None`: `v3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crm_api_version: Option<String>,
    /// The Books organization calls act in when they name none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub books_organization_id: Option<String>,
    /// The caller's own data about the connection (a JSON object), kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    /// When it was created (Unix ms).
    pub created_at_ms: u64,
    /// When its last consent completed (Unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorized_at_ms: Option<u64>,
    /// The last thing that went wrong with it, in words a user can act on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The API domain Zoho named at consent (`https://www.zohoapis.eu`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_domain: Option<String>,
    /// A `[connections.NAME]` table of the configuration file whose tokens moved into the store:
    /// its settings stay in the file, and `connections.*` leave it alone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub configured: bool,
}

/// A connection's tokens as the store holds them, with the version the next write must name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The tokens (Debug never shows one).
    pub tokens: StoredTokens,
    /// Raised by every write; 0 is never a stored version.
    pub version: u64,
    /// Raised only when a new consent brought a new refresh token.
    pub generation: u64,
}

/// One write of a connection's tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenWrite {
    /// A consent completed: everything, refresh token included, is replaced.
    Granted(StoredTokens),
    /// A refresh minted an access token. The refresh token cannot be part of it: Zoho's refresh
    /// answer carries none, and copying "whatever came back" is how integrations lose theirs.
    Refreshed {
        /// The new access token.
        access_token: Secret,
        /// When it stops working.
        expires_at: SystemTime,
        /// The API domain, when the answer named one.
        api_domain: Option<String>,
        /// The granted scopes, when the answer named them.
        scopes: Option<String>,
    },
}

impl TokenWrite {
    /// The tokens after this write over `current` (`None`: a refresh with nothing to refresh).
    pub(crate) fn apply(&self, current: Option<&StoredTokens>) -> Option<StoredTokens> {
        match self {
            TokenWrite::Granted(tokens) => Some(tokens.clone()),
            TokenWrite::Refreshed {
                access_token,
                expires_at,
                api_domain,
                scopes,
            } => current.map(|current| StoredTokens {
                refresh_token: current.refresh_token.clone(),
                access_token: Some(access_token.clone()),
                expires_at: Some(*expires_at),
                api_domain: api_domain.clone().or_else(|| current.api_domain.clone()),
                scopes: scopes.clone().or_else(|| current.scopes.clone()),
                accounts_server: current.accounts_server.clone(),
            }),
        }
    }

    /// The record after this write over `current`, or `None` when it cannot apply.
    pub(crate) fn next_record(&self, current: Option<&TokenRecord>) -> Option<TokenRecord> {
        let tokens = self.apply(current.map(|record| &record.tokens))?;
        let version = current.map_or(0, |record| record.version) + 1;
        let generation = current.map_or(0, |record| record.generation)
            + u64::from(matches!(self, TokenWrite::Granted(_)));
        Some(TokenRecord {
            tokens,
            version,
            generation,
        })
    }
}

/// How a [`super::Store::write_tokens`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Written; the record's new version.
    Written(u64),
    /// Another writer came first (or a refresh found no tokens): the record as it is now.
    Conflict(Option<TokenRecord>),
}

/// An authorization in progress: started on one instance, finished on any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAuthorization {
    /// The connection it authorizes.
    pub connection: String,
    /// The redirect URI the consent URL named; the code exchange must name the same.
    pub redirect_uri: String,
    /// When it stops being accepted (Unix ms).
    pub expires_at_ms: u64,
}

/// What [`super::Store::put_pending`] did with an authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingPut {
    /// Kept until it is taken or expires.
    Kept,
    /// Not kept: `cap` authorizations of its connection are in progress already.
    Full {
        /// When the first of them stops being accepted (Unix ms), making room.
        first_expires_at_ms: u64,
    },
}

/// Check a connection name: 1 to 64 letters, digits, `_`, `-` or `.`, not starting with `.`, so
/// it is a safe file name, key part and URL query value everywhere.
pub fn check_connection_name(name: &str) -> Result<(), Error> {
    let fits = (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if fits {
        Ok(())
    } else {
        Err(Error::InvalidInput {
            field: "name".into(),
            reason: "expected a string of 1 to 64 letters, digits, `_`, `-` or `.` (not starting with `.`)".into(),
        })
    }
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

/// A token record at rest: every token sealed for its connection and field.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SealedTokens {
    pub version: u64,
    pub generation: u64,
    pub refresh_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts_server: Option<String>,
}

impl SealedTokens {
    pub(crate) fn seal(
        keyring: &Keyring,
        connection: &str,
        record: &TokenRecord,
    ) -> Result<SealedTokens, Error> {
        let tokens = &record.tokens;
        Ok(SealedTokens {
            version: record.version,
            generation: record.generation,
            refresh_token: keyring.seal(connection, "refresh_token", &tokens.refresh_token)?,
            access_token: tokens
                .access_token
                .as_ref()
                .map(|token| keyring.seal(connection, "access_token", token))
                .transpose()?,
            expires_at_ms: tokens.expires_at.map(|at| {
                at.duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_millis() as u64)
            }),
            api_domain: tokens.api_domain.clone(),
            scopes: tokens.scopes.clone(),
            accounts_server: tokens.accounts_server.clone(),
        })
    }

    pub(crate) fn open(&self, keyring: &Keyring, connection: &str) -> Result<TokenRecord, Error> {
        Ok(TokenRecord {
            version: self.version,
            generation: self.generation,
            tokens: StoredTokens {
                refresh_token: keyring.open(connection, "refresh_token", &self.refresh_token)?,
                access_token: self
                    .access_token
                    .as_deref()
                    .map(|token| keyring.open(connection, "access_token", token))
                    .transpose()?,
                expires_at: self
                    .expires_at_ms
                    .and_then(|ms| UNIX_EPOCH.checked_add(Duration::from_millis(ms))),
                api_domain: self.api_domain.clone(),
                scopes: self.scopes.clone(),
                accounts_server: self.accounts_server.clone(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn granted(refresh: &str) -> TokenWrite {
        TokenWrite::Granted(StoredTokens::from_refresh_token(Secret::new(refresh)))
    }

    #[test]
    fn a_refresh_keeps_the_refresh_token_and_a_consent_raises_the_generation() {
        let first = granted("rt-1").next_record(None).unwrap();
        assert_eq!((first.version, first.generation), (1, 1));
        let refreshed = TokenWrite::Refreshed {
            access_token: Secret::new("at"),
            expires_at: SystemTime::now(),
            api_domain: None,
            scopes: None,
        }
        .next_record(Some(&first))
        .unwrap();
        assert_eq!(refreshed.tokens.refresh_token.expose(), "rt-1");
        assert_eq!((refreshed.version, refreshed.generation), (2, 1));
        let again = granted("rt-2").next_record(Some(&refreshed)).unwrap();
        assert_eq!((again.version, again.generation), (3, 2));
    }

    #[test]
    fn a_refresh_with_no_tokens_writes_nothing() {
        let refreshed = TokenWrite::Refreshed {
            access_token: Secret::new("at"),
            expires_at: SystemTime::now(),
            api_domain: None,
            scopes: None,
        };
        assert_eq!(refreshed.next_record(None), None);
    }

    #[test]
    fn names_are_safe_file_names_and_key_parts() {
        for good in ["default", "acme-eu", "cust_42", "a.b"] {
            assert!(check_connection_name(good).is_ok(), "{good}");
        }
        for bad in ["", ".hidden", "a/b", "a b", "ü", &"x".repeat(65)] {
            assert!(check_connection_name(bad).is_err(), "{bad}");
        }
    }
}
