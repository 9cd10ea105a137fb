//! CRM records: get, insert, update, upsert, delete, per-record results, metadata and URL errors.

use serde_json::{Value, json};
use zoho_sandbox::{OpenQuestions, SandboxConfig};

use crate::support::{self, ALL_SCOPES, TestResult, config, env};

async fn first_lead(e: &support::Env) -> Result<Value, Box<dyn std::error::Error>> {
    let list = e
        .get("/crm/v3/Leads?fields=Last_Name,Email&per_page=1&sort_order=asc")
        .await?;
    Ok(list.body["data"][0].clone())
}

#[tokio::test]
async fn get_one_record_and_204_for_a_missing_id() -> TestResult {
    let e = env(30).await?;
    let lead = first_lead(&e).await?;
    let id = lead["id"].as_str().ok_or("no id")?;
    // crm.md §3 [H]: ids are numeric strings of about 19 digits.
    assert_eq!(id.len(), 19);
    assert!(id.bytes().all(|b| b.is_ascii_digit()));
    // crm.md §3.2 [H]: 200 with {"data":[one record]}.
    let got = e.get(&format!("/crm/v3/Leads/{id}")).await?;
    assert_eq!(got.status, 200);
    let record = &got.body["data"][0];
    assert_eq!(got.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(record["id"], id);
    assert_eq!(record["Email"], lead["Email"]);
    assert!(
        record["Owner"]["email"].is_string(),
        "owner lookups carry name, id and email"
    );
    assert!(
        record["Created_Time"]
            .as_str()
            .is_some_and(|t| t.ends_with("+00:00"))
    );
    let only = e.get(&format!("/crm/v3/Leads/{id}?fields=Email")).await?;
    let keys: Vec<&String> = only.body["data"][0]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["id", "Email"]);
    // crm.md §3.2 [H]: a non-existent id gives 204 No Content; [M] a wrong format gives INVALID_DATA.
    let missing = e.get("/crm/v3/Leads/4150868000000000001").await?;
    assert_eq!((missing.status, missing.bytes.len()), (204, 0));
    let bad = e.get("/crm/v3/Leads/not-an-id").await?;
    assert_eq!(
        (bad.status, bad.body["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
    Ok(())
}

#[tokio::test]
async fn the_same_seed_gives_the_same_records() -> TestResult {
    // Issue 4: deterministic seeded data.
    let a = env(40).await?;
    let b = env(40).await?;
    let c = support::env_with(
        SandboxConfig {
            seed: 7,
            ..config(40)
        },
        ALL_SCOPES,
    )
    .await?;
    let path = "/crm/v3/Contacts?fields=First_Name,Last_Name,Email,Account_Name&per_page=20";
    let (la, lb, lc) = (
        a.get(path).await?.body,
        b.get(path).await?.body,
        c.get(path).await?.body,
    );
    assert_eq!(la["data"], lb["data"]);
    assert_ne!(la["data"], lc["data"]);
    assert_eq!(
        la["data"].as_array().map(Vec::len),
        Some(20),
        "records=40 seeds 20 Contacts"
    );
    Ok(())
}

#[tokio::test]
async fn insert_answers_201_then_multi_status_then_400() -> TestResult {
    let e = env(10).await?;
    let both = e.post("/crm/v3/Leads", &json!({"data": [{"Last_Name": "Ada", "Email": "ada@new.example"}, {"Last_Name": "Bo"}], "trigger": ["workflow"]})).await?;
    // crm.md §3.3 [H]: 201 when all succeed, per-record SUCCESS items in input order.
    assert_eq!(both.status, 201, "{}", both.body);
    let first = &both.body["data"][0];
    assert_eq!(
        (
            first["code"].as_str(),
            first["message"].as_str(),
            first["status"].as_str()
        ),
        (Some("SUCCESS"), Some("record added"), Some("success"))
    );
    let id = first["details"]["id"].as_str().ok_or("no id")?;
    assert_eq!(id.len(), 19);
    assert!(first["details"]["Created_By"]["id"].is_string());
    let stored = e.get(&format!("/crm/v3/Leads/{id}")).await?;
    assert_eq!(stored.body["data"][0]["Email"], "ada@new.example");

    // crm.md §3.3 [H]: a mix is 207 (the configured default for v3) with the error item in place.
    let mixed = e
        .post(
            "/crm/v3/Leads",
            &json!({"data": [{"Last_Name": "Cy"}, {"First_Name": "NoLast"}]}),
        )
        .await?;
    assert_eq!(mixed.status, 207);
    assert_eq!(mixed.body["data"][0]["status"], "success");
    let error = &mixed.body["data"][1];
    assert_eq!(error["code"], "MANDATORY_NOT_FOUND");
    assert_eq!(
        error["details"],
        json!({"api_name": "Last_Name", "json_path": "$.data[1].Last_Name"})
    );
    // crm.md §3.3 [H]: 400 when all fail.
    let none = e
        .post(
            "/crm/v8/Deals",
            &json!({"data": [{"Deal_Name": "No stage"}]}),
        )
        .await?;
    assert_eq!(none.status, 400);
    assert_eq!(none.body["data"][0]["details"]["api_name"], "Stage");
    // crm.md §3.3 [H]: 1-100 records per call.
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"Last_Name": format!("N{i}")}))
        .collect();
    let too_many = e.post("/crm/v3/Leads", &json!({ "data": many })).await?;
    assert_eq!(
        (too_many.status, too_many.body["code"].as_str()),
        (400, Some("LIMIT_EXCEEDED"))
    );
    let bad_type = e
        .post(
            "/crm/v3/Leads",
            &json!({"data": [{"Last_Name": "T", "No_of_Employees": "many"}]}),
        )
        .await?;
    assert_eq!(bad_type.body["data"][0]["code"], "INVALID_DATA");
    assert_eq!(
        bad_type.body["data"][0]["details"]["expected_data_type"],
        "integer"
    );
    Ok(())
}

#[tokio::test]
async fn mixed_write_status_is_configurable_before_v7() -> TestResult {
    // crm.md §11.1 [L]: the v3 status of a mixed write is an open question; the default is 207.
    let e = support::env_with(
        SandboxConfig {
            open_questions: OpenQuestions {
                mixed_write_status: 201,
                ..OpenQuestions::default()
            },
            ..config(5)
        },
        ALL_SCOPES,
    )
    .await?;
    let body = json!({"data": [{"Last_Name": "Ok"}, {"First_Name": "Bad"}]});
    assert_eq!(e.post("/crm/v3/Leads", &body).await?.status, 201);
    assert_eq!(
        e.post("/crm/v8/Leads", &body).await?.status,
        207,
        "v8 documents 207"
    );
    Ok(())
}

#[tokio::test]
async fn unique_email_gives_duplicate_data() -> TestResult {
    // crm.md §3.3 [H]: the duplicate check on unique fields (Leads.Email) gives DUPLICATE_DATA.
    let e = env(10).await?;
    let lead = first_lead(&e).await?;
    let taken = lead["Email"].as_str().ok_or("no email")?.to_uppercase();
    let dup = e
        .post(
            "/crm/v3/Leads",
            &json!({"data": [{"Last_Name": "Copy", "Email": taken}]}),
        )
        .await?;
    assert_eq!(dup.status, 400);
    let item = &dup.body["data"][0];
    assert_eq!(item["code"], "DUPLICATE_DATA");
    assert_eq!(item["details"]["api_name"], "Email");
    assert_eq!(item["details"]["json_path"], "$.data[0].Email");
    assert_eq!(item["details"]["duplicate_record"]["id"], lead["id"]);
    assert_eq!(
        item["details"]["duplicate_record"]["module"]["api_name"],
        "Leads"
    );
    Ok(())
}

#[tokio::test]
async fn update_one_and_many() -> TestResult {
    let e = env(10).await?;
    let lead = first_lead(&e).await?;
    let id = lead["id"].as_str().ok_or("no id")?;
    // crm.md §3.4 [H]: PUT one record, no id in the body, 200 "record updated".
    let one = e
        .put(
            &format!("/crm/v3/Leads/{id}"),
            &json!({"data": [{"Company": "Renamed Ltd"}]}),
        )
        .await?;
    assert_eq!(one.status, 200);
    assert_eq!(one.body["data"][0]["message"], "record updated");
    let after = e.get(&format!("/crm/v3/Leads/{id}")).await?;
    assert_eq!(after.body["data"][0]["Company"], "Renamed Ltd");
    assert_eq!(
        after.body["data"][0]["Last_Name"], lead["Last_Name"],
        "other fields are kept"
    );
    // crm.md §3.4 [H]: many records each need an id; a mix is 207.
    let many = e
        .put(
            "/crm/v3/Leads",
            &json!({"data": [{"id": id, "Phone": "+1 1"}, {"Phone": "+1 2"}]}),
        )
        .await?;
    assert_eq!(many.status, 207);
    assert_eq!(many.body["data"][1]["details"]["api_name"], "id");
    let cleared = e
        .put(
            &format!("/crm/v3/Leads/{id}"),
            &json!({"data": [{"Last_Name": null}]}),
        )
        .await?;
    assert_eq!(
        (cleared.status, cleared.body["data"][0]["code"].as_str()),
        (400, Some("MANDATORY_NOT_FOUND"))
    );
    let gone = e
        .put(
            "/crm/v3/Leads/4150868000000000001",
            &json!({"data": [{"Phone": "1"}]}),
        )
        .await?;
    assert_eq!(
        (gone.status, gone.body["data"][0]["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
    Ok(())
}

#[tokio::test]
async fn upsert_updates_by_duplicate_check_field_or_inserts() -> TestResult {
    // crm.md §3.6 [H]: per item "action" insert|update and "duplicate_field".
    let e = env(10).await?;
    let lead = first_lead(&e).await?;
    let body = json!({"data": [
        {"Last_Name": "Upserted", "Email": lead["Email"]},
        {"Last_Name": "Fresh", "Email": "fresh@new.example"},
    ]});
    let up = e.post("/crm/v3/Leads/upsert", &body).await?;
    assert_eq!(up.status, 200);
    assert_eq!(
        (
            up.body["data"][0]["action"].as_str(),
            up.body["data"][0]["duplicate_field"].as_str()
        ),
        (Some("update"), Some("Email"))
    );
    assert_eq!(up.body["data"][0]["details"]["id"], lead["id"]);
    assert_eq!(up.body["data"][1]["action"], "insert");
    assert_eq!(up.body["data"][1]["duplicate_field"], Value::Null);
    assert_eq!(up.body["data"][1]["message"], "record added");
    let check = e
        .post(
            "/crm/v3/Accounts/upsert",
            &json!({"data": [{"Account_Name": "X"}], "duplicate_check_fields": ["Nope"]}),
        )
        .await?;
    assert_eq!(check.body["code"], "INVALID_DATA");
    Ok(())
}

#[tokio::test]
async fn delete_one_and_many() -> TestResult {
    let e = env(10).await?;
    let list = e.get("/crm/v3/Leads?fields=Last_Name&per_page=3").await?;
    let ids: Vec<String> = list.body["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    // crm.md §3.5 [H]: 200 with "record deleted"; then the record is gone (204).
    let one = e.delete(&format!("/crm/v3/Leads/{}", ids[0])).await?;
    assert_eq!(
        (one.status, one.body["data"][0]["message"].as_str()),
        (200, Some("record deleted"))
    );
    assert_eq!(
        e.get(&format!("/crm/v3/Leads/{}", ids[0])).await?.status,
        204
    );
    // crm.md §3.5 [H]: ids= list; a bad id makes a 207 with "record not deleted".
    let many = e
        .delete(&format!("/crm/v3/Leads?ids={},{},123", ids[1], ids[2]))
        .await?;
    assert_eq!(many.status, 207);
    assert_eq!(
        many.body["data"][2],
        json!({"code": "INVALID_DATA", "details": {"id": "123"}, "message": "record not deleted", "status": "error"})
    );
    let missing = e.delete("/crm/v3/Leads").await?;
    assert_eq!(
        (
            missing.status,
            missing.body["details"]["param_name"].as_str()
        ),
        (400, Some("ids"))
    );
    assert_eq!(missing.body["code"], "REQUIRED_PARAM_MISSING");
    Ok(())
}

#[tokio::test]
async fn lookups_must_point_at_existing_records() -> TestResult {
    // crm.md §3 [H]: lookup input needs only {"id"}; the stored value carries the name.
    let e = env(20).await?;
    let accounts = e
        .get("/crm/v3/Accounts?fields=Account_Name&per_page=1")
        .await?;
    let account = &accounts.body["data"][0];
    let made = e
        .post(
            "/crm/v3/Contacts",
            &json!({"data": [{"Last_Name": "L", "Account_Name": {"id": account["id"]}}]}),
        )
        .await?;
    let id = made.body["data"][0]["details"]["id"]
        .as_str()
        .ok_or("no id")?;
    let contact = e.get(&format!("/crm/v3/Contacts/{id}")).await?;
    assert_eq!(
        contact.body["data"][0]["Account_Name"],
        json!({"name": account["Account_Name"], "id": account["id"]})
    );
    let bad = e
        .post(
            "/crm/v3/Contacts",
            &json!({"data": [{"Last_Name": "L", "Account_Name": {"id": "4150868000000000001"}}]}),
        )
        .await?;
    assert_eq!(bad.body["data"][0]["code"], "INVALID_DATA");
    Ok(())
}

#[tokio::test]
async fn module_and_url_errors() -> TestResult {
    let e = env(5).await?;
    // crm.md §6.2 [H]: INVALID_MODULE with resource_path_index 0.
    let module = e.get("/crm/v3/Widgets?fields=Name").await?;
    assert_eq!(
        (module.status, module.body["code"].as_str()),
        (400, Some("INVALID_MODULE"))
    );
    assert_eq!(module.body["details"], json!({"resource_path_index": 0}));
    assert_eq!(module.body["status"], "error");
    // crm.md §6.2 [H]: INVALID_URL_PATTERN is 404.
    let url = e.get("/crm/v9/Leads?fields=Last_Name").await?;
    assert_eq!(
        (url.status, url.body["code"].as_str()),
        (404, Some("INVALID_URL_PATTERN"))
    );
    // crm.md §6.2 [H]: a wrong verb for the path is INVALID_REQUEST_METHOD (400 in the OAS examples).
    let verb = support::answer(
        e.request(reqwest::Method::PATCH, "/crm/v3/Leads")
            .send()
            .await?,
    )
    .await?;
    assert_eq!(
        (verb.status, verb.body["code"].as_str()),
        (400, Some("INVALID_REQUEST_METHOD"))
    );
    let deep = e.get("/crm/v3/Leads/1/a/b/c").await?;
    assert_eq!(deep.body["code"], "INVALID_URL_PATTERN");
    // An encoded slash stays inside its segment, as Zoho reads paths: `Leads%2F{id}` is a module
    // named "Leads/{id}", not record {id} of Leads.
    let lead = first_lead(&e).await?;
    let id = lead["id"].as_str().ok_or("no id")?;
    let encoded = e.get(&format!("/crm/v3/Leads%2F{id}")).await?;
    assert_eq!(
        (encoded.status, encoded.body["code"].as_str()),
        (400, Some("INVALID_MODULE"))
    );
    let plain = e.get("/crm/v3/%4Ceads?fields=Last_Name").await?;
    assert_eq!(plain.status, 200, "other escapes still decode");
    // The custom module is served like the others.
    let custom = e.get("/crm/v2.1/Shipments").await?;
    assert_eq!(custom.status, 204, "records=5 seeds no Shipments");
    Ok(())
}

#[tokio::test]
async fn settings_modules_and_fields() -> TestResult {
    let e = env(5).await?;
    // crm.md §8.1 [H]: v3 reports visible, v5 and later status.
    let v3 = e.get("/crm/v3/settings/modules").await?;
    let leads = v3.body["modules"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["api_name"] == "Leads").cloned())
        .ok_or("no Leads")?;
    assert_eq!(
        (leads["visible"].as_bool(), leads["api_supported"].as_bool()),
        (Some(true), Some(true))
    );
    let custom = v3.body["modules"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["generated_type"] == "custom").cloned())
        .ok_or("no custom module")?;
    assert_eq!(custom["api_name"], "Shipments");
    let v5 = e.get("/crm/v5/settings/modules/Leads").await?;
    assert_eq!(v5.body["modules"][0]["status"], "visible");
    assert!(v5.body["modules"][0].get("visible").is_none());
    // crm.md §8.2 [H]: fields with data_type, json_type, system_mandatory, unique.
    let fields = e.get("/crm/v3/settings/fields?module=Leads").await?;
    let list = fields.body["fields"].as_array().ok_or("no fields")?;
    let last = list
        .iter()
        .find(|f| f["api_name"] == "Last_Name")
        .ok_or("no Last_Name")?;
    assert_eq!(
        (
            last["data_type"].as_str(),
            last["json_type"].as_str(),
            last["system_mandatory"].as_bool()
        ),
        (Some("text"), Some("string"), Some(true))
    );
    let email = list
        .iter()
        .find(|f| f["api_name"] == "Email")
        .ok_or("no Email")?;
    assert_eq!(email["unique"], json!({"casesensitive": false}));
    let missing = e.get("/crm/v3/settings/fields").await?;
    assert_eq!(
        (
            missing.body["code"].as_str(),
            missing.body["details"]["param_name"].as_str()
        ),
        (Some("REQUIRED_PARAM_MISSING"), Some("module"))
    );
    Ok(())
}
