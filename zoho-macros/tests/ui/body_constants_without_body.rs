// Fixed body keys on an action that sends no body.
zoho_macros::actions!("specs/body_constants_without_body.toml");

fn main() {}
