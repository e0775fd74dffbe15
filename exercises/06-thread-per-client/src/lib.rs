//! # Exercise 06 — one socket, and one thread, per client
//!
//! Every `accept` returns a new socket for one client (exercise 02). But the accept loop of
//! exercise 02 serves clients **one after another**: while it waits in `read` for the first
//! client to say something, the second client waits in the backlog, unanswered. One slow or idle
//! client — someone who opened `nc` and went for coffee — blocks everybody.
//!
//! ```text
//! one after another:   accept A → read A (waits…) ─────────────→ accept B → read B → …
//! a thread per client: accept A → accept B → accept C → …
//!                            └→ thread: read A (waits…) → reply A
//!                                       └→ thread: read B → reply B
//! ```
//!
//! The fix is to give every accepted connection its own thread: the loop only accepts, hands the
//! new socket to [`std::thread::spawn`] and goes straight back to `accept`. Each thread owns its
//! socket (`move` it into the closure) and closes it by dropping it when it is done.
//!
//! What happens in one client's thread stays in that thread: an error, a disconnect, even a panic
//! ends that thread only. The accept loop never waits for a client thread to finish (no `join`),
//! or it would be back to one client at a time.
//!
//! Fill in [`greet`] (the handler of exercise 02: you may copy yours) and [`serve`], then
//! `src/main.rs`. Check your work with `cargo xtask grade 06`.

use std::io;
use std::net::{TcpListener, TcpStream};

/// What the server sends to each client that says something.
pub const GREETING: &str = "Hello, client!\n";

/// Serves one client the way the classic first client program expects: do **one** `read` of up
/// to 1024 bytes, and if the client sent anything, reply [`GREETING`] with `write_all`.
///
/// - Do not wait for a newline or for the end of the stream: that client sends a short message
///   without a newline (`Hello, server!`) and then waits for your answer. One `read` is what it
///   needs.
/// - A `read` that returns `Ok(0)` means the client closed the connection without a word:
///   return `Ok(())`, there is no one to answer.
/// - Errors (a reset connection...) are returned with `?`.
///
/// The connection closes when `stream` is dropped at the end of this function.
pub fn greet(stream: TcpStream) -> io::Result<()> {
    todo!("read once; if anything came, write_all the greeting")
}

/// Accepts clients on `listener` forever and serves each one on **a thread of its own** by calling
/// `handler(stream)` there.
///
/// - Loop: `let (stream, peer) = listener.accept()?;` then start a thread that owns `stream`
///   (`std::thread::spawn(move || ...)`) and calls `handler(stream)`. Do not wait for the thread:
///   go straight back to `accept`.
/// - In the thread, a handler error is about that one client: print it on stderr with the
///   client's address (`eprintln!("client {peer}: {error}")`). Never let it reach the accept loop.
/// - An error from `accept` itself is a problem of the listening socket: return it with `?`. That
///   is the only way this function returns.
///
/// `handler` is a plain function pointer (`fn`), such as [`greet`]: it can be copied into every
/// thread. The grader passes handlers of its own, too.
///
/// Hint: `std::thread::Builder::new().name(format!("client {peer}")).spawn(...)` names the thread
/// (panic messages then say which client) and returns an `io::Result` instead of panicking when
/// the system cannot start another thread: report that error and keep accepting.
pub fn serve(listener: &TcpListener, handler: fn(TcpStream) -> io::Result<()>) -> io::Result<()> {
    todo!("accept in a loop; spawn a thread per connection that calls handler(stream)")
}
