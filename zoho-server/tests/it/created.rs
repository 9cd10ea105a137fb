//! Connections as data: created over JSON-RPC on one `zoho-server` process, authorized through
//! another's callback, used by a third, all sharing one store, against one sandbox.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub(crate) const STORE_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// A `zoho-server serve` process on a free loopback port; killed when dropped.
pub(crate) struct Instance {
    child: Child,
    rpc: String,
    pub(crate) base: String,
    key: Option<String>,
}

impl Instance {
    pub(crate) fn start(config: &Path) -> Instance {
        Instance::start_with_key(config, None)
    }

    /// Started with `--api-key-env`, the key being `api_key`, when one is given.
    pub(crate) fn start_with_key(config: &Path, api_key: Option<&str>) -> Instance {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zoho-server"));
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--config"])
            .arg(config);
        if let Some(key) = api_key {
            command
                .args(["--api-key-env", "TEST_API_KEY"])
                .env("TEST_API_KEY", key);
        }
        let mut child = command
            .env_remove("RUST_LOG")
            .env("TEST_SANDBOX_SECRET", zoho_sandbox::CLIENT_SECRET)
            .env("TEST_STORE_KEY", STORE_KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let banner = loop {
            let line = lines
                .next()
                .expect("the server ended before its banner")
                .unwrap();
            if line.contains("JSON-RPC on http://") {
                break line;
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let start = banner.find("http://").unwrap();
        let rpc = banner[start..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned();
        let base = rpc.trim_end_matches("/rpc").to_owned();
        Instance {
            child,
            rpc,
            base,
            key: api_key.map(str::to_owned),
        }
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) async fn call(&self, method: &str, params: Value) -> Value {
        self.try_call(method, params).await.unwrap()
    }

    /// The answer, or why none came (the instance died).
    pub(crate) async fn try_call(&self, method: &str, params: Value) -> Result<Value, String> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut request = reqwest::Client::new().post(&self.rpc).json(&body);
        if let Some(key) = &self.key {
            request = request.bearer_auth(key);
        }
        let answer = request.send().await.map_err(|err| err.to_string())?;
        answer.json().await.map_err(|err| err.to_string())
    }

    pub(crate) async fn ok(&self, method: &str, params: Value) -> Value {
        let answer = self.call(method, params).await;
        assert!(answer.get("error").is_none(), "{method}: {answer:#}");
        answer["result"].clone()
    }

    pub(crate) async fn err(&self, method: &str, params: Value) -> Value {
        let answer = self.call(method, params).await;
        assert!(
            answer.get("result").is_none(),
            "{method} should fail: {answer:#}"
        );
        answer["error"].clone()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_config(dir: &Path, sandbox: &str) -> std::path::PathBuf {
    write_config_with(dir, sandbox, "kind = \"file\"\npath = \"state\"", "")
}

/// A config of one app on `sandbox`, the store's table holding `store` (and the key), and
/// `app_extra` lines in the app's table.
pub(crate) fn write_config_with(
    dir: &Path,
    sandbox: &str,
    store: &str,
    app_extra: &str,
) -> std::path::PathBuf {
    let config = dir.join("zoho.toml");
    std::fs::write(
        &config,
        format!(
            "[apps.main]\nclient_id = \"{}\"\nclient_secret_env = \"TEST_SANDBOX_SECRET\"\n\
             accounts_url = \"{sandbox}\"\napi_base_url = \"{sandbox}\"\n{app_extra}\n\n\
             [store]\n{store}\nencryption_key_env = \"TEST_STORE_KEY\"\n",
            zoho_sandbox::CLIENT_ID
        ),
    )
    .unwrap();
    config
}

/// A sandbox made with `sandbox` and one instance on a file store of one app on it (the sandbox
/// and the folder live as long as the instance must).
async fn one_server(
    sandbox: zoho_sandbox::SandboxConfig,
) -> (zoho_sandbox::Sandbox, tempfile::TempDir, Instance) {
    let sandbox = zoho_sandbox::Sandbox::start(sandbox).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), sandbox.base_url());
    let server = tokio::task::spawn_blocking(move || Instance::start(&config))
        .await
        .unwrap();
    (sandbox, dir, server)
}

/// Every file of the store, concatenated.
fn store_contents(dir: &Path) -> String {
    let mut all = String::new();
    for sub in ["connections", "pending"] {
        let Ok(entries) = std::fs::read_dir(dir.join("state").join(sub)) else {
            continue;
        };
        for entry in entries {
            all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_created_on_a_authorized_through_c_works_on_b() {
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), sandbox.base_url());
    let (a, b, c) = tokio::task::spawn_blocking(move || {
        (
            Instance::start(&config),
            Instance::start(&config),
            Instance::start(&config),
        )
    })
    .await
    .unwrap();

    let created = a
        .ok(
            "connections.create",
            json!({"name": "acme", "regionUrl": "eu", "metadata": {"customer": 42}}),
        )
        .await;
    assert_eq!(created["status"], "pending");
    assert_eq!(
        b.ok("connections.get", json!({"name": "acme"})).await["status"],
        "pending"
    );
    let refused = b
        .err(
            "crm.getRecords",
            json!({"connection": "acme", "recordType": "Leads", "fields": ["Last_Name"]}),
        )
        .await;
    assert_eq!(refused["code"], -32002, "{refused:#}");

    // The customer consents; the load balancer sends the redirect to instance C.
    let redirect = zoho_server::sandbox::accept_consent(created["authorizeUrl"].as_str().unwrap())
        .await
        .unwrap();
    assert!(redirect.as_str().starts_with(&a.base), "{redirect}");
    let through_c = redirect.as_str().replacen(&a.base, &c.base, 1);
    let callback = reqwest::get(&through_c).await.unwrap();
    assert_eq!(callback.status(), 200, "{}", callback.text().await.unwrap());
    // A replayed redirect finds its state taken.
    let replayed = reqwest::get(&through_c).await.unwrap();
    assert_eq!(replayed.status(), 400);

    let got = b.ok("connections.get", json!({"name": "acme"})).await;
    assert_eq!(got["status"], "authorized", "{got:#}");
    assert_eq!(got["region"], "eu");
    assert_eq!(got["metadata"], json!({"customer": 42}));
    assert!(
        got["authorizedAt"].as_str().unwrap().ends_with('Z'),
        "{got:#}"
    );
    let records = b
        .ok(
            "crm.getRecords",
            json!({"connection": "acme", "recordType": "Leads", "fields": ["Last_Name"], "perPage": 2}),
        )
        .await;
    assert_eq!(records["data"].as_array().unwrap().len(), 2, "{records:#}");

    let stored = store_contents(dir.path());
    assert!(
        stored.contains("\"refresh_token\": \"v1."),
        "tokens are sealed"
    );
    assert!(
        !stored.contains("1000."),
        "a token is in plain text in the store: {stored}"
    );

    // Deleted on B: revoked at Zoho, gone for A too.
    let deleted = b.ok("connections.delete", json!({"name": "acme"})).await;
    assert_eq!(
        deleted,
        json!({"name": "acme", "deleted": true, "revoked": true})
    );
    let gone = a.err("connections.get", json!({"name": "acme"})).await;
    assert_eq!(gone["data"]["field"], "name", "{gone:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_urls_name_zoho_data_centers_only_and_lists_page_through_every_connection() {
    let (_sandbox, dir, server) = one_server(zoho_sandbox::SandboxConfig {
        records: 1,
        ..Default::default()
    })
    .await;
    for hostile in [
        "https://evil.example",
        "http://accounts.zoho.eu",
        "https://accounts.zoho.eu.evil.example",
        "https://accounts.zoho.eu:8443",
    ] {
        let refused = server
            .err(
                "connections.create",
                json!({"name": "x", "regionUrl": hostile}),
            )
            .await;
        assert_eq!(refused["code"], -32602, "{hostile}: {refused:#}");
        assert_eq!(refused["data"]["field"], "regionUrl", "{hostile}");
    }
    assert!(
        store_contents(dir.path()).is_empty(),
        "nothing refused was stored"
    );

    let names: Vec<String> = (0..7).map(|n| format!("cust-{n:02}")).collect();
    for name in &names {
        let region = if name.ends_with('1') {
            "https://accounts.zoho.in"
        } else {
            "au"
        };
        server
            .ok(
                "connections.create",
                json!({"name": name, "regionUrl": region}),
            )
            .await;
    }
    let taken = server
        .err("connections.create", json!({"name": "cust-00"}))
        .await;
    assert_eq!(taken["data"]["field"], "name", "{taken:#}");
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let page = server
            .ok("connections.list", json!({"limit": 3, "cursor": cursor}))
            .await;
        for connection in page["connections"].as_array().unwrap() {
            seen.push(connection["name"].as_str().unwrap().to_owned());
        }
        cursor = page["nextCursor"].clone();
        if cursor.is_null() {
            break;
        }
    }
    assert_eq!(seen, names);
    let pending = server
        .ok("connections.list", json!({"status": "authorized"}))
        .await;
    assert_eq!(pending["connections"], json!([]));
    let india = server
        .ok("connections.get", json!({"name": "cust-01"}))
        .await;
    assert_eq!(india["region"], "in");
    let unknown = server
        .err("connections.list", json!({"colour": "red"}))
        .await;
    assert_eq!(unknown["data"]["field"], "colour");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connections_command_creates_and_lists_on_the_same_store() {
    let sandbox = zoho_sandbox::Sandbox::start(zoho_sandbox::SandboxConfig {
        records: 1,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), sandbox.base_url());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_zoho-server"))
            .arg("connections")
            .args(args)
            .arg("--config")
            .arg(&config)
            .env("TEST_SANDBOX_SECRET", zoho_sandbox::CLIENT_SECRET)
            .env("TEST_STORE_KEY", STORE_KEY)
            .output()
            .unwrap()
    };
    let created = run(&[
        "create",
        "--name",
        "acme",
        "--region-url",
        "eu",
        "--metadata",
        r#"{"plan":"gold"}"#,
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let created: Value = serde_json::from_slice(&created.stdout).unwrap();
    assert!(
        created["authorizeUrl"]
            .as_str()
            .unwrap()
            .contains("/oauth/v2/auth?")
    );
    let listed = run(&["list", "--status", "pending"]);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(
        listed["connections"][0]["metadata"],
        json!({"plan": "gold"})
    );
    let missing = run(&["get", "--name", "nobody"]);
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no created connection named `nobody`")
    );
    let deleted = run(&["delete", "--name", "acme", "--revoke", "false"]);
    assert!(
        deleted.status.success(),
        "{}",
        String::from_utf8_lossy(&deleted.stderr)
    );
}

#[test]
fn the_readme_examples_of_apps_and_stores_are_configs_the_server_reads() {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("## Connections as data").unwrap()..];
    let section = &section[..section[3..]
        .find("\n## ")
        .map_or(section.len(), |end| end + 3)];
    let blocks: Vec<&str> = section
        .split("```toml\n")
        .skip(1)
        .map(|rest| &rest[..rest.find("```").unwrap()])
        .collect();
    assert_eq!(blocks.len(), 2, "the file store and the Redis store");
    let file =
        zoho_server::connections::ConfigFile::parse(blocks[0], Path::new("README.md")).unwrap();
    assert_eq!(file.apps["main"].client_id, "1000.XXXX");
    assert_eq!(
        file.store.encryption_key_env.as_deref(),
        Some("ZOHO_STORE_KEY")
    );
    let fleet = format!(
        "{}\n{}",
        "[apps.main]\nclient_id = \"1000.XXXX\"\n", blocks[1]
    );
    let fleet =
        zoho_server::connections::ConfigFile::parse(&fleet, Path::new("README.md")).unwrap();
    assert_eq!(fleet.store.kind, zoho_core::config::StoreKind::Redis);
    assert_eq!(fleet.store.instances, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_zoho_dropped_makes_the_connection_needs_reauth_until_a_new_consent() {
    let (sandbox, _dir, server) = one_server(zoho_sandbox::SandboxConfig {
        records: 3,
        // Twenty-one consents in a row, more than Zoho grants codes for in its window.
        grant_code_limit: None,
        ..Default::default()
    })
    .await;
    let consent = |url: String| async move {
        let redirect = zoho_server::sandbox::accept_consent(&url).await.unwrap();
        let answer = reqwest::get(redirect).await.unwrap();
        assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    };
    let created = server
        .ok(
            "connections.create",
            json!({"name": "acme", "regionUrl": "eu"}),
        )
        .await;
    consent(created["authorizeUrl"].as_str().unwrap().to_owned()).await;
    let call =
        json!({"connection": "acme", "recordType": "Leads", "fields": ["Last_Name"], "perPage": 1});
    server.ok("crm.getRecords", call.clone()).await;
    // Zoho keeps 20 refresh tokens per user and client and drops the oldest (crm.md §2.5):
    // twenty more consents of the same client push acme's out.
    for n in 0..20 {
        let other = server
            .ok("connections.create", json!({"name": format!("other-{n}")}))
            .await;
        consent(other["authorizeUrl"].as_str().unwrap().to_owned()).await;
    }
    sandbox.advance_clock(Duration::from_secs(2 * 3600));
    let refused = server.err("crm.getRecords", call.clone()).await;
    assert_eq!(refused["code"], -32002, "{refused:#}");
    let next = refused["data"]["nextStep"].as_str().unwrap();
    assert!(next.contains("connections.authorize"), "{next}");
    let got = server.ok("connections.get", json!({"name": "acme"})).await;
    assert_eq!(got["status"], "needs_reauth", "{got:#}");
    assert!(
        got["lastError"].as_str().unwrap().contains("invalid_code"),
        "{got:#}"
    );
    let again = server
        .ok("connections.authorize", json!({"name": "acme"}))
        .await;
    assert_eq!(again["status"], "needs_reauth");
    consent(again["authorizeUrl"].as_str().unwrap().to_owned()).await;
    assert_eq!(
        server.ok("connections.get", json!({"name": "acme"})).await["status"],
        "authorized"
    );
    server.ok("crm.getRecords", call).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorizing_one_connection_in_a_loop_stops_at_the_cap_and_the_first_consent_still_works() {
    let (_sandbox, _dir, server) = one_server(zoho_sandbox::SandboxConfig {
        records: 1,
        ..Default::default()
    })
    .await;
    let created = server
        .ok(
            "connections.create",
            json!({"name": "acme", "regionUrl": "eu"}),
        )
        .await;
    let first = created["authorizeUrl"].as_str().unwrap().to_owned();
    for _ in 1..zoho_core::MAX_AUTHORIZATIONS_IN_PROGRESS {
        server
            .ok("connections.authorize", json!({"name": "acme"}))
            .await;
    }
    let refused = server
        .err("connections.authorize", json!({"name": "acme"}))
        .await;
    assert_eq!(refused["code"], -32003, "{refused:#}");
    assert_eq!(refused["data"]["limit"], "authorizations", "{refused:#}");
    assert!(
        refused["data"]["retryAfterMs"].as_u64().unwrap() > 0,
        "{refused:#}"
    );
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "connection `acme` has {} authorizations in progress",
            zoho_core::MAX_AUTHORIZATIONS_IN_PROGRESS
        )),
        "{message}"
    );
    // The consent the customer opened first is still good, and finishing it makes room.
    let redirect = zoho_server::sandbox::accept_consent(&first).await.unwrap();
    let answer = reqwest::get(redirect).await.unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    server
        .ok("connections.authorize", json!({"name": "acme"}))
        .await;
}
