//! Every default of the component contract, on the generated types: through `new` and through
//! JSON params that leave the input out.

use serde_json::json;
use zoho_actions::types::{Method, ResponseType};
use zoho_actions::{books, crm};

fn decode<T: serde::de::DeserializeOwned>(params: serde_json::Value) -> serde_json::Result<T> {
    serde_json::from_value(params)
}

#[test]
fn list_actions_default_to_200_per_page_and_one_page() {
    let crm_list = crm::GetRecords::new("Leads");
    assert_eq!(crm_list.per_page, 200);
    assert!(!crm_list.fetch_all);
    assert_eq!(crm_list.max_records, None);
    assert_eq!(crm_list.page, None);
    let books_list = books::GetRecords::new("invoices");
    assert_eq!(books_list.per_page, 200);
    assert!(!books_list.fetch_all);
    let decoded: books::GetRecords = decode(json!({"recordType": "invoices"})).unwrap();
    assert_eq!(decoded, books_list);
}

#[test]
fn add_attachment_defaults_the_record_type_to_leads() {
    let file = zoho_core::FileContent::Text("hello".into());
    let attach = crm::AddAttachment::new("4150868000000002175", file.clone());
    assert_eq!(attach.record_type, "Leads");
    assert_eq!(attach.file_name, None);
    let decoded: crm::AddAttachment =
        decode(json!({"recordId": "4150868000000002175", "file": "hello"})).unwrap();
    assert_eq!(decoded.record_type, "Leads");
    assert_eq!(decoded.file, file);
}

#[test]
fn debug_request_defaults_to_false_everywhere() {
    assert!(!crm::CreateRecord::new("Leads").debug_request);
    assert!(!crm::GetRecord::new("Leads", "1").debug_request);
    assert!(!crm::RemoveRecord::new("Leads", "1").debug_request);
    assert!(!crm::UpdateRecord::new("Leads", "1").debug_request);
    assert!(!crm::CoqlQuery::new("select id from Leads").debug_request);
    assert!(!books::CreateRecord::new("invoices").debug_request);
    assert!(!books::GetRecord::new("invoices", "1").debug_request);
    assert!(!books::RemoveRecord::new("invoices", "1").debug_request);
    assert!(!books::UpdateRecord::new("invoices", "1").debug_request);
}

#[test]
fn raw_request_defaults_match_the_component() {
    for raw in [
        decode::<crm::RawRequest>(json!({"url": "/Leads", "method": "GET"})).unwrap(),
        crm::RawRequest::new("/Leads", Method::Get),
    ] {
        assert_eq!(raw.response_type, ResponseType::Json);
        assert_eq!(raw.retry_delay_ms, 0);
        assert!(!raw.retry_on_all_errors);
        assert_eq!(raw.max_retry_count, 0);
        assert!(!raw.use_exponential_backoff);
        assert_eq!(raw.timeout, None);
        assert_eq!(raw.data, None);
        assert_eq!(raw.headers, None);
        assert_eq!(raw.connection, None);
        assert!(!raw.debug_request);
    }
    let books_raw = books::RawRequest::new("/organizations", Method::Get);
    assert_eq!(books_raw.response_type, ResponseType::Json);
    assert_eq!(
        (books_raw.retry_delay_ms, books_raw.max_retry_count),
        (0, 0)
    );
    assert_eq!(books_raw.organization_id, None);
}

#[test]
fn optional_inputs_without_default_start_unset() {
    let create = crm::CreateRecord::new("Leads");
    assert_eq!(
        (create.values, create.dynamic_fields, create.trigger),
        (None, None, None)
    );
    let get = books::GetRecord::new("invoices", "1");
    assert_eq!((get.parent_record_type, get.parent_record_id), (None, None));
}
