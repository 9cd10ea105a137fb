//! CRM bulk jobs against the sandbox: `crm.bulkRead` runs read jobs page after page and streams
//! each record once; `crm.bulkWrite` uploads zipped CSVs, runs write jobs and reports each
//! record under its index. Jobs are created once, even when an answer is lost, and a job that
//! runs too long ends the call with a timeout naming it.

use std::collections::HashSet;
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use zoho_actions::crm::{BulkRead, BulkWrite, CountRecords};
use zoho_actions::{Action, ListAction};
use zoho_core::Client;
use zoho_sandbox::{BulkSettings, Faults, Sandbox, SandboxConfig};

const SCOPES: &str = "ZohoCRM.modules.ALL,ZohoCRM.bulk.ALL,ZohoCRM.org.ALL,ZohoFiles.files.ALL";

/// A sandbox of `leads` Leads whose bulk jobs take `job_ms` and read pages of `page_size`.
async fn sandbox(
    leads: usize,
    page_size: usize,
    job_ms: u64,
) -> (Sandbox, zoho_core::Connection, Client) {
    let config = SandboxConfig {
        records: leads,
        bulk: BulkSettings {
            read_page_size: page_size,
            job_duration: Duration::from_millis(job_ms),
            ..BulkSettings::default()
        },
        ..SandboxConfig::default()
    };
    let (sandbox, connection) = zoho_server::sandbox::start(config).await.unwrap();
    let code = sandbox.self_client_code(SCOPES).unwrap();
    connection.exchange_self_client_code(&code).await.unwrap();
    let client = connection.client();
    (sandbox, connection, client)
}

/// Requests the sandbox counted on one route, whatever their status.
fn requests_on(stats: &Value, route: &str) -> u64 {
    stats["requests"][route].as_object().map_or(0, |by_status| {
        by_status.values().filter_map(Value::as_u64).sum()
    })
}

fn quick_read(module: &str) -> BulkRead {
    let mut read = BulkRead::new(module);
    read.fields = Some(vec!["Last_Name".into(), "Email".into()]);
    read.poll_interval = Some(10);
    read
}

#[tokio::test]
async fn bulk_read_streams_every_lead_once_across_pages_of_jobs() {
    let leads = 50_000;
    let (sandbox, _connection, client) = sandbox(leads, 12_000, 20).await;
    let mut ids = HashSet::with_capacity(leads);
    let mut records = Box::pin(quick_read("Leads").records(&client));
    while let Some(record) = records.next().await {
        let record = record.unwrap();
        assert!(record.get_str("Last_Name").is_some(), "{record}");
        assert!(
            ids.insert(record.id().unwrap().to_owned()),
            "{record} twice"
        );
    }
    assert_eq!(ids.len(), leads);
    let stats = sandbox.stats();
    // 50,000 in pages of 12,000: five jobs, each created once and downloaded once.
    assert_eq!(requests_on(&stats, "crm.bulk.read.create"), 5, "{stats}");
    assert_eq!(requests_on(&stats, "crm.bulk.read.result"), 5, "{stats}");
    assert!(requests_on(&stats, "crm.bulk.read.status") >= 10, "{stats}");
}

#[tokio::test]
async fn bulk_read_collects_the_records_a_criteria_selects_with_the_fields_asked_for() {
    let (_sandbox, _connection, client) = sandbox(2_000, 200_000, 10).await;
    let mut count = CountRecords::new("Leads");
    count.criteria = Some("(Lead_Status:equals:Contacted)".into());
    let expected = count.execute(&client).await.unwrap()["count"]
        .as_u64()
        .unwrap();
    assert!(expected > 0);
    let mut read = quick_read("Leads");
    read.bulk_criteria = Some(
        serde_json::from_value(json!({
            "field": {"api_name": "Lead_Status"}, "comparator": "equal", "value": "Contacted"
        }))
        .unwrap(),
    );
    read.fields = Some(vec!["Lead_Status".into()]);
    let page = read.execute(&client).await.unwrap();
    assert_eq!(page.data.len() as u64, expected);
    for record in &page.data {
        assert_eq!(record.get_str("Lead_Status"), Some("Contacted"), "{record}");
        assert_eq!(record.fields().len(), 2, "id and the field: {record}");
    }
}

#[tokio::test]
async fn bulk_write_reports_each_record_under_its_index_and_the_records_are_there() {
    let (sandbox, _connection, client) = sandbox(100, 200_000, 10).await;
    let mut records: Vec<Value> = (0..1_000)
        .map(|i| json!({"Last_Name": format!("Bulk-{i}"), "Company": "Bulk", "Email": format!("bulk.{i}@example.com")}))
        .collect();
    for bad in [3, 400, 999] {
        records[bad].as_object_mut().unwrap().remove("Last_Name");
    }
    let mut write = BulkWrite::new(
        "Leads",
        zoho_actions::types::BulkOperation::Insert,
        records
            .iter()
            .map(|r| r.as_object().unwrap().clone())
            .collect(),
    );
    write.poll_interval = Some(10);
    let result = serde_json::to_value(write.execute(&client).await.unwrap()).unwrap();
    let failed: Vec<u64> = result["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["index"].as_u64().unwrap())
        .collect();
    assert_eq!(failed, [3, 400, 999], "{}", result["failed"]);
    assert_eq!(result["failed"][0]["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(
        result["failed"][0]["details"]["errors"][0]["api_name"],
        "Last_Name"
    );
    let succeeded = result["succeeded"].as_array().unwrap();
    assert_eq!(succeeded.len(), 997);
    assert!(succeeded.iter().all(|s| s["action"] == "insert"));
    assert_eq!(result["jobs"].as_array().unwrap().len(), 1);
    let mut count = CountRecords::new("Leads");
    count.criteria = Some("(Company:equals:Bulk)".into());
    assert_eq!(count.execute(&client).await.unwrap()["count"], 997);
    let stats = sandbox.stats();
    assert_eq!(requests_on(&stats, "crm.bulk.upload"), 1, "{stats}");
    assert_eq!(requests_on(&stats, "crm.bulk.write.create"), 1, "{stats}");
}

#[tokio::test]
async fn bulk_upsert_updates_the_records_it_finds_and_inserts_the_others() {
    let (_sandbox, _connection, client) = sandbox(10, 200_000, 10).await;
    let first: Vec<_> = (0..5)
        .map(|i| json!({"Last_Name": format!("Up-{i}"), "Email": format!("up.{i}@example.com")}))
        .map(|r| r.as_object().unwrap().clone())
        .collect();
    let mut insert = BulkWrite::new("Leads", zoho_actions::types::BulkOperation::Insert, first);
    insert.poll_interval = Some(10);
    insert.execute(&client).await.unwrap();
    let again: Vec<_> = (3..8)
        .map(|i| json!({"Last_Name": format!("Up-{i}-again"), "Email": format!("up.{i}@example.com")}))
        .map(|r| r.as_object().unwrap().clone())
        .collect();
    let mut upsert = BulkWrite::new("Leads", zoho_actions::types::BulkOperation::Upsert, again);
    upsert.find_by = Some("Email".into());
    upsert.poll_interval = Some(10);
    let result = serde_json::to_value(upsert.execute(&client).await.unwrap()).unwrap();
    let actions: Vec<&str> = result["succeeded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["update", "update", "insert", "insert", "insert"]);
}

#[tokio::test]
async fn a_job_whose_creation_lost_its_answer_is_not_created_again() {
    let (sandbox, _connection, client) = sandbox(100, 200_000, 10).await;
    sandbox.set_faults(Faults {
        lost_answer_rate: 1.0,
        ..Faults::default()
    });
    let error = quick_read("Leads").execute(&client).await.unwrap_err();
    sandbox.set_faults(Faults::default());
    assert!(
        matches!(error, zoho_core::Error::Network { .. }),
        "{error:?}"
    );
    assert_eq!(
        requests_on(&sandbox.stats(), "crm.bulk.read.create"),
        1,
        "the creation reached the sandbox once and was not sent again"
    );
}

#[tokio::test]
async fn a_job_that_runs_past_max_wait_ends_the_call_with_a_timeout_naming_it() {
    let (_sandbox, _connection, client) = sandbox(100, 200_000, 60_000).await;
    let mut read = quick_read("Leads");
    read.max_wait = Some(300);
    let started = std::time::Instant::now();
    let error = read.execute(&client).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    match error {
        zoho_core::Error::Network {
            timed_out: true,
            reason,
            ..
        } => assert!(
            reason.contains("bulk read job") && reason.contains("IN PROGRESS"),
            "{reason}"
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_bulk_write_without_the_files_scope_is_refused_naming_the_missing_scope() {
    let (sandbox, _connection, _client) = sandbox(10, 200_000, 10).await;
    let without_files = sandbox
        .self_client_code("ZohoCRM.modules.ALL,ZohoCRM.bulk.ALL,ZohoCRM.org.ALL")
        .unwrap();
    let connection = zoho_core::Connection::new(
        "no-files",
        zoho_core::ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, sandbox.base_url()),
        zoho_core::Secret::new(zoho_sandbox::CLIENT_SECRET),
    )
    .unwrap();
    connection
        .exchange_self_client_code(&without_files)
        .await
        .unwrap();
    let client = connection.client();
    let record = json!({"Last_Name": "Scoped", "Company": "Files"});
    let mut write = BulkWrite::new(
        "Leads",
        zoho_actions::types::BulkOperation::Insert,
        vec![record.as_object().unwrap().clone()],
    );
    write.poll_interval = Some(10);
    let before = requests_on(&sandbox.stats(), "crm.bulk.write.create");
    match write.execute(&client).await {
        Err(zoho_core::Error::Api(api)) => {
            assert_eq!(
                api.code.map(|c| c.to_string()).as_deref(),
                Some("OAUTH_SCOPE_MISMATCH")
            );
            assert!(
                api.message.contains("`ZohoFiles.files.ALL`"),
                "{}",
                api.message
            );
            assert_eq!(api.details["missing_scope"], "ZohoFiles.files.ALL");
        }
        other => panic!("expected Zoho's scope refusal, got {other:?}"),
    }
    assert_eq!(
        requests_on(&sandbox.stats(), "crm.bulk.write.create"),
        before,
        "no job is created after a refused upload"
    );
}
