//! The judge's end of the student host: starts the host process (the student's crate linked with
//! the exercise's dispatch, `grader/checks/NN-name/src/host.rs`), sends it calls over the channel,
//! and turns what comes back (a value, a panic, silence, the process's end) into answers a check
//! can judge. Nothing the host says is trusted: a reply that does not parse, a host that dies or
//! never answers, each fails the call.
//!
//! The judge learns at once when the host replies or ends ([`StudentHost::activity`]), so that a
//! check waiting on the network for student code that has already given up can stop waiting.

use std::collections::HashMap;
use std::io::{self, Read};
use std::os::fd::RawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use grader_host::channel::{self, Channel};
use grader_host::wire::{CHANNEL_FD, Message, Outcome, PanicInfo, Request};

/// What the grader's waits on the network watch, to stop as soon as student code cannot answer
/// any more (see [`StudentHost::stopped`]): cheap to clone into every connection of a check.
#[derive(Clone, Default)]
pub struct Watch {
    host: Arc<OnceLock<Arc<StudentHost>>>,
    /// Set while the exercise's program, run to its end, has ended and the grader's side of its
    /// conversation is still being judged.
    program_ended: Arc<std::sync::atomic::AtomicBool>,
}

thread_local! {
    /// The call whose conversation this thread of the judge is in ([`crate::ctx::Background::while_running`]).
    static WATCHED: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

impl Watch {
    /// Starts watching `host` (once it is started).
    pub fn set(&self, host: Arc<StudentHost>) {
        let _ = self.host.set(host);
    }

    /// Why waiting for student code is pointless now, if it is.
    pub fn stopped(&self) -> Option<&'static str> {
        if self.program_ended.load(std::sync::atomic::Ordering::Relaxed) {
            return Some("your program had ended");
        }
        self.host.get()?.stopped(WATCHED.get())
    }

    /// Says whether the program run to its end has ended (and nothing more can come from it).
    pub fn set_program_ended(&self, ended: bool) {
        self.program_ended.store(ended, std::sync::atomic::Ordering::Relaxed);
    }

    /// Runs `f` with the call `id` watched on this thread.
    pub fn watching<R>(id: Option<u64>, f: impl FnOnce() -> R) -> R {
        let before = WATCHED.replace(id.or(WATCHED.get()));
        let result = f();
        WATCHED.set(before);
        result
    }
}

use crate::report::Output;
use crate::transcript::{Transcript, Who};

/// How much of the host's stdout, and of its stderr, is kept.
pub const OUTPUT_LIMIT: usize = 4096;
/// How long [`StudentHost::finish`] reads what is left in the host's pipes.
const DRAIN_LIMIT: Duration = Duration::from_millis(200);
/// How long to wait for the host's exit status once its channel has closed.
const EXIT_WAIT: Duration = Duration::from_millis(500);

/// What the judge hears back about one call.
#[derive(Clone, Debug)]
pub enum Answer {
    /// The host's reply.
    Outcome(Outcome),
    /// The host ended before replying: its exit status, if it could be read.
    Ended(Option<ExitStatus>),
}

#[derive(Default)]
struct State {
    waiting: HashMap<u64, mpsc::Sender<Answer>>,
    ended: Option<Option<ExitStatus>>,
    /// Calls that have been answered.
    done: std::collections::HashSet<u64>,
    /// Whether any call panicked.
    panicked: bool,
    /// Counts replies and the host's end: a wait on the network watches it to stop early.
    events: u64,
}

/// A running student host.
pub struct StudentHost {
    channel: Arc<Channel>,
    child: Arc<Mutex<Child>>,
    state: Arc<(Mutex<State>, Condvar)>,
    next: AtomicU64,
    stdout: Arc<Mutex<Output>>,
    stderr: Arc<Mutex<Output>>,
    readers: Vec<thread::JoinHandle<()>>,
}

impl StudentHost {
    /// Starts the host at `path`. Stray panics (on threads student code started) are told into
    /// `transcript` as they happen.
    pub fn start(path: &Path, transcript: Transcript) -> io::Result<StudentHost> {
        let (ours, theirs) = channel::pair()?;
        let theirs_fd = theirs.as_raw_fd();
        let mut command = crate::sandbox::command(path);
        command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // SAFETY: between fork and exec only async-signal-safe calls (dup2, fcntl) are made.
        unsafe {
            command.pre_exec(move || {
                if theirs_fd == CHANNEL_FD {
                    if libc::fcntl(CHANNEL_FD, libc::F_SETFD, 0) < 0 {
                        return Err(io::Error::last_os_error());
                    }
                } else if libc::dup2(theirs_fd, CHANNEL_FD) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command.spawn()?;
        drop(theirs);
        let (stdout, out_reader) = keep_output(child.stdout.take().expect("piped"));
        let (stderr, err_reader) = keep_output(child.stderr.take().expect("piped"));
        let host = StudentHost {
            channel: Arc::new(ours),
            child: Arc::new(Mutex::new(child)),
            state: Arc::default(),
            next: AtomicU64::new(1),
            stdout,
            stderr,
            readers: vec![out_reader, err_reader],
        };
        let (channel, child, state) = (Arc::clone(&host.channel), Arc::clone(&host.child), Arc::clone(&host.state));
        thread::Builder::new()
            .name("host-reader".into())
            .spawn(move || read_replies(&channel, &child, &state, &transcript))?;
        Ok(host)
    }

    /// Sends `call` (an exercise's `Call`, as JSON) with `fds` attached; the answer arrives on the
    /// returned receiver.
    pub fn call(&self, call: serde_json::Value, fds: &[RawFd]) -> mpsc::Receiver<Answer> {
        self.call_with_id(call, fds).1
    }

    /// [`StudentHost::call`], with the call's id (for [`StudentHost::stopped`]).
    pub fn call_with_id(&self, call: serde_json::Value, fds: &[RawFd]) -> (u64, mpsc::Receiver<Answer>) {
        let (sender, receiver) = mpsc::channel();
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (lock, _) = &*self.state;
        let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(ended) = state.ended {
            let _ = sender.send(Answer::Ended(ended));
            return (id, receiver);
        }
        state.waiting.insert(id, sender);
        drop(state);
        let request = serde_json::to_vec(&Request { id, call }).expect("requests serialise");
        if self.channel.send(&request, fds).is_err() {
            // The host is gone; the reader reports its end to every waiting call.
            let waiting = lock.lock().unwrap_or_else(PoisonError::into_inner).waiting.remove(&id);
            if let Some(sender) = waiting {
                let _ = sender.send(Answer::Ended(None));
            }
        }
        (id, receiver)
    }

    /// Why waiting on the network for student code is pointless now, if it is: the host process
    /// has ended, a call panicked (the check fails by that panic whatever else happens), or the
    /// call `watched` (the one whose conversation the grader is in) has already returned.
    pub fn stopped(&self, watched: Option<u64>) -> Option<&'static str> {
        let state = self.state.0.lock().unwrap_or_else(PoisonError::into_inner);
        if state.ended.is_some() {
            Some("the process running your code had ended")
        } else if state.panicked {
            Some("your code had panicked")
        } else if watched.is_some_and(|id| state.done.contains(&id)) {
            Some("your code had already returned")
        } else {
            None
        }
    }

    /// How many replies (and ends) have arrived so far.
    pub fn activity(&self) -> u64 {
        self.state.0.lock().unwrap_or_else(PoisonError::into_inner).events
    }

    /// Waits up to `limit` for activity beyond `seen`; returns the new count.
    pub fn wait_activity(&self, seen: u64, limit: Duration) -> u64 {
        let (lock, ready) = &*self.state;
        let state = lock.lock().unwrap_or_else(PoisonError::into_inner);
        let (state, _) = ready
            .wait_timeout_while(state, limit, |state| state.events == seen)
            .unwrap_or_else(PoisonError::into_inner);
        state.events
    }

    /// What the host printed so far.
    pub fn output(&self) -> (Output, Output) {
        let get = |o: &Arc<Mutex<Output>>| o.lock().unwrap_or_else(PoisonError::into_inner).clone();
        (get(&self.stdout), get(&self.stderr))
    }

    /// Ends the host (the check is over) and returns all it printed: what it wrote just before
    /// its last reply may still be in the pipes, so they are read to their end (at most
    /// [`DRAIN_LIMIT`], should a process it started hold them open).
    pub fn finish(&self) -> (Output, Output) {
        {
            let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
            let _ = child.kill();
            let _ = child.wait();
        }
        let until = Instant::now() + DRAIN_LIMIT;
        while !self.readers.iter().all(thread::JoinHandle::is_finished) && Instant::now() < until {
            thread::sleep(Duration::from_millis(1));
        }
        self.output()
    }
}

impl Drop for StudentHost {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn read_replies(channel: &Channel, child: &Mutex<Child>, state: &(Mutex<State>, Condvar), transcript: &Transcript) {
    let (lock, ready) = state;
    loop {
        let message = match channel.recv() {
            Ok(Some((bytes, _))) => serde_json::from_slice::<Message>(&bytes).ok(),
            Ok(None) | Err(_) => break,
        };
        match message {
            Some(Message::Reply { id, outcome }) => {
                let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
                state.done.insert(id);
                state.panicked |= matches!(outcome, Outcome::Panicked(_));
                if let Some(sender) = state.waiting.remove(&id) {
                    let _ = sender.send(Answer::Outcome(outcome));
                }
                state.events += 1;
                ready.notify_all();
            }
            Some(Message::Stray { thread, panic }) => {
                transcript.say(Who::Student, format!("a thread ({thread}) panicked: {}", shown_panic(&panic)));
            }
            // Ready, or a message that does not parse: nothing to act on.
            Some(Message::Ready) | None => {}
        }
    }
    let status = exit_status(child);
    let mut state = lock.lock().unwrap_or_else(PoisonError::into_inner);
    state.ended = Some(status);
    for (_, sender) in state.waiting.drain() {
        let _ = sender.send(Answer::Ended(status));
    }
    state.events += 1;
    ready.notify_all();
}

/// The host's exit status, waiting a moment for it: its channel closes as it exits.
fn exit_status(child: &Mutex<Child>) -> Option<ExitStatus> {
    let until = Instant::now() + EXIT_WAIT;
    loop {
        if let Ok(Some(status)) = child.lock().unwrap_or_else(PoisonError::into_inner).try_wait() {
            return Some(status);
        }
        if Instant::now() >= until {
            return None;
        }
        thread::sleep(Duration::from_millis(2));
    }
}

fn keep_output(mut pipe: impl Read + Send + 'static) -> (Arc<Mutex<Output>>, thread::JoinHandle<()>) {
    let kept = Arc::new(Mutex::new(Output::default()));
    let writer = Arc::clone(&kept);
    let reader = thread::spawn(move || {
        let mut buf = [0u8; 8192];
        let mut bytes = Vec::new();
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = OUTPUT_LIMIT.saturating_sub(bytes.len());
                    let taken = n.min(room);
                    bytes.extend_from_slice(&buf[..taken]);
                    let mut out = writer.lock().unwrap_or_else(PoisonError::into_inner);
                    out.text = String::from_utf8_lossy(&bytes).into_owned();
                    out.dropped += (n - taken) as u64;
                }
            }
        }
    });
    (kept, reader)
}

/// A panic as a student reads it: its message and its place in their files.
pub fn shown_panic(panic: &PanicInfo) -> String {
    match &panic.location {
        Some(location) => format!("{} (at {})", panic.message, crate::sources::shown(location)),
        None => panic.message.clone(),
    }
}
