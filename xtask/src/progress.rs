//! What is known of a student's progress: each exercise's state (not started, in progress, done)
//! and score, without rebuilding the grader when nothing changed.
//!
//! Every grade of `exercises/` leaves its result in `target/sockets-course/results/NN-name.json`,
//! under a key that hashes everything the verdict depends on: the exercise's files, its check
//! crate, the harness and the lock file. Any change to any of them changes the key, and the old
//! result is ignored, so a cached result is exactly what a new grade would say (timing aside).
//! An exercise whose files are still the committed stub is "not started" without any grade.

use std::fs;
use std::path::{Path, PathBuf};

use grader::grade::{self, Options, Progress};
use grader::report::{ExerciseReport, Report, Status};
use grader::tree::{BuildError, Kit, fnv1a};
use serde::{Deserialize, Serialize};

use crate::{files, stub};

/// Where an exercise stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// The files are the stub, or every check fails because nothing is written yet.
    NotStarted,
    /// Some work, not every check passing.
    InProgress,
    /// Every check passes.
    Done,
}

impl State {
    /// How the state reads in a list.
    pub fn label(self) -> &'static str {
        match self {
            State::NotStarted => "not started",
            State::InProgress => "in progress",
            State::Done => "done",
        }
    }
}

/// One exercise's standing.
#[derive(Clone, Debug)]
pub struct Standing {
    /// `01-bind`.
    pub name: String,
    /// Its state; `None` when unknown without a grade (changed files, no result for them yet).
    pub state: Option<State>,
    /// Checks passing, when known.
    pub passed: Option<usize>,
    /// How many checks the exercise has (from a result, or counted in its check crate).
    pub total: usize,
    /// The result the state comes from, if any.
    pub report: Option<ExerciseReport>,
}

/// The state a grade's result shows: done when every check passes, not started when every check
/// fails only because the code is not written yet (`todo!()`), in progress otherwise.
pub fn state_of(report: &ExerciseReport) -> State {
    if report.complete() {
        return State::Done;
    }
    // A check that met a `todo!()` (whose panic message is "not yet implemented"), in the library
    // or in the program, whatever words the check's own verdict puts around it: without git to
    // compare with the stub (a downloaded zip), this is how an untouched exercise is told.
    let untouched = |check: &grader::report::CheckReport| {
        check.status != Status::Pass
            && check.fail.as_ref().is_some_and(|fail| {
                fail.got.contains("it is not written yet")
                    || fail.got.contains("not yet implemented")
                    || fail.hint.as_deref().is_some_and(|h| h.contains("still a stub"))
            })
    };
    if report.broken.is_none() && !report.checks.is_empty() && report.checks.iter().all(untouched) {
        State::NotStarted
    } else {
        State::InProgress
    }
}

/// The key of an exercise's result: a hash of everything its verdict depends on.
pub fn key(kit: &Kit, exercise: &str) -> String {
    let mut bytes = Vec::new();
    let dirs = [
        kit.root.join("exercises").join(exercise),
        kit.checks_dir().join(exercise),
        kit.root.join("grader").join("harness"),
    ];
    for dir in &dirs {
        bytes.extend_from_slice(dir.as_os_str().as_encoded_bytes());
        bytes.push(0);
        for file in files::list(dir).unwrap_or_default() {
            bytes.extend_from_slice(file.as_os_str().as_encoded_bytes());
            bytes.push(0);
            let content = fs::read(dir.join(&file)).unwrap_or_default();
            bytes.extend_from_slice(&(content.len() as u64).to_le_bytes());
            bytes.extend_from_slice(&content);
        }
    }
    bytes.extend_from_slice(&fs::read(kit.root.join("Cargo.lock")).unwrap_or_default());
    format!("{:016x}", fnv1a(&bytes))
}

/// A result as cached.
#[derive(Serialize, Deserialize)]
struct Cached {
    key: String,
    report: ExerciseReport,
}

fn cache_file(kit: &Kit, exercise: &str) -> PathBuf {
    kit.work_dir().join("results").join(format!("{exercise}.json"))
}

/// The cached result of `exercise`, if it was made under `key`.
pub fn cached(kit: &Kit, exercise: &str, key: &str) -> Option<ExerciseReport> {
    let json = grader::files::read_untrusted(&cache_file(kit, exercise), 4 << 20).ok()?;
    let cached: Cached = serde_json::from_slice(&json).ok()?;
    (cached.key == key).then_some(cached.report)
}

/// Caches `report` under `key`. Failing to write the cache only costs a later grade.
pub fn remember(kit: &Kit, key: &str, report: &ExerciseReport) {
    let path = cache_file(kit, &report.name);
    let Ok(json) = serde_json::to_vec(&Cached { key: key.to_owned(), report: report.clone() }) else { return };
    let _ = fs::create_dir_all(path.parent().expect("in a folder"));
    // Written aside and renamed, so that a `list` running at the same time never reads half a file.
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    if fs::write(&temporary, json).is_ok() {
        let _ = fs::rename(temporary, path);
    }
}

/// Grades `exercises` of the student's tree (`exercises/`) and caches each result whose files did
/// not change while it was graded.
pub fn grade_and_remember(
    kit: &Kit,
    exercises: &[String],
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, BuildError> {
    let before: Vec<String> = exercises.iter().map(|e| key(kit, e)).collect();
    let report = grade::grade(kit, &kit.root.join("exercises"), exercises, options, progress)?;
    for exercise in &report.exercises {
        let Some(i) = exercises.iter().position(|e| *e == exercise.name) else { continue };
        if key(kit, &exercise.name) == before[i] {
            remember(kit, &before[i], exercise);
        }
    }
    Ok(report)
}

/// How each exercise stands, from what is known without grading: cached results, and whether the
/// files are still the stub.
pub fn standings(kit: &Kit, exercises: &[String]) -> Vec<Standing> {
    exercises.iter().map(|exercise| standing(kit, exercise)).collect()
}

fn standing(kit: &Kit, exercise: &str) -> Standing {
    let report = cached(kit, exercise, &key(kit, exercise));
    let total = report.as_ref().map_or_else(|| declared_checks(kit, exercise), |r| r.checks.len());
    let pristine = is_stub(kit, exercise) == Some(true);
    let state = if pristine { Some(State::NotStarted) } else { report.as_ref().map(state_of) };
    let passed = if pristine { Some(report.as_ref().map_or(0, ExerciseReport::passed)) } else { None };
    let passed = passed.or_else(|| report.as_ref().map(ExerciseReport::passed));
    Standing { name: exercise.to_owned(), state, passed, total, report }
}

/// Whether the student's `exercise` is still its stub: every file as committed, the guide
/// (`README.md`, the kit's text, not the student's work) aside. `None` when the stub is unknown (a
/// copy of the kit without git).
pub fn is_stub(kit: &Kit, exercise: &str) -> Option<bool> {
    let stub = stub::find(kit, exercise).ok()?;
    let differences = stub.differences(&kit.root.join("exercises").join(exercise)).ok()?;
    let guide = Path::new("README.md");
    Some(differences.restore.iter().chain(&differences.remove).all(|path| path == guide))
}

/// The exercises of `report` (a grade of the student's `exercises/`) that are not started: still
/// their stub, or, without git to say what the stub is, failing every check for want of code.
pub fn stubs_in(kit: &Kit, report: &Report) -> Vec<String> {
    report
        .exercises
        .iter()
        // A stub builds and passes no check: only those few are compared with git.
        .filter(|exercise| exercise.broken.is_none() && exercise.passed() == 0 && !exercise.checks.is_empty())
        .filter(|exercise| is_stub(kit, &exercise.name).unwrap_or_else(|| state_of(exercise) == State::NotStarted))
        .map(|exercise| exercise.name.clone())
        .collect()
}

/// Fills in the standings that are unknown by grading those exercises (all in one grade).
pub fn complete(
    kit: &Kit,
    standings: &mut [Standing],
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(), BuildError> {
    let unknown: Vec<String> = standings.iter().filter(|s| s.state.is_none()).map(|s| s.name.clone()).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let report = grade_and_remember(kit, &unknown, options, progress)?;
    for exercise in report.exercises {
        if let Some(standing) = standings.iter_mut().find(|s| s.name == exercise.name) {
            standing.state = Some(state_of(&exercise));
            standing.passed = Some(exercise.passed());
            standing.total = exercise.checks.len();
            standing.report = Some(exercise);
        }
    }
    Ok(())
}

/// How many checks an exercise declares, counted in its check crate's source (`Check::new(`), for
/// an exercise never graded on this machine. Only a count for a progress bar: a grade gives the
/// real number.
fn declared_checks(kit: &Kit, exercise: &str) -> usize {
    let main = kit.checks_dir().join(exercise).join("src").join("main.rs");
    fs::read_to_string(main).map_or(0, |source| source.matches("Check::new(").count())
}

/// `[██████░░░░]`: a bar of `width` cells, `done` of `total` filled.
pub fn bar(done: usize, total: usize, width: usize) -> String {
    let filled = (done * width).checked_div(total).unwrap_or(0).min(width);
    format!("[{}{}]", "█".repeat(filled), "░".repeat(width - filled))
}

/// The exercise to work on: the first one not done (unknown counts as not done).
pub fn next(standings: &[Standing]) -> Option<&Standing> {
    standings.iter().find(|s| s.state != Some(State::Done))
}

/// Whether a path (relative to `exercises/`) belongs to exercise `exercise` and is not noise.
pub fn touches(relative: &Path, exercise: &str) -> bool {
    relative.starts_with(exercise) && !files::is_noise_path(relative)
}

#[cfg(test)]
mod tests {
    use super::*;
    use grader::Step;
    use grader::check::Fail;
    use grader::report::{CheckReport, Output};

    fn check(status: Status, got: &str) -> CheckReport {
        CheckReport {
            id: "c".into(),
            title: "c".into(),
            step: Step::Bind,
            status,
            fail: (status != Status::Pass).then(|| Fail::new("called f()").got(got)),
            transcript: Vec::new(),
            stdout: Output::default(),
            stderr: Output::default(),
            points: 1,
            private: false,
            duration_ms: 0,
        }
    }

    fn report(checks: Vec<CheckReport>) -> ExerciseReport {
        ExerciseReport { name: "01-bind".into(), broken: None, checks, withheld: 0, ignored: Vec::new() }
    }

    #[test]
    fn the_state_follows_the_checks() {
        let todo = "it is not written yet: todo!() at exercises/01-bind/src/lib.rs:3:5";
        assert_eq!(state_of(&report(vec![check(Status::Pass, ""), check(Status::Pass, "")])), State::Done);
        assert_eq!(state_of(&report(vec![check(Status::Fail, todo), check(Status::Fail, todo)])), State::NotStarted);
        assert_eq!(state_of(&report(vec![check(Status::Pass, ""), check(Status::Fail, todo)])), State::InProgress);
        assert_eq!(state_of(&report(vec![check(Status::Fail, "a panic: boom")])), State::InProgress);
        let mut program = check(Status::Fail, "panics at src/main.rs:3:5");
        program.fail.as_mut().unwrap().hint = Some("src/main.rs is still a stub: replace its todo!()".into());
        assert_eq!(state_of(&report(vec![check(Status::Fail, todo), program])), State::NotStarted);
        // A program check whose own hint is about the protocol: its todo!() still shows in `got`.
        let mut served = check(
            Status::Fail,
            "it exits with code 101; it panicked at exercises/02-accept-loop/src/main.rs:20:5: not yet implemented: bind",
        );
        served.fail.as_mut().unwrap().hint = Some("the program should bind the address given".into());
        assert_eq!(state_of(&report(vec![check(Status::Fail, todo), served])), State::NotStarted);
        let mut broken = report(vec![check(Status::Fail, todo)]);
        broken.broken = Some(grader::tree::Broken { summary: "does not compile".into(), detail: String::new() });
        assert_eq!(state_of(&broken), State::InProgress);
    }

    #[test]
    fn standings_come_from_the_stub_and_the_cache_without_grading() {
        let dir = tempfile::tempdir().unwrap();
        let kit = Kit::at(dir.path());
        let src = dir.path().join("exercises/01-bind/src");
        fs::create_dir_all(&src).unwrap();
        fs::write(src.join("lib.rs"), "pub fn bind() { todo!() }").unwrap();
        let checks = kit.checks_dir().join("01-bind/src");
        fs::create_dir_all(&checks).unwrap();
        fs::write(checks.join("main.rs"), "Check::new(a), Check::new(b)").unwrap();
        let git = |args: &[&str]| {
            let status = std::process::Command::new("git")
                .args(["-c", "user.name=T", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
                .args(args)
                .current_dir(dir.path())
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        };
        git(&["init", "-q"]);
        git(&["add", "."]);
        git(&["commit", "-q", "-m", "kit"]);
        let exercises = ["01-bind".to_owned()];

        // The committed stub: not started, with the checks counted in the check crate.
        let [pristine] = standings(&kit, &exercises).try_into().unwrap();
        assert_eq!((pristine.state, pristine.passed, pristine.total), (Some(State::NotStarted), Some(0), 2));
        // Notes in the guide are not work on the exercise.
        fs::write(dir.path().join("exercises/01-bind/README.md"), "my notes").unwrap();
        assert_eq!(is_stub(&kit, "01-bind"), Some(true));

        // Changed and never graded: unknown until graded.
        fs::write(src.join("lib.rs"), "pub fn bind() {}").unwrap();
        let [changed] = standings(&kit, &exercises).try_into().unwrap();
        assert_eq!((changed.state, changed.passed), (None, None));

        // Graded: the cached result decides.
        let key = key(&kit, "01-bind");
        remember(&kit, &key, &report(vec![check(Status::Pass, ""), check(Status::Fail, "Err(..)")]));
        let [partial] = standings(&kit, &exercises).try_into().unwrap();
        assert_eq!((partial.state, partial.passed, partial.total), (Some(State::InProgress), Some(1), 2));
        remember(&kit, &key, &report(vec![check(Status::Pass, ""), check(Status::Pass, "")]));
        let [done] = standings(&kit, &exercises).try_into().unwrap();
        assert_eq!((done.state, done.passed), (Some(State::Done), Some(2)));
    }

    #[test]
    fn the_bar_fills_in_proportion() {
        assert_eq!(bar(0, 10, 5), "[░░░░░]");
        assert_eq!(bar(5, 10, 4), "[██░░]");
        assert_eq!(bar(10, 10, 3), "[███]");
        assert_eq!(bar(0, 0, 2), "[░░]");
    }

    #[test]
    fn a_cached_result_is_used_only_under_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let kit = Kit::at(dir.path());
        let exercise = dir.path().join("exercises/01-bind/src");
        fs::create_dir_all(&exercise).unwrap();
        fs::write(exercise.join("lib.rs"), "pub fn f() {}").unwrap();
        let first = key(&kit, "01-bind");
        remember(&kit, &first, &report(vec![check(Status::Pass, "")]));
        assert!(cached(&kit, "01-bind", &first).is_some());
        // An editor's swap file changes nothing; a saved source file changes the key.
        fs::write(exercise.join(".lib.rs.swp"), "x").unwrap();
        assert_eq!(key(&kit, "01-bind"), first);
        fs::write(exercise.join("lib.rs"), "pub fn f() { }").unwrap();
        let second = key(&kit, "01-bind");
        assert_ne!(second, first);
        assert!(cached(&kit, "01-bind", &second).is_none());
    }
}
