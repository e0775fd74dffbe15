//! The program of exercise 07 (solution): `pizza-shop serve [ADDR]` runs the shop,
//! `pizza-shop call [ADDR]` places the requests read from standard input.

use std::error::Error;
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::sync::Arc;

use pizza_shop_solution::{Client, Shop, serve};

const USAGE: &str = "usage: pizza-shop serve [ADDR] | pizza-shop call [ADDR]";
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    let addr = args.next().unwrap_or_else(|| DEFAULT_ADDR.to_owned());
    let result = match command.as_deref() {
        Some("serve") => open_shop(&addr),
        Some("call") => call(&addr),
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Binds once, then serves forever; only a failure of the listening socket ends it.
fn open_shop(addr: &str) -> Result<(), Box<dyn Error>> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    println!("pizza shop open on {}", listener.local_addr()?);
    serve(&listener, Arc::new(Shop::default()))?;
    Ok(())
}

/// Sends each line of standard input and prints each reply, then says QUIT unless the user did.
fn call(addr: &str) -> Result<(), Box<dyn Error>> {
    let parsed: SocketAddr = addr.parse().map_err(|_| format!("{addr:?} is not a socket address (IP:port)"))?;
    let mut client = Client::connect(parsed).map_err(|e| format!("cannot reach the shop at {addr}: {e}"))?;
    let mut talk = |request: &str| -> Result<(), Box<dyn Error>> {
        let reply = client.send(request).map_err(|e| format!("the shop at {addr} did not answer {request:?}: {e}"))?;
        println!("{reply}");
        Ok(())
    };
    for line in std::io::stdin().lines() {
        let line = line?;
        talk(&line)?;
        if line.split_whitespace().eq(["QUIT"]) {
            return Ok(());
        }
    }
    talk("QUIT")
}
