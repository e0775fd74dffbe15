//! The terminal, when there is one: its width (for wrapping long messages), a spinner on standard
//! error while the grader builds and runs checks, and the raw keyboard mode of `watch`. When output
//! is piped none of this happens, so that piped output stays stable for scripts and tests.

use std::io::{IsTerminal, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Frames of the spinner (braille dots: one cell wide in every common terminal font).
const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/// How often the spinner moves.
pub const TICK: Duration = Duration::from_millis(100);

/// The width of the terminal standard output writes to, or `None` when stdout is not a terminal
/// (then nothing is wrapped: a pipe has no width, and scripts want lines whole).
pub fn stdout_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    width_of(std::io::stdout().as_raw_fd())
}

fn width_of(fd: RawFd) -> Option<usize> {
    size_of(fd).map(|size| size.width)
}

/// The size of a terminal, in character cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
}

/// The size of the terminal standard output writes to, or `None` when it is not a terminal (or
/// does not say: then nothing is fitted to it).
pub fn stdout_size() -> Option<Size> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    size_of(std::io::stdout().as_raw_fd()).filter(|size| size.height > 0)
}

fn size_of(fd: RawFd) -> Option<Size> {
    // SAFETY: an all-zero winsize is valid; TIOCGWINSZ fills it for a terminal and fails otherwise.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: `size` is a valid winsize for the duration of the call.
    let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(Size { width: usize::from(size.ws_col), height: usize::from(size.ws_row) })
}

/// The frame of the spinner for tick number `n`.
pub fn frame(n: usize) -> &'static str {
    FRAMES[n % FRAMES.len()]
}

/// A one-line status on standard error with a spinner, redrawn in place; nothing at all when
/// standard error is not a terminal. The line is erased when the spinner is dropped.
pub struct Spinner {
    shared: Option<Spinning>,
}

/// The message shown, the request to stop, and the thread drawing.
type Spinning = (Arc<Mutex<String>>, Arc<AtomicBool>, JoinHandle<()>);

impl Spinner {
    /// Starts spinning with `message`.
    pub fn start(message: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Spinner { shared: None };
        }
        let text = Arc::new(Mutex::new(message.to_owned()));
        let stop = Arc::new(AtomicBool::new(false));
        let (shown, stopped) = (Arc::clone(&text), Arc::clone(&stop));
        let thread = thread::spawn(move || {
            let mut n = 0;
            while !stopped.load(Ordering::Relaxed) {
                let line = shown.lock().unwrap_or_else(PoisonError::into_inner).clone();
                eprint!("\r\x1b[2K{} {line}", frame(n));
                let _ = std::io::stderr().flush();
                n += 1;
                thread::sleep(TICK);
            }
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
        });
        Spinner { shared: Some((text, stop, thread)) }
    }

    /// Changes the message; the next tick shows it.
    pub fn set(&self, message: impl Into<String>) {
        if let Some((text, _, _)) = &self.shared {
            *text.lock().unwrap_or_else(PoisonError::into_inner) = message.into();
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some((_, stop, thread)) = self.shared.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = thread.join();
        }
    }
}

/// Standard input in "keys" mode: each key press is delivered at once, without echo, and Ctrl-C
/// arrives as the byte 3 instead of a signal, so that `watch` can quit cleanly (restore the
/// terminal, stop the grade it is running). The previous mode is restored on drop.
pub struct RawKeys {
    saved: libc::termios,
}

impl RawKeys {
    /// Switches standard input to keys mode, or returns `None` when it is not a terminal.
    pub fn enable() -> Option<Self> {
        let fd = std::io::stdin().as_raw_fd();
        if !std::io::stdin().is_terminal() {
            return None;
        }
        // SAFETY: an all-zero termios is valid storage; tcgetattr fills it.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: `saved` is valid for writing; `fd` is open.
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return None;
        }
        let mut keys = saved;
        // No line editing, no echo, no signals from the keyboard. Output processing (\n → \r\n)
        // stays on, so that printing works as usual.
        keys.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
        keys.c_cc[libc::VMIN] = 1;
        keys.c_cc[libc::VTIME] = 0;
        // SAFETY: `keys` is a valid termios derived from the current one.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &keys) } != 0 {
            return None;
        }
        Some(RawKeys { saved })
    }
}

impl Drop for RawKeys {
    fn drop(&mut self) {
        // SAFETY: restores the settings read in `enable` on the same descriptor.
        unsafe {
            libc::tcsetattr(std::io::stdin().as_raw_fd(), libc::TCSANOW, &self.saved);
        }
    }
}

/// Set by the signal handler of [`on_termination`].
static TERMINATED: AtomicBool = AtomicBool::new(false);

extern "C" fn note_termination(_: libc::c_int) {
    // Only an atomic store: the one kind of work that is safe inside a signal handler.
    TERMINATED.store(true, Ordering::Relaxed);
}

/// Turns SIGINT, SIGTERM and SIGHUP into a flag that [`terminated`] reads, so that a long-running
/// command can clean up (restore the terminal, stop its children) instead of dying mid-way.
pub fn on_termination() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(signal, note_termination as *const () as libc::sighandler_t);
        }
    }
}

/// True once one of the signals of [`on_termination`] arrived.
pub fn terminated() -> bool {
    TERMINATED.load(Ordering::Relaxed)
}

/// Set by the signal handler of [`on_resize`].
static RESIZED: AtomicBool = AtomicBool::new(false);

extern "C" fn note_resize(_: libc::c_int) {
    RESIZED.store(true, Ordering::Relaxed);
}

/// Turns SIGWINCH (the terminal changed size) into a flag that [`resized`] reads, so that a
/// full-screen command can redraw to the new size.
pub fn on_resize() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGWINCH, note_resize as *const () as libc::sighandler_t);
    }
}

/// True once after each change of the terminal's size (since [`on_resize`]).
pub fn resized() -> bool {
    RESIZED.swap(false, Ordering::Relaxed)
}
