//! `cargo xtask hint EXERCISE [N]`: one hint at a time from the exercise's guide. Without N, the
//! next hint not yet shown (remembered per exercise), so that a student who is stuck gets a little
//! more help each time and never the whole answer at once.

use std::ffi::OsString;
use std::process::ExitCode;

use crate::cli::{self, Error};
use crate::guide::{self, Seen};
use crate::style::Style;

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let mut values: Vec<OsString> = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(value) if values.len() < 2 => values.push(value),
            Value(value) => {
                return Err(cli::error(format!("hint takes an exercise and a number; unexpected {value:?}")));
            }
            other => return Err(other.unexpected().into()),
        }
    }
    let kit = cli::kit();
    let mut values = values.into_iter();
    let exercise = cli::select_one(&kit, values.next(), "hint")?;
    let hints = guide::hints_of(&kit, &exercise).map_err(cli::error)?;
    let count = hints.len();
    let asked = values
        .next()
        .map(|n| {
            n.to_str().and_then(|n| n.parse::<usize>().ok()).filter(|n| (1..=count).contains(n)).ok_or_else(|| {
                cli::error(format!("{exercise} has {count} hints: ask for a number from 1 to {count} (got {n:?})"))
            })
        })
        .transpose()?;

    let mut seen = Seen::load(&kit);
    let before = seen.get(&exercise);
    let n = asked.unwrap_or((before + 1).min(count));
    seen.record(&exercise, n);

    let style = Style::for_stdout();
    println!("{}", style.bold(&format!("{exercise} — hint {n} of {count}")));
    println!();
    for line in hints[n - 1].lines() {
        println!("  {line}");
    }
    println!();
    let upcoming = seen.get(&exercise) + 1;
    let next = if upcoming <= count {
        format!("Still stuck? `cargo xtask hint {exercise}` shows hint {upcoming} of {count}.")
    } else if n < count {
        format!("You have seen all {count} hints; `cargo xtask hint {exercise} N` shows hint N again.")
    } else if asked.is_none() && before >= count {
        format!("That was the last hint, shown again; `cargo xtask hint {exercise} N` shows hint N.")
    } else {
        format!(
            "That was the last hint. The guide, exercises/{exercise}/README.md, explains the concept; \
             `cargo xtask grade {exercise}` says what the checks saw."
        )
    };
    println!("{}", style.dim(&next));
    Ok(ExitCode::SUCCESS)
}
