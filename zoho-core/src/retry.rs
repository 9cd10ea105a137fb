//! When to try a call again, and how long to wait first: pure functions of the policy and what
//! happened, so the client's loop stays small and every rule is unit-tested without a server.
//! See `docs/design/003-retry-policy.md`.
//!
//! Two policies share the backoff:
//! - typed actions ([`classify_action`]): the spec's `idempotent` flag decides. Idempotent calls
//!   are retried on 5xx, throttles, and tries without an answer; a call that is not idempotent
//!   (a create) only when it provably never left ([`Outcome::NotSent`]) or Zoho said it did not
//!   process it (a throttle). The connection's `max_retries` and `retry_initial_ms` tune it.
//! - `rawRequest` ([`classify`]): exactly as its inputs say (`maxRetryCount`, default none).

use std::time::{Duration, SystemTime};

use crate::{Method, RetryPolicy};

/// First delay of the exponential backoff.
pub const BACKOFF_INITIAL: Duration = Duration::from_secs(1);
/// Longest delay of the exponential backoff.
pub const BACKOFF_CAP: Duration = Duration::from_secs(20);
/// Longest wait a `Retry-After` header can ask for; longer asks are clamped to this.
pub const RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// What one try came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Zoho answered.
    Answer {
        /// The HTTP status.
        status: u16,
        /// Zoho said to slow down: HTTP 429, or a rate-limit code (CRM `TOO_MANY_REQUESTS`,
        /// Books 44/45/1070) under another status.
        throttled: bool,
    },
    /// No answer, and the request never left: the connection could not be made (refused, DNS,
    /// TLS handshake, connect timeout), so Zoho cannot have seen it.
    NotSent,
    /// No answer after the request may have reached Zoho: a reset mid-exchange, or the try
    /// timed out waiting.
    NoAnswer,
}

/// What to do after a try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The outcome is final: a success, or a failure the policy does not retry.
    Done,
    /// Try again (if retries are left).
    Retry,
}

/// Classify one try, as the Raw Request inputs describe:
/// 5xx and network failures are retried; 429 (and other throttles), other 4xx and 3xx only with
/// `retry_on_all_errors`. A POST or PATCH that got no answer may have reached Zoho, so it is
/// retried only with `retry_on_all_errors`.
pub fn classify(policy: &RetryPolicy, method: Method, outcome: Outcome) -> Decision {
    let retry = |yes: bool| if yes { Decision::Retry } else { Decision::Done };
    match outcome {
        Outcome::Answer {
            throttled: true, ..
        } => retry(policy.retry_on_all_errors),
        Outcome::Answer { status, .. } if status >= 500 => Decision::Retry,
        Outcome::Answer { status, .. } if (300..500).contains(&status) => {
            retry(policy.retry_on_all_errors)
        }
        Outcome::Answer { .. } => Decision::Done,
        // The component's rule, kept as it was: by method, whether or not the request left.
        Outcome::NotSent | Outcome::NoAnswer => {
            retry(method.is_idempotent() || policy.retry_on_all_errors)
        }
    }
}

/// The retry policy of typed actions, from the connection's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionRetry {
    /// Retries after the first try (`max_retries`, default 2: 3 attempts in all).
    pub max_retries: u32,
    /// The first backoff delay (`retry_initial_ms`, default 1 s); it doubles up to [`BACKOFF_CAP`].
    pub initial: Duration,
}

/// Retries after the first try of a typed action when the connection says nothing.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

impl Default for ActionRetry {
    fn default() -> Self {
        ActionRetry {
            max_retries: DEFAULT_MAX_RETRIES,
            initial: BACKOFF_INITIAL,
        }
    }
}

/// Classify one try of a typed action. `idempotent` is the spec's flag for the action.
///
/// - Zoho said to slow down (429, `TOO_MANY_REQUESTS`, Books 44/45/1070): retry. Zoho did not
///   process the call, so this is safe even for a create.
/// - The request never left ([`Outcome::NotSent`]): retry, for the same reason.
/// - 5xx, or no answer after the request may have arrived: retry only an idempotent call. A
///   create may have been stored; sending it again could store it twice.
/// - Anything else (2xx, 3xx, other 4xx): done.
pub fn classify_action(idempotent: bool, outcome: Outcome) -> Decision {
    let retry = |yes: bool| if yes { Decision::Retry } else { Decision::Done };
    match outcome {
        Outcome::Answer {
            throttled: true, ..
        }
        | Outcome::NotSent => Decision::Retry,
        Outcome::Answer { status, .. } if status >= 500 => retry(idempotent),
        Outcome::Answer { .. } => Decision::Done,
        Outcome::NoAnswer => retry(idempotent),
    }
}

/// How long to wait before retry number `retry` of a typed action: Zoho's `Retry-After` when
/// it sent one (clamped to [`RETRY_AFTER_CAP`]), else full jitter over
/// `min(BACKOFF_CAP, initial * 2^(retry-1))`.
pub fn action_delay(
    policy: &ActionRetry,
    retry: u32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Duration {
    match retry_after {
        Some(asked) => asked.min(RETRY_AFTER_CAP),
        None => backoff(policy.initial, retry, jitter),
    }
}

/// Full-jitter exponential backoff: a random share (`jitter` in `[0, 1]`) of
/// `min(BACKOFF_CAP, initial * 2^(retry-1))`.
pub fn backoff(initial: Duration, retry: u32, jitter: f64) -> Duration {
    let doublings = retry.saturating_sub(1).min(16);
    let ceiling = initial.saturating_mul(1 << doublings).min(BACKOFF_CAP);
    ceiling.mul_f64(jitter.clamp(0.0, 1.0))
}

/// How long to wait before retry number `retry` (1 for the first retry).
///
/// A `Retry-After` from the server wins, clamped to [`RETRY_AFTER_CAP`]. Otherwise, with
/// exponential backoff, full jitter over `min(BACKOFF_CAP, BACKOFF_INITIAL * 2^(retry-1))`
/// (`jitter` is a random number in `[0, 1]`); without it, the policy's fixed `delay`.
pub fn delay_before(
    policy: &RetryPolicy,
    retry: u32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Duration {
    if let Some(asked) = retry_after {
        return asked.min(RETRY_AFTER_CAP);
    }
    if !policy.exponential_backoff {
        return policy.delay;
    }
    backoff(BACKOFF_INITIAL, retry, jitter)
}

/// Read a `Retry-After` value: delay-seconds or an HTTP date (a date in the past is zero).
/// Anything else is `None`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn policy(all: bool) -> RetryPolicy {
        RetryPolicy {
            max_retries: 3,
            delay: Duration::from_millis(250),
            exponential_backoff: false,
            retry_on_all_errors: all,
        }
    }

    fn answer(status: u16) -> Outcome {
        Outcome::Answer {
            status,
            throttled: status == 429,
        }
    }

    #[test]
    fn by_default_only_5xx_and_network_failures_of_idempotent_calls_are_retried() {
        let p = policy(false);
        for status in [500, 502, 503, 504] {
            assert_eq!(
                classify(&p, Method::Get, answer(status)),
                Decision::Retry,
                "{status}"
            );
            assert_eq!(
                classify(&p, Method::Post, answer(status)),
                Decision::Retry,
                "{status}"
            );
        }
        for status in [200, 201, 204, 301, 304, 400, 401, 404, 429] {
            assert_eq!(
                classify(&p, Method::Get, answer(status)),
                Decision::Done,
                "{status}"
            );
        }
        assert_eq!(
            classify(&p, Method::Get, Outcome::NoAnswer),
            Decision::Retry
        );
        assert_eq!(
            classify(&p, Method::Put, Outcome::NoAnswer),
            Decision::Retry
        );
        assert_eq!(
            classify(&p, Method::Delete, Outcome::NoAnswer),
            Decision::Retry
        );
        assert_eq!(
            classify(&p, Method::Post, Outcome::NoAnswer),
            Decision::Done
        );
        assert_eq!(
            classify(&p, Method::Patch, Outcome::NoAnswer),
            Decision::Done
        );
    }

    #[test]
    fn retry_on_all_errors_adds_429_other_4xx_3xx_and_unanswered_posts() {
        let p = policy(true);
        for status in [301, 302, 304, 400, 401, 404, 429, 500] {
            assert_eq!(
                classify(&p, Method::Get, answer(status)),
                Decision::Retry,
                "{status}"
            );
        }
        for status in [200, 201, 204] {
            assert_eq!(
                classify(&p, Method::Get, answer(status)),
                Decision::Done,
                "{status}"
            );
        }
        assert_eq!(
            classify(&p, Method::Post, Outcome::NoAnswer),
            Decision::Retry
        );
        assert_eq!(
            classify(&p, Method::Patch, Outcome::NoAnswer),
            Decision::Retry
        );
    }

    #[test]
    fn a_throttle_inside_a_200_counts_as_a_rate_limit() {
        let throttled = Outcome::Answer {
            status: 200,
            throttled: true,
        };
        assert_eq!(
            classify(&policy(false), Method::Get, throttled),
            Decision::Done
        );
        assert_eq!(
            classify(&policy(true), Method::Get, throttled),
            Decision::Retry
        );
    }

    #[test]
    fn idempotent_actions_retry_5xx_throttles_and_unanswered_tries() {
        for outcome in [
            answer(500),
            answer(503),
            answer(429),
            Outcome::NoAnswer,
            Outcome::NotSent,
        ] {
            assert_eq!(
                classify_action(true, outcome),
                Decision::Retry,
                "{outcome:?}"
            );
        }
        for status in [200, 201, 204, 304, 400, 401, 404] {
            assert_eq!(
                classify_action(true, answer(status)),
                Decision::Done,
                "{status}"
            );
        }
    }

    #[test]
    fn a_create_is_retried_only_when_zoho_cannot_have_processed_it() {
        assert_eq!(classify_action(false, Outcome::NotSent), Decision::Retry);
        assert_eq!(classify_action(false, answer(429)), Decision::Retry);
        let throttled_in_200 = Outcome::Answer {
            status: 200,
            throttled: true,
        };
        assert_eq!(classify_action(false, throttled_in_200), Decision::Retry);
        // It may have been stored: sending it again could store it twice.
        assert_eq!(classify_action(false, Outcome::NoAnswer), Decision::Done);
        for status in [500, 502, 503, 504] {
            assert_eq!(
                classify_action(false, answer(status)),
                Decision::Done,
                "{status}"
            );
        }
    }

    #[test]
    fn raw_requests_keep_the_method_rule_for_unsent_requests() {
        let p = policy(false);
        assert_eq!(classify(&p, Method::Post, Outcome::NotSent), Decision::Done);
        assert_eq!(classify(&p, Method::Get, Outcome::NotSent), Decision::Retry);
    }

    #[test]
    fn action_backoff_starts_at_the_configured_delay_and_honours_retry_after() {
        let p = ActionRetry {
            max_retries: 2,
            initial: Duration::from_millis(100),
        };
        assert_eq!(action_delay(&p, 1, None, 1.0), Duration::from_millis(100));
        assert_eq!(action_delay(&p, 3, None, 1.0), Duration::from_millis(400));
        assert_eq!(action_delay(&p, 30, None, 1.0), BACKOFF_CAP);
        assert_eq!(
            action_delay(&p, 1, Some(Duration::from_secs(2)), 0.0),
            Duration::from_secs(2)
        );
        assert_eq!(ActionRetry::default().initial, Duration::from_secs(1));
        assert_eq!(ActionRetry::default().max_retries, 2);
    }

    #[test]
    fn fixed_delay_is_used_without_backoff() {
        assert_eq!(
            delay_before(&policy(false), 1, None, 0.3),
            Duration::from_millis(250)
        );
        assert_eq!(
            delay_before(&policy(false), 3, None, 0.9),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn backoff_doubles_from_one_second_up_to_twenty_with_full_jitter() {
        let p = RetryPolicy {
            exponential_backoff: true,
            ..policy(false)
        };
        let full: Vec<u64> = (1..=7)
            .map(|n| delay_before(&p, n, None, 1.0).as_millis() as u64)
            .collect();
        assert_eq!(
            full,
            vec![1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000]
        );
        assert_eq!(delay_before(&p, 3, None, 0.5), Duration::from_secs(2));
        assert_eq!(delay_before(&p, 3, None, 0.0), Duration::ZERO);
        assert_eq!(delay_before(&p, 1_000, None, 1.0), BACKOFF_CAP);
    }

    #[test]
    fn retry_after_wins_and_is_clamped() {
        let p = RetryPolicy {
            exponential_backoff: true,
            ..policy(false)
        };
        assert_eq!(
            delay_before(&p, 1, Some(Duration::from_secs(7)), 0.1),
            Duration::from_secs(7)
        );
        assert_eq!(
            delay_before(&policy(false), 1, Some(Duration::from_secs(3_600)), 0.1),
            RETRY_AFTER_CAP
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
