//! # Exercise 03 — the client
//!
//! A client's socket has a shorter life than a server's:
//!
//! ```text
//! create → connect → write → read → close
//! ```
//!
//! [`TcpStream::connect`] creates the socket and connects it; the operating system picks the
//! client's own port. Then both sides hold a connected socket and the connection is a **stream of
//! bytes** in each direction. A stream has no messages in it, only bytes, and that has two
//! consequences every network programmer learns the hard way:
//!
//! - one `write` may send only the first part of what you give it, and tells you how much it took;
//!   [`Write::write_all`] loops until everything is sent;
//! - one `read` returns whatever has arrived so far: part of a reply, several replies, or one byte.
//!   To get a whole message you read in a loop until you see where the message ends. Here a reply
//!   ends with a newline (`\n`), the way the servers of this course end their lines.
//!
//! Connecting can fail too: with no server on that port, the operating system answers at once with
//! *connection refused* ([`std::io::ErrorKind::ConnectionRefused`]). A good client returns that as
//! an error value and lets its caller decide. Use `?` everywhere; no `unwrap()`, no `panic!`.
//!
//! Fill in the functions from top to bottom, then `src/main.rs`. Check with
//! `cargo xtask grade 03`.

use std::io::{self, Read, Write};
use std::net::SocketAddr;

/// Sends all of `message` on `writer`.
///
/// One call to `write` may accept fewer bytes than you give it; keep going until every byte is
/// sent (that is what [`Write::write_all`] does), then [`Write::flush`].
///
/// `writer` is any [`Write`]: a `TcpStream` (or `&mut TcpStream`), a file, a `Vec<u8>`... That is
/// how the grader can also hand you a writer that takes only three bytes per call.
pub fn send_all(writer: impl Write, message: &[u8]) -> io::Result<()> {
    todo!("write every byte of the message, then flush")
}

/// Reads one line from `reader`: every byte up to and including the first `\n`, returned without
/// the `\n` (and without a `\r` just before it, which some programs send).
///
/// - Read in a loop: the line may arrive in pieces, one byte per `read` in the worst case.
/// - Stop at the newline. Do **not** wait for the end of the stream: a server may keep the
///   connection open after its reply.
/// - If the stream ends (a `read` returns `Ok(0)`) before a newline, the reply is cut short:
///   return an error of kind [`io::ErrorKind::UnexpectedEof`].
/// - If the bytes are not UTF-8, return an error of kind [`io::ErrorKind::InvalidData`].
///
/// Hint: [`std::io::BufReader`] and its `read_line` do most of this. Mind what `read_line` returns
/// when the stream ends early.
pub fn receive_line(reader: impl Read) -> io::Result<String> {
    todo!("read up to the first newline; an early end of stream is UnexpectedEof")
}

/// The whole client: connects to `addr`, sends `message` with [`send_all`], reads the reply line
/// with [`receive_line`], and returns it.
///
/// The connection closes when the stream is dropped at the end of the function. Every step can
/// fail; return the first error with `?` (a refused connection is `Err`, never a panic).
///
/// Hint: `send_all(&mut stream, ...)` and `receive_line(&mut stream)` borrow the stream, so you
/// can use it for both.
pub fn talk(addr: SocketAddr, message: &str) -> io::Result<String> {
    todo!("connect, send the message, read the reply line")
}
