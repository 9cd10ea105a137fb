// A bulk read job declared as a GET.
zoho_macros::actions!("specs/job_not_a_post.toml");

fn main() {}
