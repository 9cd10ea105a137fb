//! Debug Request: the outgoing request and Zoho's answer, logged through `tracing` under the
//! target `zoho_core::debug_request` (level INFO) with every secret redacted (see `redact`).
//!
//! Redacted: the `Authorization` header and any header, query parameter or JSON/form key whose
//! name looks secret (`token`, `secret`, `password`, `api_key`, `cookie`, ...); the connection's
//! access token wherever it appears; values shaped like Zoho tokens (`1000.<hex>.<hex>`) and
//! anything after `Zoho-oauthtoken`/`Bearer`/`Basic`. Bodies are capped at 2,048 bytes;
//! file contents are summarised by size.

use std::time::Duration;

use reqwest::header::HeaderMap;
use url::Url;

use crate::AccessToken;
use crate::call::{Answer, Call, PreparedBody};
use crate::redact::{REDACTED, body_text, cap, is_secret_name, is_secret_param, scrub};

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
