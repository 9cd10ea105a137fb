//! Record photos (`/crm/{v}/{module}/{id}/photo`, as Zoho's official SDKs call them) and COQL's
//! `include_meta` (crm.md §4).

use serde_json::json;

use crate::support::{self, TestResult, answer};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really an image, but it starts like one";

async fn first(e: &support::Env, module: &str) -> Result<String, Box<dyn std::error::Error>> {
    let list = e
        .get(&format!("/crm/v8/{module}?fields=id&per_page=1"))
        .await?;
    Ok(list.body["data"][0]["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned())
}

fn photo_form(bytes: &[u8], mime: &str) -> Result<reqwest::multipart::Form, reqwest::Error> {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name("face.png")
        .mime_str(mime)?;
    Ok(reqwest::multipart::Form::new().part("file", part))
}

#[tokio::test]
async fn a_photo_is_uploaded_downloaded_byte_for_byte_and_deleted() -> TestResult {
    let e = support::env(20).await?;
    let id = first(&e, "Leads").await?;
    let path = format!("/crm/v8/Leads/{id}/photo");
    // No photo yet: nothing to send.
    assert_eq!(e.get(&path).await?.status, 204);
    // Zoho's SDKs send one multipart part named `file` and read a top-level answer.
    let up = answer(
        e.request(reqwest::Method::POST, &path)
            .multipart(photo_form(PNG, "image/png")?)
            .send()
            .await?,
    )
    .await?;
    assert_eq!(up.status, 200, "{}", up.body);
    assert_eq!(
        up.body,
        json!({"code": "SUCCESS", "details": {}, "message": "photo uploaded successfully", "status": "success"})
    );
    let down = e.get(&path).await?;
    assert_eq!(down.status, 200);
    assert_eq!(down.bytes, PNG, "the photo comes back unchanged");
    let deleted = e.delete(&path).await?;
    assert_eq!(deleted.body["status"], "success", "{}", deleted.body);
    assert_eq!(e.get(&path).await?.status, 204);
    Ok(())
}

#[tokio::test]
async fn photos_need_an_image_a_module_with_photos_and_an_existing_record() -> TestResult {
    let e = support::env(20).await?;
    let id = first(&e, "Leads").await?;
    let text = answer(
        e.request(reqwest::Method::POST, &format!("/crm/v8/Leads/{id}/photo"))
            .multipart(photo_form(b"plain text", "text/plain")?)
            .send()
            .await?,
    )
    .await?;
    assert_eq!(
        (text.status, text.body["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
    // Zoho's SDKs allow photos on Leads, Contacts, Accounts, Products, Vendors and custom modules.
    let deal = first(&e, "Deals").await?;
    let deals = e.get(&format!("/crm/v8/Deals/{deal}/photo")).await?;
    assert_eq!(
        (deals.status, deals.body["code"].as_str()),
        (400, Some("NOT_SUPPORTED"))
    );
    let missing = e.get("/crm/v8/Leads/1/photo").await?;
    assert_eq!(missing.body["code"], "INVALID_DATA");
    Ok(())
}

#[tokio::test]
async fn include_meta_fields_describes_the_selected_columns_on_v8_only() -> TestResult {
    let e = support::env(20).await?;
    let query = "select Last_Name, Email from Leads where Last_Name is not null limit 2";
    // crm.md §4 [H]: v8 adds an optional "include_meta":["fields"] that returns a top-level
    // `fields` map.
    let with = e
        .post(
            "/crm/v8/coql",
            &json!({"select_query": query, "include_meta": ["fields"]}),
        )
        .await?;
    assert_eq!(with.status, 200, "{}", with.body);
    let fields = with.body["fields"].as_object().ok_or("no fields map")?;
    assert_eq!(fields.len(), 2, "{fields:?}");
    assert_eq!(fields["Last_Name"]["api_name"], "Last_Name");
    assert_eq!(fields["Email"]["data_type"], "email");
    let without = e
        .post("/crm/v8/coql", &json!({"select_query": query}))
        .await?;
    assert!(without.body.get("fields").is_none());
    let v3 = e
        .post(
            "/crm/v3/coql",
            &json!({"select_query": query, "include_meta": ["fields"]}),
        )
        .await?;
    assert_eq!(v3.status, 200);
    assert!(v3.body.get("fields").is_none(), "v3 has no include_meta");
    Ok(())
}
