//! Private checks of exercise 05-shutdown: they run at final grading (`--solutions`, `--tree`, batch,
//! Gradescope), not in a student's `cargo xtask grade`. The student copy of the kit has a stub of
//! this file that only says how many there are.

use std::thread;
use std::time::Duration;

use grader::ctx::short_debug;
use grader::{Check, Ctx, Fail, Outcome, Step};

use super::{LIMIT, start_answer};

/// The checks, each declared `.private()`.
pub const CHECKS: &[Check] = &[Check::new(
    "server-client-resets",
    "a client that resets the connection in the middle of its request is an error value, not a panic",
    Step::Close,
    server_client_resets,
)
.private()];

/// How many private checks this copy leaves out: none, in the instructor's copy.
pub const WITHHELD: usize = 0;

fn server_client_resets(ctx: &mut Ctx) -> Outcome {
    let (answering, mut conn) = start_answer(ctx)?;
    answering.while_running(|| conn.send(b"ORDER marg"))?;
    thread::sleep(Duration::from_millis(50));
    conn.reset()?;
    match answering.join_within(LIMIT)? {
        Err(_) => Ok(()),
        other => Err(Fail::new("sent half a request, then reset the connection (a client that crashed)")
            .expected("an Err (connection reset): the request never ended")
            .got(short_debug(&other))
            .hint("propagate read errors with ? instead of treating them as end of file")),
    }
}
