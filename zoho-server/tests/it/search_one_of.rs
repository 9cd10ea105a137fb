//! The spec's `one_of` rule over JSON-RPC: CRM Search Records takes exactly one of `criteria`,
//! `email`, `phone` and `word`; none or several is refused (-32602) before Zoho is asked.

use serde_json::{Value, json};

use crate::support::Running;

/// Search requests the sandbox saw, whatever their status.
fn searches(server: &Running) -> u64 {
    server.sandbox.stats()["requests"]["crm.records.search"]
        .as_object()
        .map_or(0, |by_status| {
            by_status.values().filter_map(Value::as_u64).sum()
        })
}

#[tokio::test]
async fn search_takes_exactly_one_of_criteria_email_phone_word() {
    let server = Running::start(0).await;
    server
        .ok(
            "crm.createRecords",
            json!({"recordType": "Leads", "records": [
                {"Last_Name": "Lovelace", "Company": "Engines", "Email": "ada@example.com"},
            ]}),
        )
        .await;

    let none = server
        .err("crm.searchRecords", json!({"recordType": "Leads"}))
        .await;
    assert_eq!(none["code"], -32602, "{none:#}");
    assert_eq!(none["data"]["field"], "criteria", "{none:#}");
    assert_eq!(
        none["data"]["reason"], "give exactly one of criteria, email, phone, word; got none",
        "{none:#}"
    );

    let two = server
        .err(
            "crm.searchRecords",
            json!({"recordType": "Leads", "email": "ada@example.com", "word": "Lovelace"}),
        )
        .await;
    assert_eq!(two["code"], -32602, "{two:#}");
    assert_eq!(two["data"]["field"], "email", "{two:#}");
    assert_eq!(
        two["data"]["reason"],
        "give exactly one of criteria, email, phone, word; got email and word",
        "{two:#}"
    );
    assert_eq!(searches(&server), 0, "refused calls never reach Zoho");

    let one = server
        .ok(
            "crm.searchRecords",
            json!({"recordType": "Leads", "email": "ada@example.com"}),
        )
        .await;
    assert_eq!(one["data"][0]["Last_Name"], "Lovelace", "{one:#}");
    assert_eq!(searches(&server), 1);
}
