//! The student's commands as a student uses them: `list`, `hint`, `reset` and the keys of `watch`,
//! end to end. They run against a scratch copy of the kit (named by `SOCKETS_COURSE_KIT`) in a git
//! repository of its own, so that no test edits, resets or grades the real exercises. The tests of
//! a first grade and of `watch`'s grades read the real kit's stubs, and change nothing.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command as Process, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::Command;

mod kit;
mod watching;

use kit::{copy_dir, kit, outcome};

/// A scratch kit: the exercises and the check crates' manifests and sources (enough for the kit's
/// list of exercises), committed in a new git repository. Nothing in it is ever built.
struct Scratch {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch::with_git(true)
    }

    fn with_git(git: bool) -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("kit");
        copy_dir(&kit().join("exercises"), &root.join("exercises"));
        copy_dir(&kit().join("grader/checks"), &root.join("grader/checks"));
        if git {
            run_git(&root, &["init", "-q", "-b", "main"]);
            run_git(&root, &["add", "."]);
            run_git(&root, &["commit", "-q", "-m", "the kit"]);
        }
        Scratch { _dir: dir, root }
    }

    fn xtask(&self) -> Command {
        let mut command = Command::cargo_bin("xtask").unwrap();
        command
            .env("SOCKETS_COURSE_KIT", &self.root)
            .env("NO_COLOR", "1")
            // Empty standard input that is not a terminal, as in CI (assert_cmd inherits it otherwise).
            .write_stdin("")
            .timeout(std::time::Duration::from_secs(120));
        command
    }

    fn file(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }
}

fn run_git(dir: &Path, args: &[&str]) {
    let status = Process::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn help_lists_the_student_commands() {
    let (code, out, _) = outcome(Scratch::new().xtask().arg("--help"));
    assert_eq!(code, 0);
    for command in ["watch [EXERCISE]", "list", "hint EXERCISE [N]", "reset EXERCISE", "--yes", "talk ADDR"] {
        assert!(out.contains(command), "{command} missing from --help: {out}");
    }
}

#[test]
fn list_says_not_started_for_stubs_without_grading_them() {
    let scratch = Scratch::new();
    let (code, out, _) = outcome(scratch.xtask().arg("list"));
    assert_eq!(code, 0, "{out}");
    let rows: Vec<&str> = out.lines().filter(|l| l.contains(" not started ")).collect();
    assert_eq!(rows.len(), fs::read_dir(scratch.file("exercises")).unwrap().count(), "{out}");
    assert!(rows[0].trim_start().starts_with("· 01-bind"), "{out}");
    assert!(out.contains("Progress [░"), "{out}");
    assert!(out.contains("Next: 01-bind"), "{out}");
    // Nothing was graded: no result was written, and no build directory was made.
    assert!(!scratch.file("target").exists(), "list built or graded the stubs");
}

#[test]
fn hints_come_one_at_a_time_and_are_remembered() {
    let scratch = Scratch::new();
    let (code, out, _) = outcome(scratch.xtask().args(["hint", "01"]));
    assert_eq!(code, 0, "{out}");
    let count = out.lines().next().unwrap().rsplit(' ').next().unwrap().parse::<usize>().unwrap();
    assert!((3..=4).contains(&count), "{out}");
    assert!(out.starts_with(&format!("01-bind — hint 1 of {count}\n")), "{out}");
    assert!(out.contains(&format!("`cargo xtask hint 01-bind` shows hint 2 of {count}")), "{out}");
    let (_, out, _) = outcome(scratch.xtask().args(["hint", "bind"]));
    assert!(out.starts_with(&format!("01-bind — hint 2 of {count}\n")), "{out}");
    // Another exercise has its own count.
    let (_, out, _) = outcome(scratch.xtask().args(["hint", "2"]));
    assert!(out.starts_with("02-accept-loop — hint 1 of "), "{out}");
    // A number shows that hint; past the last, the last one comes again.
    let (_, out, _) = outcome(scratch.xtask().args(["hint", "01", &count.to_string()]));
    assert!(out.contains("That was the last hint."), "{out}");
    let (_, out, _) = outcome(scratch.xtask().args(["hint", "01"]));
    assert!(out.starts_with(&format!("01-bind — hint {count} of {count}\n")), "{out}");
    assert!(out.contains("shown again"), "{out}");
}

#[test]
fn a_guide_without_hints_or_a_hint_out_of_range_is_a_one_line_error() {
    let scratch = Scratch::new();
    fs::write(scratch.file("exercises/01-bind/README.md"), "# Exercise 01\n\nNo hints here.\n").unwrap();
    let (code, _, err) = outcome(scratch.xtask().args(["hint", "01"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: cannot read the hints of 01-bind from exercises/01-bind/README.md"), "{err}");
    assert!(err.contains("no `## Hints` section"), "{err}");
    for args in
        [&["hint", "02", "0"][..], &["hint", "02", "99"], &["hint", "02", "two"], &["hint"], &["hint", "1", "2", "3"]]
    {
        let (code, _, err) = outcome(scratch.xtask().args(args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("error: ") && err.lines().count() == 2, "{args:?}: {err}");
    }
}

#[test]
fn reset_backs_up_the_students_files_and_restores_the_stub() {
    let scratch = Scratch::new();
    let lib = scratch.file("exercises/01-bind/src/lib.rs");
    let stub = fs::read_to_string(&lib).unwrap();
    fs::write(&lib, "// my work in progress\n").unwrap();
    fs::write(scratch.file("exercises/01-bind/src/helper.rs"), "// a helper of mine\n").unwrap();

    let (code, out, err) = outcome(scratch.xtask().args(["reset", "01", "--yes"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("restore src/lib.rs"), "{out}");
    assert!(out.contains("remove  src/helper.rs (not in the stub)"), "{out}");
    assert_eq!(fs::read_to_string(&lib).unwrap(), stub, "the stub is back");
    assert!(!scratch.file("exercises/01-bind/src/helper.rs").exists());

    // The backup's path is printed, and it holds every file as the student left it.
    let line = out.lines().find(|l| l.starts_with("Your version is in ")).unwrap();
    let backup = line["Your version is in ".len()..].split('/').take(2).collect::<Vec<_>>().join("/");
    assert!(backup.starts_with(".backups/01-bind-"), "{line}");
    let backup = scratch.root.join(backup);
    assert_eq!(fs::read_to_string(backup.join("src/lib.rs")).unwrap(), "// my work in progress\n");
    assert_eq!(fs::read_to_string(backup.join("src/helper.rs")).unwrap(), "// a helper of mine\n");
    assert!(backup.join("Cargo.toml").is_file());

    // A second reset has nothing to do and makes no backup.
    let (code, out, _) = outcome(scratch.xtask().args(["reset", "01", "--yes"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("01-bind already is its stub"), "{out}");
    assert_eq!(fs::read_dir(scratch.file(".backups")).unwrap().count(), 1);
}

#[test]
fn reset_without_a_terminal_or_yes_refuses_and_changes_nothing() {
    let scratch = Scratch::new();
    let lib = scratch.file("exercises/03-client/src/lib.rs");
    fs::write(&lib, "// mine\n").unwrap();
    let (code, _, err) = outcome(scratch.xtask().args(["reset", "03"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: not resetting 03-client: there is no terminal"), "{err}");
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(fs::read_to_string(&lib).unwrap(), "// mine\n");
    assert!(!scratch.file(".backups").exists());
}

#[test]
fn reset_restores_the_upstream_stub_even_over_the_students_own_commits() {
    // A student clones the kit (origin/main is the kit as published) and commits their work.
    let upstream = Scratch::new();
    let clone = tempfile::tempdir().unwrap();
    let root = clone.path().join("kit");
    run_git(clone.path(), &["clone", "-q", upstream.root.to_str().unwrap(), "kit"]);
    let lib = root.join("exercises/02-accept-loop/src/lib.rs");
    let stub = fs::read_to_string(&lib).unwrap();
    fs::write(&lib, "// committed work\n").unwrap();
    run_git(&root, &["commit", "-q", "-am", "my work"]);
    fs::write(&lib, "// newer work\n").unwrap();

    let mut command = upstream.xtask();
    let (code, out, err) = outcome(command.env("SOCKETS_COURSE_KIT", &root).args(["reset", "02", "-y"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("as committed in origin/main ("), "{out}");
    assert_eq!(fs::read_to_string(&lib).unwrap(), stub);
}

#[test]
fn reset_without_git_says_so_and_changes_nothing() {
    let scratch = Scratch::with_git(false);
    let lib = scratch.file("exercises/01-bind/src/lib.rs");
    fs::write(&lib, "// mine\n").unwrap();
    let (code, _, err) = outcome(scratch.xtask().args(["reset", "01", "--yes"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: nothing was changed: this copy of the kit is not a git checkout"), "{err}");
    assert_eq!(fs::read_to_string(&lib).unwrap(), "// mine\n");
}

#[test]
fn watch_and_reset_arguments_are_checked_before_anything_happens() {
    let scratch = Scratch::new();
    for args in [&["watch", "99"][..], &["watch", "01", "02"], &["reset"], &["reset", "01", "02"], &["list", "01"]] {
        let (code, _, err) = outcome(scratch.xtask().args(args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("error: ") && err.lines().count() == 2, "{args:?}: {err}");
    }
}

#[test]
fn watch_grades_the_exercise_and_quits_cleanly_on_a_signal() {
    // The real kit's stubs, untouched: watch only reads them. Output is piped, so no screen codes.
    let mut command = Process::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(["watch", "01"]);
    let watching::Session { screen, status, rest } =
        watching::until_graded(command, "01-bind", std::time::Duration::from_secs(300));
    assert!(screen.iter().any(|l| l.starts_with("Graded 01-bind in ")), "{screen:#?}");
    assert!(screen.iter().any(|l| l.starts_with("01-bind  0/")), "{screen:#?}");
    assert!(!screen.iter().any(|l| l.contains('\x1b')), "no screen codes when piped: {screen:#?}");
    // SIGTERM: watch restores what it changed and says goodbye.
    assert!(status.success(), "{status:?} {rest:#?}");
    assert_eq!(rest.last().map(String::as_str), Some("Stopped watching."), "{rest:#?}");
}

#[test]
fn a_first_grade_details_the_first_exercise_and_gives_one_line_to_each_stub_after_it() {
    // The real kit's stubs, untouched: the grade only reads them.
    let mut command = Command::cargo_bin("xtask").unwrap();
    command.env("NO_COLOR", "1").write_stdin("").timeout(Duration::from_secs(600));
    let (code, out, err) = outcome(command.args(["grade", "01", "02", "03"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.starts_with("01-bind  0/"), "the first exercise comes in full: {out}");
    assert!(out.contains("      expected ") && out.contains("it is not written yet: todo!()"), "{out}");
    let stubs: Vec<&str> = out.lines().filter(|l| l.contains("  not started: ")).collect();
    assert_eq!(stubs.len(), 2, "{out}");
    assert!(stubs[0].starts_with("02-accept-loop  not started: ") && stubs[0].ends_with(" checks"), "{out}");
    assert!(stubs[1].starts_with("03-client       not started: "), "names aligned: {out}");
    assert!(!out.contains("02-accept-loop  0/"), "no details of a stub that is not the first: {out}");
    assert!(out.contains("Next: 01-bind") && out.contains("`cargo xtask watch`"), "{out}");
    // -v shows every exercise in full.
    let mut command = Command::cargo_bin("xtask").unwrap();
    command.env("NO_COLOR", "1").write_stdin("").timeout(Duration::from_secs(600));
    let (_, out, _) = outcome(command.args(["grade", "-v", "01", "02"]));
    assert!(out.contains("02-accept-loop  0/") && !out.contains("not started: "), "{out}");
}

/// A `watch` driven from a test: keys written to its standard input, its (piped) screen read line
/// by line; killed if the test ends first.
struct Watching {
    child: Child,
    keys: ChildStdin,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watching {
    fn start(scratch: &Scratch, exercise: &str) -> Watching {
        let mut child = Process::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["watch", exercise])
            .env("SOCKETS_COURSE_KIT", &scratch.root)
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let keys = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        Watching { child, keys, lines, seen: Vec::new() }
    }

    fn press(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).unwrap();
        self.keys.flush().unwrap();
    }

    /// Reads the screen until a line satisfies `wanted`; that line.
    fn until(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let limit = Duration::from_secs(120);
        let started = Instant::now();
        loop {
            let left = limit.saturating_sub(started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(_) => panic!("watch never showed {what}; it showed:\n{}", self.seen.join("\n")),
            }
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn watch_keys_list_the_exercises_and_reset_the_current_one_after_asking() {
    let scratch = Scratch::new();
    let lib = scratch.file("exercises/01-bind/src/lib.rs");
    let stub = fs::read_to_string(&lib).unwrap();
    fs::write(&lib, "// my work in progress\n").unwrap();
    let mut watch = Watching::start(&scratch, "01");

    // x shows what a reset would do and asks; any key but y keeps everything.
    watch.press(b"x");
    watch.until("the question", |l| l == "Reset 01-bind? Press y to reset it; any other key keeps your files.");
    assert!(watch.seen.iter().any(|l| l == "  restore src/lib.rs"), "{:#?}", watch.seen);
    watch.press(b"n");
    watch.until("that nothing changed", |l| l == "Nothing was changed: 01-bind is as you left it.");
    assert_eq!(fs::read_to_string(&lib).unwrap(), "// my work in progress\n");
    assert!(!scratch.file(".backups").exists());

    // x, then y: the same backup as `cargo xtask reset`, and the stub back.
    watch.press(b"x");
    watch.press(b"y");
    let said = watch.until("the reset", |l| l.starts_with("01-bind is back to its stub."));
    assert!(said.contains("Your version is in .backups/01-bind-"), "{said}");
    assert_eq!(fs::read_to_string(&lib).unwrap(), stub);
    let backups: Vec<PathBuf> = fs::read_dir(scratch.file(".backups")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(backups.len(), 1);
    assert_eq!(fs::read_to_string(backups[0].join("src/lib.rs")).unwrap(), "// my work in progress\n");

    // l lists every exercise, the one watched marked; a number there watches that one.
    watch.press(b"l");
    watch.until("the list", |l| l.starts_with("▸ · 01-bind ") && l.contains("not started"));
    watch.until("the list's keys", |l| l.starts_with("1–7 watch that exercise"));
    watch.press(b"3");
    watch.until("exercise 03", |l| l == "sockets-course watch  03-client (3 of 7)");

    // c grades every exercise in one grade (this scratch kit cannot build, which is all the same
    // here), then shows the list.
    watch.press(b"c");
    watch.until("a grade of every exercise", |l| l.ends_with("Building exercises and its checks…"));
    watch.until("its end", |l| l.starts_with("Graded every exercise") || l.contains("the grade could not run"));

    // Ctrl-C quits cleanly.
    watch.press(&[3]);
    watch.until("the goodbye", |l| l == "Stopped watching.");
    let started = Instant::now();
    while watch.child.try_wait().unwrap().is_none() {
        assert!(started.elapsed() < Duration::from_secs(30), "watch did not end after Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    }
}
