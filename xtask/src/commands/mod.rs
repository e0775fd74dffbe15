//! One module per `cargo xtask` command.

pub mod batch;
pub mod grade;
pub mod verify;
