//! Issue 6: every action does what a Zoho user expects, end to end. Each test drives the same
//! sandbox twice — through the generated Rust types with a `zoho_core::Client`, and through
//! JSON-RPC on the server — and checks what a user of each would check.

use std::collections::HashSet;

use base64::Engine;
use futures::TryStreamExt;
use serde_json::{Value, json};
use zoho_actions::output::Record;
use zoho_actions::{Action, ListAction, books, crm};
use zoho_core::{Client, Connection, ConnectionConfig, Error, Secret, ZohoCode};
use zoho_sandbox::Sandbox;

use crate::support::Running;

const SCOPES: &str =
    "ZohoCRM.modules.ALL,ZohoCRM.coql.READ,ZohoCRM.settings.ALL,ZohoBooks.fullaccess.all";

/// A Rust client on the sandbox, authorized like a script would be: a self-client grant code
/// exchanged at the token endpoint.
pub(crate) async fn rust_client(sandbox: &Sandbox) -> Client {
    let base = sandbox.base_url();
    let grant: Value = reqwest::Client::new()
        .post(format!("{base}/__sandbox/self-client"))
        .form(&[("scope", SCOPES)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let connection = Connection::new(
        "rust",
        ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, base),
        Secret::new(zoho_sandbox::CLIENT_SECRET),
    )
    .unwrap();
    connection
        .exchange_self_client_code(grant["code"].as_str().unwrap())
        .await
        .unwrap();
    connection.client()
}

fn object(value: Value) -> serde_json::Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// The Books organizations the sandbox's user belongs to: (id, name).
pub(crate) async fn organizations(server: &Running) -> Vec<(String, String)> {
    let answer = server
        .ok(
            "books.rawRequest",
            json!({"url": "/organizations", "method": "GET"}),
        )
        .await;
    answer["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|org| {
            (
                org["organization_id"].as_str().unwrap().to_owned(),
                org["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

// 1. Record bodies: Dynamic Fields overlaid by Values, JSON types kept, 19-digit ids as strings.
#[tokio::test]
async fn record_bodies_merge_dynamic_fields_under_values_and_keep_json_types() {
    let server = Running::start(10).await;
    let client = rust_client(&server.sandbox).await;
    let long_id = "4150868000000002175";

    let mut create = crm::CreateRecord::new("Leads");
    create.dynamic_fields = Some(object(
        json!({"Company": "Engines Ltd", "Last_Name": "loses"}),
    ));
    create.values = Some(object(json!({
        "Last_Name": "Lovelace", "No_of_Employees": 42, "Email_Opt_Out": true,
        "Description": long_id
    })));
    let created = create.execute(&client).await.unwrap();
    let id = created.details.id.clone();

    let via_rpc = server
        .ok(
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": id,
                   "fields": ["Last_Name", "Company", "No_of_Employees", "Email_Opt_Out", "Description"]}),
        )
        .await;
    assert_eq!(via_rpc["Last_Name"], "Lovelace", "Values win on a clash");
    assert_eq!(
        via_rpc["Company"], "Engines Ltd",
        "Dynamic Fields are merged in"
    );
    assert_eq!(via_rpc["No_of_Employees"], 42, "numbers stay numbers");
    assert_eq!(via_rpc["Email_Opt_Out"], true, "booleans stay booleans");
    assert_eq!(
        via_rpc["Description"], long_id,
        "19-digit ids stay exact strings"
    );

    // Books sends the record object itself (no CRM `data` wrapper).
    let (org, _) = organizations(&server).await.remove(0);
    let contact = server
        .ok(
            "books.createRecord",
            json!({"recordType": "contacts", "organizationId": org,
                   "dynamicFields": {"contact_name": "dynamic", "company_name": "Analytical"},
                   "values": {"contact_name": "Ada Lovelace"}}),
        )
        .await;
    assert_eq!(contact["contact_name"], "Ada Lovelace", "{contact:#}");
    assert_eq!(contact["company_name"], "Analytical");
}

// 2. Results: a failed CRM write is -32001 with Zoho's item; missing records are -32005.
#[tokio::test]
async fn failed_writes_and_missing_records_surface_as_zoho_said() {
    let server = Running::start(10).await;
    let client = rust_client(&server.sandbox).await;

    let mut create = crm::CreateRecord::new("Leads");
    create.values = Some(object(json!({"Company": "No Last Name"})));
    match create.execute(&client).await {
        Err(Error::Api(api)) => {
            assert_eq!(api.code, Some(ZohoCode::Text("MANDATORY_NOT_FOUND".into())));
            assert_eq!(api.details["api_name"], "Last_Name");
        }
        other => panic!("expected MANDATORY_NOT_FOUND, got {other:?}"),
    }
    let error = server
        .err(
            "crm.createRecord",
            json!({"recordType": "Leads", "values": {"Company": "No Last Name"}}),
        )
        .await;
    assert_eq!(error["code"], -32001);
    assert_eq!(error["data"]["zohoCode"], "MANDATORY_NOT_FOUND");
    assert_eq!(error["data"]["details"]["api_name"], "Last_Name");

    let missing = "4150868000999999999";
    match crm::GetRecord::new("Leads", missing).execute(&client).await {
        Err(Error::NotFound {
            record_type,
            record_id,
        }) => {
            assert_eq!(
                (record_type.as_str(), record_id.as_str()),
                ("Leads", missing)
            );
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    let error = server
        .err(
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": missing}),
        )
        .await;
    assert_eq!(error["code"], -32005);
    assert_eq!(error["data"]["recordId"], missing);

    // No match is an empty page, not an error.
    let empty = server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "page": 9}),
        )
        .await;
    assert_eq!(empty["data"], json!([]));
    assert_eq!(empty["info"]["more_records"], false);

    // Books: 1002 is record-not-found too.
    let (org, _) = organizations(&server).await.remove(0);
    let error = server
        .err(
            "books.getRecord",
            json!({"recordType": "invoices", "recordId": "460000000000999", "organizationId": org}),
        )
        .await;
    assert_eq!(error["code"], -32005, "{error:#}");
}

// 3. Get Records: fields required, and fetchAll crossing the 2,000-record page limit.
#[tokio::test]
async fn a_5000_record_export_crosses_the_page_limit_and_returns_every_record_once() {
    let server = Running::start(5_000).await;
    let client = rust_client(&server.sandbox).await;

    let error = server
        .err("crm.getRecords", json!({"recordType": "Leads"}))
        .await;
    assert_eq!(error["code"], -32602);
    assert_eq!(error["data"]["field"], "fields");

    let mut export = crm::GetRecords::new("Leads");
    export.fields = Some(vec!["Last_Name".into()]);
    export.fetch_all = true;
    let streamed: Vec<Record> = export.records(&client).try_collect().await.unwrap();
    let ids: HashSet<&str> = streamed.iter().map(|r| r.id().unwrap()).collect();
    assert_eq!(streamed.len(), 5_000);
    assert_eq!(ids.len(), 5_000, "every record exactly once (Rust stream)");

    let all = server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "fetchAll": true}),
        )
        .await;
    let rows = all["data"].as_array().unwrap();
    let rpc_ids: HashSet<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rows.len(), 5_000);
    assert_eq!(rpc_ids, ids, "JSON-RPC returns the same records, once each");

    let capped = server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "maxRecords": 2_345}),
        )
        .await;
    assert_eq!(capped["data"].as_array().unwrap().len(), 2_345);

    // Books follows page_context.has_more_page.
    let (org, _) = organizations(&server).await.remove(0);
    let mut contacts = books::GetRecords::new("contacts");
    contacts.organization_id = Some(org.clone());
    contacts.per_page = 7;
    contacts.fetch_all = true;
    let listed: Vec<Record> = contacts.records(&client).try_collect().await.unwrap();
    let unique: HashSet<&str> = listed
        .iter()
        .map(|c| c.get_str("contact_id").unwrap())
        .collect();
    assert!(listed.len() > 7, "more than one page: {}", listed.len());
    assert_eq!(unique.len(), listed.len());
}

// 4. Books organization: several and none chosen is a clear error listing them.
#[tokio::test]
async fn books_with_two_organizations_and_none_chosen_lists_them() {
    let server = Running::start(10).await;
    let client = rust_client(&server.sandbox).await;
    let orgs = organizations(&server).await;
    assert_eq!(orgs.len(), 2, "the sandbox seeds two organizations");

    match books::GetRecords::new("contacts").execute(&client).await {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, "organizationId");
            for (id, name) in &orgs {
                assert!(reason.contains(id) && reason.contains(name), "{reason}");
            }
        }
        other => panic!("expected a choice of organization, got {other:?}"),
    }
    let error = server
        .err("books.getRecords", json!({"recordType": "contacts"}))
        .await;
    assert_eq!(error["code"], -32602);
    assert_eq!(error["data"]["field"], "organizationId");

    let chosen = server
        .ok(
            "books.getRecords",
            json!({"recordType": "contacts", "organizationId": orgs[1].0, "perPage": 3}),
        )
        .await;
    let contacts = chosen["contacts"].as_array().unwrap();
    assert!(!contacts.is_empty() && contacts.len() <= 3, "{chosen:#}");
    assert_eq!(chosen["page_context"]["per_page"], 3);
}

// 5. Books parents: both give the nested path; only one is -32602.
#[tokio::test]
async fn books_parent_records_nest_the_path_and_half_a_parent_is_refused() {
    let server = Running::start(20).await;
    let (org, _) = organizations(&server).await.remove(0);
    let projects = server
        .ok(
            "books.getRecords",
            json!({"recordType": "projects", "organizationId": org, "perPage": 1}),
        )
        .await;
    let project = projects["projects"][0]["project_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let created = server
        .ok(
            "books.createRecord",
            json!({"recordType": "tasks", "parentRecordType": "projects", "parentRecordId": project,
                   "organizationId": org, "values": {"task_name": "Write the spec"}}),
        )
        .await;
    assert_eq!(created["task_name"], "Write the spec", "{created:#}");
    let tasks = server
        .ok(
            "books.getRecords",
            json!({"recordType": "tasks", "parentRecordType": "projects", "parentRecordId": project,
                   "organizationId": org}),
        )
        .await;
    assert!(
        tasks["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|task| task["task_name"] == "Write the spec"),
        "{tasks:#}"
    );

    let error = server
        .err(
            "books.getRecords",
            json!({"recordType": "tasks", "parentRecordType": "projects", "organizationId": org}),
        )
        .await;
    assert_eq!(error["code"], -32602);
    assert_eq!(error["data"]["field"], "parentRecordId");
}

// 6. COQL: no match is an empty result; Zoho's syntax errors come back with their details.
#[tokio::test]
async fn coql_answers_rows_empty_results_and_zoho_syntax_errors() {
    let server = Running::start(50).await;
    let client = rust_client(&server.sandbox).await;

    let rows =
        crm::CoqlQuery::new("select Last_Name from Leads where Last_Name is not null limit 5")
            .execute(&client)
            .await
            .unwrap();
    assert_eq!(rows.data.len(), 5);

    let none = server
        .ok(
            "crm.coqlQuery",
            json!({"query": "select Last_Name from Leads where Last_Name = 'Nobody At All'"}),
        )
        .await;
    assert_eq!(none["data"], json!([]));
    assert_eq!(none["info"]["more_records"], false);

    let error = server
        .err("crm.coqlQuery", json!({"query": "select from Leads where"}))
        .await;
    assert_eq!(error["code"], -32001);
    assert_eq!(error["data"]["zohoCode"], "SYNTAX_ERROR", "{error:#}");
}

// 7. Add Attachment: one multipart part `file`, binary round-trips byte for byte.
#[tokio::test]
async fn a_binary_attachment_round_trips_byte_for_byte() {
    let server = Running::start(5).await;
    let client = rust_client(&server.sandbox).await;
    let lead = server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name"], "perPage": 1}),
        )
        .await["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    let mut attach =
        crm::AddAttachment::new(lead.clone(), zoho_core::FileContent::Binary(bytes.clone()));
    attach.file_name = Some("pattern.bin".into());
    assert_eq!(attach.record_type, "Leads", "Record Type defaults to Leads");
    attach.debug_request = true;
    let attached = attach.execute(&client).await.unwrap();
    let attachment = attached.details.id.clone();

    let download = server
        .ok(
            "crm.rawRequest",
            json!({"url": format!("/Leads/{lead}/Attachments/{attachment}"), "method": "GET",
                   "responseType": "binary"}),
        )
        .await;
    let round_trip = base64::engine::general_purpose::STANDARD
        .decode(download["base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(round_trip, bytes);
}

// 8. Raw Request: path below the base, response types, Books organization_id added.
#[tokio::test]
async fn raw_requests_reach_only_the_product_base_and_get_the_organization() {
    let server = Running::start(5).await;
    let orgs = organizations(&server).await;

    let modules = server
        .ok(
            "crm.rawRequest",
            json!({"url": "/settings/modules", "method": "GET"}),
        )
        .await;
    assert!(modules["modules"].as_array().unwrap().len() >= 5);

    let text = server
        .ok(
            "crm.rawRequest",
            json!({"url": "/Leads?fields=Last_Name&per_page=1", "method": "GET", "responseType": "text"}),
        )
        .await;
    assert!(text.as_str().unwrap().contains("\"Last_Name\""));

    let error = server
        .err(
            "crm.rawRequest",
            json!({"url": "https://evil.example/steal", "method": "GET"}),
        )
        .await;
    assert_eq!(error["code"], -32602);
    assert_eq!(error["data"]["field"], "url");

    // With the organization in the query, the raw call needs no other choice.
    let listed = server
        .ok(
            "books.rawRequest",
            json!({"url": "/contacts", "method": "GET",
                   "queryParameters": {"organization_id": orgs[0].0, "per_page": "2"}}),
        )
        .await;
    assert_eq!(listed["code"], 0);
    assert_eq!(listed["contacts"].as_array().unwrap().len(), 2);
    let error = server
        .err(
            "books.rawRequest",
            json!({"url": "/contacts", "method": "GET"}),
        )
        .await;
    assert_eq!(error["data"]["field"], "organizationId");
}

// 9. Remove: what Zoho said; a missing record is -32005.
#[tokio::test]
async fn removing_records_returns_what_zoho_said_and_missing_ones_are_not_found() {
    let server = Running::start(5).await;
    let client = rust_client(&server.sandbox).await;

    let mut create = crm::CreateRecord::new("Leads");
    create.values = Some(object(json!({"Last_Name": "Temporary"})));
    let id = create.execute(&client).await.unwrap().details.id;
    let removed = crm::RemoveRecord::new("Leads", id.clone())
        .execute(&client)
        .await
        .unwrap();
    assert_eq!(removed.details.id, id);
    assert_eq!(removed.status, "success");
    let error = server
        .err(
            "crm.removeRecord",
            json!({"recordType": "Leads", "recordId": id}),
        )
        .await;
    assert_eq!(error["code"], -32005, "{error:#}");

    let (org, _) = organizations(&server).await.remove(0);
    let item = server
        .ok(
            "books.createRecord",
            json!({"recordType": "items", "organizationId": org,
                   "values": {"name": "Widget", "rate": 12.5}}),
        )
        .await;
    let item_id = item["item_id"].as_str().unwrap().to_owned();
    let removed = server
        .ok(
            "books.removeRecord",
            json!({"recordType": "items", "recordId": item_id, "organizationId": org}),
        )
        .await;
    assert_eq!(removed["code"], 0, "{removed:#}");
    assert!(removed["message"].as_str().unwrap().contains("deleted"));
    let error = server
        .err(
            "books.removeRecord",
            json!({"recordType": "items", "recordId": item_id, "organizationId": org}),
        )
        .await;
    assert_eq!(error["code"], -32005);
}
