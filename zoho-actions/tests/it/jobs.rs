//! The requests of job actions and the rest of the records-at-scale surface: bulk read and
//! bulk write bodies built from dotted body-field paths, their job options, and the delete
//! trigger flag.

use std::time::Duration;

use serde_json::json;
use zoho_actions::types::BulkOperation;
use zoho_actions::{Action, crm};
use zoho_core::{Method, RequestBody, ResultShape};

#[test]
fn bulk_read_builds_zohos_nested_query_and_its_job_options() {
    let mut read = crm::BulkRead::new("Leads");
    read.fields = Some(vec!["Last_Name".into(), "Email".into()]);
    read.page = Some(2);
    read.custom_view_id = Some("42".into());
    read.poll_interval = Some(250);
    read.max_wait = Some(60_000);
    let req = read.to_request().unwrap();
    assert_eq!(req.method, Method::Post);
    assert_eq!(req.result, ResultShape::CrmBulkRead);
    assert!(!req.idempotent, "a job's creation is never sent twice");
    assert_eq!(
        req.body,
        RequestBody::Json(json!({"query": {
            "module": {"api_name": "Leads"},
            "fields": ["Last_Name", "Email"],
            "cvid": "42",
            "page": 2,
        }}))
    );
    assert_eq!(req.job.poll_interval, Some(Duration::from_millis(250)));
    assert_eq!(req.job.max_wait, Some(Duration::from_secs(60)));
}

#[test]
fn bulk_write_puts_the_module_and_find_by_in_its_one_resource() {
    let record = json!({"Last_Name": "Ng", "Email": "ng@example.com"});
    let mut write = crm::BulkWrite::new(
        "Contacts",
        BulkOperation::Upsert,
        vec![record.as_object().unwrap().clone()],
    );
    write.find_by = Some("Email".into());
    write.ignore_empty = Some(true);
    let req = write.to_request().unwrap();
    assert_eq!(req.result, ResultShape::CrmBulkWrite);
    assert_eq!(
        req.body,
        RequestBody::Json(json!({
            "resource": [{"module": {"api_name": "Contacts"}, "find_by": "Email"}],
            "operation": "upsert",
            "ignore_empty": true,
        }))
    );
    assert_eq!(req.batch.unwrap().items, vec![record]);
    assert_eq!(req.job, zoho_core::JobWait::default());
}

#[test]
fn remove_records_sends_the_workflow_trigger_flag_zoho_names_wf_trigger() {
    let mut remove = crm::RemoveRecords::new("Leads", vec!["1".into(), "2".into()]);
    assert!(
        !remove
            .to_request()
            .unwrap()
            .query
            .iter()
            .any(|(k, _)| k == "wf_trigger"),
        "left to Zoho's default when not given"
    );
    remove.wf_trigger = Some(false);
    let req = remove.to_request().unwrap();
    assert!(req.query.contains(&("wf_trigger".into(), "false".into())));
}
