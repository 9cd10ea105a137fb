//! Zoho OAuth 2.0: the authorization URL, code exchange, refresh and revoke (`crm.md` §2).

mod endpoints;
mod grant;
mod state;

use std::time::Duration;

use reqwest::header::RETRY_AFTER;
use url::Url;

use crate::{Error, Secret};

pub use endpoints::{OAuthEndpoints, checked_base_url};
pub use grant::{ErrorContext, GrantKind, TokenGrant, parse_token_response};
pub use state::new_state;

/// How long one token-endpoint call may take.
const TOKEN_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// Talks to one connection's accounts server. Debug never shows the client secret.
#[derive(Debug, Clone)]
pub struct OAuthClient {
    ctx: ErrorContext,
    client_id: String,
    client_secret: Secret,
    scopes: Vec<String>,
    endpoints: OAuthEndpoints,
    http: reqwest::Client,
}

impl OAuthClient {
    /// A client for the connection `ctx.connection`. `scopes` are sent comma-separated.
    pub fn new(
        ctx: ErrorContext,
        client_id: impl Into<String>,
        client_secret: Secret,
        scopes: Vec<String>,
        endpoints: OAuthEndpoints,
    ) -> Result<OAuthClient, Error> {
        // Never follow a redirect: a 307 would resend the client secret to wherever it points.
        let http = crate::http_client(crate::DEFAULT_CONNECT_TIMEOUT)?;
        Ok(OAuthClient::with_http_client(
            ctx,
            client_id,
            client_secret,
            scopes,
            endpoints,
            http,
        ))
    }

    /// Like [`OAuthClient::new`], with a caller's HTTP client (it should not follow redirects).
    pub fn with_http_client(
        ctx: ErrorContext,
        client_id: impl Into<String>,
        client_secret: Secret,
        scopes: Vec<String>,
        endpoints: OAuthEndpoints,
        http: reqwest::Client,
    ) -> OAuthClient {
        OAuthClient {
            ctx,
            client_id: client_id.into(),
            client_secret,
            scopes,
            endpoints,
            http,
        }
    }

    /// The connection's name.
    pub fn connection(&self) -> &str {
        &self.ctx.connection
    }

    /// The configured endpoints.
    pub fn endpoints(&self) -> &OAuthEndpoints {
        &self.endpoints
    }

    /// The browser URL that asks the user for consent: offline access (so a refresh token
    /// comes back), `prompt=consent` (so it comes back even on a second consent) and `state`.
    pub fn authorization_url(&self, redirect_uri: &str, state: &str) -> Result<Url, Error> {
        check_redirect_uri(redirect_uri)?;
        let mut url = self.endpoints.authorize_url.clone();
        url.query_pairs_mut()
            .append_pair("scope", &self.scopes.join(","))
            .append_pair("client_id", &self.client_id)
            .append_pair("response_type", "code")
            .append_pair("access_type", "offline")
            .append_pair("prompt", "consent")
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("state", state);
        Ok(url)
    }

    /// Exchange an authorization code. `accounts_server` is the redirect's `accounts-server`
    /// (multi-DC): the code is exchanged there if it is a Zoho accounts server or this
    /// connection's own; `redirect_uri` is `None` for a self-client code.
    pub async fn exchange_code(
        &self,
        code: &Secret,
        redirect_uri: Option<&str>,
        accounts_server: Option<&str>,
    ) -> Result<TokenGrant, Error> {
        let endpoints = self.endpoints.for_grant_from(accounts_server)?;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("code", code.expose()),
        ];
        if let Some(redirect_uri) = redirect_uri {
            form.push(("redirect_uri", redirect_uri));
        }
        self.token_call(GrantKind::AuthorizationCode, endpoints.token_url, &form)
            .await
    }

    /// Mint a new access token with `refresh_token`, at the accounts server that granted it.
    pub async fn refresh(
        &self,
        refresh_token: &Secret,
        accounts_server: Option<&str>,
    ) -> Result<TokenGrant, Error> {
        let endpoints = self.endpoints.for_grant_from(accounts_server)?;
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("refresh_token", refresh_token.expose()),
        ];
        tracing::debug!(connection = %self.ctx.connection, "refreshing the access token");
        self.token_call(GrantKind::Refresh, endpoints.token_url, &form)
            .await
    }

    /// Revoke `refresh_token` (and with it its access tokens): `POST {revoke}?token=...` as
    /// Zoho documents it, with the token also in the form body as the SDKs send it.
    pub async fn revoke(
        &self,
        refresh_token: &Secret,
        accounts_server: Option<&str>,
    ) -> Result<(), Error> {
        let endpoints = self.endpoints.for_grant_from(accounts_server)?;
        let mut url = endpoints.revoke_url;
        url.query_pairs_mut()
            .append_pair("token", refresh_token.expose());
        let response = self
            .http
            .post(url)
            .timeout(TOKEN_CALL_TIMEOUT)
            .form(&[("token", refresh_token.expose())])
            .send()
            .await
            .map_err(network_error)?;
        let status = response.status().as_u16();
        let retry_after = retry_after(&response);
        let body = response.text().await.map_err(network_error)?;
        let reply: Option<serde_json::Value> = serde_json::from_str(&body).ok();
        let error = reply.as_ref().and_then(|r| r.get("error"));
        if (200..300).contains(&status) && error.is_none() {
            return Ok(());
        }
        // `crm.md` §2.4: an unknown token is refused; it cannot be used any more either.
        if error.and_then(|e| e.as_str()) == Some("invalid_token") {
            return Err(Error::Unauthorized {
                connection: self.ctx.connection.clone(),
                reason: "Zoho no longer knows the refresh token (invalid_token)".into(),
                next_step: format!(
                    "authorize again: run `zoho-server auth login --connection {}`",
                    self.ctx.connection
                ),
            });
        }
        // Same error vocabulary as the token endpoint; a revoke has no token to return.
        match parse_token_response(&self.ctx, GrantKind::Revoke, status, retry_after, &body) {
            Err(err) => Err(err),
            Ok(_) => Err(Error::Internal(
                "the revoke endpoint answered with a token".into(),
            )),
        }
    }

    async fn token_call(
        &self,
        kind: GrantKind,
        url: Url,
        form: &[(&str, &str)],
    ) -> Result<TokenGrant, Error> {
        let response = self
            .http
            .post(url)
            .timeout(TOKEN_CALL_TIMEOUT)
            .form(form)
            .send()
            .await
            .map_err(network_error)?;
        let status = response.status().as_u16();
        let retry_after = retry_after(&response);
        let body = response.text().await.map_err(network_error)?;
        parse_token_response(&self.ctx, kind, status, retry_after, &body)
    }
}

fn check_redirect_uri(redirect_uri: &str) -> Result<(), Error> {
    match Url::parse(redirect_uri) {
        Ok(url) if url.has_host() => Ok(()),
        _ => Err(Error::InvalidInput {
            field: "redirect_uri".into(),
            reason: "must be an absolute URL registered for the client in Zoho's API console"
                .into(),
        }),
    }
}

/// A transport failure; the URL is dropped because a revoke URL carries the token.
fn network_error(err: reqwest::Error) -> Error {
    let timed_out = err.is_timeout();
    Error::Network {
        attempts: 1,
        reason: format!("calling the Zoho accounts server: {}", err.without_url()),
        timed_out,
        host: None,
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}
