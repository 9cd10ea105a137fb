//! The catalogue of JSON-RPC errors: every code the interface answers with, its name, when it
//! happens and the `data` keys it may carry. The OpenRPC document's `components.errors` is
//! written from it, and the server builds its error objects from it (its tests check that every
//! `zoho_core::Error` lands on a code here with only the keys listed here).
//!
//! It lives in this crate because both users already depend on it and it depends on neither:
//! the OpenRPC document is made here, and `zoho-server` depends on `action-spec` (zoho-core,
//! which knows nothing of JSON-RPC, stays out of it).

/// One key of an error's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataKey {
    /// The key as it appears in `data` (camelCase).
    pub name: &'static str,
    /// What its value says.
    pub meaning: &'static str,
}

/// One error code of the interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode {
    /// The JSON-RPC `code`.
    pub code: i64,
    /// The name the OpenRPC document files it under (`components.errors.NAME`).
    pub name: &'static str,
    /// When it happens, in one sentence.
    pub when: &'static str,
    /// The keys its `data` may hold; an error with none has no `data`.
    pub data: &'static [DataKey],
}

impl ErrorCode {
    /// Whether `key` may appear in this error's `data`. Action errors may also carry [`RESUME`].
    pub fn allows(&self, key: &str) -> bool {
        self.data.iter().any(|allowed| allowed.name == key)
            || (key == RESUME.name && ACTION_ERRORS.iter().any(|e| e.code == self.code))
    }

    /// The `data` of the OpenRPC error object: each key with what it says (`-` for none).
    pub fn data_description(&self) -> String {
        let resume = ACTION_ERRORS
            .iter()
            .any(|e| e.code == self.code)
            .then_some(&RESUME);
        let keys: Vec<String> = self
            .data
            .iter()
            .chain(resume)
            .map(|key| format!("`{}`: {}", key.name, key.meaning))
            .collect();
        if keys.is_empty() {
            return "-".to_owned();
        }
        format!("{}.", keys.join("; "))
    }
}

const fn key(name: &'static str, meaning: &'static str) -> DataKey {
    DataKey { name, meaning }
}

/// Added to the `data` of any action error when an export (following pages) stopped.
pub const RESUME: DataKey = key(
    "resume",
    "(when an export stopped) where it continues: `delivered` (records handed over), and \
     `page` or `pageToken` to ask for next",
);

const HTTP_STATUS: DataKey = key("httpStatus", "the HTTP status Zoho answered with");
const ZOHO_CODE: DataKey = key(
    "zohoCode",
    "Zoho's code as sent (a string for CRM, a number for Books)",
);
const ATTEMPTS: DataKey = key("attempts", "tries made");

/// `-32700`: the body is not JSON.
pub const PARSE_ERROR: ErrorCode = ErrorCode {
    code: -32700,
    name: "ParseError",
    when: "The body is not JSON.",
    data: &[],
};

/// `-32600`: not a valid request object.
pub const INVALID_REQUEST: ErrorCode = ErrorCode {
    code: -32600,
    name: "InvalidRequest",
    when: "Not a valid request object.",
    data: &[
        key(
            "supported",
            "(MCP over HTTP) the protocol revisions this server speaks",
        ),
        key("requested", "(MCP over HTTP) the revision asked for"),
    ],
};

/// `-32601`: no such method.
pub const METHOD_NOT_FOUND: ErrorCode = ErrorCode {
    code: -32601,
    name: "MethodNotFound",
    when: "No such method.",
    data: &[key("method", "the method asked for")],
};

/// `-32602`: the params do not fit the action.
pub const INVALID_PARAMS: ErrorCode = ErrorCode {
    code: -32602,
    name: "InvalidParams",
    when: "Params do not fit the action.",
    data: &[
        key("field", "the JSON path of the bad param"),
        key("reason", "why it was refused and what is allowed"),
        key("tool", "(MCP) the unknown tool asked for"),
    ],
};

/// `-32603`: a fault of ours.
pub const INTERNAL_ERROR: ErrorCode = ErrorCode {
    code: -32603,
    name: "InternalError",
    when: "A fault of ours.",
    data: &[key(
        "errorId",
        "a short id to find the fault in the server's log",
    )],
};

/// `-32001`: Zoho answered with an error.
pub const ZOHO_ERROR: ErrorCode = ErrorCode {
    code: -32001,
    name: "ZohoError",
    when: "Zoho answered with an error.",
    data: &[
        HTTP_STATUS,
        ZOHO_CODE,
        key("message", "Zoho's message as sent"),
        key("details", "Zoho's details as sent"),
        ATTEMPTS,
    ],
};

/// `-32002`: no usable token.
pub const UNAUTHORIZED: ErrorCode = ErrorCode {
    code: -32002,
    name: "Unauthorized",
    when: "No usable token (never authorized, refresh refused, revoked).",
    data: &[
        key("connection", "the connection's name"),
        key("reason", "what went wrong"),
        key("nextStep", "what to do next"),
    ],
};

/// `-32003`: rate limited and out of retries.
pub const RATE_LIMITED: ErrorCode = ErrorCode {
    code: -32003,
    name: "RateLimited",
    when: "Rate limited and out of retries.",
    data: &[
        key(
            "httpStatus",
            "the HTTP status Zoho answered with (null when our own limit stopped the call)",
        ),
        key(
            "zohoCode",
            "Zoho's code as sent (null when our own limit stopped the call)",
        ),
        key(
            "limit",
            "which limit: `concurrency`, `credits`, `tokens`, `zoho` or `authorizations`",
        ),
        ATTEMPTS,
        key("retryAfterMs", "when trying again may succeed, if known"),
    ],
};

/// `-32004`: network failure or timeout.
pub const NETWORK_ERROR: ErrorCode = ErrorCode {
    code: -32004,
    name: "NetworkError",
    when: "Network failure or timeout.",
    data: &[
        key(
            "attempts",
            "tries made (null when the server's own timeout ended the call)",
        ),
        key("timedOut", "whether it was a timeout"),
        key(
            "host",
            "the host the call waited on, when one was reached for",
        ),
        key(
            "timeoutMs",
            "the server's per-call timeout, when that ended the call",
        ),
        key(
            "serverBusy",
            "true when this server ran out of file descriptors and the call never left it",
        ),
    ],
};

/// `-32005`: the record does not exist.
pub const NOT_FOUND: ErrorCode = ErrorCode {
    code: -32005,
    name: "NotFound",
    when: "The record does not exist.",
    data: &[
        key("recordType", "the record type"),
        key("recordId", "the record id"),
    ],
};

/// Every error of the interface, in the order the documents list them.
pub const CATALOGUE: [ErrorCode; 10] = [
    PARSE_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    INVALID_PARAMS,
    INTERNAL_ERROR,
    ZOHO_ERROR,
    UNAUTHORIZED,
    RATE_LIMITED,
    NETWORK_ERROR,
    NOT_FOUND,
];

/// Errors every action can answer with (the request-level ones are not per method).
pub const ACTION_ERRORS: [ErrorCode; 7] = [
    INVALID_PARAMS,
    INTERNAL_ERROR,
    ZOHO_ERROR,
    UNAUTHORIZED,
    RATE_LIMITED,
    NETWORK_ERROR,
    NOT_FOUND,
];

/// The catalogued error with this code.
pub fn by_code(code: i64) -> Option<&'static ErrorCode> {
    CATALOGUE.iter().find(|error| error.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_distinct() {
        for (i, a) in CATALOGUE.iter().enumerate() {
            for b in &CATALOGUE[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn resume_is_allowed_on_action_errors_only() {
        assert!(NETWORK_ERROR.allows("resume"));
        assert!(!PARSE_ERROR.allows("resume"));
        assert!(!NOT_FOUND.allows("httpStatus"));
    }
}
