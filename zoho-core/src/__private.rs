//! The building blocks zoho-rs's own crates share (the server, the actions, the sandbox, the
//! benchmarks, xtask): limiters and the records they count, the whole-call budget, HTTP client
//! defaults, OAuth endpoints and state, URL resolution. For zoho-rs's own crates only: not a
//! public API, not covered by semver, and it may change in any release.

pub use crate::deadline::{DEFAULT_CALL_TIMEOUT, each_within, within};
pub use crate::execute::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TRY_TIMEOUT, http_client};
pub use crate::limits::{
    CallCost, DEFAULT_BOOKS_PER_MINUTE, DEFAULT_CONCURRENCY, DEFAULT_HEAVY_CONCURRENCY,
    LimitRequest, LimitScope, LimitSettings, LimitState, Limiter, LocalLimiter, Observation,
    Permit, RedisLimiter,
};
pub use crate::oauth::{OAuthEndpoints, new_state};
pub use crate::paging::CRM_DISCRETE_PAGING_LIMIT;
pub use crate::path::resolve_url;
pub use crate::secret::constant_time_eq;
pub use crate::token::{DEFAULT_REFRESH_LEASE, StagedSave};
