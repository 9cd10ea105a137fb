//! The API key that guards a server reachable from other machines: `Authorization: Bearer <key>`.

use http::HeaderValue;
use zoho_core::Secret;

use crate::Error;

/// The shortest key accepted: short keys are guessable.
pub const MIN_KEY_LEN: usize = 16;

/// The key callers must present. Debug prints a placeholder.
#[derive(Debug, Clone)]
pub struct ApiKey(Secret);

impl ApiKey {
    /// Read the key from environment variable `var`.
    pub fn from_env(var: &str) -> Result<ApiKey, Error> {
        let refuse = |reason: &str| Error::ApiKey {
            var: var.to_owned(),
            reason: reason.to_owned(),
        };
        match std::env::var(var) {
            Ok(value) => ApiKey::new(Secret::new(value)).map_err(|reason| refuse(&reason)),
            Err(std::env::VarError::NotPresent) => Err(refuse("the variable is not set")),
            Err(std::env::VarError::NotUnicode(_)) => Err(refuse("the value is not valid UTF-8")),
        }
    }

    /// Use `key`; refused when shorter than [`MIN_KEY_LEN`] or not a valid header value.
    pub fn new(key: Secret) -> Result<ApiKey, String> {
        let value = key.expose();
        if value.trim() != value {
            return Err("the key has leading or trailing whitespace".into());
        }
        if value.chars().count() < MIN_KEY_LEN {
            return Err(format!(
                "the key must be at least {MIN_KEY_LEN} characters long"
            ));
        }
        if !value.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the key must be printable ASCII without spaces".into());
        }
        Ok(ApiKey(key))
    }

    /// Whether an `Authorization` header carries this key as a Bearer token.
    pub fn admits(&self, authorization: Option<&HeaderValue>) -> bool {
        let Some(presented) = authorization.and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let Some((scheme, token)) = presented.split_once(' ') else {
            return false;
        };
        scheme.eq_ignore_ascii_case("bearer")
            && constant_time_eq(token.trim().as_bytes(), self.0.expose().as_bytes())
    }

    /// A tag only a holder of this key can make for `message` (HMAC-SHA256, base64url): it signs
    /// the connections page's session cookie, so every instance with the key accepts the
    /// cookie and the cookie never holds the key.
    pub(crate) fn tag(&self, message: &str) -> String {
        use base64::Engine as _;
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, self.0.expose().as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(ring::hmac::sign(&key, message.as_bytes()).as_ref())
    }

    /// Whether `tag` is [`ApiKey::tag`] of `message` (compared in constant time).
    pub(crate) fn verifies(&self, message: &str, tag: &str) -> bool {
        use base64::Engine as _;
        let Ok(tag) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, self.0.expose().as_bytes());
        ring::hmac::verify(&key, message.as_bytes(), &tag).is_ok()
    }
}

/// The one constant-time comparison (zoho-core's), under the name this crate's routes use.
pub(crate) use zoho_core::__private::constant_time_eq;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key() -> ApiKey {
        ApiKey::new(Secret::new("s3cret-key-0123456789")).unwrap()
    }

    #[test]
    fn only_the_bearer_key_is_admitted() {
        let key = key();
        assert!(key.admits(Some(&HeaderValue::from_static(
            "Bearer s3cret-key-0123456789"
        ))));
        assert!(key.admits(Some(&HeaderValue::from_static(
            "bearer s3cret-key-0123456789"
        ))));
        assert!(!key.admits(None));
        assert!(!key.admits(Some(&HeaderValue::from_static(
            "Bearer s3cret-key-012345678"
        ))));
        assert!(!key.admits(Some(&HeaderValue::from_static(
            "Bearer s3cret-key-01234567890"
        ))));
        assert!(!key.admits(Some(&HeaderValue::from_static(
            "Basic s3cret-key-0123456789"
        ))));
        assert!(!key.admits(Some(&HeaderValue::from_static("s3cret-key-0123456789"))));
    }

    #[test]
    fn weak_keys_are_refused_without_echoing_them() {
        let reason = ApiKey::new(Secret::new("short")).unwrap_err();
        assert!(reason.contains("at least 16"), "{reason}");
        assert!(!reason.contains("short"));
        assert!(ApiKey::new(Secret::new("has a space in the middle")).is_err());
    }

    #[test]
    fn debug_does_not_show_the_key() {
        assert!(!format!("{:?}", key()).contains("s3cret"));
    }
}
