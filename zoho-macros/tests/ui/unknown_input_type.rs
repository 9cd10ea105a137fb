// An input type that does not exist.
zoho_macros::actions!("specs/unknown_input_type.toml");

fn main() {}
