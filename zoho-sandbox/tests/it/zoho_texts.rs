//! Zoho's exact texts, one test per text: where the facts give the `code` and `message` (or the
//! whole body) Zoho answers with, the sandbox answers exactly that, since that is what users'
//! code compares against. Each test quotes its fact (crm.md, books.md).

use serde_json::{Value, json};
use zoho_sandbox::{Faults, SandboxConfig};

use crate::support::{self, ALL_SCOPES, Answer, TestResult, answer, config, env, env_with};

const ORG: &str = "organization_id=10234695";

/// The CRM error shape with exactly this code and message (and details, when given).
fn crm_error(got: &Answer, status: u16, code: &str, message: &str, details: Option<Value>) {
    assert_eq!(got.status, status, "{}", got.body);
    assert_eq!(got.body["code"], code, "{}", got.body);
    assert_eq!(got.body["message"], message, "{}", got.body);
    assert_eq!(got.body["status"], "error", "{}", got.body);
    if let Some(details) = details {
        assert_eq!(got.body["details"], details, "{}", got.body);
    }
}

/// The Books body, exactly.
fn books_error(got: &Answer, status: u16, code: i64, message: &str) {
    assert_eq!(
        (got.status, got.body.clone()),
        (status, json!({"code": code, "message": message}))
    );
}

#[tokio::test]
async fn crm_invalid_token() -> TestResult {
    let e = env(5).await?;
    // crm.md §2.3 [H]: 401 {"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}.
    let got = answer(
        support::client()
            .get(e.url("/crm/v3/Leads?fields=id"))
            .header("Authorization", "Zoho-oauthtoken 1000.not.a.token")
            .send()
            .await?,
    )
    .await?;
    assert_eq!(
        (got.status, got.body.clone()),
        (
            401,
            json!({"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"})
        )
    );
    Ok(())
}

#[tokio::test]
async fn crm_authentication_failure() -> TestResult {
    let e = env(5).await?;
    // crm.md §2.3 [M]: a missing header gets 401 AUTHENTICATION_FAILURE ("Authentication failed").
    let got = answer(
        support::client()
            .get(e.url("/crm/v3/Leads?fields=id"))
            .send()
            .await?,
    )
    .await?;
    crm_error(
        &got,
        401,
        "AUTHENTICATION_FAILURE",
        "Authentication failed",
        None,
    );
    Ok(())
}

#[tokio::test]
async fn crm_oauth_scope_mismatch() -> TestResult {
    let e = env_with(config(5), "ZohoCRM.coql.READ").await?;
    // crm.md §6.2 [H]: 401, `{}`, "invalid oauth scope to access this URL".
    let got = e.get("/crm/v3/Leads?fields=id").await?;
    crm_error(
        &got,
        401,
        "OAUTH_SCOPE_MISMATCH",
        "invalid oauth scope to access this URL",
        Some(json!({})),
    );
    Ok(())
}

#[tokio::test]
async fn crm_invalid_url_pattern() -> TestResult {
    let e = env(5).await?;
    // crm.md §6.2 [H]: 404, `{}`, "Please check if the URL trying to access is a correct one".
    let got = e.get("/crm/v99/Leads?fields=id").await?;
    crm_error(
        &got,
        404,
        "INVALID_URL_PATTERN",
        "Please check if the URL trying to access is a correct one",
        Some(json!({})),
    );
    Ok(())
}

#[tokio::test]
async fn crm_invalid_module() -> TestResult {
    let e = env(5).await?;
    // crm.md §6.2 [H]: 400, {"resource_path_index":0}, "the module name given seems to be invalid".
    let got = e.get("/crm/v3/NoSuchModule?fields=id").await?;
    crm_error(
        &got,
        400,
        "INVALID_MODULE",
        "the module name given seems to be invalid",
        Some(json!({"resource_path_index": 0})),
    );
    Ok(())
}

#[tokio::test]
async fn crm_required_param_missing() -> TestResult {
    let e = env(5).await?;
    // crm.md §6.2 [H]: 400, {"param_name":"fields"}, "required param is missing".
    let got = e.get("/crm/v3/Leads").await?;
    crm_error(
        &got,
        400,
        "REQUIRED_PARAM_MISSING",
        "required param is missing",
        Some(json!({"param_name": "fields"})),
    );
    Ok(())
}

#[tokio::test]
async fn crm_coql_syntax_error() -> TestResult {
    let e = env(5).await?;
    // crm.md §4 [H]: SYNTAX_ERROR, message "error occured while parsing the query" (sic).
    let got = e
        .coql("v3", "selct Last_Name from Leads where id is not null")
        .await?;
    crm_error(
        &got,
        400,
        "SYNTAX_ERROR",
        "error occured while parsing the query",
        None,
    );
    Ok(())
}

#[tokio::test]
async fn crm_record_not_deleted() -> TestResult {
    let e = env(5).await?;
    // crm.md §3.5 [H]: a bad id gives INVALID_DATA `details.id`, message "record not deleted".
    let got = e.delete("/crm/v3/Leads?ids=4150868000000000001").await?;
    let item = &got.body["data"][0];
    assert_eq!(
        (
            item["code"].as_str(),
            item["message"].as_str(),
            item["status"].as_str()
        ),
        (
            Some("INVALID_DATA"),
            Some("record not deleted"),
            Some("error")
        ),
        "{}",
        got.body
    );
    assert_eq!(item["details"]["id"], "4150868000000000001");
    Ok(())
}

#[tokio::test]
async fn crm_write_messages() -> TestResult {
    let e = env(5).await?;
    // crm.md §3.3-§3.5 [H]: "record added", "record updated", "record deleted".
    let added = e
        .post("/crm/v3/Leads", &json!({"data": [{"Last_Name": "Texts"}]}))
        .await?;
    assert_eq!(added.body["data"][0]["message"], "record added");
    let id = added.body["data"][0]["details"]["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let updated = e
        .put(
            &format!("/crm/v3/Leads/{id}"),
            &json!({"data": [{"Company": "Texts Ltd"}]}),
        )
        .await?;
    assert_eq!(updated.body["data"][0]["message"], "record updated");
    let deleted = e.delete(&format!("/crm/v3/Leads/{id}")).await?;
    assert_eq!(deleted.body["data"][0]["message"], "record deleted");
    Ok(())
}

#[tokio::test]
async fn crm_file_size_more_than_allowed_size() -> TestResult {
    let e = env_with(
        SandboxConfig {
            attachment_max_bytes: 10,
            ..config(5)
        },
        ALL_SCOPES,
    )
    .await?;
    let list = e.get("/crm/v3/Leads?fields=id&per_page=1").await?;
    let id = list.body["data"][0]["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let part = reqwest::multipart::Part::bytes(vec![7u8; 11]).file_name("big.bin");
    let got = answer(
        e.request(
            reqwest::Method::POST,
            &format!("/crm/v3/Leads/{id}/Attachments"),
        )
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await?,
    )
    .await?;
    // crm.md §5 [H]: 413 {"code":"FILE_SIZE_MORE_THAN_ALLOWED_SIZE","message":"Please check if
    // the size of the file is in the correct range","details":{},"status":"error"}.
    assert_eq!(
        (got.status, got.body.clone()),
        (
            413,
            json!({"code": "FILE_SIZE_MORE_THAN_ALLOWED_SIZE", "message": "Please check if the size of the file is in the correct range", "details": {}, "status": "error"})
        )
    );
    Ok(())
}

#[tokio::test]
async fn accounts_token_throttle() -> TestResult {
    let e = env_with(
        SandboxConfig {
            token_mint_limit: Some(1),
            ..config(5)
        },
        ALL_SCOPES,
    )
    .await?;
    // crm.md §2.2 [M]: {"error":"Access Denied","error_description":"You have made too many
    // requests continuously. Please try again after some time.","status":"failure"}.
    let mut last = Value::Null;
    for _ in 0..3 {
        last = support::client()
            .post(e.url("/oauth/v2/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", zoho_sandbox::CLIENT_ID),
                ("client_secret", zoho_sandbox::CLIENT_SECRET),
                ("refresh_token", e.refresh.as_str()),
            ])
            .send()
            .await?
            .json()
            .await?;
    }
    assert_eq!(
        last,
        json!({"error": "Access Denied", "error_description": "You have made too many requests continuously. Please try again after some time.", "status": "failure"})
    );
    Ok(())
}

#[tokio::test]
async fn books_does_not_exist() -> TestResult {
    let e = env(20).await?;
    // books.md §6 [H]: {"code":1002,"message":"Invoice does not exist."}.
    let got = e.get(&format!("/books/v3/invoices/1?{ORG}")).await?;
    books_error(&got, 404, 1002, "Invoice does not exist.");
    Ok(())
}

#[tokio::test]
async fn books_invalid_organization_id() -> TestResult {
    let e = env(5).await?;
    // books.md §1.3 [L, the simulator default]: {"code":2,"message":"Invalid value passed for organization_id"}.
    let got = e.get("/books/v3/contacts?organization_id=1").await?;
    books_error(&got, 400, 2, "Invalid value passed for organization_id");
    Ok(())
}

#[tokio::test]
async fn books_not_authorized() -> TestResult {
    let e = env_with(config(5), "ZohoCRM.modules.ALL").await?;
    // books.md §6 [M]: 57, "You are not authorized to perform this operation", HTTP 401.
    let got = e.get(&format!("/books/v3/contacts?{ORG}")).await?;
    books_error(
        &got,
        401,
        57,
        "You are not authorized to perform this operation",
    );
    Ok(())
}

#[tokio::test]
async fn books_per_minute_limit() -> TestResult {
    let e = env(5).await?;
    e.sandbox.set_faults(Faults {
        books_per_minute_limit: Some(0),
        ..Faults::default()
    });
    // books.md §6 [M]: 44, HTTP 429, Zoho's sentence (grammar and all).
    let got = e.get(&format!("/books/v3/contacts?{ORG}")).await?;
    books_error(
        &got,
        429,
        44,
        "For security reasons your organization has been blocked as it have exceeded the maximum number of requests per minute that can originate from an organization.",
    );
    Ok(())
}

#[tokio::test]
async fn books_daily_limit() -> TestResult {
    let e = env(5).await?;
    e.sandbox.set_faults(Faults {
        books_daily_limit: Some(2),
        books_per_minute_limit: None,
        ..Faults::default()
    });
    for _ in 0..2 {
        e.get(&format!("/books/v3/contacts?{ORG}&per_page=1"))
            .await?;
    }
    // books.md §6/§7 [M-H]: 45, "The API call for this organization has exceeded the maximum
    // call rate limit of <N>." ("...of 1000." for a 1,000-call day; 2 here).
    let got = e.get(&format!("/books/v3/contacts?{ORG}")).await?;
    books_error(
        &got,
        429,
        45,
        "The API call for this organization has exceeded the maximum call rate limit of 2.",
    );
    Ok(())
}

#[tokio::test]
async fn books_concurrency_limit() -> TestResult {
    let e = env(5).await?;
    e.sandbox.set_faults(Faults {
        books_concurrency_limit: Some(0),
        ..Faults::default()
    });
    // books.md §6 [M]: 1070, "You have reached the maximum number of in process requests
    // allowed. Kindly try again after some time.".
    let got = e.get(&format!("/books/v3/contacts?{ORG}")).await?;
    books_error(
        &got,
        429,
        1070,
        "You have reached the maximum number of in process requests allowed. Kindly try again after some time.",
    );
    Ok(())
}

#[tokio::test]
async fn books_internal_error() -> TestResult {
    let e = env(5).await?;
    e.sandbox.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    // books.md §6 [H]: {"code":1000,"message":"Internal error"} with HTTP 500 (502 and 503
    // are proxies' HTML pages, so try until a 500 comes).
    for _ in 0..60 {
        let got = e.get(&format!("/books/v3/contacts?{ORG}")).await?;
        if got.status == 500 {
            books_error(&got, 500, 1000, "Internal error");
            return Ok(());
        }
    }
    Err("no 500 in 60 tries at error_rate 1.0".into())
}

#[tokio::test]
async fn books_invalid_url_and_method() -> TestResult {
    let e = env(5).await?;
    // books.md §6 [L]: 5 "Invalid URL Passed" (404) and 37 "The HTTP method is not allowed for
    // the requested resource" (405).
    let url = e.get(&format!("/books/v3/nosuchthings?{ORG}")).await?;
    books_error(&url, 404, 5, "Invalid URL Passed");
    let method = answer(
        e.request(reqwest::Method::PATCH, &format!("/books/v3/contacts?{ORG}"))
            .send()
            .await?,
    )
    .await?;
    books_error(
        &method,
        405,
        37,
        "The HTTP method is not allowed for the requested resource",
    );
    Ok(())
}

#[tokio::test]
async fn books_json_not_well_formed() -> TestResult {
    let e = env(5).await?;
    // books.md §6 [L]: 1038 "JSON is not well formed".
    let got = answer(
        e.request(reqwest::Method::POST, &format!("/books/v3/contacts?{ORG}"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await?,
    )
    .await?;
    books_error(&got, 400, 1038, "JSON is not well formed");
    Ok(())
}
