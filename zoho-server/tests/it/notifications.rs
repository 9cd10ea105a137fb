//! The five CRM notification actions over JSON-RPC against the sandbox's watch API: a channel is
//! enabled, calls back on a record write, is listed, changed, trimmed and disabled.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::BodyExt;
use serde_json::{Value, json};

use crate::support::Running;

/// A loopback receiver that keeps every JSON body POSTed to it.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/zoho?tenant=t1", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let kept = bodies.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let kept = kept.clone();
                        async move {
                            let bytes = req.into_body().collect().await?.to_bytes();
                            let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                            kept.lock().unwrap().push(body);
                            Ok::<_, hyper::Error>(hyper::Response::new(http_body_util::Empty::<
                                bytes::Bytes,
                            >::new(
                            )))
                        }
                    },
                );
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    (url, bodies)
}

async fn first_callback(bodies: &Mutex<Vec<Value>>) -> Value {
    for _ in 0..100 {
        if let Some(body) = bodies.lock().unwrap().first() {
            return body.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no callback arrived");
}

#[tokio::test]
async fn a_channel_is_enabled_calls_back_and_is_changed_trimmed_and_disabled() {
    let server = Running::start(20).await;
    let (url, bodies) = receiver().await;

    let enabled = server
        .ok(
            "crm.enableNotifications",
            json!({"channelId": "4242", "events": ["Leads.all", "Deals.create"], "notifyUrl": url,
                   "token": "per-channel-secret", "returnAffectedFieldValues": true}),
        )
        .await;
    let item = &enabled["watch"][0];
    assert_eq!(item["code"], "SUCCESS", "{enabled:#}");
    let per_module: Vec<&Value> = item["details"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource_name"])
        .collect();
    assert_eq!(per_module, [&json!("Leads"), &json!("Deals")]);

    let created = server
        .ok(
            "crm.createRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "Hopper"}}),
        )
        .await;
    let id = created["details"]["id"].clone();
    let callback = first_callback(&bodies).await;
    assert_eq!(callback["channel_id"], "4242");
    assert_eq!(callback["token"], "per-channel-secret");
    assert_eq!(callback["operation"], "insert");
    assert_eq!(callback["ids"], json!([id]));
    assert_eq!(callback["query_params"], json!({"tenant": "t1"}));

    let listed = server
        .ok("crm.getNotificationDetails", json!({"module": "Leads"}))
        .await;
    assert_eq!(listed["watch"].as_array().unwrap().len(), 1);
    assert_eq!(listed["watch"][0]["events"], json!(["Leads.all"]));
    assert_eq!(listed["info"]["count"], 1);

    let renewed = server
        .ok(
            "crm.updateNotifications",
            json!({"channelId": "4242", "token": "per-channel-secret",
                   "channelExpiry": expiry_in_secs(20 * 3_600), "notifyOnRelatedAction": false}),
        )
        .await;
    assert_eq!(renewed["watch"][0]["code"], "SUCCESS", "{renewed:#}");
    let leads = server
        .ok("crm.getNotificationDetails", json!({"module": "Leads"}))
        .await;
    assert_eq!(leads["watch"][0]["notify_on_related_action"], false);
    assert_eq!(leads["watch"][0]["token"], "per-channel-secret");
    assert_eq!(
        leads["watch"][0]["events"],
        json!(["Leads.all"]),
        "unsent keys stay"
    );

    let trimmed = server
        .ok(
            "crm.disableNotificationEvents",
            json!({"channelId": "4242", "events": ["Leads.all"]}),
        )
        .await;
    assert_eq!(
        trimmed["watch"][0]["message"],
        "Successfully removed the subscribe details"
    );
    let left = server
        .ok("crm.getNotificationDetails", json!({"perPage": 10}))
        .await;
    assert_eq!(left["watch"].as_array().unwrap().len(), 1);
    assert_eq!(left["watch"][0]["events"], json!(["Deals.create"]));

    let disabled = server
        .ok("crm.disableNotifications", json!({"channelIds": ["4242"]}))
        .await;
    assert_eq!(disabled["watch"][0]["code"], "SUCCESS");
    let none = server.ok("crm.getNotificationDetails", json!({})).await;
    assert_eq!(none, Value::Null, "204: no channel left");
    server.shut_down().await.unwrap();
}

#[tokio::test]
async fn an_expired_channel_and_a_missing_input_are_clear_errors() {
    let server = Running::start(10).await;
    let missing = server
        .err(
            "crm.enableNotifications",
            json!({"channelId": "1", "notifyUrl": "https://example.com/h"}),
        )
        .await;
    assert_eq!(missing["code"], -32602, "{missing:#}");
    assert!(missing.to_string().contains("events"), "{missing:#}");

    server
        .ok(
            "crm.enableNotifications",
            json!({"channelId": "7", "events": ["Leads.edit"], "notifyUrl": "https://example.com/h"}),
        )
        .await;
    // Zoho's default expiry is one hour and nothing renews it.
    server.sandbox.advance_clock(Duration::from_secs(2 * 3_600));
    let late = server
        .err(
            "crm.updateNotifications",
            json!({"channelId": "7", "events": ["Leads.all"]}),
        )
        .await;
    assert_eq!(late["code"], -32001, "{late:#}");
    assert_eq!(
        late["data"]["zohoCode"], "NOT_SUBSCRIBED",
        "Zoho's code of the watch item is the error's code: {late:#}"
    );
    server.shut_down().await.unwrap();
}

/// An ISO-8601 time `secs` from now, to the second, in UTC.
fn expiry_in_secs(secs: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + secs;
    let days = i64::try_from(now / 86_400).unwrap();
    let rem = now % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}
