// A multi-record result with no batch input.
zoho_macros::actions!("specs/batch_without_input.toml");

fn main() {}
