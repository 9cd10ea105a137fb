//! CRM list: every rule of crm.md §3.1.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{TestResult, env};

fn ids(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn fields_is_mandatory_and_at_most_fifty() -> TestResult {
    let e = env(10).await?;
    // crm.md §3.1 [H]: fields is mandatory when listing (v3 and later) ...
    let missing = e.get("/crm/v3/Leads").await?;
    assert_eq!(missing.status, 400);
    assert_eq!(
        missing.body,
        json!({"code": "REQUIRED_PARAM_MISSING", "details": {"param_name": "fields"}, "message": "required param is missing", "status": "error"})
    );
    // ... but not in v2.1, where all fields come back.
    let old = e.get("/crm/v2.1/Leads?per_page=1").await?;
    assert_eq!(old.status, 200);
    assert!(old.body["data"][0]["Last_Name"].is_string());
    // ... and more than 50 gives LIMIT_EXCEEDED.
    let many: Vec<String> = (0..51).map(|i| format!("Field_{i}")).collect();
    let too_many = e
        .get(&format!("/crm/v3/Leads?fields={}", many.join(",")))
        .await?;
    assert_eq!(too_many.body["code"], "LIMIT_EXCEEDED");
    assert_eq!(
        too_many.body["details"],
        json!({"limit": 50, "param_name": "fields"})
    );
    // Only id and the named fields come back.
    let some = e.get("/crm/v3/Leads?fields=Email&per_page=2").await?;
    let keys: Vec<&String> = some.body["data"][0]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["id", "Email"]);
    Ok(())
}

#[tokio::test]
async fn per_page_and_the_two_thousand_record_page_limit() -> TestResult {
    let e = env(2_100).await?;
    // crm.md §3.1 [H]: per_page at most 200.
    let big = e.get("/crm/v3/Leads?fields=Last_Name&per_page=201").await?;
    assert_eq!(
        (big.status, big.body["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
    assert_eq!(big.body["details"]["param_name"], "per_page");
    // crm.md §3.1 [H]: page x per_page at most 2000, then DISCRETE_PAGINATION_LIMIT_EXCEEDED.
    let tenth = e
        .get("/crm/v3/Leads?fields=Last_Name&per_page=200&page=10")
        .await?;
    assert_eq!(tenth.status, 200);
    assert_eq!(tenth.body["info"]["page"], 10);
    assert_eq!(tenth.body["info"]["more_records"], true);
    let eleventh = e
        .get("/crm/v3/Leads?fields=Last_Name&per_page=200&page=11")
        .await?;
    assert_eq!(eleventh.status, 400);
    assert_eq!(eleventh.body["code"], "DISCRETE_PAGINATION_LIMIT_EXCEEDED");
    assert_eq!(eleventh.body["details"], json!({"limit": 2000}));
    Ok(())
}

#[tokio::test]
async fn page_token_reaches_beyond_two_thousand_and_is_bound_to_its_params() -> TestResult {
    let mut e = env(2_450).await?;
    let base = "/crm/v3/Leads?fields=Last_Name,Email&per_page=200";
    // crm.md §3.1 [H]: follow info.next_page_token for records beyond 2000.
    let mut seen = HashSet::new();
    let mut page = e.get(base).await?;
    let mut calls = 1;
    loop {
        assert_eq!(page.status, 200, "{}", page.body);
        for id in ids(&page.body) {
            assert!(seen.insert(id), "no record twice");
        }
        match page.body["info"]["next_page_token"].as_str() {
            Some(token) => {
                assert_eq!(page.body["info"]["more_records"], true);
                assert!(page.body["info"]["page_token_expiry"].is_string());
                assert!(token.len() <= 96);
                page = e.get(&format!("{base}&page_token={token}")).await?;
                calls += 1;
            }
            None => break,
        }
    }
    assert_eq!((seen.len(), calls), (2_450, 13));
    assert_eq!(page.body["info"]["more_records"], false);

    let first = e.get(base).await?;
    let token = first.body["info"]["next_page_token"]
        .as_str()
        .ok_or("no token")?
        .to_owned();
    // crm.md §3.1 [H]: changing other params gives TOKEN_BOUND_DATA_MISMATCH.
    let changed = e
        .get(&format!(
            "/crm/v3/Leads?fields=Last_Name&per_page=200&page_token={token}"
        ))
        .await?;
    assert_eq!(
        (changed.status, changed.body["code"].as_str()),
        (400, Some("TOKEN_BOUND_DATA_MISMATCH"))
    );
    assert_eq!(changed.body["details"], json!({"param_name": "page_token"}));
    // crm.md §3.1 [H]: page_token cannot be combined with page.
    let both = e.get(&format!("{base}&page=2&page_token={token}")).await?;
    assert_eq!(both.status, 400);
    // crm.md §3.1 [H]: an expired token gives EXPIRED_VALUE.
    e.sandbox.advance_clock(Duration::from_secs(25 * 3_600));
    e.renew().await?;
    let expired = e.get(&format!("{base}&page_token={token}")).await?;
    assert_eq!(expired.body["code"], "EXPIRED_VALUE");
    assert_eq!(
        expired.body["details"],
        json!({"api_name": "page_token", "json_path": "$.query.page_token"})
    );
    Ok(())
}

#[tokio::test]
async fn sort_by_and_sort_order() -> TestResult {
    let e = env(30).await?;
    // crm.md §3.1 [H]: sort_by takes id, Created_Time or Modified_Time only.
    let bad = e
        .get("/crm/v3/Leads?fields=Last_Name&sort_by=Last_Name")
        .await?;
    assert_eq!(bad.body["code"], "INVALID_DATA");
    assert_eq!(
        bad.body["details"]["supported_values"],
        json!(["id", "Created_Time", "Modified_Time"])
    );
    let bad_order = e
        .get("/crm/v3/Leads?fields=Last_Name&sort_order=up")
        .await?;
    assert_eq!(bad_order.body["details"]["param_name"], "sort_order");
    let asc = e
        .get("/crm/v3/Leads?fields=Created_Time&sort_by=Created_Time&sort_order=asc")
        .await?;
    let times: Vec<String> = asc.body["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|r| r["Created_Time"].as_str().map(str::to_owned))
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    let modified = e
        .get("/crm/v3/Leads?fields=Modified_Time&sort_by=Modified_Time&sort_order=desc")
        .await?;
    let times: Vec<String> = modified.body["data"]
        .as_array()
        .ok_or("no data")?
        .iter()
        .filter_map(|r| r["Modified_Time"].as_str().map(str::to_owned))
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    assert_eq!(modified.body["info"]["sort_by"], "Modified_Time");
    // Default: by id, descending.
    let default = e.get("/crm/v3/Leads?fields=Last_Name").await?;
    let list = ids(&default.body);
    let mut desc = list.clone();
    desc.sort_by(|a, b| b.cmp(a));
    assert_eq!(list, desc);
    assert_eq!(default.body["info"]["sort_order"], "desc");
    Ok(())
}

#[tokio::test]
async fn empty_list_is_204_without_a_body() -> TestResult {
    // crm.md §3.1 [H]: no matches gives HTTP 204 with an empty body.
    let e = env(5).await?;
    let empty = e.get("/crm/v3/Shipments?fields=Name").await?;
    assert_eq!((empty.status, empty.bytes.len()), (204, 0));
    let past_end = e.get("/crm/v3/Leads?fields=Last_Name&page=2").await?;
    assert_eq!(past_end.status, 204);
    Ok(())
}

#[tokio::test]
async fn cvid_must_name_one_of_the_modules_custom_views() -> TestResult {
    // crm.md §3.1 [H]: `cvid` is a custom view id; every module has its "All ..." view.
    let e = env(30).await?;
    let views = e.get("/crm/v3/settings/custom_views?module=Leads").await?;
    assert_eq!(views.status, 200, "{}", views.body);
    let all = views.body["custom_views"][0]["id"]
        .as_str()
        .ok_or("no view id")?
        .to_owned();
    assert_eq!(views.body["custom_views"][0]["name"], "All Leads");
    let listed = e
        .get(&format!("/crm/v3/Leads?fields=Last_Name&cvid={all}"))
        .await?;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.body["data"].as_array().map(Vec::len), Some(30));
    for bad in ["12345", "abc"] {
        let refused = e
            .get(&format!("/crm/v3/Leads?fields=Last_Name&cvid={bad}"))
            .await?;
        assert_eq!(
            (refused.status, refused.body["code"].as_str()),
            (400, Some("INVALID_DATA")),
            "cvid={bad}"
        );
        assert_eq!(refused.body["details"]["param_name"], "cvid");
    }
    // Another module's view is not this module's.
    let contacts = e
        .get("/crm/v3/settings/custom_views?module=Contacts")
        .await?;
    let other = contacts.body["custom_views"][0]["id"]
        .as_str()
        .ok_or("no id")?;
    let wrong = e
        .get(&format!("/crm/v3/Leads?fields=Last_Name&cvid={other}"))
        .await?;
    assert_eq!(wrong.status, 400);
    Ok(())
}
