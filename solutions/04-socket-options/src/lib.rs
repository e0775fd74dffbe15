//! # Exercise 04 — socket options: timeouts, Nagle's algorithm, TTL (solution)
//!
//! Options are set between connect and the first read/write. The read timeout is what keeps a
//! client from hanging on a silent server; recomputing it from a deadline before every read is
//! what keeps a slow server from stretching a request forever.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The options of a connected TCP socket that this exercise sets and reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// How long one `read` may wait; `None` waits forever.
    pub read_timeout: Option<Duration>,
    /// How long one `write` may wait; `None` waits forever.
    pub write_timeout: Option<Duration>,
    /// `true` sends small writes at once (`TCP_NODELAY`).
    pub nodelay: bool,
    /// Time to live of outgoing IP packets.
    pub ttl: u32,
}

/// Sets all four options.
pub fn apply(stream: &TcpStream, options: &Options) -> io::Result<()> {
    // `None` is passed on as is: it clears a timeout set earlier. A zero duration is refused by
    // the setter with InvalidInput, and `?` hands that to the caller.
    stream.set_read_timeout(options.read_timeout)?;
    stream.set_write_timeout(options.write_timeout)?;
    stream.set_nodelay(options.nodelay)?;
    stream.set_ttl(options.ttl)
}

/// Reads the four options back from the operating system.
pub fn read_options(stream: &TcpStream) -> io::Result<Options> {
    Ok(Options {
        read_timeout: stream.read_timeout()?,
        write_timeout: stream.write_timeout()?,
        nodelay: stream.nodelay()?,
        ttl: stream.ttl()?,
    })
}

/// True for the error of an expired timeout, whichever way the platform spells it.
pub fn is_timeout(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// Reads one line (with its `\n`) before `deadline`.
pub fn read_line_until(stream: &mut TcpStream, deadline: Instant) -> io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0; 1];
    loop {
        let left = time_left(deadline)?;
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut byte) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the peer closed the connection before the end of the line",
                ));
            }
            Ok(_) => {
                line.push(byte[0]);
                if byte[0] == b'\n' {
                    break;
                }
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    String::from_utf8(line).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// The time left before `deadline`, or a TimedOut error once it has passed (a zero timeout would
/// be refused by the setter, and would not mean "no time left" anyway).
fn time_left(deadline: Instant) -> io::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() { Err(io::Error::new(io::ErrorKind::TimedOut, "the deadline passed")) } else { Ok(left) }
}

/// Connects, sends `line` and a newline, and returns the reply line, all within `timeout`.
pub fn request(addr: SocketAddr, line: &str, timeout: Duration) -> io::Result<String> {
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(time_left(deadline)?))?;
    // One buffer, one write_all: the request leaves as one piece and nothing is lost if the kernel
    // takes only part of it per write.
    stream.write_all(format!("{line}\n").as_bytes())?;
    read_line_until(&mut stream, deadline)
}
