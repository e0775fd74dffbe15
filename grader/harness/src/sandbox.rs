//! How the judge starts every process that runs student code (the student host, the exercise's
//! programs): in a working directory of the check's own, outside the kit, so that nothing of the
//! kit is found by a relative path; with the judge's channel and pipes closed to it (Rust opens
//! everything close-on-exec); and without backtraces (a panic's message and place are enough).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

static WORKDIR: OnceLock<PathBuf> = OnceLock::new();

/// Sets, once per judge, the working directory of the check's student processes.
pub fn set_workdir(dir: PathBuf) {
    let _ = std::fs::create_dir_all(&dir);
    let _ = WORKDIR.set(dir);
}

/// A command for a program built from student code.
pub fn command(program: &Path) -> Command {
    let mut command = Command::new(program);
    command.env("RUST_BACKTRACE", "0");
    if let Some(dir) = WORKDIR.get() {
        command.current_dir(dir);
    }
    command
}
