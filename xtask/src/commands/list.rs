//! `cargo xtask list`: every exercise with its state and score, and a progress bar for the chapter.
//!
//! Fast when nothing changed: results are cached per exercise under a key of its files (see
//! `progress`), and an exercise still equal to its stub is "not started" without any grade. Only
//! exercises changed since their last grade are graded, all in one grade.

use std::process::ExitCode;

use grader::grade::{Options, Progress};

use crate::cli::{self, Error};
use crate::commands::grade::progress_line;
use crate::progress::{self, Standing, State};
use crate::style::Style;
use crate::term::Spinner;

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let mut options = Options::default();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('j') | Long("jobs") => options.jobs = cli::jobs(parser.value()?)?,
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            other => return Err(other.unexpected().into()),
        }
    }
    let kit = cli::kit();
    let exercises = cli::select_exercises(&kit, &[])?;
    let mut standings = progress::standings(&kit, &exercises);
    if standings.iter().any(|s| s.state.is_none()) {
        let spinner = Spinner::start("Grading the exercises you changed…");
        let progress = |p: Progress| spinner.set(progress_line("exercises", &p));
        progress::complete(&kit, &mut standings, &options, &progress).map_err(|e| cli::error(e.to_string()))?;
    }
    print!("{}", render(&standings, &Style::for_stdout()));
    Ok(ExitCode::SUCCESS)
}

/// The table, the bar and what to do next.
pub fn render(standings: &[Standing], style: &Style) -> String {
    let mut out = table(standings, style);
    let passed: usize = standings.iter().filter_map(|s| s.passed).sum();
    let total: usize = standings.iter().map(|s| s.total).sum();
    let done = standings.iter().filter(|s| s.state == Some(State::Done)).count();
    out.push('\n');
    let bar = progress::bar(passed, total, 30);
    let bar = if done == standings.len() { style.green(&bar) } else { bar };
    out.push_str(&format!("Progress {bar} {passed}/{total} checks, {done}/{} exercises done\n", standings.len()));
    match progress::next(standings) {
        Some(next) => {
            let number = &next.name[..2];
            out.push_str(&format!(
                "Next: {} (`cargo xtask watch {number}` grades it at every save, `cargo xtask hint {number}` helps)\n",
                next.name
            ))
        }
        None => out.push_str(&style.green("Every exercise is done: the chapter is complete.\n")),
    }
    out
}

/// One line per exercise: its state and its score (`watch` shows it too, on `l`).
pub fn table(standings: &[Standing], style: &Style) -> String {
    let mut out = String::new();
    let name_width = standings.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for standing in standings {
        let (mark, label) = match standing.state {
            Some(State::Done) => (style.green("✓"), style.green(&format!("{:<11}", State::Done.label()))),
            Some(State::InProgress) => (style.yellow("…"), style.yellow(&format!("{:<11}", State::InProgress.label()))),
            Some(State::NotStarted) => (style.dim("·"), style.dim(&format!("{:<11}", State::NotStarted.label()))),
            None => (style.dim("?"), style.dim(&format!("{:<11}", "not graded"))),
        };
        let passed = standing.passed.map_or_else(|| "?".to_owned(), |p| p.to_string());
        out.push_str(&format!(
            "  {mark} {:<name_width$}  {label}  {:>5}\n",
            standing.name,
            format!("{passed}/{}", standing.total)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(name: &str, state: Option<State>, passed: Option<usize>, total: usize) -> Standing {
        Standing { name: name.into(), state, passed, total, report: None }
    }

    #[test]
    fn each_state_reads_in_words_with_its_score_and_the_bar_counts_checks() {
        let standings = [
            standing("01-bind", Some(State::Done), Some(10), 10),
            standing("02-accept-loop", Some(State::InProgress), Some(4), 9),
            standing("03-client", Some(State::NotStarted), Some(0), 10),
        ];
        let out = render(&standings, &Style::plain());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "  ✓ 01-bind         done         10/10");
        assert_eq!(lines[1], "  … 02-accept-loop  in progress    4/9");
        assert_eq!(lines[2], "  · 03-client       not started   0/10");
        assert!(out.contains("] 14/29 checks, 1/3 exercises done"), "{out}");
        assert!(out.contains("Next: 02-accept-loop"), "{out}");
        let all_done = [standing("01-bind", Some(State::Done), Some(10), 10)];
        assert!(render(&all_done, &Style::plain()).contains("the chapter is complete"));
    }
}
