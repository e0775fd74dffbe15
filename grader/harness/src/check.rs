//! How a check is declared: a named, time-limited test of one step of the socket lifecycle, and
//! the failure it reports when student code does not do what the step requires.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ctx::Ctx;

/// How long a check may run unless it says otherwise. Generous for loopback work, short enough
/// that a hung accept loop does not keep a student waiting.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// What a check is worth unless it says otherwise.
pub const DEFAULT_POINTS: u32 = 1;

/// The step of the socket lifecycle a check is about. Failure messages name it, so that a student
/// knows which part of the chapter to re-read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Creating a socket and giving it a local address.
    Bind,
    /// Taking the next client from the listening socket: a new socket per client.
    Accept,
    /// A client opening a connection to a server.
    Connect,
    /// Moving bytes over a connected socket.
    ReadWrite,
    /// Socket options: timeouts, Nagle's algorithm, TTL.
    Options,
    /// Ending a connection: `shutdown` (half-close) and `drop` (close).
    Close,
    /// Serving several clients at once.
    Concurrency,
    /// Speaking an application protocol on top of the byte stream.
    Protocol,
}

impl Step {
    /// The short name shown beside a check, e.g. `bind`.
    pub fn label(self) -> &'static str {
        match self {
            Step::Bind => "create + bind",
            Step::Accept => "listen + accept",
            Step::Connect => "connect",
            Step::ReadWrite => "read/write",
            Step::Options => "socket options",
            Step::Close => "close/shutdown",
            Step::Concurrency => "one socket per client",
            Step::Protocol => "protocol",
        }
    }

    /// One sentence on what the step is, for failure messages.
    pub fn explain(self) -> &'static str {
        match self {
            Step::Bind => "a new socket gets its local address (IP and port) before it can listen",
            Step::Accept => "a listening socket hands out a new, separate socket for every client it accepts",
            Step::Connect => "a client socket asks a listening server for a connection",
            Step::ReadWrite => {
                "a connection is a stream of bytes: one read may return part of what was sent, \
                 and one write may send only part of what you give it"
            }
            Step::Options => "options change how a socket behaves: how long reads wait, etc.",
            Step::Close => {
                "closing a socket (dropping it, in Rust) ends its connection: the peer reads what \
                 was sent, then end-of-file; a half-close ends only one direction"
            }
            Step::Concurrency => "each accepted client is served independently of the others",
            Step::Protocol => "both sides agree on where a message ends and what it means",
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What a check returns: `Ok(())` when student code did what the step requires.
pub type Outcome = Result<(), Fail>;

/// One hidden check. Declared as a constant in a check crate:
///
/// ```
/// use grader::{Check, Ctx, Outcome, Step};
/// fn binds(_ctx: &mut Ctx) -> Outcome { Ok(()) }
/// const CHECK: Check = Check::new("ephemeral-port", "binding port 0 gives a real port", Step::Bind, binds)
///     .timeout_ms(2000)
///     .on_timeout("does your bind wait for something?")
///     .points(2);
/// ```
#[derive(Clone, Copy)]
pub struct Check {
    /// Stable identifier, unique within the exercise (kebab-case): used on the command line and in
    /// machine-readable reports.
    pub id: &'static str,
    /// What the check establishes, in words a student understands.
    pub title: &'static str,
    /// The lifecycle step under test.
    pub step: Step,
    /// The check itself.
    pub run: fn(&mut Ctx) -> Outcome,
    /// The time limit of the whole check, enforced from outside the process.
    pub timeout: Duration,
    /// What to suggest when the time limit is hit.
    pub timeout_hint: &'static str,
    /// What passing the check is worth (its weight in a score).
    pub points: u32,
    /// Run at final grading only; see [`Check::private`].
    pub private: bool,
}

impl Check {
    /// A check with the default time limit.
    pub const fn new(id: &'static str, title: &'static str, step: Step, run: fn(&mut Ctx) -> Outcome) -> Self {
        Check {
            id,
            title,
            step,
            run,
            timeout: DEFAULT_TIMEOUT,
            timeout_hint: "",
            points: DEFAULT_POINTS,
            private: false,
        }
    }

    /// Sets what passing the check is worth: more than one point for the checks that take the most
    /// work (a whole program, a server that must survive bad clients).
    pub const fn points(mut self, points: u32) -> Self {
        self.points = points;
        self
    }

    /// Declares the check private: it runs at final grading (the instructor's modes: `--solutions`,
    /// `--tree`, batch, Gradescope), not in a student's `cargo xtask grade`, and its source stays out
    /// of the student copy of the kit. Private checks live in the check crate's `src/private.rs`.
    pub const fn private(mut self) -> Self {
        self.private = true;
        self
    }

    /// Overrides the time limit.
    pub const fn timeout_ms(mut self, millis: u64) -> Self {
        self.timeout = Duration::from_millis(millis);
        self
    }

    /// The hint shown when the time limit is hit, e.g. "is your accept loop waiting for a client
    /// that never comes?".
    pub const fn on_timeout(mut self, hint: &'static str) -> Self {
        self.timeout_hint = hint;
        self
    }

    /// The serialisable description a runner prints for the grading process.
    pub fn info(&self) -> CheckInfo {
        CheckInfo {
            id: self.id.to_owned(),
            title: self.title.to_owned(),
            step: self.step,
            timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
            timeout_hint: self.timeout_hint.to_owned(),
            points: self.points,
            private: self.private,
        }
    }
}

/// A check as the grading process knows it: everything but the code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInfo {
    /// See [`Check::id`].
    pub id: String,
    /// See [`Check::title`].
    pub title: String,
    /// See [`Check::step`].
    pub step: Step,
    /// See [`Check::timeout`].
    pub timeout_ms: u64,
    /// See [`Check::timeout_hint`].
    pub timeout_hint: String,
    /// See [`Check::points`]. Check lists remembered before points existed weigh 1.
    #[serde(default = "default_points")]
    pub points: u32,
    /// See [`Check::private`].
    #[serde(default)]
    pub private: bool,
}

fn default_points() -> u32 {
    DEFAULT_POINTS
}

/// Why a check failed: what the grader did, what it expected, what it got, and where to look.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fail {
    /// What the grader did, e.g. `called bind("127.0.0.1:0")`.
    pub did: String,
    /// What correct code would have done.
    pub expected: String,
    /// What the student's code did instead.
    pub got: String,
    /// Where to look, or the concept to revisit.
    pub hint: Option<String>,
    /// True when the grader itself could not do its part (no ephemeral port, ...): the verdict is
    /// then an error of the grader, not a failure of the student.
    #[serde(default)]
    pub grader_error: bool,
    /// Set when the grader, as a client, found no server at its address any more: its connect
    /// was refused, or the connection was reset before an answer. Which of the two happens is a
    /// race in the kernel (a listener closed with the grader's connection in its queue resets it),
    /// so a check explains both the same way once it knows the server's call had returned
    /// ([`crate::ctx::Background::explain`]). Judge-side only.
    #[serde(skip)]
    pub(crate) server_gone: bool,
}

impl Fail {
    /// Starts a failure with what the grader did.
    pub fn new(did: impl Into<String>) -> Self {
        Fail { did: did.into(), ..Fail::default() }
    }

    /// The grader could not do its own part; not the student's fault.
    pub fn grader(problem: impl fmt::Display) -> Self {
        Fail { did: "prepared the check".to_owned(), got: problem.to_string(), grader_error: true, ..Fail::default() }
    }

    /// What correct code would have done.
    #[must_use]
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = expected.into();
        self
    }

    /// What happened instead.
    #[must_use]
    pub fn got(mut self, got: impl Into<String>) -> Self {
        self.got = got.into();
        self
    }

    /// Rewrites a failure marked [`Fail::server_gone`] once its cause is known, in the words it
    /// reads in whichever way the kernel ended the connection: `server` is who should have
    /// accepted (`your server`, `the program`), `why` what ended it (`serve(..) had already
    /// returned Ok(..)`). The hint is kept.
    pub(crate) fn nobody_listening(self, server: &str, why: &str) -> Fail {
        Fail {
            did: "connected another client to your server".to_owned(),
            expected: format!("{server} to accept it and answer"),
            got: format!("nothing listened there any more (the connection was refused or reset): {why}"),
            ..self
        }
    }

    /// Where to look. Replaces an earlier hint.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the grader {}; expected {}; got {}", self.did, self.expected, self.got)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// Marks an I/O result of the grader's *own* work (its listener, its client socket) so that a
/// failure becomes a grader error. Deliberately not a `From` impl: `?` on a student's `io::Error`
/// must never be mistaken for a fault of the grader.
pub trait Setup<T> {
    /// Converts the error into [`Fail::grader`], naming what the grader was doing.
    fn setup(self, doing: &str) -> Result<T, Fail>;
}

impl<T> Setup<T> for std::io::Result<T> {
    fn setup(self, doing: &str) -> Result<T, Fail> {
        self.map_err(|error| Fail::grader(format!("{doing}: {error}")))
    }
}
