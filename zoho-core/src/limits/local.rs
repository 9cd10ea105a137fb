//! The in-process [`Limiter`]: one budget per organization key, kept in this process's memory.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::{
    LimitRequest, LimitScope, LimitSettings, LimitState, Limiter, Observation, Permit, millis,
};
use crate::auth::BoxFuture;
use crate::{Error, Limit};

/// Credits free up 24 hours after the call that spent them (Zoho's window is rolling).
const CREDIT_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);
/// Requests per minute count over a sliding minute.
const MINUTE: Duration = Duration::from_secs(60);
/// After a throttle, the window does not grow back for this long.
const THROTTLE_HOLD: Duration = Duration::from_secs(2);

/// Budgets kept in this process. Share one `Arc<LocalLimiter>` between the clients that act on
/// the same organizations so they count together.
#[derive(Debug, Default)]
pub struct LocalLimiter {
    budgets: Mutex<HashMap<String, Arc<Budget>>>,
}

#[derive(Debug)]
struct Budget {
    state: Mutex<Counts>,
    freed: Notify,
}

#[derive(Debug)]
struct Counts {
    settings: LimitSettings,
    in_flight: usize,
    heavy_in_flight: usize,
    /// The AIMD window: at most `settings.concurrency`, halved by a throttle, +1/window per answer.
    window: f64,
    throttled_at: Option<Instant>,
    /// Start times of recent requests, for the per-minute limit.
    recent: VecDeque<Instant>,
    /// Credits spent, per second they were spent in.
    spent: VecDeque<(Instant, u64)>,
    /// The sum of `spent`, kept as it changes: a day of calls is up to 86,400 entries, too many
    /// to add up on every call.
    spent_total: u64,
    /// Zoho's own count of credits left, and the credits we had spent when it said so.
    zoho_remaining: Option<(u64, u64)>,
    /// Calls waiting for a slot: a slot given back wakes them only when there are some.
    waiting: usize,
}

impl Counts {
    fn new(settings: LimitSettings) -> Counts {
        Counts {
            settings,
            in_flight: 0,
            heavy_in_flight: 0,
            window: settings.concurrency as f64,
            throttled_at: None,
            recent: VecDeque::new(),
            spent: VecDeque::new(),
            spent_total: 0,
            zoho_remaining: None,
            waiting: 0,
        }
    }

    fn prune(&mut self, now: Instant) {
        while self
            .recent
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= MINUTE)
        {
            self.recent.pop_front();
        }
        while self
            .spent
            .front()
            .is_some_and(|(at, _)| now.saturating_duration_since(*at) >= CREDIT_WINDOW)
        {
            if let Some((_, credits)) = self.spent.pop_front() {
                self.spent_total = self.spent_total.saturating_sub(credits);
            }
        }
    }

    fn used_24h(&self) -> u64 {
        self.spent_total
    }

    /// The lower of what the configuration and Zoho's last count leave.
    fn credits_remaining(&self) -> Option<u64> {
        let used = self.used_24h();
        let configured = self
            .settings
            .daily_credits
            .map(|daily| daily.saturating_sub(used));
        let reported = self
            .zoho_remaining
            .map(|(left, used_then)| left.saturating_sub(used.saturating_sub(used_then)));
        match (configured, reported) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn allowed(&self) -> usize {
        (self.window.floor() as usize).clamp(1, self.settings.concurrency.max(1))
    }

    fn state(&self) -> LimitState {
        LimitState {
            in_flight: self.in_flight as u64,
            concurrency: self.allowed() as u64,
            credits_used_24h: self.used_24h(),
            credits_remaining: self.credits_remaining(),
        }
    }
}

/// What `try_take` found.
enum Taken {
    Yes,
    /// Wait for a slot to free, or until this instant (a per-minute slot).
    Wait(Option<Instant>),
    Refused(Error),
}

impl LocalLimiter {
    /// An empty set of budgets.
    pub fn new() -> LocalLimiter {
        LocalLimiter::default()
    }

    fn budget(&self, scope: &LimitScope) -> Arc<Budget> {
        let mut budgets = self.budgets.lock().unwrap_or_else(PoisonError::into_inner);
        // Found without copying the key: every call looks its budget up, few create one.
        if let Some(budget) = budgets.get(&scope.key) {
            return budget.clone();
        }
        let budget = budgets.entry(scope.key.clone()).or_insert_with(|| {
            Arc::new(Budget {
                state: Mutex::new(Counts::new(scope.settings)),
                freed: Notify::new(),
            })
        });
        budget.clone()
    }
}

impl Budget {
    fn counts(&self) -> MutexGuard<'_, Counts> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn try_take(&self, request: &LimitRequest, now: Instant) -> Taken {
        let mut counts = self.counts();
        // Settings may change (a reloaded connection); the latest caller's win.
        if counts.settings != request.scope.settings {
            counts.settings = request.scope.settings;
            counts.window = counts.window.min(counts.settings.concurrency as f64);
        }
        counts.prune(now);
        let credits = u64::from(request.cost.credits);
        if let Some(left) = counts.credits_remaining()
            && left < credits
        {
            let frees_at = counts.spent.front().map(|(at, _)| *at + CREDIT_WINDOW);
            return Taken::Refused(Error::LimitReached {
                limit: Limit::Credits,
                retry_after: frees_at.map(|at| at.saturating_duration_since(now)),
                reason: format!(
                    "the organization's API credits for the rolling 24 hours are spent \
                     ({} used, {left} left, this call needs {credits})",
                    counts.used_24h()
                ),
            });
        }
        if let Some(per_minute) = counts.settings.per_minute
            && counts.recent.len() >= per_minute as usize
        {
            let at = counts.recent.front().map(|first| *first + MINUTE);
            return Taken::Wait(at);
        }
        let heavy_full =
            request.cost.heavy && counts.heavy_in_flight >= counts.settings.heavy_concurrency;
        if counts.in_flight >= counts.allowed() || heavy_full {
            return Taken::Wait(None);
        }
        counts.in_flight += 1;
        if request.cost.heavy {
            counts.heavy_in_flight += 1;
        }
        if counts.settings.per_minute.is_some() {
            counts.recent.push_back(now);
        }
        match counts.spent.back_mut() {
            Some((at, spent)) if now.saturating_duration_since(*at) < Duration::from_secs(1) => {
                *spent += credits
            }
            _ => counts.spent.push_back((now, credits)),
        }
        counts.spent_total = counts.spent_total.saturating_add(credits);
        Taken::Yes
    }

    fn release(&self, heavy: bool) {
        let anyone_waiting = {
            let mut counts = self.counts();
            counts.in_flight = counts.in_flight.saturating_sub(1);
            if heavy {
                counts.heavy_in_flight = counts.heavy_in_flight.saturating_sub(1);
            }
            counts.waiting > 0
        };
        if anyone_waiting {
            self.freed.notify_waiters();
        }
    }
}

/// A call counted among a budget's waiters while it lives.
struct Waiting<'a>(&'a Budget);

impl<'a> Waiting<'a> {
    fn start(budget: &'a Budget) -> Waiting<'a> {
        budget.counts().waiting += 1;
        Waiting(budget)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut counts = self.0.counts();
        counts.waiting = counts.waiting.saturating_sub(1);
    }
}

/// Gives its slot back when dropped.
struct Slot {
    budget: Arc<Budget>,
    heavy: bool,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.budget.release(self.heavy);
    }
}

impl Limiter for LocalLimiter {
    fn acquire<'a>(
        &'a self,
        request: &'a LimitRequest,
        until: Instant,
    ) -> BoxFuture<'a, Result<Permit, Error>> {
        Box::pin(async move {
            let budget = self.budget(&request.scope);
            let started = Instant::now();
            let slot = |budget: &Arc<Budget>| {
                Permit::new(Slot {
                    budget: budget.clone(),
                    heavy: request.cost.heavy,
                })
            };
            // Most calls find a slot at once, and never register as waiters.
            match budget.try_take(request, started) {
                Taken::Yes => return Ok(slot(&budget)),
                Taken::Refused(error) => return Err(error),
                Taken::Wait(_) => {}
            }
            // Counted before the first look below: a slot given back after it wakes this call.
            let _waiting = Waiting::start(&budget);
            loop {
                let freed = budget.freed.notified();
                tokio::pin!(freed);
                // Registered before looking, so a slot freed in between still wakes us.
                freed.as_mut().enable();
                let now = Instant::now();
                let wake = match budget.try_take(request, now) {
                    Taken::Yes => return Ok(slot(&budget)),
                    Taken::Refused(error) => return Err(error),
                    Taken::Wait(at) => at,
                };
                if now >= until {
                    let counts = budget.counts();
                    return Err(Error::LimitReached {
                        limit: Limit::Concurrency,
                        retry_after: wake.map(|at| at.saturating_duration_since(now)),
                        reason: format!(
                            "no slot came free for `{}` within the call's budget (waited {} ms; \
                             {} in flight of {} allowed{})",
                            request.scope.key,
                            millis(now.saturating_duration_since(started)),
                            counts.in_flight,
                            counts.allowed(),
                            match counts.settings.per_minute {
                                Some(n) => format!(", {n} per minute"),
                                None => String::new(),
                            }
                        ),
                    });
                }
                let wake = wake.map_or(until, |at| at.min(until));
                tokio::select! {
                    () = &mut freed => {}
                    () = tokio::time::sleep_until(wake) => {}
                }
            }
        })
    }

    fn observe(
        &self,
        scope: &LimitScope,
        observation: Observation,
        credits_remaining: Option<u64>,
    ) {
        let budget = self.budget(scope);
        let grew = {
            let mut counts = budget.counts();
            let now = Instant::now();
            if let Some(left) = credits_remaining {
                let used = counts.used_24h();
                counts.zoho_remaining = Some((left, used));
            }
            let before = counts.allowed();
            match observation {
                Observation::Throttled => {
                    counts.window = (counts.window / 2.0).max(1.0);
                    counts.throttled_at = Some(now);
                }
                Observation::Answered => {
                    let holding = counts
                        .throttled_at
                        .is_some_and(|at| now.saturating_duration_since(at) < THROTTLE_HOLD);
                    if !holding {
                        let max = counts.settings.concurrency as f64;
                        counts.window = (counts.window + 1.0 / counts.window.max(1.0)).min(max);
                    }
                }
            }
            counts.allowed() > before
        };
        if grew {
            budget.freed.notify_waiters();
        }
    }

    fn state<'a>(&'a self, scope: &'a LimitScope) -> BoxFuture<'a, Result<LimitState, Error>> {
        Box::pin(async move {
            let budget = self.budget(scope);
            let mut counts = budget.counts();
            counts.prune(Instant::now());
            Ok(counts.state())
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::limits::CallCost;

    fn request(concurrency: usize, heavy: bool) -> LimitRequest {
        LimitRequest {
            scope: LimitScope {
                key: "crm:test".into(),
                settings: LimitSettings {
                    concurrency,
                    heavy_concurrency: 1,
                    per_minute: None,
                    daily_credits: Some(10),
                },
            },
            cost: CallCost { heavy, credits: 1 },
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_budget_makes_callers_wait_then_refuses_at_the_deadline() {
        let limiter = LocalLimiter::new();
        let req = request(2, false);
        let far = Instant::now() + Duration::from_secs(60);
        let a = limiter.acquire(&req, far).await.unwrap();
        let _b = limiter.acquire(&req, far).await.unwrap();
        let soon = Instant::now() + Duration::from_millis(50);
        let err = limiter.acquire(&req, soon).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::LimitReached {
                    limit: Limit::Concurrency,
                    ..
                }
            ),
            "{err:?}"
        );
        let waiting = limiter.acquire(&req, far);
        drop(a);
        assert!(waiting.await.is_ok(), "a freed slot goes to the waiter");
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_given_back_wakes_a_caller_already_waiting_at_once() {
        let limiter = Arc::new(LocalLimiter::new());
        let req = request(1, false);
        let far = Instant::now() + Duration::from_secs(60);
        let held = limiter.acquire(&req, far).await.unwrap();
        let started = Instant::now();
        let waiter = tokio::spawn({
            let (limiter, req) = (limiter.clone(), req.clone());
            async move { limiter.acquire(&req, far).await.map(|_slot| Instant::now()) }
        });
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        assert_eq!(limiter.budget(&req.scope).counts().waiting, 1);
        drop(held);
        let got_it_at = waiter.await.unwrap().unwrap();
        assert_eq!(
            got_it_at, started,
            "woken by the release, not by its deadline"
        );
        assert_eq!(limiter.budget(&req.scope).counts().waiting, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn credits_free_up_24_hours_after_the_second_they_were_spent_in() {
        let limiter = LocalLimiter::new();
        let mut req = request(4, false);
        req.scope.settings.daily_credits = Some(100);
        let far = Instant::now() + CREDIT_WINDOW * 2;
        for _ in 0..3 {
            drop(limiter.acquire(&req, far).await.unwrap());
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        for _ in 0..2 {
            drop(limiter.acquire(&req, far).await.unwrap());
        }
        let used = |limiter: &LocalLimiter| {
            let budget = limiter.budget(&req.scope);
            let mut counts = budget.counts();
            counts.prune(Instant::now());
            counts.used_24h()
        };
        assert_eq!(used(&limiter), 5);
        tokio::time::advance(CREDIT_WINDOW - Duration::from_secs(1)).await;
        assert_eq!(
            used(&limiter),
            2,
            "the first second's 3 credits are free again"
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(used(&limiter), 0);
        drop(limiter.acquire(&req, far).await.unwrap());
        assert_eq!(used(&limiter), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn heavy_calls_share_their_own_smaller_window() {
        let limiter = LocalLimiter::new();
        let far = Instant::now() + Duration::from_secs(60);
        let _heavy = limiter.acquire(&request(5, true), far).await.unwrap();
        let soon = Instant::now() + Duration::from_millis(10);
        assert!(limiter.acquire(&request(5, true), soon).await.is_err());
        assert!(limiter.acquire(&request(5, false), soon).await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_halves_the_window_and_answers_grow_it_back() {
        let limiter = LocalLimiter::new();
        let req = request(8, false);
        limiter.observe(&req.scope, Observation::Throttled, None);
        assert_eq!(limiter.state(&req.scope).await.unwrap().concurrency, 4);
        limiter.observe(&req.scope, Observation::Answered, None);
        assert_eq!(
            limiter.state(&req.scope).await.unwrap().concurrency,
            4,
            "held after a throttle"
        );
        tokio::time::advance(THROTTLE_HOLD).await;
        for _ in 0..40 {
            limiter.observe(&req.scope, Observation::Answered, None);
        }
        assert_eq!(limiter.state(&req.scope).await.unwrap().concurrency, 8);
    }

    #[tokio::test(start_paused = true)]
    async fn spent_credits_refuse_at_once_and_zoho_can_correct_the_count() {
        let limiter = LocalLimiter::new();
        let req = request(100, false);
        let far = Instant::now() + Duration::from_secs(60);
        for _ in 0..10 {
            drop(limiter.acquire(&req, far).await.unwrap());
        }
        let state = limiter.state(&req.scope).await.unwrap();
        assert_eq!(
            (state.credits_used_24h, state.credits_remaining),
            (10, Some(0))
        );
        let err = limiter.acquire(&req, far).await.unwrap_err();
        let Error::LimitReached {
            limit: Limit::Credits,
            retry_after: Some(wait),
            ..
        } = err
        else {
            panic!("{err:?}");
        };
        assert!(wait <= CREDIT_WINDOW);
        tokio::time::advance(CREDIT_WINDOW).await;
        assert!(limiter.acquire(&req, far).await.is_ok(), "the window rolls");

        let open = LimitRequest {
            scope: LimitScope {
                key: "crm:other".into(),
                settings: LimitSettings::default(),
            },
            cost: CallCost::default(),
        };
        limiter.observe(&open.scope, Observation::Answered, Some(1));
        drop(limiter.acquire(&open, far).await.unwrap());
        assert!(matches!(
            limiter.acquire(&open, far).await,
            Err(Error::LimitReached {
                limit: Limit::Credits,
                ..
            })
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn books_per_minute_waits_for_the_oldest_request_to_age_out() {
        let limiter = LocalLimiter::new();
        let mut req = request(100, false);
        req.scope.settings.per_minute = Some(2);
        req.scope.settings.daily_credits = None;
        let far = Instant::now() + Duration::from_secs(600);
        let start = Instant::now();
        for _ in 0..3 {
            drop(limiter.acquire(&req, far).await.unwrap());
        }
        assert_eq!(Instant::now() - start, MINUTE);
    }
}
