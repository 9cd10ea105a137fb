//! Where connections created at run time, their tokens and the OAuth flows in progress live:
//! one [`Store`] trait, kept by every server instance that shares it.
//!
//! Token records are versioned: every write names the version it read ([`Store::write_tokens`])
//! and is refused when another writer came first, so a stale writer can never replace a newer
//! token. A refresh writes a [`TokenWrite::Refreshed`], which has no refresh token to write: the
//! refresh token is only ever replaced by a new consent ([`TokenWrite::Granted`]).

mod crypt;
pub mod events;
mod events_file;
mod events_local;
mod events_redis;
mod file;
mod file_io;
mod memory;
mod record;
mod redis;
mod redis_conn;
mod tokens;

pub use self::redis::RedisStore;
pub use crypt::Keyring;
pub use events::EventStore;
pub use file::FileStore;
pub use memory::MemoryStore;
pub use record::{
    ConnectionRecord, ConnectionStatus, PendingAuthorization, PendingPut, TokenRecord, TokenWrite,
    WriteOutcome, check_connection_name, now_ms,
};
pub use tokens::{ConnectionTokens, MINT_BUDGET, MINT_WINDOW, RECHECK_EVERY};

use crate::Error;
use crate::auth::BoxFuture;

/// Connection records, versioned token records and pending OAuth state, shared by every server
/// instance that opens the same store. Every method is safe to call from many tasks at once.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Add `record` unless a connection of that name exists; whether it was added.
    fn create_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>>;

    /// The connection called `name`.
    fn connection<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<ConnectionRecord>, Error>>;

    /// Replace the record of an existing connection; whether it existed.
    fn update_connection<'a>(
        &'a self,
        record: &'a ConnectionRecord,
    ) -> BoxFuture<'a, Result<bool, Error>>;

    /// Up to `limit` connections whose names sort after `after`, in name order.
    fn list_connections<'a>(
        &'a self,
        after: Option<&'a str>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<ConnectionRecord>, Error>>;

    /// Remove a connection and its tokens; whether it existed.
    fn delete_connection<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<bool, Error>>;

    /// The tokens of connection `name` with their version, or `None` when it has none.
    fn tokens<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Option<TokenRecord>, Error>>;

    /// Write tokens if the record's version is still `expected` (0: no tokens yet). A refused
    /// write answers the record as it is now, for the writer to read again.
    fn write_tokens<'a>(
        &'a self,
        name: &'a str,
        expected: u64,
        write: &'a TokenWrite,
    ) -> BoxFuture<'a, Result<WriteOutcome, Error>>;

    /// Forget the tokens of `name` (after a revoke); the connection record stays.
    fn clear_tokens<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), Error>>;

    /// Remember an authorization in progress under its `state` until `pending.expires_at_ms`,
    /// unless `cap` authorizations of `pending.connection` are in progress already (started,
    /// neither taken nor expired, on any instance): then it is not kept, and the answer says
    /// when the first of them expires. The store keeps a digest of the state, never the state.
    fn put_pending<'a>(
        &'a self,
        state: &'a str,
        pending: &'a PendingAuthorization,
        cap: usize,
    ) -> BoxFuture<'a, Result<PendingPut, Error>>;

    /// Take the lock that lets one process refresh `name`'s access token, held by `owner` for
    /// `lease` at most; whether it was free. Stores only one process uses need none: by default
    /// it is always free.
    fn try_lock_refresh<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
        lease: std::time::Duration,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        let _ = (name, owner, lease);
        Box::pin(async { Ok(true) })
    }

    /// Release the refresh lock of `name` if `owner` still holds it.
    fn unlock_refresh<'a>(
        &'a self,
        name: &'a str,
        owner: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let _ = (name, owner);
        Box::pin(async { Ok(()) })
    }

    /// Count one access token about to be minted for `name` against a budget of `budget` per
    /// `window` shared by every instance: `None` when it fits (and is counted), else how long
    /// until it would. While a cooldown set by [`Store::cool_down`] runs, nothing fits. Stores
    /// one process uses keep no shared count: by default it always fits.
    fn reserve_mint<'a>(
        &'a self,
        name: &'a str,
        budget: u32,
        window: std::time::Duration,
    ) -> BoxFuture<'a, Result<Option<std::time::Duration>, Error>> {
        let _ = (name, budget, window);
        Box::pin(async { Ok(None) })
    }

    /// Access tokens every instance minted for `name` in the last `window`, when the store counts
    /// them ([`Store::reserve_mint`]); `None` by default.
    fn mints<'a>(
        &'a self,
        name: &'a str,
        window: std::time::Duration,
    ) -> BoxFuture<'a, Result<Option<u64>, Error>> {
        let _ = (name, window);
        Box::pin(async { Ok(None) })
    }

    /// Stop every instance minting for `name` for `pause` (Zoho throttled a refresh).
    fn cool_down<'a>(
        &'a self,
        name: &'a str,
        pause: std::time::Duration,
    ) -> BoxFuture<'a, Result<(), Error>> {
        let _ = (name, pause);
        Box::pin(async { Ok(()) })
    }

    /// Take the authorization started with `state`: at most one caller, on any instance, ever
    /// gets it; an expired one is gone.
    fn take_pending<'a>(
        &'a self,
        state: &'a str,
    ) -> BoxFuture<'a, Result<Option<PendingAuthorization>, Error>>;
}

/// The key a pending authorization is kept under: SHA-256 of its state, in hex. Whoever reads
/// the store cannot finish someone's consent with it.
pub(crate) fn state_digest(state: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, state.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
