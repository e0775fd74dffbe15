//! The grader's harness: everything a hidden check needs, and everything that runs checks safely.
//!
//! Two kinds of process use this crate:
//!
//! - a **check runner** (one binary per exercise, built from `grader/checks/NN-name` against the
//!   tree being graded) declares its checks with [`Check`] and hands them to [`runner::main`]; it
//!   runs exactly one check per process, so student code can panic, hang or exit without harm;
//! - the **grading process** (`cargo xtask grade`) builds the runners for a tree ([`tree`]), starts
//!   one child per check with a time limit ([`supervise`]) and collects a [`report::Report`]
//!   ([`grade`]). It never links student code.

pub mod check;
pub mod ctx;
pub mod files;
pub mod grade;
pub mod layout;
pub mod net;
pub mod program;
pub mod protocol;
pub mod reaper;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod sources;
pub mod stage;
pub mod student;
pub mod supervise;
pub mod transcript;
pub mod tree;
pub mod unread;

pub use check::{Check, Fail, Outcome, Step};
pub use ctx::Ctx;

/// Re-exported so that check crates need no dependency of their own besides the harness.
pub use assert_cmd;
/// Re-exported: the wire types checks and hosts share.
pub use grader_host;
/// Re-exported for assertions on program output in checks.
pub use predicates;
/// Re-exported for the exercises' wire types.
pub use serde;
