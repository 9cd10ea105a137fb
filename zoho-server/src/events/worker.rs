//! The work of subscriptions: a supervisor per instance takes the lease of each subscription
//! nobody works on, and runs a worker for it while the lease holds. With a Redis store the lease
//! is shared, so one instance of the fleet renews a channel and delivers a webhook at a time;
//! an instance that dies stops renewing and another takes over within `lease_secs`.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use zoho_core::store::events::SubscriptionRecord;
use zoho_core::store::now_ms;

use super::Events;
use super::deliver;
use super::sources::{self, Source};

/// How often events older than the retention are trimmed.
const TRIM_EVERY: Duration = Duration::from_secs(3600);

fn lease_name(id: &str) -> String {
    format!("subscription:{id}")
}

/// Look for subscriptions to work on, every tick, until the runtime stops.
pub(crate) async fn supervise(events: Arc<Events>) {
    loop {
        match events.store.list_subscriptions().await {
            Ok(records) => {
                for record in records {
                    if events.running().contains(&record.id) {
                        continue;
                    }
                    match events
                        .store
                        .try_lease(
                            &lease_name(&record.id),
                            &events.owner,
                            events.config.lease(),
                        )
                        .await
                    {
                        Ok(true) => {
                            events.running().insert(record.id.clone());
                            tokio::spawn(work(events.clone(), record.id));
                        }
                        Ok(false) => {}
                        Err(err) => {
                            tracing::debug!(error = %err, "cannot take a subscription's lease")
                        }
                    }
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot list the subscriptions"),
        }
        tokio::time::sleep(events.config.tick()).await;
    }
}

/// Work on subscription `id` while this instance holds its lease and it exists.
async fn work(events: Arc<Events>, id: String) {
    let mut next_sync = Instant::now();
    let mut next_trim = Instant::now();
    loop {
        match events
            .store
            .try_lease(&lease_name(&id), &events.owner, events.config.lease())
            .await
        {
            Ok(true) => {}
            Ok(false) => break,
            // The store is away: keep the lease idea until it answers again or times out.
            Err(_) => {
                tokio::time::sleep(events.config.tick()).await;
                continue;
            }
        }
        let record = match events.store.subscription(&id).await {
            Ok(Some(record)) => record,
            Ok(None) => break,
            Err(_) => {
                tokio::time::sleep(events.config.tick()).await;
                continue;
            }
        };
        let mut record = record;
        let mut changed = false;
        if Instant::now() >= next_sync {
            sync(&events, &mut record).await;
            next_sync = Instant::now() + Duration::from_secs(record.interval_secs);
            changed = true;
        }
        if changed && !matches!(events.store.update_subscription(&record).await, Ok(true)) {
            break;
        }
        if record.deliver.is_some()
            && deliver::step(&events, &mut record).await
            && !matches!(events.store.update_subscription(&record).await, Ok(true))
        {
            break;
        }
        if Instant::now() >= next_trim {
            let before = now_ms().saturating_sub(events.config.retention().as_millis() as u64);
            match events.store.trim_events(&id, before).await {
                Ok(0) => {}
                Ok(dropped) => {
                    tracing::info!(subscription = %id, dropped, "trimmed events past the retention")
                }
                Err(err) => tracing::warn!(subscription = %id, error = %err, "cannot trim events"),
            }
            next_trim = Instant::now() + TRIM_EVERY;
        }
        let woken = events.appended.notified();
        let _ = tokio::time::timeout(events.config.tick(), woken).await;
    }
    events.running().remove(&id);
    let _ = events
        .store
        .release_lease(&lease_name(&id), &events.owner)
        .await;
}

/// Keep the source alive and read what changed: events first, then the cursors (stored by the
/// caller), so a crash between the two only reads some changes again.
async fn sync(events: &Events, record: &mut SubscriptionRecord) {
    let outcome = async {
        if Source::parse(&record.source) == Some(Source::CrmNotifications) {
            let before = record.channel.clone();
            sources::maintain_channel(events, record).await?;
            // A new channel's callbacks are checked against the stored record: store it now.
            if record.channel != before {
                events.store.update_subscription(record).await?;
            }
        }
        let mut next = record.clone();
        let found = sources::read_changes(events, &mut next).await?;
        let added = events.store.append_events(record, &found).await?;
        // The cursors move only once the events they pass are stored.
        record.cursors = next.cursors;
        if added > 0 {
            tracing::debug!(subscription = %record.id, added, "read changes Zoho did not call back");
            events.appended.notify_waiters();
        }
        Ok::<(), zoho_core::Error>(())
    }
    .await;
    match outcome {
        Ok(()) => {
            record.status = "active".into();
            record.last_error = None;
            record.last_sync_ms = Some(now_ms());
        }
        Err(err) => {
            tracing::warn!(subscription = %record.id, error = %err, "cannot read the subscription's source");
            record.status = "failing".into();
            record.last_error = Some(err.to_string());
        }
    }
}
