//! The student host of 04-socket-options: performs the judge's calls on the student's crate. Kit
//! code, compiled by the grader together with the graded crate; see `grader_host`.

/// The calls and their answers, shared with the judge (which alone uses some of them).
#[allow(dead_code)]
mod wire;

use std::time::Instant;

use grader_host::serve::{Given, Performed, reply};
use grader_host::wire::io;
use wire::{Call, Options};

fn main() {
    grader_host::run(perform)
}

fn perform(call: Call, given: &mut Given) -> Performed {
    match call {
        // The stream is the judge's socket: what apply sets, the judge reads back on its own end.
        Call::Apply(options) => reply(io(socket_options::apply(&given.stream()?, &original(options)))),
        Call::ReadOptions => reply(io(socket_options::read_options(&given.stream()?).map(mirror))),
        Call::IsTimeout(error) => reply(socket_options::is_timeout(&error.build())),
        Call::ReadLineUntil(within) => {
            let mut stream = given.stream()?;
            reply(io(socket_options::read_line_until(&mut stream, Instant::now() + within)))
        }
        Call::ReadLineUntilInterrupted { within, every } => {
            let mut stream = given.stream()?;
            let (line, handled) = grader_host::interrupt::interrupted_every(every, || {
                socket_options::read_line_until(&mut stream, Instant::now() + within)
            });
            reply((io(line), handled))
        }
        Call::Request(addr, line, timeout) => reply(io(socket_options::request(addr, &line, timeout))),
    }
}

fn mirror(options: socket_options::Options) -> Options {
    let socket_options::Options { read_timeout, write_timeout, nodelay, ttl } = options;
    Options { read_timeout, write_timeout, nodelay, ttl }
}

fn original(options: Options) -> socket_options::Options {
    let Options { read_timeout, write_timeout, nodelay, ttl } = options;
    socket_options::Options { read_timeout, write_timeout, nodelay, ttl }
}
