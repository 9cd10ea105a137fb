//! Project automation: `cargo xtask docs [--check]` regenerates (or checks) everything generated
//! from the spec; `cargo xtask bench [--only SECTION,...]` runs the benchmarks (all, or the
//! sections named) and rewrites `docs/perf.md`.

mod bench;
mod codegen;
mod docs;
mod readme;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use codegen::{Mode, Outcome};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["docs"] => run_docs(Mode::Write),
        ["docs", "--check"] => run_docs(Mode::Check),
        ["bench", rest @ ..] => {
            bench::Options::parse(rest).and_then(|options| bench::run(&workspace_root(), &options))
        }
        _ => Err(
            "usage: cargo xtask docs [--check] | cargo xtask bench [--only SECTION[,SECTION...]]"
                .to_owned(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (xtask lives one level below it).
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Regenerate or check the docs; in check mode name each stale file and the command to run.
fn run_docs(mode: Mode) -> Result<(), String> {
    let root = workspace_root();
    let spec = docs::load_spec(&root)?;
    let mut stale = Vec::new();
    for file in docs::generate(&spec)? {
        let outcome = codegen::ensure(&root, &file, mode)
            .map_err(|err| format!("cannot write {}: {err}", file.path.display()))?;
        match outcome {
            Outcome::Stale => stale.push(file.path.display().to_string()),
            Outcome::Written => println!("wrote {}", file.path.display()),
            Outcome::Unchanged => {}
        }
    }
    // The README's walk-through is hand-written; it is checked, never generated.
    readme::check(&root)?;
    if stale.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} out of date with {}: {}\nrun `{}` and commit the result",
        if stale.len() == 1 {
            "this file is"
        } else {
            "these files are"
        },
        docs::SPEC_PATH,
        stale.join(", "),
        docs::COMMAND,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` catches docs that drifted from the spec, as `cargo xtask docs --check` does.
    #[test]
    fn generated_docs_match_the_spec() {
        if let Err(message) = run_docs(Mode::Check) {
            panic!("{message}");
        }
    }
}
