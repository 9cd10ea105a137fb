// The macro takes the spec path as a string literal.
zoho_macros::actions!(zoho_toml);

fn main() {}
