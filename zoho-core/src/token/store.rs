//! Where a connection's tokens live between runs.

use crate::Error;
use crate::auth::BoxFuture;
use crate::token::StoredTokens;

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

    /// Forget the tokens (after a revoke).
    fn clear(&self) -> BoxFuture<'_, Result<(), Error>>;
}
