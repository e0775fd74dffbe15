//! Driving `cargo xtask watch` from a test: start it with piped output, read its screen until the
//! first grade of an exercise is shown, then stop it with SIGTERM as a terminal's closing would.
//! Shared by the test binaries that try `watch` (on the kit, and on a student copy of it).
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// What a watch session showed.
pub struct Session {
    /// Lines up to and including `Graded EXERCISE in …`.
    pub screen: Vec<String>,
    /// How the process ended after SIGTERM.
    pub status: ExitStatus,
    /// Lines printed after the signal.
    pub rest: Vec<String>,
}

/// Runs `command` (an xtask binary with `watch EXERCISE` as its arguments) until it has graded
/// `exercise` once, or `limit` passed without that, then sends SIGTERM and collects the rest.
pub fn until_graded(mut command: Command, exercise: &str, limit: Duration) -> Session {
    let mut child = command
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("watch starts");
    let (lines, seen) = mpsc::channel();
    let stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let graded = format!("Graded {exercise} in ");
    let mut screen = Vec::new();
    while let Ok(line) = seen.recv_timeout(limit) {
        let done = line.starts_with(&graded);
        screen.push(line);
        if done {
            break;
        }
    }
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    // SAFETY: kill(2) on the pid of our own child, which has not been reaped yet.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = child.wait().expect("watch ends");
    reader.join().expect("the reader ends with the pipe");
    Session { screen, status, rest: seen.try_iter().collect() }
}
