//! Subscriptions against the sandbox, with the server in-process: every change becomes one
//! event, a channel survives the sandbox clock moving past every expiry cap and dropped
//! callbacks, forged callbacks make nothing, polls see every create and edit.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use zoho_sandbox::{Faults, Sandbox, SandboxConfig};
use zoho_server::Error;
use zoho_server::actions::Actions;
use zoho_server::connections::Connections;
use zoho_server::events::{Events, EventsConfig};
use zoho_server::http::App;
use zoho_server::rpc::{Limits, Rpc};
use zoho_server::server::Server;

/// Settings that make the workers quick: they look for work every 50 ms.
pub(crate) fn quick() -> EventsConfig {
    EventsConfig {
        tick_ms: 50,
        lease_secs: 2,
        webhook_max_backoff_secs: 1,
        ..EventsConfig::default()
    }
}

/// A server with subscriptions over a memory store, on a fresh sandbox.
pub(crate) struct Harness {
    pub sandbox: Sandbox,
    pub addr: std::net::SocketAddr,
    http: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), Error>>>,
    supervisor: JoinHandle<()>,
}

impl Harness {
    pub async fn start(config: EventsConfig) -> Harness {
        let (sandbox, default) = zoho_server::sandbox::start(SandboxConfig {
            records: 5,
            ..SandboxConfig::default()
        })
        .await
        .unwrap();
        let http = zoho_core::HttpClient::standard().unwrap();
        let mut connections = Connections::new();
        connections.insert(default, &http).unwrap();
        let server = Server::bind("127.0.0.1:0".parse().unwrap(), None)
            .await
            .unwrap();
        let addr = server.local_addr();
        let flows = Arc::new(connections.oauth_flows(&format!("http://{addr}/oauth/callback")));
        let clients = Arc::new(connections);
        let events = Events::new(
            Arc::new(zoho_core::store::MemoryStore::new()),
            clients.clone(),
            None,
            &format!("http://{addr}"),
            config,
        )
        .unwrap();
        let app = App {
            rpc: Rpc::new(
                Arc::new(Actions::new(clients).with_events(events.clone())),
                Limits::default(),
            ),
            api_key: None,
            oauth: Some(flows.clone()),
            events: Some(events.clone()),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.serve(
            app,
            async {
                let _ = stopped.await;
            },
            Duration::from_secs(5),
        ));
        zoho_server::sandbox::authorize(&flows, "default", true)
            .await
            .unwrap();
        let supervisor = events.start();
        Harness {
            sandbox,
            addr,
            http: http.reqwest().clone(),
            stop: Some(stop),
            task: Some(task),
            supervisor,
        }
    }

    pub async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = self
            .http
            .post(format!("http://{}/rpc", self.addr))
            .json(&body)
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    pub async fn ok(&self, method: &str, params: Value) -> Value {
        let answer = self.call(method, params).await;
        assert!(answer.get("error").is_none(), "{method}: {answer:#}");
        answer["result"].clone()
    }

    pub async fn notify(&self, path: &str, body: &Value) -> reqwest::StatusCode {
        self.http
            .post(format!("http://{}{path}", self.addr))
            .json(body)
            .send()
            .await
            .unwrap()
            .status()
    }

    pub async fn shut_down(mut self) {
        self.supervisor.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

/// Read every event of `subscription` until `expected` came (or `within` passed), then a
/// moment more to catch any extra one.
pub(crate) async fn read_all(
    read: impl Fn(Option<String>) -> futures::future::BoxFuture<'static, Value>,
    expected: usize,
    within: Duration,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + within;
    let mut after: Option<String> = None;
    let mut events = Vec::new();
    let mut settle = None;
    loop {
        let page = read(after.clone()).await;
        let batch = page["events"].as_array().cloned().unwrap_or_default();
        if let Some(next) = page["next"].as_str() {
            after = Some(next.to_owned());
        }
        events.extend(batch);
        let now = tokio::time::Instant::now();
        if events.len() >= expected && settle.is_none() {
            settle = Some(now + Duration::from_millis(1500));
        }
        if settle.is_some_and(|at| now >= at) || now >= deadline {
            return events;
        }
    }
}

fn reader(
    harness: &Harness,
    subscription: &str,
) -> impl Fn(Option<String>) -> futures::future::BoxFuture<'static, Value> + use<> {
    let url = format!("http://{}/rpc", harness.addr);
    let subscription = subscription.to_owned();
    let http = harness.http.clone();
    move |after| {
        let url = url.clone();
        let http = http.clone();
        let params = json!({"subscription": subscription, "after": after, "waitMs": 300});
        Box::pin(async move {
            let body =
                json!({"jsonrpc": "2.0", "id": 1, "method": "events.read", "params": params});
            let answer: Value = http
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(answer.get("error").is_none(), "{answer:#}");
            answer["result"].clone()
        })
    }
}

/// Each event once: no two with the same id, nor the same record and operation.
pub(crate) fn assert_each_once(events: &[Value]) -> BTreeMap<String, usize> {
    let mut ids = HashSet::new();
    let mut changes = HashSet::new();
    let mut per_operation = BTreeMap::new();
    for event in events {
        assert!(
            ids.insert(event["id"].as_str().unwrap().to_owned()),
            "twice: {event:#}"
        );
        assert!(
            changes.insert((
                event["recordId"].as_str().unwrap().to_owned(),
                event["operation"].as_str().unwrap().to_owned()
            )),
            "the same change twice under two ids: {event:#}"
        );
        *per_operation
            .entry(event["operation"].as_str().unwrap().to_owned())
            .or_insert(0) += 1;
    }
    per_operation
}

/// `creates` Leads created, the first `edits` edited, the next `deletes` deleted; their ids.
/// With `gap`, edits and deletes wait that long after the creates.
async fn changes(
    harness: &Harness,
    creates: usize,
    edits: usize,
    deletes: usize,
    gap: Duration,
) -> Vec<String> {
    let mut ids = Vec::new();
    for n in 0..creates {
        let created = harness
            .ok(
                "crm.createRecord",
                json!({"recordType": "Leads", "values": {"Last_Name": format!("Lead {n}"), "Company": "Events"}}),
            )
            .await;
        ids.push(created["details"]["id"].as_str().unwrap().to_owned());
    }
    tokio::time::sleep(gap).await;
    for id in &ids[..edits] {
        harness
            .ok(
                "crm.updateRecord",
                json!({"recordType": "Leads", "recordId": id, "values": {"Company": "Edited"}}),
            )
            .await;
    }
    for id in &ids[edits..edits + deletes] {
        harness
            .ok(
                "crm.removeRecord",
                json!({"recordType": "Leads", "recordId": id}),
            )
            .await;
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_creates_ten_edits_five_deletes_make_exactly_forty_five_events_each_once() {
    let harness = Harness::start(quick()).await;
    // Zoho may send a callback twice; the catch-up read every second sees the same changes again.
    harness.sandbox.set_faults(Faults {
        callback_duplicate_rate: 0.3,
        ..Faults::default()
    });
    let created = harness
        .ok(
            "subscriptions.create",
            json!({"source": "crm.notifications", "recordTypes": ["Leads"], "intervalSecs": 1}),
        )
        .await;
    assert_eq!(created["source"], "crm.notifications");
    assert_eq!(created["status"], "active");
    let id = created["id"].as_str().unwrap().to_owned();
    changes(&harness, 30, 10, 5, Duration::ZERO).await;
    let events = read_all(reader(&harness, &id), 45, Duration::from_secs(20)).await;
    let counts = assert_each_once(&events);
    assert_eq!(events.len(), 45, "{counts:?}");
    assert_eq!(counts["create"], 30);
    assert_eq!(counts["edit"], 10);
    assert_eq!(counts["delete"], 5);
    let first = &events[0];
    assert_eq!(first["subscription"], id.as_str());
    assert_eq!(first["connection"], "default");
    assert_eq!(first["source"], "crm.notifications");
    assert_eq!(first["recordType"], "Leads");
    let got = harness.ok("subscriptions.get", json!({"id": id})).await;
    assert_eq!(got["channel"]["created"], 1, "{got:#}");
    assert!(
        got.to_string().find("token").is_none(),
        "no token shown: {got:#}"
    );

    // Deleting the subscription disables its channel at Zoho.
    let deleted = harness.ok("subscriptions.delete", json!({"id": id})).await;
    assert_eq!(deleted["channelDisabled"], true, "{deleted:#}");
    let left = harness.ok("crm.getNotificationDetails", json!({})).await;
    assert_eq!(left, Value::Null, "no channel left: {left:#}");
    harness.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_days_on_the_sandbox_clock_and_dropped_callbacks_lose_no_event() {
    let harness = Harness::start(quick()).await;
    harness.sandbox.set_faults(Faults {
        callback_drop_rate: 0.1,
        ..Faults::default()
    });
    let id = harness
        .ok(
            "subscriptions.create",
            json!({"source": "crm.notifications", "recordTypes": ["Leads"], "intervalSecs": 1}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = harness.ok("subscriptions.get", json!({"id": id})).await;
    // Two days pass six hours at a time, with changes all along: the channel is renewed before
    // it lapses (Zoho's cap is a day up to API v3).
    // A dropped callback is found by the next read of what changed, unless the record changed
    // again within the same second or was deleted before that read: Zoho's reads show the
    // latest state to the second. The changes leave the reads that room.
    let gap = Duration::from_millis(2500);
    for _ in 0..8 {
        harness.sandbox.advance_clock(Duration::from_secs(6 * 3600));
        changes(&harness, 2, 1, 0, Duration::from_millis(1100)).await;
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    let renewed = harness.ok("subscriptions.get", json!({"id": id})).await;
    assert_eq!(
        renewed["channel"]["created"], 1,
        "renewed, never lapsed: {renewed:#}"
    );
    assert!(
        renewed["channel"]["renewed"].as_u64().unwrap() >= 2,
        "{renewed:#}"
    );
    // Then eight days at once, past every cap (a week from v4): the channel is made again,
    // and what changed while it was gone is read.
    harness
        .sandbox
        .advance_clock(Duration::from_secs(8 * 86_400));
    changes(&harness, 4, 1, 2, gap).await;
    let events = read_all(reader(&harness, &id), 31, Duration::from_secs(20)).await;
    let counts = assert_each_once(&events);
    assert_eq!(events.len(), 31, "{counts:?}");
    assert_eq!(
        (counts["create"], counts["edit"], counts["delete"]),
        (20, 9, 2)
    );
    let after = harness.ok("subscriptions.get", json!({"id": id})).await;
    assert!(
        after["channel"]["created"].as_u64().unwrap() >= 2,
        "the lapsed channel was made again: {after:#}"
    );
    assert_ne!(
        after["channel"]["expiresAt"],
        before["channel"]["expiresAt"]
    );
    // The new channel lives: a change now is called back (no drops any more).
    harness.sandbox.set_faults(Faults::default());
    let live = harness
        .ok("crm.getNotificationDetails", json!({"module": "Leads"}))
        .await;
    assert_eq!(live["watch"].as_array().unwrap().len(), 1, "{live:#}");
    harness.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_callbacks_are_refused_and_make_no_event() {
    let harness = Harness::start(quick()).await;
    let id = harness
        .ok(
            "subscriptions.create",
            // Reads of what changed only once an hour: any event here comes from a callback.
            json!({"source": "crm.notifications", "recordTypes": ["Leads"], "intervalSecs": 3600}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let details = harness
        .ok("crm.getNotificationDetails", json!({"module": "Leads"}))
        .await;
    let channel = details["watch"][0]["channel_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = details["watch"][0]["token"].as_str().unwrap().to_owned();
    assert!(
        token.len() >= 32 && token.len() <= 50,
        "a random token Zoho accepts"
    );
    let callback = |channel: &str, token: &str, ids: Value, operation: &str| {
        json!({"server_time": 1_796_163_261_123_i64, "module": "Leads", "ids": ids,
               "operation": operation, "channel_id": channel, "token": token,
               "query_params": {}, "affected_fields": []})
    };
    let path = format!("/zoho/notify/{id}");
    let forged = [
        (
            path.clone(),
            callback(&channel, "wrong-token", json!(["1"]), "insert"),
        ),
        (
            path.clone(),
            callback("1234", &token, json!(["2"]), "insert"),
        ),
        (
            path.clone(),
            json!({"ids": ["3"], "operation": "insert", "module": "Leads"}),
        ),
        (
            "/zoho/notify/sub_000000000000000000000000".into(),
            callback(&channel, &token, json!(["4"]), "insert"),
        ),
        (
            "/zoho/notify/..%2F..".into(),
            callback(&channel, &token, json!(["5"]), "insert"),
        ),
    ];
    for (path, body) in &forged {
        let status = harness.notify(path, body).await;
        assert!(status.is_client_error(), "{path} {body}: {status}");
    }
    let page = harness.ok("events.read", json!({"subscription": id})).await;
    assert_eq!(page["events"], json!([]), "{page:#}");

    // The real channel's callback, with several ids, in both vocabularies.
    let status = harness
        .notify(
            &path,
            &callback(&channel, &token, json!(["10", "11", "12"]), "insert"),
        )
        .await;
    assert_eq!(status, 200);
    let status = harness
        .notify(&path, &callback(&channel, &token, json!(["10"]), "edit"))
        .await;
    assert_eq!(status, 200);
    // Sent again, as Zoho may: nothing new.
    let status = harness
        .notify(&path, &callback(&channel, &token, json!(["10"]), "update"))
        .await;
    assert_eq!(status, 200);
    let page = harness.ok("events.read", json!({"subscription": id})).await;
    let seen: Vec<(String, String)> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["recordId"].as_str().unwrap().to_owned(),
                e["operation"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("10", "create"),
        ("11", "create"),
        ("12", "create"),
        ("10", "edit"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(seen, expected);
    assert_eq!(page["events"][0]["at"], "2026-12-01T22:14:21.123Z");
    harness.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_returns_as_soon_as_an_event_arrives_and_params_are_checked() {
    let harness = Harness::start(quick()).await;
    let id = harness
        .ok(
            "subscriptions.create",
            json!({"source": "crm.notifications", "recordTypes": ["Leads"], "intervalSecs": 3600}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = std::time::Instant::now();
    let waiting = {
        let url = format!("http://{}/rpc", harness.addr);
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "events.read",
                          "params": {"subscription": id, "waitMs": 20_000}});
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    harness
        .ok(
            "crm.createRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "Waited"}}),
        )
        .await;
    let answer = waiting.await.unwrap();
    assert_eq!(
        answer["result"]["events"].as_array().unwrap().len(),
        1,
        "{answer:#}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    for (params, field) in [
        (json!({"subscription": id, "waitMs": 30_001}), "waitMs"),
        (json!({"subscription": id, "limit": 0}), "limit"),
        (json!({"subscription": id, "after": "nope"}), "after"),
        (json!({"subscription": "sub_missing"}), "subscription"),
    ] {
        let answer = harness.call("events.read", params).await;
        assert_eq!(answer["error"]["code"], -32602, "{answer:#}");
        assert_eq!(answer["error"]["data"]["field"], field, "{answer:#}");
    }
    for (params, field) in [
        (
            json!({"source": "crm.push", "recordTypes": ["Leads"]}),
            "source",
        ),
        (
            json!({"source": "crm.poll", "recordTypes": []}),
            "recordTypes",
        ),
        (
            json!({"source": "crm.poll", "recordTypes": ["Leads"], "operations": ["insert"]}),
            "operations[0]",
        ),
        (
            json!({"source": "crm.poll", "recordTypes": ["Leads"], "deliver": {"webhookUrl": "http://127.0.0.1:1/h", "secretEnv": "ZOHO_RS_UNSET_SECRET_FOR_TEST"}}),
            "deliver.secretEnv",
        ),
    ] {
        let answer = harness.call("subscriptions.create", params).await;
        assert_eq!(answer["error"]["code"], -32602, "{answer:#}");
        assert_eq!(answer["error"]["data"]["field"], field, "{answer:#}");
    }
    let listed = harness.ok("subscriptions.list", json!({})).await;
    assert_eq!(listed["subscriptions"].as_array().unwrap().len(), 1);
    let discover = harness.ok("rpc.discover", json!({})).await;
    let names: Vec<&str> = discover["methods"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    for method in [
        "subscriptions.create",
        "subscriptions.list",
        "subscriptions.get",
        "subscriptions.delete",
        "events.read",
    ] {
        assert!(names.contains(&method), "{method} in rpc.discover");
    }
    harness.shut_down().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crm_poll_on_contacts_and_books_poll_on_invoices_see_every_create_and_edit() {
    let harness = Harness::start(quick()).await;
    let orgs = harness
        .ok(
            "books.rawRequest",
            json!({"url": "/organizations", "method": "GET"}),
        )
        .await;
    let org = orgs["organizations"][0]["organization_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let customers = harness
        .ok(
            "books.getRecords",
            json!({"recordType": "contacts", "organizationId": org, "perPage": 1}),
        )
        .await;
    let customer = customers["contacts"][0]["contact_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let crm = harness
        .ok(
            "subscriptions.create",
            json!({"source": "crm.poll", "recordTypes": ["Contacts"], "intervalSecs": 1,
                   "operations": ["create", "edit"], "fields": ["Last_Name", "Email"]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let books = harness
        .ok(
            "subscriptions.create",
            json!({"source": "books.poll", "recordTypes": ["invoices"], "intervalSecs": 1,
                   "organizationId": org, "fields": ["invoice_number", "total"]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Created in bursts, so several share a second and a poll falls between them.
    let mut contacts = Vec::new();
    let mut invoices = Vec::new();
    for n in 0..6 {
        let contact = harness
            .ok(
                "crm.createRecord",
                json!({"recordType": "Contacts", "values": {"Last_Name": format!("Poll {n}"), "Email": format!("p{n}@example.com")}}),
            )
            .await;
        contacts.push(contact["details"]["id"].as_str().unwrap().to_owned());
        let invoice = harness
            .ok(
                "books.createRecord",
                json!({"recordType": "invoices", "organizationId": org,
                       "values": {"customer_id": customer, "line_items": [{"name": "Work", "rate": 10 + n, "quantity": 1}]}}),
            )
            .await;
        invoices.push(invoice["invoice_id"].as_str().unwrap().to_owned());
        if n % 2 == 1 {
            tokio::time::sleep(Duration::from_millis(700)).await;
        }
    }
    // An edit a second later is a change of its own (a poll sees each record's latest state).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for id in &contacts[..3] {
        harness
            .ok("crm.updateRecord", json!({"recordType": "Contacts", "recordId": id, "values": {"Email": "edited@example.com"}}))
            .await;
    }
    for id in &invoices[..2] {
        harness
            .ok("books.updateRecord", json!({"recordType": "invoices", "recordId": id, "organizationId": org, "values": {"reference_number": "EDITED"}}))
            .await;
    }
    let crm_events = read_all(reader(&harness, &crm), 9, Duration::from_secs(15)).await;
    let counts = assert_each_once(&crm_events);
    assert_eq!(
        (counts["create"], counts["edit"]),
        (6, 3),
        "{crm_events:#?}"
    );
    let mut seen: Vec<&str> = crm_events
        .iter()
        .filter(|e| e["operation"] == "create")
        .map(|e| e["recordId"].as_str().unwrap())
        .collect();
    seen.sort_unstable();
    let mut made: Vec<&str> = contacts.iter().map(String::as_str).collect();
    made.sort_unstable();
    assert_eq!(seen, made);
    let edited = crm_events
        .iter()
        .find(|e| e["operation"] == "edit")
        .unwrap();
    assert_eq!(
        edited["values"]["Email"], "edited@example.com",
        "{edited:#}"
    );

    let books_events = read_all(reader(&harness, &books), 8, Duration::from_secs(15)).await;
    let counts = assert_each_once(&books_events);
    assert_eq!(
        (counts["create"], counts["edit"]),
        (6, 2),
        "{books_events:#?}"
    );
    assert_eq!(books_events[0]["recordType"], "invoices");
    assert!(
        books_events[0]["values"]["invoice_number"].is_string(),
        "{:#}",
        books_events[0]
    );
    harness.shut_down().await;
}
