//! The notification actions describe Zoho's watch requests (wave2.md §1.1): one channel wrapped
//! as `{"watch": [channel]}`, `_delete_events: true` only on Disable Specific Notification, and
//! channel ids comma-joined in the query.

use serde_json::json;
use zoho_actions::{Action, crm};
use zoho_core::{Method, RequestBody, RequestPath, ResultShape};

fn watch_path(path: &RequestPath) -> bool {
    matches!(path, RequestPath::Segments(parts) if parts.len() == 2)
}

#[test]
fn enable_sends_one_channel_with_only_the_keys_given() {
    let mut enable = crm::EnableNotifications::new(
        "1000",
        vec!["Leads.all".into()],
        "https://hooks.example.com/z",
    );
    enable.token = Some("secret".into());
    enable.notify_on_related_action = Some(false);
    let request = enable.to_request().unwrap();
    assert_eq!(
        (request.method, request.result),
        (Method::Post, ResultShape::Raw)
    );
    assert!(watch_path(&request.path));
    assert!(!request.idempotent, "a lost answer is not retried blindly");
    assert_eq!(
        request.body,
        RequestBody::Json(json!({"watch": [{
            "channel_id": "1000",
            "events": ["Leads.all"],
            "notify_url": "https://hooks.example.com/z",
            "token": "secret",
            "notify_on_related_action": false,
        }]}))
    );
}

#[test]
fn update_is_a_patch_that_sends_no_delete_flag() {
    let mut update = crm::UpdateNotifications::new("1000");
    update.channel_expiry = Some("2026-12-02T10:00:00+00:00".into());
    let request = update.to_request().unwrap();
    assert_eq!(request.method, Method::Patch);
    assert_eq!(
        request.body,
        RequestBody::Json(json!({"watch": [{
            "channel_id": "1000",
            "channel_expiry": "2026-12-02T10:00:00+00:00",
        }]}))
    );
}

#[test]
fn disable_events_always_carries_the_delete_flag() {
    let request = crm::DisableNotificationEvents::new("1000", vec!["Leads.edit".into()])
        .to_request()
        .unwrap();
    assert_eq!(request.method, Method::Patch);
    assert_eq!(
        request.body,
        RequestBody::Json(json!({"watch": [{
            "channel_id": "1000",
            "events": ["Leads.edit"],
            "_delete_events": true,
        }]}))
    );
}

#[test]
fn disable_and_details_put_their_inputs_in_the_query() {
    let request = crm::DisableNotifications::new(vec!["1".into(), "2".into()])
        .to_request()
        .unwrap();
    assert_eq!(request.method, Method::Delete);
    assert_eq!(
        request.query,
        [("channel_ids".to_owned(), "1,2".to_owned())]
    );
    assert_eq!(request.body, RequestBody::Empty);
    let mut details = crm::GetNotificationDetails::new();
    details.module = Some("Deals".into());
    let request = details.to_request().unwrap();
    assert_eq!(request.method, Method::Get);
    assert_eq!(
        request.query,
        [
            ("module".to_owned(), "Deals".to_owned()),
            ("per_page".to_owned(), "200".to_owned())
        ]
    );
}
