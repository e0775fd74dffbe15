//! `cargo xtask talk ADDR` and `cargo xtask talk --listen ADDR`: a small TCP client, or a server
//! for one client, to try an exercise's program by hand. The guides use it instead of `nc`, which
//! many machines lack and whose options differ from one version to the next.
//!
//! - What to send is typed on standard input (each line goes as soon as Enter is pressed; Ctrl-D in
//!   the middle of a line sends that part alone) or given with `--send TEXT`, which sends exactly
//!   TEXT, with `\n`-style escapes understood and no newline added: the guides need both a message
//!   without newline ("Hello, server!") and lines of a protocol (`MENU\n`). TEXT goes as soon as
//!   the connection is made, by either side: a server's reply ready in advance, as `printf … | nc
//!   -l` gave one.
//! - What comes back is printed on standard output with every byte that is not printable text
//!   escaped (`\n`, `\r`, `\t`, `\xNN`, `\\`), and a line break after each `\n`, so that a missing
//!   newline or a stray `\r` is visible. Notes on what happens to the connection (connected, end of
//!   file, half-close) go to standard error, so that standard output holds only what was received.
//! - The client stops when the server closes the connection; the server (one client, then it
//!   stops) when the client has ended its side and there is nothing more to send. `--wait MS`
//!   stops either after MS milliseconds without a byte from the other side.
//!
//! Failures (nothing listening, a port in use, a reset) are one `error:` line and exit code 2.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{self, IsTerminal, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::CANNOT_RUN;
use crate::cli::{self, Error};

/// How long a connection to an address that does not answer is tried (loopback answers at once).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What `talk` was asked to do.
struct Request {
    /// Connect to these addresses (client) or listen on them (`--listen`).
    addresses: Vec<SocketAddr>,
    /// The address as the user typed it, for messages.
    shown: String,
    listen: bool,
    /// `--send TEXT`, unescaped; `None` means standard input.
    send: Option<Vec<u8>>,
    /// `--shutdown`: half-close once everything is sent.
    shutdown: bool,
    /// `--wait MS`: stop after this long without a byte from the other side.
    wait: Option<Duration>,
}

pub fn run(mut parser: lexopt::Parser) -> Result<ExitCode, Error> {
    use lexopt::prelude::*;
    let mut address: Option<OsString> = None;
    let mut listen: Option<OsString> = None;
    let mut send: Option<Vec<u8>> = None;
    let mut shutdown = false;
    let mut wait = None;
    while let Some(arg) = parser.next()? {
        match arg {
            Long("listen") => {
                if listen.is_some() {
                    return Err(cli::error("talk listens on one address; --listen was given twice"));
                }
                listen = Some(parser.value()?);
            }
            Long("send") => {
                if send.is_some() {
                    return Err(cli::error("--send was given twice: put everything in one TEXT, lines ending in \\n"));
                }
                let text = parser.value()?;
                let text = text.to_str().ok_or_else(|| cli::error(format!("--send takes text (got {text:?})")))?;
                send = Some(unescape(text).map_err(cli::error)?);
            }
            Long("shutdown") => shutdown = true,
            Long("wait") => wait = Some(milliseconds(parser.value()?)?),
            Long("help") | Short('h') => {
                print!("{}", cli::HELP);
                return Ok(ExitCode::SUCCESS);
            }
            Value(value) if address.is_none() => address = Some(value),
            Value(value) => return Err(cli::error(format!("talk takes one address; unexpected {value:?}"))),
            other => return Err(other.unexpected().into()),
        }
    }
    let (shown, listening) = match (address, listen) {
        (Some(address), None) => (address, false),
        (None, Some(address)) => (address, true),
        (Some(_), Some(_)) => {
            return Err(cli::error(
                "talk either connects to ADDR or listens with --listen ADDR; give one address, not both",
            ));
        }
        (None, None) => {
            return Err(cli::error(
                "talk needs an address: `cargo xtask talk 127.0.0.1:8080` connects, \
                 `cargo xtask talk --listen 127.0.0.1:8080` waits for a client",
            ));
        }
    };
    let shown = shown.to_str().ok_or_else(|| cli::error(format!("{shown:?} is not an address")))?.to_owned();
    let request = Request { addresses: resolve(&shown)?, shown, listen: listening, send, shutdown, wait };
    Ok(match talk(&request) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            // A failure to talk is not a mistake in the arguments: one line, without the usage hint.
            Screen::shared().note_line();
            eprintln!("error: {failure}");
            ExitCode::from(CANNOT_RUN)
        }
    })
}

/// The addresses `text` names: `IP:PORT`, `[IPv6]:PORT`, `HOST:PORT`, or a bare port for
/// `127.0.0.1:PORT`.
fn resolve(text: &str) -> Result<Vec<SocketAddr>, Error> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let port: u16 = text.parse().map_err(|_| cli::error(format!("{text} is not a port: ports go up to 65535")))?;
        return Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))]);
    }
    let invalid = |why: String| {
        cli::error(format!("{text:?} is not an address with a port, such as 127.0.0.1:8080 or [::1]:8080 ({why})"))
    };
    let addresses: Vec<SocketAddr> = text.to_socket_addrs().map_err(|e| invalid(e.to_string()))?.collect();
    if addresses.is_empty() {
        return Err(invalid("the name has no address".into()));
    }
    Ok(addresses)
}

/// Parses the value of `--wait`.
fn milliseconds(value: OsString) -> Result<Duration, Error> {
    value
        .to_str()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis)
        .ok_or_else(|| cli::error(format!("--wait takes a whole number of milliseconds, such as 500 (got {value:?})")))
}

/// `--send`'s TEXT as bytes: `\n`, `\r`, `\t`, `\0`, `\\` and `\xNN` stand for the byte they name;
/// every other character is itself (in UTF-8). Nothing is added: no newline unless TEXT ends in `\n`.
pub fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let byte = match chars.next() {
            Some('n') => b'\n',
            Some('r') => b'\r',
            Some('t') => b'\t',
            Some('0') => 0,
            Some('\\') => b'\\',
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(byte) if hex.len() == 2 => byte,
                    _ => return Err(format!("--send: \\x takes two hex digits, such as \\x07 (got \\x{hex})")),
                }
            }
            Some(other) => {
                return Err(format!(
                    "--send: \\{other} is not an escape talk knows; use \\n, \\r, \\t, \\0, \\xNN, or \\\\ for a backslash"
                ));
            }
            None => return Err("--send: TEXT ends in a lone backslash; write \\\\ for a backslash".into()),
        };
        bytes.push(byte);
    }
    Ok(bytes)
}

/// Turns received bytes into text a terminal shows as they are: printable UTF-8 stays, the rest is
/// escaped. A character cut in two by the network is held until its second half arrives.
#[derive(Default)]
pub struct Escaper {
    held: Vec<u8>,
}

impl Escaper {
    /// The text for `bytes`, which follow those fed before.
    pub fn feed(&mut self, bytes: &[u8]) -> String {
        self.held.extend_from_slice(bytes);
        let mut out = String::new();
        let mut rest: &[u8] = &std::mem::take(&mut self.held);
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    push_text(&mut out, text);
                    break;
                }
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    push_text(&mut out, std::str::from_utf8(valid).expect("checked"));
                    match error.error_len() {
                        Some(len) => {
                            for byte in &after[..len] {
                                let _ = write!(out, "\\x{byte:02x}");
                            }
                            rest = &after[len..];
                        }
                        None => {
                            // The start of a character whose end has not arrived yet.
                            self.held = after.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        out
    }

    /// The text for what is held when no more bytes come: an incomplete character, escaped.
    pub fn finish(&mut self) -> String {
        std::mem::take(&mut self.held).iter().map(|byte| format!("\\x{byte:02x}")).collect()
    }
}

fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\x{byte:02x}");
                }
            }
            c => out.push(c),
        }
    }
}

/// Standard output (what was received) and standard error (notes) share a terminal: a note never
/// starts in the middle of a received line that did not end.
struct Screen {
    line_open: bool,
}

impl Screen {
    fn shared() -> std::sync::MutexGuard<'static, Screen> {
        static SCREEN: Mutex<Screen> = Mutex::new(Screen { line_open: false });
        SCREEN.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Prints received text.
    fn data(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut out = io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
        self.line_open = !text.ends_with('\n');
    }

    /// Ends a received line that did not end, so that what follows starts on a line of its own.
    fn note_line(&mut self) {
        if self.line_open {
            let mut out = io::stdout().lock();
            let _ = out.write_all(b"\n");
            let _ = out.flush();
            self.line_open = false;
        }
    }
}

/// A note on standard error about the connection.
fn note(text: &str) {
    let mut screen = Screen::shared();
    screen.note_line();
    eprintln!("talk: {text}");
}

/// What the threads of a conversation report.
enum Event {
    /// Bytes from the other side (already printed).
    Heard,
    /// The other side ended its direction of the connection (a read returned end of file).
    PeerEnded,
    ReadFailed(io::Error),
    /// Everything there was to send is sent.
    Sent,
    SendFailed(io::Error),
}

fn talk(request: &Request) -> Result<(), String> {
    let (stream, peer) = if request.listen { accept(request)? } else { connect(request)? };
    let typing = request.send.is_none() && io::stdin().is_terminal();
    let (peer_name, other) = if request.listen { ("the client", "client") } else { ("the server", "server") };
    if request.listen {
        note(&format!("{peer} connected"));
    } else {
        let local = stream.local_addr().map(|a| format!(" from {a}")).unwrap_or_default();
        note(&format!("connected to {peer}{local}"));
    }
    if typing {
        note("type a line and press Enter to send it; Ctrl-D stops sending, Ctrl-C ends talk");
    }

    let (events, received) = mpsc::channel();
    let reading = stream.try_clone().map_err(|e| format!("cannot use the connection to {peer}: {e}"))?;
    let heard = events.clone();
    thread::spawn(move || receive(reading, &heard));
    match &request.send {
        // Sent before the silence of --wait starts to count: `--send TEXT --wait 0` sends, then
        // hangs up.
        Some(text) => {
            let _ = events.send(match (&stream).write_all(text) {
                Ok(()) => Event::Sent,
                Err(error) => Event::SendFailed(error),
            });
        }
        None => {
            let writing = stream.try_clone().map_err(|e| format!("cannot use the connection to {peer}: {e}"))?;
            thread::spawn(move || send_input(writing, &events));
        }
    }

    let mut last_heard = Instant::now();
    let (mut peer_ended, mut sent) = (false, false);
    loop {
        let event = match request.wait {
            Some(wait) => match received.recv_timeout(wait.saturating_sub(last_heard.elapsed())) {
                Ok(event) => event,
                Err(RecvTimeoutError::Timeout) => {
                    note(&format!("nothing from {peer_name} for {} ms: stopping (--wait)", wait.as_millis()));
                    break;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            },
            None => match received.recv() {
                Ok(event) => event,
                Err(_) => break,
            },
        };
        match event {
            Event::Heard => last_heard = Instant::now(),
            Event::PeerEnded => {
                peer_ended = true;
                if !request.listen {
                    note(&format!("{peer_name} closed the connection (end of file)"));
                    break;
                }
                if sent {
                    note(&format!("{peer_name} ended its side (end of file); closing the connection"));
                    break;
                }
                note(&if typing {
                    format!("{peer_name} ended its side (end of file); what you type still goes to it, Ctrl-D closes")
                } else {
                    format!("{peer_name} ended its side (end of file)")
                });
            }
            Event::ReadFailed(error) => return Err(broken(&error, other, &peer)),
            Event::Sent => {
                sent = true;
                if request.shutdown {
                    stream.shutdown(Shutdown::Write).map_err(|e| format!("cannot half-close: {e}"))?;
                    note(&format!("sent everything and half-closed (shutdown(Write)): {peer_name} reads end of file"));
                }
                if request.listen && peer_ended {
                    break;
                }
            }
            Event::SendFailed(error) => return Err(broken(&error, other, &peer)),
        }
    }
    Screen::shared().note_line();
    Ok(())
}

/// The failure of a read or a write on an established connection, in words.
fn broken(error: &io::Error, other: &str, peer: &SocketAddr) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionReset => format!(
            "the {other} ({peer}) reset the connection ({error}): it closed with bytes it had not read, or its process ended"
        ),
        io::ErrorKind::BrokenPipe => {
            format!("cannot send to the {other} ({peer}): it closed the connection ({error})")
        }
        _ => format!("the connection to the {other} ({peer}) failed: {error}"),
    }
}

fn connect(request: &Request) -> Result<(TcpStream, SocketAddr), String> {
    let mut failure = None;
    for address in &request.addresses {
        match TcpStream::connect_timeout(address, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok((stream, *address)),
            Err(error) => failure = Some((address, error)),
        }
    }
    let (address, error) = failure.expect("resolve returns at least one address");
    let why = match error.kind() {
        io::ErrorKind::ConnectionRefused => {
            ": nothing listens on that port (is your server running, and on that port?)"
        }
        io::ErrorKind::TimedOut => ": no answer (a firewall, or a machine that is not there)",
        _ => "",
    };
    // The address as typed, when a name or a bare port stood for it.
    let typed = if request.shown == address.to_string() { String::new() } else { format!(" ({})", request.shown) };
    Err(format!("cannot connect to {address}{typed}: {error}{why}"))
}

fn accept(request: &Request) -> Result<(TcpStream, SocketAddr), String> {
    let listener = TcpListener::bind(&request.addresses[..]).map_err(|error| {
        let why = match error.kind() {
            io::ErrorKind::AddrInUse => ": another program holds that port (run talk on another one, or stop it)",
            io::ErrorKind::AddrNotAvailable => ": that IP is not an address of this machine",
            io::ErrorKind::PermissionDenied => ": ports below 1024 need privileges; take one above",
            _ => "",
        };
        format!("cannot listen on {}: {error}{why}", request.shown)
    })?;
    let local = listener.local_addr().map_err(|e| format!("cannot listen on {}: {e}", request.shown))?;
    note(&format!("listening on {local}; waiting for one client (Ctrl-C stops)"));
    // Accepting on a thread lets --wait bound the wait for a client too.
    let (accepted, arrival) = mpsc::channel();
    thread::spawn(move || {
        let _ = accepted.send(listener.accept());
    });
    let outcome = match request.wait {
        Some(wait) => arrival
            .recv_timeout(wait)
            .map_err(|_| format!("no client connected to {local} within {} ms (--wait)", wait.as_millis()))?,
        None => arrival.recv().map_err(|_| format!("stopped listening on {local}"))?,
    };
    outcome.map_err(|e| format!("cannot accept a client on {local}: {e}"))
}

/// Prints what arrives until end of file or an error.
fn receive(mut stream: TcpStream, events: &mpsc::Sender<Event>) {
    let mut escaper = Escaper::default();
    let mut buffer = [0; 8192];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => {
                Screen::shared().data(&escaper.finish());
                let _ = events.send(Event::PeerEnded);
                return;
            }
            Ok(n) => {
                Screen::shared().data(&escaper.feed(&buffer[..n]));
                let _ = events.send(Event::Heard);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                Screen::shared().data(&escaper.finish());
                let _ = events.send(Event::ReadFailed(error));
                return;
            }
        }
    }
}

/// Sends standard input as it comes (each read of a terminal is one line, or what was typed before
/// Ctrl-D), until its end.
fn send_input(mut stream: TcpStream, events: &mpsc::Sender<Event>) {
    let _ = events.send(match copy_input(&mut stream) {
        Ok(()) => Event::Sent,
        Err(error) => Event::SendFailed(error),
    });
}

fn copy_input(stream: &mut TcpStream) -> io::Result<()> {
    let mut stdin = io::stdin().lock();
    let mut buffer = [0; 8192];
    loop {
        match stdin.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => stream.write_all(&buffer[..n])?,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            // Standard input that cannot be read (closed, a folder) has nothing to send.
            Err(_) => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_text_means_exactly_its_bytes_with_escapes_understood() {
        assert_eq!(unescape("Hello, server!").unwrap(), b"Hello, server!");
        assert_eq!(unescape("MENU\\nQUIT\\n").unwrap(), b"MENU\nQUIT\n");
        assert_eq!(unescape("a\\r\\n\\t\\0\\\\\\x7fé").unwrap(), "a\r\n\t\0\\\x7fé".as_bytes());
        assert_eq!(unescape("").unwrap(), b"");
        for bad in ["\\q", "end\\", "\\x4", "\\xzz"] {
            let error = unescape(bad).unwrap_err();
            assert!(error.starts_with("--send: "), "{bad}: {error}");
        }
    }

    #[test]
    fn received_bytes_are_shown_escaped_with_a_line_break_after_each_newline() {
        let mut escaper = Escaper::default();
        assert_eq!(escaper.feed(b"Hello, client!\n"), "Hello, client!\\n\n");
        assert_eq!(escaper.feed(b"a\r\n\tb\\\x1b[2J\x00"), "a\\r\\n\n\\tb\\\\\\x1b[2J\\x00");
        assert_eq!(escaper.feed(b"\xff ok"), "\\xff ok");
        // A character cut in two by the network is shown whole once its end arrives.
        assert_eq!(escaper.feed(&"é".as_bytes()[..1]), "");
        assert_eq!(escaper.feed(&"é".as_bytes()[1..]), "é");
        // An end that never comes is shown as the bytes that did.
        assert_eq!(escaper.feed(&"€".as_bytes()[..2]), "");
        assert_eq!(escaper.finish(), "\\xe2\\x82");
        assert_eq!(escaper.finish(), "");
    }

    #[test]
    fn an_address_is_ip_and_port_a_name_and_port_or_a_bare_port() {
        assert_eq!(resolve("127.0.0.1:8080").unwrap(), [SocketAddr::from(([127, 0, 0, 1], 8080))]);
        assert_eq!(resolve("8080").unwrap(), [SocketAddr::from(([127, 0, 0, 1], 8080))]);
        assert!(resolve("[::1]:9000").unwrap()[0].is_ipv6());
        for bad in ["127.0.0.1", "99999", "127.0.0.1:port", ""] {
            assert!(resolve(bad).is_err(), "{bad}");
        }
    }
}
