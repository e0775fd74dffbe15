//! `cargo xtask bench`: measures the grading loop on this machine and prints a table (median,
//! min and max of several runs). Speed is tracked with these figures, never asserted in tests.
//!
//! - warm full grade: `cargo xtask grade --solutions` with nothing changed, as a student runs it;
//! - warm grades of failing trees, as a student mostly sees them: the stubs (`exercises/` as the
//!   kit has them) and a half-done tree (01–03 solved, the rest stubs), each as a ratio to the
//!   grade of the solutions;
//! - re-grade after a one-line edit to one exercise (in a scratch copy: the tree is never left
//!   modified), and of that exercise alone after a save that makes it panic (what `watch` does);
//! - the floor: the same checks run inside one process per exercise, without isolation, on the
//!   same number of threads, one exercise at a time; the same checks isolated, one exercise at a
//!   time (isolation on equal terms); and the ratios to the floor;
//! - the cost of isolation per check: starting a judge and collecting its listing, and one call
//!   through the student host (judge → host → judge);
//! - with `--cold`, a grade from an empty target directory (dependencies already downloaded);
//! - with `--batch`, a class of 20 generated submissions graded with `--submissions` (solutions,
//!   stubs, a mistake, a compile error, a missing exercise, an empty folder): submissions per
//!   minute.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use std::sync::Mutex;

use grader::grade::{self, Options, Progress};
use grader::supervise::{self, Limits};
use grader::tree::{self, Kit, Runner};

use crate::cli::{self, Error};

/// The exercise whose source the edit benchmark changes.
const EDITED: &str = "02-accept-loop";

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let kit = cli::kit();
    let mut runs = 5;
    let mut cold = false;
    let mut batch = false;
    let mut jobs = Options::default().jobs;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("runs") => {
                runs =
                    parser.value()?.to_str().and_then(|v| v.parse().ok()).filter(|&n: &usize| n > 0).ok_or_else(
                        || cli::error("--runs takes how many times to repeat each measurement, at least 1"),
                    )?
            }
            Long("cold") => cold = true,
            Long("batch") => batch = true,
            Short('j') | Long("jobs") => jobs = cli::jobs(parser.value()?)?,
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(other.unexpected().into()),
        }
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("sockets-course bench: {runs} runs per figure, {cores} cores, {jobs} checks at once\n");

    let solutions = cli::solutions(&kit, "bench")?;
    let exercises = kit.exercises().map_err(|e| cli::error(format!("cannot list the exercises: {e}")))?;
    let jobs_arg = jobs.to_string();
    let grade_solutions = ["grade", "--solutions", "-q", "-j", &jobs_arg];
    // Everything built once first: the figures below are warm.
    xtask(&kit.root, &grade_solutions)?;

    let mut table = Table::default();
    let warm = table
        .measure("warm full grade of solutions/ (cargo xtask grade)", runs, || xtask(&kit.root, &grade_solutions))?;

    // Failing grades, as students see them most of the time: they must not wait for timeouts.
    let (stubs, half) = failing_trees(&kit, &solutions, &exercises)?;
    for (what, tree) in [("the stubs (exercises/)", &stubs), ("a half-done tree (01-03 solved)", &half)] {
        let tree_arg = tree.to_string_lossy().into_owned();
        let args = ["grade", "-q", "-j", &jobs_arg, "--tree", &tree_arg];
        xtask_failing(&kit.root, &args)?;
        let figures = table.measure(&format!("warm grade of {what}"), runs, || xtask_failing(&kit.root, &args))?;
        let ratio = figures.median.as_secs_f64() / warm.median.as_secs_f64();
        table.ratio(&format!("ratio of the grade of {what} to the solutions'"), ratio);
    }

    let edited = scratch_copy(&kit, &solutions)?;
    let source = edited.join(EDITED).join("src").join("lib.rs");
    let original =
        fs::read_to_string(&source).map_err(|e| cli::error(format!("cannot read {}: {e}", source.display())))?;
    let edited_arg = edited.to_string_lossy().into_owned();
    xtask(&kit.root, &["grade", "-q", "-j", &jobs_arg, "--tree", &edited_arg])?;
    let mut edit_number = 0;
    table.measure(&format!("re-grade after a one-line edit to {EDITED}"), runs, || {
        edit_number += 1;
        let changed = format!("{original}// bench edit {edit_number}\n");
        fs::write(&source, changed).map_err(|e| cli::error(format!("cannot edit {}: {e}", source.display())))?;
        xtask(&kit.root, &["grade", "-q", "-j", &jobs_arg, "--tree", &edited_arg])
    })?;
    // What `watch` does after a save that breaks the exercise: rebuild it and grade it alone.
    // (watch waits 150 ms for an editor's burst of writes to end before it starts.)
    let signature = "pub fn greet(mut stream: TcpStream) -> io::Result<()> {\n";
    if original.contains(signature) {
        table.measure(&format!("re-grade of {EDITED} alone after a save that makes greet panic"), runs, || {
            edit_number += 1;
            let broken = original.replace(signature, &format!("{signature}    panic!(\"bench {edit_number}\");\n"));
            fs::write(&source, broken).map_err(|e| cli::error(format!("cannot edit {}: {e}", source.display())))?;
            xtask_failing(&kit.root, &["grade", "-q", "-j", &jobs_arg, "--tree", &edited_arg, EDITED])
        })?;
    }
    let _ = fs::remove_dir_all(&edited);

    let runners: Vec<Runner> = tree::build(&kit, &solutions, &exercises)
        .map_err(|e| cli::error(e.to_string()))?
        .into_iter()
        .map(|(name, runner)| runner.map_err(|broken| cli::error(format!("{name} does not build: {broken}"))))
        .collect::<Result<_, _>>()?;
    let options = Options { jobs, private: true, ..Options::default() };
    let isolated = table.measure_each("checks of that grade, each in a process of its own", runs, || {
        checks_time(&kit, &solutions, &exercises, &options)
    })?;
    // The floor runs one exercise at a time (a check runner holds one exercise's checks), while a
    // grade shares one queue of checks among all exercises. Isolation is priced on equal terms:
    // the same checks, exercise by exercise, in processes of their own and then in one process.
    let by_exercise = table.measure_each("the same checks, one exercise at a time, isolated", runs, || {
        let mut total = Duration::ZERO;
        for exercise in &exercises {
            total += checks_time(&kit, &solutions, std::slice::from_ref(exercise), &options)?;
        }
        Ok(total)
    })?;
    let floor = table.measure("the same checks, one exercise at a time, in one process (the floor)", runs, || {
        for runner in &runners {
            in_process(runner, jobs)?;
        }
        Ok(())
    })?;
    let ratio = |f: Figures| f.median.as_secs_f64() / floor.median.as_secs_f64();
    table.ratio("ratio of isolated to in-process, exercise by exercise", ratio(by_exercise));
    table.ratio("ratio of the isolated checks of a whole grade to the floor", ratio(isolated));
    table.ratio("ratio of the whole warm grade to the floor", ratio(warm));

    let probe = &runners[0];
    if let Some(host) = &probe.host {
        let transcript = grader::transcript::Transcript::new(grader::protocol::EventLog::in_memory());
        let host = grader::student::StudentHost::start(host, transcript)
            .map_err(|e| cli::error(format!("cannot start {}: {e}", host.display())))?;
        table.measure_ms("one call through the student host (judge → host → judge)", runs.max(200), || {
            let reply = host.call(serde_json::Value::from(grader::grader_host::serve::PING), &[]);
            match reply.recv_timeout(Duration::from_secs(5)) {
                Ok(grader::student::Answer::Outcome(_)) => Ok(()),
                other => Err(cli::error(format!("the student host did not answer a ping: {other:?}"))),
            }
        })?;
    }
    table.measure_ms("isolation per check: start a judge and collect its listing", runs.max(20), || {
        let mut command = Command::new(&probe.judge);
        command.arg("--list");
        supervise::run(&mut command, Limits { time: Duration::from_secs(10), output: 1 << 20 })
            .map(drop)
            .map_err(|e| cli::error(format!("cannot run {}: {e}", probe.judge.display())))
    })?;

    if batch {
        let class = generate_class(&kit, &solutions, &exercises)?;
        let class_arg = class.to_string_lossy().into_owned();
        let output = kit.work_dir().join("bench").join("class-grades");
        let output_arg = output.to_string_lossy().into_owned();
        let args = ["grade", "--submissions", &class_arg, "--output", &output_arg];
        let figures = table.measure(&format!("batch of {CLASS} generated submissions (--submissions)"), 1, || {
            // Two of the class cannot be graded (the empty folder): exit code 1 is expected.
            xtask_status(&kit.root, &args).map(drop)
        })?;
        table.rate("submissions per minute", CLASS as f64 / figures.median.as_secs_f64() * 60.0);
    }
    if cold {
        let copy = tempfile::Builder::new()
            .prefix("sockets-course-cold-")
            .tempdir()
            .map_err(|e| cli::error(format!("cannot create a scratch directory: {e}")))?;
        copy_sources(&kit.root, copy.path())?;
        table.measure("cold grade from an empty target directory", 1, || xtask(copy.path(), &grade_solutions))?;
    }
    print!("{}", table.render());
    Ok(ExitCode::SUCCESS)
}

/// Runs `cargo xtask ARGS` in `root` (as a student would), quietly; fails unless every check passes,
/// since figures of a failing grade would mean nothing.
fn xtask(root: &Path, args: &[&str]) -> Result<(), Error> {
    let status = xtask_status(root, args)?;
    if status.success() {
        Ok(())
    } else {
        Err(cli::error(format!(
            "`cargo xtask {}` did not pass ({status}): the figures would mean nothing",
            args.join(" ")
        )))
    }
}

/// How long the checks of a grade of `exercises` take: from the first check started to the report,
/// building excluded. Fails unless every check passes, since figures of a failing grade would
/// mean nothing.
fn checks_time(kit: &Kit, tree: &Path, exercises: &[String], options: &Options) -> Result<Duration, Error> {
    let started: Mutex<Option<Instant>> = Mutex::new(None);
    let progress = |p: Progress| {
        if matches!(p, Progress::Checking { done: 0, .. }) {
            started.lock().expect("not poisoned").get_or_insert_with(Instant::now);
        }
    };
    let report = grade::grade(kit, tree, exercises, options, &progress).map_err(|e| cli::error(e.to_string()))?;
    if !report.all_passed() {
        return Err(cli::error("a solution failed a check: the figures would mean nothing"));
    }
    let started = started.into_inner().expect("not poisoned").unwrap_or_else(Instant::now);
    Ok(started.elapsed())
}

/// Runs every check of one exercise inside its runner's process, without isolation.
fn in_process(runner: &Runner, jobs: usize) -> Result<(), Error> {
    let mut command = Command::new(&runner.judge);
    command.arg("--in-process").arg("--jobs").arg(jobs.to_string());
    if let Some(host) = &runner.host {
        command.arg("--host").arg(host);
    }
    for bin in &runner.bins {
        command.arg("--bin").arg(bin);
    }
    let output = command.output().map_err(|e| cli::error(format!("cannot run {}: {e}", runner.judge.display())))?;
    if !output.status.success() {
        return Err(cli::error(format!(
            "{} --in-process failed: {}",
            runner.judge.display(),
            String::from_utf8_lossy(&output.stdout).trim()
        )));
    }
    Ok(())
}

/// Runs `cargo xtask ARGS` in `root` (as a student would), its output thrown away.
fn xtask_status(root: &Path, args: &[&str]) -> Result<std::process::ExitStatus, Error> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(["run", "--quiet", "--package", "xtask", "--"])
        .args(args)
        .current_dir(root)
        .env_remove("CARGO_TARGET_DIR")
        .stdout(Stdio::null())
        .status()
        .map_err(|e| cli::error(format!("cannot run cargo: {e}")))
}

/// How many submissions the batch figure grades.
const CLASS: usize = 20;

/// A class of [`CLASS`] submissions like a real one: mostly solutions and stubs, a mistake (the
/// greeting without its newline), one exercise that does not compile, one missing, one empty.
fn generate_class(kit: &Kit, solutions: &Path, exercises: &[String]) -> Result<PathBuf, Error> {
    let class = kit.work_dir().join("bench").join("class");
    let _ = fs::remove_dir_all(&class);
    let fail = |e: std::io::Error| cli::error(format!("cannot write the class in {}: {e}", class.display()));
    for n in 0..CLASS {
        let student = class.join(format!("student-{n:02}"));
        fs::create_dir_all(&student).map_err(fail)?;
        if n == CLASS - 1 {
            continue; // an empty folder
        }
        let from = if n % 3 == 2 { kit.root.join("exercises") } else { solutions.to_path_buf() };
        for exercise in exercises {
            if n == CLASS - 2 && exercise.starts_with("03") {
                continue; // a missing exercise
            }
            copy_dir(&from.join(exercise), &student.join(exercise), &|name| name != "target").map_err(fail)?;
        }
        if n == CLASS - 3 {
            let lib = student.join(&exercises[1]).join("src").join("lib.rs");
            let text = fs::read_to_string(&lib).map_err(fail)?;
            fs::write(&lib, format!("{text}\nfn does_not_compile() -> u8 {{ \"text\" }}\n")).map_err(fail)?;
        }
        if n == CLASS - 4 {
            let lib = student.join(&exercises[1]).join("src").join("lib.rs");
            let text = fs::read_to_string(&lib).map_err(fail)?;
            fs::write(&lib, text.replace("Hello, client!\\n", "Hello, client!")).map_err(fail)?;
        }
    }
    Ok(class)
}

/// Scratch trees that fail: a copy of the stubs, and the solutions of the first three exercises
/// with the stubs of the rest.
fn failing_trees(kit: &Kit, solutions: &Path, exercises: &[String]) -> Result<(PathBuf, PathBuf), Error> {
    let bench = kit.work_dir().join("bench");
    let (stubs, half) = (bench.join("stubs"), bench.join("half-done"));
    for (i, exercise) in exercises.iter().enumerate() {
        let stub = kit.root.join("exercises").join(exercise);
        let solved = solutions.join(exercise);
        for (tree, from) in [(&stubs, &stub), (&half, if i < 3 { &solved } else { &stub })] {
            let to = tree.join(exercise);
            // Copied once and kept: an unchanged copy is a warm grade.
            if !to.exists() {
                copy_dir(from, &to, &|_| true)
                    .map_err(|e| cli::error(format!("cannot copy {}: {e}", from.display())))?;
            }
        }
    }
    Ok((stubs, half))
}

/// Runs `cargo xtask ARGS` in `root` on a tree that must fail some check (exit code 1), quietly.
fn xtask_failing(root: &Path, args: &[&str]) -> Result<(), Error> {
    let status = xtask_status(root, args)?;
    match status.code() {
        Some(1) => Ok(()),
        _ => {
            Err(cli::error(format!("`cargo xtask {}` did not fail as a failing tree must ({status})", args.join(" "))))
        }
    }
}

/// A copy of `tree` under the kit's work directory, for the edit benchmark.
fn scratch_copy(kit: &Kit, tree: &Path) -> Result<PathBuf, Error> {
    let copy = kit.work_dir().join("bench").join("solutions-edited");
    let _ = fs::remove_dir_all(&copy);
    copy_dir(tree, &copy, &|_| true).map_err(|e| cli::error(format!("cannot copy {}: {e}", tree.display())))?;
    Ok(copy)
}

/// Copies the kit's sources (everything but build output and version control) for a cold build.
fn copy_sources(root: &Path, to: &Path) -> Result<(), Error> {
    copy_dir(root, to, &|name| name != "target" && name != ".git")
        .map_err(|e| cli::error(format!("cannot copy the kit to {}: {e}", to.display())))
}

fn copy_dir(from: &Path, to: &Path, keep: &dyn Fn(&str) -> bool) -> std::io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if !keep(&name.to_string_lossy()) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to.join(&name), keep)?;
        } else {
            fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// Median, min and max of a series of runs.
#[derive(Clone, Copy)]
struct Figures {
    median: Duration,
    min: Duration,
    max: Duration,
}

enum Row {
    Time(String, Figures, bool),
    Ratio(String, f64),
    /// A count per minute, say.
    Rate(String, f64),
}

/// The figures, in the order measured.
#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

impl Table {
    fn measure(
        &mut self,
        label: &str,
        runs: usize,
        mut work: impl FnMut() -> Result<(), Error>,
    ) -> Result<Figures, Error> {
        let figures = time(runs, &mut work)?;
        self.rows.push(Row::Time(label.to_owned(), figures, false));
        Ok(figures)
    }

    /// Like [`Table::measure`], for work that times itself (a part of what it does).
    fn measure_each(
        &mut self,
        label: &str,
        runs: usize,
        mut work: impl FnMut() -> Result<Duration, Error>,
    ) -> Result<Figures, Error> {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            times.push(work()?);
        }
        let figures = figures(times);
        self.rows.push(Row::Time(label.to_owned(), figures, false));
        Ok(figures)
    }

    fn measure_ms(
        &mut self,
        label: &str,
        runs: usize,
        mut work: impl FnMut() -> Result<(), Error>,
    ) -> Result<(), Error> {
        let figures = time(runs, &mut work)?;
        self.rows.push(Row::Time(label.to_owned(), figures, true));
        Ok(())
    }

    fn ratio(&mut self, label: &str, ratio: f64) {
        self.rows.push(Row::Ratio(label.to_owned(), ratio));
    }

    fn rate(&mut self, label: &str, rate: f64) {
        self.rows.push(Row::Rate(label.to_owned(), rate));
    }

    fn render(&self) -> String {
        let width = self
            .rows
            .iter()
            .map(|r| match r {
                Row::Time(l, ..) | Row::Ratio(l, _) | Row::Rate(l, _) => l.len(),
            })
            .max()
            .unwrap_or(0);
        let mut out = format!("{:<width$}  {:>10}  {:>10}  {:>10}\n", "figure", "median", "min", "max");
        for row in &self.rows {
            match row {
                Row::Time(label, f, in_ms) => {
                    let show = |d: Duration| {
                        if *in_ms {
                            format!("{:.2} ms", d.as_secs_f64() * 1e3)
                        } else {
                            format!("{:.3} s", d.as_secs_f64())
                        }
                    };
                    out.push_str(&format!(
                        "{label:<width$}  {:>10}  {:>10}  {:>10}\n",
                        show(f.median),
                        show(f.min),
                        show(f.max)
                    ));
                }
                Row::Ratio(label, ratio) => out.push_str(&format!("{label:<width$}  {:>10}\n", format!("{ratio:.2}×"))),
                Row::Rate(label, rate) => out.push_str(&format!("{label:<width$}  {:>10}\n", format!("{rate:.1}"))),
            }
        }
        out
    }
}

fn time(runs: usize, work: &mut impl FnMut() -> Result<(), Error>) -> Result<Figures, Error> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        work()?;
        times.push(started.elapsed());
    }
    Ok(figures(times))
}

fn figures(mut times: Vec<Duration>) -> Figures {
    times.sort();
    Figures { median: times[times.len() / 2], min: times[0], max: times[times.len() - 1] }
}
