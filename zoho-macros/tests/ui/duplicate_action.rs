// The same action declared twice.
zoho_macros::actions!("specs/duplicate_action.toml");

fn main() {}
