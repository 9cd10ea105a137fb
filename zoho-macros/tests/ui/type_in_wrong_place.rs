// An input type that cannot go where it is put (a file in the path).
zoho_macros::actions!("specs/type_in_wrong_place.toml");

fn main() {}
