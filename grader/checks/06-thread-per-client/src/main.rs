//! Hidden checks of exercise 06-thread-per-client: every accepted connection is served on its own
//! thread, so an idle client holds up no one, many clients are served at once, and a client that
//! vanishes mid-request costs only its own thread; the program does the same for the classic first
//! client.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use grader::check::Setup;
use grader::ctx::Background;
use grader::grader_host::wire::IoResult;
use grader::net::Conn;
use grader::predicates::prelude::*;
use grader::program::Ran;
use grader::{Check, Ctx, Fail, Outcome, Step};
use wire::{Call, GREETING, Handler};

/// The private checks: they run at final grading, and the student copy has only their number.
mod private;
/// The calls the student host performs for these checks.
mod wire;

const CHECKS: &[Check] = &[
    Check::new(
        "greet-one-read",
        "greet answers after one read, without waiting for a newline or the end of the stream",
        Step::ReadWrite,
        greet_one_read,
    )
    .on_timeout("does greet wait for a newline or for end of file? One read is enough"),
    Check::new(
        "greet-silent-client",
        "greet returns Ok and sends nothing when the client leaves without a word",
        Step::ReadWrite,
        greet_silent_client,
    ),
    Check::new(
        "idle-client",
        "while one client sits idle, a second client is served promptly",
        Step::Concurrency,
        idle_client,
    )
    .timeout_ms(5000),
    Check::new(
        "ten-clients",
        "ten clients connected at once are all served, the last one first",
        Step::Concurrency,
        ten_clients,
    )
    .timeout_ms(5000),
    Check::new(
        "program-serves-clients",
        "the program greets the classic first client at once, even while another client sits idle",
        Step::Concurrency,
        program_serves_clients,
    )
    .timeout_ms(8000),
    Check::new(
        "program-reports-errors",
        "the program reports an address it cannot listen on in one line and a non-zero exit code",
        Step::Bind,
        program_reports_errors,
    )
    .timeout_ms(6000),
];

fn main() -> ExitCode {
    grader::runner::main_with_private(CHECKS, private::CHECKS, private::WITHHELD)
}

/// How long the grader waits for a reply (generous: a busy machine; a server serving one client
/// at a time would make it wait forever).
const LIMIT: Duration = Duration::from_secs(1);
/// What the classic first client sends: no newline, then it waits for the answer.
const HELLO: &[u8] = b"Hello, server!";
/// What a server that serves one client at a time most likely does wrong.
const ONE_AT_A_TIME: &str = "your server seems busy with another client: give each accepted connection its own thread (thread::spawn with a move closure) and go straight back to accept (and make greet answer after one read)";

/// A call of the student's code that returns an `io::Result<()>`, as it crossed from the host.
type Running = Background<IoResult<()>>;

/// Starts the student's `greet` on the accepted end of a connection of the grader's; the grader
/// talks from the client end.
fn start_greet(ctx: &Ctx) -> Result<(Running, Conn), Fail> {
    let (stream, conn) = ctx.connection_for_student()?;
    let greeting = ctx.spawn_passing("greet(stream)", Call::Greet, &[&stream]);
    // The host has its own copy now: this one would keep the connection open after greet closes it.
    drop(stream);
    Ok((greeting, conn))
}

/// Starts the student's `serve` on a listener of the grader's, with `handler`.
fn start_serving(ctx: &Ctx, handler: Handler) -> Result<(Running, SocketAddr), Fail> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).setup("binding a listener")?;
    let addr = listener.local_addr().setup("reading the listener's address")?;
    ctx.grader(format!("binds a listener on {addr} for your code"));
    let call = format!("serve(&listener, {})", handler.shown());
    let serving = ctx.spawn_passing(&call, Call::Serve(handler), &[&listener]);
    // The host has its own copy now; only student code accepts on it.
    drop(listener);
    Ok((serving, addr))
}

fn greet_one_read(ctx: &mut Ctx) -> Outcome {
    let (greeting, mut conn) = start_greet(ctx)?;
    greeting.while_running(|| conn.send(HELLO))?;
    greeting.while_running(|| {
        conn.expect_line("sent \"Hello, server!\" without a newline", GREETING, LIMIT).map_err(|fail| {
            fail.hint("do one read and answer: the client sends no newline and does not close, it waits for you")
        })
    })?;
    greeting.while_running(|| conn.expect_eof_within("read the greeting, then waited", LIMIT))?;
    match greeting.join_within(LIMIT)? {
        Ok(()) => Ok(()),
        Err(error) => Err(Fail::new("was greeted and saw the connection close")
            .expected("greet to return Ok(())")
            .got(format!("Err({error:?})"))),
    }
}

fn greet_silent_client(ctx: &mut Ctx) -> Outcome {
    let (greeting, mut conn) = start_greet(ctx)?;
    greeting.while_running(|| conn.shutdown_write())?;
    let returned = greeting.join_within(LIMIT)?;
    if let Err(error) = returned {
        return Err(Fail::new("connected and closed its sending half without a word")
            .expected("Ok(()): a client that leaves is not an error")
            .got(format!("Err({error:?})"))
            .hint("read returning Ok(0) means the client closed: return Ok(()) without writing"));
    }
    conn.expect_eof_within("left without a word and read what came back", LIMIT)
        .map_err(|fail| fail.hint("there is no one to greet: write only when the read returned at least one byte"))
}

fn idle_client(ctx: &mut Ctx) -> Outcome {
    let (serving, addr) = start_serving(ctx, Handler::Greet)?;
    let mut idle = serving.while_running(|| ctx.connect(addr))?;
    ctx.grader("says nothing on this first connection, and keeps it open");
    thread::sleep(Duration::from_millis(50));
    let mut second = serving.while_running(|| ctx.connect(addr))?;
    serving.while_running(|| {
        second.send(HELLO)?;
        second
            .expect_line("kept a first client idle, then sent \"Hello, server!\" from a second client", GREETING, LIMIT)
            .map_err(|fail| fail.hint(ONE_AT_A_TIME))
    })?;
    // The idle client was not forgotten: it is served as soon as it speaks.
    serving.while_running(|| {
        idle.send(HELLO)?;
        idle.expect_line("sent \"Hello, server!\" from the first client, idle until now", GREETING, LIMIT)
    })
}

fn ten_clients(ctx: &mut Ctx) -> Outcome {
    let (serving, addr) = start_serving(ctx, Handler::Greet)?;
    let mut clients = Vec::new();
    for _ in 0..10 {
        clients.push(serving.while_running(|| ctx.connect(addr))?);
    }
    ctx.grader("has connected 10 clients; now each says hello, the last one first");
    thread::sleep(Duration::from_millis(50));
    for (i, client) in clients.iter_mut().enumerate().rev() {
        serving.while_running(|| {
            client.send(HELLO)?;
            client
                .expect_line(
                    &format!(
                        "connected 10 clients, then sent \"Hello, server!\" from client {} (the clients before it still silent)",
                        i + 1
                    ),
                    GREETING,
                    LIMIT,
                )
                .map_err(|fail| fail.hint(ONE_AT_A_TIME))
        })?;
    }
    Ok(())
}

fn program_serves_clients(ctx: &mut Ctx) -> Outcome {
    let mut server = ctx.serve_program(|addr| vec![addr.to_string()]).map_err(stub_program)?;
    let addr = server.addr();
    let mut idle = ctx.connect(addr)?;
    ctx.grader("says nothing on this first connection, and keeps it open");
    thread::sleep(Duration::from_millis(50));
    for client in ["second", "third"] {
        let mut conn = ctx.connect(addr)?;
        conn.send(HELLO)?;
        conn.expect_line(
            &format!("kept a first client idle, then sent \"Hello, server!\" from a {client} client"),
            GREETING,
            LIMIT,
        )
        .map_err(|fail| {
            let hint = format!("{ONE_AT_A_TIME}; the program printed {}", server.output());
            fail.hint(hint)
        })?;
    }
    idle.send(HELLO)?;
    idle.expect_line("sent \"Hello, server!\" from the first client, idle until now", GREETING, LIMIT)?;
    if !server.running() {
        return Err(Fail::new(format!("started `{}` and served three clients", server.command_line()))
            .expected("the program to keep running, waiting for the next client")
            .got(format!("it had exited; {}", server.output()))
            .hint("serve forever: main returns only when binding or accepting fails"));
    }
    Ok(())
}

fn program_reports_errors(ctx: &mut Ctx) -> Outcome {
    let held = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).setup("binding a port for the grader")?;
    let taken = held.local_addr().setup("reading the grader's port")?.to_string();
    ctx.grader(format!("binds {taken} itself and keeps it open"));
    for arg in [taken.as_str(), "not-an-address"] {
        let ran = ctx.run_program(&[arg], Duration::from_secs(2))?;
        let one_line = predicate::str::contains(arg).and(predicate::str::contains('\n').count(1));
        if !ran.status.success() && !ran.panicked() && !ran.timed_out && one_line.eval(&ran.stderr) {
            continue;
        }
        return Err(Fail::new(format!("ran the program with {arg}"))
            .expected(format!("a non-zero exit code and one line on stderr that names {arg}"))
            .got(ran.describe())
            .hint(program_hint(&ran)));
    }
    Ok(())
}

fn program_hint(ran: &Ran) -> String {
    if ran.stderr.contains("not yet implemented") {
        "src/main.rs is still a stub: replace its todo!()".to_owned()
    } else if ran.panicked() {
        "the program panicked: handle the Err with match instead of unwrap/expect".to_owned()
    } else if ran.timed_out {
        "a failed bind should end the program: return ExitCode::FAILURE".to_owned()
    } else {
        "print `error: ` and the error, naming the address, with eprintln!, and return ExitCode::FAILURE".to_owned()
    }
}

/// A program that did not start because its `main` is still the stub's says so.
fn stub_program(fail: Fail) -> Fail {
    if fail.got.contains("not yet implemented") {
        fail.hint("src/main.rs is still a stub: replace its todo!()")
    } else {
        fail
    }
}
