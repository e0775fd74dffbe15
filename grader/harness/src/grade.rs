//! A whole grade: build the runners for a tree, list their checks, run every check in a child
//! process of its own (several at once), and turn what each child left behind into a verdict.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::check::{CheckInfo, Fail};
use crate::protocol::{self, Event, parse_events};
use crate::reaper;
use crate::report::{CheckReport, ExerciseReport, Output, Report, Status};
use crate::runner::Listing;
use crate::sandbox;
use crate::supervise::{self, Captured, Ended, Limits};
use crate::tree::{self, Broken, BuildError, Kit, Runner};

/// How much of each of stdout and stderr a check keeps.
pub const OUTPUT_LIMIT: usize = crate::student::OUTPUT_LIMIT;
/// How much a judge may write: its events (the conversation and the verdict).
const EVENTS_LIMIT: usize = 1 << 20;
/// The largest record of the grader's (a remembered check list) it reads back.
const RECORD_LIMIT: u64 = 1 << 20;
/// How long listing an exercise's checks may take.
const LIST_LIMIT: Duration = Duration::from_secs(20);
/// What a check costs beyond its own time limit, at most: starting its process, killing its group,
/// reaping it, sweeping up escaped processes (milliseconds) and draining its output (at most
/// 250 ms, when a process the sweep missed holds the pipes).
pub const CHECK_OVERHEAD: Duration = Duration::from_secs(1);
/// What a built grade costs besides its checks: comparing the build's fingerprint and listing
/// each exercise's checks (milliseconds; no student code runs then).
pub const GRADE_OVERHEAD: Duration = Duration::from_secs(2);

/// The longest a grade of already built exercises can take, whatever student code does, with
/// checks of time limits `limits` run `jobs` at once: `⌈n / jobs⌉ × (longest limit + CHECK_OVERHEAD)
/// + GRADE_OVERHEAD`. The checks share one queue and a worker takes the next check as soon as it
/// is free, so the k-th check to start starts within `⌊(k − 1) / jobs⌋` rounds of the longest
/// check, and every check is done after `⌈n / jobs⌉` of them. README.md states this bound.
pub fn time_bound(limits: &[Duration], jobs: usize) -> Duration {
    let Some(longest) = limits.iter().max() else { return GRADE_OVERHEAD };
    let jobs = jobs.clamp(1, limits.len());
    let rounds = u32::try_from(limits.len().div_ceil(jobs)).unwrap_or(u32::MAX);
    (*longest + CHECK_OVERHEAD) * rounds + GRADE_OVERHEAD
}

/// How to grade.
#[derive(Clone, Debug)]
pub struct Options {
    /// How many checks run at once.
    pub jobs: usize,
    /// Whether private checks run (final grading) or are only counted (a student's grade).
    pub private: bool,
    /// The time the whole grade may take, build included: the build is stopped when it runs out,
    /// and checks not started by then are not started (each started check keeps its own limit).
    pub time_limit: Duration,
}

/// The default of [`Options::time_limit`]: within Gradescope's default of 10 minutes and any CI
/// job's, with room for a cold build (about 40 s on 2 cores) and a tree that hangs everywhere
/// (about 30 s with the default jobs).
pub const TIME_LIMIT: Duration = Duration::from_secs(300);

/// Checks run at once per core. A check spends most of its time waiting (for a deadline, a
/// peer, a program to start). Measured on 2 cores with `target/debug/xtask grade --solutions -j N`
/// (75 checks, eight runs each, alternating): 0.39–0.45 s at 10 (median 0.42 s), 0.35–0.39 s at 16
/// (median 0.38 s); earlier, 24 and 75 at once were no faster than 16. `cargo xtask stress 200`
/// (two grades at once) finds no differing verdict at eight per core.
pub const JOBS_PER_CORE: usize = 8;
/// The most checks run at once by default, whatever the cores: beyond it, starting processes
/// costs more than the waiting it overlaps.
pub const MAX_DEFAULT_JOBS: usize = 16;

impl Default for Options {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        // A student's grade by default: the instructor's modes ask for the private checks.
        Options { jobs: (cores * JOBS_PER_CORE).clamp(2, MAX_DEFAULT_JOBS), private: false, time_limit: TIME_LIMIT }
    }
}

impl Options {
    /// Whether a grade with these options runs `check`: a private one only at final grading.
    pub fn runs(&self, check: &CheckInfo) -> bool {
        self.private || !check.private
    }

    /// How many checks of `listing` a grade with these options leaves for final grading: those
    /// it does not run, and those the copy of the kit does not have (a student copy).
    fn withheld(&self, listing: &Listing) -> usize {
        listing.withheld + listing.checks.iter().filter(|c| !self.runs(c)).count()
    }
}

/// What a grade is doing, for a progress display.
#[derive(Clone, Debug)]
pub enum Progress {
    /// Compiling the tree and the checks.
    Building,
    /// Running checks: `done` of `total` finished.
    Checking {
        /// Finished so far.
        done: usize,
        /// All of them.
        total: usize,
    },
}

/// An exercise with its runner and checks, or why it has none.
type Listed = (String, Result<(Runner, Listing), Broken>);

/// Grades `exercises` of `tree`.
pub fn grade(
    kit: &Kit,
    tree: &Path,
    exercises: &[String],
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, BuildError> {
    let deadline = std::time::Instant::now() + options.time_limit;
    progress(Progress::Building);
    let built = tree::build_within(kit, tree, exercises, options.time_limit)?;
    // Each judge lists its checks in a process of its own: all at once.
    let listed: Vec<Listed> = std::thread::scope(|scope| {
        let listing: Vec<_> = built
            .into_iter()
            .map(|(name, runner)| {
                scope.spawn(move || {
                    let listed = runner.and_then(|runner| list(kit, &name, &runner).map(|checks| (runner, checks)));
                    (name, listed)
                })
            })
            .collect();
        listing.into_iter().map(|handle| handle.join().expect("listing does not panic")).collect()
    });

    // Every check of every exercise, in one queue, so that a slow exercise does not hold up the rest.
    let jobs: Vec<(usize, &Runner, &CheckInfo)> = listed
        .iter()
        .enumerate()
        .filter_map(|(i, (_, l))| l.as_ref().ok().map(|(runner, checks)| (i, runner, checks)))
        .flat_map(|(i, runner, listing)| listing.checks.iter().map(move |check| (i, runner, check)))
        .filter(|(_, _, check)| options.runs(check))
        .collect();
    // The longest checks first (as long as they took last time on this machine, else by their time
    // limits), so that the grade does not end with one of them running alone. Reports keep the
    // declared order.
    let took = remembered_durations(kit);
    let key = |n: usize| {
        let (exercise, _, check) = jobs[n];
        took.get(&format!("{}/{}", listed[exercise].0, check.id)).copied().unwrap_or(check.timeout_ms)
    };
    let mut queue: Vec<usize> = (0..jobs.len()).collect();
    queue.sort_by_key(|&n| std::cmp::Reverse(key(n)));
    // Each check's student processes work in a folder of their own, outside the kit, confined as
    // the plan says (as root: an unprivileged user of their own, the kit hidden).
    let scratch = tempfile::Builder::new()
        .prefix("sockets-course-")
        .tempdir()
        .map_err(|e| BuildError(format!("cannot create a scratch directory: {e}")))?;
    let plan = sandbox::Plan::new(&kit.root, scratch.path());
    let placed: Vec<Option<Result<Runner, String>>> = listed
        .iter()
        .map(|(name, l)| l.as_ref().ok().map(|(runner, _)| plan.place(name, runner).map_err(|e| e.to_string())))
        .collect();
    let results: Vec<Mutex<Option<CheckReport>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let runs: Mutex<Vec<reaper::Run>> = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    progress(Progress::Checking { done: 0, total: jobs.len() });
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1).min(jobs.len().max(1)) {
            scope.spawn(|| {
                while let Some(&n) = queue.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (exercise, _, check) = jobs[n];
                    let workdir = scratch.path().join(n.to_string());
                    let confined = match &placed[exercise] {
                        _ if std::time::Instant::now() >= deadline => Err(String::new()),
                        Some(Ok(runner)) => plan.for_check(&workdir).map(|c| (runner, c)),
                        Some(Err(why)) => Err(format!("cannot place the programs for unprivileged users: {why}")),
                        None => Err("no runner".into()),
                    };
                    let (report, run) = match confined {
                        Ok((runner, (args, uid))) => {
                            let done = run_check(kit, runner, check, &listed[exercise].0, &args);
                            // Every process of the check's user goes before its uid is reused.
                            drop(uid);
                            done
                        }
                        Err(why) if why.is_empty() => (not_started(check, options.time_limit), None),
                        Err(why) => (could_not_run(check, why), None),
                    };
                    runs.lock().expect("no panics while holding the lock").extend(run);
                    *results[n].lock().expect("no panics while holding the lock") = Some(report);
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(Progress::Checking { done: finished, total: jobs.len() });
                }
            });
        }
    });

    // The quick sweep after each check can miss a process while other children exit; nothing of
    // this grade outlives it.
    reaper::sweep_thoroughly(&runs.into_inner().expect("no panics while holding the lock"));

    let mut reports: Vec<Vec<CheckReport>> = listed.iter().map(|_| Vec::new()).collect();
    for ((exercise, _, _), result) in jobs.iter().zip(results) {
        reports[*exercise].push(result.into_inner().expect("lock").expect("every job ran"));
    }
    remember_durations(kit, took, listed.iter().map(|(name, _)| name).zip(&reports));
    let exercises = listed
        .into_iter()
        .zip(reports)
        .map(|((name, listed), checks)| match listed {
            Ok((runner, listing)) => ExerciseReport {
                name,
                broken: None,
                checks,
                withheld: options.withheld(&listing),
                ignored: runner.ignored,
            },
            Err(broken) => {
                let known = known_checks(kit, &name);
                let run = known.checks.iter().filter(|c| options.runs(c)).map(|c| unbuilt(c, &broken)).collect();
                ExerciseReport {
                    name,
                    broken: Some(broken),
                    checks: run,
                    withheld: options.withheld(&known),
                    ignored: Vec::new(),
                }
            }
        })
        .collect();
    Ok(Report { tree: tree.display().to_string(), exercises, isolation: plan.describe() })
}

/// Asks a runner for its checks, and remembers them for grades where the exercise does not build.
fn list(kit: &Kit, exercise: &str, runner: &Runner) -> Result<Listing, Broken> {
    let mut command = Command::new(&runner.judge);
    command.arg("--list");
    let broken = |why: String| Broken { summary: "the check runner could not list its checks".into(), detail: why };
    let done = supervise::run(&mut command, Limits { time: LIST_LIMIT, output: 1 << 20 })
        .map_err(|e| broken(e.to_string()))?;
    if !matches!(done.ended, Ended::Exited(status) if status.success()) {
        return Err(broken(String::from_utf8_lossy(&done.stderr.bytes).into_owned()));
    }
    let listing: Listing = serde_json::from_slice(&done.stdout.bytes).map_err(|e| broken(e.to_string()))?;
    remember_checks(kit, exercise, &listing);
    Ok(listing)
}

/// Where the check list of an exercise is kept: beside the kit's build artifacts.
fn remembered(kit: &Kit, exercise: &str) -> PathBuf {
    kit.work_dir().join("checks").join(format!("{exercise}.json"))
}

fn remember_checks(kit: &Kit, exercise: &str, listing: &Listing) {
    let path = remembered(kit, exercise);
    if crate::files::read_untrusted(&path, RECORD_LIMIT)
        .ok()
        .and_then(|json| serde_json::from_slice::<Listing>(&json).ok())
        .as_ref()
        == Some(listing)
    {
        return;
    }
    if let Ok(json) = serde_json::to_vec(listing) {
        let _ = fs::create_dir_all(path.parent().expect("in a folder"));
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        if fs::write(&temporary, json).is_ok() {
            let _ = fs::rename(temporary, path);
        }
    }
}

/// Where the grader remembers how long each check took on this machine, to start the longest first.
fn durations_file(kit: &Kit) -> PathBuf {
    kit.work_dir().join("durations.json")
}

/// How long each check (`exercise/check`) took in its last grade here, in milliseconds.
fn remembered_durations(kit: &Kit) -> std::collections::BTreeMap<String, u64> {
    crate::files::read_untrusted(&durations_file(kit), RECORD_LIMIT)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .unwrap_or_default()
}

/// Adds the durations of the checks this grade passed to what is remembered: a pass took as long
/// as a correct answer takes, which is what the order needs (a failure may stop early).
fn remember_durations<'a>(
    kit: &Kit,
    mut took: std::collections::BTreeMap<String, u64>,
    graded: impl Iterator<Item = (&'a String, &'a Vec<CheckReport>)>,
) {
    for (exercise, checks) in graded {
        for check in checks.iter().filter(|c| c.status == Status::Pass) {
            took.insert(format!("{exercise}/{}", check.id), check.duration_ms);
        }
    }
    let path = durations_file(kit);
    if let Ok(json) = serde_json::to_vec(&took)
        && fs::create_dir_all(kit.work_dir()).is_ok()
    {
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        if fs::write(&temporary, json).is_ok() {
            let _ = fs::rename(temporary, path);
        }
    }
}

/// The checks of an exercise as last listed on this machine (none if never).
fn known_checks(kit: &Kit, exercise: &str) -> Listing {
    crate::files::read_untrusted(&remembered(kit, exercise), RECORD_LIMIT)
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .unwrap_or_default()
}

fn unbuilt(check: &CheckInfo, broken: &Broken) -> CheckReport {
    // A missing exercise has no compiler error to fix: say what to hand in instead.
    let fail = if broken.is_missing() {
        Fail::new("looked for the exercise")
            .expected("its folder, with src/lib.rs, beside the other exercises")
            .got(broken.summary.clone())
            .hint("hand in the exercise's folder with its src/lib.rs: every check of this exercise needs it")
    } else {
        Fail::new("built the exercise")
            .expected("it to compile")
            .got(broken.summary.clone())
            .hint("fix the compiler error first: every check of this exercise needs the crate to build")
    };
    verdict(check, Status::Fail, Some(fail))
}

/// Runs one check: its judge in a process of its own, which starts the student host and the
/// exercise's programs; its report, and what identifies its processes.
fn run_check(
    kit: &Kit,
    runner: &Runner,
    check: &CheckInfo,
    exercise: &str,
    confinement: &[std::ffi::OsString],
) -> (CheckReport, Option<reaper::Run>) {
    let mut command = Command::new(&runner.judge);
    command.current_dir(&kit.root);
    command.arg("--run").arg(&check.id).args(confinement);
    if let Some(host) = &runner.host {
        command.arg("--host").arg(host);
    }
    for bin in &runner.bins {
        command.arg("--bin").arg(bin);
    }
    if let Some(error) = &runner.bin_error {
        command.arg("--bin-error").arg(error);
    }
    for (compiled, shown) in &runner.sources {
        command.arg("--source-as").arg(format!("{compiled}={shown}"));
    }
    command.env("RUST_BACKTRACE", "0");
    let limits = Limits { time: Duration::from_millis(check.timeout_ms), output: EVENTS_LIMIT };
    let seal = protocol::new_seal();
    let finished = supervise::run_with_input(&mut command, limits, seal.as_bytes());
    let mut report = verdict(check, Status::Error, None);
    let finished = match finished {
        Ok(finished) => finished,
        Err(error) => {
            report.fail = Some(Fail::grader(format!("could not start the judge of {exercise}: {error}")));
            return (report, None);
        }
    };
    report.duration_ms = u64::try_from(finished.elapsed.as_millis()).unwrap_or(u64::MAX);
    let mut verdict = None;
    let mut forged = false;
    for event in parse_events(&finished.stdout.bytes) {
        match event {
            Event::Line(line) => report.transcript.push(line),
            Event::Verdict { fail, seal: sealed, stdout, stderr } if sealed == seal => {
                verdict = Some(fail);
                (report.stdout, report.stderr) = (stdout, stderr);
            }
            Event::Verdict { .. } => forged = true,
        }
    }
    (report.status, report.fail) = match (verdict, finished.ended) {
        (Some(None), _) => (Status::Pass, None),
        (Some(Some(fail)), _) if fail.grader_error => (Status::Error, Some(fail)),
        (Some(Some(fail)), _) => (Status::Fail, Some(fail)),
        (None, _) if forged => (Status::Fail, Some(forged_verdict())),
        (None, Ended::TimedOut) => (Status::Timeout, Some(timed_out(check))),
        (None, Ended::Exited(status)) => (Status::Fail, Some(judge_ended(status, &finished.stderr))),
    };
    (report, Some(finished.run))
}

/// A check the grade's time limit ran out before.
fn not_started(check: &CheckInfo, limit: Duration) -> CheckReport {
    let fail = Fail::new("graded the submission")
        .expected(format!("the whole grade to end within its time limit of {}", seconds(limit)))
        .got("the time ran out before this check could start")
        .hint("look for code that waits forever in the checks before this one");
    verdict(check, Status::Timeout, Some(fail))
}

/// The report of `check` with a verdict and nothing else (no conversation, no output).
fn verdict(check: &CheckInfo, status: Status, fail: Option<Fail>) -> CheckReport {
    CheckReport {
        id: check.id.clone(),
        title: check.title.clone(),
        step: check.step,
        status,
        fail,
        transcript: Vec::new(),
        stdout: Output::default(),
        stderr: Output::default(),
        duration_ms: 0,
        points: check.points,
        private: check.private,
    }
}

/// A check the grader could not start (not the student's fault).
fn could_not_run(check: &CheckInfo, why: String) -> CheckReport {
    verdict(check, Status::Error, Some(Fail::grader(why)))
}

fn timed_out(check: &CheckInfo) -> Fail {
    let limit = Duration::from_millis(check.timeout_ms);
    let fail = Fail::new("ran the check")
        .expected(format!("it to finish within {}", seconds(limit)))
        .got(format!("timed out after {}: the grader stopped it", seconds(limit)));
    if check.timeout_hint.is_empty() {
        fail.hint("look for a loop that never ends, or an accept or read that waits for something that never comes")
    } else {
        fail.hint(check.timeout_hint.clone())
    }
}

fn seconds(limit: Duration) -> String {
    let secs = limit.as_secs_f64();
    if secs.fract() == 0.0 { format!("{secs:.0} s") } else { format!("{secs} s") }
}

fn forged_verdict() -> Fail {
    Fail::new("ran the check")
        .expected("the check runner to report the verdict")
        .got("the check ended without one, and something else wrote a verdict into the grader's events file")
        .hint("the grader decides the verdict: code that writes its own is graded as a failure")
}

/// The judge ended without a verdict. It runs no student code, so this is a crash of the grader
/// or the work of student code that killed it: either way the check cannot pass.
fn judge_ended(status: std::process::ExitStatus, stderr: &Captured) -> Fail {
    use std::os::unix::process::ExitStatusExt;
    let how = match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => format!("signal {signal} ({})", crate::ctx::signal_name(signal)),
        (None, None) => "an unknown cause".to_owned(),
    };
    let said = String::from_utf8_lossy(&stderr.bytes).lines().last().unwrap_or_default().to_owned();
    Fail::new("ran the check")
        .expected("the grader's judge to report a verdict")
        .got(format!(
            "the judge ended without one ({how}){}",
            if said.is_empty() { String::new() } else { format!(": {said}") }
        ))
        .hint("code that stops the grader fails the check it ran in")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_checks_run_at_final_grading_and_are_counted_otherwise() {
        fn ok(_: &mut crate::Ctx) -> crate::Outcome {
            Ok(())
        }
        let public = crate::Check::new("public", "t", crate::Step::Bind, ok).info();
        let private = crate::Check::new("private", "t", crate::Step::Bind, ok).private().info();
        // The instructor's copy lists both; a student copy lists the public one and counts one more.
        let instructors = Listing { checks: vec![public.clone(), private.clone()], withheld: 0 };
        let students = Listing { checks: vec![public.clone()], withheld: 1 };
        let final_grading = Options { jobs: 1, private: true, time_limit: TIME_LIMIT };
        let student = Options { jobs: 1, private: false, time_limit: TIME_LIMIT };
        assert!(final_grading.runs(&private) && final_grading.runs(&public));
        assert!(!student.runs(&private) && student.runs(&public));
        assert_eq!(final_grading.withheld(&instructors), 0);
        assert_eq!(student.withheld(&instructors), 1);
        assert_eq!(student.withheld(&students), 1);
        assert_eq!(final_grading.withheld(&students), 1, "a student copy cannot run what it does not have");
    }

    #[test]
    fn a_missing_exercise_is_not_told_to_fix_a_compiler_error() {
        fn ok(_: &mut crate::Ctx) -> crate::Outcome {
            Ok(())
        }
        let check = crate::Check::new("c", "t", crate::Step::Bind, ok).info();
        let missing = Broken { summary: "missing: no folder 03-client/ in /tmp/alice".into(), detail: String::new() };
        let fail = unbuilt(&check, &missing).fail.unwrap();
        assert_eq!(fail.did, "looked for the exercise");
        let hint = fail.hint.unwrap();
        assert!(hint.contains("hand in the exercise's folder") && !hint.contains("compiler"), "{hint}");
        let broken = Broken { summary: "your crate does not compile: x".into(), detail: String::new() };
        assert!(unbuilt(&check, &broken).fail.unwrap().hint.unwrap().contains("fix the compiler error first"));
    }

    #[test]
    fn the_time_bound_counts_rounds_of_the_longest_check() {
        let secs = Duration::from_secs;
        let limits = [secs(3), secs(3), secs(8), secs(5), secs(3)];
        // Five checks two at once: three rounds of at most 8 s + overhead each.
        assert_eq!(time_bound(&limits, 2), (secs(8) + CHECK_OVERHEAD) * 3 + GRADE_OVERHEAD);
        assert_eq!(time_bound(&limits, 16), secs(8) + CHECK_OVERHEAD + GRADE_OVERHEAD);
        assert_eq!(time_bound(&limits, 0), (secs(8) + CHECK_OVERHEAD) * 5 + GRADE_OVERHEAD);
        assert_eq!(time_bound(&[], 2), GRADE_OVERHEAD);
    }
}
