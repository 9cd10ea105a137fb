//! The OAuth authorization-code flow as the server runs it: `start` hands out Zoho's consent URL
//! with a fresh `state`, `complete` takes the redirect back, checks the state and lets the
//! connection exchange the code (at the `accounts-server` the redirect names, for multi-DC apps).

use std::collections::BTreeMap;
use std::sync::Arc;

use zoho_core::Store;
use zoho_core::store::{MemoryStore, PendingAuthorization};

use crate::Error;
use crate::dispatch::BoxFuture;
use crate::registry::Registry;

/// How a flow that came back from Zoho ended: the connection's name, or why it failed.
pub type FlowOutcome = Result<String, String>;

/// One connection's side of the flow.
pub trait Authorizer: Send + Sync {
    /// Zoho's consent URL for `redirect_uri`, carrying `state`.
    fn consent_url(&self, redirect_uri: &str, state: &str) -> Result<String, Error>;

    /// Exchange `code` (at `accounts_server` when the redirect named one) and store the tokens;
    /// `redirect_uri` is the one the consent URL named, which Zoho requires again (whichever
    /// instance the redirect reached).
    fn finish<'a>(
        &'a self,
        code: &'a str,
        accounts_server: Option<&'a str>,
        redirect_uri: &'a str,
    ) -> BoxFuture<'a, Result<(), Error>>;
}

/// The flows of every authorizable connection, keyed by the `state` each consent URL carries.
/// Flows in progress wait in the server's store under zoho-core's one rule (`AUTHORIZATION_TTL`,
/// taken once), configured connections' and created connections' alike: with a shared store a
/// flow started on one instance is finished by whichever instance Zoho's redirect reaches.
pub struct OAuthFlows {
    redirect_uri: String,
    connections: BTreeMap<String, Arc<dyn Authorizer>>,
    pending: Arc<dyn Store>,
    finished: tokio::sync::watch::Sender<Option<FlowOutcome>>,
    /// Created connections, finished by the registry once their state is taken.
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
    /// Flows whose consent redirects back to `redirect_uri` (our `/oauth/callback`); flows in
    /// progress live in this process's memory until [`OAuthFlows::with_store`] or
    /// [`OAuthFlows::set_registry`] names the server's store.
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        OAuthFlows {
            redirect_uri: redirect_uri.into(),
            connections: BTreeMap::new(),
            pending: Arc::new(MemoryStore::new()),
            finished: tokio::sync::watch::Sender::new(None),
            registry: None,
        }
    }

    /// Make connection `name` authorizable.
    pub fn add(&mut self, name: impl Into<String>, authorizer: Arc<dyn Authorizer>) {
        self.connections.insert(name.into(), authorizer);
    }

    /// Keep flows in progress in `store`, the server's (a shared one lets the redirect reach
    /// another instance).
    pub fn with_store(mut self, store: Arc<dyn Store>) -> Self {
        self.pending = store;
        self
    }

    /// Finish also the flows of created connections. Every flow then lives in `registry`'s
    /// store, where created connections' flows are started (on this instance or any other).
    pub fn set_registry(&mut self, registry: Arc<Registry>) {
        self.pending = registry.store().clone();
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

    /// Begin a flow for `connection`: the consent URL to send the user to.
    pub async fn start(&self, connection: &str) -> Result<String, Error> {
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
        let state = zoho_core::__private::new_state();
        let url = authorizer.consent_url(&self.redirect_uri, &state)?;
        PendingAuthorization::new(connection, &self.redirect_uri)
            .keep(self.pending.as_ref(), &state)
            .await?;
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
        // One rule for every connection: the state is taken from the store once, whichever
        // instance started the flow; then the connection's kind says who finishes it.
        let pending = self.pending.take_pending(state).await?.ok_or_else(|| {
            Error::Authorization(
                "the `state` matches no authorization in progress (expired, already used, or not \
                 started here); start again"
                    .into(),
            )
        })?;
        if !self.connections.contains_key(&pending.connection)
            && let Some(registry) = &self.registry
        {
            let outcome = registry
                .complete(&pending, code, error, param("accounts-server"))
                .await;
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
        let connection = pending.connection;
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
            .finish(code, param("accounts-server"), &pending.redirect_uri)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Mutex;

    use super::*;

    /// Records the exchanges it is asked for.
    #[derive(Default)]
    struct Recorder {
        finished: Mutex<Vec<(String, Option<String>, String)>>,
    }

    impl Authorizer for Recorder {
        fn consent_url(&self, redirect_uri: &str, state: &str) -> Result<String, Error> {
            Ok(format!(
                "https://accounts.example/oauth/v2/auth?redirect_uri={redirect_uri}&state={state}"
            ))
        }

        fn finish<'a>(
            &'a self,
            code: &'a str,
            accounts_server: Option<&'a str>,
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
        let state = state_of(&flows.start("eu").await.unwrap());
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
        let state = state_of(&flows.start("eu").await.unwrap());
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
        let state = state_of(&flows.start("eu").await.unwrap());
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
        let unknown = flows.start("us").await.unwrap_err();
        assert!(
            unknown
                .to_string()
                .contains("unknown connection `us`; configured: eu"),
            "{unknown}"
        );
    }

    #[tokio::test]
    async fn flows_started_past_the_cap_are_refused_and_push_nothing_out() {
        let (flows, _) = flows();
        let users_state = state_of(&flows.start("eu").await.unwrap());
        for _ in 1..zoho_core::MAX_AUTHORIZATIONS_IN_PROGRESS {
            flows.start("eu").await.unwrap();
        }
        let refused = flows.start("eu").await.unwrap_err().to_string();
        assert!(
            refused.contains(&format!(
                "connection `eu` has {} authorizations in progress, the most allowed at once",
                zoho_core::MAX_AUTHORIZATIONS_IN_PROGRESS
            )),
            "{refused}"
        );
        assert_eq!(
            flows
                .complete(&pairs(&[("code", "c"), ("state", &users_state)]))
                .await
                .unwrap(),
            "eu",
            "the user's login survived"
        );
        // The finished flow made room for one more.
        flows.start("eu").await.unwrap();
        assert!(flows.start("eu").await.is_err());
    }

    #[tokio::test]
    async fn an_error_redirect_without_our_state_does_not_end_a_flow() {
        let (flows, recorder) = flows();
        let state = state_of(&flows.start("eu").await.unwrap());
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
