// An input without a label.
zoho_macros::actions!("specs/missing_label.toml");

fn main() {}
