//! The calls the judge of 06-thread-per-client asks the student host to perform, and the shapes in
//! which the answers come back. Shared by the judge (`main.rs`) and the host (`host.rs`).

use serde::{Deserialize, Serialize};

/// What the exercise's `GREETING` is. The judge does not link the exercise, and a greeting the
/// graded crate redefined must not change what the checks expect.
pub const GREETING: &str = "Hello, client!\n";

/// A call into the student's crate.
#[derive(Debug, Serialize, Deserialize)]
pub enum Call {
    /// `greet(stream)` on the stream the judge passes → `IoResult<()>`.
    Greet,
    /// `serve(&listener, handler)` on the listener the judge passes → `IoResult<()>`; it returns
    /// only when `accept` fails.
    Serve(Handler),
}

/// The handler the host passes to `serve`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum Handler {
    /// The student's `greet`.
    Greet,
    /// The kit's `echo_line`: reads one line and answers `got: LINE`; a client that leaves before
    /// the end of its line is an error, as for any line protocol. It runs in the host, and what it
    /// does reaches the judge only through the connection it is handed.
    EchoLine,
}

impl Handler {
    /// The handler as the conversation names it, in `serve(&listener, HANDLER)`.
    pub fn shown(self) -> &'static str {
        match self {
            Handler::Greet => "greet",
            Handler::EchoLine => "echo_line",
        }
    }
}
