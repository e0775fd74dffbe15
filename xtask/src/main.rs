//! `cargo xtask`: the command line of sockets-course. Students grade their exercises; instructors
//! grade the solutions or any folder of exercise crates, and prove that every check can fail.
//! Students also watch an exercise while they work on it, list their progress, ask for hints and
//! reset an exercise to its stub.
//!
//! Each command lives in `commands/`, each output format in `render/`.

mod api;
mod cli;
mod commands;
mod files;
mod guide;
mod progress;
mod render;
mod stub;
mod style;
mod term;
mod zip;

use std::process::ExitCode;

/// Exit code when a command could not run at all (bad arguments, a tree that does not exist).
pub const CANNOT_RUN: u8 = 2;

fn main() -> ExitCode {
    // Student code runs as this user too: it must not read this process's memory or descriptors.
    grader::runner::protect_from_peers();
    match cli::run(lexopt::Parser::from_env()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            eprintln!("Run `cargo xtask --help` for usage.");
            ExitCode::from(CANNOT_RUN)
        }
    }
}
