//! The `zoho-server` command line.

fn main() {
    eprintln!("zoho-server: not built yet");
    std::process::exit(2);
}
