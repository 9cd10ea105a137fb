//! The one connection to Redis that the connection store (`redis.rs`) and the event store
//! (`events_redis.rs`) share, and what both do through it: name keys under the prefix, send a
//! command or a script with Redis' failures turned into the crate's [`Error`], and keep JSON
//! records, each under its own key and listed in an index (a sorted set, score 0).
//!
//! A record is created only if absent and indexed in the same script, so of two instances
//! creating the same name at once one creates it; it is replaced only while it exists, so a
//! replace never brings back what another instance deleted.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{FromRedisValue, Script, ScriptInvocation};

use crate::Error;

/// Longest wait for one answer of Redis; the scripts are O(1) or O(log n).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest wait to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Set the record KEYS[1] to ARGV[1] and add ARGV[2] to the index KEYS[2], unless the record
/// exists: 1 when created.
const CREATE_INDEXED: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return 1";

/// Set the record KEYS[1] to ARGV[1] if it exists: 1 when replaced.
const REPLACE_EXISTING: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1";

/// Delete the record KEYS[1] and the keys after it, and remove ARGV[1] from the index, the last
/// key: 1 when the record existed.
const DELETE_INDEXED: &str = r"
local existed = redis.call('DEL', KEYS[1])
for i = 2, #KEYS - 1 do redis.call('DEL', KEYS[i]) end
redis.call('ZREM', KEYS[#KEYS], ARGV[1])
return existed";

/// Delete KEYS[1] only if it still holds the owner ARGV[1].
const RELEASE_IF_HELD: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0";

/// A Redis server's keys under one prefix. Cloning is cheap: every clone shares one multiplexed
/// socket, which reconnects by itself. Debug shows the prefix only (the URL may hold a password).
#[derive(Clone)]
pub(super) struct RedisConn {
    manager: ConnectionManager,
    prefix: String,
}

impl std::fmt::Debug for RedisConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConn")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisConn {
    /// The server at `url` (`redis://host:port/db`, `rediss://` for TLS, `redis+unix:///path`),
    /// keys under `prefix`, which must be non-empty, without spaces or braces (braces would
    /// break the hash tags). It connects on first use.
    pub(super) fn open(url: &str, prefix: &str) -> Result<RedisConn, Error> {
        if prefix.is_empty() || prefix.contains(['{', '}', ' ']) {
            return Err(Error::Config(
                "`store.key_prefix` must be non-empty, without spaces or braces".into(),
            ));
        }
        if url.starts_with("rediss://") {
            // rustls needs a process-wide crypto provider; ring is the one already in the tree.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let client = redis::Client::open(url).map_err(|err| {
            Error::Config(format!(
                "`store.url` is not a Redis URL ({}); expected redis://host:port/db or rediss://",
                err.category()
            ))
        })?;
        // While Redis is down every command waits for one reconnect attempt, so the attempt is
        // kept short: calls fall back to this instance's share at once instead of each paying
        // the backoff (with 2 retries from 100 ms, 0.3 s per command; calls paid ~0.7 s).
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(Duration::from_millis(200));
        let manager =
            ConnectionManager::new_lazy_with_config(client, config).map_err(unavailable)?;
        Ok(RedisConn {
            manager,
            prefix: prefix.to_owned(),
        })
    }

    /// The connection itself, for commands whose Redis error is kept as it is (the shared
    /// limiter, a warning in the log).
    pub(super) fn manager(&self) -> ConnectionManager {
        self.manager.clone()
    }

    /// The key prefix.
    pub(super) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `P:NAME`: a key of its own Cluster slot.
    pub(super) fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    /// `P:{TAG:ID}:WHAT`: the hash tag keeps every key of one `ID` in one Cluster slot, so one
    /// script may touch them all.
    pub(super) fn tagged_key(&self, tag: &str, id: &str, what: &str) -> String {
        format!("{}:{{{tag}:{id}}}:{what}", self.prefix)
    }

    /// Send `command`.
    pub(super) async fn query<T: FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, Error> {
        command
            .query_async(&mut self.manager())
            .await
            .map_err(unavailable)
    }

    /// Run `script` (by its digest; loaded first when the server does not know it).
    pub(super) async fn invoke<T: FromRedisValue>(
        &self,
        script: &ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        script
            .invoke_async(&mut self.manager())
            .await
            .map_err(unavailable)
    }

    /// Keep `record` as JSON under `key` and list `member` in `index`, unless `key` exists;
    /// whether it was created.
    pub(super) async fn create_indexed<T: serde::Serialize>(
        &self,
        key: String,
        index: String,
        record: &T,
        member: &str,
    ) -> Result<bool, Error> {
        let created: i64 = self
            .invoke(
                Script::new(CREATE_INDEXED)
                    .key(key)
                    .key(index)
                    .arg(to_json(record)?)
                    .arg(member),
            )
            .await?;
        Ok(created == 1)
    }

    /// Replace the JSON under `key` with `record` if `key` exists; whether it existed.
    pub(super) async fn replace_existing<T: serde::Serialize>(
        &self,
        key: String,
        record: &T,
    ) -> Result<bool, Error> {
        let replaced: i64 = self
            .invoke(Script::new(REPLACE_EXISTING).key(key).arg(to_json(record)?))
            .await?;
        Ok(replaced == 1)
    }

    /// Delete the record at `key` and the keys `with` it, and unlist `member` from `index`;
    /// whether the record existed.
    pub(super) async fn delete_indexed(
        &self,
        key: String,
        with: &[String],
        index: String,
        member: &str,
    ) -> Result<bool, Error> {
        let script = Script::new(DELETE_INDEXED);
        let mut invocation = script.key(key);
        for key in with {
            invocation.key(key);
        }
        invocation.key(index).arg(member);
        let existed: i64 = self.invoke(&invocation).await?;
        Ok(existed == 1)
    }

    /// The record kept as JSON under `key`, `what` naming it should it not decode.
    pub(super) async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        key: String,
        what: &str,
    ) -> Result<Option<T>, Error> {
        let text: Option<String> = self.query(redis::cmd("GET").arg(key)).await?;
        text.map(|text| from_json(what, &text)).transpose()
    }

    /// The records kept as JSON under `keys`, in their order, those gone left out.
    pub(super) async fn get_all_json<T: serde::de::DeserializeOwned>(
        &self,
        keys: &[String],
        what: &str,
    ) -> Result<Vec<T>, Error> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let texts: Vec<Option<String>> = self.query(redis::cmd("MGET").arg(keys)).await?;
        texts
            .into_iter()
            .flatten()
            .map(|text| from_json(what, &text))
            .collect()
    }

    /// Delete `key` only if it still holds `owner` (a lock or a lease).
    pub(super) async fn release_if_held(&self, key: String, owner: &str) -> Result<(), Error> {
        let _: i64 = self
            .invoke(Script::new(RELEASE_IF_HELD).key(key).arg(owner))
            .await?;
        Ok(())
    }
}

/// Redis could not answer: like a network failure, so callers may retry.
pub(super) fn unavailable(err: redis::RedisError) -> Error {
    Error::Network {
        attempts: 1,
        reason: format!("the Redis store did not answer: {err}"),
        timed_out: err.is_timeout(),
        host: None,
    }
}

/// `value` as the JSON the store keeps.
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value)
        .map_err(|err| Error::Internal(format!("cannot encode a store value: {err}")))
}

/// The value kept as `text`; `what` names it should it not decode.
pub(super) fn from_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|err| {
        Error::Config(format!(
            "the Redis store holds {what} it cannot read ({err})"
        ))
    })
}
