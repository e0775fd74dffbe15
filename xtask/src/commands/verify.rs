//! `cargo xtask verify`: the kit's self-check. Every check must fail on the stub (exercises/) and
//! pass on the solution (solutions/): a check that cannot fail proves nothing, and one the
//! solution fails is wrong. Each stub must also export the same public API as its solution.

use std::ffi::OsString;
use std::process::ExitCode;

use grader::grade::{self, Options};
use grader::report::{ExerciseReport, Report, Status};

use crate::api;
use crate::cli::{self, Error};
use crate::style::Style;

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let kit = cli::kit();
    let mut named: Vec<OsString> = Vec::new();
    // Every check, private ones included, must fail on its stub and pass on its solution.
    let mut options = Options { private: true, ..Options::default() };
    while let Some(arg) = parser.next()? {
        match arg {
            Short('j') | Long("jobs") => options.jobs = cli::jobs(parser.value()?)?,
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(name) => named.push(name),
            other => return Err(other.unexpected().into()),
        }
    }
    cli::solutions(&kit, "verify")?;
    let exercises = cli::select_exercises(&kit, &named)?;
    let quiet = |_| {};
    let grade = |tree: &str| {
        grade::grade(&kit, &kit.root.join(tree), &exercises, &options, &quiet).map_err(|e| cli::error(e.to_string()))
    };
    let stubs = grade("exercises")?;
    let solutions = grade("solutions")?;

    let style = Style::for_stdout();
    let mut violations = Vec::new();
    let rows = table(&stubs, &solutions, &mut violations);
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    println!("{}", style.bold(&format!("{:<width$}  {:<16}  {:<16}", "check", "on the stub", "on the solution")));
    for (name, stub, solution, ok) in &rows {
        let line = format!("{name:<width$}  {stub:<16}  {solution:<16}");
        println!("{}", if *ok { line } else { style.red(&line) });
    }
    println!();
    for exercise in &exercises {
        let stub = api::public_api(&kit.root.join("exercises").join(exercise).join("src/lib.rs"));
        let solution = api::public_api(&kit.root.join("solutions").join(exercise).join("src/lib.rs"));
        match (stub, solution) {
            (Ok(stub), Ok(solution)) if stub == solution => {
                println!(
                    "{} {exercise}: stub and solution export the same public API ({} items)",
                    style.green("✓"),
                    stub.len()
                );
            }
            (Ok(stub), Ok(solution)) => {
                println!("{} {exercise}: the public APIs differ", style.red("✗"));
                for item in stub.difference(&solution) {
                    println!("    only in the stub:     {item}");
                }
                for item in solution.difference(&stub) {
                    println!("    only in the solution: {item}");
                }
                violations.push(format!("{exercise}: public API differs"));
            }
            (Err(e), _) | (_, Err(e)) => {
                println!("{} {exercise}: {e}", style.red("✗"));
                violations.push(format!("{exercise}: {e}"));
            }
        }
    }
    println!();
    let checks = rows.len();
    if violations.is_empty() {
        println!(
            "{}",
            style.green(&format!(
                "verify: all {checks} checks fail on the stubs and pass on the solutions; {} APIs match",
                exercises.len()
            ))
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{}", style.red(&format!("verify: {} problems", violations.len())));
        for violation in &violations {
            println!("  - {violation}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// One row per check: name, verdict on the stub, verdict on the solution, whether that is right.
fn table(stubs: &Report, solutions: &Report, violations: &mut Vec<String>) -> Vec<(String, String, String, bool)> {
    let mut rows = Vec::new();
    for (stub, solution) in stubs.exercises.iter().zip(&solutions.exercises) {
        for broken in [stub, solution].into_iter().filter_map(|e: &ExerciseReport| e.broken.as_ref()) {
            violations.push(format!("{}: does not build: {}", stub.name, broken.summary));
        }
        if stub.checks.len() != solution.checks.len() {
            violations.push(format!("{}: the stub and the solution ran different checks", stub.name));
        }
        for (s, t) in stub.checks.iter().zip(&solution.checks) {
            let stub_ok = matches!(s.status, Status::Fail | Status::Timeout);
            let solution_ok = t.status == Status::Pass;
            let name = format!("{}/{}", stub.name, s.id);
            if !stub_ok {
                violations.push(format!("{name}: does not fail on the stub ({})", status(s.status)));
            }
            if !solution_ok {
                let why = t.fail.as_ref().map(|f| f.got.clone()).unwrap_or_default();
                violations.push(format!("{name}: does not pass on the solution ({}: {why})", status(t.status)));
            }
            let mark = |ok: bool| if ok { "✓" } else { "✗" };
            rows.push((
                name,
                format!("{} {}", status(s.status), mark(stub_ok)),
                format!("{} {}", status(t.status), mark(solution_ok)),
                stub_ok && solution_ok,
            ));
        }
    }
    rows
}

fn status(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Timeout => "timeout",
        Status::Error => "grader error",
    }
}
