//! The kit's code style is part of its tests, so that `cargo test --workspace` (what CI runs)
//! enforces it: rustfmt and clippy with warnings denied, over every crate and target.

use std::path::Path;
use std::process::Command;

fn cargo(args: &[&str]) -> (bool, String) {
    let kit = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo).args(args).current_dir(kit).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned() + &String::from_utf8_lossy(&output.stdout),
    )
}

#[test]
fn the_code_is_formatted() {
    let (ok, out) = cargo(&["fmt", "--all", "--check"]);
    assert!(ok, "run `cargo fmt --all`:\n{out}");
}

#[test]
fn clippy_finds_nothing() {
    let (ok, out) = cargo(&["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"]);
    assert!(ok, "{out}");
}
