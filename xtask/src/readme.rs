//! Keeps the README's "Adding an action" walk-through true. Its TOML block, appended to the real
//! spec, must parse and add actions the spec does not have yet; CI (`.ci/walkthrough`) then applies
//! it to a scratch copy of the tree and runs the walk-through's own commands.

use std::path::Path;

use crate::docs::SPEC_PATH;

const BEGIN: &str = "<!-- walkthrough:begin -->";
const END: &str = "<!-- walkthrough:end -->";

/// The TOML of the walk-through block in `readme`: the first ```toml block between the markers.
pub fn walkthrough_block(readme: &str) -> Option<&str> {
    let start = readme.find(BEGIN)?;
    let end = readme.find(END)?;
    let block = readme.get(start..end)?;
    let body_start = block.find("```toml\n")? + "```toml\n".len();
    let body_len = block.get(body_start..)?.find("```")?;
    block.get(body_start..body_start + body_len)
}

/// The methods `block` declares, given the spec it is added to; the error says what to fix.
pub fn methods_added(spec_text: &str, block: &str) -> Result<Vec<String>, String> {
    let parse = |text: &str| {
        action_spec::parse(text, "zoho.toml").map_err(|diagnostics| {
            format!("README.md's walk-through does not make a valid spec:\n{diagnostics}")
        })
    };
    // Once applied (as CI does on a scratch copy), the spec ends with the block itself.
    let (base, extended) = match spec_text.strip_suffix(block) {
        Some(base) => (parse(base.trim_end())?, parse(spec_text)?),
        None => (parse(spec_text)?, parse(&format!("{spec_text}\n{block}"))?),
    };
    let known: Vec<String> = base.actions.iter().map(|a| a.method_name()).collect();
    let added: Vec<String> = extended
        .actions
        .iter()
        .map(|a| a.method_name())
        .filter(|name| !known.contains(name))
        .collect();
    if added.is_empty() {
        return Err(
            "README.md's walk-through adds no action the spec does not already have; \
             pick another Zoho endpoint the sandbox serves"
                .into(),
        );
    }
    Ok(added)
}

/// Check the walk-through against the spec.
pub fn check(root: &Path) -> Result<(), String> {
    let readme = std::fs::read_to_string(root.join("README.md"))
        .map_err(|err| format!("cannot read README.md: {err}"))?;
    let spec = std::fs::read_to_string(root.join(SPEC_PATH))
        .map_err(|err| format!("cannot read {SPEC_PATH}: {err}"))?;
    let block = walkthrough_block(&readme)
        .ok_or("README.md has no ```toml block between the walkthrough markers")?;
    methods_added(&spec, block).map(|_| ())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn real_spec() -> String {
        std::fs::read_to_string(crate::workspace_root().join(SPEC_PATH)).unwrap()
    }

    #[test]
    fn the_readme_walkthrough_adds_a_new_action_to_the_real_spec() {
        if let Err(message) = check(&crate::workspace_root()) {
            panic!("{message}");
        }
    }

    #[test]
    fn the_walkthrough_still_checks_once_applied() {
        let readme = std::fs::read_to_string(crate::workspace_root().join("README.md")).unwrap();
        let block = walkthrough_block(&readme).unwrap();
        let spec = real_spec();
        let before = methods_added(&spec, block).unwrap();
        // On CI's scratch copy the real spec already ends with the block.
        let applied = match spec.ends_with(block) {
            true => spec.clone(),
            false => format!("{}\n{block}", spec.trim_end()),
        };
        assert_eq!(methods_added(&applied, block).unwrap(), before);
    }

    #[test]
    fn a_walkthrough_repeating_an_existing_action_is_caught() {
        let spec = real_spec();
        let block = "[[actions]]\nproduct = \"crm\"\nname = \"getRecord\"\n";
        let error = methods_added(&spec, block).unwrap_err();
        assert!(error.contains("does not make a valid spec"), "{error}");
    }

    #[test]
    fn the_first_screen_holds_the_two_commands_a_newcomer_needs() {
        let readme = std::fs::read_to_string(crate::workspace_root().join("README.md")).unwrap();
        let first = readme.split("```sh\n").nth(1).unwrap();
        let commands: Vec<&str> = first[..first.find("```").unwrap()]
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .collect();
        assert_eq!(
            commands,
            [
                "cargo run --release -p zoho-server -- serve --sandbox",
                "cargo test --workspace"
            ]
        );
    }

    #[test]
    fn a_walkthrough_adding_nothing_is_caught() {
        let error = methods_added(&real_spec(), "# nothing here\n").unwrap_err();
        assert!(error.contains("adds no action"), "{error}");
    }

    #[test]
    fn the_block_is_the_first_toml_fence_between_the_markers() {
        let readme = "x\n<!-- walkthrough:begin -->\n```toml\n[[actions]]\nname = \"other\"\n```\n\n```sh\ncargo xtask docs\n```\n<!-- walkthrough:end -->\n";
        assert_eq!(
            walkthrough_block(readme),
            Some("[[actions]]\nname = \"other\"\n")
        );
    }
}
