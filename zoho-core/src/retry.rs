//! When to try a call again, and how long to wait first: pure functions of the policy and what
//! happened, so the client's loop stays small and every rule is unit-tested without a server.
//! See `docs/design/003-retry-policy.md`.

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
    /// No answer: the connection failed, was reset, or the try timed out.
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
        Outcome::NoAnswer => retry(method.is_idempotent() || policy.retry_on_all_errors),
    }
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
    let doublings = retry.saturating_sub(1).min(16);
    let ceiling = BACKOFF_INITIAL
        .saturating_mul(1 << doublings)
        .min(BACKOFF_CAP);
    ceiling.mul_f64(jitter.clamp(0.0, 1.0))
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
