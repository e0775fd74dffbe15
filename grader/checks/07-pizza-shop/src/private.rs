//! Private checks of exercise 07-pizza-shop: they run at final grading (`--solutions`, `--tree`, batch,
//! Gradescope), not in a student's `cargo xtask grade`. The student copy of the kit has a stub of
//! this file that only says how many there are.

use std::thread;
use std::time::Duration;

use grader::{Check, Ctx, Outcome, Step};

use super::{CALL_LIMIT, Expect, ask, client_of_grader_shop, expect_hung_up, expect_request, start_shop, status};

/// The checks, each declared `.private()`.
pub const CHECKS: &[Check] = &[
    Check::new(
        "server-client-vanishes",
        "clients that hang up in the middle of a line do not stop the shop, and their half orders are not taken",
        Step::Close,
        server_client_vanishes,
    )
    .timeout_ms(5000)
    .private(),
    Check::new(
        "client-shop-hangs-up-without-reply",
        "a shop that reads a request and hangs up without a word of reply is an UnexpectedEof error too",
        Step::Close,
        client_shop_hangs_up_without_reply,
    )
    .timeout_ms(5000)
    .private(),
];

/// How many private checks this copy leaves out: none, in the instructor's copy.
pub const WITHHELD: usize = 0;

fn server_client_vanishes(ctx: &mut Ctx) -> Outcome {
    let (serving, addr) = start_shop(ctx)?;
    let mut crashing = serving.while_running(|| ctx.connect(addr))?;
    serving.while_running(|| crashing.send(b"ORDER fun"))?;
    thread::sleep(Duration::from_millis(50));
    crashing.reset()?;
    let mut leaving = serving.while_running(|| ctx.connect(addr))?;
    serving.while_running(|| leaving.send(b"ORDER funghi 1"))?;
    ctx.grader("closes this connection before the \\n of its line");
    drop(leaving);
    thread::sleep(Duration::from_millis(100));
    let mut next = serving.while_running(|| ctx.connect(addr))?;
    serving.while_running(|| {
        ask(
            &mut next,
            "ORDER marinara 1",
            Expect::Line("OK 1\n"),
            "a line without its \\n is not a request: a client that hangs up before the \\n has ordered nothing, so this is order 1; and one client's error stays in its thread",
        )
    })
}

/// The public `client-shop-hangs-up` with the other way a reply ends early: not a byte of it
/// comes, so `read_line` returns 0.
fn client_shop_hangs_up_without_reply(ctx: &mut Ctx) -> Outcome {
    let (client, mut conn) = client_of_grader_shop(ctx)?;
    let asking = status(ctx, client, 1);
    asking.while_running(|| expect_request(&mut conn, "status(1)", "STATUS 1\n"))?;
    ctx.grader("hangs up without replying");
    drop(conn);
    expect_hung_up(ctx, "read your request and hung up without replying", asking.join_within(CALL_LIMIT)?)
}
