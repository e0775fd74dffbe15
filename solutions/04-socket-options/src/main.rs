//! The program of exercise 04 (solution): one request with a deadline.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use socket_options_solution::{is_timeout, request};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let line = args.next().unwrap_or_else(|| "PING".to_owned());
    let timeout = args.next().unwrap_or_else(|| "2000".to_owned());
    match run(&addr, &line, &timeout) {
        Ok(reply) => {
            // The reply keeps its own newline: println! would add a second one.
            print!("{reply}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the arguments and makes the request; every failure ends up as one printed line.
fn run(addr: &str, line: &str, timeout: &str) -> Result<String, String> {
    let addr: SocketAddr = addr.parse().map_err(|_| format!("{addr:?} is not a socket address (IP:port)"))?;
    let millis: u64 =
        timeout.parse().map_err(|_| format!("{timeout:?} is not a timeout in milliseconds (a whole number)"))?;
    // A zero timeout is not caught here: request refuses it with InvalidInput, reported below.
    request(addr, line, Duration::from_millis(millis)).map_err(|error| {
        // A timeout is the one failure the user can act on by waiting longer: say so in their
        // words, not in the operating system's ("Resource temporarily unavailable").
        if is_timeout(&error) {
            format!("no reply from {addr} within {millis} ms")
        } else {
            format!("request to {addr}: {error}")
        }
    })
}
