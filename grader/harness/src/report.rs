//! What a grade found: per exercise, per check, a status and everything a student needs to
//! understand it. Output formats render this; they never decide anything.

use serde::{Deserialize, Serialize};

use crate::check::{Fail, Step};
use crate::transcript::Line;
use crate::tree::Broken;

/// How a check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Student code did what the step requires.
    Pass,
    /// It did not (this includes panics, early exits and crashes).
    Fail,
    /// The grader could not run the check (not the student's fault).
    Error,
    /// The check hit its time limit.
    Timeout,
}

/// Text a process printed, bounded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// The first bytes, as text (invalid UTF-8 replaced).
    pub text: String,
    /// How many bytes were left out.
    pub dropped: u64,
}

impl Output {
    /// True when nothing was printed.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.dropped == 0
    }
}

/// One check's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The check's id.
    pub id: String,
    /// What it establishes.
    pub title: String,
    /// The lifecycle step.
    pub step: Step,
    /// How it ended.
    pub status: Status,
    /// Why it did not pass (for every status but `Pass`).
    pub fail: Option<Fail>,
    /// The conversation.
    pub transcript: Vec<Line>,
    /// What student code printed on stdout during the check.
    pub stdout: Output,
    /// What student code printed on stderr during the check.
    pub stderr: Output,
    /// Wall time of the check, in milliseconds.
    pub duration_ms: u64,
    /// What passing the check is worth.
    pub points: u32,
    /// A private check (run at final grading only).
    #[serde(default)]
    pub private: bool,
}

impl CheckReport {
    /// The points earned: all of them for a pass, none otherwise.
    pub fn score(&self) -> u32 {
        if self.status == Status::Pass { self.points } else { 0 }
    }
}

/// One exercise's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciseReport {
    /// `01-bind`.
    pub name: String,
    /// Set when the exercise could not be built or listed; its checks then all count as failed.
    pub broken: Option<Broken>,
    /// The checks, in declaration order.
    pub checks: Vec<CheckReport>,
    /// Private checks that were not run (they run at final grading), and so are not counted.
    #[serde(default)]
    pub withheld: usize,
    /// What the graded folder holds that the build ignored (a `build.rs`, a link, dependencies):
    /// only the `.rs` files of `src/` are compiled.
    #[serde(default)]
    pub ignored: Vec<String>,
}

impl ExerciseReport {
    /// How many checks passed.
    pub fn passed(&self) -> usize {
        self.checks.iter().filter(|c| c.status == Status::Pass).count()
    }

    /// Points earned.
    pub fn score(&self) -> u32 {
        self.checks.iter().map(CheckReport::score).sum()
    }

    /// Points there are to earn.
    pub fn max_score(&self) -> u32 {
        self.checks.iter().map(|c| c.points).sum()
    }

    /// True when it built and every check passed.
    pub fn complete(&self) -> bool {
        self.broken.is_none() && !self.checks.is_empty() && self.passed() == self.checks.len()
    }
}

/// A whole grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The tree graded, as given.
    pub tree: String,
    /// The exercises, in curriculum order.
    pub exercises: Vec<ExerciseReport>,
    /// Which isolation was in force for student code (see `grader::sandbox`).
    #[serde(default)]
    pub isolation: String,
}

impl Report {
    /// Checks passed, over all exercises.
    pub fn passed(&self) -> usize {
        self.exercises.iter().map(ExerciseReport::passed).sum()
    }

    /// Checks run or counted, over all exercises.
    pub fn total(&self) -> usize {
        self.exercises.iter().map(|e| e.checks.len()).sum()
    }

    /// Private checks not run in this grade, over all exercises.
    pub fn withheld(&self) -> usize {
        self.exercises.iter().map(|e| e.withheld).sum()
    }

    /// Points earned, over all exercises.
    pub fn score(&self) -> u32 {
        self.exercises.iter().map(ExerciseReport::score).sum()
    }

    /// Points there are to earn, over all exercises.
    pub fn max_score(&self) -> u32 {
        self.exercises.iter().map(ExerciseReport::max_score).sum()
    }

    /// Exercises with every check passing.
    pub fn complete(&self) -> usize {
        self.exercises.iter().filter(|e| e.complete()).count()
    }

    /// True when every exercise is complete.
    pub fn all_passed(&self) -> bool {
        self.exercises.iter().all(ExerciseReport::complete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: Status, points: u32) -> CheckReport {
        CheckReport {
            id: format!("{status:?}-{points}"),
            title: String::new(),
            step: Step::Bind,
            status,
            fail: None,
            transcript: Vec::new(),
            stdout: Output::default(),
            stderr: Output::default(),
            duration_ms: 0,
            points,
            private: false,
        }
    }

    #[test]
    fn only_passed_checks_earn_their_points() {
        let exercise = ExerciseReport {
            name: "01-bind".into(),
            broken: None,
            checks: vec![
                check(Status::Pass, 2),
                check(Status::Fail, 3),
                check(Status::Timeout, 1),
                check(Status::Error, 1),
                check(Status::Pass, 1),
            ],
            withheld: 0,
            ignored: Vec::new(),
        };
        assert_eq!((exercise.score(), exercise.max_score()), (3, 8));
        let other = ExerciseReport {
            name: "02-accept-loop".into(),
            broken: None,
            checks: vec![check(Status::Pass, 4)],
            withheld: 0,
            ignored: Vec::new(),
        };
        let report = Report { tree: "t".into(), exercises: vec![exercise, other], isolation: String::new() };
        assert_eq!((report.score(), report.max_score()), (7, 12));
        assert_eq!((report.passed(), report.total()), (3, 6));
    }
}
