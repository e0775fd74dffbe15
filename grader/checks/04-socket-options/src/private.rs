//! Private checks of exercise 04-socket-options: they run at final grading (`--solutions`, `--tree`, batch,
//! Gradescope), not in a student's `cargo xtask grade`. The student copy of the kit has a stub of
//! this file that only says how many there are.

use std::io::Write;
use std::thread;
use std::time::Duration;

use grader::check::Setup;
use grader::{Check, Ctx, Outcome, Step};

use super::{DEADLINE, GIVE_UP_LIMIT, Timed, gave_up_in_time, pair, when_hung};
use crate::wire::Call;

/// The checks, each declared `.private()`.
pub const CHECKS: &[Check] = &[Check::new(
    "trickling-peer-deadline",
    "a peer that sends one byte at a time, never a newline, cannot stretch a read past its deadline",
    Step::Options,
    trickling_peer_deadline,
)
.timeout_ms(5000)
.on_timeout("set the read timeout to the time left before every read, not once")
.private()];

/// How many private checks this copy leaves out: none, in the instructor's copy.
pub const WITHHELD: usize = 0;

fn trickling_peer_deadline(ctx: &mut Ctx) -> Outcome {
    let deadline = DEADLINE;
    let (stream, conn) = pair(ctx)?;
    let mut trickle = conn.stream().try_clone().setup("cloning the grader's socket")?;
    ctx.grader("sends one byte \".\" every 50ms, for up to 5s, and never a newline");
    thread::spawn(move || {
        for _ in 0..100 {
            if trickle.write_all(b".").is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
    });
    let reading = Timed::start(
        ctx,
        &format!("read_line_until(&mut stream, now + {deadline:?})"),
        Call::ReadLineUntil(deadline),
        &[&stream],
    );
    let returned = reading.join_within(GIVE_UP_LIMIT).map_err(|fail| {
        when_hung(fail, "each byte arrives well within any read timeout, so a timeout set once never fires: before every read, set the timeout to the time left until the deadline")
    })?;
    gave_up_in_time(
        &format!("sent a byte every 50ms, never a newline, while your code read with a deadline {deadline:?} away"),
        deadline,
        returned,
    )?;
    drop(conn);
    Ok(())
}
