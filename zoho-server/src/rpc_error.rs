//! How an action's [`zoho_core::Error`] reaches a JSON-RPC caller: the code and `data` of the
//! catalogue (`action_spec::errors`). Faults of ours keep their detail in the log and hand the caller a short id.

use serde_json::{Value, json};
use zoho_core::{Error, ZohoCode};

use crate::jsonrpc::{ErrorObject, codes};

/// A short random id tying an internal error's answer to its log line.
pub fn new_error_id() -> String {
    format!("{:08x}", rand::random::<u32>())
}

/// The JSON-RPC error for an action's error.
pub fn from_action_error(error: &Error) -> ErrorObject {
    let message = error.to_string();
    match error {
        Error::Export { cause, resume } => {
            // The cause decides the code; the message says how far the export got.
            let mut object = from_action_error(cause);
            object.message = message;
            let mut resume_data = json!({ "delivered": resume.delivered });
            if let Some(page) = resume.page {
                resume_data["page"] = Value::from(page);
            }
            if let Some(token) = &resume.page_token {
                resume_data["pageToken"] = Value::from(token.clone());
            }
            let mut data = object.data.take().unwrap_or_else(|| json!({}));
            if let Some(map) = data.as_object_mut() {
                map.insert("resume".into(), resume_data);
            }
            object.with_data(data)
        }
        Error::InvalidInput { field, reason } => ErrorObject::invalid_params(field, reason),
        Error::Api(api) => ErrorObject::new(codes::ZOHO_API_ERROR, message).with_data(json!({
            "httpStatus": api.http_status,
            "zohoCode": code_value(api.code.as_ref()),
            "message": api.message,
            "details": api.details,
            "attempts": api.attempts,
        })),
        Error::NotFound {
            record_type,
            record_id,
        } => ErrorObject::new(codes::NOT_FOUND, message)
            .with_data(json!({ "recordType": record_type, "recordId": record_id })),
        Error::Unauthorized {
            connection,
            reason,
            next_step,
        } => ErrorObject::new(codes::UNAUTHORIZED, message).with_data(json!({
            "connection": connection,
            "reason": reason,
            "nextStep": next_step,
        })),
        Error::RateLimited {
            http_status,
            code,
            retry_after,
            limit,
            attempts,
        } => {
            let mut data = json!({
                "httpStatus": http_status,
                "zohoCode": code_value(code.as_ref()),
                "limit": limit.as_str(),
                "attempts": attempts,
            });
            with_retry_after(&mut data, *retry_after);
            ErrorObject::new(codes::RATE_LIMITED, message).with_data(data)
        }
        Error::LimitReached {
            limit, retry_after, ..
        } => {
            // Our own limit: nothing was sent, so there is no HTTP status or Zoho code.
            let mut data = json!({
                "httpStatus": null,
                "zohoCode": null,
                "limit": limit.as_str(),
                "attempts": 0,
            });
            with_retry_after(&mut data, *retry_after);
            ErrorObject::new(codes::RATE_LIMITED, message).with_data(data)
        }
        Error::Network {
            attempts,
            timed_out,
            host,
            ..
        } => ErrorObject::new(codes::NETWORK, message)
            .with_data(json!({ "attempts": attempts, "timedOut": timed_out, "host": host })),
        Error::Config(detail) => {
            let error_id = new_error_id();
            tracing::error!(error_id = %error_id, detail = %detail, "connection configuration error");
            ErrorObject::new(
                codes::INTERNAL_ERROR,
                format!("Configuration error (id {error_id}): {detail}"),
            )
            .with_data(json!({ "errorId": error_id }))
        }
        // No wildcard: a new `zoho_core::Error` variant does not compile until it has a code.
        Error::Internal(_) => internal(error),
    }
}

/// "if known": `retryAfterMs` is left out when nobody said when to retry.
fn with_retry_after(data: &mut Value, retry_after: Option<std::time::Duration>) {
    if let Some(retry_after) = retry_after {
        data["retryAfterMs"] =
            Value::from(u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX));
    }
}

/// A fault of ours: logged with a fresh id, answered with only the id.
pub fn internal(detail: &dyn std::fmt::Display) -> ErrorObject {
    let error_id = new_error_id();
    tracing::error!(error_id = %error_id, detail = %detail, "internal error");
    ErrorObject::internal(&error_id)
}

fn code_value(code: Option<&ZohoCode>) -> Value {
    match code {
        Some(ZohoCode::Text(text)) => Value::String(text.clone()),
        Some(ZohoCode::Number(number)) => Value::from(*number),
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use zoho_core::{ApiError, Limit, Resume};

    use super::*;

    #[test]
    fn zoho_answers_keep_their_code_message_and_details() {
        let error = Error::Api(ApiError {
            http_status: 400,
            code: Some(ZohoCode::Text("MANDATORY_NOT_FOUND".into())),
            message: "required field not found".into(),
            details: json!({"api_name": "Last_Name"}),
            attempts: 1,
        });
        let object = from_action_error(&error);
        assert_eq!(object.code, -32001);
        assert_eq!(
            object.data.unwrap(),
            json!({"httpStatus": 400, "zohoCode": "MANDATORY_NOT_FOUND",
                   "message": "required field not found", "details": {"api_name": "Last_Name"},
                   "attempts": 1})
        );
    }

    #[test]
    fn books_codes_stay_numbers() {
        let error = Error::RateLimited {
            http_status: 429,
            code: Some(ZohoCode::Number(44)),
            retry_after: Some(Duration::from_secs(2)),
            limit: Limit::Zoho,
            attempts: 3,
        };
        let object = from_action_error(&error);
        assert_eq!(object.code, -32003);
        assert_eq!(
            object.data.unwrap(),
            json!({"httpStatus": 429, "zohoCode": 44, "limit": "zoho", "attempts": 3,
                   "retryAfterMs": 2000})
        );
    }

    #[test]
    fn an_unknown_retry_after_is_left_out() {
        let error = Error::RateLimited {
            http_status: 429,
            code: Some(ZohoCode::Text("TOO_MANY_REQUESTS".into())),
            retry_after: None,
            limit: Limit::Zoho,
            attempts: 1,
        };
        assert_eq!(
            from_action_error(&error).data.unwrap(),
            json!({"httpStatus": 429, "zohoCode": "TOO_MANY_REQUESTS", "limit": "zoho",
                   "attempts": 1})
        );
    }

    #[test]
    fn our_own_limits_name_the_limit_and_when_to_retry() {
        let error = Error::LimitReached {
            limit: Limit::Credits,
            retry_after: Some(Duration::from_millis(1500)),
            reason: "spent".into(),
        };
        let object = from_action_error(&error);
        assert_eq!(object.code, -32003);
        assert_eq!(
            object.data.unwrap(),
            json!({"httpStatus": null, "zohoCode": null, "limit": "credits", "attempts": 0,
                   "retryAfterMs": 1500})
        );
    }

    #[test]
    fn a_stopped_export_keeps_its_causes_code_and_says_where_to_resume() {
        let error = Error::Export {
            cause: Box::new(Error::Network {
                attempts: 3,
                reason: "reset".into(),
                timed_out: false,
                host: Some("127.0.0.1:9".into()),
            }),
            resume: Resume {
                page: None,
                page_token: Some("tok".into()),
                after_id: None,
                delivered: 2000,
            },
        };
        let object = from_action_error(&error);
        assert_eq!(object.code, -32004);
        assert_eq!(
            object.data.unwrap(),
            json!({"attempts": 3, "timedOut": false, "host": "127.0.0.1:9",
                   "resume": {"delivered": 2000, "pageToken": "tok"}})
        );
    }

    #[test]
    fn each_error_kind_has_its_code_and_data() {
        let cases = [
            (
                Error::InvalidInput {
                    field: "perPage".into(),
                    reason: "at most 200".into(),
                },
                -32602,
                json!({"field": "perPage", "reason": "at most 200"}),
            ),
            (
                Error::NotFound {
                    record_type: "Leads".into(),
                    record_id: "9".into(),
                },
                -32005,
                json!({"recordType": "Leads", "recordId": "9"}),
            ),
            (
                Error::Unauthorized {
                    connection: "eu".into(),
                    reason: "refresh refused".into(),
                    next_step: "run zoho-server auth login --connection eu".into(),
                },
                -32002,
                json!({"connection": "eu", "reason": "refresh refused",
                       "nextStep": "run zoho-server auth login --connection eu"}),
            ),
            (
                Error::Network {
                    attempts: 3,
                    reason: "connection reset".into(),
                    timed_out: false,
                    host: Some("www.zohoapis.eu".into()),
                },
                -32004,
                json!({"attempts": 3, "timedOut": false, "host": "www.zohoapis.eu"}),
            ),
        ];
        for (error, code, data) in cases {
            let object = from_action_error(&error);
            assert_eq!(object.code, code, "{error}");
            assert_eq!(object.data.unwrap(), data, "{error}");
        }
    }

    /// One error of each variant. `variant` has no wildcard: a new variant does not compile
    /// until it is given a number here, and the test below then wants a sample of it.
    fn one_of_each() -> Vec<Error> {
        vec![
            Error::InvalidInput {
                field: "perPage".into(),
                reason: "at most 200".into(),
            },
            Error::Api(ApiError {
                http_status: 400,
                code: Some(ZohoCode::Text("INVALID_DATA".into())),
                message: "invalid data".into(),
                details: json!({}),
                attempts: 1,
            }),
            Error::NotFound {
                record_type: "Leads".into(),
                record_id: "9".into(),
            },
            Error::Unauthorized {
                connection: "eu".into(),
                reason: "revoked".into(),
                next_step: "log in again".into(),
            },
            Error::RateLimited {
                http_status: 429,
                code: None,
                retry_after: Some(Duration::from_secs(1)),
                limit: Limit::Zoho,
                attempts: 2,
            },
            Error::LimitReached {
                limit: Limit::Concurrency,
                retry_after: Some(Duration::from_secs(1)),
                reason: "no slot".into(),
            },
            Error::Network {
                attempts: 1,
                reason: "reset".into(),
                timed_out: true,
                host: Some("127.0.0.1:9".into()),
            },
            Error::Export {
                cause: Box::new(Error::NotFound {
                    record_type: "Leads".into(),
                    record_id: "9".into(),
                }),
                resume: Resume {
                    page: Some(3),
                    page_token: Some("tok".into()),
                    after_id: None,
                    delivered: 400,
                },
            },
            Error::Config("unknown region".into()),
            Error::Internal("bad answer".into()),
        ]
    }

    const VARIANTS: usize = 10;

    fn variant(error: &Error) -> usize {
        match error {
            Error::InvalidInput { .. } => 0,
            Error::Api(_) => 1,
            Error::NotFound { .. } => 2,
            Error::Unauthorized { .. } => 3,
            Error::RateLimited { .. } => 4,
            Error::LimitReached { .. } => 5,
            Error::Network { .. } => 6,
            Error::Export { .. } => 7,
            Error::Config(_) => 8,
            Error::Internal(_) => 9,
        }
    }

    #[test]
    fn every_error_maps_to_a_catalogued_code_with_only_catalogued_data_keys() {
        let samples = one_of_each();
        let mut seen = [false; VARIANTS];
        for error in &samples {
            seen[variant(error)] = true;
            let object = from_action_error(error);
            let entry = action_spec::errors::ACTION_ERRORS
                .iter()
                .find(|entry| entry.code == object.code)
                .unwrap_or_else(|| panic!("{error}: code {} is no action error", object.code));
            let data = object.data.unwrap_or_default();
            for key in data.as_object().map(|map| map.keys()).into_iter().flatten() {
                assert!(
                    entry.allows(key),
                    "{error}: `{key}` is not a catalogued key of {}",
                    entry.name
                );
            }
        }
        assert!(seen.iter().all(|seen| *seen), "a sample per variant");
    }

    #[test]
    fn internal_errors_hide_the_detail_and_give_an_id() {
        let object = from_action_error(&Error::Internal("decoder blew up at byte 7".into()));
        assert_eq!(object.code, -32603);
        assert!(!object.message.contains("decoder"), "{}", object.message);
        let id = object.data.unwrap()["errorId"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 8);
        assert!(object.message.contains(&id));
    }
}
