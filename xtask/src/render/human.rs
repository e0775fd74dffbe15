//! The report as a student reads it: per exercise a line per check (✓ or ✗), and under each
//! failure what the grader did, what it expected, what it got, a hint, the conversation and what
//! the student's code printed.
//!
//! Much of that text comes from student code (a panic message, what it printed, a returned error,
//! even its source quoted by the compiler). It is shown with control characters escaped (`\r`,
//! `\x1b`) and with every line of it indented, so that nothing student code writes can move the
//! cursor, rewrite a line, or start a line of its own such as a fake `Total: 29/29`.

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
        lines(out, &format!("  {} ", style.red("✗")), "    ", &broken.summary);
        for line in broken.detail.lines() {
            let _ = writeln!(out, "      {}", clean(line));
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
    let _ = writeln!(out, "  {mark} {}", clean(&check.title));
    let show_details = check.status != Status::Pass || detail == Detail::Everything;
    if !show_details {
        return;
    }
    let field = |out: &mut String, name: &str, value: &str| {
        if !value.is_empty() {
            let heading = format!("      {} ", style.dim(&format!("{name:<9}")));
            lines(out, &heading, &" ".repeat(16), value);
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
            lines(out, "        ", &" ".repeat(20), &line.to_string());
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
        let _ = writeln!(out, "        {}", clean(line));
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

/// Writes `text` line by line: the first after `first`, the others after `rest` (an indent).
fn lines(out: &mut String, first: &str, rest: &str, text: &str) {
    for (i, line) in text.lines().enumerate() {
        let _ = writeln!(out, "{}{}", if i == 0 { first } else { rest }, clean(line));
    }
}

/// One line of text as it may be shown on a terminal: control characters (carriage return,
/// escape, backspace...) are written as escapes, tabs kept.
fn clean(line: &str) -> String {
    let mut shown = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\t' => shown.push(c),
            '\r' => shown.push_str("\\r"),
            c if c.is_control() => {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    shown.push_str(&format!("\\x{b:02x}"));
                }
            }
            c => shown.push(c),
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use grader::check::{Fail, Step};
    use grader::report::{CheckReport, ExerciseReport, Output, Report, Status};

    fn report_with(fail: Fail, stdout: &str) -> Report {
        let check = CheckReport {
            id: "c".into(),
            title: "a check".into(),
            step: Step::Bind,
            status: Status::Fail,
            fail: Some(fail),
            transcript: vec![],
            stdout: Output { text: stdout.into(), dropped: 0 },
            stderr: Output::default(),
            duration_ms: 1,
        };
        Report {
            tree: "t".into(),
            exercises: vec![ExerciseReport { name: "01-bind".into(), broken: None, checks: vec![check] }],
        }
    }

    #[test]
    fn student_text_cannot_start_a_line_or_drive_the_terminal() {
        let fake = "Total: 29/29 checks passed, 3/3 exercises complete";
        let fail = Fail::new("called bind").expected("Ok").got(format!("a panic: boom\n{fake}\r\x1b[1A"));
        let out =
            render(&report_with(fail, &format!("\r\x1b[2K{fake}\n✓ all good")), &Style::plain(), Detail::Failures);
        let totals: Vec<&str> = out.lines().filter(|l| l.starts_with("Total: ")).collect();
        assert_eq!(totals, ["Total: 0/1 checks passed, 0/1 exercises complete"], "{out}");
        assert!(!out.contains('\r') && !out.contains('\x1b'), "{out:?}");
        assert!(out.contains(r"\r\x1b[2KTotal: 29/29"), "escaped, still readable: {out}");
    }
}
