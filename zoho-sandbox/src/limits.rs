//! Limiters: calls in flight at once, and calls per sliding time window.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Counts calls in flight and refuses one past the limit.
#[derive(Debug, Default)]
pub(crate) struct Gauge(AtomicU32);

/// Holds one slot of a [`Gauge`] until dropped.
#[derive(Debug)]
pub(crate) struct Slot<'a>(&'a Gauge);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Gauge {
    /// Takes a slot, or `None` when `limit` calls are already in flight.
    pub(crate) fn try_enter(&self, limit: Option<u32>) -> Option<Slot<'_>> {
        let now = self.0.fetch_add(1, Ordering::AcqRel) + 1;
        let slot = Slot(self);
        match limit {
            Some(limit) if now > limit => None,
            _ => Some(slot),
        }
    }
}

/// Remembers when calls happened, to allow at most N per window.
#[derive(Debug, Default)]
pub(crate) struct Window(Mutex<VecDeque<Instant>>);

impl Window {
    /// Records a call at `now` unless `limit` calls already happened within `window`.
    pub(crate) fn try_take(&self, limit: Option<u32>, window: Duration, now: Instant) -> bool {
        let Some(limit) = limit else {
            return true;
        };
        let Ok(mut times) = self.0.lock() else {
            return true;
        };
        while let Some(first) = times.front() {
            if now.saturating_duration_since(*first) >= window {
                times.pop_front();
            } else {
                break;
            }
        }
        if times.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
            return false;
        }
        times.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauge_refuses_past_the_limit_and_frees_on_drop() {
        let gauge = Gauge::default();
        let a = gauge.try_enter(Some(2));
        let b = gauge.try_enter(Some(2));
        assert!(a.is_some() && b.is_some());
        assert!(gauge.try_enter(Some(2)).is_none());
        drop(a);
        assert!(gauge.try_enter(Some(2)).is_some());
        assert!(gauge.try_enter(None).is_some());
    }

    #[test]
    fn window_slides() {
        let window = Window::default();
        let t0 = Instant::now();
        let minute = Duration::from_secs(60);
        assert!(window.try_take(Some(2), minute, t0));
        assert!(window.try_take(Some(2), minute, t0 + Duration::from_secs(30)));
        assert!(!window.try_take(Some(2), minute, t0 + Duration::from_secs(59)));
        assert!(window.try_take(Some(2), minute, t0 + Duration::from_secs(60)));
    }
}
