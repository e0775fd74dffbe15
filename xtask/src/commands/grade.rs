//! `cargo xtask grade`: grades a tree of exercise crates and prints (or writes) the report in the
//! format asked for; with `--submissions`, grades a whole class (see [`super::batch`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use grader::grade::{self, Options, Progress};

use crate::cli::{self, Error};
use crate::commands::batch;
use crate::progress;
use crate::render::Format;
use crate::render::human::{Detail, Layout};
use crate::style::Style;
use crate::term::{self, Spinner};

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let kit = cli::kit();
    let mut named: Vec<OsString> = Vec::new();
    let mut tree: Option<PathBuf> = None;
    let mut solutions = false;
    let mut options = Options::default();
    let mut jobs_given = false;
    let mut detail = Detail::Failures;
    let mut format: Option<Format> = None;
    let mut output: Option<PathBuf> = None;
    let mut also: Vec<(Format, PathBuf)> = Vec::new();
    let mut submissions: Option<PathBuf> = None;
    let mut batch_options = batch::Settings::default();
    // A batch-only option given without --submissions is a mistake worth naming.
    let mut batch_only: Option<&str> = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("solutions") => solutions = true,
            Long("tree") => tree = Some(PathBuf::from(parser.value()?)),
            Short('j') | Long("jobs") => {
                options.jobs = cli::jobs(parser.value()?)?;
                jobs_given = true;
            }
            Short('v') | Long("verbose") => detail = Detail::Everything,
            Short('q') | Long("quiet") => detail = Detail::Totals,
            Long("format") => format = Some(cli::format(parser.value()?)?),
            Short('o') | Long("output") => output = Some(PathBuf::from(parser.value()?)),
            Long("write") => also.push(cli::write_spec(parser.value()?)?),
            Long("submissions") => submissions = Some(PathBuf::from(parser.value()?)),
            Long("parallel") => {
                batch_options.parallel = cli::count("--parallel", parser.value()?)?;
                batch_only = Some("--parallel");
            }
            Long("time-limit") => {
                options.time_limit = cli::seconds("--time-limit", parser.value()?)?;
                batch_options.time_limit = options.time_limit;
            }
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(name) => named.push(name),
            other => return Err(other.unexpected().into()),
        }
    }
    let exercises = cli::select_exercises(&kit, &named)?;
    if let Some(dir) = submissions {
        if solutions || tree.is_some() {
            return Err(cli::error("--submissions grades the folders in it; --solutions and --tree do not apply"));
        }
        if format.is_some() || !also.is_empty() {
            return Err(cli::error(
                "--submissions writes a CSV and a json and a text report per student; --format and --write do not apply",
            ));
        }
        if jobs_given {
            batch_options.jobs = Some(options.jobs);
        }
        return batch::run(&kit, &cli::check_submissions(&dir)?, output, &exercises, &batch_options);
    }
    if let Some(option) = batch_only {
        return Err(cli::error(format!("{option} applies to batch grading: add --submissions DIR")));
    }
    // A student grades exercises/ with the public checks; the instructor's modes (the solutions,
    // any tree named with --tree, such as a submission on Gradescope) run the private ones too.
    let students = !solutions && tree.is_none();
    options.private = !students;
    let tree = match (solutions, tree) {
        (true, Some(_)) => {
            return Err(cli::error("--solutions and --tree choose the tree twice; give one"));
        }
        (true, None) => cli::solutions(&kit, "grade --solutions")?,
        (false, Some(dir)) => cli::check_tree(&dir)?,
        (false, None) => kit.root.join("exercises"),
    };
    let format = format.unwrap_or(Format::Human);
    let shown_tree = tree.strip_prefix(&kit.root).unwrap_or(&tree).display().to_string();

    let spinner = Spinner::start(&format!("Building {shown_tree}…"));
    let progress = |p: Progress| spinner.set(progress_line(&shown_tree, &p));
    let started = Instant::now();
    // A student's results are remembered, so that `list` and `watch` need not grade again what
    // did not change.
    let report = if students {
        progress::grade_and_remember(&kit, &exercises, &options, &progress)
    } else {
        grade::grade(&kit, &tree, &exercises, &options, &progress)
    }
    .map_err(|e| cli::error(e.to_string()))?;
    let elapsed = started.elapsed();
    drop(spinner);
    match &output {
        None => {
            let layout = Layout { style: Style::for_stdout(), detail, width: term::stdout_width() };
            print!("{}", format.render(&report, elapsed, &layout));
        }
        Some(file) => {
            let layout = Layout { style: Style::plain(), detail, width: None };
            write_atomically(file, &format.render(&report, elapsed, &layout))?;
            eprintln!(
                "Wrote the report to {}: {}/{} checks passed, {}/{} points",
                file.display(),
                report.passed(),
                report.total(),
                report.score(),
                report.max_score()
            );
        }
    }
    // The same grade in other formats: a CI job shows one and keeps another, and both say the same.
    for (format, file) in &also {
        let layout = Layout { style: Style::plain(), detail, width: None };
        write_atomically(file, &format.render(&report, elapsed, &layout))?;
    }
    Ok(if report.all_passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// What the spinner says during a grade.
pub fn progress_line(tree: &str, progress: &Progress) -> String {
    match progress {
        Progress::Building => format!("Building {tree} and its checks…"),
        Progress::Checking { done, total } => format!("Checking {done}/{total}…"),
    }
}

/// Writes `content` to `file` through a temporary file beside it, so that a reader (Gradescope, a
/// CI step, an instructor's script) never sees half a report. Creates missing parent folders.
pub fn write_atomically(file: &Path, content: &str) -> Result<(), Error> {
    let fail = |e: std::io::Error| cli::error(format!("cannot write {}: {e}", file.display()));
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut temporary = file.as_os_str().to_owned();
    temporary.push(format!(".tmp{}", std::process::id()));
    std::fs::write(&temporary, content).map_err(fail)?;
    std::fs::rename(&temporary, file).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        fail(e)
    })
}
