//! The program of exercise 07: the pizza shop, and a customer who calls it.
//!
//! ```text
//! $ cargo run -p pizza-shop -- serve 127.0.0.1:8080
//! pizza shop open on 127.0.0.1:8080
//! ```
//!
//! In another terminal, call the shop and type requests, one per line; each reply is printed. At
//! the end of the input (Ctrl-D) the program says `QUIT` for you:
//!
//! ```text
//! $ cargo run -p pizza-shop -- call 127.0.0.1:8080
//! MENU
//! OK margherita marinara funghi diavola
//! ORDER funghi 2
//! OK 1
//! OK bye
//! ```
//!
//! `nc 127.0.0.1 8080` works as a client too: the protocol is plain text.

use std::process::ExitCode;

/// Two commands in one program: `pizza-shop serve [ADDR]` and `pizza-shop call [ADDR]`, where
/// ADDR is `127.0.0.1:8080` when it is not given.
///
/// **`serve [ADDR]`**: bind ADDR, print `pizza shop open on ADDR` (the listener's real local
/// address) on stdout, and serve forever with [`pizza_shop::serve`] and one `Shop::default()` in an
/// `Arc`.
///
/// **`call [ADDR]`**: connect with [`pizza_shop::Client::connect`], then for each line of standard
/// input (`std::io::stdin().lines()`): send it with `Client::send` and print the reply line as it
/// came (`OK …` or `ERR …`: an `ERR` reply is an answer, not a failure of the program). If the
/// line was `QUIT`, stop there. When the input ends, send `QUIT` yourself and print its reply. Then
/// return [`ExitCode::SUCCESS`].
///
/// **Errors** — no command or an unknown one, a failed bind or connect, a shop that hangs up:
/// print `error: ` and the error, one line naming the address where there is one, on stderr with
/// `eprintln!`, and return [`ExitCode::FAILURE`]. For a missing or unknown command, the line says
/// how to use the program: `error: usage: pizza-shop serve [ADDR] | pizza-shop call [ADDR]`. Never
/// panic.
fn main() -> ExitCode {
    todo!("dispatch on the first argument: serve or call; report errors in one line")
}
