//! What only the instructor's copy of the kit holds, and the search for it in what reaches
//! students (a student copy, the Gradescope zip): the lines of the solutions and of the private
//! checks' sources, and the private checks' ids. Shared by the test binaries that make such a
//! copy; each uses part of it.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Every file below `dir` that reads as text, with its text, build output and git's files aside.
pub fn text_files(dir: &Path, files: &mut Vec<(PathBuf, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if path.is_dir() {
            if name != "target" && name != ".git" {
                text_files(&path, files);
            }
        } else if let Ok(text) = fs::read_to_string(&path) {
            files.push((path, text));
        }
    }
}

/// A private checks' source: the instructor's holds the checks, a student's copy an empty list.
pub fn is_private(path: &Path) -> bool {
    path.file_name() == Some("private.rs".as_ref())
}

/// What only the instructor's files hold: each line of a solution or of a private check that no
/// other file of the kit but its tests has (at least 20 characters, so that `Ok(())` and `}` do not
/// count), and every private check's id as written in its declaration.
pub fn instructor_markers(kit: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut files = Vec::new();
    text_files(kit, &mut files);
    let solutions = kit.join("solutions");
    let instructor_only = |path: &Path| path.starts_with(&solutions) || is_private(path);
    // The kit's own tests are left out: the corpus holds patches of the solutions.
    let tests = kit.join("xtask").join("tests");
    let shared: BTreeSet<&str> = files
        .iter()
        .filter(|(path, _)| !instructor_only(path) && !path.starts_with(&tests))
        .flat_map(|(_, text)| text.lines().map(str::trim))
        .collect();
    let mut lines = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for (path, text) in files.iter().filter(|(path, _)| instructor_only(path)) {
        lines.extend(text.lines().map(str::trim).filter(|l| l.len() >= 20 && !shared.contains(l)).map(str::to_owned));
        if is_private(path) {
            for declaration in text.split("Check::new(").skip(1) {
                let id = declaration.trim_start().split('"').nth(1).unwrap();
                ids.insert(format!("\"{id}\""));
            }
        }
    }
    (lines, ids)
}

/// Fails the test at the first of `files` that holds a line of `solution_lines`, names one of
/// `private_ids`, or is a private checks' source that still declares checks.
pub fn assert_none_in(files: &[(PathBuf, String)], solution_lines: &BTreeSet<String>, private_ids: &BTreeSet<String>) {
    for (path, text) in files {
        for line in text.lines().map(str::trim) {
            assert!(!solution_lines.contains(line), "{}: instructor code: {line}", path.display());
        }
        for id in private_ids {
            assert!(!text.contains(id.as_str()), "{}: names the private check {id}", path.display());
        }
        if is_private(path) {
            assert!(text.contains("pub const CHECKS: &[Check] = &[];"), "{}: {text}", path.display());
        }
    }
}
