//! A whole grade: build the runners for a tree, list their checks, run every check in a child
//! process of its own (several at once), and turn what each child left behind into a verdict.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::check::{CheckInfo, Fail};
use crate::protocol::{Event, read_events};
use crate::report::{CheckReport, ExerciseReport, Output, Report, Status};
use crate::supervise::{self, Captured, Ended, Limits};
use crate::tree::{self, Broken, BuildError, Kit, Runner};

/// How much of each of stdout and stderr a check keeps.
pub const OUTPUT_LIMIT: usize = 4096;
/// How long listing an exercise's checks may take.
const LIST_LIMIT: Duration = Duration::from_secs(20);

/// How to grade.
#[derive(Clone, Debug)]
pub struct Options {
    /// How many checks run at once.
    pub jobs: usize,
}

impl Default for Options {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Options { jobs: cores.max(2) }
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
type Listed = (String, Result<(Runner, Vec<CheckInfo>), Broken>);

/// Grades `exercises` of `tree`.
pub fn grade(
    kit: &Kit,
    tree: &Path,
    exercises: &[String],
    options: &Options,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Report, BuildError> {
    progress(Progress::Building);
    let built = tree::build(kit, tree, exercises)?;
    let listed: Vec<Listed> = built
        .into_iter()
        .map(|(name, runner)| {
            let listed = runner.and_then(|runner| list(kit, &name, &runner).map(|checks| (runner, checks)));
            (name, listed)
        })
        .collect();

    // Every check of every exercise, in one queue, so that a slow exercise does not hold up the rest.
    let jobs: Vec<(usize, &Runner, &CheckInfo)> = listed
        .iter()
        .enumerate()
        .filter_map(|(i, (_, l))| l.as_ref().ok().map(|(runner, checks)| (i, runner, checks)))
        .flat_map(|(i, runner, checks)| checks.iter().map(move |check| (i, runner, check)))
        .collect();
    let scratch = tempfile::Builder::new()
        .prefix("sockets-course-")
        .tempdir()
        .map_err(|e| BuildError(format!("cannot create a scratch directory: {e}")))?;
    let results: Vec<Mutex<Option<CheckReport>>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    progress(Progress::Checking { done: 0, total: jobs.len() });
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1).min(jobs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(exercise, runner, check)) = jobs.get(n) else {
                        break;
                    };
                    let events = scratch.path().join(format!("{n}.events"));
                    let report = run_check(kit, runner, check, &events, &listed[exercise].0);
                    *results[n].lock().expect("no panics while holding the lock") = Some(report);
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(Progress::Checking { done: finished, total: jobs.len() });
                }
            });
        }
    });

    let mut reports: Vec<Vec<CheckReport>> = listed.iter().map(|_| Vec::new()).collect();
    for ((exercise, _, _), result) in jobs.iter().zip(results) {
        reports[*exercise].push(result.into_inner().expect("lock").expect("every job ran"));
    }
    let exercises = listed
        .into_iter()
        .zip(reports)
        .map(|((name, listed), checks)| match listed {
            Ok(_) => ExerciseReport { name, broken: None, checks },
            Err(broken) => {
                let checks = known_checks(kit, &name).iter().map(|c| unbuilt(c, &broken)).collect();
                ExerciseReport { name, broken: Some(broken), checks }
            }
        })
        .collect();
    Ok(Report { tree: tree.display().to_string(), exercises })
}

/// Asks a runner for its checks, and remembers them for grades where the exercise does not build.
fn list(kit: &Kit, exercise: &str, runner: &Runner) -> Result<Vec<CheckInfo>, Broken> {
    let mut command = Command::new(&runner.checks);
    command.arg("--list");
    let broken = |why: String| Broken { summary: "the check runner could not list its checks".into(), detail: why };
    let done = supervise::run(&mut command, Limits { time: LIST_LIMIT, output: 1 << 20 })
        .map_err(|e| broken(e.to_string()))?;
    if !matches!(done.ended, Ended::Exited(status) if status.success()) {
        return Err(broken(String::from_utf8_lossy(&done.stderr.bytes).into_owned()));
    }
    let checks: Vec<CheckInfo> = serde_json::from_slice(&done.stdout.bytes).map_err(|e| broken(e.to_string()))?;
    remember_checks(kit, exercise, &checks);
    Ok(checks)
}

/// Where the check list of an exercise is kept: beside the kit's build artifacts.
fn remembered(kit: &Kit, exercise: &str) -> PathBuf {
    kit.work_dir().join("checks").join(format!("{exercise}.json"))
}

fn remember_checks(kit: &Kit, exercise: &str, checks: &[CheckInfo]) {
    let path = remembered(kit, exercise);
    if fs::read(&path).ok().and_then(|json| serde_json::from_slice::<Vec<CheckInfo>>(&json).ok()).as_deref()
        == Some(checks)
    {
        return;
    }
    if let Ok(json) = serde_json::to_vec(checks) {
        let _ = fs::create_dir_all(path.parent().expect("in a folder"));
        let temporary = path.with_extension(format!("tmp{}", std::process::id()));
        if fs::write(&temporary, json).is_ok() {
            let _ = fs::rename(temporary, path);
        }
    }
}

/// The checks of an exercise as last listed on this machine (empty if never).
fn known_checks(kit: &Kit, exercise: &str) -> Vec<CheckInfo> {
    fs::read(remembered(kit, exercise)).ok().and_then(|json| serde_json::from_slice(&json).ok()).unwrap_or_default()
}

fn unbuilt(check: &CheckInfo, broken: &Broken) -> CheckReport {
    CheckReport {
        id: check.id.clone(),
        title: check.title.clone(),
        step: check.step,
        status: Status::Fail,
        fail: Some(
            Fail::new("built the exercise")
                .expected("it to compile")
                .got(broken.summary.clone())
                .hint("fix the compiler error first: every check of this exercise needs the crate to build"),
        ),
        transcript: Vec::new(),
        stdout: Output::default(),
        stderr: Output::default(),
        duration_ms: 0,
        points: check.points,
    }
}

fn run_check(kit: &Kit, runner: &Runner, check: &CheckInfo, events: &Path, exercise: &str) -> CheckReport {
    let mut command = Command::new(&runner.checks);
    // Paths in messages (a panic's file:line) are shown relative to the kit, wherever the grade
    // was started from.
    command.current_dir(&kit.root);
    command.arg("--run").arg(&check.id).arg("--events").arg(events);
    for bin in &runner.bins {
        command.arg("--bin").arg(bin);
    }
    if let Some(error) = &runner.bin_error {
        command.arg("--bin-error").arg(error);
    }
    command.env("RUST_BACKTRACE", "0");
    let limits = Limits { time: Duration::from_millis(check.timeout_ms), output: OUTPUT_LIMIT };
    let finished = supervise::run(&mut command, limits);
    let mut report = CheckReport {
        id: check.id.clone(),
        title: check.title.clone(),
        step: check.step,
        status: Status::Error,
        fail: None,
        transcript: Vec::new(),
        stdout: Output::default(),
        stderr: Output::default(),
        duration_ms: 0,
        points: check.points,
    };
    let finished = match finished {
        Ok(finished) => finished,
        Err(error) => {
            report.fail = Some(Fail::grader(format!("could not start the check runner of {exercise}: {error}")));
            return report;
        }
    };
    report.duration_ms = u64::try_from(finished.elapsed.as_millis()).unwrap_or(u64::MAX);
    report.stdout = output(finished.stdout);
    report.stderr = output(finished.stderr);
    let events = read_events(events).unwrap_or_default();
    let mut verdict = None;
    for event in events {
        match event {
            Event::Line(line) => report.transcript.push(line),
            Event::Verdict { fail } => verdict = Some(fail),
        }
    }
    (report.status, report.fail) = match (verdict, finished.ended) {
        (Some(None), _) => (Status::Pass, None),
        (Some(Some(fail)), _) if fail.grader_error => (Status::Error, Some(fail)),
        (Some(Some(fail)), _) => (Status::Fail, Some(fail)),
        (None, Ended::TimedOut) => (Status::Timeout, Some(timed_out(check))),
        (None, Ended::Exited(status)) => (Status::Fail, Some(ended_early(status))),
    };
    report
}

fn output(captured: Captured) -> Output {
    Output { text: String::from_utf8_lossy(&captured.bytes).into_owned(), dropped: captured.dropped }
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

fn ended_early(status: std::process::ExitStatus) -> Fail {
    use std::os::unix::process::ExitStatusExt;
    let fail = Fail::new("ran the check").expected("it to finish and report a verdict");
    match (status.code(), status.signal()) {
        (Some(code), _) => fail
            .got(format!("your code ended the whole process (exit code {code}) before the check finished"))
            .hint("a library function must return (Ok or Err) to its caller; do not call std::process::exit in it"),
        (None, Some(signal)) => fail
            .got(format!("the process was killed by signal {signal} ({})", signal_name(signal)))
            .hint(if signal == libc::SIGABRT {
                "an abort: a panic while panicking, or a stack overflow from endless recursion"
            } else {
                "a crash: look for unsafe code or endless recursion"
            }),
        (None, None) => fail.got("the process ended without a verdict"),
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => "SIGABRT",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGKILL => "SIGKILL",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}
