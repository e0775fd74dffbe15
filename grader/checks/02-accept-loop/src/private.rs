//! Private checks of exercise 02-accept-loop: they run at final grading (`--solutions`, `--tree`, batch,
//! Gradescope), not in a student's `cargo xtask grade`. The student copy of the kit has a stub of
//! this file that only says how many there are.

use std::time::Duration;

use grader::{Check, Ctx, Fail, Outcome, Step};

use super::{HELLO, WAIT, expect_summary, serve_greet};
use crate::wire::{GREETING, Summary};

/// The checks, each declared `.private()`.
pub const CHECKS: &[Check] = &[Check::new(
    "stops-after-limit",
    "with a limit of 2, clients waiting in the backlog are served in turn and the third is not",
    Step::Accept,
    stops_after_limit,
)
.points(2)
.private()];

/// How many private checks this copy leaves out: none, in the instructor's copy.
pub const WITHHELD: usize = 0;

fn stops_after_limit(ctx: &mut Ctx) -> Outcome {
    let (addr, running) = serve_greet(ctx, 2)?;
    // All three connect before any says a word: they wait in the listener's backlog, since serve
    // is busy reading from the first. The third never speaks: a serve that ignores the limit
    // accepts it and waits for its request forever, and so never returns.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(ctx.connect(addr).map_err(|fail| running.explain(fail))?);
    }
    for conn in &mut conns[..2] {
        conn.send(HELLO).map_err(|fail| running.explain(fail))?;
        conn.expect_line(
            "connected three clients at once, then sent \"Hello, server!\" on the first two",
            GREETING,
            WAIT,
        )
        .map_err(|fail| running.explain(fail.hint("clients waiting in the backlog are accepted one by one")))?;
    }
    let got = running.join_within(WAIT)?;
    expect_summary("serve(&listener, Some(2), greet)", got, Summary { served: 2, failed: 0 })
        .map_err(|fail| fail.hint("stop once `limit` connections were handed to the handler"))?;
    // Once serve returned, the listener is gone: the third client is reset, or hears nothing.
    let third = conns[2].read_line_within(Duration::from_millis(200));
    if !third.bytes.starts_with(GREETING.as_bytes()) {
        return Ok(());
    }
    Err(Fail::new("connected a third client, silent, to serve(.., Some(2), ..)")
        .expected("no greeting: serve stops after two clients")
        .got(third.describe()))
}
