//! The generic Books methods reach the record types Zoho serves at their own paths (the spec's
//! `record_paths`) over JSON-RPC against the sandbox, which serves Zoho's paths and refuses the
//! parent-pattern ones as Zoho does. Each case quotes the fact it follows (books.md §2, §2.2).

use serde_json::{Value, json};

use crate::support::Running;

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

fn id_of(result: &Value, key: &str, id_key: &str) -> String {
    payload(result, key)[id_key]
        .as_str()
        .unwrap_or_else(|| panic!("no {id_key} in {result:#}"))
        .to_owned()
}

#[tokio::test]
async fn contact_persons_round_trip_through_the_generic_books_methods() {
    let server = Running::start(20).await;
    let org = first_organization(&server).await;
    let contact = server
        .ok(
            "books.createRecord",
            json!({"recordType": "contacts", "organizationId": org, "values": {"contact_name": "Paths Ltd"}}),
        )
        .await;
    let contact = id_of(&contact, "contact", "contact_id");
    let parent = json!({"parentRecordType": "contacts", "parentRecordId": contact});
    let with = |extra: Value| {
        let mut params = parent.clone();
        params["organizationId"] = json!(org);
        for (key, value) in extra.as_object().unwrap() {
            params[key] = value.clone();
        }
        params
    };

    // books.md §2.2 [H]: create is POST /contacts/contactpersons with contact_id in the body.
    let made = server
        .ok(
            "books.createRecord",
            with(json!({"recordType": "contactpersons", "values": {"first_name": "Wil", "last_name": "Rose"}})),
        )
        .await;
    assert_eq!(
        payload(&made, "contact_person")["contact_id"],
        contact.as_str(),
        "{made:#}"
    );
    let person = id_of(&made, "contact_person", "contact_person_id");

    // List and get one are nested under the contact.
    let listed = server
        .ok(
            "books.getRecords",
            with(json!({"recordType": "contactpersons"})),
        )
        .await;
    assert!(
        listed["contact_persons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["contact_person_id"] == person.as_str()),
        "{listed:#}"
    );
    let one = server
        .ok(
            "books.getRecord",
            with(json!({"recordType": "contactpersons", "recordId": person})),
        )
        .await;
    assert_eq!(payload(&one, "contact_person")["first_name"], "Wil");

    // Update and delete are at /contacts/contactpersons/{id}.
    let updated = server
        .ok(
            "books.updateRecord",
            with(json!({"recordType": "contactpersons", "recordId": person, "values": {"first_name": "Will"}})),
        )
        .await;
    assert_eq!(payload(&updated, "contact_person")["first_name"], "Will");
    let removed = server
        .ok(
            "books.removeRecord",
            with(json!({"recordType": "contactpersons", "recordId": person})),
        )
        .await;
    assert_eq!(removed["code"], 0, "{removed:#}");

    // The parent-pattern path Zoho does not serve: its own 405, code 37, passed through.
    let nested = server
        .err(
            "books.rawRequest",
            json!({"url": format!("/contacts/{contact}/contactpersons"), "method": "POST",
                   "organizationId": org, "data": {"first_name": "X"}}),
        )
        .await;
    assert_eq!(nested["data"]["zohoCode"], 37, "{nested:#}");
    assert_eq!(
        nested["data"]["message"], "The HTTP method is not allowed for the requested resource",
        "{nested:#}"
    );

    // A contact person named under another parent type is refused before anything is sent.
    let wrong = server
        .err(
            "books.createRecord",
            json!({"recordType": "contactpersons", "parentRecordType": "vendors", "parentRecordId": contact,
                   "organizationId": org, "values": {"first_name": "X"}}),
        )
        .await;
    assert_eq!(wrong["code"], -32602);
    assert_eq!(wrong["data"]["field"], "parentRecordType");
}

#[tokio::test]
async fn time_entries_employees_and_taxes_reach_their_own_paths() {
    let server = Running::start(400).await;
    let org = first_organization(&server).await;
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

    // books.md §2.2 [H]: time entries are not nested: `/projects/timeentries?project_id=...`.
    let entry = server
        .ok(
            "books.createRecord",
            json!({"recordType": "timeentries", "parentRecordType": "projects", "parentRecordId": project,
                   "organizationId": org,
                   "values": {"task_id": "1", "user_id": "2", "log_date": "2026-01-05", "log_time": "01:00"}}),
        )
        .await;
    assert_eq!(
        payload(&entry, "time_entry")["project_id"],
        project.as_str(),
        "{entry:#}"
    );
    let entry = id_of(&entry, "time_entry", "time_entry_id");
    let listed = server
        .ok(
            "books.getRecords",
            json!({"recordType": "timeentries", "parentRecordType": "projects", "parentRecordId": project,
                   "organizationId": org}),
        )
        .await;
    let entries = listed["time_entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|t| t["time_entry_id"] == entry.as_str()),
        "{listed:#}"
    );
    assert!(
        entries.iter().all(|t| t["project_id"] == project.as_str()),
        "{listed:#}"
    );
    let removed = server
        .ok(
            "books.removeRecord",
            json!({"recordType": "timeentries", "recordId": entry, "organizationId": org}),
        )
        .await;
    assert_eq!(removed["code"], 0);

    // books.md §2.1 [H]: employees are deleted at `/employee/{id}`.
    let employee = server
        .ok(
            "books.createRecord",
            json!({"recordType": "employees", "organizationId": org,
                   "values": {"name": "Ada", "email": "ada@example.com"}}),
        )
        .await;
    let employee = id_of(&employee, "employee", "employee_id");
    let removed = server
        .ok(
            "books.removeRecord",
            json!({"recordType": "employees", "recordId": employee, "organizationId": org}),
        )
        .await;
    assert_eq!(removed["code"], 0, "{removed:#}");
    let gone = server
        .err(
            "books.getRecord",
            json!({"recordType": "employees", "recordId": employee, "organizationId": org}),
        )
        .await;
    // Zoho's 1002 "does not exist" is the record-not-found error.
    assert_eq!(gone["code"], -32005, "{gone:#}");
    assert_eq!(gone["data"]["recordId"], employee.as_str());

    // books.md §2 [H]: settings records live under `/settings/...`.
    let tax = server
        .ok(
            "books.createRecord",
            json!({"recordType": "taxes", "organizationId": org,
                   "values": {"tax_name": "VAT", "tax_percentage": 20}}),
        )
        .await;
    let tax = id_of(&tax, "tax", "tax_id");
    let fetched = server
        .ok(
            "books.getRecord",
            json!({"recordType": "taxes", "recordId": tax, "organizationId": org}),
        )
        .await;
    assert_eq!(payload(&fetched, "tax")["tax_name"], "VAT");
}
