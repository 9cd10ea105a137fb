//! A fleet's connections coming and going: a connection deleted on one instance stops being used
//! by the others, and a configured connection moved into Redis starts while Redis is down.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::created::{Instance, write_config_with};
use crate::fleet::redis_support::RedisServer;
use crate::fleet::{fleet_of, spread_calls, spread_calls_on};

/// How soon another instance stops using a deleted connection's cached token: the token
/// manager's store check (`zoho_core::store::RECHECK_EVERY`, 1 s), then one read and a call.
const DELETE_SEEN_WITHIN: Duration = Duration::from_millis(1500);

fn get_records(connection: &str) -> Value {
    json!({"connection": connection, "recordType": "Leads", "fields": ["Last_Name"], "perPage": 1})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_deleted_on_one_instance_stops_working_on_the_other_within_a_second() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let instances = fleet_of(2, &sandbox, &redis, dir.path(), "").await;
    // Both hold the access token in memory.
    assert!(spread_calls(&instances, 20, 4).await.is_empty());
    let (a, b) = (&instances[0], &instances[1]);

    // Not revoked at Zoho, so the token B holds would keep working there for an hour: only B's
    // own check of the store can stop it.
    let deleted = a
        .ok(
            "connections.delete",
            json!({"name": "acme", "revoke": false}),
        )
        .await;
    assert_eq!(deleted["revoked"], false, "{deleted:#}");
    let since = Instant::now();
    let first_refusal = loop {
        let answer = b.call("crm.getRecords", get_records("acme")).await;
        if let Some(error) = answer.get("error") {
            break error.clone();
        }
        assert!(
            since.elapsed() < DELETE_SEEN_WITHIN,
            "instance B still acts through the deleted connection after {:?}",
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(first_refusal["code"], -32002, "{first_refusal:#}");
    // From then on B says there is no such connection, and never acts through it again.
    for _ in 0..5 {
        let refused = b.err("crm.getRecords", get_records("acme")).await;
        assert_eq!(refused["data"]["field"], "connection", "{refused:#}");
    }
    let gone = b.err("connections.get", json!({"name": "acme"})).await;
    assert_eq!(gone["data"]["field"], "name", "{gone:#}");
    // The name can be created again, and its new consent serves B.
    let created = b.ok("connections.create", json!({"name": "acme"})).await;
    let redirect = zoho_server::sandbox::accept_consent(created["authorizeUrl"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(reqwest::get(redirect).await.unwrap().status(), 200);
    assert!(spread_calls(&instances, 20, 4).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_connection_on_redis_starts_with_redis_down_and_moves_in_when_it_is_back() {
    let Some(mut redis) = RedisServer::start_persistent() else {
        return;
    };
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tokens/legacy.json");
    let legacy = zoho_core::ConnectionConfig {
        token_store: Some(file.clone()),
        ..zoho_core::ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, sandbox.base_url())
    };
    let code = sandbox.self_client_code("ZohoCRM.modules.ALL").unwrap();
    zoho_core::Connection::new(
        "legacy",
        legacy,
        zoho_core::Secret::new(zoho_sandbox::CLIENT_SECRET),
    )
    .unwrap()
    .exchange_self_client_code(&code)
    .await
    .unwrap();
    let before = std::fs::read(&file).unwrap();
    let store = format!("kind = \"redis\"\nurl = \"{}\"\ninstances = 1", redis.url());
    let config = write_config_with(dir.path(), sandbox.base_url(), &store, "");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[connections.legacy]\nclient_id = \"{}\"\nclient_secret_env = \"TEST_SANDBOX_SECRET\"\n\
         accounts_url = \"{base}\"\napi_base_url = \"{base}\"\ntoken_store = \"tokens/legacy.json\"\n",
        zoho_sandbox::CLIENT_ID,
        base = sandbox.base_url()
    ));
    std::fs::write(&config, text).unwrap();

    // Redis is down before the instance ever reached it.
    redis.kill();
    let instance = tokio::task::spawn_blocking(move || Arc::new(Instance::start(&config)))
        .await
        .unwrap();
    let fleet = [instance.clone()];
    let failures = spread_calls_on("legacy", &fleet, 30, 5).await;
    assert!(
        failures.is_empty(),
        "with Redis down from the start: {failures:#?}"
    );
    // Its access token expires at Zoho: refreshed here alone, with the file's refresh token.
    sandbox.advance_clock(Duration::from_secs(2 * 3600));
    let failures = spread_calls_on("legacy", &fleet, 30, 5).await;
    assert!(
        failures.is_empty(),
        "refreshing with Redis down: {failures:#?}"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the token file is only read"
    );

    // Redis comes back: the connection moves in (the store's check of the cached token, once a
    // second, places it), calls keep working, and the next refresh is the fleet's again.
    redis.restart();
    let since = Instant::now();
    while !redis.dump().contains("{c:legacy}:tok") {
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "the tokens never moved into Redis:\n{}",
            redis.dump()
        );
        assert!(spread_calls_on("legacy", &fleet, 4, 2).await.is_empty());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sandbox.advance_clock(Duration::from_secs(2 * 3600));
    let failures = spread_calls_on("legacy", &fleet, 30, 5).await;
    assert!(failures.is_empty(), "after Redis came back: {failures:#?}");
    let limits = instance
        .ok("limits.get", json!({"connection": "legacy"}))
        .await;
    assert_eq!(
        limits["tokenMintsLast10m"], 1,
        "the refresh after Redis came back is counted there: {limits:#}"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the token file is only read"
    );
    let dump = redis.dump();
    assert!(
        !dump.contains("1000."),
        "a token is in plain text in Redis:\n{dump}"
    );
}
