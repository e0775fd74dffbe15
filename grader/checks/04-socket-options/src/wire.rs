//! The calls the judge of 04-socket-options asks the student host to perform, and the shapes in
//! which the answers come back. Shared by the judge (`main.rs`) and the host (`host.rs`).
//!
//! The calls that work on a stream get it from the judge (passed with the request): the judge keeps
//! its own descriptor of the same socket, and reads the options back itself.

use std::net::SocketAddr;
use std::time::Duration;

use grader_host::wire::MakeError;
use serde::{Deserialize, Serialize};

/// A call into the student's crate.
#[derive(Debug, Serialize, Deserialize)]
pub enum Call {
    /// `apply(&stream, &options)` on the stream the judge passed → `IoResult<()>`.
    Apply(Options),
    /// `read_options(&stream)` on the stream the judge passed → `IoResult<Options>`.
    ReadOptions,
    /// `is_timeout(&error)` → `bool`.
    IsTimeout(MakeError),
    /// `read_line_until(&mut stream, Instant::now() + within)` on the stream the judge passed →
    /// `IoResult<String>`. The host takes the instant as the call starts, as a caller would.
    ReadLineUntil(Duration),
    /// Like `ReadLineUntil`, while the host interrupts the calling thread with a signal every
    /// `every` until the call returns, so that a blocked `read` fails with
    /// `ErrorKind::Interrupted` → `(IoResult<String>, usize)`: the result and how many signals
    /// were handled.
    ReadLineUntilInterrupted {
        /// The deadline, from the start of the call.
        within: Duration,
        /// The time between signals.
        every: Duration,
    },
    /// `request(addr, &line, timeout)` → `IoResult<String>`.
    Request(SocketAddr, String, Duration),
}

/// The student's `Options`, field by field; its `Debug` text reads like the original's, so that
/// failure messages show the values a student would write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// How long one `read` may wait; `None` waits forever.
    pub read_timeout: Option<Duration>,
    /// How long one `write` may wait; `None` waits forever.
    pub write_timeout: Option<Duration>,
    /// `TCP_NODELAY`.
    pub nodelay: bool,
    /// Time to live of outgoing IP packets.
    pub ttl: u32,
}
