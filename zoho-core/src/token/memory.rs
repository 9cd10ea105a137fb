//! A token store that lives as long as the process: for tests and short-lived programs.

use std::sync::Mutex;

use crate::Error;
use crate::auth::BoxFuture;
use crate::token::{StoredTokens, TokenStore};

/// Keeps tokens in memory only.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tokens: Mutex<Option<StoredTokens>>,
}

impl MemoryStore {
    /// An empty store: the connection is not authorized yet.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// A store that already holds `tokens`.
    pub fn with_tokens(tokens: StoredTokens) -> MemoryStore {
        MemoryStore {
            tokens: Mutex::new(Some(tokens)),
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<StoredTokens>> {
        // A panic while holding the lock cannot leave a half-written value (assignments are whole).
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<StoredTokens>, Error>> {
        let tokens = self.slot().clone();
        Box::pin(async move { Ok(tokens) })
    }

    fn save<'a>(&'a self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<(), Error>> {
        *self.slot() = Some(tokens.clone());
        Box::pin(async { Ok(()) })
    }

    fn clear(&self) -> BoxFuture<'_, Result<(), Error>> {
        *self.slot() = None;
        Box::pin(async { Ok(()) })
    }
}
