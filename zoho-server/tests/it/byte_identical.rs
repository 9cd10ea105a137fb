//! JSON-RPC answers stay byte for byte what they were: a representative set of calls against a
//! fresh sandbox (fixed seed, so fixed ids), each answer compared with the bytes recorded in
//! `fixtures/answers.txt`. Work on the call path (how results are parsed, shaped and written)
//! must not change a byte a caller sees.
//!
//! Only what cannot be fixed is normalised: times the sandbox stamps with the wall clock on a
//! create or update (`Created_Time`, `Modified_Time`, a page token's expiry) become `<now>`,
//! CRM page tokens (which carry their issue time) `<token>`, and the sandbox's ephemeral address
//! `<sandbox>`. Seeded records carry fixed 2024 times
//! and are compared as sent.
//!
//! After a deliberate change of an answer, record them again with
//! `UPDATE_ANSWERS=1 cargo test -p zoho-server --test it byte_identical`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::support::Running;

/// The calls, in order (later ones use what earlier ones created), with a name each.
fn cases() -> Vec<(&'static str, Value)> {
    vec![
        (
            "getRecord, chosen fields",
            call(
                "crm.getRecord",
                json!({"recordType": "Leads", "recordId": LEAD, "fields": ["Last_Name", "Email", "Company"]}),
            ),
        ),
        (
            "getRecord, every field",
            call(
                "crm.getRecord",
                json!({"recordType": "Leads", "recordId": LEAD}),
            ),
        ),
        (
            "getRecords, second page",
            call(
                "crm.getRecords",
                json!({"recordType": "Leads", "fields": ["Last_Name", "Email"], "page": 2, "perPage": 3}),
            ),
        ),
        (
            "getRecords, following pages up to maxRecords",
            call(
                "crm.getRecords",
                json!({"recordType": "Leads", "fields": ["Last_Name"], "perPage": 4, "fetchAll": true, "maxRecords": 10}),
            ),
        ),
        (
            "createRecord",
            call(
                "crm.createRecord",
                json!({"recordType": "Leads", "values": {"Last_Name": "Lovelace", "Email": "ada@example.com", "Company": "Analytical Engines"}}),
            ),
        ),
        (
            "getRecord of the created record",
            call(
                "crm.getRecord",
                json!({"recordType": "Leads", "recordId": CREATED, "fields": ["Last_Name", "Company", "Created_Time"]}),
            ),
        ),
        (
            "updateRecord",
            call(
                "crm.updateRecord",
                json!({"recordType": "Leads", "recordId": CREATED, "values": {"Company": "Babbage & Co \"quoted\" \u{e9}t\u{e9}"}}),
            ),
        ),
        (
            "coqlQuery",
            call(
                "crm.coqlQuery",
                json!({"query": "select Last_Name, Company from Leads where Last_Name = 'Lovelace'"}),
            ),
        ),
        (
            "removeRecord",
            call(
                "crm.removeRecord",
                json!({"recordType": "Leads", "recordId": CREATED}),
            ),
        ),
        (
            "getRecord of a removed record: not found",
            call(
                "crm.getRecord",
                json!({"recordType": "Leads", "recordId": CREATED}),
            ),
        ),
        (
            "getRecord with a recordId that is not a string: -32602",
            call(
                "crm.getRecord",
                json!({"recordType": "Leads", "recordId": 12}),
            ),
        ),
        (
            "createRecord without a mandatory field: Zoho's error passed through",
            call(
                "crm.createRecord",
                json!({"recordType": "Leads", "values": {"Email": "nobody@example.com"}}),
            ),
        ),
        (
            "getRecords of a module Zoho does not have",
            call(
                "crm.getRecords",
                json!({"recordType": "Nonsense", "fields": ["Last_Name"]}),
            ),
        ),
        (
            "rawRequest, CRM",
            call(
                "crm.rawRequest",
                json!({"url": format!("/Leads/{LEAD}"), "method": "GET", "queryParameters": {"fields": "Last_Name,Phone"}}),
            ),
        ),
        (
            "rawRequest, Books organizations",
            call(
                "books.rawRequest",
                json!({"url": "/organizations", "method": "GET"}),
            ),
        ),
        (
            "books.getRecords, one page",
            call(
                "books.getRecords",
                json!({"recordType": "contacts", "organizationId": ORG, "perPage": 2}),
            ),
        ),
        (
            "books.getRecord",
            call(
                "books.getRecord",
                json!({"recordType": "contacts", "organizationId": ORG, "recordId": BOOKS_CONTACT}),
            ),
        ),
        (
            "books.getRecord of an unknown id: not found",
            call(
                "books.getRecord",
                json!({"recordType": "contacts", "organizationId": ORG, "recordId": "1"}),
            ),
        ),
        ("unknown method", call("crm.getRecordz", json!({}))),
        (
            "a batch: a call, a notification, a request that is not one",
            json!([
                call("crm.getRecord", json!({"recordType": "Leads", "recordId": LEAD, "fields": ["Email"]})),
                {"jsonrpc": "2.0", "method": "crm.getRecord", "params": {"recordType": "Leads", "recordId": LEAD}},
                {"foo": "bar"},
            ]),
        ),
        (
            "removeRecord of a removed record: not found",
            call(
                "crm.removeRecord",
                json!({"recordType": "Leads", "recordId": CREATED}),
            ),
        ),
        (
            "updateRecord of a removed record: Zoho's error passed through",
            call(
                "crm.updateRecord",
                json!({"recordType": "Leads", "recordId": CREATED, "values": {"Company": "Gone"}}),
            ),
        ),
        (
            "rawRequest, CRM, a page",
            call(
                "crm.rawRequest",
                json!({"url": "/Leads", "method": "GET", "queryParameters": {"fields": "Last_Name", "per_page": "2"}}),
            ),
        ),
        (
            "rawRequest, CRM, a create",
            call(
                "crm.rawRequest",
                json!({"url": "/Leads", "method": "POST", "data": {"data": [{"Last_Name": "Raw \"quoted\" \u{e9}", "Company": "Raw Co"}]}}),
            ),
        ),
        (
            "rawRequest, CRM, a removed record: Zoho's answer",
            call(
                "crm.rawRequest",
                json!({"url": format!("/Leads/{CREATED}"), "method": "GET"}),
            ),
        ),
        (
            "rawRequest, Books, a contact",
            call(
                "books.rawRequest",
                json!({"url": format!("/contacts/{BOOKS_CONTACT}"), "method": "GET", "queryParameters": {"organization_id": ORG}}),
            ),
        ),
        (
            "rawRequest, Books, an unknown contact: Zoho's error",
            call(
                "books.rawRequest",
                json!({"url": "/contacts/1", "method": "GET", "queryParameters": {"organization_id": ORG}}),
            ),
        ),
        (
            "books.createRecord",
            call(
                "books.createRecord",
                json!({"recordType": "contacts", "organizationId": ORG, "values": {"contact_name": "Babbage \"quoted\" \u{e9}t\u{e9}", "company_name": "Difference Engines"}}),
            ),
        ),
        (
            "books.updateRecord of the created contact",
            call(
                "books.updateRecord",
                json!({"recordType": "contacts", "organizationId": ORG, "recordId": BOOKS_CREATED, "values": {"contact_name": "Babbage", "company_name": "Analytical Engines"}}),
            ),
        ),
        (
            "books.getRecord of the created contact",
            call(
                "books.getRecord",
                json!({"recordType": "contacts", "organizationId": ORG, "recordId": BOOKS_CREATED}),
            ),
        ),
        (
            "books.updateRecord of an unknown id: not found",
            call(
                "books.updateRecord",
                json!({"recordType": "contacts", "organizationId": ORG, "recordId": "1", "values": {"contact_name": "x"}}),
            ),
        ),
    ]
}

// Placeholders in the cases, replaced by ids found at the start (fixed by the sandbox's seed)
// or made by an earlier case.
const LEAD: &str = "<lead>";
const BOOKS_CONTACT: &str = "<contact>";
const ORG: &str = "<organization>";
const CREATED: &str = "<created>";
const BOOKS_CREATED: &str = "<books-created>";

fn call(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures/answers.txt")
}

#[tokio::test]
async fn json_rpc_answers_are_byte_for_byte_as_recorded() {
    let server = Running::start(20).await;
    let sandbox = server.sandbox.base_url().trim_end_matches('/').to_owned();

    // Ids the cases need, found the way a user would; they are fixed by the sandbox's seed.
    let leads = server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "perPage": 1}),
        )
        .await;
    let lead = leads["data"][0]["id"].as_str().unwrap().to_owned();
    let orgs = server
        .ok(
            "books.rawRequest",
            json!({"url": "/organizations", "method": "GET"}),
        )
        .await;
    let org = orgs["organizations"][0]["organization_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let contacts = server
        .ok(
            "books.getRecords",
            json!({"recordType": "contacts", "organizationId": org, "perPage": 1}),
        )
        .await;
    let contact = contacts["contacts"][0]["contact_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut recorded = String::new();
    let mut created_id = String::new();
    let mut books_created_id = String::new();
    for (name, request) in cases() {
        let text = request
            .to_string()
            .replace(LEAD, &lead)
            .replace(BOOKS_CONTACT, &contact)
            .replace(ORG, &org)
            .replace(BOOKS_CREATED, &books_created_id)
            .replace(CREATED, &created_id);
        let response = server.post(text.clone()).await;
        assert_eq!(response.status(), 200, "{name}");
        let bytes = response.bytes().await.unwrap();
        let answer = String::from_utf8(bytes.to_vec()).unwrap();
        if name == "createRecord" {
            let value: Value = serde_json::from_str(&answer).unwrap();
            created_id = value["result"]["details"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("the create failed: {answer}"))
                .to_owned();
        }
        if name == "books.createRecord" {
            let value: Value = serde_json::from_str(&answer).unwrap();
            books_created_id = value["result"]["contact_id"]
                .as_str()
                .unwrap_or_else(|| panic!("the create failed: {answer}"))
                .to_owned();
        }
        let answer = normalise(&answer.replace(&sandbox, "<sandbox>"));
        writeln!(recorded, "# {name}\n> {text}\n< {answer}\n").unwrap();
    }
    server.shut_down().await.unwrap();

    let path = fixture();
    if std::env::var_os("UPDATE_ANSWERS").is_some() {
        std::fs::write(&path, &recorded).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != recorded {
        let first = expected
            .lines()
            .zip(recorded.lines())
            .find(|(was, now)| was != now);
        panic!(
            "JSON-RPC answers changed (UPDATE_ANSWERS=1 records them again, if the change is meant).\n\
             first difference:\n  recorded: {}\n  now:      {}",
            first.map_or("(end of file)", |(was, _)| was),
            first.map_or("(end of file)", |(_, now)| now),
        );
    }
}

/// Each time in `text` within a day of now (`2026-12-02T00:10:00+00:00` or `+0000`, or a
/// `2026-12-02` date) written `<now>`: the sandbox stamps creates, updates and page-token
/// expiries with the wall clock.
fn normalise(text: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut out = text.to_owned();
    for day in [now - 86_400, now, now + 86_400].map(civil_date) {
        while let Some(at) = out.find(&day) {
            let rest = &out[at + day.len()..];
            let stamp = if rest.starts_with('T') {
                // `THH:MM:SS` then `+00:00` or `+0000`.
                let zone = &rest[9..];
                let zone_len = if zone.starts_with("+00:00") {
                    6
                } else if zone.starts_with("+0000") {
                    5
                } else {
                    0
                };
                day.len() + 9 + zone_len
            } else {
                day.len()
            };
            out.replace_range(at..at + stamp, "<now>");
        }
    }
    // Page tokens carry their issue time.
    for key in ["\"next_page_token\":\"", "\"previous_page_token\":\""] {
        let mut from = 0;
        while let Some(found) = out[from..].find(key) {
            let start = from + found + key.len();
            let Some(len) = out[start..].find('"') else {
                break;
            };
            out.replace_range(start..start + len, "<token>");
            from = start + "<token>".len();
        }
    }
    out
}

/// `YYYY-MM-DD` of `epoch_secs` (UTC).
fn civil_date(epoch_secs: i64) -> String {
    let z = epoch_secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
