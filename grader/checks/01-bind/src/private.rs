//! Private checks of exercise 01-bind: they run at final grading (`--solutions`, `--tree`, batch,
//! Gradescope), not in a student's `cargo xtask grade`. The student copy of the kit has a stub of
//! this file that only says how many there are.

use std::io;
use std::net::SocketAddr;

use grader::ctx::short_debug;
use grader::grader_host::wire::MakeError;
use grader::{Check, Ctx, Fail, Outcome, Step};

use crate::wire::{BindErr, Call};

/// The checks, each declared `.private()`.
pub const CHECKS: &[Check] = &[Check::new(
    "other-errors-kept",
    "any other error is kept whole in BindError::Other, and is its source()",
    Step::Bind,
    other_errors_kept,
)
.private()];

/// How many private checks this copy leaves out: none, in the instructor's copy.
pub const WITHHELD: usize = 0;

fn other_errors_kept(ctx: &mut Ctx) -> Outcome {
    let addr = SocketAddr::from(([127, 0, 0, 1], 7000));
    let got: BindErr = ctx.call(
        &format!("classify({addr}, io::Error::new(ConnectionReset, \"reset\"))"),
        Call::Classify(addr, MakeError::with(io::ErrorKind::ConnectionReset, "reset")),
    )?;
    match got {
        BindErr::Other(reported, error) if reported == addr && error.is(io::ErrorKind::ConnectionReset) => {}
        other => {
            return Err(Fail::new(format!("called classify({addr}, a ConnectionReset error)"))
                .expected(format!("BindError::Other({addr}, the same error, kind ConnectionReset)"))
                .got(short_debug(&other))
                .hint("errors you do not recognise go into Other unchanged: do not relabel them"));
        }
    }
    // Kept whole means reachable too: `source()` is how a caller (or `Box<dyn Error>`) gets at it.
    let source: Option<String> = ctx.call(
        &format!("classify({addr}, io::Error::new(ConnectionReset, \"reset\")).source()"),
        Call::ClassifySource(addr, MakeError::with(io::ErrorKind::ConnectionReset, "reset")),
    )?;
    if source.as_deref() != Some("reset") {
        return Err(Fail::new(format!("called source() on what classify({addr}, a ConnectionReset error) returned"))
            .expected("Some(the original error, \"reset\")")
            .got(short_debug(&source))
            .hint("keep the stub's `impl std::error::Error for BindError`: the source() of Other is its io::Error"));
    }
    Ok(())
}
