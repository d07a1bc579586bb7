//! Which policy a command runs with: `--policy`, else the nearest
//! `listaudit.toml` (the working directory, then each parent up to the
//! repository root), else the default preset. There is no user-level
//! configuration: a run depends only on its directory and its arguments.

use std::path::{Path, PathBuf};

use super::{DEFAULT_PRESET, Policy, load_policy};
use crate::error::{Error, Result, describe_io};

/// The file discovery looks for.
pub const CONFIG_FILE: &str = "listaudit.toml";

/// What the command line says about the policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyChoice {
    /// `--policy PRESET|FILE`: used as given; no discovery.
    Named(String),
    /// Neither `--policy` nor `--isolated`: discover `listaudit.toml`.
    Discover,
    /// `--isolated`: no configuration file at all.
    Isolated,
}

/// The policy for `choice`, discovering from `cwd`.
pub fn choose_policy(choice: &PolicyChoice, cwd: Option<&Path>) -> Result<Policy> {
    match choice {
        PolicyChoice::Named(spec) => load_policy(spec),
        PolicyChoice::Isolated => load_policy(DEFAULT_PRESET),
        PolicyChoice::Discover => {
            let cwd = cwd.ok_or_else(|| {
                Error::policy(format!(
                    "cannot read the working directory to look for {CONFIG_FILE}"
                ))
                .with_hint("pass --policy, or --isolated to run without a configuration file")
            })?;
            match discover_config(cwd)? {
                Some(path) => {
                    let mut policy = load_policy(&path.display().to_string())?;
                    policy.discovered = true;
                    Ok(policy)
                }
                None => load_policy(DEFAULT_PRESET),
            }
        }
    }
}

/// The nearest `listaudit.toml` from `cwd` upwards, as a path relative to
/// `cwd` (`listaudit.toml`, `../listaudit.toml`), so that messages and
/// reports name it the same on every machine. The search stops after the
/// first directory holding `.git` (a repository's root; `.git` may be a
/// file in a worktree) and at the filesystem root.
pub fn discover_config(cwd: &Path) -> Result<Option<PathBuf>> {
    let mut relative = PathBuf::new();
    for dir in cwd.ancestors() {
        let candidate = dir.join(CONFIG_FILE);
        match std::fs::metadata(&candidate) {
            Ok(meta) if meta.is_file() => return Ok(Some(relative.join(CONFIG_FILE))),
            Ok(_) => {
                return Err(Error::policy(format!(
                    "{}: found while looking for the configuration, but it is not a file",
                    relative.join(CONFIG_FILE).display()
                ))
                .with_hint("rename it, or pass --policy or --isolated"));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::policy(format!(
                    "{}: cannot read the configuration: {}",
                    relative.join(CONFIG_FILE).display(),
                    describe_io(&e)
                ))
                .with_hint("pass --policy, or --isolated to run without it"));
            }
        }
        if dir.join(".git").exists() {
            break;
        }
        relative.push("..");
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("repo/lists/2026")).unwrap();
        root
    }

    #[test]
    fn the_nearest_file_wins_and_is_named_relative_to_the_directory() {
        let root = tree();
        let deep = root.path().join("repo/lists/2026");
        std::fs::create_dir(root.path().join("repo/.git")).unwrap();
        assert_eq!(discover_config(&deep).unwrap(), None);
        std::fs::write(root.path().join("repo/listaudit.toml"), "").unwrap();
        assert_eq!(
            discover_config(&deep).unwrap(),
            Some(PathBuf::from("../../listaudit.toml"))
        );
        std::fs::write(root.path().join("repo/lists/listaudit.toml"), "").unwrap();
        assert_eq!(
            discover_config(&deep).unwrap(),
            Some(PathBuf::from("../listaudit.toml"))
        );
        std::fs::write(deep.join("listaudit.toml"), "").unwrap();
        assert_eq!(
            discover_config(&deep).unwrap(),
            Some(PathBuf::from("listaudit.toml"))
        );
    }

    #[test]
    fn the_search_stops_after_the_repository_root() {
        let root = tree();
        std::fs::write(root.path().join("listaudit.toml"), "").unwrap();
        let deep = root.path().join("repo/lists/2026");
        // Without a repository, the file above is found.
        assert_eq!(
            discover_config(&deep).unwrap(),
            Some(PathBuf::from("../../../listaudit.toml"))
        );
        // A worktree's `.git` is a file; it ends the search all the same.
        std::fs::write(root.path().join("repo/.git"), "gitdir: elsewhere\n").unwrap();
        assert_eq!(discover_config(&deep).unwrap(), None);
        // The root's own file still counts.
        std::fs::write(root.path().join("repo/listaudit.toml"), "").unwrap();
        assert_eq!(
            discover_config(&deep).unwrap(),
            Some(PathBuf::from("../../listaudit.toml"))
        );
    }

    #[test]
    fn a_directory_by_that_name_is_an_error_not_skipped() {
        let root = tree();
        std::fs::create_dir(root.path().join("repo/listaudit.toml")).unwrap();
        let err = discover_config(&root.path().join("repo/lists")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("../listaudit.toml: found while"),
            "{err}"
        );
    }
}
