//! The whole expansion of the real spec, formatted, compared with the checked-in file that
//! reviewers read. Refresh it with `UPDATE_SNAPSHOT=1 cargo test -p zoho-macros snapshot`.
#![allow(clippy::unwrap_used)]

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/snapshot/zoho_actions.rs"
);
const HEADER: &str = "// Generated from action-spec/zoho.toml by zoho-macros; do not edit.\n// Refresh: UPDATE_SNAPSHOT=1 cargo test -p zoho-macros snapshot\n\n";

#[test]
fn snapshot_of_the_expansion_is_current() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../action-spec/zoho.toml"
    ))
    .unwrap();
    let spec = action_spec::parse(&text, "zoho.toml").unwrap();
    // Relative to the snapshot file, so the snapshot itself compiles where it lies
    // (`zoho-actions/tests/it/snapshot.rs` includes it).
    let tokens = crate::generate::generate(&spec, "../../../action-spec/zoho.toml");
    let file: syn::File = syn::parse2(tokens).unwrap();
    let expanded = format!("{HEADER}{}", prettyplease::unparse(&file));
    if std::env::var_os("UPDATE_SNAPSHOT").is_some() {
        std::fs::write(SNAPSHOT, &expanded).unwrap();
        return;
    }
    let stored = std::fs::read_to_string(SNAPSHOT).unwrap_or_default();
    assert!(
        stored == expanded,
        "the expansion changed; review and refresh it with `UPDATE_SNAPSHOT=1 cargo test -p zoho-macros snapshot` ({SNAPSHOT})"
    );
}
