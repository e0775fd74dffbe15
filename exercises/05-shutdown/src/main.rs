//! The program of exercise 05: a half-closing client, like `nc -N`. It sends everything you type
//! (or pipe in) as one request, half-closes, and prints the whole reply.
//!
//! ```text
//! $ printf 'ready at 12:30\n' | nc -l 127.0.0.1 9000     # terminal 1: a server, its reply ready
//! $ cargo run -p shutdown -- 127.0.0.1:9000              # terminal 2: type, then Ctrl-D
//! ORDER margherita 2
//! ready at 12:30
//! ```
//!
//! Ctrl-D ends the input: the program sends all of it, half-closes, and prints the reply once `nc`
//! has closed. An `nc -l` with no reply ready closes as soon as it sees the end of the request, and
//! the program says so: `error: talking to 127.0.0.1:9000: the server closed the connection without
//! replying`.

use std::process::ExitCode;

/// Sends all of standard input to the server at the first argument (`127.0.0.1:8080` when there
/// is none) with [`shutdown::exchange`], and writes the reply to standard output.
///
/// - Parse the address as a `SocketAddr` first, so that a typo is reported before the user types
///   a whole request. A bad address is an error, not a panic.
/// - Read **all** of standard input into a `Vec<u8>` (`std::io::stdin().read_to_end`, from
///   `std::io::Read`): the request is everything up to the end of the input, not the first line.
/// - On success, write the reply's bytes as they are with `std::io::stdout().write_all(&reply)`
///   (from `std::io::Write`) — not `println!`, which would add a newline — and return
///   [`ExitCode::SUCCESS`].
/// - On any failure (a bad address, a refused connection, a server that hangs up without a
///   reply): print `error: ` and the error, one line naming the address, on standard error with
///   `eprintln!`, and return [`ExitCode::FAILURE`]. Neither `parse`'s error nor a refused
///   connection's names it: add it, as in `error: talking to 127.0.0.1:9000: Connection refused
///   (os error 111)` or `error: "nowhere" is not a socket address`. Never panic.
fn main() -> ExitCode {
    todo!("parse the address, read standard input, exchange, write the reply or a one-line error")
}
