//! Reading the token endpoint's answer: tokens on success, the right [`Error`] otherwise.
//!
//! Zoho answers most token errors with HTTP 200 and `{"error": "..."}` (`crm.md` §2.2), so the
//! body decides, not the status.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::oauth::endpoints::checked_base_url;
use crate::{ApiError, Error, Limit, Secret, ZohoCode};

/// What a successful code exchange or refresh gave us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    /// The new access token.
    pub access_token: Secret,
    /// A refresh token: only an offline code exchange sends one; a refresh never does.
    pub refresh_token: Option<Secret>,
    /// How long the access token lives, from now.
    pub expires_in: Duration,
    /// Where API calls go, when Zoho said.
    pub api_domain: Option<String>,
    /// The scopes granted, when Zoho said.
    pub scope: Option<String>,
}

/// The lifetime Zoho documents, used when an answer does not say.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// The longest lifetime believed: Zoho documents one hour, and an absurd answer
/// (`expires_in: 1e300`) must not overflow the clock when the expiry is computed.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// What a token request was for, to word its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    /// Exchanging an authorization (grant) code.
    AuthorizationCode,
    /// Refreshing with the refresh token.
    Refresh,
    /// Revoking the refresh token.
    Revoke,
}

#[derive(Deserialize)]
struct Reply {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<Value>,
    expires_in_sec: Option<Value>,
    api_domain: Option<String>,
    scope: Option<String>,
    error: Option<Value>,
    error_description: Option<String>,
}

/// Who is asking, for error messages: the connection's name, the environment variable that
/// holds its client secret, and the command that authorizes it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorContext {
    /// The connection's name.
    pub connection: String,
    /// The environment variable the client secret comes from.
    pub client_secret_env: String,
}

impl ErrorContext {
    fn login_step(&self) -> String {
        format!(
            "authorize again: run `zoho-server auth login --connection {}`",
            self.connection
        )
    }

    fn unauthorized(&self, reason: String, next_step: String) -> Error {
        Error::Unauthorized {
            connection: self.connection.clone(),
            reason,
            next_step,
        }
    }
}

/// Read the token endpoint's answer.
pub fn parse_token_response(
    ctx: &ErrorContext,
    kind: GrantKind,
    http_status: u16,
    retry_after: Option<Duration>,
    body: &str,
) -> Result<TokenGrant, Error> {
    let reply: Option<Reply> = serde_json::from_str(body).ok();
    if let Some(error) = reply.as_ref().and_then(|r| r.error.as_ref()) {
        let description = reply.as_ref().and_then(|r| r.error_description.clone());
        return Err(token_error(
            ctx,
            kind,
            http_status,
            retry_after,
            error,
            description,
        ));
    }
    if http_status == 429 {
        return Err(Error::RateLimited {
            http_status,
            code: None,
            retry_after,
            limit: Limit::Tokens,
            attempts: 1,
        });
    }
    let reply = match reply {
        Some(reply) if (200..300).contains(&http_status) => reply,
        _ => {
            return Err(Error::Api(ApiError {
                http_status,
                code: None,
                message: format!(
                    "the token endpoint answered HTTP {http_status} without a token or an error we can read"
                ),
                details: Value::Null,
                attempts: 1,
            }));
        }
    };
    let access_token = reply
        .access_token
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            Error::Internal("the token endpoint answered without an access_token".into())
        })?;
    let api_domain = match reply.api_domain.filter(|domain| !domain.trim().is_empty()) {
        Some(domain) => Some(
            checked_base_url("api_domain", &domain)
                .map_err(|err| {
                    Error::Internal(format!("Zoho's token answer has an unusable {err}"))
                })?
                .as_str()
                .trim_end_matches('/')
                .to_string(),
        ),
        None => None,
    };
    Ok(TokenGrant {
        access_token: Secret::new(access_token),
        refresh_token: reply
            .refresh_token
            .filter(|token| !token.is_empty())
            .map(Secret::new),
        expires_in: lifetime(reply.expires_in.as_ref(), reply.expires_in_sec.as_ref()),
        api_domain,
        scope: reply.scope,
    })
}

/// `expires_in` is seconds; older answers sent milliseconds there plus `expires_in_sec`, which
/// then wins. At least one second, so a zero never makes every call refresh; at most
/// [`MAX_LIFETIME`].
fn lifetime(expires_in: Option<&Value>, expires_in_sec: Option<&Value>) -> Duration {
    let seconds = match (expires_in_sec.and_then(as_u64), expires_in.and_then(as_u64)) {
        (Some(seconds), _) => seconds,
        (None, Some(seconds)) => seconds,
        (None, None) => DEFAULT_LIFETIME.as_secs(),
    };
    Duration::from_secs(seconds.clamp(1, MAX_LIFETIME.as_secs()))
}

fn as_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number
            .as_u64()
            .or_else(|| number.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

fn token_error(
    ctx: &ErrorContext,
    kind: GrantKind,
    http_status: u16,
    retry_after: Option<Duration>,
    error: &Value,
    description: Option<String>,
) -> Error {
    let code = match error {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let throttled = code.eq_ignore_ascii_case("Access Denied")
        || description
            .as_deref()
            .is_some_and(|text| text.to_ascii_lowercase().contains("too many requests"));
    if throttled {
        return Error::RateLimited {
            http_status,
            code: Some(ZohoCode::Text(code)),
            retry_after,
            limit: Limit::Tokens,
            attempts: 1,
        };
    }
    match code.as_str() {
        "invalid_code" => {
            let reason = match kind {
                GrantKind::AuthorizationCode => {
                    "Zoho refused the authorization code (invalid_code): it expired (codes live 2-3 minutes), was already used, or belongs to another data center"
                }
                GrantKind::Refresh | GrantKind::Revoke => {
                    "Zoho refused the refresh token (invalid_code): it was revoked, deleted (Zoho keeps 20 per user and client) or belongs to another data center"
                }
            };
            ctx.unauthorized(reason.into(), ctx.login_step())
        }
        "invalid_client" => ctx.unauthorized(
            "Zoho does not know this client_id in this data center (invalid_client)".into(),
            format!("check `client_id` and `region_url` of the connection, then {}", ctx.login_step()),
        ),
        "invalid_client_secret" => ctx.unauthorized(
            "Zoho refused the client secret (invalid_client_secret)".into(),
            format!(
                "put the right client secret in the environment variable `{}` (a multi-DC client may have one secret per data center)",
                ctx.client_secret_env
            ),
        ),
        "invalid_redirect_uri" => Error::Config(format!(
            "connection `{}`: Zoho refused the redirect URI (invalid_redirect_uri); it must exactly match one registered for the client in Zoho's API console",
            ctx.connection
        )),
        _ => Error::Api(ApiError {
            http_status,
            message: description.unwrap_or_else(|| code.clone()),
            code: Some(ZohoCode::Text(code)),
            details: Value::Null,
            attempts: 1,
        }),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ctx() -> ErrorContext {
        ErrorContext {
            connection: "default".into(),
            client_secret_env: "ZOHO_CLIENT_SECRET".into(),
        }
    }

    fn parse(status: u16, body: &str) -> Result<TokenGrant, Error> {
        parse_token_response(&ctx(), GrantKind::Refresh, status, None, body)
    }

    #[test]
    fn seconds_and_legacy_milliseconds() {
        let modern = parse(200, r#"{"access_token":"a","expires_in":3600}"#).unwrap();
        assert_eq!(modern.expires_in, Duration::from_secs(3600));
        let legacy = parse(
            200,
            r#"{"access_token":"a","expires_in":3600000,"expires_in_sec":3600}"#,
        )
        .unwrap();
        assert_eq!(legacy.expires_in, Duration::from_secs(3600));
        let missing = parse(200, r#"{"access_token":"a"}"#).unwrap();
        assert_eq!(missing.expires_in, DEFAULT_LIFETIME);
        let zero = parse(200, r#"{"access_token":"a","expires_in":0}"#).unwrap();
        assert_eq!(zero.expires_in, Duration::from_secs(1));
        let absurd = parse(200, r#"{"access_token":"a","expires_in":1e300}"#).unwrap();
        assert_eq!(absurd.expires_in, MAX_LIFETIME);
    }

    #[test]
    fn an_answer_without_a_token_or_error_is_not_success() {
        assert!(matches!(parse(200, "{}"), Err(Error::Internal(_))));
        assert!(matches!(
            parse(200, "<html>"),
            Err(Error::Api(ApiError {
                http_status: 200,
                ..
            }))
        ));
        let server_error = parse(502, "Bad Gateway").unwrap_err();
        assert!(server_error.is_retryable());
        assert!(matches!(
            parse(429, ""),
            Err(Error::RateLimited {
                http_status: 429,
                ..
            })
        ));
    }

    #[test]
    fn unknown_errors_keep_zohos_code() {
        let err = parse(
            200,
            r#"{"error":"invalid_scope","error_description":"bad scope"}"#,
        )
        .unwrap_err();
        let Error::Api(api) = err else {
            panic!("expected an API error")
        };
        assert_eq!(api.code, Some(ZohoCode::Text("invalid_scope".into())));
        assert_eq!(api.message, "bad scope");
    }

    #[test]
    fn api_domain_must_be_a_usable_base() {
        let err = parse(
            200,
            r#"{"access_token":"a","api_domain":"http://evil.example"}"#,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Internal(_)));
        let ok = parse(
            200,
            r#"{"access_token":"a","api_domain":"https://www.zohoapis.eu/"}"#,
        )
        .unwrap();
        assert_eq!(ok.api_domain.as_deref(), Some("https://www.zohoapis.eu"));
    }
}
