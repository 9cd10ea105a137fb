//! One connection's tokens in a [`Store`], as a [`TokenManager`](crate::TokenManager) keeps them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::Error;
use crate::auth::BoxFuture;
use crate::store::{ConnectionRecord, Store, TokenRecord, TokenWrite, WriteOutcome};
use crate::token::{RefreshTurn, StoredTokens, TokenStore};

/// Access tokens every instance together may mint per [`MINT_WINDOW`]: half of Zoho's 10, leaving
/// room for retries and for other tools using the same refresh token.
pub const MINT_BUDGET: u32 = 5;
/// The window Zoho counts minted tokens over.
pub const MINT_WINDOW: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// How often a cached access token is checked against the store (one read per connection per
/// period, never one per call): a connection deleted on another instance stops being used here
/// within this, plus one read.
pub const RECHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Writes that lost to another writer are tried again this many times.
const WRITE_ATTEMPTS: usize = 5;

/// The [`TokenStore`] of connection `name` in a shared [`Store`]. It remembers the version it
/// last read, so each write is a compare-and-set on it: a refresh whose record changed under it
/// (another instance refreshed, or a new consent arrived) never overwrites the newer tokens.
#[derive(Debug)]
pub struct ConnectionTokens {
    store: Arc<dyn Store>,
    name: String,
    version: AtomicU64,
    /// A configured connection's record and the token file it had before the store.
    configured: Option<Configured>,
    placed: AtomicBool,
    lease: Option<std::time::Duration>,
    /// A refresh's tokens the store could not take (it was unreachable): written by
    /// compare-and-set once it answers again, unless it holds a later-expiring token by then.
    unsaved: std::sync::Mutex<Option<TokenWrite>>,
}

#[derive(Debug)]
struct Configured {
    record: ConnectionRecord,
    seed: Option<Arc<dyn TokenStore>>,
}

impl ConnectionTokens {
    /// The tokens of connection `name` in `store`.
    pub fn new(store: Arc<dyn Store>, name: impl Into<String>) -> ConnectionTokens {
        ConnectionTokens {
            store,
            name: name.into(),
            version: AtomicU64::new(0),
            configured: None,
            placed: AtomicBool::new(true),
            lease: None,
            unsaved: std::sync::Mutex::new(None),
        }
    }

    /// Hold the refresh lock this long at most (instead of the token manager's 30 s).
    pub fn with_refresh_lease(mut self, lease: std::time::Duration) -> ConnectionTokens {
        self.lease = Some(lease);
        self
    }

    /// The tokens of a `[connections.NAME]` connection moved into `store`: on first use its
    /// `record` (marked `configured`) is added if missing, and the tokens of `seed` (its old
    /// token file) are copied in if the store holds none. Tokens already in the store are never
    /// overwritten, and the file is left as it is.
    pub fn configured(
        store: Arc<dyn Store>,
        mut record: ConnectionRecord,
        seed: Option<Arc<dyn TokenStore>>,
    ) -> ConnectionTokens {
        record.configured = true;
        ConnectionTokens {
            store,
            name: record.name.clone(),
            version: AtomicU64::new(0),
            configured: Some(Configured { record, seed }),
            placed: AtomicBool::new(false),
            lease: None,
            unsaved: std::sync::Mutex::new(None),
        }
    }

    /// Add a configured connection's record and seed its tokens, once.
    async fn place(&self) -> Result<(), Error> {
        let Some(configured) = &self.configured else {
            return Ok(());
        };
        if self.placed.load(Ordering::SeqCst) {
            return Ok(());
        }
        if self.store.create_connection(&configured.record).await? {
            tracing::info!(connection = %self.name, "the configured connection now keeps its tokens in the shared store");
        }
        if let Some(seed) = &configured.seed
            && self.store.tokens(&self.name).await?.is_none()
            && let Some(tokens) = seed.load().await?
        {
            // Version 0: only if no instance seeded it first.
            match self
                .store
                .write_tokens(&self.name, 0, &TokenWrite::Granted(tokens))
                .await?
            {
                WriteOutcome::Written(_) => {
                    tracing::info!(connection = %self.name, "copied the token file into the shared store (the file is kept as it is)")
                }
                WriteOutcome::Conflict(_) => {}
            }
        }
        self.placed.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// The token file a configured connection had before the store.
    fn seed(&self) -> Option<&Arc<dyn TokenStore>> {
        self.configured.as_ref()?.seed.as_ref()
    }

    fn seen(&self, record: Option<&TokenRecord>) {
        self.version
            .store(record.map_or(0, |r| r.version), Ordering::SeqCst);
    }

    /// [`ConnectionTokens::write_now`], keeping a refresh the store could not take for later.
    async fn write(&self, write: TokenWrite) -> Result<(), Error> {
        let outcome = self.write_now(&write).await;
        if let (Err(Error::Network { .. }), TokenWrite::Refreshed { .. }) = (&outcome, &write) {
            *self
                .unsaved
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(write);
        }
        outcome
    }

    /// Write the refresh the store missed while it was unreachable, now that it answers.
    async fn write_unsaved(&self) {
        let unsaved = self
            .unsaved
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(write) = unsaved {
            match self.write(write).await {
                Ok(()) => {
                    tracing::info!(connection = %self.name, "the shared store answers again; wrote the access token refreshed meanwhile")
                }
                Err(err) => {
                    tracing::debug!(connection = %self.name, error = %err, "could not write the access token refreshed while the store was unreachable")
                }
            }
        }
    }

    async fn write_now(&self, write: &TokenWrite) -> Result<(), Error> {
        self.place().await?;
        for _ in 0..WRITE_ATTEMPTS {
            let expected = self.version.load(Ordering::SeqCst);
            match self.store.write_tokens(&self.name, expected, write).await? {
                WriteOutcome::Written(version) => {
                    self.version.store(version, Ordering::SeqCst);
                    return Ok(());
                }
                WriteOutcome::Conflict(current) => {
                    self.seen(current.as_ref());
                    let TokenWrite::Refreshed { expires_at, .. } = write else {
                        // A consent's tokens are the newest there are: write them over.
                        continue;
                    };
                    match current {
                        // Cleared (revoked, deleted) meanwhile: a refresh does not bring it back.
                        None => return Ok(()),
                        Some(current)
                            if current
                                .tokens
                                .expires_at
                                .is_some_and(|theirs| theirs >= *expires_at) =>
                        {
                            tracing::debug!(connection = %self.name, "another writer stored a newer access token; keeping it");
                            return Ok(());
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        Err(Error::Internal(format!(
            "connection `{}`: the stored tokens kept changing under {WRITE_ATTEMPTS} writes",
            self.name
        )))
    }
}

impl TokenStore for ConnectionTokens {
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredTokens>, Error>> {
        Box::pin(async move {
            let read = match self.place().await {
                Ok(()) => {
                    self.write_unsaved().await;
                    self.store.tokens(&self.name).await
                }
                Err(err) => Err(err),
            };
            match read {
                Ok(record) => {
                    self.seen(record.as_ref());
                    Ok(record.map(|record| record.tokens))
                }
                // The store is unreachable (Redis down, even at this instance's start): a
                // configured connection falls back to its old token file, read only. Its
                // refresh token is the one the store was seeded with, unless a consent since
                // replaced it there; what this instance mints meanwhile is written to the store
                // by compare-and-set once it is back (never its refresh token).
                Err(err @ Error::Network { .. }) => match self.seed() {
                    Some(seed) => {
                        tracing::debug!(connection = %self.name, error = %err, "the shared store is unreachable; using the connection's token file meanwhile");
                        seed.load().await
                    }
                    None => Err(err),
                },
                Err(err) => Err(err),
            }
        })
    }

    fn save<'a>(&'a self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(self.write(TokenWrite::Granted(tokens.clone())))
    }

    fn save_refreshed<'a>(&'a self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let (Some(access_token), Some(expires_at)) =
                (tokens.access_token.clone(), tokens.expires_at)
            else {
                return Ok(());
            };
            self.write(TokenWrite::Refreshed {
                access_token,
                expires_at,
                api_domain: tokens.api_domain.clone(),
                scopes: tokens.scopes.clone(),
            })
            .await
        })
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn refresh_lease(&self) -> Option<std::time::Duration> {
        self.lease
    }

    fn recheck_every(&self) -> Option<std::time::Duration> {
        Some(RECHECK_EVERY)
    }

    fn begin_refresh(
        &self,
        lease: std::time::Duration,
    ) -> BoxFuture<'_, Result<RefreshTurn, Error>> {
        Box::pin(async move {
            // Random, so a holder that outlived its lease can never release the next one's lock;
            // the pid tells an operator (and a test) which process holds it.
            let owner = format!("{:032x}:{}", rand::random::<u128>(), std::process::id());
            if self
                .store
                .try_lock_refresh(&self.name, &owner, lease)
                .await?
            {
                Ok(RefreshTurn::Ours(Some(owner)))
            } else {
                Ok(RefreshTurn::Theirs)
            }
        })
    }

    fn end_refresh<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Err(err) = self.store.unlock_refresh(&self.name, owner).await {
                // It expires by itself within its lease.
                tracing::warn!(connection = %self.name, error = %err, "could not release the refresh lock");
            }
        })
    }

    fn reserve_mint(&self) -> BoxFuture<'_, Result<Option<std::time::Duration>, Error>> {
        Box::pin(
            self.store
                .reserve_mint(&self.name, MINT_BUDGET, MINT_WINDOW),
        )
    }

    fn cool_down(&self, pause: std::time::Duration) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if let Err(err) = self.store.cool_down(&self.name, pause).await {
                tracing::warn!(connection = %self.name, error = %err, "could not share the token endpoint's cooldown");
            }
        })
    }

    fn clear(&self) -> BoxFuture<'_, Result<(), Error>> {
        Box::pin(async move {
            self.store.clear_tokens(&self.name).await?;
            self.seen(None);
            Ok(())
        })
    }
}
