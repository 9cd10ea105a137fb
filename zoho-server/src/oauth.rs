//! The OAuth authorization-code flow as the server runs it: `start` hands out Zoho's consent URL
//! with a fresh `state`, `complete` takes the redirect back, checks the state and lets the
//! connection exchange the code (at the `accounts-server` the redirect names, for multi-DC apps).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::Error;
use crate::dispatch::BoxFuture;
use crate::registry::Registry;
use zoho_core::constant_time_eq;

/// How long a consent may take: Zoho's grant codes live minutes, so a state older than this is stale.
const STATE_LIFETIME: Duration = Duration::from_secs(15 * 60);
/// Most flows started and not finished; past it, the oldest flow of the client holding the
/// most is forgotten.
const MAX_PENDING: usize = 64;
/// Most flows one client address may have pending; past it, its own oldest is forgotten, so one
/// caller cannot push out the logins of others.
const MAX_PENDING_PER_CLIENT: usize = 8;

/// How a flow that came back from Zoho ended: the connection's name, or why it failed.
pub type FlowOutcome = Result<String, String>;

/// One connection's side of the flow.
pub trait Authorizer: Send + Sync {
    /// Start: Zoho's consent URL for `redirect_uri` and the `state` it carries.
    fn begin(&self, redirect_uri: &str) -> Result<(String, String), Error>;

    /// Exchange `code` (at `accounts_server` when the redirect named one) and store the tokens.
    fn finish<'a>(
        &'a self,
        code: &'a str,
        accounts_server: Option<&'a str>,
        state: &'a str,
        redirect_uri: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>>;
}

struct Pending {
    state: String,
    connection: String,
    started: Instant,
    client: Option<ClientKey>,
}

/// Who started a flow: an IPv4 address, or an IPv6 /64 (one host commonly holds a whole /64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ClientKey {
    V4(u32),
    V6Prefix(u64),
}

impl ClientKey {
    fn of(ip: IpAddr) -> ClientKey {
        match ip {
            IpAddr::V4(v4) => ClientKey::V4(v4.to_bits()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey::V4(v4.to_bits()),
                None => ClientKey::V6Prefix((v6.to_bits() >> 64) as u64),
            },
        }
    }
}

/// The flows of every authorizable connection, keyed by the `state` each consent URL carries.
pub struct OAuthFlows {
    redirect_uri: String,
    connections: BTreeMap<String, Arc<dyn Authorizer>>,
    pending: Mutex<Vec<Pending>>,
    finished: tokio::sync::watch::Sender<Option<FlowOutcome>>,
    /// Created connections, whose flows in progress live in the shared store.
    registry: Option<Arc<Registry>>,
}

impl std::fmt::Debug for OAuthFlows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthFlows")
            .field("redirect_uri", &self.redirect_uri)
            .field("connections", &self.connections.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl OAuthFlows {
    /// Flows whose consent redirects back to `redirect_uri` (our `/oauth/callback`).
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        OAuthFlows {
            redirect_uri: redirect_uri.into(),
            connections: BTreeMap::new(),
            pending: Mutex::new(Vec::new()),
            finished: tokio::sync::watch::Sender::new(None),
            registry: None,
        }
    }

    /// Make connection `name` authorizable.
    pub fn add(&mut self, name: impl Into<String>, authorizer: Arc<dyn Authorizer>) {
        self.connections.insert(name.into(), authorizer);
    }

    /// Finish also the flows of created connections, whose state lives in `registry`'s store
    /// (started on this instance or any other).
    pub fn set_registry(&mut self, registry: Arc<Registry>) {
        self.registry = Some(registry);
    }

    /// The last flow that came back from Zoho: the connection authorized, or why it failed.
    /// A redirect whose `state` matches nothing is not an outcome (it is not ours to end on).
    pub fn outcomes(&self) -> tokio::sync::watch::Receiver<Option<FlowOutcome>> {
        self.finished.subscribe()
    }

    /// Where Zoho sends the browser back.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Begin a flow for `connection` from within this process: the consent URL to send the
    /// user to.
    pub fn start(&self, connection: &str) -> Result<String, Error> {
        self.start_for(connection, None)
    }

    /// Begin a flow for `connection` asked for by `client` (the peer address of
    /// `/oauth/start`): each client's pending flows are bounded on their own.
    pub fn start_for(&self, connection: &str, client: Option<IpAddr>) -> Result<String, Error> {
        let client = client.map(ClientKey::of);
        let authorizer = self.connections.get(connection).ok_or_else(|| {
            Error::Authorization(format!(
                "unknown connection `{connection}`; configured: {}",
                self.connections
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let (url, state) = authorizer.begin(&self.redirect_uri)?;
        let mut pending = self
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pending.retain(|p| p.started.elapsed() < STATE_LIFETIME);
        let own = pending.iter().filter(|p| p.client == client).count();
        if own >= MAX_PENDING_PER_CLIENT {
            forget_oldest_of(&mut pending, client);
        } else if pending.len() >= MAX_PENDING {
            let busiest = busiest_client(&pending);
            forget_oldest_of(&mut pending, busiest);
        }
        pending.push(Pending {
            state,
            connection: connection.to_owned(),
            started: Instant::now(),
            client,
        });
        Ok(url)
    }

    /// Finish a flow from the query of Zoho's redirect; the connection's name on success.
    /// A state is good once: a replayed or forged redirect is refused.
    pub async fn complete(&self, query: &[(String, String)]) -> Result<String, Error> {
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let state = param("state")
            .ok_or_else(|| Error::Authorization("the redirect carries no `state`".into()))?;
        // An error ends a flow only with that flow's state: the callback needs no API key, so
        // otherwise anyone who can open it in the browser could end `auth login`.
        let error = param("error");
        let code = match (error, param("code")) {
            (Some(_), _) => None,
            (None, Some(code)) => Some(code),
            (None, None) => {
                return Err(Error::Authorization(
                    "the redirect carries no `code`".into(),
                ));
            }
        };
        let found = {
            let mut pending = self
                .pending
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            pending.retain(|p| p.started.elapsed() < STATE_LIFETIME);
            pending
                .iter()
                .position(|p| constant_time_eq(p.state.as_bytes(), state.as_bytes()))
                .map(|found| pending.remove(found).connection)
        };
        let no_match = || {
            Error::Authorization(
                "the `state` matches no authorization in progress (expired, already used, or not \
                 started here); start again"
                    .into(),
            )
        };
        let connection = match (found, &self.registry) {
            (Some(connection), _) => connection,
            (None, Some(registry)) => {
                let outcome = registry
                    .complete(state, code, error, param("accounts-server"))
                    .await
                    .ok_or_else(no_match)?;
                return match outcome {
                    Ok(connection) => {
                        tracing::info!(connection = %connection, "created connection authorized");
                        self.finished.send_replace(Some(Ok(connection.clone())));
                        Ok(connection)
                    }
                    Err(err) => {
                        self.finished.send_replace(Some(Err(err.to_string())));
                        Err(Error::Authorization(err.to_string()))
                    }
                };
            }
            (None, None) => return Err(no_match()),
        };
        let Some(code) = code else {
            let error = error.unwrap_or("no reason given");
            let reason = if error == "access_denied" {
                format!(
                    "the user declined the authorization of connection `{connection}` on Zoho's \
                     consent page ({error}); to retry, start the authorization again \
                     (`/oauth/start?connection={connection}` or `zoho-server auth login \
                     --connection {connection}`) and press Accept"
                )
            } else {
                format!(
                    "Zoho did not grant the authorization of connection `{connection}` ({error}); \
                     start it again, or check the app's settings in Zoho's API console"
                )
            };
            self.finished.send_replace(Some(Err(reason.clone())));
            return Err(Error::Authorization(reason));
        };
        let authorizer = self
            .connections
            .get(&connection)
            .ok_or_else(|| Error::Authorization(format!("connection `{connection}` is gone")))?;
        if let Err(err) = authorizer
            .finish(code, param("accounts-server"), state, &self.redirect_uri)
            .await
        {
            self.finished.send_replace(Some(Err(err.to_string())));
            return Err(err);
        }
        tracing::info!(connection = %connection, "connection authorized");
        self.finished.send_replace(Some(Ok(connection.clone())));
        Ok(connection)
    }
}

/// Drop the oldest pending flow `client` started (flows are kept in the order they started).
fn forget_oldest_of(pending: &mut Vec<Pending>, client: Option<ClientKey>) {
    if let Some(oldest) = pending.iter().position(|p| p.client == client) {
        pending.remove(oldest);
    }
}

/// The client with the most pending flows (of equals, the one whose oldest flow is oldest).
fn busiest_client(pending: &[Pending]) -> Option<ClientKey> {
    let mut counts: BTreeMap<Option<ClientKey>, (usize, usize)> = BTreeMap::new();
    for (position, flow) in pending.iter().enumerate() {
        let entry = counts.entry(flow.client).or_insert((0, position));
        entry.0 += 1;
    }
    counts
        .into_iter()
        .max_by(|(_, (a, first_a)), (_, (b, first_b))| a.cmp(b).then(first_b.cmp(first_a)))
        .and_then(|(client, _)| client)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Records the exchanges it is asked for.
    #[derive(Default)]
    struct Recorder {
        finished: Mutex<Vec<(String, Option<String>, String)>>,
    }

    impl Authorizer for Recorder {
        fn begin(&self, redirect_uri: &str) -> Result<(String, String), Error> {
            let state = format!("{:032x}", rand::random::<u128>());
            let url = format!(
                "https://accounts.example/oauth/v2/auth?redirect_uri={redirect_uri}&state={state}"
            );
            Ok((url, state))
        }

        fn finish<'a>(
            &'a self,
            code: &'a str,
            accounts_server: Option<&'a str>,
            _state: &'a str,
            redirect_uri: &'a str,
        ) -> BoxFuture<'a, Result<(), Error>> {
            self.finished.lock().unwrap().push((
                code.to_owned(),
                accounts_server.map(str::to_owned),
                redirect_uri.to_owned(),
            ));
            Box::pin(async { Ok(()) })
        }
    }

    fn flows() -> (OAuthFlows, Arc<Recorder>) {
        let recorder = Arc::new(Recorder::default());
        let mut flows = OAuthFlows::new("http://127.0.0.1:8787/oauth/callback");
        flows.add("eu", recorder.clone());
        (flows, recorder)
    }

    fn state_of(url: &str) -> String {
        url.rsplit_once("state=").unwrap().1.to_owned()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[tokio::test]
    async fn the_code_is_exchanged_at_the_accounts_server_of_the_redirect() {
        let (flows, recorder) = flows();
        let state = state_of(&flows.start("eu").unwrap());
        let done = flows
            .complete(&pairs(&[
                ("code", "1000.c"),
                ("state", &state),
                ("accounts-server", "https://accounts.zoho.in"),
            ]))
            .await
            .unwrap();
        assert_eq!(done, "eu");
        assert_eq!(
            *recorder.finished.lock().unwrap(),
            [(
                "1000.c".to_owned(),
                Some("https://accounts.zoho.in".to_owned()),
                flows.redirect_uri().to_owned()
            )]
        );
    }

    #[tokio::test]
    async fn a_forged_or_replayed_state_is_refused() {
        let (flows, recorder) = flows();
        let state = state_of(&flows.start("eu").unwrap());
        let forged = flows
            .complete(&pairs(&[("code", "c"), ("state", "0123")]))
            .await
            .unwrap_err();
        assert!(
            forged.to_string().contains("matches no authorization"),
            "{forged}"
        );
        flows
            .complete(&pairs(&[("code", "c"), ("state", &state)]))
            .await
            .unwrap();
        let replayed = flows
            .complete(&pairs(&[("code", "c"), ("state", &state)]))
            .await
            .unwrap_err();
        assert!(
            replayed.to_string().contains("matches no authorization"),
            "{replayed}"
        );
        assert_eq!(recorder.finished.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_refused_consent_and_an_unknown_connection_are_reported() {
        let (flows, _) = flows();
        let state = state_of(&flows.start("eu").unwrap());
        let denied = flows
            .complete(&pairs(&[("error", "access_denied"), ("state", &state)]))
            .await
            .unwrap_err();
        assert!(denied.to_string().contains("access_denied"));
        assert!(denied.to_string().contains("the user declined"), "{denied}");
        assert!(
            denied.to_string().contains("/oauth/start?connection=eu"),
            "{denied}"
        );
        assert!(!denied.to_string().contains("Zoho refused"), "{denied}");
        assert!(matches!(*flows.outcomes().borrow(), Some(Err(_))));
        let unknown = flows.start("us").unwrap_err();
        assert!(
            unknown
                .to_string()
                .contains("unknown connection `us`; configured: eu"),
            "{unknown}"
        );
    }

    #[tokio::test]
    async fn one_client_starting_many_flows_pushes_out_only_its_own() {
        let (flows, _) = flows();
        let user: IpAddr = "192.0.2.7".parse().unwrap();
        let users_state = state_of(&flows.start_for("eu", Some(user)).unwrap());
        let attacker: IpAddr = "198.51.100.9".parse().unwrap();
        for _ in 0..MAX_PENDING * 2 {
            flows.start_for("eu", Some(attacker)).unwrap();
        }
        // From many addresses of one IPv6 /64 it is one client too.
        for n in 0..MAX_PENDING * 2 {
            let ip: IpAddr = format!("2001:db8::{n:x}").parse().unwrap();
            flows.start_for("eu", Some(ip)).unwrap();
        }
        assert_eq!(
            flows
                .complete(&pairs(&[("code", "c"), ("state", &users_state)]))
                .await
                .unwrap(),
            "eu",
            "the user's login survived"
        );
    }

    #[tokio::test]
    async fn a_full_table_forgets_a_flow_of_the_busiest_client() {
        let (flows, _) = flows();
        let first: IpAddr = "192.0.2.1".parse().unwrap();
        let first_state = state_of(&flows.start_for("eu", Some(first)).unwrap());
        // Clients each within their own quota fill the table.
        for n in 0..MAX_PENDING {
            let ip: IpAddr = format!("10.0.0.{}", n / MAX_PENDING_PER_CLIENT)
                .parse()
                .unwrap();
            flows.start_for("eu", Some(ip)).unwrap();
        }
        assert!(
            flows
                .complete(&pairs(&[("code", "c"), ("state", &first_state)]))
                .await
                .is_ok(),
            "a client with one flow is not the one pushed out"
        );
    }

    #[tokio::test]
    async fn an_error_redirect_without_our_state_does_not_end_a_flow() {
        let (flows, recorder) = flows();
        let state = state_of(&flows.start("eu").unwrap());
        // Anyone who can make the browser open the callback could otherwise end `auth login`.
        for forged in [
            pairs(&[("error", "access_denied")]),
            pairs(&[("error", "access_denied"), ("state", "0123")]),
        ] {
            assert!(flows.complete(&forged).await.is_err());
            assert!(flows.outcomes().borrow().is_none(), "{forged:?}");
        }
        flows
            .complete(&pairs(&[("code", "c"), ("state", &state)]))
            .await
            .unwrap();
        assert_eq!(recorder.finished.lock().unwrap().len(), 1);
        assert!(matches!(*flows.outcomes().borrow(), Some(Ok(_))));
    }
}
