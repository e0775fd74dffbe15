//! # Exercise 06 — one socket, and one thread, per client (solution)
//!
//! The accept loop only accepts; everything that can wait on a client happens on that client's
//! own thread, so an idle or failing client holds up no one but itself.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

/// What the server sends to each client that says something.
pub const GREETING: &str = "Hello, client!\n";

/// Reads once and, if the client said anything, greets it.
pub fn greet(stream: TcpStream) -> io::Result<()> {
    let mut stream = stream;
    let mut buf = [0; 1024];
    // One read: the classic first client sends a few bytes without a newline and waits for the
    // answer, so waiting for more (a newline, end of file) would deadlock with it.
    let n = stream.read(&mut buf)?;
    if n > 0 {
        stream.write_all(GREETING.as_bytes())?;
    }
    Ok(())
}

/// Accepts forever, serving each connection on a thread of its own.
pub fn serve(listener: &TcpListener, handler: fn(TcpStream) -> io::Result<()>) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept()?;
        let started = thread::Builder::new().name(format!("client {peer}")).spawn(move || {
            // The thread owns the stream; it is closed when the handler drops it.
            if let Err(error) = handler(stream) {
                eprintln!("client {peer}: {error}");
            }
        });
        // The handle is dropped, not joined: joining would wait for this client before accepting
        // the next. A thread that cannot start costs this one client (its stream was moved into
        // the closure and is dropped with it), not the server.
        if let Err(error) = started {
            eprintln!("client {peer}: cannot start a thread: {error}");
        }
    }
}
