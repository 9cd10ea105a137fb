//! The catalogue in `tests/ui/`: each failing case holds one spec mistake and its `.stderr`
//! shows the message the user gets (`file:LINE:COL: what is wrong; what is allowed`).
//! Refresh the `.stderr` files with `TRYBUILD=overwrite cargo test -p zoho-macros ui`.
//!
//! The passing cases (`tests/ui/pass/`) need the runtime crate, which trybuild would compile a
//! second time in its own target folder (minutes on CI); `zoho-actions`' tests compile them
//! instead (`zoho-actions/tests/it/catalogue.rs`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
