//! Debug Request: the outgoing request and Zoho's answer, logged through `tracing` under the
//! target `zoho_core::debug_request` (level INFO) with every secret redacted.
//!
//! Redacted: the `Authorization` header and any header, query parameter or JSON/form key whose
//! name looks secret (`token`, `secret`, `password`, `api_key`, `cookie`, ...); the connection's
//! access token wherever it appears; values shaped like Zoho tokens (`1000.<hex>.<hex>`) and
//! anything after `Zoho-oauthtoken`/`Bearer`/`Basic`. Bodies are capped at [`BODY_CAP`] bytes;
//! file contents are summarised by size.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;
use url::Url;

use crate::AccessToken;
use crate::execute::{Answer, Call, PreparedBody};

/// Most bytes of a body written to the log.
pub const BODY_CAP: usize = 2048;

const REDACTED: &str = "[redacted]";

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
fn is_secret_param(name: &str) -> bool {
    name.eq_ignore_ascii_case("code") || is_secret_name(name)
}

/// Replace the access token, token-shaped words and credentials after an auth scheme.
fn scrub(text: &str, token: Option<&AccessToken>) -> String {
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

fn cap(mut text: String) -> String {
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
fn body_text(bytes: &[u8], token: Option<&AccessToken>) -> String {
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

fn url_text(url: &Url, token: &AccessToken) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    let mut text = shown.to_string();
    let pairs: Vec<String> = url
        .query_pairs()
        .map(|(key, value)| {
            let value = if is_secret_param(&key) {
                REDACTED.to_owned()
            } else {
                url::form_urlencoded::byte_serialize(scrub(&value, Some(token)).as_bytes())
                    .collect()
            };
            format!(
                "{}={value}",
                url::form_urlencoded::byte_serialize(key.as_bytes()).collect::<String>()
            )
        })
        .collect();
    if !pairs.is_empty() {
        text.push('?');
        text.push_str(&pairs.join("&"));
    }
    scrub(&text, Some(token))
}

fn headers_text(headers: &HeaderMap, token: &AccessToken) -> String {
    let mut shown = vec![format!("authorization: Zoho-oauthtoken {REDACTED}")];
    for (name, value) in headers {
        let value = if is_secret_name(name.as_str()) || value.is_sensitive() {
            REDACTED.to_owned()
        } else {
            scrub(&String::from_utf8_lossy(value.as_bytes()), Some(token))
        };
        shown.push(format!("{name}: {value}"));
    }
    shown.join("; ")
}

fn request_body_text(body: &PreparedBody, token: &AccessToken) -> String {
    match body {
        PreparedBody::Empty => String::new(),
        PreparedBody::Json(bytes) | PreparedBody::Form(bytes) => body_text(bytes, Some(token)),
        PreparedBody::Multipart(parts) => parts
            .iter()
            .map(|part| {
                let kind = if part.binary { "binary" } else { "text" };
                match &part.file_name {
                    Some(file) => format!(
                        "{}: file {:?}, {} bytes of {kind}",
                        part.name,
                        file,
                        part.content.len()
                    ),
                    None if part.binary => {
                        format!("{}: {} bytes of binary", part.name, part.content.len())
                    }
                    None if is_secret_name(&part.name) => format!("{}: {REDACTED}", part.name),
                    None => format!(
                        "{}: {}",
                        part.name,
                        cap(scrub(&String::from_utf8_lossy(&part.content), Some(token)))
                    ),
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// Log a request about to be sent.
pub(crate) fn log_request(call: &Call, url: &Url, attempt: u32, token: &AccessToken) {
    tracing::info!(
        target: "zoho_core::debug_request",
        action = call.action,
        attempt,
        method = call.method.as_str(),
        url = %url_text(url, token),
        headers = %headers_text(&call.headers, token),
        body = %request_body_text(&call.body, token),
        "zoho request"
    );
}

/// Log Zoho's answer.
pub(crate) fn log_answer(call: &Call, answer: &Answer, elapsed: Duration, token: &AccessToken) {
    tracing::info!(
        target: "zoho_core::debug_request",
        action = call.action,
        status = answer.status,
        elapsed_ms = elapsed.as_millis() as u64,
        bytes = answer.body.len(),
        body = %body_text(&answer.body, Some(token)),
        "zoho answer"
    );
}

/// Log a try that got no answer.
pub(crate) fn log_failure(call: &Call, reason: &str, elapsed: Duration, token: &AccessToken) {
    tracing::info!(
        target: "zoho_core::debug_request",
        action = call.action,
        elapsed_ms = elapsed.as_millis() as u64,
        reason = %scrub(reason, Some(token)),
        "zoho request failed"
    );
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
