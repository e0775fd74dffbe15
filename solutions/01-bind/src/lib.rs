//! # Exercise 01 — create a socket and bind it to an address (solution)
//!
//! `TcpListener::bind` creates the socket, binds it and makes it listen; this crate adds what a
//! real server needs around it: parsing the address the user typed and telling the user, in one
//! line, why a bind failed.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener};

/// Why a bind failed, sorted into the cases a server can do something about.
#[derive(Debug)]
pub enum BindError {
    /// The text is not an `IP:port` socket address.
    InvalidAddress(String),
    /// Another socket is already bound to this address and port.
    AddrInUse(SocketAddr),
    /// The IP address is not one of this machine's addresses.
    AddrNotAvailable(SocketAddr),
    /// Ports below 1024 are reserved for privileged programs.
    PermissionDenied(SocketAddr),
    /// Any other failure, with the original error.
    Other(SocketAddr, io::Error),
}

/// Parses a numeric socket address such as `127.0.0.1:8080` or `[::1]:8080`.
pub fn parse_address(text: &str) -> Result<SocketAddr, BindError> {
    // `SocketAddr::from_str` rejects host names, missing ports and out-of-range numbers; its own
    // error says little, so we keep the text instead, which is what the user needs to see.
    text.parse().map_err(|_| BindError::InvalidAddress(text.to_owned()))
}

/// Sorts a bind error by its kind.
pub fn classify(addr: SocketAddr, error: io::Error) -> BindError {
    match error.kind() {
        io::ErrorKind::AddrInUse => BindError::AddrInUse(addr),
        io::ErrorKind::AddrNotAvailable => BindError::AddrNotAvailable(addr),
        io::ErrorKind::PermissionDenied => BindError::PermissionDenied(addr),
        // Keep anything else whole: a caller may log it, and `source()` exposes it.
        _ => BindError::Other(addr, error),
    }
}

/// Creates a TCP socket bound to `text`, listening.
pub fn bind(text: &str) -> Result<TcpListener, BindError> {
    let addr = parse_address(text)?;
    // socket() + bind() + listen() happen inside this one call.
    TcpListener::bind(addr).map_err(|error| classify(addr, error))
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BindError::InvalidAddress(text) => {
                write!(f, "{text:?} is not a socket address (expected IP:port, e.g. 127.0.0.1:8080)")
            }
            BindError::AddrInUse(addr) => write!(f, "{addr} is already in use by another socket"),
            BindError::AddrNotAvailable(addr) => {
                write!(f, "{addr} is not available: {} is not an address of this machine", addr.ip())
            }
            BindError::PermissionDenied(addr) => {
                write!(f, "permission denied to bind {addr}: ports below 1024 need privileges")
            }
            BindError::Other(addr, error) => write!(f, "could not bind {addr}: {error}"),
        }
    }
}

impl std::error::Error for BindError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BindError::Other(_, error) => Some(error),
            _ => None,
        }
    }
}
