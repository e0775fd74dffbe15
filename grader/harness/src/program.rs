//! Running the exercise's own program (built from its `src/main.rs`): to its end with
//! `assert_cmd`, or as a server on a port the grader picks. Programs start inside the check's
//! process group, so the grading process kills anything they leave behind.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::check::Fail;
use crate::transcript::{Transcript, Who, quote, show_bytes};

/// How much of a program's stdout or stderr a failure message shows.
const SHOWN_OUTPUT: usize = 240;
/// How much output of a server program is kept.
const KEPT_OUTPUT: usize = 16 * 1024;
/// How long a server program may take to accept its first connection.
const READY_LIMIT: Duration = Duration::from_secs(3);
/// How long to wait for the rest of the output of a server program that has exited.
const DRAIN_LIMIT: Duration = Duration::from_millis(500);
/// How many ports to try when another process takes the picked port first.
const PORT_ATTEMPTS: usize = 5;
/// How long [`ServerProgram::explain`] waits to see the program's exit, once its listener is gone.
const EXIT_SEEN_WITHIN: Duration = Duration::from_millis(200);

/// What a run of the exercise's program did.
#[derive(Clone, Debug)]
pub struct Ran {
    /// The command as a student would type it.
    pub command_line: String,
    /// How it exited.
    pub status: ExitStatus,
    /// True when it was killed for running past its limit.
    pub timed_out: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    limit: Duration,
}

impl Ran {
    /// True when the program panicked (Rust exits with code 101 after a panic message).
    pub fn panicked(&self) -> bool {
        self.status.code() == Some(101) || self.stderr.contains("panicked at")
    }

    /// Passes when the program reported a failure the way a command-line tool should: a non-zero
    /// exit code (not a panic, not a hang) and exactly one line on stderr that contains `naming`
    /// (the address the user typed, say). `did` says what the run was for; `hint` is for a
    /// program that neither panicked nor is a stub.
    pub fn expect_one_line_error(&self, did: &str, naming: &str, hint: &str) -> Result<(), Fail> {
        let one_line = self.stderr.lines().count() == 1 && self.stderr.contains(naming);
        if !self.status.success() && !self.panicked() && !self.timed_out && one_line {
            return Ok(());
        }
        let lines = self.stderr.lines().count();
        // A program that did everything else right is told exactly what its line lacks.
        let missing = if self.status.success() || self.panicked() || self.timed_out {
            None
        } else if lines > 1 {
            Some(format!("{lines} lines on stderr, where one is expected: print the whole error with one eprintln!"))
        } else if lines == 1 {
            Some(format!("your line does not contain {naming}: a message that names it tells the user what failed"))
        } else {
            None
        };
        let shown = if naming.is_empty() { String::new() } else { format!(" that names {naming}") };
        let hint = match missing {
            Some(missing) => format!("{missing}; {hint}"),
            None => self.hint(hint),
        };
        Err(Fail::new(did)
            .expected(format!("a non-zero exit code and one line on stderr{shown}"))
            .got(self.describe())
            .hint(hint))
    }

    /// The hint for a failed run: a stub or a panic explain themselves; otherwise `otherwise`.
    pub fn hint(&self, otherwise: &str) -> String {
        if self.stderr.contains("not yet implemented") {
            "src/main.rs is still a stub: replace its todo!()".to_owned()
        } else if self.panicked() {
            "the program panicked: handle errors with match or ? and print them; do not unwrap".to_owned()
        } else {
            otherwise.to_owned()
        }
    }

    /// E.g. `exits with code 1; stdout: nothing; stderr: "error: ..."`, or for a panic
    /// `panics at src/main.rs:20:5: not yet implemented`.
    pub fn describe(&self) -> String {
        if let Some(panic) = panic_summary(&self.stderr) {
            return format!("panics at {panic}; stdout: {}", shown(&self.stdout));
        }
        let ended = if self.timed_out {
            format!("was still running after {:?} and was stopped", self.limit)
        } else {
            describe_status(self.status)
        };
        format!("{ended}; stdout: {}; stderr: {}", shown(&self.stdout), shown(&self.stderr))
    }
}

/// The grader's end of a conversation with the exercise's program (a server of the grader's
/// that the program talks to, say): it runs on a thread of its own while the program runs, and is
/// finished once the run has been looked at.
pub struct GraderSide<T>(thread::JoinHandle<Result<T, Fail>>);

impl<T: Send + 'static> GraderSide<T> {
    /// Starts `side` on its own thread.
    pub fn start(side: impl FnOnce() -> Result<T, Fail> + Send + 'static) -> Self {
        GraderSide(thread::spawn(side))
    }

    /// Waits for the grader's side to end. Its failure comes first (the program did not send what
    /// it should have), told together with what the program did meanwhile, since what the program
    /// printed then only followed from it; a failure of the grader's own stays one.
    pub fn finish(self, ran: &Ran) -> Result<T, Fail> {
        match self.0.join() {
            Ok(Err(fail)) if !fail.grader_error => {
                let got = format!("{}; meanwhile your program {}", fail.got, ran.describe());
                Err(fail.got(got))
            }
            Ok(done) => done,
            Err(_) => Err(Fail::grader("the grader's side of the conversation panicked")),
        }
    }
}

/// `FILE:LINE:COL: message` from the message Rust prints when a program panics
/// (`thread 'main' (42) panicked at FILE:LINE:COL:` and the message on the next line), with the
/// file relative to the working directory where possible.
pub fn panic_summary(stderr: &str) -> Option<String> {
    let start = stderr.find("panicked at ")? + "panicked at ".len();
    let rest = &stderr[start..];
    let (location, message) = rest.split_once(":\n")?;
    let message = message.lines().next().unwrap_or_default();
    let cwd = std::env::current_dir().ok();
    let location = cwd
        .as_deref()
        .and_then(|cwd| location.strip_prefix(cwd.to_str()?))
        .map_or(location, |relative| relative.trim_start_matches('/'));
    Some(format!("{}: {message}", crate::sources::shown(location)))
}

fn shown(text: &str) -> String {
    if text.is_empty() { "nothing".to_owned() } else { quote(text.as_bytes(), SHOWN_OUTPUT) }
}

fn describe_status(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exits with code {code}"),
        None => format!("is killed by signal {}", status.signal().unwrap_or(0)),
    }
}

fn program_name(bin: &Path) -> String {
    bin.file_name().map_or_else(|| bin.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Like [`run`], with `input` on the program's standard input (which then ends).
pub(crate) fn run_with_input(
    bin: &Path,
    args: &[&str],
    input: &[u8],
    limit: Duration,
    transcript: &Transcript,
) -> Result<Ran, Fail> {
    let command_line =
        std::iter::once(program_name(bin)).chain(args.iter().map(|a| (*a).to_owned())).collect::<Vec<_>>().join(" ");
    transcript.say(Who::Grader, format!("runs `{command_line}`"));
    let mut command = assert_cmd::Command::from_std(crate::sandbox::command(bin));
    command.args(args).timeout(limit);
    if !input.is_empty() {
        transcript.say(Who::Grader, format!("types on its standard input: {}", show_bytes(input)));
        command.write_stdin(input);
    }
    let output = command.output().map_err(|e| Fail::grader(format!("could not start `{command_line}`: {e}")))?;
    let ran = Ran {
        command_line,
        timed_out: output.status.signal() == Some(libc::SIGKILL),
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        limit,
    };
    transcript.say(Who::Student, ran.describe());
    Ok(ran)
}

/// The exercise's program running as a server. Killed on drop.
pub struct ServerProgram {
    child: Child,
    addr: SocketAddr,
    command_line: String,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// The threads reading stdout and stderr; finished once both pipes have ended.
    readers: Vec<thread::JoinHandle<()>>,
}

impl ServerProgram {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The command line, as a student would type it.
    pub fn command_line(&self) -> &str {
        &self.command_line
    }

    /// True while the program runs.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits at most `limit` for `text` to appear in the program's standard output. Output is
    /// read by another thread, so a line the program printed may take a moment to arrive here.
    pub fn wait_for_stdout(&self, text: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let seen = self.stdout.lock().unwrap_or_else(PoisonError::into_inner);
            if String::from_utf8_lossy(&seen).contains(text) {
                return true;
            }
            drop(seen);
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Waits at most `limit` for a whole line of standard output that starts with `prefix`, and
    /// returns the rest of it (without the newline).
    pub fn stdout_line_after(&self, prefix: &str, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            let seen =
                String::from_utf8_lossy(&self.stdout.lock().unwrap_or_else(PoisonError::into_inner)).into_owned();
            let complete = seen.rfind('\n').map_or("", |end| &seen[..end]);
            if let Some(rest) = complete.lines().find_map(|line| line.strip_prefix(prefix)) {
                return Some(rest.to_owned());
            }
            if Instant::now() >= deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// Adds what the program printed to a failure of the grader's side of the conversation, and
    /// explains a client connection that found nobody there by the program having ended: whether
    /// the grader then saw its connection refused or reset is the kernel's race, so both read the
    /// same (see [`Fail::server_gone`]).
    pub fn explain(&mut self, fail: Fail) -> Fail {
        if fail.server_gone {
            // The exit that closed the listener may take a moment to be seen from here.
            let deadline = Instant::now() + EXIT_SEEN_WITHIN;
            while self.running() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let why = format!("the program {}; it printed {}", describe_status(status), self.output());
                return fail.nobody_listening("the program", &why);
            }
        }
        let got = format!("{} (the program printed {})", fail.got, self.output());
        fail.got(got)
    }

    /// What it printed so far, for failure messages: `stdout: ...; stderr: ...`, or for a panic
    /// `it panicked at FILE:LINE:COL: message`.
    pub fn output(&self) -> String {
        let out = String::from_utf8_lossy(&self.stdout.lock().unwrap_or_else(PoisonError::into_inner)).into_owned();
        let err = String::from_utf8_lossy(&self.stderr.lock().unwrap_or_else(PoisonError::into_inner)).into_owned();
        match panic_summary(&err) {
            Some(panic) => format!("it panicked at {panic}; stdout: {}", shown(&out)),
            None => format!("stdout: {}; stderr: {}", shown(&out), shown(&err)),
        }
    }
}

impl ServerProgram {
    /// Waits at most `limit` for both output pipes to end (they end when the program and anything
    /// it started have exited).
    fn drain(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.readers.iter().all(thread::JoinHandle::is_finished) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for ServerProgram {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Keeps what a pipe delivers, up to [`KEPT_OUTPUT`] bytes, reading the rest away. The thread
/// ends with the pipe.
fn keep(mut pipe: impl Read + Send + 'static) -> (Arc<Mutex<Vec<u8>>>, thread::JoinHandle<()>) {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&kept);
    let reader = thread::spawn(move || {
        let mut buf = [0; 4096];
        while let Ok(n @ 1..) = pipe.read(&mut buf) {
            let mut kept = sink.lock().unwrap_or_else(PoisonError::into_inner);
            let room = KEPT_OUTPUT.saturating_sub(kept.len()).min(n);
            kept.extend_from_slice(&buf[..room]);
        }
    });
    (kept, reader)
}

/// Starts the program with `args` and waits for nothing: for a server that is given port 0 and
/// tells where it listens only in what it prints. Its [`ServerProgram::addr`] is `0.0.0.0:0`.
pub(crate) fn start(bin: &Path, args: &[&str], transcript: &Transcript) -> Result<ServerProgram, Fail> {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    spawn_server(bin, &args, SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)), transcript)
}

/// Starts the program with `args`, its output kept as it runs; `addr` is where it should listen.
fn spawn_server(bin: &Path, args: &[String], addr: SocketAddr, transcript: &Transcript) -> Result<ServerProgram, Fail> {
    let command_line = std::iter::once(program_name(bin)).chain(args.iter().cloned()).collect::<Vec<_>>().join(" ");
    transcript.say(Who::Grader, format!("starts `{command_line}`"));
    let mut child = crate::sandbox::command(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Fail::grader(format!("could not start `{command_line}`: {e}")))?;
    let (stdout, out_reader) = keep(child.stdout.take().expect("piped"));
    let (stderr, err_reader) = keep(child.stderr.take().expect("piped"));
    Ok(ServerProgram { child, addr, command_line, stdout, stderr, readers: vec![out_reader, err_reader] })
}

pub(crate) fn serve(
    bin: &Path,
    args: impl Fn(SocketAddr) -> Vec<String>,
    transcript: &Transcript,
) -> Result<ServerProgram, Fail> {
    let mut last = String::new();
    for _ in 0..PORT_ATTEMPTS {
        // The program must bind a port the grader knows in advance; portpicker finds a free one.
        // Another process may take it before the program binds it: then the program fails with
        // "address in use" and the grader tries another port, so a collision never decides a verdict.
        let port = portpicker::pick_unused_port().ok_or_else(|| Fail::grader("no free port on this machine"))?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let mut server = spawn_server(bin, &args(addr), addr, transcript)?;
        match wait_ready(&mut server) {
            Ok(()) => {
                transcript.say(Who::Student, format!("accepts connections on {addr}"));
                return Ok(server);
            }
            Err(ended) => {
                // What a program prints last ("address in use", a panic) may still be in its
                // pipes when it has exited: read it before deciding on a retry or a verdict.
                if !server.running() {
                    server.drain(DRAIN_LIMIT);
                }
                let output = server.output();
                transcript.say(Who::Student, format!("{ended}; {output}"));
                if output.contains("in use") {
                    last = format!("{ended}; {output}");
                    continue;
                }
                return Err(Fail::new(format!("started `{}`", server.command_line))
                    .expected(format!("your server to accept connections on {addr} within {READY_LIMIT:?}"))
                    .got(format!("it {ended}; {output}"))
                    .hint(
                        "the program should bind the address given on its command line, then accept clients in a loop",
                    ));
            }
        }
    }
    Err(Fail::grader(format!("every port the grader picked was taken by another process: {last}")))
}

/// Waits until the server accepts a connection (the probe is closed at once), or says how it ended.
fn wait_ready(server: &mut ServerProgram) -> Result<(), String> {
    let deadline = Instant::now() + READY_LIMIT;
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            return Err(describe_status(status));
        }
        if TcpStream::connect_timeout(&server.addr, Duration::from_millis(100)).is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("was not accepting connections after {READY_LIMIT:?}"));
        }
        thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::EventLog;

    #[test]
    fn a_panic_message_is_summarised_with_its_place() {
        let stderr = "\nthread 'main' (42) panicked at src/main.rs:20:5:\nnot yet implemented: bind\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(panic_summary(stderr).unwrap(), "src/main.rs:20:5: not yet implemented: bind");
        assert_eq!(panic_summary("error: 127.0.0.1:80 is in use\n"), None);
    }

    fn transcript() -> Transcript {
        Transcript::new(EventLog::in_memory())
    }

    #[test]
    fn a_server_that_exits_at_once_is_reported_with_all_it_printed() {
        // Run several times: the output used to be read before its pipe had been drained.
        for _ in 0..5 {
            let fail = serve(
                Path::new("/bin/sh"),
                |_| vec!["-c".into(), "echo starting; echo boom >&2; exit 3".into()],
                &transcript(),
            )
            .err()
            .expect("the program exits without listening");
            assert!(!fail.grader_error, "{fail:?}");
            assert!(fail.got.contains("exits with code 3"), "{fail:?}");
            assert!(fail.got.contains("\"starting\\n\""), "{fail:?}");
            assert!(fail.got.contains("\"boom\\n\""), "{fail:?}");
        }
    }

    #[test]
    fn input_reaches_the_program_and_is_recorded() {
        let t = transcript();
        let ran = run_with_input(Path::new("/bin/cat"), &[], b"MENU\n", Duration::from_secs(5), &t).unwrap();
        assert_eq!(ran.stdout, "MENU\n");
        let lines: Vec<String> = t.lines().iter().map(ToString::to_string).collect();
        assert_eq!(lines[1], "grader    → types on its standard input: 5 bytes \"MENU\\n\"");
    }

    #[test]
    fn a_port_in_use_is_retried_and_never_decides_a_verdict() {
        let fail = serve(
            Path::new("/bin/sh"),
            |_| vec!["-c".into(), "echo 'error: address in use' >&2; exit 1".into()],
            &transcript(),
        )
        .err()
        .expect("the program never listens");
        assert!(fail.grader_error, "{fail:?}");
        assert!(fail.got.contains("taken by another process"), "{fail:?}");
    }
}
