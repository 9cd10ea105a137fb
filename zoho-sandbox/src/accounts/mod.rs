//! Zoho Accounts: the consent page, grant codes, the token endpoint, revoke, the self client,
//! and checking the `Authorization: Zoho-oauthtoken` header of API calls (crm.md §2).

pub(crate) mod consent;
pub(crate) mod scope;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use http::Method;
use rand::Rng;
use serde_json::{Value, json};

use crate::http::{Reply, Req, parse_pairs};
use crate::limits::Window;
use crate::state::State;
use crate::stats::Grant;
pub(crate) use scope::{Op, Scopes};

/// The client every sandbox knows (interface.md "The sandbox").
pub const CLIENT_ID: &str = "1000.SANDBOXCLIENT";
/// Its secret.
pub const CLIENT_SECRET: &str = "sandbox-secret";

#[derive(Debug)]
struct GrantCode {
    client_id: String,
    scopes: Scopes,
    /// `None` for self-client codes, which are exchanged without a redirect_uri.
    redirect_uri: Option<String>,
    offline: bool,
    expires: Instant,
}

#[derive(Debug)]
struct RefreshGrant {
    client_id: String,
    scopes: Arc<Scopes>,
    mints: Window,
    access_tokens: VecDeque<String>,
}

/// What an access token allows, until when.
#[derive(Debug)]
pub(crate) struct AccessGrant {
    pub scopes: Arc<Scopes>,
    pub expires: Instant,
}

#[derive(Debug, Default)]
struct Ledger {
    codes: HashMap<String, GrantCode>,
    refresh: HashMap<String, RefreshGrant>,
    refresh_by_client: HashMap<String, VecDeque<String>>,
    code_issues: HashMap<String, Window>,
}

/// Tokens and codes. The hot path (checking an access token) takes only a read lock.
#[derive(Default)]
pub(crate) struct Accounts {
    ledger: Mutex<Ledger>,
    access: RwLock<HashMap<String, Arc<AccessGrant>>>,
}

impl std::fmt::Debug for Accounts {
    // Codes and tokens are secrets: Debug shows how many there are, never their values.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let access = self.access.read().map(|a| a.len()).unwrap_or(0);
        let (codes, refresh) = self
            .ledger
            .lock()
            .map(|l| (l.codes.len(), l.refresh.len()))
            .unwrap_or((0, 0));
        f.debug_struct("Accounts")
            .field("grant_codes", &codes)
            .field("refresh_tokens", &refresh)
            .field("access_tokens", &access)
            .finish()
    }
}

/// Why an API call is not authenticated.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// No `Authorization: Zoho-oauthtoken ...` header.
    Missing,
    /// Unknown, revoked or expired token.
    Invalid,
}

fn random_token() -> String {
    let mut rng = rand::rng();
    let a: u128 = rng.random();
    let b: u128 = rng.random();
    format!("1000.{a:032x}.{b:032x}")
}

fn is_loopback_uri(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    matches!(url.scheme(), "http" | "https")
        && matches!(
            url.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
        )
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

impl Accounts {
    /// Checks the Authorization header of an API call.
    pub(crate) fn authenticate(
        &self,
        req: &Req,
        now: Instant,
    ) -> Result<Arc<AccessGrant>, AuthFailure> {
        let header = req
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(AuthFailure::Missing)?;
        let (scheme, token) = header.split_once(' ').ok_or(AuthFailure::Missing)?;
        if !scheme.eq_ignore_ascii_case("Zoho-oauthtoken") {
            return Err(AuthFailure::Missing);
        }
        let access = self.access.read().map_err(|_| AuthFailure::Invalid)?;
        match access.get(token.trim()) {
            Some(grant) if grant.expires > now => Ok(grant.clone()),
            _ => Err(AuthFailure::Invalid),
        }
    }

    /// Mints a self-client grant code (offline, exchanged without a redirect_uri).
    pub(crate) fn self_client_code(&self, state: &State, scopes: &str) -> Option<String> {
        let scopes = Scopes::parse(scopes);
        if scopes.is_empty() {
            return None;
        }
        self.issue_code(state, CLIENT_ID, scopes, None, true)
    }

    fn issue_code(
        &self,
        state: &State,
        client_id: &str,
        scopes: Scopes,
        redirect_uri: Option<String>,
        offline: bool,
    ) -> Option<String> {
        let now = state.clock.now();
        let mut ledger = self.ledger.lock().ok()?;
        let window = ledger.code_issues.entry(client_id.to_owned()).or_default();
        if !window.try_take(
            state.config.grant_code_limit,
            state.config.token_mint_window,
            now,
        ) {
            return None;
        }
        let code = random_token();
        ledger.codes.retain(|_, c| c.expires > now);
        ledger.codes.insert(
            code.clone(),
            GrantCode {
                client_id: client_id.to_owned(),
                scopes,
                redirect_uri,
                offline,
                expires: now + state.config.grant_code_lifetime,
            },
        );
        Some(code)
    }

    fn mint_access(&self, state: &State, scopes: Arc<Scopes>, now: Instant) -> String {
        let token = random_token();
        if let Ok(mut access) = self.access.write() {
            access.insert(
                token.clone(),
                Arc::new(AccessGrant {
                    scopes,
                    expires: now + state.config.access_token_lifetime,
                }),
            );
        }
        token
    }

    fn forget_access(&self, tokens: impl IntoIterator<Item = String>) {
        if let Ok(mut access) = self.access.write() {
            for token in tokens {
                access.remove(&token);
            }
        }
    }
}

fn token_json(state: &State, access: &str, refresh: Option<&str>, scopes: &Scopes) -> Value {
    let mut body = json!({
        "access_token": access,
        "scope": scopes.original.join(" "),
        "api_domain": state.base_url,
        "token_type": "Bearer",
        "expires_in": state.config.access_token_lifetime.as_secs(),
    });
    if let (Some(refresh), Some(map)) = (refresh, body.as_object_mut()) {
        map.insert("refresh_token".into(), Value::from(refresh));
    }
    body
}

fn token_error(route: &'static str, error: &str) -> Reply {
    // crm.md §2.2: token errors come back as {"error": ...} with HTTP 200.
    Reply::json(route, 200, &json!({ "error": error }))
}

/// Routes `/oauth/v2/...`.
pub(crate) fn handle(state: &State, req: &Req) -> Reply {
    match (&req.method, req.path.as_str()) {
        (&Method::GET, "/oauth/v2/auth") => authorize_page(req),
        (&Method::POST, "/oauth/v2/auth") => authorize_decision(state, req),
        (&Method::POST, "/oauth/v2/token") => token(state, req),
        (&Method::POST, "/oauth/v2/token/revoke") => revoke(state, req),
        _ => Reply::bytes(
            "accounts.unknown",
            404,
            "text/html;charset=UTF-8",
            consent::error_page("Not found", "No such accounts URL."),
        ),
    }
}

fn html_error(route: &'static str, error: &str, detail: &str) -> Reply {
    Reply::bytes(
        route,
        400,
        "text/html;charset=UTF-8",
        consent::error_page(error, detail),
    )
}

/// Checks an authorize request; the error page to show if it is bad.
fn check_authorize(params: &[(String, String)], route: &'static str) -> Result<Scopes, Reply> {
    if get(params, "client_id") != Some(CLIENT_ID) {
        return Err(html_error(
            route,
            "invalid_client",
            "The client_id is not registered.",
        ));
    }
    if get(params, "response_type") != Some("code") {
        return Err(html_error(
            route,
            "unsupported_response_type",
            "response_type must be code.",
        ));
    }
    match get(params, "redirect_uri") {
        Some(uri) if is_loopback_uri(uri) => {}
        _ => {
            return Err(html_error(
                route,
                "invalid_redirect_uri",
                "redirect_uri must be a registered (loopback) URI.",
            ));
        }
    }
    let scopes = Scopes::parse(get(params, "scope").unwrap_or(""));
    if scopes.is_empty() {
        return Err(html_error(route, "invalid_scope", "scope is required."));
    }
    Ok(scopes)
}

fn authorize_page(req: &Req) -> Reply {
    const ROUTE: &str = "accounts.authorize";
    match check_authorize(&req.query, ROUTE) {
        Ok(scopes) => Reply::bytes(
            ROUTE,
            200,
            "text/html;charset=UTF-8",
            consent::page(&req.query, &scopes.original),
        ),
        Err(reply) => reply,
    }
}

fn authorize_decision(state: &State, req: &Req) -> Reply {
    const ROUTE: &str = "accounts.consent";
    let params = parse_pairs(&req.body);
    let scopes = match check_authorize(&params, ROUTE) {
        Ok(scopes) => scopes,
        Err(reply) => return reply,
    };
    let redirect_uri = get(&params, "redirect_uri").unwrap_or_default().to_owned();
    let Ok(mut target) = url::Url::parse(&redirect_uri) else {
        return html_error(ROUTE, "invalid_redirect_uri", "redirect_uri is not a URL.");
    };
    let state_param = get(&params, "state").map(str::to_owned);
    let accepted = get(&params, "action") == Some("accept");
    let offline = get(&params, "access_type") == Some("offline");
    {
        let mut pairs = target.query_pairs_mut();
        if accepted {
            match state.accounts.issue_code(
                state,
                CLIENT_ID,
                scopes,
                Some(redirect_uri.clone()),
                offline,
            ) {
                Some(code) => {
                    pairs.append_pair("code", &code);
                    pairs.append_pair("location", "us");
                    pairs.append_pair("accounts-server", &state.base_url);
                }
                // crm.md §2.5: grant codes past 10 per 10 minutes give access_denied.
                None => {
                    pairs.append_pair("error", "access_denied");
                }
            }
        } else {
            pairs.append_pair("error", "access_denied");
        }
        if let Some(s) = &state_param {
            pairs.append_pair("state", s);
        }
    }
    Reply::redirect(ROUTE, target.as_str())
}

/// Params of the token endpoint: the query and the form body both count (crm.md §2.2).
fn token_params(req: &Req) -> Vec<(String, String)> {
    let mut params = req.query.clone();
    params.extend(req.form());
    params
}

fn token(state: &State, req: &Req) -> Reply {
    const ROUTE: &str = "accounts.token";
    let params = token_params(req);
    let client_id = get(&params, "client_id").unwrap_or_default();
    if client_id != CLIENT_ID {
        state.stats.grant(Grant::Refused);
        return token_error(ROUTE, "invalid_client");
    }
    if get(&params, "client_secret") != Some(CLIENT_SECRET) {
        state.stats.grant(Grant::Refused);
        return token_error(ROUTE, "invalid_client_secret");
    }
    let reply = match get(&params, "grant_type") {
        Some("authorization_code") => exchange_code(state, &params),
        Some("refresh_token") => refresh(state, &params),
        Some("client_credentials") => client_credentials(state, &params),
        _ => Err("unsupported_grant_type"),
    };
    match reply {
        Ok(reply) => reply,
        Err(error) => {
            state.stats.grant(Grant::Refused);
            token_error(ROUTE, error)
        }
    }
}

fn exchange_code(state: &State, params: &[(String, String)]) -> Result<Reply, &'static str> {
    let accounts = &state.accounts;
    let now = state.clock.now();
    let code = get(params, "code").ok_or("invalid_code")?;
    let mut ledger = accounts.ledger.lock().map_err(|_| "server_error")?;
    // A grant code is single use: it is gone whatever the outcome.
    let grant = ledger.codes.remove(code).ok_or("invalid_code")?;
    if grant.expires <= now || grant.client_id != CLIENT_ID {
        return Err("invalid_code");
    }
    if let Some(expected) = &grant.redirect_uri
        && get(params, "redirect_uri") != Some(expected.as_str())
    {
        return Err("invalid_redirect_uri");
    }
    let scopes = Arc::new(grant.scopes);
    let access = accounts.mint_access(state, scopes.clone(), now);
    let mut refresh_token = None;
    if grant.offline {
        let refresh = random_token();
        let window = Window::default();
        window.try_take(
            state.config.token_mint_limit,
            state.config.token_mint_window,
            now,
        );
        ledger.refresh.insert(
            refresh.clone(),
            RefreshGrant {
                client_id: grant.client_id.clone(),
                scopes: scopes.clone(),
                mints: window,
                access_tokens: VecDeque::from([access.clone()]),
            },
        );
        let list = ledger
            .refresh_by_client
            .entry(grant.client_id.clone())
            .or_default();
        list.push_back(refresh.clone());
        // crm.md §2.5: the 21st refresh token deletes the oldest with its access tokens.
        let mut evicted = Vec::new();
        while list.len() > state.config.max_refresh_tokens.max(1) {
            if let Some(old) = list.pop_front() {
                evicted.push(old);
            }
        }
        for old in evicted {
            if let Some(old_grant) = ledger.refresh.remove(&old) {
                accounts.forget_access(old_grant.access_tokens);
            }
        }
        refresh_token = Some(refresh);
    }
    drop(ledger);
    state.stats.grant(Grant::AuthorizationCode);
    let body = token_json(state, &access, refresh_token.as_deref(), &scopes);
    Ok(Reply::json("accounts.token", 200, &body))
}

fn refresh(state: &State, params: &[(String, String)]) -> Result<Reply, &'static str> {
    let accounts = &state.accounts;
    let now = state.clock.now();
    let token = get(params, "refresh_token").ok_or("invalid_code")?;
    let mut ledger = accounts.ledger.lock().map_err(|_| "server_error")?;
    // crm.md §2.2: a revoked or unknown refresh token answers invalid_code.
    let grant = ledger.refresh.get_mut(token).ok_or("invalid_code")?;
    if grant.client_id != CLIENT_ID {
        return Err("invalid_code");
    }
    if !grant.mints.try_take(
        state.config.token_mint_limit,
        state.config.token_mint_window,
        now,
    ) {
        drop(ledger);
        state.stats.grant(Grant::Refused);
        // crm.md §2.2: the throttle answer; its HTTP status is an open question.
        let body = json!({
            "error": "Access Denied",
            "error_description": "You have made too many requests continuously. Please try again after some time.",
            "status": "failure",
        });
        return Ok(Reply::json(
            "accounts.token",
            state.config.open_questions.token_throttle_status,
            &body,
        ));
    }
    let scopes = grant.scopes.clone();
    let access = accounts.mint_access(state, scopes.clone(), now);
    grant.access_tokens.push_back(access.clone());
    // crm.md §2.5: the 16th active access token invalidates the oldest.
    let mut evicted = Vec::new();
    while grant.access_tokens.len() > state.config.max_active_access_tokens.max(1) {
        if let Some(old) = grant.access_tokens.pop_front() {
            evicted.push(old);
        }
    }
    drop(ledger);
    accounts.forget_access(evicted);
    state.stats.grant(Grant::RefreshToken);
    // crm.md §2.2: the refresh grant returns no new refresh token.
    let body = token_json(state, &access, None, &scopes);
    Ok(Reply::json("accounts.token", 200, &body))
}

/// crm.md §2.2 [H]: the self client's client-credentials grant: `scope` and `soid` required,
/// no refresh token.
fn client_credentials(state: &State, params: &[(String, String)]) -> Result<Reply, &'static str> {
    if get(params, "soid").is_none() {
        return Err("missing_org_info");
    }
    let scopes = Scopes::parse(get(params, "scope").unwrap_or(""));
    if scopes.is_empty() {
        return Err("invalid_scope");
    }
    let scopes = Arc::new(scopes);
    let access = state
        .accounts
        .mint_access(state, scopes.clone(), state.clock.now());
    state.stats.grant(Grant::ClientCredentials);
    let body = token_json(state, &access, None, &scopes);
    Ok(Reply::json("accounts.token", 200, &body))
}

fn revoke(state: &State, req: &Req) -> Reply {
    const ROUTE: &str = "accounts.revoke";
    let params = token_params(req);
    let token = get(&params, "token").unwrap_or_default();
    let accounts = &state.accounts;
    let removed = accounts.ledger.lock().ok().and_then(|mut ledger| {
        let grant = ledger.refresh.remove(token)?;
        if let Some(list) = ledger.refresh_by_client.get_mut(&grant.client_id) {
            list.retain(|t| t != token);
        }
        Some(grant)
    });
    match removed {
        Some(grant) => {
            // crm.md §2.4: revoking a refresh token also revokes its access tokens.
            accounts.forget_access(grant.access_tokens);
            Reply::json(ROUTE, 200, &json!({"status": "success"}))
        }
        None => {
            let was_access = accounts
                .access
                .write()
                .ok()
                .and_then(|mut access| access.remove(token))
                .is_some();
            if was_access {
                Reply::json(ROUTE, 200, &json!({"status": "success"}))
            } else {
                Reply::json(
                    ROUTE,
                    400,
                    &json!({"status": "failure", "error": "invalid_token"}),
                )
            }
        }
    }
}

/// `POST /__sandbox/self-client` (form `scope`, optional `client_id`): a grant code to exchange
/// without a redirect, like the API console's self client. Self-client codes give a refresh token.
pub(crate) fn self_client(state: &State, req: &Req) -> Reply {
    const ROUTE: &str = "sandbox.self_client";
    let mut params = req.query.clone();
    params.extend(req.form());
    let client_id = get(&params, "client_id").unwrap_or(CLIENT_ID);
    if client_id != CLIENT_ID {
        return Reply::json(ROUTE, 400, &json!({"error": "invalid_client"}));
    }
    let scopes = Scopes::parse(get(&params, "scope").unwrap_or(""));
    if scopes.is_empty() {
        return Reply::json(
            ROUTE,
            400,
            &json!({"error": "invalid_scope", "error_description": "scope: at least one scope is required"}),
        );
    }
    match state
        .accounts
        .issue_code(state, client_id, scopes, None, true)
    {
        Some(code) => Reply::json(ROUTE, 200, &json!({ "code": code })),
        None => Reply::json(ROUTE, 400, &json!({"error": "access_denied"})),
    }
}
