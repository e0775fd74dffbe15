//! Output formats of a grade report, one module each, and `watch`'s screen. They render a
//! [`Report`]; they never decide anything. One thing the report does not say is looked up for the
//! human format: which exercises of the student's own tree are still their stub (see [`student`]).

pub mod classroom;
pub mod csv;
pub mod gradescope;
pub mod human;
pub mod json;
pub mod junit;
pub mod screen;

use std::path::Path;
use std::time::Duration;

use grader::report::Report;

use crate::progress;

/// The formats `cargo xtask grade --format` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people: colored when a terminal, with the explanation of each failure.
    Human,
    /// The kit's own schema (see [`json`]).
    Json,
    /// JUnit XML, for CI systems.
    Junit,
    /// Gradescope's `results.json`.
    Gradescope,
    /// The result GitHub Classroom's autograding reporter reads.
    Classroom,
}

impl Format {
    /// The names on the command line, in the order `--help` lists them.
    pub const NAMES: &[&str] = &["human", "json", "junit", "gradescope", "classroom"];

    /// The format named `name`.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "human" => Some(Format::Human),
            "json" => Some(Format::Json),
            "junit" => Some(Format::Junit),
            "gradescope" => Some(Format::Gradescope),
            "classroom" => Some(Format::Classroom),
            _ => None,
        }
    }

    /// Renders `report`, which took `elapsed` to grade; `layout` is for the human format.
    pub fn render(self, report: &Report, elapsed: Duration, layout: &human::Layout) -> String {
        match self {
            Format::Human => human::render(report, layout, student(report, layout).as_ref()),
            Format::Json => json::render(report, elapsed),
            Format::Junit => junit::render(report, elapsed),
            Format::Gradescope => gradescope::render(report, elapsed),
            Format::Classroom => classroom::render(report, elapsed),
        }
    }
}

/// What the human format adds when `report` grades the student's own `exercises/`: which exercises
/// are still their stub (known from git, not from the report), so that a first grade shows one
/// exercise in detail and the others in a line each. Only the default detail hides anything:
/// `-v` shows everything, `-q` nothing.
fn student(report: &Report, layout: &human::Layout) -> Option<human::Student> {
    let kit = crate::cli::kit();
    if Path::new(&report.tree) != kit.root.join("exercises") {
        return None;
    }
    let stubs = if layout.detail == human::Detail::Failures { progress::stubs_in(&kit, report) } else { Vec::new() };
    Some(human::Student { stubs })
}
