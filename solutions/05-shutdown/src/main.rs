//! The program of exercise 05 (solution): a half-closing client, like `nc -N`.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;

use shutdown_solution::exchange;

fn main() -> ExitCode {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    match run(&addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Reads the request from standard input, exchanges it, and writes the reply to standard output;
/// every failure ends up as one printed line.
fn run(addr: &str) -> Result<(), String> {
    // Parsed before reading the input, so that a typo is reported at once, not after Ctrl-D.
    let addr: SocketAddr = addr.parse().map_err(|_| format!("{addr:?} is not a socket address (IP:port)"))?;
    // The request is all of the input: its end (Ctrl-D) is what the half-close passes on.
    let mut request = Vec::new();
    io::stdin().read_to_end(&mut request).map_err(|e| format!("reading standard input: {e}"))?;
    let reply = exchange(addr, &request).map_err(|e| format!("talking to {addr}: {e}"))?;
    // The reply's bytes as they came: they need not be text, and println! would add a newline.
    let mut stdout = io::stdout().lock();
    stdout.write_all(&reply).and_then(|()| stdout.flush()).map_err(|e| format!("writing the reply: {e}"))
}
