//! The whole-call budget: how long one call may take, retries, waits for a slot and token
//! refreshes included. A server (or `zoho-server call`) sets it around each call with
//! [`within`]; a client without one uses its own `call_timeout` (default
//! [`DEFAULT_CALL_TIMEOUT`]). Every wait on the request path ends at the deadline, so a stalled
//! Zoho gives a timeout error naming the host before the caller gives up.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// The budget of one call when nothing else is said: the server's default per-call timeout.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(300);

tokio::task_local! {
    static DEADLINE: Budget;
    static EACH: Duration;
}

/// When the running call must end, and how long it was given (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    pub(crate) until: Instant,
    pub(crate) length: Duration,
}

/// Run `call` with a whole-call budget of `budget` from now: every client call made inside it
/// finishes (with `-32004` `timedOut: true` at worst) by then. A budget already set around
/// `call` that ends sooner is kept.
///
/// ```
/// # async fn demo(client: zoho_core::Client, req: zoho_core::ActionRequest) {
/// use std::time::Duration;
/// let answer = zoho_core::__private::within(Duration::from_secs(5), client.execute(req)).await;
/// # let _ = answer;
/// # }
/// ```
pub async fn within<F: Future>(budget: Duration, call: F) -> F::Output {
    let mut set = Budget {
        until: Instant::now()
            .checked_add(budget)
            .unwrap_or_else(far_future),
        length: budget,
    };
    if let Some(outer) = current()
        && outer.until < set.until
    {
        set = outer;
    }
    DEADLINE.scope(set, call).await
}

/// Run `work` giving each client call inside it (each page of an export, say) a budget of
/// `budget` from when that call starts. A whole-call budget set with [`within`] still wins.
pub async fn each_within<F: Future>(budget: Duration, work: F) -> F::Output {
    EACH.scope(budget, work).await
}

/// The budget set around the running call, if any.
pub(crate) fn current() -> Option<Budget> {
    DEADLINE.try_with(|budget| *budget).ok()
}

/// The budget of a call starting now: the one set around it, else `fallback` from now.
pub(crate) fn for_call(fallback: Duration) -> Budget {
    let fallback = EACH.try_with(|each| *each).unwrap_or(fallback);
    current().unwrap_or_else(|| Budget {
        until: Instant::now()
            .checked_add(fallback)
            .unwrap_or_else(far_future),
        length: fallback,
    })
}

/// A day from now: "no deadline" without overflowing the clock.
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_inner_budget_never_outlives_the_outer_one() {
        let start = Instant::now();
        let inner = within(Duration::from_secs(10), async {
            within(Duration::from_secs(60), async { current() }).await
        })
        .await;
        assert_eq!(
            inner.map(|b| b.until),
            Some(start + Duration::from_secs(10))
        );
        assert_eq!(current(), None);
        assert_eq!(
            for_call(Duration::from_secs(3)).until,
            start + Duration::from_secs(3)
        );
        let each = each_within(Duration::from_secs(7), async {
            for_call(Duration::from_secs(3)).until
        })
        .await;
        assert_eq!(each, start + Duration::from_secs(7));
    }
}
