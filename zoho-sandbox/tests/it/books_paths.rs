//! Books record types served at Zoho's own paths, not `/{type}[/{id}]` (books.md §2, §2.1,
//! §2.2): time entries, the employee delete, settings taxes; the wrong path answers Zoho's error.

use serde_json::json;

use crate::support::{TestResult, env};

const ORG: &str = "organization_id=10234695";

#[tokio::test]
async fn time_entries_live_at_projects_timeentries_not_under_their_project() -> TestResult {
    let e = env(400).await?;
    let projects = e.get(&format!("/books/v3/projects?{ORG}")).await?;
    let pid = projects.body["projects"][0]["project_id"]
        .as_str()
        .ok_or("no project")?
        .to_owned();
    // books.md §2.2 [H]: "Time entries are *not* nested: `/projects/timeentries?project_id=...`".
    let made = e
        .post(
            &format!("/books/v3/projects/timeentries?{ORG}"),
            &json!({"project_id": pid, "task_id": "1", "user_id": "2", "log_date": "2026-01-05", "log_time": "01:30"}),
        )
        .await?;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["time_entry"]["time_entry_id"]
        .as_str()
        .ok_or("no time_entry_id")?
        .to_owned();
    let listed = e
        .get(&format!(
            "/books/v3/projects/timeentries?project_id={pid}&{ORG}"
        ))
        .await?;
    let entries = listed.body["time_entries"]
        .as_array()
        .ok_or("no time_entries")?;
    assert!(entries.iter().any(|t| t["time_entry_id"] == id.as_str()));
    assert!(entries.iter().all(|t| t["project_id"] == pid.as_str()));
    let updated = e
        .put(
            &format!("/books/v3/projects/timeentries/{id}?{ORG}"),
            &json!({"log_time": "02:00"}),
        )
        .await?;
    assert_eq!(updated.body["time_entry"]["log_time"], "02:00");
    let one = e
        .get(&format!("/books/v3/projects/timeentries/{id}?{ORG}"))
        .await?;
    assert_eq!(one.body["time_entry"]["project_id"], pid.as_str());
    // The nested path a parent pattern would build is not Zoho's: Invalid URL Passed.
    let nested = e
        .get(&format!("/books/v3/projects/{pid}/timeentries?{ORG}"))
        .await?;
    assert_eq!(
        (nested.status, nested.body.clone()),
        (404, json!({"code": 5, "message": "Invalid URL Passed"}))
    );
    let top = e.get(&format!("/books/v3/timeentries?{ORG}")).await?;
    assert_eq!(top.body["code"], 5);
    let deleted = e
        .delete(&format!("/books/v3/projects/timeentries/{id}?{ORG}"))
        .await?;
    assert_eq!(deleted.body["code"], 0);
    // A time entry names its project: without one it is refused as Zoho refuses a missing value.
    let orphan = e
        .post(
            &format!("/books/v3/projects/timeentries?{ORG}"),
            &json!({"task_id": "1", "user_id": "2", "log_date": "2026-01-05"}),
        )
        .await?;
    assert_eq!(
        orphan.body,
        json!({"code": 2, "message": "Invalid value passed for project_id"})
    );
    Ok(())
}

#[tokio::test]
async fn employees_are_deleted_at_the_singular_employee_path_only() -> TestResult {
    let e = env(100).await?;
    let made = e
        .post(
            &format!("/books/v3/employees?{ORG}"),
            &json!({"name": "Ada", "email": "ada@example.com"}),
        )
        .await?;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["employee"]["employee_id"]
        .as_str()
        .ok_or("no employee_id")?
        .to_owned();
    // books.md §2.1 [H]: employees `/employees` (delete is `/employee/{id}`).
    let plural = e.delete(&format!("/books/v3/employees/{id}?{ORG}")).await?;
    assert_eq!(
        (plural.status, plural.body["code"].as_i64()),
        (405, Some(37))
    );
    let still = e.get(&format!("/books/v3/employees/{id}?{ORG}")).await?;
    assert_eq!(still.status, 200);
    let singular = e.delete(&format!("/books/v3/employee/{id}?{ORG}")).await?;
    assert_eq!(singular.body["code"], 0, "{}", singular.body);
    let gone = e.get(&format!("/books/v3/employees/{id}?{ORG}")).await?;
    assert_eq!(gone.body["code"], 1002);
    Ok(())
}

#[tokio::test]
async fn taxes_live_under_settings() -> TestResult {
    let e = env(100).await?;
    // books.md §2 [H]: "Settings records live under `/settings/...`: taxes, ...".
    let made = e
        .post(
            &format!("/books/v3/settings/taxes?{ORG}"),
            &json!({"tax_name": "VAT", "tax_percentage": 20}),
        )
        .await?;
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["tax"]["tax_id"]
        .as_str()
        .ok_or("no tax_id")?
        .to_owned();
    let listed = e.get(&format!("/books/v3/settings/taxes?{ORG}")).await?;
    assert!(
        listed.body["taxes"]
            .as_array()
            .ok_or("no taxes")?
            .iter()
            .any(|t| t["tax_id"] == id.as_str())
    );
    let top = e.get(&format!("/books/v3/taxes?{ORG}")).await?;
    assert_eq!((top.status, top.body["code"].as_i64()), (404, Some(5)));
    Ok(())
}
