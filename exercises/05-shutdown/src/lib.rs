//! # Exercise 05 — ending a connection: `shutdown` and `close`
//!
//! A TCP connection is two one-way streams of bytes, one in each direction. Each side can end
//! **its own sending direction** while still receiving: that is a **half-close**, done with
//! `stream.shutdown(Shutdown::Write)` ([`TcpStream::shutdown`]). The peer's reads then return
//! `Ok(0)` — end of file — once it has read everything you sent, and it can still answer you.
//! (Add `use std::net::Shutdown;` and `use std::io::{Read, Write};` when you need them.)
//!
//! ```text
//! client                                   server
//!   connect  ─────────────────────────────→  accept
//!   write_all(request) ───────────────────→  read … read …
//!   shutdown(Write)    ── end of file ────→  read returns Ok(0): the request is complete
//!   read … read …      ←────────────────────  write_all(reply)
//!   read returns Ok(0) ←── end of file ────  drop(stream): close
//!   drop(client): close
//! ```
//!
//! Why bother? A byte stream has no message boundaries. When the request is "everything I send",
//! the server can only know it has all of it when the stream ends. Closing the socket would end
//! the stream too — but then you could not read the reply. Half-closing says "I have finished
//! talking, I am listening now", like saying "over" on a radio.
//!
//! **Closing** ends both directions and gives the socket back to the operating system. In Rust
//! there is no `close` method: a [`TcpStream`] is closed when it is **dropped** (at the end of its
//! scope, or with `drop(stream)`). Careful: a `try_clone()` of a stream is a second handle on the
//! *same* socket, and the socket closes only when the last handle is dropped. Dropping one clone
//! does not tell the peer anything — `shutdown` does, whatever clones exist.
//!
//! The other side can end the conversation early, too: close without answering (you read end of
//! file and no reply) or reset the connection (your read or write fails with `ConnectionReset` or
//! `BrokenPipe`). Both are errors you return as values; neither may crash your program.
//!
//! Fill in the functions marked `todo!()`, from top to bottom. Check your work with
//! `cargo xtask grade 05`.

use std::io;
use std::net::{SocketAddr, TcpStream};

/// The client end of one request/reply conversation.
///
/// The connection lives exactly as long as this value: dropping a `Client` drops its stream, which
/// closes the connection.
#[derive(Debug)]
pub struct Client {
    /// The connected socket. Keep it here, and only here (no clones elsewhere): when the
    /// `Client` is dropped, the socket closes.
    stream: TcpStream,
}

impl Client {
    /// Connects to the server at `addr` (errors with `?`, such as `ConnectionRefused`).
    pub fn connect(addr: SocketAddr) -> io::Result<Client> {
        todo!("connect to {addr} and keep the stream in a Client")
    }

    /// Sends all of `bytes`. Can be called several times: the request is everything sent before
    /// [`Client::finish_sending`].
    ///
    /// Use `write_all`, not `write`: one `write` may send only part of the bytes.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        todo!("write_all the {} bytes", bytes.len())
    }

    /// Half-closes the connection: the server sees end of file after everything sent so far, and
    /// this client can still read the reply.
    ///
    /// That is `shutdown(Shutdown::Write)` — not `Shutdown::Both`, which would also end the
    /// direction the reply comes in, and not dropping a clone, which does nothing while this
    /// stream still exists.
    pub fn finish_sending(&mut self) -> io::Result<()> {
        todo!("shut down the writing half of the stream")
    }

    /// Reads everything the server sends until it closes the connection (end of file), and returns
    /// it.
    ///
    /// One `read` returns whatever has arrived so far, which may be only the first piece of the
    /// reply: keep reading until a read returns `Ok(0)`. `Read::read_to_end` does exactly that.
    pub fn receive_all(&mut self) -> io::Result<Vec<u8>> {
        todo!("read until end of file")
    }
}

/// One whole conversation as a client: connect to `addr`, send `request`, half-close, and return
/// the reply read up to end of file.
///
/// Use the methods of [`Client`]. If the server closed without sending a single byte, there is no
/// reply: return an error of kind `io::ErrorKind::UnexpectedEof` (build it with
/// `io::Error::new(kind, "message")`). Every other error is returned with `?`; nothing panics.
///
/// The `Client` is dropped when this function returns, which closes the connection.
pub fn exchange(addr: SocketAddr, request: &[u8]) -> io::Result<Vec<u8>> {
    todo!("connect, send, finish_sending, receive_all; an empty reply is UnexpectedEof")
}

/// The server side of one conversation, on an accepted `stream`: read the whole request up to end
/// of file, send `respond(&request)` back with `write_all`, and close the connection. Returns the
/// request.
///
/// - The request is complete only when the client half-closes: read until end of file
///   (`read_to_end`). Answering after the first `read`, or at the first newline, would answer a
///   request you have not fully received.
/// - Errors (a client that resets the connection, say) are returned with `?`: one client's
///   problem must not crash a server.
/// - `stream` is yours (taken by value): it is dropped when the function returns, and the client
///   then reads end of file after your reply.
///
/// `respond` is any function from request to reply, chosen by the caller: call it once.
pub fn answer(stream: TcpStream, respond: impl FnOnce(&[u8]) -> Vec<u8>) -> io::Result<Vec<u8>> {
    todo!("read to end of file, write_all respond(&request), return the request")
}
