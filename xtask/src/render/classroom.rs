//! The result GitHub Classroom's autograding reporter reads (`--format classroom`).
//!
//! GitHub Classroom's workflow hands each grading step's result to
//! `classroom-resources/autograding-grading-reporter` as base64-encoded JSON, the shape its own
//! runner actions (command, io and python graders) write: `version` 1, an overall `status`, the
//! `max_score`, and `tests` with `name`, `status`, `message`, `score`, `duration` (ms). The
//! reporter sends the sum of the tests' `score` over `max_score` to Classroom as the points, so
//! each check becomes one test worth its points. The workflow template in
//! `templates/github-classroom/` base64-encodes this file into the step's `result` output.
//!
//! Messages are the one-line explanation of a failure, cut short: the reporter receives the result
//! through an environment variable, and Linux refuses a single one longer than 128 KiB.

use std::time::Duration;

use grader::report::{Report, Status};
use serde::Serialize;

/// The longest message kept, in characters.
const MESSAGE_LIMIT: usize = 400;

#[derive(Serialize)]
struct Result {
    version: u32,
    status: &'static str,
    max_score: u32,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Test {
    name: String,
    status: &'static str,
    message: Option<String>,
    test_code: String,
    filename: String,
    line_no: u32,
    duration: u64,
    score: u32,
}

/// The report as the reporter's runner result (plain JSON; the workflow encodes it).
pub fn render(report: &Report, _elapsed: Duration) -> String {
    let mut tests = Vec::new();
    for exercise in &report.exercises {
        for check in &exercise.checks {
            tests.push(Test {
                name: format!("{} · {}", exercise.name, check.title),
                status: match check.status {
                    Status::Pass => "pass",
                    Status::Fail | Status::Timeout => "fail",
                    Status::Error => "error",
                },
                message: check.fail.as_ref().map(|f| cut(&f.to_string())),
                test_code: format!("cargo xtask grade {} (check {})", exercise.name, check.id),
                filename: String::new(),
                line_no: 0,
                duration: check.duration_ms,
                score: check.score(),
            });
        }
    }
    let status = if tests.iter().any(|t| t.status == "error") {
        "error"
    } else if report.all_passed() {
        "pass"
    } else {
        "fail"
    };
    let result = Result { version: 1, status, max_score: report.max_score(), tests };
    let mut json = serde_json::to_string(&result).expect("plain data serialises");
    json.push('\n');
    json
}

fn cut(message: &str) -> String {
    match message.char_indices().nth(MESSAGE_LIMIT) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut_on_a_character_boundary() {
        assert_eq!(cut("short"), "short");
        let long = "é".repeat(MESSAGE_LIMIT + 10);
        let shown = cut(&long);
        assert_eq!(shown.chars().count(), MESSAGE_LIMIT + 1);
        assert!(shown.ends_with('…'));
    }
}
