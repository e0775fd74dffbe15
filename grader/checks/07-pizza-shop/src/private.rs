//! Private checks of exercise 07-pizza-shop: they run at final grading (`--solutions`, `--tree`, batch,
//! Gradescope), not in a student's `cargo xtask grade`. The student copy of the kit has a stub of
//! this file that only says how many there are.

use std::io;
use std::thread;
use std::time::Duration;

use grader::ctx::short_debug;
use grader::{Check, Ctx, Fail, Outcome, Step};

use super::{CALL_LIMIT, Expect, ask, client_of_grader_shop, describe, expect_request, order, start_shop, status};
use crate::wire::ShopErr;

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
        "client-shop-hangs-up",
        "a shop that hangs up before the end of its reply is an UnexpectedEof error (the ShopError's source), not a panic",
        Step::Close,
        client_shop_hangs_up,
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

fn client_shop_hangs_up(ctx: &mut Ctx) -> Outcome {
    let eof = "if read_line returns 0 bytes, or a line without \\n, the shop hung up: return io::Error::new(io::ErrorKind::UnexpectedEof, ...) (as ShopError::Io)";
    let (client, mut conn) = client_of_grader_shop(ctx)?;
    let ordering = order(ctx, client, "funghi", 1);
    ordering.while_running(|| {
        expect_request(&mut conn, "order(\"funghi\", 1)", "ORDER funghi 1\n")?;
        conn.send(b"OK 1")
    })?;
    ctx.grader("hangs up before the \\n of its reply");
    drop(conn);
    match ordering.join_within(CALL_LIMIT)? {
        Err(ShopErr::Io(error)) if error.is(io::ErrorKind::UnexpectedEof) => {
            // The io::Error stays reachable as the source, for a caller that wants its kind.
            let expected = error.message.clone();
            let (_, source) = describe(ctx, ShopErr::Io(error))?;
            if source.as_deref() != Some(expected.as_str()) {
                return Err(Fail::new("called source() on the ShopError::Io your client returned")
                    .expected(format!("Some(the io::Error: {expected:?})"))
                    .got(short_debug(&source))
                    .hint("keep the stub's `impl std::error::Error for ShopError`: source() of Io is its io::Error"));
            }
        }
        other => {
            return Err(Fail::new("sent \"OK 1\" without its \\n and hung up")
                .expected("Err(ShopError::Io(an error of kind UnexpectedEof)): the reply never ended")
                .got(short_debug(&other))
                .hint(eof));
        }
    }
    let (client, mut conn) = client_of_grader_shop(ctx)?;
    let asking = status(ctx, client, 1);
    asking.while_running(|| expect_request(&mut conn, "status(1)", "STATUS 1\n"))?;
    ctx.grader("hangs up without replying");
    drop(conn);
    match asking.join_within(CALL_LIMIT)? {
        Err(ShopErr::Io(error)) if error.is(io::ErrorKind::UnexpectedEof) => Ok(()),
        other => Err(Fail::new("read your request and hung up without replying")
            .expected("Err(ShopError::Io(an error of kind UnexpectedEof))")
            .got(short_debug(&other))
            .hint(eof)),
    }
}
