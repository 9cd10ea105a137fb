// An enum default that is not one of its values.
zoho_macros::actions!("specs/enum_default_outside_values.toml");

fn main() {}
