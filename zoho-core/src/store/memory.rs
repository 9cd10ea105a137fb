//! A [`Store`] that lives as long as the process: for tests and single-process embedding.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::Error;
use crate::auth::BoxFuture;
use crate::store::{
    ConnectionRecord, PendingAuthorization, PendingPut, Store, TokenRecord, TokenWrite,
    WriteOutcome, now_ms, state_digest,
};

/// Keeps everything in memory; nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    pub(super) events: super::events_local::MemoryEvents,
}

#[derive(Debug, Default)]
struct Inner {
    connections: BTreeMap<String, ConnectionRecord>,
    tokens: HashMap<String, TokenRecord>,
    pending: HashMap<String, PendingAuthorization>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Every change below is a whole assignment: a panic cannot leave half of one.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl Store for MemoryStore {
    fn create_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        let mut inner = self.inner();
        let created = !inner.connections.contains_key(&record.name);
        if created {
            inner
                .connections
                .insert(record.name.clone(), record.clone());
        }
        ready(Ok(created))
    }

    fn connection<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<ConnectionRecord>, Error>> {
        ready(Ok(self.inner().connections.get(name).cloned()))
    }

    fn update_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        let mut inner = self.inner();
        let existed = match inner.connections.get_mut(&record.name) {
            Some(slot) => {
                *slot = record.clone();
                true
            }
            None => false,
        };
        ready(Ok(existed))
    }

    fn list_connections<'a>(
        &'a self,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<ConnectionRecord>, Error>> {
        let inner = self.inner();
        let page = inner
            .connections
            .values()
            .filter(|record| after.is_none_or(|after| record.name.as_str() > after))
            .take(limit)
            .cloned()
            .collect();
        ready(Ok(page))
    }

    fn delete_connection<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<bool, Error>> {
        let mut inner = self.inner();
        inner.tokens.remove(name);
        ready(Ok(inner.connections.remove(name).is_some()))
    }

    fn tokens<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<TokenRecord>, Error>> {
        ready(Ok(self.inner().tokens.get(name).cloned()))
    }

    fn write_tokens<'a>(
        &'a self,
        name: &'a str,
        expected: u64,
        write: &'a TokenWrite,
    ) -> BoxFuture<'a, Result<WriteOutcome, Error>> {
        let mut inner = self.inner();
        let current = inner.tokens.get(name);
        let outcome = if current.map_or(0, |record| record.version) != expected {
            WriteOutcome::Conflict(current.cloned())
        } else {
            match write.next_record(current) {
                Some(next) => {
                    let version = next.version;
                    inner.tokens.insert(name.to_owned(), next);
                    WriteOutcome::Written(version)
                }
                None => WriteOutcome::Conflict(None),
            }
        };
        ready(Ok(outcome))
    }

    fn clear_tokens<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        self.inner().tokens.remove(name);
        ready(Ok(()))
    }

    fn put_pending<'a>(
        &'a self,
        state: &'a str,
        pending: &'a PendingAuthorization,
        cap: usize,
    ) -> BoxFuture<'a, Result<PendingPut, Error>> {
        let now = now_ms();
        let mut inner = self.inner();
        inner.pending.retain(|_, p| p.expires_at_ms > now);
        let mut in_progress: Vec<u64> = inner
            .pending
            .values()
            .filter(|p| p.connection == pending.connection)
            .map(|p| p.expires_at_ms)
            .collect();
        if in_progress.len() >= cap {
            in_progress.sort_unstable();
            let first_expires_at_ms = in_progress.first().copied().unwrap_or(now);
            return ready(Ok(PendingPut::Full {
                first_expires_at_ms,
            }));
        }
        inner.pending.insert(state_digest(state), pending.clone());
        ready(Ok(PendingPut::Kept))
    }

    fn take_pending<'a>(
        &'a self,
        state: &'a str,
    ) -> BoxFuture<'a, Result<Option<PendingAuthorization>, Error>> {
        let taken = self
            .inner()
            .pending
            .remove(&state_digest(state))
            .filter(|p| p.expires_at_ms > now_ms());
        ready(Ok(taken))
    }
}
