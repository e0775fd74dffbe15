//! Hidden checks of exercise 03-client: connect, send the whole request, read a reply line that
//! arrives in pieces, and turn every failure into an error value.

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use grader::ctx::{Background, expect_error_kind, short_debug};
use grader::grader_host::wire::IoResult;
use grader::net::{ClosedPort, Conn, Server};
use grader::{Check, Ctx, Fail, Outcome, Step, check::Setup};
use wire::{Call, Sent};

/// The private checks: they run at final grading, and the student copy has only their number.
mod private;
/// The calls the student host performs for these checks.
mod wire;

const CHECKS: &[Check] = &[
    Check::new(
        "hello-exchange",
        "talk sends exactly \"Hello, server!\", returns the reply line and closes the connection",
        Step::Connect,
        hello_exchange,
    )
    .on_timeout("does talk wait for the end of the stream? Stop reading at the newline"),
    Check::new(
        "reply-in-pieces",
        "a reply that arrives in small pieces is put back together",
        Step::ReadWrite,
        reply_in_pieces,
    )
    .on_timeout("does talk wait for the end of the stream? Stop reading at the newline")
    .points(2),
    Check::new(
        "stops-at-newline",
        "talk returns at the newline while the server keeps the connection open",
        Step::ReadWrite,
        stops_at_newline,
    )
    .points(2),
    Check::new(
        "line-byte-by-byte",
        "receive_line reads a line that comes one byte per read",
        Step::ReadWrite,
        line_byte_by_byte,
    ),
    Check::new(
        "write-all",
        "send_all sends every byte to a writer that takes three bytes per call",
        Step::ReadWrite,
        write_all,
    ),
    Check::new(
        "cut-short",
        "a reply cut short by the server closing is an UnexpectedEof error",
        Step::ReadWrite,
        cut_short,
    ),
    Check::new("not-utf8", "a reply that is not UTF-8 is an InvalidData error", Step::ReadWrite, not_utf8),
    Check::new(
        "refused",
        "connecting to a port where no one listens is a ConnectionRefused error, not a panic",
        Step::Connect,
        refused,
    ),
    Check::new("program-talks", "the program prints the server's reply", Step::Connect, program_talks)
        .timeout_ms(5000)
        .points(2),
    Check::new(
        "program-reports-errors",
        "the program reports a refused connection in one line and a non-zero exit code",
        Step::Connect,
        program_errors,
    )
    .timeout_ms(5000),
];

fn main() -> ExitCode {
    grader::runner::main_with_private(CHECKS, private::CHECKS, private::WITHHELD)
}

const WAIT: Duration = Duration::from_secs(2);
const HELLO: &str = "Hello, server!";
const REPLY: &str = "Hello, client!\n";

/// Starts the student's `talk(addr, "Hello, server!")` against the grader's server.
fn start_talk(ctx: &Ctx) -> Result<(Server, Background<IoResult<String>>), Fail> {
    let server = ctx.listen()?;
    let addr = server.addr();
    let running = ctx.spawn(&format!("talk({addr}, {HELLO:?})"), Call::Talk(addr, HELLO.to_owned()));
    Ok((server, running))
}

/// Calls the student's `receive_line` on a reader that returns `data` at most `per_read` bytes
/// per read; `call` says so in the conversation.
fn receive_line(ctx: &Ctx, call: &str, data: &[u8], per_read: usize) -> Result<IoResult<String>, Fail> {
    ctx.call_within(call, WAIT, Call::ReceiveLine { data: data.to_vec(), per_read })
}

/// Accepts the student's connection and reads its request.
fn take_request(server: &Server) -> Result<Conn, Fail> {
    let mut conn = server.accept_within(WAIT)?;
    let request = conn.read_exact_within(HELLO.len(), WAIT);
    if request.bytes != HELLO.as_bytes() {
        return Err(Fail::new("accepted your connection and read the request")
            .expected(format!("the {} bytes {HELLO:?}", HELLO.len()))
            .got(request.describe())
            .hint("send the whole message with send_all (write_all)"));
    }
    Ok(conn)
}

fn expect_reply(call: &str, got: IoResult<String>) -> Outcome {
    match got {
        Ok(reply) if reply == REPLY.trim_end() => Ok(()),
        other => Err(Fail::new(format!("called {call} and replied {REPLY:?}"))
            .expected(format!("Ok({:?}): the line without its newline", REPLY.trim_end()))
            .got(short_debug(&other))),
    }
}

fn hello_exchange(ctx: &mut Ctx) -> Outcome {
    let (server, running) = start_talk(ctx)?;
    let mut conn = running.while_running(|| {
        let mut conn = take_request(&server)?;
        conn.send(REPLY.as_bytes())?;
        Ok(conn)
    })?;
    let got = running.join_within(WAIT).map_err(|fail| {
        fail.hint("talk returns once the reply line has arrived: stop reading at the newline, do not wait for the end of the stream")
    })?;
    expect_reply(&format!("talk({}, {HELLO:?})", server.addr()), got)?;
    // talk has returned: its stream is dropped, so the grader reads end of file, and nothing
    // but the message was sent.
    conn.expect_eof_within("read on after the request, once talk had returned", WAIT).map_err(|fail| {
        fail.hint("send exactly the message, nothing more; dropping the stream at the end of talk closes it")
    })
}

fn reply_in_pieces(ctx: &mut Ctx) -> Outcome {
    let (server, running) = start_talk(ctx)?;
    // The connection stays open (`_conn` lives to the end) so that only the newline ends the reply.
    let _conn = running.while_running(|| {
        let mut conn = take_request(&server)?;
        // Code that reads once returns after the first piece and closes the connection; the
        // rest of the reply then cannot be sent, and what talk returned says why.
        let _ = conn.send_in_pieces(REPLY.as_bytes(), 4, Duration::from_millis(30));
        Ok(conn)
    })?;
    // Returning early (one read) and never returning (waiting for the end of the stream) are the
    // same mistake seen from two sides.
    let call = format!("talk({}, {HELLO:?})", server.addr());
    running.join_within(WAIT).and_then(|got| expect_reply(&call, got)).map_err(|fail| {
        fail.hint("one read returns what has arrived so far: read in a loop until the newline, and stop there")
    })
}

fn stops_at_newline(ctx: &mut Ctx) -> Outcome {
    let (server, running) = start_talk(ctx)?;
    let conn = running.while_running(|| {
        let mut conn = take_request(&server)?;
        conn.send(REPLY.as_bytes())?;
        Ok(conn)
    })?;
    ctx.grader("keeps the connection open after the reply");
    let got = running.join_within(Duration::from_secs(1)).map_err(|fail| {
        fail.hint("the reply ends at its newline; waiting for the end of the stream waits for the server to close")
    })?;
    drop(conn);
    expect_reply(&format!("talk({}, {HELLO:?})", server.addr()), got)
}

fn line_byte_by_byte(ctx: &mut Ctx) -> Outcome {
    for (data, line) in [("one line\nand more", "one line"), ("windows line\r\n", "windows line")] {
        let call = format!("receive_line(a reader that returns {data:?} one byte per read)");
        match receive_line(ctx, &call, data.as_bytes(), 1)? {
            Ok(got) if got == line => {}
            other => {
                return Err(Fail::new(format!("called {call}"))
                    .expected(format!("Ok({line:?})"))
                    .got(short_debug(&other))
                    .hint("read until you have seen the newline, however few bytes each read returns"));
            }
        }
    }
    Ok(())
}

fn write_all(ctx: &mut Ctx) -> Outcome {
    let message: Vec<u8> = (0..100u8).map(|i| b'a' + i % 26).collect();
    let call = "send_all(a writer that takes 3 bytes per write, 100 bytes)";
    let (got, written): Sent = ctx.call_within(call, WAIT, Call::SendAll { message: message.clone(), per_write: 3 })?;
    if got.is_ok() && written == message {
        return Ok(());
    }
    Err(Fail::new(format!("called {call}"))
        .expected("Ok(()) with all 100 bytes written")
        .got(format!("{} with {} bytes written", short_debug(&got), written.len()))
        .hint("write may take only part of the buffer: use write_all, which loops"))
}

fn cut_short(ctx: &mut Ctx) -> Outcome {
    let (server, running) = start_talk(ctx)?;
    running.while_running(|| {
        let mut conn = take_request(&server)?;
        conn.send(b"Hel")?;
        ctx.grader("closes the connection in the middle of the reply");
        Ok(())
    })?;
    expect_error_kind(
        &running.join_within(WAIT)?,
        io::ErrorKind::UnexpectedEof,
        "sent \"Hel\" and closed the connection, without a newline",
        "the reply was cut short",
        "read returning Ok(0) before the newline means the server closed early",
    )
}

fn not_utf8(ctx: &mut Ctx) -> Outcome {
    let call = r#"receive_line(a reader that returns "caf\xe9\n", Latin-1, not UTF-8)"#;
    expect_invalid_data(receive_line(ctx, call, b"caf\xe9\n", 64)?, call)
}

/// What `receive_line` returned for bytes that are not UTF-8: it must be an error of kind
/// `InvalidData`.
fn expect_invalid_data(got: IoResult<String>, call: &str) -> Outcome {
    expect_error_kind(
        &got,
        io::ErrorKind::InvalidData,
        format!("called {call}"),
        "",
        "read up to the newline, then make a String of the whole line: a String holds UTF-8 only, and String::from_utf8 or read_line tell you when the bytes are not",
    )
}

fn refused(ctx: &mut Ctx) -> Outcome {
    let closed = ClosedPort::reserve().setup("reserving a closed port")?;
    let addr = closed.addr();
    ctx.grader(format!("reserves {addr}, where nothing listens"));
    let got: IoResult<String> =
        ctx.call_within(&format!("talk({addr}, {HELLO:?})"), WAIT, Call::Talk(addr, HELLO.to_owned()))?;
    expect_error_kind(
        &got,
        io::ErrorKind::ConnectionRefused,
        format!("called talk({addr}, ..) with nothing listening there"),
        "",
        "return the error of TcpStream::connect with ?",
    )
}

fn program_talks(ctx: &mut Ctx) -> Outcome {
    let server = ctx.listen()?;
    let addr = server.addr();
    // The grader's server answers on its own thread while the program runs.
    let serving = thread::spawn(move || -> Outcome {
        let mut conn = take_request(&server)?;
        conn.send(REPLY.as_bytes())
    });
    let ran = ctx.run_program(&[&addr.to_string(), HELLO], WAIT)?;
    let served = serving.join().unwrap_or_else(|_| Err(Fail::grader("the grader's server thread panicked")));
    if ran.status.success() && ran.stdout == REPLY {
        return Ok(());
    }
    // What the program did explains the failure; the grader's server only adds its own faults.
    if let Err(fail) = served
        && fail.grader_error
    {
        return Err(fail);
    }
    Err(Fail::new(format!("ran the program with {addr} and {HELLO:?}, and replied {REPLY:?}"))
        .expected(format!("exit code 0 and the reply on stdout: {REPLY:?}"))
        .got(ran.describe())
        .hint(ran.hint("print the reply line with println!")))
}

fn program_errors(ctx: &mut Ctx) -> Outcome {
    let closed = ClosedPort::reserve().setup("reserving a closed port")?;
    let addr: SocketAddr = closed.addr();
    ctx.grader(format!("reserves {addr}, where nothing listens"));
    let ran = ctx.run_program(&[&addr.to_string()], WAIT)?;
    ran.expect_one_line_error(
        &format!("ran the program with {addr}, where nothing listens"),
        "",
        "print the error with eprintln! and return ExitCode::FAILURE",
    )
}
