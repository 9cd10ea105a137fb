//! Every method, called over HTTP against the sandbox, as a user's story.

use base64::Engine;
use serde_json::{Value, json};

use crate::support::Running;

#[tokio::test]
async fn the_crm_methods_create_read_update_attach_query_and_delete_a_lead() {
    let server = Running::start(20).await;

    let page = server
        .ok(
            "crm.getRecords",
            json!({"recordType": "Leads", "fields": ["Last_Name", "Email"], "perPage": 5}),
        )
        .await;
    let seeded = page["data"].as_array().unwrap();
    assert_eq!(seeded.len(), 5);
    assert!(
        seeded
            .iter()
            .all(|lead| lead["Last_Name"].is_string() && lead["id"].is_string())
    );
    assert_eq!(page["info"]["more_records"], true);

    let created = server
        .ok(
            "crm.createRecord",
            json!({"recordType": "Leads", "values": {"Last_Name": "Lovelace", "Email": "ada@example.com"},
                   "dynamicFields": {"Company": "Analytical Engines", "Last_Name": "overridden"}}),
        )
        .await;
    assert_eq!(created["status"], "success", "{created:#}");
    let id = created["details"]["id"].as_str().unwrap().to_owned();

    let lead = server
        .ok(
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": id, "fields": ["Last_Name", "Company"]}),
        )
        .await;
    assert_eq!(
        lead["Last_Name"], "Lovelace",
        "values win over dynamic fields"
    );
    assert_eq!(lead["Company"], "Analytical Engines");

    let updated = server
        .ok(
            "crm.updateRecord",
            json!({"recordType": "Leads", "recordId": id, "values": {"Company": "Babbage & Co"}}),
        )
        .await;
    assert_eq!(updated["status"], "success", "{updated:#}");

    let found = server
        .ok(
            "crm.coqlQuery",
            json!({"query": "select Last_Name, Company from Leads where Last_Name = 'Lovelace'"}),
        )
        .await;
    let rows = found["data"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{found:#}");
    assert_eq!(rows[0]["Company"], "Babbage & Co");

    let bytes: Vec<u8> = (0u8..=255).collect();
    let attached = server
        .ok(
            "crm.addAttachment",
            json!({"recordId": id, "fileName": "all-bytes.bin",
                   "file": {"base64": base64::engine::general_purpose::STANDARD.encode(&bytes)}}),
        )
        .await;
    assert_eq!(attached["status"], "success", "{attached:#}");

    let attachments = server
        .ok(
            "crm.rawRequest",
            json!({"url": format!("/Leads/{id}/Attachments?fields=File_Name"), "method": "GET"}),
        )
        .await;
    assert_eq!(
        attachments["data"][0]["File_Name"], "all-bytes.bin",
        "{attachments:#}"
    );

    let removed = server
        .ok(
            "crm.removeRecord",
            json!({"recordType": "Leads", "recordId": id}),
        )
        .await;
    assert_eq!(removed["status"], "success", "{removed:#}");
    let gone = server
        .err(
            "crm.getRecord",
            json!({"recordType": "Leads", "recordId": id}),
        )
        .await;
    assert_eq!(gone["code"], -32005);
}

/// The Books organization to act in: the sandbox seeds two, and we never guess between them.
async fn first_organization(server: &Running) -> String {
    let orgs = server
        .ok(
            "books.rawRequest",
            json!({"url": "/organizations", "method": "GET"}),
        )
        .await;
    orgs["organizations"][0]["organization_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn payload<'a>(result: &'a Value, key: &str) -> &'a Value {
    result.get(key).unwrap_or(result)
}

#[tokio::test]
async fn the_books_methods_create_read_update_list_and_delete_a_contact() {
    let server = Running::start(20).await;
    let org = first_organization(&server).await;

    let created = server
        .ok(
            "books.createRecord",
            json!({"recordType": "contacts", "organizationId": org,
                   "values": {"contact_name": "Grace Hopper", "company_name": "Navy"}}),
        )
        .await;
    let contact = payload(&created, "contact");
    assert_eq!(contact["contact_name"], "Grace Hopper", "{created:#}");
    let id = contact["contact_id"].as_str().unwrap().to_owned();

    let fetched = server
        .ok(
            "books.getRecord",
            json!({"recordType": "contacts", "recordId": id, "organizationId": org}),
        )
        .await;
    assert_eq!(payload(&fetched, "contact")["company_name"], "Navy");

    let updated = server
        .ok(
            "books.updateRecord",
            json!({"recordType": "contacts", "recordId": id, "organizationId": org,
                   "values": {"contact_name": "Grace Hopper", "company_name": "Harvard"}}),
        )
        .await;
    assert_eq!(
        payload(&updated, "contact")["company_name"],
        "Harvard",
        "{updated:#}"
    );

    let listed = server
        .ok(
            "books.getRecords",
            json!({"recordType": "contacts", "organizationId": org, "searchFields": {"contact_name": "Grace Hopper"}}),
        )
        .await;
    let contacts = listed["contacts"].as_array().unwrap();
    assert!(
        contacts.iter().any(|c| c["contact_id"] == id.as_str()),
        "{listed:#}"
    );
    assert!(listed["page_context"].is_object());

    let removed = server
        .ok(
            "books.removeRecord",
            json!({"recordType": "contacts", "recordId": id, "organizationId": org}),
        )
        .await;
    assert_eq!(removed["code"], 0, "{removed:#}");
    let gone = server
        .err(
            "books.getRecord",
            json!({"recordType": "contacts", "recordId": id, "organizationId": org}),
        )
        .await;
    assert_eq!(gone["code"], -32005);
}

#[tokio::test]
async fn discovery_lists_every_method_with_its_params_schema() {
    let server = Running::start(5).await;
    let document = server.ok("rpc.discover", json!({})).await;
    assert!(
        document["openrpc"].as_str().unwrap().starts_with("1."),
        "{}",
        document["openrpc"]
    );
    let methods = document["methods"].as_array().unwrap();
    let mut names: Vec<&str> = methods
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    let mut expected: Vec<&str> = zoho_actions::METHODS.iter().map(|m| m.name).collect();
    // The server's own methods, listed beside the actions.
    expected.push("limits.get");
    expected.extend([
        "connections.create",
        "connections.get",
        "connections.list",
        "connections.authorize",
        "connections.delete",
    ]);
    expected.extend(zoho_server::events::methods::METHODS);
    expected.sort_unstable();
    assert_eq!(
        names, expected,
        "rpc.discover lists every action and the server's methods"
    );
    for known in ["crm.getRecords", "books.rawRequest"] {
        assert!(names.contains(&known), "{known}");
    }
    for method in methods {
        let params = method["params"].as_array().unwrap();
        assert!(!params.is_empty(), "{} has params", method["name"]);
        assert!(
            params
                .iter()
                .all(|p| p["name"].is_string() && p["schema"].is_object()),
            "{method:#}"
        );
    }
    let get_records = methods
        .iter()
        .find(|m| m["name"] == "crm.getRecords")
        .unwrap();
    let per_page = get_records["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "perPage")
        .unwrap();
    assert_eq!(per_page["schema"]["default"], 200, "{per_page:#}");
}
