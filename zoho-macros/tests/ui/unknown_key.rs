// A key no table knows (a typo of `comment`).
zoho_macros::actions!("specs/unknown_key.toml");

fn main() {}
