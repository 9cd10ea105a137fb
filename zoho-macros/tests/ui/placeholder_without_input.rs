// A path placeholder that no input fills.
zoho_macros::actions!("specs/placeholder_without_input.toml");

fn main() {}
