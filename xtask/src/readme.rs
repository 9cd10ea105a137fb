//! Keeps the README's "Adding an action" walk-through true: its TOML block must stand verbatim in
//! the fixture spec whose generated action `zoho-actions/tests/it/extension.rs` checks.

use std::path::Path;

/// The fixture the walk-through is taken from.
pub const WALKTHROUGH_FIXTURE: &str = "zoho-actions/tests/it/fixtures/get_deleted.toml";

/// The TOML of the walk-through block in `readme`, between the begin/end markers.
pub fn walkthrough_block(readme: &str) -> Option<&str> {
    let start = readme.find("<!-- walkthrough:begin -->")?;
    let end = readme.find("<!-- walkthrough:end -->")?;
    let block = readme.get(start..end)?;
    let body_start = block.find("```toml\n")? + "```toml\n".len();
    let body_end = block.rfind("```")?;
    block.get(body_start..body_end)
}

/// Check the walk-through against the fixture; the error says what to fix.
pub fn check(root: &Path) -> Result<(), String> {
    let readme = std::fs::read_to_string(root.join("README.md"))
        .map_err(|err| format!("cannot read README.md: {err}"))?;
    let fixture = std::fs::read_to_string(root.join(WALKTHROUGH_FIXTURE))
        .map_err(|err| format!("cannot read {WALKTHROUGH_FIXTURE}: {err}"))?;
    let block = walkthrough_block(&readme)
        .ok_or("README.md has no ```toml block between the walkthrough markers")?;
    for part in block.split("\n\n") {
        let part = part.trim();
        if !part.is_empty() && !fixture.contains(part) {
            return Err(format!(
                "README.md's walk-through is not in {WALKTHROUGH_FIXTURE}:\n{part}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_walkthrough_is_the_tested_fixture() {
        if let Err(message) = check(&crate::workspace_root()) {
            panic!("{message}");
        }
    }

    #[test]
    fn a_walkthrough_that_drifts_is_caught() {
        let readme = "x\n<!-- walkthrough:begin -->\n```toml\n[[actions]]\nname = \"other\"\n```\n<!-- walkthrough:end -->\n";
        assert_eq!(
            walkthrough_block(readme),
            Some("[[actions]]\nname = \"other\"\n")
        );
    }
}
