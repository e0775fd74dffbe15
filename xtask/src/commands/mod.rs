//! One module per `cargo xtask` command.

pub mod autograder;
pub mod batch;
pub mod bench;
pub mod grade;
pub mod hint;
pub mod list;
pub mod mutants;
pub mod release;
pub mod reset;
pub mod stress;
pub mod talk;
pub mod verify;
pub mod watch;
