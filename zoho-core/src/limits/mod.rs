//! Throttling before Zoho says no: per Zoho organization, calls in flight (with a smaller share
//! for heavy calls), Books' requests per minute, and the day's API credits.
//!
//! Zoho counts its limits per organization (CRM: 5 to 25 calls in flight by edition, 10 for
//! heavy calls, credits per rolling 24 hours; Books: 100 requests a minute, a daily count, 5 or
//! 10 in flight) and answers 429 past them. Waiting here for a slot is cheaper than a refused
//! call, and a 429 that still comes (another app, another process) shrinks this side's window
//! for a while (additive increase, multiplicative decrease).
//!
//! The [`Limiter`] trait is the seam: [`LocalLimiter`] keeps the counts in this process; an
//! implementation on a shared store lets several server processes share one budget.

pub(crate) mod cost;
mod local;
mod redis;

use std::time::Duration;

use tokio::time::Instant;

pub use self::redis::RedisLimiter;
pub use cost::CallCost;
pub use local::LocalLimiter;

use crate::Error;
use crate::auth::BoxFuture;

/// How many calls a connection may have in flight per organization when nothing is configured.
pub const DEFAULT_CONCURRENCY: usize = 10;
/// How many heavy calls (COQL, sorted lists, writes of more than 10 records, lead convert) may
/// be in flight per organization: Zoho's sub-concurrency of 10, the same in every edition.
pub const DEFAULT_HEAVY_CONCURRENCY: usize = 10;
/// Zoho Books' requests per minute per organization.
pub const DEFAULT_BOOKS_PER_MINUTE: u32 = 100;

/// The limits of one organization, as the connection's settings give them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSettings {
    /// Calls in flight at once (`concurrency`).
    pub concurrency: usize,
    /// Heavy calls in flight at once (`heavy_concurrency`); they also count in `concurrency`.
    pub heavy_concurrency: usize,
    /// Calls per minute (Books: 100); `None` for no per-minute limit (CRM).
    pub per_minute: Option<u32>,
    /// API credits per rolling 24 hours (`daily_credits`); `None` when not configured (Zoho's
    /// `X-API-CREDITS-REMAINING`, when sent, still counts).
    pub daily_credits: Option<u64>,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            concurrency: DEFAULT_CONCURRENCY,
            heavy_concurrency: DEFAULT_HEAVY_CONCURRENCY,
            per_minute: None,
            daily_credits: None,
        }
    }
}

/// One organization's budget: the key it is counted under and its limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitScope {
    /// `crm:{connection}` or `books:{organization_id}`; every caller using the same key shares
    /// one budget.
    pub key: String,
    /// The limits.
    pub settings: LimitSettings,
}

/// What a call asks of the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRequest {
    /// Whose budget.
    pub scope: LimitScope,
    /// Its weight.
    pub cost: CallCost,
}

/// A slot taken from a [`Limiter`]; dropping it gives the slot back.
pub struct Permit {
    _release: Box<dyn Send + Sync>,
}

impl Permit {
    /// A permit whose release is `release`'s drop.
    pub fn new(release: impl Send + Sync + 'static) -> Permit {
        Permit {
            _release: Box::new(release),
        }
    }
}

impl std::fmt::Debug for Permit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Permit")
    }
}

/// What an answer from Zoho told about the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Observation {
    /// An answer that was not a throttle: the window may grow back.
    Answered,
    /// Zoho said to slow down: the window shrinks for a while.
    Throttled,
}

/// The state `limits.get` reports (summed over every process sharing the budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LimitState {
    /// Calls in flight now.
    pub in_flight: u64,
    /// Calls allowed in flight now (the configured concurrency, less while a 429 shrank it).
    pub concurrency: u64,
    /// Credits spent in the last 24 hours, as counted here.
    pub credits_used_24h: u64,
    /// Credits left: the configured `daily_credits` less those used, or Zoho's own count
    /// (`X-API-CREDITS-REMAINING`) when it sent one and it is lower; `None` when neither is known.
    pub credits_remaining: Option<u64>,
}

/// What `limits.get` answers for a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConnectionLimits {
    /// Calls in flight now (`inFlight`).
    pub in_flight: u64,
    /// Calls allowed in flight now (`concurrency`): the configured value, less while a 429
    /// from Zoho shrank the window.
    pub concurrency: u64,
    /// Credits spent in the last 24 hours (`creditsUsed24h`).
    pub credits_used_24h: u64,
    /// Credits left (`creditsRemaining`), when `daily_credits` is set or Zoho reported them.
    pub credits_remaining: Option<u64>,
    /// Access tokens minted in the last 10 minutes (`tokenMintsLast10m`; Zoho allows 10),
    /// when the token source counts them.
    pub token_mints_last_10m: Option<u64>,
}

/// Where calls take their slots. Implementations must be cheap to call on every try.
pub trait Limiter: Send + Sync + std::fmt::Debug {
    /// Wait until `request` fits the budget, at most until `until`. Past it: a
    /// [`Error::LimitReached`] naming the limit (`concurrency`, `credits`) and when to retry.
    fn acquire<'a>(
        &'a self,
        request: &'a LimitRequest,
        until: Instant,
    ) -> BoxFuture<'a, Result<Permit, Error>>;

    /// Tell the budget what an answer said: a throttle, or `credits_remaining` from Zoho.
    fn observe(&self, scope: &LimitScope, observation: Observation, credits_remaining: Option<u64>);

    /// The budget's state now.
    fn state<'a>(&'a self, scope: &'a LimitScope) -> BoxFuture<'a, Result<LimitState, Error>>;
}

/// `Duration` in whole milliseconds, saturating (for messages).
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
