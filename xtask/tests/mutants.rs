//! `cargo xtask mutants` without cargo-mutants: the kit's tests cannot assume it is installed. A
//! PATH without it gets the one-line install instruction; a stand-in `cargo-mutants` (a script
//! that prints a list of mutants written here, in cargo-mutants' `--list --json --diff` format)
//! drives the whole command: diffs applied to a scratch copy, built, graded, and each verdict
//! reported (caught by which check, missed, does not build).

mod kit;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;

use kit::kit;

fn xtask() -> Command {
    kit::xtask(Duration::from_secs(600))
}

#[test]
fn without_cargo_mutants_it_says_how_to_install_it_in_one_line_and_exits_2() {
    let empty = tempfile::tempdir().unwrap();
    // cargo finds subcommands on PATH and in $CARGO_HOME/bin: neither has it here.
    let output = xtask()
        .args(["mutants", "01"])
        .env("PATH", empty.path())
        .env("CARGO_HOME", empty.path())
        .env("HOME", empty.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cargo install --locked cargo-mutants"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_arguments_are_one_line_errors_with_exit_2() {
    for args in [&["mutants", "--format", "junit"][..], &["mutants", "99-nope"], &["mutants", "--at-once", "0"]] {
        let output = xtask().args(args).env("PATH", fake_tool(&[]).path()).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
}

/// A mutant as cargo-mutants lists it, changing line `line` (1-based) of a solution file to `new`.
fn mutant(file: &str, line: usize, new: &str, what: &str) -> serde_json::Value {
    let text = fs::read_to_string(kit().join(file)).unwrap();
    let old = text.lines().nth(line - 1).unwrap();
    let diff = format!("--- {file}\n+++ {what}\n@@ -{line},1 +{line},1 @@\n-{old}\n+{new}\n");
    serde_json::json!({ "name": format!("{file}:{line}:1: {what}"), "file": file, "diff": diff, "genre": "Test" })
}

/// The 1-based number of the line of `file` that contains `needle`.
fn line_of(file: &str, needle: &str) -> usize {
    let text = fs::read_to_string(kit().join(file)).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle:?} not in {file}")) + 1
}

/// A folder holding a stand-in `cargo-mutants` that lists `mutants` for 01-bind (and none for the
/// other exercises), as `cargo mutants --list --json --diff --dir solutions/NN-name` would.
fn fake_tool(mutants: &[serde_json::Value]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.json");
    fs::write(&list, serde_json::to_string(mutants).unwrap()).unwrap();
    let script = dir.path().join("cargo-mutants");
    fs::write(
        &script,
        format!(
            "#!/bin/sh\ncase \"$*\" in\n  *--version*) echo 'cargo-mutants 0.0.0-stand-in' ;;\n  \
             *solutions/01-bind*) cat '{}' ;;\n  *) echo '[]' ;;\nesac\n",
            list.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap()
}

#[test]
fn each_mutant_is_applied_built_graded_and_reported() {
    let lib = "solutions/01-bind/src/lib.rs";
    let main = "solutions/01-bind/src/main.rs";
    let mutants = [
        mutant(
            lib,
            line_of(lib, "io::ErrorKind::AddrInUse => BindError::AddrInUse(addr),"),
            "        // deleted",
            "delete match arm io::ErrorKind::AddrInUse in classify",
        ),
        mutant(lib, line_of(lib, "socket() + bind() + listen()"), "    // a comment changed", "change a comment"),
        mutant(lib, line_of(lib, "text.parse().map_err("), "    text.parse().map_err(|_| 42)", "break parse_address"),
        mutant(
            main,
            line_of(main, "println!(\"Socket created"),
            "            println!(\"{}\", no_such_name);",
            "break the program",
        ),
    ];
    let tool = fake_tool(&mutants);
    let output =
        xtask().args(["mutants", "01", "--format", "json"]).env("PATH", path_with(tool.path())).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "a missed mutant fails the run: {stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["cargo_mutants"], "cargo-mutants 0.0.0-stand-in");
    assert_eq!(report["exercises"].as_array().unwrap().len(), 1, "{report:#}");
    let found = &report["exercises"][0]["mutants"];
    let verdict = |n: usize| found[n]["verdict"].as_str().unwrap_or_default().to_owned();
    assert_eq!(verdict(0), "caught", "{report:#}");
    let by: Vec<&str> = found[0]["caught_by"].as_array().unwrap().iter().filter_map(|c| c.as_str()).collect();
    assert!(by.contains(&"address-in-use"), "{by:?}");
    assert_eq!(verdict(1), "missed", "{report:#}");
    assert_eq!(verdict(2), "unbuildable", "{report:#}");
    assert!(found[2]["reason"].as_str().unwrap().contains("01-bind/src/lib.rs"), "{report:#}");
    assert_eq!(verdict(3), "unbuildable", "{report:#}");
    assert_eq!(report["caught"], 1);
    assert_eq!(report["missed"], 1);
    assert_eq!(report["unbuildable"], 2);
    assert_eq!(report["score"], 0.5);

    // The solutions themselves were never touched, and the scratch copies are back to them (those
    // no other run holds: a slot is locked while in use).
    let slots = kit().join("target/sockets-course/mutants");
    for n in 1.. {
        let Ok(lock) = fs::File::options().write(true).open(slots.join(format!("slot-{n}.lock"))) else { break };
        let copy = slots.join(format!("slot-{n}/01-bind/src/lib.rs"));
        if lock.try_lock().is_ok() && copy.is_file() {
            assert_eq!(fs::read_to_string(&copy).unwrap(), fs::read_to_string(kit().join(lib)).unwrap());
        }
    }
    assert!(!fs::read_to_string(kit().join(lib)).unwrap().contains("a comment changed"));
}

#[test]
fn a_diff_that_does_not_fit_the_solution_is_a_one_line_error() {
    let lib = "solutions/01-bind/src/lib.rs";
    let mut wrong = mutant(lib, 1, "// changed", "change line 1");
    wrong["diff"] = serde_json::json!(format!("--- {lib}\n+++ x\n@@ -1,1 +1,1 @@\n-not the first line\n+// changed\n"));
    let tool = fake_tool(&[wrong]);
    let output = xtask().args(["mutants", "01"]).env("PATH", path_with(tool.path())).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: cannot apply the diff of"), "{stderr}");
}
