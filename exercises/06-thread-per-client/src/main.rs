//! The program of exercise 06: a greeting server that serves every client on its own thread.
//!
//! ```text
//! $ cargo run -p thread-per-client -- 127.0.0.1:8080
//! listening on 127.0.0.1:8080
//! ```
//!
//! In a second terminal, `nc 127.0.0.1 8080` and leave it idle. In a third one, run the client of
//! exercise 03 (or `nc 127.0.0.1 8080`, type a word, press Enter): it is greeted at once, although
//! the first client has not said anything yet.

use std::process::ExitCode;

/// Binds the address in the first command-line argument (`127.0.0.1:8080` when there is none),
/// prints `listening on ADDR` (the listener's real local address, from `local_addr()`), and
/// serves clients forever with [`thread_per_client::serve`] and [`thread_per_client::greet`].
///
/// If binding (or `serve`) fails, print `error: ` and the error — one line, naming the address —
/// on stderr with `eprintln!` and return [`ExitCode::FAILURE`]. Never panic.
fn main() -> ExitCode {
    todo!("bind, print the address, serve forever with a thread per client; report errors in one line")
}
