//! Reading a request body without letting a careless or hostile client hold the server's memory
//! or connections: a size limit, a deadline that grows with the bytes received (a minimum rate),
//! and a budget of body bytes held at once across all requests.
//!
//! The bytes are copied out of each frame as it arrives. Keeping the frames instead (as
//! `collect()` does) keeps alive the whole read buffer each one is a slice of: a body sent a byte
//! at a time then pinned about 8 KB of server memory per byte received.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::FutureExt as _;
use http_body_util::BodyExt as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How bodies are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyLimits {
    /// Largest body in bytes.
    pub max_bytes: usize,
    /// Time every body gets, however slow.
    pub timeout: Duration,
    /// Past `timeout`, each this many bytes received buy one more second (0: no more time).
    pub min_bytes_per_sec: u64,
    /// Most body bytes held at once by all requests together; never less than `max_bytes`.
    pub max_bytes_in_flight: usize,
    /// How long a body waits for room in that budget before it is answered 503.
    pub budget_wait: Duration,
}

/// Why a body was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body is (or says it is) longer than the limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body did not arrive fast enough.
    TooSlow {
        /// Bytes received before the deadline.
        received: usize,
        /// How long it was given.
        allowed: Duration,
    },
    /// Other bodies hold the budget; try again shortly.
    Busy,
    /// The connection failed while the body was read.
    Unreadable(String),
}

/// The budget of body bytes held at once, shared by every request of a server.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    limits: BodyLimits,
    room: Arc<Semaphore>,
}

/// A body read whole, holding its share of the budget until dropped.
#[derive(Debug)]
pub struct ReadBody {
    /// The bytes.
    pub bytes: Vec<u8>,
    _held: Option<OwnedSemaphorePermit>,
}

/// Bodies of unknown length are first given this much room; they grow by doubling.
const FIRST_ROOM: usize = 16 * 1024;

impl BodyBudget {
    /// A budget for bodies read within `limits`.
    pub fn new(mut limits: BodyLimits) -> BodyBudget {
        // A largest body must fit in the budget, or it would wait for room that never comes.
        limits.max_bytes_in_flight = limits
            .max_bytes_in_flight
            .max(limits.max_bytes)
            .min(Semaphore::MAX_PERMITS);
        BodyBudget {
            room: Arc::new(Semaphore::new(limits.max_bytes_in_flight)),
            limits,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &BodyLimits {
        &self.limits
    }

    /// Body bytes that could be taken now.
    pub fn available(&self) -> usize {
        self.room.available_permits()
    }

    /// Read `body`, whose `Content-Length` was `declared`.
    pub async fn read<B>(&self, body: B, declared: Option<u64>) -> Result<ReadBody, BodyError>
    where
        B: hyper::body::Body<Data = Bytes>,
        B::Error: std::fmt::Display,
    {
        let limit = self.limits.max_bytes;
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(BodyError::TooLarge { limit });
        }
        let started = Instant::now();
        // A declared length is taken from the budget at once, so two large bodies never each
        // hold half of it while waiting for the rest.
        let mut held_room = declared.map_or(FIRST_ROOM.min(limit), |len| len as usize);
        let mut held = self.take(held_room, None).await?;
        let mut bytes: Vec<u8> = Vec::new();
        let mut body = std::pin::pin!(body);
        loop {
            let allowed = self.allowed_time(bytes.len());
            // A frame already received (a small body comes with its head) needs no timer.
            let ready = body.frame().now_or_never().map(Ok);
            let frame = match ready {
                Some(frame) => frame,
                None => tokio::time::timeout_at((started + allowed).into(), body.frame()).await,
            };
            let frame = match frame {
                Err(_elapsed) => {
                    return Err(BodyError::TooSlow {
                        received: bytes.len(),
                        allowed,
                    });
                }
                Ok(None) => break,
                Ok(Some(Err(err))) => return Err(BodyError::Unreadable(err.to_string())),
                Ok(Some(Ok(frame))) => frame,
            };
            let Ok(data) = frame.into_data() else {
                continue; // trailers
            };
            let needed = bytes.len() + data.len();
            if needed > limit {
                return Err(BodyError::TooLarge { limit });
            }
            if needed > bytes.capacity() {
                let room = needed.max(bytes.capacity() * 2).max(FIRST_ROOM).min(limit);
                if room > held_room {
                    let more = self.take(room - held_room, Some(&mut held)).await?;
                    debug_assert!(more.is_none());
                    held_room = room;
                }
                bytes.reserve_exact(room - bytes.len());
            }
            bytes.extend_from_slice(&data);
        }
        Ok(ReadBody { bytes, _held: held })
    }

    /// The time a body that has sent `received` bytes may have taken.
    fn allowed_time(&self, received: usize) -> Duration {
        let earned = match self.limits.min_bytes_per_sec {
            0 => Duration::ZERO,
            rate => Duration::from_secs_f64(received as f64 / rate as f64),
        };
        self.limits.timeout.saturating_add(earned)
    }

    /// Take `bytes` of the budget, waiting a little for room; merged into `into` when given.
    async fn take(
        &self,
        bytes: usize,
        into: Option<&mut Option<OwnedSemaphorePermit>>,
    ) -> Result<Option<OwnedSemaphorePermit>, BodyError> {
        if bytes == 0 {
            return Ok(None);
        }
        let Ok(count) = u32::try_from(bytes) else {
            return Err(BodyError::TooLarge {
                limit: self.limits.max_bytes,
            });
        };
        let permit = match self.room.clone().try_acquire_many_owned(count) {
            Ok(permit) => permit,
            Err(_) => {
                match tokio::time::timeout(
                    self.limits.budget_wait,
                    self.room.clone().acquire_many_owned(count),
                )
                .await
                {
                    Ok(Ok(permit)) => permit,
                    // Timed out, or the semaphore closed (it never is).
                    _ => return Err(BodyError::Busy),
                }
            }
        };
        match into {
            Some(Some(held)) => {
                held.merge(permit);
                Ok(None)
            }
            Some(slot) => {
                *slot = Some(permit);
                Ok(None)
            }
            None => Ok(Some(permit)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::convert::Infallible;

    use futures::StreamExt as _;
    use http_body_util::{Full, StreamBody};
    use hyper::body::Frame;

    use super::*;

    fn limits() -> BodyLimits {
        BodyLimits {
            max_bytes: 1 << 20,
            timeout: Duration::from_secs(1),
            min_bytes_per_sec: 1000,
            max_bytes_in_flight: 2 << 20,
            budget_wait: Duration::from_millis(200),
        }
    }

    /// `chunks` chunks of `size` bytes, one every `every`.
    fn trickle(
        chunks: usize,
        size: usize,
        every: Duration,
    ) -> StreamBody<impl futures::Stream<Item = Result<Frame<Bytes>, Infallible>>> {
        StreamBody::new(futures::stream::iter(0..chunks).then(move |_| async move {
            tokio::time::sleep(every).await;
            Ok(Frame::data(Bytes::from(vec![b'x'; size])))
        }))
    }

    #[tokio::test]
    async fn a_body_is_read_whole_and_holds_its_room_until_dropped() {
        let budget = BodyBudget::new(limits());
        let body = budget
            .read(Full::new(Bytes::from(vec![b'a'; 100_000])), Some(100_000))
            .await
            .unwrap();
        assert_eq!(body.bytes.len(), 100_000);
        assert_eq!(budget.available(), (2 << 20) - 100_000);
        drop(body);
        assert_eq!(budget.available(), 2 << 20);
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickling_body_is_cut_at_the_deadline() {
        let budget = BodyBudget::new(limits());
        // 100 bytes a second: far below the 1000 a second that would buy more time.
        let slow = budget
            .read(trickle(1000, 1, Duration::from_millis(10)), None)
            .await
            .unwrap_err();
        let BodyError::TooSlow { received, allowed } = slow else {
            panic!("{slow:?}");
        };
        assert!((100..=120).contains(&received), "{received}");
        assert!(allowed < Duration::from_millis(1200), "{allowed:?}");
        assert_eq!(
            budget.available(),
            2 << 20,
            "the cut body gave its room back"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_faster_than_the_minimum_rate_gets_the_time_it_needs() {
        let budget = BodyBudget::new(limits());
        // 3 s in all, at 2000 bytes a second.
        let body = budget
            .read(trickle(30, 200, Duration::from_millis(100)), None)
            .await
            .unwrap();
        assert_eq!(body.bytes.len(), 6000);
    }

    #[tokio::test]
    async fn past_the_limit_is_too_large_declared_or_not() {
        let budget = BodyBudget::new(limits());
        let big = || Full::new(Bytes::from(vec![b'a'; (1 << 20) + 1]));
        assert_eq!(
            budget.read(big(), Some((1 << 20) + 1)).await.unwrap_err(),
            BodyError::TooLarge { limit: 1 << 20 }
        );
        assert_eq!(
            budget.read(big(), None).await.unwrap_err(),
            BodyError::TooLarge { limit: 1 << 20 }
        );
    }

    #[tokio::test]
    async fn when_the_budget_is_held_a_body_waits_then_is_busy() {
        let budget = BodyBudget::new(limits());
        let first = budget
            .read(Full::new(Bytes::from(vec![b'a'; 1 << 20])), Some(1 << 20))
            .await
            .unwrap();
        let second = budget
            .read(Full::new(Bytes::from(vec![b'a'; 1 << 20])), Some(1 << 20))
            .await
            .unwrap();
        let third = budget
            .read(Full::new(Bytes::from(vec![b'a'; 10])), Some(10))
            .await;
        assert_eq!(third.unwrap_err(), BodyError::Busy);
        drop(first);
        let fourth = budget
            .read(Full::new(Bytes::from(vec![b'a'; 10])), Some(10))
            .await;
        assert!(fourth.is_ok(), "room came back");
        drop(second);
    }

    #[tokio::test]
    async fn memory_held_counts_what_is_buffered_not_what_is_declared_missing() {
        let budget = BodyBudget::new(limits());
        // Unknown length: room grows with what arrives, from 16 KiB by doubling.
        let body = budget
            .read(trickle(3, 10_000, Duration::ZERO), None)
            .await
            .unwrap();
        assert_eq!(body.bytes.len(), 30_000);
        let held = (2 << 20) - budget.available();
        assert!((30_000..=64 * 1024).contains(&held), "{held}");
    }
}
