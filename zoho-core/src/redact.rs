//! Redaction: what of a request or an answer may be shown (in logs, errors, debug output).
//! Secrets (the `Authorization` header and any header, query parameter or JSON/form key whose
//! name looks secret, the connection's access token, values shaped like Zoho tokens, and
//! anything after `Zoho-oauthtoken`/`Bearer`/`Basic`) become `[redacted]`; bodies are capped.

use serde_json::Value;

use crate::AccessToken;

/// Most bytes of a body written to the log.
pub const BODY_CAP: usize = 2048;

pub(crate) const REDACTED: &str = "[redacted]";

/// Whether a header, query or body key names a secret.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if name.ends_with("page_token") {
        // A paging cursor, not a credential; logging it makes paging debuggable.
        return false;
    }
    const MARKS: [&str; 11] = [
        "authorization",
        "token",
        "secret",
        "password",
        "passwd",
        "api_key",
        "apikey",
        "api-key",
        "cookie",
        "credential",
        "signature",
    ];
    MARKS.iter().any(|mark| name.contains(mark))
}

/// Whether a query or form parameter names a secret: as [`is_secret_name`], plus OAuth's grant `code`.
pub(crate) fn is_secret_param(name: &str) -> bool {
    name.eq_ignore_ascii_case("code") || is_secret_name(name)
}

/// Replace the access token, token-shaped words and credentials after an auth scheme.
pub(crate) fn scrub(text: &str, token: Option<&AccessToken>) -> String {
    let mut text = text.to_owned();
    if let Some(token) = token {
        let secret = token.token.expose();
        if secret.len() >= 4 {
            text = text.replace(secret, REDACTED);
        }
    }
    let mut out = String::with_capacity(text.len());
    let words = text.split_inclusive(|c: char| c.is_whitespace() || "\"',;&=()[]{}<>".contains(c));
    let mut after_scheme = false;
    for piece in words {
        let word =
            piece.trim_end_matches(|c: char| c.is_whitespace() || "\"',;&=()[]{}<>".contains(c));
        let tail = &piece[word.len()..];
        let lower = word.to_ascii_lowercase();
        if (after_scheme && !word.is_empty()) || looks_like_zoho_token(word) {
            out.push_str(REDACTED);
            after_scheme = false;
        } else {
            out.push_str(word);
            if !word.is_empty() {
                after_scheme = matches!(lower.as_str(), "zoho-oauthtoken" | "bearer" | "basic");
            }
        }
        out.push_str(tail);
    }
    out
}

/// Zoho tokens look like `1000.0123abcd….89ef…`: digits, a dot, then long alphanumeric runs.
fn looks_like_zoho_token(word: &str) -> bool {
    let Some((prefix, rest)) = word.split_once('.') else {
        return false;
    };
    prefix.len() >= 4
        && prefix.bytes().all(|b| b.is_ascii_digit())
        && rest.len() >= 20
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
}

fn redact_json(value: &mut Value, token: Option<&AccessToken>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if is_secret_name(key)
                    && !value.is_null()
                    && !value.is_number()
                    && !value.is_boolean()
                {
                    *value = Value::String(REDACTED.into());
                } else {
                    redact_json(value, token);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| redact_json(item, token)),
        Value::String(text) => *text = scrub(text, token),
        _ => {}
    }
}

pub(crate) fn cap(mut text: String) -> String {
    if text.len() > BODY_CAP {
        let mut end = BODY_CAP;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let more = text.len() - end;
        text.truncate(end);
        text.push_str(&format!("… ({more} more bytes)"));
    }
    text
}

/// A body as it may appear in the log: JSON with secret keys redacted, text scrubbed, bytes summarised.
pub(crate) fn body_text(bytes: &[u8], token: Option<&AccessToken>) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    if let Ok(mut value) = serde_json::from_slice::<Value>(bytes) {
        redact_json(&mut value, token);
        return cap(value.to_string());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if form_like(text) => cap(redact_form(text, token)),
        Ok(text) => cap(scrub(text, token)),
        Err(_) => format!("<{} bytes of binary>", bytes.len()),
    }
}

fn form_like(text: &str) -> bool {
    !text.contains(char::is_whitespace) && text.contains('=')
}

fn redact_form(text: &str, token: Option<&AccessToken>) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
        if is_secret_param(&key) {
            out.append_pair(&key, REDACTED);
        } else {
            out.append_pair(&key, &scrub(&value, token));
        }
    }
    out.finish()
}

/// A short, redacted piece of a body, for error messages.
pub(crate) fn redacted_snippet(bytes: &[u8], max: usize) -> String {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => scrub(text, None),
        Err(_) => return format!("<{} bytes of binary>", bytes.len()),
    };
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        format!("{}…", &text[..end])
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes_and_schemes_are_scrubbed() {
        let zoho = "1000.0f3a9c1b2d4e5f60718293a4b5c6d7e8.9a8b7c6d5e4f30211a2b3c4d5e6f7081";
        let text = format!(
            "token={zoho} and Bearer abc.def and Zoho-oauthtoken xyz, id 4150868000000002175"
        );
        let scrubbed = scrub(&text, None);
        assert!(!scrubbed.contains(zoho), "{scrubbed}");
        assert!(!scrubbed.contains("abc.def"), "{scrubbed}");
        assert!(!scrubbed.contains("xyz"), "{scrubbed}");
        assert!(
            scrubbed.contains("4150868000000002175"),
            "record ids stay readable: {scrubbed}"
        );
    }

    #[test]
    fn secret_keys_are_redacted_in_json_and_forms() {
        let body = br#"{"refresh_token":"r-1","nested":{"client_secret":"s-1"},"Last_Name":"Doe","next_page_token":"p"}"#;
        let shown = body_text(body, None);
        assert!(!shown.contains("r-1") && !shown.contains("s-1"), "{shown}");
        assert!(shown.contains("Doe") && shown.contains("\"p\""), "{shown}");
        let form = body_text(
            b"client_id=1000.X&client_secret=s-2&grant_type=refresh_token",
            None,
        );
        assert!(!form.contains("s-2"), "{form}");
        assert!(form.contains("grant_type=refresh_token"), "{form}");
    }

    #[test]
    fn long_bodies_are_capped() {
        let long = "a".repeat(BODY_CAP * 2);
        let shown = cap(long);
        assert!(shown.len() < BODY_CAP + 40);
        assert!(shown.ends_with(&format!("({} more bytes)", BODY_CAP)));
    }
}
