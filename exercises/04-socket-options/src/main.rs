//! The program of exercise 04: one request with a deadline. It sends a line to a server and
//! prints the reply line — or gives up when the reply does not come in time.
//!
//! ```text
//! $ nc -l 127.0.0.1 9000                                # in one terminal: you are the server
//! $ cargo run -p socket-options -- 127.0.0.1:9000 PING 5000
//! PONG                                                  # you typed PONG and Enter in nc in time
//! $ cargo run -p socket-options -- 127.0.0.1:9000 PING 500
//! error: no reply from 127.0.0.1:9000 within 500 ms     # you typed nothing
//! ```

use std::process::ExitCode;

/// Sends a request with [`socket_options::request`] and prints the reply. The arguments are
/// `ADDR LINE TIMEOUT_MS`, each optional: `127.0.0.1:8080`, `PING` and `2000` when not given.
///
/// - Parse ADDR as a `SocketAddr` and TIMEOUT_MS as a whole number of milliseconds (`u64`; then
///   `Duration::from_millis`). A bad one is an error, not a panic: no `unwrap`.
/// - On success, print the reply on standard output with `print!` — `request` returns the line
///   *with* its `\n`, so `println!` would add a second one — and return [`ExitCode::SUCCESS`].
/// - When `request` fails because the time ran out ([`socket_options::is_timeout`] tells you),
///   print `error: no reply from ADDR within TIMEOUT_MS ms` on standard error.
/// - Any other failure (a bad address or timeout, a refused connection, a timeout of 0, which
///   `request` refuses with `InvalidInput`): print `error: ` and the error, one line, on standard
///   error with `eprintln!`. The line names what it is about: the address of a refused connection
///   (`error: request to 127.0.0.1:9000: Connection refused (os error 111)`), the argument as
///   typed when it does not parse (`error: "soon" is not a timeout in milliseconds`): `parse`'s
///   own error does not say which argument was wrong.
/// - After an error, return [`ExitCode::FAILURE`]. Never panic.
fn main() -> ExitCode {
    todo!("parse the arguments, make the request, print the reply or a one-line error")
}
