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
