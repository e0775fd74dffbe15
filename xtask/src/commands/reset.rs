//! `cargo xtask reset EXERCISE [--yes]` (and `x` in `watch`, through [`Plan`]): puts an exercise
//! back to its stub, as committed in git (see `stub` for which commit), after asking. Never loses
//! work: the student's files are first copied, whole, to `.backups/NN-name-DATE-TIME/` at the
//! kit's root (outside `target/`, which `cargo clean` empties), and that path is printed. Without
//! a terminal to ask on, it refuses unless `--yes` is given.

use std::ffi::OsString;
use std::fs;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::cli::{self, Error};
use crate::files;
use crate::stub::{self, Differences, Stub};
use crate::style::Style;

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let mut named: Option<OsString> = None;
    let mut yes = false;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('y') | Long("yes") => yes = true,
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(value) if named.is_none() => named = Some(value),
            Value(value) => return Err(cli::error(format!("reset takes one exercise; unexpected {value:?}"))),
            other => return Err(other.unexpected().into()),
        }
    }
    let kit = cli::kit();
    let exercise = cli::select_one(&kit, named, "reset")?;
    let plan = Plan::make(&kit.root, &exercise).map_err(cli::error)?;
    let style = Style::for_stdout();
    if plan.is_empty() {
        println!("{}", plan.nothing_to_do());
        return Ok(ExitCode::SUCCESS);
    }
    for line in plan.describe(&style) {
        println!("{line}");
    }
    if !yes {
        if !io::stdin().is_terminal() {
            return Err(cli::error(format!(
                "not resetting {exercise}: there is no terminal to ask for confirmation; add --yes to reset anyway"
            )));
        }
        print!("{} [y/N] ", plan.question());
        let _ = io::stdout().flush();
        let mut answer = String::new();
        io::stdin().lock().read_line(&mut answer).map_err(|e| cli::error(format!("cannot read the answer: {e}")))?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            println!("Nothing was changed.");
            return Ok(ExitCode::FAILURE);
        }
    }
    for line in plan.apply(&style).map_err(cli::error)? {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

/// A reset of one exercise, worked out and not yet done: `reset` and watch's `x` show it, ask, and
/// then apply it, with the same words and the same backup.
pub struct Plan {
    root: PathBuf,
    exercise: String,
    dir: PathBuf,
    stub: Stub,
    differences: Differences,
}

impl Plan {
    /// What resetting `exercise` of the kit at `root` would change, or why it cannot be reset.
    pub fn make(root: &Path, exercise: &str) -> Result<Plan, String> {
        let kit = grader::tree::Kit::at(root);
        let dir = root.join("exercises").join(exercise);
        let stub = stub::find(&kit, exercise).map_err(|why| format!("nothing was changed: {why}"))?;
        let differences = stub.differences(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        Ok(Plan { root: root.to_path_buf(), exercise: exercise.to_owned(), dir, stub, differences })
    }

    /// True when the exercise already is its stub.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }

    /// What is said when there is nothing to reset.
    pub fn nothing_to_do(&self) -> String {
        format!("{} already is its stub (as committed in {}): nothing to reset.", self.exercise, self.stub.source)
    }

    /// What the reset would do, file by file, and that a backup comes first.
    pub fn describe(&self, style: &Style) -> Vec<String> {
        let mut lines =
            vec![style.bold(&format!("Reset {} to its stub, as committed in {}:", self.exercise, self.stub.source))];
        for path in &self.differences.restore {
            let what = if self.dir.join(path).exists() { "restore" } else { "recreate" };
            lines.push(format!("  {what} {}", path.display()));
        }
        for path in &self.differences.remove {
            lines.push(format!("  remove  {} (not in the stub)", path.display()));
        }
        if !self.stub.looks_like_a_stub() {
            lines.push(style.yellow(
                "note: that version has no todo!() left: it may be your own work committed on a branch \
                 without upstream, not the kit's stub",
            ));
        }
        lines.push("Your current files are copied to a backup first; nothing is lost.".to_owned());
        lines
    }

    /// The question to confirm it.
    pub fn question(&self) -> String {
        format!("Reset {}?", self.exercise)
    }

    /// Backs the exercise up, puts the stub back, and says where the backup is.
    pub fn apply(&self, style: &Style) -> Result<Vec<String>, String> {
        let backup = backup(&self.root, &self.exercise, &self.dir).map_err(|e| format!("nothing was changed: {e}"))?;
        restore(&self.dir, &self.stub.files, &self.differences)
            .map_err(|e| format!("the reset stopped half-way ({e}); your files are safe in {}", backup.display()))?;
        let shown = backup.strip_prefix(&self.root).unwrap_or(&backup);
        Ok(vec![
            style.green(&format!("{} is back to its stub.", self.exercise)),
            format!("Your version is in {}/ (copy files back from there to undo).", shown.display()),
        ])
    }
}

/// Copies every file of the exercise (build output aside) to a new folder under `.backups/`, and
/// checks the copy before anything is overwritten.
pub fn backup(root: &Path, exercise: &str, dir: &Path) -> io::Result<PathBuf> {
    let stamp = timestamp(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
    let backups = root.join(".backups");
    let mut target = backups.join(format!("{exercise}-{stamp}"));
    let mut n = 1;
    while target.exists() {
        n += 1;
        target = backups.join(format!("{exercise}-{stamp}-{n}"));
    }
    for file in files::list(dir)? {
        let to = target.join(&file);
        fs::create_dir_all(to.parent().expect("in a folder"))?;
        fs::copy(dir.join(&file), &to)?;
        if fs::read(dir.join(&file))? != fs::read(&to)? {
            return Err(io::Error::other(format!("the backup of {} differs from the original", file.display())));
        }
    }
    fs::create_dir_all(&target)?;
    Ok(target)
}

fn restore(dir: &Path, stub: &[(PathBuf, Vec<u8>)], differences: &Differences) -> io::Result<()> {
    for path in &differences.restore {
        let content = &stub.iter().find(|(p, _)| p == path).expect("a file of the stub").1;
        let to = dir.join(path);
        fs::create_dir_all(to.parent().expect("in a folder"))?;
        fs::write(to, content)?;
    }
    for path in &differences.remove {
        fs::remove_file(dir.join(path))?;
    }
    Ok(())
}

/// `2024-05-21-101500` (UTC) from seconds since the epoch: sorts by time, and reads as a date.
fn timestamp(secs: u64) -> String {
    let days = secs / 86_400;
    let (hour, minute, second) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    // Howard Hinnant's days-to-civil algorithm, for the proleptic Gregorian calendar.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}-{hour:02}{minute:02}{second:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_dates() {
        assert_eq!(timestamp(0), "1970-01-01-000000");
        assert_eq!(timestamp(951_782_400), "2000-02-29-000000");
        assert_eq!(timestamp(1_716_286_500), "2024-05-21-101500");
    }

    #[test]
    fn a_backup_holds_every_file_and_a_second_one_gets_its_own_folder() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("exercises/01-bind");
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::write(dir.join("src/lib.rs"), "my work").unwrap();
        fs::write(dir.join("src/helper.rs"), "mine too").unwrap();
        fs::create_dir_all(dir.join("target")).unwrap();
        fs::write(dir.join("target/junk"), "build output").unwrap();
        let first = backup(root.path(), "01-bind", &dir).unwrap();
        assert!(first.starts_with(root.path().join(".backups")));
        assert_eq!(fs::read_to_string(first.join("src/lib.rs")).unwrap(), "my work");
        assert_eq!(fs::read_to_string(first.join("src/helper.rs")).unwrap(), "mine too");
        assert!(!first.join("target").exists());
        let second = backup(root.path(), "01-bind", &dir).unwrap();
        assert_ne!(first, second);
    }
}
