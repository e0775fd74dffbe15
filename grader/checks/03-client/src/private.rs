//! Private checks of exercise 03-client: they run at final grading (`--solutions`, `--tree`, batch,
//! Gradescope), not in a student's `cargo xtask grade`. The student copy of the kit has a stub of
//! this file that only says how many there are.

use grader::{Check, Ctx, Outcome, Step};

use super::{expect_invalid_data, receive_line};

/// The checks, each declared `.private()`.
pub const CHECKS: &[Check] = &[Check::new(
    "not-utf8-byte-by-byte",
    "a reply that is not UTF-8 is an InvalidData error, also when it comes one byte per read",
    Step::ReadWrite,
    not_utf8_byte_by_byte,
)
.private()];

/// How many private checks this copy leaves out: none, in the instructor's copy.
pub const WITHHELD: usize = 0;

/// The public `not-utf8` with other bytes, given one per read: the first byte of a two-byte
/// character (`é` is `c3 a9` in UTF-8) followed at once by the newline.
fn not_utf8_byte_by_byte(ctx: &mut Ctx) -> Outcome {
    let call = r#"receive_line(a reader that returns "caf\xc3\n", half of a UTF-8 "é", one byte per read)"#;
    expect_invalid_data(receive_line(ctx, call, b"caf\xc3\n", 1)?, call)
}
