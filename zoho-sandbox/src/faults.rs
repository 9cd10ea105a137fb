//! Injected faults and the adjustable limits, set at start and through `/__sandbox/faults`.

use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use serde_json::{Map, Value};

/// Faults to inject and limits to enforce. Rates are probabilities from 0.0 to 1.0 applied to
/// every CRM, Books and accounts request (never to `/__sandbox/` routes).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Faults {
    /// Added before every answer.
    #[serde(rename = "latency_ms", serialize_with = "as_millis")]
    pub latency: Duration,
    /// Share of requests answered 500, 502 or 503.
    pub error_rate: f64,
    /// Share of requests whose connection is dropped without an answer.
    pub reset_rate: f64,
    /// Share of requests answered 429 (CRM `TOO_MANY_REQUESTS`, Books code 44).
    pub rate_limit_rate: f64,
    /// Share of requests that are accepted and never answered (a stalled upstream): the
    /// connection stays open until the client gives up.
    pub stall_rate: f64,
    /// Share of requests that are carried out (a create stores its record) and whose answer is
    /// then lost: the connection drops instead. What a client must never retry blindly.
    pub lost_answer_rate: f64,
    /// CRM calls in flight at once per org (Zoho: Free 5, Standard 10, Professional 15,
    /// Enterprise 20, Ultimate 25); `None` = unlimited.
    pub crm_concurrency_limit: Option<u32>,
    /// CRM heavy calls (COQL, sorted lists, writes of more than 10 records) in flight at once
    /// (Zoho: 10 in every edition); `None` = unlimited.
    pub crm_sub_concurrency_limit: Option<u32>,
    /// Books requests per minute per organization (Zoho: 100, code 44); `None` = unlimited.
    pub books_per_minute_limit: Option<u32>,
    /// Books requests in flight at once per organization (Zoho: 10 on paid plans, code 1070).
    pub books_concurrency_limit: Option<u32>,
    /// Books requests per day per organization (Zoho: 1,000 to 10,000 by plan, code 45);
    /// `None` (the default) = unlimited, so long runs are not cut off.
    pub books_daily_limit: Option<u32>,
    /// Share of CRM notification callbacks never sent (Zoho promises no delivery).
    pub callback_drop_rate: f64,
    /// Share of CRM notification callbacks sent twice.
    pub callback_duplicate_rate: f64,
    /// When set, the rates above (errors, resets, 429s, stalls) apply only to requests on this
    /// route (`crm.coql`), so a test can fail one kind of call at a known point of an export.
    /// Set from Rust ([`crate::Sandbox::set_faults`]); `/__sandbox/faults` leaves it as it is.
    pub only_route: Option<&'static str>,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency: Duration::ZERO,
            error_rate: 0.0,
            reset_rate: 0.0,
            rate_limit_rate: 0.0,
            stall_rate: 0.0,
            lost_answer_rate: 0.0,
            crm_concurrency_limit: Some(15),
            crm_sub_concurrency_limit: Some(10),
            books_per_minute_limit: Some(100),
            books_concurrency_limit: Some(10),
            books_daily_limit: None,
            callback_drop_rate: 0.0,
            callback_duplicate_rate: 0.0,
            only_route: None,
        }
    }
}

/// What a request suffers before it is handled.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Injected {
    None,
    Reset,
    ServerError(u16),
    RateLimited,
    Stall,
}

impl Faults {
    /// Rolls the dice for one request.
    pub(crate) fn roll(&self) -> Injected {
        if self.reset_rate <= 0.0
            && self.error_rate <= 0.0
            && self.rate_limit_rate <= 0.0
            && self.stall_rate <= 0.0
        {
            return Injected::None;
        }
        let mut rng = rand::rng();
        if rng.random::<f64>() < self.stall_rate {
            return Injected::Stall;
        }
        if rng.random::<f64>() < self.reset_rate {
            return Injected::Reset;
        }
        if rng.random::<f64>() < self.error_rate {
            let statuses = [500, 502, 503];
            return Injected::ServerError(statuses[rng.random_range(0..statuses.len())]);
        }
        if rng.random::<f64>() < self.rate_limit_rate {
            return Injected::RateLimited;
        }
        Injected::None
    }

    /// Whether the answer of a request that was carried out is lost (rolled after handling).
    pub(crate) fn loses_answer(&self) -> bool {
        self.lost_answer_rate > 0.0 && rand::rng().random::<f64>() < self.lost_answer_rate
    }

    /// Applies a JSON patch such as `{"latency_ms": 20, "crm_concurrency_limit": null}`;
    /// every key is optional, `null` turns a limit off. Unknown keys are refused so a typo never
    /// passes silently.
    pub(crate) fn apply_patch(&mut self, patch: &Map<String, Value>) -> Result<(), String> {
        let mut next = *self;
        for (key, value) in patch {
            match key.as_str() {
                "latency_ms" => {
                    let ms = value
                        .as_u64()
                        .ok_or("latency_ms: expected a whole number of milliseconds")?;
                    next.latency = Duration::from_millis(ms);
                }
                "error_rate" => next.error_rate = rate(key, value)?,
                "reset_rate" => next.reset_rate = rate(key, value)?,
                "rate_limit_rate" => next.rate_limit_rate = rate(key, value)?,
                "stall_rate" => next.stall_rate = rate(key, value)?,
                "lost_answer_rate" => next.lost_answer_rate = rate(key, value)?,
                "crm_concurrency_limit" => next.crm_concurrency_limit = limit(key, value)?,
                "crm_sub_concurrency_limit" => next.crm_sub_concurrency_limit = limit(key, value)?,
                "books_per_minute_limit" => next.books_per_minute_limit = limit(key, value)?,
                "books_concurrency_limit" => next.books_concurrency_limit = limit(key, value)?,
                "books_daily_limit" => next.books_daily_limit = limit(key, value)?,
                "callback_drop_rate" => next.callback_drop_rate = rate(key, value)?,
                "callback_duplicate_rate" => next.callback_duplicate_rate = rate(key, value)?,
                other => return Err(format!("{other}: unknown fault setting")),
            }
        }
        *self = next;
        Ok(())
    }
}

fn rate(key: &str, value: &Value) -> Result<f64, String> {
    match value.as_f64() {
        Some(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("{key}: expected a number from 0.0 to 1.0")),
    }
}

fn limit(key: &str, value: &Value) -> Result<Option<u32>, String> {
    if value.is_null() {
        return Ok(None);
    }
    value
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| format!("{key}: expected a whole number or null"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn patch_sets_only_named_keys_and_refuses_typos() {
        let mut faults = Faults::default();
        let patch = serde_json::json!({"latency_ms": 5, "crm_concurrency_limit": null});
        faults.apply_patch(patch.as_object().unwrap()).unwrap();
        assert_eq!(faults.latency, Duration::from_millis(5));
        assert_eq!(faults.crm_concurrency_limit, None);
        assert_eq!(faults.books_per_minute_limit, Some(100));
        let bad = serde_json::json!({"error_rate": 2.0});
        let err = faults.apply_patch(bad.as_object().unwrap()).unwrap_err();
        assert!(err.starts_with("error_rate"), "{err}");
        let callbacks =
            serde_json::json!({"callback_drop_rate": 0.25, "callback_duplicate_rate": 1});
        faults.apply_patch(callbacks.as_object().unwrap()).unwrap();
        assert_eq!(
            (faults.callback_drop_rate, faults.callback_duplicate_rate),
            (0.25, 1.0)
        );
        let typo = serde_json::json!({"latency": 5});
        assert!(faults.apply_patch(typo.as_object().unwrap()).is_err());
    }
}
