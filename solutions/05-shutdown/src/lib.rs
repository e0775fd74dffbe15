//! # Exercise 05 — ending a connection: `shutdown` and `close` (solution)
//!
//! The request ends where the client's sending direction ends: `shutdown(Write)` marks that point
//! without closing the direction the reply comes back on. Closing is dropping the stream.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};

/// The client end of one request/reply conversation; dropping it closes the connection.
#[derive(Debug)]
pub struct Client {
    /// The connected socket: the only handle on it, so dropping the `Client` closes it.
    stream: TcpStream,
}

impl Client {
    /// Connects to the server at `addr`.
    pub fn connect(addr: SocketAddr) -> io::Result<Client> {
        Ok(Client { stream: TcpStream::connect(addr)? })
    }

    /// Sends all of `bytes`.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Half-closes: the server reads end of file; the reply can still come back.
    pub fn finish_sending(&mut self) -> io::Result<()> {
        self.stream.shutdown(Shutdown::Write)
    }

    /// Reads until the server closes the connection.
    pub fn receive_all(&mut self) -> io::Result<Vec<u8>> {
        let mut reply = Vec::new();
        self.stream.read_to_end(&mut reply)?;
        Ok(reply)
    }
}

/// Connects, sends `request`, half-closes and returns the whole reply.
pub fn exchange(addr: SocketAddr, request: &[u8]) -> io::Result<Vec<u8>> {
    let mut client = Client::connect(addr)?;
    client.send(request)?;
    client.finish_sending()?;
    let reply = client.receive_all()?;
    if reply.is_empty() {
        // End of file before any byte: the server hung up without answering. That is not an
        // empty answer, and the caller should be able to tell the difference.
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection without replying"));
    }
    Ok(reply)
    // `client` is dropped here: the connection is closed.
}

/// Reads the request to end of file, answers with `respond(&request)`, then closes.
pub fn answer(stream: TcpStream, respond: impl FnOnce(&[u8]) -> Vec<u8>) -> io::Result<Vec<u8>> {
    // Rebound as mutable here, not in the signature, to keep the signature the stub's.
    let mut stream = stream;
    let mut request = Vec::new();
    // The client's shutdown(Write) is the only sign that the request is complete.
    stream.read_to_end(&mut request)?;
    stream.write_all(&respond(&request))?;
    Ok(request)
    // `stream` is dropped here: the client reads end of file after the reply.
}
