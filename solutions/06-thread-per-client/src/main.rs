//! The program of exercise 06 (solution): a greeting server with a thread per client.

use std::error::Error;
use std::net::TcpListener;
use std::process::ExitCode;

use thread_per_client_solution::{greet, serve};

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

/// Binds once, then serves forever; only a failure of the listening socket ends it.
fn run(addr: &str) -> Result<(), Box<dyn Error>> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("listening on {}", listener.local_addr()?);
    serve(&listener, greet)?;
    Ok(())
}
