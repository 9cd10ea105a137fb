//! The per-connection cap on requests in flight. Zoho counts concurrent calls per organization
//! and answers 429 past its limit (CRM: 5 to 25 by edition; Books: 5 or 10), so waiting here is
//! cheaper than a refused call.

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::Error;

/// How many requests a connection may have in flight when nothing else is configured.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 10;

/// A counting gate: a request holds a permit from sending until its answer is read.
#[derive(Debug)]
pub(crate) struct InFlightLimit {
    permits: Semaphore,
    max: usize,
}

impl InFlightLimit {
    /// A gate for `max` requests at once (at least one).
    pub(crate) fn new(max: usize) -> Result<Self, Error> {
        if max == 0 {
            return Err(Error::Config("max_in_flight must be at least 1".into()));
        }
        if max > Semaphore::MAX_PERMITS {
            return Err(Error::Config(format!(
                "max_in_flight must be at most {}",
                Semaphore::MAX_PERMITS
            )));
        }
        Ok(InFlightLimit {
            permits: Semaphore::new(max),
            max,
        })
    }

    /// The configured maximum.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// Wait for a free slot.
    pub(crate) async fn acquire(&self) -> Result<SemaphorePermit<'_>, Error> {
        self.permits
            .acquire()
            .await
            .map_err(|_| Error::Internal("the in-flight limit was closed".into()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn holds_at_most_max_permits() {
        let limit = InFlightLimit::new(2).unwrap();
        let first = limit.acquire().await.unwrap();
        let _second = limit.acquire().await.unwrap();
        assert!(limit.permits.try_acquire().is_err());
        drop(first);
        assert!(limit.permits.try_acquire().is_ok());
        assert!(InFlightLimit::new(0).is_err());
        assert!(InFlightLimit::new(usize::MAX).is_err());
    }
}
