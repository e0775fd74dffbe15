//! The calls the judge of 05-shutdown asks the student host to perform, and the shapes in which
//! the answers come back. Shared by the judge (`main.rs`) and the host (`host.rs`).

use std::fmt;
use std::net::SocketAddr;

use grader_host::wire::Handle;
use serde::{Deserialize, Serialize};

/// A call into the student's crate.
#[derive(Debug, Serialize, Deserialize)]
pub enum Call {
    /// `exchange(addr, &request)` → `IoResult<Bytes>`.
    Exchange(SocketAddr, Vec<u8>),
    /// `Client::connect(addr)` → `IoResult<Client>`; the host keeps the `Client`.
    Connect(SocketAddr),
    /// `client.send(&bytes)` → `IoResult<()>`.
    Send(Handle, Vec<u8>),
    /// `client.finish_sending()` → `IoResult<()>`.
    FinishSending(Handle),
    /// `client.receive_all()` → `IoResult<Bytes>`. The client's last call: the host drops it
    /// afterwards, so that a `Client` that stops reading early closes its connection, as it would
    /// in a program.
    ReceiveAll(Handle),
    /// `drop(client)` → `()`.
    Drop(Handle),
    /// `answer(stream, respond)` on the stream the judge passes along → `IoResult<Bytes>`.
    Answer(Respond),
}

/// A `Client` the host keeps, with the original's `Debug` text.
#[derive(Serialize, Deserialize)]
pub struct Client {
    /// Names it in later calls.
    pub handle: Handle,
    /// `format!("{client:?}")` of the student's `Client`.
    pub debug: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.debug)
    }
}

/// Bytes student code returned (a reply, a request). The judge shows them as quoted text; that
/// `Debug` is written there, with the harness's quoting, which the host does not link.
#[derive(Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bytes(pub Vec<u8>);

/// The function from request to reply that the grader hands to `answer`: kit code, run in the
/// host, and run by the judge too to know the reply to expect.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum Respond {
    /// Says what it received, so that a partly read request shows: `"35 bytes, 2 lines\n"`.
    Count,
}

impl Respond {
    /// The reply to `request`.
    pub fn reply(self, request: &[u8]) -> Vec<u8> {
        match self {
            Respond::Count => {
                let lines = request.iter().filter(|&&b| b == b'\n').count();
                format!("{} bytes, {lines} lines\n", request.len()).into_bytes()
            }
        }
    }
}
