//! Hidden checks of exercise 05-shutdown: a client half-closes after its whole request and still
//! reads the reply to end of file; a server reads to end of file before answering; closing is
//! dropping; a peer that leaves early is an error value, never a panic; and the program, a client
//! like `nc -N`, sends all of its input, half-closes and prints the whole reply.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use grader::check::Setup;
use grader::ctx::{Background, expect_error_kind, short_debug};
use grader::grader_host::wire::IoResult;
use grader::net::{ClosedPort, Conn, End};
use grader::program::GraderSide;
use grader::transcript::{Who, quote, show_bytes};
use grader::{Check, Ctx, Fail, Outcome, Step};
use wire::{Bytes, Call, Client, Respond};

/// The private checks: they run at final grading, and the student copy has only their number.
mod private;
/// The calls the student host performs for these checks.
mod wire;

const CHECKS: &[Check] = &[
    Check::new(
        "eof-after-request",
        "the server sees end of file right after your whole request, and the reply still reaches you",
        Step::Close,
        eof_after_request,
    )
    .timeout_ms(5000)
    .on_timeout("does your client wait for the reply before it has half-closed?"),
    Check::new(
        "client-steps",
        "send, finish_sending, receive_all: the reply is read to end of file even when it comes in pieces",
        Step::Close,
        client_steps,
    )
    .timeout_ms(5000),
    Check::new(
        "server-hangs-up",
        "a server that hangs up without answering is an error value, not a panic",
        Step::Close,
        server_hangs_up,
    )
    .timeout_ms(5000),
    Check::new(
        "drop-closes",
        "dropping a Client closes its connection: the server sees end of file",
        Step::Close,
        drop_closes,
    ),
    Check::new(
        "server-reads-to-eof",
        "answer reads the whole request up to end of file before replying, then closes",
        Step::Close,
        server_reads_to_eof,
    )
    .timeout_ms(5000)
    .on_timeout("does answer wait for something other than end of file?"),
    Check::new(
        "program-half-closes",
        "the program sends all of its input, half-closes, and prints the whole reply that comes back",
        Step::Close,
        program_half_closes,
    )
    .timeout_ms(5000)
    .points(2),
    Check::new(
        "program-reports-errors",
        "the program reports a refused connection and a bad address in one line and a non-zero exit code",
        Step::Connect,
        program_reports_errors,
    )
    .timeout_ms(5000),
];

fn main() -> ExitCode {
    grader::runner::main_with_private(CHECKS, private::CHECKS, private::WITHHELD)
}

/// How long the grader waits for its own side of a conversation (generous: a busy machine).
const LIMIT: Duration = Duration::from_secs(1);
/// How long a call that talks to the grader may take.
const CALL_LIMIT: Duration = Duration::from_secs(2);
/// The request the checks send or expect: two orders, so that "the first line" is not the request.
const REQUEST: &[u8] = b"ORDER margherita 2\nORDER funghi 1\n";

/// Bytes shown as text in the conversation (`Ok("2 orders taken\n")`), not as a list of numbers.
impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quote(&self.0, 64))
    }
}

/// Starts the student's `exchange(addr, REQUEST)`.
fn start_exchange(ctx: &Ctx, addr: SocketAddr) -> Background<IoResult<Bytes>> {
    ctx.spawn(&format!("exchange({addr}, {})", quote(REQUEST, 64)), Call::Exchange(addr, REQUEST.to_vec()))
}

/// Calls the student's `Client::connect(addr)` where the grader listens; the host keeps the
/// `Client` for the calls that follow.
fn connect_client(ctx: &Ctx, addr: SocketAddr) -> Result<Client, Fail> {
    let connected: IoResult<Client> =
        ctx.call_within(&format!("Client::connect({addr})"), CALL_LIMIT, Call::Connect(addr))?;
    connected.map_err(|error| {
        Fail::new(format!("called Client::connect({addr}) while listening there"))
            .expected("Ok(Client)")
            .got(format!("Err({error:?})"))
    })
}

/// Starts the student's `answer` on a connection of the grader's: the accepted end goes to
/// student code, the grader talks from the client end. `answer` responds with [`Respond::Count`].
fn start_answer(ctx: &Ctx) -> Result<(Background<IoResult<Bytes>>, Conn), Fail> {
    let (stream, conn) = ctx.connection_for_student()?;
    let answering = ctx.spawn_passing(
        "answer(stream, |request| format!(\"{} bytes, {} lines\\n\", ...))",
        Call::Answer(Respond::Count),
        &[&stream],
    );
    // The host has its own copy of the socket now. The judge's must go, or the connection would
    // stay open when `answer` drops its stream, and the grader would never see it close.
    drop(stream);
    Ok((answering, conn))
}

/// What a reply of the grader's read says about a request that should end in end of file.
fn request_problem(reply: &grader::net::Reply, request: &[u8]) -> Option<(String, &'static str)> {
    match &reply.end {
        End::Complete if reply.bytes == request => None,
        End::TimedOut if reply.bytes == request => Some((
            reply.describe(),
            "the request arrived but the stream did not end: after sending, call shutdown(Shutdown::Write); the server cannot know otherwise that the request is complete",
        )),
        End::TimedOut => {
            Some((reply.describe(), "send the whole request with write_all, then shutdown(Shutdown::Write)"))
        }
        _ => Some((reply.describe(), "send exactly the request, with write_all, then shutdown(Shutdown::Write)")),
    }
}

fn eof_after_request(ctx: &mut Ctx) -> Outcome {
    let server = ctx.listen()?;
    let asking = start_exchange(ctx, server.addr());
    let mut conn = asking.while_running(|| server.accept_within(LIMIT))?;
    let got = conn.read_to_end_within(LIMIT);
    if let Some((what, hint)) = request_problem(&got, REQUEST) {
        return Err(asking.explain(
            Fail::new("accepted your connection and read until end of file")
                .expected(format!("{}, and then end of file while your code waits for the reply", show_bytes(REQUEST)))
                .got(what)
                .hint(hint),
        ));
    }
    let reply = b"2 orders taken\n";
    conn.send(reply)?;
    ctx.grader("closes the connection after its reply");
    drop(conn);
    match asking.join_within(CALL_LIMIT)? {
        Ok(Bytes(got)) if got == reply => Ok(()),
        Err(error) if error.is(io::ErrorKind::UnexpectedEof) || error.is(io::ErrorKind::ConnectionReset) => {
            Err(Fail::new("saw end of file after your request, replied \"2 orders taken\\n\" and closed")
                .expected("Ok(\"2 orders taken\\n\")")
                .got(format!("Err({error:?})"))
                .hint("the reply could not come in: shut down only the sending half (Shutdown::Write), not Both"))
        }
        other => Err(Fail::new("saw end of file after your request, replied \"2 orders taken\\n\" and closed")
            .expected("Ok(\"2 orders taken\\n\")")
            .got(short_debug(&other))
            .hint("after shutdown(Shutdown::Write), read until end of file (read_to_end)")),
    }
}

fn client_steps(ctx: &mut Ctx) -> Outcome {
    let server = ctx.listen()?;
    let client = connect_client(ctx, server.addr())?;
    let mut conn = server.accept_within(LIMIT)?;
    let (first, second) = REQUEST.split_at(19);
    for part in [first, second] {
        let call = format!("client.send({})", quote(part, 64));
        let sent: IoResult<()> = ctx.call(&call, Call::Send(client.handle, part.to_vec()))?;
        if let Err(error) = sent {
            return Err(Fail::new(format!("called {call}")).expected("Ok(())").got(format!("Err({error:?})")));
        }
    }
    let finished: IoResult<()> = ctx.call("client.finish_sending()", Call::FinishSending(client.handle))?;
    if let Err(error) = finished {
        return Err(Fail::new("called client.finish_sending()").expected("Ok(())").got(format!("Err({error:?})")));
    }
    let got = conn.read_to_end_within(LIMIT);
    if let Some((what, hint)) = request_problem(&got, REQUEST) {
        return Err(Fail::new("called send twice and finish_sending, then read until end of file")
            .expected(format!("{} (both sends), and then end of file", show_bytes(REQUEST)))
            .got(what)
            .hint(hint));
    }
    let reply = b"order 1: margherita x2\norder 2: funghi x1\n";
    ctx.grader("replies in pieces of 10 bytes, 20ms apart, from another thread, then closes");
    let replying = thread::spawn(move || {
        let sent = conn.send_in_pieces(reply, 10, Duration::from_millis(20));
        drop(conn);
        sent
    });
    // The client's last call: the host drops it afterwards, so that a Client that stops reading
    // early closes at once and the grader's remaining pieces fail fast instead of waiting unread.
    let received: IoResult<Bytes> =
        ctx.call_within("client.receive_all()", CALL_LIMIT, Call::ReceiveAll(client.handle))?;
    // What the student's code received decides; the grader's own send fails only as a consequence
    // (a Client that stopped reading early is dropped, and the rest of the reply has nowhere to go).
    let sent = replying.join().map_err(|_| Fail::grader("the grader's replying thread panicked"))?;
    match received {
        Ok(Bytes(got)) if got == reply => sent,
        Err(error) if error.is(io::ErrorKind::ConnectionReset) => Err(Fail::new(format!(
            "sent {} in pieces of 10 bytes, then closed",
            show_bytes(reply)
        ))
        .expected(format!("Ok({})", quote(reply, 64)))
        .got(format!("Err({error:?})"))
        .hint(
            "the reply could not come in: finish_sending shuts down only the sending half (Shutdown::Write), not Both",
        )),
        // Nothing at all, though the grader sent 42 bytes: the receiving half had ended already
        // (shut down with Both, a race that ends in a reset or in this, depending on timing).
        Ok(Bytes(got)) if got.is_empty() => Err(Fail::new(format!(
            "sent {} in pieces of 10 bytes, then closed",
            show_bytes(reply)
        ))
        .expected(format!("Ok({})", quote(reply, 64)))
        .got("Ok(\"\"): end of file before the first byte")
        .hint(
            "the reply could not come in: finish_sending shuts down only the sending half (Shutdown::Write), not Both",
        )),
        other => Err(Fail::new(format!("sent {} in pieces of 10 bytes, then closed", show_bytes(reply)))
            .expected(format!("Ok({})", quote(reply, 64)))
            .got(short_debug(&other))
            .hint("one read returns what has arrived so far: read until a read returns Ok(0) (read_to_end does)")),
    }
}

fn server_hangs_up(ctx: &mut Ctx) -> Outcome {
    // First the server reads the request and closes without a word: an orderly end of file, so
    // the reply is empty, which exchange must report as UnexpectedEof.
    let server = ctx.listen()?;
    let asking = start_exchange(ctx, server.addr());
    let mut conn = asking.while_running(|| server.accept_within(LIMIT))?;
    conn.read_exact_within(REQUEST.len(), LIMIT);
    ctx.grader("closes the connection without replying");
    drop(conn);
    expect_error_kind(
        &asking.join_within(CALL_LIMIT)?,
        io::ErrorKind::UnexpectedEof,
        "read your request and closed the connection without replying",
        "no reply is not an empty reply",
        "if receive_all returns no bytes at all, return io::Error::new(io::ErrorKind::UnexpectedEof, \"...\")",
    )?;

    // Then the server resets the connection at once: whichever call of the client notices first
    // (write, shutdown or read), the result must be an error value.
    let server = ctx.listen()?;
    let asking = start_exchange(ctx, server.addr());
    let conn = asking.while_running(|| server.accept_within(LIMIT))?;
    conn.reset()?;
    match asking.join_within(CALL_LIMIT)? {
        Err(_) => Ok(()),
        other => Err(Fail::new("accepted your connection and reset it at once")
            .expected("an Err (connection reset, broken pipe or unexpected end of file)")
            .got(short_debug(&other))
            .hint("propagate every I/O error with ?: the server is gone, there is no reply")),
    }
}

fn drop_closes(ctx: &mut Ctx) -> Outcome {
    let server = ctx.listen()?;
    let client = connect_client(ctx, server.addr())?;
    let mut conn = server.accept_within(LIMIT)?;
    let sent: IoResult<()> = ctx.call("client.send(b\"bye\")", Call::Send(client.handle, b"bye".to_vec()))?;
    if let Err(error) = sent {
        return Err(Fail::new("called client.send(b\"bye\")").expected("Ok(())").got(format!("Err({error:?})")));
    }
    let got = conn.read_exact_within(3, LIMIT);
    if got.bytes != b"bye" {
        return Err(Fail::new("called client.send(b\"bye\")")
            .expected("3 bytes \"bye\" to arrive")
            .got(got.describe())
            .hint("send writes all the bytes with write_all"));
    }
    let () = ctx.call("drop(client)", Call::Drop(client.handle))?;
    conn.expect_eof_within("dropped your Client and read", LIMIT)
        .map_err(|fail| {
            fail.hint("the connection closes when the last handle on the socket is dropped: keep the stream in the Client only, with no clones elsewhere")
        })
}

fn server_reads_to_eof(ctx: &mut Ctx) -> Outcome {
    let (answering, mut conn) = start_answer(ctx)?;
    let (first, second) = REQUEST.split_at(19);
    let closed_early = "your code closed the connection in the middle of the request: read until end of file (read_to_end) before answering";
    conn.send_in_pieces(first, 5, Duration::from_millis(20))
        .map_err(|fail| answering.explain(fail.hint(closed_early)))?;
    ctx.grader("pauses, without ending the request");
    let early = conn.read_exact_within(1, Duration::from_millis(100));
    if !early.bytes.is_empty() || early.end != End::TimedOut {
        return Err(answering.explain(
            Fail::new(format!(
                "sent {} in pieces, then paused without ending the request",
                show_bytes(first)
            ))
            .expected("your code to keep reading: the request is complete only at end of file")
            .got(early.describe())
            .hint("read until end of file (read_to_end) before answering: neither the first read nor the first newline is the end of the request"),
        ));
    }
    conn.send(second)
        .and_then(|()| conn.shutdown_write())
        .map_err(|fail| answering.explain(fail.hint(closed_early)))?;
    let expected = Respond::Count.reply(REQUEST);
    let got = conn.read_to_end_within(LIMIT);
    if got.end != End::Complete || got.bytes != expected {
        return Err(answering.explain(
            Fail::new(format!("sent {} in pieces and shut down its sending half", show_bytes(REQUEST)))
                .expected(format!("the reply {} and then end of file", quote(&expected, 64)))
                .got(got.describe())
                .hint("write_all respond(&request) after read_to_end; the stream closes when answer returns"),
        ));
    }
    match answering.join_within(CALL_LIMIT)? {
        Ok(Bytes(request)) if request == REQUEST => Ok(()),
        other => Err(Fail::new("sent the whole request, got the reply and end of file")
            .expected(format!("answer to return Ok({})", quote(REQUEST, 64)))
            .got(short_debug(&other))
            .hint("return the request you read")),
    }
}

/// The grader's reply to the program: two lines of 15 bytes, sent one at a time before the
/// connection closes, so that a single read cannot take the whole reply.
const PROGRAM_REPLY: &[u8] = b"2 orders taken\nready at 12:30\n";
/// How long a run of the program may take.
const PROGRAM_LIMIT: Duration = Duration::from_secs(3);

fn program_half_closes(ctx: &mut Ctx) -> Outcome {
    let server = ctx.listen()?;
    let addr = server.addr();
    let transcript = ctx.transcript().clone();
    // The grader's server reads to end of file before it answers: only the program's half-close
    // lets it answer at all.
    let serving = GraderSide::start(move || -> Outcome {
        let mut conn = server.accept_within(LIMIT)?;
        let got = conn.read_to_end_within(LIMIT);
        if let Some((what, hint)) = request_problem(&got, REQUEST) {
            // The start of the input and then end of file: the program sent only part of it.
            let partial = got.end == End::Complete && REQUEST.starts_with(&got.bytes);
            return Err(Fail::new("accepted the program's connection and read until end of file")
                .expected(format!("{} (all of the program's input), and then end of file", show_bytes(REQUEST)))
                .got(what)
                .hint(if partial {
                    "the request is all of standard input: read it to its end (read_to_end), not one line, and send it whole"
                } else {
                    hint
                }));
        }
        transcript.say(Who::Grader, "has the whole request: that end of file was a half-close, so it can still answer");
        transcript.say(Who::Grader, "replies in two pieces, then closes the connection");
        // A reply that cannot be sent follows from a mistake the program's output shows better.
        let _ = conn.send_in_pieces(PROGRAM_REPLY, PROGRAM_REPLY.len() / 2, Duration::from_millis(20));
        Ok(())
    });
    let ran = ctx.run_program_with_input(&[&addr.to_string()], REQUEST, PROGRAM_LIMIT)?;
    // A program that panicked or hung explains itself; otherwise the request it sent comes first.
    if !ran.panicked() && !ran.timed_out {
        serving.finish(&ran)?;
    }
    if ran.status.success() && ran.stdout.as_bytes() == PROGRAM_REPLY {
        return Ok(());
    }
    let reply = String::from_utf8_lossy(PROGRAM_REPLY);
    let hint = if ran.stdout == format!("{reply}\n") {
        "write the reply's bytes as they are, with write_all: println! adds a newline"
    } else if !ran.stdout.is_empty() && reply.starts_with(&ran.stdout) {
        "the reply is everything the server sends until it closes: read until a read returns Ok(0) (read_to_end), not once"
    } else {
        "after the half-close (Shutdown::Write, not Both, which shuts the reply out) exchange reads the reply to end of file: write it to stdout with write_all and return ExitCode::SUCCESS"
    };
    Err(Fail::new(format!(
        "ran the program with {} on its standard input; the grader's server read it to end of file, replied in two pieces and closed",
        show_bytes(REQUEST)
    ))
    .expected(format!("exit code 0 and the whole reply on stdout: {}", quote(PROGRAM_REPLY, 64)))
    .got(ran.describe())
    .hint(ran.hint(hint)))
}

fn program_reports_errors(ctx: &mut Ctx) -> Outcome {
    let closed = ClosedPort::reserve().setup("reserving a port where nothing listens")?;
    let nobody = closed.addr().to_string();
    ctx.grader(format!("makes sure nothing listens on {nobody}"));
    let cases = [
        (nobody.as_str(), "a refused connection ends the program: print `error: ` and the error, naming the address"),
        ("nowhere", "an address that does not parse is the user's mistake: report it with what they typed"),
    ];
    for (addr, hint) in cases {
        let ran = ctx.run_program_with_input(&[addr], REQUEST, PROGRAM_LIMIT)?;
        ran.expect_one_line_error(
            &format!("ran `{}` with the orders on its standard input", ran.command_line),
            addr,
            hint,
        )?;
    }
    Ok(())
}
