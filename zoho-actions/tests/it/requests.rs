//! The requests actions describe (`to_request`): path segments, query, body, multipart and
//! options, each placed by the spec, and the input checks the types cannot make.

use std::time::Duration;

use serde_json::json;
use zoho_actions::types::{
    Method as RawMethod, ResponseType as RawResponseType, SortBy, SortOrder,
};
use zoho_actions::{Action, books, crm};
use zoho_core::{
    Error, FileContent, Method, MultipartPart, PathSegment, Product, RecordRef, RequestBody,
    RequestPath, ResponseType, ResultShape,
};

fn segments(path: &RequestPath) -> Vec<String> {
    match path {
        RequestPath::Segments(parts) => parts
            .iter()
            .map(|part| match part {
                PathSegment::Literal(text) => (*text).to_owned(),
                PathSegment::Value { input, value } => format!("{{{input}={value}}}"),
            })
            .collect(),
        RequestPath::Raw(raw) => vec![format!("raw:{raw}")],
    }
}

fn invalid_field(error: Error) -> (String, String) {
    match error {
        Error::InvalidInput { field, reason } => (field, reason),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn crm_get_records_puts_paging_sorting_and_fields_in_the_query() {
    let mut list = crm::GetRecords::new("Leads");
    list.fields = Some(vec!["Last_Name".into(), "Email".into()]);
    list.page = Some(2);
    list.per_page = 50;
    list.sort_order = Some(SortOrder::Desc);
    list.sort_by = Some(SortBy::CreatedTime);
    list.page_token = Some("tok".into());
    list.fetch_all = true;
    list.max_records = Some(500);
    let request = list.to_request().unwrap();
    assert_eq!(request.action, "crm.getRecords");
    assert_eq!(
        (request.product, request.method),
        (Product::Crm, Method::Get)
    );
    assert_eq!(segments(&request.path), ["{recordType=Leads}"]);
    assert_eq!(
        request.query,
        [
            ("fields".to_owned(), "Last_Name,Email".to_owned()),
            ("page".to_owned(), "2".to_owned()),
            ("per_page".to_owned(), "50".to_owned()),
            ("page_token".to_owned(), "tok".to_owned()),
            ("sort_order".to_owned(), "desc".to_owned()),
            ("sort_by".to_owned(), "Created_Time".to_owned()),
        ]
    );
    assert!(request.paging.fetch_all);
    assert_eq!(request.paging.max_records, Some(500));
    assert_eq!(request.result, ResultShape::CrmRecords);
    assert_eq!(request.body, RequestBody::Empty);
}

#[test]
fn per_page_outside_1_to_200_is_refused_naming_the_field() {
    let mut list = crm::GetRecords::new("Leads");
    list.per_page = 201;
    let (field, reason) = invalid_field(list.to_request().unwrap_err());
    assert_eq!(field, "perPage");
    assert!(reason.contains("1 to 200"), "{reason}");
    list.per_page = 0;
    assert_eq!(invalid_field(list.to_request().unwrap_err()).0, "perPage");
}

#[test]
fn crm_create_wraps_the_record_and_values_win_over_dynamic_fields() {
    let mut create = crm::CreateRecord::new("Leads");
    create.dynamic_fields = Some(
        json!({"Lead_Source": "Web", "Last_Name": "Deploy"})
            .as_object()
            .unwrap()
            .clone(),
    );
    create.values = Some(
        json!({"Last_Name": "Lovelace", "Account": {"id": "4150868000000002175"}, "Score": 12.5})
            .as_object()
            .unwrap()
            .clone(),
    );
    create.trigger = Some(vec!["workflow".into()]);
    let request = create.to_request().unwrap();
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.result, ResultShape::CrmWrite);
    assert_eq!(
        request.body,
        RequestBody::Json(json!({
            "data": [{
                "Lead_Source": "Web",
                "Last_Name": "Lovelace",
                "Account": {"id": "4150868000000002175"},
                "Score": 12.5
            }],
            "trigger": ["workflow"]
        }))
    );
    // No trigger given: Zoho's own default applies, so none is sent.
    let bare = crm::CreateRecord::new("Leads").to_request().unwrap();
    assert_eq!(bare.body, RequestBody::Json(json!({"data": [{}]})));
}

#[test]
fn crm_update_and_remove_name_the_record_for_not_found_errors() {
    let update = crm::UpdateRecord::new("Leads", "4150868000000002175")
        .to_request()
        .unwrap();
    assert_eq!(update.method, Method::Put);
    assert_eq!(
        segments(&update.path),
        ["{recordType=Leads}", "{recordId=4150868000000002175}"]
    );
    let expected = Some(RecordRef {
        record_type: "Leads".into(),
        record_id: "4150868000000002175".into(),
    });
    assert_eq!(update.record, expected);
    let remove = crm::RemoveRecord::new("Leads", "4150868000000002175")
        .to_request()
        .unwrap();
    assert_eq!(
        (remove.method, remove.result),
        (Method::Delete, ResultShape::CrmDelete)
    );
    assert_eq!(remove.record, expected);
    assert_eq!(remove.body, RequestBody::Empty);
}

#[test]
fn crm_get_record_sends_fields_and_path_values_stay_one_segment() {
    let mut get = crm::GetRecord::new("Leads", "../etc/passwd");
    get.fields = Some(vec!["Email".into()]);
    let request = get.to_request().unwrap();
    // The value is handed over as one segment; the client percent-encodes or refuses it.
    assert_eq!(
        request.path,
        RequestPath::Segments(vec![
            PathSegment::Value {
                input: "recordType",
                value: "Leads".into()
            },
            PathSegment::Value {
                input: "recordId",
                value: "../etc/passwd".into()
            },
        ])
    );
    assert_eq!(request.query, [("fields".to_owned(), "Email".to_owned())]);
    assert_eq!(request.result, ResultShape::CrmRecord);
}

#[test]
fn coql_sends_the_query_as_select_query() {
    let request = crm::CoqlQuery::new("select Last_Name from Leads where id is not null")
        .to_request()
        .unwrap();
    assert_eq!(
        (request.method, request.result),
        (Method::Post, ResultShape::CrmCoql)
    );
    assert_eq!(segments(&request.path), ["coql"]);
    assert_eq!(
        request.body,
        RequestBody::Json(
            json!({"select_query": "select Last_Name from Leads where id is not null"})
        )
    );
}

#[test]
fn add_attachment_sends_one_file_part_named_file() {
    let mut attach = crm::AddAttachment::new(
        "4150868000000002175",
        FileContent::Binary(vec![0, 159, 146]),
    );
    attach.file_name = Some("photo.png".into());
    let request = attach.to_request().unwrap();
    assert_eq!(
        segments(&request.path),
        [
            "{recordType=Leads}",
            "{recordId=4150868000000002175}",
            "Attachments"
        ]
    );
    assert_eq!(
        request.body,
        RequestBody::Multipart(vec![MultipartPart {
            name: "file".into(),
            file_name: Some("photo.png".into()),
            content: FileContent::Binary(vec![0, 159, 146]),
        }])
    );
    let unnamed = crm::AddAttachment::new("1", FileContent::Text("hi".into()))
        .to_request()
        .unwrap();
    let RequestBody::Multipart(parts) = unnamed.body else {
        panic!("multipart expected")
    };
    assert_eq!(parts[0].file_name.as_deref(), Some("file"));
}

#[test]
fn books_parent_inputs_switch_to_the_parent_path_only_when_both_are_given() {
    let mut get = books::GetRecord::new("comments", "99");
    let plain = get.to_request().unwrap();
    assert_eq!(
        segments(&plain.path),
        ["{recordType=comments}", "{recordId=99}"]
    );
    get.parent_record_type = Some("invoices".into());
    get.parent_record_id = Some("460000000026049".into());
    get.organization_id = Some("10234695".into());
    let nested = get.to_request().unwrap();
    assert_eq!(
        segments(&nested.path),
        [
            "{parentRecordType=invoices}",
            "{parentRecordId=460000000026049}",
            "{recordType=comments}",
            "{recordId=99}"
        ]
    );
    assert_eq!(nested.organization_id.as_deref(), Some("10234695"));
    assert_eq!(
        (nested.product, nested.result),
        (Product::Books, ResultShape::BooksRecord)
    );

    get.parent_record_id = None;
    let (field, reason) = invalid_field(get.to_request().unwrap_err());
    assert_eq!(field, "parentRecordId");
    assert!(reason.contains("parentRecordType"), "{reason}");
}

#[test]
fn books_writes_send_the_record_as_is_and_lists_send_search_fields() {
    let mut create = books::CreateRecord::new("invoices");
    create.values = Some(
        json!({"customer_id": "460000000026049", "line_items": [{"rate": 10}]})
            .as_object()
            .unwrap()
            .clone(),
    );
    let request = create.to_request().unwrap();
    assert_eq!(
        request.body,
        RequestBody::Json(json!({"customer_id": "460000000026049", "line_items": [{"rate": 10}]}))
    );
    let mut list = books::GetRecords::new("invoices");
    list.search_fields = Some([("customer_name".to_owned(), "Acme".to_owned())].into());
    list.page = Some(3);
    let request = list.to_request().unwrap();
    assert_eq!(
        request.query,
        [
            ("customer_name".to_owned(), "Acme".to_owned()),
            ("page".to_owned(), "3".to_owned()),
            ("per_page".to_owned(), "200".to_owned()),
        ]
    );
    assert_eq!(request.result, ResultShape::BooksRecords);
    let remove = books::RemoveRecord::new("invoices", "1")
        .to_request()
        .unwrap();
    assert_eq!(
        (remove.method, remove.result),
        (Method::Delete, ResultShape::BooksDelete)
    );
}

#[test]
fn raw_request_maps_every_option() {
    let mut raw = crm::RawRequest::new("/Leads/123/actions/convert?x=1", RawMethod::Post);
    raw.data = Some(json!([{"overwrite": true}]));
    raw.query_parameters = Some([("a".to_owned(), "1".to_owned())].into());
    raw.headers = Some([("X-Test".to_owned(), "yes".to_owned())].into());
    raw.response_type = RawResponseType::Text;
    raw.timeout = Some(2500);
    raw.retry_delay_ms = 300;
    raw.max_retry_count = 4;
    raw.retry_on_all_errors = true;
    raw.use_exponential_backoff = true;
    raw.debug_request = true;
    let request = raw.to_request().unwrap();
    assert_eq!(
        request.path,
        RequestPath::Raw("/Leads/123/actions/convert?x=1".into())
    );
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.body,
        RequestBody::Json(json!([{"overwrite": true}]))
    );
    assert_eq!(request.query, [("a".to_owned(), "1".to_owned())]);
    assert_eq!(request.headers, [("X-Test".to_owned(), "yes".to_owned())]);
    assert_eq!(request.response_type, ResponseType::Text);
    assert_eq!(request.timeout, Some(Duration::from_millis(2500)));
    assert_eq!(request.retry.delay, Duration::from_millis(300));
    assert_eq!(request.retry.max_retries, 4);
    assert!(request.retry.retry_on_all_errors && request.retry.exponential_backoff);
    assert!(request.debug_request);
    assert_eq!(request.result, ResultShape::Raw);
}

#[test]
fn raw_request_builds_multipart_from_form_and_file_data() {
    let mut raw = books::RawRequest::new("/invoices/1/attachment", RawMethod::Post);
    raw.form_data = Some([("note".to_owned(), "hello".to_owned())].into());
    raw.file_data = Some([("attachment".to_owned(), FileContent::Binary(vec![1, 2, 3]))].into());
    raw.file_data_file_names = Some([("attachment".to_owned(), "a.pdf".to_owned())].into());
    let request = raw.to_request().unwrap();
    assert_eq!(
        request.body,
        RequestBody::Multipart(vec![
            MultipartPart {
                name: "note".into(),
                file_name: None,
                content: FileContent::Text("hello".into())
            },
            MultipartPart {
                name: "attachment".into(),
                file_name: Some("a.pdf".into()),
                content: FileContent::Binary(vec![1, 2, 3])
            },
        ])
    );
    // One body only: JSON data and multipart parts together are refused.
    raw.data = Some(json!({"a": 1}));
    let (field, reason) = invalid_field(raw.to_request().unwrap_err());
    assert_eq!(field, "formData");
    assert!(reason.contains("not both"), "{reason}");
    // A file name must belong to a file part.
    raw.data = None;
    raw.file_data_file_names = Some([("other".to_owned(), "b.pdf".to_owned())].into());
    let (field, _) = invalid_field(raw.to_request().unwrap_err());
    assert_eq!(field, "fileDataFileNames.other");
}
