//! # Exercise 03 — the client (solution)
//!
//! A connection is a byte stream: whole messages come from loops (`write_all`, reading up to a
//! delimiter), never from single `write` or `read` calls.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Sends all of `message`.
pub fn send_all(mut writer: impl Write, message: &[u8]) -> io::Result<()> {
    // write_all retries partial writes (and interrupted ones) until every byte is taken.
    writer.write_all(message)?;
    writer.flush()
}

/// Reads one line, without its line ending.
pub fn receive_line(reader: impl Read) -> io::Result<String> {
    // BufReader reads in chunks and hands out bytes up to the newline. It may read past the
    // newline into its buffer; that is fine here because the reader is used for one line only.
    let mut line = String::new();
    BufReader::new(reader).read_line(&mut line)?;
    // read_line returns what it has at the end of the stream, with or without a newline: a line
    // without one was cut short.
    let Some(line) = line.strip_suffix('\n') else {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("the connection closed before the end of the line (got {line:?})"),
        ));
    };
    Ok(line.strip_suffix('\r').unwrap_or(line).to_owned())
}

/// Connects, sends `message`, and returns the reply line.
pub fn talk(addr: SocketAddr, message: &str) -> io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    send_all(&mut stream, message.as_bytes())?;
    receive_line(&mut stream)
    // `stream` is dropped here, which closes the connection.
}
