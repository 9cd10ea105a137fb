// An input placed somewhere requests have no room for.
zoho_macros::actions!("specs/unknown_location.toml");

fn main() {}
