//! The student host of 03-client: performs the judge's calls on the student's crate. Kit code,
//! compiled by the grader together with the graded crate; see `grader_host`.

/// The calls and their answers, shared with the judge (which alone uses some of them).
#[allow(dead_code)]
mod wire;

use grader_host::serve::{Given, Performed, reply};
use grader_host::stingy::{StingyReader, StingyWriter};
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
