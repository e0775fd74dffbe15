//! Hidden checks of exercise 01-bind: creating a socket, binding it, and reporting why a bind
//! failed as a value (never a panic), from the library and from the program.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use grader::ctx::short_debug;
use grader::grader_host::wire::{IoError, MakeError};
use grader::predicates::prelude::*;
use grader::{Check, Ctx, Fail, Outcome, Step};
use wire::{BindErr, Bound, Call};

/// The private checks: they run at final grading, and the student copy has only their number.
mod private;
/// The calls the student host performs for these checks.
mod wire;

const CHECKS: &[Check] = &[
    Check::new("parse-address", "IPv4 and IPv6 socket addresses are parsed", Step::Bind, parse_ok),
    Check::new(
        "permission-denied",
        "a permission error is classified as PermissionDenied",
        Step::Bind,
        permission_denied,
    ),
    Check::new(
        "ephemeral-port",
        "binding 127.0.0.1:0 gives a listening socket on a port the kernel chose",
        Step::Bind,
        ephemeral_port,
    ),
    Check::new(
        "invalid-address",
        "text that is not IP:port is an InvalidAddress error, not a panic",
        Step::Bind,
        invalid_address,
    ),
    Check::new(
        "address-in-use",
        "binding a port another socket holds is an AddrInUse error",
        Step::Bind,
        address_in_use,
    )
    .points(2),
    Check::new(
        "address-not-available",
        "binding an IP this machine does not have is an AddrNotAvailable error",
        Step::Bind,
        not_available,
    ),
    Check::new(
        "other-errors-kept",
        "any other error is kept whole in BindError::Other, and is its source()",
        Step::Bind,
        other_errors_kept,
    ),
    Check::new("error-messages", "each error's message is one line that names the address", Step::Bind, error_messages),
    Check::new(
        "program-prints-address",
        "the program prints the address it bound, with the real port",
        Step::Bind,
        program_ok,
    )
    .timeout_ms(5000)
    .points(2),
    Check::new(
        "program-reports-errors",
        "the program reports a failed bind in one line that names the address, and a non-zero exit code",
        Step::Bind,
        program_errors,
    )
    .timeout_ms(5000)
    .points(2),
];

fn main() -> ExitCode {
    grader::runner::main_with_private(CHECKS, private::CHECKS, private::WITHHELD)
}

const PROGRAM_LIMIT: Duration = Duration::from_secs(2);

/// Calls the student's `bind(text)`; the host keeps the listener it returns.
fn call_bind(ctx: &Ctx, text: &str) -> Result<Bound, Fail> {
    ctx.call_within(&format!("bind({text:?})"), Duration::from_secs(2), Call::Bind(text.to_owned()))
}

fn ephemeral_port(ctx: &mut Ctx) -> Outcome {
    let did = r#"called bind("127.0.0.1:0")"#;
    let listener = call_bind(ctx, "127.0.0.1:0")?.map_err(|error| {
        Fail::new(did)
            .expected("Ok with a listener: port 0 asks the kernel for any free port")
            .got(format!("Err({error:?})"))
    })?;
    let Some(addr) = listener.addr.filter(|a| a.ip() == Ipv4Addr::LOCALHOST && a.port() != 0) else {
        return Err(Fail::new(did)
            .expected("a listener on 127.0.0.1 with a non-zero port chosen by the kernel")
            .got(format!("a listener whose local_addr() is {:?}", listener.addr)));
    };
    // Bound and listening: a client can connect now.
    ctx.connect(addr).map_err(|fail| {
        fail.hint("TcpListener::bind creates, binds and listens in one call; return the listener it gives you")
    })?;
    Ok(())
}

fn parse_ok(ctx: &mut Ctx) -> Outcome {
    for (text, expected) in [
        ("127.0.0.1:8080", SocketAddr::from(([127, 0, 0, 1], 8080))),
        ("[::1]:9000", SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 9000))),
    ] {
        let got: Result<SocketAddr, BindErr> =
            ctx.call(&format!("parse_address({text:?})"), Call::ParseAddress(text.to_owned()))?;
        match got {
            Ok(addr) if addr == expected => {}
            other => {
                return Err(Fail::new(format!("called parse_address({text:?})"))
                    .expected(format!("Ok({expected})"))
                    .got(short_debug(&other))
                    .hint("text.parse::<SocketAddr>() understands both forms"));
            }
        }
    }
    Ok(())
}

fn invalid_address(ctx: &mut Ctx) -> Outcome {
    for text in ["localhost:8080", "127.0.0.1", "127.0.0.1:99999", "256.0.0.1:80", "::1:80", ""] {
        match call_bind(ctx, text)? {
            Err(BindErr::InvalidAddress(kept)) if kept == text => {}
            other => {
                return Err(Fail::new(format!("called bind({text:?})"))
                    .expected(format!("Err(BindError::InvalidAddress({text:?})), keeping the text as given"))
                    .got(short_debug(&other))
                    .hint("parse the text first (parse_address) and return its error with ?"));
            }
        }
    }
    Ok(())
}

fn address_in_use(ctx: &mut Ctx) -> Outcome {
    let (_held, addr) = ctx.hold_port()?;
    match call_bind(ctx, &addr.to_string())? {
        Err(BindErr::AddrInUse(reported)) if reported == addr => Ok(()),
        other => Err(Fail::new(format!("held {addr} and called bind(\"{addr}\")"))
            .expected(format!("Err(BindError::AddrInUse({addr}))"))
            .got(short_debug(&other))
            .hint("the io::Error's kind() is ErrorKind::AddrInUse: classify it")),
    }
}

fn not_available(ctx: &mut Ctx) -> Outcome {
    // 192.0.2.0/24 is reserved for documentation: never an address of this machine. The bind fails
    // locally; no packet is sent.
    let text = "192.0.2.1:0";
    let addr: SocketAddr = text.parse().expect("a valid literal");
    match call_bind(ctx, text)? {
        Err(BindErr::AddrNotAvailable(reported)) if reported == addr => Ok(()),
        other => Err(Fail::new(format!("called bind({text:?}), an IP that is not this machine's"))
            .expected(format!("Err(BindError::AddrNotAvailable({addr}))"))
            .got(short_debug(&other))
            .hint("the io::Error's kind() is ErrorKind::AddrNotAvailable: classify it")),
    }
}

fn permission_denied(ctx: &mut Ctx) -> Outcome {
    // Binding port 80 fails only without privileges (and a container may allow it anyway), so the
    // classification is checked with the error such a bind returns.
    let addr = SocketAddr::from(([127, 0, 0, 1], 80));
    ctx.grader("builds the io::Error a bind of port 80 returns to an unprivileged user");
    let got: BindErr = ctx.call(
        &format!("classify({addr}, io::Error::from(ErrorKind::PermissionDenied))"),
        Call::Classify(addr, MakeError::of(io::ErrorKind::PermissionDenied)),
    )?;
    match got {
        BindErr::PermissionDenied(reported) if reported == addr => Ok(()),
        other => Err(Fail::new(format!("called classify({addr}, PermissionDenied error)"))
            .expected(format!("BindError::PermissionDenied({addr})"))
            .got(short_debug(&other))
            .hint("match on error.kind(): ErrorKind::PermissionDenied")),
    }
}

fn other_errors_kept(ctx: &mut Ctx) -> Outcome {
    expect_other_kept(ctx, SocketAddr::from(([127, 0, 0, 1], 7000)), io::ErrorKind::ConnectionReset, "reset")
}

/// Calls the student's `classify(addr, error)` with an error of `kind` (one without a variant of
/// its own) and `message`: the error must come back whole in `BindError::Other`, and be its
/// `source()`.
fn expect_other_kept(ctx: &Ctx, addr: SocketAddr, kind: io::ErrorKind, message: &str) -> Outcome {
    let made = format!("io::Error::new({kind:?}, {message:?})");
    let got: BindErr =
        ctx.call(&format!("classify({addr}, {made})"), Call::Classify(addr, MakeError::with(kind, message)))?;
    match got {
        BindErr::Other(reported, error) if reported == addr && error.is(kind) => {}
        other => {
            return Err(Fail::new(format!("called classify({addr}, a {kind:?} error)"))
                .expected(format!("BindError::Other({addr}, the same error, kind {kind:?})"))
                .got(short_debug(&other))
                .hint("errors you do not recognise go into Other unchanged: do not relabel them"));
        }
    }
    // Kept whole means reachable too: `source()` is how a caller (or `Box<dyn Error>`) gets at it.
    let source: Option<String> = ctx.call(
        &format!("classify({addr}, {made}).source()"),
        Call::ClassifySource(addr, MakeError::with(kind, message)),
    )?;
    if source.as_deref() != Some(message) {
        return Err(Fail::new(format!("called source() on what classify({addr}, a {kind:?} error) returned"))
            .expected(format!("Some(the original error, {message:?})"))
            .got(short_debug(&source))
            .hint("keep the stub's `impl std::error::Error for BindError`: the source() of Other is its io::Error"));
    }
    Ok(())
}

fn program_ok(ctx: &mut Ctx) -> Outcome {
    let ran = ctx.run_program(&["127.0.0.1:0"], PROGRAM_LIMIT)?;
    let did = "ran the program with 127.0.0.1:0";
    let prefix = "Socket created and bound to 127.0.0.1:";
    let line = ran.stdout.trim_end();
    let port = line.strip_prefix(prefix).and_then(|p| p.parse::<u16>().ok());
    if ran.status.success() && predicate::str::starts_with(prefix).eval(line) && port.is_some_and(|p| p != 0) {
        return Ok(());
    }
    Err(Fail::new(did)
        .expected("exit code 0 and the line `Socket created and bound to 127.0.0.1:PORT` with the real port (not 0)")
        .got(ran.describe())
        .hint(ran.hint("print listener.local_addr(), not the address you were given")))
}

fn program_errors(ctx: &mut Ctx) -> Outcome {
    let (_held, addr) = ctx.hold_port()?;
    let taken = addr.to_string();
    for arg in [taken.as_str(), "not-an-address"] {
        let ran = ctx.run_program(&[arg], PROGRAM_LIMIT)?;
        ran.expect_one_line_error(
            &format!("ran the program with {arg}"),
            arg,
            "print `error: {error}` with eprintln! and return ExitCode::FAILURE",
        )?;
    }
    Ok(())
}

fn error_messages(ctx: &mut Ctx) -> Outcome {
    let addr = SocketAddr::from(([127, 0, 0, 1], 8080));
    let weird = io::Error::other("weird");
    let cases = vec![
        (BindErr::InvalidAddress("12.0.0.1:x".to_owned()), "12.0.0.1:x"),
        (BindErr::AddrInUse(addr), "127.0.0.1:8080"),
        (BindErr::AddrNotAvailable(addr), "127.0.0.1:8080"),
        (BindErr::PermissionDenied(addr), "127.0.0.1:8080"),
        (BindErr::Other(addr, IoError::from(&weird)), "127.0.0.1:8080"),
    ];
    let mut seen: Vec<String> = Vec::new();
    for (error, names) in cases {
        let shown = format!("{error:?}");
        let message: String = ctx.call(&format!("{shown}.to_string()"), Call::Display(error))?;
        let did = format!("called to_string() on {shown}");
        if message.trim().is_empty() || message.contains('\n') {
            return Err(Fail::new(did).expected("one non-empty line").got(format!("{message:?}")));
        }
        if !message.contains(names) {
            return Err(Fail::new(did)
                .expected(format!("a message that names {names}"))
                .got(format!("{message:?}"))
                .hint("say which address the problem is about: the user may have typed several"));
        }
        if seen.contains(&message) {
            return Err(Fail::new(did)
                .expected("a message of its own for each kind of error")
                .got(format!("{message:?}, the same as for another kind"))
                .hint("say what went wrong: in use? not this machine's? permission?"));
        }
        seen.push(message);
    }
    Ok(())
}
