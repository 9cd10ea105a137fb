//! Record photos and COQL's Include Meta as spec actions, end to end: JSON-RPC on the server
//! (photos) and the generated Rust types on a v8 connection (Include Meta), against the sandbox.

use base64::Engine;
use serde_json::{Value, json};
use zoho_actions::{Action, crm};
use zoho_core::{Connection, ConnectionConfig, CrmApiVersion, Secret};

use crate::support::Running;

/// A PNG signature and some bytes of every value: the photo must come back unchanged.
fn photo() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(0..=255u8);
    bytes
}

#[tokio::test]
async fn a_record_photo_is_set_read_back_byte_for_byte_and_removed() {
    let server = Running::start(10).await;
    let created = server
        .ok(
            "crm.createRecord",
            json!({"recordType": "Contacts", "values": {"Last_Name": "Portrait"}}),
        )
        .await;
    let id = created["details"]["id"].as_str().unwrap().to_owned();
    let encoded = base64::engine::general_purpose::STANDARD.encode(photo());
    let uploaded = server
        .ok(
            "crm.uploadPhoto",
            json!({"recordType": "Contacts", "recordId": id, "file": {"base64": encoded}, "fileName": "face.png"}),
        )
        .await;
    assert_eq!(uploaded["status"], "success", "{uploaded:#}");
    let downloaded = server
        .ok(
            "crm.downloadPhoto",
            json!({"recordType": "Contacts", "recordId": id}),
        )
        .await;
    let back = base64::engine::general_purpose::STANDARD
        .decode(downloaded["base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(back, photo());
    let removed = server
        .ok(
            "crm.deletePhoto",
            json!({"recordType": "Contacts", "recordId": id}),
        )
        .await;
    assert_eq!(removed["status"], "success", "{removed:#}");
    // Gone: Zoho's 204 is an error for a download.
    let gone = server
        .err(
            "crm.downloadPhoto",
            json!({"recordType": "Contacts", "recordId": id}),
        )
        .await;
    assert_eq!(
        (gone["code"].as_i64(), gone["data"]["httpStatus"].as_i64()),
        (Some(-32001), Some(204)),
        "{gone:#}"
    );
    // A module without photos: Zoho's own code passed through.
    let deal = server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Deals", "fields": ["Deal_Name"], "perPage": 1}),
        )
        .await;
    let deal = deal["data"][0]["id"].as_str().unwrap().to_owned();
    let refused = server
        .err(
            "crm.downloadPhoto",
            json!({"recordType": "Deals", "recordId": deal}),
        )
        .await;
    assert_eq!(refused["data"]["zohoCode"], "NOT_SUPPORTED", "{refused:#}");
}

#[tokio::test]
async fn include_meta_returns_the_fields_map_on_crm_v8() {
    let server = Running::start(10).await;
    let base = server.sandbox.base_url();
    let grant: Value = reqwest::Client::new()
        .post(format!("{base}/__sandbox/self-client"))
        .form(&[("scope", "ZohoCRM.modules.ALL,ZohoCRM.coql.READ")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut config = ConnectionConfig::at_base_url(zoho_sandbox::CLIENT_ID, base);
    config.crm_api_version = CrmApiVersion::parse("v8").unwrap();
    let connection =
        Connection::new("v8", config, Secret::new(zoho_sandbox::CLIENT_SECRET)).unwrap();
    connection
        .exchange_self_client_code(grant["code"].as_str().unwrap())
        .await
        .unwrap();
    let client = connection.client();

    let mut query = crm::CoqlQuery::new(
        "select Last_Name, Email from Leads where Last_Name is not null limit 3",
    );
    query.include_meta = Some(vec!["fields".into()]);
    let rows = query.execute(&client).await.unwrap();
    assert!(!rows.data.is_empty());
    let fields = rows.fields.expect("a fields map");
    assert_eq!(fields["Last_Name"]["api_name"], "Last_Name");
    assert_eq!(fields["Email"]["data_type"], "email");

    query.include_meta = None;
    assert!(query.execute(&client).await.unwrap().fields.is_none());
}
