//! # Exercise 04 — socket options: timeouts, Nagle's algorithm, TTL
//!
//! A connected socket has settings, called **socket options**, that change how it behaves without
//! changing what it carries. You set them between `connect` (or `accept`) and the first
//! read/write:
//!
//! ```text
//! create → connect → set options → read/write → close
//!                    ^^^^^^^^^^^ this exercise
//! ```
//!
//! The four options of this exercise, with their [`TcpStream`] methods:
//!
//! | option          | setter / getter                          | what it changes                                  | in C (`setsockopt`) |
//! |-----------------|------------------------------------------|--------------------------------------------------|---------------------|
//! | read timeout    | `set_read_timeout` / `read_timeout`      | how long one `read` may wait for data            | `SO_RCVTIMEO`       |
//! | write timeout   | `set_write_timeout` / `write_timeout`    | how long one `write` may wait for buffer space   | `SO_SNDTIMEO`       |
//! | no delay        | `set_nodelay` / `nodelay`                | send small writes at once (turns off Nagle's algorithm, which waits to batch them) | `TCP_NODELAY` |
//! | time to live    | `set_ttl` / `ttl`                        | how many routers a packet may cross before it is dropped | `IP_TTL`    |
//!
//! **Why timeouts matter.** By default a `read` waits *forever*. A server that accepted your
//! connection and then went silent (crashed half-way, overloaded, or simply buggy) would freeze
//! your program with it. With a read timeout the read gives up and returns an error instead. That
//! error's kind is [`io::ErrorKind::WouldBlock`] on Linux and macOS and
//! [`io::ErrorKind::TimedOut`] on Windows: portable code accepts both.
//!
//! **Timeout or deadline?** A timeout limits *one* call. A server that sends one byte every half
//! second never makes a single read wait long, yet a whole line could take hours. A **deadline**
//! is a point in time by which the whole job must be done: before every read, compute how much
//! time is left and make that the read timeout.
//!
//! **`None` and zero.** `set_read_timeout(None)` means "wait forever" (the default). A timeout of
//! zero is refused with an [`io::ErrorKind::InvalidInput`] error: it would mean "do not wait at
//! all", which is a different feature (non-blocking sockets). Return that error; do not panic and do
//! not turn zero into `None`.
//!
//! Fill in the functions marked `todo!()`, from top to bottom. Check your work with
//! `cargo xtask grade 04`.

use std::io;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The options of a connected TCP socket that this exercise sets and reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// How long one `read` may wait; `None` waits forever.
    pub read_timeout: Option<Duration>,
    /// How long one `write` may wait; `None` waits forever.
    pub write_timeout: Option<Duration>,
    /// `true` sends small writes at once (`TCP_NODELAY`); `false` lets Nagle's algorithm batch them.
    pub nodelay: bool,
    /// Time to live of outgoing IP packets: the number of routers a packet may cross.
    pub ttl: u32,
}

/// Sets all four options of `options` on `stream`.
///
/// - Set every option, including the ones that are `None` or `false`: a stream that had a
///   timeout before must not keep it when `options` says `None`.
/// - Each setter returns an `io::Result`; propagate errors with `?`. In particular a timeout of
///   `Some(Duration::ZERO)` makes the setter fail with `InvalidInput`: return that error.
///
/// Hint: the setters take `&self`, so a shared `&TcpStream` is all you need.
pub fn apply(stream: &TcpStream, options: &Options) -> io::Result<()> {
    todo!("call the four setters with the values in {options:?}")
}

/// Reads the four options back from `stream`, as the operating system reports them.
///
/// Ask the stream (`read_timeout()`, `write_timeout()`, `nodelay()`, `ttl()`): do not return what
/// you think was set. Each getter can fail, so propagate with `?`.
pub fn read_options(stream: &TcpStream) -> io::Result<Options> {
    todo!("ask the stream for each option and build an Options")
}

/// True when `error` is what a read or write returns when its timeout expired.
///
/// On Linux and macOS that is `io::ErrorKind::WouldBlock`, on Windows `io::ErrorKind::TimedOut`;
/// count both. Every other kind is not a timeout (a reset connection is a real failure).
///
/// Hint: `matches!(error.kind(), A | B)`.
pub fn is_timeout(error: &io::Error) -> bool {
    todo!("look at error.kind()")
}

/// Reads one line from `stream` and returns it **including** its final `\n`, giving up when
/// `deadline` passes.
///
/// - Read in a loop until you have received a `\n`: TCP delivers a stream of bytes, and one
///   `read` may return only part of the line. Reading one byte at a time is fine here, and it
///   never reads past the end of the line.
/// - Before **each** read, compute the time left until `deadline`
///   (`deadline.saturating_duration_since(Instant::now())`) and set it as the read timeout. If no
///   time is left, return `io::Error::new(io::ErrorKind::TimedOut, "...")` yourself: a zero
///   timeout would be refused.
/// - A read that times out returns an error for which [`is_timeout`] is true: return it.
/// - `Ok(0)` means the peer closed the connection before the line was complete: return an
///   error of kind `io::ErrorKind::UnexpectedEof`.
/// - A read that fails with `io::ErrorKind::Interrupted` (a signal arrived) is simply retried.
/// - A line that is not UTF-8 is an error of kind `io::ErrorKind::InvalidData`
///   (`String::from_utf8` tells you).
pub fn read_line_until(stream: &mut TcpStream, deadline: Instant) -> io::Result<String> {
    todo!("read until \\n, with the time left before each read as the read timeout")
}

/// A client request with a deadline: connects to `addr`, sends `line` followed by `\n`, and
/// returns the server's one-line reply (including its `\n`). The whole request — connecting,
/// sending and receiving — takes at most `timeout`, however slow or silent the server is.
///
/// 1. Note the deadline: `Instant::now() + timeout`.
/// 2. Connect with [`TcpStream::connect_timeout`] and `timeout`. (A zero `timeout` makes it fail
///    with `InvalidInput`: return that error.)
/// 3. Turn on `nodelay`: the request is small and should leave at once, not wait to be batched.
/// 4. Set the write timeout to the time left, then send the line and its `\n` with `write_all`
///    (a single `write` may send only part of it).
/// 5. Read the reply with [`read_line_until`] and the same deadline.
///
/// Every error is returned with `?`; nothing panics.
pub fn request(addr: SocketAddr, line: &str, timeout: Duration) -> io::Result<String> {
    todo!("connect with a timeout, send {line:?} and a newline, read the reply before the deadline")
}
