//! One module per `cargo xtask` command.

pub mod grade;
pub mod verify;
