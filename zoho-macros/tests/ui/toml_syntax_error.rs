// A spec that is not valid TOML.
zoho_macros::actions!("specs/toml_syntax_error.toml");

fn main() {}
