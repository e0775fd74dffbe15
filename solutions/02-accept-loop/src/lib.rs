//! # Exercise 02 — the accept loop (solution)
//!
//! One listening socket, bound once; every `accept` returns a new connected socket for one client,
//! which the handler owns and closes by dropping it.

use std::io::{self, Read, Write};
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

/// Accepts clients one after another and hands each connection to `handler`.
pub fn serve<H>(listener: &TcpListener, limit: Option<usize>, mut handler: H) -> io::Result<Summary>
where
    H: FnMut(TcpStream) -> io::Result<()>,
{
    let mut summary = Summary::default();
    while limit.is_none_or(|limit| summary.served < limit) {
        // A failing accept is a problem of the listening socket itself: give up and say so.
        let (stream, peer) = listener.accept()?;
        summary.served += 1;
        // A failing handler is a problem of one client: report it and keep serving the others.
        if let Err(error) = handler(stream) {
            summary.failed += 1;
            eprintln!("client {peer}: {error}");
        }
    }
    Ok(summary)
}

/// Reads once and, if the client said anything, greets it.
pub fn greet(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = [0; 1024];
    // One read: the classic first client sends a few bytes without a newline and waits for the
    // answer, so waiting for more (a newline, end of file) would deadlock with it.
    let n = stream.read(&mut buf)?;
    if n > 0 {
        stream.write_all(GREETING.as_bytes())?;
    }
    Ok(())
    // `stream` is dropped here: the connection closes and the client reads end of file.
}
