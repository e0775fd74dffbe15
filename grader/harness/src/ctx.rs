//! What a check works with: calls into student code that turn panics and hangs into failures,
//! the conversation it records, and the exercise's binary.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt::{self, Debug};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::{self, ThreadId};
use std::time::Duration;

use crate::check::{Fail, Setup};
use crate::net::{Conn, Server};
use crate::program::{self, Ran, ServerProgram};
use crate::transcript::{Transcript, Who};

/// How much of a returned value's `Debug` text the conversation shows.
const SHOWN_DEBUG: usize = 160;
/// How long [`Background::explain`] waits for student code that may just have ended.
const EXPLAIN_WAIT: Duration = Duration::from_millis(200);

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
}

impl Ctx {
    /// A context recording into `transcript`; `bins` are the exercise's built programs.
    pub fn new(transcript: Transcript, bins: Bins) -> Self {
        Ctx { transcript, bins }
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

    /// Calls student code on this thread and records the call and what it returned. A panic
    /// becomes a failure that says where it happened. Use [`Ctx::call_within`] for code that could
    /// block.
    pub fn call<T: Debug>(&self, call: &str, f: impl FnOnce() -> T) -> Result<T, Fail> {
        self.grader(format!("calls {call}"));
        let result = guarded(f);
        self.settle(call, result)
    }

    /// Like [`Ctx::call`], for code that could block: it runs on its own thread and a call that
    /// has not returned within `limit` becomes a failure (the thread is left behind; the process
    /// ends with the check).
    pub fn call_within<T: Debug + Send + 'static>(
        &self,
        call: &str,
        limit: Duration,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Fail> {
        self.spawn(call, f).join_within(limit)
    }

    /// Starts student code on its own thread (a server loop, say) while the check goes on.
    pub fn spawn<T: Debug + Send + 'static>(
        &self,
        call: &str,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Background<T> {
        self.grader(format!("starts {call} on its own thread"));
        let (sender, receiver) = mpsc::channel();
        let handle = thread::Builder::new()
            .name("student".to_owned())
            .spawn(move || {
                let _ = sender.send(guarded(f));
            })
            .expect("the grader could not start a thread");
        Background {
            call: call.to_owned(),
            receiver,
            thread: handle.thread().id(),
            transcript: self.transcript.clone(),
            ended: RefCell::new(None),
        }
    }

    fn settle<T: Debug>(&self, call: &str, result: Result<T, Panicked>) -> Result<T, Fail> {
        settle(&self.transcript, call, result)
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
        program::run(self.binary()?, args, limit, &self.transcript)
    }

    /// Starts the exercise's program as a server on a loopback port the grader picks, and waits
    /// until it accepts connections. `args` makes the command line from the address, e.g.
    /// `|addr| vec![addr.to_string()]`. The server is killed when the value is dropped.
    pub fn serve_program(&self, args: impl Fn(SocketAddr) -> Vec<String>) -> Result<ServerProgram, Fail> {
        program::serve(self.binary()?, args, &self.transcript)
    }

    /// A listening socket on an ephemeral loopback port, bound by the grader to be handed to
    /// student code (an accept loop, say).
    pub fn listener_for_student(&self) -> Result<(TcpListener, SocketAddr), Fail> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).setup("binding a listener on 127.0.0.1:0")?;
        let addr = listener.local_addr().setup("reading the listener's address")?;
        self.grader(format!("binds a listener on {addr} for your code"));
        Ok((listener, addr))
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
        program::run_with_input(self.binary()?, args, input, limit, &self.transcript)
    }

    /// A listening socket of the grader's on an ephemeral loopback port.
    pub fn listen(&self) -> Result<Server, Fail> {
        Server::bind(self.transcript.clone())
    }

    /// Connects the grader to `addr` as a client.
    pub fn connect(&self, addr: SocketAddr) -> Result<Conn, Fail> {
        Conn::connect(addr, self.transcript.clone())
    }
}

/// Student code running on its own thread, started by [`Ctx::spawn`].
pub struct Background<T> {
    call: String,
    receiver: mpsc::Receiver<Result<T, Panicked>>,
    thread: ThreadId,
    transcript: Transcript,
    /// The result, once seen by [`Background::explain`] before the join.
    ended: RefCell<Option<Result<T, Panicked>>>,
}

impl<T: Debug> Background<T> {
    /// Explains a failure of the grader's side of the conversation by the state of the student
    /// code: if it has already panicked, the panic is the real cause ("serve is not written
    /// yet"); if it has already returned, that is said too. Otherwise `fail` is returned as is.
    pub fn explain(&self, fail: Fail) -> Fail {
        let mut ended = self.ended.borrow_mut();
        if ended.is_none() {
            // Student code that panicked drops what it owns (a listener, say) while unwinding,
            // before its result arrives: the grader may notice the effect first. This runs on a
            // failure path only, so it can afford to wait a moment for the cause.
            *ended = match self.receiver.recv_timeout(EXPLAIN_WAIT) {
                Ok(result) => Some(result),
                Err(RecvTimeoutError::Disconnected) => {
                    Some(Err(take_panic(self.thread).unwrap_or_else(Panicked::unknown)))
                }
                Err(RecvTimeoutError::Timeout) => None,
            };
            if let Some(Err(panic)) = &*ended {
                self.transcript.say(Who::Student, format!("panicked: {panic}"));
            }
        }
        match &*ended {
            None => fail,
            Some(Err(panic)) => panic.clone().into_fail(&self.call),
            Some(Ok(value)) => {
                let got = format!("{}; {} had already returned {}", fail.got, self.call, short_debug(value));
                fail.got(got)
            }
        }
    }

    /// Runs the grader's side of a conversation with this code, explaining a failure by the
    /// code's state (see [`Background::explain`]).
    pub fn while_running<R>(&self, grader_side: impl FnOnce() -> Result<R, Fail>) -> Result<R, Fail> {
        grader_side().map_err(|fail| self.explain(fail))
    }

    /// Waits at most `limit` for the code to return.
    pub fn join_within(self, limit: Duration) -> Result<T, Fail> {
        if let Some(result) = self.ended.borrow_mut().take() {
            return settle(&self.transcript, &self.call, result);
        }
        match self.receiver.recv_timeout(limit) {
            Ok(result) => settle(&self.transcript, &self.call, result),
            Err(RecvTimeoutError::Timeout) => {
                self.transcript.say(Who::Student, format!("still running after {limit:?}"));
                Err(Fail::new(format!("called {}", self.call))
                    .expected(format!("it to return within {limit:?}"))
                    .got("it was still running")
                    .hint("look for a loop that never ends or a read/accept that waits forever"))
            }
            Err(RecvTimeoutError::Disconnected) => {
                let panic = take_panic(self.thread).unwrap_or_else(Panicked::unknown);
                settle(&self.transcript, &self.call, Err(panic))
            }
        }
    }
}

fn settle<T: Debug>(transcript: &Transcript, call: &str, result: Result<T, Panicked>) -> Result<T, Fail> {
    match result {
        Ok(value) => {
            transcript.say(Who::Student, format!("returned {}", short_debug(&value)));
            Ok(value)
        }
        Err(panic) => {
            transcript.say(Who::Student, format!("panicked: {panic}"));
            Err(panic.into_fail(call))
        }
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

/// Runs `f`, turning a panic into the panic's record.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, Panicked> {
    install_panic_hook();
    GUARDED.with(|guarded| guarded.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|guarded| guarded.set(false));
    result.map_err(|payload| last_panic_on_this_thread(&*payload))
}

/// The record of the panic that just unwound this thread, from the hook, or else from its payload.
pub(crate) fn last_panic_on_this_thread(payload: &(dyn Any + Send)) -> Panicked {
    take_panic(thread::current().id()).unwrap_or_else(|| Panicked::from_payload(payload))
}

/// What is known about a panic in student code.
#[derive(Clone, Debug)]
pub struct Panicked {
    /// The panic message.
    pub message: String,
    /// `file:line:column`, relative to the working directory where possible.
    pub location: Option<String>,
    thread: Option<ThreadId>,
}

impl Panicked {
    fn unknown() -> Self {
        Panicked { message: "(no message)".to_owned(), location: None, thread: None }
    }

    fn from_payload(payload: &(dyn Any + Send)) -> Self {
        Panicked { message: payload_message(payload), location: None, thread: None }
    }

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

thread_local! {
    /// Set while a thread runs student code inside [`guarded`]: its panics are reported by the
    /// call that caught them, not as stray panics.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Panics recorded by the hook and not yet claimed by a call.
static PANICS: Mutex<Vec<Panicked>> = Mutex::new(Vec::new());
/// Where stray panics (in threads of student code) are reported as they happen.
static STRAY_PANICS_TO: OnceLock<Transcript> = OnceLock::new();

/// Reports panics on threads that no call is watching (threads student code started) into
/// `transcript`, as they happen. Set once per process, by the check runner.
pub fn report_stray_panics_to(transcript: Transcript) {
    install_panic_hook();
    let _ = STRAY_PANICS_TO.set(transcript);
}

/// Replaces the default panic hook (which prints a message and maybe a backtrace to stderr) with
/// one that records the panic for the failure message. Idempotent.
pub fn install_panic_hook() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        panic::set_hook(Box::new(|info| {
            let panic = Panicked {
                message: payload_message(info.payload()),
                location: info.location().map(|l| format!("{}:{}:{}", relative(l.file()), l.line(), l.column())),
                thread: Some(thread::current().id()),
            };
            let guarded = GUARDED.with(Cell::get);
            if !guarded && let Some(transcript) = STRAY_PANICS_TO.get() {
                let name = thread::current().name().unwrap_or("unnamed").to_owned();
                transcript.say(Who::Student, format!("a thread ({name}) panicked: {panic}"));
            }
            PANICS.lock().unwrap_or_else(PoisonError::into_inner).push(panic);
        }));
    });
}

fn take_panic(thread: ThreadId) -> Option<Panicked> {
    let mut panics = PANICS.lock().unwrap_or_else(PoisonError::into_inner);
    let index = panics.iter().rposition(|p| p.thread == Some(thread))?;
    Some(panics.remove(index))
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

/// A source path as the student knows it: relative to the working directory when it is below it.
fn relative(file: &str) -> String {
    let path = Path::new(file);
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(|p| p.display().to_string()))
        .unwrap_or_else(|| file.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::EventLog;

    fn ctx() -> Ctx {
        Ctx::new(Transcript::new(EventLog::in_memory()), Bins::default())
    }

    #[test]
    fn a_todo_becomes_a_not_written_yet_failure() {
        let ctx = ctx();
        let fail = ctx.call("stub()", || -> u8 { todo!() }).unwrap_err();
        assert!(fail.got.starts_with("it is not written yet: todo!() at "), "{fail:?}");
        assert!(fail.got.contains("ctx.rs:"), "{fail:?}");
        assert!(!fail.grader_error);
    }

    #[test]
    fn a_panic_becomes_a_failure_with_its_message() {
        let ctx = ctx();
        let fail = ctx.call("f()", || -> u8 { panic!("boom") }).unwrap_err();
        assert!(fail.got.starts_with("a panic: boom (at "), "{fail:?}");
        assert!(fail.hint.unwrap().contains("errors are values"));
    }

    #[test]
    fn a_returned_value_is_recorded() {
        let ctx = ctx();
        assert_eq!(ctx.call("f()", || 7).unwrap(), 7);
        let lines = ctx.transcript().lines();
        assert_eq!(lines[0].to_string(), "grader    → calls f()");
        assert_eq!(lines[1].to_string(), "your code → returned 7");
    }

    #[test]
    fn a_call_that_does_not_return_in_time_fails() {
        let ctx = ctx();
        let fail = ctx
            .call_within("sleepy()", Duration::from_millis(20), || thread::sleep(Duration::from_secs(2)))
            .unwrap_err();
        assert_eq!(fail.got, "it was still running");
    }

    #[test]
    fn a_panic_on_a_background_thread_is_reported_by_its_join() {
        let ctx = ctx();
        let fail = ctx.call_within("f()", Duration::from_secs(5), || -> u8 { panic!("in thread") }).unwrap_err();
        assert!(fail.got.contains("in thread"), "{fail:?}");
    }

    #[test]
    fn a_failure_of_the_grader_side_is_explained_by_a_panic_of_the_code() {
        let ctx = ctx();
        let background = ctx.spawn("f()", || -> u8 { todo!() });
        let fail = background
            .while_running(|| -> Result<(), Fail> { Err(Fail::new("waited").got("no connection")) })
            .unwrap_err();
        assert!(fail.got.starts_with("it is not written yet"), "{fail:?}");
        // The join reports the same panic rather than waiting again.
        let fail = background.join_within(Duration::from_secs(5)).unwrap_err();
        assert!(fail.got.starts_with("it is not written yet"), "{fail:?}");
    }

    #[test]
    fn a_failure_is_kept_while_the_code_still_runs_and_a_return_is_mentioned() {
        let ctx = ctx();
        let running = ctx.spawn("slow()", || thread::sleep(Duration::from_secs(2)));
        let fail = running.explain(Fail::new("waited").got("no connection"));
        assert_eq!(fail.got, "no connection");
        let returned = ctx.spawn("quick()", || 7);
        thread::sleep(Duration::from_millis(50));
        let fail = returned.explain(Fail::new("waited").got("no connection"));
        assert_eq!(fail.got, "no connection; quick() had already returned 7");
        assert_eq!(returned.join_within(Duration::from_secs(5)).unwrap(), 7);
    }

    #[test]
    fn long_debug_text_is_cut() {
        let shown = short_debug(&"x".repeat(500));
        assert!(shown.ends_with('…'));
        assert_eq!(shown.chars().count(), SHOWN_DEBUG + 1);
    }
}
