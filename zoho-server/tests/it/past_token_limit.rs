//! `fetchAll` past Zoho's 100,000-record page-token limit, each record delivered once: 120,000
//! Leads in the suite; 300,000 through the Rust stream and `call --jsonl` with `--ignored` (they
//! take minutes on 2 cores, as the sandbox scans every record for each COQL query).

use std::collections::HashSet;
use std::process::Command;

use futures::StreamExt;
use serde_json::Value;
use zoho_actions::ListAction;
use zoho_actions::crm::GetRecords;
use zoho_sandbox::SandboxConfig;

const LEADS: usize = 300_000;

#[tokio::test]
async fn the_rust_stream_goes_past_100_000_leads_by_id() {
    export_through_the_stream(120_000).await;
}

#[tokio::test]
#[ignore = "300,000 records take minutes on 2 cores; run with --ignored"]
async fn the_rust_stream_delivers_300_000_leads_once_each() {
    export_through_the_stream(LEADS).await;
}

async fn export_through_the_stream(leads: usize) {
    let config = SandboxConfig {
        records: leads,
        ..SandboxConfig::default()
    };
    let (sandbox, connection) = zoho_server::sandbox::start(config).await.unwrap();
    let code = sandbox
        .self_client_code("ZohoCRM.modules.ALL,ZohoCRM.coql.READ")
        .unwrap();
    connection.exchange_self_client_code(&code).await.unwrap();
    let client = connection.client();
    let mut export = GetRecords::new("Leads");
    export.fields = Some(vec!["Last_Name".into()]);
    export.fetch_all = true;
    let mut ids = HashSet::with_capacity(leads);
    let mut records = Box::pin(export.records(&client));
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
    assert!(
        stats["requests"]["crm.coql"].is_object(),
        "past 100,000 the export went on with COQL: {stats}"
    );
}

#[test]
#[ignore = "300,000 records take minutes on 2 cores; run with --ignored"]
fn call_jsonl_exports_300_000_leads_once_each_and_exits_0() {
    let output = Command::new(env!("CARGO_BIN_EXE_zoho-server"))
        .args([
            "call",
            "crm.getRecords",
            r#"{"recordType":"Leads","fields":["Last_Name"],"fetchAll":true}"#,
            "--sandbox",
            "--sandbox-records",
            &LEADS.to_string(),
            "--jsonl",
        ])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut ids = HashSet::with_capacity(LEADS);
    for line in stdout.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        assert!(
            ids.insert(record["id"].as_str().unwrap().to_owned()),
            "{line} twice"
        );
    }
    assert_eq!(ids.len(), LEADS);
}

#[tokio::test]
async fn a_list_sorted_by_created_time_stops_at_100_000_naming_sort_by_with_no_record_twice() {
    let leads = 100_100;
    let config = SandboxConfig {
        records: leads,
        ..SandboxConfig::default()
    };
    let (sandbox, connection) = zoho_server::sandbox::start(config).await.unwrap();
    let code = sandbox
        .self_client_code("ZohoCRM.modules.ALL,ZohoCRM.coql.READ")
        .unwrap();
    connection.exchange_self_client_code(&code).await.unwrap();
    let client = connection.client();
    let mut export = GetRecords::new("Leads");
    export.fields = Some(vec!["Last_Name".into()]);
    export.sort_by = Some(zoho_actions::types::SortBy::CreatedTime);
    export.fetch_all = true;
    let mut ids = HashSet::new();
    let mut records = Box::pin(export.records(&client));
    let error = loop {
        match records.next().await {
            Some(Ok(record)) => assert!(
                ids.insert(record.id().unwrap().to_owned()),
                "{record} twice"
            ),
            Some(Err(error)) => break error,
            None => panic!("the list went on past 100,000 in Created_Time order"),
        }
    };
    assert_eq!(ids.len(), 100_000);
    match error {
        zoho_core::Error::InvalidInput { field, reason } => {
            assert_eq!(field, "sortBy");
            assert!(reason.contains("`Created_Time`"), "{reason}");
            assert!(reason.contains("leave sortBy out"), "{reason}");
        }
        other => panic!("expected -32602 on sortBy, got {other:?}"),
    }
}
