//! Webhook delivery: each event POSTed as JSON, in log order (so in order per record), signed
//! `Zoho-Rs-Signature: t=UNIX,v1=HEX` with HEX the HMAC-SHA256 of `t.body` under the secret in
//! the subscription's `secretEnv`. A failure is retried with a doubling backoff until the retry
//! period (24 h) ends; then the event is given up and counted. Only the instance holding the
//! subscription's lease delivers, and the cursor is stored after each delivery, so an event is
//! sent again only when an instance dies between sending it and storing that it did.

use std::time::Duration;

use ring::hmac;
use zoho_core::store::events::SubscriptionRecord;
use zoho_core::store::now_ms;

use super::Events;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Zoho-Rs-Signature";
/// Events read from the log per look.
const BATCH: usize = 50;

/// The signature header's value for `body` sent at `unix` seconds.
pub fn signature(secret: &[u8], unix: u64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut signed = format!("{unix}.").into_bytes();
    signed.extend_from_slice(body);
    let tag = hmac::sign(&key, &signed);
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={unix},v1={hex}")
}

/// Deliver what is due; whether the record's delivery state changed (to be stored).
pub(crate) async fn step(events: &Events, record: &mut SubscriptionRecord) -> bool {
    let Some(deliver) = record.deliver.clone() else {
        return false;
    };
    let now = now_ms();
    if record.delivery.next_attempt_ms.is_some_and(|due| due > now) {
        return false;
    }
    let page = match events
        .store
        .read_events(&record.id, record.delivery.cursor.as_deref(), BATCH)
        .await
    {
        Ok(page) => page,
        Err(err) => {
            tracing::warn!(subscription = %record.id, error = %err, "cannot read events to deliver");
            return false;
        }
    };
    let Ok(secret) = std::env::var(&deliver.secret_env) else {
        record.delivery.last_error = Some(format!(
            "the environment variable `{}` is not set on this instance",
            deliver.secret_env
        ));
        return true;
    };
    let mut changed = false;
    for (cursor, event) in page.events {
        let body = serde_json::to_vec(&event).unwrap_or_default();
        let unix = now_ms() / 1000;
        let sent = events
            .http
            .post(&deliver.webhook_url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature(secret.as_bytes(), unix, &body))
            .timeout(Duration::from_secs(events.config.webhook_timeout_secs))
            .body(body)
            .send()
            .await;
        let failure = match sent {
            Ok(response) if response.status().is_success() => None,
            Ok(response) => Some(format!(
                "the webhook answered HTTP {}",
                response.status().as_u16()
            )),
            Err(err) if err.is_timeout() => Some("the webhook did not answer in time".to_owned()),
            Err(_) => Some("the webhook could not be reached".to_owned()),
        };
        changed = true;
        let state = &mut record.delivery;
        match failure {
            None => {
                state.cursor = Some(cursor);
                state.delivered += 1;
                state.attempts = 0;
                state.failing_since_ms = None;
                state.next_attempt_ms = None;
                state.last_error = None;
                // Stored after each event: a crash re-sends one event at most.
                if !matches!(events.store.update_subscription(record).await, Ok(true)) {
                    return false;
                }
            }
            Some(reason) => {
                let now = now_ms();
                let since = *state.failing_since_ms.get_or_insert(now);
                state.attempts += 1;
                state.last_error = Some(reason);
                let retry_ms = events.config.webhook_retry_hours * 3_600_000;
                if now.saturating_sub(since) >= retry_ms {
                    tracing::warn!(subscription = %record.id, "gave up delivering an event after the retry period");
                    state.cursor = Some(cursor);
                    state.given_up += 1;
                    state.attempts = 0;
                    state.failing_since_ms = None;
                    state.next_attempt_ms = None;
                    continue;
                }
                let backoff_secs = 1_u64
                    .checked_shl(state.attempts.saturating_sub(1).min(20))
                    .unwrap_or(u64::MAX)
                    .min(events.config.webhook_max_backoff_secs);
                state.next_attempt_ms = Some(now + backoff_secs * 1000);
                break;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body_in_hex() {
        // `printf '1.{}' | openssl dgst -sha256 -hmac key`
        assert_eq!(
            super::signature(b"key", 1, b"{}"),
            "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }
}
