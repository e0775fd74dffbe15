//! The student copy of the kit (`cargo xtask release`), made as an instructor makes it and used as
//! a student uses it: nothing of the solutions nor of the private checks is in it, it builds
//! without a warning, and its own `cargo xtask` grades the stubs with the public checks, says how
//! many private checks there are, and refuses in one line what needs the solutions.

mod instructor_only;
mod kit;
mod watching;

use std::fs;
use std::path::Path;
use std::process::Command as Process;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

use instructor_only::{assert_none_in, instructor_markers, text_files};
use kit::{kit, outcome};

/// The instructor's `cargo xtask`.
fn instructor() -> Command {
    let mut command = Command::cargo_bin("xtask").unwrap();
    command.env("NO_COLOR", "1").write_stdin("").timeout(Duration::from_secs(600));
    command
}

/// `cargo ARGS` in the student copy, as a student runs it there: nothing inherited from this
/// test's own cargo decides where it builds.
fn cargo_in(copy: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(copy)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("SOCKETS_COURSE_KIT")
        .env("NO_COLOR", "1")
        .write_stdin("")
        .timeout(Duration::from_secs(900));
    command
}

#[test]
fn a_release_holds_no_instructor_code_and_grades_the_stubs_with_the_public_checks() {
    let kit = kit();
    let scratch = tempfile::Builder::new().prefix("release-").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let copy = scratch.path().join("student-kit");

    // The instructor makes the copy.
    let (code, out, err) = outcome(instructor().arg("release").arg(&copy));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Searched it for solution code and private checks: none found."), "{out}");
    let (code, _, err) = outcome(instructor().arg("release").arg(&copy));
    assert_eq!(code, 2, "a second release into the same folder needs --force: {err}");
    assert!(err.starts_with("error: ") && err.contains("is not empty") && err.contains("--force"), "{err}");
    let (code, out, err) = outcome(instructor().arg("release").arg(&copy).arg("--force"));
    assert_eq!(code, 0, "{out}{err}");

    // Nothing of the solutions nor of the private checks is in it.
    assert!(!copy.join("solutions").exists());
    let (solution_lines, private_ids) = instructor_markers(&kit);
    assert!(solution_lines.len() > 100 && !private_ids.is_empty(), "the markers are real: {private_ids:?}");
    let mut released = Vec::new();
    text_files(&copy, &mut released);
    assert_none_in(&released, &solution_lines, &private_ids);
    // The student's README has the student guide, and no word of the private checks.
    let readme = fs::read_to_string(copy.join("README.md")).unwrap();
    assert!(readme.contains("## Student guide") && !readme.contains("## Instructor guide"), "{readme}");
    for id in &private_ids {
        assert!(!readme.contains(id.trim_matches('"')), "README.md names the private check {id}");
    }

    // It builds as a student opens it: without solutions/, and without a warning.
    let (code, out, err) = outcome(cargo_in(&copy).args(["build", "--workspace", "--message-format=short"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("warning"), "the student copy builds without warnings: {err}");

    // The instructor's checks, as a submission's grade runs them: all of them.
    let (_, out, err) = outcome(instructor().args(["grade", "--format=json", "--tree"]).arg(kit.join("exercises")));
    let all: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let checks = |report: &Value, private: bool| -> Vec<String> {
        report["exercises"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| e["checks"].as_array().unwrap())
            .filter(|c| c["private"] == private)
            .map(|c| format!("{}/{}", c["exercise"].as_str().unwrap(), c["check"].as_str().unwrap()))
            .collect()
    };
    let (public, private) = (checks(&all, false), checks(&all, true));
    assert!(!private.is_empty());

    // The student grades the stubs: every public check runs and fails, the private ones are counted.
    let (code, out, err) = outcome(cargo_in(&copy).args(["xtask", "grade", "--format=json"]));
    assert_eq!(code, 1, "{err}");
    let graded: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    assert_eq!(checks(&graded, false), public, "the same public checks as the instructor's");
    assert!(checks(&graded, true).is_empty());
    assert_eq!(graded["withheld"], private.len(), "{graded}");
    assert_eq!(graded["passed"], 0);
    for exercise in graded["exercises"].as_array().unwrap() {
        assert!(exercise["broken"].is_null(), "{exercise}");
        let name = exercise["exercise"].as_str().unwrap();
        let count = private.iter().filter(|id| id.starts_with(&format!("{name}/"))).count();
        assert_eq!(exercise["withheld"], count, "{name}");
        assert!(exercise["checks"].as_array().unwrap().len() >= 2, "{name} keeps two public checks at least");
    }
    let (code, out, _) = outcome(cargo_in(&copy).args(["xtask", "grade", "01"]));
    assert_eq!(code, 1);
    assert!(out.contains("✗ binding 127.0.0.1:0"), "{out}");
    // 01 keeps one private check: "+ 1 private check, not counted here".
    assert!(out.contains("private check, not counted here: it runs at final grading"), "{out}");

    // The student's other commands work.
    let (code, out, err) = outcome(cargo_in(&copy).args(["xtask", "hint", "01"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("01-bind — hint 1 of "), "{out}");
    let (code, out, err) = outcome(cargo_in(&copy).args(["xtask", "list"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("07-pizza-shop") && out.contains("Progress ["), "{out}");
    let mut watch = Process::new(copy.join("target/debug/xtask"));
    watch.current_dir(&copy).args(["watch", "01"]).env_remove("SOCKETS_COURSE_KIT");
    let session = watching::until_graded(watch, "01-bind", Duration::from_secs(300));
    assert!(session.screen.iter().any(|l| l.starts_with("01-bind  0/")), "{:#?}", session.screen);
    assert!(session.status.success(), "{:?} {:#?}", session.status, session.rest);

    // What needs the solutions says, in one line, that this is a student copy.
    for args in [&["grade", "--solutions"][..], &["verify"], &["stress", "1"], &["bench"], &["release", "elsewhere"]] {
        let (code, out, err) = outcome(cargo_in(&copy).arg("xtask").args(args));
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.starts_with("error: ") && err.contains("student copy"), "{args:?}: {err}");
    }
}
