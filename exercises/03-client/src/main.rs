//! The program of exercise 03: the classic first client.
//!
//! ```text
//! $ cargo run -p accept-loop -- 127.0.0.1:8080          # in one terminal: a server
//! $ cargo run -p client -- 127.0.0.1:8080 "Hello, server!"
//! Hello, client!
//! ```

use std::process::ExitCode;

/// Talks to the server at the first command-line argument (`127.0.0.1:8080` when there is none),
/// sending the second argument (`Hello, server!` when there is none) with [`client::talk`].
///
/// - On success, print the reply line on standard output and return [`ExitCode::SUCCESS`].
/// - If the address does not parse, or talking fails (connection refused...), print `error: `
///   and the error — one line — on standard error with `eprintln!` and return
///   [`ExitCode::FAILURE`]. Never panic.
fn main() -> ExitCode {
    todo!("parse the address, talk, print the reply or a one-line error")
}
