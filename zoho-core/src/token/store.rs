//! Where a connection's tokens live between runs.

use std::time::Duration;

use crate::Error;
use crate::auth::BoxFuture;
use crate::token::StoredTokens;

/// Whose turn it is to refresh tokens that several processes share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshTurn {
    /// Ours: refresh, then end the turn with this owner (`None`: nothing to end).
    Ours(Option<String>),
    /// Another process is refreshing: watch the stored tokens for its result.
    Theirs,
}

/// Loads and saves one connection's tokens. Implementations must make `save` atomic: a reader
/// (or a crash) sees the old tokens or the new ones, never a mix.
pub trait TokenStore: Send + Sync + std::fmt::Debug {
    /// The saved tokens, or `None` when the connection was never authorized.
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredTokens>, Error>>;

    /// Replace the saved tokens with `tokens`.
    fn save<'a>(&'a self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<(), Error>>;

    /// Store the tokens of a refresh: `tokens` holds the refresh token it was made with, which a
    /// store that can must not write again (only a consent replaces a refresh token). By default,
    /// [`TokenStore::save`].
    fn save_refreshed<'a>(&'a self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<(), Error>> {
        self.save(tokens)
    }

    /// Whether other processes refresh these tokens too (a shared store): the token manager then
    /// reads the store before refreshing and takes turns through [`TokenStore::begin_refresh`].
    fn is_shared(&self) -> bool {
        false
    }

    /// How often a token manager handing out a cached access token reads the store again, so
    /// that tokens removed by another process (a connection deleted elsewhere) stop being used
    /// within this long. `None` (the default): only this process removes them.
    fn recheck_every(&self) -> Option<Duration> {
        None
    }

    /// How long a turn to refresh lasts, when the store sets it (instead of the manager's).
    fn refresh_lease(&self) -> Option<Duration> {
        None
    }

    /// Ask for the turn to refresh, for at most `lease` (a lock that expires by itself, so a
    /// process killed mid-refresh costs the others at most the lease). By default always ours.
    fn begin_refresh(&self, lease: Duration) -> BoxFuture<'_, Result<RefreshTurn, Error>> {
        let _ = lease;
        Box::pin(async { Ok(RefreshTurn::Ours(None)) })
    }

    /// End a turn [`TokenStore::begin_refresh`] gave; a turn whose lease ran out and that
    /// another process took is left alone.
    fn end_refresh<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, ()> {
        let _ = owner;
        Box::pin(async {})
    }

    /// Count an access token about to be minted against the budget every process sharing these
    /// tokens shares: `None` when it fits, else how long until it would. By default it fits.
    fn reserve_mint(&self) -> BoxFuture<'_, Result<Option<Duration>, Error>> {
        Box::pin(async { Ok(None) })
    }

    /// Tell every process sharing these tokens not to mint for `pause` (Zoho throttled us).
    fn cool_down(&self, pause: Duration) -> BoxFuture<'_, ()> {
        let _ = pause;
        Box::pin(async {})
    }

    /// Forget the tokens (after a revoke).
    fn clear(&self) -> BoxFuture<'_, Result<(), Error>>;
}
