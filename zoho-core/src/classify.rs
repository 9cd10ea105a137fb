//! What an answer from Zoho says before any shaping: a throttle (slow down), a refused token.
//! The send loop and the shaping both ask here, so each rule is written once.

use serde_json::{Value, json};

use crate::ZohoCode;
use crate::call::Answer;

/// Books codes that mean "slow down": per-minute (44), per-day (45) and concurrency (1070) limits.
const BOOKS_THROTTLE_CODES: [i64; 3] = [44, 45, 1070];
/// CRM codes that mean "slow down" (the documented one, and the one an OpenAPI example uses).
const CRM_THROTTLE_CODES: [&str; 2] = ["TOO_MANY_REQUESTS", "RATE_LIMIT_EXCEEDED"];
/// CRM codes for a token Zoho no longer accepts (spellings vary between sources).
const TOKEN_REJECTED: [&str; 4] = [
    "INVALID_TOKEN",
    "AUTHENTICATION_FAILURE",
    "AUTHENTICATION_FAILED",
    "INVALID_OAUTHTOKEN",
];

pub(crate) fn code_of(value: &Value) -> Option<ZohoCode> {
    match value.get("code")? {
        Value::String(code) => Some(ZohoCode::Text(code.clone())),
        Value::Number(code) => code.as_i64().map(ZohoCode::Number),
        _ => None,
    }
}

pub(crate) fn throttle_code(status: u16, body: Option<&Value>) -> Option<Option<ZohoCode>> {
    let code = body.and_then(code_of);
    let throttled = status == 429
        || match &code {
            Some(ZohoCode::Text(text)) => CRM_THROTTLE_CODES.contains(&text.as_str()),
            Some(ZohoCode::Number(number)) => BOOKS_THROTTLE_CODES.contains(number),
            None => false,
        };
    throttled.then_some(code)
}

/// Whether Zoho said to slow down (whatever the HTTP status): Zoho did not process the call.
///
/// Runs on every answer, so it reads only the top-level `code` (a list page of 200 records is
/// skipped over, not built), and only when the body holds a `"code"` member at all.
pub(crate) fn is_throttle(answer: &Answer) -> bool {
    // Nearly every answer is a record or a page with no top-level `code`: a byte search says so
    // in a fraction of the time a JSON pass over the body takes.
    if answer.status != 429 && memchr::memmem::find(&answer.body, b"\"code\"").is_none() {
        return false;
    }
    #[derive(serde::Deserialize)]
    struct Envelope {
        code: Option<Value>,
    }
    let code = serde_json::from_slice::<Envelope>(&answer.body)
        .ok()
        .and_then(|envelope| envelope.code)
        .map(|code| json!({ "code": code }));
    throttle_code(answer.status, code.as_ref()).is_some()
}

pub(crate) fn rejected_token_code(body: Option<&Value>) -> Option<String> {
    let body = body?;
    if let Some(ZohoCode::Text(code)) = code_of(body)
        && TOKEN_REJECTED.contains(&code.as_str())
    {
        return Some(code);
    }
    let message = body.get("message").and_then(Value::as_str)?;
    message
        .to_ascii_lowercase()
        .contains("invalid oauth token")
        .then(|| message.to_owned())
}

/// A 401 that says the token itself was refused (not a missing scope): worth one refresh.
pub(crate) fn is_token_rejection(answer: &Answer) -> bool {
    answer.status == 401 && rejected_token_code(answer.json().as_ref()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: reqwest::header::HeaderMap::new(),
            body: bytes::Bytes::copy_from_slice(body.as_bytes()),
        }
    }

    #[test]
    fn a_throttle_is_seen_by_status_or_by_zohos_code() {
        assert!(is_throttle(&answer(429, "")));
        assert!(is_throttle(&answer(
            200,
            r#"{"code": 44, "message": "slow down"}"#
        )));
        assert!(is_throttle(&answer(400, r#"{"code":"TOO_MANY_REQUESTS"}"#)));
        assert!(is_throttle(&answer(
            400,
            r#"{"status":"error", "code" : 1070}"#
        )));
    }

    #[test]
    fn records_and_other_codes_are_not_throttles() {
        assert!(!is_throttle(&answer(
            200,
            r#"{"data":[{"id":"1","Zip_Code":"44"}]}"#
        )));
        // A nested `code` is a record's field, not Zoho's answer code.
        assert!(!is_throttle(&answer(200, r#"{"data":[{"code":44}]}"#)));
        assert!(!is_throttle(&answer(400, r#"{"code":"INVALID_DATA"}"#)));
        assert!(!is_throttle(&answer(200, "not json")));
    }
}
