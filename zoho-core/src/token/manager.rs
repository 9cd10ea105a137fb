//! One connection's access token, shared by every caller and refreshed by at most one of them.
//!
//! Zoho lets a refresh token mint 10 access tokens per 10 minutes (`crm.md` §2.5), so minting
//! must be rare: callers share one token, it is refreshed shortly before it expires, only one
//! refresh runs at a time (the others wait for its result instead of starting their own), and a
//! failed refresh is not retried by every caller that was waiting for it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::auth::BoxFuture;
use crate::oauth::{OAuthClient, TokenGrant};
use crate::token::{RefreshTurn, StoredTokens, TokenStore};
use crate::{AccessToken, Error, Secret, TokenSource};

/// How long before expiry a token is refreshed (at most half its lifetime).
const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// How long to stop asking after Zoho throttled the token endpoint without saying how long.
const THROTTLE_PAUSE: Duration = Duration::from_secs(60);
/// How long to stop asking after any other failed refresh (its retries included).
const FAILURE_PAUSE: Duration = Duration::from_secs(1);
/// Retries of a refresh that failed on the way (5xx, reset, timeout), inside the single flight.
const REFRESH_RETRIES: u32 = 3;
/// The first pause before retrying a refresh; it doubles, with jitter.
const REFRESH_RETRY_INITIAL: Duration = Duration::from_millis(100);
/// Zoho counts minted tokens over this window (10 per refresh token).
const MINT_WINDOW: Duration = Duration::from_secs(10 * 60);
/// The longest pause a `Retry-After` can ask for: Zoho's token limits count per 10 minutes, and
/// an absurd value must not overflow the clock.
const MAX_PAUSE: Duration = Duration::from_secs(10 * 60);

/// How long one process may hold a shared store's refresh lock: well above a refresh's own
/// time (its retries included), so a slow refresh is not overtaken; a process killed while
/// refreshing delays the others by at most this.
pub const DEFAULT_REFRESH_LEASE: Duration = Duration::from_secs(30);
/// Past the lease, how long waiters still watch for the holder's result.
const LEASE_GRACE: Duration = Duration::from_secs(2);
/// How often a waiter reads the shared store (jittered up to twice this).
const WATCH_EVERY: Duration = Duration::from_millis(50);
/// A stored access token with less life than this left is not worth taking.
const MIN_LEFT: Duration = Duration::from_secs(10);

enum SharedTurn {
    /// Another process refreshed: its token.
    Fresh(Current),
    /// Our turn (and the owner to end it with).
    Ours(Option<String>),
    /// The store cannot coordinate (unreachable, or a holder overstayed): refresh alone.
    Alone,
}

/// Hands out one connection's access token (implements [`TokenSource`]). Share it with `Arc`.
pub struct TokenManager {
    oauth: OAuthClient,
    store: Arc<dyn TokenStore>,
    api_domain_override: Option<String>,
    fallback_api_domain: Option<String>,
    refresh_margin: Duration,
    refresh_lease: Duration,
    /// The token handed out without taking the refresh lock.
    current: RwLock<Option<Current>>,
    /// Refresh attempts finished so far, to tell a waiter that one finished while it waited.
    attempts: AtomicU64,
    /// Held for the whole of a refresh: this is what makes it single-flight.
    state: Mutex<State>,
    /// When access tokens were minted, over the last 10 minutes.
    mints: std::sync::Mutex<std::collections::VecDeque<Instant>>,
    /// The origin of `recheck_at`.
    epoch: Instant,
    /// When (nanoseconds after `epoch`) a caller next reads a shared store to see that the
    /// cached token's connection still has tokens ([`TokenStore::recheck_every`]).
    recheck_at: AtomicU64,
}

#[derive(Clone)]
struct Current {
    token: AccessToken,
    refresh_at: Instant,
    expires_at: Instant,
}

#[derive(Default)]
struct State {
    loaded: bool,
    tokens: Option<StoredTokens>,
    failure: Option<Failure>,
}

struct Failure {
    /// The value of `attempts` once the failed attempt finished.
    attempt: u64,
    error: Error,
    /// Until then, callers get this error instead of a new attempt.
    quiet_until: Instant,
}

impl TokenManager {
    /// A manager minting tokens with `oauth` and keeping them in `store` (read on first use).
    pub fn new(oauth: OAuthClient, store: Arc<dyn TokenStore>) -> TokenManager {
        TokenManager {
            oauth,
            store,
            api_domain_override: None,
            fallback_api_domain: None,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            refresh_lease: DEFAULT_REFRESH_LEASE,
            current: RwLock::new(None),
            attempts: AtomicU64::new(0),
            state: Mutex::new(State::default()),
            mints: Default::default(),
            epoch: Instant::now(),
            recheck_at: AtomicU64::new(0),
        }
    }

    /// Send API calls to `api_base` whatever the token response says (the sandbox, a proxy).
    pub fn with_api_domain_override(mut self, api_base: Option<String>) -> TokenManager {
        self.api_domain_override = api_base.map(|base| base.trim_end_matches('/').to_string());
        self
    }

    /// The API domain to use when neither the token response nor the store names one
    /// (normally the region's `https://www.zohoapis.{tld}`).
    pub fn with_fallback_api_domain(mut self, api_domain: Option<String>) -> TokenManager {
        self.fallback_api_domain = api_domain.map(|base| base.trim_end_matches('/').to_string());
        self
    }

    /// Refresh this long before expiry (default 5 minutes; never more than half a token's life).
    pub fn with_refresh_margin(mut self, margin: Duration) -> TokenManager {
        self.refresh_margin = margin;
        self
    }

    /// Hold a shared store's refresh lock this long at most (default 30 s).
    pub fn with_refresh_lease(mut self, lease: Duration) -> TokenManager {
        self.refresh_lease = lease;
        self
    }

    /// The connection's name.
    pub fn connection(&self) -> &str {
        self.oauth.connection()
    }

    /// The OAuth client this manager refreshes with.
    pub fn oauth(&self) -> &OAuthClient {
        &self.oauth
    }

    /// The tokens as stored (loading them on first use); `None` when never authorized.
    pub async fn stored_tokens(&self) -> Result<Option<StoredTokens>, Error> {
        let mut state = self.state.lock().await;
        self.ensure_loaded(&mut state).await?;
        Ok(state.tokens.clone())
    }

    /// Take the tokens of a finished authorization: saved first (a refresh token that is not
    /// saved would mean authorizing again after a restart), then handed out.
    /// `accounts_server` is where they were granted; refreshes go there.
    pub async fn authorized(
        &self,
        grant: TokenGrant,
        accounts_server: Option<String>,
    ) -> Result<(), Error> {
        let mut state = self.state.lock().await;
        // Zoho may omit the refresh token on a repeated consent; keep the one we have then.
        let previous = match self.ensure_loaded(&mut state).await {
            Ok(()) => state.tokens.clone(),
            Err(_) => None,
        };
        let refresh_token = match (grant.refresh_token.clone(), previous.as_ref()) {
            (Some(token), _) => token,
            (None, Some(previous)) => previous.refresh_token.clone(),
            (None, None) => {
                return Err(Error::Unauthorized {
                    connection: self.connection().to_string(),
                    reason:
                        "Zoho granted no refresh token (the consent was not for offline access)"
                            .into(),
                    next_step: self.login_step(),
                });
            }
        };
        let tokens = StoredTokens {
            refresh_token,
            access_token: Some(grant.access_token.clone()),
            expires_at: Some(SystemTime::now() + grant.expires_in),
            api_domain: grant
                .api_domain
                .clone()
                .or_else(|| previous.as_ref().and_then(|p| p.api_domain.clone())),
            scopes: grant.scope.clone(),
            accounts_server,
        };
        self.store.save(&tokens).await?;
        let current = self.current_for(&tokens, Some(grant.expires_in))?;
        self.set_current(current);
        state.tokens = Some(tokens);
        state.loaded = true;
        state.failure = None;
        Ok(())
    }

    /// Revoke the refresh token at Zoho and forget the tokens. Returns whether there was one.
    /// A token Zoho no longer knows is forgotten all the same.
    pub async fn revoke(&self) -> Result<bool, Error> {
        let mut state = self.state.lock().await;
        self.ensure_loaded(&mut state).await?;
        let Some(tokens) = state.tokens.clone() else {
            return Ok(false);
        };
        match self
            .oauth
            .revoke(&tokens.refresh_token, tokens.accounts_server.as_deref())
            .await
        {
            Ok(()) | Err(Error::Unauthorized { .. }) => {}
            Err(err) => return Err(err),
        }
        self.store.clear().await?;
        state.tokens = None;
        state.failure = None;
        self.set_current_none();
        Ok(true)
    }

    async fn access_token_now(&self) -> Result<AccessToken, Error> {
        if self.claim_recheck() {
            self.recheck().await?;
        }
        if let Some(current) = self.snapshot() {
            let now = Instant::now();
            if now < current.refresh_at {
                return Ok(current.token);
            }
            if now < current.expires_at {
                // Refresh ahead: one caller refreshes, the others keep using the token that still works.
                return Ok(match self.state.try_lock() {
                    Ok(mut state) => self.refresh_ahead(&mut state, current).await,
                    Err(_) => current.token,
                });
            }
        }
        let seen = self.attempts.load(Ordering::SeqCst);
        let mut state = self.state.lock().await;
        self.ensure_loaded(&mut state).await?;
        let now = Instant::now();
        if let Some(current) = self.snapshot().filter(|current| now < current.expires_at) {
            if now < current.refresh_at {
                return Ok(current.token);
            }
            return Ok(self.refresh_ahead(&mut state, current).await);
        }
        if let Some(err) = shared_failure(&state, seen, now) {
            return Err(err);
        }
        let stale = self.snapshot().map(|current| current.token.token);
        self.refresh(&mut state, stale)
            .await
            .map(|current| current.token)
    }

    /// Whether this caller reads the store now to check the cached token (once per period of
    /// [`TokenStore::recheck_every`], whichever caller comes first; the others go on meanwhile).
    fn claim_recheck(&self) -> bool {
        let Some(every) = self.store.recheck_every() else {
            return false;
        };
        let now = self.epoch.elapsed().as_nanos() as u64;
        let due = self.recheck_at.load(Ordering::Relaxed);
        now >= due
            && self
                .recheck_at
                .compare_exchange(
                    due,
                    now.saturating_add(every.as_nanos() as u64),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                )
                .is_ok()
    }

    /// Read the shared store: when the tokens this manager holds are gone from it (the
    /// connection was deleted or revoked by another process), stop handing them out. A store
    /// that cannot be read changes nothing: the token held keeps working.
    async fn recheck(&self) -> Result<(), Error> {
        match self.store.load().await {
            Ok(None) => {}
            Ok(Some(_)) => return Ok(()),
            Err(err) => {
                tracing::debug!(connection = %self.connection(), error = %err, "cannot read the shared store; keeping the token held");
                return Ok(());
            }
        }
        let mut state = self.state.lock().await;
        // A consent finishing in this process saves before it hands out: read again under its lock.
        if !matches!(self.store.load().await, Ok(None)) {
            return Ok(());
        }
        let held = state.tokens.is_some() || self.snapshot().is_some();
        state.tokens = None;
        state.loaded = true;
        self.set_current_none();
        if !held {
            return Ok(());
        }
        tracing::info!(connection = %self.connection(), "the connection's tokens are gone from the shared store; no longer using them");
        Err(Error::Unauthorized {
            connection: self.connection().to_string(),
            reason: "the connection's tokens are gone from the store (deleted or revoked by another instance)".into(),
            next_step: self.login_step(),
        })
    }

    async fn token_rejected_now(&self, rejected: &AccessToken) -> Result<AccessToken, Error> {
        let replaced = |now: Instant| {
            self.snapshot()
                .filter(|current| current.token.token != rejected.token && now < current.expires_at)
        };
        if let Some(current) = replaced(Instant::now()) {
            return Ok(current.token);
        }
        let seen = self.attempts.load(Ordering::SeqCst);
        let mut state = self.state.lock().await;
        self.ensure_loaded(&mut state).await?;
        let now = Instant::now();
        if let Some(current) = replaced(now) {
            return Ok(current.token);
        }
        // The rejected token is still the current one: stop handing it out.
        self.set_current_none();
        if let Some(err) = shared_failure(&state, seen, now) {
            return Err(err);
        }
        self.refresh(&mut state, Some(rejected.token.clone()))
            .await
            .map(|current| current.token)
    }

    async fn refresh_ahead(&self, state: &mut State, current: Current) -> AccessToken {
        let now = Instant::now();
        if let Some(newer) = self.snapshot().filter(|newer| now < newer.refresh_at) {
            return newer.token;
        }
        if state
            .failure
            .as_ref()
            .is_some_and(|failure| now < failure.quiet_until)
        {
            return current.token;
        }
        match self.refresh(state, Some(current.token.token.clone())).await {
            Ok(refreshed) => refreshed.token,
            Err(err) => {
                tracing::warn!(connection = %self.connection(), error = %err, "refreshing ahead of expiry failed; the current token still works");
                current.token
            }
        }
    }

    /// Mint a new access token to replace `stale` (the token that is expiring, refused, or
    /// `None`). Called with the refresh lock held. With a shared store, another process's
    /// fresher token is taken instead, and of all the processes only the one holding the
    /// store's refresh lock asks Zoho.
    async fn refresh(&self, state: &mut State, stale: Option<Secret>) -> Result<Current, Error> {
        let mut turn = None;
        if self.store.is_shared() {
            match self.shared_turn(state, stale.as_ref()).await {
                SharedTurn::Fresh(current) => return Ok(current),
                SharedTurn::Ours(owner) => turn = owner,
                SharedTurn::Alone => {}
            }
        }
        let outcome = self.refresh_here(state).await;
        if let Some(owner) = turn {
            self.store.end_refresh(&owner).await;
        }
        outcome
    }

    /// Wait for the turn to refresh, or for another process's result, reading the store.
    async fn shared_turn(&self, state: &mut State, stale: Option<&Secret>) -> SharedTurn {
        let lease = self.store.refresh_lease().unwrap_or(self.refresh_lease);
        let deadline = Instant::now() + lease + LEASE_GRACE;
        loop {
            if let Some(current) = self.fresher_stored(state, stale).await {
                return SharedTurn::Fresh(current);
            }
            match self.store.begin_refresh(lease).await {
                Ok(RefreshTurn::Ours(owner)) => {
                    // Someone may have finished between our read and our lock.
                    if let Some(current) = self.fresher_stored(state, stale).await {
                        if let Some(owner) = owner {
                            self.store.end_refresh(&owner).await;
                        }
                        return SharedTurn::Fresh(current);
                    }
                    return SharedTurn::Ours(owner);
                }
                Ok(RefreshTurn::Theirs) if Instant::now() < deadline => {
                    let pause = WATCH_EVERY.mul_f64(1.0 + rand::random::<f64>());
                    tokio::time::sleep(pause).await;
                }
                Ok(RefreshTurn::Theirs) => {
                    tracing::warn!(connection = %self.connection(), "another process held the refresh lock past its lease; refreshing here");
                    return SharedTurn::Alone;
                }
                Err(err) => {
                    // Zoho's own limits stay the backstop; this process refreshes on its own.
                    tracing::warn!(connection = %self.connection(), error = %err, "the shared store is unreachable; refreshing without its lock");
                    return SharedTurn::Alone;
                }
            }
        }
    }

    /// The stored tokens, when they hold an access token other than `stale` that still works
    /// (another process refreshed): handed out from now on. Otherwise the stored tokens are kept
    /// for the refresh (a new consent may have replaced the refresh token) and `None` returned.
    async fn fresher_stored(&self, state: &mut State, stale: Option<&Secret>) -> Option<Current> {
        let stored = match self.store.load().await {
            Ok(Some(stored)) => stored,
            Ok(None) => {
                // Deleted or revoked meanwhile: the refresh token held here must not be used.
                state.tokens = None;
                state.loaded = true;
                return None;
            }
            Err(err) => {
                tracing::debug!(connection = %self.connection(), error = %err, "cannot read the shared store");
                return None;
            }
        };
        let usable = stored
            .access_token
            .as_ref()
            .is_some_and(|token| Some(token) != stale)
            && stored
                .expires_at
                .is_some_and(|at| at > SystemTime::now() + MIN_LEFT);
        let current = if usable {
            self.current_for(&stored, None).ok()
        } else {
            None
        };
        if let Some(current) = &current {
            self.set_current(current.clone());
            state.failure = None;
        }
        state.tokens = Some(stored);
        state.loaded = true;
        current
    }

    /// Mint a new access token at Zoho, in this process.
    async fn refresh_here(&self, state: &mut State) -> Result<Current, Error> {
        if state
            .failure
            .as_ref()
            .is_some_and(|failure| matches!(failure.error, Error::Unauthorized { .. }))
        {
            // Another process (`auth login`) may have stored new tokens since.
            state.tokens = self.store.load().await?;
        }
        if state.tokens.is_none() {
            // A consent may have completed since, on another instance sharing the store.
            state.tokens = self.store.load().await?;
        }
        let Some(tokens) = state.tokens.clone() else {
            return Err(Error::Unauthorized {
                connection: self.connection().to_string(),
                reason: "the connection was never authorized (no refresh token stored)".into(),
                next_step: self.login_step(),
            });
        };
        let result = match self.store.reserve_mint().await {
            Ok(None) => self.refresh_retrying(&tokens).await,
            Ok(Some(wait)) => Err(Error::LimitReached {
                limit: crate::Limit::Tokens,
                retry_after: Some(wait),
                reason: format!(
                    "connection `{}`: the access tokens the instances may mint in 10 minutes are \
                     minted, or Zoho asked every instance to pause; nothing was sent",
                    self.connection()
                ),
            }),
            // The shared count cannot be read: Zoho's own limit stays the backstop.
            Err(err) => {
                tracing::warn!(connection = %self.connection(), error = %err, "cannot count the mint in the shared store; refreshing anyway");
                self.refresh_retrying(&tokens).await
            }
        };
        if let Err(Error::RateLimited { retry_after, .. }) = &result {
            self.store
                .cool_down(retry_after.unwrap_or(THROTTLE_PAUSE).min(MAX_PAUSE))
                .await;
        }
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        let outcome = match result {
            Ok(grant) => self.take_refreshed(state, tokens, grant).await,
            Err(err) => Err(err),
        };
        if let Err(err) = &outcome {
            let pause = match err {
                Error::RateLimited { retry_after, .. } => {
                    retry_after.unwrap_or(THROTTLE_PAUSE).min(MAX_PAUSE)
                }
                Error::LimitReached {
                    retry_after: Some(wait),
                    ..
                } => (*wait).min(MAX_PAUSE),
                _ => FAILURE_PAUSE,
            };
            state.failure = Some(Failure {
                attempt,
                error: err.clone(),
                quiet_until: Instant::now() + pause,
            });
        }
        outcome
    }

    /// Ask the token endpoint, retrying what failed on the way (a 5xx, a dropped connection,
    /// a timeout) with a short jittered backoff. Callers waiting on the single flight wait for
    /// the retries. Zoho's refusals (`invalid_code`, revoked) and its throttle are final.
    async fn refresh_retrying(&self, tokens: &StoredTokens) -> Result<TokenGrant, Error> {
        let mut retries = 0;
        loop {
            let result = self
                .oauth
                .refresh(&tokens.refresh_token, tokens.accounts_server.as_deref())
                .await;
            match result {
                Ok(grant) => {
                    self.count_mint();
                    return Ok(grant);
                }
                Err(err) if retries < REFRESH_RETRIES && transient(&err) => {
                    retries += 1;
                    let ceiling = REFRESH_RETRY_INITIAL.saturating_mul(1 << (retries - 1));
                    let delay = ceiling.mul_f64(0.5 + rand::random::<f64>() / 2.0);
                    tracing::warn!(connection = %self.connection(), error = %err, retry = retries, "refreshing the access token failed on the way; retrying");
                    tokio::time::sleep(delay).await;
                }
                Err(err) => return Err(err),
            }
        }
    }

    fn count_mint(&self) {
        let now = Instant::now();
        let mut mints = self.mints.lock().unwrap_or_else(PoisonError::into_inner);
        mints.push_back(now);
        while mints
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= MINT_WINDOW)
        {
            mints.pop_front();
        }
    }

    /// Access tokens minted in the last 10 minutes by this manager.
    pub fn mints_last_10m(&self) -> u64 {
        let now = Instant::now();
        let mints = self.mints.lock().unwrap_or_else(PoisonError::into_inner);
        mints
            .iter()
            .filter(|at| now.saturating_duration_since(**at) < MINT_WINDOW)
            .count() as u64
    }

    async fn take_refreshed(
        &self,
        state: &mut State,
        old: StoredTokens,
        grant: TokenGrant,
    ) -> Result<Current, Error> {
        let used = old.refresh_token.clone();
        let tokens = StoredTokens {
            // A refresh answer carries no refresh token: keep the one that still works.
            refresh_token: grant.refresh_token.unwrap_or(old.refresh_token),
            access_token: Some(grant.access_token),
            expires_at: Some(SystemTime::now() + grant.expires_in),
            api_domain: grant.api_domain.or(old.api_domain),
            scopes: grant.scope.or(old.scopes),
            accounts_server: old.accounts_server,
        };
        let current = self.current_for(&tokens, Some(grant.expires_in))?;
        // Another process (`auth login`) may have stored a new consent's refresh token since we
        // loaded ours: ours still works here, but the store keeps theirs for the next run.
        let replaced = matches!(
            self.store.load().await,
            Ok(Some(stored)) if stored.refresh_token != used
        );
        if replaced {
            tracing::info!(connection = %self.connection(), "the token store holds a newer refresh token; leaving it in place");
        } else if let Err(err) = self.store.save_refreshed(&tokens).await {
            // The stored refresh token is unchanged, so nothing is lost: the next run mints again.
            tracing::warn!(connection = %self.connection(), error = %err, "could not save the refreshed access token");
        }
        self.set_current(current.clone());
        state.tokens = Some(tokens);
        state.failure = None;
        Ok(current)
    }

    async fn ensure_loaded(&self, state: &mut State) -> Result<(), Error> {
        if state.loaded {
            return Ok(());
        }
        let tokens = self.store.load().await?;
        if let Some(tokens) = &tokens {
            match self.current_for(tokens, None) {
                Ok(current) => self.set_current(current),
                Err(err) => {
                    tracing::debug!(connection = %self.connection(), error = %err, "stored access token not usable")
                }
            }
        }
        state.tokens = tokens;
        state.loaded = true;
        Ok(())
    }

    /// The token to hand out for `tokens`. `lifetime` is its full life when just minted; for a
    /// stored token it is unknown and the whole margin applies.
    fn current_for(
        &self,
        tokens: &StoredTokens,
        lifetime: Option<Duration>,
    ) -> Result<Current, Error> {
        let (Some(token), Some(expires_at)) = (tokens.access_token.clone(), tokens.expires_at)
        else {
            return Err(Error::Internal("no access token stored".into()));
        };
        let left = expires_at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        // Half the life at most, so short-lived tokens (a sandbox) are not refreshed on every call.
        let margin = lifetime.map_or(self.refresh_margin, |lifetime| {
            self.refresh_margin.min(lifetime / 2)
        });
        let now = Instant::now();
        let expires_at = now + left;
        let api_domain = self
            .api_domain_override
            .clone()
            .or_else(|| tokens.api_domain.clone())
            .or_else(|| self.fallback_api_domain.clone())
            .ok_or_else(|| {
                Error::Config(format!(
                    "connection `{}`: Zoho named no api_domain and none is configured; set `api_base_url`",
                    self.connection()
                ))
            })?;
        Ok(Current {
            token: AccessToken { token, api_domain },
            refresh_at: expires_at.checked_sub(margin).unwrap_or(now),
            expires_at,
        })
    }

    fn login_step(&self) -> String {
        format!(
            "run `zoho-server auth login --connection {}`",
            self.connection()
        )
    }

    fn snapshot(&self) -> Option<Current> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_current(&self, current: Current) {
        // Just read from, or written to, the store: no need to check it again for a while.
        if let Some(every) = self.store.recheck_every() {
            let next = self.epoch.elapsed().saturating_add(every).as_nanos() as u64;
            self.recheck_at.fetch_max(next, Ordering::SeqCst);
        }
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(current);
    }

    fn set_current_none(&self) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// A failure on the way to Zoho's token endpoint, not an answer from it: worth retrying.
fn transient(err: &Error) -> bool {
    match err {
        Error::Network { .. } => true,
        Error::Api(api) => api.http_status >= 500,
        _ => false,
    }
}

/// The error to give a caller instead of a new attempt: the attempt it waited for failed, or
/// Zoho asked us to pause.
fn shared_failure(state: &State, seen: u64, now: Instant) -> Option<Error> {
    let failure = state.failure.as_ref()?;
    (failure.attempt > seen || now < failure.quiet_until).then(|| failure.error.clone())
}

impl TokenSource for TokenManager {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(self.access_token_now())
    }

    fn token_rejected<'a>(
        &'a self,
        rejected: &'a AccessToken,
    ) -> BoxFuture<'a, Result<AccessToken, Error>> {
        Box::pin(self.token_rejected_now(rejected))
    }

    fn mints_last_10m(&self) -> Option<u64> {
        Some(TokenManager::mints_last_10m(self))
    }
}

impl std::fmt::Debug for TokenManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenManager")
            .field("connection", &self.connection())
            .field("store", &self.store)
            .field("api_domain_override", &self.api_domain_override)
            .field("has_access_token", &self.snapshot().is_some())
            .finish_non_exhaustive()
    }
}
