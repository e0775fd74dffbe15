//! The student host of 06-thread-per-client: performs the judge's calls on the student's crate,
//! with the kit's own handler where a check needs one. Kit code, compiled by the grader together
//! with the graded crate; see `grader_host`.

/// The calls and their answers, shared with the judge (which alone uses some of them).
#[allow(dead_code)]
mod wire;

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;

use grader_host::serve::{Given, Performed, reply};
use grader_host::wire::io;
use wire::{Call, Handler};

fn main() {
    grader_host::run(perform)
}

fn perform(call: Call, given: &mut Given) -> Performed {
    match call {
        Call::Greet => reply(io(thread_per_client::greet(given.stream()?))),
        Call::Serve(handler) => {
            let handler: fn(TcpStream) -> io::Result<()> = match handler {
                Handler::Greet => thread_per_client::greet,
                Handler::EchoLine => echo_line,
            };
            reply(io(thread_per_client::serve(&given.listener()?, handler)))
        }
    }
}

/// Reads one line and answers `got: LINE`. A client that leaves before the end of its line is an
/// error, as for any line protocol.
fn echo_line(stream: TcpStream) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    if line.last() != Some(&b'\n') {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the client left in the middle of its line"));
    }
    let mut stream = stream;
    stream.write_all(b"got: ")?;
    stream.write_all(&line)
}
