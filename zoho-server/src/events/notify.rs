//! `POST /zoho/notify/{subscriptionId}`: Zoho's callbacks. Zoho signs nothing (wave2.md §1.7):
//! the channel id and the random token the server gave the channel are the check, compared in
//! constant time. A callback that fails it makes no event. One that passes is written to the
//! store, one event per record id, before it is answered.

use http::StatusCode;
use serde_json::Value;
use zoho_core::store::events::{NewEvent, Operation, Origin, check_subscription_id};

use super::Events;
use zoho_core::__private::constant_time_eq;

/// The path prefix of the route.
pub const PREFIX: &str = "/zoho/notify/";

/// What the route answers: a status and a short reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// Why, in a few words (no secret).
    pub reason: &'static str,
}

const REFUSED: Answer = Answer {
    status: StatusCode::FORBIDDEN,
    reason: "this callback is not from the subscription's channel",
};

impl Events {
    /// Take one callback for subscription `id` with body `body`.
    pub async fn callback(&self, id: &str, body: &[u8]) -> Answer {
        if check_subscription_id(id).is_err() {
            return REFUSED;
        }
        let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
            return Answer {
                status: StatusCode::BAD_REQUEST,
                reason: "the body is not a JSON object",
            };
        };
        let record = match self.store.subscription(id).await {
            Ok(Some(record)) => record,
            Ok(None) => return REFUSED,
            Err(err) => {
                tracing::warn!(subscription = %id, error = %err, "cannot read the subscription of a callback");
                return unavailable();
            }
        };
        let Some(channel) = &record.channel else {
            return REFUSED;
        };
        let channel_id = match body.get("channel_id") {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        let token = body.get("token").and_then(Value::as_str).unwrap_or("");
        let Ok(expected) = self
            .store
            .open(&record.id, "channel_token", &channel.token_sealed)
        else {
            tracing::warn!(subscription = %id, "the channel token cannot be opened (another encryption key?)");
            return unavailable();
        };
        // Both compared, always: how far a guess got is not told by the time taken.
        let id_ok = constant_time_eq(channel_id.as_bytes(), channel.id.as_bytes());
        let token_ok = constant_time_eq(token.as_bytes(), expected.expose().as_bytes());
        if !(id_ok && token_ok) {
            tracing::info!(subscription = %id, "refused a callback with a wrong channel or token");
            return REFUSED;
        }
        let module = body.get("module").and_then(Value::as_str).unwrap_or("");
        let Some(record_type) = record
            .record_types
            .iter()
            .find(|t| t.eq_ignore_ascii_case(module))
            .cloned()
        else {
            return Answer {
                status: StatusCode::OK,
                reason: "not a module this subscription watches",
            };
        };
        let Some(operation) = body
            .get("operation")
            .and_then(Value::as_str)
            .and_then(Operation::parse)
        else {
            return Answer {
                status: StatusCode::BAD_REQUEST,
                reason: "`operation` is not insert, update, delete (nor create, edit)",
            };
        };
        if !record.operations.contains(&operation) {
            return ok();
        }
        let server_time = body.get("server_time").and_then(Value::as_i64);
        if let Some(server_ms) = server_time {
            self.learn_clock(&record.id, server_ms);
        }
        let at_ms =
            server_time.unwrap_or_else(|| i64::try_from(zoho_core::store::now_ms()).unwrap_or(0));
        let ids: Vec<String> = body
            .get("ids")
            .and_then(Value::as_array)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| match id {
                        Value::String(text) => Some(text.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let events: Vec<NewEvent> = ids
            .iter()
            .map(|record_id| NewEvent {
                record_type: record_type.clone(),
                record_id: record_id.clone(),
                operation,
                at_ms,
                changed_fields: changed_fields(&body, record_id),
                values: values(&body, record_id),
                origin: Origin::Callback,
            })
            .collect();
        match self.store.append_events(&record, &events).await {
            Ok(added) => {
                if added > 0 {
                    self.appended.notify_waiters();
                }
                ok()
            }
            Err(err) => {
                tracing::warn!(subscription = %id, error = %err, "cannot store a callback's events; the next read of what changed finds them");
                unavailable()
            }
        }
    }
}

fn ok() -> Answer {
    Answer {
        status: StatusCode::OK,
        reason: "stored",
    }
}

fn unavailable() -> Answer {
    Answer {
        status: StatusCode::SERVICE_UNAVAILABLE,
        reason: "the store cannot be reached",
    }
}

/// `affected_fields: [{"<id>": ["Company", ...]}]` for one record.
fn changed_fields(body: &serde_json::Map<String, Value>, id: &str) -> Option<Vec<String>> {
    body.get("affected_fields")?
        .as_array()?
        .iter()
        .find_map(|entry| entry.get(id))
        .and_then(Value::as_array)
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect()
        })
}

/// `affected_values: [{"record_id": "<id>", "values": {...}}]` for one record.
fn values(body: &serde_json::Map<String, Value>, id: &str) -> Option<Value> {
    body.get("affected_values")?
        .as_array()?
        .iter()
        .find(|entry| entry.get("record_id").and_then(Value::as_str) == Some(id))
        .and_then(|entry| entry.get("values").cloned())
}

/// Serve `POST /zoho/notify/{id}`: no API key (Zoho cannot send one); the channel is the check.
pub(crate) async fn route<B>(
    front: &crate::http::Front,
    request: http::Request<B>,
) -> http::Response<crate::http::Body>
where
    B: hyper::body::Body<Data = bytes::Bytes>,
    B::Error: std::fmt::Display,
{
    let Some(events) = front.app.events.clone() else {
        return crate::http::refusal(StatusCode::NOT_FOUND, "this server serves no subscriptions");
    };
    if request.method() != http::Method::POST {
        let mut response = crate::http::refusal(
            StatusCode::METHOD_NOT_ALLOWED,
            "this route answers only POST",
        );
        response
            .headers_mut()
            .insert(http::header::ALLOW, http::HeaderValue::from_static("POST"));
        return response;
    }
    let id = request
        .uri()
        .path()
        .strip_prefix(PREFIX)
        .unwrap_or_default()
        .to_owned();
    let body = match front.read_body(request).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let answer = events.callback(&id, &body.bytes).await;
    let text = serde_json::json!({"status": answer.status.as_u16(), "reason": answer.reason});
    crate::http::json_response(answer.status, text.to_string().into_bytes())
}
