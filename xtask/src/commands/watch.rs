//! `cargo xtask watch [EXERCISE]`: the loop students spend their hours in. Every save of a file of
//! the current exercise re-grades it; the screen shows its result (one failure at a time) and the
//! chapter's progress; when it passes, watch moves on to the next exercise.
//!
//! - The screen fits the terminal (see `render::screen`): the failing check's title, what was
//!   expected and what happened are never cut; a resize (SIGWINCH) redraws it.
//! - Keys: q quits, r grades again, n/p change exercise, h shows the next hint, l the list of
//!   exercises (and a digit there picks one), c grades every exercise, x resets the current one
//!   with the same backup and question as `cargo xtask reset` (see [`Plan`]).
//! - File events come from `notify` (inotify on Linux), debounced: an editor's burst of writes on
//!   one save is one grade.
//! - One grade at a time: a save during a grade marks it stale, and a new grade starts as soon as
//!   it ends.
//! - Each grade runs in a worker process (this very program, command [`WORKER`]) in a process
//!   group of its own, reporting progress and its result as JSON lines. Quitting (`q`, Ctrl-C,
//!   SIGTERM) kills that group, which holds the worker and the cargo build it may be running; the
//!   check runners below it die with it (they ask for PR_SET_PDEATHSIG). The terminal is restored.

use std::ffi::OsString;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use grader::grade::{Options, Progress};
use grader::report::{ExerciseReport, Report};
use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};
use serde::{Deserialize, Serialize};

use crate::cli::{self, Error};
use crate::commands::grade::progress_line;
use crate::commands::list;
use crate::commands::reset::Plan;
use crate::guide::{self, Seen};
use crate::progress::{self, Standing, State};
use crate::render::human;
use crate::render::screen::{self, Block};
use crate::style::Style;
use crate::term::{self, RawKeys};

/// The internal command that grades in a worker process for `watch`. Not for people: it speaks
/// JSON lines.
pub const WORKER: &str = "__watch-worker";

/// How long file events are gathered before a grade starts: long enough for an editor's save
/// (write, rename, chmod) to be one event, short enough to feel immediate.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// What a worker says, one JSON object per line on its standard output.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Said {
    Building,
    Checking { done: usize, total: usize },
    Report { report: Report },
    Failed { error: String },
}

/// `cargo xtask __watch-worker [-j N] EXERCISE...`: grades and reports as JSON lines.
pub fn worker(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    die_with_parent();
    let mut named: Vec<OsString> = Vec::new();
    let mut options = Options::default();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('j') => options.jobs = cli::jobs(parser.value()?)?,
            Value(name) => named.push(name),
            other => return Err(other.unexpected().into()),
        }
    }
    let kit = cli::kit();
    let exercises = cli::select_exercises(&kit, &named)?;
    let say = |said: &Said| {
        let mut out = io::stdout().lock();
        let _ = serde_json::to_writer(&mut out, said);
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    };
    let progress = |p: Progress| {
        say(&match p {
            Progress::Building => Said::Building,
            Progress::Checking { done, total } => Said::Checking { done, total },
        })
    };
    match progress::grade_and_remember(&kit, &exercises, &options, &progress) {
        Ok(report) => say(&Said::Report { report }),
        Err(error) => say(&Said::Failed { error: error.to_string() }),
    }
    Ok(ExitCode::SUCCESS)
}

/// The worker dies with its watch, even one killed by SIGKILL, so that no grade outlives it.
#[cfg(target_os = "linux")]
fn die_with_parent() {
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and affects only this process.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent() {}

/// What the watch loop reacts to.
enum Event {
    Key(u8),
    Changed(Vec<PathBuf>),
    WatchError(String),
    Progress(u64, String),
    Finished(u64, Result<Report, String>),
}

/// A grade running in a worker.
/// How long a grade took, as the status line says it: `1.4 s`, or `under 0.1 s` for a grade that
/// was answered at once (unchanged files), never a puzzling `0.0 s` after a spinner.
fn took(elapsed: Duration) -> String {
    if elapsed < Duration::from_millis(100) {
        "under 0.1 s".to_owned()
    } else {
        format!("{:.1} s", elapsed.as_secs_f64())
    }
}

struct Running {
    id: u64,
    child: Child,
    started: Instant,
    /// True for `c`: every exercise, not only the current one.
    all: bool,
}

impl Running {
    /// Kills the worker's whole process group (the worker, its cargo build) and reaps the worker.
    fn stop(mut self) {
        let group = libc::pid_t::try_from(self.child.id()).expect("pids fit in pid_t");
        // SAFETY: kill(2) on a negative pid signals that group: the one the worker leads.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// What the screen shows between the header and the keys.
enum Mode {
    /// The current exercise's last result.
    Exercise,
    /// Every exercise with its state (`l`).
    List,
    /// A reset of the current exercise, waiting for `y` (`x`).
    Confirm(Plan),
}

/// A hint on screen, and the command that shows it whole.
struct Hint {
    heading: String,
    text: String,
    command: String,
}

struct Watch {
    kit: grader::tree::Kit,
    exercises: Vec<String>,
    standings: Vec<Standing>,
    current: usize,
    jobs: Option<usize>,
    running: Option<Running>,
    next_id: u64,
    stale: bool,
    /// True when the student picked the current exercise (by name, with n/p, or from the list).
    picked: bool,
    /// The key (a hash of the files) of the exercise as the last grade started: a file event
    /// that leaves it unchanged is no save.
    graded_key: Option<String>,
    status: String,
    news: Option<String>,
    hint: Option<Hint>,
    result: Option<ExerciseReport>,
    mode: Mode,
    events: Sender<Event>,
    terminal: bool,
    tick: usize,
}

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let mut named: Option<OsString> = None;
    let mut jobs = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Short('j') | Long("jobs") => jobs = Some(cli::jobs(parser.value()?)?),
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(value) if named.is_none() => named = Some(value),
            Value(value) => return Err(cli::error(format!("watch follows one exercise; unexpected {value:?}"))),
            other => return Err(other.unexpected().into()),
        }
    }
    let kit = cli::kit();
    let exercises = cli::select_exercises(&kit, &[])?;
    if exercises.is_empty() {
        return Err(cli::error("the kit has no exercises to watch"));
    }
    let standings = progress::standings(&kit, &exercises);
    let picked = named.is_some();
    let current = match named {
        Some(name) => {
            let chosen = cli::select_one(&kit, Some(name), "watch")?;
            exercises.iter().position(|e| *e == chosen).expect("selected from the list")
        }
        None => progress::next(&standings)
            .and_then(|s| exercises.iter().position(|e| *e == s.name))
            .unwrap_or(exercises.len() - 1),
    };

    let (events, received) = mpsc::channel();
    let watched = kit.root.join("exercises");
    let changes = events.clone();
    let mut debouncer = new_debouncer(DEBOUNCE, move |result: DebounceEventResult| {
        let _ = match result {
            Ok(found) => changes.send(Event::Changed(found.into_iter().map(|e| e.path).collect())),
            Err(error) => changes.send(Event::WatchError(error.to_string())),
        };
    })
    .map_err(|e| cli::error(format!("cannot watch files: {e}")))?;
    debouncer
        .watcher()
        .watch(&watched, RecursiveMode::Recursive)
        .map_err(|e| cli::error(format!("cannot watch {}: {e}", watched.display())))?;

    term::on_termination();
    term::on_resize();
    let keys = RawKeys::enable();
    read_keys(events.clone());
    let terminal = io::stdout().is_terminal();
    if terminal {
        print!("\x1b[?25l"); // hide the cursor while the screen is ours
    }
    let mut watch = Watch {
        kit,
        exercises,
        standings,
        current,
        jobs,
        running: None,
        next_id: 0,
        stale: true,
        picked,
        graded_key: None,
        status: String::new(),
        news: None,
        hint: None,
        result: None,
        mode: Mode::Exercise,
        events,
        terminal,
        tick: 0,
    };
    watch.start_grade(false);
    watch.draw();
    let outcome = watch.run_loop(&received, &watched);
    // Leaving, whatever the reason: the grade goes, the terminal comes back as it was.
    if let Some(running) = watch.running.take() {
        running.stop();
    }
    drop(keys);
    if terminal {
        print!("\x1b[?25h");
    }
    println!();
    println!("Stopped watching.");
    outcome.map(|()| ExitCode::SUCCESS)
}

/// Reads key presses (or, from a pipe, bytes) on a thread of its own. End of input is not a
/// request to quit: `watch < /dev/null` keeps watching until a signal.
fn read_keys(events: Sender<Event>) {
    thread::spawn(move || {
        let mut stdin = io::stdin();
        let mut byte = [0];
        while let Ok(1) = stdin.read(&mut byte) {
            if events.send(Event::Key(byte[0])).is_err() {
                break;
            }
        }
    });
}

impl Watch {
    fn name(&self) -> &str {
        &self.exercises[self.current]
    }

    fn run_loop(&mut self, received: &mpsc::Receiver<Event>, watched: &Path) -> Result<(), Error> {
        let mut last_turn = Instant::now();
        loop {
            if term::terminated() {
                return Ok(());
            }
            if term::resized() {
                self.draw();
            }
            // The spinner turns at its own pace, however many events come in between.
            if self.running.is_some() && last_turn.elapsed() >= term::TICK {
                last_turn = Instant::now();
                self.tick += 1;
                self.draw_status();
            }
            let event = match received.recv_timeout(term::TICK) {
                Ok(event) => event,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            };
            match event {
                Event::Key(key) => {
                    if !self.key(key) {
                        return Ok(());
                    }
                }
                Event::Changed(paths) => {
                    let name = self.name().to_owned();
                    let ours = paths.iter().any(|path| {
                        path.strip_prefix(watched).is_ok_and(|relative| progress::touches(relative, &name))
                    });
                    // inotify also reports files being opened (by the compiler, by this very
                    // check): only a change of content is a save worth a grade.
                    if !ours || self.graded_key.as_deref() == Some(&progress::key(&self.kit, &name)) {
                        continue;
                    }
                    self.request_grade();
                }
                Event::WatchError(error) => self.news = Some(format!("file watching hiccupped: {error}")),
                Event::Progress(id, line) => {
                    if self.running.as_ref().is_some_and(|r| r.id == id) {
                        self.status = line;
                        self.draw_status();
                    }
                    continue;
                }
                Event::Finished(id, result) => {
                    if self.running.as_ref().is_none_or(|r| r.id != id) {
                        continue; // a grade that was stopped
                    }
                    let running = self.running.take().expect("checked above");
                    let (elapsed, all) = (running.started.elapsed(), running.all);
                    running.stop();
                    self.finished(result, elapsed, all);
                }
            }
            self.draw();
        }
    }

    /// Reacts to a key; false to quit.
    fn key(&mut self, key: u8) -> bool {
        // Ctrl-C and Ctrl-D quit from anywhere, a question included.
        if matches!(key, 3 | 4) {
            return false;
        }
        match std::mem::replace(&mut self.mode, Mode::Exercise) {
            Mode::Confirm(_) => {
                if matches!(key, b'y' | b'Y') {
                    self.reset();
                } else {
                    self.news = Some(format!("Nothing was changed: {} is as you left it.", self.name()));
                }
            }
            Mode::List => match key {
                b'1'..=b'9' if usize::from(key - b'1') < self.exercises.len() => {
                    self.switch_to(usize::from(key - b'1'));
                }
                b'c' => {
                    self.mode = Mode::List;
                    self.grade_all();
                }
                // Back to the exercise.
                b'l' | b'q' | b'Q' | 27 | b'\r' | b'\n' => {}
                _ => self.mode = Mode::List,
            },
            Mode::Exercise => match key {
                // q, Q, Esc.
                b'q' | b'Q' | 27 => return false,
                b'r' | b'\r' | b'\n' => self.request_grade(),
                b'n' => self.switch_to((self.current + 1).min(self.exercises.len() - 1)),
                b'p' => self.switch_to(self.current.saturating_sub(1)),
                b'h' => self.show_hint(),
                b'l' => {
                    // What changed since the last grade (a reset, say) shows in the list.
                    self.standings = progress::standings(&self.kit, &self.exercises);
                    self.mode = Mode::List;
                }
                b'c' => self.grade_all(),
                b'x' => self.ask_reset(),
                _ => {}
            },
        }
        true
    }

    /// A save (or `r`): grade now, or right after the grade that is running.
    fn request_grade(&mut self) {
        self.stale = true;
        if self.running.is_none() {
            self.start_grade(false);
        }
    }

    /// `c`: grades every exercise at once, in place of any grade running (it covers that one).
    fn grade_all(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
        }
        self.start_grade(true);
    }

    fn switch_to(&mut self, index: usize) {
        if index == self.current {
            return;
        }
        if let Some(running) = self.running.take() {
            running.stop();
        }
        self.current = index;
        self.picked = true;
        self.result = None;
        self.hint = None;
        self.news = None;
        self.request_grade();
    }

    fn show_hint(&mut self) {
        let name = self.name().to_owned();
        self.hint = Some(match guide::hints_of(&self.kit, &name) {
            Ok(hints) => {
                let mut seen = Seen::load(&self.kit);
                let n = (seen.get(&name) + 1).min(hints.len());
                seen.record(&name, n);
                Hint {
                    heading: format!("Hint {n} of {} (h for the next):", hints.len()),
                    text: hints[n - 1].clone(),
                    command: format!("cargo xtask hint {} {n}", &name[..2]),
                }
            }
            Err(why) => Hint { heading: why, text: String::new(), command: format!("cargo xtask hint {}", &name[..2]) },
        });
    }

    /// `x`: shows what a reset would change and asks, as `cargo xtask reset` does.
    fn ask_reset(&mut self) {
        match Plan::make(&self.kit.root, self.name()) {
            Ok(plan) if plan.is_empty() => self.news = Some(plan.nothing_to_do()),
            Ok(plan) => self.mode = Mode::Confirm(plan),
            Err(why) => self.news = Some(why),
        }
    }

    /// The student said yes: back up, reset, and grade the stub. The plan is made again, in case a
    /// file was saved while the question was on screen: what is reset is what is there now.
    fn reset(&mut self) {
        let done = Plan::make(&self.kit.root, self.name()).and_then(|plan| {
            if plan.is_empty() { Ok(vec![plan.nothing_to_do()]) } else { plan.apply(&Style::plain()) }
        });
        match done {
            Ok(said) => {
                self.news = Some(said.join(" "));
                self.hint = None;
                self.request_grade();
            }
            Err(why) => self.news = Some(why),
        }
    }

    fn start_grade(&mut self, all: bool) {
        self.stale = false;
        self.graded_key = Some(progress::key(&self.kit, self.name()));
        self.next_id += 1;
        let id = self.next_id;
        let mut command = Command::new(own_program());
        command.arg(WORKER);
        // No exercise named: the worker grades them all.
        if !all {
            command.arg(self.name());
        }
        if let Some(jobs) = self.jobs {
            command.arg("-j").arg(jobs.to_string());
        }
        command.process_group(0).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(error) => {
                // On the status line, so that the news (a reset, say) stays on screen.
                self.status = format!("cannot start a grade: {error}; press r to try again");
                return;
            }
        };
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let events = self.events.clone();
        let tree = if all { "exercises".to_owned() } else { tree_of(self.name()) };
        self.status = progress_line(&tree, &Progress::Building);
        thread::spawn(move || {
            let mut result = None;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                match serde_json::from_str::<Said>(&line) {
                    Ok(Said::Building) => {
                        let _ = events.send(Event::Progress(id, progress_line(&tree, &Progress::Building)));
                    }
                    Ok(Said::Checking { done, total }) => {
                        let line = progress_line(&tree, &Progress::Checking { done, total });
                        let _ = events.send(Event::Progress(id, line));
                    }
                    Ok(Said::Report { report }) => result = Some(Ok(report)),
                    Ok(Said::Failed { error }) => result = Some(Err(error)),
                    Err(_) => {}
                }
            }
            let result = result.unwrap_or_else(|| {
                let mut why = String::new();
                let _ = BufReader::new(stderr).take(4096).read_to_string(&mut why);
                Err(format!("the grade stopped without a result: {}", why.trim()))
            });
            let _ = events.send(Event::Finished(id, result));
        });
        self.running = Some(Running { id, child, started: Instant::now(), all });
    }

    fn finished(&mut self, result: Result<Report, String>, elapsed: Duration, all: bool) {
        let report = match result {
            Ok(report) => report,
            Err(error) => {
                self.news = Some(format!("the grade could not run: {error}"));
                self.start_if_stale();
                return;
            }
        };
        self.standings = progress::standings(&self.kit, &self.exercises);
        // What was just graded is known, even when its files changed since (then its result was not
        // cached, and the standing is unknown).
        for exercise in &report.exercises {
            if let Some(standing) = self.standings.iter_mut().find(|s| s.name == exercise.name && s.state.is_none()) {
                standing.state = Some(progress::state_of(exercise));
                standing.passed = Some(exercise.passed());
                standing.total = exercise.checks.len();
            }
        }
        let current = self.exercises[self.current].clone();
        let Some(exercise) = report.exercises.into_iter().find(|e| e.name == current) else {
            self.start_if_stale();
            return;
        };
        if all {
            let passed: usize = self.standings.iter().filter_map(|s| s.passed).sum();
            let total: usize = self.standings.iter().map(|s| s.total).sum();
            let done = self.standings.iter().filter(|s| s.state == Some(State::Done)).count();
            self.news = Some(format!(
                "Graded every exercise: {passed}/{total} checks pass, {done} of {} exercises done.",
                self.exercises.len()
            ));
            self.status = format!("Graded every exercise in {}.", took(elapsed));
            self.result = Some(exercise);
            self.mode = Mode::List;
            self.start_if_stale();
            return;
        }
        let complete = exercise.complete();
        self.status = format!(
            "Graded {} in {}. Save a file of exercises/{}/ to grade again.",
            exercise.name,
            took(elapsed),
            exercise.name
        );
        // Move on when the exercise just came to pass, or when watch chose it itself; an exercise
        // the student picked by name (or with n/p) that already passes stays on screen.
        let came_to_pass = self.result.as_ref().is_some_and(|previous| !previous.complete());
        let move_on = complete && (came_to_pass || !self.picked);
        self.result = Some(exercise);
        if self.stale {
            self.start_grade(false);
            return;
        }
        if move_on {
            self.picked = false;
            let done = self.exercises[self.current].clone();
            let next = (self.current + 1..self.exercises.len())
                .chain(0..self.current)
                .find(|&i| self.standings[i].state != Some(State::Done));
            match next {
                Some(next) => {
                    self.news = Some(format!(
                        "✓ {done} passes every check! On to {}: open exercises/{}/src/lib.rs.",
                        self.exercises[next], self.exercises[next]
                    ));
                    self.current = next;
                    self.hint = None;
                    self.start_grade(false);
                }
                None => {
                    self.news =
                        Some(format!("✓ {done} passes every check, and so does every exercise: chapter complete!"));
                }
            }
        } else if complete {
            self.news = Some(format!("✓ {} passes every check. Press n for the next exercise.", self.name()));
        }
    }

    fn start_if_stale(&mut self) {
        if self.stale {
            self.start_grade(false);
        }
    }

    /// The whole screen, fitted to the terminal: header with progress, news, the result (or the
    /// list, or a question), a hint, the keys, the status line.
    fn draw(&self) {
        let style = Style::for_stdout();
        let size = if self.terminal { term::stdout_size() } else { None };
        let lines = screen::fit(&self.blocks(&style, size.map(|s| s.width)), size);
        let mut out = String::new();
        if self.terminal {
            out.push_str("\x1b[H\x1b[2J");
        }
        out.push_str(&lines.join("\n"));
        // On a terminal the cursor stays on the status line, which the spinner redraws in place.
        if !self.terminal {
            out.push('\n');
        }
        print!("{out}");
        let _ = io::stdout().flush();
    }

    fn blocks(&self, style: &Style, width: Option<usize>) -> Vec<Block> {
        let mut blocks = Vec::new();
        let title = format!(
            "{}  {} ({} of {})",
            style.bold("sockets-course watch"),
            self.name(),
            self.current + 1,
            self.exercises.len()
        );
        blocks.push(Block::text("", 0, &title, width, screen::ALWAYS));
        blocks.push(Block::new(vec![self.progress_line(width)], screen::FRAME));
        blocks.push(Block::blank(screen::FRAME));
        if let Some(news) = &self.news {
            let news = if news.starts_with('✓') { style.green(news) } else { news.clone() };
            blocks.push(Block::text("", 0, &news, width, screen::ASKED).keep(1));
            blocks.push(Block::blank(screen::FRAME));
        }
        let keys = match &self.mode {
            Mode::List => {
                let mut rows: Vec<String> = list::table(&self.standings, style).lines().map(str::to_owned).collect();
                if let Some(row) = rows.get_mut(self.current) {
                    // The exercise being watched: its row starts with a pointer instead of a space.
                    row.replace_range(..1, "▸");
                }
                blocks.push(Block::new(rows, screen::ASKED));
                let last = self.exercises.len().min(9);
                format!("1–{last} watch that exercise · l or q back · c check all · Ctrl-C quit")
            }
            Mode::Confirm(plan) => {
                let mut lines = Vec::new();
                for line in plan.describe(style) {
                    // The file lines are indented under the heading; wrapped, they stay so.
                    let (first, indent) = if line.starts_with("  ") { ("  ", 4) } else { ("", 2) };
                    let mut out = String::new();
                    human::wrapped(&mut out, first, indent, line.trim_start(), width);
                    lines.extend(out.lines().map(str::to_owned));
                }
                let command = format!("cargo xtask reset {}", &self.name()[..2]);
                blocks.push(
                    Block::new(lines, screen::ASKED)
                        .keep(1)
                        .note(move |n| format!("  … and {n} more lines: `{command}` lists every file")),
                );
                blocks.push(Block::blank(screen::FRAME));
                let question = format!("{} Press y to reset it; any other key keeps your files.", plan.question());
                blocks.push(Block::text("", 0, &style.bold(&question), width, screen::ALWAYS));
                "y reset · any other key: keep your files · Ctrl-C quit".to_owned()
            }
            Mode::Exercise => {
                match &self.result {
                    Some(result) => blocks.extend(screen::exercise(result, style, width)),
                    None => {
                        let grading = style.dim(&format!("{}: grading…", self.name()));
                        blocks.push(Block::text("", 0, &grading, width, screen::ALWAYS));
                    }
                }
                if let Some(hint) = &self.hint {
                    blocks.push(Block::blank(screen::FRAME));
                    let mut lines = Block::text("", 0, &style.bold(&hint.heading), width, screen::ASKED).lines;
                    lines.extend(screen::reflow(&hint.text, 2, width));
                    let command = hint.command.clone();
                    blocks.push(
                        Block::new(lines, screen::ASKED)
                            .keep(2)
                            .note(move |_| format!("  … (cut to fit: `{command}` shows it whole)")),
                    );
                }
                "q quit · r grade again · n/p next/previous exercise · h hint · l list · c check all · x reset"
                    .to_owned()
            }
        };
        blocks.push(Block::blank(screen::FRAME));
        blocks.push(Block::text("", 0, &style.dim(&keys), width, screen::ALWAYS));
        blocks.push(Block::new(vec![self.status_line()], screen::ALWAYS));
        blocks
    }

    /// `Progress [████░░░░] 12/62 checks, 1/7 exercises done`, the bar narrowed to fit.
    fn progress_line(&self, width: Option<usize>) -> String {
        let passed: usize = self.standings.iter().filter_map(|s| s.passed).sum();
        let total: usize = self.standings.iter().map(|s| s.total).sum();
        let done = self.standings.iter().filter(|s| s.state == Some(State::Done)).count();
        let counts = format!("{passed}/{total} checks, {done}/{} exercises done", self.exercises.len());
        let room = width.map_or(24, |w| w.saturating_sub("Progress [] ".len() + counts.len()).min(24));
        if room >= 5 { format!("Progress {} {counts}", progress::bar(passed, total, room)) } else { counts }
    }

    /// Redraws only the last line (the status), in place.
    fn draw_status(&self) {
        if self.terminal {
            let line = self.status_line();
            let line = match term::stdout_size() {
                Some(size) => screen::cut(&line, size.width),
                None => line,
            };
            print!("\r\x1b[2K{line}");
            let _ = io::stdout().flush();
        }
    }

    fn status_line(&self) -> String {
        match &self.running {
            Some(_) => format!("{} {}", term::frame(self.tick), self.status),
            None => self.status.clone(),
        }
    }
}

/// This very program, to run as a grade's worker. On Linux, `/proc/self/exe` still runs it when its
/// file was replaced since it started (a rebuild of xtask while watch runs), where its path would
/// name the new file, or nothing for a moment.
fn own_program() -> PathBuf {
    let proc_self = Path::new("/proc/self/exe");
    if cfg!(target_os = "linux") && proc_self.exists() {
        return proc_self.to_path_buf();
    }
    std::env::current_exe().unwrap_or_else(|_| "xtask".into())
}

fn tree_of(exercise: &str) -> String {
    format!("exercises/{exercise}")
}
