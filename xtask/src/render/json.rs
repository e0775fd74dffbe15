//! The kit's own machine-readable report (`--format json`), versioned by its `schema` field and
//! documented in the README ("The JSON report"). Batch grading writes one per student and reads
//! them back, so the document types serialise and deserialise.
//!
//! The schema is a contract with the scripts of instructors: a field is never renamed or given
//! another meaning without a new `schema` number. Adding a field is allowed.

use std::time::Duration;

use grader::Fail;
use grader::report::{CheckReport, ExerciseReport, Output, Report, Status};
use serde::{Deserialize, Serialize};

/// The version of the schema this module writes.
pub const SCHEMA: u32 = 1;

/// A whole grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The folder graded, as given on the command line.
    pub tree: String,
    /// Points earned over all exercises.
    pub points: u32,
    /// Points there are to earn.
    pub max_points: u32,
    /// Checks passed.
    pub passed: usize,
    /// Checks run or counted.
    pub total: usize,
    /// Private checks this grade did not run (a student's grade runs the public ones only);
    /// they are not in `total` nor in `max_points`.
    #[serde(default)]
    pub withheld: usize,
    /// Wall time of the whole grade (build included), in milliseconds.
    pub duration_ms: u64,
    /// Which isolation was in force for student code, in one sentence.
    #[serde(default)]
    pub isolation: String,
    /// The exercises, in curriculum order.
    pub exercises: Vec<Exercise>,
}

/// One exercise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exercise {
    /// `01-bind`.
    pub exercise: String,
    /// Points earned.
    pub points: u32,
    /// Points there are to earn.
    pub max_points: u32,
    /// Checks passed.
    pub passed: usize,
    /// Checks run or counted.
    pub total: usize,
    /// Private checks of this exercise that this grade did not run.
    #[serde(default)]
    pub withheld: usize,
    /// Set when the exercise could not be built (or is missing): all its checks then fail.
    pub broken: Option<Broken>,
    /// What the graded folder holds that the build ignored (only the `.rs` files of `src/` count).
    #[serde(default)]
    pub ignored: Vec<String>,
    /// The checks, in declaration order.
    pub checks: Vec<Check>,
}

/// Why an exercise could not be built.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Broken {
    /// One line, e.g. `your crate does not compile: 01-bind/src/lib.rs:12:5: mismatched types`.
    pub summary: String,
    /// The compiler's message, cut to a readable length.
    pub detail: String,
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// The exercise it belongs to (repeated, so that a check stands alone).
    pub exercise: String,
    /// The check's stable id, e.g. `ephemeral-port`.
    pub check: String,
    /// What it establishes.
    pub title: String,
    /// The lifecycle step, e.g. `bind`, `read-write`.
    pub step: String,
    /// `pass`, `fail`, `error` (the grader could not run it) or `timeout`.
    pub status: String,
    /// Points earned: `max_points` for a pass, 0 otherwise.
    pub points: u32,
    /// What the check is worth.
    pub max_points: u32,
    /// Whether the check is private: run at final grading, not in a student's own grade.
    #[serde(default)]
    pub private: bool,
    /// One line saying why it did not pass; `null` for a pass.
    pub message: Option<String>,
    /// The same, field by field; `null` for a pass.
    pub details: Option<Details>,
    /// The conversation between the grader and the student's code.
    pub transcript: Vec<TranscriptLine>,
    /// What the student's code printed on stdout during the check.
    pub stdout: Printed,
    /// What it printed on stderr.
    pub stderr: Printed,
    /// Wall time of the check, in milliseconds.
    pub duration_ms: u64,
}

/// Why a check did not pass, field by field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// What the grader did.
    pub did: String,
    /// What correct code would have done.
    pub expected: String,
    /// What the student's code did instead.
    pub got: String,
    /// Where to look; `null` when there is no hint.
    pub hint: Option<String>,
}

/// A line of the conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptLine {
    /// `grader` or `student`.
    pub who: String,
    /// What happened, e.g. `14 bytes "Hello, server!"`.
    pub text: String,
}

/// Output of a stream, bounded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Printed {
    /// The first bytes, as text (invalid UTF-8 replaced).
    pub text: String,
    /// How many further bytes were left out.
    pub dropped_bytes: u64,
}

/// The status as the schema spells it.
pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Error => "error",
        Status::Timeout => "timeout",
    }
}

/// The document for a report.
pub fn document(report: &Report, elapsed: Duration) -> Document {
    Document {
        schema: SCHEMA,
        tree: report.tree.clone(),
        points: report.score(),
        max_points: report.max_score(),
        passed: report.passed(),
        total: report.total(),
        withheld: report.withheld(),
        duration_ms: millis(elapsed),
        isolation: report.isolation.clone(),
        exercises: report.exercises.iter().map(exercise).collect(),
    }
}

/// The report as pretty-printed JSON, with a final newline.
pub fn render(report: &Report, elapsed: Duration) -> String {
    let mut json = serde_json::to_string_pretty(&document(report, elapsed)).expect("plain data serialises");
    json.push('\n');
    json
}

fn exercise(exercise: &ExerciseReport) -> Exercise {
    Exercise {
        exercise: exercise.name.clone(),
        points: exercise.score(),
        max_points: exercise.max_score(),
        passed: exercise.passed(),
        total: exercise.checks.len(),
        withheld: exercise.withheld,
        broken: exercise.broken.as_ref().map(|b| Broken { summary: b.summary.clone(), detail: b.detail.clone() }),
        ignored: exercise.ignored.clone(),
        checks: exercise.checks.iter().map(|c| check(&exercise.name, c)).collect(),
    }
}

fn check(exercise: &str, check: &CheckReport) -> Check {
    Check {
        exercise: exercise.to_owned(),
        check: check.id.clone(),
        title: check.title.clone(),
        step: step_name(check.step),
        status: status_name(check.status).to_owned(),
        points: check.score(),
        max_points: check.points,
        private: check.private,
        message: check.fail.as_ref().map(Fail::to_string),
        details: check.fail.as_ref().map(|f| Details {
            did: f.did.clone(),
            expected: f.expected.clone(),
            got: f.got.clone(),
            hint: f.hint.clone(),
        }),
        transcript: check
            .transcript
            .iter()
            .map(|l| TranscriptLine { who: serde_name(&l.who), text: l.text.clone() })
            .collect(),
        stdout: printed(&check.stdout),
        stderr: printed(&check.stderr),
        duration_ms: check.duration_ms,
    }
}

fn printed(output: &Output) -> Printed {
    Printed { text: output.text.clone(), dropped_bytes: output.dropped }
}

/// The step's serde name (`read-write`): the harness owns the spelling, the schema repeats it.
fn step_name(step: grader::Step) -> String {
    serde_name(&step)
}

fn serde_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        other => format!("{other:?}"),
    }
}

/// Milliseconds, saturating.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
