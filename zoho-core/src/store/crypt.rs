//! Tokens encrypted at rest: AES-256-GCM (through `ring`) in an envelope that names its key.
//!
//! A sealed value reads `v1.<kid>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The nonce is 96 random
//! bits, fresh for every value. The associated data binds the value to its place,
//! `zoho-rs|v1|<connection>|<field>|<kid>`: a ciphertext copied into another connection's record
//! or into another field does not open. The key id travels in each value, so a keyring holding
//! the new key and the old ones reads everything while the new key writes.
//!
//! Zoho's tokens start with digits (`1000.…`), never with `v1.`, so a value written before a key
//! was configured is told apart from a sealed one and still read.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom as _, SystemRandom};

use crate::{Error, Secret};

const ENVELOPE: &str = "v1";

/// The keys tokens are sealed with: the first one seals, every one opens. Debug shows key ids only.
#[derive(Clone, Default)]
pub struct Keyring {
    keys: Vec<(String, std::sync::Arc<LessSafeKey>)>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("key_ids", &self.key_ids())
            .finish()
    }
}

impl Keyring {
    /// No key: values are kept as they are (the file store's default, mode 0600).
    pub fn none() -> Keyring {
        Keyring::default()
    }

    /// Parse a keyring: one base64 key of 32 bytes (its id is derived from it), or several as
    /// `kid=base64,kid=base64` with the sealing key first. `source` names where it came from in
    /// errors (the environment variable); the keys are never repeated.
    pub fn parse(text: &str, source: &str) -> Result<Keyring, Error> {
        let mut keys = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (kid, encoded) = match part.split_once('=') {
                // Standard base64 may end in `=`; a key id never is empty.
                Some((kid, encoded)) if !kid.is_empty() && !encoded.is_empty() => {
                    (Some(kid.to_owned()), encoded)
                }
                _ => (None, part),
            };
            let bytes = STANDARD
                .decode(encoded)
                .or_else(|_| URL_SAFE_NO_PAD.decode(encoded))
                .map_err(|_| {
                    Error::Config(format!(
                        "`{source}`: a key is not base64 (make one with `openssl rand -base64 32`)"
                    ))
                })?;
            if bytes.len() != 32 {
                return Err(Error::Config(format!(
                    "`{source}`: a key must be 32 bytes (AES-256), this one is {}; make one with `openssl rand -base64 32`",
                    bytes.len()
                )));
            }
            let kid = kid.unwrap_or_else(|| derived_kid(&bytes));
            if !kid
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(Error::Config(format!(
                    "`{source}`: key id `{kid}` may hold only letters, digits, `_` and `-`"
                )));
            }
            if keys.iter().any(|(known, _)| known == &kid) {
                return Err(Error::Config(format!(
                    "`{source}`: key id `{kid}` is given twice"
                )));
            }
            let key = UnboundKey::new(&AES_256_GCM, &bytes)
                .map_err(|_| Error::Config(format!("`{source}`: a key is not usable")))?;
            keys.push((kid, std::sync::Arc::new(LessSafeKey::new(key))));
        }
        if keys.is_empty() {
            return Err(Error::Config(format!("`{source}` holds no key")));
        }
        Ok(Keyring { keys })
    }

    /// The keyring in the environment variable `var`.
    pub fn from_env(var: &str) -> Result<Keyring, Error> {
        match std::env::var(var) {
            Ok(text) => Keyring::parse(&text, var),
            Err(_) => Err(Error::Config(format!(
                "set the environment variable `{var}` (store.encryption_key_env) to a base64 key of 32 bytes: `openssl rand -base64 32`"
            ))),
        }
    }

    /// Whether values are sealed.
    pub fn is_enabled(&self) -> bool {
        !self.keys.is_empty()
    }

    /// The key ids, sealing key first.
    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|(kid, _)| kid.as_str()).collect()
    }

    /// Seal `value` as field `field` of connection `connection`. Without a key, the value itself.
    pub fn seal(&self, connection: &str, field: &str, value: &Secret) -> Result<String, Error> {
        let Some((kid, key)) = self.keys.first() else {
            return Ok(value.expose().to_owned());
        };
        let mut nonce = [0_u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| Error::Internal("no random numbers for a nonce".into()))?;
        let mut sealed = value.expose().as_bytes().to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(connection, field, kid)),
            &mut sealed,
        )
        .map_err(|_| Error::Internal("sealing a token failed".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        Ok(format!(
            "{ENVELOPE}.{kid}.{}",
            URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    /// Open a value [`Keyring::seal`] made for the same connection and field (or a value kept
    /// as it is, from before a key was set).
    pub fn open(&self, connection: &str, field: &str, stored: &str) -> Result<Secret, Error> {
        let Some(rest) = stored.strip_prefix("v1.") else {
            return Ok(Secret::new(stored));
        };
        let refuse = |why: &str| {
            Error::Config(format!(
                "connection `{connection}`: the stored {field} cannot be read: {why}"
            ))
        };
        let (kid, encoded) = rest
            .split_once('.')
            .ok_or_else(|| refuse("it is not a sealed value"))?;
        let key = self
            .keys
            .iter()
            .find(|(known, _)| known == kid)
            .map(|(_, key)| key)
            .ok_or_else(|| {
                refuse(&format!(
                    "it was sealed with key `{kid}`, which the store's keyring does not hold (keys: {})",
                    if self.keys.is_empty() { "none".to_owned() } else { self.key_ids().join(", ") }
                ))
            })?;
        let mut bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| refuse("it is not base64"))?;
        if bytes.len() < NONCE_LEN {
            return Err(refuse("it is too short"));
        }
        let mut nonce = [0_u8; NONCE_LEN];
        nonce.copy_from_slice(&bytes[..NONCE_LEN]);
        let opened = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(connection, field, kid)),
                &mut bytes[NONCE_LEN..],
            )
            .map_err(|_| {
                refuse("it does not open with its key (altered, or sealed for another place)")
            })?;
        String::from_utf8(opened.to_vec())
            .map(Secret::new)
            .map_err(|_| refuse("it is not text"))
    }
}

fn aad(connection: &str, field: &str, kid: &str) -> Vec<u8> {
    format!("zoho-rs|{ENVELOPE}|{connection}|{field}|{kid}").into_bytes()
}

/// A key id for a key given without one: the first 8 hex digits of its SHA-256, so two different
/// keys never share an id and every instance given the same key derives the same id.
fn derived_kid(key: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, key);
    digest.as_ref()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const KEY_B: &str = "Hx4dHBsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=";

    #[test]
    fn a_sealed_token_holds_no_plain_text_and_opens_in_its_place_only() {
        let ring = Keyring::parse(KEY_A, "ZOHO_STORE_KEY").unwrap();
        let token = Secret::new("1000.refresh.abcdef");
        let sealed = ring.seal("acme", "refresh_token", &token).unwrap();
        assert!(sealed.starts_with("v1."), "{sealed}");
        assert!(!sealed.contains("abcdef"));
        assert_ne!(sealed, ring.seal("acme", "refresh_token", &token).unwrap());
        assert_eq!(ring.open("acme", "refresh_token", &sealed).unwrap(), token);
        let moved = ring.open("other", "refresh_token", &sealed).unwrap_err();
        assert!(moved.to_string().contains("another place"), "{moved}");
        assert!(ring.open("acme", "access_token", &sealed).is_err());
    }

    #[test]
    fn a_rotated_keyring_opens_old_values_and_seals_with_the_new_key() {
        let old = Keyring::parse(&format!("k0={KEY_A}"), "K").unwrap();
        let sealed_old = old
            .seal("acme", "refresh_token", &Secret::new("rt"))
            .unwrap();
        let rotated = Keyring::parse(&format!("k1={KEY_B},k0={KEY_A}"), "K").unwrap();
        assert_eq!(
            rotated
                .open("acme", "refresh_token", &sealed_old)
                .unwrap()
                .expose(),
            "rt"
        );
        let sealed_new = rotated
            .seal("acme", "refresh_token", &Secret::new("rt"))
            .unwrap();
        assert!(sealed_new.starts_with("v1.k1."), "{sealed_new}");
        let missing = old.open("acme", "refresh_token", &sealed_new).unwrap_err();
        assert!(missing.to_string().contains("key `k1`"), "{missing}");
    }

    #[test]
    fn a_bad_key_is_refused_without_repeating_it() {
        let short = Keyring::parse("c2hvcnQ=", "ZOHO_STORE_KEY").unwrap_err();
        assert!(short.to_string().contains("32 bytes"), "{short}");
        assert!(!short.to_string().contains("c2hvcnQ"), "{short}");
        assert!(Keyring::parse("not base64!", "K").is_err());
        assert!(Keyring::parse("", "K").is_err());
        let twice = Keyring::parse(&format!("a={KEY_A},a={KEY_B}"), "K").unwrap_err();
        assert!(twice.to_string().contains("twice"), "{twice}");
    }

    #[test]
    fn without_a_key_values_stay_as_they_are_and_debug_shows_ids_only() {
        let none = Keyring::none();
        assert_eq!(
            none.seal("c", "f", &Secret::new("1000.x")).unwrap(),
            "1000.x"
        );
        assert_eq!(none.open("c", "f", "1000.x").unwrap().expose(), "1000.x");
        let ring = Keyring::parse(KEY_A, "K").unwrap();
        let shown = format!("{ring:?}");
        assert!(
            !shown.contains(KEY_A) && shown.contains("key_ids"),
            "{shown}"
        );
    }
}
