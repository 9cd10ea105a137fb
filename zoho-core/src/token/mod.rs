//! Tokens of a connection: what is kept between runs ([`StoredTokens`] in a [`TokenStore`]) and
//! the shared cache that hands out access tokens ([`TokenManager`]).

mod file;
mod manager;
mod memory;
mod store;
mod stored;

pub use file::{FileStore, StagedSave};
pub(crate) use file::{remove_leftover_temps_in, write_atomically};
pub use manager::{DEFAULT_REFRESH_LEASE, TokenManager};
pub use memory::MemoryStore;
pub use store::{RefreshTurn, TokenStore};
pub use stored::StoredTokens;
