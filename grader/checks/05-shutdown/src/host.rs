//! The student host of 05-shutdown: performs the judge's calls on the student's crate. Kit code,
//! compiled by the grader together with the graded crate; see `grader_host`.

/// The calls and their answers, shared with the judge (which alone uses some of them).
#[allow(dead_code)]
mod wire;

use grader_host::serve::{Given, Performed, keep, put_back, reply, take};
use grader_host::wire::{Handle, io};
use shutdown::Client;
use wire::{Bytes, Call};

fn main() {
    grader_host::run(perform)
}

fn perform(call: Call, given: &mut Given) -> Performed {
    match call {
        Call::Exchange(addr, request) => reply(io(shutdown::exchange(addr, &request)).map(Bytes)),
        Call::Connect(addr) => reply(
            io(Client::connect(addr)).map(|client| wire::Client { debug: format!("{client:?}"), handle: keep(client) }),
        ),
        Call::Send(handle, bytes) => with_client(handle, |client| reply(io(client.send(&bytes)))),
        Call::FinishSending(handle) => with_client(handle, |client| reply(io(client.finish_sending()))),
        Call::ReceiveAll(handle) => {
            let mut client: Client = take(handle)?;
            let received = io(client.receive_all()).map(Bytes);
            // The last use of the client: it closes here, before the reply, as at the end of a scope.
            drop(client);
            reply(received)
        }
        Call::Drop(handle) => {
            drop(take::<Client>(handle)?);
            reply(())
        }
        Call::Answer(respond) => {
            let stream = given.stream()?;
            reply(io(shutdown::answer(stream, |request| respond.reply(request))).map(Bytes))
        }
    }
}

/// Performs `call` on the kept client, and keeps it again (unless student code panicked).
fn with_client(handle: Handle, call: impl FnOnce(&mut Client) -> Performed) -> Performed {
    let mut client: Client = take(handle)?;
    let performed = call(&mut client);
    put_back(handle, client);
    performed
}
