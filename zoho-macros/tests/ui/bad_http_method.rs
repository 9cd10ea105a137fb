// An HTTP method outside GET, POST, PUT, PATCH, DELETE.
zoho_macros::actions!("specs/bad_http_method.toml");

fn main() {}
