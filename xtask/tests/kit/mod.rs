//! The kit as the tests reach it: where it is, its `cargo xtask` run as a user runs it, what a run
//! gave, the exercises it has checks for, and copies of its trees to grade or change without
//! touching the kit. Shared by the test binaries that run xtask or copy the kit; each uses part of
//! it.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

pub fn kit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The kit's xtask, failing the test once `limit` has passed so that a hang fails instead of
/// stalling the run. `NO_COLOR` is removed: the output checked is the command's own, not one the
/// environment of the test run chose.
pub fn xtask(limit: Duration) -> Command {
    let mut command = Command::cargo_bin("xtask").unwrap();
    command.env_remove("NO_COLOR").timeout(limit);
    command
}

/// Exit code, stdout and stderr; fails the test on a panic, which a user must never meet.
pub fn outcome(command: &mut Command) -> (i32, String, String) {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned(), stderr)
}

/// Every exercise the kit has checks for, from its folders.
pub fn exercises() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(kit().join("grader/checks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.as_bytes()[0].is_ascii_digit())
        .collect();
    names.sort();
    names
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            // Build output is not part of a tree: an exercise built in place must copy as its sources.
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}
