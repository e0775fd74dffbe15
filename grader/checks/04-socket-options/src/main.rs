//! Hidden checks of exercise 04-socket-options: options set on a stream read back as set, a zero
//! timeout is an error value, and reads from a silent or trickling peer give up at their deadline
//! instead of hanging.

use std::io;
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use grader::check::Setup;
use grader::ctx::short_debug;
use grader::net::Conn;
use grader::{Check, Ctx, Fail, Outcome, Step};
use socket_options::Options;

/// The private checks: they run at final grading, and the student copy has only their number.
mod private;

const CHECKS: &[Check] = &[
    Check::new(
        "apply-sets-options",
        "apply sets all four options, including None and false, as asked",
        Step::Options,
        apply_sets_options,
    ),
    Check::new(
        "read-options",
        "read_options reports the options the stream really has",
        Step::Options,
        read_options_reports,
    ),
    Check::new(
        "zero-timeout-invalid",
        "a zero timeout is an InvalidInput error, not a panic and not \"wait forever\"",
        Step::Options,
        zero_timeout_invalid,
    ),
    Check::new(
        "is-timeout",
        "WouldBlock and TimedOut both count as a timeout; other errors do not",
        Step::Options,
        is_timeout_kinds,
    ),
    Check::new(
        "line-in-pieces",
        "read_line_until puts a line sent in pieces back together, and a close before the newline is an error",
        Step::ReadWrite,
        line_in_pieces,
    )
    .timeout_ms(5000),
    Check::new(
        "silent-peer-times-out",
        "reading from a peer that stays silent returns a timeout error at the deadline instead of hanging",
        Step::Options,
        silent_peer_times_out,
    )
    .timeout_ms(5000)
    .on_timeout("does your read have a timeout? By default a read waits forever"),
    Check::new(
        "request-round-trip",
        "request sends one line ending in a newline and returns the server's reply line",
        Step::ReadWrite,
        request_round_trip,
    )
    .timeout_ms(5000),
    Check::new(
        "request-silent-server",
        "against a server that accepts and then stays silent, request fails at about its deadline",
        Step::Options,
        request_silent_server,
    )
    .timeout_ms(5000)
    .on_timeout("request must never wait longer than its timeout: give every read a deadline"),
];

fn main() -> ExitCode {
    grader::runner::main_with_private(CHECKS, private::CHECKS, private::WITHHELD)
}

/// How long the grader waits for its own side of a conversation (generous: a busy machine).
const LIMIT: Duration = Duration::from_secs(1);
/// How long student code may take to give up on a silent or trickling peer.
const GIVE_UP_LIMIT: Duration = Duration::from_millis(2500);
/// The latest acceptable return after a deadline: far above the deadline itself, so that a busy
/// machine never fails a correct solution, and far below "forever".
const LATEST: Duration = Duration::from_secs(2);

/// A connected pair: the client end goes to student code, the accepted end stays with the grader.
fn pair(ctx: &Ctx) -> Result<(TcpStream, Conn), Fail> {
    let server = ctx.listen()?;
    ctx.grader("connects a socket to its own listener and hands the client end to your code");
    let stream = TcpStream::connect(server.addr()).setup("connecting to the grader's listener")?;
    let conn = server.accept_within(LIMIT)?;
    Ok((stream, conn))
}

/// The options that differ between what was asked for and what the stream has, in words.
fn differences(wanted: &Options, got: &Options) -> Vec<String> {
    let mut out = Vec::new();
    if !same_timeout(wanted.read_timeout, got.read_timeout) {
        out.push(format!("read timeout {:?} instead of {:?}", got.read_timeout, wanted.read_timeout));
    }
    if !same_timeout(wanted.write_timeout, got.write_timeout) {
        out.push(format!("write timeout {:?} instead of {:?}", got.write_timeout, wanted.write_timeout));
    }
    if wanted.nodelay != got.nodelay {
        out.push(format!("nodelay {} instead of {}", got.nodelay, wanted.nodelay));
    }
    if wanted.ttl != got.ttl {
        out.push(format!("ttl {} instead of {}", got.ttl, wanted.ttl));
    }
    out
}

/// The kernel keeps timeouts in clock ticks (4ms at 250 Hz), so a timeout may read back a tick
/// longer than it was set: 250ms comes back as 252ms.
fn same_timeout(wanted: Option<Duration>, got: Option<Duration>) -> bool {
    match (wanted, got) {
        (Some(wanted), Some(got)) => got >= wanted && got - wanted <= Duration::from_millis(20),
        (wanted, got) => wanted == got,
    }
}

/// The options as the operating system reports them, read by the grader with std's getters.
fn actual(stream: &TcpStream) -> Result<Options, Fail> {
    Ok(Options {
        read_timeout: stream.read_timeout().setup("reading the read timeout")?,
        write_timeout: stream.write_timeout().setup("reading the write timeout")?,
        nodelay: stream.nodelay().setup("reading nodelay")?,
        ttl: stream.ttl().setup("reading the ttl")?,
    })
}

fn apply_sets_options(ctx: &mut Ctx) -> Outcome {
    let (stream, _conn) = pair(ctx)?;
    // The second set clears what the first set: code that only sets `Some` timeouts, or only
    // turns nodelay on, keeps the old values and is caught.
    let sets = [
        Options {
            read_timeout: Some(Duration::from_millis(300)),
            write_timeout: Some(Duration::from_millis(400)),
            nodelay: true,
            ttl: 42,
        },
        Options { read_timeout: None, write_timeout: None, nodelay: false, ttl: 17 },
    ];
    for options in sets {
        let call = format!("apply(&stream, &{options:?})");
        let returned = ctx.call(&call, || socket_options::apply(&stream, &options))?;
        if let Err(error) = returned {
            return Err(Fail::new(format!("called {call}"))
                .expected("Ok(()): every value is valid")
                .got(format!("Err({error:?})")));
        }
        let got = actual(&stream)?;
        ctx.grader(format!("reads the options back: {got:?}"));
        let wrong = differences(&options, &got);
        if !wrong.is_empty() {
            return Err(Fail::new(format!("called {call} and read the options back"))
                .expected(format!("{options:?}"))
                .got(wrong.join("; "))
                .hint("set all four, passing None and false on too: set_read_timeout(options.read_timeout) clears a timeout set earlier"));
        }
    }
    Ok(())
}

fn read_options_reports(ctx: &mut Ctx) -> Outcome {
    let (stream, _conn) = pair(ctx)?;
    for options in [
        Options { read_timeout: Some(Duration::from_millis(300)), write_timeout: None, nodelay: true, ttl: 33 },
        Options { read_timeout: None, write_timeout: Some(Duration::from_millis(700)), nodelay: false, ttl: 99 },
    ] {
        ctx.grader(format!("sets {options:?} with std's setters"));
        stream.set_read_timeout(options.read_timeout).setup("setting the read timeout")?;
        stream.set_write_timeout(options.write_timeout).setup("setting the write timeout")?;
        stream.set_nodelay(options.nodelay).setup("setting nodelay")?;
        stream.set_ttl(options.ttl).setup("setting the ttl")?;
        let returned = ctx.call("read_options(&stream)", || socket_options::read_options(&stream))?;
        // Compared with what the stream reports, not with what was set: the kernel may round.
        let options = actual(&stream)?;
        match returned {
            Ok(got) if differences(&options, &got).is_empty() => {}
            Ok(got) => {
                return Err(Fail::new("set the options and called read_options(&stream)")
                    .expected(format!("Ok({options:?}), as the stream reports them"))
                    .got(differences(&options, &got).join("; "))
                    .hint("ask the stream: read_timeout(), write_timeout(), nodelay(), ttl()"));
            }
            Err(error) => {
                return Err(Fail::new("called read_options(&stream)")
                    .expected(format!("Ok({options:?})"))
                    .got(format!("Err({error:?})")));
            }
        }
    }
    Ok(())
}

fn zero_timeout_invalid(ctx: &mut Ctx) -> Outcome {
    let (stream, _conn) = pair(ctx)?;
    let fine = Options {
        read_timeout: Some(Duration::from_millis(500)),
        write_timeout: Some(Duration::from_millis(500)),
        nodelay: false,
        ttl: 64,
    };
    let cases = [
        Options { read_timeout: Some(Duration::ZERO), ..fine },
        Options { write_timeout: Some(Duration::ZERO), ..fine },
    ];
    for options in cases {
        let call = format!("apply(&stream, &{options:?})");
        let returned = ctx.call(&call, || socket_options::apply(&stream, &options))?;
        match returned {
            Err(error) if error.kind() == io::ErrorKind::InvalidInput => {}
            other => {
                let now = actual(&stream)?;
                return Err(Fail::new(format!("called {call}"))
                    .expected("Err with kind InvalidInput: the setter refuses a zero timeout")
                    .got(format!("{}; the stream's options are now {now:?}", short_debug(&other)))
                    .hint("propagate the setter's error with ?: do not ignore it, and do not turn zero into None (None waits forever)"));
            }
        }
    }
    let server = ctx.listen()?;
    let addr = server.addr();
    let call = format!("request({addr}, \"PING\", Duration::ZERO)");
    let returned = ctx.call_within(&call, LIMIT, move || socket_options::request(addr, "PING", Duration::ZERO))?;
    match returned {
        Err(error) if error.kind() == io::ErrorKind::InvalidInput => Ok(()),
        other => Err(Fail::new(format!("called {call}"))
            .expected("Err with kind InvalidInput: a zero timeout is the caller's mistake")
            .got(short_debug(&other))
            .hint(
                "connect with TcpStream::connect_timeout(&addr, timeout): it refuses a zero timeout with InvalidInput",
            )),
    }
}

fn is_timeout_kinds(ctx: &mut Ctx) -> Outcome {
    let cases = [
        (io::ErrorKind::WouldBlock, true),
        (io::ErrorKind::TimedOut, true),
        (io::ErrorKind::ConnectionReset, false),
        (io::ErrorKind::UnexpectedEof, false),
        (io::ErrorKind::Interrupted, false),
        (io::ErrorKind::ConnectionRefused, false),
    ];
    for (kind, expected) in cases {
        let error = io::Error::from(kind);
        let call = format!("is_timeout(&io::Error::from(ErrorKind::{kind:?}))");
        let got = ctx.call(&call, || socket_options::is_timeout(&error))?;
        if got != expected {
            return Err(Fail::new(format!("called {call}"))
                .expected(format!("{expected}"))
                .got(format!("{got}"))
                .hint("a read whose timeout expired fails with WouldBlock on Linux and macOS and TimedOut on Windows: exactly those two are timeouts"));
        }
    }
    Ok(())
}

fn line_in_pieces(ctx: &mut Ctx) -> Outcome {
    let (mut stream, mut conn) = pair(ctx)?;
    let reading = ctx.spawn("read_line_until(&mut stream, now + 2s)", move || {
        socket_options::read_line_until(&mut stream, Instant::now() + Duration::from_secs(2))
    });
    reading.while_running(|| conn.send_in_pieces(b"PONG 42\n", 2, Duration::from_millis(20)))?;
    match reading.join_within(GIVE_UP_LIMIT)? {
        Ok(line) if line == "PONG 42\n" => {}
        other => {
            return Err(Fail::new("sent \"PONG 42\\n\" in pieces of 2 bytes")
                .expected("Ok(\"PONG 42\\n\"): the whole line, with its newline")
                .got(short_debug(&other))
                .hint("one read may return only part of the line: keep reading until the \\n has arrived"));
        }
    }

    let (mut stream, mut conn) = pair(ctx)?;
    let reading = ctx.spawn("read_line_until(&mut stream, now + 2s)", move || {
        socket_options::read_line_until(&mut stream, Instant::now() + Duration::from_secs(2))
    });
    reading.while_running(|| conn.send(b"PART"))?;
    ctx.grader("closes the connection before the end of the line");
    drop(conn);
    match reading.join_within(GIVE_UP_LIMIT)? {
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => Ok(()),
        other => Err(Fail::new("sent \"PART\" and closed the connection")
            .expected("Err with kind UnexpectedEof: the line never ended")
            .got(short_debug(&other))
            .hint("read returning Ok(0) means end of file: the peer closed; return io::Error::new(ErrorKind::UnexpectedEof, ...)")),
    }
}

/// When student code was still running at the join, says why that is wrong here.
fn when_hung(fail: Fail, hint: &str) -> Fail {
    if fail.got == "it was still running" { fail.hint(hint) } else { fail }
}

/// Checks that a read with a deadline gave up with a timeout error, neither too early nor too late.
fn gave_up_in_time(did: &str, deadline: Duration, returned: (io::Result<String>, Duration)) -> Outcome {
    let (result, took) = returned;
    let earliest = deadline * 3 / 4;
    match result {
        Err(error) if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
            if took < earliest {
                Err(Fail::new(did)
                    .expected(format!("a timeout error after about {deadline:?}"))
                    .got(format!("a timeout error after only {took:?}"))
                    .hint("the read timeout is the time left until the deadline, not less"))
            } else if took > LATEST {
                Err(Fail::new(did)
                    .expected(format!("a timeout error after about {deadline:?}"))
                    .got(format!("a timeout error, but only after {took:?}"))
                    .hint("compute the time left from the deadline before each read"))
            } else {
                Ok(())
            }
        }
        other => Err(Fail::new(did)
            .expected(format!("an error of kind WouldBlock or TimedOut after about {deadline:?}"))
            .got(format!("{} after {took:?}", short_debug(&other)))
            .hint("return the error of the read that timed out (with ?), or TimedOut once no time is left")),
    }
}

fn silent_peer_times_out(ctx: &mut Ctx) -> Outcome {
    let deadline = Duration::from_millis(200);
    let (mut stream, _conn) = pair(ctx)?;
    ctx.grader("keeps the connection open and sends nothing");
    let reading = ctx.spawn("read_line_until(&mut stream, now + 200ms)", move || {
        let started = Instant::now();
        let result = socket_options::read_line_until(&mut stream, started + deadline);
        (result, started.elapsed())
    });
    let returned = reading.join_within(GIVE_UP_LIMIT).map_err(|fail| {
        when_hung(fail, "set a read timeout before reading: without one, a read from a silent peer waits forever")
    })?;
    gave_up_in_time("stayed silent while your code read with a deadline 200ms away", deadline, returned)
}

fn request_round_trip(ctx: &mut Ctx) -> Outcome {
    let server = ctx.listen()?;
    let addr = server.addr();
    let asking = ctx.spawn(&format!("request({addr}, \"PING\", 2s)"), move || {
        socket_options::request(addr, "PING", Duration::from_secs(2))
    });
    let mut conn = asking.while_running(|| server.accept_within(LIMIT))?;
    asking.while_running(|| {
        conn.expect_line("accepted your connection and waited for the request", "PING\n", LIMIT).map_err(|fail| {
            fail.hint("send the line and then \"\\n\", with write_all: the server reads up to the newline")
        })?;
        conn.send_in_pieces(b"PONG\n", 2, Duration::from_millis(20))
    })?;
    match asking.join_within(GIVE_UP_LIMIT)? {
        Ok(reply) if reply == "PONG\n" => Ok(()),
        other => Err(Fail::new("replied \"PONG\\n\" in pieces of 2 bytes")
            .expected("Ok(\"PONG\\n\")")
            .got(short_debug(&other))
            .hint("read the reply with read_line_until: it keeps reading until the newline")),
    }
}

fn request_silent_server(ctx: &mut Ctx) -> Outcome {
    let deadline = Duration::from_millis(200);
    let server = ctx.listen()?;
    let addr = server.addr();
    let asking = ctx.spawn(&format!("request({addr}, \"PING\", 200ms)"), move || {
        let started = Instant::now();
        let result = socket_options::request(addr, "PING", deadline);
        (result, started.elapsed())
    });
    let conn = asking.while_running(|| server.accept_within(LIMIT))?;
    ctx.grader("accepts, then never answers (the connection stays open)");
    let returned = asking.join_within(GIVE_UP_LIMIT).map_err(|fail| {
        when_hung(
            fail,
            "a server that accepts and never answers must not freeze your client: read the reply with a deadline",
        )
    })?;
    drop(conn);
    gave_up_in_time("accepted your connection and never answered, with request's timeout 200ms", deadline, returned)
}
