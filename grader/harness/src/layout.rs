//! Where a submission's exercises are: the one rule that `grade --tree`, batch grading
//! (`--submissions`) and Gradescope's `run_autograder` (which grades with `--tree`) all use.
//!
//! The exercises are the folder given, when it holds exercise crates (`01-bind/`, …), or its
//! `exercises/` folder (a whole copy of the kit), or either of those one or two folders down (an
//! unpacked zip wraps what it holds in a folder; a class folder of zips wraps it once more:
//! `alice/sockets-course-main/exercises`). The shallowest match wins; two matches at the same
//! depth in different folders are refused rather than guessed between, since grading the wrong
//! copy would be a wrong grade.
//!
//! Links are not followed below the folder given (a link could point at another student's work or
//! at the kit), nor are hidden folders, `target/` or the `__MACOSX/` folder of zips made on a Mac.

use std::fs;
use std::path::{Path, PathBuf};

use crate::tree::is_exercise_name;

/// How deep below the folder given exercises are looked for.
pub const DEPTH: usize = 2;

/// Why no single folder of exercises was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotFound {
    /// No folder holds an exercise crate.
    Nothing,
    /// Folders at the same depth hold exercises: which one is meant is not clear.
    Several(Vec<PathBuf>),
}

/// The folder of exercise crates in `dir`, by the rule of this module.
pub fn find(dir: &Path) -> Result<PathBuf, NotFound> {
    // Each level is a list of groups: a folder and its `exercises/`, the folder first.
    let mut level: Vec<PathBuf> = vec![dir.to_path_buf()];
    for depth in 0..=DEPTH {
        let found: Vec<PathBuf> = level
            .iter()
            .filter_map(|folder| {
                let inner = folder.join("exercises");
                // The folder given may be a link; an `exercises/` in it is looked into only when real.
                let inner = fs::symlink_metadata(&inner).is_ok_and(|m| m.is_dir()).then_some(inner);
                [Some(folder.clone()), inner].into_iter().flatten().find(|d| holds_exercises(d))
            })
            .collect();
        match found.len() {
            0 => {}
            1 => return Ok(found.into_iter().next().expect("one")),
            _ => return Err(NotFound::Several(found)),
        }
        if depth < DEPTH {
            level = level.iter().flat_map(|folder| subfolders(folder)).collect();
        }
    }
    Err(NotFound::Nothing)
}

/// Whether `dir` holds at least one exercise crate: a real folder named like one (`01-bind`) with
/// a `src/` folder or a `Cargo.toml` in it.
pub fn holds_exercises(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else { return false };
    entries.filter_map(Result::ok).any(|entry| {
        entry.file_type().is_ok_and(|t| t.is_dir())
            && entry.file_name().to_str().is_some_and(is_exercise_name)
            && (entry.path().join("src").is_dir() || entry.path().join("Cargo.toml").is_file())
    })
}

/// The folders of `dir` worth looking into, by name: real folders only (a link is not a folder
/// here), without hidden ones, build output and the metadata folder of zips made on a Mac.
fn subfolders(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|entry| {
            entry.file_name().to_str().is_some_and(|name| {
                !name.starts_with('.') && name != "target" && name != "__MACOSX" && name != "exercises"
            })
        })
        .map(|entry| entry.path())
        .collect();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(root: &Path, path: &str) {
        fs::create_dir_all(root.join(path).join("src")).unwrap();
    }

    #[test]
    fn the_crates_themselves_or_an_exercises_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find(dir.path()), Err(NotFound::Nothing));
        exercise(dir.path(), "exercises/01-bind");
        assert_eq!(find(dir.path()), Ok(dir.path().join("exercises")));
        exercise(dir.path(), "02-accept-loop");
        assert_eq!(find(dir.path()), Ok(dir.path().to_path_buf()), "the folder itself comes first");
    }

    #[test]
    fn either_one_or_two_folders_down() {
        let one = tempfile::tempdir().unwrap();
        exercise(one.path(), "my-work/01-bind");
        fs::create_dir_all(one.path().join("notes")).unwrap();
        assert_eq!(find(one.path()), Ok(one.path().join("my-work")));
        let two = tempfile::tempdir().unwrap();
        exercise(two.path(), "alice/sockets-course-main/exercises/03-client");
        assert_eq!(find(two.path()), Ok(two.path().join("alice/sockets-course-main/exercises")));
        let three = tempfile::tempdir().unwrap();
        exercise(three.path(), "a/b/c/01-bind");
        assert_eq!(find(three.path()), Err(NotFound::Nothing), "three folders down is too deep");
    }

    #[test]
    fn two_copies_at_the_same_depth_are_refused_and_a_shallower_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        exercise(dir.path(), "v1/01-bind");
        exercise(dir.path(), "v2/exercises/01-bind");
        assert_eq!(
            find(dir.path()),
            Err(NotFound::Several(vec![dir.path().join("v1"), dir.path().join("v2/exercises")]))
        );
        exercise(dir.path(), "exercises/01-bind");
        assert_eq!(find(dir.path()), Ok(dir.path().join("exercises")));
    }

    #[test]
    fn links_hidden_folders_build_output_and_mac_metadata_are_not_looked_into() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        exercise(elsewhere.path(), "01-bind");
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path().join("01-bind"), dir.path().join("01-bind")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("exercises")).unwrap();
        exercise(dir.path(), ".git/01-bind");
        exercise(dir.path(), "target/01-bind");
        // A zip made on a Mac mirrors its folders in __MACOSX/, with `._` files only.
        fs::create_dir_all(dir.path().join("__MACOSX/01-bind")).unwrap();
        fs::write(dir.path().join("__MACOSX/01-bind/._Cargo.toml"), "").unwrap();
        assert_eq!(find(dir.path()), Err(NotFound::Nothing));
        // A folder named like an exercise but holding no crate is not one.
        fs::create_dir_all(dir.path().join("notes/01-bind")).unwrap();
        assert_eq!(find(dir.path()), Err(NotFound::Nothing));
    }
}
