//! The command line as students and instructors use it: `cargo xtask grade` on the stubs, on the
//! solutions and on other trees, `verify`, and every way the arguments can be wrong. These tests
//! build and run real check runners over loopback, so they are the end-to-end proof of the kit.

mod corpus_case;
mod kit;
mod leftovers;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;

use kit::{copy_dir, exercises, kit, outcome};

fn xtask() -> Command {
    kit::xtask(Duration::from_secs(600))
}

/// A scratch tree at a stable path (reused by later runs, so its build is too), filled with a copy
/// of `from`.
fn scratch_tree(name: &str, from: &str) -> PathBuf {
    let tree = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&tree);
    copy_dir(&kit().join(from), &tree);
    tree
}

fn stdout_of(command: &mut Command) -> (i32, String) {
    let (code, out, _) = outcome(command);
    (code, out)
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
    // -v: without it, a stub after the first exercise is one line ("not started: N checks").
    let (code, out) = stdout_of(xtask().args(["grade", "-v"]));
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
    let cases: &[(&[&str], &str)] = &[
        (&["grade", "--frobnicate"], "--frobnicate"),
        (&["frobnicate"], "unknown command \"frobnicate\""),
        (&["grade", "--tree"], "--tree"),
        (&["grade", "--jobs", "zero"], "--jobs"),
        (&["grade", "-j"], "-j"),
        (&["grade", "--solutions", "--tree", "."], "--solutions and --tree"),
        (&["grade", "--tree", "/dev/null"], "/dev/null"),
        (&["verify", "--frobnicate"], "--frobnicate"),
        (&["bench", "--runs", "0"], "--runs"),
        (&["stress"], "how many grades"),
        (&["stress", "0"], "at least 1"),
        (&["stress", "2", "99"], "unknown exercise \"99\""),
        (&["stress", "2", "--at-once", "none"], "--at-once"),
        (&["stress", "2", "--tree", "/no/such/folder"], "no such folder"),
    ];
    for (args, names) in cases {
        one_line_error(xtask().args(*args), names);
    }
}

/// Runs `command` and asserts it failed with exit code 2 and one line naming the problem (and the
/// usage pointer), never a panic.
fn one_line_error(command: &mut Command, names: &str) {
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{command:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{command:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 2, "one error line and one usage pointer: {stderr}");
    assert!(stderr.lines().next().unwrap().contains(names), "the error does not name {names:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{command:?}: {stderr}");
    assert!(output.stdout.is_empty(), "{command:?} printed {:?}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn arguments_that_are_not_utf8_are_one_line_errors_with_exit_2() {
    let not_utf8 = OsStr::from_bytes(b"caf\xe9");
    // A tree that exists and holds an exercise, at a path cargo manifests cannot name.
    let tree = Path::new(env!("CARGO_TARGET_TMPDIR")).join(OsStr::from_bytes(b"tree-not-utf8-\xe9"));
    let _ = fs::remove_dir_all(&tree);
    copy_dir(&kit().join("solutions/01-bind"), &tree.join("01-bind"));
    one_line_error(xtask().args(["grade", "--tree"]).arg(&tree), "not valid UTF-8");
    one_line_error(xtask().args(["stress", "1", "--tree"]).arg(&tree), "not valid UTF-8");
    one_line_error(xtask().args(["grade", "--tree"]).arg(tree.with_extension("missing")), "no such folder");
    one_line_error(xtask().arg("grade").arg(not_utf8), "unknown exercise");
    one_line_error(xtask().arg(not_utf8), "unknown command");
    one_line_error(xtask().args(["grade", "--jobs"]).arg(not_utf8), "--jobs");
    one_line_error(xtask().args(["stress"]).arg(not_utf8), "how many grades");
    let _ = fs::remove_dir_all(&tree);
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
    assert!(out.contains("01-bind  9/11"), "the library checks still pass: {out}");
    assert_eq!(out.matches("got       your program does not compile: 01-bind/src/main.rs:").count(), 2, "{out}");
}

#[test]
fn a_broken_or_greedy_manifest_changes_nothing_only_src_is_built() {
    let tree = scratch_tree("tree-with-a-broken-manifest", "solutions");
    let manifest = tree.join("03-client/Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(&manifest, text.replace("edition = \"2024\"", "edition = 2024")).unwrap();
    let manifest = tree.join("01-bind/Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap();
    fs::write(&manifest, format!("{text}\n[dependencies]\nlibc = \"0.2\"\n")).unwrap();
    let (code, out) = stdout_of(xtask().args(["grade", "01", "03", "--tree"]).arg(&tree));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("01-bind  11/11"), "{out}");
    assert!(out.contains("03-client  11/11"), "{out}");
    assert!(
        out.contains(
            "ignored (only the .rs files of src/ are built): Cargo.toml's build script, dependencies or paths"
        ),
        "{out}"
    );
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

/// The tree of a corpus case (`tests/corpus/EXERCISE/NAME.case`), written where the corpus test
/// writes it.
fn corpus_tree(exercise: &str, name: &str) -> PathBuf {
    let case =
        corpus_case::parse(&kit().join("xtask/tests/corpus").join(exercise).join(format!("{name}.case"))).unwrap();
    let tree = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus").join(format!("{exercise}-{name}"));
    case.write_tree(&kit(), &tree).unwrap();
    tree
}

#[test]
fn text_that_imitates_a_pass_changes_nothing_in_the_report() {
    let tree = corpus_tree("01-bind", "hostile-imitates-a-pass");
    let (code, out) = stdout_of(xtask().args(["grade", "-v", "01", "--tree"]).arg(&tree));
    assert_eq!(code, 1, "{out}");
    let totals: Vec<&str> = out.lines().filter(|l| l.starts_with("Total: ")).collect();
    assert_eq!(totals, ["Total: 6/11 checks passed, 6/14 points, 0/1 exercises complete"], "{out}");
    assert!(out.lines().any(|l| l.starts_with("01-bind  6/11")), "{out}");
    // What the code printed is shown, indented and escaped: it cannot start a line or move the cursor.
    assert!(out.contains("        test result: ok. 10 passed"), "{out}");
    assert!(out.contains(r"\r\x1b[2K\x1b[1A\x1b[32m✓ every check passed"), "{out}");
    assert!(!out.contains('\r') && !out.contains('\x1b'), "raw control characters: {out:?}");
    assert!(out.lines().all(|l| !l.starts_with("test result") && !l.starts_with('{') && !l.starts_with('✓')), "{out}");
}

#[test]
fn a_flood_of_output_is_cut_in_the_report_and_the_grade_passes() {
    let tree = corpus_tree("02-accept-loop", "hostile-floods-output");
    let output = xtask().args(["grade", "-v", "02", "--tree"]).arg(&tree).output().unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{out}");
    assert!(out.contains("more bytes not kept)"), "the report says how much was left out: {out}");
    // Megabytes printed by every check; a few kilobytes shown for each.
    assert!(output.stdout.len() < 256 * 1024, "{} bytes of report", output.stdout.len());
}

#[test]
fn processes_that_escape_the_check_are_gone_after_a_grade_from_the_command_line() {
    let tree = corpus_tree("02-accept-loop", "hostile-escapes-the-group");
    let (code, out) = stdout_of(xtask().args(["grade", "--format", "json", "02", "--tree"]).arg(&tree));
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let printed: Vec<&str> = report["exercises"][0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|check| [&check["stdout"]["text"], &check["stderr"]["text"]])
        .filter_map(|text| text.as_str())
        .collect();
    let reported = leftovers::reported_in(printed.into_iter());
    let left = leftovers::after_grade(&grader::tree::Kit::at(kit()), &tree, &reported, 2);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn an_exit_with_code_0_is_a_failure_from_the_command_line_too() {
    let tree = corpus_tree("03-client", "hostile-exits-in-send-all");
    let (code, out) = stdout_of(xtask().args(["grade", "03", "--tree"]).arg(&tree));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("your code ended the whole process (exit code 0)"), "{out}");
    assert!(out.contains("03-client  5/11"), "{out}");
}

#[test]
fn stress_reports_no_differing_verdict_on_the_solutions() {
    let (code, out) = stdout_of(xtask().args(["stress", "2"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("stress: 2 grades of solutions, 2 at once"), "{out}");
    assert!(out.contains("stress: 0 differing verdicts"), "{out}");
}

#[test]
fn stress_names_a_check_whose_verdict_differed_with_counts() {
    // Code that is wrong exactly once: the first call of classify, in whichever check and grade
    // comes first, creates a flag and returns a wrong variant; every later call is right.
    let tree = scratch_tree("tree-wrong-once", "solutions");
    let lib = tree.join("01-bind/src/lib.rs");
    let source = fs::read_to_string(&lib).unwrap();
    // The flag is a folder any user can make (as root, each check runs as a user of its own).
    let flag = std::env::temp_dir().join(format!("sockets-course-wrong-once-{}", std::process::id()));
    let _ = fs::remove_dir(&flag);
    let flaky = source.replacen(
        "    match error.kind() {",
        &format!(
            "    if std::fs::create_dir({flag:?}).is_ok() {{\n\
             \x20       return BindError::InvalidAddress(\"wrong once\".into());\n    }}\n    match error.kind() {{"
        ),
        1,
    );
    assert_ne!(flaky, source);
    fs::write(&lib, flaky).unwrap();
    let (code, out) = stdout_of(xtask().args(["stress", "3", "01", "--tree"]).arg(&tree));
    assert_eq!(code, 1, "{out}");
    let differing: Vec<&str> = out.lines().filter(|l| l.starts_with("  01-bind/")).collect();
    assert_eq!(differing.len(), 1, "exactly one check was wrong once: {out}");
    assert!(differing[0].ends_with(": fail 1, pass 2"), "{out}");
    assert!(out.contains("      first fail: the grader "), "the failure is shown: {out}");
    assert!(out.contains("stress: 1 of 11 checks got differing verdicts"), "{out}");
    let _ = fs::remove_dir(&flag);
}
