//! One module per `cargo xtask` command.

pub mod bench;
pub mod grade;
pub mod stress;
pub mod verify;
