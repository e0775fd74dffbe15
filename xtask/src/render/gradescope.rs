//! Gradescope's `results.json` (`--format gradescope`), as its autograder specification defines it:
//! a top-level `score` and `execution_time` (seconds), and one test per check with `name`,
//! `number`, `score`, `max_score`, `status`, `output`, `tags` and `visibility`. The per-check wall
//! time, which the specification has no field for, goes into each test's `extra_data`.
//!
//! A test's output is the explanation a student reads in the human format (what the grader did,
//! expected, got, a hint, the conversation and what the code printed); the top-level output sums
//! up each exercise and repeats why an exercise did not build.

use std::fmt::Write;
use std::time::Duration;

use grader::report::{CheckReport, Report, Status};
use serde::Serialize;

use crate::render::human::{self, Detail};
use crate::render::json;
use crate::style::Style;

/// Who sees the tests, and when: `visible` shows every check's result to the student at once,
/// which is what this kit's feedback is for.
const VISIBILITY: &str = "visible";
/// Gradescope's visibility for the result of a private check.
const PRIVATE_VISIBILITY: &str = "after_published";

/// `results.json`.
#[derive(Serialize)]
struct Results {
    score: u32,
    execution_time: u64,
    output: String,
    output_format: &'static str,
    visibility: &'static str,
    stdout_visibility: &'static str,
    tests: Vec<Test>,
}

/// One check.
#[derive(Serialize)]
struct Test {
    name: String,
    number: String,
    score: u32,
    max_score: u32,
    status: &'static str,
    output: String,
    output_format: &'static str,
    tags: Vec<String>,
    visibility: &'static str,
    extra_data: Extra,
}

/// What the specification has no field for.
#[derive(Serialize)]
struct Extra {
    exercise: String,
    check: String,
    status: &'static str,
    execution_time_ms: u64,
}

/// The report as Gradescope's `results.json`.
pub fn render(report: &Report, elapsed: Duration) -> String {
    let mut tests = Vec::new();
    for (e, exercise) in report.exercises.iter().enumerate() {
        // Numbered like the exercise folders: the checks of 03-client are 3.1, 3.2, …
        let number = exercise.name.get(..2).and_then(|n| n.parse::<usize>().ok()).unwrap_or(e + 1);
        for (c, check) in exercise.checks.iter().enumerate() {
            tests.push(Test {
                name: format!("{} · {}", exercise.name, check.title),
                number: format!("{number}.{}", c + 1),
                score: check.score(),
                max_score: check.points,
                status: if check.status == Status::Pass { "passed" } else { "failed" },
                output: output(check),
                output_format: "text",
                tags: vec![exercise.name.clone(), check.step.label().to_owned()],
                // A private check's result is for final grading: students see it once the
                // instructor publishes the grades.
                visibility: if check.private { PRIVATE_VISIBILITY } else { VISIBILITY },
                extra_data: Extra {
                    exercise: exercise.name.clone(),
                    check: check.id.clone(),
                    status: json::status_name(check.status),
                    execution_time_ms: check.duration_ms,
                },
            });
        }
    }
    let results = Results {
        score: report.score(),
        // Whole seconds, rounded up: a grade that took 0.4 s did take time.
        execution_time: json::millis(elapsed).div_ceil(1000),
        output: summary(report),
        output_format: "text",
        visibility: VISIBILITY,
        // The grader's own log is for the instructor.
        stdout_visibility: "hidden",
        tests,
    };
    let mut json = serde_json::to_string_pretty(&results).expect("plain data serialises");
    json.push('\n');
    json
}

fn output(check: &CheckReport) -> String {
    let style = Style::plain();
    let mut out = match check.status {
        Status::Pass => "passed".to_owned(),
        Status::Fail => "failed".to_owned(),
        Status::Timeout => "timed out".to_owned(),
        Status::Error => "grader error (not your fault: tell your instructor)".to_owned(),
    };
    let _ = writeln!(out, " (check {}, step {})", check.id, check.step.label());
    if check.status != Status::Pass {
        out.push_str(&human::verdict(check, &style, Detail::Failures));
        out.push_str(&human::printed(check, &style));
    }
    out.trim_end().to_owned()
}

fn summary(report: &Report) -> String {
    let mut out = String::new();
    for exercise in &report.exercises {
        let _ = writeln!(
            out,
            "{}: {}/{} points, {}/{} checks passed",
            exercise.name,
            exercise.score(),
            exercise.max_score(),
            exercise.passed(),
            exercise.checks.len()
        );
        if let Some(broken) = &exercise.broken {
            let _ = writeln!(out, "  {}\n{}", broken.summary, indent(&broken.detail));
        }
    }
    let _ = write!(
        out,
        "Total: {}/{} points, {}/{} checks passed",
        report.score(),
        report.max_score(),
        report.passed(),
        report.total()
    );
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}
