//! Secrets that cannot be printed by accident: Debug and Display show a placeholder.

/// A secret string (client secret, access or refresh token, API key).
/// Debug and Display print `[redacted]`; read it with [`Secret::expose`] where it is really sent.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself: call this only where it goes on the wire or into the token store.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neither_debug_nor_display_shows_the_value() {
        let secret = Secret::new("1000.abcdef");
        assert!(!format!("{secret:?}").contains("abcdef"));
        assert!(!format!("{secret}").contains("abcdef"));
        assert_eq!(secret.expose(), "1000.abcdef");
    }
}
