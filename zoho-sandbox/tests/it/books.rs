//! Zoho Books: organizations, the envelope, CRUD, nested paths, JSONString, errors and limits.

use serde_json::{Value, json};
use zoho_sandbox::{Faults, SandboxConfig};

use crate::support::{self, ALL_SCOPES, TestResult, answer, config, env};

const ORG: &str = "organization_id=10234695";

#[tokio::test]
async fn organizations_need_no_organization_id_and_everything_else_does() -> TestResult {
    let e = env(100).await?;
    // books.md §1.3 [H]: GET /organizations is the discovery call; two orgs are seeded.
    let orgs = e.get("/books/v3/organizations").await?;
    assert_eq!(orgs.status, 200);
    assert_eq!(
        (orgs.body["code"].as_i64(), orgs.body["message"].as_str()),
        (Some(0), Some("success"))
    );
    let list = orgs.body["organizations"]
        .as_array()
        .ok_or("no organizations")?;
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .all(|o| o["organization_id"].is_string() && o["currency_code"].is_string())
    );
    assert_eq!(
        list.iter().filter(|o| o["is_default_org"] == true).count(),
        1
    );
    // books.md §1.1 [M]: the legacy /api/v3 path shape is an alias.
    assert_eq!(
        e.get("/api/v3/organizations").await?.body["organizations"],
        orgs.body["organizations"]
    );
    // books.md §1.3 [L]: a missing or unknown organization_id gives code 2, HTTP 400 (configurable).
    let missing = e.get("/books/v3/contacts").await?;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.body,
        json!({"code": 2, "message": "Invalid value passed for organization_id"})
    );
    assert_eq!(
        e.get("/books/v3/contacts?organization_id=999").await?.body["code"],
        2
    );
    // books.md §1.3 [L]: the header form some clients use.
    let header = answer(
        e.request(reqwest::Method::GET, "/books/v3/contacts")
            .header("X-com-zoho-books-organizationid", "10234696")
            .send()
            .await?,
    )
    .await?;
    assert_eq!(header.status, 200);
    Ok(())
}

#[tokio::test]
async fn list_envelope_and_page_context() -> TestResult {
    let e = env(400).await?;
    // books.md §4 [H]: code, message, the plural key and page_context with has_more_page.
    let page = e
        .get(&format!("/books/v3/contacts?{ORG}&per_page=3"))
        .await?;
    assert_eq!(page.status, 200);
    assert!(
        page.headers["content-type"]
            .to_str()?
            .starts_with("application/json")
    );
    assert_eq!(page.body["contacts"].as_array().map(Vec::len), Some(3));
    let context = &page.body["page_context"];
    assert_eq!(
        (
            context["page"].as_u64(),
            context["per_page"].as_u64(),
            context["has_more_page"].as_bool()
        ),
        (Some(1), Some(3), Some(true))
    );
    assert_eq!(context["report_name"], "Contacts");
    // books.md §5 [H]: per_page is clamped at 200.
    let clamped = e
        .get(&format!("/books/v3/contacts?{ORG}&per_page=500"))
        .await?;
    assert_eq!(clamped.body["page_context"]["per_page"], 200);
    assert_eq!(clamped.body["page_context"]["has_more_page"], false);
    let total = clamped.body["contacts"].as_array().map_or(0, Vec::len);
    assert_eq!(
        total, 8,
        "records=400 seeds 8 Books contacts in the first org"
    );
    let past = e
        .get(&format!("/books/v3/contacts?{ORG}&per_page=5&page=3"))
        .await?;
    assert_eq!(past.body["contacts"], json!([]));
    // books.md §5 [H]: search fields are plain query parameters, with suffix variants.
    let first = &page.body["contacts"][0];
    let name = first["contact_name"].as_str().ok_or("no name")?;
    let exact = e
        .get(&format!(
            "/books/v3/contacts?{ORG}&contact_name={}",
            urlencode(name)
        ))
        .await?;
    assert_eq!(exact.body["contacts"].as_array().map(Vec::len), Some(1));
    let prefix = e
        .get(&format!(
            "/books/v3/contacts?{ORG}&contact_name_startswith={}",
            urlencode(&name[..3])
        ))
        .await?;
    assert!(
        prefix.body["contacts"]
            .as_array()
            .is_some_and(|c| !c.is_empty()
                && c.iter().all(|x| x["contact_name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&name[..3]))))
    );
    let sorted = e
        .get(&format!(
            "/books/v3/invoices?{ORG}&sort_column=total&sort_order=D"
        ))
        .await?;
    let totals: Vec<f64> = sorted.body["invoices"]
        .as_array()
        .ok_or("no invoices")?
        .iter()
        .filter_map(|i| i["total"].as_f64())
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    let big = e
        .get(&format!("/books/v3/invoices?{ORG}&total_greater_than=500"))
        .await?;
    assert!(
        big.body["invoices"]
            .as_array()
            .is_some_and(|i| i.iter().all(|x| x["total"].as_f64().unwrap_or(0.0) > 500.0))
    );
    Ok(())
}

#[tokio::test]
async fn the_same_seed_gives_the_same_books_data() -> TestResult {
    // Issue 4: deterministic seeded data, Books included.
    let (a, b) = (env(300).await?, env(300).await?);
    let path = format!("/books/v3/invoices?{ORG}&per_page=200");
    let (x, y) = (a.get(&path).await?.body, b.get(&path).await?.body);
    assert_eq!(x["invoices"], y["invoices"]);
    assert_eq!(x["invoices"].as_array().map(Vec::len), Some(6));
    let first = &x["invoices"][0];
    let customer = first["customer_id"].as_str().ok_or("no customer")?;
    let contact = a
        .get(&format!("/books/v3/contacts/{customer}?{ORG}"))
        .await?;
    assert_eq!(
        contact.body["contact"]["contact_name"], first["customer_name"],
        "seeded references resolve"
    );
    Ok(())
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn create_get_update_delete_a_contact() -> TestResult {
    let e = env(50).await?;
    // books.md §4 [H]: POST creates answer 201 with the singular key and the documented message.
    let made = e
        .post(
            &format!("/books/v3/contacts?{ORG}"),
            &json!({"contact_name": "Bowman Furniture", "email": "b@f.example"}),
        )
        .await?;
    assert_eq!(made.status, 201);
    assert_eq!(made.body["message"], "The contact has been created");
    let id = made.body["contact"]["contact_id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    assert!(id.bytes().all(|b| b.is_ascii_digit()));
    let got = e.get(&format!("/books/v3/contacts/{id}?{ORG}")).await?;
    assert_eq!(
        (got.status, got.body["contact"]["contact_name"].as_str()),
        (200, Some("Bowman Furniture"))
    );
    // Zoho's OpenAPI marks `contact_name` required on "Update a contact" too.
    let nameless = e
        .put(
            &format!("/books/v3/contacts/{id}?{ORG}"),
            &json!({"phone": "+1 555"}),
        )
        .await?;
    assert_eq!(
        (nameless.status, nameless.body["code"].as_i64()),
        (400, Some(2)),
        "{}",
        nameless.body
    );
    let updated = e
        .put(
            &format!("/books/v3/contacts/{id}?{ORG}"),
            &json!({"contact_name": "Bowman Furniture", "phone": "+1 555"}),
        )
        .await?;
    assert_eq!(
        (updated.status, updated.body["message"].as_str()),
        (200, Some("Contact has been updated successfully"))
    );
    assert_eq!(updated.body["contact"]["phone"], "+1 555");
    assert_eq!(updated.body["contact"]["email"], "b@f.example");
    // books.md §4 [H]: delete answers code and message only.
    let deleted = e.delete(&format!("/books/v3/contacts/{id}?{ORG}")).await?;
    assert_eq!(
        deleted.body,
        json!({"code": 0, "message": "The contact has been deleted."})
    );
    // books.md §6 [H code, L status]: 1002 "... does not exist.", HTTP 404 by default.
    let gone = e.get(&format!("/books/v3/contacts/{id}?{ORG}")).await?;
    assert_eq!(
        (gone.status, &gone.body),
        (
            404,
            &json!({"code": 1002, "message": "Contact does not exist."})
        )
    );
    // The other organization does not see the first one's records.
    let other = e
        .get("/books/v3/invoices?organization_id=10234696&per_page=200")
        .await?;
    let mine = e
        .get(&format!("/books/v3/invoices?{ORG}&per_page=200"))
        .await?;
    assert_ne!(other.body["invoices"], mine.body["invoices"]);
    Ok(())
}

#[tokio::test]
async fn legacy_json_string_form_and_bad_json() -> TestResult {
    let e = env(20).await?;
    // books.md §3 [M]: the legacy form sends JSONString=<url-encoded JSON>.
    let form = answer(
        e.request(reqwest::Method::POST, &format!("/api/v3/items?{ORG}"))
            .form(&[("JSONString", r#"{"name":"Desk","rate":120}"#)])
            .send()
            .await?,
    )
    .await?;
    assert_eq!(form.status, 201);
    assert_eq!(form.body["message"], "The item has been added.");
    assert_eq!(form.body["item"]["rate"], 120);
    let multipart =
        reqwest::multipart::Form::new().text("JSONString", r#"{"name":"Chair","rate":45}"#);
    let multi = answer(
        e.request(reqwest::Method::POST, &format!("/books/v3/items?{ORG}"))
            .multipart(multipart)
            .send()
            .await?,
    )
    .await?;
    assert_eq!(multi.body["item"]["name"], "Chair");
    // books.md §6 [L]: code 1038 "JSON is not well formed".
    let plain_form = answer(
        e.request(reqwest::Method::POST, &format!("/books/v3/items?{ORG}"))
            .form(&[("name", "Desk")])
            .send()
            .await?,
    )
    .await?;
    assert_eq!(
        (plain_form.status, plain_form.body["code"].as_i64()),
        (400, Some(1038))
    );
    let broken = answer(
        e.request(reqwest::Method::POST, &format!("/books/v3/items?{ORG}"))
            .header("content-type", "application/json")
            .body("{nope")
            .send()
            .await?,
    )
    .await?;
    assert_eq!(broken.body["code"], 1038);
    Ok(())
}

#[tokio::test]
async fn contact_persons_are_listed_nested_but_written_flat() -> TestResult {
    let e = env(100).await?;
    let contacts = e.get(&format!("/books/v3/contacts?{ORG}")).await?;
    let cid = contacts.body["contacts"][0]["contact_id"]
        .as_str()
        .ok_or("no contact")?
        .to_owned();
    // books.md §2.2 [H]: create is POST /contacts/contactpersons with contact_id in the body.
    let made = e
        .post(
            &format!("/books/v3/contacts/contactpersons?{ORG}"),
            &json!({"contact_id": cid, "first_name": "Wil", "last_name": "Rose"}),
        )
        .await?;
    assert_eq!(made.status, 201, "{}", made.body);
    let pid = made.body["contact_person"]["contact_person_id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let listed = e
        .get(&format!("/books/v3/contacts/{cid}/contactpersons?{ORG}"))
        .await?;
    let persons = listed.body["contact_persons"]
        .as_array()
        .ok_or("no contact_persons")?;
    assert!(
        persons
            .iter()
            .any(|p| p["contact_person_id"] == pid.as_str())
    );
    assert!(persons.iter().all(|p| p["contact_id"] == cid.as_str()));
    let one = e
        .get(&format!(
            "/books/v3/contacts/{cid}/contactpersons/{pid}?{ORG}"
        ))
        .await?;
    assert_eq!(one.body["contact_person"]["first_name"], "Wil");
    // Create is not nested: the nested POST is refused.
    let nested = e
        .post(
            &format!("/books/v3/contacts/{cid}/contactpersons?{ORG}"),
            &json!({"first_name": "X"}),
        )
        .await?;
    assert_eq!(
        (nested.status, nested.body["code"].as_i64()),
        (405, Some(37))
    );
    let updated = e
        .put(
            &format!("/books/v3/contacts/contactpersons/{pid}?{ORG}"),
            &json!({"first_name": "Will"}),
        )
        .await?;
    assert_eq!(updated.body["contact_person"]["first_name"], "Will");
    let deleted = e
        .delete(&format!("/books/v3/contacts/contactpersons/{pid}?{ORG}"))
        .await?;
    assert_eq!(deleted.body["code"], 0);
    assert!(deleted.body.get("contact_person").is_none());
    let missing_contact = e
        .post(
            &format!("/books/v3/contacts/contactpersons?{ORG}"),
            &json!({"first_name": "No"}),
        )
        .await?;
    assert_eq!(
        missing_contact.body,
        json!({"code": 2, "message": "Invalid value passed for contact_id"})
    );
    Ok(())
}

#[tokio::test]
async fn project_tasks_live_under_their_project() -> TestResult {
    let e = env(400).await?;
    let projects = e.get(&format!("/books/v3/projects?{ORG}")).await?;
    let pid = projects.body["projects"][0]["project_id"]
        .as_str()
        .ok_or("no project")?
        .to_owned();
    // books.md §2.2 [H]: /projects/{project_id}/tasks.
    let made = e
        .post(
            &format!("/books/v3/projects/{pid}/tasks?{ORG}"),
            &json!({"task_name": "Install"}),
        )
        .await?;
    assert_eq!(made.status, 201);
    assert_eq!(made.body["task"]["project_id"], pid.as_str());
    let tasks = e
        .get(&format!("/books/v3/projects/{pid}/tasks?{ORG}"))
        .await?;
    assert!(
        tasks.body["tasks"]
            .as_array()
            .is_some_and(|t| t.iter().all(|x| x["project_id"] == pid.as_str()))
    );
    let unknown = e
        .get(&format!("/books/v3/projects/460000000000001/tasks?{ORG}"))
        .await?;
    assert_eq!(
        (unknown.status, unknown.body["message"].as_str()),
        (404, Some("Project does not exist."))
    );
    Ok(())
}

#[tokio::test]
async fn invoices_validate_and_change_status() -> TestResult {
    let e = env(100).await?;
    let contacts = e.get(&format!("/books/v3/contacts?{ORG}")).await?;
    let customer = contacts.body["contacts"][0].clone();
    let body = json!({"customer_id": customer["contact_id"], "line_items": [{"name": "Work", "rate": 100, "quantity": 3}, {"name": "Travel", "rate": 50}]});
    let made = e.post(&format!("/books/v3/invoices?{ORG}"), &body).await?;
    assert_eq!(
        (made.status, made.body["message"].as_str()),
        (201, Some("The invoice has been created."))
    );
    let invoice = &made.body["invoice"];
    assert_eq!(invoice["total"], 350.0);
    assert_eq!(invoice["status"], "draft");
    assert_eq!(invoice["customer_name"], customer["contact_name"]);
    assert!(
        invoice["invoice_number"]
            .as_str()
            .is_some_and(|n| n.starts_with("INV-"))
    );
    let id = invoice["invoice_id"].as_str().ok_or("no id")?;
    let sent = e
        .post(
            &format!("/books/v3/invoices/{id}/status/sent?{ORG}"),
            &Value::Null,
        )
        .await?;
    assert_eq!(sent.body["code"], 0);
    let got = e.get(&format!("/books/v3/invoices/{id}?{ORG}")).await?;
    assert_eq!(got.body["invoice"]["status"], "sent");
    let filtered = e
        .get(&format!("/books/v3/invoices?{ORG}&filter_by=Status.Sent"))
        .await?;
    assert!(
        filtered.body["invoices"]
            .as_array()
            .is_some_and(|i| !i.is_empty() && i.iter().all(|x| x["status"] == "sent"))
    );
    // books.md §2.1 [H]: invoices require customer_id and line_items.
    let missing = e
        .post(
            &format!("/books/v3/invoices?{ORG}"),
            &json!({"customer_id": customer["contact_id"]}),
        )
        .await?;
    assert_eq!(
        missing.body,
        json!({"code": 2, "message": "Invalid value passed for line_items"})
    );
    let stranger = e
        .post(
            &format!("/books/v3/invoices?{ORG}"),
            &json!({"customer_id": "1", "line_items": [{"rate": 1}]}),
        )
        .await?;
    assert_eq!(stranger.body["code"], 1002);
    // books.md §4 [H]: POST /expenses answers 200, not 201.
    let expense = e.post(&format!("/books/v3/expenses?{ORG}"), &json!({"date": "2024-05-01", "account_id": "1", "amount": 12.5, "paid_through_account_id": "2"})).await?;
    assert_eq!(expense.status, 200);
    assert!(expense.body["expense"]["expense_id"].is_string());
    let unknown = e.get(&format!("/books/v3/widgets?{ORG}")).await?;
    assert_eq!(
        (unknown.status, unknown.body["code"].as_i64()),
        (404, Some(5))
    );
    Ok(())
}

#[tokio::test]
async fn per_minute_and_daily_limits_answer_429() -> TestResult {
    // books.md §7 [H]: 100 requests per minute per organization, code 44; daily cap code 45.
    let faults = Faults {
        books_per_minute_limit: Some(3),
        ..Faults::default()
    };
    let e = support::env_with(
        SandboxConfig {
            faults,
            ..config(20)
        },
        ALL_SCOPES,
    )
    .await?;
    for _ in 0..3 {
        assert_eq!(e.get(&format!("/books/v3/items?{ORG}")).await?.status, 200);
    }
    let limited = e.get(&format!("/books/v3/items?{ORG}")).await?;
    assert_eq!(
        (limited.status, limited.body["code"].as_i64()),
        (429, Some(44))
    );
    // The limit is per organization.
    assert_eq!(
        e.get("/books/v3/items?organization_id=10234696")
            .await?
            .status,
        200
    );
    e.sandbox.advance_clock(std::time::Duration::from_secs(61));
    assert_eq!(e.get(&format!("/books/v3/items?{ORG}")).await?.status, 200);
    // A limit counts the calls made while it is set.
    e.sandbox.set_faults(Faults {
        books_per_minute_limit: None,
        books_daily_limit: Some(1),
        ..Faults::default()
    });
    assert_eq!(e.get(&format!("/books/v3/items?{ORG}")).await?.status, 200);
    let daily = e.get(&format!("/books/v3/items?{ORG}")).await?;
    assert_eq!((daily.status, daily.body["code"].as_i64()), (429, Some(45)));
    assert!(
        daily.body["message"]
            .as_str()
            .is_some_and(|m| m.ends_with("limit of 1."))
    );
    Ok(())
}

#[tokio::test]
async fn scopes_are_checked_per_family_and_operation() -> TestResult {
    // books.md §8 [H]: ZohoBooks.<family>.<OPERATION>; a missing scope gives 401 code 57 [M].
    let e = support::env_with(config(50), "ZohoBooks.invoices.READ").await?;
    assert_eq!(
        e.get(&format!("/books/v3/invoices?{ORG}")).await?.status,
        200
    );
    let write = e
        .post(&format!("/books/v3/invoices?{ORG}"), &json!({}))
        .await?;
    assert_eq!((write.status, write.body["code"].as_i64()), (401, Some(57)));
    assert_eq!(
        e.get(&format!("/books/v3/contacts?{ORG}")).await?.body["code"],
        57
    );
    let none = answer(
        e.http
            .get(e.url(&format!("/books/v3/invoices?{ORG}")))
            .send()
            .await?,
    )
    .await?;
    assert_eq!((none.status, none.body["code"].as_i64()), (401, Some(57)));
    Ok(())
}

#[tokio::test]
async fn every_served_type_lists_under_its_documented_key() -> TestResult {
    // books.md §2.1 [H]: the list key per module (customer payments: the OAS name, L).
    let e = env(400).await?;
    let types = [
        ("contacts", "contacts"),
        ("items", "items"),
        ("invoices", "invoices"),
        ("estimates", "estimates"),
        ("salesorders", "salesorders"),
        ("purchaseorders", "purchaseorders"),
        ("creditnotes", "creditnotes"),
        ("bills", "bills"),
        ("expenses", "expenses"),
        ("projects", "projects"),
        ("customerpayments", "customer_payments"),
        ("vendorpayments", "vendorpayments"),
        ("recurringinvoices", "recurring_invoices"),
        ("vendorcredits", "vendorcredits"),
        ("journals", "journals"),
        ("chartofaccounts", "chartofaccounts"),
        ("bankaccounts", "bankaccounts"),
    ];
    for (path, key) in types {
        let list = e.get(&format!("/books/v3/{path}?{ORG}")).await?;
        assert_eq!(list.status, 200, "{path}");
        assert!(
            list.body[key].as_array().is_some_and(|a| !a.is_empty()),
            "{path}: {}",
            list.body
        );
    }
    let contact = e
        .get(&format!("/books/v3/contacts?{ORG}&per_page=1"))
        .await?
        .body["contacts"][0]["contact_id"]
        .clone();
    let paid = e
        .post(&format!("/books/v3/customerpayments?{ORG}"), &json!({"customer_id": contact, "payment_mode": "cash", "amount": 10, "date": "2024-02-01"}))
        .await?;
    assert_eq!(paid.status, 201);
    let id = paid.body["payment"]["payment_id"]
        .as_str()
        .ok_or("no payment id")?;
    // books.md §4 [H]: the single key of a customer payment is `payment`.
    assert_eq!(
        e.get(&format!("/books/v3/customerpayments/{id}?{ORG}"))
            .await?
            .body["payment"]["amount"],
        10
    );
    let account = e
        .post(
            &format!("/books/v3/chartofaccounts?{ORG}"),
            &json!({"account_name": "Snacks", "account_type": "expense"}),
        )
        .await?;
    assert!(account.body["chart_of_account"]["account_id"].is_string());
    Ok(())
}
