//! `cargo xtask mutants [EXERCISE...]`: how much of the solutions' behaviour the hidden checks pin
//! down. cargo-mutants lists the mutants of `solutions/NN-name/src/*.rs` (small changes a student
//! could make: `>` made `>=`, a function body replaced by a default value, a match arm deleted);
//! each one is applied to a scratch copy of the solutions and graded with every check, private
//! ones included. A mutant that passes every check is a mistake that would get full marks, unless
//! `grader/mutants-equivalent.txt` lists it, with the reason, as behaving exactly like the
//! solution: then it is "equivalent", not "missed".
//!
//! The scratch copies are slots, as in batch grading: `target/sockets-course/mutants/slot-N/`,
//! reused from mutant to mutant so that cargo rebuilds one crate in place each time, and locked
//! while in use so that two runs at once take different slots.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use grader::grade::{self, Options};
use grader::report::{Report, Status};
use grader::tree::{self, Kit};
use serde::{Deserialize, Serialize};

use crate::CANNOT_RUN;
use crate::cli::{self, Error};
use crate::style::Style;

/// Where the mutants that cannot be told apart from the solution are listed, relative to the kit.
pub const EQUIVALENTS: &str = "grader/mutants-equivalent.txt";

/// The one line printed when cargo-mutants cannot be found.
pub const NOT_INSTALLED: &str =
    "error: cargo-mutants is not installed; install it with `cargo install --locked cargo-mutants`";

/// How many mutants are graded at once unless `--at-once` says otherwise. Two grades at once is
/// what `cargo xtask stress` proves stable on 2 cores; builds never overlap with grades (see
/// [`grade_all`]), so rustc does not take the cores from timing-sensitive checks.
const AT_ONCE: usize = 2;

/// How many checks that caught a mutant the human report names before it says "and N more".
const SHOWN_CHECKS: usize = 3;

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let kit = cli::kit();
    let mut named: Vec<OsString> = Vec::new();
    let mut json = false;
    let mut at_once = AT_ONCE;
    // Every check counts: a mutant caught only by a private check is caught at final grading.
    let mut options = Options { private: true, ..Options::default() };
    while let Some(arg) = parser.next()? {
        match arg {
            Long("format") => {
                json = match parser.value()?.to_str() {
                    Some("json") => true,
                    Some("human") => false,
                    other => return Err(cli::error(format!("--format takes human or json (got {other:?})"))),
                }
            }
            Long("at-once") => at_once = cli::count("--at-once", parser.value()?)?,
            Short('j') | Long("jobs") => options.jobs = cli::jobs(parser.value()?)?,
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(name) => named.push(name),
            other => return Err(other.unexpected().into()),
        }
    }
    let Some(tool) = cargo_mutants() else {
        eprintln!("{NOT_INSTALLED}");
        return Ok(ExitCode::from(CANNOT_RUN));
    };
    let solutions = cli::solutions(&kit, "mutants")?;
    let exercises = cli::select_exercises(&kit, &named)?;
    let equivalents = read_equivalents(&kit.root.join(EQUIVALENTS))?;
    let version = tool_version(&tool)?;
    let started = Instant::now();

    let mut mutants = Vec::new();
    for exercise in &exercises {
        mutants.extend(list_mutants(&tool, &kit, exercise)?);
    }
    let slots = (0..at_once.min(mutants.len()).max(1))
        .map(|_| Slot::take(&kit, &solutions, &exercises))
        .collect::<Result<Vec<_>, _>>()?;
    baseline(&kit, &slots, &exercises, &options)?;
    let verdicts = grade_all(&kit, &slots, &mutants, &options)?;

    let results = Results::new(&exercises, &mutants, verdicts, &equivalents, version, started.elapsed().as_millis());
    if json {
        let text = serde_json::to_string_pretty(&results).map_err(|e| cli::error(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", results.render(&Style::for_stdout()));
    }
    // A mutant the grader could not judge leaves the score unknown: as if the run had not finished.
    Ok(if results.missed > 0 {
        ExitCode::FAILURE
    } else if results.grader_errors > 0 {
        ExitCode::from(CANNOT_RUN)
    } else {
        ExitCode::SUCCESS
    })
}

/// The `cargo-mutants` program, found where cargo finds subcommands: on `PATH`, then in
/// `$CARGO_HOME/bin` (`~/.cargo/bin`), where `cargo install` puts it.
fn cargo_mutants() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|h| Path::new(&h).join(".cargo")));
    std::env::split_paths(&path)
        .chain(cargo_home.map(|home| home.join("bin")))
        .map(|dir| dir.join("cargo-mutants"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Runs cargo-mutants as cargo would: a cargo subcommand gets its own name as first argument.
fn tool_command(tool: &Path) -> Command {
    let mut command = Command::new(tool);
    command.arg("mutants");
    command
}

fn tool_version(tool: &Path) -> Result<String, Error> {
    let output = tool_command(tool)
        .arg("--version")
        .output()
        .map_err(|e| cli::error(format!("cannot run {}: {e}", tool.display())))?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// One mutant as `cargo mutants --list --json --diff` describes it (fields this command does not
/// use are left out; the rest may grow between versions of the tool).
#[derive(Clone, Debug, Deserialize)]
pub struct Mutant {
    /// `FILE:LINE:COLUMN: what it does`, e.g.
    /// `solutions/02-accept-loop/src/lib.rs:46:10: replace > with >= in greet`.
    pub name: String,
    /// The mutated file, relative to the kit: `solutions/NN-name/src/lib.rs`.
    pub file: String,
    /// The change as a unified diff of `file`.
    pub diff: String,
}

impl Mutant {
    /// The exercise the mutated file belongs to (`02-accept-loop`), if it is one of `solutions/`.
    fn exercise(&self) -> Option<&str> {
        let mut parts = self.file.split('/');
        (parts.next() == Some("solutions")).then(|| parts.next()).flatten().filter(|e| tree::is_exercise_name(e))
    }

    /// The file within its exercise: `src/lib.rs`.
    fn file_in_exercise(&self) -> &str {
        self.file.splitn(3, '/').nth(2).unwrap_or(&self.file)
    }
}

/// A mutant's name without `solutions/NN-name/`, as the report shows it under its exercise.
fn short_name(name: &str) -> &str {
    name.splitn(3, '/').nth(2).unwrap_or(name)
}

/// Lists the mutants of one exercise's solution.
fn list_mutants(tool: &Path, kit: &Kit, exercise: &str) -> Result<Vec<Mutant>, Error> {
    let dir = Path::new("solutions").join(exercise);
    let output = tool_command(tool)
        .args(["--list", "--json", "--diff", "--dir"])
        .arg(&dir)
        .current_dir(&kit.root)
        .output()
        .map_err(|e| cli::error(format!("cannot run {}: {e}", tool.display())))?;
    let first_line = |bytes: &[u8]| String::from_utf8_lossy(bytes).lines().next().unwrap_or_default().to_owned();
    if !output.status.success() {
        return Err(cli::error(format!(
            "cargo mutants --list could not list the mutants of {}: {}",
            dir.display(),
            first_line(&output.stderr)
        )));
    }
    let listed: Vec<Mutant> = serde_json::from_slice(&output.stdout).map_err(|e| {
        cli::error(format!("cannot read the list of mutants cargo-mutants printed for {}: {e}", dir.display()))
    })?;
    // Only this exercise's: the listing of a package could reach beyond its folder.
    Ok(listed.into_iter().filter(|m| m.exercise() == Some(exercise)).collect())
}

/// A mutant of `solutions/` that no check can tell apart from the solution, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Equivalent {
    /// The mutant's name, as cargo-mutants lists it.
    pub mutant: String,
    /// Why it behaves like the solution in every way a check can observe.
    pub why: String,
}

fn read_equivalents(path: &Path) -> Result<Vec<Equivalent>, Error> {
    match fs::read_to_string(path) {
        Ok(text) => parse_equivalents(&text).map_err(|e| cli::error(format!("{}: {e}", path.display()))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(cli::error(format!("cannot read {}: {error}", path.display()))),
    }
}

/// Parses the list of equivalent mutants: `#` comments and blank lines aside, each entry is the
/// mutant's name on a line of its own, then `why:` and the reason on indented lines.
pub fn parse_equivalents(text: &str) -> Result<Vec<Equivalent>, String> {
    let mut entries: Vec<Equivalent> = Vec::new();
    let mut open = false;
    for (n, line) in text.lines().enumerate().map(|(n, line)| (n + 1, line)) {
        let trimmed = line.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if trimmed.is_empty() {
            open = false;
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            if let Some(last) = entries.last().filter(|e| e.why.is_empty()) {
                return Err(format!("line {}: the entry for {:?} has no `why:` line", n - 1, last.mutant));
            }
            if !trimmed.starts_with("solutions/") {
                return Err(format!(
                    "line {n}: expected a mutant's name, as `cargo xtask mutants` prints it (solutions/NN-name/…), got {trimmed:?}"
                ));
            }
            if entries.iter().any(|e| e.mutant == trimmed) {
                return Err(format!("line {n}: {trimmed:?} is listed twice"));
            }
            entries.push(Equivalent { mutant: trimmed.to_owned(), why: String::new() });
            open = true;
            continue;
        }
        let Some(entry) = entries.last_mut().filter(|_| open) else {
            return Err(format!("line {n}: an indented line belongs under a mutant's name"));
        };
        match (trimmed.strip_prefix("why:"), entry.why.is_empty()) {
            (Some(why), true) => entry.why = why.trim().to_owned(),
            (None, false) => {
                entry.why.push(' ');
                entry.why.push_str(trimmed);
            }
            (Some(_), false) => return Err(format!("line {n}: a second `why:` for {:?}", entry.mutant)),
            (None, true) => return Err(format!("line {n}: the reason starts with `why:`")),
        }
    }
    if let Some(last) = entries.last().filter(|e| e.why.is_empty()) {
        return Err(format!("the entry for {:?} has no `why:` line", last.mutant));
    }
    Ok(entries)
}

/// Applies a unified diff of one file (as `cargo mutants --list --diff` prints it) to the file's
/// text. Every context and removed line must match the text exactly: a diff made from another
/// version of the file is refused rather than applied in the wrong place.
pub fn apply_diff(original: &str, diff: &str) -> Result<String, String> {
    let ends_with_newline = original.ends_with('\n');
    let old: Vec<&str> = match original.strip_suffix('\n').unwrap_or(original) {
        "" if original.is_empty() => Vec::new(),
        body => body.split('\n').collect(),
    };
    let mut new: Vec<&str> = Vec::new();
    let mut next = 0;
    let mut hunks = 0;
    let mut lines = diff.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(header) = line.strip_prefix("@@ ") else {
            if hunks == 0 {
                // `---`/`+++` headers and anything else before the first hunk.
                continue;
            }
            return Err(format!("unexpected line between hunks: {line:?}"));
        };
        hunks += 1;
        let (start, count) = old_range(header).ok_or_else(|| format!("cannot read the hunk header {line:?}"))?;
        // A hunk that removes nothing names the line after which it adds.
        let at = if count == 0 { start } else { start.saturating_sub(1) };
        if at < next || at > old.len() {
            return Err(format!("hunk {hunks} starts at line {start}, outside the file or before the previous hunk"));
        }
        new.extend_from_slice(&old[next..at]);
        next = at;
        while let Some(&body) = lines.peek() {
            if body.starts_with("@@ ") {
                break;
            }
            lines.next();
            let (kind, text) = match body.chars().next() {
                // Some tools drop the space of an empty context line.
                None => (' ', ""),
                Some(kind) => (kind, &body[1..]),
            };
            match kind {
                ' ' | '-' => {
                    if old.get(next) != Some(&text) {
                        return Err(format!(
                            "hunk {hunks}: line {} of the file is {:?}, the diff expects {text:?}",
                            next + 1,
                            old.get(next).copied().unwrap_or("(end of file)")
                        ));
                    }
                    if kind == ' ' {
                        new.push(text);
                    }
                    next += 1;
                }
                '+' => new.push(text),
                // `\ No newline at end of file`: the file's own ending is kept.
                '\\' => {}
                _ => return Err(format!("hunk {hunks}: unexpected line {body:?}")),
            }
        }
    }
    if hunks == 0 {
        return Err("the diff has no hunk".into());
    }
    new.extend_from_slice(&old[next..]);
    let mut text = new.join("\n");
    if ends_with_newline {
        text.push('\n');
    }
    Ok(text)
}

/// The old file's range of a hunk header `-START,COUNT +START,COUNT @@`: `(START, COUNT)`.
fn old_range(header: &str) -> Option<(usize, usize)> {
    let range = header.strip_prefix('-')?.split_whitespace().next()?;
    match range.split_once(',') {
        Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
        None => Some((range.parse().ok()?, 1)),
    }
}

/// A scratch copy of the solutions, locked while this run uses it.
struct Slot {
    tree: PathBuf,
    _lock: File,
}

impl Slot {
    /// Takes the first free slot and fills it with fresh copies of the exercises' solutions.
    fn take(kit: &Kit, solutions: &Path, exercises: &[String]) -> Result<Slot, Error> {
        let dir = kit.work_dir().join("mutants");
        let (n, lock) = crate::files::take_slot(&dir)
            .map_err(|e| cli::error(format!("cannot take a slot in {}: {e}", dir.display())))?;
        let tree = dir.join(format!("slot-{n}"));
        let why = |e: std::io::Error| cli::error(format!("cannot copy the solutions into {}: {e}", tree.display()));
        if tree.exists() {
            fs::remove_dir_all(&tree).map_err(why)?;
        }
        for exercise in exercises {
            crate::files::copy_sources(&solutions.join(exercise), &tree.join(exercise)).map_err(why)?;
        }
        Ok(Slot { tree, _lock: lock })
    }

    /// The slot's copy of the file a mutant changes.
    fn file(&self, mutant: &Mutant) -> PathBuf {
        self.tree.join(mutant.exercise().unwrap_or_default()).join(mutant.file_in_exercise())
    }
}

/// What the checks made of one mutant.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Verdict {
    /// These checks failed (or timed out) on it.
    Caught(Vec<String>),
    /// Every check passed.
    Passed,
    /// The mutated exercise does not build: the first error.
    Unbuildable(String),
    /// The grader could not do its own part on some check (not the mutant's doing).
    GraderError(String),
}

/// Grades the untouched copy in every slot: the solutions must pass every check there, or no
/// verdict on a mutant means anything.
fn baseline(kit: &Kit, slots: &[Slot], exercises: &[String], options: &Options) -> Result<(), Error> {
    for slot in slots {
        tree::build(kit, &slot.tree, exercises).map_err(|e| cli::error(e.to_string()))?;
    }
    let reports: Vec<Result<Report, String>> = std::thread::scope(|scope| {
        let running: Vec<_> = slots
            .iter()
            .map(|slot| {
                scope.spawn(|| grade::grade(kit, &slot.tree, exercises, options, &|_| {}).map_err(|e| e.to_string()))
            })
            .collect();
        running.into_iter().map(|r| r.join().expect("a grade does not panic")).collect()
    });
    for report in reports {
        let report = report.map_err(cli::error)?;
        for exercise in &report.exercises {
            if let Some(broken) = &exercise.broken {
                return Err(cli::error(format!("the solution of {} does not build: {broken}", exercise.name)));
            }
            if let Some(check) = exercise.checks.iter().find(|c| c.status != Status::Pass) {
                let why = check.fail.as_ref().map(|f| f.got.clone()).unwrap_or_default();
                return Err(cli::error(format!(
                    "the solution of {} does not pass {} in a scratch copy ({why}); see `cargo xtask grade --solutions`",
                    exercise.name, check.id
                )));
            }
        }
    }
    Ok(())
}

/// Grades every mutant, in rounds of one mutant per slot: the round's mutants are applied and
/// built one after the other (cargo builds in one shared build directory anyway), then graded all
/// at once. No check runs while rustc takes the cores, and no more grades run at once than
/// `stress` shows to be stable.
fn grade_all(kit: &Kit, slots: &[Slot], mutants: &[Mutant], options: &Options) -> Result<Vec<Verdict>, Error> {
    let live = std::io::stderr().is_terminal();
    let mut verdicts = Vec::with_capacity(mutants.len());
    for round in mutants.chunks(slots.len()) {
        let mut graded: Vec<Option<Verdict>> = vec![None; round.len()];
        for ((slot, mutant), verdict) in slots.iter().zip(round).zip(&mut graded) {
            let path = slot.file(mutant);
            let original =
                fs::read_to_string(&path).map_err(|e| cli::error(format!("cannot read {}: {e}", path.display())))?;
            let mutated = apply_diff(&original, &mutant.diff)
                .map_err(|e| cli::error(format!("cannot apply the diff of {}: {e}", mutant.name)))?;
            fs::write(&path, mutated).map_err(|e| cli::error(format!("cannot write {}: {e}", path.display())))?;
            let exercise = mutant.exercise().unwrap_or_default().to_owned();
            let built =
                tree::build(kit, &slot.tree, std::slice::from_ref(&exercise)).map_err(|e| cli::error(e.to_string()))?;
            *verdict = match built.into_iter().next().map(|(_, runner)| runner) {
                Some(Ok(runner)) => runner.bin_error.map(|e| Verdict::Unbuildable(first_line(&e))),
                // Only a compiler error in the exercise's own sources (or in its host, compiled
                // with them) is the mutant's doing; anything else (the kit's checks not building
                // while someone edits them, a build stopped by its time limit) makes every later
                // verdict meaningless too.
                Some(Err(broken)) if broken.summary.contains(&format!(": {exercise}/src/")) => {
                    Some(Verdict::Unbuildable(broken.summary))
                }
                Some(Err(broken)) => {
                    return Err(cli::error(format!(
                        "building {} with the mutant {} failed for a reason of the kit's, not the mutant's: {}",
                        exercise, mutant.name, broken.summary
                    )));
                }
                None => return Err(cli::error(format!("the build of {exercise} did not report it"))),
            };
        }
        let finished: Vec<Result<Verdict, String>> = std::thread::scope(|scope| {
            let running: Vec<_> = slots
                .iter()
                .zip(round)
                .zip(&graded)
                .filter(|(_, verdict)| verdict.is_none())
                .map(|((slot, mutant), _)| {
                    scope.spawn(move || {
                        let exercise = mutant.exercise().unwrap_or_default().to_owned();
                        grade::grade(kit, &slot.tree, &[exercise], options, &|_| {})
                            .map(|report| verdict_of(&report))
                            .map_err(|e| e.to_string())
                    })
                })
                .collect();
            running.into_iter().map(|r| r.join().expect("a grade does not panic")).collect()
        });
        let mut finished = finished.into_iter();
        for verdict in &mut graded {
            if verdict.is_none() {
                *verdict = Some(finished.next().expect("one grade per mutant built").map_err(cli::error)?);
            }
        }
        for (slot, mutant) in slots.iter().zip(round) {
            restore(kit, slot, mutant)?;
        }
        verdicts.extend(graded.into_iter().map(|v| v.expect("every mutant of the round has a verdict")));
        if live {
            eprint!("\r\x1b[2Kmutants: {}/{} graded…", verdicts.len(), mutants.len());
            let _ = std::io::stderr().flush();
        }
    }
    if live {
        eprint!("\r\x1b[2K");
    }
    Ok(verdicts)
}

/// Puts the solution's own file back in the slot.
fn restore(kit: &Kit, slot: &Slot, mutant: &Mutant) -> Result<(), Error> {
    let solution = kit.root.join(&mutant.file);
    let path = slot.file(mutant);
    fs::copy(&solution, &path).map(drop).map_err(|e| cli::error(format!("cannot restore {}: {e}", path.display())))
}

fn first_line(text: &str) -> String {
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or(text).trim().to_owned()
}

fn verdict_of(report: &Report) -> Verdict {
    let Some(exercise) = report.exercises.first() else {
        return Verdict::GraderError("the grade reported no exercise".into());
    };
    if let Some(broken) = &exercise.broken {
        return Verdict::Unbuildable(broken.summary.clone());
    }
    let caught: Vec<String> = exercise
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Timeout))
        .map(|c| c.id.clone())
        .collect();
    if !caught.is_empty() {
        return Verdict::Caught(caught);
    }
    match exercise.checks.iter().find(|c| c.status == Status::Error) {
        Some(check) => Verdict::GraderError(format!(
            "{}: {}",
            check.id,
            check.fail.as_ref().map(|f| f.got.clone()).unwrap_or_default()
        )),
        None => Verdict::Passed,
    }
}

/// The whole run, as `--format json` prints it.
#[derive(Debug, Serialize)]
struct Results {
    /// The version of this layout.
    schema: u32,
    /// `cargo mutants --version`.
    cargo_mutants: String,
    total: usize,
    caught: usize,
    missed: usize,
    equivalent: usize,
    unbuildable: usize,
    grader_errors: usize,
    /// `caught / (caught + missed)`: the share of the mutants that build, and can be told apart
    /// from the solution, that some check catches. `null` when there are none.
    score: Option<f64>,
    duration_ms: u128,
    exercises: Vec<ExerciseResults>,
    /// Entries of the equivalents file that need attention: stale, or caught after all.
    notes: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ExerciseResults {
    exercise: String,
    total: usize,
    caught: usize,
    missed: usize,
    equivalent: usize,
    unbuildable: usize,
    mutants: Vec<MutantResult>,
}

#[derive(Debug, Serialize)]
struct MutantResult {
    /// As cargo-mutants names it.
    name: String,
    /// `caught`, `missed`, `equivalent`, `unbuildable` or `grader-error`.
    verdict: &'static str,
    /// The checks that failed on it (for `caught`).
    caught_by: Vec<String>,
    /// Why it is equivalent, why it does not build, or what the grader could not do.
    reason: Option<String>,
}

impl Results {
    fn new(
        exercises: &[String],
        mutants: &[Mutant],
        verdicts: Vec<Verdict>,
        equivalents: &[Equivalent],
        cargo_mutants: String,
        duration_ms: u128,
    ) -> Results {
        let mut notes = Vec::new();
        let mut by_exercise: BTreeMap<&str, Vec<MutantResult>> = BTreeMap::new();
        for (mutant, verdict) in mutants.iter().zip(verdicts) {
            let listed = equivalents.iter().find(|e| e.mutant == mutant.name);
            let (verdict, caught_by, reason) = match (verdict, listed) {
                (Verdict::Caught(checks), listed) => {
                    if listed.is_some() {
                        notes.push(format!("{} is listed in {EQUIVALENTS} but was caught: remove it", mutant.name));
                    }
                    ("caught", checks, None)
                }
                (Verdict::Passed, Some(entry)) => ("equivalent", Vec::new(), Some(entry.why.clone())),
                (Verdict::Passed, None) => ("missed", Vec::new(), None),
                (Verdict::Unbuildable(why), _) => ("unbuildable", Vec::new(), Some(why)),
                (Verdict::GraderError(why), _) => ("grader-error", Vec::new(), Some(why)),
            };
            let exercise = mutant.exercise().unwrap_or_default();
            by_exercise.entry(exercise).or_default().push(MutantResult {
                name: mutant.name.clone(),
                verdict,
                caught_by,
                reason,
            });
        }
        for entry in equivalents {
            let in_scope = exercises.iter().any(|e| entry.mutant.starts_with(&format!("solutions/{e}/")));
            if in_scope && !mutants.iter().any(|m| m.name == entry.mutant) {
                notes.push(format!(
                    "{EQUIVALENTS} lists {}, which cargo-mutants no longer generates: update or remove it",
                    entry.mutant
                ));
            }
        }
        let exercises: Vec<ExerciseResults> = exercises
            .iter()
            .map(|exercise| {
                let mutants = by_exercise.remove(exercise.as_str()).unwrap_or_default();
                let count = |verdict: &str| mutants.iter().filter(|m| m.verdict == verdict).count();
                ExerciseResults {
                    exercise: exercise.clone(),
                    total: mutants.len(),
                    caught: count("caught"),
                    missed: count("missed"),
                    equivalent: count("equivalent"),
                    unbuildable: count("unbuildable"),
                    mutants,
                }
            })
            .collect();
        let sum = |f: fn(&ExerciseResults) -> usize| exercises.iter().map(f).sum::<usize>();
        let (caught, missed) = (sum(|e| e.caught), sum(|e| e.missed));
        let grader_errors = exercises.iter().flat_map(|e| &e.mutants).filter(|m| m.verdict == "grader-error").count();
        Results {
            schema: 1,
            cargo_mutants,
            total: sum(|e| e.total),
            caught,
            missed,
            equivalent: sum(|e| e.equivalent),
            unbuildable: sum(|e| e.unbuildable),
            grader_errors,
            score: (caught + missed > 0).then(|| caught as f64 / (caught + missed) as f64),
            duration_ms,
            exercises,
            notes,
        }
    }

    fn render(&self, style: &Style) -> String {
        let mut out = String::new();
        for exercise in &self.exercises {
            out.push_str(&style.bold(&format!(
                "{}  {} mutants: {} caught, {} missed, {} equivalent, {} do not build",
                exercise.exercise,
                exercise.total,
                exercise.caught,
                exercise.missed,
                exercise.equivalent,
                exercise.unbuildable
            )));
            out.push('\n');
            for mutant in &exercise.mutants {
                let short = short_name(&mutant.name);
                let (mark, detail) = match mutant.verdict {
                    "caught" => {
                        let mut shown =
                            mutant.caught_by.iter().take(SHOWN_CHECKS).cloned().collect::<Vec<_>>().join(", ");
                        if mutant.caught_by.len() > SHOWN_CHECKS {
                            shown.push_str(&format!(" and {} more", mutant.caught_by.len() - SHOWN_CHECKS));
                        }
                        (style.green("caught     "), format!("by {shown}"))
                    }
                    "missed" => (style.red("missed     "), "every check passed".to_owned()),
                    "equivalent" => (style.dim("equivalent "), mutant.reason.clone().unwrap_or_default()),
                    "unbuildable" => (style.dim("no build   "), mutant.reason.clone().unwrap_or_default()),
                    _ => (style.yellow("error      "), mutant.reason.clone().unwrap_or_default()),
                };
                out.push_str(&format!("  {mark} {short}\n              {detail}\n"));
            }
            out.push('\n');
        }
        for note in &self.notes {
            out.push_str(&style.yellow(&format!("note: {note}")));
            out.push('\n');
        }
        let built = self.caught + self.missed + self.equivalent;
        let score = self.score.map_or("-".to_owned(), |s| format!("{:.1}%", s * 100.0));
        let summary = format!(
            "mutants: {} of {} mutants that build and can be told apart from the solution are caught: {score} \
             ({} equivalent, {} do not build, {} in all; {}, {:.0} s)",
            self.caught,
            built - self.equivalent,
            self.equivalent,
            self.unbuildable,
            self.total,
            self.cargo_mutants,
            self.duration_ms as f64 / 1000.0
        );
        out.push_str(&if self.missed == 0 { style.green(&summary) } else { style.red(&summary) });
        out.push('\n');
        if self.grader_errors > 0 {
            out.push_str(&style.yellow(&format!(
                "note: the grader could not judge {} mutants (grader errors): run again\n",
                self.grader_errors
            )));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "fn greet() {\n    let n = 1;\n    if n > 0 {\n        write();\n    }\n}\n";

    #[test]
    fn a_diff_as_cargo_mutants_prints_it_is_applied() {
        let diff = "--- solutions/02-accept-loop/src/lib.rs\n+++ replace > with >= in greet\n@@ -1,6 +1,6 @@\n \
                    fn greet() {\n     let n = 1;\n-    if n > 0 {\n+    if n >= 0 {\n         write();\n     }\n }\n";
        assert_eq!(apply_diff(SOURCE, diff).unwrap(), SOURCE.replace("n > 0", "n >= 0"));
    }

    #[test]
    fn a_diff_of_another_version_of_the_file_is_refused() {
        let diff = "@@ -2,2 +2,2 @@\n     let n = 2;\n-    if n > 0 {\n+    if n >= 0 {\n";
        let error = apply_diff(SOURCE, diff).unwrap_err();
        assert!(error.contains("line 2"), "{error}");
    }

    #[test]
    fn a_hunk_in_the_middle_keeps_the_lines_around_it_and_several_hunks_apply_in_order() {
        let diff = "@@ -2,1 +2,2 @@\n-    let n = 1;\n+    let n = 2;\n+    let m = 3;\n@@ -4 +5 @@\n-        write();\n+        read();\n";
        let expected = "fn greet() {\n    let n = 2;\n    let m = 3;\n    if n > 0 {\n        read();\n    }\n}\n";
        assert_eq!(apply_diff(SOURCE, diff).unwrap(), expected);
    }

    #[test]
    fn a_diff_without_hunks_is_refused() {
        assert!(apply_diff(SOURCE, "--- a\n+++ b\n").is_err());
    }

    #[test]
    fn equivalents_parse_with_their_reasons() {
        let text = "# comment\n\nsolutions/01-bind/src/lib.rs:1:1: replace a with b in f\n    why: one\n    two\n\n\
                    solutions/01-bind/src/lib.rs:2:1: delete ! in g\n  why: three\n";
        let parsed = parse_equivalents(text).unwrap();
        assert_eq!(
            parsed,
            [
                Equivalent {
                    mutant: "solutions/01-bind/src/lib.rs:1:1: replace a with b in f".into(),
                    why: "one two".into()
                },
                Equivalent { mutant: "solutions/01-bind/src/lib.rs:2:1: delete ! in g".into(), why: "three".into() },
            ]
        );
    }

    #[test]
    fn an_equivalent_without_a_reason_or_listed_twice_is_refused() {
        let no_reason =
            "solutions/01-bind/src/lib.rs:1:1: delete ! in f\n\nsolutions/01-bind/src/lib.rs:2:1: x\n  why: y\n";
        assert!(parse_equivalents(no_reason).unwrap_err().contains("no `why:`"));
        let twice = "solutions/a:1:1: x\n  why: y\nsolutions/a:1:1: x\n  why: y\n";
        assert!(parse_equivalents(twice).unwrap_err().contains("twice"));
        assert!(parse_equivalents("  why: orphan\n").is_err());
        assert!(parse_equivalents("exercises/01-bind/src/lib.rs:1:1: x\n  why: y\n").is_err());
    }

    /// Whether `name` (`FILE:LINE:COLUMN: description`) names code that is in the kit: the file,
    /// the line, the function, and for operator mutants the operator at that place. Without
    /// cargo-mutants this is as close as a test can get to "cargo-mutants generates it".
    fn names_code_in_the_kit(kit: &Path, name: &str) -> Result<(), String> {
        let mut parts = name.splitn(4, ':');
        let (Some(file), Some(line), Some(column), Some(description)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("not FILE:LINE:COLUMN: description".into());
        };
        let text = fs::read_to_string(kit.join(file)).map_err(|e| format!("{file}: {e}"))?;
        let line: usize = line.parse().map_err(|_| format!("line {line:?}"))?;
        let column: usize = column.parse().map_err(|_| format!("column {column:?}"))?;
        let source = text.lines().nth(line.wrapping_sub(1)).ok_or(format!("{file} has no line {line}"))?;
        let at = source.get(column.saturating_sub(1)..).ok_or(format!("line {line} has no column {column}"))?;
        let description = description.trim();
        // The function: `… in NAME` or `replace NAME -> TYPE with VALUE`, its last path segment.
        let function = match description.rsplit_once(" in ") {
            Some((_, function)) if !description.starts_with("replace ") || !description.contains(" -> ") => function,
            _ => description.strip_prefix("replace ").and_then(|d| d.split(" -> ").next()).unwrap_or_default(),
        };
        let function = function.rsplit("::").next().unwrap_or_default().trim_end_matches('>');
        if !text.contains(&format!("fn {function}")) {
            return Err(format!("{file} has no function {function:?}"));
        }
        // What is replaced or deleted must be at LINE:COLUMN.
        let changed = if let Some(rest) = description.strip_prefix("replace match guard ") {
            rest.split(" with ").next()
        } else if let Some(rest) = description.strip_prefix("delete match arm ") {
            rest.split(" in ").next()
        } else if let Some(rest) = description.strip_prefix("delete ") {
            rest.split(" in ").next()
        } else if description.contains(" -> ") {
            None
        } else {
            description.strip_prefix("replace ").and_then(|rest| rest.split(" with ").next())
        };
        match changed {
            Some(changed) if !at.starts_with(changed) => {
                Err(format!("{file}:{line}:{column} holds {at:?}, not {changed:?}"))
            }
            _ => Ok(()),
        }
    }

    #[test]
    fn the_equivalents_file_parses_and_names_mutants_of_the_solutions() {
        let kit = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let text = fs::read_to_string(kit.join(EQUIVALENTS)).unwrap();
        let entries = parse_equivalents(&text).unwrap();
        for entry in &entries {
            names_code_in_the_kit(kit, &entry.mutant).unwrap_or_else(|e| panic!("{}: {e}", entry.mutant));
            assert!(entry.why.len() > 20, "{}: say why it cannot be told apart", entry.mutant);
        }
    }

    #[test]
    fn the_name_check_tells_real_mutants_from_others() {
        let kit = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let real = [
            "solutions/02-accept-loop/src/lib.rs:46:10: replace > with >= in greet",
            "solutions/01-bind/src/lib.rs:36:9: delete match arm io::ErrorKind::AddrInUse in classify",
            "solutions/01-bind/src/lib.rs:30:5: replace parse_address -> Result<SocketAddr, BindError> with Ok(Default::default())",
        ];
        for name in real {
            names_code_in_the_kit(kit, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        for name in [
            "solutions/02-accept-loop/src/lib.rs:46:11: replace > with >= in greet",
            "solutions/02-accept-loop/src/lib.rs:46:10: replace > with >= in nothing_like_it",
            "solutions/02-accept-loop/src/nothing.rs:1:1: delete ! in greet",
        ] {
            assert!(names_code_in_the_kit(kit, name).is_err(), "{name}");
        }
    }

    fn named(name: &str) -> Mutant {
        let file = name.split(':').next().unwrap().to_owned();
        Mutant { name: name.to_owned(), file, diff: String::new() }
    }

    #[test]
    fn a_listed_mutant_that_passes_is_equivalent_and_stale_or_caught_entries_are_noted() {
        let exercises = ["02-accept-loop".to_owned(), "04-socket-options".to_owned()];
        let mutants = [
            named("solutions/02-accept-loop/src/lib.rs:1:1: a"),
            named("solutions/02-accept-loop/src/lib.rs:2:1: b"),
            named("solutions/02-accept-loop/src/lib.rs:3:1: c"),
            named("solutions/04-socket-options/src/lib.rs:4:1: d"),
        ];
        let verdicts = vec![
            Verdict::Passed,
            Verdict::Passed,
            Verdict::Caught(vec!["greet-once".into()]),
            Verdict::Unbuildable("your crate does not compile".into()),
        ];
        let equivalent = |mutant: &str| Equivalent { mutant: mutant.into(), why: "behaves the same".into() };
        let equivalents = [
            equivalent("solutions/02-accept-loop/src/lib.rs:1:1: a"),
            equivalent("solutions/02-accept-loop/src/lib.rs:3:1: c"),
            equivalent("solutions/04-socket-options/src/lib.rs:9:1: gone"),
            // Not graded this time: not stale.
            equivalent("solutions/07-pizza-shop/src/lib.rs:9:1: elsewhere"),
        ];
        let results = Results::new(&exercises, &mutants, verdicts, &equivalents, "cargo-mutants 1".into(), 0);
        let verdicts: Vec<&str> = results.exercises.iter().flat_map(|e| &e.mutants).map(|m| m.verdict).collect();
        assert_eq!(verdicts, ["equivalent", "missed", "caught", "unbuildable"]);
        assert_eq!((results.caught, results.missed, results.equivalent, results.unbuildable), (1, 1, 1, 1));
        assert_eq!(results.score, Some(0.5));
        assert_eq!(results.notes.len(), 2, "{:?}", results.notes);
        assert!(results.notes[0].contains("lib.rs:3:1: c") && results.notes[0].contains("was caught"));
        assert!(results.notes[1].contains("gone") && results.notes[1].contains("no longer generates"));
        let shown = results.render(&Style::plain());
        assert!(shown.contains("equivalent  src/lib.rs:1:1: a\n              behaves the same"), "{shown}");
        assert!(shown.contains("caught      src/lib.rs:3:1: c\n              by greet-once"), "{shown}");
        assert!(shown.contains("1 of 2 mutants that build and can be told apart from the solution are caught: 50.0%"));
    }

    #[test]
    fn a_mutant_knows_its_exercise_and_file() {
        let mutant = Mutant {
            name: "solutions/02-accept-loop/src/lib.rs:46:10: replace > with >= in greet".into(),
            file: "solutions/02-accept-loop/src/lib.rs".into(),
            diff: String::new(),
        };
        assert_eq!(mutant.exercise(), Some("02-accept-loop"));
        assert_eq!(mutant.file_in_exercise(), "src/lib.rs");
        assert_eq!(short_name(&mutant.name), "src/lib.rs:46:10: replace > with >= in greet");
        let outside = Mutant { file: "xtask/src/main.rs".into(), ..mutant };
        assert_eq!(outside.exercise(), None);
    }
}
