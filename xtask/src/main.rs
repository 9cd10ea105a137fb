//! Project automation: `cargo xtask docs [--check]`, `cargo xtask bench`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("docs") => {
            // Nothing is generated yet; the docs generator lands with the spec pipeline.
        }
        other => {
            eprintln!("usage: cargo xtask docs [--check] | bench (got {other:?})");
            std::process::exit(2);
        }
    }
}
