//! The calls the judge of 02-accept-loop asks the student host to perform, and the shapes in which
//! the answers come back. Shared by the judge (`main.rs`) and the host (`host.rs`).

use serde::{Deserialize, Serialize};

/// What the exercise's `GREETING` is. The judge does not link the exercise, and a greeting the
/// graded crate redefined must not change what the checks expect.
pub const GREETING: &str = "Hello, client!\n";

/// A call into the student's crate.
#[derive(Debug, Serialize, Deserialize)]
pub enum Call {
    /// `serve(&listener, Some(limit), handler)` on the listener the judge passes →
    /// `IoResult<Summary>`. The listener is dropped when `serve` returns.
    Serve {
        /// The `limit`, always `Some`: a check must end.
        limit: usize,
        /// The handler `serve` calls for each client.
        handler: Handler,
    },
    /// `greet(stream)` on the stream the judge passes → `IoResult<()>`.
    Greet,
}

/// The handler the host passes to `serve`. All but `Greet` are the kit's: they run in the host,
/// and what they do reaches the judge only through the connection they are handed.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum Handler {
    /// The student's `greet`.
    Greet,
    /// Writes `you are client N` (N counts the calls) and, on a second line, the peer address of
    /// the stream it was handed, for the judge to compare with its own client's address.
    TellsClientNumber,
    /// Fails for the first client without a word; greets the others as the exercise says,
    /// independently of the student's `greet`.
    FailsFirst,
}

impl Handler {
    /// The handler as the conversation names it, in `serve(&listener, Some(N), HANDLER)`.
    pub fn shown(self) -> &'static str {
        match self {
            Handler::Greet => "greet",
            Handler::TellsClientNumber => "a handler of the grader's that replies \"you are client N\"",
            Handler::FailsFirst => "a handler that fails for the first client",
        }
    }
}

/// The student's `Summary`; its `Debug` text reads like the original's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// How many connections were accepted and handed to the handler.
    pub served: usize,
    /// How many of those the handler returned an error for.
    pub failed: usize,
}
