//! Grading as root: student code runs as an unprivileged user of its own who cannot read the kit
//! or the class, cannot touch another submission or the grading process, and leaves nothing
//! running. CI runs the kit's tests as root; as an ordinary user these tests say so and pass
//! without asserting anything of root's isolation (there is none to assert).

mod corpus_case;
mod kit;
mod leftovers;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;

use corpus_case::hostile_bind;
use kit::kit;
use leftovers::sandbox_processes;

fn is_root() -> bool {
    grader::sandbox::is_root()
}

/// One test at a time: each asserts that no process of the grader's unprivileged users is left,
/// which another test's grade running beside it would make false.
fn alone() -> std::sync::MutexGuard<'static, ()> {
    static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ALONE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// [`alone`], for a test of root's isolation; `None` (and a message) when not root.
fn as_root() -> Option<std::sync::MutexGuard<'static, ()>> {
    if !is_root() {
        eprintln!("not root: the isolation of grading as root is not tested here");
        return None;
    }
    Some(alone())
}

fn xtask() -> Command {
    kit::xtask(Duration::from_secs(900))
}

/// The files of `dir` with their bytes, to see that nothing changed.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in fs::read_dir(&at).unwrap().filter_map(Result::ok) {
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                files.insert(entry.path(), fs::read(entry.path()).unwrap());
            }
        }
    }
    files
}

#[test]
fn as_root_student_code_cannot_read_the_kit_and_nothing_of_it_reaches_the_report() {
    let Some(_alone) = as_root() else { return };
    let dir = tempfile::tempdir().unwrap();
    let kit = kit();
    let reader = format!(
        r#"for path in ["{kit}/solutions/01-bind/src/lib.rs", "{kit}/grader/checks/01-bind/src/private.rs", "{kit}/Cargo.toml"] {{
            match std::fs::read_to_string(path) {{
                Ok(text) => println!("LEAKED {{path}}: {{text}}"),
                Err(error) => println!("cannot read {{path}}: {{error}}"),
            }}
        }}"#,
        kit = kit.display()
    );
    hostile_bind(&kit, dir.path(), &reader);
    let output = xtask().args(["grade", "01", "--format", "json", "--tree"]).arg(dir.path()).output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert!(!report.contains("LEAKED"), "student code read the kit: {report}");
    for secret in ["solutions/01-bind/src/lib.rs", "grader/checks/01-bind/src/private.rs"] {
        let first_line = fs::read_to_string(kit.join(secret)).unwrap().lines().next().unwrap().to_owned();
        assert!(!report.contains(&first_line), "{secret} reached the report");
    }
    assert!(report.contains("cannot read"), "the hostile code did not run: {report}");
    assert!(report.contains("Permission denied"), "{report}");
    assert!(report.contains("as root: student code ran as an unprivileged user"), "{report}");
    assert!(sandbox_processes().is_empty(), "{:?}", sandbox_processes());
}

#[test]
fn as_root_a_batch_with_a_killer_a_tamperer_and_a_daemon_grades_everyone_and_leaves_nothing() {
    let Some(_alone) = as_root() else { return };
    let top = tempfile::tempdir().unwrap();
    let class = top.path().join("class");
    let out = top.path().join("grades");
    // An honest student, and three who attack the batch, each from an otherwise correct solution.
    hostile_bind(&kit(), &class.join("alice"), "");
    hostile_bind(
        &kit(),
        &class.join("killer"),
        r#"for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let cmd = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if cmd.windows(13).any(|w| w == b"--submissions") || cmd.windows(5).any(|w| w == b"xtask") {
                let pid = entry.file_name().to_string_lossy().into_owned();
                let _ = std::process::Command::new("kill").args(["-9", &pid]).status();
            }
        }"#,
    );
    let victim = class.join("alice/01-bind/src/lib.rs");
    let forged = out.join("reports/tamperer.json");
    hostile_bind(
        &kit(),
        &class.join("tamperer"),
        &format!(
            r#"let _ = std::fs::write("{victim}", "compile_error!(\"tampered\");");
            let _ = std::fs::write("{forged}", "{{}}");
            let _ = std::fs::remove_dir_all("{class}");"#,
            victim = victim.display(),
            forged = forged.display(),
            class = class.join("alice").display()
        ),
    );
    hostile_bind(
        &kit(),
        &class.join("daemon"),
        r#"let _ = std::process::Command::new("setsid").args(["--fork", "sleep", "600"]).env_clear().spawn();"#,
    );
    let before = snapshot(&class);
    let started = Instant::now();
    let output =
        xtask().args(["grade", "--submissions"]).arg(&class).arg("--output").arg(&out).arg("01").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "every submission is graded: {stdout}\n{stderr}");
    assert!(started.elapsed() < Duration::from_secs(600));
    assert_eq!(snapshot(&class), before, "the class folder changed");
    let mut table = csv::Reader::from_path(out.join("grades.csv")).unwrap();
    let rows: BTreeMap<String, (String, String)> = table
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[0].to_owned(), (r.get(2).unwrap().to_owned(), r.get(4).unwrap().to_owned())))
        .collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    for (student, (total, status)) in &rows {
        assert_eq!(status, "graded", "{student}: {rows:?}");
        // Each hostile part runs in parse_address and fails nothing: full marks, as the solution.
        assert_eq!(total, "14", "{student}: {rows:?}");
    }
    let report = fs::read_to_string(out.join("reports/tamperer.json")).unwrap();
    assert!(report.contains("\"schema\""), "the tamperer's report was replaced: {report}");
    assert!(sandbox_processes().is_empty(), "left running: {:?}", sandbox_processes());
    let left = leftovers::after_grade(&grader::tree::Kit::at(kit()), &class.join("daemon"), &BTreeMap::new(), 0);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_build_that_never_ends_is_stopped_at_the_grade_time_limit() {
    let _alone = alone();
    let dir = tempfile::tempdir().unwrap();
    hostile_bind(&kit(), dir.path(), "");
    corpus_case::hang_the_compiler(&dir.path().join("01-bind/src/lib.rs"));
    let started = Instant::now();
    let output = xtask()
        .args(["grade", "01", "--time-limit", "20", "--format", "json", "--tree"])
        .arg(dir.path())
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let report = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{report}");
    assert!(report.contains("did not finish within the grade's time limit"), "{report}");
    // 20 s of build, then the report: well within twice the limit.
    assert!(elapsed < Duration::from_secs(40), "{elapsed:?}");
    let left = leftovers::after_grade(&grader::tree::Kit::at(kit()), dir.path(), &BTreeMap::new(), 0);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn as_root_a_thread_bomb_stops_at_the_process_limit_and_the_grade_goes_on() {
    let Some(_alone) = as_root() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Once per process: as many threads as it can start, each sleeping far beyond the check.
    hostile_bind(
        &kit(),
        dir.path(),
        r#"static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            let mut started = 0;
            while started < 5000
                && std::thread::Builder::new().spawn(|| std::thread::sleep(std::time::Duration::from_secs(60))).is_ok()
            {
                started += 1;
            }
            println!("hostile threads started: {started}");
        });"#,
    );
    let output = xtask().args(["grade", "01", "--format", "json", "--tree"]).arg(dir.path()).output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(matches!(output.status.code(), Some(0 | 1)), "the grade ran to its end: {report}");
    let counts: Vec<u64> = report
        .match_indices("hostile threads started: ")
        .filter_map(|(at, found)| report[at + found.len()..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .collect();
    assert!(!counts.is_empty(), "the bomb did not run: {report}");
    let limit = grader::sandbox::MAX_PROCESSES;
    assert!(counts.iter().all(|&n| n < limit), "threads beyond the limit of {limit}: {counts:?}");
    // A call that finds no room fails the check it is in, as the student's doing, not the grader's.
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    let checks = json["exercises"][0]["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["status"] != "error"), "{report}");
    assert!(sandbox_processes().is_empty(), "{:?}", sandbox_processes());
}

#[test]
fn as_an_ordinary_user_the_grade_works_says_so_and_the_batch_recommends_root() {
    // Run as root, CI covers the ordinary user's path through the variable that makes the grader
    // confine student code as it would for one.
    let _alone = alone();
    let ordinary = grader::sandbox::AS_ORDINARY_USER_VAR;
    let output =
        xtask().args(["grade", "--solutions", "01", "02", "--format", "json"]).env(ordinary, "1").output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{report}");
    assert!(report.contains("as an ordinary user: student code ran as you"), "{report}");
    assert!(sandbox_processes().is_empty(), "no unprivileged user was used: {:?}", sandbox_processes());

    let top = tempfile::tempdir().unwrap();
    hostile_bind(&kit(), &top.path().join("class/alice"), "");
    let output = xtask()
        .args(["grade", "--submissions"])
        .arg(top.path().join("class"))
        .args(["--output"])
        .arg(top.path().join("grades"))
        .arg("01")
        .env(ordinary, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let notes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("note: as an ordinary user")).collect();
    assert_eq!(notes.len(), 1, "one line recommends grading as root: {stderr}");
    assert!(notes[0].contains("grade as root (sudo, or in a container)"), "{stderr}");
}
