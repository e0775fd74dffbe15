//! The student host and the wire between it and the judge.
//!
//! A grade runs two kinds of code (see "The trust boundary" in the kit's design):
//!
//! - the **judge** (`grader/checks/NN-name/src/main.rs` with the `grader` harness) runs a check's
//!   logic and decides its verdict; it is built from the kit alone and never links student code;
//! - the **student host** (`grader/checks/NN-name/src/host.rs` with this crate's [`serve`]) is the
//!   student's crate linked with a dispatch the kit writes. It performs the calls the judge asks for
//!   and replies with what happened: a value, an error, a panic.
//!
//! They talk over a Unix socket pair ([`channel`]): typed requests and replies ([`wire`]), and the
//! sockets the judge hands over. Whatever the host says is evidence for the judge, never a verdict.

pub mod channel;
pub mod interrupt;
pub mod serve;
pub mod stingy;
pub mod wire;

pub use serve::{Host, run};
pub use wire::{Handle, IoError, IoResult, Listener, Stream};
