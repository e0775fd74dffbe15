//! The student host of 02-accept-loop: performs the judge's calls on the student's crate, with the
//! kit's own handlers where a check needs one. Kit code, compiled by the grader together with the
//! graded crate; see `grader_host`.

/// The calls and their answers, shared with the judge (which alone uses some of them).
#[allow(dead_code)]
mod wire;

use std::io::{self, Read, Write};
use std::net::TcpStream;

use grader_host::serve::{Given, Performed, reply};
use grader_host::wire::io;
use wire::{Call, GREETING, Handler, Summary};

fn main() {
    grader_host::run(perform)
}

fn perform(call: Call, given: &mut Given) -> Performed {
    match call {
        Call::Serve { limit, handler } => {
            // Owned here, so that the listener closes as soon as serve returns.
            let listener = given.listener()?;
            let limit = Some(limit);
            // `serve` is generic over its handler: one call per handler type.
            let served = match handler {
                Handler::Greet => accept_loop::serve(&listener, limit, accept_loop::greet),
                Handler::TellsClientNumber => accept_loop::serve(&listener, limit, tells_client_number()),
                Handler::FailsFirst => accept_loop::serve(&listener, limit, fails_first()),
            };
            reply(io(served.map(|s| Summary { served: s.served, failed: s.failed })))
        }
        Call::Greet => reply(io(accept_loop::greet(given.stream()?))),
    }
}

/// Tells each client its number, and the address of the stream it was handed: the judge checks
/// that each client got a stream of its own.
fn tells_client_number() -> impl FnMut(TcpStream) -> io::Result<()> {
    let mut calls = 0;
    move |mut stream| {
        calls += 1;
        let peer = stream.peer_addr()?;
        write!(stream, "you are client {calls}\n{peer}\n")
    }
}

/// Fails for the first client and greets the others.
fn fails_first() -> impl FnMut(TcpStream) -> io::Result<()> {
    let mut calls = 0;
    move |mut stream| {
        calls += 1;
        if calls == 1 {
            return Err(io::Error::other("the grader's handler fails on purpose"));
        }
        let mut buf = [0; 64];
        let _ = stream.read(&mut buf)?;
        stream.write_all(GREETING.as_bytes())
    }
}
