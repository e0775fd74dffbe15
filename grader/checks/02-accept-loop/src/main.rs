//! Hidden checks of exercise 02-accept-loop: one listening socket, a new socket per client, and a
//! loop that survives clients that fail.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use grader::check::Setup;
use grader::ctx::{Background, short_debug};
use grader::grader_host::wire::IoResult;
use grader::net::Conn;
use grader::{Check, Ctx, Fail, Outcome, Step};
use wire::{Call, GREETING, Handler, Summary};

/// The private checks: they run at final grading, and the student copy has only their number.
mod private;
/// The calls the student host performs for these checks.
mod wire;

const CHECKS: &[Check] = &[
    Check::new(
        "classic-client",
        "a client that sends a few bytes without a newline gets the greeting",
        Step::Accept,
        classic_client,
    )
    .on_timeout("does greet wait for a newline or for the end of the stream? One read is enough"),
    Check::new(
        "several-in-a-row",
        "three clients in a row are each served, and serve returns after the third",
        Step::Accept,
        several_in_a_row,
    )
    .on_timeout("does serve go back to accept after each client, and stop after `limit` clients?"),
    Check::new(
        "closes-after-reply",
        "after the greeting the connection is closed, while the server goes on",
        Step::Close,
        closes_after_reply,
    )
    .timeout_ms(5000),
    Check::new(
        "new-socket-per-client",
        "each client is handed to the handler on its own new socket",
        Step::Accept,
        new_socket_per_client,
    ),
    Check::new(
        "early-disconnect",
        "a client that hangs up at once does not stop the loop",
        Step::Accept,
        early_disconnect,
    )
    .on_timeout("does greet wait for data from a client that already left?")
    .points(2),
    Check::new(
        "silent-client",
        "greet returns Ok and sends nothing to a client that ended its side without a word",
        Step::ReadWrite,
        silent_client,
    ),
    Check::new(
        "handler-error",
        "a handler error is counted and the next client is still served",
        Step::Accept,
        handler_error,
    )
    .on_timeout("does serve stop, or wait forever, after a handler error?")
    .points(2),
    Check::new(
        "program-serves-clients",
        "the program serves clients one after another and clients that wait in line, and prints its real address",
        Step::Accept,
        program_serves,
    )
    .timeout_ms(8000)
    .points(3),
    Check::new(
        "program-reports-errors",
        "the program reports a failed bind in one line that names the address, and a non-zero exit code",
        Step::Bind,
        program_errors,
    )
    .timeout_ms(5000),
];

fn main() -> ExitCode {
    grader::runner::main_with_private(CHECKS, private::CHECKS, private::WITHHELD)
}

const WAIT: Duration = Duration::from_secs(2);
const HELLO: &[u8] = b"Hello, server!";

/// Connects, says hello without a newline, and expects the greeting.
fn hello(ctx: &Ctx, addr: SocketAddr) -> Outcome {
    say_hello(ctx.connect(addr)?)
}

/// The classic client's exchange on a connection the grader made: "Hello, server!", then the
/// greeting.
fn say_hello(mut conn: Conn) -> Outcome {
    conn.send(HELLO)?;
    conn.expect_line(r#"sent "Hello, server!" (no newline) and waited"#, GREETING, WAIT)
        .map_err(|fail| fail.hint("greet: one read, then write_all(GREETING.as_bytes())"))
}

/// What `serve` returns, as it crossed from the host.
type Served = Background<IoResult<Summary>>;

/// Starts `serve(&listener, Some(limit), handler)` in the background, on a listener of the
/// grader's; returns the listener's address, the running call and the call as the conversation
/// shows it.
fn start_serve(ctx: &Ctx, limit: usize, handler: Handler) -> Result<(SocketAddr, Served, String), Fail> {
    let (listener, addr) = ctx.listener_for_student()?;
    let call = format!("serve(&listener, Some({limit}), {})", handler.shown());
    let running = ctx.spawn_passing(&call, Call::Serve { limit, handler }, &[&listener]);
    // The host has its own copy now: without this one, the listener closes when serve returns.
    drop(listener);
    Ok((addr, running, call))
}

/// Starts `serve(&listener, Some(limit), greet)` in the background.
fn serve_greet(ctx: &Ctx, limit: usize) -> Result<(SocketAddr, Served), Fail> {
    start_serve(ctx, limit, Handler::Greet).map(|(addr, running, _)| (addr, running))
}

/// Expects serve to have returned `Ok(expected)`.
fn expect_summary(call: &str, got: IoResult<Summary>, expected: Summary) -> Outcome {
    match got {
        Ok(summary) if summary == expected => Ok(()),
        other => Err(Fail::new(format!("called {call} and let its clients come"))
            .expected(format!("Ok({expected:?})"))
            .got(short_debug(&other))),
    }
}

fn classic_client(ctx: &mut Ctx) -> Outcome {
    let (addr, running) = serve_greet(ctx, 1)?;
    hello(ctx, addr).map_err(|fail| running.explain(fail))?;
    let got = running.join_within(WAIT)?;
    expect_summary("serve(&listener, Some(1), greet)", got, Summary { served: 1, failed: 0 })
}

fn several_in_a_row(ctx: &mut Ctx) -> Outcome {
    let (addr, running) = serve_greet(ctx, 3)?;
    running.while_running(|| {
        for _ in 0..3 {
            hello(ctx, addr).map_err(|fail| fail.hint("after serving a client, loop back to accept the next one"))?;
        }
        Ok(())
    })?;
    let got = running.join_within(WAIT)?;
    expect_summary("serve(&listener, Some(3), greet)", got, Summary { served: 3, failed: 0 })
}

fn closes_after_reply(ctx: &mut Ctx) -> Outcome {
    let (addr, running) = serve_greet(ctx, 2)?;
    running.while_running(|| {
        let mut conn = ctx.connect(addr)?;
        conn.send(HELLO)?;
        conn.expect_line(r#"sent "Hello, server!" (no newline) and waited"#, GREETING, WAIT)?;
        ctx.grader("keeps its end open and reads on");
        conn.expect_eof_within("read the greeting, then kept reading with its end of the connection open", WAIT)
            .map_err(|fail| {
                fail.hint(
                    "close the connection when the client is served: greet owns the stream, and dropping it at \
                     the end of greet closes it, unless another handle (a clone kept in a Vec, say) keeps it open",
                )
            })
    })?;
    // A second client lets serve reach its limit and return.
    hello(ctx, addr).map_err(|fail| running.explain(fail))?;
    let got = running.join_within(WAIT)?;
    expect_summary("serve(&listener, Some(2), greet)", got, Summary { served: 2, failed: 0 })
}

fn new_socket_per_client(ctx: &mut Ctx) -> Outcome {
    // The grader's handler tells each client its number, then the peer address of the stream it
    // was handed.
    let (addr, running, call) = start_serve(ctx, 2, Handler::TellsClientNumber)?;
    let (clients, handed) = running.while_running(|| {
        let (mut clients, mut handed) = (Vec::new(), Vec::new());
        for n in 1..=2 {
            let mut conn = ctx.connect(addr)?;
            conn.answered_by_grader_handler();
            conn.expect_line("connected and waited", &format!("you are client {n}\n"), WAIT)
                .map_err(|fail| fail.hint("call the handler with the stream accept() returned for this client"))?;
            clients.push(conn.local_addr().setup("reading the grader's client address")?);
            handed.push(said_line(&mut conn));
        }
        Ok((clients, handed))
    })?;
    let got = running.join_within(WAIT)?;
    expect_summary(&call, got, Summary { served: 2, failed: 0 })?;
    if handed != clients.iter().map(ToString::to_string).collect::<Vec<_>>() {
        return Err(Fail::new("connected two clients, one after the other")
            .expected(format!("the handler to get a stream connected to each: {clients:?}"))
            .got(format!("streams connected to [{}]", handed.join(", ")))
            .hint("each accept() returns a new TcpStream for exactly one client"));
    }
    Ok(())
}

/// The next line a handler of the grader's wrote, without its newline (empty if none came).
fn said_line(conn: &mut Conn) -> String {
    String::from_utf8_lossy(&conn.read_line_within(WAIT).bytes).trim_end().to_owned()
}

fn early_disconnect(ctx: &mut Ctx) -> Outcome {
    let (addr, running) = serve_greet(ctx, 2)?;
    running.while_running(|| {
        let leaver = ctx.connect(addr)?;
        ctx.grader("hangs up at once, without a word");
        drop(leaver);
        hello(ctx, addr).map_err(|fail| fail.hint("a client that leaves is its own problem: keep accepting"))
    })?;
    let got = running.join_within(WAIT)?;
    match got {
        Ok(Summary { served: 2, .. }) => Ok(()),
        other => Err(Fail::new("connected a client that hung up at once, then one that said hello")
            .expected("Ok(Summary { served: 2, .. })")
            .got(short_debug(&other))),
    }
}

fn silent_client(ctx: &mut Ctx) -> Outcome {
    let (listener, addr) = ctx.listener_for_student()?;
    let mut client = ctx.connect(addr)?;
    let (stream, _) = listener.accept().setup("accepting the grader's client")?;
    // Half-closed, not closed: the client has said all it will say (nothing), and still reads,
    // so a greeting sent anyway would reach it and show.
    client.shutdown_write()?;
    let got: IoResult<()> =
        ctx.call_passing("greet(stream of a client that ended without a word)", WAIT, Call::Greet, &[&stream])?;
    drop(stream);
    if let Err(error) = got {
        return Err(Fail::new("called greet on the stream of a client that ended its side without a word")
            .expected("Ok(()): read returns Ok(0) at the end of the stream, and there is no one to greet")
            .got(format!("Err({error:?})"))
            .hint("check the number of bytes read: 0 means the client closed the connection"));
    }
    let heard = client.read_to_end_within(WAIT);
    if heard.bytes.is_empty() {
        return Ok(());
    }
    Err(Fail::new("called greet on the stream of a client that ended its side without a word, and read what came")
        .expected("nothing, then the end of the stream: greet answers only a client that said something")
        .got(heard.describe())
        .hint("check the number of bytes read: greet only if read returned more than 0"))
}

fn handler_error(ctx: &mut Ctx) -> Outcome {
    // The grader's handler fails for the first client and greets the second.
    let (addr, running, call) = start_serve(ctx, 2, Handler::FailsFirst)?;
    running.while_running(|| {
        let _first = ctx.connect(addr)?;
        let mut second = ctx.connect(addr)?;
        second.answered_by_grader_handler();
        say_hello(second).map_err(|fail| {
            fail.hint("a handler error is about one client: print it, count it, and accept the next one")
        })
    })?;
    let got = running.join_within(WAIT)?;
    expect_summary(&call, got, Summary { served: 2, failed: 1 })
        .map_err(|fail| fail.hint("count the handler's errors in Summary::failed"))
}

fn program_serves(ctx: &mut Ctx) -> Outcome {
    let mut server = ctx.serve_program(|addr| vec![addr.to_string()])?;
    let addr = server.addr();
    // A failure shows what the program printed: a panic message, say.
    for _ in 0..2 {
        hello(ctx, addr).map_err(|fail| {
            server.explain(
                fail.hint("bind once, then serve(&listener, None, greet): one listener, and a loop of accepts"),
            )
        })?;
    }
    // Two clients connect before either is served; a server that re-binds per client loses one,
    // at whichever step the grader notices it first.
    let at_once = || -> Outcome {
        let mut first = ctx.connect(addr)?;
        let mut second = ctx.connect(addr)?;
        first.send(HELLO)?;
        second.send(HELLO)?;
        for conn in [&mut first, &mut second] {
            conn.expect_line("connected two clients at once, each sent \"Hello, server!\"", GREETING, WAIT)?;
        }
        Ok(())
    };
    at_once().map_err(|fail| server.explain(fail.hint("bind once, then loop on accept with the same listener")))?;
    let expected = format!("listening on {addr}");
    if !server.wait_for_stdout(&expected, WAIT) {
        return Err(Fail::new(format!("started `{}`", server.command_line()))
            .expected(format!("the line `{expected}` on stdout"))
            .got(server.output()));
    }
    drop(server);
    // With port 0 the address given is not the one bound: only local_addr() knows the port.
    let mut server = ctx.start_program(&["127.0.0.1:0"])?;
    let did = format!("started `{}`", server.command_line());
    let prefix = "listening on 127.0.0.1:";
    let port = server.stdout_line_after(prefix, WAIT).and_then(|port| port.trim().parse::<u16>().ok());
    let Some(port) = port.filter(|&port| port != 0) else {
        return Err(Fail::new(did)
            .expected(format!("the line `{prefix}PORT` on stdout, PORT being the port the kernel chose (not 0)"))
            .got(server.output())
            .hint("print listener.local_addr(), not the address you were given: with port 0 they differ"));
    };
    ctx.student(format!("printed that it listens on 127.0.0.1:{port}"));
    hello(ctx, SocketAddr::from(([127, 0, 0, 1], port))).map_err(|fail| server.explain(fail))
}

fn program_errors(ctx: &mut Ctx) -> Outcome {
    let (_held, addr) = ctx.hold_port()?;
    let addr = addr.to_string();
    let ran = ctx.run_program(&[&addr], WAIT)?;
    ran.expect_one_line_error(
        &format!("ran the program with {addr}, an address the grader holds"),
        &addr,
        "a failed bind ends the program: eprintln!(\"error: cannot listen on {addr}: {error}\") and return ExitCode::FAILURE",
    )
}
