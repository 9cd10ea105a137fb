//! The Redis store's subscriptions and event logs. Keys (`P` is `key_prefix`; the `{s:ID}` hash
//! tag keeps a subscription's keys in one Cluster slot):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `P:subs` | sorted set | every subscription id, score 0 |
//! | `P:{s:ID}:rec` | string | the subscription record (JSON; its channel token sealed) |
//! | `P:{s:ID}:log` | stream | the events, one entry each (field `e`); the entry id is the cursor |
//! | `P:{s:ID}:last` | hash | per record, the latest operation and Zoho time known (`edit:1733100000`) |
//! | `P:{s:ID}:seen:EVT` | string, EX | an event id already appended; expires with the retention |
//! | `P:lease:NAME` | string, PX | who works on NAME now (a random owner per instance) |
//!
//! The admission rules of [`admits`](crate::store::events::admits) run inside one Lua script,
//! so instances appending the same change at once append it once.

use std::time::Duration;

use redis::Script;

use crate::Error;
use crate::Secret;
use crate::auth::BoxFuture;
use crate::store::RedisStore;
use crate::store::events::{
    EventPage, EventStore, NewEvent, Origin, SubscriptionRecord, check_subscription_id,
};
use crate::store::redis_conn::{from_json, to_json};

/// How long an event id is remembered: longer than Zoho could take to send a callback again,
/// so a late duplicate still finds it (the log itself is trimmed by the retention).
const SEEN_TTL_SECS: u64 = 8 * 86_400;

const APPEND: &str = r"
local added = 0
local i = 4
while i + 5 <= #ARGV do
  local key, rec, op, at, origin, json = ARGV[i], ARGV[i+1], ARGV[i+2], tonumber(ARGV[i+3]), ARGV[i+4], ARGV[i+5]
  i = i + 6
  local seen = ARGV[1] .. key
  if redis.call('EXISTS', seen) == 0 then
    local last = redis.call('HGET', KEYS[2], rec)
    local lop, lat = nil, nil
    if last then
      local sep = string.find(last, ':', 1, true)
      lop = string.sub(last, 1, sep - 1)
      lat = tonumber(string.sub(last, sep + 1))
    end
    local ok = true
    if op == 'create' and last then ok = false
    elseif op == 'delete' and lop == 'delete' then ok = false
    elseif op == 'edit' and origin == 'read' and last and lat >= at then ok = false end
    if ok then
      redis.call('SET', seen, '1', 'EX', ARGV[2])
      if (not last) or lat <= at then redis.call('HSET', KEYS[2], rec, op .. ':' .. at) end
      redis.call('XADD', KEYS[1], '*', 'e', json)
      added = added + 1
    end
  end
end
return added";

/// Take the lease for ARGV[1] for ARGV[2] ms, or extend it when ARGV[1] holds it.
const LEASE: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0";

impl RedisStore {
    fn subscription_key(&self, id: &str, what: &str) -> String {
        self.conn().tagged_key("s", id, what)
    }

    fn subscriptions_key(&self) -> String {
        self.conn().key("subs")
    }

    fn lease_key(&self, name: &str) -> String {
        self.conn().key(&format!("lease:{name}"))
    }
}

/// What a subscription's record and its events are called should one not decode.
const SUBSCRIPTION: &str = "a subscription";

fn check_cursor(after: &str) -> Result<(), Error> {
    let ok = after
        .split_once('-')
        .is_some_and(|(ms, seq)| ms.parse::<u64>().is_ok() && seq.parse::<u64>().is_ok());
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput {
            field: "after".into(),
            reason: "expected a string: a cursor `events.read` answered as `next`".into(),
        })
    }
}

type StreamEntry = (String, Vec<(String, String)>);

impl EventStore for RedisStore {
    fn create_subscription<'a>(
        &'a self,
        record: &'a SubscriptionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            check_subscription_id(&record.id)?;
            self.conn()
                .create_indexed(
                    self.subscription_key(&record.id, "rec"),
                    self.subscriptions_key(),
                    record,
                    &record.id,
                )
                .await
        })
    }

    fn subscription<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<SubscriptionRecord>, Error>> {
        Box::pin(async move {
            check_subscription_id(id)?;
            self.conn()
                .get_json(self.subscription_key(id, "rec"), SUBSCRIPTION)
                .await
        })
    }

    fn update_subscription<'a>(
        &'a self,
        record: &'a SubscriptionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            check_subscription_id(&record.id)?;
            self.conn()
                .replace_existing(self.subscription_key(&record.id, "rec"), record)
                .await
        })
    }

    fn list_subscriptions(&self) -> BoxFuture<'_, Result<Vec<SubscriptionRecord>, Error>> {
        Box::pin(async move {
            let ids: Vec<String> = self
                .conn()
                .query(
                    redis::cmd("ZRANGE")
                        .arg(self.subscriptions_key())
                        .arg(0)
                        .arg(-1),
                )
                .await?;
            let keys: Vec<String> = ids
                .iter()
                .map(|id| self.subscription_key(id, "rec"))
                .collect();
            self.conn().get_all_json(&keys, SUBSCRIPTION).await
        })
    }

    fn delete_subscription<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            check_subscription_id(id)?;
            self.conn()
                .delete_indexed(
                    self.subscription_key(id, "rec"),
                    &[
                        self.subscription_key(id, "log"),
                        self.subscription_key(id, "last"),
                    ],
                    self.subscriptions_key(),
                    id,
                )
                .await
        })
    }

    fn append_events<'a>(
        &'a self,
        subscription: &'a SubscriptionRecord,
        events: &'a [NewEvent],
    ) -> BoxFuture<'a, Result<usize, Error>> {
        Box::pin(async move {
            check_subscription_id(&subscription.id)?;
            if events.is_empty() {
                return Ok(0);
            }
            let append = Script::new(APPEND);
            let mut script = append.prepare_invoke();
            script
                .key(self.subscription_key(&subscription.id, "log"))
                .key(self.subscription_key(&subscription.id, "last"))
                .arg(self.subscription_key(&subscription.id, "seen:"))
                .arg(SEEN_TTL_SECS)
                .arg(0);
            for event in events {
                script
                    .arg(event.id(&subscription.id))
                    .arg(event.record_key())
                    .arg(event.operation.as_str())
                    .arg(event.at_secs())
                    .arg(match event.origin {
                        Origin::Callback => "callback",
                        Origin::Read => "read",
                    })
                    .arg(to_json(&event.to_json(subscription))?);
            }
            let added: i64 = self.conn().invoke(&script).await?;
            Ok(usize::try_from(added).unwrap_or(0))
        })
    }

    fn read_events<'a>(
        &'a self,
        id: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<EventPage, Error>> {
        Box::pin(async move {
            check_subscription_id(id)?;
            let start = match after {
                Some(after) => {
                    check_cursor(after)?;
                    format!("({after}")
                }
                None => "-".to_owned(),
            };
            let entries: Vec<StreamEntry> = self
                .conn()
                .query(
                    redis::cmd("XRANGE")
                        .arg(self.subscription_key(id, "log"))
                        .arg(start)
                        .arg("+")
                        .arg("COUNT")
                        .arg(limit.max(1)),
                )
                .await?;
            let mut events = Vec::with_capacity(entries.len());
            for (cursor, fields) in entries {
                if let Some((_, text)) = fields.into_iter().find(|(name, _)| name == "e") {
                    events.push((cursor, from_json(SUBSCRIPTION, &text)?));
                }
            }
            Ok(EventPage { events })
        })
    }

    fn trim_events<'a>(&'a self, id: &'a str, before_ms: u64) -> BoxFuture<'a, Result<u64, Error>> {
        Box::pin(async move {
            check_subscription_id(id)?;
            self.conn()
                .query(
                    redis::cmd("XTRIM")
                        .arg(self.subscription_key(id, "log"))
                        .arg("MINID")
                        .arg(before_ms),
                )
                .await
        })
    }

    fn try_lease<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let held: i64 = self
                .conn()
                .invoke(
                    Script::new(LEASE)
                        .key(self.lease_key(name))
                        .arg(owner)
                        .arg(ttl.as_millis().max(1) as u64),
                )
                .await?;
            Ok(held == 1)
        })
    }

    fn release_lease<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            self.conn()
                .release_if_held(self.lease_key(name), owner)
                .await
        })
    }

    fn seal(&self, id: &str, field: &str, secret: &Secret) -> Result<String, Error> {
        self.sealing_keyring()
            .seal(&format!("subscription:{id}"), field, secret)
    }

    fn open(&self, id: &str, field: &str, sealed: &str) -> Result<Secret, Error> {
        self.sealing_keyring()
            .open(&format!("subscription:{id}"), field, sealed)
    }
}
