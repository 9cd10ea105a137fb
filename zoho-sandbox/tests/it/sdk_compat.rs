//! What Zoho's official SDKs send and call that a hand-written client might not: multipart token
//! requests, the current user and org on every token, numeric ids in bodies.

use serde_json::{Value, json};
use zoho_sandbox::{CLIENT_ID, CLIENT_SECRET};

use crate::support::{self, TestResult, answer, client, config, env_with};

const SDK_SCOPES: &str =
    "ZohoCRM.modules.ALL,ZohoCRM.settings.ALL,ZohoCRM.users.ALL,ZohoCRM.org.ALL";

#[tokio::test]
async fn the_token_endpoint_takes_a_multipart_body_as_the_node_sdk_sends_it() -> TestResult {
    // Zoho's Node SDK (@zohocrm/nodejs-sdk-8.0) posts every token request as multipart/form-data,
    // and Zoho's accounts server reads its fields as it reads a urlencoded form.
    let sandbox = support::start(config(5)).await?;
    let http = client();
    let code = sandbox
        .self_client_code("ZohoCRM.modules.ALL")
        .ok_or("no code")?;
    let form = reqwest::multipart::Form::new()
        .text("grant_type", "authorization_code")
        .text("client_id", CLIENT_ID)
        .text("client_secret", CLIENT_SECRET)
        .text("code", code);
    let tokens: Value = http
        .post(format!("{}/oauth/v2/token", sandbox.base_url()))
        .multipart(form)
        .send()
        .await?
        .json()
        .await?;
    assert!(tokens["access_token"].is_string(), "{tokens}");
    assert!(tokens["refresh_token"].is_string(), "{tokens}");
    Ok(())
}

#[tokio::test]
async fn the_current_user_and_the_org_answer_as_the_sdks_expect() -> TestResult {
    let e = env_with(config(5), SDK_SCOPES).await?;
    // Both official SDKs call GET /crm/v8/users?type=CurrentUser after every token they generate.
    let me = e.get("/crm/v8/users?type=CurrentUser").await?;
    assert_eq!(me.status, 200, "{}", me.body);
    let users = me.body["users"].as_array().ok_or("no users")?;
    assert_eq!(users.len(), 1);
    assert!(users[0]["id"].is_string() && users[0]["email"].is_string());
    assert_eq!(me.body["info"]["more_records"], false);

    let all = e.get("/crm/v8/users?type=AllUsers&per_page=2").await?;
    assert_eq!(all.body["users"].as_array().map(Vec::len), Some(2));
    assert_eq!(all.body["info"]["more_records"], true);
    let id = all.body["users"][1]["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let one = e.get(&format!("/crm/v8/users/{id}")).await?;
    assert_eq!(one.body["users"][0]["id"], json!(id));
    let bad = e.get("/crm/v8/users?type=Everyone").await?;
    assert_eq!(
        (bad.status, bad.body["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );

    let org = e.get("/crm/v8/org").await?;
    assert_eq!(org.status, 200, "{}", org.body);
    assert!(org.body["org"][0]["id"].is_string());
    assert!(org.body["org"][0]["company_name"].is_string());
    Ok(())
}

#[tokio::test]
async fn users_and_org_need_their_own_scopes() -> TestResult {
    // ZohoCRM.modules.ALL covers records, not users or the org.
    let e = env_with(config(5), "ZohoCRM.modules.ALL").await?;
    for path in ["/crm/v8/users?type=CurrentUser", "/crm/v8/org"] {
        let refused = e.get(path).await?;
        assert_eq!(
            (refused.status, refused.body["code"].as_str()),
            (401, Some("OAUTH_SCOPE_MISMATCH")),
            "{path}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn numeric_ids_in_a_body_are_taken_like_strings() -> TestResult {
    // Zoho accepts an id as a JSON number or a string; the Python SDK sends numbers.
    let e = env_with(config(20), SDK_SCOPES).await?;
    let lead = e.get("/crm/v8/Leads?fields=Last_Name&per_page=1").await?;
    let id_text = lead.body["data"][0]["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let id: u64 = id_text.parse()?;
    let updated = e
        .put(
            "/crm/v8/Leads",
            &json!({"data": [{"id": id, "Company": "By Number"}]}),
        )
        .await?;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["data"][0]["details"]["id"], json!(id_text));
    let after = e.get(&format!("/crm/v8/Leads/{id_text}")).await?;
    assert_eq!(after.body["data"][0]["Company"], "By Number");

    // A lookup given by a numeric id.
    let account = e
        .get("/crm/v8/Accounts?fields=Account_Name&per_page=1")
        .await?;
    let account_id: u64 = account.body["data"][0]["id"]
        .as_str()
        .ok_or("no account")?
        .parse()?;
    let contact = e
        .post(
            "/crm/v8/Contacts",
            &json!({"data": [{"Last_Name": "Numeric", "Account_Name": {"id": account_id}}]}),
        )
        .await?;
    assert_eq!(contact.status, 201, "{}", contact.body);
    let contact_id = contact.body["data"][0]["details"]["id"]
        .as_str()
        .ok_or("no contact id")?;
    let stored = answer(
        e.request(
            reqwest::Method::GET,
            &format!("/crm/v8/Contacts/{contact_id}"),
        )
        .send()
        .await?,
    )
    .await?;
    assert_eq!(
        stored.body["data"][0]["Account_Name"]["id"],
        json!(account_id.to_string()),
        "stored and answered as a string, as Zoho does"
    );
    Ok(())
}
