//! The calls the judge of 01-bind asks the student host to perform, and the shapes in which the
//! answers come back. Shared by the judge (`main.rs`) and the host (`host.rs`).

use std::net::SocketAddr;

use grader_host::wire::{IoError, Listener, MakeError};
use serde::{Deserialize, Serialize};

/// A call into the student's crate.
#[derive(Debug, Serialize, Deserialize)]
pub enum Call {
    /// `bind(&text)` → `Result<Listener, BindErr>`; the host keeps the listener.
    Bind(String),
    /// `parse_address(&text)` → `Result<SocketAddr, BindErr>`.
    ParseAddress(String),
    /// `classify(addr, error)` → `BindErr`.
    Classify(SocketAddr, MakeError),
    /// `classify(addr, error)`, then `source()` of what it returned →
    /// `Option<String>`: the source's `to_string()`, if there is one.
    ClassifySource(SocketAddr, MakeError),
    /// `error.to_string()` of the student's `BindError` built from this value → `String`.
    Display(BindErr),
}

/// The student's `BindError`, variant by variant; its `Debug` text reads like the original's.
#[derive(Debug, Serialize, Deserialize)]
pub enum BindErr {
    /// `BindError::InvalidAddress`.
    InvalidAddress(String),
    /// `BindError::AddrInUse`.
    AddrInUse(SocketAddr),
    /// `BindError::AddrNotAvailable`.
    AddrNotAvailable(SocketAddr),
    /// `BindError::PermissionDenied`.
    PermissionDenied(SocketAddr),
    /// `BindError::Other`, with the error as it crossed.
    Other(SocketAddr, IoError),
}

/// What `bind` returned.
pub type Bound = Result<Listener, BindErr>;
