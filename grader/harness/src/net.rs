//! The grader's own end of every conversation: a listener on an ephemeral loopback port, client
//! connections whose every read and write is recorded in the transcript with a deadline, a port
//! that is guaranteed closed.
//!
//! Ports always come from the kernel (`127.0.0.1:0`), so that any number of grades can run at
//! once without colliding.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::thread;
use std::time::{Duration, Instant};

use crate::check::{Fail, Setup};
use crate::student::Watch;
use crate::transcript::{Transcript, Who, show_bytes};
use crate::unread::unread_bytes;

/// How long the grader waits to connect to student code that should be listening.
const CONNECT_LIMIT: Duration = Duration::from_secs(2);
/// How long [`Conn::send_in_pieces`] waits for the peer to read a piece before sending the next
/// anyway (a peer that does not read at all fails the check by its reply).
const PEER_READ_LIMIT: Duration = Duration::from_secs(1);

/// A listening socket of the grader's, on `127.0.0.1` and a port the kernel chose.
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    transcript: Transcript,
    watch: Watch,
}

impl Server {
    pub(crate) fn bind(transcript: Transcript, watch: Watch) -> Result<Server, Fail> {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).setup("binding the grader's listener on 127.0.0.1:0")?;
        let addr = listener.local_addr().setup("reading the grader's listening address")?;
        transcript.say(Who::Grader, format!("listens on {addr}"));
        Ok(Server { listener, addr, transcript, watch })
    }

    /// The address student code should connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits at most `limit` for student code to connect.
    pub fn accept_within(&self, limit: Duration) -> Result<Conn, Fail> {
        let waited = wait_readable(&self.listener, limit, &self.watch).setup("waiting on the grader's listener")?;
        if let Waited::Not(why) = waited {
            let why = why.map_or(format!("within {limit:?}"), |why| format!("({why})"));
            self.transcript.say(Who::Student, format!("did not connect {why}"));
            return Err(Fail::new(format!("listened on {} and waited for a connection", self.addr))
                .expected(format!("your code to connect within {limit:?}"))
                .got("no connection"));
        }
        let (stream, peer) = self.listener.accept().setup("accepting on the grader's listener")?;
        self.transcript.say(Who::Student, format!("connects from {peer}"));
        Ok(Conn::new(stream, peer, self.transcript.clone(), self.watch.clone()))
    }
}

/// How a wait of the grader's ended.
enum Waited {
    /// The socket is readable.
    Ready,
    /// It is not: the time limit passed (`None`), or student code cannot answer any more (why).
    Not(Option<&'static str>),
}

/// How often a wait looks at whether student code can still answer.
const WATCH_SLICE: Duration = Duration::from_millis(5);
/// How long a wait goes on once student code cannot answer any more: what it did just before
/// (the last bytes it wrote, the end of a handshake its `connect` already saw complete) may still
/// be on its way through the kernel, and must not be missed.
const GRACE: Duration = Duration::from_millis(100);

/// Waits until `socket` is readable (data, a connection to accept, or end of file), the time
/// limit passes, or `watch` says student code cannot answer any more.
fn wait_readable(socket: &impl AsRawFd, limit: Duration, watch: &Watch) -> io::Result<Waited> {
    let mut fds = [libc::pollfd { fd: socket.as_raw_fd(), events: libc::POLLIN, revents: 0 }];
    let deadline = Instant::now() + limit;
    let mut stopped: Option<(Instant, &'static str)> = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let millis =
            libc::c_int::try_from(left.min(WATCH_SLICE).as_micros().div_ceil(1000)).unwrap_or(libc::c_int::MAX);
        // SAFETY: `fds` is a valid array of one pollfd for the duration of the call.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), 1, millis) };
        match ready {
            0 if left.is_zero() => return Ok(Waited::Not(None)),
            0 => match stopped {
                Some((since, why)) if since.elapsed() >= GRACE => return Ok(Waited::Not(Some(why))),
                Some(_) => {}
                None => stopped = watch.stopped().map(|why| (Instant::now(), why)),
            },
            n if n > 0 => return Ok(Waited::Ready),
            _ => {
                let error = io::Error::last_os_error();
                if error.kind() != io::ErrorKind::Interrupted {
                    return Err(error);
                }
            }
        }
    }
}

/// Waits, at most `limit`, until the socket at `peer` connected to `local` (the peer's end of a
/// grader's connection) has no unread bytes in its receive queue. Where the system cannot tell,
/// or the socket is not found (it closed), there is nothing to wait for.
fn wait_until_read(peer: SocketAddr, local: SocketAddr, limit: Duration, watch: &Watch) {
    let deadline = Instant::now() + limit;
    while unread_bytes(peer, local).is_some_and(|n| n > 0) && Instant::now() < deadline && watch.stopped().is_none() {
        thread::sleep(Duration::from_millis(1));
    }
}

/// How a read of the grader's ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// What was asked for arrived.
    Complete,
    /// The peer closed the connection first.
    Eof,
    /// The time limit passed first.
    TimedOut,
    /// The connection failed, e.g. it was reset.
    Failed(String),
}

/// What a read of the grader's got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The bytes received (all of them if the read is incomplete).
    pub bytes: Vec<u8>,
    /// Why the read stopped.
    pub end: End,
}

impl Reply {
    /// E.g. `5 bytes "Hello" and then the connection closed`, for failure messages.
    pub fn describe(&self) -> String {
        let data = if self.bytes.is_empty() { "nothing".to_owned() } else { show_bytes(&self.bytes) };
        match &self.end {
            End::Complete => data,
            End::Eof => format!("{data}, and then the connection closed"),
            End::TimedOut => format!("{data}, and then nothing more before the time limit"),
            End::Failed(error) => format!("{data}, and then an error: {error}"),
        }
    }
}

/// A TCP connection of the grader's, to or from student code. Reads and writes are recorded.
pub struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    /// The server's address, when the grader is the client.
    server: Option<SocketAddr>,
    /// Who writes the bytes that arrive: student code, or a handler of the grader's that student
    /// code calls (see [`Conn::answered_by_grader_handler`]).
    speaker: Who,
    /// The connection was reset under a read of the grader's.
    reset: bool,
    pending: Vec<u8>,
    transcript: Transcript,
    watch: Watch,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("peer", &self.peer).finish_non_exhaustive()
    }
}

impl Conn {
    fn new(stream: TcpStream, peer: SocketAddr, transcript: Transcript, watch: Watch) -> Self {
        Conn { stream, peer, server: None, speaker: Who::Student, reset: false, pending: Vec::new(), transcript, watch }
    }

    pub(crate) fn connect(addr: SocketAddr, transcript: Transcript, watch: Watch) -> Result<Conn, Fail> {
        transcript.say(Who::Grader, format!("connects to {addr}"));
        match TcpStream::connect_timeout(&addr, CONNECT_LIMIT) {
            Ok(stream) => Ok(Conn { server: Some(addr), ..Conn::new(stream, addr, transcript, watch) }),
            Err(error) => {
                let cause = match error.kind() {
                    io::ErrorKind::ConnectionRefused => " (nothing is listening there)",
                    _ => "",
                };
                transcript.say(Who::Grader, format!("could not connect: {error}{cause}"));
                let mut fail = Fail::new(format!("connected to {addr}"))
                    .expected("your server to be listening there")
                    .got(format!("the connection failed: {error}"));
                if error.kind() == io::ErrorKind::ConnectionRefused {
                    fail.server_gone = true;
                }
                Err(fail)
            }
        }
    }

    /// Says that the listener this connection was made to is the grader's own, so that a reset
    /// never reads as a server of student code gone (see [`Fail::server_gone`]).
    pub(crate) fn connected_to_own_listener(mut self) -> Self {
        self.server = None;
        self
    }

    /// The grader's end of the connection.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.stream.local_addr()
    }

    /// The other end.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// Says that what arrives on this connection is written by a handler of the grader's, which
    /// student code (an accept loop) calls with its end: the transcript then names that handler,
    /// not student code, as the sender of the bytes. Closing the connection, or never writing,
    /// stays student code's doing: the loop decides whether the handler runs at all.
    pub fn answered_by_grader_handler(&mut self) {
        self.speaker = Who::GraderHandler;
    }

    /// The socket, for options such as `set_nodelay`.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Sends all of `bytes`.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Fail> {
        self.transcript.say(Who::Grader, show_bytes(bytes));
        self.stream.write_all(bytes).map_err(|error| {
            self.transcript.say(Who::Grader, format!("its write failed: {error}"));
            let closed = matches!(error.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset);
            self.gone(
                Fail::new(format!("sent {}", show_bytes(bytes)))
                    .expected("your code to keep the connection open")
                    .got(format!("the write failed: {error}")),
                closed,
            )
        })
    }

    /// Sends `bytes` in pieces of `piece` bytes, so that the peer's reads see them one by one: each
    /// piece goes once the peer has read the last one (on Linux, where the peer's receive queue can
    /// be seen) and `gap` has passed. Waiting for the read matters: a peer that is slow to read
    /// (on a busy machine) would otherwise find several pieces waiting, and code that reads once
    /// would get the whole message by luck.
    pub fn send_in_pieces(&mut self, bytes: &[u8], piece: usize, gap: Duration) -> Result<(), Fail> {
        self.stream.set_nodelay(true).setup("disabling Nagle's algorithm on the grader's socket")?;
        let local = self.stream.local_addr().setup("reading the grader's address")?;
        for (i, chunk) in bytes.chunks(piece.max(1)).enumerate() {
            if i > 0 {
                wait_until_read(self.peer, local, PEER_READ_LIMIT, &self.watch);
                thread::sleep(gap);
            }
            self.send(chunk)?;
        }
        Ok(())
    }

    /// Half-closes: the peer sees end of file, and can still send.
    pub fn shutdown_write(&mut self) -> Result<(), Fail> {
        self.transcript.say(Who::Grader, "shuts down its sending half (your code sees end of file)");
        self.stream.shutdown(Shutdown::Write).setup("shutting down the grader's sending half")
    }

    /// Ends the connection abortively, as a crashed or impatient peer does: the kernel sends a
    /// reset (RST) instead of the orderly end of file, and the peer's next read or write fails
    /// with "connection reset". (`SO_LINGER` with a zero timeout, then close.)
    pub fn reset(self) -> Result<(), Fail> {
        self.transcript
            .say(Who::Grader, "resets the connection (your code's next read or write fails: connection reset)");
        let linger = libc::linger { l_onoff: 1, l_linger: 0 };
        // SAFETY: `linger` is a valid `struct linger` of the size passed; the socket is open.
        let set = unsafe {
            libc::setsockopt(
                self.stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&raw const linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            )
        };
        if set != 0 {
            return Err(Fail::grader(format!(
                "setting SO_LINGER to reset the connection: {}",
                io::Error::last_os_error()
            )));
        }
        // Closing a socket that lingers for zero seconds sends the reset.
        drop(self);
        Ok(())
    }

    /// Reads until a `\n` (included), end of file or the time limit.
    pub fn read_line_within(&mut self, limit: Duration) -> Reply {
        self.read_until(limit, |bytes| bytes.iter().position(|&b| b == b'\n').map(|i| i + 1))
    }

    /// Reads exactly `count` bytes, unless end of file or the time limit comes first.
    pub fn read_exact_within(&mut self, count: usize, limit: Duration) -> Reply {
        self.read_until(limit, |bytes| (bytes.len() >= count).then_some(count))
    }

    /// Reads until end of file or the time limit.
    pub fn read_to_end_within(&mut self, limit: Duration) -> Reply {
        let mut reply = self.read_until(limit, |_| None);
        // A reset is not the orderly end a reader waits for: what was sent may have been lost.
        if reply.end == End::Eof && !self.reset {
            reply.end = End::Complete;
        }
        reply
    }

    /// Reads a line and fails unless it is `expected` (which ends with `\n`). `did` says what the
    /// grader did before, e.g. `sent "Hello, server!"`.
    pub fn expect_line(&mut self, did: &str, expected: &str, limit: Duration) -> Result<(), Fail> {
        let reply = self.read_line_within(limit);
        if reply.end == End::Complete && reply.bytes == expected.as_bytes() {
            return Ok(());
        }
        let mut got = reply.describe();
        if reply.end != End::Complete && !reply.bytes.is_empty() {
            // The peer's line never ended: the mistake is the missing delimiter, not the text.
            got.push_str(" — no newline (\\n) ended the line");
        }
        Err(self.gone(
            Fail::new(did).expected(format!("the reply {}", show_bytes(expected.as_bytes()))).got(got),
            self.reset,
        ))
    }

    /// Marks `fail` as a server's absence when the grader, as its client, saw the connection
    /// reset or closed under it (see [`Fail::server_gone`]).
    fn gone(&self, mut fail: Fail, reset: bool) -> Fail {
        fail.server_gone = reset && self.server.is_some();
        fail
    }

    /// Fails unless the peer closes the connection (the grader reads end of file) within `limit`,
    /// sending nothing more.
    pub fn expect_eof_within(&mut self, did: &str, limit: Duration) -> Result<(), Fail> {
        let reply = self.read_to_end_within(limit);
        if reply.end == End::Complete && reply.bytes.is_empty() {
            return Ok(());
        }
        if self.reset {
            return Err(self.gone(
                Fail::new(did)
                    .expected(format!("your code to close the connection within {limit:?}, in order (end of file)"))
                    .got(format!("{}: a reset, as when a socket closes with bytes it has not read", reply.describe())),
                true,
            ));
        }
        Err(self.gone(
            Fail::new(did)
                .expected(format!("your code to close the connection within {limit:?}"))
                .got(reply.describe()),
            self.reset,
        ))
    }

    fn read_until(&mut self, limit: Duration, complete: impl Fn(&[u8]) -> Option<usize>) -> Reply {
        let deadline = Instant::now() + limit;
        let mut buf = [0; 4096];
        loop {
            if let Some(n) = complete(&self.pending) {
                let rest = self.pending.split_off(n);
                let bytes = std::mem::replace(&mut self.pending, rest);
                return Reply { bytes, end: End::Complete };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return self.stop(End::TimedOut, format!("sends nothing more within {limit:?}"));
            }
            match wait_readable(&self.stream, left, &self.watch) {
                Ok(Waited::Ready) => {}
                Ok(Waited::Not(None)) => {
                    return self.stop(End::TimedOut, format!("sends nothing more within {limit:?}"));
                }
                Ok(Waited::Not(Some(why))) => return self.stop(End::TimedOut, format!("sends nothing more ({why})")),
                Err(error) => return self.failed(error),
            }
            if let Err(error) = self.stream.set_read_timeout(Some(left)) {
                return self.failed(error);
            }
            match self.stream.read(&mut buf) {
                Ok(0) => return self.stop(End::Eof, "closes the connection (end of file)".into()),
                Ok(n) => {
                    self.transcript.say(self.speaker, show_bytes(&buf[..n]));
                    self.pending.extend_from_slice(&buf[..n]);
                }
                Err(error) if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    return self.stop(End::TimedOut, format!("sends nothing more within {limit:?}"));
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return self.failed(error),
            }
        }
    }

    /// The read ended by what student code did (or did not do).
    fn stop(&mut self, end: End, said: String) -> Reply {
        self.transcript.say(Who::Student, said);
        Reply { bytes: std::mem::take(&mut self.pending), end }
    }

    /// The grader's own read failed. A reset is student code's end closing abruptly (its socket
    /// closed with bytes it never read, or its listener closed before accepting): whether the
    /// grader then reads end of file or a reset is a race in the kernel, so both read as the
    /// connection closing, and only the transcript tells them apart. Anything else is said as the
    /// grader's own event.
    fn failed(&mut self, error: io::Error) -> Reply {
        if error.kind() == io::ErrorKind::ConnectionReset {
            self.reset = true;
            return self.stop(
                End::Eof,
                "closes the connection abruptly (a reset: its socket closed with bytes it had not read, or its \
                 listener closed before accepting)"
                    .into(),
            );
        }
        self.transcript.say(Who::Grader, format!("its read failed: {error}"));
        Reply { bytes: std::mem::take(&mut self.pending), end: End::Failed(error.to_string()) }
    }
}

/// A loopback port that is bound by the grader but not listening: connecting to it is refused,
/// and no other process can take it while this value lives (a port merely picked and released
/// could be taken in between).
pub struct ClosedPort {
    _socket: OwnedFd,
    addr: SocketAddr,
}

impl ClosedPort {
    /// Binds a TCP socket to `127.0.0.1:0` without listening.
    pub fn reserve() -> io::Result<ClosedPort> {
        // SAFETY: plain socket(2); the result is checked before it is owned.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh socket that nothing else owns.
        let socket = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: an all-zero sockaddr_in is valid; the fields that matter are set below.
        let mut addr: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from(Ipv4Addr::LOCALHOST).to_be();
        #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
        {
            addr.sin_len = std::mem::size_of::<libc::sockaddr_in>() as u8;
        }
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        // SAFETY: `addr` is a valid sockaddr_in of `len` bytes; `socket` is open.
        if unsafe { libc::bind(socket.as_raw_fd(), (&raw const addr).cast(), len) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut bound: libc::sockaddr_in = addr;
        let mut bound_len = len;
        // SAFETY: `bound` has room for a sockaddr_in, whose size `bound_len` holds.
        if unsafe { libc::getsockname(socket.as_raw_fd(), (&raw mut bound).cast(), &mut bound_len) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let port = u16::from_be(bound.sin_port);
        Ok(ClosedPort { _socket: socket, addr: SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)) })
    }

    /// The address where nothing listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::EventLog;

    fn transcript() -> Transcript {
        Transcript::new(EventLog::in_memory())
    }

    #[test]
    fn a_wait_on_code_that_has_ended_stops_after_the_grace_not_the_limit() {
        let watch = Watch::default();
        watch.set_program_ended(true);
        let server = Server::bind(transcript(), watch).unwrap();
        let started = Instant::now();
        let fail = server.accept_within(Duration::from_secs(30)).unwrap_err();
        assert_eq!(fail.got, "no connection");
        // Far below the 30 s limit: the wait stopped once the grace was over.
        assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
    }

    #[test]
    fn what_arrives_within_the_grace_after_the_code_ended_is_not_missed() {
        let watch = Watch::default();
        watch.set_program_ended(true);
        let server = Server::bind(transcript(), watch).unwrap();
        let addr = server.addr();
        // The connection completes in the kernel a moment after the code that made it is gone.
        let late = thread::spawn(move || {
            thread::sleep(GRACE / 4);
            TcpStream::connect(addr).unwrap()
        });
        let accepted = server.accept_within(Duration::from_secs(30));
        let _client = late.join().unwrap();
        assert!(accepted.is_ok(), "{accepted:?}");
    }

    #[test]
    fn a_reserved_port_refuses_connections() {
        let closed = ClosedPort::reserve().unwrap();
        assert_ne!(closed.addr().port(), 0);
        let error = TcpStream::connect(closed.addr()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn lines_arrive_whole_even_in_pieces_and_the_conversation_shows_each_piece() {
        let t = transcript();
        let server = Server::bind(t.clone(), Watch::default()).unwrap();
        let addr = server.addr();
        let client = thread::spawn(move || {
            let mut conn = Conn::connect(addr, transcript(), Watch::default()).unwrap();
            conn.send_in_pieces(b"Hello, client!\n", 5, Duration::from_millis(10)).unwrap();
        });
        let mut conn = server.accept_within(Duration::from_secs(5)).unwrap();
        conn.expect_line("waited", "Hello, client!\n", Duration::from_secs(5)).unwrap();
        client.join().unwrap();
        let lines: Vec<String> = t.lines().iter().map(ToString::to_string).collect();
        assert!(lines[0].starts_with("grader    → listens on 127.0.0.1:"), "{lines:?}");
        assert!(lines.iter().any(|l| l.ends_with("5 bytes \"Hello\"")), "{lines:?}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn pieces_wait_for_the_peer_to_read_so_one_read_gets_one_piece() {
        let server = Server::bind(transcript(), Watch::default()).unwrap();
        let addr = server.addr();
        let mut client = TcpStream::connect(addr).unwrap();
        let mut conn = server.accept_within(Duration::from_secs(5)).unwrap();
        let sender = thread::spawn(move || conn.send_in_pieces(b"abcdefgh", 2, Duration::ZERO).unwrap());
        // A slow reader: however long it takes to come back, each read finds one piece.
        let mut pieces = Vec::new();
        let mut buf = [0; 64];
        while pieces.len() < 4 {
            thread::sleep(Duration::from_millis(20));
            let n = client.read(&mut buf).unwrap();
            pieces.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        sender.join().unwrap();
        assert_eq!(pieces, ["ab", "cd", "ef", "gh"]);
    }

    #[test]
    fn a_silent_peer_times_out_and_a_closed_one_is_end_of_file() {
        let server = Server::bind(transcript(), Watch::default()).unwrap();
        let addr = server.addr();
        let mut client = Conn::connect(addr, transcript(), Watch::default()).unwrap();
        let mut accepted = server.accept_within(Duration::from_secs(5)).unwrap();
        let reply = accepted.read_line_within(Duration::from_millis(30));
        assert_eq!(reply.end, End::TimedOut);
        client.send(b"par").unwrap();
        drop(client);
        let reply = accepted.read_line_within(Duration::from_secs(5));
        assert_eq!(reply, Reply { bytes: b"par".to_vec(), end: End::Eof });
        assert_eq!(reply.describe(), "3 bytes \"par\", and then the connection closed");
    }

    #[test]
    fn a_reset_connection_reads_as_closed_but_not_as_an_orderly_end() {
        let server = Server::bind(transcript(), Watch::default()).unwrap();
        let client = Conn::connect(server.addr(), transcript(), Watch::default()).unwrap();
        let mut accepted = server.accept_within(Duration::from_secs(5)).unwrap();
        client.reset().unwrap();
        // End of file or a reset is the kernel's choice: a reply reads the same either way.
        let reply = accepted.read_line_within(Duration::from_secs(5));
        assert_eq!(reply, Reply { bytes: Vec::new(), end: End::Eof });
        // Waiting for the end of the stream, a reset is not the orderly close asked for.
        let fail = accepted.expect_eof_within("waited", Duration::from_secs(5)).unwrap_err();
        assert!(fail.got.contains("a reset"), "{fail:?}");
        assert!(
            accepted.transcript.lines().iter().any(|line| line.who == Who::Student && line.text.contains("abruptly"))
        );
    }

    #[test]
    fn a_refused_or_reset_client_connection_says_the_server_is_gone() {
        let server = Server::bind(transcript(), Watch::default()).unwrap();
        let addr = server.addr();
        let mut client = Conn::connect(addr, transcript(), Watch::default()).unwrap();
        // The listener closes with the grader's connection still in its queue: the kernel resets it.
        drop(server);
        let reset = client.expect_line("waited", "hello\n", Duration::from_secs(5)).unwrap_err();
        assert!(reset.server_gone);
        let refused = Conn::connect(addr, transcript(), Watch::default()).unwrap_err();
        assert!(refused.server_gone);
    }

    #[test]
    fn accept_gives_up_after_its_limit() {
        let server = Server::bind(transcript(), Watch::default()).unwrap();
        let fail = server.accept_within(Duration::from_millis(20)).unwrap_err();
        assert_eq!(fail.got, "no connection");
    }
}
