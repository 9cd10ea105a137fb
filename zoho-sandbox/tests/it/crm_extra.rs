//! CRM calls around records: search, lead conversion, If-Modified-Since, ids.

use serde_json::{Value, json};

use crate::support::{TestResult, env};

#[tokio::test]
async fn search_by_criteria_email_and_word() -> TestResult {
    let e = env(100).await?;
    let lead = e
        .get("/crm/v3/Leads?fields=Last_Name,Email,Company&per_page=1")
        .await?
        .body["data"][0]
        .clone();
    let email = lead["Email"].as_str().ok_or("no email")?;
    // crm.md §3.7 [H]: GET /{module}/search?criteria=((Field:equals:val)and(...))|email=|phone=|word=.
    let by_email = e
        .get(&format!("/crm/v3/Leads/search?email={email}"))
        .await?;
    assert_eq!(by_email.status, 200);
    assert_eq!(by_email.body["data"][0]["id"], lead["id"]);
    assert_eq!(by_email.body["info"]["count"], 1);
    let last = lead["Last_Name"].as_str().ok_or("no last name")?;
    let criteria = format!(
        "((Last_Name:equals:{last})and(Email:starts_with:{}))",
        &email[..4]
    );
    let found = e
        .get(&format!(
            "/crm/v3/Leads/search?criteria={}",
            urlencode(&criteria)
        ))
        .await?;
    let rows = found.body["data"].as_array().ok_or("no data")?;
    assert!(rows.iter().any(|r| r["id"] == lead["id"]));
    assert!(rows.iter().all(|r| r["Last_Name"] == last));
    let word = e
        .get(&format!(
            "/crm/v3/Leads/search?word={}",
            urlencode(&email[..email.len() - 5])
        ))
        .await?;
    assert!(
        word.body["data"]
            .as_array()
            .is_some_and(|d| d.iter().any(|r| r["id"] == lead["id"]))
    );
    let none = e
        .get("/crm/v3/Leads/search?criteria=(Last_Name:equals:Nobody-At-All)")
        .await?;
    assert_eq!(none.status, 204);
    let bad = e
        .get("/crm/v3/Leads/search?criteria=(Last_Name:resembles:x)")
        .await?;
    assert_eq!(
        (bad.status, bad.body["code"].as_str()),
        (400, Some("INVALID_QUERY"))
    );
    let missing = e.get("/crm/v3/Leads/search").await?;
    assert_eq!(missing.body["code"], "REQUIRED_PARAM_MISSING");
    Ok(())
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn converting_a_lead_makes_a_contact_an_account_and_a_deal() -> TestResult {
    // crm.md §3.7 [H]: POST /crm/v3/Leads/{id}/actions/convert (the answer's shape is the sandbox's choice).
    let e = env(20).await?;
    let made = e.post("/crm/v3/Leads", &json!({"data": [{"First_Name": "Ivy", "Last_Name": "Convert", "Email": "ivy@convert.example", "Company": "Ivy Works"}]})).await?;
    let lead_id = made.body["data"][0]["details"]["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let converted = e
        .post(&format!("/crm/v3/Leads/{lead_id}/actions/convert"), &json!({"data": [{"overwrite": true, "Deals": {"Deal_Name": "Ivy deal", "Stage": "Qualification", "Amount": 1000}}]}))
        .await?;
    assert_eq!(converted.status, 200, "{}", converted.body);
    let details = &converted.body["data"][0]["details"];
    let contact_id = details["Contacts"]["id"].as_str().ok_or("no contact")?;
    let contact = e.get(&format!("/crm/v3/Contacts/{contact_id}")).await?;
    assert_eq!(contact.body["data"][0]["Email"], "ivy@convert.example");
    assert_eq!(contact.body["data"][0]["Account_Name"]["name"], "Ivy Works");
    let deal_id = details["Deals"]["id"].as_str().ok_or("no deal")?;
    let deal = e.get(&format!("/crm/v3/Deals/{deal_id}")).await?;
    assert_eq!(deal.body["data"][0]["Contact_Name"]["id"], contact_id);
    assert_eq!(details["Accounts"]["name"], "Ivy Works");
    assert_eq!(
        e.get(&format!("/crm/v3/Leads/{lead_id}")).await?.status,
        204,
        "the lead left Leads"
    );
    let again = e
        .post(
            &format!("/crm/v3/Leads/{lead_id}/actions/convert"),
            &Value::Null,
        )
        .await?;
    assert_eq!(again.body["code"], "INVALID_DATA");
    Ok(())
}

#[tokio::test]
async fn if_modified_since_and_ids() -> TestResult {
    let e = env(20).await?;
    // crm.md §3.1 [H]: If-Modified-Since returns only records modified since, or 304.
    let future = crate::support::answer(
        e.request(reqwest::Method::GET, "/crm/v3/Leads?fields=Last_Name")
            .header("If-Modified-Since", "2999-01-01T00:00:00+00:00")
            .send()
            .await?,
    )
    .await?;
    assert_eq!(future.status, 304);
    let made = e
        .post("/crm/v3/Leads", &json!({"data": [{"Last_Name": "Recent"}]}))
        .await?;
    let id = made.body["data"][0]["details"]["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let recent = crate::support::answer(
        e.request(reqwest::Method::GET, "/crm/v3/Leads?fields=Last_Name")
            .header("If-Modified-Since", "2025-01-01T00:00:00+00:00")
            .send()
            .await?,
    )
    .await?;
    let ids: Vec<&str> = recent.body["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    // crm.md §3.1 [H]: ids (comma-separated) limits the list to those records.
    let list = e.get("/crm/v3/Leads?fields=Last_Name&per_page=3").await?;
    let three: Vec<String> = list.body["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    let two = e
        .get(&format!(
            "/crm/v3/Leads?fields=Last_Name&ids={},{}",
            three[0], three[2]
        ))
        .await?;
    assert_eq!(two.body["info"]["count"], 2);
    Ok(())
}
