//! `cargo xtask grade --submissions DIR`: grades a class on one machine. Every folder of DIR is one
//! student's submission; each is graded by a child `cargo xtask grade --format json` with a time
//! limit, several at once, and the results land in a CSV (one row per student), one json report
//! per student and, beside it, the human report as text, to hand back to the student.
//!
//! Why a child process per submission: a build script that never ends, a compiler crash or a bug
//! of the grader on one odd submission must cost that submission its row, not the class its batch.
//!
//! Why slots: a submission is copied into a working folder (a *slot*) that is reused for the next
//! submission, so the generated workspace, its package ids and so its build artifacts keep the
//! same paths. Cargo rebuilds them in place and disk use stays at about 170 MB per slot however
//! large the class, while the compiled dependencies are shared by all. A slot is locked while in
//! use, so two batches at once take different slots.

use std::fs::{self, File};
use std::io::IsTerminal;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use grader::grade::{self, Options};
use grader::supervise::{self, Ended, Limits};
use grader::tree::{self, Kit};

use crate::cli::{self, Error};
use crate::commands::grade::write_atomically;
use crate::render::{csv, json};

/// How a batch runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Submissions graded at once.
    pub parallel: usize,
    /// Checks run at once within one submission (the child's `--jobs`); `None` for its default.
    pub jobs: Option<usize>,
    /// How long one submission may take, build included.
    pub time_limit: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        // Two at once: one submission's build (CPU) overlaps another's checks (mostly waiting on
        // sockets and time limits). More would crowd two cores and the checks are timing-sensitive.
        // A submission takes seconds; the limit only stops builds and compiles that never end.
        Settings { parallel: 2, jobs: Some(2), time_limit: Duration::from_secs(120) }
    }
}

/// How much of a child grade's output is kept, to explain a failure.
const CHILD_OUTPUT: usize = 16 * 1024;
/// How long past the time limit a child grade is waited for before it is killed. The child stops
/// its own build and checks at the limit (`--time-limit`), which ends everything it started (the
/// compiler included); killed from outside, the compiler it started would outlive it and keep
/// the shared build directory locked for every other submission.
const CHILD_GRACE: Duration = Duration::from_secs(30);

/// One student's result.
#[derive(Clone, Debug)]
pub struct Row {
    /// The submission's folder name.
    pub student: String,
    /// Points per exercise, in the order of the batch's exercises; `None` when not graded.
    pub points: Vec<Option<u32>>,
    /// Points over all exercises.
    pub total: u32,
    /// Points there were to earn.
    pub max: u32,
    /// False when the submission could not be graded at all.
    pub graded: bool,
    /// What an instructor should know: broken exercises, timeouts, why it was not graded.
    pub note: String,
    /// The grade hit the time limit, perhaps through no fault of its own (see [`run`]).
    pub timed_out: bool,
}

pub fn run(
    kit: &Kit,
    submissions: &Path,
    output: Option<PathBuf>,
    exercises: &[String],
    settings: &Settings,
) -> Result<ExitCode, Error> {
    let started = Instant::now();
    let submissions = fs::canonicalize(submissions)
        .map_err(|e| cli::error(format!("--submissions {}: {e}", submissions.display())))?;
    let students = students(&submissions)?;
    let out = output.unwrap_or_else(|| default_output(&submissions));
    let reports = out.join("reports");
    fs::create_dir_all(&reports).map_err(|e| cli::error(format!("cannot create {}: {e}", reports.display())))?;
    let live = std::io::stderr().is_terminal();
    if !grader::sandbox::confines_as_root() {
        eprintln!(
            "note: as an ordinary user, student code runs as you and can read the kit and the other submissions; \
             grade as root (sudo, or in a container) to run it as an unprivileged user who cannot"
        );
    }

    // The reference grade compiles the dependencies and the checks once, before any submission's
    // time limit runs, and tells what each exercise is worth (also when a student's does not build).
    if live {
        eprint!("\r\x1b[2KPreparing: building the checks against solutions/…");
    }
    let reference = grade::grade(
        kit,
        &cli::solutions(kit, "batch grading (its reference scores)")?,
        exercises,
        &Options { private: true, ..Options::default() },
        &|_| {},
    )
    .map_err(|e| cli::error(format!("cannot build the checks: {e}")))?;
    let max: Vec<u32> = reference.exercises.iter().map(|e| e.max_score()).collect();

    let exe = std::env::current_exe().map_err(|e| cli::error(format!("cannot find this program: {e}")))?;
    // As root, student code is kept from the class folder and the reports as from the kit.
    let out_abs = fs::canonicalize(&out).unwrap_or_else(|_| out.clone());
    let hide = std::env::join_paths([submissions.as_path(), out_abs.as_path()])
        .map_err(|e| cli::error(format!("cannot hide the class folder from student code: {e}")))?;
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let running = AtomicUsize::new(0);
    let workers_left = AtomicUsize::new(0);
    let rows: Vec<Mutex<Option<Row>>> = students.iter().map(|_| Mutex::new(None)).collect();
    let bar = Bar { live, total: students.len(), started };
    let workers = settings.parallel.min(students.len()).max(1);
    let slots = (0..workers).map(|_| Slot::take(kit)).collect::<Result<Vec<Slot>, Error>>()?;
    workers_left.store(slots.len(), Ordering::Relaxed);
    std::thread::scope(|scope| {
        for slot in &slots {
            scope.spawn(|| {
                // Counts this worker out however it ends, so that the ticker below never waits
                // for a worker that panicked.
                let _left = Leaving(&workers_left);
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some(student) = students.get(n) else { break };
                    running.fetch_add(1, Ordering::Relaxed);
                    let job = Job {
                        exe: &exe,
                        kit_root: &kit.root,
                        exercises,
                        max: &max,
                        settings,
                        reports: &reports,
                        hide: &hide,
                    };
                    let row = job.grade(slot, student);
                    *rows[n].lock().expect("no panics while holding the lock") = Some(row);
                    running.fetch_sub(1, Ordering::Relaxed);
                    bar.draw(finished.fetch_add(1, Ordering::Relaxed) + 1, running.load(Ordering::Relaxed));
                }
            });
        }
        // Keeps the elapsed time moving while a long build runs.
        scope.spawn(|| {
            while workers_left.load(Ordering::Relaxed) > 0 {
                bar.draw(finished.load(Ordering::Relaxed), running.load(Ordering::Relaxed));
                std::thread::sleep(Duration::from_millis(500));
            }
        });
    });
    bar.clear();

    let mut rows: Vec<Row> =
        rows.into_iter().map(|r| r.into_inner().expect("lock").expect("every submission was graded")).collect();
    // All builds share one build directory, and cargo builds in it one at a time: while a build
    // script that never ends holds it, the submissions graded beside it wait, and may reach their
    // own time limit through no fault of their own. Each that timed out gets a second grade, alone.
    let retry: Vec<usize> = (0..rows.len()).filter(|&n| rows[n].timed_out).collect();
    if !retry.is_empty() && live {
        eprint!("\r\x1b[2KGrading again, one at a time, {} submissions that reached the time limit…", retry.len());
    }
    for &n in &retry {
        let job =
            Job { exe: &exe, kit_root: &kit.root, exercises, max: &max, settings, reports: &reports, hide: &hide };
        rows[n] = job.grade(&slots[0], &students[n]);
        if rows[n].timed_out {
            rows[n].note.push_str(" (twice, the second time alone)");
        }
    }
    bar.clear();
    let table = out.join("grades.csv");
    write_atomically(&table, &csv::render(exercises, &rows))?;
    let elapsed = started.elapsed();
    let graded = rows.iter().filter(|r| r.graded).count();
    let per_minute = rows.len() as f64 / elapsed.as_secs_f64().max(0.001) * 60.0;
    println!("Graded {graded} of {} submissions in {} ({per_minute:.1} per minute).", rows.len(), clock(elapsed));
    for row in rows.iter().filter(|r| !r.graded) {
        println!("  not graded: {}: {}", row.student, row.note);
        // The student gets a text all the same: why there is no grade.
        let text = format!("{}: not graded: {}\n", row.student, row.note);
        write_atomically(&reports.join(format!("{}.txt", row.student)), &text)?;
    }
    println!(
        "Wrote {} (one row per student) and, per student, STUDENT.json (the full report) and STUDENT.txt (the \
         report to hand back) in {}",
        table.display(),
        reports.display()
    );
    Ok(if graded == rows.len() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Decrements a count of running workers when dropped.
struct Leaving<'a>(&'a AtomicUsize);

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The submission folders of `dir`, by name; hidden folders (`.git`) are not submissions.
fn students(dir: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let entries = fs::read_dir(dir).map_err(|e| cli::error(format!("--submissions {}: {e}", dir.display())))?;
    let mut students: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|entry| Some((entry.file_name().into_string().ok()?, entry.path())))
        .filter(|(name, _)| !name.starts_with('.'))
        .collect();
    students.sort();
    if students.is_empty() {
        return Err(cli::error(format!("--submissions {} holds no submission folders", dir.display())));
    }
    Ok(students)
}

/// `class/` → `class-grades/` beside it.
fn default_output(submissions: &Path) -> PathBuf {
    let name = submissions.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "class".into());
    submissions.with_file_name(format!("{name}-grades"))
}

/// A working folder for one submission at a time, locked while this batch uses it.
struct Slot {
    tree: PathBuf,
    _lock: File,
}

impl Slot {
    /// Takes the first free slot (`target/sockets-course/batch/slot-1`, `slot-2`, …).
    fn take(kit: &Kit) -> Result<Slot, Error> {
        let dir = kit.work_dir().join("batch");
        let (n, lock) = crate::files::take_slot(&dir)
            .map_err(|e| cli::error(format!("cannot take a slot in {}: {e}", dir.display())))?;
        Ok(Slot { tree: dir.join(format!("slot-{n}")), _lock: lock })
    }
}

/// What grading one submission needs.
struct Job<'a> {
    exe: &'a Path,
    kit_root: &'a Path,
    exercises: &'a [String],
    max: &'a [u32],
    settings: &'a Settings,
    reports: &'a Path,
    /// Folders student code must not see (`grader::sandbox::HIDE_VAR`).
    hide: &'a std::ffi::OsStr,
}

impl Job<'_> {
    fn grade(&self, slot: &Slot, (student, submission): &(String, PathBuf)) -> Row {
        let not_graded = |why: String| Row {
            student: student.clone(),
            points: vec![None; self.exercises.len()],
            total: 0,
            max: self.max.iter().sum(),
            graded: false,
            note: why,
            timed_out: false,
        };
        // What an earlier batch wrote for this student is not this grade.
        let report = self.reports.join(format!("{student}.json"));
        let text = self.reports.join(format!("{student}.txt"));
        let _ = fs::remove_file(&report);
        let _ = fs::remove_file(&text);
        let no_exercises = || {
            format!(
                "no exercise folders (01-bind/, …) in {}, in an exercises/ folder, nor up to two folders down",
                submission.display()
            )
        };
        // The rule `--tree` and Gradescope use: the crates, an exercises/ folder, or either up to
        // two folders down.
        let root = match grader::layout::find(submission) {
            Ok(root) => root,
            Err(grader::layout::NotFound::Nothing) => return not_graded(no_exercises()),
            Err(why) => return not_graded(format!("{} {}", submission.display(), cli::not_found(&why))),
        };
        if let Err(why) = stage(&root, &slot.tree) {
            return not_graded(why);
        }
        if !fs::read_dir(&slot.tree).is_ok_and(|mut entries| entries.next().is_some()) {
            return not_graded(no_exercises());
        }
        let mut command = Command::new(self.exe);
        command.arg("grade").arg("--tree").arg(&slot.tree).arg("--format=json").arg("--output").arg(&report);
        command.arg("--write").arg(format!("human={}", text.display()));
        command.arg("--time-limit").arg(self.settings.time_limit.as_secs().max(1).to_string());
        if let Some(jobs) = self.settings.jobs {
            command.arg("--jobs").arg(jobs.to_string());
        }
        command.args(self.exercises);
        // Incremental caches would only grow: every submission is new code.
        command.env("CARGO_INCREMENTAL", "0");
        command.env(grader::sandbox::HIDE_VAR, self.hide);
        die_with_this_process(&mut command);
        let limits = Limits { time: self.settings.time_limit + CHILD_GRACE, output: CHILD_OUTPUT };
        let finished = match supervise::run(&mut command, limits) {
            Ok(finished) => finished,
            Err(e) => return not_graded(format!("could not start the grade: {e}")),
        };
        let timed_out = || {
            // What the child wrote as it stopped is not a grade of the submission.
            let _ = fs::remove_file(&report);
            let _ = fs::remove_file(&text);
            let mut row = not_graded(format!(
                "the grade took longer than {} s (a build script or a compile that never ends?)",
                self.settings.time_limit.as_secs()
            ));
            row.timed_out = true;
            row
        };
        match finished.ended {
            Ended::TimedOut => return timed_out(),
            // The child reached its time limit and stopped what was left: not a grade of the
            // submission's work, and perhaps not its fault (see `run`).
            Ended::Exited(_) if finished.elapsed >= self.settings.time_limit => return timed_out(),
            Ended::Exited(status) if status.code() == Some(0) || status.code() == Some(1) => {}
            Ended::Exited(status) => {
                let stderr = String::from_utf8_lossy(&finished.stderr.bytes);
                let why = stderr.lines().find(|l| l.starts_with("error: ")).or(stderr.lines().last()).unwrap_or("");
                return not_graded(format!("the grade failed ({status}): {}", why.trim()));
            }
        }
        let read = read_report(&report, submission, &slot.tree, &root, self.kit_root)
            .and_then(|document| read_text(&text, &slot.tree, &root, self.kit_root).map(|()| document));
        match read {
            Ok(document) => self.row(student, &document),
            Err(why) => not_graded(why),
        }
    }

    fn row(&self, student: &str, document: &json::Document) -> Row {
        let mut notes = Vec::new();
        let points: Vec<Option<u32>> = self
            .exercises
            .iter()
            .map(|name| {
                let exercise = document.exercises.iter().find(|e| &e.exercise == name)?;
                if let Some(broken) = &exercise.broken {
                    notes.push(format!("{name}: {}", broken.summary));
                }
                for (status, what) in [("timeout", "timed out"), ("error", "could not be run by the grader")] {
                    let n = exercise.checks.iter().filter(|c| c.status == status).count();
                    if n > 0 {
                        notes.push(format!("{name}: {n} check{} {what}", if n == 1 { "" } else { "s" }));
                    }
                }
                Some(exercise.points)
            })
            .collect();
        Row {
            student: student.to_owned(),
            total: points.iter().flatten().sum(),
            points,
            max: self.max.iter().sum(),
            graded: true,
            note: notes.join("; "),
            timed_out: false,
        }
    }
}

/// Replaces the slot's tree with the submission's exercise folders. Build output (`target/`),
/// version control and symbolic links (which could point anywhere, or in a circle) stay behind.
fn stage(root: &Path, slot: &Path) -> Result<(), String> {
    let why = |e: std::io::Error| format!("cannot copy the submission into {}: {e}", slot.display());
    if slot.exists() {
        fs::remove_dir_all(slot).map_err(why)?;
    }
    fs::create_dir_all(slot).map_err(why)?;
    let entries = fs::read_dir(root).map_err(|e| format!("cannot read {}: {e}", root.display()))?;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        if name.to_str().is_some_and(tree::is_exercise_name) && entry.file_type().is_ok_and(|t| t.is_dir()) {
            crate::files::copy_sources(&entry.path(), &slot.join(&name)).map_err(why)?;
        }
    }
    Ok(())
}

/// Reads a child's json report and makes it about the submission: the child only saw the slot,
/// so compiler messages and panic locations name the slot's paths, which mean nothing later.
fn read_report(
    report: &Path,
    submission: &Path,
    slot: &Path,
    root: &Path,
    kit: &Path,
) -> Result<json::Document, String> {
    // Written by the trusted child grade; read as if it might not be (a link, a FIFO, a huge file).
    let mut text = grader::files::read_untrusted(report, 64 << 20)
        .map_err(|e| format!("the grade wrote no report ({e})"))
        .and_then(|bytes| String::from_utf8(bytes).map_err(|_| "the report is not UTF-8".to_owned()))?;
    let relative = slot.strip_prefix(kit).ok().filter(|r| !r.as_os_str().is_empty());
    for from in [Some(slot), relative].into_iter().flatten() {
        text = text.replace(&json_text(&from.display().to_string()), &json_text(&root.display().to_string()));
    }
    let mut document: json::Document =
        serde_json::from_str(&text).map_err(|e| format!("the grade wrote a report that cannot be read ({e})"))?;
    document.tree = submission.display().to_string();
    let mut text = serde_json::to_string_pretty(&document).expect("plain data serialises");
    text.push('\n');
    write_atomically(report, &text).map_err(|e| e.to_string())?;
    Ok(document)
}

/// Makes the child's human report about the submission, as [`read_report`] does the json one:
/// the student reads their own folder's paths, not the slot's.
fn read_text(text: &Path, slot: &Path, root: &Path, kit: &Path) -> Result<(), String> {
    let bytes =
        grader::files::read_untrusted(text, 64 << 20).map_err(|e| format!("the grade wrote no text report ({e})"))?;
    let mut text_report = String::from_utf8_lossy(&bytes).into_owned();
    let relative = slot.strip_prefix(kit).ok().filter(|r| !r.as_os_str().is_empty());
    for from in [Some(slot), relative].into_iter().flatten() {
        text_report = text_report.replace(&from.display().to_string(), &root.display().to_string());
    }
    write_atomically(text, &text_report).map_err(|e| e.to_string())
}

/// A string as it appears inside a JSON string literal.
fn json_text(text: &str) -> String {
    let quoted = serde_json::to_string(text).expect("a string serialises");
    quoted[1..quoted.len() - 1].to_owned()
}

/// Asks the kernel to kill the child when this process dies (Ctrl-C on the batch, say), so that no
/// grade outlives its batch; the check runners it started follow it the same way.
fn die_with_this_process(command: &mut Command) {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl(PR_SET_PDEATHSIG) is async-signal-safe and affects only the new process.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
}

/// The progress bar, drawn on standard error when it is a terminal.
struct Bar {
    live: bool,
    total: usize,
    started: Instant,
}

impl Bar {
    const WIDTH: usize = 30;

    fn draw(&self, done: usize, running: usize) {
        if !self.live {
            return;
        }
        let filled = done * Self::WIDTH / self.total.max(1);
        eprint!(
            "\r\x1b[2K[{}{}] {done}/{} graded, {running} running, {}",
            "█".repeat(filled),
            "░".repeat(Self::WIDTH - filled),
            self.total,
            clock(self.started.elapsed())
        );
    }

    fn clear(&self) {
        if self.live {
            eprint!("\r\x1b[2K");
        }
    }
}

/// `1m 05s`, `42s`.
fn clock(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    if secs >= 60 { format!("{}m {:02}s", secs / 60, secs % 60) } else { format!("{:.1}s", elapsed.as_secs_f64()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_output_sits_beside_the_submissions() {
        assert_eq!(default_output(Path::new("/courses/fall/class")), PathBuf::from("/courses/fall/class-grades"));
    }

    #[test]
    fn staging_copies_exercise_folders_only_and_leaves_build_output_behind() {
        let from = tempfile::tempdir().unwrap();
        let slot = tempfile::tempdir().unwrap();
        let slot = slot.path().join("tree");
        for file in ["01-bind/Cargo.toml", "01-bind/src/lib.rs", "01-bind/target/debug/big", "notes/x.txt", "README.md"]
        {
            let path = from.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, file).unwrap();
        }
        fs::create_dir_all(&slot).unwrap();
        fs::write(slot.join("stale.txt"), "from the previous student").unwrap();
        stage(from.path(), &slot).unwrap();
        assert_eq!(fs::read_to_string(slot.join("01-bind/src/lib.rs")).unwrap(), "01-bind/src/lib.rs");
        assert!(slot.join("01-bind/Cargo.toml").is_file());
        for gone in ["01-bind/target", "notes", "README.md", "stale.txt"] {
            assert!(!slot.join(gone).exists(), "{gone} was copied or kept");
        }
    }

    #[test]
    fn clocks_read_naturally() {
        assert_eq!(clock(Duration::from_millis(4200)), "4.2s");
        assert_eq!(clock(Duration::from_secs(65)), "1m 05s");
    }
}
