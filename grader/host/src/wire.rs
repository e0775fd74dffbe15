//! What travels between the judge and the student host: the envelope of every request and reply,
//! and the shapes in which student values cross the process boundary (an `io::Error` becomes an
//! [`IoError`], a socket the host keeps becomes a [`Handle`] with its addresses).
//!
//! Each exercise adds its own `Call` enum (in `grader/checks/NN-name/src/wire.rs`), carried inside
//! [`Request::call`] as JSON.

use std::fmt;
use std::io;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// The fd number at which the host finds its end of the channel.
pub const CHANNEL_FD: i32 = 3;

/// The largest message either side sends; a reply that would be larger is replaced by
/// [`Outcome::TooLarge`].
pub const MAX_MESSAGE: usize = 128 * 1024;

/// A request of the judge: perform `call` (an exercise's `Call`, as JSON), with the sockets sent
/// alongside it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Request {
    /// Matches the reply to the request.
    pub id: u64,
    /// The exercise's call.
    pub call: serde_json::Value,
}

/// A message of the host.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Message {
    /// The host is ready for requests.
    Ready,
    /// What a call did.
    Reply {
        /// The request's id.
        id: u64,
        /// What happened.
        outcome: Outcome,
    },
    /// A panic on a thread that no call is waiting for (one student code started).
    Stray {
        /// The thread's name, or `unnamed`.
        thread: String,
        /// The panic.
        panic: PanicInfo,
    },
}

/// What a call did.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Outcome {
    /// Student code returned this value (in the shape the exercise's call defines).
    Returned(serde_json::Value),
    /// Student code panicked.
    Panicked(PanicInfo),
    /// The value was too large to send back.
    TooLarge {
        /// Its size as JSON.
        bytes: usize,
    },
    /// The host could not perform the call as asked (an unknown handle, a missing socket).
    Refused(String),
    /// The host could not start a thread for the call: student code used up the threads or
    /// processes it may have.
    Exhausted(String),
}

/// A panic in student code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanicInfo {
    /// The panic message.
    pub message: String,
    /// `file:line:column`, as compiled.
    pub location: Option<String>,
}

/// A value the host keeps for later calls (a listener, a stream, a client object), by number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Handle(pub u64);

/// A listening socket the host keeps, with the address it reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    /// Names it in later calls.
    pub handle: Handle,
    /// Its `local_addr()` as the host read it (evidence: the judge connects to check it).
    pub addr: Option<SocketAddr>,
}

/// A connected stream the host keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stream {
    /// Names it in later calls.
    pub handle: Handle,
    /// Its `local_addr()`.
    pub local: Option<SocketAddr>,
    /// Its `peer_addr()`.
    pub peer: Option<SocketAddr>,
}

/// An `io::Error` as it crossed the boundary: its kind, its message and its `Debug` text.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IoError {
    /// `format!("{:?}", error.kind())`, e.g. `AddrInUse`.
    pub kind: String,
    /// `error.to_string()`.
    pub message: String,
    /// `format!("{error:?}")`, shown in failure messages.
    pub debug: String,
    /// `error.raw_os_error()`.
    pub code: Option<i32>,
}

/// A result whose error is an `io::Error`.
pub type IoResult<T> = Result<T, IoError>;

impl IoError {
    /// Whether the error is of `kind`.
    pub fn is(&self, kind: io::ErrorKind) -> bool {
        self.kind == format!("{kind:?}")
    }
}

impl From<&io::Error> for IoError {
    fn from(error: &io::Error) -> Self {
        IoError {
            kind: format!("{:?}", error.kind()),
            message: error.to_string(),
            debug: format!("{error:?}"),
            code: error.raw_os_error(),
        }
    }
}

impl From<io::Error> for IoError {
    fn from(error: io::Error) -> Self {
        IoError::from(&error)
    }
}

impl fmt::Debug for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.debug)
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Turns an `io::Result` into its wire shape.
pub fn io<T>(result: io::Result<T>) -> IoResult<T> {
    result.map_err(IoError::from)
}

/// An `io::Error` the judge asks the host to build (to hand to student code): a kind, by its
/// `Debug` name, and an optional message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MakeError {
    /// The kind's name, e.g. `PermissionDenied`.
    pub kind: String,
    /// The message; without one the error is `io::Error::from(kind)`.
    pub message: Option<String>,
}

impl MakeError {
    /// An error of `kind`, without a message.
    pub fn of(kind: io::ErrorKind) -> Self {
        MakeError { kind: format!("{kind:?}"), message: None }
    }

    /// An error of `kind` with `message`.
    pub fn with(kind: io::ErrorKind, message: &str) -> Self {
        MakeError { kind: format!("{kind:?}"), message: Some(message.to_owned()) }
    }

    /// The error itself (an unknown kind becomes `Other`).
    pub fn build(&self) -> io::Error {
        let kind = KINDS.iter().copied().find(|k| format!("{k:?}") == self.kind).unwrap_or(io::ErrorKind::Other);
        match &self.message {
            Some(message) => io::Error::new(kind, message.clone()),
            None => io::Error::from(kind),
        }
    }
}

/// The kinds a check may ask for.
const KINDS: [io::ErrorKind; 16] = [
    io::ErrorKind::NotFound,
    io::ErrorKind::PermissionDenied,
    io::ErrorKind::ConnectionRefused,
    io::ErrorKind::ConnectionReset,
    io::ErrorKind::ConnectionAborted,
    io::ErrorKind::NotConnected,
    io::ErrorKind::AddrInUse,
    io::ErrorKind::AddrNotAvailable,
    io::ErrorKind::BrokenPipe,
    io::ErrorKind::WouldBlock,
    io::ErrorKind::InvalidInput,
    io::ErrorKind::InvalidData,
    io::ErrorKind::TimedOut,
    io::ErrorKind::Interrupted,
    io::ErrorKind::UnexpectedEof,
    io::ErrorKind::Other,
];
