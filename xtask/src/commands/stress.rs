//! `cargo xtask stress N [EXERCISE...]`: grades the solutions (or `--tree DIR`) N times, two at once, and
//! reports every check whose verdict was not the same in all N grades, with how often it got each
//! verdict. A check that passes and fails on the same code is flaky, and a flaky check is a defect:
//! a student cannot tell its verdicts from the truth.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use grader::check::Fail;
use grader::grade::{self, Options};
use grader::report::{Report, Status};

use crate::cli::{self, Error};

/// How many grades run at once unless `--at-once` says otherwise: two grades sharing the machine
/// is what a class does on a lab machine, and what finds checks that depend on having it alone.
const AT_ONCE: usize = 2;

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let kit = cli::kit();
    let mut count: Option<usize> = None;
    let mut named = Vec::new();
    let mut tree: Option<PathBuf> = None;
    let mut at_once = AT_ONCE;
    // The instructor's tool: private checks are checked for flakiness too.
    let mut options = Options { private: true, ..Options::default() };
    while let Some(arg) = parser.next()? {
        match arg {
            Long("tree") => tree = Some(cli::check_tree(&PathBuf::from(parser.value()?))?),
            Long("at-once") => at_once = positive(parser.value()?, "--at-once takes how many grades run at once")?,
            Short('j') | Long("jobs") => options.jobs = cli::jobs(parser.value()?)?,
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(value) if count.is_none() => {
                count = Some(positive(value, "stress takes how many grades to run, at least 1")?);
            }
            Value(name) => named.push(name),
            other => return Err(other.unexpected().into()),
        }
    }
    let count = count.ok_or_else(|| cli::error("stress takes how many grades to run: `cargo xtask stress 200`"))?;
    let tree = match tree {
        Some(tree) => tree,
        None => cli::solutions(&kit, "stress")?,
    };
    let shown_tree = tree.strip_prefix(&kit.root).unwrap_or(&tree).display().to_string();
    let exercises = cli::select_exercises(&kit, &named)?;

    // Built once, first: the grades below measure the checks, not the compiler.
    grader::tree::build(&kit, &tree, &exercises).map_err(|e| cli::error(e.to_string()))?;
    let live = std::io::stderr().is_terminal();
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let tally = Mutex::new(Tally::default());
    let failure: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..at_once.min(count) {
            scope.spawn(|| {
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    match grade::grade(&kit, &tree, &exercises, &options, &|_| {}) {
                        Ok(report) => tally.lock().expect("not poisoned").add(&report),
                        Err(error) => {
                            failure.lock().expect("not poisoned").get_or_insert(error.to_string());
                            next.store(count, Ordering::Relaxed);
                        }
                    }
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if live {
                        eprint!("\r\x1b[2Kstress: {finished}/{count} grades…");
                        let _ = std::io::stderr().flush();
                    }
                }
            });
        }
    });
    if live {
        eprint!("\r\x1b[2K");
    }
    if let Some(error) = failure.into_inner().expect("not poisoned") {
        return Err(cli::error(format!("a grade of {shown_tree} could not run: {error}")));
    }
    let tally = tally.into_inner().expect("not poisoned");
    print!("{}", tally.render(&shown_tree, count, at_once, options.jobs, started.elapsed().as_secs_f64()));
    Ok(if tally.differing().next().is_none() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn positive(value: std::ffi::OsString, problem: &str) -> Result<usize, Error> {
    value
        .to_str()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| cli::error(format!("{problem} (got {value:?})")))
}

/// The verdicts of each check over all grades.
#[derive(Default)]
struct Tally {
    /// `exercise/check` → verdict → how many times, with the first failure of that verdict.
    checks: BTreeMap<String, BTreeMap<&'static str, (usize, Option<Fail>)>>,
    /// The order the checks were first seen in (the curriculum's).
    order: Vec<String>,
}

impl Tally {
    fn add(&mut self, report: &Report) {
        for exercise in &report.exercises {
            for check in &exercise.checks {
                let key = format!("{}/{}", exercise.name, check.id);
                if !self.checks.contains_key(&key) {
                    self.order.push(key.clone());
                }
                let seen = self.checks.entry(key).or_default().entry(name(check.status)).or_insert((0, None));
                seen.0 += 1;
                if seen.1.is_none() {
                    seen.1.clone_from(&check.fail);
                }
            }
        }
    }

    /// The checks that got more than one verdict, in curriculum order.
    fn differing(&self) -> impl Iterator<Item = (&String, &BTreeMap<&'static str, (usize, Option<Fail>)>)> {
        self.order.iter().map(|key| (key, &self.checks[key])).filter(|(_, verdicts)| verdicts.len() > 1)
    }

    fn render(&self, tree: &str, count: usize, at_once: usize, jobs: usize, seconds: f64) -> String {
        let verdicts: usize = self.checks.values().flat_map(|v| v.values().map(|(n, _)| n)).sum();
        let mut out = format!(
            "stress: {count} grades of {tree}, {at_once} at once, {jobs} checks at once in each: \
             {verdicts} verdicts of {} checks in {seconds:.1} s\n",
            self.checks.len()
        );
        let differing: Vec<_> = self.differing().collect();
        for (key, verdicts) in &differing {
            let counts: Vec<String> = verdicts.iter().map(|(verdict, (n, _))| format!("{verdict} {n}")).collect();
            out.push_str(&format!("  {key}: {}\n", counts.join(", ")));
            for (verdict, (_, fail)) in verdicts.iter() {
                if let Some(fail) = fail {
                    out.push_str(&format!("      first {verdict}: {fail}\n"));
                }
            }
        }
        let never_passed = self.checks.values().filter(|v| !v.contains_key("pass")).count();
        if never_passed > 0 {
            out.push_str(&format!("note: {never_passed} checks did not pass in any grade (not a flake: see verify)\n"));
        }
        if differing.is_empty() {
            out.push_str(&format!(
                "stress: 0 differing verdicts: every check got the same verdict in all {count} grades\n"
            ));
        } else {
            out.push_str(&format!(
                "stress: {} of {} checks got differing verdicts: flaky checks (or flaky code in the tree)\n",
                differing.len(),
                self.checks.len()
            ));
        }
        out
    }
}

fn name(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Timeout => "timeout",
        Status::Error => "grader error",
    }
}
