//! The command line as students and instructors use it: `cargo xtask grade` on the stubs, on the
//! solutions and on other trees, `verify`, and every way the arguments can be wrong. These tests
//! build and run real check runners over loopback, so they are the end-to-end proof of the kit.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn kit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn xtask() -> Command {
    let mut command = Command::cargo_bin("xtask").unwrap();
    command.env_remove("NO_COLOR").timeout(std::time::Duration::from_secs(600));
    command
}

/// A scratch tree at a stable path (reused by later runs, so its build is too), filled with a copy
/// of `from`.
fn scratch_tree(name: &str, from: &str) -> PathBuf {
    let tree = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&tree);
    copy_dir(&kit().join(from), &tree);
    tree
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn stdout_of(command: &mut Command) -> (i32, String) {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "xtask panicked: {stderr}");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Every exercise the kit has checks for, from its folders.
fn exercises() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(kit().join("grader/checks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.as_bytes()[0].is_ascii_digit())
        .collect();
    names.sort();
    names
}

#[test]
fn the_solutions_pass_every_check() {
    let (code, out) = stdout_of(xtask().args(["grade", "--solutions"]));
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains('✗'), "{out}");
    let total = out.lines().find(|l| l.starts_with("Total: ")).unwrap();
    let n = exercises().len();
    assert!(total.ends_with(&format!("{n}/{n} exercises complete")), "{total}");
    let (passed, all) = total["Total: ".len()..].split_once(" checks").unwrap().0.split_once('/').unwrap();
    assert_eq!(passed, all);
    assert!(all.parse::<usize>().unwrap() >= 5 * n, "at least 5 checks per exercise: {total}");
}

#[test]
fn the_stubs_fail_every_check_with_a_teaching_message_and_no_backtrace() {
    let (code, out) = stdout_of(xtask().arg("grade"));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Total: 0/"), "{out}");
    assert!(!out.contains('✓'), "{out}");
    for exercise in exercises() {
        assert!(out.contains(&exercise), "{exercise} missing: {out}");
    }
    // Each failure says what the grader did, what it expected, what it got, and gives a hint.
    let failures = out.matches("  ✗ ").count();
    for field in ["step ", "grader ", "expected ", "got ", "hint "] {
        assert!(out.matches(&format!("      {field}")).count() >= failures, "a failure lacks {field:?}: {out}");
    }
    assert!(out.contains("it is not written yet: todo!() at exercises/01-bind/src/lib.rs:"), "{out}");
    for noise in ["stack backtrace", "RUST_BACKTRACE", "note: run with"] {
        assert!(!out.contains(noise), "{noise:?} in: {out}");
    }
}

#[test]
fn exercises_can_be_named_by_folder_number_or_name() {
    for name in ["01-bind", "01", "1", "bind"] {
        let (code, out) = stdout_of(xtask().args(["grade", "--solutions", "-q", name]));
        assert_eq!(code, 0, "{name}: {out}");
        assert!(out.contains("1/1 exercises complete"), "{name}: {out}");
    }
}

#[test]
fn an_unknown_exercise_lists_the_valid_names_and_exits_2() {
    xtask()
        .args(["grade", "99-nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown exercise \"99-nope\"").and(predicate::str::contains("01-bind, ")));
}

#[test]
fn bad_arguments_are_one_line_errors_with_exit_2() {
    let cases: &[&[&str]] = &[
        &["grade", "--frobnicate"],
        &["frobnicate"],
        &["grade", "--tree"],
        &["grade", "--jobs", "zero"],
        &["grade", "--solutions", "--tree", "."],
    ];
    for args in cases {
        let output = xtask().args(*args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 2, "one error line and one usage pointer: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_tree_that_does_not_exist_or_holds_no_exercises_is_refused() {
    xtask()
        .args(["grade", "--tree", "/no/such/folder"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/folder: no such folder"));
    let empty = tempfile::tempdir().unwrap();
    xtask()
        .args(["grade", "--tree"])
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds no exercise crates"));
}

#[test]
fn help_lists_the_commands() {
    xtask()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("grade [EXERCISE...]").and(predicate::str::contains("verify")));
}

#[test]
fn an_exercise_that_does_not_compile_is_reported_and_the_others_still_graded() {
    let tree = scratch_tree("tree-with-a-compile-error", "solutions");
    let lib = tree.join("02-accept-loop/src/lib.rs");
    let source = fs::read_to_string(&lib).unwrap();
    fs::write(&lib, source.replacen("summary.served += 1;", "summary.served += \"one\";", 1)).unwrap();
    let (code, out) = stdout_of(xtask().args(["grade", "--tree"]).arg(&tree));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("your crate does not compile: "), "{out}");
    assert!(out.contains("src/lib.rs:"), "the error names file:line: {out}");
    assert!(out.contains("error[E0277]"), "the compiler's own message is shown: {out}");
    let others: Vec<&str> = out.lines().filter(|l| l.starts_with("01-bind") || l.starts_with("03-client")).collect();
    assert_eq!(others.len(), 2, "{out}");
    for line in others {
        let (passed, all) = line.split_whitespace().nth(1).unwrap().split_once('/').unwrap();
        assert_eq!(passed, all, "{line}");
    }
}

#[test]
fn a_changed_signature_is_reported_as_the_checks_not_compiling_against_it() {
    let tree = scratch_tree("tree-with-a-changed-signature", "solutions");
    let lib = tree.join("03-client/src/lib.rs");
    let source = fs::read_to_string(&lib).unwrap();
    let changed = source.replace("pub fn talk(addr: SocketAddr, message: &str)", "pub fn talk(addr: SocketAddr)");
    let changed = changed.replace("send_all(&mut stream, message.as_bytes())?;", "send_all(&mut stream, b\"hi\")?;");
    fs::write(&lib, changed).unwrap();
    let (code, out) = stdout_of(xtask().args(["grade", "03", "--tree"]).arg(&tree));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("the checks do not compile against your crate"), "{out}");
    assert!(out.contains("Keep their names and signatures as given in the stub"), "{out}");
}

#[test]
fn a_program_that_does_not_compile_fails_only_the_checks_that_run_it() {
    let tree = scratch_tree("tree-with-a-broken-program", "solutions");
    let main = tree.join("01-bind/src/main.rs");
    let source = fs::read_to_string(&main).unwrap();
    fs::write(&main, source.replacen("ExitCode::SUCCESS", "ExitCode::SUCCES", 1)).unwrap();
    let (code, out) = stdout_of(xtask().args(["grade", "01", "--tree"]).arg(&tree));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("01-bind  8/10"), "the library checks still pass: {out}");
    assert_eq!(out.matches("got       your program does not compile: 01-bind/src/main.rs:").count(), 2, "{out}");
}

#[test]
fn a_broken_manifest_is_reported_for_its_exercise_only() {
    let tree = scratch_tree("tree-with-a-broken-manifest", "solutions");
    let manifest = tree.join("03-client/Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(&manifest, text.replace("edition = \"2024\"", "edition = 2024")).unwrap();
    let (code, out) = stdout_of(xtask().args(["grade", "01", "03", "--tree"]).arg(&tree));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("01-bind  10/10"), "{out}");
    assert!(out.contains("cargo cannot build 03-client"), "{out}");
}

#[test]
fn an_edit_right_after_a_grade_is_graded_not_the_last_build() {
    let tree = scratch_tree("tree-edited-between-grades", "solutions");
    let grade = || stdout_of(xtask().args(["grade", "-q", "01", "--tree"]).arg(&tree));
    assert_eq!(grade().0, 0);
    assert_eq!(grade().0, 0, "a second grade with nothing changed passes too");
    let lib = tree.join("01-bind/src/lib.rs");
    let source = fs::read_to_string(&lib).unwrap();
    // Same length, so that only the modification time tells the files apart.
    let broken = source.replacen("io::ErrorKind::AddrInUse =>", "io::ErrorKind::WriteZero =>", 1);
    assert_ne!(broken, source);
    fs::write(&lib, broken).unwrap();
    let (code, out) = grade();
    assert_eq!(code, 1, "the edit was not graded: {out}");
    fs::write(&lib, source).unwrap();
    assert_eq!(grade().0, 0, "the edit back was not graded");
}

#[test]
fn the_tree_being_graded_is_not_modified() {
    let tree = scratch_tree("tree-left-untouched", "solutions");
    let before = listing(&tree);
    let (code, out) = stdout_of(xtask().args(["grade", "-q", "01", "--tree"]).arg(&tree));
    assert_eq!(code, 0, "{out}");
    assert_eq!(listing(&tree), before, "grading wrote into the tree");
}

fn listing(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            files.extend(listing(&entry.path()));
        } else {
            files.push((entry.path(), entry.metadata().unwrap().len()));
        }
    }
    files.sort();
    files
}

#[test]
fn two_grades_at_once_give_the_same_verdicts() {
    let run = || {
        std::thread::spawn(|| {
            let output = xtask().args(["grade", "--solutions", "-q"]).output().unwrap();
            (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned())
        })
    };
    let (a, b) = (run(), run());
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    assert_eq!(a, b);
    assert_eq!(a.0, Some(0), "{}", a.1);
}

#[test]
fn verify_proves_every_check_fails_on_the_stub_and_passes_on_the_solution() {
    let (code, out) = stdout_of(xtask().arg("verify"));
    assert_eq!(code, 0, "{out}");
    let rows = out.lines().filter(|l| l.contains("fail ✓") && l.contains("pass ✓")).count();
    assert!(rows >= 5 * exercises().len(), "{out}");
    assert!(!out.contains('✗'), "{out}");
    for exercise in exercises() {
        assert!(out.contains(&format!("✓ {exercise}: stub and solution export the same public API")), "{out}");
    }
}
