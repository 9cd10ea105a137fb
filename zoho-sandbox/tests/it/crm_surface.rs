//! The CRM surface beyond records: tags, the recycle bin, counts, notes and related lists. The
//! facts (crm.md §3.5, §3.7) name the routes; the shapes follow Zoho's official SDKs' models.

use serde_json::{Value, json};

use crate::support::{self, TestResult, env};

async fn lead_ids(e: &support::Env, n: usize) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let list = e
        .get(&format!("/crm/v8/Leads?fields=Last_Name&per_page={n}"))
        .await?;
    Ok(list.body["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect())
}

#[tokio::test]
async fn tags_are_added_and_removed_and_show_on_the_record() -> TestResult {
    let e = env(20).await?;
    let ids = lead_ids(&e, 3).await?;
    let one = &ids[0];
    let added = e
        .post(
            &format!("/crm/v8/Leads/{one}/actions/add_tags"),
            &json!({"tags": [{"name": "Hot"}, {"name": "VIP"}]}),
        )
        .await?;
    assert_eq!(added.status, 200, "{}", added.body);
    assert_eq!(added.body["data"][0]["code"], "SUCCESS");
    assert_eq!(added.body["success_count"], "1");
    let record = e
        .get(&format!("/crm/v8/Leads/{one}?fields=Tag,Last_Name"))
        .await?;
    let tags: Vec<&str> = record.body["data"][0]["Tag"]
        .as_array()
        .ok_or("no Tag")?
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(tags, ["Hot", "VIP"]);
    // The same tag name again is the same tag, not a second one.
    let many = e
        .post(
            "/crm/v8/Leads/actions/add_tags",
            &json!({"tags": [{"name": "hot"}], "ids": [ids[1], ids[2]]}),
        )
        .await?;
    assert_eq!(many.body["success_count"], "2", "{}", many.body);
    let listed = e.get("/crm/v8/settings/tags?module=Leads").await?;
    assert_eq!(listed.body["tags"].as_array().map(Vec::len), Some(2));
    let removed = e
        .post(
            &format!("/crm/v8/Leads/{one}/actions/remove_tags"),
            &json!({"tags": [{"name": "Hot"}]}),
        )
        .await?;
    assert_eq!(removed.status, 200);
    let after = e.get(&format!("/crm/v8/Leads/{one}?fields=Tag")).await?;
    assert_eq!(after.body["data"][0]["Tag"][0]["name"], "VIP");
    assert_eq!(
        after.body["data"][0]["Tag"].as_array().map(Vec::len),
        Some(1)
    );
    // A record never tagged has an empty Tag list; an unknown id fails alone.
    let untagged = e
        .get(&format!("/crm/v8/Leads/{}?fields=Tag", ids[1]))
        .await?;
    assert_eq!(untagged.body["data"][0]["Tag"][0]["name"], "Hot");
    let mixed = e
        .post(
            "/crm/v8/Leads/actions/add_tags",
            &json!({"tags": [{"name": "Cold"}], "ids": [ids[0], "4150868000000000001"]}),
        )
        .await?;
    assert_eq!(mixed.status, 207, "{}", mixed.body);
    assert_eq!(mixed.body["data"][1]["code"], "INVALID_DATA");
    let nameless = e
        .post(
            &format!("/crm/v8/Leads/{one}/actions/add_tags"),
            &json!({"tags": []}),
        )
        .await?;
    assert_eq!(nameless.body["code"], "MANDATORY_NOT_FOUND");
    Ok(())
}

#[tokio::test]
async fn deleted_records_are_listed_from_the_recycle_bin() -> TestResult {
    // crm.md §3.5 [H]: deleted records go to the recycle bin; `/{module}/deleted` lists them.
    let e = env(20).await?;
    assert_eq!(e.get("/crm/v8/Leads/deleted").await?.status, 204);
    let ids = lead_ids(&e, 3).await?;
    let gone = e
        .delete(&format!("/crm/v8/Leads?ids={},{}", ids[0], ids[1]))
        .await?;
    assert_eq!(gone.status, 200, "{}", gone.body);
    let bin = e.get("/crm/v8/Leads/deleted?type=all").await?;
    assert_eq!(bin.status, 200, "{}", bin.body);
    let listed: Vec<&str> = bin.body["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(listed, [ids[1].as_str(), ids[0].as_str()], "newest first");
    let first = &bin.body["data"][0];
    assert_eq!(first["type"], "recycle");
    assert!(
        first["display_name"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert!(first["deleted_time"].is_string() && first["deleted_by"]["id"].is_string());
    assert_eq!(
        e.get("/crm/v8/Leads/deleted?type=permanent").await?.status,
        204
    );
    let bad = e.get("/crm/v8/Leads/deleted?type=everything").await?;
    assert_eq!(bad.body["code"], "INVALID_DATA");
    let paged = e.get("/crm/v8/Leads/deleted?per_page=1").await?;
    assert_eq!(paged.body["info"]["more_records"], true);
    Ok(())
}

#[tokio::test]
async fn count_counts_every_record_or_those_a_filter_matches() -> TestResult {
    // crm.md §3.7 [H]: GET /{module}/actions/count.
    let e = env(40).await?;
    let all = e.get("/crm/v8/Leads/actions/count").await?;
    assert_eq!(all.body, json!({"count": 40}));
    let ids = lead_ids(&e, 1).await?;
    e.delete(&format!("/crm/v8/Leads/{}", ids[0])).await?;
    assert_eq!(
        e.get("/crm/v8/Leads/actions/count").await?.body["count"],
        39
    );
    let made = e
        .post(
            "/crm/v8/Leads",
            &json!({"data": [{"Last_Name": "Counted", "Company": "Tally"}, {"Last_Name": "Counted", "Company": "Tally"}]}),
        )
        .await?;
    assert_eq!(made.status, 201);
    let matching = e
        .get("/crm/v8/Leads/actions/count?criteria=(Company:equals:Tally)")
        .await?;
    assert_eq!(matching.body["count"], 2, "{}", matching.body);
    assert_eq!(
        e.get("/crm/v8/Leads/actions/count").await?.body["count"],
        41
    );
    let bad = e
        .get("/crm/v8/Leads/actions/count?criteria=(Company)")
        .await?;
    assert_eq!(bad.status, 400);
    Ok(())
}

fn names(page: &Value, key: &str) -> Vec<String> {
    page["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i[key].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn notes_hang_on_records_and_list_under_them() -> TestResult {
    let e = env(20).await?;
    let ids = lead_ids(&e, 2).await?;
    // Created under the record, and through /Notes naming the parent.
    let under = e
        .post(
            &format!("/crm/v8/Leads/{}/Notes", ids[0]),
            &json!({"data": [{"Note_Title": "Call", "Note_Content": "Called on Monday"}]}),
        )
        .await?;
    assert_eq!(under.status, 201, "{}", under.body);
    let flat = e
        .post(
            "/crm/v8/Notes",
            &json!({"data": [
                {"Note_Content": "Second", "Parent_Id": {"module": {"api_name": "Leads"}, "id": ids[0]}},
                {"Note_Content": "Other lead", "Parent_Id": {"module": {"api_name": "Leads"}, "id": ids[1]}},
                {"Note_Content": "Nowhere", "Parent_Id": {"module": {"api_name": "Leads"}, "id": "4150868000000000001"}},
                {"Note_Title": "No content", "Parent_Id": {"module": {"api_name": "Leads"}, "id": ids[1]}},
            ]}),
        )
        .await?;
    assert_eq!(flat.status, 207, "{}", flat.body);
    assert_eq!(flat.body["data"][2]["code"], "INVALID_DATA");
    assert_eq!(flat.body["data"][3]["code"], "MANDATORY_NOT_FOUND");
    let mine = e
        .get(&format!(
            "/crm/v8/Leads/{}/Notes?fields=Note_Title,Note_Content,Parent_Id",
            ids[0]
        ))
        .await?;
    assert_eq!(
        names(&mine.body, "Note_Content"),
        ["Second", "Called on Monday"]
    );
    assert_eq!(mine.body["data"][0]["Parent_Id"]["id"], json!(ids[0]));
    assert_eq!(
        mine.body["data"][0]["Parent_Id"]["module"]["api_name"],
        "Leads"
    );
    assert_eq!(mine.body["data"][0]["$se_module"], "Leads");
    // The same through the related-list route, and every note through /Notes.
    let related = e
        .get(&format!(
            "/crm/v8/Leads/{}/Notes?fields=Note_Content",
            ids[0]
        ))
        .await?;
    assert_eq!(related.body["info"]["count"], 2);
    let all = e.get("/crm/v8/Notes?fields=Note_Content").await?;
    assert_eq!(all.body["info"]["count"], 3);
    assert_eq!(
        e.get("/crm/v8/Notes").await?.body["code"],
        "REQUIRED_PARAM_MISSING"
    );
    let note = mine.body["data"][0]["id"].as_str().ok_or("no note id")?;
    let edited = e
        .put(
            &format!("/crm/v8/Notes/{note}"),
            &json!({"data": [{"Note_Content": "Edited"}]}),
        )
        .await?;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let one = e.get(&format!("/crm/v8/Notes/{note}")).await?;
    assert_eq!(one.body["data"][0]["Note_Content"], "Edited");
    assert_eq!(
        e.delete(&format!("/crm/v8/Notes/{note}")).await?.status,
        200
    );
    assert_eq!(e.get(&format!("/crm/v8/Notes/{note}")).await?.status, 204);
    // Deleting the record takes its notes with it.
    e.delete(&format!("/crm/v8/Leads/{}", ids[1])).await?;
    let left = e.get("/crm/v8/Notes?fields=Note_Content").await?;
    assert_eq!(names(&left.body, "Note_Content"), ["Called on Monday"]);
    Ok(())
}

#[tokio::test]
async fn related_lists_follow_the_lookups_that_point_at_a_module() -> TestResult {
    let e = env(200).await?;
    let lists = e
        .get("/crm/v8/settings/related_lists?module=Accounts")
        .await?;
    assert_eq!(lists.status, 200, "{}", lists.body);
    let names: Vec<&str> = lists.body["related_lists"]
        .as_array()
        .ok_or("no lists")?
        .iter()
        .filter_map(|l| l["api_name"].as_str())
        .collect();
    assert_eq!(names, ["Contacts", "Deals", "Notes", "Attachments"]);
    // Every contact whose Account_Name points at the account is in its Contacts list.
    let contacts = e
        .get("/crm/v8/Contacts?fields=Last_Name,Account_Name&per_page=200")
        .await?;
    let first = &contacts.body["data"]
        .as_array()
        .ok_or("no contacts")?
        .iter()
        .find(|c| c["Account_Name"]["id"].is_string())
        .ok_or("no contact with an account")?
        .clone();
    let account = first["Account_Name"]["id"].as_str().ok_or("no account")?;
    let expected: Vec<&str> = contacts.body["data"]
        .as_array()
        .ok_or("no contacts")?
        .iter()
        .filter(|c| c["Account_Name"]["id"] == json!(account))
        .filter_map(|c| c["id"].as_str())
        .collect();
    let related = e
        .get(&format!(
            "/crm/v8/Accounts/{account}/Contacts?fields=Last_Name"
        ))
        .await?;
    assert_eq!(related.status, 200, "{}", related.body);
    let mut got: Vec<&str> = related.body["data"]
        .as_array()
        .ok_or("no related")?
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    got.sort_unstable();
    let mut want = expected.clone();
    want.sort_unstable();
    assert_eq!(got, want);
    let unknown = e
        .get(&format!(
            "/crm/v8/Accounts/{account}/Potatoes?fields=Last_Name"
        ))
        .await?;
    assert_eq!(unknown.body["code"], "INVALID_DATA");
    let bare = e
        .get(&format!("/crm/v8/Accounts/{account}/Contacts"))
        .await?;
    assert_eq!(bare.body["code"], "REQUIRED_PARAM_MISSING");
    Ok(())
}

#[tokio::test]
async fn layouts_mark_the_fields_a_write_needs() -> TestResult {
    // wave2.md §5.3 [doc]: layouts with sections of fields, each with `required`.
    let e = env(5).await?;
    let layouts = e.get("/crm/v8/settings/layouts?module=Leads").await?;
    assert_eq!(layouts.status, 200, "{}", layouts.body);
    let layout = &layouts.body["layouts"][0];
    let fields = layout["sections"][0]["fields"]
        .as_array()
        .ok_or("no fields")?;
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f["required"] == true)
        .filter_map(|f| f["api_name"].as_str())
        .collect();
    assert_eq!(required, ["Last_Name"]);
    // A create without the required field is refused; with it, accepted.
    let refused = e
        .post("/crm/v8/Leads", &json!({"data": [{"Company": "X"}]}))
        .await?;
    assert_eq!(refused.body["data"][0]["code"], "MANDATORY_NOT_FOUND");
    let id = layout["id"].as_str().ok_or("no layout id")?;
    let one = e
        .get(&format!("/crm/v8/settings/layouts/{id}?module=Leads"))
        .await?;
    assert_eq!(one.body["layouts"][0]["id"], json!(id));
    let other = e.get("/crm/v8/settings/layouts/1?module=Leads").await?;
    assert_eq!(other.body["code"], "INVALID_DATA");
    Ok(())
}
