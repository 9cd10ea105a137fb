// An action that lists the same input twice.
zoho_macros::actions!("specs/duplicate_input_key.toml");

fn main() {}
