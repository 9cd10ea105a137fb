//! The shared [`Store`] on Redis: every server instance of a fleet opens the same one.
//!
//! Keys (`P` is `key_prefix`; the `{…}` hash tag keeps a connection's keys in one Cluster slot):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `P:{c:NAME}:rec` | string | the connection record (JSON, no secret) |
//! | `P:{c:NAME}:tok` | hash | `ver` (the record's version) and `data` (the sealed tokens, JSON) |
//! | `P:conns` | sorted set | every connection name, score 0, for paging in name order |
//! | `P:{c:NAME}:lock` | string, PX | who refreshes the access token now (random owner + pid) |
//! | `P:{c:NAME}:mint` | sorted set | the access tokens minted in the last 10 minutes, by Redis' time |
//! | `P:{c:NAME}:cool` | string, PX | set after Zoho throttled a refresh: no instance mints until it expires |
//! | `P:pending:DIGEST` | string, PX | an authorization in progress, under SHA-256 of its state |
//! | `P:{c:NAME}:pending` | sorted set | the digests of NAME's authorizations in progress, by expiry (ms), for the cap |
//!
//! Token writes are a compare-and-set in Lua on `ver`: the writer names the version it read and
//! the script refuses when it moved. Tokens are always sealed (a keyring is required).

use std::time::Duration;

use redis::Script;

use crate::Error;
use crate::auth::BoxFuture;
use crate::store::record::SealedTokens;
use crate::store::redis_conn::{RedisConn, from_json, to_json};
use crate::store::{
    ConnectionRecord, Keyring, PendingAuthorization, PendingPut, Store, TokenRecord, TokenWrite,
    WriteOutcome, check_connection_name, now_ms, state_digest,
};

/// Write `data` as version ARGV[2] if the version is still ARGV[1] (0: no tokens) and the
/// connection still exists; 1 when written.
const CAS: &str = r"
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
local current = tonumber(redis.call('HGET', KEYS[1], 'ver') or '0')
if current ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'ver', ARGV[2], 'data', ARGV[3])
return 1";

/// Refuse while the cooldown runs (its time left); drop mints older than the window; count one
/// if fewer than the budget remain (0), else answer when the oldest ages out.
const RESERVE_MINT: &str = r"
local cool = redis.call('PTTL', KEYS[2])
if cool > 0 then return cool end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)";

/// Count one more authorization of a connection in progress (digest ARGV[3], expiring at
/// ARGV[4]) unless ARGV[2] are already, those expired by ARGV[1] dropped first: 0 when counted,
/// else when the first of them expires. The set expires with its last member.
const PUT_PENDING: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(first[2]))
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 0";

/// A store on a Redis server. Debug shows the key prefix only (the URL may hold a password).
#[derive(Clone)]
pub struct RedisStore {
    conn: RedisConn,
    keyring: Keyring,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.conn.prefix())
            .field("keyring", &self.keyring)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store at `url` (`redis://host:port/db`, `rediss://` for TLS, `redis+unix:///path`)
    /// under `prefix`, sealing tokens with `keyring`, which must hold a key. It connects on first
    /// use and reconnects by itself.
    pub fn open(url: &str, prefix: &str, keyring: Keyring) -> Result<RedisStore, Error> {
        if !keyring.is_enabled() {
            return Err(Error::Config(
                "a Redis store needs `encryption_key_env`: tokens are never kept in plain text on a shared server".into(),
            ));
        }
        Ok(RedisStore {
            conn: RedisConn::open(url, prefix)?,
            keyring,
        })
    }

    /// A limiter sharing Zoho's limits through this store's Redis, among `instances` server
    /// instances (their share each while Redis is unreachable).
    pub fn limiter(&self, instances: usize) -> crate::limits::RedisLimiter {
        crate::limits::RedisLimiter::new(self.conn.manager(), self.conn.prefix(), instances)
    }

    fn record_key(&self, name: &str) -> String {
        self.conn.tagged_key("c", name, "rec")
    }

    fn tokens_key(&self, name: &str) -> String {
        self.conn.tagged_key("c", name, "tok")
    }

    fn names_key(&self) -> String {
        self.conn.key("conns")
    }

    fn mint_key(&self, name: &str) -> String {
        self.conn.tagged_key("c", name, "mint")
    }

    fn cool_key(&self, name: &str) -> String {
        self.conn.tagged_key("c", name, "cool")
    }

    fn lock_key(&self, name: &str) -> String {
        self.conn.tagged_key("c", name, "lock")
    }

    fn pending_key(&self, state: &str) -> String {
        self.conn.key(&format!("pending:{}", state_digest(state)))
    }

    fn pending_of_key(&self, name: &str) -> String {
        self.conn.tagged_key("c", name, "pending")
    }

    /// The connection to Redis, which the subscription keys share (`events_redis.rs`).
    pub(super) fn conn(&self) -> &RedisConn {
        &self.conn
    }

    /// The keyring secrets are sealed with.
    pub(super) fn sealing_keyring(&self) -> &Keyring {
        &self.keyring
    }

    async fn read_tokens(&self, name: &str) -> Result<Option<TokenRecord>, Error> {
        let data: Option<String> = self
            .conn
            .query(redis::cmd("HGET").arg(self.tokens_key(name)).arg("data"))
            .await?;
        data.map(|data| {
            let sealed: SealedTokens = serde_json::from_str(&data).map_err(|err| {
                Error::Config(format!(
                    "connection `{name}`: the stored tokens cannot be read ({err})"
                ))
            })?;
            sealed.open(&self.keyring, name)
        })
        .transpose()
    }
}

impl Store for RedisStore {
    fn create_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            check_connection_name(&record.name)?;
            self.conn
                .create_indexed(
                    self.record_key(&record.name),
                    self.names_key(),
                    record,
                    &record.name,
                )
                .await
        })
    }

    fn connection<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<ConnectionRecord>, Error>> {
        Box::pin(async move {
            check_connection_name(name)?;
            self.conn
                .get_json(self.record_key(name), "a connection record")
                .await
        })
    }

    fn update_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            check_connection_name(&record.name)?;
            self.conn
                .replace_existing(self.record_key(&record.name), record)
                .await
        })
    }

    fn list_connections<'a>(
        &'a self,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<ConnectionRecord>, Error>> {
        Box::pin(async move {
            let start = after.map_or_else(|| "-".to_owned(), |after| format!("({after}"));
            let names: Vec<String> = self
                .conn
                .query(
                    redis::cmd("ZRANGEBYLEX")
                        .arg(self.names_key())
                        .arg(start)
                        .arg("+")
                        .arg("LIMIT")
                        .arg(0)
                        .arg(limit),
                )
                .await?;
            let keys: Vec<String> = names.iter().map(|name| self.record_key(name)).collect();
            self.conn.get_all_json(&keys, "a connection record").await
        })
    }

    fn delete_connection<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            check_connection_name(name)?;
            self.conn
                .delete_indexed(
                    self.record_key(name),
                    &[self.tokens_key(name)],
                    self.names_key(),
                    name,
                )
                .await
        })
    }

    fn tokens<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<TokenRecord>, Error>> {
        Box::pin(async move {
            check_connection_name(name)?;
            self.read_tokens(name).await
        })
    }

    fn write_tokens<'a>(
        &'a self,
        name: &'a str,
        expected: u64,
        write: &'a TokenWrite,
    ) -> BoxFuture<'a, Result<WriteOutcome, Error>> {
        Box::pin(async move {
            check_connection_name(name)?;
            let current = self.read_tokens(name).await?;
            if current.as_ref().map_or(0, |record| record.version) != expected {
                return Ok(WriteOutcome::Conflict(current));
            }
            let Some(next) = write.next_record(current.as_ref()) else {
                return Ok(WriteOutcome::Conflict(None));
            };
            let sealed = to_json(&SealedTokens::seal(&self.keyring, name, &next)?)?;
            let written: i64 = self
                .conn
                .invoke(
                    Script::new(CAS)
                        .key(self.tokens_key(name))
                        .key(self.record_key(name))
                        .arg(expected)
                        .arg(next.version)
                        .arg(sealed),
                )
                .await?;
            match written {
                1 => Ok(WriteOutcome::Written(next.version)),
                -1 => Err(Error::InvalidInput {
                    field: "connection".into(),
                    reason: format!("no connection named `{name}` in the store"),
                }),
                // Another writer came between our read and our write.
                _ => Ok(WriteOutcome::Conflict(self.read_tokens(name).await?)),
            }
        })
    }

    fn clear_tokens<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            check_connection_name(name)?;
            let _: i64 = self
                .conn
                .query(redis::cmd("DEL").arg(self.tokens_key(name)))
                .await?;
            Ok(())
        })
    }

    fn try_lock_refresh<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            check_connection_name(name)?;
            let set: Option<String> = self
                .conn
                .query(
                    redis::cmd("SET")
                        .arg(self.lock_key(name))
                        .arg(owner)
                        .arg("NX")
                        .arg("PX")
                        .arg(lease.as_millis().max(1) as u64),
                )
                .await?;
            Ok(set.is_some())
        })
    }

    fn unlock_refresh<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            check_connection_name(name)?;
            self.conn.release_if_held(self.lock_key(name), owner).await
        })
    }

    fn reserve_mint<'a>(
        &'a self,
        name: &'a str,
        budget: u32,
        window: Duration,
    ) -> BoxFuture<'a, Result<Option<Duration>, Error>> {
        Box::pin(async move {
            check_connection_name(name)?;
            let wait_ms: i64 = self
                .conn
                .invoke(
                    Script::new(RESERVE_MINT)
                        .key(self.mint_key(name))
                        .key(self.cool_key(name))
                        .arg(budget)
                        .arg(window.as_millis() as u64)
                        .arg(format!("{:032x}", rand::random::<u128>())),
                )
                .await?;
            Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms as u64)))
        })
    }

    fn mints<'a>(
        &'a self,
        name: &'a str,
        window: Duration,
    ) -> BoxFuture<'a, Result<Option<u64>, Error>> {
        Box::pin(async move {
            check_connection_name(name)?;
            let (seconds, micros): (u64, u64) = self.conn.query(&redis::cmd("TIME")).await?;
            let now_ms = seconds * 1000 + micros / 1000;
            let since = now_ms.saturating_sub(window.as_millis() as u64);
            let count: u64 = self
                .conn
                .query(
                    redis::cmd("ZCOUNT")
                        .arg(self.mint_key(name))
                        .arg(format!("({since}"))
                        .arg("+inf"),
                )
                .await?;
            Ok(Some(count))
        })
    }

    fn cool_down<'a>(&'a self, name: &'a str, pause: Duration) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            check_connection_name(name)?;
            let _: () = self
                .conn
                .query(
                    redis::cmd("SET")
                        .arg(self.cool_key(name))
                        .arg("1")
                        .arg("PX")
                        .arg(pause.as_millis().max(1) as u64),
                )
                .await?;
            Ok(())
        })
    }

    fn put_pending<'a>(
        &'a self,
        state: &'a str,
        pending: &'a PendingAuthorization,
        cap: usize,
    ) -> BoxFuture<'a, Result<PendingPut, Error>> {
        Box::pin(async move {
            check_connection_name(&pending.connection)?;
            let now = now_ms();
            // Counted in the connection's set first (one key, so one Cluster slot), then kept.
            let first_expires_at_ms: u64 = self
                .conn
                .invoke(
                    Script::new(PUT_PENDING)
                        .key(self.pending_of_key(&pending.connection))
                        .arg(now)
                        .arg(cap)
                        .arg(state_digest(state))
                        .arg(pending.expires_at_ms),
                )
                .await?;
            if first_expires_at_ms > 0 {
                return Ok(PendingPut::Full {
                    first_expires_at_ms,
                });
            }
            let ttl = pending.expires_at_ms.saturating_sub(now).max(1);
            let _: () = self
                .conn
                .query(
                    redis::cmd("SET")
                        .arg(self.pending_key(state))
                        .arg(to_json(pending)?)
                        .arg("PX")
                        .arg(ttl),
                )
                .await?;
            Ok(PendingPut::Kept)
        })
    }

    fn take_pending<'a>(
        &'a self,
        state: &'a str,
    ) -> BoxFuture<'a, Result<Option<PendingAuthorization>, Error>> {
        Box::pin(async move {
            // GETDEL: of two instances handed the same redirect, one gets it.
            let text: Option<String> = self
                .conn
                .query(redis::cmd("GETDEL").arg(self.pending_key(state)))
                .await?;
            let pending: Option<PendingAuthorization> = text
                .map(|text| from_json("an authorization in progress", &text))
                .transpose()?;
            if let Some(taken) = &pending {
                // No longer in progress. Should this fail, it counts until it expires.
                // Redis' own error in the log, as it is not the caller's failure.
                let uncounted: redis::RedisResult<()> = redis::cmd("ZREM")
                    .arg(self.pending_of_key(&taken.connection))
                    .arg(state_digest(state))
                    .query_async(&mut self.conn.manager())
                    .await;
                if let Err(err) = uncounted {
                    tracing::warn!(connection = %taken.connection, error = %err, "a finished authorization still counts as in progress until it expires");
                }
            }
            Ok(pending.filter(|p| p.expires_at_ms > now_ms()))
        })
    }
}
