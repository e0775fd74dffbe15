//! The student host of 03-client: performs the judge's calls on the student's crate. Kit code,
//! compiled by the grader together with the graded crate; see `grader_host`.

/// The calls and their answers, shared with the judge (which alone uses some of them).
#[allow(dead_code)]
mod wire;

use std::io::{Read, Write};

use grader_host::serve::{Given, Performed, reply};
use grader_host::wire::io;
use wire::{Call, Sent};

fn main() {
    grader_host::run(perform)
}

fn perform(call: Call, _given: &mut Given) -> Performed {
    match call {
        Call::Talk(addr, message) => reply(io(client::talk(addr, &message))),
        Call::ReceiveLine { data, per_read } => reply(io(client::receive_line(StingyReader::new(data, per_read)))),
        Call::SendAll { message, per_write } => {
            let mut writer = StingyWriter::new(per_write);
            let returned = io(client::send_all(&mut writer, &message));
            let sent: Sent = (returned, writer.written);
            reply(sent)
        }
    }
}

/// A reader that hands out at most `max` bytes per `read` call, as a TCP socket may: code that
/// reads once instead of looping gets only the first piece. (The harness has the same one; the
/// host does not link the harness.)
struct StingyReader {
    data: Vec<u8>,
    at: usize,
    max: usize,
}

impl StingyReader {
    /// Serves `data` `max` bytes at a time, then end of file.
    fn new(data: Vec<u8>, max: usize) -> Self {
        StingyReader { data, at: 0, max: max.max(1) }
    }
}

impl Read for StingyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.max).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A writer that accepts at most `max` bytes per `write` call, as a TCP socket may: code that
/// writes once instead of using `write_all` loses the rest.
struct StingyWriter {
    /// Everything written so far.
    written: Vec<u8>,
    max: usize,
}

impl StingyWriter {
    /// Accepts `max` bytes per call.
    fn new(max: usize) -> Self {
        StingyWriter { written: Vec::new(), max: max.max(1) }
    }
}

impl Write for StingyWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.max);
        self.written.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
