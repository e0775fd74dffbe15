//! The Gradescope autograder (`cargo xtask autograder gradescope OUT.zip`), made as an instructor
//! makes it and used as Gradescope uses it: the zip is unpacked into a fake `/autograder` layout
//! in a scratch folder, its `setup.sh` builds the image's grader (without the system packages and
//! the Rust install, which need the network), and its `run_autograder` grades a solution, the
//! stubs, a hostile submission, an empty upload and a build that never ends. Nothing of the
//! solutions nor of the private checks' sources is in the zip, yet every private check runs.
//!
//! Gradescope grades as root, and so do these tests: as an ordinary user they say so and pass
//! without grading (the isolation they rely on exists only as root). CI runs them as root.

mod corpus_case;
mod instructor_only;
mod kit;
mod leftovers;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

use corpus_case::hostile_bind;
use instructor_only::{assert_none_in, instructor_markers, text_files};
use kit::{copy_dir, kit, outcome};
use leftovers::sandbox_processes;

fn xtask() -> Command {
    let mut command = Command::cargo_bin("xtask").unwrap();
    command.env("NO_COLOR", "1").env_remove("SOCKETS_COURSE_KIT").timeout(Duration::from_secs(1800));
    command
}

/// A fake `/autograder`: `source/` holds the unpacked zip.
struct Autograder {
    root: PathBuf,
}

impl Autograder {
    fn source(&self) -> PathBuf {
        self.root.join("source")
    }

    /// Runs `setup.sh` as Gradescope would, but for the installs: exit code and output.
    fn setup(&self) -> (i32, String) {
        let output = std::process::Command::new("bash")
            .arg(self.source().join("setup.sh"))
            .env("AUTOGRADER", &self.root)
            .env("SOCKETS_COURSE_SKIP_INSTALL", "1")
            .env_remove("SOCKETS_COURSE_KIT")
            .env_remove("CARGO_TARGET_DIR")
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
        (output.status.code().unwrap_or(-1), log)
    }

    /// Uploads what `fill` writes, runs `run_autograder`, and returns results.json.
    fn grade(&self, time_limit: u64, fill: impl FnOnce(&Path)) -> Value {
        let submission = self.root.join("submission");
        let _ = fs::remove_dir_all(&submission);
        let _ = fs::remove_dir_all(self.root.join("results"));
        fs::create_dir_all(&submission).unwrap();
        fill(&submission);
        let output = Command::new("bash")
            .arg(self.source().join("run_autograder"))
            .env("AUTOGRADER", &self.root)
            .env("TIME_LIMIT", time_limit.to_string())
            .env_remove("SOCKETS_COURSE_KIT")
            .env_remove("CARGO_TARGET_DIR")
            .timeout(Duration::from_secs(time_limit + 120))
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "run_autograder failed: {log}");
        let results = self.root.join("results/results.json");
        let text = fs::read_to_string(&results).unwrap_or_else(|e| panic!("{e}: {log}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("results.json is not JSON ({e}): {text}"))
    }
}

fn tests_of(results: &Value) -> &Vec<Value> {
    results["tests"].as_array().unwrap_or_else(|| panic!("no tests: {results}"))
}

#[test]
fn the_command_names_its_mistakes_in_one_line() {
    for (args, message) in [
        (&["autograder"][..], "needs a platform and a file"),
        (&["autograder", "moodle", "x.zip"], "the platforms are gradescope"),
        (&["autograder", "gradescope"], "needs the zip file to write"),
    ] {
        let (code, out, err) = outcome(xtask().args(args));
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.starts_with("error: ") && err.contains(message), "{args:?}: {err}");
    }
}

#[test]
fn the_gradescope_autograder_holds_no_solution_nor_private_source_and_grades_everything() {
    if !grader::sandbox::is_root() {
        eprintln!("not root: Gradescope grades as root, and the autograder is tested as root only (CI runs as root)");
        return;
    }
    let kit = kit();
    // What there is to earn, private checks included.
    let (_, json, err) = outcome(xtask().args(["grade", "--solutions", "--format", "json"]));
    let reference: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {err}"));
    let max = reference["max_points"].as_u64().unwrap();
    let checks = reference["total"].as_u64().unwrap();
    let private: BTreeSet<String> = reference["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["checks"].as_array().unwrap())
        .filter(|c| c["private"] == true)
        .map(|c| c["title"].as_str().unwrap().to_owned())
        .collect();
    assert!(!private.is_empty());

    // The instructor makes the zip; it says what to type into Gradescope.
    let scratch = tempfile::Builder::new().prefix("autograder-").tempdir().unwrap();
    fs::set_permissions(scratch.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let zip = scratch.path().join("autograder.zip");
    let (code, out, err) = outcome(xtask().args(["autograder", "gradescope"]).arg(&zip));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("Total points: {max} (")), "{out}");
    assert!(out.contains(&format!("set the assignment's total to {max} in Gradescope")), "{out}");

    // Gradescope unpacks it into /autograder/source (here with Python's unzipper, which keeps no
    // permission bits: setup.sh must not rely on them).
    let autograder = Autograder { root: scratch.path().join("autograder") };
    fs::create_dir_all(autograder.source()).unwrap();
    let unzip = std::process::Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(&zip)
        .arg(autograder.source())
        .output()
        .unwrap();
    assert!(unzip.status.success(), "{}", String::from_utf8_lossy(&unzip.stderr));
    let source = autograder.source();
    for file in ["setup.sh", "run_autograder", "rust-toolchain.toml", "Cargo.lock", "grader/judges/judges.json"] {
        assert!(source.join(file).is_file(), "{file} is missing from the zip");
    }
    assert_eq!(
        fs::read_to_string(source.join("rust-toolchain.toml")).unwrap(),
        fs::read_to_string(kit.join("rust-toolchain.toml")).unwrap(),
        "the image builds with the kit's own toolchain"
    );

    // Nothing of the solutions nor of the private checks' sources is in it.
    assert!(!source.join("solutions").exists());
    let (solution_lines, private_ids) = instructor_markers(&kit);
    let mut files = Vec::new();
    text_files(&source, &mut files);
    assert!(files.len() > 50, "{} text files", files.len());
    assert_none_in(&files, &solution_lines, &private_ids);
    let judges: Vec<String> = fs::read_dir(source.join("grader/judges"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.starts_with("judge-"))
        .collect();
    assert_eq!(judges.len(), reference["exercises"].as_array().unwrap().len(), "{judges:?}");

    // The image is built.
    let (code, log) = autograder.setup();
    assert_eq!(code, 0, "setup.sh failed: {log}");
    assert!(log.contains("the autograder is ready"), "{log}");
    let mode = fs::metadata(&source).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the kit is root's alone: {mode:o}");

    // A copy of the kit without git (as this one is) lists untouched exercises as not started.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let (code, out, err) = outcome(
        Command::new(cargo)
            .args(["xtask", "list"])
            .current_dir(&source)
            .env("NO_COLOR", "1")
            .env_remove("SOCKETS_COURSE_KIT")
            .env_remove("CARGO_TARGET_DIR")
            .timeout(Duration::from_secs(900)),
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("in progress") && out.contains("not started"), "{out}");

    // A solution, handed in as a whole copy of the kit two folders down: every point, the private
    // checks' results shown once grades are published.
    let results = autograder.grade(300, |upload| {
        let copy = upload.join("alice").join("sockets-course-main");
        copy_dir(&kit.join("solutions"), &copy.join("exercises"));
        fs::write(copy.join("README.md"), "my copy of the kit").unwrap();
    });
    assert_eq!(results["score"].as_u64(), Some(max), "{results}");
    assert_eq!(tests_of(&results).len() as u64, checks);
    for test in tests_of(&results) {
        let is_private = private.iter().any(|title| test["name"].as_str().unwrap().ends_with(title.as_str()));
        assert_eq!(test["visibility"], if is_private { "after_published" } else { "visible" }, "{test}");
    }

    // The stubs: every check, private ones included, runs and fails.
    let results = autograder.grade(300, |upload| copy_dir(&kit.join("exercises"), upload));
    assert_eq!(results["score"].as_u64(), Some(0), "{results}");
    assert_eq!(tests_of(&results).len() as u64, checks);
    assert!(tests_of(&results).iter().all(|t| t["status"] == "failed"), "{results}");

    // A hostile submission reads what it can of the autograder, tries to write its own score, and
    // panics with what it found, so that a failed check shows it.
    let source_text = source.display().to_string();
    let reader = format!(
        r#"let mut seen = String::new();
        for path in ["{source_text}/grader/judges/judge-01-bind", "{source_text}/grader/checks/01-bind/src/private.rs", "{source_text}/Cargo.toml", "{source_text}/setup.sh"] {{
            match std::fs::read(path) {{
                Ok(bytes) => seen.push_str(&format!("LEAKED {{path}}: {{}} bytes; ", bytes.len())),
                Err(error) => seen.push_str(&format!("cannot read {{path}}: {{error}}; ")),
            }}
        }}
        if std::fs::write("{results}", "{{\"score\": 1000}}").is_ok() {{ seen.push_str("LEAKED a score written"); }}
        panic!("HOSTILE {{seen}}");"#,
        results = autograder.root.join("results/results.json").display()
    );
    let results = autograder.grade(300, |upload| hostile_bind(&kit, upload, &reader));
    let text = results.to_string();
    assert!(text.contains("HOSTILE cannot read"), "the hostile code did not run: {text}");
    assert!(!text.contains("LEAKED"), "student code reached the autograder: {text}");
    assert!(text.contains("Permission denied"), "{text}");
    let bind_points = reference["exercises"][0]["max_points"].as_u64().unwrap();
    assert!(results["score"].as_u64().unwrap() < bind_points, "the score is the grader's: {results}");
    // The exercises it did not hand in are missing, and say so (not a compiler error to fix).
    let missing = tests_of(&results).iter().find(|t| t["name"].as_str().unwrap().starts_with("02-")).unwrap();
    let explained = missing["output"].as_str().unwrap();
    assert!(explained.contains("missing: no folder 02-accept-loop/"), "{explained}");
    assert!(explained.contains("hand in the exercise's folder") && !explained.contains("compiler"), "{explained}");
    assert!(sandbox_processes().is_empty(), "left running: {:?}", sandbox_processes());

    // An upload without exercises: a score of 0, and what to upload.
    let results = autograder.grade(300, |upload| fs::write(upload.join("README.md"), "hi").unwrap());
    assert_eq!(results["score"].as_u64(), Some(0), "{results}");
    assert!(results["output"].as_str().unwrap().starts_with("No exercise found. Upload"), "{results}");
    assert!(tests_of(&results).is_empty());

    // Two copies of the exercises at the same depth: which one to grade is not guessed.
    let results = autograder.grade(300, |upload| {
        copy_dir(&kit.join("solutions/01-bind"), &upload.join("v1/01-bind"));
        copy_dir(&kit.join("exercises/01-bind"), &upload.join("v2/exercises/01-bind"));
    });
    assert_eq!(results["score"].as_u64(), Some(0), "{results}");
    let output = results["output"].as_str().unwrap();
    assert!(output.contains("more than one copy") && output.contains("v1") && output.contains("v2"), "{output}");

    // A build that never ends: the time limit stops it, and the student still gets a result.
    let started = std::time::Instant::now();
    let results = autograder.grade(20, |upload| {
        hostile_bind(&kit, upload, "");
        corpus_case::hang_the_compiler(&upload.join("01-bind/src/lib.rs"));
    });
    assert!(started.elapsed() < Duration::from_secs(80), "{:?}", started.elapsed());
    assert_eq!(results["score"].as_u64(), Some(0), "{results}");
    assert!(results["output"].as_str().unwrap().contains("did not finish within the grade's time limit"), "{results}");

    // setup.sh fails loudly: a compiled check that cannot run here stops the image build.
    fs::write(source.join("grader/judges/judge-01-bind"), "not a program").unwrap();
    let (code, log) = autograder.setup();
    assert_ne!(code, 0, "{log}");
    assert!(log.contains("setup.sh: failed") && log.contains("--list"), "the failing step is named: {log}");
}
