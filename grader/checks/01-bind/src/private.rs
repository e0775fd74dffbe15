//! Private checks of exercise 01-bind: they run at final grading (`--solutions`, `--tree`, batch,
//! Gradescope), not in a student's `cargo xtask grade`. The student copy of the kit has a stub of
//! this file that only says how many there are.

use std::io;
use std::net::{Ipv6Addr, SocketAddr};

use grader::{Check, Ctx, Outcome, Step};

use super::expect_other_kept;

/// The checks, each declared `.private()`.
pub const CHECKS: &[Check] = &[Check::new(
    "other-errors-kept-any-kind",
    "another kind of error, for an IPv6 address, is kept whole in BindError::Other too",
    Step::Bind,
    other_errors_kept_any_kind,
)
.private()];

/// How many private checks this copy leaves out: none, in the instructor's copy.
pub const WITHHELD: usize = 0;

/// The public `other-errors-kept` with another kind, message and address: a `classify` that keeps
/// only the one kind it was shown, or only IPv4 addresses, fails here.
fn other_errors_kept_any_kind(ctx: &mut Ctx) -> Outcome {
    let addr = SocketAddr::from((Ipv6Addr::LOCALHOST, 9000));
    expect_other_kept(ctx, addr, io::ErrorKind::TimedOut, "the network did not answer in time")
}
