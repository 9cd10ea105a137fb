//! A connection of the config file authorized across a fleet: two `zoho-server` processes on one
//! private `redis-server`, the consent started on one and its redirect reaching the other.

use std::sync::Arc;

use serde_json::json;

use crate::created::Instance;
use crate::fleet::redis_support::RedisServer;

/// Two instances of one config file: connection `shop` (from `[connections.shop]`, no apps) on
/// the sandbox, the store in `redis`.
async fn two_instances(
    sandbox: &zoho_sandbox::Sandbox,
    redis: &RedisServer,
    dir: &std::path::Path,
) -> (Arc<Instance>, Arc<Instance>) {
    let config = dir.join("zoho.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nkind = \"redis\"\nurl = \"{url}\"\ninstances = 2\n\
             encryption_key_env = \"TEST_STORE_KEY\"\n\n\
             [connections.shop]\nclient_id = \"{id}\"\nclient_secret_env = \"TEST_SANDBOX_SECRET\"\n\
             accounts_url = \"{base}\"\napi_base_url = \"{base}\"\n",
            url = redis.url(),
            id = zoho_sandbox::CLIENT_ID,
            base = sandbox.base_url()
        ),
    )
    .unwrap();
    tokio::task::spawn_blocking(move || {
        (
            Arc::new(Instance::start(&config)),
            Arc::new(Instance::start(&config)),
        )
    })
    .await
    .unwrap()
}

/// `GET /oauth/start?connection=NAME` on `instance`: the response, redirects not followed.
async fn start(instance: &Instance, connection: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!(
            "{}/oauth/start?connection={connection}",
            instance.base
        ))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_connections_consent_started_on_a_is_finished_by_b_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 3,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_instances(&sandbox, &redis, dir.path()).await;

    let started = start(&a, "shop").await;
    assert_eq!(started.status(), 302);
    let consent = started.headers()["location"].to_str().unwrap().to_owned();
    let redirect = zoho_server::sandbox::accept_consent(&consent)
        .await
        .unwrap();
    // The load balancer sends the browser back to instance B.
    let through_b = redirect.as_str().replacen(&a.base, &b.base, 1);
    let callback = reqwest::get(&through_b).await.unwrap();
    let status = callback.status();
    let text = callback.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("Connection `shop` is authorized"), "{text}");

    // Both instances call with the tokens B stored.
    for instance in [&a, &b] {
        let page = instance
            .ok(
                "crm.getRecords",
                json!({"connection": "shop", "recordType": "Leads", "fields": ["Last_Name"]}),
            )
            .await;
        assert_eq!(page["data"].as_array().unwrap().len(), 3, "{page:#}");
    }

    // The state was taken once for the fleet: the same redirect at A is refused.
    let replayed = reqwest::get(redirect.as_str()).await.unwrap();
    assert_eq!(replayed.status(), 400);
    assert!(
        replayed
            .text()
            .await
            .unwrap()
            .contains("matches no authorization in progress")
    );
}
