//! Attachments: multipart `file`, byte-exact download, the size limit (crm.md §5).

use serde_json::json;
use zoho_sandbox::SandboxConfig;

use crate::support::{self, ALL_SCOPES, TestResult, answer, config};

#[tokio::test]
async fn upload_list_download_byte_for_byte_and_delete() -> TestResult {
    let e = support::env(10).await?;
    let list = e.get("/crm/v3/Leads?fields=Last_Name&per_page=1").await?;
    let id = list.body["data"][0]["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let path = format!("/crm/v3/Leads/{id}/Attachments");
    // crm.md §5 [H]: 204 before any attachment.
    assert_eq!(e.get(&listing(&path)).await?.status, 204);
    let content: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let part = reqwest::multipart::Part::bytes(content.clone())
        .file_name("data.bin")
        .mime_str("application/octet-stream")?;
    let form = reqwest::multipart::Form::new().part("file", part);
    // crm.md §5 [H]: multipart/form-data, one part named file; 200 "attachment uploaded successfully".
    let up = answer(
        e.request(reqwest::Method::POST, &path)
            .multipart(form)
            .send()
            .await?,
    )
    .await?;
    assert_eq!(up.status, 200, "{}", up.body);
    assert_eq!(up.body["data"][0]["code"], "SUCCESS");
    assert_eq!(
        up.body["data"][0]["message"],
        "attachment uploaded successfully"
    );
    let attachment = up.body["data"][0]["details"]["id"]
        .as_str()
        .ok_or("no attachment id")?
        .to_owned();
    let listed = e.get(&listing(&path)).await?;
    assert_eq!(listed.body["data"][0]["File_Name"], "data.bin");
    assert_eq!(listed.body["data"][0]["Size"], "70000");
    let down = e.get(&format!("{path}/{attachment}")).await?;
    assert_eq!(down.status, 200);
    assert_eq!(down.bytes, content, "the stored bytes come back unchanged");
    let deleted = e.delete(&format!("{path}/{attachment}")).await?;
    assert_eq!(deleted.body["data"][0]["status"], "success");
    assert_eq!(e.get(&listing(&path)).await?.status, 204);
    // No file part.
    let empty = answer(
        e.request(reqwest::Method::POST, &path)
            .multipart(reqwest::multipart::Form::new().text("title", "x"))
            .send()
            .await?,
    )
    .await?;
    assert_eq!(empty.body["code"], "REQUIRED_PARAM_MISSING");
    let unknown = e
        .post("/crm/v3/Leads/4150868000000000001/Attachments", &json!({}))
        .await?;
    assert_eq!(unknown.body["code"], "INVALID_DATA");
    Ok(())
}

#[tokio::test]
async fn too_large_a_file_is_413() -> TestResult {
    // crm.md §5 [H]: 100 MB per file, 413 FILE_SIZE_MORE_THAN_ALLOWED_SIZE past it (limit lowered for the test).
    let e = support::env_with(
        SandboxConfig {
            attachment_max_bytes: 1_000,
            ..config(5)
        },
        ALL_SCOPES,
    )
    .await?;
    let list = e.get("/crm/v3/Leads?fields=Last_Name&per_page=1").await?;
    let id = list.body["data"][0]["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let part = reqwest::multipart::Part::bytes(vec![7u8; 1_001]).file_name("big.bin");
    let form = reqwest::multipart::Form::new().part("file", part);
    let big = answer(
        e.request(
            reqwest::Method::POST,
            &format!("/crm/v3/Leads/{id}/Attachments"),
        )
        .multipart(form)
        .send()
        .await?,
    )
    .await?;
    assert_eq!(big.status, 413);
    assert_eq!(big.body["code"], "FILE_SIZE_MORE_THAN_ALLOWED_SIZE");
    let part = reqwest::multipart::Part::bytes(vec![7u8; 1_000]).file_name("fits.bin");
    let form = reqwest::multipart::Form::new().part("file", part);
    let fits = answer(
        e.request(
            reqwest::Method::POST,
            &format!("/crm/v3/Leads/{id}/Attachments"),
        )
        .multipart(form)
        .send()
        .await?,
    )
    .await?;
    assert_eq!(fits.status, 200);
    Ok(())
}

#[tokio::test]
async fn a_link_attachment_by_attachment_url() -> TestResult {
    // crm.md §5 [H]: attachmentUrl (query param in the v3 SDK) attaches a link; not together with a file.
    let e = support::env(10).await?;
    let list = e
        .get("/crm/v3/Contacts?fields=Last_Name&per_page=1")
        .await?;
    let id = list.body["data"][0]["id"]
        .as_str()
        .ok_or("no id")?
        .to_owned();
    let path = format!("/crm/v3/Contacts/{id}/Attachments");
    let link = answer(
        e.request(reqwest::Method::POST, &path)
            .query(&[
                ("attachmentUrl", "https://example.com/spec.pdf"),
                ("title", "Spec"),
            ])
            .send()
            .await?,
    )
    .await?;
    assert_eq!(link.status, 200, "{}", link.body);
    let listed = e.get(&listing(&path)).await?;
    assert_eq!(listed.body["data"][0]["$type"], "Link URL");
    assert_eq!(listed.body["data"][0]["File_Name"], "Spec");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(vec![1, 2, 3]).file_name("a.bin"),
    );
    let both = answer(
        e.request(reqwest::Method::POST, &path)
            .query(&[("attachmentUrl", "https://example.com/x")])
            .multipart(form)
            .send()
            .await?,
    )
    .await?;
    assert_eq!(
        (both.status, both.body["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
    Ok(())
}

/// The attachments list with the fields Zoho requires from v3.
fn listing(path: &str) -> String {
    format!("{path}?fields=File_Name,Size,Parent_Id")
}

#[tokio::test]
async fn the_attachments_list_needs_fields_and_answers_as_zoho_does() -> TestResult {
    let e = support::env(10).await?;
    let list = e
        .get("/crm/v8/Leads?fields=First_Name,Last_Name&per_page=1")
        .await?;
    let lead = &list.body["data"][0];
    let id = lead["id"].as_str().ok_or("no id")?.to_owned();
    let path = format!("/crm/v8/Leads/{id}/Attachments");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("hello.txt"),
    );
    let up = answer(
        e.request(reqwest::Method::POST, &path)
            .multipart(form)
            .send()
            .await?,
    )
    .await?;
    assert_eq!(up.status, 200, "{}", up.body);
    // crm.md §6.2 [H]: a list without `fields` is REQUIRED_PARAM_MISSING {"param_name":"fields"}.
    let bare = e.get(&path).await?;
    assert_eq!(
        (bare.status, bare.body["code"].as_str()),
        (400, Some("REQUIRED_PARAM_MISSING"))
    );
    assert_eq!(bare.body["details"]["param_name"], "fields");
    // The item as Zoho's SDKs model it: `Parent_Id` {name, id}, `$type` File, `$se_module`.
    let listed = e.get(&format!("{path}?fields=File_Name,Parent_Id")).await?;
    let item = &listed.body["data"][0];
    assert_eq!(item["File_Name"], "hello.txt");
    assert!(
        item.get("Size").is_none(),
        "only the fields asked for: {item}"
    );
    let name = format!(
        "{} {}",
        lead["First_Name"].as_str().unwrap_or(""),
        lead["Last_Name"].as_str().unwrap_or("")
    );
    assert_eq!(item["Parent_Id"]["id"], json!(id));
    assert_eq!(item["Parent_Id"]["name"], json!(name.trim()));
    assert_eq!(item["$type"], "File");
    assert_eq!(item["$se_module"], "Leads");
    assert_eq!(item["$editable"], true);
    assert!(item["id"].is_string());
    Ok(())
}
