//! Writing generated files: skip unchanged ones, and in check mode write nothing and say what is stale.

use std::fs;
use std::path::{Path, PathBuf};

/// Whether to write generated files or only check them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write files whose contents changed.
    Write,
    /// Write nothing; report files that differ from what would be generated.
    Check,
}

/// One file as the generator would write it.
#[derive(Debug)]
pub struct Generated {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// The whole contents.
    pub contents: String,
}

/// What happened to one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Already up to date.
    Unchanged,
    /// Written (write mode).
    Written,
    /// Differs from the generated contents (check mode).
    Stale,
}

/// Write (or check) one generated file below `root`.
pub fn ensure(root: &Path, file: &Generated, mode: Mode) -> std::io::Result<Outcome> {
    let path = root.join(&file.path);
    let current = fs::read_to_string(&path).ok();
    if current.as_deref() == Some(file.contents.as_str()) {
        return Ok(Outcome::Unchanged);
    }
    match mode {
        Mode::Check => Ok(Outcome::Stale),
        Mode::Write => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&path, &file.contents)?;
            Ok(Outcome::Written)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn check_mode_reports_stale_and_writes_nothing_then_write_mode_fixes_it() {
        let dir = std::env::temp_dir().join(format!("xtask-codegen-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = Generated {
            path: "out.md".into(),
            contents: "new\n".into(),
        };
        fs::write(dir.join("out.md"), "old\n").unwrap();
        assert_eq!(ensure(&dir, &file, Mode::Check).unwrap(), Outcome::Stale);
        assert_eq!(fs::read_to_string(dir.join("out.md")).unwrap(), "old\n");
        assert_eq!(ensure(&dir, &file, Mode::Write).unwrap(), Outcome::Written);
        assert_eq!(
            ensure(&dir, &file, Mode::Check).unwrap(),
            Outcome::Unchanged
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
