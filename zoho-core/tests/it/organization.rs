//! Which Books organization a call acts in: chosen, configured, the only one, or a clear error.

use httpmock::prelude::*;
use serde_json::{Value, json};
use zoho_core::{Client, Error, Method, Product, ResultShape};

use crate::exec_support::*;

async fn organizations<'a>(server: &'a MockServer, orgs: Value) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/books/v3/organizations")
                .query_param_missing("organization_id");
            then.status(200)
                .json_body(json!({"code": 0, "message": "success", "organizations": orgs}));
        })
        .await
}

async fn contacts_in<'a>(server: &'a MockServer, org: &str) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(GET).path("/books/v3/contacts").query_param("organization_id", org).query_param_count("organization_id", ".*", 1);
            then.status(200).json_body(json!({"code": 0, "message": "success", "contacts": [], "page_context": {"has_more_page": false}}));
        })
        .await
}

fn list_contacts() -> zoho_core::ActionRequest {
    request(
        Product::Books,
        Method::Get,
        vec![value("recordType", "contacts")],
        ResultShape::BooksRecords,
    )
}

#[tokio::test]
async fn the_calls_organization_wins_then_the_connections() {
    let server = MockServer::start_async().await;
    let lookup = organizations(&server, json!([])).await;
    let chosen = contacts_in(&server, "111").await;
    let configured = contacts_in(&server, "222").await;
    let client = Client::builder("default")
        .token_source(static_token(&server.base_url()))
        .books_organization_id("222")
        .build()
        .expect("client");
    let mut req = list_contacts();
    req.organization_id = Some("111".into());
    client.execute(req).await.expect("in 111");
    client.execute(list_contacts()).await.expect("in 222");
    chosen.assert_async().await;
    configured.assert_async().await;
    assert_eq!(
        lookup.calls_async().await,
        0,
        "no lookup when the organization is known"
    );
}

#[tokio::test]
async fn the_users_only_organization_is_looked_up_once() {
    let server = MockServer::start_async().await;
    let lookup = organizations(
        &server,
        json!([{"organization_id": "10234695", "name": "Zillium Inc"}]),
    )
    .await;
    let contacts = contacts_in(&server, "10234695").await;
    let client = client(&server);
    for _ in 0..3 {
        client
            .execute(list_contacts())
            .await
            .expect("in the only organization");
    }
    assert_eq!(contacts.calls_async().await, 3);
    assert_eq!(lookup.calls_async().await, 1, "looked up once and cached");
}

#[tokio::test]
async fn several_organizations_and_none_chosen_is_an_error_listing_them() {
    let server = MockServer::start_async().await;
    organizations(
        &server,
        json!([{"organization_id": "111", "name": "Acme EU"}, {"organization_id": 222, "name": "Acme US"}]),
    )
    .await;
    let contacts = server
        .mock_async(|when, then| {
            when.path("/books/v3/contacts");
            then.status(200)
                .json_body(json!({"code": 0, "contacts": []}));
        })
        .await;
    match client(&server).execute(list_contacts()).await {
        Err(Error::InvalidInput { field, reason }) => {
            assert_eq!(field, "organizationId");
            assert!(
                reason.contains("111 (Acme EU)") && reason.contains("222 (Acme US)"),
                "{reason}"
            );
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(contacts.calls_async().await, 0, "never guessed");
}

#[tokio::test]
async fn raw_requests_to_organizations_or_with_their_own_organization_id_are_left_alone() {
    let server = MockServer::start_async().await;
    let lookup = organizations(
        &server,
        json!([{"organization_id": "1", "name": "A"}, {"organization_id": "2", "name": "B"}]),
    )
    .await;
    let own = contacts_in(&server, "2").await;
    let client = client(&server);
    let orgs = client
        .execute(raw(Product::Books, Method::Get, "/organizations"))
        .await
        .expect("organizations");
    assert_eq!(orgs["organizations"].as_array().expect("list").len(), 2);
    client
        .execute(raw(
            Product::Books,
            Method::Get,
            "/contacts?organization_id=2",
        ))
        .await
        .expect("own id in the URL");
    let mut in_params = raw(Product::Books, Method::Get, "/contacts");
    in_params.query.push(("organization_id".into(), "2".into()));
    client
        .execute(in_params)
        .await
        .expect("own id in the query parameters");
    assert_eq!(
        own.calls_async().await,
        2,
        "organization_id sent exactly once each time"
    );
    assert_eq!(
        lookup.calls_async().await,
        1,
        "only the explicit /organizations call"
    );
}

#[tokio::test]
async fn crm_calls_never_get_an_organization_id() {
    let server = MockServer::start_async().await;
    let leads = server
        .mock_async(|when, then| {
            when.path("/crm/v3/Leads")
                .query_param_missing("organization_id");
            then.status(200)
                .json_body(json!({"data": [], "info": {"more_records": false}}));
        })
        .await;
    client(&server)
        .execute(raw(Product::Crm, Method::Get, "/Leads"))
        .await
        .expect("crm");
    leads.assert_async().await;
}
