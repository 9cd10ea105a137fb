//! CRM notifications ("watch", wave2.md §1): channels, their limits and expiry, and the
//! callbacks the sandbox POSTs to a loopback receiver when records change.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::BodyExt;
use serde_json::{Value, json};
use zoho_sandbox::{Faults, OpenQuestions, SandboxConfig};

use crate::support::{Env, TestResult, config, env, env_with};

const WATCH_SCOPES: &str = "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.notifications.ALL";

/// A loopback HTTP server that keeps every JSON body POSTed to it.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

impl Receiver {
    async fn start() -> std::io::Result<Receiver> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hook", listener.local_addr()?);
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
                                Ok::<_, hyper::Error>(hyper::Response::new(
                                    http_body_util::Empty::<bytes::Bytes>::new(),
                                ))
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
        Ok(Receiver { url, bodies })
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap().clone()
    }

    /// The callbacks of one channel.
    fn of(&self, channel: &str) -> Vec<Value> {
        self.bodies()
            .into_iter()
            .filter(|b| b["channel_id"] == channel)
            .collect()
    }

    /// Waits until `done` holds for the bodies received (at most five seconds), then a little
    /// longer so that a callback too many would show.
    async fn wait_for(&self, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        for _ in 0..100 {
            if done(&self.bodies()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        self.bodies()
    }
}

/// Record ids a channel's callbacks named for an operation.
fn ids(bodies: &[Value], channel: &str, operation: &str) -> Vec<String> {
    bodies
        .iter()
        .filter(|b| b["channel_id"] == channel && b["operation"] == operation)
        .flat_map(|b| b["ids"].as_array().cloned().unwrap_or_default())
        .filter_map(|id| id.as_str().map(str::to_owned))
        .collect()
}

async fn watch_env() -> Result<Env, Box<dyn std::error::Error>> {
    env_with(config(50), WATCH_SCOPES).await
}

fn channel(id: &str, events: &[&str], url: &str) -> Value {
    json!({"channel_id": id, "events": events, "notify_url": url})
}

async fn patch(
    e: &Env,
    path: &str,
    body: &Value,
) -> Result<crate::support::Answer, reqwest::Error> {
    crate::support::answer(
        e.request(reqwest::Method::PATCH, path)
            .json(body)
            .send()
            .await?,
    )
    .await
}

fn expiry_in(secs: i64) -> String {
    datetime(now_secs() + secs)
}

/// `2024-01-05T10:30:00+00:00` for seconds since the epoch.
fn datetime(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
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

/// Seconds from now until a `channel_expiry` text (`2024-01-05T10:30:00+00:00`).
fn secs_until(text: &Value) -> i64 {
    let text = text.as_str().unwrap_or_default();
    let num = |from: usize, len: usize| -> i64 {
        text.get(from..from + len)
            .and_then(|t| t.parse().ok())
            .unwrap_or(0)
    };
    let (y, m, d) = (num(0, 4), num(5, 2), num(8, 2));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + (153 * mp + 2) / 5 + d - 1;
    let days = era * 146_097 + doe - 719_468;
    let at = days * 86_400 + num(11, 2) * 3_600 + num(14, 2) * 60 + num(17, 2);
    at - now_secs()
}

fn now_secs() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    i64::try_from(secs).unwrap_or(0)
}

#[tokio::test]
async fn enable_answers_201_with_one_entry_per_module_and_get_lists_channels() -> TestResult {
    let e = watch_env().await?;
    // wave2.md §1.1: POST {"watch":[cfg]} answers 201 when all are subscribed; §1.4: one
    // `details.events` entry per module; channel_id echoed as a string.
    let enabled = e
        .post(
            "/crm/v8/actions/watch",
            &json!({"watch": [{"channel_id": 1000, "events": ["Leads.all", "Deals.edit"], "notify_url": "https://example.com/hook", "token": "tok"}]}),
        )
        .await?;
    assert_eq!(enabled.status, 201, "{}", enabled.body);
    let item = &enabled.body["watch"][0];
    assert_eq!(item["code"], "SUCCESS");
    assert_eq!(
        item["message"],
        "Successfully subscribed for actions-watch of the given module"
    );
    let events = item["details"]["events"].as_array().ok_or("no events")?;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["channel_id"], "1000");
    assert_eq!(events[0]["resource_name"], "Leads");
    assert!(
        events[1]["resource_uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/crm/v2/Deals"))
    );
    // §1.1: GET 200 {"watch":[...],"info":{...}}; §1.2: notify_on_related_action defaults to true.
    let got = e.get("/crm/v8/actions/watch").await?;
    assert_eq!(got.status, 200);
    let leads = &got.body["watch"][0];
    assert_eq!(leads["events"], json!(["Leads.all"]));
    assert_eq!(leads["token"], "tok");
    assert_eq!(leads["notify_on_related_action"], true);
    assert_eq!(leads["return_affected_field_values"], false);
    assert_eq!(got.body["info"]["count"], 2);
    assert_eq!(got.body["info"]["more_records"], false);
    let deals = e.get("/crm/v8/actions/watch?module=Deals").await?;
    assert_eq!(deals.body["watch"][0]["events"], json!(["Deals.edit"]));
    Ok(())
}

#[tokio::test]
async fn get_pages_and_answers_204_when_there_is_no_channel() -> TestResult {
    let e = watch_env().await?;
    // wave2.md §1.1: GET with no channel answers 204 (OAS-J).
    assert_eq!(e.get("/crm/v8/actions/watch").await?.status, 204);
    let channels: Vec<Value> = (1..=3)
        .map(|n| channel(&n.to_string(), &["Leads.create"], "https://example.com/h"))
        .collect();
    let enabled = e
        .post("/crm/v8/actions/watch", &json!({ "watch": channels }))
        .await?;
    assert_eq!(enabled.status, 201);
    // §1.1: `page`, `per_page` (max 200), `channel_id` filters.
    let first = e.get("/crm/v8/actions/watch?per_page=2").await?;
    assert_eq!(first.body["watch"].as_array().map(Vec::len), Some(2));
    assert_eq!(first.body["info"]["more_records"], true);
    let second = e.get("/crm/v8/actions/watch?per_page=2&page=2").await?;
    assert_eq!(second.body["watch"][0]["channel_id"], "3");
    assert_eq!(second.body["info"]["more_records"], false);
    assert_eq!(
        e.get("/crm/v8/actions/watch?per_page=2&page=3")
            .await?
            .status,
        204
    );
    assert_eq!(
        e.get("/crm/v8/actions/watch?per_page=201").await?.status,
        400
    );
    let one = e.get("/crm/v8/actions/watch?channel_id=2").await?;
    assert_eq!(one.body["watch"].as_array().map(Vec::len), Some(1));
    Ok(())
}

#[tokio::test]
async fn channel_limits_are_refused_per_item_and_a_mix_is_207() -> TestResult {
    let e = watch_env().await?;
    let url = "https://example.com/h";
    // wave2.md §1.1: at most 50 channel objects per body.
    let many: Vec<Value> = (1..=51)
        .map(|n| channel(&n.to_string(), &["Leads.all"], url))
        .collect();
    let refused = e
        .post("/crm/v8/actions/watch", &json!({ "watch": many }))
        .await?;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (400, Some("LIMIT_EXCEEDED"))
    );
    // §1.1 DISAGREE: 10 events per channel is the safe limit.
    let eleven: Vec<String> = ["Leads", "Contacts", "Accounts", "Deals"]
        .iter()
        .flat_map(|m| ["create", "edit", "delete"].map(|op| format!("{m}.{op}")))
        .take(11)
        .collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
    let token_51 = "t".repeat(51);
    let body = json!({"watch": [
        channel("1", &["Leads.all"], url),
        channel("2", &eleven, url),
        // §1.2: token ≤ 50 chars (docs; OAS-Y says 256: DISAGREE, stay ≤ 50).
        {"channel_id": "3", "events": ["Leads.all"], "notify_url": url, "token": token_51},
        // §1.2: channel_id, events and notify_url are mandatory.
        {"events": ["Leads.all"], "notify_url": url},
        {"channel_id": "5", "notify_url": url},
        // §1.2: op ∈ create, edit, delete, all.
        channel("6", &["Leads.update"], url),
        // §1.2: an expiry with milliseconds is refused.
        {"channel_id": "7", "events": ["Leads.all"], "notify_url": url, "channel_expiry": "2099-01-01T00:00:00.000+00:00"},
        {"channel_id": "8", "events": ["Leads.all"], "notify_url": "not a url"},
    ]});
    let mixed = e.post("/crm/v8/actions/watch", &body).await?;
    // §1.1: 207 when some fail (OAS-Y).
    assert_eq!(mixed.status, 207, "{}", mixed.body);
    let codes: Vec<&str> = mixed.body["watch"]
        .as_array()
        .ok_or("no items")?
        .iter()
        .map(|i| i["code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        codes,
        [
            "SUCCESS",
            "LIMIT_EXCEEDED",
            "INVALID_DATA",
            "MANDATORY_NOT_FOUND",
            "MANDATORY_NOT_FOUND",
            "INVALID_DATA",
            "INVALID_DATA",
            "INVALID_DATA"
        ]
    );
    assert_eq!(
        mixed.body["watch"][3]["details"]["json_path"],
        "$.watch[3].channel_id"
    );
    assert_eq!(mixed.body["watch"][4]["details"]["api_name"], "events");
    assert_eq!(mixed.body["watch"][2]["details"]["api_name"], "token");
    // §1.4: every item failing is a 400 with the items.
    let failed = e
        .post(
            "/crm/v8/actions/watch",
            &json!({"watch": [channel("9", &["Nope.all"], url)]}),
        )
        .await?;
    assert_eq!(failed.status, 400);
    assert_eq!(failed.body["watch"][0]["code"], "INVALID_DATA");
    Ok(())
}

#[tokio::test]
async fn the_202_reading_of_a_mix_can_be_chosen() -> TestResult {
    let mut cfg = config(10);
    cfg.open_questions = OpenQuestions {
        watch_mixed_status: 202,
        watch_max_events_per_channel: 50,
        ..OpenQuestions::default()
    };
    let e = env_with(cfg, WATCH_SCOPES).await?;
    let url = "https://example.com/h";
    let events: Vec<String> = (0..11).map(|_| "Leads.all".to_owned()).collect();
    let events: Vec<&str> = events.iter().map(String::as_str).collect();
    let body = json!({"watch": [channel("1", &events, url), channel("2", &["x"], url)]});
    let answer = e.post("/crm/v8/actions/watch", &body).await?;
    // wave2.md §1.1 DISAGREE: OAS-J answers 202 carrying error items.
    assert_eq!(answer.status, 202);
    assert_eq!(answer.body["watch"][0]["code"], "SUCCESS");
    Ok(())
}

#[tokio::test]
async fn expiry_defaults_to_an_hour_and_is_capped_per_version() -> TestResult {
    let e = watch_env().await?;
    let url = "https://example.com/h";
    let expiry_of = |answer: &crate::support::Answer| {
        secs_until(&answer.body["watch"][0]["details"]["events"][0]["channel_expiry"])
    };
    let near = |got: i64, want: i64| (got - want).abs() <= 5;
    let enable = |v: &'static str, id: &'static str, expiry: Option<String>| {
        let mut cfg = channel(id, &["Leads.all"], url);
        if let Some(expiry) = expiry {
            cfg["channel_expiry"] = Value::String(expiry);
        }
        let e = &e;
        async move {
            e.post(
                &format!("/crm/{v}/actions/watch"),
                &json!({ "watch": [cfg] }),
            )
            .await
        }
    };
    // wave2.md §1.3: 1 hour when omitted.
    assert!(near(expiry_of(&enable("v8", "1", None).await?), 3_600));
    // §1.3: v2/v3 at most 1 day; more than the maximum gets the 1-hour default.
    assert!(near(
        expiry_of(&enable("v3", "2", Some(expiry_in(23 * 3_600))).await?),
        23 * 3_600
    ));
    assert!(near(
        expiry_of(&enable("v3", "3", Some(expiry_in(2 * 86_400))).await?),
        3_600
    ));
    // §1.3: v4 and later at most one week.
    assert!(near(
        expiry_of(&enable("v8", "4", Some(expiry_in(6 * 86_400))).await?),
        6 * 86_400
    ));
    assert!(near(
        expiry_of(&enable("v8", "5", Some(expiry_in(8 * 86_400))).await?),
        3_600
    ));
    // §1.3 DISAGREE: one v6 page says one day; the shorter is the default.
    assert!(near(
        expiry_of(&enable("v6", "6", Some(expiry_in(2 * 86_400))).await?),
        3_600
    ));
    // An expiry in the past is refused.
    let past = enable("v8", "7", Some(expiry_in(-60))).await?;
    assert_eq!(past.body["watch"][0]["code"], "INVALID_DATA");
    let mut cfg = config(10);
    cfg.open_questions.watch_v6_max_expiry_one_day = false;
    let week = env_with(cfg, WATCH_SCOPES).await?;
    let mut body = channel("1", &["Leads.all"], url);
    body["channel_expiry"] = Value::String(expiry_in(2 * 86_400));
    let answer = week
        .post("/crm/v6/actions/watch", &json!({"watch": [body]}))
        .await?;
    assert!(near(expiry_of(&answer), 2 * 86_400));
    Ok(())
}

#[tokio::test]
async fn an_expired_channel_is_gone_and_patching_it_is_not_subscribed() -> TestResult {
    let mut e = watch_env().await?;
    let enabled = e
        .post(
            "/crm/v8/actions/watch",
            &json!({"watch": [channel("77", &["Leads.all"], "https://example.com/h")]}),
        )
        .await?;
    assert_eq!(enabled.status, 201);
    // wave2.md §1.3: not auto-extended; after expiry Zoho drops the channel, and a later
    // PATCH answers 400 NOT_SUBSCRIBED.
    e.sandbox.advance_clock(Duration::from_secs(3_601));
    e.renew().await?;
    assert_eq!(e.get("/crm/v8/actions/watch").await?.status, 204);
    let late = patch(
        &e,
        "/crm/v8/actions/watch",
        &json!({"watch": [{"channel_id": "77", "events": ["Leads.all"]}]}),
    )
    .await?;
    assert_eq!(late.status, 400);
    assert_eq!(late.body["watch"][0]["code"], "NOT_SUBSCRIBED");
    // §1.3: the fix is a fresh POST with the same settings.
    let again = e
        .post(
            "/crm/v8/actions/watch",
            &json!({"watch": [channel("77", &["Leads.all"], "https://example.com/h")]}),
        )
        .await?;
    assert_eq!(again.status, 201);
    Ok(())
}

#[tokio::test]
async fn put_replaces_patch_merges_and_delete_events_keeps_the_channel() -> TestResult {
    let e = watch_env().await?;
    let url = "https://example.com/h";
    let cfg = json!({"channel_id": "5", "events": ["Leads.create", "Leads.edit", "Deals.all"], "notify_url": url,
        "token": "secret", "return_affected_field_values": true, "notify_on_related_action": false});
    assert_eq!(
        e.post("/crm/v8/actions/watch", &json!({"watch": [cfg]}))
            .await?
            .status,
        201
    );
    // wave2.md §1.1: PATCH keeps unsent keys.
    let patched = patch(&e, "/crm/v8/actions/watch", &json!({"watch": [{"channel_id": "5", "notify_url": "https://example.com/other", "token": "secret"}]})).await?;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(
        patched.body["watch"][0]["message"],
        "Successfully updated the subscribe details"
    );
    let got = e.get("/crm/v8/actions/watch?module=Leads").await?;
    let leads = &got.body["watch"][0];
    assert_eq!(leads["events"], json!(["Leads.create", "Leads.edit"]));
    assert_eq!(leads["notify_url"], "https://example.com/other");
    assert_eq!(
        (
            leads["token"].as_str(),
            leads["return_affected_field_values"].as_bool()
        ),
        (Some("secret"), Some(true))
    );
    // §1.3 (peer): a PATCH that does not resend the token leaves it null.
    patch(&e, "/crm/v8/actions/watch", &json!({"watch": [{"channel_id": "5", "events": ["Leads.create", "Leads.edit", "Deals.all"]}]})).await?;
    assert_eq!(
        e.get("/crm/v8/actions/watch?module=Leads").await?.body["watch"][0]["token"],
        Value::Null
    );
    // §1.1: PATCH with `_delete_events: true` removes those events; channel_id and events are
    // mandatory for it.
    let removed = patch(
        &e,
        "/crm/v8/actions/watch",
        &json!({"watch": [{"channel_id": "5", "events": ["Leads.edit"], "_delete_events": true}]}),
    )
    .await?;
    assert_eq!(
        removed.body["watch"][0]["message"],
        "Successfully removed the subscribe details"
    );
    let leads = e.get("/crm/v8/actions/watch?module=Leads").await?;
    assert_eq!(leads.body["watch"][0]["events"], json!(["Leads.create"]));
    let no_events = patch(
        &e,
        "/crm/v8/actions/watch",
        &json!({"watch": [{"channel_id": "5", "_delete_events": true}]}),
    )
    .await?;
    assert_eq!(no_events.body["watch"][0]["code"], "MANDATORY_NOT_FOUND");
    // §1.1: `_delete_events: false` is an ordinary partial update.
    let ordinary = patch(
        &e,
        "/crm/v8/actions/watch",
        &json!({"watch": [{"channel_id": "5", "events": ["Deals.all"], "_delete_events": false}]}),
    )
    .await?;
    assert_eq!(
        ordinary.body["watch"][0]["message"],
        "Successfully updated the subscribe details"
    );
    assert_eq!(
        e.get("/crm/v8/actions/watch?module=Leads").await?.status,
        204
    );
    // §1.1: PUT replaces the whole channel; everything not sent is removed.
    let put = e
        .put(
            "/crm/v8/actions/watch",
            &json!({"watch": [channel("5", &["Contacts.delete"], url)]}),
        )
        .await?;
    assert_eq!(put.status, 200, "{}", put.body);
    let contacts = e.get("/crm/v8/actions/watch").await?;
    let item = &contacts.body["watch"][0];
    assert_eq!(item["events"], json!(["Contacts.delete"]));
    assert_eq!(
        (
            item["token"].clone(),
            item["notify_on_related_action"].clone()
        ),
        (Value::Null, json!(true))
    );
    let unknown = e
        .put(
            "/crm/v8/actions/watch",
            &json!({"watch": [channel("6", &["Leads.all"], url)]}),
        )
        .await?;
    assert_eq!(
        (unknown.status, unknown.body["watch"][0]["code"].as_str()),
        (400, Some("NOT_SUBSCRIBED"))
    );
    Ok(())
}

#[tokio::test]
async fn patch_can_keep_an_unsent_token_when_configured() -> TestResult {
    let mut cfg = config(10);
    cfg.open_questions.watch_patch_keeps_token = true;
    let e = env_with(cfg, WATCH_SCOPES).await?;
    let body = json!({"watch": [{"channel_id": "1", "events": ["Leads.all"], "notify_url": "https://example.com/h", "token": "keep"}]});
    e.post("/crm/v8/actions/watch", &body).await?;
    patch(
        &e,
        "/crm/v8/actions/watch",
        &json!({"watch": [{"channel_id": "1", "events": ["Leads.create"]}]}),
    )
    .await?;
    // wave2.md §1.1 [doc]: "unsent keys kept".
    assert_eq!(
        e.get("/crm/v8/actions/watch").await?.body["watch"][0]["token"],
        "keep"
    );
    Ok(())
}

#[tokio::test]
async fn delete_takes_a_comma_list_of_channel_ids() -> TestResult {
    let e = watch_env().await?;
    let url = "https://example.com/h";
    let body = json!({"watch": [channel("1", &["Leads.all"], url), channel("2", &["Leads.all"], url), channel("3", &["Leads.all"], url)]});
    e.post("/crm/v8/actions/watch", &body).await?;
    // wave2.md §1.1: DELETE ?channel_ids=1,2 answers 200 per item.
    let gone = e.delete("/crm/v8/actions/watch?channel_ids=1,2").await?;
    assert_eq!(gone.status, 200);
    assert_eq!(
        gone.body["watch"][1]["message"],
        "Successfully un-subscribed from actions-watch"
    );
    let left = e.get("/crm/v8/actions/watch").await?;
    assert_eq!(left.body["watch"].as_array().map(Vec::len), Some(1));
    let mixed = e.delete("/crm/v8/actions/watch?channel_ids=3,4").await?;
    assert_eq!(
        (mixed.status, mixed.body["watch"][1]["code"].as_str()),
        (207, Some("NOT_SUBSCRIBED"))
    );
    let missing = e.delete("/crm/v8/actions/watch").await?;
    assert_eq!(missing.body["code"], "REQUIRED_PARAM_MISSING");
    // §1.1: channel_ids maxLength 512.
    let long = vec!["1234567890"; 60].join(",");
    let too_long = e
        .delete(&format!("/crm/v8/actions/watch?channel_ids={long}"))
        .await?;
    assert_eq!(
        (too_long.status, too_long.body["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
    Ok(())
}

#[tokio::test]
async fn notification_scopes_are_checked_per_operation() -> TestResult {
    // wave2.md §1.1: CREATE (or WRITE/ALL) to enable, READ to get, DELETE to disable.
    let none = env(10).await?;
    let refused = none.get("/crm/v8/actions/watch").await?;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (401, Some("OAUTH_SCOPE_MISMATCH"))
    );
    let read = env_with(config(10), "ZohoCRM.notifications.READ").await?;
    assert_eq!(read.get("/crm/v8/actions/watch").await?.status, 204);
    let body = json!({"watch": [channel("1", &["Leads.all"], "https://example.com/h")]});
    assert_eq!(read.post("/crm/v8/actions/watch", &body).await?.status, 401);
    let write = env_with(config(10), "ZohoCRM.notifications.WRITE").await?;
    assert_eq!(
        write.post("/crm/v8/actions/watch", &body).await?.status,
        201
    );
    assert_eq!(
        write
            .delete("/crm/v8/actions/watch?channel_ids=1")
            .await?
            .status,
        200
    );
    Ok(())
}

async fn create_leads(
    e: &Env,
    count: usize,
    tag: &str,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let data: Vec<Value> = (0..count)
        .map(|n| json!({"Last_Name": format!("{tag}-{n}"), "Company": format!("{tag} Works {n}")}))
        .collect();
    let created = e.post("/crm/v8/Leads", &json!({ "data": data })).await?;
    assert_eq!(created.status, 201, "{}", created.body);
    Ok(created.body["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|item| item["details"]["id"].as_str().map(str::to_owned))
        .collect())
}

#[tokio::test]
async fn record_writes_call_back_every_matching_channel() -> TestResult {
    let e = watch_env().await?;
    let hook = Receiver::start().await?;
    let everything = json!({"channel_id": "100", "events": ["Leads.all"], "notify_url": format!("{}?secret=s3", hook.url),
        "token": "tok-100", "return_affected_field_values": true});
    let creates = channel("200", &["Leads.create"], &hook.url);
    let deals = channel("300", &["Deals.all"], &hook.url);
    let enabled = e
        .post(
            "/crm/v8/actions/watch",
            &json!({"watch": [everything, creates, deals]}),
        )
        .await?;
    assert_eq!(enabled.status, 201);
    // 30 creates: one write of 20, ten of one.
    let mut leads = create_leads(&e, 20, "batch").await?;
    for n in 0..10 {
        leads.extend(create_leads(&e, 1, &format!("single{n}")).await?);
    }
    // 10 edits in one multi-record update.
    let edits: Vec<Value> = leads[..10]
        .iter()
        .map(|id| json!({"id": id, "Company": "Changed"}))
        .collect();
    assert_eq!(
        e.put("/crm/v8/Leads", &json!({ "data": edits }))
            .await?
            .status,
        200
    );
    // 5 deletes.
    let gone = leads[25..].join(",");
    assert_eq!(
        e.delete(&format!("/crm/v8/Leads?ids={gone}")).await?.status,
        200
    );
    let bodies = hook.wait_for(|b| b.len() >= 11 + 1 + 1 + 11).await;
    // wave2.md §1.5: several ids may arrive in one POST; `operation` is insert/update/delete.
    assert_eq!(ids(&bodies, "100", "insert").len(), 30);
    assert_eq!(ids(&bodies, "100", "update"), leads[..10].to_vec());
    assert_eq!(ids(&bodies, "100", "delete"), leads[25..].to_vec());
    assert_eq!(hook.of("100").len(), 11 + 1 + 1);
    assert_eq!(ids(&bodies, "200", "insert").len(), 30);
    assert_eq!(
        hook.of("200").len(),
        11,
        "Leads.create hears no edit or delete"
    );
    assert!(hook.of("300").is_empty());
    // §1.5: the callback's keys.
    let update = bodies
        .iter()
        .find(|b| b["channel_id"] == "100" && b["operation"] == "update")
        .ok_or("no update")?;
    assert_eq!(update["module"], "Leads");
    assert_eq!(update["token"], "tok-100");
    assert_eq!(update["query_params"], json!({"secret": "s3"}));
    assert!(
        update["server_time"]
            .as_i64()
            .is_some_and(|t| t > 1_700_000_000_000)
    );
    assert!(
        update["resource_uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("/crm/v2/Leads"))
    );
    // §1.5: with return_affected_field_values, changed fields per id and their values.
    assert_eq!(
        update["affected_fields"][0],
        json!({ leads[0].as_str(): ["Company"] })
    );
    assert_eq!(update["affected_values"][0]["values"]["Company"], "Changed");
    let insert = bodies
        .iter()
        .find(|b| b["channel_id"] == "100" && b["operation"] == "insert")
        .ok_or("no insert")?;
    assert_eq!(insert["affected_fields"], json!([]), "§1.5: [] on insert");
    // §1.5: token null when none was set; no affected values unless asked.
    let plain = hook.of("200");
    assert_eq!(plain[0]["token"], Value::Null);
    assert!(plain[0].get("affected_values").is_none());
    Ok(())
}

#[tokio::test]
async fn upsert_and_conversion_call_back_and_related_actions_can_be_muted() -> TestResult {
    let e = watch_env().await?;
    let hook = Receiver::start().await?;
    let body = json!({"watch": [
        channel("1", &["Leads.all"], &hook.url),
        {"channel_id": "2", "events": ["Contacts.create"], "notify_url": hook.url, "notify_on_related_action": false},
        channel("3", &["Contacts.create", "Accounts.create"], &hook.url),
    ]});
    assert_eq!(e.post("/crm/v8/actions/watch", &body).await?.status, 201);
    let lead = create_leads(&e, 1, "convert").await?.remove(0);
    let upsert = json!({"data": [{"Last_Name": "Up", "Email": "up@example.com"}, {"Last_Name": "Again", "Email": "up@example.com"}]});
    // The second item matches the first on Email: one insert, then one update.
    let upserted = e
        .post(
            "/crm/v8/Leads/upsert",
            &json!({"data": [upsert["data"][0].clone()]}),
        )
        .await?;
    assert_eq!(upserted.status, 200);
    e.post(
        "/crm/v8/Leads/upsert",
        &json!({"data": [upsert["data"][1].clone()]}),
    )
    .await?;
    let converted = e
        .post(
            &format!("/crm/v8/Leads/{lead}/actions/convert"),
            &json!({"data": [{}]}),
        )
        .await?;
    assert_eq!(converted.status, 200, "{}", converted.body);
    let bodies = hook.wait_for(|b| b.len() >= 6).await;
    assert_eq!(ids(&bodies, "1", "insert").len(), 2);
    assert_eq!(ids(&bodies, "1", "update").len(), 1);
    assert_eq!(
        ids(&bodies, "1", "delete"),
        vec![lead.clone()],
        "a converted lead leaves Leads"
    );
    // wave2.md §1.2: notify_on_related_action false stops notifications caused by actions on
    // related records (a Contact made by converting a Lead).
    assert!(hook.of("2").is_empty());
    let modules: Vec<Value> = hook.of("3").iter().map(|b| b["module"].clone()).collect();
    assert_eq!(modules.len(), 2, "{modules:?}");
    assert!(modules.contains(&json!("Contacts")) && modules.contains(&json!("Accounts")));
    Ok(())
}

#[tokio::test]
async fn an_expired_channel_calls_back_no_more() -> TestResult {
    let mut e = watch_env().await?;
    let hook = Receiver::start().await?;
    e.post(
        "/crm/v8/actions/watch",
        &json!({"watch": [channel("1", &["Leads.all"], &hook.url)]}),
    )
    .await?;
    create_leads(&e, 1, "before").await?;
    hook.wait_for(|b| !b.is_empty()).await;
    assert_eq!(hook.of("1").len(), 1);
    // wave2.md §1.3: the 1-hour default lapses on the sandbox clock.
    e.sandbox.advance_clock(Duration::from_secs(3_700));
    e.renew().await?;
    e.post(
        "/crm/v8/actions/watch",
        &json!({"watch": [channel("2", &["Leads.all"], &hook.url)]}),
    )
    .await?;
    create_leads(&e, 1, "after").await?;
    // Channels are called in id order from one task: once channel 2 heard, channel 1 would have.
    let bodies = hook.wait_for(|b| b.len() >= 2).await;
    assert_eq!(hook.of("2").len(), 1);
    assert_eq!(hook.of("1").len(), 1, "{bodies:?}");
    Ok(())
}

#[tokio::test]
async fn callbacks_can_be_dropped_or_duplicated() -> TestResult {
    let mut cfg: SandboxConfig = config(10);
    cfg.faults = Faults {
        callback_duplicate_rate: 1.0,
        ..Faults::default()
    };
    let e = env_with(cfg, WATCH_SCOPES).await?;
    let hook = Receiver::start().await?;
    e.post(
        "/crm/v8/actions/watch",
        &json!({"watch": [channel("1", &["Leads.all"], &hook.url)]}),
    )
    .await?;
    for n in 0..5 {
        create_leads(&e, 1, &format!("dup{n}")).await?;
    }
    // wave2.md §1.6: duplicates are possible; every callback here comes twice.
    let bodies = hook.wait_for(|b| b.len() >= 10).await;
    assert_eq!(bodies.len(), 10);
    let mut faults = e.sandbox.faults();
    faults.callback_duplicate_rate = 0.0;
    faults.callback_drop_rate = 1.0;
    e.sandbox.set_faults(faults);
    for n in 0..5 {
        create_leads(&e, 1, &format!("drop{n}")).await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        hook.bodies().len(),
        10,
        "§1.6: at most once: dropped callbacks never come"
    );
    faults.callback_drop_rate = 0.5;
    e.sandbox.set_faults(faults);
    for n in 0..60 {
        create_leads(&e, 1, &format!("half{n}")).await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let heard = hook.bodies().len() - 10;
    assert!(
        (10..=50).contains(&heard),
        "about half of 60 arrive, got {heard}"
    );
    Ok(())
}

#[tokio::test]
async fn a_notification_condition_lets_only_edits_of_its_fields_through() -> TestResult {
    let e = watch_env().await?;
    let hook = Receiver::start().await?;
    let condition = json!([{"type": "field_selection", "module": {"api_name": "Leads"},
        "field_selection": {"group_operator": "or", "group": [
            {"field": {"api_name": "Company"}}, {"field": {"api_name": "Email"}}]}}]);
    let mut cfg = channel("1", &["Leads.all"], &hook.url);
    cfg["notification_condition"] = condition.clone();
    // wave2.md §1.2: `notification_condition` is v6 and later.
    let v5 = e
        .post("/crm/v5/actions/watch", &json!({"watch": [cfg.clone()]}))
        .await?;
    assert_eq!(v5.body["watch"][0]["code"], "INVALID_DATA");
    let v8 = e
        .post("/crm/v8/actions/watch", &json!({"watch": [cfg]}))
        .await?;
    assert_eq!(v8.status, 201, "{}", v8.body);
    let got = e.get("/crm/v8/actions/watch").await?;
    assert_eq!(got.body["watch"][0]["notification_condition"], condition);
    let leads = create_leads(&e, 2, "cond").await?;
    let edits = json!({"data": [{"id": leads[0], "Phone": "555-0100"}, {"id": leads[1], "Company": "Other"}]});
    assert_eq!(e.put("/crm/v8/Leads", &edits).await?.status, 200);
    let bodies = hook.wait_for(|b| b.len() >= 2).await;
    // The insert passes (conditions are about edits); of the edits only the Company one does.
    assert_eq!(ids(&bodies, "1", "insert").len(), 2);
    assert_eq!(ids(&bodies, "1", "update"), vec![leads[1].clone()]);
    // §1.2: at most two objects per group level.
    let mut wide = channel("2", &["Leads.all"], &hook.url);
    wide["notification_condition"] = json!([{"type": "field_selection", "module": {"api_name": "Leads"},
        "field_selection": {"group_operator": "or", "group": [
            {"field": {"api_name": "Company"}}, {"field": {"api_name": "Email"}}, {"field": {"api_name": "Phone"}}]}}]);
    let refused = e
        .post("/crm/v8/actions/watch", &json!({"watch": [wide]}))
        .await?;
    assert_eq!(refused.body["watch"][0]["code"], "INVALID_DATA");
    Ok(())
}
