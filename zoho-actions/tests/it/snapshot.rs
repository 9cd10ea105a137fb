//! The checked-in expansion (`expansion.rs`, written by `cargo xtask docs`) is real code: it
//! compiles here and describes the same actions as the crate.

#[allow(dead_code, clippy::all)]
#[rustfmt::skip]
#[path = "expansion.rs"]
mod expansion;

use zoho_actions::Action;

#[test]
fn the_snapshot_compiles_and_matches_the_crate() {
    let names: Vec<&str> = expansion::METHODS.iter().map(|m| m.name).collect();
    let crate_names: Vec<&str> = zoho_actions::METHODS.iter().map(|m| m.name).collect();
    assert_eq!(names, crate_names);
    assert_eq!(expansion::SPEC_TOML, zoho_actions::SPEC_TOML);
    let from_snapshot = expansion::crm::GetRecords::new("Leads")
        .to_request()
        .unwrap();
    let from_crate = zoho_actions::crm::GetRecords::new("Leads")
        .to_request()
        .unwrap();
    assert_eq!(from_snapshot, from_crate);
}

/// Every method prepares the same request (or the same refusal) from the snapshot as from the
/// crate, for params that leave every input at its default.
#[test]
fn every_method_of_the_snapshot_prepares_what_the_crate_prepares() {
    for method in zoho_actions::METHODS {
        for params in [
            serde_json::json!({}),
            serde_json::json!({"recordType": "Leads", "recordId": "1", "url": "/x", "method": "GET", "query": "select id from Leads"}),
        ] {
            let from_snapshot = format!("{:?}", expansion::prepare(method.name, params.clone()));
            let from_crate = format!("{:?}", zoho_actions::prepare(method.name, params));
            assert_eq!(from_snapshot, from_crate, "{}", method.name);
        }
    }
}
