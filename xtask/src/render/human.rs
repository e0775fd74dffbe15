//! The report as a student reads it: per exercise a line per check (✓ or ✗) and the points
//! earned, and under each failure what the grader did, what it expected, what it got, a hint, the
//! conversation and what the student's code printed. The machine formats reuse [`verdict`] and
//! [`printed`], so that a failure reads the same everywhere.

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
    let points = format!("{}/{} points", report.score(), report.max_score());
    let exercises = format!("{}/{} exercises complete", report.complete(), report.exercises.len());
    let total = format!("Total: {checks}, {points}, {exercises}");
    let _ = writeln!(out, "{}", if report.all_passed() { style.green(&total) } else { style.bold(&total) });
    if detail != Detail::Totals
        && let Some(next) = report.exercises.iter().find(|e| !e.complete())
    {
        let _ = writeln!(out, "Next: {} (the first exercise not complete yet)", next.name);
    }
    out
}

fn exercise_section(out: &mut String, exercise: &ExerciseReport, style: &Style, detail: Detail) {
    let score = format!(
        "{}/{} checks, {}/{} points",
        exercise.passed(),
        exercise.checks.len(),
        exercise.score(),
        exercise.max_score()
    );
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
    // Most checks are worth one point; only the heavier ones say so.
    let worth = if check.points == 1 { String::new() } else { style.dim(&format!(" ({} points)", check.points)) };
    let _ = writeln!(out, "  {mark} {}{worth}", check.title);
    let show_details = check.status != Status::Pass || detail == Detail::Everything;
    if show_details {
        for line in verdict(check, style, detail).lines().chain(printed(check, style).lines()) {
            let _ = writeln!(out, "      {line}");
        }
    }
}

/// Why a check ended as it did, one field per line: the lifecycle step, what the grader did, what
/// it expected and got, a hint, and the conversation. Not indented; the machine formats reuse it
/// so that a failure reads the same everywhere.
pub fn verdict(check: &CheckReport, style: &Style, detail: Detail) -> String {
    let mut out = String::new();
    let field = |out: &mut String, name: &str, value: &str| {
        if !value.is_empty() {
            let _ = writeln!(out, "{} {value}", style.dim(&format!("{name:<9}")));
        }
    };
    if let Some(fail) = &check.fail {
        field(&mut out, "step", &format!("{}: {}", check.step.label(), check.step.explain()));
        field(&mut out, "grader", &fail.did);
        field(&mut out, "expected", &fail.expected);
        field(&mut out, "got", &fail.got);
        if let Some(hint) = &fail.hint {
            field(&mut out, "hint", hint);
        }
    }
    // Two lines (the call and its panic) say no more than the message; longer ones show the exchange.
    if !check.transcript.is_empty() && (check.transcript.len() > 2 || detail == Detail::Everything) {
        let _ = writeln!(out, "{}", style.dim("conversation"));
        for line in &check.transcript {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

/// What the student's code printed during the check, under a heading per stream, cut to 20 lines.
pub fn printed(check: &CheckReport, style: &Style) -> String {
    let mut out = String::new();
    stream(&mut out, "your code printed on stdout", &check.stdout, style);
    stream(&mut out, "your code printed on stderr", &check.stderr, style);
    out
}

fn stream(out: &mut String, heading: &str, output: &Output, style: &Style) {
    if output.is_empty() {
        return;
    }
    let _ = writeln!(out, "{}", style.dim(heading));
    for line in output.text.lines().take(20) {
        let _ = writeln!(out, "  {line}");
    }
    let more_lines = output.text.lines().count().saturating_sub(20);
    if more_lines > 0 || output.dropped > 0 {
        let _ =
            writeln!(out, "  {}", style.dim(&format!("… ({more_lines} more lines, {} more bytes)", output.dropped)));
    }
}
