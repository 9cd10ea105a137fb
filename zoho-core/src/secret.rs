//! Secrets that cannot be printed by accident (Debug and Display show a placeholder), and the
//! one comparison of secret values.

use subtle::ConstantTimeEq as _;

/// Whether `a` and `b` are equal, in time that does not depend on where they differ, so a
/// secret (an API key, an OAuth `state`) cannot be found byte by byte. Only the length can be
/// learnt, which says little about a long random value. `subtle` does the comparison, so the
/// compiler cannot turn it back into an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

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
    fn only_equal_values_are_equal() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"abc", b""));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn neither_debug_nor_display_shows_the_value() {
        let secret = Secret::new("1000.abcdef");
        assert!(!format!("{secret:?}").contains("abcdef"));
        assert!(!format!("{secret}").contains("abcdef"));
        assert_eq!(secret.expose(), "1000.abcdef");
    }
}
