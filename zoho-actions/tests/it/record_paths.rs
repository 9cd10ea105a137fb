//! Books record types Zoho serves at their own paths (the spec's `record_paths`), as the generic
//! Books actions build them. Each case quotes the fact it follows (books.md §2.1, §2.2).

use serde_json::json;
use zoho_actions::{Action, books};
use zoho_core::{ActionRequest, Error, PathSegment, RequestBody, RequestPath};

/// The path as Zoho would see it, placeholders filled: `/contacts/contactpersons/7`.
fn path_of(request: &ActionRequest) -> String {
    match &request.path {
        RequestPath::Segments(parts) => parts
            .iter()
            .map(|part| match part {
                PathSegment::Literal(text) => format!("/{text}"),
                PathSegment::Value { value, .. } => format!("/{value}"),
            })
            .collect(),
        RequestPath::Raw(raw) => raw.clone(),
    }
}

fn json_body(request: &ActionRequest) -> serde_json::Value {
    match &request.body {
        RequestBody::Json(value) => value.clone(),
        other => panic!("expected a JSON body, got {other:?}"),
    }
}

fn with_parent<A>(mut action: A, set: impl FnOnce(&mut A)) -> A {
    set(&mut action);
    action
}

fn refused(error: Error) -> (String, String) {
    match error {
        Error::InvalidInput { field, reason } => (field, reason),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn contact_persons_are_created_updated_and_deleted_without_the_contact_in_the_path() {
    // books.md §2.2 [H]: "Create, update and delete are *not nested*: POST
    // `/contacts/contactpersons` (with `contact_id` in the body), and PUT/DELETE
    // `/contacts/contactpersons/{contact_person_id}`."
    let mut create = books::CreateRecord::new("contactpersons");
    create.parent_record_type = Some("contacts".into());
    create.parent_record_id = Some("460000000026049".into());
    create.values = Some(json!({"first_name": "Will"}).as_object().unwrap().clone());
    let request = create.to_request().unwrap();
    assert_eq!(path_of(&request), "/contacts/contactpersons");
    assert_eq!(
        json_body(&request),
        json!({"first_name": "Will", "contact_id": "460000000026049"})
    );

    let update = with_parent(books::UpdateRecord::new("contactpersons", "7"), |u| {
        u.parent_record_type = Some("contacts".into());
        u.parent_record_id = Some("460000000026049".into());
    });
    let request = update.to_request().unwrap();
    assert_eq!(path_of(&request), "/contacts/contactpersons/7");
    assert_eq!(json_body(&request)["contact_id"], "460000000026049");

    // Without the parent inputs too: the contact's id may be in the values.
    let remove = books::RemoveRecord::new("contactpersons", "7");
    assert_eq!(
        path_of(&remove.to_request().unwrap()),
        "/contacts/contactpersons/7"
    );
}

#[test]
fn contact_persons_are_listed_and_read_under_their_contact() {
    // books.md §2.2 [H]: "List: `GET /contacts/{contact_id}/contactpersons`. Get one:
    // `GET /contacts/{contact_id}/contactpersons/{contact_person_id}`."
    let list = with_parent(books::GetRecords::new("contactpersons"), |l| {
        l.parent_record_type = Some("contacts".into());
        l.parent_record_id = Some("5".into());
    });
    assert_eq!(
        path_of(&list.to_request().unwrap()),
        "/contacts/5/contactpersons"
    );
    let get = with_parent(books::GetRecord::new("contactpersons", "7"), |g| {
        g.parent_record_type = Some("contacts".into());
        g.parent_record_id = Some("5".into());
    });
    assert_eq!(
        path_of(&get.to_request().unwrap()),
        "/contacts/5/contactpersons/7"
    );
    // Zoho has no contact person outside a contact for reads: the parent is asked for.
    let (field, reason) = refused(
        books::GetRecords::new("contactpersons")
            .to_request()
            .unwrap_err(),
    );
    assert_eq!(field, "parentRecordId");
    assert!(reason.contains("`contacts`"), "{reason}");
}

#[test]
fn a_contact_person_under_another_parent_is_refused_naming_contacts() {
    let create = with_parent(books::CreateRecord::new("contactpersons"), |c| {
        c.parent_record_type = Some("vendors".into());
        c.parent_record_id = Some("5".into());
    });
    let (field, reason) = refused(create.to_request().unwrap_err());
    assert_eq!(field, "parentRecordType");
    assert!(
        reason.contains("under `contacts`, not `vendors`"),
        "{reason}"
    );
}

#[test]
fn a_contact_id_in_the_values_that_differs_from_the_parent_is_refused() {
    let mut create = books::CreateRecord::new("contactpersons");
    create.parent_record_type = Some("contacts".into());
    create.parent_record_id = Some("5".into());
    create.values = Some(json!({"contact_id": "6"}).as_object().unwrap().clone());
    let (field, reason) = refused(create.to_request().unwrap_err());
    assert_eq!(field, "parentRecordId");
    assert!(reason.contains("contact_id"), "{reason}");
}

#[test]
fn time_entries_live_at_projects_timeentries_with_the_project_in_query_or_body() {
    // books.md §2.2 [H]: "Time entries are *not* nested:
    // `/projects/timeentries?project_id=...&user_id=...`"; §2.1: `/projects/timeentries`,
    // time_entry_id.
    let list = with_parent(books::GetRecords::new("timeentries"), |l| {
        l.parent_record_type = Some("projects".into());
        l.parent_record_id = Some("3".into());
    });
    let request = list.to_request().unwrap();
    assert_eq!(path_of(&request), "/projects/timeentries");
    assert!(
        request
            .query
            .contains(&("project_id".to_owned(), "3".to_owned())),
        "{:?}",
        request.query
    );
    let create = with_parent(books::CreateRecord::new("timeentries"), |c| {
        c.parent_record_type = Some("projects".into());
        c.parent_record_id = Some("3".into());
    });
    let request = create.to_request().unwrap();
    assert_eq!(path_of(&request), "/projects/timeentries");
    assert_eq!(json_body(&request)["project_id"], "3");
    for (request, path) in [
        (
            books::GetRecord::new("timeentries", "8").to_request(),
            "/projects/timeentries/8",
        ),
        (
            books::UpdateRecord::new("timeentries", "8").to_request(),
            "/projects/timeentries/8",
        ),
        (
            books::RemoveRecord::new("timeentries", "8").to_request(),
            "/projects/timeentries/8",
        ),
    ] {
        assert_eq!(path_of(&request.unwrap()), path);
    }
}

#[test]
fn employees_are_deleted_at_the_singular_path() {
    // books.md §2.1 [H]: employees `/employees` (delete is `/employee/{id}`).
    assert_eq!(
        path_of(
            &books::RemoveRecord::new("employees", "4")
                .to_request()
                .unwrap()
        ),
        "/employee/4"
    );
    assert_eq!(
        path_of(
            &books::GetRecord::new("employees", "4")
                .to_request()
                .unwrap()
        ),
        "/employees/4"
    );
    let (field, _) = refused(
        with_parent(books::RemoveRecord::new("employees", "4"), |r| {
            r.parent_record_type = Some("contacts".into());
            r.parent_record_id = Some("1".into());
        })
        .to_request()
        .unwrap_err(),
    );
    assert_eq!(field, "parentRecordType");
}

#[test]
fn settings_types_and_bank_rules_have_their_prefixes() {
    // books.md §2 [H]: "Settings records live under `/settings/...`"; §2.1: bank rules
    // `/bankaccounts/rules`.
    assert_eq!(
        path_of(&books::GetRecords::new("taxes").to_request().unwrap()),
        "/settings/taxes"
    );
    assert_eq!(
        path_of(
            &books::UpdateRecord::new("currencies", "2")
                .to_request()
                .unwrap()
        ),
        "/settings/currencies/2"
    );
    let rules = with_parent(books::GetRecords::new("rules"), |l| {
        l.parent_record_type = Some("bankaccounts".into());
        l.parent_record_id = Some("11".into());
    });
    let request = rules.to_request().unwrap();
    assert_eq!(path_of(&request), "/bankaccounts/rules");
    assert!(
        request
            .query
            .contains(&("account_id".to_owned(), "11".to_owned()))
    );
}

#[test]
fn other_types_keep_the_plain_and_nested_patterns() {
    assert_eq!(
        path_of(&books::CreateRecord::new("invoices").to_request().unwrap()),
        "/invoices"
    );
    let tasks = with_parent(books::CreateRecord::new("tasks"), |c| {
        c.parent_record_type = Some("projects".into());
        c.parent_record_id = Some("3".into());
    });
    assert_eq!(path_of(&tasks.to_request().unwrap()), "/projects/3/tasks");
}
