//! The student host of 01-bind: performs the judge's calls on the student's crate. Kit code,
//! compiled by the grader together with the graded crate; see `grader_host`.

/// The calls and their answers, shared with the judge (which alone uses some of them).
#[allow(dead_code)]
mod wire;

use bind::BindError;
use grader_host::serve::{Given, Performed, keep_listener, reply};
use grader_host::wire::MakeError;
use wire::{BindErr, Call};

fn main() {
    grader_host::run(perform)
}

fn perform(call: Call, _given: &mut Given) -> Performed {
    match call {
        Call::Bind(text) => reply(bind::bind(&text).map(keep_listener).map_err(mirror)),
        Call::ParseAddress(text) => reply(bind::parse_address(&text).map_err(mirror)),
        Call::Classify(addr, error) => reply(mirror(bind::classify(addr, error.build()))),
        Call::ClassifySource(addr, error) => {
            let classified = bind::classify(addr, error.build());
            reply(std::error::Error::source(&classified).map(ToString::to_string))
        }
        Call::Display(error) => reply(original(error).to_string()),
    }
}

fn mirror(error: BindError) -> BindErr {
    match error {
        BindError::InvalidAddress(text) => BindErr::InvalidAddress(text),
        BindError::AddrInUse(addr) => BindErr::AddrInUse(addr),
        BindError::AddrNotAvailable(addr) => BindErr::AddrNotAvailable(addr),
        BindError::PermissionDenied(addr) => BindErr::PermissionDenied(addr),
        BindError::Other(addr, error) => BindErr::Other(addr, error.into()),
    }
}

fn original(error: BindErr) -> BindError {
    match error {
        BindErr::InvalidAddress(text) => BindError::InvalidAddress(text),
        BindErr::AddrInUse(addr) => BindError::AddrInUse(addr),
        BindErr::AddrNotAvailable(addr) => BindError::AddrNotAvailable(addr),
        BindErr::PermissionDenied(addr) => BindError::PermissionDenied(addr),
        BindErr::Other(addr, error) => {
            BindError::Other(addr, MakeError { kind: error.kind, message: Some(error.message) }.build())
        }
    }
}
