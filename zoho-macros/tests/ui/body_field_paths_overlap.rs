// Two body fields, one inside the other.
zoho_macros::actions!("specs/body_field_paths_overlap.toml");

fn main() {}
