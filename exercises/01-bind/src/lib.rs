//! # Exercise 01 — create a socket and bind it to an address
//!
//! A **socket** is the operating system's handle for one end of a network conversation, the way a
//! file descriptor is its handle for an open file. A server's socket goes through a lifecycle:
//!
//! ```text
//! create → bind → listen → accept → read/write → close
//!          ^^^^ this exercise
//! ```
//!
//! **Binding** gives the socket its local address: an IP address of this machine and a port, such
//! as `127.0.0.1:8080`. Clients will connect to exactly that address. In Rust,
//! [`std::net::TcpListener::bind`] does three steps of the lifecycle in one call: it creates the
//! socket, binds it, and makes it listen.
//!
//! Binding can fail, and a good server says why instead of crashing. The operating system reports
//! an [`std::io::Error`] whose [`kind()`](std::io::Error::kind) tells the cases apart:
//!
//! | what happened                              | `io::ErrorKind`     | in C          |
//! |--------------------------------------------|---------------------|---------------|
//! | another socket already has that port       | `AddrInUse`         | `EADDRINUSE`  |
//! | the IP is not an address of this machine   | `AddrNotAvailable`  | `EADDRNOTAVAIL` |
//! | port below 1024 and you are not privileged | `PermissionDenied`  | `EACCES`      |
//!
//! **Port 0** is special: it asks the kernel to pick any free port (an *ephemeral* port). The
//! listener's [`local_addr()`](std::net::TcpListener::local_addr) then tells you which one.
//!
//! In this exercise errors are **values**: every function returns a `Result`, and nothing panics —
//! no `unwrap()`, no `expect()`. Fill in the functions marked `todo!()`, from top to bottom, then
//! `src/main.rs`. Check your work with `cargo xtask grade 01-bind`.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener};

/// Why a bind failed, sorted into the cases a server can do something about.
///
/// Every variant keeps the address it is about, so that its message can name it.
#[derive(Debug)]
pub enum BindError {
    /// The text is not an `IP:port` socket address (for example `"localhost"`, `"127.0.0.1"`
    /// without a port, or `"127.0.0.1:99999"`). Keeps the text as given.
    InvalidAddress(String),
    /// Another socket is already bound to this address and port.
    AddrInUse(SocketAddr),
    /// The IP address is not one of this machine's addresses.
    AddrNotAvailable(SocketAddr),
    /// The operating system refused: ports below 1024 are reserved for privileged programs.
    PermissionDenied(SocketAddr),
    /// Any other failure, with the original error kept so that nothing is lost.
    Other(SocketAddr, io::Error),
}

/// Parses text such as `"127.0.0.1:8080"` or `"[::1]:8080"` into a [`SocketAddr`].
///
/// Only numeric addresses are accepted (no host names: resolving `localhost` is a different
/// lesson). Text that does not parse becomes [`BindError::InvalidAddress`] holding the text.
///
/// Hint: `SocketAddr` implements [`std::str::FromStr`], so `text.parse::<SocketAddr>()` does the
/// work; [`Result::map_err`] turns its error into yours.
pub fn parse_address(text: &str) -> Result<SocketAddr, BindError> {
    todo!("parse {text:?} into a SocketAddr, or return BindError::InvalidAddress")
}

/// Sorts an error returned by a bind of `addr` into a [`BindError`] by its
/// [`kind()`](io::Error::kind): `AddrInUse`, `AddrNotAvailable` and `PermissionDenied` get their
/// own variants; every other error becomes [`BindError::Other`] with the error unchanged.
///
/// A separate function so that each case can be tested, including permission denied (which does
/// not happen when you run as root).
pub fn classify(addr: SocketAddr, error: io::Error) -> BindError {
    todo!("match on error.kind() for {addr}: {error}")
}

/// Creates a TCP socket bound to the address written in `text`, listening for clients.
///
/// 1. Parse the text with [`parse_address`] (use `?` to return its error).
/// 2. Call [`TcpListener::bind`] with the address.
/// 3. If that fails, return the error sorted by [`classify`].
///
/// With port 0 the kernel picks a free port; the caller finds it with
/// [`TcpListener::local_addr`].
pub fn bind(text: &str) -> Result<TcpListener, BindError> {
    todo!("parse {text:?}, bind it, and classify a failure")
}

/// One line that says what went wrong and names the address, for example
/// `127.0.0.1:8080 is already in use by another socket`.
///
/// Messages are read by people running your program, so make them specific: which address, and
/// what the problem is. No newline at the end (whoever prints the message adds it).
impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        todo!("write one line for each variant with write!(f, ...)")
    }
}

/// Lets `BindError` be used with `?` in functions returning `Box<dyn Error>`, and exposes the
/// original `io::Error` of [`BindError::Other`] as its source. Nothing to do here.
impl std::error::Error for BindError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BindError::Other(_, error) => Some(error),
            _ => None,
        }
    }
}
