// A one_of group naming a required input.
zoho_macros::actions!("specs/one_of_required_input.toml");

fn main() {}
