//! Everything about the sandbox a user can choose, as plain data with Zoho-like defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::faults::Faults;

/// How a sandbox is started. `Default` gives a sandbox that behaves like a Zoho org on the
/// Professional CRM edition and a paid Books plan, on an ephemeral loopback port.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where to listen; `None` picks an ephemeral port on 127.0.0.1.
    pub listen: Option<SocketAddr>,
    /// Seed of the generated data: the same seed always gives the same records.
    pub seed: u64,
    /// How many Leads to seed; other CRM modules and Books get proportionally fewer.
    pub records: usize,
    /// Lifetime of access tokens (Zoho: one hour).
    pub access_token_lifetime: Duration,
    /// Lifetime of grant codes (Zoho: two minutes).
    pub grant_code_lifetime: Duration,
    /// Access tokens one refresh token may mint per window (Zoho: 10 per 10 minutes); `None` = no limit.
    pub token_mint_limit: Option<u32>,
    /// The window of `token_mint_limit` and `grant_code_limit`.
    pub token_mint_window: Duration,
    /// Grant codes one client may obtain per window (Zoho: 10 per 10 minutes); `None` = no limit.
    pub grant_code_limit: Option<u32>,
    /// Access tokens alive at once per refresh token; minting one more invalidates the oldest (Zoho: 15).
    pub max_active_access_tokens: usize,
    /// Refresh tokens per client; creating one more deletes the oldest (Zoho: 20).
    pub max_refresh_tokens: usize,
    /// Largest attachment accepted (Zoho: 100 MB); larger gives 413.
    pub attachment_max_bytes: usize,
    /// Faults and limits at start; adjustable later through `/__sandbox/faults`.
    pub faults: Faults,
    /// How CRM bulk read and bulk write jobs run.
    pub bulk: BulkSettings,
    /// The answers picked where Zoho's behaviour is not documented.
    pub open_questions: OpenQuestions,
    /// When set, one JSON line per request (method, path, query, body; never secrets) is appended here.
    pub request_log: Option<PathBuf>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            listen: None,
            seed: 1,
            records: 1_000,
            access_token_lifetime: Duration::from_secs(3_600),
            grant_code_lifetime: Duration::from_secs(120),
            token_mint_limit: Some(10),
            token_mint_window: Duration::from_secs(600),
            grant_code_limit: Some(10),
            max_active_access_tokens: 15,
            max_refresh_tokens: 20,
            attachment_max_bytes: 100 * 1024 * 1024,
            faults: Faults::default(),
            bulk: BulkSettings::default(),
            open_questions: OpenQuestions::default(),
            request_log: None,
        }
    }
}

/// How the sandbox runs CRM bulk jobs (wave2.md §2, §3).
#[derive(Debug, Clone)]
pub struct BulkSettings {
    /// Rows per bulk read result page (Zoho: 200,000); smaller pages exercise `page` and
    /// `more_records` without seeding hundreds of thousands of records.
    pub read_page_size: usize,
    /// How long a job stays `IN PROGRESS` after its first status call before it is
    /// `COMPLETED` (Zoho: seconds to minutes).
    pub job_duration: Duration,
    /// Result downloads allowed per minute (Zoho: 10); past them every download is 429.
    pub downloads_per_minute: usize,
}

impl Default for BulkSettings {
    fn default() -> Self {
        BulkSettings {
            read_page_size: 200_000,
            job_duration: Duration::from_secs(1),
            downloads_per_minute: 10,
        }
    }
}

/// Choices where the facts list an open question (crm.md §11, books.md §10); each default is
/// the one the facts suggest, and each can be changed.
#[derive(Debug, Clone)]
pub struct OpenQuestions {
    /// HTTP status of a CRM write whose records partly failed, for versions before v7
    /// (v7 and later always answer 207).
    pub mixed_write_status: u16,
    /// Whether a COQL query without WHERE is refused (SYNTAX_ERROR) before v7.
    pub coql_require_where: bool,
    /// Whether COQL needs `ZohoCRM.coql.READ` before v8 (v8 always does).
    pub coql_scope_before_v8: bool,
    /// HTTP status of the token endpoint's "Access Denied" throttle answer (sources say 400 or 200).
    pub token_throttle_status: u16,
    /// HTTP status for a missing or unknown Books `organization_id`.
    pub books_missing_org_status: u16,
    /// Books `code` for a missing or unknown `organization_id`.
    pub books_missing_org_code: i64,
    /// HTTP status that comes with Books code 1002 (record does not exist).
    pub books_not_found_status: u16,
    /// Whether a Books update must carry the type's name again (`contact_name` for contacts), as
    /// Zoho's published OpenAPI marks it required on update and not only on create.
    pub books_update_requires_name: bool,
    /// Most events one notification channel may list: OAS-Y allows 50 in requests and shows
    /// at most 10 in answers (wave2.md §1.1 DISAGREE); 10, the stricter.
    pub watch_max_events_per_channel: usize,
    /// Longest notification `token`: docs say 50, OAS-Y 256 (§1.2 DISAGREE); 50.
    pub watch_token_max_length: usize,
    /// Whether a v6 channel may live only one day (one v6 page) rather than a week (K170,
    /// v7/v8 pages; §1.3 DISAGREE); the shorter.
    pub watch_v6_max_expiry_one_day: bool,
    /// HTTP status of a watch call whose channels partly failed: 207 (OAS-Y) or 202 (older
    /// OAS-J; §1.1 DISAGREE).
    pub watch_mixed_status: u16,
    /// Whether a PATCH that leaves `token` out keeps it (docs: unsent keys are kept) or clears
    /// it (a peer saw it become null; §1.3); cleared, so clients resend it.
    pub watch_patch_keeps_token: bool,
    /// Retries of a callback the `notify_url` refused or did not answer: Zoho documents none
    /// (§1.6), so none.
    pub watch_callback_retries: u32,
}

impl Default for OpenQuestions {
    fn default() -> Self {
        OpenQuestions {
            mixed_write_status: 207,
            coql_require_where: false,
            coql_scope_before_v8: false,
            token_throttle_status: 400,
            books_missing_org_status: 400,
            books_missing_org_code: 2,
            books_not_found_status: 404,
            books_update_requires_name: true,
            watch_max_events_per_channel: 10,
            watch_token_max_length: 50,
            watch_v6_max_expiry_one_day: true,
            watch_mixed_status: 207,
            watch_patch_keeps_token: false,
            watch_callback_retries: 0,
        }
    }
}
