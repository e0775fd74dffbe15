//! What a check works with: calls into student code (performed by the student host, a process
//! of its own) that turn panics, hangs and early exits into failures, the conversation it
//! records, and the exercise's programs.

use std::cell::RefCell;
use std::fmt::{self, Debug};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use grader_host::wire::{IoResult, Outcome};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::check::{Fail, Setup};
use crate::net::{Conn, Server};
use crate::program::{self, Ran, ServerProgram};
use crate::report::Output;
use crate::student::{Answer, StudentHost, Watch};
use crate::transcript::{Transcript, Who};

/// How much of a returned value's `Debug` text the conversation shows.
const SHOWN_DEBUG: usize = 160;
/// How long [`Background::explain`] waits for student code that may just have ended.
const EXPLAIN_WAIT: Duration = Duration::from_millis(200);
/// The limit of [`Ctx::call`]: calls that cannot block return at once.
const CALL_LIMIT: Duration = Duration::from_secs(2);

/// The exercise's built programs, or why there are none.
#[derive(Clone, Debug, Default)]
pub struct Bins {
    /// The programs built from the exercise crate.
    pub paths: Vec<PathBuf>,
    /// Why the program did not build, if it did not.
    pub error: Option<String>,
}

/// The context of one running check.
pub struct Ctx {
    transcript: Transcript,
    bins: Bins,
    host_path: Option<PathBuf>,
    host: OnceLock<Result<Arc<StudentHost>, Fail>>,
    watch: Watch,
}

impl Ctx {
    /// A context recording into `transcript`; `host` is the student host to start on the first
    /// call, `bins` the exercise's built programs.
    pub fn new(transcript: Transcript, host: Option<PathBuf>, bins: Bins) -> Self {
        Ctx { transcript, bins, host_path: host, host: OnceLock::new(), watch: Watch::default() }
    }

    /// The conversation, to hand to threads the check starts.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// Records what the grader does: `grader → text`.
    pub fn grader(&self, text: impl Into<String>) {
        self.transcript.say(Who::Grader, text);
    }

    /// Records what student code did: `your code → text`.
    pub fn student(&self, text: impl Into<String>) {
        self.transcript.say(Who::Student, text);
    }

    /// The student host, started on first use.
    fn host(&self) -> Result<&Arc<StudentHost>, Fail> {
        self.host
            .get_or_init(|| {
                let path = self.host_path.as_deref().ok_or_else(|| Fail::grader("this check has no student host"))?;
                let host = StudentHost::start(path, self.transcript.clone())
                    .map(Arc::new)
                    .map_err(|e| Fail::grader(format!("could not start the student host {}: {e}", path.display())))?;
                self.watch.set(Arc::clone(&host));
                Ok(host)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// What student code printed in the host, for the report; the host is ended first (the check
    /// is over), so that nothing it printed is left in the pipes.
    pub fn host_output(&self) -> (Output, Output) {
        match self.host.get() {
            Some(Ok(host)) => host.finish(),
            _ => Default::default(),
        }
    }

    /// How many replies the host has sent so far (0 without a host): see
    /// [`Ctx::wait_for_student`].
    pub fn student_activity(&self) -> u64 {
        match self.host.get() {
            Some(Ok(host)) => host.activity(),
            _ => 0,
        }
    }

    /// Waits up to `limit` for the host to reply to anything or end, after `seen` replies;
    /// returns the new count. Without a host, just waits.
    pub fn wait_for_student(&self, seen: u64, limit: Duration) -> u64 {
        match self.host.get() {
            Some(Ok(host)) => host.wait_activity(seen, limit),
            _ => {
                std::thread::sleep(limit);
                seen
            }
        }
    }

    /// Asks the host to perform `call`, which cannot block, and records the call and what it
    /// returned. `label` is the call as a student would write it: `bind("127.0.0.1:0")`.
    pub fn call<R: DeserializeOwned + Debug>(&self, label: &str, call: impl Serialize) -> Result<R, Fail> {
        self.call_within(label, CALL_LIMIT, call)
    }

    /// Like [`Ctx::call`], for code that could block: a call that has not returned within `limit`
    /// becomes a failure.
    pub fn call_within<R: DeserializeOwned + Debug>(
        &self,
        label: &str,
        limit: Duration,
        call: impl Serialize,
    ) -> Result<R, Fail> {
        self.spawn(label, call).join_within(limit)
    }

    /// Like [`Ctx::call_within`], handing the host sockets of the grader's (a listener, one end
    /// of a connection) for the call to use, in order.
    pub fn call_passing<R: DeserializeOwned + Debug>(
        &self,
        label: &str,
        limit: Duration,
        call: impl Serialize,
        sockets: &[&dyn AsRawFd],
    ) -> Result<R, Fail> {
        self.spawn_passing(label, call, sockets).join_within(limit)
    }

    /// Starts student code (a server loop, say) while the check goes on.
    pub fn spawn<R: DeserializeOwned + Debug>(&self, label: &str, call: impl Serialize) -> Background<R> {
        self.spawn_passing(label, call, &[])
    }

    /// Like [`Ctx::spawn`], handing the host sockets of the grader's, in order.
    pub fn spawn_passing<R: DeserializeOwned + Debug>(
        &self,
        label: &str,
        call: impl Serialize,
        sockets: &[&dyn AsRawFd],
    ) -> Background<R> {
        self.grader(format!("calls {label} in your code"));
        let (id, receiver) = match self.host() {
            Ok(host) => {
                let fds: Vec<RawFd> = sockets.iter().map(|s| s.as_raw_fd()).collect();
                let call = serde_json::to_value(call).expect("calls serialise");
                let (id, receiver) = host.call_with_id(call, &fds);
                (Some(id), receiver)
            }
            Err(fail) => {
                let (sender, receiver) = mpsc::channel();
                let _ = sender.send(Answer::Outcome(Outcome::Refused(fail.got)));
                (None, receiver)
            }
        };
        Background {
            id,
            call: label.to_owned(),
            receiver,
            transcript: self.transcript.clone(),
            ended: RefCell::new(None),
            value: std::marker::PhantomData,
        }
    }

    /// The exercise's binary (built from its `src/main.rs`).
    pub fn binary(&self) -> Result<&Path, Fail> {
        if let Some(path) = self.bins.paths.first() {
            return Ok(path);
        }
        let fail = Fail::new("looked for the program built from src/main.rs").expected("the exercise's program");
        Err(match &self.bins.error {
            Some(error) => fail.got(error.clone()).hint("fix src/main.rs so that it compiles; the library checks ran"),
            None => fail.got("no program was built").hint("keep src/main.rs: the grader runs it as a program"),
        })
    }

    /// Runs the exercise's program with `args` to its end (through `assert_cmd`, with empty
    /// standard input) and records what it did. A program still running after `limit` is killed.
    pub fn run_program(&self, args: &[&str], limit: Duration) -> Result<Ran, Fail> {
        self.run_program_with_input(args, &[], limit)
    }

    /// Starts the exercise's program as a server on a loopback port the grader picks, and waits
    /// until it accepts connections. `args` makes the command line from the address, e.g.
    /// `|addr| vec![addr.to_string()]`. The server is killed when the value is dropped.
    pub fn serve_program(&self, args: impl Fn(SocketAddr) -> Vec<String>) -> Result<ServerProgram, Fail> {
        program::serve(self.binary()?, args, &self.transcript)
    }

    /// Starts the exercise's program with `args` and waits for nothing, for a server told to bind
    /// port 0: where it listens is known only from what it prints. Killed when dropped.
    pub fn start_program(&self, args: &[&str]) -> Result<ServerProgram, Fail> {
        program::start(self.binary()?, args, &self.transcript)
    }

    /// A listening socket on an ephemeral loopback port, bound by the grader to be handed to
    /// student code (an accept loop, say) with [`Ctx::spawn_passing`].
    pub fn listener_for_student(&self) -> Result<(TcpListener, SocketAddr), Fail> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).setup("binding a listener on 127.0.0.1:0")?;
        let addr = listener.local_addr().setup("reading the listener's address")?;
        self.grader(format!("binds a listener on {addr} for your code"));
        Ok((listener, addr))
    }

    /// A connection from the grader to a listener of its own, with the end it accepted, for student
    /// code that serves one connection (a `greet`, an `answer`): the grader talks from the client
    /// end. When student code closes its end early, the grader's reads see the connection close,
    /// never a server gone: no listener of student code is involved.
    pub fn connection_for_student(&self) -> Result<(TcpStream, Conn), Fail> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).setup("binding a listener")?;
        let addr = listener.local_addr().setup("reading the listener's address")?;
        self.grader(format!("listens on {addr}; the connection it accepts goes to your code"));
        let conn = Conn::connect(addr, self.transcript.clone(), self.watch.clone())?.connected_to_own_listener();
        let (stream, _) = listener.accept().setup("accepting the grader's connection")?;
        Ok((stream, conn))
    }

    /// Binds an ephemeral loopback port and keeps it, so that student code binding the same address
    /// must fail with "address in use". The port is free again when the listener is dropped.
    pub fn hold_port(&self) -> Result<(TcpListener, SocketAddr), Fail> {
        let held = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).setup("binding a port for the grader")?;
        let addr = held.local_addr().setup("reading the grader's port")?;
        self.grader(format!("binds {addr} itself and keeps it open"));
        Ok((held, addr))
    }

    /// Like [`Ctx::run_program`], with `input` on the program's standard input (which then ends),
    /// for a program that reads what to do from it, as `nc` does.
    pub fn run_program_with_input(&self, args: &[&str], input: &[u8], limit: Duration) -> Result<Ran, Fail> {
        self.watch.set_program_ended(false);
        let ran = program::run_with_input(self.binary()?, args, input, limit, &self.transcript);
        // A conversation of the grader's with the program (a `GraderSide`) stops waiting: nothing
        // more can come from a program that has ended.
        self.watch.set_program_ended(true);
        ran
    }

    /// A listening socket of the grader's on an ephemeral loopback port. Its waits stop early
    /// once student code cannot answer any more (it panicked, or its process ended).
    pub fn listen(&self) -> Result<Server, Fail> {
        Server::bind(self.transcript.clone(), self.watch.clone())
    }

    /// Connects the grader to `addr` as a client; waits on the connection stop early as
    /// [`Ctx::listen`]'s do.
    pub fn connect(&self, addr: SocketAddr) -> Result<Conn, Fail> {
        Conn::connect(addr, self.transcript.clone(), self.watch.clone())
    }
}

/// A call into student code that runs while the check goes on, started by [`Ctx::spawn`].
pub struct Background<R> {
    id: Option<u64>,
    call: String,
    receiver: mpsc::Receiver<Answer>,
    transcript: Transcript,
    /// The answer, once seen by [`Background::explain`] before the join.
    ended: RefCell<Option<Answer>>,
    value: std::marker::PhantomData<R>,
}

impl<R: DeserializeOwned + Debug> Background<R> {
    /// Explains a failure of the grader's side of the conversation by the state of the student
    /// code: if it has already panicked, the panic is the real cause ("serve is not written
    /// yet"); if it has already returned, that is said too. Otherwise `fail` is returned as is.
    pub fn explain(&self, fail: Fail) -> Fail {
        let mut ended = self.ended.borrow_mut();
        if ended.is_none() {
            // Student code that panicked drops what it owns (a listener, say) while unwinding,
            // before its answer arrives: the grader may notice the effect first. This runs on a
            // failure path only, so it can afford to wait a moment for the cause.
            *ended = self.receiver.recv_timeout(EXPLAIN_WAIT).ok();
        }
        match ended.clone() {
            None => fail,
            Some(answer) => match settle::<R>(&self.transcript, &self.call, answer) {
                Err(cause) => cause,
                Ok(value) => {
                    let returned = format!("{} had already returned {}", self.call, short_debug(&value));
                    if fail.server_gone {
                        // Refused or reset is the kernel's race, not a difference in the code:
                        // one text for both, naming the cause.
                        fail.nobody_listening("your server", &returned).hint(format!(
                            "a server keeps accepting while it has clients to serve: look for why {} returned this \
                             early (a loop that ends too soon, a return, or a ? on one client's error)",
                            self.call
                        ))
                    } else {
                        let got = format!("{}; {returned}", fail.got);
                        fail.got(got)
                    }
                }
            },
        }
    }

    /// Whether the call has ended (returned, panicked, or its host is gone), without waiting.
    pub fn has_ended(&self) -> bool {
        let mut ended = self.ended.borrow_mut();
        if ended.is_none() {
            *ended = self.receiver.try_recv().ok();
        }
        ended.is_some()
    }

    /// Runs the grader's side of a conversation with this code, explaining a failure by the
    /// code's state (see [`Background::explain`]).
    pub fn while_running<T>(&self, grader_side: impl FnOnce() -> Result<T, Fail>) -> Result<T, Fail> {
        // The grader's waits inside stop as soon as this call has returned: nothing more can come.
        Watch::watching(self.id, grader_side).map_err(|fail| self.explain(fail))
    }

    /// Waits at most `limit` for the code to return.
    pub fn join_within(self, limit: Duration) -> Result<R, Fail> {
        if let Some(answer) = self.ended.borrow_mut().take() {
            return settle(&self.transcript, &self.call, answer);
        }
        match self.receiver.recv_timeout(limit) {
            Ok(answer) => settle(&self.transcript, &self.call, answer),
            Err(RecvTimeoutError::Timeout) => {
                self.transcript.say(Who::Student, format!("still running after {limit:?}"));
                Err(Fail::new(format!("called {}", self.call))
                    .expected(format!("it to return within {limit:?}"))
                    .got("it was still running")
                    .hint("look for a loop that never ends or a read/accept that waits forever"))
            }
            Err(RecvTimeoutError::Disconnected) => Err(Fail::grader("the student host's reader stopped")),
        }
    }
}

/// Turns the host's answer into the call's value or its failure, and records it.
fn settle<R: DeserializeOwned + Debug>(transcript: &Transcript, call: &str, answer: Answer) -> Result<R, Fail> {
    let did = format!("called {call}");
    match answer {
        Answer::Outcome(Outcome::Returned(json)) => match serde_json::from_value::<R>(json) {
            Ok(value) => {
                transcript.say(Who::Student, format!("returned {}", short_debug(&value)));
                Ok(value)
            }
            Err(error) => {
                transcript.say(Who::Student, "replied with something the grader cannot read");
                Err(Fail::new(did)
                    .expected("a reply the grader can read")
                    .got(format!("a reply that does not fit the call: {error}"))
                    .hint("your code runs in a process of its own; keep the signatures the stub declares"))
            }
        },
        Answer::Outcome(Outcome::Panicked(panic)) => {
            let panic = Panicked::from(panic);
            transcript.say(Who::Student, format!("panicked: {panic}"));
            Err(panic.into_fail(call))
        }
        Answer::Outcome(Outcome::TooLarge { bytes }) => {
            transcript.say(Who::Student, format!("returned a value of {bytes} bytes"));
            Err(Fail::new(did).expected("a value of a sensible size").got(format!("a value of {bytes} bytes")))
        }
        Answer::Outcome(Outcome::Exhausted(why)) => {
            transcript.say(Who::Student, format!("left no room for another thread: {why}"));
            Err(Fail::new(did)
                .expected("the process running your code to have room for the call")
                .got(format!("it could not start a thread for it ({why})"))
                .hint("your code started more threads or processes than it may have: does one end for each it starts?"))
        }
        Answer::Outcome(Outcome::Refused(why)) => {
            Err(Fail { did, ..Fail::grader(format!("the student host could not perform the call: {why}")) })
        }
        Answer::Ended(status) => {
            let fail = ended_early(status);
            transcript.say(Who::Student, format!("ended the process: {}", fail.got));
            Err(fail)
        }
    }
}

/// The failure of a call whose host process ended before answering.
pub fn ended_early(status: Option<std::process::ExitStatus>) -> Fail {
    use std::os::unix::process::ExitStatusExt;
    let fail = Fail::new("called your code").expected("it to return (Ok or Err) to the grader");
    match status.map(|s| (s.code(), s.signal())) {
        Some((Some(code), _)) => fail
            .got(format!("your code ended the whole process (exit code {code}) before it returned"))
            .hint("a library function must return (Ok or Err) to its caller; do not call std::process::exit in it"),
        Some((None, Some(signal))) => fail
            .got(format!("the process running your code was killed by signal {signal} ({})", signal_name(signal)))
            .hint(if signal == libc::SIGABRT {
                "an abort: a panic while panicking, or a stack overflow from endless recursion"
            } else {
                "a crash: look for endless recursion, or code that kills its own process"
            }),
        _ => fail.got("the process running your code ended without an answer"),
    }
}

/// The usual name of a signal.
pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGTERM => "SIGTERM",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGPIPE => "SIGPIPE",
        _ => "a signal",
    }
}

/// `Debug` text of a value, cut to a readable length.
pub fn short_debug(value: &impl Debug) -> String {
    let text = format!("{value:?}");
    match text.char_indices().nth(SHOWN_DEBUG) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The verdict on a call of student code that had to fail with an error of `kind`: it passes on
/// such an error. Otherwise the failure says what the grader did, expects "Err with kind KIND"
/// (followed by `why`, when not empty) and shows what came back.
pub fn expect_error_kind<T: Debug>(
    got: &IoResult<T>,
    kind: io::ErrorKind,
    did: impl Into<String>,
    why: &str,
    hint: impl Into<String>,
) -> Result<(), Fail> {
    match got {
        Err(error) if error.is(kind) => Ok(()),
        other => {
            let because = if why.is_empty() { String::new() } else { format!(": {why}") };
            Err(Fail::new(did).expected(format!("Err with kind {kind:?}{because}")).got(short_debug(other)).hint(hint))
        }
    }
}

/// What is known about a panic in student code.
#[derive(Clone, Debug)]
pub struct Panicked {
    /// The panic message.
    pub message: String,
    /// `file:line:column`, as the student knows the file.
    pub location: Option<String>,
}

impl From<grader_host::wire::PanicInfo> for Panicked {
    fn from(panic: grader_host::wire::PanicInfo) -> Self {
        Panicked { message: panic.message, location: panic.location.as_deref().map(crate::sources::shown) }
    }
}

impl Panicked {
    /// True for `todo!()` and `unimplemented!()`: the stub has not been filled in.
    pub fn is_stub(&self) -> bool {
        self.message.starts_with("not yet implemented") || self.message.starts_with("not implemented")
    }

    /// The failure a panic in a call makes.
    pub fn into_fail(self, call: &str) -> Fail {
        let fail = Fail::new(format!("called {call}")).expected("it to return a value");
        if self.is_stub() {
            let at = self.location.as_deref().unwrap_or("your code");
            fail.got(format!("it is not written yet: todo!() at {at}"))
                .hint("replace the todo!() with your code; the doc comment above the function says what to do")
        } else {
            fail.got(format!("a panic: {self}")).hint(
                "errors are values: return an Err (propagate with ?) instead of panicking with unwrap, expect or panic!",
            )
        }
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{} (at {location})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::EventLog;
    use grader_host::wire::{IoError, PanicInfo};

    fn transcript() -> Transcript {
        Transcript::new(EventLog::in_memory())
    }

    fn panicked(message: &str) -> Answer {
        Answer::Outcome(Outcome::Panicked(PanicInfo {
            message: message.into(),
            location: Some("src/lib.rs:3:5".into()),
        }))
    }

    #[test]
    fn a_todo_becomes_a_not_written_yet_failure() {
        let fail = settle::<u8>(&transcript(), "stub()", panicked("not yet implemented")).unwrap_err();
        assert_eq!(fail.got, "it is not written yet: todo!() at src/lib.rs:3:5");
        assert!(!fail.grader_error);
    }

    #[test]
    fn a_panic_becomes_a_failure_with_its_message() {
        let fail = settle::<u8>(&transcript(), "f()", panicked("boom")).unwrap_err();
        assert!(fail.got.starts_with("a panic: boom (at src/lib.rs:3:5)"), "{fail:?}");
        assert!(fail.hint.unwrap().contains("errors are values"));
    }

    #[test]
    fn a_returned_value_is_recorded() {
        let transcript = transcript();
        let answer = Answer::Outcome(Outcome::Returned(serde_json::json!(7)));
        assert_eq!(settle::<u8>(&transcript, "f()", answer).unwrap(), 7);
        assert_eq!(transcript.lines()[0].to_string(), "your code → returned 7");
    }

    #[test]
    fn a_reply_that_does_not_fit_fails_and_is_never_a_pass() {
        let answer = Answer::Outcome(Outcome::Returned(serde_json::json!("seven")));
        let fail = settle::<u8>(&transcript(), "f()", answer).unwrap_err();
        assert!(fail.got.starts_with("a reply that does not fit the call"), "{fail:?}");
        assert!(!fail.grader_error);
    }

    #[test]
    fn a_host_that_exits_fails_the_call_with_its_exit_code() {
        use std::os::unix::process::ExitStatusExt;
        let exited = Answer::Ended(Some(std::process::ExitStatus::from_raw(0)));
        let fail = settle::<u8>(&transcript(), "f()", exited).unwrap_err();
        assert!(fail.got.contains("exit code 0"), "{fail:?}");
        let aborted = Answer::Ended(Some(std::process::ExitStatus::from_raw(libc::SIGABRT)));
        let fail = settle::<u8>(&transcript(), "f()", aborted).unwrap_err();
        assert!(fail.got.contains("SIGABRT"), "{fail:?}");
    }

    #[test]
    fn a_failure_of_the_grader_side_is_explained_by_a_panic_of_the_code() {
        let (sender, receiver) = mpsc::channel();
        let background: Background<u8> = Background {
            id: None,
            call: "f()".into(),
            receiver,
            transcript: transcript(),
            ended: RefCell::new(None),
            value: std::marker::PhantomData,
        };
        let fail = background.explain(Fail::new("waited").got("no connection"));
        assert_eq!(fail.got, "no connection", "still running: the grader's failure stands");
        sender.send(panicked("not yet implemented")).unwrap();
        let fail = background.explain(Fail::new("waited").got("no connection"));
        assert!(fail.got.starts_with("it is not written yet"), "{fail:?}");
        let fail = background.join_within(Duration::from_secs(5)).unwrap_err();
        assert!(fail.got.starts_with("it is not written yet"), "{fail:?}");
    }

    #[test]
    fn long_debug_text_is_cut() {
        let shown = short_debug(&"x".repeat(500));
        assert!(shown.ends_with('…'));
        assert_eq!(shown.chars().count(), SHOWN_DEBUG + 1);
    }

    #[test]
    fn an_error_of_the_kind_asked_for_passes_and_any_other_result_is_shown() {
        let refused = IoError::from(&io::Error::from(io::ErrorKind::ConnectionRefused));
        let expect = |got: &IoResult<u8>, why: &str| {
            expect_error_kind(got, io::ErrorKind::ConnectionRefused, "called talk", why, "use ?")
        };
        assert!(expect(&Err(refused.clone()), "").is_ok());

        let fail = expect(&Ok(7), "").unwrap_err();
        assert_eq!(fail.did, "called talk");
        assert_eq!(fail.expected, "Err with kind ConnectionRefused");
        assert_eq!(fail.got, "Ok(7)");
        assert_eq!(fail.hint.as_deref(), Some("use ?"));

        let reset = IoError::from(&io::Error::from(io::ErrorKind::ConnectionReset));
        let fail = expect(&Err(reset.clone()), "nothing listens there").unwrap_err();
        assert_eq!(fail.expected, "Err with kind ConnectionRefused: nothing listens there");
        assert_eq!(fail.got, short_debug(&Err::<u8, _>(reset)));
    }
}
