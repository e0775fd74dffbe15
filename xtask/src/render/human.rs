//! The report as a student reads it: per exercise a line per check (✓ or ✗), and under each
//! failure what the grader did, what it expected, what it got, a hint, the conversation and what
//! the student's code printed.

use std::fmt::Write;

use grader::report::{CheckReport, ExerciseReport, Output, Report, Status};

use crate::style::Style;

/// How much to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Only the totals.
    Totals,
    /// Every check's line, and details of failures.
    Failures,
    /// Details of passed checks too.
    Everything,
}

/// The report as text.
pub fn render(report: &Report, style: &Style, detail: Detail) -> String {
    let mut out = String::new();
    if detail != Detail::Totals {
        for exercise in &report.exercises {
            exercise_section(&mut out, exercise, style, detail);
        }
    }
    let checks = format!("{}/{} checks passed", report.passed(), report.total());
    let exercises = format!("{}/{} exercises complete", report.complete(), report.exercises.len());
    let total = format!("Total: {checks}, {exercises}");
    let _ = writeln!(out, "{}", if report.all_passed() { style.green(&total) } else { style.bold(&total) });
    if detail != Detail::Totals
        && let Some(next) = report.exercises.iter().find(|e| !e.complete())
    {
        let _ = writeln!(out, "Next: {} (the first exercise not complete yet)", next.name);
    }
    out
}

fn exercise_section(out: &mut String, exercise: &ExerciseReport, style: &Style, detail: Detail) {
    let score = format!("{}/{}", exercise.passed(), exercise.checks.len());
    let score = if exercise.complete() { style.green(&score) } else { score };
    let _ = writeln!(out, "{}  {score}", style.bold(&exercise.name));
    if let Some(broken) = &exercise.broken {
        let _ = writeln!(out, "  {} {}", style.red("✗"), broken.summary);
        for line in broken.detail.lines() {
            let _ = writeln!(out, "      {line}");
        }
        let count = exercise.checks.len();
        let _ =
            writeln!(out, "  {}", style.dim(&format!("{count} checks not run: every check needs the crate to build")));
        let _ = writeln!(out);
        return;
    }
    for check in &exercise.checks {
        check_lines(out, check, style, detail);
    }
    let _ = writeln!(out);
}

fn check_lines(out: &mut String, check: &CheckReport, style: &Style, detail: Detail) {
    let mark = match check.status {
        Status::Pass => style.green("✓"),
        Status::Fail => style.red("✗"),
        Status::Timeout => style.yellow("✗ timed out:"),
        Status::Error => style.yellow("! grader error:"),
    };
    let _ = writeln!(out, "  {mark} {}", check.title);
    let show_details = check.status != Status::Pass || detail == Detail::Everything;
    if !show_details {
        return;
    }
    let field = |out: &mut String, name: &str, value: &str| {
        if !value.is_empty() {
            let _ = writeln!(out, "      {} {value}", style.dim(&format!("{name:<9}")));
        }
    };
    if let Some(fail) = &check.fail {
        field(out, "step", &format!("{}: {}", check.step.label(), check.step.explain()));
        field(out, "grader", &fail.did);
        field(out, "expected", &fail.expected);
        field(out, "got", &fail.got);
        if let Some(hint) = &fail.hint {
            field(out, "hint", hint);
        }
    }
    // Two lines (the call and its panic) say no more than the message; longer ones show the exchange.
    if !check.transcript.is_empty() && (check.transcript.len() > 2 || detail == Detail::Everything) {
        let _ = writeln!(out, "      {}", style.dim("conversation"));
        for line in &check.transcript {
            let _ = writeln!(out, "        {line}");
        }
    }
    printed(out, "your code printed on stdout", &check.stdout, style);
    printed(out, "your code printed on stderr", &check.stderr, style);
}

fn printed(out: &mut String, heading: &str, output: &Output, style: &Style) {
    if output.is_empty() {
        return;
    }
    let _ = writeln!(out, "      {}", style.dim(heading));
    for line in output.text.lines().take(20) {
        let _ = writeln!(out, "        {line}");
    }
    let more_lines = output.text.lines().count().saturating_sub(20);
    if more_lines > 0 || output.dropped > 0 {
        let _ = writeln!(
            out,
            "        {}",
            style.dim(&format!("… ({more_lines} more lines, {} more bytes)", output.dropped))
        );
    }
}
