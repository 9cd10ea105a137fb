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

    /// Forget the tokens (after a revoke).
    fn clear(&self) -> BoxFuture<'_, Result<(), Error>>;
}
