//! `cargo xtask grade`: grades a tree of exercise crates and prints the report.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use grader::grade::{self, Options, Progress};

use crate::cli::{self, Error};
use crate::render::human::{self, Detail};
use crate::style::Style;

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

    let live = std::io::stderr().is_terminal();
    let progress = move |p: Progress| {
        if live {
            match p {
                Progress::Building => eprint!("\r\x1b[2KBuilding {shown_tree}…"),
                Progress::Checking { done, total } => eprint!("\r\x1b[2KChecking {done}/{total}…"),
            }
        }
    };
    let report = grade::grade(&kit, &tree, &exercises, &options, &progress).map_err(|e| cli::error(e.to_string()))?;
    if live {
        eprint!("\r\x1b[2K");
    }
    let style = Style::for_stdout();
    print!("{}", human::render(&report, &style, detail));
    Ok(if report.all_passed() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
