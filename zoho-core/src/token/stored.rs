//! The tokens of one connection as they are kept between runs.

use std::time::SystemTime;

use crate::Secret;

/// Everything needed to call Zoho again after a restart. Debug never shows a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTokens {
    /// The long-lived refresh token; a refresh never replaces it.
    pub refresh_token: Secret,
    /// The last access token, if one was minted.
    pub access_token: Option<Secret>,
    /// When the access token stops working.
    pub expires_at: Option<SystemTime>,
    /// Where API calls go (`https://www.zohoapis.eu`), from the token response.
    pub api_domain: Option<String>,
    /// The scopes Zoho granted, as it wrote them.
    pub scopes: Option<String>,
    /// The accounts server that granted the refresh token (multi-DC); refreshes go there.
    pub accounts_server: Option<String>,
}

impl StoredTokens {
    /// Tokens holding only a refresh token (for example one made in Zoho's self-client console).
    pub fn from_refresh_token(refresh_token: Secret) -> StoredTokens {
        StoredTokens {
            refresh_token,
            access_token: None,
            expires_at: None,
            api_domain: None,
            scopes: None,
            accounts_server: None,
        }
    }
}
