//! The program of exercise 03 (solution): the classic first client.

use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let message = args.next().unwrap_or_else(|| "Hello, server!".to_owned());
    match run(&addr, &message) {
        Ok(reply) => {
            println!("{reply}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the address and talks; both errors end up as one printed line.
fn run(addr: &str, message: &str) -> Result<String, Box<dyn Error>> {
    let addr: SocketAddr = addr.parse().map_err(|_| format!("{addr:?} is not a socket address (IP:port)"))?;
    let reply = client_solution::talk(addr, message).map_err(|e| format!("talking to {addr}: {e}"))?;
    Ok(reply)
}
