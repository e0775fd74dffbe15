//! The student host's runtime: the `main` of `grader/checks/NN-name/src/host.rs`. It reads the
//! judge's requests from the channel at [`CHANNEL_FD`], performs each on a thread of its own
//! through the exercise's dispatch, and replies with what happened. Values the judge refers to
//! later (a client object, a listener student code made) stay here, by [`Handle`].
//!
//! This process runs student code, so nothing in it is trusted: what it replies is evidence the
//! judge checks, and a host that dies, hangs or lies fails the check.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{FromRawFd, OwnedFd};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::channel::Channel;
use crate::wire::{CHANNEL_FD, Handle, Listener, MAX_MESSAGE, Message, Outcome, PanicInfo, Request, Stream};

/// The sockets that came with a request, in the order the judge attached them.
pub struct Given {
    fds: VecDeque<OwnedFd>,
}

impl Given {
    /// The next socket, as a listener.
    pub fn listener(&mut self) -> Result<TcpListener, String> {
        self.fds.pop_front().map(TcpListener::from).ok_or_else(|| "the request carried no listener".to_owned())
    }

    /// The next socket, as a connected stream.
    pub fn stream(&mut self) -> Result<TcpStream, String> {
        self.fds.pop_front().map(TcpStream::from).ok_or_else(|| "the request carried no stream".to_owned())
    }
}

/// What a dispatch does with a call: the value to reply, or why the call could not be performed.
pub type Performed = Result<Value, String>;

/// The values kept for later calls.
pub struct Host {
    kept: Mutex<HashMap<u64, Box<dyn Any + Send>>>,
    next: AtomicU64,
}

static HOST: OnceLock<Host> = OnceLock::new();

fn host() -> &'static Host {
    HOST.get_or_init(|| Host { kept: Mutex::new(HashMap::new()), next: AtomicU64::new(1) })
}

/// Keeps `value` for later calls.
pub fn keep<T: Any + Send>(value: T) -> Handle {
    let host = host();
    let id = host.next.fetch_add(1, Ordering::Relaxed);
    host.kept.lock().unwrap_or_else(PoisonError::into_inner).insert(id, Box::new(value));
    Handle(id)
}

/// Takes a kept value out (put it back with [`put_back`] to use it again).
pub fn take<T: Any + Send>(handle: Handle) -> Result<T, String> {
    let boxed = host().kept.lock().unwrap_or_else(PoisonError::into_inner).remove(&handle.0);
    match boxed.map(|b| b.downcast::<T>()) {
        Some(Ok(value)) => Ok(*value),
        Some(Err(_)) => Err(format!("handle {} holds another type", handle.0)),
        None => Err(format!("no value is kept under handle {}", handle.0)),
    }
}

/// Puts a value taken with [`take`] back under its handle.
pub fn put_back<T: Any + Send>(handle: Handle, value: T) {
    host().kept.lock().unwrap_or_else(PoisonError::into_inner).insert(handle.0, Box::new(value));
}

/// Keeps a listener and describes it.
pub fn keep_listener(listener: TcpListener) -> Listener {
    let addr = listener.local_addr().ok();
    Listener { handle: keep(listener), addr }
}

/// Keeps a stream and describes it.
pub fn keep_stream(stream: TcpStream) -> Stream {
    let (local, peer) = (stream.local_addr().ok(), stream.peer_addr().ok());
    Stream { handle: keep(stream), local, peer }
}

/// The reply for a value.
pub fn reply(value: impl Serialize) -> Performed {
    serde_json::to_value(value).map_err(|e| format!("cannot serialise the value: {e}"))
}

thread_local! {
    /// Set while a thread performs a call: its panics are the call's outcome.
    static IN_CALL: Cell<bool> = const { Cell::new(false) };
    /// The last panic on this thread, as the hook saw it (with its place).
    static LAST_PANIC: RefCell<Option<PanicInfo>> = const { RefCell::new(None) };
}

/// Runs the host: serves the judge's requests until the judge hangs up, then exits.
pub fn run<C: DeserializeOwned + Send + 'static>(perform: fn(C, &mut Given) -> Performed) -> ! {
    let channel = match take_channel() {
        Ok(channel) => Arc::new(channel),
        Err(problem) => {
            eprintln!("student host: {problem} (this program is started by the grader's judge)");
            std::process::exit(2);
        }
    };
    install_panic_hook(Arc::clone(&channel));
    send(&channel, &Message::Ready);
    loop {
        let (bytes, fds) = match channel.recv() {
            Ok(Some(message)) => message,
            // The judge is gone: so is the check.
            Ok(None) | Err(_) => std::process::exit(0),
        };
        let Ok(request) = serde_json::from_slice::<Request>(&bytes) else { continue };
        // The judge's probe of the channel itself: `cargo xtask bench` prices a call with it.
        let ping = request.call.as_str() == Some(PING);
        let replies = Arc::clone(&channel);
        let id = request.id;
        let mut given = Given { fds: fds.into() };
        let spawned = std::thread::Builder::new().name(format!("call-{id}")).spawn(move || {
            let outcome = match serde_json::from_value::<C>(request.call) {
                _ if ping => Outcome::Returned(Value::from(PONG)),
                Ok(call) => perform_guarded(|| perform(call, &mut given)),
                Err(error) => Outcome::Refused(format!("the host does not know this call: {error}")),
            };
            send(&replies, &Message::Reply { id, outcome });
        });
        if let Err(error) = spawned {
            send(
                &channel,
                &Message::Reply { id, outcome: Outcome::Exhausted(format!("no thread for the call: {error}")) },
            );
        }
    }
}

/// The call that asks the host runtime itself for an answer, and its answer.
pub const PING: &str = "ping";
/// See [`PING`].
pub const PONG: &str = "pong";

fn perform_guarded(perform: impl FnOnce() -> Performed) -> Outcome {
    IN_CALL.with(|c| c.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(perform));
    IN_CALL.with(|c| c.set(false));
    match result {
        Ok(Ok(value)) => Outcome::Returned(value),
        Ok(Err(refused)) => Outcome::Refused(refused),
        Err(payload) => Outcome::Panicked(
            LAST_PANIC
                .with(|last| last.borrow_mut().take())
                .unwrap_or_else(|| PanicInfo { message: payload_message(&*payload), location: None }),
        ),
    }
}

fn send(channel: &Channel, message: &Message) {
    let Ok(mut json) = serde_json::to_vec(message) else { return };
    if json.len() > MAX_MESSAGE
        && let Message::Reply { id, .. } = message
    {
        let too_large = Message::Reply { id: *id, outcome: Outcome::TooLarge { bytes: json.len() } };
        json = serde_json::to_vec(&too_large).expect("a small message serialises");
    }
    // A judge that is gone cannot be told; the host exits at its next read.
    let _ = channel.send(&json, &[]);
}

/// Takes the inherited channel and keeps it from processes student code starts.
fn take_channel() -> Result<Channel, String> {
    // SAFETY: fstat only fills the struct; an fd that is not open gives an error.
    let mut stat: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::fstat(CHANNEL_FD, &mut stat) } != 0 || stat.st_mode & libc::S_IFMT != libc::S_IFSOCK {
        return Err(format!("no channel to the judge at fd {CHANNEL_FD}"));
    }
    // SAFETY: F_SETFD on an open fd.
    unsafe { libc::fcntl(CHANNEL_FD, libc::F_SETFD, libc::FD_CLOEXEC) };
    // SAFETY: fd 3 was opened for this process by the judge and nothing else in it owns it.
    Ok(Channel::from_fd(unsafe { OwnedFd::from_raw_fd(CHANNEL_FD) }))
}

fn install_panic_hook(channel: Arc<Channel>) {
    panic::set_hook(Box::new(move |info| {
        let panic = PanicInfo {
            message: payload_message(info.payload()),
            location: info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())),
        };
        if IN_CALL.with(Cell::get) {
            LAST_PANIC.with(|last| *last.borrow_mut() = Some(panic));
        } else {
            let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
            send(&channel, &Message::Stray { thread, panic });
        }
    }));
}

fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}
