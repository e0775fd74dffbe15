//! Private checks of exercise 03-client: they run at final grading (`--solutions`, `--tree`, batch,
//! Gradescope), not in a student's `cargo xtask grade`. The student copy of the kit has a stub of
//! this file that only says how many there are.

use std::io;

use grader::ctx::short_debug;
use grader::{Check, Ctx, Fail, Outcome, Step};

use super::receive_line;

/// The checks, each declared `.private()`.
pub const CHECKS: &[Check] =
    &[Check::new("not-utf8", "a reply that is not UTF-8 is an InvalidData error", Step::ReadWrite, not_utf8).private()];

/// How many private checks this copy leaves out: none, in the instructor's copy.
pub const WITHHELD: usize = 0;

fn not_utf8(ctx: &mut Ctx) -> Outcome {
    let call = r#"receive_line(a reader that returns "caf\xe9\n", Latin-1, not UTF-8)"#;
    match receive_line(ctx, call, b"caf\xe9\n", 64)? {
        Err(error) if error.is(io::ErrorKind::InvalidData) => Ok(()),
        other => Err(Fail::new(format!("called {call}"))
            .expected("Err with kind InvalidData")
            .got(short_debug(&other))
            .hint("a String holds UTF-8 only; String::from_utf8 or read_line tell you when the bytes are not")),
    }
}
