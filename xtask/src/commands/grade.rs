//! `cargo xtask grade`: grades a tree of exercise crates and prints the report.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use grader::grade::{self, Options, Progress};

use crate::cli::{self, Error};
use crate::progress;
use crate::render::human::{self, Detail, Layout};
use crate::style::Style;
use crate::term::{self, Spinner};

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let kit = cli::kit();
    let mut named: Vec<OsString> = Vec::new();
    let mut tree: Option<PathBuf> = None;
    let mut solutions = false;
    let mut options = Options::default();
    let mut detail = Detail::Failures;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("solutions") => solutions = true,
            Long("tree") => tree = Some(PathBuf::from(parser.value()?)),
            Short('j') | Long("jobs") => options.jobs = cli::jobs(parser.value()?)?,
            Short('v') | Long("verbose") => detail = Detail::Everything,
            Short('q') | Long("quiet") => detail = Detail::Totals,
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(name) => named.push(name),
            other => return Err(other.unexpected().into()),
        }
    }
    let tree = match (solutions, tree) {
        (true, Some(_)) => {
            return Err(cli::error("--solutions and --tree choose the tree twice; give one"));
        }
        (true, None) => kit.root.join("solutions"),
        (false, Some(dir)) => cli::check_tree(&dir)?,
        (false, None) => kit.root.join("exercises"),
    };
    let exercises = cli::select_exercises(&kit, &named)?;
    let shown_tree = tree.strip_prefix(&kit.root).unwrap_or(&tree).display().to_string();

    // Students grade exercises/: remember the results, so that `list` and `watch` need not
    // grade again what did not change.
    let students = tree == kit.root.join("exercises");
    let spinner = Spinner::start(&format!("Building {shown_tree}…"));
    let progress = |p: Progress| spinner.set(progress_line(&shown_tree, &p));
    let report = if students {
        progress::grade_and_remember(&kit, &exercises, &options, &progress)
    } else {
        grade::grade(&kit, &tree, &exercises, &options, &progress)
    }
    .map_err(|e| cli::error(e.to_string()))?;
    drop(spinner);
    let layout = Layout { style: Style::for_stdout(), detail, width: term::stdout_width() };
    print!("{}", human::render(&report, &layout));
    Ok(if report.all_passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// What the spinner says during a grade.
pub fn progress_line(tree: &str, progress: &Progress) -> String {
    match progress {
        Progress::Building => format!("Building {tree} and its checks…"),
        Progress::Checking { done, total } => format!("Checking {done}/{total}…"),
    }
}
