//! Private checks of exercise 06-thread-per-client: they run at final grading (`--solutions`, `--tree`, batch,
//! Gradescope), not in a student's `cargo xtask grade`. The student copy of the kit has a stub of
//! this file that only says how many there are.

use std::thread;
use std::time::Duration;

use grader::{Check, Ctx, Outcome, Step};

use super::{LIMIT, start_serving};
use crate::wire::Handler;

/// The checks, each declared `.private()`.
pub const CHECKS: &[Check] = &[Check::new(
    "client-vanishes",
    "a client that disconnects in the middle of a request does not take the server down",
    Step::Concurrency,
    client_vanishes,
)
.timeout_ms(5000)
.private()];

/// How many private checks this copy leaves out: none, in the instructor's copy.
pub const WITHHELD: usize = 0;

fn client_vanishes(ctx: &mut Ctx) -> Outcome {
    // The grader's handler reads one line and answers `got: LINE`; a client that leaves in the
    // middle of its line is an error of that handler.
    let (serving, addr) = start_serving(ctx, Handler::EchoLine)?;
    let order = b"ORDER funghi 1\n";
    let reply = "got: ORDER funghi 1\n";
    let mut crashing = serving.while_running(|| ctx.connect(addr))?;
    serving.while_running(|| crashing.send(b"ORDER marg"))?;
    thread::sleep(Duration::from_millis(50));
    crashing.reset()?;
    thread::sleep(Duration::from_millis(50));
    let vanished =
        "an error of one client belongs to that client's thread: print it there, never return it from the accept loop";
    serving.while_running(|| {
        let mut next = ctx.connect(addr).map_err(|fail| fail.hint(vanished))?;
        next.answered_by_grader_handler();
        next.send(order)?;
        next.expect_line(
            "reset a first client in the middle of its line, then sent a whole line from a second client",
            reply,
            LIMIT,
        )
        .map_err(|fail| fail.hint(vanished))
    })?;
    let mut leaving = serving.while_running(|| ctx.connect(addr))?;
    serving.while_running(|| leaving.send(b"STATUS"))?;
    ctx.grader("closes this connection in the middle of its line");
    drop(leaving);
    thread::sleep(Duration::from_millis(50));
    let mut last = serving.while_running(|| ctx.connect(addr))?;
    last.answered_by_grader_handler();
    serving.while_running(|| {
        last.send(order)?;
        last.expect_line("closed a client in the middle of its line, then sent a whole line from another", reply, LIMIT)
    })
}
