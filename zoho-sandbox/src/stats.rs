//! What the sandbox has seen: requests by route and status, token grants, the most requests in
//! flight at once. Counters are sharded so the hot path never waits on one global lock.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde_json::{Value, json};

const SHARDS: usize = 16;

/// Request and token counters.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    shards: [Mutex<HashMap<(&'static str, u16), u64>>; SHARDS],
    next_shard: AtomicUsize,
    grants_authorization_code: AtomicU64,
    grants_refresh_token: AtomicU64,
    grants_client_credentials: AtomicU64,
    grants_refused: AtomicU64,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// Counts one request as in flight until dropped.
pub(crate) struct InFlight<'a>(&'a Stats);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

thread_local! {
    static SHARD: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// Which token grant was served.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Grant {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    Refused,
}

impl Stats {
    /// Marks a request as started.
    pub(crate) fn enter(&self) -> InFlight<'_> {
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Ordering::Relaxed);
        InFlight(self)
    }

    /// Counts one answered request; status 0 stands for a dropped connection.
    pub(crate) fn record(&self, route: &'static str, status: u16) {
        let shard = SHARD.with(|cell| {
            if cell.get() == usize::MAX {
                cell.set(self.next_shard.fetch_add(1, Ordering::Relaxed) % SHARDS);
            }
            cell.get()
        });
        if let Ok(mut map) = self.shards[shard].lock() {
            *map.entry((route, status)).or_insert(0) += 1;
        }
    }

    /// Counts one token grant.
    pub(crate) fn grant(&self, grant: Grant) {
        let counter = match grant {
            Grant::AuthorizationCode => &self.grants_authorization_code,
            Grant::RefreshToken => &self.grants_refresh_token,
            Grant::ClientCredentials => &self.grants_client_credentials,
            Grant::Refused => &self.grants_refused,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Zeroes every counter (in-flight requests stay counted).
    pub(crate) fn reset(&self) {
        for shard in &self.shards {
            if let Ok(mut map) = shard.lock() {
                map.clear();
            }
        }
        self.grants_authorization_code.store(0, Ordering::Relaxed);
        self.grants_refresh_token.store(0, Ordering::Relaxed);
        self.grants_client_credentials.store(0, Ordering::Relaxed);
        self.grants_refused.store(0, Ordering::Relaxed);
        self.max_in_flight
            .store(self.in_flight.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    /// The counters as JSON:
    /// `{"requests": {"crm.records.get": {"200": 3}}, "requests_total": 3, "token_grants": {...},
    /// "max_in_flight": 2, "in_flight": 0}`.
    pub(crate) fn snapshot(&self) -> Value {
        let mut by_route: BTreeMap<&'static str, BTreeMap<String, u64>> = BTreeMap::new();
        let mut total = 0;
        for shard in &self.shards {
            if let Ok(map) = shard.lock() {
                for ((route, status), count) in map.iter() {
                    let status = if *status == 0 {
                        "reset".to_owned()
                    } else {
                        status.to_string()
                    };
                    *by_route
                        .entry(route)
                        .or_default()
                        .entry(status)
                        .or_insert(0) += count;
                    total += count;
                }
            }
        }
        json!({
            "requests": by_route,
            "requests_total": total,
            "token_grants": {
                "authorization_code": self.grants_authorization_code.load(Ordering::Relaxed),
                "refresh_token": self.grants_refresh_token.load(Ordering::Relaxed),
                "client_credentials": self.grants_client_credentials.load(Ordering::Relaxed),
                "refused": self.grants_refused.load(Ordering::Relaxed),
            },
            "max_in_flight": self.max_in_flight.load(Ordering::Relaxed),
            "in_flight": self.in_flight.load(Ordering::Relaxed),
        })
    }
}
