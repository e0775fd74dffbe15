//! # Exercise 02 — the accept loop
//!
//! A bound, listening socket does not talk to anyone. It is a switchboard: clients queue up at it
//! (the *backlog*), and each call to [`TcpListener::accept`] takes the next one and returns a
//! **new socket**, a [`TcpStream`] connected to that one client. The listening socket stays as it
//! was, ready for the next client. A server's life is therefore a loop:
//!
//! ```text
//! bind → listen → ┌→ accept ──→ new socket ─→ read/write ─→ close ─┐
//!                 └────────────────────────────────────────────────┘
//! ```
//!
//! Two mistakes are common. Binding again for every client: the address is already taken by your
//! own listener, and clients waiting in the backlog are dropped. And letting one client's failure
//! end the loop: a client that disconnects early, or a handler that returns an error, is that
//! client's problem — the server reports it and goes back to `accept`.
//!
//! Fill in [`serve`] and [`greet`], then `src/main.rs`. Check with `cargo xtask grade 02`.

use std::io;
use std::net::{TcpListener, TcpStream};

/// What the server sends to each client that says something.
pub const GREETING: &str = "Hello, client!\n";

/// What [`serve`] did, returned when it stops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// How many connections were accepted and handed to the handler.
    pub served: usize,
    /// How many of those the handler returned an error for.
    pub failed: usize,
}

/// Accepts clients on `listener` one after another and hands each new connection to `handler`.
///
/// - Loop: [`TcpListener::accept`] gives `(stream, peer_address)`; call `handler(stream)`.
/// - A handler error is about that one client: print it on stderr with the client's address
///   (`eprintln!("client {peer}: {error}")`), count it in [`Summary::failed`], and go on
///   accepting. Never stop the loop, never panic, because of one client.
/// - An error from `accept` itself is a problem of the listening socket: return it with `?`.
/// - With `limit: Some(n)`, return `Ok(summary)` once `n` connections have been handed to the
///   handler; with `None`, serve forever.
///
/// The listener is borrowed: bind it once (exercise 01), outside this function, and keep it.
///
/// The handler is generic (`FnMut`) so that the program can pass [`greet`] and the grader can
/// pass handlers of its own.
pub fn serve<H>(listener: &TcpListener, limit: Option<usize>, handler: H) -> io::Result<Summary>
where
    H: FnMut(TcpStream) -> io::Result<()>,
{
    todo!("accept in a loop, call the handler, count; stop after `limit` connections")
}

/// Serves one client the way the classic first client program expects: do **one** `read` of up
/// to 1024 bytes, and if the client sent anything, reply [`GREETING`] with `write_all`.
///
/// - Do not wait for a newline or for the end of the stream: that client sends a short message
///   without a newline and then waits for your answer. One `read` is what it needs.
/// - A `read` that returns `Ok(0)` means the client closed the connection without a word:
///   return `Ok(())`, there is no one to answer.
/// - Errors (a reset connection...) are returned with `?`.
///
/// The connection closes when `stream` is dropped at the end of this function; the client then
/// sees the end of the stream.
pub fn greet(stream: TcpStream) -> io::Result<()> {
    todo!("read once; if anything came, write_all the greeting")
}
