//! No refresh token is ever lost or replaced by a stale one: refreshers of several "instances"
//! (each with its own Redis connection and token manager) are killed mid-refresh, Redis itself is
//! killed (-9) and restarted from its append-only file (`appendfsync always`), and consents race
//! with the refreshes, over and over.
//!
//! A refresher is killed by aborting its task at a random point: what the store sees is what a
//! `kill -9` of its process leaves, a lock never released and a write sent or not. Processes
//! would cost a start each; the multi-process kill is `fleet::killing_the_instance_...`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use zoho_core::store::{
    ConnectionRecord, ConnectionStatus, ConnectionTokens, Keyring, RedisStore, now_ms,
};
use zoho_core::{
    AccessToken, Connection, ConnectionConfig, Error, Secret, Store, TokenManager, TokenSource,
};

use crate::created::STORE_KEY;
use crate::fleet::redis_support::RedisServer;

/// Refreshers per round, like instances of a fleet.
const REFRESHERS: usize = 3;
/// Short, so a killed holder costs the survivors little; far above a refresh on loopback.
const LEASE: Duration = Duration::from_millis(250);

fn open(redis: &RedisServer) -> Arc<dyn Store> {
    Arc::new(
        RedisStore::open(&redis.url(), "zrs", Keyring::parse(STORE_KEY, "K").unwrap()).unwrap(),
    )
}

fn record(name: &str) -> ConnectionRecord {
    ConnectionRecord {
        name: name.into(),
        app: "main".into(),
        status: ConnectionStatus::Authorized,
        region: "us".into(),
        scopes: None,
        crm_api_version: None,
        books_organization_id: None,
        metadata: None,
        created_at_ms: now_ms(),
        authorized_at_ms: None,
        last_error: None,
        api_domain: None,
        configured: false,
    }
}

/// Retry `what` while the store is unreachable (Redis is being restarted), as a caller retries
/// a `-32004`; any other failure is the test's.
async fn retrying<T, F, Fut>(what: &str, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(Error::Network { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(err) => panic!("{what}: {err}"),
        }
    }
}

struct Harness {
    sandbox: zoho_sandbox::Sandbox,
    config: ConnectionConfig,
    http: reqwest::Client,
}

impl Harness {
    fn connection(&self, store: &Arc<dyn Store>, name: &str) -> Connection {
        Connection::with_store(
            name,
            self.config.clone(),
            Secret::new(zoho_sandbox::CLIENT_SECRET),
            Arc::new(ConnectionTokens::new(store.clone(), name)),
        )
        .unwrap()
    }

    /// A consent, its tokens saved in the store: the refresh token it brought.
    async fn consent(&self, store: &Arc<dyn Store>, name: &str) -> String {
        let connection = self.connection(store, name);
        retrying("a consent", || async {
            let code = self
                .sandbox
                .self_client_code("ZohoCRM.modules.ALL")
                .unwrap();
            connection.exchange_self_client_code(&code).await
        })
        .await;
        let tokens = connection.token_manager().stored_tokens().await.unwrap();
        tokens.unwrap().refresh_token.expose().to_owned()
    }

    /// A refresher as an instance runs one: its own Redis connection and token manager; a call
    /// whose token Zoho refused, so it refreshes (once for all of them, through the lock).
    fn refresher(&self, redis: &RedisServer, name: &str) -> Arc<TokenManager> {
        let store = open(redis);
        let oauth = self
            .connection(&store, name)
            .token_manager()
            .oauth()
            .clone();
        Arc::new(
            TokenManager::new(oauth, Arc::new(ConnectionTokens::new(store, name)))
                .with_refresh_lease(LEASE)
                .with_api_domain_override(Some(self.sandbox.base_url().to_owned())),
        )
    }

    /// Whether Zoho takes `token` for an API call.
    async fn works(&self, token: &AccessToken) -> bool {
        let answer = self
            .http
            .get(format!(
                "{}/crm/v8/Leads?fields=Last_Name&per_page=1",
                self.sandbox.base_url()
            ))
            .header(
                "Authorization",
                format!("Zoho-oauthtoken {}", token.token.expose()),
            )
            .send()
            .await
            .unwrap();
        answer.status().is_success()
    }
}

async fn refresh(manager: Arc<TokenManager>) -> AccessToken {
    let stale = retrying("a refresher's token", || manager.access_token()).await;
    retrying("a refresh", || manager.token_rejected(&stale)).await
}

/// `rounds` rounds of: a connection authorized; its refreshers started; some of them killed at
/// random, Redis killed and restarted, a new consent racing the refreshes; then every
/// connection's stored refresh token must be its last consent's, and work at Zoho.
async fn kill_refreshers_and_redis(rounds: usize) {
    let Some(mut redis) = RedisServer::start_persistent() else {
        return;
    };
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 1,
        max_refresh_tokens: 10 * rounds + 10,
        // Two consents a round, from one client: more than Zoho's 10 grant codes per 10 minutes.
        grant_code_limit: None,
        ..Default::default()
    })
    .await
    .unwrap();
    let config = ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, sandbox.base_url());
    let harness = Harness {
        sandbox,
        config,
        http: reqwest::Client::new(),
    };
    let store = open(&redis);
    // Each round's connection, and the refresh token of its last acknowledged consent.
    let mut expected: Vec<(String, String)> = Vec::new();
    let started = Instant::now();
    for round in 0..rounds {
        // A connection per round: the fleet's mint budget (5 per connection per 10 minutes, on
        // Redis' clock) would stop a second round of the same one.
        let name = format!("loop{round:03}");
        let created = record(&name);
        retrying("creating the connection", || {
            store.create_connection(&created)
        })
        .await;
        let mut refresh_token = harness.consent(&store, &name).await;

        let refreshers: Vec<_> = (0..REFRESHERS)
            .map(|_| tokio::spawn(refresh(harness.refresher(&redis, &name))))
            .collect();
        let pause = |most: u64| Duration::from_millis(rand::random::<u64>() % most);
        // The chaos: a consent racing the refreshes on odd rounds, Redis killed and restarted,
        // one or two refreshers killed, each at a random moment.
        let reconsent = (round % 2 == 1).then(|| {
            let (harness, store, name) = (&harness, store.clone(), name.clone());
            async move {
                tokio::time::sleep(pause(20)).await;
                harness.consent(&store, &name).await
            }
        });
        let chaos = async {
            tokio::time::sleep(pause(15)).await;
            let killed: Vec<usize> = (0..1 + rand::random::<u32>() as usize % 2)
                .map(|_| rand::random::<u32>() as usize % REFRESHERS)
                .collect();
            for &n in &killed {
                refreshers[n].abort();
            }
            tokio::time::sleep(pause(15)).await;
            redis.kill();
            tokio::time::sleep(pause(30)).await;
            redis.restart();
        };
        match reconsent {
            Some(reconsent) => refresh_token = tokio::join!(chaos, reconsent).1,
            None => chaos.await,
        }
        // The refreshers nobody killed end with a token Zoho takes.
        for refresher in refreshers {
            match tokio::time::timeout(Duration::from_secs(10), refresher).await {
                Ok(Ok(token)) => assert!(
                    harness.works(&token).await,
                    "round {round}: a refresher ended with a token Zoho refuses"
                ),
                Ok(Err(join)) => assert!(join.is_cancelled(), "round {round}: {join}"),
                Err(_) => panic!("round {round}: a refresher never finished"),
            }
        }
        expected.push((name, refresh_token));
        // Redis restarted from its file: nothing lost, nothing older came back, for any round.
        for (name, refresh_token) in &expected {
            let stored = retrying("reading the tokens", || store.tokens(name)).await;
            let stored =
                stored.unwrap_or_else(|| panic!("round {round}: `{name}` lost its tokens"));
            assert_eq!(
                stored.tokens.refresh_token.expose(),
                refresh_token,
                "round {round}: `{name}` holds another refresh token than its last consent's"
            );
        }
    }
    let took = started.elapsed();
    // Each stored refresh token still mints at Zoho (its limits counted on its own clock).
    harness.sandbox.advance_clock(Duration::from_secs(11 * 60));
    let oauth = harness
        .connection(&store, "loop000")
        .token_manager()
        .oauth()
        .clone();
    for (name, refresh_token) in &expected {
        let grant = oauth
            .refresh(&Secret::new(refresh_token.clone()), None)
            .await;
        assert!(
            grant.is_ok(),
            "`{name}`'s refresh token no longer works: {grant:?}"
        );
    }
    eprintln!("{rounds} rounds of killed refreshers and Redis in {took:?}");
}

/// The 100 rounds: about 30 s on a loaded 2-core machine (each round well under half a
/// second: a consent or two, three refreshers, a Redis restart from its file).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_refresh_token_is_lost_or_replaced_by_a_stale_one_while_refreshers_and_redis_are_killed_100_times()
 {
    kill_refreshers_and_redis(100).await;
}
