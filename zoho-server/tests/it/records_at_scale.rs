//! Records at scale, over HTTP against the sandbox: multi-record writes of any length (100 per
//! request, each record under its index), under faults too, and the rest of the CRM surface.

use std::collections::BTreeSet;

use base64::Engine;
use serde_json::{Value, json};

use crate::support::Running;

/// Requests the sandbox counted on one route, whatever their status.
fn requests_on(stats: &Value, route: &str) -> u64 {
    stats["requests"][route].as_object().map_or(0, |by_status| {
        by_status.values().filter_map(Value::as_u64).sum()
    })
}

fn indexes(result: &Value, list: &str) -> Vec<u64> {
    result[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["index"].as_u64().unwrap())
        .collect()
}

/// Every index of a call of `n` items is in exactly one of the two lists.
fn assert_every_index_once(result: &Value, n: usize) {
    let mut all: Vec<u64> = indexes(result, "succeeded");
    all.extend(indexes(result, "failed"));
    all.sort_unstable();
    let expected: Vec<u64> = (0..n as u64).collect();
    assert_eq!(all, expected, "every index exactly once");
}

fn leads(n: usize, tag: &str) -> Vec<Value> {
    (0..n)
        .map(|i| json!({"Last_Name": format!("{tag}-{i}"), "Company": tag, "Email": format!("{tag}.{i}@example.com")}))
        .collect()
}

#[tokio::test]
async fn a_thousand_leads_with_three_invalid_ones_are_created_in_ten_requests() {
    let server = Running::start(10).await;
    let mut records = leads(1_000, "thousand");
    for bad in [17, 500, 999] {
        records[bad]["Email"] = json!("not an email");
    }
    let before = requests_on(&server.sandbox.stats(), "crm.records.insert");
    let result = server
        .ok(
            "crm.createRecords",
            json!({"recordType": "Leads", "records": records}),
        )
        .await;
    let requests = requests_on(&server.sandbox.stats(), "crm.records.insert") - before;
    assert!(requests <= 10, "{requests} requests for 1,000 records");
    assert_eq!(result["succeeded"].as_array().unwrap().len(), 997);
    assert_eq!(indexes(&result, "failed"), [17, 500, 999]);
    let failed = &result["failed"][0];
    assert_eq!(failed["code"], "INVALID_DATA", "{failed:#}");
    assert_eq!(failed["details"]["api_name"], "Email", "{failed:#}");
    let first = &result["succeeded"][0];
    assert_eq!(first["index"], 0);
    assert_eq!(first["action"], "insert");
    assert!(first["id"].as_str().is_some_and(|id| !id.is_empty()));

    // The ids are the records' own: record 16 is `thousand-16`.
    let sixteenth = result["succeeded"][16]["id"].as_str().unwrap().to_owned();
    let lead = server
        .ok(
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": sixteenth, "fields": ["Last_Name"]}),
        )
        .await;
    assert_eq!(lead["Last_Name"], "thousand-16");
}

#[tokio::test]
async fn upsert_reports_insert_for_new_records_and_update_for_matches() {
    let server = Running::start(10).await;
    let created = server
        .ok(
            "crm.createRecords",
            json!({"recordType": "Leads", "records": leads(2, "up")}),
        )
        .await;
    let existing = created["succeeded"][1]["id"].clone();
    let result = server
        .ok(
            "crm.upsertRecords",
            json!({"recordType": "Leads", "duplicateCheckFields": ["Email"], "records": [
                {"Last_Name": "Fresh", "Email": "fresh@example.com"},
                {"Last_Name": "Renamed", "Email": "up.1@example.com"},
            ]}),
        )
        .await;
    assert_eq!(result["failed"], json!([]), "{result:#}");
    assert_eq!(result["succeeded"][0]["action"], "insert");
    assert_eq!(result["succeeded"][1]["action"], "update");
    assert_eq!(result["succeeded"][1]["id"], existing);
    let lead = server
        .ok(
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": existing, "fields": ["Last_Name"]}),
        )
        .await;
    assert_eq!(lead["Last_Name"], "Renamed");
}

#[tokio::test]
async fn ten_thousand_records_through_each_multi_record_method_account_for_every_index() {
    let server = Running::start(10).await;
    let n = 10_000;
    let created = server
        .ok(
            "crm.createRecords",
            json!({"recordType": "Leads", "records": leads(n, "big"), "trigger": []}),
        )
        .await;
    assert_every_index_once(&created, n);
    assert_eq!(created["failed"], json!([]));
    let ids: Vec<Value> = created["succeeded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].clone())
        .collect();

    let updates: Vec<Value> = ids
        .iter()
        .map(|id| json!({"id": id, "Lead_Source": "Web"}))
        .collect();
    let updated = server
        .ok(
            "crm.updateRecords",
            json!({"recordType": "Leads", "records": updates}),
        )
        .await;
    assert_every_index_once(&updated, n);
    assert_eq!(updated["failed"], json!([]));
    assert!(
        updated["succeeded"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["action"] == "update")
    );

    // Half match an existing Email, half are new.
    let mut upserts = leads(n / 2, "big");
    upserts.extend(leads(n / 2, "other"));
    let upserted = server
        .ok(
            "crm.upsertRecords",
            json!({"recordType": "Leads", "records": upserts, "duplicateCheckFields": ["Email"]}),
        )
        .await;
    assert_every_index_once(&upserted, n);
    let actions: Vec<&str> = upserted["succeeded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "update").count(), n / 2);
    assert_eq!(actions.iter().filter(|a| **a == "insert").count(), n / 2);

    let mut to_delete = ids.clone();
    to_delete.push(json!("4150868100999999999"));
    let removed = server
        .ok(
            "crm.removeRecords",
            json!({"recordType": "Leads", "recordIds": to_delete}),
        )
        .await;
    assert_every_index_once(&removed, n + 1);
    assert_eq!(indexes(&removed, "failed"), [n as u64]);
    assert_eq!(removed["failed"][0]["code"], "INVALID_DATA");
    assert_eq!(removed["succeeded"][0]["action"], "delete");

    let deleted = server
        .ok(
            "crm.getDeletedRecords",
            json!({"recordType": "Leads", "type": "recycle", "fetchAll": true}),
        )
        .await;
    let deleted_ids: BTreeSet<&str> = deleted["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|record| record["id"].as_str())
        .collect();
    assert!(
        ids.iter()
            .all(|id| deleted_ids.contains(id.as_str().unwrap()))
    );
}

#[tokio::test]
async fn under_faults_every_record_is_accounted_for_and_no_create_is_sent_twice() {
    let server = Running::start(10).await;
    server
        .faults(json!({"error_rate": 0.15, "reset_rate": 0.1, "lost_answer_rate": 0.1}))
        .await;
    let n = 2_000;
    let created = server
        .ok(
            "crm.createRecords",
            json!({"recordType": "Leads", "records": leads(n, "faulty")}),
        )
        .await;
    // A patch names what it changes: `{}` would leave the faults on for the check below.
    server
        .faults(json!({"error_rate": 0.0, "reset_rate": 0.0, "lost_answer_rate": 0.0}))
        .await;
    assert_every_index_once(&created, n);
    let failed = created["failed"].as_array().unwrap();
    assert!(!failed.is_empty(), "the faults were felt");
    assert!(
        failed
            .iter()
            .all(|item| item["code"].is_string() && item["message"].is_string()),
        "{failed:#?}"
    );

    // What Zoho stored: each record at most once, and every one reported created among them.
    let stored = server
        .ok(
            "crm.searchRecords",
            json!({"recordType": "Leads", "criteria": "(Company:equals:faulty)", "fields": ["Last_Name"], "fetchAll": true}),
        )
        .await;
    let names: Vec<&str> = stored["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|record| record["Last_Name"].as_str())
        .collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "a create was sent twice");
    for index in indexes(&created, "succeeded") {
        assert!(unique.contains(format!("faulty-{index}").as_str()));
    }
}

#[tokio::test]
async fn search_count_tags_notes_and_conversion_work_as_zoho_does() {
    let server = Running::start(10).await;
    let created = server
        .ok(
            "crm.createRecords",
            json!({"recordType": "Leads", "records": [
                {"Last_Name": "Hopper", "Company": "Navy", "Email": "grace@example.com"},
                {"Last_Name": "Hopper", "Company": "Cobol", "Email": "g2@example.com"},
            ]}),
        )
        .await;
    let id = created["succeeded"][0]["id"].as_str().unwrap().to_owned();

    let by_criteria = server
        .ok(
            "crm.searchRecords",
            json!({"recordType": "Leads", "criteria": "(Last_Name:equals:Hopper)", "fields": ["Company"]}),
        )
        .await;
    assert_eq!(by_criteria["data"].as_array().unwrap().len(), 2);
    let by_email = server
        .ok(
            "crm.searchRecords",
            json!({"recordType": "Leads", "email": "grace@example.com"}),
        )
        .await;
    assert_eq!(by_email["data"][0]["id"], id.as_str());
    let nothing = server
        .ok(
            "crm.searchRecords",
            json!({"recordType": "Leads", "word": "Nonexistentword"}),
        )
        .await;
    assert_eq!(nothing["data"], json!([]));

    let count = server
        .ok(
            "crm.countRecords",
            json!({"recordType": "Leads", "criteria": "(Last_Name:equals:Hopper)"}),
        )
        .await;
    assert_eq!(count["count"], 2);

    let tagged = server
        .ok(
            "crm.addTags",
            json!({"recordType": "Leads", "recordIds": [id], "tags": [{"name": "Admiral"}]}),
        )
        .await;
    assert_eq!(tagged["data"][0]["status"], "success", "{tagged:#}");
    let lead = server
        .ok(
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": id, "fields": ["Tag"]}),
        )
        .await;
    assert_eq!(lead["Tag"][0]["name"], "Admiral", "{lead:#}");
    let untagged = server
        .ok(
            "crm.removeTags",
            json!({"recordType": "Leads", "recordIds": [id], "tags": [{"name": "Admiral"}]}),
        )
        .await;
    assert_eq!(untagged["data"][0]["status"], "success", "{untagged:#}");

    let note = server
        .ok(
            "crm.addNote",
            json!({"recordType": "Leads", "recordId": id, "title": "Bug", "content": "Found a moth."}),
        )
        .await;
    assert_eq!(note["status"], "success", "{note:#}");

    let converted = server
        .ok(
            "crm.convertLead",
            json!({"recordId": id, "notifyLeadOwner": false, "deals": {"Deal_Name": "Compiler", "Stage": "Qualification", "Closing_Date": "2027-01-31"}}),
        )
        .await;
    let contact = converted["details"]["Contacts"]["id"]
        .as_str()
        .or_else(|| converted["details"]["Contacts"].as_str())
        .unwrap_or_else(|| panic!("{converted:#}"))
        .to_owned();
    let deals = server
        .ok(
            "crm.getRelatedRecords",
            json!({"recordType": "Contacts", "recordId": contact, "relatedList": "Deals", "fields": ["Deal_Name"]}),
        )
        .await;
    assert_eq!(deals["data"][0]["Deal_Name"], "Compiler", "{deals:#}");
    let refused = server
        .err(
            "crm.getRelatedRecords",
            json!({"recordType": "Contacts", "recordId": contact, "relatedList": "Deals"}),
        )
        .await;
    assert_eq!(refused["code"], -32602);
}

#[tokio::test]
async fn a_binary_attachment_round_trips_byte_for_byte() {
    let server = Running::start(10).await;
    let created = server
        .ok(
            "crm.createRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "Bytes"}}),
        )
        .await;
    let id = created["details"]["id"].as_str().unwrap().to_owned();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3_000).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
    server
        .ok(
            "crm.addAttachment",
            json!({"recordType": "Leads", "recordId": id, "file": {"base64": encoded}, "fileName": "all bytes.bin"}),
        )
        .await;
    let listed = server
        .ok(
            "crm.listAttachments",
            json!({"recordType": "Leads", "recordId": id, "fields": ["id", "File_Name", "Size"]}),
        )
        .await;
    let attachment = &listed["data"][0];
    assert_eq!(attachment["File_Name"], "all bytes.bin", "{listed:#}");
    let downloaded = server
        .ok(
            "crm.downloadAttachment",
            json!({"recordType": "Leads", "recordId": id, "attachmentId": attachment["id"]}),
        )
        .await;
    assert_eq!(downloaded["fileName"], "all bytes.bin");
    assert!(downloaded["contentType"].is_string(), "{downloaded:#}");
    let back = base64::engine::general_purpose::STANDARD
        .decode(downloaded["base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(back, bytes);
    let missing = server
        .err(
            "crm.downloadAttachment",
            json!({"recordType": "Leads", "recordId": id, "attachmentId": "4150868100999999999"}),
        )
        .await;
    assert!(
        [-32005, -32001].contains(&missing["code"].as_i64().unwrap()),
        "{missing:#}"
    );
}

#[tokio::test]
async fn metadata_user_and_organization_are_read_as_zoho_sends_them() {
    let server = Running::start(10).await;
    let modules = server.ok("crm.listModules", json!({})).await;
    assert!(
        modules["modules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["api_name"] == "Leads")
    );
    let fields = server
        .ok("crm.listFields", json!({"recordType": "Leads"}))
        .await;
    assert!(
        fields["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["api_name"] == "Last_Name" && f["data_type"] == "text")
    );
    let user = server.ok("crm.getCurrentUser", json!({})).await;
    assert_eq!(user["users"].as_array().unwrap().len(), 1, "{user:#}");
    let org = server.ok("crm.getOrganization", json!({})).await;
    assert!(org["org"][0]["id"].is_string(), "{org:#}");
}

#[tokio::test]
async fn describe_leads_matches_the_field_metadata_field_by_field() {
    let server = Running::start(10).await;
    let schema = server
        .ok("crm.describe", json!({"recordType": "Leads"}))
        .await;
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let fields = server
        .ok("crm.listFields", json!({"recordType": "Leads"}))
        .await;
    let layouts = server
        .ok(
            "crm.rawRequest",
            json!({"url": "/settings/layouts?module=Leads", "method": "GET"}),
        )
        .await;
    let layout_required: BTreeSet<&str> = layouts["layouts"][0]["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|section| section["fields"].as_array().unwrap())
        .filter(|field| field["required"] == true)
        .filter_map(|field| field["api_name"].as_str())
        .collect();
    let properties = schema["properties"].as_object().unwrap();
    let fields = fields["fields"].as_array().unwrap();
    assert_eq!(properties.len(), fields.len());
    let required: BTreeSet<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in fields {
        let name = field["api_name"].as_str().unwrap();
        let property = &properties[name];
        let must = field["system_mandatory"] == true || layout_required.contains(name);
        assert_eq!(required.contains(name), must, "{name} required");
        let ty = match field["json_type"].as_str().unwrap() {
            "integer" => "integer",
            "double" => "number",
            "boolean" => "boolean",
            "jsonobject" => "object",
            "jsonarray" => "array",
            _ => "string",
        };
        let types = match &property["type"] {
            Value::String(one) => vec![one.as_str()],
            many => many
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect(),
        };
        assert_eq!(types[0], ty, "{name}: {property}");
        assert_eq!(
            types.contains(&"null"),
            !must,
            "{name} takes null unless required"
        );
        assert_eq!(property["x-zoho-data-type"], field["data_type"], "{name}");
        assert_eq!(property["title"], field["field_label"], "{name}");
        if ty == "string" && field["length"].as_u64().is_some_and(|n| n > 0) {
            assert_eq!(property["maxLength"], field["length"], "{name}");
        }
        if let Some(values) = field["pick_list_values"].as_array() {
            let expected: Vec<&Value> = values
                .iter()
                .map(|v| &v["actual_value"])
                .filter(|v| *v != "-None-")
                .collect();
            let listed: Vec<&Value> = property["enum"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| !v.is_null())
                .collect();
            assert_eq!(listed, expected, "{name}");
        }
        assert_eq!(
            property["readOnly"] == true,
            field["read_only"] == true || field["field_read_only"] == true,
            "{name}"
        );
    }
}

#[tokio::test]
async fn validate_refuses_a_wrong_type_an_unknown_picklist_value_and_a_missing_required_field() {
    let server = Running::start(10).await;
    let schema = server
        .ok("crm.describe", json!({"recordType": "Leads"}))
        .await;
    let properties = schema["properties"].as_object().unwrap();
    let (picklist, _) = properties
        .iter()
        .find(|(_, p)| p["x-zoho-data-type"] == "picklist" && p["readOnly"] != true)
        .unwrap();
    let (number, _) = properties
        .iter()
        .find(|(_, p)| {
            ["integer", "double", "currency"].contains(&p["x-zoho-data-type"].as_str().unwrap())
                && p["readOnly"] != true
        })
        .unwrap();
    let before = server.sandbox.stats()["requests"]["crm.records.insert"].clone();
    let wrong_type = server
        .err(
            "crm.createRecord",
            json!({"recordType": "Leads", "validate": true, "values": {"Last_Name": "V", "Company": "C", number: "many"}}),
        )
        .await;
    assert_eq!(wrong_type["code"], -32602);
    assert_eq!(wrong_type["data"]["field"], format!("values.{number}"));
    let off_list = server
        .err(
            "crm.createRecord",
            json!({"recordType": "Leads", "validate": true, "values": {"Last_Name": "V", "Company": "C", picklist: "Not A Value"}}),
        )
        .await;
    assert_eq!(off_list["data"]["field"], format!("values.{picklist}"));
    let missing = server
        .err(
            "crm.createRecords",
            json!({"recordType": "Leads", "validate": true, "records": [{"Last_Name": "V", "Company": "C"}, {"Company": "C"}]}),
        )
        .await;
    assert_eq!(
        missing["data"]["field"], "records[1].Last_Name",
        "{missing:#}"
    );
    assert_eq!(
        server.sandbox.stats()["requests"]["crm.records.insert"],
        before,
        "nothing was sent"
    );
    // Without `validate`, the same wrong type goes to Zoho, which refuses it itself.
    let sent = server
        .err(
            "crm.createRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "V", "Company": "C", number: "many"}}),
        )
        .await;
    assert_eq!(sent["code"], -32001, "{sent:#}");
    let valid = server
        .ok(
            "crm.createRecord",
            json!({"recordType": "Leads", "validate": true, "values": {"Last_Name": "V", "Company": "C"}}),
        )
        .await;
    assert_eq!(valid["status"], "success");
}
