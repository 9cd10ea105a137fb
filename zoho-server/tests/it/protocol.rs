//! Batches, notifications and every error code of the interface table, each provoked for real
//! against the sandbox.

use std::time::Duration;

use serde_json::{Value, json};
use zoho_server::rpc::Limits;

use crate::support::{Running, UNAUTHORIZED};

#[tokio::test]
async fn a_batch_answers_each_call_and_runs_the_notification() {
    let server = Running::start(10).await;
    let body = json!([
        {"jsonrpc": "2.0", "id": "page", "method": "crm.getRecords",
         "params": {"recordType": "Leads", "fields": ["Last_Name"], "perPage": 3}},
        {"jsonrpc": "2.0", "method": "crm.createRecord",
         "params": {"recordType": "Leads", "values": {"Last_Name": "Batched"}}},
        {"jsonrpc": "2.0", "id": 2, "method": "crm.getRecord",
         "params": {"recordType": "Leads", "recordId": "1234567890123456789"}},
        {"jsonrpc": "2.0", "id": null, "method": "crm.nope"}
    ]);
    let response = server.post(body.to_string()).await;
    assert_eq!(response.status(), 200);
    let answers: Vec<Value> = response.json().await.unwrap();
    assert_eq!(
        answers.len(),
        3,
        "the notification is not answered: {answers:#?}"
    );
    assert_eq!(answers[0]["id"], "page");
    assert_eq!(answers[0]["result"]["data"].as_array().unwrap().len(), 3);
    assert_eq!(answers[1]["id"], 2);
    assert_eq!(answers[1]["error"]["code"], -32005);
    assert_eq!(answers[2]["id"], Value::Null);
    assert_eq!(answers[2]["error"]["code"], -32601);

    let found = server
        .ok(
            "crm.coqlQuery",
            json!({"query": "select Last_Name from Leads where Last_Name = 'Batched'"}),
        )
        .await;
    assert_eq!(
        found["data"].as_array().unwrap().len(),
        1,
        "the notification in the batch ran"
    );
}

#[tokio::test]
async fn a_notification_runs_and_gets_an_empty_answer() {
    let server = Running::start(10).await;
    let body = json!({"jsonrpc": "2.0", "method": "crm.createRecord",
                      "params": {"recordType": "Leads", "values": {"Last_Name": "Notified"}}});
    let response = server.post(body.to_string()).await;
    assert_eq!(response.status(), 204);
    assert!(response.bytes().await.unwrap().is_empty());
    let found = server
        .ok(
            "crm.coqlQuery",
            json!({"query": "select Last_Name from Leads where Last_Name = 'Notified'"}),
        )
        .await;
    assert_eq!(found["data"].as_array().unwrap().len(), 1);
    server.shut_down().await.unwrap();
}

#[tokio::test]
async fn request_level_errors() {
    let server = Running::start(5).await;

    let parse: Value = server
        .post("{\"jsonrpc\": \"2.0\", ")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(parse["error"]["code"], -32700);
    assert_eq!(parse["id"], Value::Null);

    let invalid: Value = server
        .post(r#"{"jsonrpc":"1.0","id":5,"method":"crm.getRecords"}"#)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(invalid["error"]["code"], -32600);
    assert_eq!(invalid["id"], 5);
    let empty: Value = server.post("[]").await.json().await.unwrap();
    assert_eq!(empty["error"]["code"], -32600);

    let unknown = server.err("crm.getRecordz", json!({})).await;
    assert_eq!(unknown["code"], -32601);
    assert_eq!(unknown["data"]["method"], "crm.getRecordz");
}

#[tokio::test]
async fn params_that_do_not_fit_name_the_field_and_say_why() {
    let server = Running::start(5).await;
    for (params, field) in [
        (
            json!({"recordType": "Leads", "fields": ["Last_Name"], "perPage": 500}),
            "perPage",
        ),
        (
            json!({"recordType": "Leads", "fields": ["Last_Name"], "perPge": 5}),
            "perPge",
        ),
        (json!({"fields": ["Last_Name"]}), "recordType"),
        (
            json!({"recordType": "Leads", "fields": "Last_Name"}),
            "fields",
        ),
        (
            json!({"recordType": "Leads", "fields": ["Last_Name"], "connection": "nowhere"}),
            "connection",
        ),
    ] {
        let error = server.err("crm.getRecords", params.clone()).await;
        assert_eq!(error["code"], -32602, "{params}: {error:#}");
        assert_eq!(error["data"]["field"], field, "{params}: {error:#}");
        assert!(!error["data"]["reason"].as_str().unwrap().is_empty());
    }
    let positional: Value = server
        .post(r#"{"jsonrpc":"2.0","id":1,"method":"crm.getRecords","params":["Leads"]}"#)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(positional["error"]["code"], -32602);
    assert_eq!(positional["error"]["data"]["field"], "params");
}

#[tokio::test]
async fn zoho_errors_pass_through_with_their_code_message_and_details() {
    let server = Running::start(5).await;
    let error = server
        .err(
            "crm.createRecord",
            json!({"recordType": "Leads", "values": {"Company": "No name"}}),
        )
        .await;
    assert_eq!(error["code"], -32001, "{error:#}");
    assert_eq!(error["data"]["zohoCode"], "MANDATORY_NOT_FOUND");
    assert_eq!(error["data"]["details"]["api_name"], "Last_Name");
    assert!(error["data"]["httpStatus"].is_u64());
    assert!(error["data"]["message"].is_string());
}

#[tokio::test]
async fn a_connection_never_authorized_says_what_to_do() {
    let server = Running::start(5).await;
    let error = server
        .err(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "connection": UNAUTHORIZED}),
        )
        .await;
    assert_eq!(error["code"], -32002, "{error:#}");
    assert_eq!(error["data"]["connection"], UNAUTHORIZED);
    assert!(
        error["data"]["nextStep"]
            .as_str()
            .unwrap()
            .contains(UNAUTHORIZED),
        "{error:#}"
    );
}

#[tokio::test]
async fn rate_limits_network_failures_and_timeouts() {
    let server = Running::start_with(
        5,
        Limits {
            call_timeout: Duration::from_millis(600),
            ..Limits::default()
        },
    )
    .await;
    let list = json!({"recordType": "Leads", "fields": ["Last_Name"]});

    server.faults(json!({"rate_limit_rate": 1.0})).await;
    let limited = server.err("crm.getRecords", list.clone()).await;
    assert_eq!(limited["code"], -32003, "{limited:#}");
    assert_eq!(limited["data"]["httpStatus"], 429);

    server
        .faults(json!({"rate_limit_rate": 0.0, "reset_rate": 1.0}))
        .await;
    let reset = server.err("crm.getRecords", list.clone()).await;
    assert_eq!(reset["code"], -32004, "{reset:#}");
    assert!(reset["data"]["attempts"].as_u64().unwrap() >= 1);

    server
        .faults(json!({"reset_rate": 0.0, "latency_ms": 3000}))
        .await;
    let slow = server.err("crm.getRecords", list.clone()).await;
    assert_eq!(slow["code"], -32004, "{slow:#}");
    assert_eq!(slow["data"]["timedOut"], true);

    server.faults(json!({"latency_ms": 0})).await;
    server.ok("crm.getRecords", list).await;
}

#[tokio::test]
async fn a_missing_record_names_its_type_and_id() {
    let server = Running::start(5).await;
    let error = server
        .err(
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": "1111111111111111111"}),
        )
        .await;
    assert_eq!(error["code"], -32005);
    assert_eq!(
        error["data"],
        json!({"recordType": "Leads", "recordId": "1111111111111111111"})
    );
}

#[tokio::test]
async fn an_answer_we_cannot_read_is_an_internal_error_with_a_log_id() {
    let server = Running::start(5).await;
    let lead = server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "perPage": 1}),
        )
        .await;
    let id = lead["data"][0]["id"].as_str().unwrap().to_owned();
    let attached = server
        .ok(
            "crm.addAttachment",
            json!({"recordId": id, "fileName": "note.txt", "file": "plain text, not JSON"}),
        )
        .await;
    let attachment = attached["details"]["id"].as_str().unwrap().to_owned();
    // Downloading the file while insisting on a JSON answer: Zoho sent bytes we cannot read as JSON.
    let error = server
        .err("crm.rawRequest", json!({"url": format!("/Leads/{id}/Attachments/{attachment}"), "method": "GET", "responseType": "json"}))
        .await;
    assert_eq!(error["code"], -32603, "{error:#}");
    let error_id = error["data"]["errorId"].as_str().unwrap();
    assert!(error["message"].as_str().unwrap().contains(error_id));
    assert!(
        !error["message"].as_str().unwrap().contains("not JSON"),
        "the detail stays in the log"
    );
}

#[tokio::test]
async fn the_oauth_routes_authorize_a_connection_and_refuse_a_forged_state() {
    let server = Running::start(5).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let start = client
        .get(server.url(&format!("/oauth/start?connection={UNAUTHORIZED}")))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 302);
    let consent = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(consent.starts_with(server.sandbox.base_url()), "{consent}");
    assert!(consent.contains("state="), "{consent}");

    let redirect = zoho_server::sandbox::accept_consent(&consent)
        .await
        .unwrap();
    assert!(
        redirect
            .as_str()
            .starts_with(&server.url("/oauth/callback")),
        "{redirect}"
    );
    assert!(
        redirect.query_pairs().any(|(k, _)| k == "accounts-server"),
        "{redirect}"
    );

    let mut forged = redirect.clone();
    let pairs: Vec<(String, String)> = redirect
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                "forged".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(client.get(forged).send().await.unwrap().status(), 400);

    let done = client.get(redirect).send().await.unwrap();
    assert_eq!(done.status(), 200, "{}", done.text().await.unwrap());
    server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "connection": UNAUTHORIZED}),
        )
        .await;
}
