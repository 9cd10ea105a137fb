//! A closed-loop load generator: `concurrency` workers each send one call after another until
//! the time or the call budget runs out, whichever comes first.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::stats::percentile;

/// The most calls one load run makes, whatever its duration (every loop is bounded in count).
pub const MAX_CALLS_PER_RUN: u64 = 500_000;

/// What one load run saw.
#[derive(Debug, Clone)]
pub struct Run {
    /// Latency of every successful call, in microseconds.
    pub latencies_us: Vec<f64>,
    /// From the first call sent to the last answer.
    pub elapsed: Duration,
    /// Calls that failed.
    pub failed: u64,
    /// The first failure's message.
    pub first_failure: Option<String>,
}

impl Run {
    /// Successful calls per second.
    pub fn throughput(&self) -> f64 {
        self.latencies_us.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Median latency in microseconds.
    pub fn p50_us(&self) -> f64 {
        percentile(&self.latencies_us, 50.0)
    }

    /// 99th percentile latency in microseconds.
    pub fn p99_us(&self) -> f64 {
        percentile(&self.latencies_us, 99.0)
    }

    /// An error if any call failed: figures of failing calls would mislead.
    pub fn check(&self, what: &str) -> Result<(), Error> {
        match &self.first_failure {
            None => Ok(()),
            Some(first) => Err(Error::CallsFailed {
                what: what.to_owned(),
                failed: self.failed,
                total: self.failed + self.latencies_us.len() as u64,
                first: first.clone(),
            }),
        }
    }
}

/// Run `call` from `concurrency` workers for `duration` (at most [`MAX_CALLS_PER_RUN`] calls).
pub async fn closed_loop<F, Fut>(concurrency: usize, duration: Duration, call: F) -> Run
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let call = Arc::new(call);
    let budget = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.max(1) {
        let call = call.clone();
        let budget = budget.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failed = 0;
            let mut first_failure = None;
            while Instant::now() < deadline
                && budget.fetch_add(1, Ordering::Relaxed) < MAX_CALLS_PER_RUN
            {
                let sent = Instant::now();
                match call().await {
                    Ok(()) => latencies.push(sent.elapsed().as_secs_f64() * 1e6),
                    Err(message) => {
                        failed += 1;
                        first_failure.get_or_insert(message);
                    }
                }
            }
            (latencies, failed, first_failure)
        }));
    }
    let mut run = Run {
        latencies_us: Vec::new(),
        elapsed: Duration::ZERO,
        failed: 0,
        first_failure: None,
    };
    for worker in workers {
        match worker.await {
            Ok((latencies, failed, first)) => {
                run.latencies_us.extend(latencies);
                run.failed += failed;
                if run.first_failure.is_none() {
                    run.first_failure = first;
                }
            }
            Err(err) => {
                run.failed += 1;
                run.first_failure
                    .get_or_insert_with(|| format!("worker task failed: {err}"));
            }
        }
    }
    run.elapsed = started.elapsed();
    run
}
