//! Where the client gets its access token: the seam between request execution and OAuth.

use std::future::Future;
use std::pin::Pin;

use crate::{Error, Secret};

/// A boxed future, so [`TokenSource`] stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An access token and the API domain Zoho said to use it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The token, sent as `Authorization: Zoho-oauthtoken <token>`.
    pub token: Secret,
    /// Where API calls go (`https://www.zohoapis.eu`), from the token response's `api_domain`.
    pub api_domain: String,
}

/// Hands out access tokens for one connection.
pub trait TokenSource: Send + Sync + std::fmt::Debug {
    /// A token that is valid now (refreshing ahead of expiry; one refresh in flight at most).
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>>;

    /// Zoho refused `rejected` (`INVALID_TOKEN`, `AUTHENTICATION_FAILURE`): refresh, unless another
    /// caller already replaced it, and return the token to retry with.
    fn token_rejected<'a>(
        &'a self,
        rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<AccessToken, Error>>;

    /// Access tokens minted in the last 10 minutes (Zoho allows 10 per refresh token), when
    /// this source mints and counts them.
    fn mints_last_10m(&self) -> Option<u64> {
        None
    }
}

/// A fixed token: for tests and for callers who manage tokens themselves. It cannot refresh.
#[derive(Debug, Clone)]
pub struct StaticToken(pub AccessToken);

impl TokenSource for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }

    fn token_rejected<'a>(
        &'a self,
        _rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<AccessToken, Error>> {
        Box::pin(async move {
            Err(Error::Unauthorized {
                connection: "static".into(),
                reason: "Zoho refused the fixed access token".into(),
                next_step: "supply a fresh access token".into(),
            })
        })
    }
}
