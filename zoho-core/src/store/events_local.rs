//! What the memory and file stores share for events: leases held in the process (one process
//! opens these stores at a time), and the memory store's subscriptions and logs.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::Error;
use crate::Secret;
use crate::auth::BoxFuture;
use crate::store::events::{
    EventPage, EventStore, LogIndex, NewEvent, SubscriptionRecord, check_subscription_id, parse_seq,
};
use crate::store::{Keyring, MemoryStore, now_ms};

/// Leases of one process: owner and until when.
#[derive(Debug, Default)]
pub(crate) struct LocalLeases {
    held: Mutex<HashMap<String, (String, Instant)>>,
}

impl LocalLeases {
    pub(crate) fn try_lease(&self, name: &str, owner: &str, ttl: Duration) -> bool {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        match held.get(name) {
            Some((holder, until)) if holder != owner && *until > now => false,
            _ => {
                held.insert(name.to_owned(), (owner.to_owned(), now + ttl));
                true
            }
        }
    }

    pub(crate) fn release(&self, name: &str, owner: &str) {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.get(name).is_some_and(|(holder, _)| holder == owner) {
            held.remove(name);
        }
    }
}

/// The memory store's subscriptions and logs.
#[derive(Debug, Default)]
pub(crate) struct MemoryEvents {
    inner: Mutex<Inner>,
    leases: LocalLeases,
}

#[derive(Debug, Default)]
struct Inner {
    subscriptions: BTreeMap<String, SubscriptionRecord>,
    logs: HashMap<String, LogIndex>,
}

impl MemoryEvents {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Every change is whole before the guard drops: a panic cannot leave half of one.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl EventStore for MemoryStore {
    fn create_subscription<'a>(
        &'a self,
        record: &'a SubscriptionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        if let Err(err) = check_subscription_id(&record.id) {
            return ready(Err(err));
        }
        let mut inner = self.events.inner();
        let created = !inner.subscriptions.contains_key(&record.id);
        if created {
            inner
                .subscriptions
                .insert(record.id.clone(), record.clone());
        }
        ready(Ok(created))
    }

    fn subscription<'a>(
        &'a self,
        id: &'a str,
    ) -> BoxFuture<'a, Result<Option<SubscriptionRecord>, Error>> {
        ready(Ok(self.events.inner().subscriptions.get(id).cloned()))
    }

    fn update_subscription<'a>(
        &'a self,
        record: &'a SubscriptionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        let mut inner = self.events.inner();
        let existed = match inner.subscriptions.get_mut(&record.id) {
            Some(slot) => {
                *slot = record.clone();
                true
            }
            None => false,
        };
        ready(Ok(existed))
    }

    fn list_subscriptions(&self) -> BoxFuture<'_, Result<Vec<SubscriptionRecord>, Error>> {
        ready(Ok(self
            .events
            .inner()
            .subscriptions
            .values()
            .cloned()
            .collect()))
    }

    fn delete_subscription<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<bool, Error>> {
        let mut inner = self.events.inner();
        inner.logs.remove(id);
        ready(Ok(inner.subscriptions.remove(id).is_some()))
    }

    fn append_events<'a>(
        &'a self,
        subscription: &'a SubscriptionRecord,
        events: &'a [NewEvent],
    ) -> BoxFuture<'a, Result<usize, Error>> {
        let mut inner = self.events.inner();
        let log = inner.logs.entry(subscription.id.clone()).or_default();
        let lines = log.admit(subscription, events, now_ms());
        let added = lines.len();
        for line in lines {
            log.events.insert(line.seq, (line.stored_ms, line.event));
        }
        ready(Ok(added))
    }

    fn read_events<'a>(
        &'a self,
        id: &'a str,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<EventPage, Error>> {
        let after = match parse_seq(after) {
            Ok(after) => after,
            Err(err) => return ready(Err(err)),
        };
        let inner = self.events.inner();
        let events = inner
            .logs
            .get(id)
            .map(|log| {
                log.events
                    .range(after + 1..)
                    .take(limit)
                    .map(|(seq, (_, event))| (seq.to_string(), event.clone()))
                    .collect()
            })
            .unwrap_or_default();
        ready(Ok(EventPage { events }))
    }

    fn trim_events<'a>(&'a self, id: &'a str, before_ms: u64) -> BoxFuture<'a, Result<u64, Error>> {
        let mut inner = self.events.inner();
        let mut dropped = 0;
        if let Some(log) = inner.logs.get_mut(id) {
            let before = log.events.len();
            log.events.retain(|_, (stored, _)| *stored >= before_ms);
            dropped = (before - log.events.len()) as u64;
        }
        ready(Ok(dropped))
    }

    fn try_lease<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        ready(Ok(self.events.leases.try_lease(name, owner, ttl)))
    }

    fn release_lease<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        self.events.leases.release(name, owner);
        ready(Ok(()))
    }

    fn seal(&self, id: &str, field: &str, secret: &Secret) -> Result<String, Error> {
        Keyring::none().seal(&format!("subscription:{id}"), field, secret)
    }

    fn open(&self, id: &str, field: &str, sealed: &str) -> Result<Secret, Error> {
        Keyring::none().open(&format!("subscription:{id}"), field, sealed)
    }
}
