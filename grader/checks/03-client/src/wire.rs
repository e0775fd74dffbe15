//! The calls the judge of 03-client asks the student host to perform, and the shapes in which the
//! answers come back. Shared by the judge (`main.rs`) and the host (`host.rs`).
//!
//! `send_all` and `receive_line` take any writer or reader; the checks give them in-memory ones
//! that move a few bytes per call. Those are kit code in the host, described here by what they do.

use std::net::SocketAddr;

use grader_host::wire::IoResult;
use serde::{Deserialize, Serialize};

/// A call into the student's crate.
#[derive(Debug, Serialize, Deserialize)]
pub enum Call {
    /// `talk(addr, &message)` → `IoResult<String>`.
    Talk(SocketAddr, String),
    /// `receive_line(reader)`, with a reader that returns `data` at most `per_read` bytes per
    /// `read`, then end of file → `IoResult<String>`.
    ReceiveLine {
        /// Everything the reader has to give.
        data: Vec<u8>,
        /// The most one `read` returns.
        per_read: usize,
    },
    /// `send_all(&mut writer, &message)`, with a writer that accepts at most `per_write` bytes per
    /// `write` → [`Sent`].
    SendAll {
        /// The message handed to `send_all`.
        message: Vec<u8>,
        /// The most one `write` accepts.
        per_write: usize,
    },
}

/// What `send_all` returned, and every byte its writer accepted.
pub type Sent = (IoResult<()>, Vec<u8>);
