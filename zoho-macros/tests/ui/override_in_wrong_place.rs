// An override moving an input where its type cannot go.
zoho_macros::actions!("specs/override_in_wrong_place.toml");

fn main() {}
