//! The program of exercise 01: binds the address given on the command line and says so.
//!
//! ```text
//! $ cargo run -p bind -- 127.0.0.1:0
//! Socket created and bound to 127.0.0.1:40213
//! $ cargo run -p bind -- 127.0.0.1:80x
//! error: "127.0.0.1:80x" is not a socket address ...
//! ```

use std::process::ExitCode;

/// Binds the address in the first command-line argument (`127.0.0.1:8080` when there is none).
///
/// - On success, print `Socket created and bound to ADDR` on standard output, where ADDR is the
///   listener's real local address (ask the listener: with port 0 it is not the port you asked
///   for), and return [`ExitCode::SUCCESS`].
/// - On failure, print `error: ` followed by the error's message — one line — on standard error
///   with `eprintln!`, and return [`ExitCode::FAILURE`]. Never panic: a user should see your message,
///   not a Rust backtrace.
///
/// Hints: `std::env::args().nth(1)` is the first argument; [`bind::bind`] does the work;
/// `listener.local_addr()` can fail too (it returns an `io::Result`).
fn main() -> ExitCode {
    todo!("bind the address from the command line and report the outcome")
}
