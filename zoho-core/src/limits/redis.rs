//! A [`Limiter`] every server instance shares through Redis: a lease semaphore per organization
//! and its rolling 24-hour credit count, all reckoned on Redis' clock inside Lua scripts.
//!
//! Keys (`P` the store's prefix, `K` the budget's key such as `crm:acme`):
//! `P:{o:K}:inflight` and `P:{o:K}:heavy` (sorted sets: lease id scored by when it expires),
//! `P:{o:K}:credits` (hash: hour index to credits spent), `P:{o:K}:zoho` (Zoho's own count of
//! credits left, and what we had spent when it said so).
//!
//! A lease expires by itself, so a process killed mid-call gives its slots back within a lease;
//! a long call renews its lease. In front of Redis each process keeps a [`LocalLimiter`] with the
//! whole budget, so it never has more callers asking Redis than could get a slot. When Redis
//! cannot be reached, calls take a slot of a second local budget holding this instance's share
//! (`1/instances` of the concurrency and credits) and keep being served; the shared counts
//! resume when Redis answers again. Zoho's own 429 stays the backstop.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;
use tokio::time::Instant;

use super::{
    LimitRequest, LimitScope, LimitSettings, LimitState, Limiter, LocalLimiter, Observation,
    Permit, millis,
};
use crate::auth::BoxFuture;
use crate::{Error, Limit};

/// How long a slot is held without renewal: a try's timeout and then some.
const LEASE: Duration = Duration::from_secs(60);
/// How often a call in flight renews its lease.
const RENEW_EVERY: Duration = Duration::from_secs(20);
/// The shortest and longest pause between two asks for a slot (jittered).
const POLL_MIN: Duration = Duration::from_millis(10);
const POLL_MAX: Duration = Duration::from_millis(200);

const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  return {1, 0, 0}
end
local heavy = ARGV[4] == '1'
local function earliest(key)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if first[2] then return tonumber(first[2]) - now end
  return 0
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return {0, earliest(KEYS[1]), 0} end
if heavy and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return {0, earliest(KEYS[2]), 0} end
local cost = tonumber(ARGV[6])
local limit = tonumber(ARGV[7])
if cost > 0 then
  local hour = math.floor(now / 3600000)
  local used = 0
  local all = redis.call('HGETALL', KEYS[3])
  for i = 1, #all, 2 do
    if tonumber(all[i]) <= hour - 24 then
      redis.call('HDEL', KEYS[3], all[i])
    else
      used = used + tonumber(all[i + 1])
    end
  end
  local left = -1
  if limit > 0 then left = limit - used end
  local zoho = redis.call('HMGET', KEYS[4], 'left', 'used')
  if zoho[1] then
    local said = tonumber(zoho[1]) - (used - tonumber(zoho[2]))
    if left < 0 or said < left then left = said end
  end
  if left >= 0 and left < cost then return {-1, left, used} end
  redis.call('HINCRBY', KEYS[3], hour, cost)
  redis.call('PEXPIRE', KEYS[3], 25 * 3600000)
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease * 2)
if heavy then
  redis.call('ZADD', KEYS[2], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[2], lease * 2)
end
return {1, 0, 0}";

const RELEASE: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1";

const RENEW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[2])
local renewed = redis.call('ZADD', KEYS[1], 'XX', 'CH', until_ms, ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', until_ms, ARGV[1])
return renewed";

const STATE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local hour = math.floor(now / 3600000)
local used = 0
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  if tonumber(all[i]) > hour - 24 then used = used + tonumber(all[i + 1]) end
end
local said = -1
local zoho = redis.call('HMGET', KEYS[3], 'left', 'used')
if zoho[1] then said = tonumber(zoho[1]) - (used - tonumber(zoho[2])) end
return {redis.call('ZCARD', KEYS[1]), used, said}";

const OBSERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local hour = math.floor(now / 3600000)
local used = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if tonumber(all[i]) > hour - 24 then used = used + tonumber(all[i + 1]) end
end
redis.call('HSET', KEYS[2], 'left', ARGV[1], 'used', used)
redis.call('PEXPIRE', KEYS[2], 25 * 3600000)
return 1";

/// Budgets shared by every instance through Redis, with local shares while it is unreachable.
pub struct RedisLimiter {
    redis: ConnectionManager,
    prefix: String,
    instances: usize,
    /// The whole budget, in front of Redis: no more callers ask Redis than could get a slot.
    gate: LocalLimiter,
    /// This instance's share, used while Redis cannot be reached.
    fallback: LocalLimiter,
    degraded: Arc<AtomicBool>,
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("prefix", &self.prefix)
            .field("instances", &self.instances)
            .field("degraded", &self.degraded.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

struct Keys {
    inflight: String,
    heavy: String,
    credits: String,
    zoho: String,
}

impl RedisLimiter {
    /// Budgets on `redis` under `prefix`, shared by `instances` server instances (each takes
    /// `1/instances` of every limit while Redis is unreachable).
    pub fn new(redis: ConnectionManager, prefix: &str, instances: usize) -> RedisLimiter {
        RedisLimiter {
            redis,
            prefix: prefix.to_owned(),
            instances: instances.max(1),
            gate: LocalLimiter::new(),
            fallback: LocalLimiter::new(),
            degraded: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether the last ask of Redis failed (calls then count in this instance's share).
    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
    }

    fn keys(&self, scope: &LimitScope) -> Keys {
        let base = format!("{}:{{o:{}}}", self.prefix, scope.key);
        Keys {
            inflight: format!("{base}:inflight"),
            heavy: format!("{base}:heavy"),
            credits: format!("{base}:credits"),
            zoho: format!("{base}:zoho"),
        }
    }

    /// This instance's share of `request`'s limits.
    fn share(&self, request: &LimitRequest) -> LimitRequest {
        let part = |n: usize| n.div_ceil(self.instances).max(1);
        let settings = request.scope.settings;
        LimitRequest {
            scope: LimitScope {
                key: request.scope.key.clone(),
                settings: LimitSettings {
                    concurrency: part(settings.concurrency),
                    heavy_concurrency: part(settings.heavy_concurrency),
                    per_minute: settings
                        .per_minute
                        .map(|n| n.div_ceil(self.instances as u32).max(1)),
                    daily_credits: settings
                        .daily_credits
                        .map(|n| n.div_ceil(self.instances as u64).max(1)),
                },
            },
            cost: request.cost,
        }
    }

    fn went(&self, degraded: bool, err: Option<&redis::RedisError>) {
        if self.degraded.swap(degraded, Ordering::Relaxed) != degraded {
            match err {
                Some(err) => {
                    tracing::warn!(error = %err, instances = self.instances, "Redis is unreachable: limits fall back to this instance's share")
                }
                None => tracing::info!("Redis answers again: limits are shared across instances"),
            }
        }
    }

    async fn ask(
        &self,
        keys: &Keys,
        lease_id: &str,
        request: &LimitRequest,
    ) -> redis::RedisResult<(i64, i64, i64)> {
        let settings = request.scope.settings;
        Script::new(ACQUIRE)
            .key(&keys.inflight)
            .key(&keys.heavy)
            .key(&keys.credits)
            .key(&keys.zoho)
            .arg(lease_id)
            .arg(millis(LEASE))
            .arg(settings.concurrency)
            .arg(if request.cost.heavy { "1" } else { "0" })
            .arg(settings.heavy_concurrency)
            .arg(request.cost.credits)
            .arg(settings.daily_credits.unwrap_or(0))
            .invoke_async(&mut self.redis.clone())
            .await
    }
}

/// A shared slot: released (and its renewals stopped) when dropped; a lease that cannot be
/// released expires by itself.
struct Lease {
    redis: ConnectionManager,
    inflight: String,
    heavy: String,
    id: String,
    renewal: tokio::task::JoinHandle<()>,
    _gate: Permit,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewal.abort();
        let (mut redis, inflight, heavy, id) = (
            self.redis.clone(),
            std::mem::take(&mut self.inflight),
            std::mem::take(&mut self.heavy),
            std::mem::take(&mut self.id),
        );
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let released: redis::RedisResult<i64> = Script::new(RELEASE)
                    .key(inflight)
                    .key(heavy)
                    .arg(id)
                    .invoke_async(&mut redis)
                    .await;
                if let Err(err) = released {
                    tracing::debug!(error = %err, "a slot could not be released; its lease expires by itself");
                }
            });
        }
    }
}

impl Limiter for RedisLimiter {
    fn acquire<'a>(
        &'a self,
        request: &'a LimitRequest,
        until: Instant,
    ) -> BoxFuture<'a, Result<Permit, Error>> {
        Box::pin(async move {
            let gate = self.gate.acquire(request, until).await?;
            let keys = self.keys(&request.scope);
            let lease_id = format!("{:032x}:{}", rand::random::<u128>(), std::process::id());
            let started = Instant::now();
            let mut pause = POLL_MIN;
            loop {
                match self.ask(&keys, &lease_id, request).await {
                    Ok((1, _, _)) => {
                        self.went(false, None);
                        let renewal = tokio::spawn(renew(
                            self.redis.clone(),
                            keys.inflight.clone(),
                            keys.heavy.clone(),
                            lease_id.clone(),
                        ));
                        return Ok(Permit::new(Lease {
                            redis: self.redis.clone(),
                            inflight: keys.inflight,
                            heavy: keys.heavy,
                            id: lease_id,
                            renewal,
                            _gate: gate,
                        }));
                    }
                    Ok((-1, left, used)) => {
                        self.went(false, None);
                        return Err(Error::LimitReached {
                            limit: Limit::Credits,
                            retry_after: None,
                            reason: format!(
                                "the organization's API credits for the rolling 24 hours are spent \
                                 ({used} used by every instance, {left} left, this call needs {})",
                                request.cost.credits
                            ),
                        });
                    }
                    Ok((_, wait_ms, _)) => {
                        self.went(false, None);
                        let now = Instant::now();
                        if now >= until {
                            return Err(Error::LimitReached {
                                limit: Limit::Concurrency,
                                retry_after: Some(Duration::from_millis(wait_ms.max(0) as u64)),
                                reason: format!(
                                    "no slot came free for `{}` within the call's budget (waited {} ms; \
                                     {} allowed in flight across every instance)",
                                    request.scope.key,
                                    millis(now.saturating_duration_since(started)),
                                    request.scope.settings.concurrency
                                ),
                            });
                        }
                        let jitter = pause.mul_f64(0.5 + rand::random::<f64>() / 2.0);
                        tokio::time::sleep_until((now + jitter).min(until)).await;
                        pause = (pause * 2).min(POLL_MAX);
                    }
                    Err(err) => {
                        self.went(true, Some(&err));
                        let share = self.share(request);
                        let local = self.fallback.acquire(&share, until).await?;
                        return Ok(Permit::new((gate, local)));
                    }
                }
            }
        })
    }

    fn observe(
        &self,
        scope: &LimitScope,
        observation: Observation,
        credits_remaining: Option<u64>,
    ) {
        self.gate.observe(scope, observation, credits_remaining);
        self.fallback.observe(scope, observation, credits_remaining);
        if let (Some(left), Ok(runtime)) =
            (credits_remaining, tokio::runtime::Handle::try_current())
        {
            let keys = self.keys(scope);
            let mut redis = self.redis.clone();
            runtime.spawn(async move {
                let said: redis::RedisResult<i64> = Script::new(OBSERVE)
                    .key(keys.credits)
                    .key(keys.zoho)
                    .arg(left)
                    .invoke_async(&mut redis)
                    .await;
                if let Err(err) = said {
                    tracing::debug!(error = %err, "could not share Zoho's count of credits left");
                }
            });
        }
    }

    fn state<'a>(&'a self, scope: &'a LimitScope) -> BoxFuture<'a, Result<LimitState, Error>> {
        Box::pin(async move {
            let keys = self.keys(scope);
            let local = self.gate.state(scope).await?;
            let shared: redis::RedisResult<(i64, i64, i64)> = Script::new(STATE)
                .key(&keys.inflight)
                .key(&keys.credits)
                .key(&keys.zoho)
                .invoke_async(&mut self.redis.clone())
                .await;
            match shared {
                Ok((in_flight, used, said)) => {
                    let used = used.max(0) as u64;
                    let configured = scope.settings.daily_credits.map(|n| n.saturating_sub(used));
                    let said = (said >= 0).then_some(said as u64);
                    Ok(LimitState {
                        in_flight: in_flight.max(0) as u64,
                        concurrency: local.concurrency,
                        credits_used_24h: used,
                        credits_remaining: match (configured, said) {
                            (Some(a), Some(b)) => Some(a.min(b)),
                            (a, b) => a.or(b),
                        },
                    })
                }
                // What this instance knows, while the shared counts cannot be read.
                Err(_) => Ok(local),
            }
        })
    }
}

/// Push a held lease's expiry out every [`RENEW_EVERY`] until aborted.
async fn renew(mut redis: ConnectionManager, inflight: String, heavy: String, id: String) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        let renewed: redis::RedisResult<i64> = Script::new(RENEW)
            .key(&inflight)
            .key(&heavy)
            .arg(&id)
            .arg(millis(LEASE))
            .invoke_async(&mut redis)
            .await;
        if let Err(err) = renewed {
            tracing::debug!(error = %err, "could not renew a slot's lease");
        }
    }
}
