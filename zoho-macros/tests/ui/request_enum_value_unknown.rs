// An enum for `response_type` with a value the runtime cannot read a response as.
zoho_macros::actions!("specs/request_enum_value_unknown.toml");

fn main() {}
