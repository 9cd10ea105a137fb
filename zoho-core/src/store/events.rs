//! Subscriptions and their events, kept in the same store as connections: an append-only log
//! per subscription, deduplicated, read by cursor, trimmed after a retention period, and leases
//! that let one instance at a time work on a subscription.
//!
//! An event's identity is (subscription, record type, record, operation, Zoho time to the
//! second): Zoho's callbacks carry milliseconds, its record reads seconds, and the same change
//! seen both ways must be one event. Beside that key, what is known of each record (the latest
//! operation and time) turns away what reads cannot tell apart from a change already seen: a
//! record is created once, deleted once, and a read showing `Modified_Time` T says nothing new
//! when an event at T or later is known. The rules are [`admits`], applied inside the store so
//! that instances appending at once agree.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::BoxFuture;
use crate::{Error, Secret};

/// What changed on a record, in the subscription's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// The record was created.
    Create,
    /// The record was changed.
    Edit,
    /// The record was deleted.
    Delete,
}

impl Operation {
    /// Every operation, in the order subscriptions name them.
    pub const ALL: [Operation; 3] = [Operation::Create, Operation::Edit, Operation::Delete];

    /// `create`, `edit` or `delete`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Edit => "edit",
            Operation::Delete => "delete",
        }
    }

    /// The operation a subscription (`create`, `edit`, `delete`) or a Zoho callback (`insert`,
    /// `update`, `delete`) names.
    pub fn parse(text: &str) -> Option<Operation> {
        match text.to_ascii_lowercase().as_str() {
            "create" | "insert" => Some(Operation::Create),
            "edit" | "update" => Some(Operation::Edit),
            "delete" => Some(Operation::Delete),
            _ => None,
        }
    }
}

/// How an event was learned: told by Zoho, or found by reading what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A callback (or a poll that sees each change itself).
    Callback,
    /// A catch-up read, which sees only a record's latest state.
    Read,
}

/// One change to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The module or Books type.
    pub record_type: String,
    /// The record's id.
    pub record_id: String,
    /// What happened.
    pub operation: Operation,
    /// When, by Zoho's clock, in Unix milliseconds.
    pub at_ms: i64,
    /// The fields that changed, when Zoho says.
    pub changed_fields: Option<Vec<String>>,
    /// The record's values, when known.
    pub values: Option<Value>,
    /// How it was learned.
    pub origin: Origin,
}

impl NewEvent {
    /// Zoho's time to the second: the resolution both callbacks and reads share.
    pub fn at_secs(&self) -> i64 {
        self.at_ms.div_euclid(1000)
    }

    /// The event's id: the same for the same change however often it is seen.
    pub fn id(&self, subscription: &str) -> String {
        let key = format!(
            "{subscription}\n{}\n{}\n{}\n{}",
            self.record_type,
            self.record_id,
            self.operation.as_str(),
            self.at_secs()
        );
        let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
        let hex: String = digest.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("evt_{hex}")
    }

    /// The key under which the store remembers what it knows of this event's record.
    pub fn record_key(&self) -> String {
        format!("{}/{}", self.record_type, self.record_id)
    }

    /// The event as readers see it.
    pub fn to_json(&self, subscription: &SubscriptionRecord) -> Value {
        serde_json::json!({
            "id": self.id(&subscription.id),
            "subscription": subscription.id,
            "connection": subscription.connection,
            "source": subscription.source,
            "recordType": self.record_type,
            "operation": self.operation.as_str(),
            "recordId": self.record_id,
            "at": rfc3339_ms(self.at_ms),
            "changedFields": self.changed_fields,
            "values": self.values,
        })
    }
}

/// The latest thing known of a record: its last operation and Zoho time (seconds).
pub type Latest = (Operation, i64);

/// Whether `event` is new, given whether its key was seen and the latest known of its record.
pub fn admits(event: &NewEvent, key_seen: bool, latest: Option<Latest>) -> bool {
    if key_seen {
        return false;
    }
    match (event.operation, latest) {
        // A record is created once and deleted once.
        (Operation::Create, Some(_)) => false,
        (Operation::Delete, Some((Operation::Delete, _))) => false,
        // A read sees the latest state only: an edit at T is known when anything at T or later is.
        (Operation::Edit, Some((_, at))) if event.origin == Origin::Read => at < event.at_secs(),
        _ => true,
    }
}

/// What is known of a record after `event` was admitted.
pub fn next_latest(event: &NewEvent, latest: Option<Latest>) -> Latest {
    match latest {
        Some((op, at)) if at > event.at_secs() => (op, at),
        _ => (event.operation, event.at_secs()),
    }
}

/// Where events go besides the log: a webhook, signed with a secret from the environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deliver {
    /// The URL each event is POSTed to.
    pub webhook_url: String,
    /// The environment variable holding the signing secret (never stored).
    pub secret_env: String,
}

/// How webhook delivery stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryState {
    /// The cursor of the last event delivered (or given up on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Events delivered.
    #[serde(default)]
    pub delivered: u64,
    /// Events given up on after retrying for the whole retry period.
    #[serde(default)]
    pub given_up: u64,
    /// Failed attempts at the event now being delivered.
    #[serde(default)]
    pub attempts: u32,
    /// Since when the event now being delivered has failed (Unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since_ms: Option<u64>,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the next attempt is due (Unix ms), after a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_ms: Option<u64>,
}

/// The Zoho channel a `crm.notifications` subscription owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelState {
    /// The channel id given to Zoho (digits).
    pub id: String,
    /// The channel's token, sealed by the store ([`EventStore::seal`]).
    pub token_sealed: String,
    /// When Zoho will drop the channel, by Zoho's clock (Unix seconds).
    pub expiry_secs: i64,
    /// Zoho's clock less ours when the channel was last set, in seconds.
    #[serde(default)]
    pub skew_secs: i64,
    /// The longest expiry Zoho granted this channel (its API version's cap), in seconds.
    #[serde(default)]
    pub cap_secs: i64,
    /// Channels created for this subscription so far (1 + re-creations).
    #[serde(default)]
    pub created: u64,
    /// Renewals so far.
    #[serde(default)]
    pub renewed: u64,
}

/// Where reading what changed resumes for one record type: the latest Zoho time read (seconds)
/// and the records seen at exactly that second, so a tie is neither lost nor read twice.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncCursor {
    /// Unix seconds by Zoho's clock.
    pub at_secs: i64,
    /// Ids read with exactly that time.
    #[serde(default)]
    pub ids: Vec<String>,
    /// The latest deletion read (Unix seconds by Zoho's clock).
    #[serde(default)]
    pub deleted_secs: i64,
}

/// A subscription: what to watch, how, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionRecord {
    /// `sub_` and random hex.
    pub id: String,
    /// The connection it acts through.
    pub connection: String,
    /// `crm.notifications`, `crm.poll` or `books.poll`.
    pub source: String,
    /// Modules or Books types.
    pub record_types: Vec<String>,
    /// The operations reported.
    pub operations: Vec<Operation>,
    /// Fields polls return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<String>>,
    /// Seconds between polls (and catch-up reads).
    pub interval_secs: u64,
    /// `books.poll`: the Books organization (else the connection's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The webhook, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver: Option<Deliver>,
    /// When it was created (Unix ms).
    pub created_at_ms: u64,
    /// `active`, `failing` (its source cannot be read now) or `stopped`.
    pub status: String,
    /// The Zoho channel, for `crm.notifications`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelState>,
    /// Where reads resume, per record type.
    #[serde(default)]
    pub cursors: BTreeMap<String, SyncCursor>,
    /// Webhook delivery.
    #[serde(default)]
    pub delivery: DeliveryState,
    /// The last failure of its source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When its source was last read successfully (Unix ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sync_ms: Option<u64>,
}

/// A page of events.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPage {
    /// `(cursor, event)` in log order.
    pub events: Vec<(String, Value)>,
}

/// Checks a subscription id before it becomes part of a file name or a key.
pub fn check_subscription_id(id: &str) -> Result<(), Error> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput {
            field: "id".into(),
            reason: "expected a subscription id: 1 to 64 letters, digits, `_` or `-`".into(),
        })
    }
}

/// Subscriptions, their event logs and leases, in the store every instance shares.
pub trait EventStore: Send + Sync + std::fmt::Debug {
    /// Add `record` unless one with its id exists; whether it was added.
    fn create_subscription<'a>(
        &'a self,
        record: &'a SubscriptionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>>;

    /// The subscription `id`.
    fn subscription<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<SubscriptionRecord>, Error>>;

    /// Replace an existing subscription's record; whether it existed.
    fn update_subscription<'a>(
        &'a self,
        record: &'a SubscriptionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>>;

    /// Every subscription, in id order.
    fn list_subscriptions(&self) -> BoxFuture<'_, Result<Vec<SubscriptionRecord>, Error>>;

    /// Remove a subscription and its events; whether it existed.
    fn delete_subscription<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, Error>>;

    /// Append the events [`admits`] lets in, each as `subscription` describes it, in order;
    /// how many were new. Written durably before this answers.
    fn append_events<'a>(
        &'a self,
        subscription: &'a SubscriptionRecord,
        events: &'a [NewEvent],
    ) -> BoxFuture<'a, Result<usize, Error>>;

    /// Up to `limit` events after cursor `after` (from the oldest kept when `None`).
    fn read_events<'a>(
        &'a self,
        id: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<EventPage, Error>>;

    /// Drop the events stored before `before_ms` (Unix ms); how many went.
    fn trim_events<'a>(&'a self, id: &'a str, before_ms: u64) -> BoxFuture<'a, Result<u64, Error>>;

    /// Take or extend the lease `name` for `owner` for `ttl`: whether `owner` holds it now.
    /// While one owner holds it no other gets it; an owner that stops renewing loses it.
    fn try_lease<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
        ttl: std::time::Duration,
    ) -> BoxFuture<'a, Result<bool, Error>>;

    /// Give up the lease `name` if `owner` holds it.
    fn release_lease<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// Seal a subscription's secret (a channel token) for keeping in its record.
    fn seal(&self, id: &str, field: &str, secret: &Secret) -> Result<String, Error>;

    /// Open what [`EventStore::seal`] sealed.
    fn open(&self, id: &str, field: &str, sealed: &str) -> Result<Secret, Error>;
}

/// The events of one subscription held in memory: the memory store's log, and the file store's
/// index of its log file.
#[derive(Debug, Default)]
pub(crate) struct LogIndex {
    /// Cursor (sequence number) to stored time and event, for the memory store; the file store
    /// keeps byte offsets in `offsets` instead.
    pub(crate) events: BTreeMap<u64, (u64, Value)>,
    /// Sequence number to byte offset of its line, for the file store.
    pub(crate) offsets: BTreeMap<u64, u64>,
    pub(crate) seen: std::collections::HashSet<String>,
    pub(crate) latest: std::collections::HashMap<String, Latest>,
    pub(crate) next_seq: u64,
    /// Bytes of the log file indexed so far.
    pub(crate) indexed_len: u64,
}

/// One line of a file log, and what the memory log keeps.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct LogLine {
    pub(crate) seq: u64,
    pub(crate) stored_ms: u64,
    pub(crate) key: String,
    pub(crate) record: String,
    pub(crate) latest: Latest,
    pub(crate) event: Value,
}

impl LogIndex {
    /// The lines for the new events of `events`, updating the index as if they were written.
    pub(crate) fn admit(
        &mut self,
        subscription: &SubscriptionRecord,
        events: &[NewEvent],
        now_ms: u64,
    ) -> Vec<LogLine> {
        let mut lines = Vec::new();
        for event in events {
            let key = event.id(&subscription.id);
            let record = event.record_key();
            let latest = self.latest.get(&record).copied();
            if !admits(event, self.seen.contains(&key), latest) {
                continue;
            }
            let next = next_latest(event, latest);
            self.seen.insert(key.clone());
            self.latest.insert(record.clone(), next);
            self.next_seq += 1;
            lines.push(LogLine {
                seq: self.next_seq,
                stored_ms: now_ms,
                key,
                record,
                latest: next,
                event: event.to_json(subscription),
            });
        }
        lines
    }

    /// Take in a line read back from a log file.
    pub(crate) fn learn(&mut self, line: &LogLine) {
        self.seen.insert(line.key.clone());
        let known = self.latest.get(&line.record).copied();
        if known.is_none_or(|(_, at)| at <= line.latest.1) {
            self.latest.insert(line.record.clone(), line.latest);
        }
        self.next_seq = self.next_seq.max(line.seq);
    }
}

/// Parse a cursor of the memory and file stores (a sequence number).
pub(crate) fn parse_seq(after: Option<&str>) -> Result<u64, Error> {
    match after {
        None => Ok(0),
        Some(text) => text.parse().map_err(|_| Error::InvalidInput {
            field: "after".into(),
            reason: "expected a string: a cursor `events.read` answered as `next`".into(),
        }),
    }
}

/// Unix milliseconds as an RFC 3339 UTC time (`2026-12-01T22:14:21.123Z`).
pub fn rfc3339_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms.rem_euclid(1000)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(operation: Operation, at_ms: i64, origin: Origin) -> NewEvent {
        NewEvent {
            record_type: "Leads".into(),
            record_id: "1".into(),
            operation,
            at_ms,
            changed_fields: None,
            values: None,
            origin,
        }
    }

    #[test]
    fn the_same_change_seen_by_callback_and_by_read_is_one_event() {
        let callback = event(Operation::Edit, 1_000_500, Origin::Callback);
        let read = event(Operation::Edit, 1_000_000, Origin::Read);
        assert_eq!(callback.id("s"), read.id("s"));
        let latest = Some(next_latest(&callback, None));
        assert!(!admits(&read, false, latest));
        // A later edit found by reading is new.
        assert!(admits(
            &event(Operation::Edit, 1_002_000, Origin::Read),
            false,
            latest
        ));
        // Records are created and deleted once.
        assert!(!admits(
            &event(Operation::Create, 5_000, Origin::Read),
            false,
            latest
        ));
        let deleted = Some((Operation::Delete, 1_000));
        assert!(!admits(
            &event(Operation::Delete, 1_001_000, Origin::Callback),
            false,
            deleted
        ));
        assert!(!admits(&callback, true, None));
    }

    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_796_163_261_123), "2026-12-01T22:14:21.123Z");
    }
}
