//! Hidden checks of exercise 04-socket-options: options set on a stream read back as set, a zero
//! timeout is an error value, reads from a silent or trickling peer give up at their deadline
//! instead of hanging, and the program makes a request with a deadline and says when it gave up.

use std::fmt::Debug;
use std::io;
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use grader::check::Setup;
use grader::ctx::{Background, expect_error_kind, short_debug};
use grader::grader_host::wire::{IoResult, MakeError};
use grader::net::{ClosedPort, Conn};
use grader::program::{GraderSide, Ran};
use grader::transcript::{Who, show_bytes};
use grader::{Check, Ctx, Fail, Outcome, Step};
use serde::de::DeserializeOwned;
use wire::{Call, Options};

/// The private checks: they run at final grading, and the student copy has only their number.
mod private;
/// The calls the student host performs for these checks.
mod wire;

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
        "read_line_until puts a line sent in pieces back together; a close or a reset before the newline is an error",
        Step::ReadWrite,
        line_in_pieces,
    )
    .timeout_ms(5000),
    Check::new(
        "interrupted-read-retried",
        "a read that a signal interrupts (ErrorKind::Interrupted) is retried, not returned",
        Step::ReadWrite,
        interrupted_read_retried,
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
    Check::new(
        "program-replies",
        "the program sends the line it is given and prints the server's reply line",
        Step::ReadWrite,
        program_replies,
    )
    .timeout_ms(5000)
    .points(2),
    Check::new(
        "program-gives-up",
        "against a server that never answers, the program gives up after its timeout and says so in one line",
        Step::Options,
        program_gives_up,
    )
    .timeout_ms(5000)
    .points(2),
    Check::new(
        "program-reports-errors",
        "the program reports a refused connection, a bad address and a bad timeout in one line and a non-zero exit code",
        Step::Options,
        program_reports_errors,
    )
    .timeout_ms(5000),
];

fn main() -> ExitCode {
    grader::runner::main_with_private(CHECKS, private::CHECKS, private::WITHHELD)
}

/// How long the grader waits for its own side of a conversation (generous: a busy machine).
const LIMIT: Duration = Duration::from_secs(1);
/// How long a call that cannot block may take (the harness's limit for [`Ctx::call`]).
const CALL_LIMIT: Duration = Duration::from_secs(2);
/// How long student code may take to give up on a silent or trickling peer.
const GIVE_UP_LIMIT: Duration = Duration::from_millis(2500);
/// The latest acceptable return after a deadline: far above the deadline itself, so that a busy
/// machine never fails a correct solution, and far below "forever".
const LATEST: Duration = Duration::from_secs(2);

/// What `read_line_until` and `request` return: the line, or the `io::Error` as it crossed.
type Line = IoResult<String>;

/// A connected pair: the client end goes to student code, the accepted end stays with the grader.
/// The grader hands the client end over with each call and keeps it too: both name one socket, so
/// the grader reads the options student code set on its own end, with std's getters.
fn pair(ctx: &Ctx) -> Result<(TcpStream, Conn), Fail> {
    let server = ctx.listen()?;
    ctx.grader("connects a socket to its own listener and hands the client end to your code");
    let stream = TcpStream::connect(server.addr()).setup("connecting to the grader's listener")?;
    let conn = server.accept_within(LIMIT)?;
    Ok((stream, conn))
}

/// Calls student code, which cannot block, on `stream` (see [`pair`]).
fn call_on<R: DeserializeOwned + Debug>(ctx: &Ctx, stream: &TcpStream, label: &str, call: Call) -> Result<R, Fail> {
    ctx.call_passing(label, CALL_LIMIT, call, &[stream])
}

/// Student code running while the check goes on, timed by the grader's own clock from the request
/// to the answer: the host's clock is not evidence. The time includes the trip to the host and
/// back, about a millisecond, far within the tolerances of [`gave_up_in_time`].
struct Timed<R> {
    running: Background<R>,
    started: Instant,
}

impl<R: DeserializeOwned + Debug> Timed<R> {
    /// Like [`Ctx::spawn_passing`], starting the clock once the request is sent.
    fn start(ctx: &Ctx, label: &str, call: Call, sockets: &[&dyn AsRawFd]) -> Self {
        let running = ctx.spawn_passing(label, call, sockets);
        Timed { running, started: Instant::now() }
    }

    /// See [`Background::while_running`].
    fn while_running<T>(&self, grader_side: impl FnOnce() -> Result<T, Fail>) -> Result<T, Fail> {
        self.running.while_running(grader_side)
    }

    /// What the code returned, and how long it took.
    fn join_within(self, limit: Duration) -> Result<(R, Duration), Fail> {
        let returned = self.running.join_within(limit)?;
        Ok((returned, self.started.elapsed()))
    }
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
        let returned: IoResult<()> = call_on(ctx, &stream, &call, Call::Apply(options))?;
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
        let returned: IoResult<Options> = call_on(ctx, &stream, "read_options(&stream)", Call::ReadOptions)?;
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
        let returned: IoResult<()> = call_on(ctx, &stream, &call, Call::Apply(options))?;
        match returned {
            Err(error) if error.is(io::ErrorKind::InvalidInput) => {}
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
    let returned: Line = ctx.call_within(&call, LIMIT, Call::Request(addr, "PING".to_owned(), Duration::ZERO))?;
    expect_error_kind(
        &returned,
        io::ErrorKind::InvalidInput,
        format!("called {call}"),
        "a zero timeout is the caller's mistake",
        "connect with TcpStream::connect_timeout(&addr, timeout): it refuses a zero timeout with InvalidInput",
    )
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
        let call = format!("is_timeout(&io::Error::from(ErrorKind::{kind:?}))");
        let got: bool = ctx.call(&call, Call::IsTimeout(MakeError::of(kind)))?;
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
    let (stream, mut conn) = pair(ctx)?;
    let reading: Background<Line> = ctx.spawn_passing(
        "read_line_until(&mut stream, now + 2s)",
        Call::ReadLineUntil(Duration::from_secs(2)),
        &[&stream],
    );
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

    let (stream, mut conn) = pair(ctx)?;
    let reading: Background<Line> = ctx.spawn_passing(
        "read_line_until(&mut stream, now + 2s)",
        Call::ReadLineUntil(Duration::from_secs(2)),
        &[&stream],
    );
    reading.while_running(|| conn.send(b"PART"))?;
    ctx.grader("closes the connection before the end of the line");
    drop(conn);
    expect_error_kind(
        &reading.join_within(GIVE_UP_LIMIT)?,
        io::ErrorKind::UnexpectedEof,
        "sent \"PART\" and closed the connection",
        "the line never ended",
        "read returning Ok(0) means end of file: the peer closed; return io::Error::new(ErrorKind::UnexpectedEof, ...)",
    )?;

    // A reset is an error of read itself: it must come back as it is. Code that retries every
    // error reads end of file next (the reset closed the socket) and reports the wrong thing.
    let (stream, conn) = pair(ctx)?;
    let reading: Background<Line> = ctx.spawn_passing(
        "read_line_until(&mut stream, now + 2s)",
        Call::ReadLineUntil(Duration::from_secs(2)),
        &[&stream],
    );
    reading.while_running(|| conn.reset())?;
    expect_error_kind(
        &reading.join_within(GIVE_UP_LIMIT)?,
        io::ErrorKind::ConnectionReset,
        "reset the connection before sending a line",
        "the error read returned",
        "retry a read only when its error is ErrorKind::Interrupted; return every other error with ?",
    )
}

/// How often the host interrupts a read with a signal in [`interrupted_read_retried`].
const SIGNAL_EVERY: Duration = Duration::from_millis(20);
/// How long the grader lets the signals interrupt a read before it sends the line.
const SIGNALS_FOR: Duration = DEADLINE;

fn interrupted_read_retried(ctx: &mut Ctx) -> Outcome {
    let (stream, mut conn) = pair(ctx)?;
    let reading: Background<(Line, usize)> = ctx.spawn_passing(
        "read_line_until(&mut stream, now + 2s)",
        Call::ReadLineUntilInterrupted { within: Duration::from_secs(2), every: SIGNAL_EVERY },
        &[&stream],
    );
    ctx.grader(format!(
        "interrupts your code with a signal every {SIGNAL_EVERY:?} while it reads (a blocked read then fails with \
         ErrorKind::Interrupted), and sends nothing for {SIGNALS_FOR:?}"
    ));
    reading.while_running(|| {
        thread::sleep(SIGNALS_FOR);
        conn.send(b"PONG 7\n")
    })?;
    let (line, signals) = reading.join_within(GIVE_UP_LIMIT)?;
    let did = format!(
        "interrupted your code's reads with a signal every {SIGNAL_EVERY:?} ({signals} handled), then sent \"PONG 7\\n\""
    );
    match line {
        Ok(line) if line == "PONG 7\n" => Ok(()),
        Err(error) if error.is(io::ErrorKind::Interrupted) => Err(Fail::new(did)
            .expected("Ok(\"PONG 7\\n\"): an interrupted read is tried again")
            .got(format!("Err({error:?}), returned at the first signal"))
            .hint("a read that fails with ErrorKind::Interrupted did nothing wrong: a signal arrived; read again")),
        other => Err(Fail::new(did)
            .expected("Ok(\"PONG 7\\n\"): the line, once the signals are over")
            .got(short_debug(&other))
            .hint("retry a read that fails with ErrorKind::Interrupted; return every other error")),
    }
}

/// When student code was still running at the join, says why that is wrong here.
fn when_hung(fail: Fail, hint: &str) -> Fail {
    if fail.got == "it was still running" { fail.hint(hint) } else { fail }
}

/// The deadline of the checks that wait for a timeout to fire: long enough to tell a timeout from
/// giving up at once (the earliest accepted is 3/4 of it), short because every grade waits for it.
const DEADLINE: Duration = Duration::from_millis(120);

/// Checks that a read with a deadline gave up with a timeout error, neither too early nor too late.
fn gave_up_in_time(did: &str, deadline: Duration, returned: (Line, Duration)) -> Outcome {
    let (result, took) = returned;
    let earliest = deadline * 3 / 4;
    match result {
        Err(error) if error.is(io::ErrorKind::WouldBlock) || error.is(io::ErrorKind::TimedOut) => {
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
    let deadline = DEADLINE;
    let (stream, _conn) = pair(ctx)?;
    ctx.grader("keeps the connection open and sends nothing");
    let call = format!("read_line_until(&mut stream, now + {deadline:?})");
    let reading = Timed::start(ctx, &call, Call::ReadLineUntil(deadline), &[&stream]);
    let returned = reading.join_within(GIVE_UP_LIMIT).map_err(|fail| {
        when_hung(fail, "set a read timeout before reading: without one, a read from a silent peer waits forever")
    })?;
    gave_up_in_time(
        &format!("stayed silent while your code read with a deadline {deadline:?} away"),
        deadline,
        returned,
    )
}

fn request_round_trip(ctx: &mut Ctx) -> Outcome {
    let server = ctx.listen()?;
    let addr = server.addr();
    let asking: Background<Line> = ctx.spawn(
        &format!("request({addr}, \"PING\", 2s)"),
        Call::Request(addr, "PING".to_owned(), Duration::from_secs(2)),
    );
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
    let deadline = DEADLINE;
    let server = ctx.listen()?;
    let addr = server.addr();
    let asking = Timed::start(
        ctx,
        &format!("request({addr}, \"PING\", {deadline:?})"),
        Call::Request(addr, "PING".to_owned(), deadline),
        &[],
    );
    let conn = asking.while_running(|| server.accept_within(LIMIT))?;
    ctx.grader("accepts, then never answers (the connection stays open)");
    let returned = asking.join_within(GIVE_UP_LIMIT).map_err(|fail| {
        when_hung(
            fail,
            "a server that accepts and never answers must not freeze your client: read the reply with a deadline",
        )
    })?;
    drop(conn);
    gave_up_in_time(
        &format!("accepted your connection and never answered, with request's timeout {deadline:?}"),
        deadline,
        returned,
    )
}

/// The line the program checks ask the program to send, and the grader's reply to it.
const PROGRAM_LINE: &str = "TIME";
const PROGRAM_REPLY: &str = "TIME 12:00\n";
/// How long a run of the program may take when nothing makes it wait.
const PROGRAM_LIMIT: Duration = Duration::from_secs(3);
/// The timeout the program is given against a silent server.
const PROGRAM_TIMEOUT_MS: u64 = 150;
/// How long the program may run against a silent server: far above its 150 ms on a busy machine,
/// and below its default timeout of 2 s, so that a timeout argument left unused shows.
const PROGRAM_GIVE_UP_LIMIT: Duration = Duration::from_millis(1500);

/// Runs the program with `ADDR TIME TIMEOUT_MS` against a server of the grader's that accepts,
/// reads the request line and then does `then` with the connection. Returns the run, how long it
/// took, and the server, to be finished once the run has been looked at. The server's side ends
/// with its connection, so that the connection stays open until the check has judged the run.
fn run_against_server(
    ctx: &Ctx,
    timeout_ms: u64,
    limit: Duration,
    then: impl FnOnce(&mut Conn) -> Outcome + Send + 'static,
) -> Result<(Ran, Duration, GraderSide<Conn>), Fail> {
    let server = ctx.listen()?;
    let addr = server.addr().to_string();
    let serving = GraderSide::start(move || {
        let mut conn = server.accept_within(LIMIT)?;
        let request = format!("{PROGRAM_LINE}\n");
        // The harness's helper speaks of a reply; here the program is the one asking.
        let expected = format!("the request {}: the line it was given and a newline", show_bytes(request.as_bytes()));
        let hint = "the second argument is the line to send: pass it on to request as it is";
        conn.expect_line("accepted the program's connection and read its request", &request, LIMIT)
            .map_err(|fail| fail.expected(expected).hint(hint))?;
        then(&mut conn)?;
        Ok(conn)
    });
    let started = Instant::now();
    let ran = ctx.run_program(&[&addr, PROGRAM_LINE, &timeout_ms.to_string()], limit)?;
    Ok((ran, started.elapsed(), serving))
}

fn program_replies(ctx: &mut Ctx) -> Outcome {
    // The program's default timeout, 2 s: the reply comes at once, well within it.
    let (ran, _, serving) = run_against_server(ctx, 2000, PROGRAM_LIMIT, |conn| conn.send(PROGRAM_REPLY.as_bytes()))?;
    // A program that panicked or hung explains itself; otherwise the request it sent comes first.
    if !ran.panicked() && !ran.timed_out {
        serving.finish(&ran)?;
    }
    if ran.status.success() && ran.stdout == PROGRAM_REPLY {
        return Ok(());
    }
    let hint = if ran.stdout == format!("{PROGRAM_REPLY}\n") {
        "request returns the reply with its \\n: print it with print!, as println! adds a second one"
    } else if ran.timed_out {
        "the reply ends at its newline, and the server keeps the connection open: stop reading there, do not wait for the end of the stream"
    } else {
        "print the reply that request returns on stdout, and return ExitCode::SUCCESS"
    };
    Err(Fail::new(format!(
        "ran the program with the line {PROGRAM_LINE:?}; the grader's server replied {PROGRAM_REPLY:?} and kept the connection open"
    ))
    .expected(format!("exit code 0 and the reply on stdout: {PROGRAM_REPLY:?}"))
    .got(ran.describe())
    .hint(ran.hint(hint)))
}

fn program_gives_up(ctx: &mut Ctx) -> Outcome {
    let transcript = ctx.transcript().clone();
    let (ran, took, serving) = run_against_server(ctx, PROGRAM_TIMEOUT_MS, PROGRAM_GIVE_UP_LIMIT, move |_| {
        transcript.say(Who::Grader, "never answers, and keeps the connection open");
        Ok(())
    })?;
    let did = format!(
        "ran the program with a timeout of {PROGRAM_TIMEOUT_MS} ms; the grader's server read the request and never answered"
    );
    let naming = format!("{PROGRAM_TIMEOUT_MS} ms");
    if !ran.panicked() && !ran.timed_out {
        serving.finish(&ran)?;
    }
    if ran.timed_out {
        return Err(Fail::new(did)
            .expected(format!("the program to give up after about {naming}, with a non-zero exit code and one line on stderr"))
            .got(ran.describe())
            .hint("pass the timeout on to request as Duration::from_millis(TIMEOUT_MS); request must never wait longer than that: give every read in it a deadline"));
    }
    ran.expect_one_line_error(
        &did,
        &naming,
        &format!("a timeout is not like other errors: tell it apart with is_timeout and say so, as `error: no reply from ADDR within {naming}`"),
    )?;
    let earliest = Duration::from_millis(PROGRAM_TIMEOUT_MS) * 3 / 4;
    if took < earliest {
        return Err(Fail::new(did)
            .expected(format!("the program to wait about {naming} for the reply before giving up"))
            .got(format!("it gave up after only {took:?}: {}", ran.describe()))
            .hint("pass the whole timeout on to request: Duration::from_millis(TIMEOUT_MS)"));
    }
    Ok(())
}

fn program_reports_errors(ctx: &mut Ctx) -> Outcome {
    let closed = ClosedPort::reserve().setup("reserving a port where nothing listens")?;
    let nobody = closed.addr().to_string();
    ctx.grader(format!("makes sure nothing listens on {nobody}"));
    let cases: [([&str; 3], &str, &str); 4] = [
        (
            [&nobody, "PING", "500"],
            &nobody,
            "a refused connection ends the program: print `error: ` and the error, naming the address",
        ),
        (
            [&nobody, "PING", "0"],
            "",
            "request refuses a zero timeout with an InvalidInput error: print it, do not panic",
        ),
        (
            [&nobody, "PING", "soon"],
            "soon",
            "a timeout that is not a number is the user's mistake: report it with what they typed, do not unwrap parse()",
        ),
        (
            ["nowhere", "PING", "500"],
            "nowhere",
            "an address that does not parse is the user's mistake: report it with what they typed",
        ),
    ];
    for (args, naming, hint) in cases {
        let ran = ctx.run_program(&args, PROGRAM_LIMIT)?;
        ran.expect_one_line_error(&format!("ran `{}`", ran.command_line), naming, hint)?;
    }
    Ok(())
}
