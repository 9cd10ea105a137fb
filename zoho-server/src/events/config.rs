//! The `[events]` table of the configuration file.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How events are kept and how their work is paced: the `[events]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    /// Days events are kept in the store (default 7).
    #[serde(default = "default_retention_days")]
    pub retention_days: u64,
    /// Seconds an instance holds a subscription's lease without renewing it (default 30): an
    /// instance that dies hands its subscriptions over within this.
    #[serde(default = "default_lease_secs")]
    pub lease_secs: u64,
    /// Milliseconds between two looks of a worker for work (default 1000).
    #[serde(default = "default_tick_ms")]
    pub tick_ms: u64,
    /// Seconds between two checks of a `crm.notifications` channel, each with a read of what
    /// changed meanwhile (default 900), unless the subscription gives `intervalSecs`.
    #[serde(default = "default_notification_check_secs")]
    pub notification_check_secs: u64,
    /// Hours a webhook delivery is retried before the event is given up (default 24).
    #[serde(default = "default_webhook_retry_hours")]
    pub webhook_retry_hours: u64,
    /// Longest wait between two tries of a webhook delivery, in seconds (default 300).
    #[serde(default = "default_webhook_max_backoff_secs")]
    pub webhook_max_backoff_secs: u64,
    /// Longest wait for a webhook's answer, in seconds (default 10).
    #[serde(default = "default_webhook_timeout_secs")]
    pub webhook_timeout_secs: u64,
}

fn default_retention_days() -> u64 {
    7
}
fn default_lease_secs() -> u64 {
    30
}
fn default_tick_ms() -> u64 {
    1000
}
fn default_notification_check_secs() -> u64 {
    900
}
fn default_webhook_retry_hours() -> u64 {
    24
}
fn default_webhook_max_backoff_secs() -> u64 {
    300
}
fn default_webhook_timeout_secs() -> u64 {
    10
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            retention_days: default_retention_days(),
            lease_secs: default_lease_secs(),
            tick_ms: default_tick_ms(),
            notification_check_secs: default_notification_check_secs(),
            webhook_retry_hours: default_webhook_retry_hours(),
            webhook_max_backoff_secs: default_webhook_max_backoff_secs(),
            webhook_timeout_secs: default_webhook_timeout_secs(),
        }
    }
}

impl EventsConfig {
    /// Check the values; the reason names the key.
    pub fn validate(&self) -> Result<(), String> {
        let checks: [(&str, u64, u64, u64); 7] = [
            ("retention_days", self.retention_days, 1, 3650),
            ("lease_secs", self.lease_secs, 2, 3600),
            ("tick_ms", self.tick_ms, 10, 60_000),
            (
                "notification_check_secs",
                self.notification_check_secs,
                1,
                86_400,
            ),
            ("webhook_retry_hours", self.webhook_retry_hours, 1, 24 * 30),
            (
                "webhook_max_backoff_secs",
                self.webhook_max_backoff_secs,
                1,
                86_400,
            ),
            ("webhook_timeout_secs", self.webhook_timeout_secs, 1, 300),
        ];
        for (key, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(format!("`events.{key}` must be from {min} to {max}"));
            }
        }
        Ok(())
    }

    pub(crate) fn retention(&self) -> Duration {
        Duration::from_secs(self.retention_days * 86_400)
    }

    pub(crate) fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_secs)
    }

    pub(crate) fn tick(&self) -> Duration {
        Duration::from_millis(self.tick_ms)
    }
}
