// A path input the path never uses.
zoho_macros::actions!("specs/path_input_not_in_path.toml");

fn main() {}
