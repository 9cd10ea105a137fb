//! Books error answers: the same envelope as success, with a non-zero `code` (books.md §6).

use serde_json::json;

use crate::http::Reply;

/// `{"code": code, "message": message}` with the given HTTP status.
pub(crate) fn error(route: &'static str, status: u16, code: i64, message: &str) -> Reply {
    Reply::json(route, status, &json!({"code": code, "message": message}))
}

/// Code 2, "Invalid value passed for <param>", HTTP 400.
pub(crate) fn invalid_value(route: &'static str, param: &str) -> Reply {
    error(route, 400, 2, &format!("Invalid value passed for {param}"))
}

/// Code 44, the per-minute limit, HTTP 429.
pub(crate) fn per_minute_limit(route: &'static str) -> Reply {
    error(
        route,
        429,
        44,
        "For security reasons your organization has been blocked as it have exceeded the maximum number of requests per minute that can originate from an organization.",
    )
}

/// Code 45, the daily limit, HTTP 429.
pub(crate) fn daily_limit(route: &'static str, limit: u32) -> Reply {
    error(
        route,
        429,
        45,
        &format!(
            "The API call for this organization has exceeded the maximum call rate limit of {limit}."
        ),
    )
}

/// Code 1070, the concurrency limit, HTTP 429.
pub(crate) fn concurrency_limit(route: &'static str) -> Reply {
    error(
        route,
        429,
        1070,
        "You have reached the maximum number of in process requests allowed. Kindly try again after some time.",
    )
}

/// Code 57, HTTP 401: no usable token, or a scope that does not cover the call.
pub(crate) fn unauthorized(route: &'static str, message: &str) -> Reply {
    error(route, 401, 57, message)
}

/// Code 5, "Invalid URL Passed", HTTP 404.
pub(crate) fn invalid_url(route: &'static str) -> Reply {
    error(route, 404, 5, "Invalid URL Passed")
}

/// Code 37, the method is not allowed, HTTP 405.
pub(crate) fn method_not_allowed(route: &'static str) -> Reply {
    error(
        route,
        405,
        37,
        "The HTTP method is not allowed for the requested resource",
    )
}

/// Code 1038, "JSON is not well formed", HTTP 400.
pub(crate) fn bad_json(route: &'static str) -> Reply {
    error(route, 400, 1038, "JSON is not well formed")
}
