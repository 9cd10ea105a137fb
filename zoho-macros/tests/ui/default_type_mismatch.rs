// A default whose type does not match the input.
zoho_macros::actions!("specs/default_type_mismatch.toml");

fn main() {}
