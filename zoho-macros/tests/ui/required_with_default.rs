// A required input that also has a default.
zoho_macros::actions!("specs/required_with_default.toml");

fn main() {}
