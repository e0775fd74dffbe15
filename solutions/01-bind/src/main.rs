//! The program of exercise 01 (solution): binds the address given on the command line and says so.

use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;

/// The seed's first program, with errors as values: one line of output either way, and an exit
/// code that scripts can test.
fn main() -> ExitCode {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    match bind_and_report(&addr) {
        Ok(local) => {
            println!("Socket created and bound to {local}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Binds `addr` and returns the real local address (with port 0 the kernel chose the port).
/// `Box<dyn Error>` lets `?` carry both a `BindError` and the `io::Error` of `local_addr`.
fn bind_and_report(addr: &str) -> Result<SocketAddr, Box<dyn Error>> {
    let listener = bind_solution::bind(addr)?;
    Ok(listener.local_addr()?)
}
