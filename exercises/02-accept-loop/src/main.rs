//! The program of exercise 02: an accept loop that greets every client.
//!
//! ```text
//! $ cargo run -p accept-loop -- 127.0.0.1:8080
//! listening on 127.0.0.1:8080
//! ```
//!
//! In another terminal, `cargo xtask talk 127.0.0.1:8080` (or `nc 127.0.0.1 8080`), type a word
//! and press Enter: the server answers `Hello, client!` and closes. Try again: the same server
//! answers again.

use std::process::ExitCode;

/// Binds the address in the first command-line argument (`127.0.0.1:8080` when there is none),
/// prints `listening on ADDR` (the listener's real local address), and serves clients forever
/// with [`accept_loop::serve`] and [`accept_loop::greet`].
///
/// If binding (or `serve`) fails, print one line on stderr with `eprintln!` that starts with
/// `error: ` and **names the address** as well as the error, for example
/// `error: cannot listen on 127.0.0.1:8080: Address already in use (os error 98)` (the
/// `io::Error` of a failed bind does not say which address it was about), and return
/// [`ExitCode::FAILURE`]. Never panic.
fn main() -> ExitCode {
    todo!("bind, print the address, serve forever; report errors in one line")
}
