//! CRM error answers in Zoho's shapes (crm.md §6.1): request-level
//! `{"code","details","message","status":"error"}` and per-record items.

use serde_json::{Value, json};

use crate::http::Reply;

/// A request-level error.
pub(crate) fn error(
    route: &'static str,
    status: u16,
    code: &str,
    message: &str,
    details: Value,
) -> Reply {
    Reply::json(
        route,
        status,
        &json!({"code": code, "details": details, "message": message, "status": "error"}),
    )
}

/// A per-record error item.
pub(crate) fn item(code: &str, message: &str, details: Value) -> Value {
    json!({"code": code, "details": details, "message": message, "status": "error"})
}

/// 401 INVALID_TOKEN.
pub(crate) fn invalid_token(route: &'static str) -> Reply {
    error(
        route,
        401,
        "INVALID_TOKEN",
        "invalid oauth token",
        json!({}),
    )
}

/// 401 AUTHENTICATION_FAILURE (no or malformed Authorization header).
pub(crate) fn authentication_failure(route: &'static str) -> Reply {
    error(
        route,
        401,
        "AUTHENTICATION_FAILURE",
        "Authentication failed",
        json!({}),
    )
}

/// 401 OAUTH_SCOPE_MISMATCH.
pub(crate) fn scope_mismatch(route: &'static str) -> Reply {
    error(
        route,
        401,
        "OAUTH_SCOPE_MISMATCH",
        "invalid oauth scope to access this URL",
        json!({}),
    )
}

/// 429 TOO_MANY_REQUESTS, without Retry-After (crm.md §7).
pub(crate) fn too_many_requests(route: &'static str) -> Reply {
    error(
        route,
        429,
        "TOO_MANY_REQUESTS",
        "The number of requests has exceeded the concurrency limit. Please try again after some time.",
        json!({}),
    )
}

/// 404 INVALID_URL_PATTERN.
pub(crate) fn invalid_url(route: &'static str) -> Reply {
    error(
        route,
        404,
        "INVALID_URL_PATTERN",
        "Please check if the URL trying to access is a correct one",
        json!({}),
    )
}

/// 400 INVALID_MODULE.
pub(crate) fn invalid_module(route: &'static str, details: Value) -> Reply {
    error(
        route,
        400,
        "INVALID_MODULE",
        "the module name given seems to be invalid",
        details,
    )
}

/// 400 INVALID_REQUEST_METHOD.
pub(crate) fn invalid_method(route: &'static str) -> Reply {
    error(
        route,
        400,
        "INVALID_REQUEST_METHOD",
        "The http request method type is not a valid one",
        json!({}),
    )
}

/// 400 REQUIRED_PARAM_MISSING.
pub(crate) fn required_param(route: &'static str, param: &str) -> Reply {
    error(
        route,
        400,
        "REQUIRED_PARAM_MISSING",
        "required param is missing",
        json!({ "param_name": param }),
    )
}

/// 400 INVALID_DATA about a query parameter.
pub(crate) fn invalid_param(route: &'static str, param: &str, message: &str) -> Reply {
    error(
        route,
        400,
        "INVALID_DATA",
        message,
        json!({ "param_name": param }),
    )
}

/// 413 FILE_SIZE_MORE_THAN_ALLOWED_SIZE.
pub(crate) fn file_too_large(route: &'static str) -> Reply {
    error(
        route,
        413,
        "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
        "Please check if the size of the file is in the correct range",
        json!({}),
    )
}

/// 400 INVALID_DATA for a body that is not the JSON expected.
pub(crate) fn bad_body(route: &'static str, reason: &str) -> Reply {
    error(route, 400, "INVALID_DATA", reason, json!({}))
}

/// 500 INTERNAL_ERROR: a lock poisoned by an earlier panic (never expected).
pub(crate) fn internal(route: &'static str) -> Reply {
    error(
        route,
        500,
        "INTERNAL_ERROR",
        "Internal Server Error",
        json!({}),
    )
}
