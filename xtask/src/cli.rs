//! Parsing the command line and dispatching to a command. Every mistake in the arguments is one
//! line naming the problem, and exit code 2.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use grader::tree::Kit;

use crate::commands;
use crate::render::Format;

pub const HELP: &str = "\
sockets-course: learn the socket lifecycle by filling in exercises; hidden checks grade them.

Usage: cargo xtask <COMMAND> [OPTIONS]

Commands:
  grade [EXERCISE...]   grade your exercises (all of them, or the ones named)
  watch [EXERCISE]      re-grade the exercise you work on at every save, and move on to the
                        next one when it passes (default: the first one not done); keys:
                        q quit, r grade again, n/p next/previous, h hint, l list,
                        c check all exercises, x reset (after asking)
  list                  every exercise with its state and score, and your progress
  hint EXERCISE [N]     the next hint for an exercise, or hint number N
  reset EXERCISE        put an exercise back to its stub; your version is kept as a backup
  talk ADDR             be a client: connect to ADDR, send what you type, print what comes back
  talk --listen ADDR    be a server for one client: print what it sends, send what you type
  verify                prove every check fails on the stubs and passes on the solutions,
                        and that each stub and its solution export the same public API
  bench [--runs N] [--cold] [--batch]
                        measure the grading loop on this machine and print a table
                        (--batch adds a class of 20 generated submissions)
  stress N [EXERCISE...] [--tree DIR] [--at-once K]
                        grade the solutions (or DIR) N times, K grades at once (default 2),
                        and report every check whose verdict was not always the same
  mutants [EXERCISE...] [--format json] [--at-once K]
                        grade every mutant cargo-mutants makes of the solutions, K at once
                        (default 2), and report which checks catch it: caught, missed,
                        equivalent (grader/mutants-equivalent.txt), or does not build;
                        needs cargo-mutants (cargo install --locked cargo-mutants)
  release OUT_DIR [--force]
                        write the student copy of the kit: no solutions, no private checks
  autograder gradescope OUT.zip
                        write the Gradescope autograder: the student copy of the kit with every
                        exercise's checks compiled (no solution, no private check's source),
                        setup.sh and run_autograder; prints the total points for Gradescope
  help                  show this help

Options of grade:
  --solutions           grade solutions/ instead of exercises/ (instructors)
  --tree DIR            grade a submission: the exercise crates in DIR, in its exercises/
                        folder, or in either up to two folders down (both run the private
                        checks too; a grade of exercises/ only counts them)
  -j, --jobs N          run N checks at once (default: 8 per core, at most 16; checks mostly wait)
  -v, --verbose         show the conversation of passed checks too
  -q, --quiet           print only the totals
  --format FORMAT       human (the default), json (the kit's schema, see the README),
                        junit (JUnit XML for CI), gradescope (Gradescope's results.json)
                        or classroom (for GitHub Classroom's autograding reporter)
  -o, --output FILE     write the report to FILE instead of standard output
  --write FORMAT=FILE   also write the report in FORMAT to FILE, from the same grade
                        (repeatable), e.g. --write junit=report.xml --write human=report.txt
  --time-limit SECS     stop the grade after SECS seconds, build included: what has not finished
                        by then fails, saying so (default: 300)

Batch grading, for instructors (grade --submissions DIR [EXERCISE...]):
  --submissions DIR     grade every folder in DIR as one student's submission: its exercise
                        crates (01-bind/, ...) or a copy of the kit holding exercises/, found
                        as --tree finds them
  -o, --output DIR      where to write grades.csv, reports/STUDENT.json and reports/STUDENT.txt
                        (the report to hand back) (default: DIR-grades beside DIR)
  --parallel N          grade N submissions at once (default: 2)
  -j, --jobs N          run N checks at once within each submission (default: 2)
  --time-limit SECS     give up on a submission after SECS seconds, build included (default: 120)

Options of watch and list:
  -j, --jobs N          run N checks at once, as for grade

Options of reset:
  -y, --yes             do not ask for confirmation (needed when input is not a terminal)

Options of talk (ADDR is IP:PORT, such as 127.0.0.1:8080 or [::1]:8080, or a bare port):
  --send TEXT           send TEXT instead of what you type: exactly TEXT, no newline added;
                        \\n, \\r, \\t, \\0, \\xNN and \\\\ stand for the bytes they name
  --shutdown            half-close (shutdown(Write)) once everything is sent: the other side
                        reads end of file, and can still answer
  --wait MS             stop once the other side has sent nothing for MS milliseconds
                        (with --listen, also when no client comes within MS milliseconds)
  What comes back is printed with every byte that is not printable text escaped (\\n, \\r,
  \\t, \\xNN) and a line break after each \\n. talk stops when the server closes the
  connection; with --listen, once the client ended its side and everything is sent.

An EXERCISE is named by its folder (01-bind), its number (01 or 1) or its name (bind).

Output is colored on a terminal (not with NO_COLOR set, nor when piped), and long lines are
wrapped to the terminal's width; piped output is never wrapped.

Exit codes: 0 every check passed (or the command did its job), 1 some check failed (or you
declined), 2 the command could not run.
With --submissions: 0 every submission was graded (whatever its score), 1 some could not be.
With mutants: 0 every mutant that builds is caught (or listed as equivalent), 1 some were
missed.
";

/// A mistake in the arguments, or a condition that keeps a command from running.
#[derive(Debug)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<lexopt::Error> for Error {
    fn from(error: lexopt::Error) -> Self {
        Error(error.to_string())
    }
}

/// Shorthand for building an [`Error`].
pub fn error(message: impl Into<String>) -> Error {
    Error(message.into())
}

/// The kit this xtask was built from, or the one `SOCKETS_COURSE_KIT` names: the kit's own tests
/// point it at a scratch copy so that `reset` and `hint` can be tried without touching the real
/// exercises.
pub fn kit() -> Kit {
    match std::env::var_os("SOCKETS_COURSE_KIT") {
        Some(root) if !root.is_empty() => Kit::at(PathBuf::from(root)),
        _ => Kit::at(Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the kit")),
    }
}

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let command = match parser.next()? {
        None => {
            print!("{HELP}");
            return Ok(ExitCode::SUCCESS);
        }
        Some(Value(command)) => command.into_string().map_err(|c| error(format!("unknown command {c:?}")))?,
        Some(Long("help") | Short('h')) => "help".to_owned(),
        Some(other) => return Err(other.unexpected().into()),
    };
    match command.as_str() {
        "grade" => commands::grade::run(parser),
        "verify" => commands::verify::run(parser),
        "bench" => commands::bench::run(parser),
        "list" => commands::list::run(parser),
        "hint" => commands::hint::run(parser),
        "reset" => commands::reset::run(parser),
        "watch" => commands::watch::run(parser),
        commands::watch::WORKER => commands::watch::worker(parser),
        "talk" => commands::talk::run(parser),
        "stress" => commands::stress::run(parser),
        "mutants" => commands::mutants::run(parser),
        "release" => commands::release::run(parser),
        "autograder" => commands::autograder::run(parser),
        "help" => {
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(error(format!(
            "unknown command {other:?}; the commands are: grade, watch, list, hint, reset, talk, verify, bench, stress, mutants, release, autograder, help"
        ))),
    }
}

/// The kit's `solutions/`, or the error that says this is a student copy (`cargo xtask release`
/// leaves the solutions out), for the commands that need them.
pub fn solutions(kit: &Kit, command: &str) -> Result<PathBuf, Error> {
    let dir = kit.root.join("solutions");
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(error(format!(
            "{command} needs the solutions, and this is a student copy of the kit: they stay with the instructor"
        )))
    }
}

/// Resolves the exercises a user named: `01-bind`, `01`, `1` or `bind`. None named means all.
pub fn select_exercises(kit: &Kit, named: &[OsString]) -> Result<Vec<String>, Error> {
    let all = kit.exercises().map_err(|e| error(format!("cannot list the kit's checks: {e}")))?;
    if named.is_empty() {
        return Ok(all);
    }
    let mut selected = Vec::new();
    for name in named {
        let text = name.to_string_lossy();
        let found = all.iter().find(|exercise| {
            let number = &exercise[..2];
            text == exercise.as_str()
                || text.parse::<u32>().is_ok_and(|n| number.parse() == Ok(n))
                || text == grader::tree::crate_key(exercise)
        });
        match found {
            Some(exercise) if !selected.contains(exercise) => selected.push(exercise.clone()),
            Some(_) => {}
            None => {
                return Err(error(format!("unknown exercise {text:?}; the exercises are: {}", all.join(", "))));
            }
        }
    }
    selected.sort();
    Ok(selected)
}

/// Resolves the one exercise a command is about.
pub fn select_one(kit: &Kit, named: Option<OsString>, command: &str) -> Result<String, Error> {
    let Some(name) = named else {
        let all = kit.exercises().unwrap_or_default().join(", ");
        return Err(error(format!(
            "{command} needs an exercise, e.g. `cargo xtask {command} 01`; the exercises are: {all}"
        )));
    };
    Ok(select_exercises(kit, &[name])?.remove(0))
}

/// The folder of exercise crates that `--tree DIR` names: DIR itself, its `exercises/`, or either
/// up to two folders down (`grader::layout`, the rule batch grading and Gradescope use too).
pub fn check_tree(dir: &Path) -> Result<PathBuf, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        error(format!(
            "--tree {}: {}",
            dir.display(),
            if dir.exists() { e.to_string() } else { "no such folder".into() }
        ))
    })?;
    if dir.to_str().is_none() {
        // The grader names the tree in generated Cargo.toml files, which hold UTF-8 only.
        return Err(error(format!(
            "--tree {}: the path is not valid UTF-8, so cargo cannot build from it; rename or move the folder",
            dir.display()
        )));
    }
    drop(entries);
    grader::layout::find(dir).map_err(|why| error(format!("--tree {} {}", dir.display(), not_found(&why))))
}

/// Why no folder of exercises was found, in words a student can act on (Gradescope shows it).
pub fn not_found(why: &grader::layout::NotFound) -> String {
    match why {
        grader::layout::NotFound::Nothing => "holds no exercise crates (folders like 01-bind/ with src/ and a \
                                              Cargo.toml), neither in itself nor in an exercises/ folder, nor \
                                              either of them up to two folders down"
            .to_owned(),
        grader::layout::NotFound::Several(found) => format!(
            "holds several folders of exercise crates at the same depth ({}): keep one",
            found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Parses the value of `--jobs`.
pub fn jobs(value: OsString) -> Result<usize, Error> {
    value
        .to_str()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| error(format!("--jobs takes a number of checks to run at once, at least 1 (got {value:?})")))
}

/// Parses a count of at least 1, such as the value of `--parallel`.
pub fn count(option: &str, value: OsString) -> Result<usize, Error> {
    value
        .to_str()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| error(format!("{option} takes a whole number, at least 1 (got {value:?})")))
}

/// Parses a number of seconds, at least 1, such as the value of `--time-limit`.
pub fn seconds(option: &str, value: OsString) -> Result<Duration, Error> {
    value
        .to_str()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&n| n > 0)
        .map(Duration::from_secs)
        .ok_or_else(|| error(format!("{option} takes a whole number of seconds, at least 1 (got {value:?})")))
}

/// Parses the value of `--format`.
pub fn format(value: OsString) -> Result<Format, Error> {
    value
        .to_str()
        .and_then(Format::named)
        .ok_or_else(|| error(format!("--format takes one of {} (got {value:?})", Format::NAMES.join(", "))))
}

/// Parses the value of `--write`: `FORMAT=FILE`.
pub fn write_spec(value: OsString) -> Result<(Format, PathBuf), Error> {
    let wrong = || error(format!("--write takes FORMAT=FILE, such as junit=report.xml (got {value:?})"));
    let text = value.to_str().ok_or_else(wrong)?;
    let (name, file) = text.split_once('=').filter(|(_, file)| !file.is_empty()).ok_or_else(wrong)?;
    let format = Format::named(name)
        .ok_or_else(|| error(format!("--write {text}: the format is one of {}", Format::NAMES.join(", "))))?;
    Ok((format, PathBuf::from(file)))
}

/// Checks that `dir` is a folder of submissions (at least one folder in it).
pub fn check_submissions(dir: &Path) -> Result<PathBuf, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        error(format!(
            "--submissions {}: {}",
            dir.display(),
            if dir.exists() { e.to_string() } else { "no such folder".into() }
        ))
    })?;
    if !entries.filter_map(Result::ok).any(|entry| entry.path().is_dir()) {
        return Err(error(format!(
            "--submissions {} holds no folders: put each student's submission in a folder of its own",
            dir.display()
        )));
    }
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use grader::grade::{JOBS_PER_CORE, MAX_DEFAULT_JOBS};

    use super::HELP;

    #[test]
    fn the_help_states_the_default_number_of_checks_at_once() {
        assert!(HELP.contains(&format!("(default: {JOBS_PER_CORE} per core, at most {MAX_DEFAULT_JOBS};")));
    }
}
